//! The live meeting over `/live`: presence, attendance, presenter follow,
//! the speakers list, votes, announcements and requests to the secretary.
//!
//! - [`room`]: the state of one meeting and its rules, pure.
//! - [`LiveHub`]: the rooms of the meetings that have connected clients,
//!   each behind an async mutex with a broadcast channel for its events.
//! - [`socket`]: one websocket: hello, then requests and events.
//!
//! **Invariant:** a request is planned, made durable, then applied, all
//! under its room's lock, so every client sees changes in one order and
//! nothing acknowledged is lost (attendance, votes, finished turns and
//! requests to the secretary are stored before the `ok` and the broadcast).

pub mod room;
pub mod socket;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use phonghop_protocol::api::MeetingState;
use phonghop_protocol::live::{
    AttendanceEntry, ClientMessage, FinishedTurn, LiveErrorCode, LiveParticipant, NamedChoice,
    SecretaryRequest, SecretaryRequestState, ServerMessage, VoteEligibility, VoteState, VoteView,
};
use tokio::sync::broadcast;

use crate::store::live as stored;
use crate::store::{
    new_id, AttendanceRecord, BallotError, SecretaryRequestRecord, Store, StoreError, VoteRecord,
};
use room::{vote_outcome, Actor, Audience, PackDocument, Plan, Refusal, Room, RoomVote};

/// How many events a slow client may fall behind before it is dropped
/// (it reconnects and gets a fresh snapshot).
pub const EVENT_BACKLOG: usize = 1024;

/// One serialized event and who may receive it.
#[derive(Debug, Clone)]
pub struct Event {
    pub audience: Audience,
    pub json: Arc<str>,
}

/// A meeting's room and its event channel.
pub struct RoomHandle {
    pub room: tokio::sync::Mutex<Room>,
    pub events: broadcast::Sender<Event>,
    /// A vote-progress event is scheduled: ballots arriving meanwhile are
    /// told in that one event, not one event each (2,000 ballots would
    /// otherwise be 2,000 × 2,000 messages).
    progress_pending: std::sync::atomic::AtomicBool,
}

/// How often vote progress is told while ballots pour in.
pub const VOTE_PROGRESS_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// Tells the vote's progress once, `VOTE_PROGRESS_INTERVAL` from now,
/// unless that is already scheduled.
fn schedule_vote_progress(handle: &Arc<RoomHandle>, vote_id: String) {
    use std::sync::atomic::Ordering;
    if handle.progress_pending.swap(true, Ordering::AcqRel) {
        return;
    }
    let handle = handle.clone();
    tokio::spawn(async move {
        tokio::time::sleep(VOTE_PROGRESS_INTERVAL).await;
        let room = handle.room.lock().await;
        handle.progress_pending.store(false, Ordering::Release);
        if let Some(message) = room.vote_progress(&vote_id) {
            let _ = handle.events.send(Event {
                audience: Audience::Everyone,
                json: to_json(&message),
            });
        }
    });
}

/// The rooms of meetings with connected clients.
#[derive(Default)]
pub struct LiveHub {
    rooms: Mutex<HashMap<String, Arc<RoomHandle>>>,
}

impl std::fmt::Debug for LiveHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveHub").finish_non_exhaustive()
    }
}

/// Serializes a server message (never fails for our types).
pub fn to_json(message: &ServerMessage) -> Arc<str> {
    Arc::from(serde_json::to_string(message).unwrap_or_else(|_| "{}".to_owned()))
}

