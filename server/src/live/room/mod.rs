//! [`Room`]: the live state of one meeting and the rules that change it,
//! as pure functions with no I/O.
//!
//! A request goes through two steps. [`Room::plan`] checks who may do what
//! against the current state and returns a [`Plan`] (or the error to send
//! back). The engine then makes the plan durable if it must (attendance,
//! votes, finished turns) and calls [`Room::apply`], which changes the state
//! and returns the events to broadcast. Keeping the two apart lets the
//! database be the judge of what must be unique (one ballot per voter)
//! while the rules stay testable without a socket or a database.
//!
//! This module holds the room, the plan and the two dispatchers; each
//! concern's rules (its `plan_*` and `apply_*` methods) and their tests live
//! in its own file:
//! - `attendance`: check-in, attendance marked by staff, the quorum;
//! - `presence`: devices online;
//! - `readiness`: each device's agenda pack judged against the meeting's;
//! - `follow`: the page everyone follows;
//! - `speakers`: the floor, the queue to speak, finished turns;
//! - `votes`: opening, ballots (changed or not), closing, who may vote;
//! - `secretary`: requests to the secretary and their rate limit;
//! - `announcements`: the chair's and secretaries' notices;
//! - `snapshot`: what a `welcome` holds for each viewer.
//!
//! `randomized` walks seeded random meetings through `plan` and `apply`
//! and checks the invariants every concern promises, for every role.

mod announcements;
mod attendance;
mod follow;
mod presence;
#[cfg(test)]
mod randomized;
mod readiness;
mod secretary;
mod snapshot;
mod speakers;
#[cfg(test)]
mod test_support;
mod votes;

use std::collections::{BTreeMap, HashMap, VecDeque};

use phonghop_protocol::api::{MeetingRole, MeetingState};
use phonghop_protocol::live::{
    Announcement, AttendanceEntry, ClientMessage, DeviceReadiness, FinishedTurn, FloorRequest,
    FollowState, LiveErrorCode, LiveParticipant, NamedChoice, SecretaryRequest, ServerMessage,
    SpeakersState,
};
use phonghop_protocol::rules::MeetingRules;

pub use readiness::{PackDocument, ReadinessReport};
pub use secretary::{
    MAX_OPEN_SECRETARY_REQUESTS, MAX_SECRETARY_REQUEST_TEXT, SECRETARY_REQUESTS_PER_WINDOW,
    SECRETARY_REQUEST_WINDOW_MS,
};
pub use votes::{valid_ballot_key, vote_outcome, OpenVote, RoomVote};

/// Who sent a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub role: MeetingRole,
}

impl Actor {
    fn is_staff(&self) -> bool {
        matches!(self.role, MeetingRole::Chair | MeetingRole::Secretary)
    }

    fn is_chair(&self) -> bool {
        self.role == MeetingRole::Chair
    }
}

/// Who may vote: the chair and delegates.
pub fn is_voting_role(role: MeetingRole) -> bool {
    matches!(role, MeetingRole::Chair | MeetingRole::Delegate)
}

/// Who receives an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    /// The chair and secretaries only.
    Staff,
    /// Everyone but the chair and secretaries.
    NotStaff,
    /// The chair, the secretaries and this one user (their own request).
    StaffAndUser(String),
}

impl Audience {
    /// Whether `user_id` (staff or not) receives an event for this audience.
    pub fn includes(&self, user_id: &str, staff: bool) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::Staff => staff,
            Audience::NotStaff => !staff,
            Audience::StaffAndUser(user) => staff || user == user_id,
        }
    }
}

/// An event to broadcast.
#[derive(Debug, Clone, PartialEq)]
pub struct Broadcast {
    pub audience: Audience,
    pub message: ServerMessage,
}

impl Broadcast {
    fn everyone(message: ServerMessage) -> Self {
        Broadcast {
            audience: Audience::Everyone,
            message,
        }
    }
}

