//! The `/live` websocket protocol: small JSON messages for the meeting state
//! that only the server may decide (presence, attendance, who is followed,
//! who has the floor, votes, announcements).
//!
//! Every message is a JSON object tagged by `type`. The first client message
//! is `hello`, answered by `welcome` (the whole current state in one
//! message) or `hello_refused`. After that, every client request carries an
//! `id` and gets exactly one reply: `ok` or `error` with that `id`. Changes
//! made by anyone reach everyone as events (`*_changed`, `vote_*`, …).
//! `docs/protocol.md` shows an example of each message.
//!
//! A refusal (`hello_refused`, `error`) carries a stable code
//! (`HelloRefusal`, `LiveErrorCode`) and the message in both languages,
//! `message_vi` and `message_en` ([`ServerMessage::hello_refused`],
//! [`ServerMessage::error`]); the client shows the one in its UI language.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::{MeetingRole, MeetingState};
use crate::rules::{DecisionRule, Threshold, VoteOutcome};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// The oldest client protocol version this server still serves.
pub const OLDEST_SUPPORTED_CLIENT_VERSION: u32 = 1;

/// The standard options of a vote (biểu quyết), in this order.
pub const STANDARD_VOTE_OPTIONS: [&str; 3] = ["Tán thành", "Không tán thành", "Không biểu quyết"];

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// The first message: which protocol, which meeting, which device.
    Hello {
        protocol_version: u32,
        meeting_id: String,
        /// A stable id the device keeps (for presence and readiness).
        device_id: String,
    },
    /// A delegate checks in (điểm danh) from their own device.
    CheckIn { id: u64 },
    /// Staff mark someone present, absent (with a reason) or late.
    SetAttendance {
        id: u64,
        user_id: String,
        status: AttendanceStatus,
        #[serde(default)]
        reason: Option<String>,
    },
    /// The presenter moves everyone who follows.
    SetFollow { id: u64, position: FollowPosition },
    /// Đăng ký phát biểu.
    RequestFloor { id: u64 },
    /// Withdraw one's own request.
    WithdrawFloor { id: u64 },
    /// The chair gives the floor to someone in the queue (or anyone present).
    GiveFloor { id: u64, user_id: String },
    /// The chair (or the speaker) ends the current turn.
    EndTurn { id: u64 },
    /// The chair reorders the queue; every queued user appears once.
    ReorderSpeakers { id: u64, user_ids: Vec<String> },
    /// The chair sets a per-speaker time limit (`null` for none).
    SetSpeakingLimit { id: u64, seconds: Option<u32> },
    /// The chair opens a vote.
    OpenVote {
        id: u64,
        #[serde(default)]
        agenda_item_id: Option<String>,
        question: String,
        /// Empty for the standard options (tán thành / không tán thành /
        /// không biểu quyết).
        #[serde(default)]
        options: Vec<String>,
        /// Bỏ phiếu kín: who voted is kept, what they chose is not.
        #[serde(default)]
        secret: bool,
        /// Who may vote: the voting members present (or late) when the
        /// vote opens (the default), or every voting member.
        #[serde(default)]
        eligibility: VoteEligibility,
        /// Whether a voter may change their ballot until the vote closes.
        #[serde(default)]
        allow_change: bool,
    },
    /// A voter casts a ballot: the index of the chosen option. Casting
    /// again replaces the ballot when the vote allows changes.
    CastBallot {
        id: u64,
        vote_id: String,
        choice: usize,
        /// A secret ballot that may be changed: a random secret the device
        /// keeps (32 to 128 letters, digits, `-` or `_`). The server stores
        /// only a hash of it with the choice, so a change can be proven by
        /// the device that cast the ballot and no stored row names the
        /// choice. Send the same key to change the ballot.
        #[serde(default)]
        ballot_key: Option<String>,
    },
    /// The chair closes a vote; the result is announced to everyone.
    CloseVote { id: u64, vote_id: String },
    /// Staff send an announcement (thông báo) to everyone.
    Announce { id: u64, text: String },
    /// A participant asks the secretary for something (yêu cầu gửi thư ký).
    SendSecretaryRequest {
        id: u64,
        kind: SecretaryRequestKind,
        /// The document a paper copy is asked for (optional).
        #[serde(default)]
        document_id: Option<String>,
        /// A short text; required for `other`.
        #[serde(default)]
        text: Option<String>,
    },
    /// Staff mark a request handled (đã xử lý).
    HandleSecretaryRequest { id: u64, request_id: String },
    /// A device reports which document versions of the agenda pack it
    /// holds, each checked against its SHA-256 on the device, and whether
    /// it is downloading. The server compares them with the meeting's
    /// current versions for the readiness board. Sent again after every
    /// change and every welcome.
    ReportReadiness {
        id: u64,
        /// At most [`MAX_HELD_DOCUMENTS`] entries.
        #[serde(default)]
        held: Vec<HeldDocument>,
        #[serde(default)]
        downloading: bool,
    },
    /// Keeps the connection warm; answered with `ok`.
    Ping { id: u64 },
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The answer to `hello`: who you are here and the whole current state.
    Welcome {
        protocol_version: u32,
        user_id: String,
        role: MeetingRole,
        state: Box<LiveSnapshot>,
    },
    /// `hello` was refused; the connection closes after this.
    HelloRefused {
        code: HelloRefusal,
        /// For people, in Vietnamese: what happened and what to do.
        message_vi: String,
        /// That message in English.
        message_en: String,
        /// `message_vi` again, for clients older than `message_vi`.
        message: String,
    },
    /// A request succeeded.
    Ok {
        id: u64,
    },
    /// A request failed; nothing changed. Clients switch on `code`, never
    /// on the text.
    Error {
        id: u64,
        code: LiveErrorCode,
        /// For people, in Vietnamese: what happened and what to do.
        message_vi: String,
        /// That message in English.
        message_en: String,
        /// `message_vi` again, for clients older than `message_vi`.
        message: String,
    },
    PresenceChanged {
        presence: PresenceEntry,
    },
    AttendanceChanged {
        attendance: AttendanceEntry,
        quorum: Quorum,
    },
    FollowChanged {
        follow: FollowState,
    },
    SpeakersChanged {
        speakers: SpeakersState,
    },
    VoteOpened {
        vote: VoteView,
    },
    /// How many ballots are in (never what they say while the vote is open).
    VoteProgress {
        vote_id: String,
        ballots_cast: u32,
        eligible: u32,
    },
    VoteClosed {
        vote: VoteView,
    },
    Announcement {
        announcement: Announcement,
    },
    /// Staff only: one device's agenda pack changed (its report, or the
    /// meeting's documents).
    ReadinessChanged {
        readiness: DeviceReadiness,
    },
    /// The meeting itself changed (published, agenda edited, state moved):
    /// reload it over REST.
    MeetingChanged {
        meeting_state: MeetingState,
    },
    /// The quorum as the meeting now stands, sent with `meeting_changed`
    /// (the rules or the members may have changed).
    QuorumChanged {
        quorum: Quorum,
    },
    /// A request to the secretary was sent or handled. Goes to the chair,
    /// the secretaries and the participant who sent it.
    SecretaryRequestChanged {
        request: SecretaryRequest,
    },
}