impl LiveHub {
    /// The room of `meeting_id`, loaded from storage on first use.
    pub async fn room(
        &self,
        store: &Store,
        meeting_id: &str,
    ) -> Result<Arc<RoomHandle>, StoreError> {
        if let Some(handle) = self.rooms.lock().expect("hub lock").get(meeting_id) {
            return Ok(handle.clone());
        }
        let room = load_room(store, meeting_id).await?;
        let mut rooms = self.rooms.lock().expect("hub lock");
        // Another connection may have loaded it meanwhile: keep the first.
        let handle = rooms
            .entry(meeting_id.to_owned())
            .or_insert_with(|| {
                Arc::new(RoomHandle {
                    room: tokio::sync::Mutex::new(room),
                    events: broadcast::channel(EVENT_BACKLOG).0,
                    progress_pending: std::sync::atomic::AtomicBool::new(false),
                })
            })
            .clone();
        Ok(handle)
    }

    fn loaded(&self, meeting_id: &str) -> Option<Arc<RoomHandle>> {
        self.rooms
            .lock()
            .expect("hub lock")
            .get(meeting_id)
            .cloned()
    }

    /// The meeting changed over REST (participants, agenda, state): refresh
    /// the room and tell its clients to reload the meeting.
    pub async fn meeting_changed(&self, store: &Store, meeting_id: &str) {
        let Some(handle) = self.loaded(meeting_id) else {
            return;
        };
        let loaded = match load_participants(store, meeting_id).await {
            Ok(loaded) => store
                .meeting_rules(meeting_id)
                .await
                .map(|rules| (loaded, rules)),
            Err(error) => Err(error),
        };
        let ((participants, state), rules) = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                tracing::warn!(%error, meeting_id, "cannot refresh a live room");
                return;
            }
        };
        let pack = match load_pack(store, meeting_id, state).await {
            Ok(pack) => pack,
            Err(error) => {
                tracing::warn!(%error, meeting_id, "cannot refresh a live room's pack");
                return;
            }
        };
        let mut room = handle.room.lock().await;
        room.set_participants(participants, state);
        room.set_rules(rules);
        let _ = handle.events.send(Event {
            audience: Audience::Everyone,
            json: to_json(&ServerMessage::MeetingChanged {
                meeting_state: state,
            }),
        });
        // The board changes with the pack: a replaced document turns every
        // device holding only the old version stale now.
        for broadcast in room.set_pack(pack) {
            let _ = handle.events.send(Event {
                audience: broadcast.audience,
                json: to_json(&broadcast.message),
            });
        }
        let _ = handle.events.send(Event {
            audience: Audience::Everyone,
            json: to_json(&ServerMessage::QuorumChanged {
                quorum: room.quorum(),
            }),
        });
    }

    pub fn room_count(&self) -> usize {
        self.rooms.lock().expect("hub lock").len()
    }
}

async fn load_participants(
    store: &Store,
    meeting_id: &str,
) -> Result<(Vec<LiveParticipant>, MeetingState), StoreError> {
    let meeting = store
        .meeting(meeting_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("meeting {meeting_id}")))?;
    let mut participants = Vec::new();
    for (user_id, role) in store.participants(meeting_id).await? {
        let display_name = store
            .user_by_id(&user_id)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_else(|| user_id.clone());
        participants.push(LiveParticipant {
            user_id,
            display_name,
            role,
        });
    }
    Ok((participants, meeting.state))
}

/// The meeting's agenda pack in its current versions: every document
/// that is not confidential, while the meeting is published, in session or
/// closed (the states whose documents tablets keep).
async fn load_pack(
    store: &Store,
    meeting_id: &str,
    state: MeetingState,
) -> Result<Vec<PackDocument>, StoreError> {
    if !matches!(
        state,
        MeetingState::Published | MeetingState::InSession | MeetingState::Closed
    ) {
        return Ok(Vec::new());
    }
    Ok(store
        .documents_of_meeting(meeting_id)
        .await?
        .into_iter()
        .filter(|(document, _)| !document.confidential)
        .map(|(document, version)| PackDocument {
            document_id: document.id,
            version: u32::try_from(version.version).unwrap_or(u32::MAX),
            sha256: version.blob_sha256.to_ascii_lowercase(),
        })
        .collect())
}

