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

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use phonghop_protocol::api::{MeetingRole, MeetingState};
use phonghop_protocol::live::{
    Announcement, AttendanceEntry, AttendanceStatus, ClientMessage, DeviceReadiness, FinishedTurn,
    FloorRequest, FollowPosition, FollowState, LiveErrorCode, LiveParticipant, LiveSnapshot,
    NamedChoice, PresenceEntry, Quorum, SecretaryRequest, SecretaryRequestKind,
    SecretaryRequestState, ServerMessage, SpeakersState, SpeakingTurn, VoteEligibility, VoteState,
    VoteView, STANDARD_VOTE_OPTIONS,
};

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

/// A request's error: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: LiveErrorCode,
    pub message: String,
}

fn refuse(code: LiveErrorCode, message: &str) -> Refusal {
    Refusal {
        code,
        message: message.to_owned(),
    }
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
    Readiness(DeviceReadiness),
}

/// A vote about to be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenVote {
    pub id: String,
    pub agenda_item_id: Option<String>,
    pub question: String,
    pub options: Vec<String>,
    pub secret: bool,
    pub eligibility: VoteEligibility,
    /// Who may vote, fixed at opening (sorted).
    pub eligible_voters: Vec<String>,
    pub allow_change: bool,
    pub opened_by: String,
    pub opened_at_ms: i64,
}

/// A vote as the room holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomVote {
    pub view: VoteView,
    /// Who has voted (receipts), never what they chose.
    pub voters: HashSet<String>,
    /// Who may vote, fixed when the vote opened; `None` for a vote stored
    /// before eligibility was recorded (any voting member may vote).
    pub eligible_voters: Option<HashSet<String>>,
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
    quorum_threshold_percent: u32,
    follow: Option<FollowState>,
    speakers: SpeakersState,
    votes: Vec<RoomVote>,
    announcements: VecDeque<Announcement>,
    readiness: BTreeMap<(String, String), DeviceReadiness>,
    /// Requests to the secretary, oldest first.
    secretary_requests: Vec<SecretaryRequest>,
    /// When each user's recent requests were sent, for the rate limit
    /// (not stored: a restart forgives).
    request_times: HashMap<String, VecDeque<i64>>,
}

/// How many requests to the secretary one participant may send per
/// [`SECRETARY_REQUEST_WINDOW_MS`].
pub const SECRETARY_REQUESTS_PER_WINDOW: usize = 3;
pub const SECRETARY_REQUEST_WINDOW_MS: i64 = 60_000;
/// How many of one participant's requests may wait unhandled at a time.
pub const MAX_OPEN_SECRETARY_REQUESTS: usize = 5;
/// Longest text of a request to the secretary, in characters.
pub const MAX_SECRETARY_REQUEST_TEXT: usize = 300;

