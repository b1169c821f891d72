//! Every example in `docs/protocol.md` parses as the message it shows, and
//! every message type has an example.

use std::collections::BTreeSet;

use phonghop_protocol::close::CloseCode;
use phonghop_protocol::live::{ClientMessage, HelloRefusal, LiveErrorCode, ServerMessage};

fn protocol_page() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/protocol.md");
    std::fs::read_to_string(&path).expect("docs/protocol.md")
}

/// The JSON blocks of the document, tagged `json client` or `json server`.
fn examples() -> Vec<(String, String)> {
    let text = protocol_page();
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut current, line.trim()) {
            (None, fence) if fence.starts_with("```json ") => {
                current = Some((
                    fence.trim_start_matches("```json ").to_owned(),
                    String::new(),
                ));
            }
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    assert!(current.is_none(), "an unclosed code block");
    blocks
}

fn client_type(message: &ClientMessage) -> &'static str {
    match message {
        ClientMessage::Hello { .. } => "hello",
        ClientMessage::CheckIn { .. } => "check_in",
        ClientMessage::SetAttendance { .. } => "set_attendance",
        ClientMessage::SetFollow { .. } => "set_follow",
        ClientMessage::RequestFloor { .. } => "request_floor",
        ClientMessage::WithdrawFloor { .. } => "withdraw_floor",
        ClientMessage::GiveFloor { .. } => "give_floor",
        ClientMessage::EndTurn { .. } => "end_turn",
        ClientMessage::ReorderSpeakers { .. } => "reorder_speakers",
        ClientMessage::SetSpeakingLimit { .. } => "set_speaking_limit",
        ClientMessage::OpenVote { .. } => "open_vote",
        ClientMessage::CastBallot { .. } => "cast_ballot",
        ClientMessage::CloseVote { .. } => "close_vote",
        ClientMessage::Announce { .. } => "announce",
        ClientMessage::SendSecretaryRequest { .. } => "send_secretary_request",
        ClientMessage::HandleSecretaryRequest { .. } => "handle_secretary_request",
        ClientMessage::ReportReadiness { .. } => "report_readiness",
        ClientMessage::Ping { .. } => "ping",
    }
}

const ALL_CLIENT_TYPES: [&str; 18] = [
    "hello",
    "check_in",
    "set_attendance",
    "set_follow",
    "request_floor",
    "withdraw_floor",
    "give_floor",
    "end_turn",
    "reorder_speakers",
    "set_speaking_limit",
    "open_vote",
    "cast_ballot",
    "close_vote",
    "announce",
    "send_secretary_request",
    "handle_secretary_request",
    "report_readiness",
    "ping",
];

fn server_type(message: &ServerMessage) -> &'static str {
    match message {
        ServerMessage::Welcome { .. } => "welcome",
        ServerMessage::HelloRefused { .. } => "hello_refused",
        ServerMessage::Ok { .. } => "ok",
        ServerMessage::Error { .. } => "error",
        ServerMessage::PresenceChanged { .. } => "presence_changed",
        ServerMessage::AttendanceChanged { .. } => "attendance_changed",
        ServerMessage::FollowChanged { .. } => "follow_changed",
        ServerMessage::SpeakersChanged { .. } => "speakers_changed",
        ServerMessage::VoteOpened { .. } => "vote_opened",
        ServerMessage::VoteProgress { .. } => "vote_progress",
        ServerMessage::VoteClosed { .. } => "vote_closed",
        ServerMessage::Announcement { .. } => "announcement",
        ServerMessage::ReadinessChanged { .. } => "readiness_changed",
        ServerMessage::MeetingChanged { .. } => "meeting_changed",
        ServerMessage::QuorumChanged { .. } => "quorum_changed",
        ServerMessage::SecretaryRequestChanged { .. } => "secretary_request_changed",
    }
}

const ALL_SERVER_TYPES: [&str; 16] = [
    "welcome",
    "hello_refused",
    "ok",
    "error",
    "presence_changed",
    "attendance_changed",
    "follow_changed",
    "speakers_changed",
    "vote_opened",
    "vote_progress",
    "vote_closed",
    "announcement",
    "readiness_changed",
    "meeting_changed",
    "quorum_changed",
    "secretary_request_changed",
];