/// Builds a room from what storage holds.
async fn load_room(store: &Store, meeting_id: &str) -> Result<Room, StoreError> {
    let (participants, state) = load_participants(store, meeting_id).await?;
    let pack = load_pack(store, meeting_id, state).await?;
    let mut room = Room::new(meeting_id, state, participants);
    room.set_pack(pack);
    room.set_rules(store.meeting_rules(meeting_id).await?);
    let attendance = store
        .attendance_of(meeting_id)
        .await?
        .into_iter()
        .map(|a| AttendanceEntry {
            user_id: a.user_id,
            status: a.status,
            reason: a.reason,
            at_ms: a.at,
            marked_by: a.marked_by,
        })
        .collect();
    let votes = store
        .votes_of(meeting_id)
        .await?
        .into_iter()
        .map(|(vote, ballots)| {
            let result: Option<Vec<u32>> =
                (!vote.open).then(|| ballots.tallies.iter().map(|t| *t as u32).collect());
            let named = (!vote.open && !vote.secret).then(|| {
                ballots
                    .named_choices
                    .iter()
                    .map(|(user_id, choice)| NamedChoice {
                        user_id: user_id.clone(),
                        choice: *choice,
                    })
                    .collect()
            });
            let decision = vote
                .decision
                .map(|(rule, base)| (rule, u32::try_from(base).unwrap_or(0)));
            let mut view = VoteView {
                id: vote.id,
                agenda_item_id: vote.agenda_item_id,
                question: vote.question,
                options: vote.options,
                secret: vote.secret,
                state: if vote.open {
                    VoteState::Open
                } else {
                    VoteState::Closed
                },
                opened_at_ms: vote.opened_at,
                closed_at_ms: vote.closed_at,
                ballots_cast: ballots.voters.len() as u32,
                eligible: vote.eligible as u32,
                // Votes stored before eligibility was recorded were
                // open to every voting member.
                eligibility: vote
                    .eligibility
                    .unwrap_or(VoteEligibility::AllVotingMembers),
                allow_change: vote.allow_change,
                you_voted: false,
                result: None,
                rule: decision.map(|(rule, _)| rule),
                decision_base: decision.map(|(_, base)| base),
                outcome: None,
                named_choices: named,
            };
            if let Some(counts) = result {
                view.outcome = vote_outcome(&view, &counts);
                view.result = Some(counts);
            }
            RoomVote {
                view,
                voters: ballots.voters.into_iter().collect(),
                eligible_voters: vote.eligible_voters.map(|v| v.into_iter().collect()),
            }
        })
        .collect();
    let history = store
        .speaker_turns_of(meeting_id)
        .await?
        .into_iter()
        .map(|(user_id, started_at_ms, ended_at_ms)| FinishedTurn {
            user_id,
            started_at_ms,
            ended_at_ms,
        })
        .collect();
    let secretary_requests = store
        .secretary_requests_of(meeting_id)
        .await?
        .into_iter()
        .map(|r| SecretaryRequest {
            id: r.id,
            user_id: r.user_id,
            kind: r.kind,
            document_id: r.document_id,
            text: r.text,
            state: if r.handled_at.is_some() {
                SecretaryRequestState::Handled
            } else {
                SecretaryRequestState::Open
            },
            created_at_ms: r.created_at,
            handled_at_ms: r.handled_at,
            handled_by: r.handled_by,
        })
        .collect();
    room.restore(attendance, votes, history, secretary_requests);
    Ok(room)
}