/// A request's error: a stable code and a message for people in both
/// languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: LiveErrorCode,
    pub message_vi: String,
    pub message_en: String,
}

impl Refusal {
    pub fn new(code: LiveErrorCode, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Refusal {
            code,
            message_vi: vi.into(),
            message_en: en.into(),
        }
    }

    /// The `error` reply to request `id`.
    pub fn reply(self, id: u64) -> ServerMessage {
        ServerMessage::error(id, self.code, self.message_vi, self.message_en)
    }
}

fn refuse(code: LiveErrorCode, vi: &str, en: &str) -> Refusal {
    Refusal::new(code, vi, en)
}

/// A decided change, waiting to be made durable and applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Nothing changes (a ping).
    Nothing,
    Attendance(AttendanceEntry),
    Follow(FollowState),
    RequestFloor(FloorRequest),
    WithdrawFloor {
        user_id: String,
    },
    /// Starts `user_id`'s turn; `finished` is the turn it ends, to store.
    GiveFloor {
        user_id: String,
        finished: Option<FinishedTurn>,
        started_at_ms: i64,
    },
    EndTurn {
        finished: FinishedTurn,
    },
    ReorderSpeakers {
        user_ids: Vec<String>,
    },
    SetSpeakingLimit {
        seconds: Option<u32>,
    },
    OpenVote(OpenVote),
    /// A ballot; `replaces` when the voter has voted and the vote allows
    /// changes (the store still decides, in its transaction).
    CastBallot {
        vote_id: String,
        voter: String,
        choice: usize,
        ballot_key: Option<String>,
        replaces: bool,
    },
    CloseVote {
        vote_id: String,
    },
    Announce(Announcement),
    /// A new request to the secretary.
    SecretaryRequest(SecretaryRequest),
    /// Staff handled a request.
    HandleSecretaryRequest {
        request_id: String,
        handled_by: String,
        handled_at_ms: i64,
    },
    Readiness(ReadinessReport),
}

/// The live state of one meeting.
#[derive(Debug, Clone)]
pub struct Room {
    pub meeting_id: String,
    pub meeting_state: MeetingState,
    participants: BTreeMap<String, LiveParticipant>,
    /// user → (devices online, online since).
    presence: HashMap<String, (u32, i64)>,
    attendance: BTreeMap<String, AttendanceEntry>,
    /// The meeting's quorum and decision rules, as the secretary set them
    /// (a vote copies the decision rule when it opens).
    rules: MeetingRules,
    follow: Option<FollowState>,
    speakers: SpeakersState,
    votes: Vec<RoomVote>,
    announcements: VecDeque<Announcement>,
    /// The board's entry per (user, device), judged from the reports.
    readiness: BTreeMap<(String, String), DeviceReadiness>,
    /// Each device's last report, judged again when the pack changes.
    readiness_reports: BTreeMap<(String, String), ReadinessReport>,
    /// The meeting's agenda pack in its current versions.
    pack: Vec<PackDocument>,
    /// Requests to the secretary, oldest first.
    secretary_requests: Vec<SecretaryRequest>,
    /// When each user's recent requests were sent, for the rate limit
    /// (not stored: a restart forgives).
    request_times: HashMap<String, VecDeque<i64>>,
}

/// Longest question, announcement or option text accepted.
const MAX_TEXT: usize = 2000;

impl Room {
    pub fn new(
        meeting_id: &str,
        meeting_state: MeetingState,
        participants: Vec<LiveParticipant>,
    ) -> Room {
        Room {
            meeting_id: meeting_id.to_owned(),
            meeting_state,
            participants: participants
                .into_iter()
                .map(|p| (p.user_id.clone(), p))
                .collect(),
            presence: HashMap::new(),
            attendance: BTreeMap::new(),
            rules: MeetingRules::STANDARD,
            follow: None,
            speakers: SpeakersState::default(),
            votes: Vec::new(),
            announcements: VecDeque::new(),
            readiness: BTreeMap::new(),
            readiness_reports: BTreeMap::new(),
            pack: Vec::new(),
            secretary_requests: Vec::new(),
            request_times: HashMap::new(),
        }
    }