impl ServerMessage {
    /// The refusal of `hello`, in both languages (`message` is the
    /// Vietnamese one).
    pub fn hello_refused(
        code: HelloRefusal,
        message_vi: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        let message_vi = message_vi.into();
        ServerMessage::HelloRefused {
            code,
            message: message_vi.clone(),
            message_vi,
            message_en: message_en.into(),
        }
    }

    /// The failure of request `id`, in both languages (`message` is the
    /// Vietnamese one).
    pub fn error(
        id: u64,
        code: LiveErrorCode,
        message_vi: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        let message_vi = message_vi.into();
        ServerMessage::Error {
            id,
            code,
            message: message_vi.clone(),
            message_vi,
            message_en: message_en.into(),
        }
    }
}

/// Why `hello` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HelloRefusal {
    /// Update the app: the server no longer speaks this version.
    ClientTooOld,
    /// The server is older than the app: update the server.
    ServerTooOld,
    /// Not a participant of that meeting, or it does not exist.
    NotFound,
    /// The first message was not a valid `hello`.
    BadHello,
}

/// Stable error codes of `/live` requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LiveErrorCode {
    /// The message is not valid for this protocol.
    BadRequest,
    /// This role may not do that.
    Forbidden,
    /// No such user, vote or item in this meeting.
    NotFound,
    /// The vote is closed (or not open yet).
    VoteClosed,
    /// This voter has already cast a ballot in this vote.
    AlreadyVoted,
    /// This participant may not vote in this vote (observer, remote point,
    /// secretary, or not present when a present-only vote opened).
    NotEligible,
    /// Too many messages: slow down.
    RateLimited,
    /// The meeting is closed or cancelled.
    MeetingOver,
    /// The database does not answer (restarting): nothing was saved; try
    /// again in a few seconds.
    StorageUnavailable,
    /// The server's disk is full: nothing was saved.
    StorageFull,
    Internal,
}

/// Điểm danh status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    Present,
    Absent,
    Late,
}