/// Handles one request end to end: plan, store, apply, broadcast. Returns
/// the reply for the sender.
pub async fn handle_request(
    store: &Store,
    handle: &Arc<RoomHandle>,
    actor: &Actor,
    device_id: &str,
    request: &ClientMessage,
) -> ServerMessage {
    let id = request_id(request);
    let now = crate::store::now_millis();
    let mut room = handle.room.lock().await;
    let prefix = match request {
        ClientMessage::SendSecretaryRequest { .. } => "r",
        _ => "v",
    };
    let mut plan = match room.plan(actor, request, now, || new_id(prefix)) {
        Ok(plan) => plan,
        Err(refusal) => return refusal.reply(id),
    };
    if let Plan::Readiness(readiness) = &mut plan {
        readiness.device_id = device_id.to_owned();
    }
    let vote_result = match persist(store, &room.meeting_id, &plan).await {
        Ok(result) => result,
        Err(refusal) => return refusal.reply(id),
    };
    for broadcast in room.apply(plan, vote_result) {
        if let ServerMessage::VoteProgress { vote_id, .. } = &broadcast.message {
            schedule_vote_progress(handle, vote_id.clone());
            continue;
        }
        let _ = handle.events.send(Event {
            audience: broadcast.audience,
            json: to_json(&broadcast.message),
        });
    }
    ServerMessage::Ok { id }
}

type VoteOutcome = Option<(Vec<u32>, Option<Vec<NamedChoice>>, i64)>;

/// The refusal for a storage failure, with the storage faults named.
fn storage_refusal(error: StoreError) -> Refusal {
    tracing::error!(%error, "live: storage failed");
    match error {
        StoreError::Unavailable(_) | StoreError::Fenced { .. } => Refusal::new(
            LiveErrorCode::StorageUnavailable,
            "Máy chủ tạm thời không truy cập được dữ liệu; chưa lưu. Vui lòng thử lại sau ít giây.",
            "The server cannot reach its data right now; nothing was saved. Please try again in a few seconds.",
        ),
        StoreError::Full(_) => Refusal::new(
            LiveErrorCode::StorageFull,
            "Máy chủ hết dung lượng lưu trữ; chưa lưu. Vui lòng báo quản trị viên.",
            "The server's storage is full; nothing was saved. Please tell the administrator.",
        ),
        _ => Refusal::new(
            LiveErrorCode::Internal,
            "Máy chủ không lưu được. Vui lòng thử lại.",
            "The server could not save this. Please try again.",
        ),
    }
}

/// Refuses (`not_found`, as if absent) a document id that is not one of
/// this meeting's.
async fn ensure_meeting_document(
    store: &Store,
    meeting_id: &str,
    document_id: &str,
    message: (&str, &str),
) -> Result<(), Refusal> {
    let belongs = store
        .document(document_id)
        .await
        .map_err(storage_refusal)?
        .is_some_and(|(document, _)| document.meeting_id == meeting_id);
    if belongs {
        Ok(())
    } else {
        Err(Refusal::new(LiveErrorCode::NotFound, message.0, message.1))
    }
}