    /// Restores what was stored: attendance, votes, finished turns,
    /// requests to the secretary.
    pub fn restore(
        &mut self,
        attendance: Vec<AttendanceEntry>,
        votes: Vec<RoomVote>,
        history: Vec<FinishedTurn>,
        secretary_requests: Vec<SecretaryRequest>,
    ) {
        self.secretary_requests = secretary_requests;
        self.attendance = attendance
            .into_iter()
            .map(|a| (a.user_id.clone(), a))
            .collect();
        self.votes = votes;
        self.speakers.history = history;
    }

    /// Sets the meeting's rules (when loaded, and after a REST change).
    /// Open votes keep the rule they were opened under.
    pub fn set_rules(&mut self, rules: MeetingRules) {
        self.rules = rules;
    }

    /// Replaces the participant list (after a REST change).
    pub fn set_participants(
        &mut self,
        participants: Vec<LiveParticipant>,
        meeting_state: MeetingState,
    ) {
        self.participants = participants
            .into_iter()
            .map(|p| (p.user_id.clone(), p))
            .collect();
        self.meeting_state = meeting_state;
    }

    /// A participant's name (their id if they left the meeting).
    fn display_name(&self, user_id: &str) -> String {
        self.participants
            .get(user_id)
            .map_or_else(|| user_id.to_owned(), |p| p.display_name.clone())
    }

    pub fn role_of(&self, user_id: &str) -> Option<MeetingRole> {
        self.participants.get(user_id).map(|p| p.role)
    }

    /// Decides what `request` from `actor` would change, or why not.
    /// `new_id` names a new vote or request to the secretary.
    pub fn plan(
        &self,
        actor: &Actor,
        request: &ClientMessage,
        now_ms: i64,
        new_id: impl FnOnce() -> String,
    ) -> Result<Plan, Refusal> {
        let over = matches!(
            self.meeting_state,
            MeetingState::Closed | MeetingState::Cancelled
        );
        let changes_state = !matches!(
            request,
            ClientMessage::Ping { .. } | ClientMessage::ReportReadiness { .. }
        );
        if over && changes_state {
            return Err(refuse(
                LiveErrorCode::MeetingOver,
                "Cuộc họp đã kết thúc.",
                "The meeting is over.",
            ));
        }
        match request {
            ClientMessage::Hello { .. } => Err(refuse(
                LiveErrorCode::BadRequest,
                "Đã nhận hello rồi.",
                "hello was already received.",
            )),
            ClientMessage::Ping { .. } => Ok(Plan::Nothing),
            ClientMessage::CheckIn { .. } => Ok(self.plan_check_in(actor, now_ms)),
            ClientMessage::SetAttendance {
                user_id,
                status,
                reason,
                ..
            } => self.plan_set_attendance(actor, user_id, *status, reason.as_deref(), now_ms),
            ClientMessage::SetFollow { position, .. } => {
                self.plan_set_follow(actor, position, now_ms)
            }
            ClientMessage::RequestFloor { .. } => self.plan_request_floor(actor, now_ms),
            ClientMessage::WithdrawFloor { .. } => Ok(self.plan_withdraw_floor(actor)),
            ClientMessage::GiveFloor { user_id, .. } => {
                self.plan_give_floor(actor, user_id, now_ms)
            }
            ClientMessage::EndTurn { .. } => self.plan_end_turn(actor, now_ms),
            ClientMessage::ReorderSpeakers { user_ids, .. } => {
                self.plan_reorder_speakers(actor, user_ids)
            }
            ClientMessage::SetSpeakingLimit { seconds, .. } => {
                self.plan_set_speaking_limit(actor, *seconds)
            }
            ClientMessage::OpenVote {
                agenda_item_id,
                question,
                options,
                secret,
                eligibility,
                allow_change,
                ..
            } => self.plan_open_vote(
                actor,
                &votes::VoteRequest {
                    agenda_item_id: agenda_item_id.as_deref(),
                    question,
                    options,
                    secret: *secret,
                    eligibility: *eligibility,
                    allow_change: *allow_change,
                },
                now_ms,
                new_id,
            ),
            ClientMessage::CastBallot {
                vote_id,
                choice,
                ballot_key,
                ..
            } => self.plan_cast_ballot(actor, vote_id, *choice, ballot_key.as_deref()),
            ClientMessage::CloseVote { vote_id, .. } => self.plan_close_vote(actor, vote_id),
            ClientMessage::Announce { text, .. } => self.plan_announce(actor, text, now_ms),
            ClientMessage::SendSecretaryRequest {
                kind,
                document_id,
                text,
                ..
            } => self.plan_secretary_request(
                actor,
                *kind,
                document_id.as_deref(),
                text.as_deref(),
                now_ms,
                new_id,
            ),
            ClientMessage::HandleSecretaryRequest { request_id, .. } => {
                self.plan_handle_secretary_request(actor, request_id, now_ms)
            }
            ClientMessage::ReportReadiness {
                held, downloading, ..
            } => self.plan_readiness(actor, held, *downloading, now_ms),
        }
    }

