//! Every example in `docs/protocol.md` parses as the message it shows, and
//! every message type has an example.

use std::collections::BTreeSet;

use phonghop_protocol::live::{ClientMessage, ServerMessage};

/// The JSON blocks of the document, tagged `json client` or `json server`.
fn examples() -> Vec<(String, String)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/protocol.md");
    let text = std::fs::read_to_string(&path).expect("docs/protocol.md");
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
