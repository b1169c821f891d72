//! The web client's copy of the wire types, generated: [`generate`]
//! renders every type of this crate (from the JSON Schemas its utoipa
//! derives describe), the close codes and the protocol constants as one
//! TypeScript module, `client-web/src/api/generated.ts`.
//!
//! `cargo run -p phonghop-protocol --example gen-ts` writes the file, and
//! `shared/tests/generated_typescript.rs` fails while the committed file
//! differs from what [`generate`] says, so the client cannot drift from
//! the server.
//!
//! Which fields may be absent depends on the direction. serde writes every
//! field of a struct unless it is marked `skip_serializing_if`, so in what
//! the server sends every property is present (`null` for a `None`), and
//! the generated type says so; the fields the server leaves out when
//! `None` are listed in [`MAY_BE_LEFT_OUT`]. What the client sends (the
//! requests, `ClientMessage`, and every type they contain) may leave out
//! what the server reads with a default, so there a property outside the
//! schema's `required` list is optional.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde_json::{Map, Value};
use utoipa::openapi::{RefOr, Schema};
use utoipa::ToSchema;

use crate::close::CloseCode;
use crate::live::{
    self, ClientMessage, ServerMessage, OLDEST_SUPPORTED_CLIENT_VERSION, PROTOCOL_VERSION,
    STANDARD_VOTE_OPTIONS,
};
use crate::{api, rules};

/// The command that writes the file, printed when it is stale.
pub const REGENERATE_COMMAND: &str = "cargo run -p phonghop-protocol --example gen-ts";

/// Where the generated module lives, from the repository's root.
pub const GENERATED_PATH: &str = "client-web/src/api/generated.ts";

/// Properties of server-sent types that serde leaves out when `None`
/// (`skip_serializing_if`): `(type, property)`.
pub const MAY_BE_LEFT_OUT: &[(&str, &str)] = &[("HealthStatus", "reason")];

/// Every schema, by name.
type Schemas = BTreeMap<String, Value>;

fn add<T: ToSchema>(schemas: &mut Schemas) {
    let mut found: Vec<(String, RefOr<Schema>)> = vec![(T::name().into_owned(), T::schema())];
    T::schemas(&mut found);
    for (name, schema) in found {
        let json = serde_json::to_value(schema).expect("a schema is JSON");
        schemas.insert(name, json);
    }
}

/// The types the client sends; they and every type they contain may
/// leave out what the server reads with a default.
fn sent_by_the_client(schemas: &mut Schemas) -> Vec<String> {
    let mut roots = Vec::new();
    macro_rules! sent {
        ($($ty:ty),* $(,)?) => {$(
            add::<$ty>(schemas);
            roots.push(<$ty as ToSchema>::name().into_owned());
        )*};
    }
    sent!(
        ClientMessage,
        api::LoginRequest,
        api::WsTicketRequest,
        api::SyncConnectQuery,
        api::CreateMeetingRequest,
        api::UpdateMeetingRequest,
        api::SetParticipantRequest,
        api::CreateAgendaItemRequest,
        api::UpdateAgendaItemRequest,
        api::AgendaOrderRequest,
        api::DocumentUploadForm,
        api::UpdateDocumentRequest,
        api::CreateUserRequest,
        api::SetUserRoleRequest,
        api::ResetPasswordRequest,
        api::ChangePasswordRequest,
        api::SignRecordRequest,
        api::ExternalSignatureComplete,
        api::SetAnnotationHiddenRequest,
    );
    roots
}

/// The types the server sends (and those that are both, like the codes).
fn sent_by_the_server(schemas: &mut Schemas) {
    macro_rules! received {
        ($($ty:ty),* $(,)?) => {$( add::<$ty>(schemas); )*};
    }
    received!(
        ServerMessage,
        live::HelloRefusal,
        live::LiveErrorCode,
        api::ApiError,
        api::ErrorCode,
        api::OrgRole,
        api::MeetingRole,
        api::MeetingState,
        api::LoginResponse,
        api::User,
        api::WsTicketResponse,
        api::MeetingList,
        api::MeetingSummary,
        api::Meeting,
        api::AgendaItem,
        api::DocumentInfo,
        api::DocumentVersionSummary,
        api::DocumentVersionList,
        api::DocumentVersionDetails,
        api::SyncDocumentKind,
        api::SyncAccess,
        api::SyncDocument,
        api::HiddenAnnotation,
        api::Participant,
        api::ParticipantList,
        api::UserAccount,
        api::BackupStatus,
        api::UserList,
        api::DeviceInfo,
        api::DeviceList,
        api::OneTimePassword,
        api::CreatedUser,
        api::ImportRowErrorCode,
        api::ImportRowError,
        api::ImportRow,
        api::ImportPreview,
        api::ImportedAccount,
        api::ImportResult,
        api::SessionInfo,
        api::SessionList,
        api::AuditLog,
        api::AuditLogEntry,
        api::DocumentReadsReport,
        api::DocumentReads,
        api::ParticipantReads,
        api::DocumentRead,
        api::HealthStatus,
        api::RecordSignature,
        api::RecordStatus,
        api::ExternalSignaturePrepared,
        rules::Fraction,
        rules::Comparison,
        rules::Threshold,
        rules::DecisionBase,
        rules::DecisionRule,
        rules::MeetingRules,
        rules::VoteOutcome,
    );
}