    /// Makes a planned change (already durable where it must be) and
    /// returns what to broadcast. `vote_result` carries a closed vote's
    /// counts and named choices, read back from storage.
    pub fn apply(
        &mut self,
        plan: Plan,
        vote_result: Option<(Vec<u32>, Option<Vec<NamedChoice>>, i64)>,
    ) -> Vec<Broadcast> {
        match plan {
            Plan::Nothing => Vec::new(),
            Plan::Attendance(entry) => self.apply_attendance(entry),
            Plan::Follow(follow) => self.apply_follow(follow),
            Plan::RequestFloor(request) => self.apply_request_floor(request),
            Plan::WithdrawFloor { user_id } => self.apply_withdraw_floor(&user_id),
            Plan::GiveFloor {
                user_id,
                finished,
                started_at_ms,
            } => self.apply_give_floor(user_id, finished, started_at_ms),
            Plan::EndTurn { finished } => self.apply_end_turn(finished),
            Plan::ReorderSpeakers { user_ids } => self.apply_reorder_speakers(&user_ids),
            Plan::SetSpeakingLimit { seconds } => self.apply_set_speaking_limit(seconds),
            Plan::OpenVote(open) => self.apply_open_vote(open),
            Plan::CastBallot { vote_id, voter, .. } => self.apply_cast_ballot(vote_id, voter),
            Plan::CloseVote { vote_id } => self.apply_close_vote(&vote_id, vote_result),
            Plan::Announce(announcement) => self.apply_announce(announcement),
            Plan::SecretaryRequest(request) => self.apply_secretary_request(request),
            Plan::HandleSecretaryRequest {
                request_id,
                handled_by,
                handled_at_ms,
            } => self.apply_handle_secretary_request(&request_id, handled_by, handled_at_ms),
            Plan::Readiness(readiness) => self.apply_readiness(readiness),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn nothing_changes_once_the_meeting_is_closed() {
        let mut room = room();
        room.meeting_state = MeetingState::Closed;
        let refusal = run(
            &mut room,
            &actor("delegate_a", MeetingRole::Delegate),
            ClientMessage::CheckIn { id: 1 },
        )
        .unwrap_err();
        assert_eq!(refusal.code, LiveErrorCode::MeetingOver);
        assert!(run(
            &mut room,
            &actor("delegate_a", MeetingRole::Delegate),
            ClientMessage::Ping { id: 2 }
        )
        .is_ok());
    }
}
