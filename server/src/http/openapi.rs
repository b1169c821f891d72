//! `GET /api/openapi.json`: the OpenAPI 3 document, generated from the
//! handlers' `#[utoipa::path]` annotations and the wire types in `shared`.
//! A test checks that it and the router list the same routes.

use axum::Json;
use utoipa::OpenApi;

use super::{
    account, admin, auth, document_reads, documents, editing, health, meetings, moderation, record,
    record_signing, user_import, users,
};

/// The websocket endpoints, documented here (their handlers live in
/// `sync` and `live`).
#[utoipa::path(get, path = "/sync", tag = "websockets", params(("ticket" = Option<String>, Query, description = "A ticket from /api/v1/auth/ws-ticket (or send the session cookie)"), ("device_id" = Option<String>, Query, description = "With the cookie: this device's id")), responses((status = 101, description = "automerge-repo websocket protocol (CBOR)"), (status = 401, description = "No valid ticket or session"), (status = 403, description = "Foreign Origin")))]
#[allow(dead_code)]
fn sync_socket() {}

#[utoipa::path(get, path = "/live", tag = "websockets", params(("ticket" = Option<String>, Query, description = "A ticket from /api/v1/auth/ws-ticket (or send the session cookie)")), responses((status = 101, description = "The live meeting protocol (JSON, see docs/protocol.md)"), (status = 401, description = "No valid ticket or session"), (status = 403, description = "Foreign Origin")))]
#[allow(dead_code)]
fn live_socket() {}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "phonghop API",
        description = "Paperless meeting rooms (phòng họp không giấy). Errors are `{code, message}`; the message follows Accept-Language (vi by default, en)."
    ),
    paths(
        auth::login,
        auth::logout,
        auth::me,
        auth::ws_ticket,
        auth::device_wiped,
        account::change_password,
        account::sessions,
        account::end_session,
        users::list,
        users::create,
        users::set_disabled,
        users::set_role,
        user_import::preview,
        user_import::import,
        users::reset_password,
        users::devices,
        users::wipe_device,
        admin::backup_status,
        meetings::list,
        meetings::one,
        meetings::audit,
        document_reads::document_reads,
        record::record_pdf,
        record_signing::record_status,
        record_signing::sign_record,
        record_signing::prepare_external,
        record_signing::complete_external,
        editing::create_meeting,
        editing::update_meeting,
        editing::transition,
        editing::participants,
        editing::set_participant,
        editing::remove_participant,
        editing::create_agenda_item,
        editing::update_agenda_item,
        editing::delete_agenda_item,
        editing::reorder_agenda,
        moderation::set_hidden,
        documents::current_file,
        documents::version_file,
        documents::confidential_version_file,
        documents::upload,
        documents::replace,
        documents::update,
        documents::remove,
        documents::versions,
        health::healthz,
        health::readyz,
        health::metrics,
        health::ca_certificate,
        sync_socket,
        live_socket,
    )
)]
pub struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every `.route("…")` path in the router's source, as OpenAPI spells
    /// paths (with the `/api/v1` prefix of the nested API router).
    fn routed_paths() -> BTreeSet<String> {
        let source = include_str!("mod.rs");
        let api_start = source.find("let api = Router::new()").expect("api router");
        let outer_start = source
            .find("Router::new()\n        .nest(\"/api/v1\", api)")
            .expect("outer router");
        let mut paths = BTreeSet::new();
        for (offset, chunk) in [
            (api_start, &source[api_start..outer_start]),
            (outer_start, &source[outer_start..]),
        ] {
            let _ = offset;
            let prefix = if chunk.starts_with("let api") {
                "/api/v1"
            } else {
                ""
            };
            for piece in chunk.split(".route(").skip(1) {
                let piece = piece.trim_start();
                let Some(rest) = piece.strip_prefix('"') else {
                    continue;
                };
                let path = &rest[..rest.find('"').unwrap()];
                paths.insert(format!("{prefix}{path}"));
            }
        }
        paths
    }

    #[test]
    fn the_openapi_document_lists_exactly_the_routed_paths() {
        let documented: BTreeSet<String> = ApiDoc::openapi().paths.paths.keys().cloned().collect();
        let mut routed = routed_paths();
        routed.insert("/api/openapi.json".into());
        let mut documented_and_self = documented.clone();
        documented_and_self.insert("/api/openapi.json".into());
        assert_eq!(
            documented_and_self, routed,
            "router and OpenAPI document disagree"
        );
    }

    #[test]
    fn every_operation_has_responses_and_a_tag() {
        for (path, item) in ApiDoc::openapi().paths.paths {
            let operations = [&item.get, &item.post, &item.put, &item.patch, &item.delete];
            assert!(
                operations.iter().any(|o| o.is_some()),
                "{path} has no operation"
            );
            for operation in operations.into_iter().flatten() {
                assert!(!operation.responses.responses.is_empty(), "{path}");
                assert!(
                    operation.tags.as_ref().is_some_and(|t| !t.is_empty()),
                    "{path}"
                );
            }
        }
    }
}