/// The names of `roots` and of every schema they refer to, directly or not.
fn reachable(schemas: &Schemas, roots: &[String]) -> BTreeSet<String> {
    fn refs(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    found.push(reference.rsplit('/').next().unwrap_or_default().to_owned());
                }
                map.values().for_each(|v| refs(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.to_vec();
    while let Some(name) = stack.pop() {
        if seen.insert(name.clone()) {
            if let Some(schema) = schemas.get(&name) {
                refs(schema, &mut stack);
            }
        }
    }
    seen
}

/// The whole TypeScript module.
pub fn generate() -> String {
    let mut schemas = Schemas::new();
    let client_roots = sent_by_the_client(&mut schemas);
    sent_by_the_server(&mut schemas);
    let sent = reachable(&schemas, &client_roots);

    let mut out = String::new();
    out.push_str(&format!(
        "// Generated by `{REGENERATE_COMMAND}` from crate phonghop-protocol (shared/): do not edit.\n"
    ));
    out.push_str(
        "//\n\
         // The wire types of the REST API, of `/live` (`ClientMessage`, `ServerMessage`)\n\
         // and the websocket close codes. In a type the server sends, every property is\n\
         // present; in one the client sends, a property the server reads with a default\n\
         // is optional. `src/api/types.ts` and `src/live/protocol.ts` re-export these\n\
         // and add the guards.\n\n",
    );

    out.push_str("/** The `/live` protocol version this build speaks. */\n");
    let _ = writeln!(out, "export const PROTOCOL_VERSION = {PROTOCOL_VERSION};");
    out.push_str("/** The oldest client protocol version the server still serves. */\n");
    let _ = writeln!(
        out,
        "export const OLDEST_SUPPORTED_CLIENT_VERSION = {OLDEST_SUPPORTED_CLIENT_VERSION};"
    );
    out.push_str("/** The standard options of a vote, in this order. */\n");
    let options: Vec<String> = STANDARD_VOTE_OPTIONS
        .iter()
        .map(|option| string_literal(option))
        .collect();
    let _ = writeln!(
        out,
        "export const STANDARD_VOTE_OPTIONS = [{}] as const;",
        options.join(", ")
    );
    let _ = writeln!(
        out,
        "/** The most document versions one readiness report may list. */\nexport const MAX_HELD_DOCUMENTS = {};\n",
        live::MAX_HELD_DOCUMENTS
    );

    out.push_str(
        "/** The close codes of `/live` and `/sync` sockets (shared/src/close.rs). */\nexport const CloseCode = {\n",
    );
    for code in CloseCode::ALL {
        let _ = writeln!(out, "  {}: {},", code.name(), code.code());
    }
    out.push_str(
        "} as const;\nexport type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];\n",
    );

    for (name, schema) in &schemas {
        out.push('\n');
        let direction = if sent.contains(name) {
            Direction::Sent
        } else {
            Direction::Received
        };
        declaration(&mut out, name, schema, direction);
    }
    out
}

/// Whether the client sends a type or receives it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Sent,
    Received,
}

fn declaration(out: &mut String, name: &str, schema: &Value, direction: Direction) {
    doc_comment(out, schema.get("description"), "");
    let is_object = schema.get("properties").is_some() && schema.get("oneOf").is_none();
    if is_object {
        let _ = writeln!(out, "export interface {name} {{");
        object_body(out, name, schema, direction, "  ");
        out.push_str("}\n");
    } else {
        let type_text = type_of(name, schema, direction, "");
        let separator = if type_text.starts_with('\n') { "" } else { " " };
        let _ = writeln!(out, "export type {name} ={separator}{type_text};");
    }
}

fn object_body(out: &mut String, owner: &str, schema: &Value, direction: Direction, indent: &str) {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (property, value) in properties {
        doc_comment(out, value.get("description"), indent);
        let optional = match direction {
            Direction::Sent => !required.contains(property.as_str()),
            Direction::Received => MAY_BE_LEFT_OUT.contains(&(owner, property.as_str())),
        };
        let _ = writeln!(
            out,
            "{indent}{property}{}: {};",
            if optional { "?" } else { "" },
            type_of(owner, value, direction, indent)
        );
    }
}

/// The TypeScript type of one schema.
fn type_of(owner: &str, schema: &Value, direction: Direction, indent: &str) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or("unknown").to_owned();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(variants) = schema.get(key).and_then(Value::as_array) {
            let parts: Vec<(Option<&Value>, String)> = variants
                .iter()
                .map(|variant| {
                    (
                        variant.get("description"),
                        variant_type(owner, variant, direction, indent),
                    )
                })
                .collect();
            return union(parts, indent);
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let parts: Vec<String> = parts
            .iter()
            .map(|part| type_of(owner, part, direction, indent))
            .collect();
        return parts.join(" & ");
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let parts: Vec<String> = values
            .iter()
            .map(|value| match value {
                Value::String(text) => string_literal(text),
                Value::Null => "null".to_owned(),
                other => other.to_string(),
            })
            .collect();
        return parts.join(" | ");
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.is_empty() {
        return "unknown".to_owned();
    }
    let parts: Vec<String> = types
        .iter()
        .map(|kind| match *kind {
            "string" => "string".to_owned(),
            "integer" | "number" => "number".to_owned(),
            "boolean" => "boolean".to_owned(),
            "null" => "null".to_owned(),
            "array" => {
                let item = schema
                    .get("items")
                    .map(|items| type_of(owner, items, direction, indent))
                    .unwrap_or_else(|| "unknown".to_owned());
                if item.contains(' ') {
                    format!("({item})[]")
                } else {
                    format!("{item}[]")
                }
            }
            "object" => object_type(owner, schema, direction, indent),
            _ => "unknown".to_owned(),
        })
        .collect();
    parts.join(" | ")
}

/// A variant of a union: an inline object when it has properties.
fn variant_type(owner: &str, variant: &Value, direction: Direction, indent: &str) -> String {
    if variant.get("properties").is_some() {
        let inner = format!("{indent}    ");
        let mut body = String::new();
        object_body(&mut body, owner, variant, direction, &inner);
        let mut text = String::from("{\n");
        text.push_str(&body);
        let _ = write!(text, "{indent}  }}");
        text
    } else {
        type_of(owner, variant, direction, indent)
    }
}

fn object_type(owner: &str, schema: &Value, direction: Direction, indent: &str) -> String {
    if schema.get("properties").is_some() {
        return variant_type(owner, schema, direction, indent);
    }
    match schema.get("additionalProperties") {
        Some(Value::Object(values)) if !values.is_empty() => {
            format!(
                "Record<string, {}>",
                type_of(owner, &Value::Object(values.clone()), direction, indent)
            )
        }
        _ => "Record<string, unknown>".to_owned(),
    }
}

/// A union: on one line, or one variant a line (with its doc comment) when
/// a variant is an object.
fn union(parts: Vec<(Option<&Value>, String)>, indent: &str) -> String {
    if parts.iter().any(|(_, part)| part.contains('\n')) {
        let mut text = String::new();
        for (description, part) in parts {
            text.push('\n');
            doc_comment(&mut text, description, &format!("{indent}  "));
            let _ = write!(text, "{indent}  | {part}");
        }
        text
    } else {
        let parts: Vec<String> = parts.into_iter().map(|(_, part)| part).collect();
        parts.join(" | ")
    }
}

fn doc_comment(out: &mut String, description: Option<&Value>, indent: &str) {
    let Some(text) = description.and_then(Value::as_str) else {
        return;
    };
    let text = text.trim().replace("*/", "*\\/");
    if text.is_empty() {
        return;
    }
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() == 1 {
        let _ = writeln!(out, "{indent}/** {} */", lines[0]);
    } else {
        let _ = writeln!(out, "{indent}/**");
        for line in lines {
            if line.is_empty() {
                let _ = writeln!(out, "{indent} *");
            } else {
                let _ = writeln!(out, "{indent} * {line}");
            }
        }
        let _ = writeln!(out, "{indent} */");
    }
}

fn string_literal(text: &str) -> String {
    serde_json::to_string(text).expect("a string is JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_opens_with_the_generated_marker() {
        let text = generate();
        assert!(
            text.starts_with("// Generated by `cargo run -p phonghop-protocol --example gen-ts`")
        );
        assert!(text.contains("export const CloseCode = {\n  Normal: 1000,"));
    }

    #[test]
    fn server_sent_types_have_every_property_and_client_sent_ones_may_leave_defaults_out() {
        let text = generate();
        // `VoteView` is only received: `agenda_item_id` is always there.
        assert!(text.contains("  agenda_item_id: string | null;"), "{text}");
        // `UpdateMeetingRequest` is sent: its fields may be left out.
        let update = text
            .split("export interface UpdateMeetingRequest {")
            .nth(1)
            .expect("UpdateMeetingRequest");
        assert!(update.contains("  title?: string | null;"), "{update}");
        assert!(text.contains("  reason?: string | null;"));
    }
}