#[test]
fn every_documented_example_parses_and_every_message_has_one() {
    let mut client_seen = BTreeSet::new();
    let mut server_seen = BTreeSet::new();
    for (direction, body) in examples() {
        match direction.as_str() {
            "client" => {
                let message: ClientMessage = serde_json::from_str(&body)
                    .unwrap_or_else(|e| panic!("client example does not parse ({e}):\n{body}"));
                client_seen.insert(client_type(&message));
            }
            "server" => {
                let message: ServerMessage = serde_json::from_str(&body)
                    .unwrap_or_else(|e| panic!("server example does not parse ({e}):\n{body}"));
                server_seen.insert(server_type(&message));
            }
            other => panic!("unknown example direction {other:?}"),
        }
    }
    assert_eq!(
        client_seen,
        ALL_CLIENT_TYPES.into_iter().collect::<BTreeSet<_>>()
    );
    assert_eq!(
        server_seen,
        ALL_SERVER_TYPES.into_iter().collect::<BTreeSet<_>>()
    );
}

#[test]
fn examples_round_trip_without_losing_fields() {
    for (direction, body) in examples() {
        let original: serde_json::Value = serde_json::from_str(&body).unwrap();
        let again = if direction == "client" {
            serde_json::to_value(serde_json::from_str::<ClientMessage>(&body).unwrap()).unwrap()
        } else {
            serde_json::to_value(serde_json::from_str::<ServerMessage>(&body).unwrap()).unwrap()
        };
        for key in original.as_object().unwrap().keys() {
            assert!(again.get(key).is_some(), "field {key} lost in:\n{body}");
        }
    }
}

/// The `code`-quoted words of the paragraph of the page that starts with
/// `lead` (up to the next blank line or code block).
fn quoted_in_paragraph(lead: &str) -> BTreeSet<String> {
    let page = protocol_page();
    let start = page
        .find(lead)
        .unwrap_or_else(|| panic!("docs/protocol.md has no paragraph starting {lead:?}"));
    let rest = &page[start..];
    let end = [rest.find("\n\n"), rest.find("```")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    let paragraph = &rest[..end];
    paragraph
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The name a code has on the wire.
fn wire_name(code: impl serde::Serialize) -> String {
    serde_json::to_value(code)
        .unwrap()
        .as_str()
        .expect("a code is a string")
        .to_owned()
}

#[test]
fn the_page_lists_every_request_error_code_and_no_other() {
    use LiveErrorCode::*;
    let every = [
        BadRequest,
        Forbidden,
        NotFound,
        VoteClosed,
        AlreadyVoted,
        NotEligible,
        RateLimited,
        MeetingOver,
        StorageUnavailable,
        StorageFull,
        Internal,
    ];
    // A new code fails to compile here until it is added above (and then
    // this test fails until the page lists it).
    for code in every {
        match code {
            BadRequest | Forbidden | NotFound | VoteClosed | AlreadyVoted | NotEligible
            | RateLimited | MeetingOver | StorageUnavailable | StorageFull | Internal => {}
        }
    }
    let listed: BTreeSet<String> = quoted_in_paragraph("Error codes:")
        .into_iter()
        .filter(|word| !word.contains(' '))
        .collect();
    assert_eq!(listed, every.into_iter().map(wire_name).collect());
}

#[test]
fn the_page_lists_every_hello_refusal_and_no_other() {
    use HelloRefusal::*;
    let every = [ClientTooOld, ServerTooOld, NotFound, BadHello];
    for code in every {
        match code {
            ClientTooOld | ServerTooOld | NotFound | BadHello => {}
        }
    }
    let listed = quoted_in_paragraph("`hello` refused (");
    let listed: BTreeSet<String> = listed.into_iter().filter(|word| word != "hello").collect();
    assert_eq!(listed, every.into_iter().map(wire_name).collect());
}

#[test]
fn the_close_code_table_is_the_one_in_shared() {
    let page = protocol_page();
    let rows: BTreeSet<(u16, String)> = page
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            let [number, name, ..] = cells.as_slice() else {
                return None;
            };
            Some((number.parse().ok()?, name.trim_matches('`').to_owned()))
        })
        .collect();
    let every: BTreeSet<(u16, String)> = CloseCode::ALL
        .into_iter()
        .map(|code| (code.code(), code.name().to_owned()))
        .collect();
    assert_eq!(rows, every, "docs/protocol.md's close code table");
}