/// The state of the meeting at one moment, sent in `welcome`.
///
/// The chair and secretaries get all of it. Everyone else gets what their
/// screens show, so that a welcome does not grow with the meeting:
/// `participants` holds themself and those in the speakers list (the full
/// list is `GET /api/v1/meetings/{id}/participants`), `attendance` their
/// own entry, `presence` and `readiness` nothing, and closed votes come
/// without `named_choices`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LiveSnapshot {
    pub meeting_state: MeetingState,
    /// Everyone for staff; themself and the speakers for the others.
    pub participants: Vec<LiveParticipant>,
    /// Staff only (empty for others).
    pub presence: Vec<PresenceEntry>,
    /// Everyone's for staff; one's own for the others.
    pub attendance: Vec<AttendanceEntry>,
    pub quorum: Quorum,
    pub follow: Option<FollowState>,
    pub speakers: SpeakersState,
    /// Open votes and the closed ones of this meeting, oldest first.
    pub votes: Vec<VoteView>,
    /// The latest announcements, oldest first.
    pub announcements: Vec<Announcement>,
    /// Staff only (empty for others): every device's download progress.
    pub readiness: Vec<DeviceReadiness>,
    /// Requests to the secretary, oldest first: all of them for the chair
    /// and secretaries, one's own for anyone else.
    #[serde(default)]
    pub secretary_requests: Vec<SecretaryRequest>,
}

/// A participant, as the live view needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LiveParticipant {
    pub user_id: String,
    pub display_name: String,
    pub role: MeetingRole,
}

/// Who is connected, on how many devices, since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PresenceEntry {
    pub user_id: String,
    pub devices_online: u32,
    /// When the first of their devices connected (ms since the epoch);
    /// `None` when offline.
    pub online_since_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttendanceEntry {
    pub user_id: String,
    pub status: AttendanceStatus,
    pub reason: Option<String>,
    pub at_ms: i64,
    /// Who recorded it (the user themself for a check-in).
    pub marked_by: String,
}

/// Present voting members against the meeting's quorum rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Quorum {
    pub present_voting_members: u32,
    pub voting_members: u32,
    /// The meeting's rule ("ít nhất 2/3 thành viên").
    pub rule: Threshold,
    /// The fewest present that reach it, for the screens ("cần 18").
    pub needed: u32,
    pub reached: bool,
}

/// Where the presenter is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FollowPosition {
    #[serde(default)]
    pub agenda_item_id: Option<String>,
    #[serde(default)]
    pub document_id: Option<String>,
    /// 1-based page.
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub viewport: Option<Viewport>,
}

/// The visible part of a page, in page fractions (0..1) and zoom.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Viewport {
    pub x: f64,
    pub y: f64,
    pub zoom: f64,
}

/// What every follower shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FollowState {
    pub position: FollowPosition,
    pub presenter_user_id: String,
    /// Increases with each move, so a client can drop stale ones.
    pub seq: u64,
    pub at_ms: i64,
}