/// Whether a ballot key is long and plain enough to be a device's secret.
pub fn valid_ballot_key(key: &str) -> bool {
    (32..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// How many announcements a welcome carries.
const KEPT_ANNOUNCEMENTS: usize = 20;
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
            quorum_threshold_percent: 50,
            follow: None,
            speakers: SpeakersState::default(),
            votes: Vec::new(),
            announcements: VecDeque::new(),
            readiness: BTreeMap::new(),
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

    pub fn quorum(&self) -> Quorum {
        let voting: Vec<&LiveParticipant> = self
            .participants
            .values()
            .filter(|p| is_voting_role(p.role))
            .collect();
        let present = voting
            .iter()
            .filter(|p| {
                self.attendance.get(&p.user_id).is_some_and(|a| {
                    matches!(a.status, AttendanceStatus::Present | AttendanceStatus::Late)
                })
            })
            .count() as u32;
        let members = voting.len() as u32;
        let reached = members > 0 && present * 100 >= members * self.quorum_threshold_percent;
        Quorum {
            present_voting_members: present,
            voting_members: members,
            threshold_percent: self.quorum_threshold_percent,
            reached,
        }
    }

    /// Who may vote in a vote opened now: the voting members, and for
    /// [`VoteEligibility::Present`] only those marked present or late.
    pub fn eligible_voters(&self, eligibility: VoteEligibility) -> Vec<String> {
        self.participants
            .values()
            .filter(|p| is_voting_role(p.role))
            .filter(|p| match eligibility {
                VoteEligibility::AllVotingMembers => true,
                VoteEligibility::Present => self.attendance.get(&p.user_id).is_some_and(|a| {
                    matches!(a.status, AttendanceStatus::Present | AttendanceStatus::Late)
                }),
            })
            .map(|p| p.user_id.clone())
            .collect()
    }

    fn presence_entry(&self, user_id: &str) -> PresenceEntry {
        match self.presence.get(user_id) {
            Some((devices, since)) if *devices > 0 => PresenceEntry {
                user_id: user_id.to_owned(),
                devices_online: *devices,
                online_since_ms: Some(*since),
            },
            _ => PresenceEntry {
                user_id: user_id.to_owned(),
                devices_online: 0,
                online_since_ms: None,
            },
        }
    }

    /// A device of `user_id` connected.
    pub fn device_connected(&mut self, user_id: &str, now_ms: i64) -> Broadcast {
        let entry = self
            .presence
            .entry(user_id.to_owned())
            .or_insert((0, now_ms));
        if entry.0 == 0 {
            entry.1 = now_ms;
        }
        entry.0 += 1;
        // Presence goes to staff only: every tablet joining must not cost
        // a message to every other tablet (O(n²) at the start of a meeting).
        Broadcast {
            audience: Audience::Staff,
            message: ServerMessage::PresenceChanged {
                presence: self.presence_entry(user_id),
            },
        }
    }

    /// A device of `user_id` disconnected.
    pub fn device_disconnected(&mut self, user_id: &str, device_id: &str) -> Vec<Broadcast> {
        if let Some(entry) = self.presence.get_mut(user_id) {
            entry.0 = entry.0.saturating_sub(1);
        }
        let mut out = vec![Broadcast {
            audience: Audience::Staff,
            message: ServerMessage::PresenceChanged {
                presence: self.presence_entry(user_id),
            },
        }];
        let still_online = self
            .presence
            .get(user_id)
            .is_some_and(|(devices, _)| *devices > 0);
        if let Some(readiness) = self
            .readiness
            .get_mut(&(user_id.to_owned(), device_id.to_owned()))
        {
            readiness.online = still_online;
            out.push(Broadcast {
                audience: Audience::Staff,
                message: ServerMessage::ReadinessChanged {
                    readiness: readiness.clone(),
                },
            });
        }
        out
    }

    /// The state as `viewer` may see it, sent in `welcome`.
    ///
    /// The chair and secretaries get the whole meeting: their console lists
    /// everyone's presence and attendance. Everyone else gets what their
    /// screens show, so a welcome does not grow with the meeting (it is
    /// paid on every reconnection, and the socket keeps a buffer as large
    /// as the largest message it sent): the participants the speakers
    /// list names and themself (the full list is
    /// `GET /api/v1/meetings/{id}/participants`), their own attendance
    /// (the quorum carries the counts), no presence, no readiness, and
    /// closed votes without the named choices.
    pub fn snapshot(&self, viewer: &Actor) -> LiveSnapshot {
        let staff = viewer.is_staff();
        let presence: Vec<PresenceEntry> = if staff {
            // `participants` is a BTreeMap: already sorted by user id.
            self.participants
                .keys()
                .map(|user_id| self.presence_entry(user_id))
                .collect()
        } else {
            Vec::new()
        };
        let participants = if staff {
            self.participants.values().cloned().collect()
        } else {
            let named: HashSet<&str> = self
                .speakers
                .queue
                .iter()
                .map(|request| request.user_id.as_str())
                .chain(
                    self.speakers
                        .current
                        .iter()
                        .map(|turn| turn.user_id.as_str()),
                )
                .chain(std::iter::once(viewer.user_id.as_str()))
                .collect();
            self.participants
                .values()
                .filter(|p| named.contains(p.user_id.as_str()))
                .cloned()
                .collect()
        };
        let attendance = if staff {
            self.attendance.values().cloned().collect()
        } else {
            self.attendance
                .get(&viewer.user_id)
                .cloned()
                .into_iter()
                .collect()
        };
        LiveSnapshot {
            meeting_state: self.meeting_state,
            participants,
            presence,
            attendance,
            quorum: self.quorum(),
            follow: self.follow.clone(),
            speakers: self.speakers.clone(),
            votes: self
                .votes
                .iter()
                .map(|vote| VoteView {
                    you_voted: vote.voters.contains(&viewer.user_id),
                    named_choices: if staff {
                        vote.view.named_choices.clone()
                    } else {
                        None
                    },
                    ..vote.view.clone()
                })
                .collect(),
            announcements: self.announcements.iter().cloned().collect(),
            readiness: if staff {
                self.readiness.values().cloned().collect()
            } else {
                Vec::new()
            },
            secretary_requests: self
                .secretary_requests
                .iter()
                .filter(|r| staff || r.user_id == viewer.user_id)
                .cloned()
                .collect(),
        }
    }

    fn secretary_request(&self, request_id: &str) -> Option<&SecretaryRequest> {
        self.secretary_requests.iter().find(|r| r.id == request_id)
    }

    /// Why `user_id` may not send another request now, if they may not.
    fn secretary_request_limit(&self, user_id: &str, now_ms: i64) -> Option<Refusal> {
        let open = self
            .secretary_requests
            .iter()
            .filter(|r| r.user_id == user_id && r.state == SecretaryRequestState::Open)
            .count();
        if open >= MAX_OPEN_SECRETARY_REQUESTS {
            return Some(refuse(
                LiveErrorCode::RateLimited,
                "Bạn còn nhiều yêu cầu chưa được xử lý; vui lòng chờ thư ký.",
            ));
        }
        let recent = self.request_times.get(user_id).map_or(0, |times| {
            times
                .iter()
                .filter(|at| now_ms - **at < SECRETARY_REQUEST_WINDOW_MS)
                .count()
        });
        (recent >= SECRETARY_REQUESTS_PER_WINDOW).then(|| {
            refuse(
                LiveErrorCode::RateLimited,
                "Bạn vừa gửi nhiều yêu cầu; vui lòng thử lại sau một phút.",
            )
        })
    }

    /// The current progress of a vote, as an event.
    pub fn vote_progress(&self, vote_id: &str) -> Option<ServerMessage> {
        self.vote(vote_id).map(|vote| ServerMessage::VoteProgress {
            vote_id: vote.view.id.clone(),
            ballots_cast: vote.view.ballots_cast,
            eligible: vote.view.eligible,
        })
    }

    fn vote(&self, vote_id: &str) -> Option<&RoomVote> {
        self.votes.iter().find(|v| v.view.id == vote_id)
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
        use LiveErrorCode::*;
        let over = matches!(
            self.meeting_state,
            MeetingState::Closed | MeetingState::Cancelled
        );
        let changes_state = !matches!(
            request,
            ClientMessage::Ping { .. } | ClientMessage::ReportReadiness { .. }
        );
        if over && changes_state {
            return Err(refuse(MeetingOver, "Cuộc họp đã kết thúc."));
        }
        match request {
            ClientMessage::Hello { .. } => Err(refuse(BadRequest, "hello was already received")),
            ClientMessage::Ping { .. } => Ok(Plan::Nothing),
            ClientMessage::CheckIn { .. } => Ok(Plan::Attendance(AttendanceEntry {
                user_id: actor.user_id.clone(),
                status: AttendanceStatus::Present,
                reason: None,
                at_ms: now_ms,
                marked_by: actor.user_id.clone(),
            })),
            ClientMessage::SetAttendance {
                user_id,
                status,
                reason,
                ..
            } => {
                if !actor.is_staff() {
                    return Err(refuse(
                        Forbidden,
                        "Chỉ thư ký hoặc chủ trì điểm danh người khác.",
                    ));
                }
                if !self.participants.contains_key(user_id) {
                    return Err(refuse(NotFound, "Người này không tham dự cuộc họp."));
                }
                let reason = reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(|r| r.chars().take(500).collect());
                Ok(Plan::Attendance(AttendanceEntry {
                    user_id: user_id.clone(),
                    status: *status,
                    reason,
                    at_ms: now_ms,
                    marked_by: actor.user_id.clone(),
                }))
            }
            ClientMessage::SetFollow { position, .. } => {
                let has_floor = self
                    .speakers
                    .current
                    .as_ref()
                    .is_some_and(|turn| turn.user_id == actor.user_id);
                if !(actor.is_staff() || has_floor) {
                    return Err(refuse(
                        Forbidden,
                        "Chỉ người trình bày mới điều khiển trang chung.",
                    ));
                }
                if let Some(viewport) = &position.viewport {
                    let finite = viewport.x.is_finite()
                        && viewport.y.is_finite()
                        && viewport.zoom.is_finite();
                    if !finite || viewport.zoom <= 0.0 || viewport.zoom > 20.0 {
                        return Err(refuse(BadRequest, "viewport out of range"));
                    }
                }
                if position.page == Some(0) {
                    return Err(refuse(BadRequest, "pages start at 1"));
                }
                let seq = self.follow.as_ref().map(|f| f.seq + 1).unwrap_or(1);
                Ok(Plan::Follow(FollowState {
                    position: FollowPosition {
                        agenda_item_id: position.agenda_item_id.clone(),
                        document_id: position.document_id.clone(),
                        page: position.page,
                        viewport: position.viewport,
                    },
                    presenter_user_id: actor.user_id.clone(),
                    seq,
                    at_ms: now_ms,
                }))
            }
            ClientMessage::RequestFloor { .. } => {
                if actor.role == MeetingRole::RemotePoint {
                    return Err(refuse(
                        Forbidden,
                        "Điểm cầu không đăng ký phát biểu trên hệ thống.",
                    ));
                }
                if self
                    .speakers
                    .queue
                    .iter()
                    .any(|r| r.user_id == actor.user_id)
                    || self
                        .speakers
                        .current
                        .as_ref()
                        .is_some_and(|t| t.user_id == actor.user_id)
                {
                    // Asking twice is not an error: the request stands.
                    return Ok(Plan::Nothing);
                }
                Ok(Plan::RequestFloor(FloorRequest {
                    user_id: actor.user_id.clone(),
                    display_name: self.display_name(&actor.user_id),
                    requested_at_ms: now_ms,
                }))
            }
            ClientMessage::WithdrawFloor { .. } => Ok(Plan::WithdrawFloor {
                user_id: actor.user_id.clone(),
            }),
            ClientMessage::GiveFloor { user_id, .. } => {
                if !actor.is_chair() && actor.role != MeetingRole::Secretary {
                    return Err(refuse(Forbidden, "Chỉ chủ trì mới cho phát biểu."));
                }
                if !self.participants.contains_key(user_id) {
                    return Err(refuse(NotFound, "Người này không tham dự cuộc họp."));
                }
                Ok(Plan::GiveFloor {
                    user_id: user_id.clone(),
                    finished: self.finish_current(now_ms),
                    started_at_ms: now_ms,
                })
            }
            ClientMessage::EndTurn { .. } => {
                let Some(turn) = &self.speakers.current else {
                    return Ok(Plan::Nothing);
                };
                if !(actor.is_staff() || turn.user_id == actor.user_id) {
                    return Err(refuse(
                        Forbidden,
                        "Chỉ chủ trì hoặc người đang phát biểu kết thúc lượt.",
                    ));
                }
                Ok(Plan::EndTurn {
                    finished: self.finish_current(now_ms).expect("a current turn"),
                })
            }
            ClientMessage::ReorderSpeakers { user_ids, .. } => {
                if !actor.is_staff() {
                    return Err(refuse(
                        Forbidden,
                        "Chỉ chủ trì sắp xếp danh sách phát biểu.",
                    ));
                }
                let queued: HashSet<&str> = self
                    .speakers
                    .queue
                    .iter()
                    .map(|r| r.user_id.as_str())
                    .collect();
                let proposed: HashSet<&str> = user_ids.iter().map(String::as_str).collect();
                if queued != proposed || proposed.len() != user_ids.len() {
                    return Err(refuse(
                        BadRequest,
                        "the new order must list every queued speaker once",
                    ));
                }
                Ok(Plan::ReorderSpeakers {
                    user_ids: user_ids.clone(),
                })
            }
            ClientMessage::SetSpeakingLimit { seconds, .. } => {
                if !actor.is_staff() {
                    return Err(refuse(Forbidden, "Chỉ chủ trì đặt thời gian phát biểu."));
                }
                if seconds.is_some_and(|s| s == 0 || s > 3 * 3600) {
                    return Err(refuse(BadRequest, "the limit must be 1 s to 3 h"));
                }
                Ok(Plan::SetSpeakingLimit { seconds: *seconds })
            }
            ClientMessage::OpenVote {
                agenda_item_id,
                question,
                options,
                secret,
                eligibility,
                allow_change,
                ..
            } => {
                if !actor.is_chair() && actor.role != MeetingRole::Secretary {
                    return Err(refuse(Forbidden, "Chỉ chủ trì mở biểu quyết."));
                }
                let question = question.trim();
                if question.is_empty() || question.chars().count() > MAX_TEXT {
                    return Err(refuse(
                        BadRequest,
                        "Nội dung biểu quyết không được để trống.",
                    ));
                }
                let options: Vec<String> = if options.is_empty() {
                    STANDARD_VOTE_OPTIONS
                        .iter()
                        .map(|o| (*o).to_owned())
                        .collect()
                } else {
                    options.iter().map(|o| o.trim().to_owned()).collect()
                };
                if options.len() < 2
                    || options.len() > 50
                    || options
                        .iter()
                        .any(|o| o.is_empty() || o.chars().count() > MAX_TEXT)
                {
                    return Err(refuse(BadRequest, "a vote needs 2 to 50 non-empty options"));
                }
                let eligible_voters = self.eligible_voters(*eligibility);
                if eligible_voters.is_empty() {
                    return Err(refuse(
                        BadRequest,
                        match eligibility {
                            VoteEligibility::Present => "Chưa có đại biểu nào có mặt: hãy điểm danh trước, hoặc mở biểu quyết cho tất cả đại biểu.",
                            VoteEligibility::AllVotingMembers => "Cuộc họp không có đại biểu biểu quyết.",
                        },
                    ));
                }
                Ok(Plan::OpenVote(OpenVote {
                    id: new_id(),
                    agenda_item_id: agenda_item_id.clone(),
                    question: question.to_owned(),
                    options,
                    secret: *secret,
                    eligibility: *eligibility,
                    eligible_voters,
                    allow_change: *allow_change,
                    opened_by: actor.user_id.clone(),
                    opened_at_ms: now_ms,
                }))
            }
            ClientMessage::CastBallot {
                vote_id,
                choice,
                ballot_key,
                ..
            } => {
                let Some(vote) = self.vote(vote_id) else {
                    return Err(refuse(NotFound, "Không có cuộc biểu quyết này."));
                };
                if vote.view.state != VoteState::Open {
                    return Err(refuse(VoteClosed, "Biểu quyết đã kết thúc."));
                }
                if !is_voting_role(actor.role) {
                    return Err(refuse(
                        NotEligible,
                        "Bạn tham dự với vai trò không biểu quyết.",
                    ));
                }
                if vote
                    .eligible_voters
                    .as_ref()
                    .is_some_and(|eligible| !eligible.contains(&actor.user_id))
                {
                    return Err(refuse(
                        NotEligible,
                        "Bạn không có trong danh sách biểu quyết: chưa điểm danh khi biểu quyết được mở.",
                    ));
                }
                let replaces = vote.voters.contains(&actor.user_id);
                if replaces && !vote.view.allow_change {
                    return Err(refuse(AlreadyVoted, "Bạn đã biểu quyết rồi."));
                }
                if *choice >= vote.view.options.len() {
                    return Err(refuse(BadRequest, "no such option"));
                }
                if let Some(key) = ballot_key {
                    if !valid_ballot_key(key) {
                        return Err(refuse(
                            BadRequest,
                            "ballot_key must be 32 to 128 letters, digits, '-' or '_'",
                        ));
                    }
                }
                Ok(Plan::CastBallot {
                    vote_id: vote_id.clone(),
                    voter: actor.user_id.clone(),
                    choice: *choice,
                    // Only a secret ballot that may change needs the key.
                    ballot_key: ballot_key
                        .clone()
                        .filter(|_| vote.view.secret && vote.view.allow_change),
                    replaces,
                })
            }
            ClientMessage::CloseVote { vote_id, .. } => {
                if !actor.is_chair() && actor.role != MeetingRole::Secretary {
                    return Err(refuse(Forbidden, "Chỉ chủ trì kết thúc biểu quyết."));
                }
                let Some(vote) = self.vote(vote_id) else {
                    return Err(refuse(NotFound, "Không có cuộc biểu quyết này."));
                };
                if vote.view.state == VoteState::Closed {
                    // Closing twice is harmless: the result stands.
                    return Ok(Plan::Nothing);
                }
                Ok(Plan::CloseVote {
                    vote_id: vote_id.clone(),
                })
            }
            ClientMessage::Announce { text, .. } => {
                if !actor.is_staff() {
                    return Err(refuse(Forbidden, "Chỉ thư ký hoặc chủ trì gửi thông báo."));
                }
                let text = text.trim();
                if text.is_empty() || text.chars().count() > MAX_TEXT {
                    return Err(refuse(BadRequest, "Thông báo không được để trống."));
                }
                Ok(Plan::Announce(Announcement {
                    text: text.to_owned(),
                    by_user_id: actor.user_id.clone(),
                    at_ms: now_ms,
                }))
            }
            ClientMessage::SendSecretaryRequest {
                kind,
                document_id,
                text,
                ..
            } => {
                let text = text
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned);
                if text
                    .as_ref()
                    .is_some_and(|t| t.chars().count() > MAX_SECRETARY_REQUEST_TEXT)
                {
                    return Err(refuse(BadRequest, "Yêu cầu quá dài: tối đa 300 ký tự."));
                }
                if *kind == SecretaryRequestKind::Other && text.is_none() {
                    return Err(refuse(BadRequest, "Hãy ghi nội dung yêu cầu."));
                }
                let document_id = document_id
                    .as_deref()
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(str::to_owned);
                if *kind != SecretaryRequestKind::PaperCopy && document_id.is_some() {
                    return Err(refuse(
                        BadRequest,
                        "document_id goes only with a paper_copy request",
                    ));
                }
                if document_id.as_ref().is_some_and(|d| d.len() > 64) {
                    return Err(refuse(NotFound, "Không có tài liệu này."));
                }
                if let Some(refusal) = self.secretary_request_limit(&actor.user_id, now_ms) {
                    return Err(refusal);
                }
                Ok(Plan::SecretaryRequest(SecretaryRequest {
                    id: new_id(),
                    user_id: actor.user_id.clone(),
                    kind: *kind,
                    document_id,
                    text,
                    state: SecretaryRequestState::Open,
                    created_at_ms: now_ms,
                    handled_at_ms: None,
                    handled_by: None,
                }))
            }
            ClientMessage::HandleSecretaryRequest { request_id, .. } => {
                if !actor.is_staff() {
                    return Err(refuse(Forbidden, "Chỉ thư ký hoặc chủ trì xử lý yêu cầu."));
                }
                let Some(request) = self.secretary_request(request_id) else {
                    return Err(refuse(NotFound, "Không có yêu cầu này."));
                };
                if request.state == SecretaryRequestState::Handled {
                    // Handling twice is harmless: the first one stands.
                    return Ok(Plan::Nothing);
                }
                Ok(Plan::HandleSecretaryRequest {
                    request_id: request_id.clone(),
                    handled_by: actor.user_id.clone(),
                    handled_at_ms: now_ms,
                })
            }
            ClientMessage::ReportReadiness {
                cached_documents,
                total_documents,
                ..
            } => {
                if cached_documents > total_documents {
                    return Err(refuse(
                        BadRequest,
                        "cached_documents exceeds total_documents",
                    ));
                }
                // The device id is filled in by the engine, which knows it.
                Ok(Plan::Readiness(DeviceReadiness {
                    user_id: actor.user_id.clone(),
                    device_id: String::new(),
                    cached_documents: *cached_documents,
                    total_documents: *total_documents,
                    online: true,
                    at_ms: now_ms,
                }))
            }
        }
    }

    fn finish_current(&self, now_ms: i64) -> Option<FinishedTurn> {
        self.speakers.current.as_ref().map(|turn| FinishedTurn {
            user_id: turn.user_id.clone(),
            started_at_ms: turn.started_at_ms,
            ended_at_ms: now_ms.max(turn.started_at_ms),
        })
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
            Plan::Attendance(entry) => {
                self.attendance.insert(entry.user_id.clone(), entry.clone());
                vec![Broadcast::everyone(ServerMessage::AttendanceChanged {
                    attendance: entry,
                    quorum: self.quorum(),
                })]
            }
            Plan::Follow(follow) => {
                self.follow = Some(follow.clone());
                vec![Broadcast::everyone(ServerMessage::FollowChanged { follow })]
            }
            Plan::RequestFloor(request) => {
                self.speakers.queue.push(request);
                self.speakers_changed()
            }
            Plan::WithdrawFloor { user_id } => {
                let before = self.speakers.queue.len();
                self.speakers.queue.retain(|r| r.user_id != user_id);
                if before == self.speakers.queue.len() {
                    return Vec::new();
                }
                self.speakers_changed()
            }
            Plan::GiveFloor {
                user_id,
                finished,
                started_at_ms,
            } => {
                if let Some(finished) = finished {
                    self.speakers.history.push(finished);
                }
                self.speakers.queue.retain(|r| r.user_id != user_id);
                self.speakers.current = Some(SpeakingTurn {
                    display_name: self.display_name(&user_id),
                    user_id,
                    started_at_ms,
                    limit_seconds: self.speakers.limit_seconds,
                });
                self.speakers_changed()
            }
            Plan::EndTurn { finished } => {
                self.speakers.history.push(finished);
                self.speakers.current = None;
                self.speakers_changed()
            }
            Plan::ReorderSpeakers { user_ids } => {
                let mut by_user: HashMap<String, FloorRequest> = self
                    .speakers
                    .queue
                    .drain(..)
                    .map(|r| (r.user_id.clone(), r))
                    .collect();
                self.speakers.queue = user_ids
                    .iter()
                    .filter_map(|id| by_user.remove(id))
                    .collect();
                self.speakers_changed()
            }
            Plan::SetSpeakingLimit { seconds } => {
                self.speakers.limit_seconds = seconds;
                self.speakers_changed()
            }
            Plan::OpenVote(open) => {
                let eligible = open.eligible_voters.len() as u32;
                let view = VoteView {
                    id: open.id,
                    agenda_item_id: open.agenda_item_id,
                    question: open.question,
                    options: open.options,
                    secret: open.secret,
                    state: VoteState::Open,
                    opened_at_ms: open.opened_at_ms,
                    closed_at_ms: None,
                    ballots_cast: 0,
                    eligible,
                    eligibility: open.eligibility,
                    allow_change: open.allow_change,
                    you_voted: false,
                    result: None,
                    named_choices: None,
                };
                self.votes.push(RoomVote {
                    view: view.clone(),
                    voters: HashSet::new(),
                    eligible_voters: Some(open.eligible_voters.into_iter().collect()),
                });
                vec![Broadcast::everyone(ServerMessage::VoteOpened {
                    vote: view,
                })]
            }
            Plan::CastBallot { vote_id, voter, .. } => {
                let Some(vote) = self.votes.iter_mut().find(|v| v.view.id == vote_id) else {
                    return Vec::new();
                };
                if !vote.voters.insert(voter) {
                    // A changed ballot: the count is the same.
                    return Vec::new();
                }
                vote.view.ballots_cast += 1;
                vec![Broadcast::everyone(ServerMessage::VoteProgress {
                    vote_id,
                    ballots_cast: vote.view.ballots_cast,
                    eligible: vote.view.eligible,
                })]
            }
            Plan::CloseVote { vote_id } => {
                let Some(vote) = self.votes.iter_mut().find(|v| v.view.id == vote_id) else {
                    return Vec::new();
                };
                vote.view.state = VoteState::Closed;
                if let Some((counts, named, closed_at)) = vote_result {
                    vote.view.ballots_cast = counts.iter().sum();
                    vote.view.result = Some(counts);
                    vote.view.named_choices = if vote.view.secret { None } else { named };
                    vote.view.closed_at_ms = Some(closed_at);
                }
                // Who chose what goes to the chair and secretaries; the
                // others' screens show the counts, and a list of every
                // voter (70 kB at 2,000) would stay in each of their
                // sockets' write buffers.
                if vote.view.named_choices.is_none() {
                    return vec![Broadcast::everyone(ServerMessage::VoteClosed {
                        vote: vote.view.clone(),
                    })];
                }
                vec![
                    Broadcast {
                        audience: Audience::Staff,
                        message: ServerMessage::VoteClosed {
                            vote: vote.view.clone(),
                        },
                    },
                    Broadcast {
                        audience: Audience::NotStaff,
                        message: ServerMessage::VoteClosed {
                            vote: VoteView {
                                named_choices: None,
                                ..vote.view.clone()
                            },
                        },
                    },
                ]
            }
            Plan::Announce(announcement) => {
                self.announcements.push_back(announcement.clone());
                while self.announcements.len() > KEPT_ANNOUNCEMENTS {
                    self.announcements.pop_front();
                }
                vec![Broadcast::everyone(ServerMessage::Announcement {
                    announcement,
                })]
            }
            Plan::SecretaryRequest(request) => {
                let times = self
                    .request_times
                    .entry(request.user_id.clone())
                    .or_default();
                times.push_back(request.created_at_ms);
                while times.len() > SECRETARY_REQUESTS_PER_WINDOW {
                    times.pop_front();
                }
                self.secretary_requests.push(request.clone());
                vec![Broadcast {
                    audience: Audience::StaffAndUser(request.user_id.clone()),
                    message: ServerMessage::SecretaryRequestChanged { request },
                }]
            }
            Plan::HandleSecretaryRequest {
                request_id,
                handled_by,
                handled_at_ms,
            } => {
                let Some(request) = self
                    .secretary_requests
                    .iter_mut()
                    .find(|r| r.id == request_id)
                else {
                    return Vec::new();
                };
                request.state = SecretaryRequestState::Handled;
                request.handled_at_ms = Some(handled_at_ms);
                request.handled_by = Some(handled_by);
                vec![Broadcast {
                    audience: Audience::StaffAndUser(request.user_id.clone()),
                    message: ServerMessage::SecretaryRequestChanged {
                        request: request.clone(),
                    },
                }]
            }
            Plan::Readiness(readiness) => {
                self.readiness.insert(
                    (readiness.user_id.clone(), readiness.device_id.clone()),
                    readiness.clone(),
                );
                vec![Broadcast {
                    audience: Audience::Staff,
                    message: ServerMessage::ReadinessChanged { readiness },
                }]
            }
        }
    }

    /// The user's requests to the secretary, oldest first.
    pub fn secretary_requests_of(&self, user_id: &str) -> Vec<&SecretaryRequest> {
        self.secretary_requests
            .iter()
            .filter(|r| r.user_id == user_id)
            .collect()
    }

    fn speakers_changed(&self) -> Vec<Broadcast> {
        vec![Broadcast::everyone(ServerMessage::SpeakersChanged {
            speakers: self.speakers.clone(),
        })]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn participant(user_id: &str, role: MeetingRole) -> LiveParticipant {
        LiveParticipant {
            user_id: user_id.into(),
            display_name: user_id.into(),
            role,
        }
    }

    fn actor(user_id: &str, role: MeetingRole) -> Actor {
        Actor {
            user_id: user_id.into(),
            role,
        }
    }

    fn room() -> Room {
        Room::new(
            "m",
            MeetingState::InSession,
            vec![
                participant("chair", MeetingRole::Chair),
                participant("secretary", MeetingRole::Secretary),
                participant("delegate_a", MeetingRole::Delegate),
                participant("delegate_b", MeetingRole::Delegate),
                participant("delegate_c", MeetingRole::Delegate),
                participant("observer", MeetingRole::Observer),
                participant("commune", MeetingRole::RemotePoint),
            ],
        )
    }

    fn run(
        room: &mut Room,
        who: &Actor,
        request: ClientMessage,
    ) -> Result<Vec<Broadcast>, Refusal> {
        let plan = room.plan(who, &request, 1_000, || "v_1".to_owned())?;
        Ok(room.apply(plan, None))
    }

    #[test]
    fn quorum_counts_present_voting_members_only() {
        let mut room = room();
        assert_eq!(room.quorum().voting_members, 4);
        assert!(!room.quorum().reached);
        let chair = actor("chair", MeetingRole::Chair);
        for who in ["delegate_a", "observer"] {
            run(
                &mut room,
                &actor(who, MeetingRole::Delegate),
                ClientMessage::CheckIn { id: 1 },
            )
            .unwrap();
        }
        assert_eq!(
            room.quorum().present_voting_members,
            1,
            "the observer does not count"
        );
        run(
            &mut room,
            &chair,
            ClientMessage::SetAttendance {
                id: 2,
                user_id: "delegate_b".into(),
                status: AttendanceStatus::Late,
                reason: None,
            },
        )
        .unwrap();
        assert!(room.quorum().reached, "2 of 4 is 50%");
    }

    #[test]
    fn delegates_cannot_mark_others_present() {
        let mut room = room();
        let refusal = run(
            &mut room,
            &actor("delegate_a", MeetingRole::Delegate),
            ClientMessage::SetAttendance {
                id: 1,
                user_id: "delegate_b".into(),
                status: AttendanceStatus::Present,
                reason: None,
            },
        )
        .unwrap_err();
        assert_eq!(refusal.code, LiveErrorCode::Forbidden);
    }

    #[test]
    fn late_joiner_sees_current_page() {
        let mut room = room();
        let chair = actor("chair", MeetingRole::Chair);
        let position = FollowPosition {
            agenda_item_id: Some("a_1".into()),
            document_id: Some("d_1".into()),
            page: Some(4),
            viewport: None,
        };
        run(
            &mut room,
            &chair,
            ClientMessage::SetFollow {
                id: 1,
                position: position.clone(),
            },
        )
        .unwrap();
        let snapshot = room.snapshot(&actor("delegate_c", MeetingRole::Delegate));
        assert_eq!(snapshot.follow.unwrap().position, position);
    }

    #[test]
    fn only_presenters_move_the_followed_page() {
        let mut room = room();
        let delegate = actor("delegate_a", MeetingRole::Delegate);
        let move_page = |page| ClientMessage::SetFollow {
            id: 1,
            position: FollowPosition {
                agenda_item_id: None,
                document_id: Some("d".into()),
                page: Some(page),
                viewport: None,
            },
        };
        assert_eq!(
            run(&mut room, &delegate, move_page(2)).unwrap_err().code,
            LiveErrorCode::Forbidden
        );
        // With the floor, the delegate presents.
        run(
            &mut room,
            &actor("chair", MeetingRole::Chair),
            ClientMessage::GiveFloor {
                id: 2,
                user_id: "delegate_a".into(),
            },
        )
        .unwrap();
        run(&mut room, &delegate, move_page(3)).unwrap();
        assert_eq!(room.follow.as_ref().unwrap().seq, 1);
        assert_eq!(
            run(&mut room, &delegate, move_page(0)).unwrap_err().code,
            LiveErrorCode::BadRequest
        );
    }

    #[test]
    fn speakers_queue_floor_and_history() {
        let mut room = room();
        let chair = actor("chair", MeetingRole::Chair);
        let a = actor("delegate_a", MeetingRole::Delegate);
        let b = actor("delegate_b", MeetingRole::Delegate);
        run(&mut room, &a, ClientMessage::RequestFloor { id: 1 }).unwrap();
        run(&mut room, &b, ClientMessage::RequestFloor { id: 2 }).unwrap();
        assert!(
            run(&mut room, &a, ClientMessage::RequestFloor { id: 3 })
                .unwrap()
                .is_empty(),
            "asking twice changes nothing"
        );
        run(
            &mut room,
            &chair,
            ClientMessage::ReorderSpeakers {
                id: 4,
                user_ids: vec!["delegate_b".into(), "delegate_a".into()],
            },
        )
        .unwrap();
        assert_eq!(room.speakers.queue[0].user_id, "delegate_b");
        run(
            &mut room,
            &chair,
            ClientMessage::SetSpeakingLimit {
                id: 5,
                seconds: Some(180),
            },
        )
        .unwrap();
        run(
            &mut room,
            &chair,
            ClientMessage::GiveFloor {
                id: 6,
                user_id: "delegate_b".into(),
            },
        )
        .unwrap();
        assert_eq!(
            room.speakers.current.as_ref().unwrap().limit_seconds,
            Some(180)
        );
        assert_eq!(room.speakers.queue.len(), 1);
        // Another delegate cannot end someone else's turn; the speaker can.
        assert_eq!(
            run(&mut room, &a, ClientMessage::EndTurn { id: 7 })
                .unwrap_err()
                .code,
            LiveErrorCode::Forbidden
        );
        run(&mut room, &b, ClientMessage::EndTurn { id: 8 }).unwrap();
        assert_eq!(room.speakers.history.len(), 1);
        assert!(room.speakers.current.is_none());
        run(&mut room, &a, ClientMessage::WithdrawFloor { id: 9 }).unwrap();
        assert!(room.speakers.queue.is_empty());
        assert_eq!(
            run(
                &mut room,
                &actor("commune", MeetingRole::RemotePoint),
                ClientMessage::RequestFloor { id: 10 }
            )
            .unwrap_err()
            .code,
            LiveErrorCode::Forbidden
        );
    }

    #[test]
    fn second_ballot_from_same_delegate_is_rejected() {
        let mut room = room();
        let chair = actor("chair", MeetingRole::Chair);
        run(
            &mut room,
            &chair,
            ClientMessage::OpenVote {
                id: 1,
                agenda_item_id: None,
                question: "Thông qua báo cáo?".into(),
                options: vec![],
                secret: true,
                eligibility: VoteEligibility::AllVotingMembers,
                allow_change: false,
            },
        )
        .unwrap();
        assert_eq!(room.votes[0].view.options.len(), 3);
        assert_eq!(room.votes[0].view.eligible, 4);
        let a = actor("delegate_a", MeetingRole::Delegate);
        let events = run(
            &mut room,
            &a,
            ClientMessage::CastBallot {
                id: 2,
                vote_id: "v_1".into(),
                choice: 0,
                ballot_key: None,
            },
        )
        .unwrap();
        assert!(matches!(
            &events[0].message,
            ServerMessage::VoteProgress {
                ballots_cast: 1,
                eligible: 4,
                ..
            }
        ));
        let again = run(
            &mut room,
            &a,
            ClientMessage::CastBallot {
                id: 3,
                vote_id: "v_1".into(),
                choice: 1,
                ballot_key: None,
            },
        )
        .unwrap_err();
        assert_eq!(again.code, LiveErrorCode::AlreadyVoted);
        let observer = run(
            &mut room,
            &actor("observer", MeetingRole::Observer),
            ClientMessage::CastBallot {
                id: 4,
                vote_id: "v_1".into(),
                choice: 0,
                ballot_key: None,
            },
        )
        .unwrap_err();
        assert_eq!(observer.code, LiveErrorCode::NotEligible);
    }

    #[test]
    fn closed_vote_takes_no_ballots_and_closing_twice_is_harmless() {
        let mut room = room();
        let chair = actor("chair", MeetingRole::Chair);
        run(
            &mut room,
            &chair,
            ClientMessage::OpenVote {
                id: 1,
                agenda_item_id: None,
                question: "Q".into(),
                options: vec![],
                secret: false,
                eligibility: VoteEligibility::AllVotingMembers,
                allow_change: false,
            },
        )
        .unwrap();
        let plan = room
            .plan(
                &chair,
                &ClientMessage::CloseVote {
                    id: 2,
                    vote_id: "v_1".into(),
                },
                2_000,
                String::new,
            )
            .unwrap();
        room.apply(plan, Some((vec![0, 0, 0], Some(vec![]), 2_000)));
        assert!(run(
            &mut room,
            &chair,
            ClientMessage::CloseVote {
                id: 3,
                vote_id: "v_1".into()
            }
        )
        .unwrap()
        .is_empty());
        let late = run(
            &mut room,
            &actor("delegate_a", MeetingRole::Delegate),
            ClientMessage::CastBallot {
                id: 4,
                vote_id: "v_1".into(),
                choice: 0,
                ballot_key: None,
            },
        )
        .unwrap_err();
        assert_eq!(late.code, LiveErrorCode::VoteClosed);
    }

    #[test]
    fn secret_vote_result_never_names_voters() {
        let mut room = room();
        let chair = actor("chair", MeetingRole::Chair);
        run(
            &mut room,
            &chair,
            ClientMessage::OpenVote {
                id: 1,
                agenda_item_id: None,
                question: "Q".into(),
                options: vec![],
                secret: true,
                eligibility: VoteEligibility::AllVotingMembers,
                allow_change: false,
            },
        )
        .unwrap();
        let plan = room
            .plan(
                &chair,
                &ClientMessage::CloseVote {
                    id: 2,
                    vote_id: "v_1".into(),
                },
                2_000,
                String::new,
            )
            .unwrap();
        let events = room.apply(
            plan,
            Some((
                vec![2, 1, 0],
                Some(vec![NamedChoice {
                    user_id: "delegate_a".into(),
                    choice: 0,
                }]),
                2_000,
            )),
        );
        let ServerMessage::VoteClosed { vote } = &events[0].message else {
            panic!("vote_closed expected")
        };
        assert_eq!(vote.result, Some(vec![2, 1, 0]));
        assert_eq!(vote.named_choices, None);
    }

    #[test]
    fn a_named_vote_result_names_voters_to_staff_only() {
        let mut room = room();
        let chair = actor("chair", MeetingRole::Chair);
        run(
            &mut room,
            &chair,
            open_vote_message(false, VoteEligibility::AllVotingMembers, false),
        )
        .unwrap();
        let plan = room
            .plan(
                &chair,
                &ClientMessage::CloseVote {
                    id: 2,
                    vote_id: "v_1".into(),
                },
                2_000,
                String::new,
            )
            .unwrap();
        let named = vec![NamedChoice {
            user_id: "delegate_a".into(),
            choice: 0,
        }];
        let events = room.apply(plan, Some((vec![1, 0, 0], Some(named.clone()), 2_000)));
        let closed_for = |audience: Audience| {
            events
                .iter()
                .find(|event| event.audience == audience)
                .map(|event| match &event.message {
                    ServerMessage::VoteClosed { vote } => vote.clone(),
                    other => panic!("vote_closed expected, got {other:?}"),
                })
                .unwrap()
        };
        assert_eq!(events.len(), 2);
        assert_eq!(
            closed_for(Audience::Staff).named_choices,
            Some(named.clone())
        );
        let others = closed_for(Audience::NotStaff);
        assert_eq!(others.named_choices, None);
        assert_eq!(others.result, Some(vec![1, 0, 0]));
        assert!(Audience::NotStaff.includes("delegate_a", false));
        assert!(!Audience::NotStaff.includes("chair", true));

        let delegate = actor("delegate_a", MeetingRole::Delegate);
        assert_eq!(room.snapshot(&delegate).votes[0].named_choices, None);
        assert_eq!(room.snapshot(&chair).votes[0].named_choices, Some(named));
    }

    #[test]
    fn a_delegates_welcome_holds_what_their_screen_shows_and_staff_get_everything() {
        let mut room = room();
        mark(&mut room, "delegate_a", AttendanceStatus::Present);
        mark(&mut room, "delegate_b", AttendanceStatus::Late);
        room.device_connected("delegate_b", 10);
        run(
            &mut room,
            &actor("delegate_c", MeetingRole::Delegate),
            ClientMessage::RequestFloor { id: 1 },
        )
        .unwrap();

        let mine = room.snapshot(&actor("delegate_a", MeetingRole::Delegate));
        let names: Vec<&str> = mine
            .participants
            .iter()
            .map(|p| p.user_id.as_str())
            .collect();
        assert_eq!(
            names,
            vec!["delegate_a", "delegate_c"],
            "themself and the queue"
        );
        assert_eq!(mine.speakers.queue[0].display_name, "delegate_c");
        let attendance: Vec<&str> = mine.attendance.iter().map(|a| a.user_id.as_str()).collect();
        assert_eq!(attendance, vec!["delegate_a"], "their own attendance only");
        assert_eq!(
            mine.quorum.present_voting_members, 2,
            "the counts are all there"
        );
        assert!(mine.presence.is_empty());

        let remote = room.snapshot(&actor("commune", MeetingRole::RemotePoint));
        assert!(remote.attendance.is_empty());
        assert_eq!(
            remote.participants.len(),
            2,
            "the remote point and the queue"
        );

        let staff = room.snapshot(&actor("secretary", MeetingRole::Secretary));
        assert_eq!(staff.participants.len(), 7);
        assert_eq!(staff.attendance.len(), 2);
        assert_eq!(staff.presence.len(), 7);
    }

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

    #[test]
    fn readiness_goes_to_staff_only_and_presence_counts_devices() {
        let mut room = room();
        let delegate = actor("delegate_a", MeetingRole::Delegate);
        room.device_connected("delegate_a", 10);
        room.device_connected("delegate_a", 20);
        let mut plan = room
            .plan(
                &delegate,
                &ClientMessage::ReportReadiness {
                    id: 1,
                    cached_documents: 3,
                    total_documents: 5,
                },
                30,
                String::new,
            )
            .unwrap();
        if let Plan::Readiness(readiness) = &mut plan {
            readiness.device_id = "tablet-7".into();
        }
        let events = room.apply(plan, None);
        assert_eq!(events[0].audience, Audience::Staff);
        assert!(room.snapshot(&delegate).readiness.is_empty());
        assert_eq!(
            room.snapshot(&actor("secretary", MeetingRole::Secretary))
                .readiness
                .len(),
            1
        );
        assert!(
            room.snapshot(&delegate).presence.is_empty(),
            "presence is for staff"
        );
        let presence = room
            .snapshot(&actor("chair", MeetingRole::Chair))
            .presence
            .into_iter()
            .find(|p| p.user_id == "delegate_a")
            .unwrap();
        assert_eq!(
            (presence.devices_online, presence.online_since_ms),
            (2, Some(10))
        );
        room.device_disconnected("delegate_a", "tablet-7");
        room.device_disconnected("delegate_a", "tablet-8");
        assert_eq!(room.presence_entry("delegate_a").devices_online, 0);
    }

    fn open_vote_message(
        secret: bool,
        eligibility: VoteEligibility,
        allow_change: bool,
    ) -> ClientMessage {
        ClientMessage::OpenVote {
            id: 1,
            agenda_item_id: None,
            question: "Thông qua báo cáo?".into(),
            options: vec![],
            secret,
            eligibility,
            allow_change,
        }
    }

    fn ballot(choice: usize, ballot_key: Option<&str>) -> ClientMessage {
        ClientMessage::CastBallot {
            id: 2,
            vote_id: "v_1".into(),
            choice,
            ballot_key: ballot_key.map(str::to_owned),
        }
    }

    fn mark(room: &mut Room, user_id: &str, status: AttendanceStatus) {
        run(
            room,
            &actor("secretary", MeetingRole::Secretary),
            ClientMessage::SetAttendance {
                id: 1,
                user_id: user_id.into(),
                status,
                reason: None,
            },
        )
        .unwrap();
    }

    #[test]
    fn a_vote_opens_to_voting_members_present_or_late_by_default() {
        let mut room = room();
        let chair = actor("chair", MeetingRole::Chair);
        assert_eq!(
            run(
                &mut room,
                &chair,
                open_vote_message(false, VoteEligibility::Present, false)
            )
            .unwrap_err()
            .code,
            LiveErrorCode::BadRequest,
            "nobody present: nobody could vote"
        );
        mark(&mut room, "delegate_a", AttendanceStatus::Present);
        mark(&mut room, "delegate_b", AttendanceStatus::Late);
        mark(&mut room, "delegate_c", AttendanceStatus::Absent);
        mark(&mut room, "observer", AttendanceStatus::Present);
        run(
            &mut room,
            &chair,
            open_vote_message(true, VoteEligibility::Present, false),
        )
        .unwrap();
        assert_eq!(room.votes[0].view.eligible, 2, "delegate_a and delegate_b");
        assert_eq!(room.votes[0].view.eligibility, VoteEligibility::Present);
        let c = actor("delegate_c", MeetingRole::Delegate);
        assert_eq!(
            run(&mut room, &c, ballot(0, None)).unwrap_err().code,
            LiveErrorCode::NotEligible
        );
        // Checking in after the vote opened does not make one eligible.
        run(&mut room, &c, ClientMessage::CheckIn { id: 3 }).unwrap();
        assert_eq!(
            run(&mut room, &c, ballot(0, None)).unwrap_err().code,
            LiveErrorCode::NotEligible
        );
        assert_eq!(
            run(
                &mut room,
                &actor("chair", MeetingRole::Chair),
                ballot(0, None)
            )
            .unwrap_err()
            .code,
            LiveErrorCode::NotEligible,
            "the chair did not check in"
        );
        let events = run(
            &mut room,
            &actor("delegate_b", MeetingRole::Delegate),
            ballot(1, None),
        )
        .unwrap();
        assert!(matches!(
            &events[0].message,
            ServerMessage::VoteProgress {
                ballots_cast: 1,
                eligible: 2,
                ..
            }
        ));
    }

    #[test]
    fn a_vote_open_to_all_voting_members_counts_absentees_too() {
        let mut room = room();
        mark(&mut room, "delegate_a", AttendanceStatus::Absent);
        run(
            &mut room,
            &actor("chair", MeetingRole::Chair),
            open_vote_message(false, VoteEligibility::AllVotingMembers, false),
        )
        .unwrap();
        assert_eq!(room.votes[0].view.eligible, 4);
        run(
            &mut room,
            &actor("delegate_a", MeetingRole::Delegate),
            ballot(0, None),
        )
        .unwrap();
        assert_eq!(
            run(
                &mut room,
                &actor("observer", MeetingRole::Observer),
                ballot(0, None)
            )
            .unwrap_err()
            .code,
            LiveErrorCode::NotEligible,
            "observers never vote"
        );
    }

    #[test]
    fn a_ballot_is_replaced_only_when_the_vote_allows_changes() {
        let mut room = room();
        let chair = actor("chair", MeetingRole::Chair);
        run(
            &mut room,
            &chair,
            open_vote_message(false, VoteEligibility::AllVotingMembers, true),
        )
        .unwrap();
        assert!(room.votes[0].view.allow_change);
        let a = actor("delegate_a", MeetingRole::Delegate);
        let first = room.plan(&a, &ballot(0, None), 1_000, String::new).unwrap();
        assert!(matches!(
            first,
            Plan::CastBallot {
                replaces: false,
                ..
            }
        ));
        assert_eq!(room.apply(first, None).len(), 1, "one more ballot is told");
        let second = room.plan(&a, &ballot(2, None), 1_100, String::new).unwrap();
        assert!(matches!(
            second,
            Plan::CastBallot {
                replaces: true,
                choice: 2,
                ..
            }
        ));
        assert!(
            room.apply(second, None).is_empty(),
            "a changed ballot changes no count"
        );
        assert_eq!(room.votes[0].view.ballots_cast, 1, "still one per voter");
        // A key is kept only for a secret vote that may change.
        let named = room
            .plan(&a, &ballot(1, Some(&"k".repeat(32))), 1_200, String::new)
            .unwrap();
        assert!(matches!(
            named,
            Plan::CastBallot {
                ballot_key: None,
                ..
            }
        ));
    }

    #[test]
    fn a_secret_changeable_ballot_carries_the_device_key() {
        let mut room = room();
        run(
            &mut room,
            &actor("chair", MeetingRole::Chair),
            open_vote_message(true, VoteEligibility::AllVotingMembers, true),
        )
        .unwrap();
        let a = actor("delegate_a", MeetingRole::Delegate);
        let key = "0123456789abcdef0123456789abcdef";
        let plan = room
            .plan(&a, &ballot(0, Some(key)), 1_000, String::new)
            .unwrap();
        assert!(matches!(&plan, Plan::CastBallot { ballot_key: Some(k), .. } if k == key));
        assert_eq!(
            room.plan(&a, &ballot(0, Some("short")), 1_000, String::new)
                .unwrap_err()
                .code,
            LiveErrorCode::BadRequest
        );
        assert_eq!(
            room.plan(&a, &ballot(0, Some(&"é".repeat(40))), 1_000, String::new)
                .unwrap_err()
                .code,
            LiveErrorCode::BadRequest
        );
    }

    fn send_request(
        room: &mut Room,
        who: &Actor,
        kind: SecretaryRequestKind,
        text: Option<&str>,
        now_ms: i64,
    ) -> Result<Vec<Broadcast>, Refusal> {
        let id = format!("r_{}", room.secretary_requests.len() + 1);
        let plan = room.plan(
            who,
            &ClientMessage::SendSecretaryRequest {
                id: 1,
                kind,
                document_id: None,
                text: text.map(str::to_owned),
            },
            now_ms,
            || id,
        )?;
        Ok(room.apply(plan, None))
    }

    #[test]
    fn a_request_to_the_secretary_reaches_staff_and_its_sender_only() {
        let mut room = room();
        let a = actor("delegate_a", MeetingRole::Delegate);
        let b = actor("delegate_b", MeetingRole::Delegate);
        let secretary = actor("secretary", MeetingRole::Secretary);
        let events = send_request(
            &mut room,
            &a,
            SecretaryRequestKind::PaperCopy,
            Some("  Bản in báo cáo số 3  "),
            1_000,
        )
        .unwrap();
        assert_eq!(
            events[0].audience,
            Audience::StaffAndUser("delegate_a".into())
        );
        assert!(events[0].audience.includes("delegate_a", false));
        assert!(events[0].audience.includes("chair", true));
        assert!(!events[0].audience.includes("delegate_b", false));
        let ServerMessage::SecretaryRequestChanged { request } = &events[0].message else {
            panic!("secretary_request_changed expected")
        };
        assert_eq!(request.text.as_deref(), Some("Bản in báo cáo số 3"));
        assert_eq!(request.state, SecretaryRequestState::Open);
        assert_eq!(room.snapshot(&a).secretary_requests.len(), 1);
        assert!(room.snapshot(&b).secretary_requests.is_empty());
        assert_eq!(room.snapshot(&secretary).secretary_requests.len(), 1);

        let handle = |id: &str| ClientMessage::HandleSecretaryRequest {
            id: 2,
            request_id: id.into(),
        };
        assert_eq!(
            run(&mut room, &b, handle("r_1")).unwrap_err().code,
            LiveErrorCode::Forbidden
        );
        assert_eq!(
            run(&mut room, &secretary, handle("r_9")).unwrap_err().code,
            LiveErrorCode::NotFound
        );
        let handled = run(&mut room, &secretary, handle("r_1")).unwrap();
        let ServerMessage::SecretaryRequestChanged { request } = &handled[0].message else {
            panic!("secretary_request_changed expected")
        };
        assert_eq!(request.state, SecretaryRequestState::Handled);
        assert_eq!(request.handled_by.as_deref(), Some("secretary"));
        assert_eq!(request.handled_at_ms, Some(1_000));
        assert!(
            run(&mut room, &secretary, handle("r_1"))
                .unwrap()
                .is_empty(),
            "handling twice changes nothing"
        );
        assert_eq!(
            room.secretary_requests_of("delegate_a")[0].state,
            SecretaryRequestState::Handled
        );
    }

    #[test]
    fn a_request_to_the_secretary_must_say_what_and_stay_short() {
        let mut room = room();
        let a = actor("delegate_a", MeetingRole::Delegate);
        for text in [None, Some("   ")] {
            assert_eq!(
                send_request(&mut room, &a, SecretaryRequestKind::Other, text, 1_000)
                    .unwrap_err()
                    .code,
                LiveErrorCode::BadRequest
            );
        }
        let long = "x".repeat(MAX_SECRETARY_REQUEST_TEXT + 1);
        assert_eq!(
            send_request(
                &mut room,
                &a,
                SecretaryRequestKind::TechHelp,
                Some(&long),
                1_000
            )
            .unwrap_err()
            .code,
            LiveErrorCode::BadRequest
        );
        let with_document = room
            .plan(
                &a,
                &ClientMessage::SendSecretaryRequest {
                    id: 1,
                    kind: SecretaryRequestKind::TechHelp,
                    document_id: Some("d_1".into()),
                    text: None,
                },
                1_000,
                String::new,
            )
            .unwrap_err();
        assert_eq!(with_document.code, LiveErrorCode::BadRequest);
        assert!(room.secretary_requests.is_empty(), "nothing was kept");
    }

    #[test]
    fn requests_to_the_secretary_are_rate_limited_per_sender() {
        let mut room = room();
        let a = actor("delegate_a", MeetingRole::Delegate);
        let b = actor("delegate_b", MeetingRole::Delegate);
        for at in [1_000, 2_000, 3_000] {
            send_request(&mut room, &a, SecretaryRequestKind::TechHelp, None, at).unwrap();
        }
        assert_eq!(
            send_request(&mut room, &a, SecretaryRequestKind::TechHelp, None, 4_000)
                .unwrap_err()
                .code,
            LiveErrorCode::RateLimited
        );
        send_request(&mut room, &b, SecretaryRequestKind::TechHelp, None, 4_000)
            .expect("another delegate is not held back");
        // A minute later the window has passed, up to five open requests.
        for at in [62_000, 63_000] {
            send_request(&mut room, &a, SecretaryRequestKind::TechHelp, None, at).unwrap();
        }
        assert_eq!(
            send_request(&mut room, &a, SecretaryRequestKind::TechHelp, None, 200_000)
                .unwrap_err()
                .code,
            LiveErrorCode::RateLimited,
            "five requests wait unhandled"
        );
    }
}