/// Makes what must survive a crash durable before it is acknowledged.
async fn persist(store: &Store, meeting_id: &str, plan: &Plan) -> Result<VoteOutcome, Refusal> {
    let internal = storage_refusal;
    match plan {
        Plan::Follow(follow) => {
            // Followers open what the presenter names: it must be this
            // meeting's, or a presenter could point every tablet at another
            // meeting's document (and learn whether an id exists).
            let position = &follow.position;
            if let Some(document_id) = &position.document_id {
                ensure_meeting_document(
                    store,
                    meeting_id,
                    document_id,
                    (
                        "Không có tài liệu này trong cuộc họp.",
                        "There is no such document in this meeting.",
                    ),
                )
                .await?;
            }
            if let Some(item_id) = &position.agenda_item_id {
                let belongs = store
                    .agenda_item(item_id)
                    .await
                    .map_err(internal)?
                    .is_some_and(|item| item.meeting_id == meeting_id);
                if !belongs {
                    return Err(Refusal::new(
                        LiveErrorCode::NotFound,
                        "Không có nội dung này trong chương trình họp.",
                        "There is no such item in the agenda.",
                    ));
                }
            }
        }
        Plan::Attendance(entry) => {
            let record = &AttendanceRecord {
                meeting_id: meeting_id.to_owned(),
                user_id: entry.user_id.clone(),
                status: entry.status,
                reason: entry.reason.clone(),
                at: entry.at_ms,
                marked_by: entry.marked_by.clone(),
            };
            store
                .with_audit(
                    crate::store::NewAuditEntry {
                        actor_user_id: Some(&entry.marked_by),
                        meeting_id: Some(meeting_id),
                        action: "attendance.set",
                        details: serde_json::json!({ "user_id": entry.user_id, "status": entry.status, "reason": entry.reason }),
                    },
                    |tx, _| Box::pin(stored::upsert_attendance_in(tx, record)),
                )
                .await
                .map_err(internal)?;
        }
        Plan::GiveFloor {
            finished: Some(turn),
            ..
        }
        | Plan::EndTurn { finished: turn } => {
            store
                .insert_speaker_turn(
                    meeting_id,
                    &turn.user_id,
                    turn.started_at_ms,
                    turn.ended_at_ms,
                )
                .await
                .map_err(internal)?;
        }
        Plan::OpenVote(open) => {
            let vote = &VoteRecord {
                    id: open.id.clone(),
                    meeting_id: meeting_id.to_owned(),
                    agenda_item_id: open.agenda_item_id.clone(),
                    question: open.question.clone(),
                    options: open.options.clone(),
                    secret: open.secret,
                    open: true,
                    eligible: open.eligible_voters.len() as i64,
                    eligibility: Some(open.eligibility),
                    eligible_voters: Some(open.eligible_voters.clone()),
                    allow_change: open.allow_change,
                    decision: Some((open.rule, i64::from(open.decision_base))),
                    opened_by: open.opened_by.clone(),
                    opened_at: open.opened_at_ms,
                    closed_at: None,
                };
            store
                .with_audit(crate::store::NewAuditEntry {
                    actor_user_id: Some(&open.opened_by),
                    meeting_id: Some(meeting_id),
                    action: "vote.open",
                    details: serde_json::json!({
                        "vote_id": open.id,
                        "question": open.question,
                        "secret": open.secret,
                        "eligibility": open.eligibility,
                        "eligible": open.eligible_voters.len(),
                        "allow_change": open.allow_change,
                        "decision_rule": open.rule,
                        "decision_base": open.decision_base,
                    }),
                },
                    |tx, _| Box::pin(stored::insert_vote_in(tx, vote)),
                )
                .await
                .map_err(internal)?;
        }
        Plan::CastBallot {
            vote_id,
            voter,
            choice,
            ballot_key,
            ..
        } => match store
            .cast_ballot(vote_id, voter, *choice, ballot_key.as_deref())
            .await
        {
            Ok(_) => {}
            Err(BallotError::AlreadyVoted) => {
                return Err(Refusal::new(
                    LiveErrorCode::AlreadyVoted,
                    "Bạn đã biểu quyết rồi.",
                    "You have already voted.",
                ))
            }
            Err(BallotError::KeyMismatch) => {
                return Err(Refusal::new(
                    LiveErrorCode::AlreadyVoted,
                    "Bạn đã biểu quyết; phiếu kín chỉ đổi được trên thiết bị đã bỏ phiếu.",
                    "You have already voted; a secret ballot can be changed only on the device that cast it.",
                ))
            }
            Err(BallotError::NotEligible) => {
                return Err(Refusal::new(
                    LiveErrorCode::NotEligible,
                    "Bạn không có trong danh sách biểu quyết.",
                    "You are not on the list of voters.",
                ))
            }
            Err(BallotError::VoteClosed) => {
                return Err(Refusal::new(
                    LiveErrorCode::VoteClosed,
                    "Biểu quyết đã kết thúc.",
                    "The vote is closed.",
                ))
            }
            Err(BallotError::NotFound) => {
                return Err(Refusal::new(
                    LiveErrorCode::NotFound,
                    "Không có cuộc biểu quyết này.",
                    "There is no such vote.",
                ))
            }
            Err(BallotError::Store(error)) => return Err(internal(error)),
        },
        Plan::CloseVote { vote_id } => {
            // The room's lock is held from plan to apply, so no ballot of
            // this meeting lands between reading the result and closing.
            let votes = store.votes_of(meeting_id).await.map_err(internal)?;
            let Some((vote, ballots)) = votes.into_iter().find(|(v, _)| &v.id == vote_id) else {
                return Err(internal(StoreError::NotFound(format!("vote {vote_id}"))));
            };
            let (closed_at, _) = store
                .with_audit(
                    crate::store::NewAuditEntry {
                        actor_user_id: None,
                        meeting_id: Some(meeting_id),
                        action: "vote.close",
                        details: serde_json::json!({ "vote_id": vote.id, "result": ballots.tallies }),
                    },
                    |tx, _| Box::pin(stored::close_vote_in(tx, vote_id)),
                )
                .await
                .map_err(internal)?;
            let counts = ballots.tallies.iter().map(|t| *t as u32).collect();
            let named = (!vote.secret).then(|| {
                ballots
                    .named_choices
                    .into_iter()
                    .map(|(user_id, choice)| NamedChoice { user_id, choice })
                    .collect()
            });
            return Ok(Some((counts, named, closed_at)));
        }
        Plan::SecretaryRequest(request) => {
            if let Some(document_id) = &request.document_id {
                ensure_meeting_document(
                    store,
                    meeting_id,
                    document_id,
                    ("Không có tài liệu này.", "There is no such document."),
                )
                    .await?;
            }
            store
                .insert_secretary_request(&SecretaryRequestRecord {
                    id: request.id.clone(),
                    meeting_id: meeting_id.to_owned(),
                    user_id: request.user_id.clone(),
                    kind: request.kind,
                    document_id: request.document_id.clone(),
                    text: request.text.clone(),
                    created_at: request.created_at_ms,
                    handled_at: None,
                    handled_by: None,
                })
                .await
                .map_err(internal)?;
        }
        Plan::HandleSecretaryRequest {
            request_id,
            handled_by,
            handled_at_ms,
        } => {
            let handled_at = *handled_at_ms;
            store
                .with_audit(
                    crate::store::NewAuditEntry {
                        actor_user_id: Some(handled_by),
                        meeting_id: Some(meeting_id),
                        action: "secretary_request.handled",
                        details: serde_json::json!({ "request_id": request_id }),
                    },
                    |tx, _| {
                        Box::pin(stored::mark_secretary_request_handled_in(
                            tx, request_id, handled_by, handled_at,
                        ))
                    },
                )
                .await
                .map_err(internal)?;
        }
        _ => {}
    }
    Ok(None)
}

/// The `id` of a request (0 for `hello`, which has none).
pub fn request_id(message: &ClientMessage) -> u64 {
    match message {
        ClientMessage::Hello { .. } => 0,
        ClientMessage::CheckIn { id }
        | ClientMessage::SetAttendance { id, .. }
        | ClientMessage::SetFollow { id, .. }
        | ClientMessage::RequestFloor { id }
        | ClientMessage::WithdrawFloor { id }
        | ClientMessage::GiveFloor { id, .. }
        | ClientMessage::EndTurn { id }
        | ClientMessage::ReorderSpeakers { id, .. }
        | ClientMessage::SetSpeakingLimit { id, .. }
        | ClientMessage::OpenVote { id, .. }
        | ClientMessage::CastBallot { id, .. }
        | ClientMessage::CloseVote { id, .. }
        | ClientMessage::Announce { id, .. }
        | ClientMessage::SendSecretaryRequest { id, .. }
        | ClientMessage::HandleSecretaryRequest { id, .. }
        | ClientMessage::ReportReadiness { id, .. }
        | ClientMessage::Ping { id } => *id,
    }
}