/// The speakers list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct SpeakersState {
    pub queue: Vec<FloorRequest>,
    pub current: Option<SpeakingTurn>,
    pub limit_seconds: Option<u32>,
    /// Finished turns, oldest first (kept for the minutes).
    pub history: Vec<FinishedTurn>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FloorRequest {
    pub user_id: String,
    /// The speaker's name: a delegate's welcome does not list every
    /// participant, and the speakers list is where their screen shows
    /// names.
    #[serde(default)]
    pub display_name: String,
    pub requested_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SpeakingTurn {
    pub user_id: String,
    /// The speaker's name, as in [`FloorRequest`].
    #[serde(default)]
    pub display_name: String,
    pub started_at_ms: i64,
    /// The limit for this turn; clients show the countdown.
    pub limit_seconds: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FinishedTurn {
    pub user_id: String,
    pub started_at_ms: i64,
    pub ended_at_ms: i64,
}

/// Who may vote in a vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoteEligibility {
    /// The voting members (chair and delegates) marked present or late
    /// when the vote opened.
    #[default]
    Present,
    /// Every voting member of the meeting when the vote opened.
    AllVotingMembers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoteState {
    Open,
    Closed,
}

/// A vote as participants see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VoteView {
    pub id: String,
    pub agenda_item_id: Option<String>,
    pub question: String,
    pub options: Vec<String>,
    pub secret: bool,
    pub state: VoteState,
    pub opened_at_ms: i64,
    pub closed_at_ms: Option<i64>,
    pub ballots_cast: u32,
    /// How many may vote (fixed when the vote opened).
    pub eligible: u32,
    /// Who may vote.
    #[serde(default)]
    pub eligibility: VoteEligibility,
    /// Whether a voter may change their ballot until the vote closes.
    #[serde(default)]
    pub allow_change: bool,
    /// Whether the receiving user has voted (their own receipt).
    pub you_voted: bool,
    /// Counts per option, in `options` order, once closed.
    pub result: Option<Vec<u32>>,
    /// The rule the vote was opened under (the meeting's rule then);
    /// `None` for a vote stored before rules were kept.
    #[serde(default)]
    pub rule: Option<DecisionRule>,
    /// How many members the rule counts against, fixed when the vote
    /// opened (those present then, or all members).
    #[serde(default)]
    pub decision_base: Option<u32>,
    /// Once closed, under `rule`: "Thông qua" or "Không thông qua".
    #[serde(default)]
    pub outcome: Option<VoteOutcome>,
    /// For an open (not secret) vote, once closed: who chose what. Sent
    /// to the chair and secretaries only.
    pub named_choices: Option<Vec<NamedChoice>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NamedChoice {
    pub user_id: String,
    pub choice: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Announcement {
    pub text: String,
    pub by_user_id: String,
    pub at_ms: i64,
}

/// What a participant asks the secretary for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecretaryRequestKind {
    /// A printed copy (of `document_id`, when given).
    PaperCopy,
    /// Help with the tablet, the network, the microphone…
    TechHelp,
    /// Anything else, said in `text`.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecretaryRequestState {
    Open,
    Handled,
}

/// A request to the secretary (yêu cầu gửi thư ký) and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SecretaryRequest {
    pub id: String,
    /// Who asked.
    pub user_id: String,
    pub kind: SecretaryRequestKind,
    pub document_id: Option<String>,
    pub text: Option<String>,
    pub state: SecretaryRequestState,
    pub created_at_ms: i64,
    pub handled_at_ms: Option<i64>,
    pub handled_by: Option<String>,
}

/// The most document versions one readiness report may list.
pub const MAX_HELD_DOCUMENTS: usize = 2000;

/// A document version a device holds, its bytes checked against `sha256`
/// (lowercase hex) on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HeldDocument {
    pub document_id: String,
    pub version: u32,
    pub sha256: String,
}

/// Where a device stands with the meeting's agenda pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadinessStatus {
    /// Holds the current version of every document of the pack.
    Ready,
    /// Holds an older version of some document and not the current one
    /// (`stale` says which).
    Stale,
    /// Lacks some documents and is downloading them.
    Downloading,
    /// Lacks some documents and is not downloading (offline, failed, or
    /// never opened the meeting).
    Missing,
}

/// A document a device holds only in an older version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaleDocument {
    pub document_id: String,
    pub held_version: u32,
    pub current_version: u32,
}

/// One device's agenda pack as the server judges it from the device's
/// own report: which current versions it holds (SHA-256 equal to the
/// server's), which it holds only in an older version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceReadiness {
    pub user_id: String,
    pub device_id: String,
    pub status: ReadinessStatus,
    /// Documents of the pack held in their current version.
    pub cached_documents: u32,
    /// Documents in the pack (the meeting's documents that are not
    /// confidential).
    pub total_documents: u32,
    /// Documents held only in an older version.
    #[serde(default)]
    pub stale: Vec<StaleDocument>,
    /// Whether the device said it is downloading.
    #[serde(default)]
    pub downloading: bool,
    pub online: bool,
    /// When the device last reported.
    pub at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_are_tagged_by_type_in_snake_case() {
        let message: ClientMessage =
            serde_json::from_str(r#"{"type":"cast_ballot","id":7,"vote_id":"v_1","choice":0}"#)
                .unwrap();
        assert_eq!(
            message,
            ClientMessage::CastBallot {
                id: 7,
                vote_id: "v_1".into(),
                choice: 0,
                ballot_key: None,
            }
        );
        let json = serde_json::to_value(ServerMessage::Ok { id: 7 }).unwrap();
        assert_eq!(json, serde_json::json!({"type": "ok", "id": 7}));
    }

    #[test]
    fn a_vote_defaults_to_present_voters_and_no_changes() {
        let message: ClientMessage =
            serde_json::from_str(r#"{"type":"open_vote","id":1,"question":"Q?"}"#).unwrap();
        let ClientMessage::OpenVote {
            eligibility,
            allow_change,
            ..
        } = message
        else {
            panic!("open_vote expected")
        };
        assert_eq!(eligibility, VoteEligibility::Present);
        assert!(!allow_change);
        assert_eq!(
            serde_json::to_value(VoteEligibility::AllVotingMembers).unwrap(),
            "all_voting_members"
        );
    }

    #[test]
    fn unknown_message_types_are_errors() {
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"format_disk","id":1}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#""hello""#).is_err());
    }
}
