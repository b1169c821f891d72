//! A seeded, replayable random walk through a meeting: participants of
//! every role send every kind of request (valid or not) in random order,
//! devices come and go, the clock jumps, votes open and close, and the
//! meeting ends. Each step goes through `plan`, a model of what the store
//! decides (one receipt per voter, a changed ballot only with its
//! device's key, a closed vote's tallies), then `apply`; after each step
//! the room, every event and every participant's snapshot are checked
//! against the invariants below.
//!
//! `cargo test -p phonghop-server randomized` runs [`SEEDS`] fixed seeds;
//! `PHONGHOP_ROOM_SEED=N` replays one, `PHONGHOP_ROOM_SEEDS=N` runs N
//! seeds from the clock (each printed when it fails).

use std::collections::{BTreeMap, BTreeSet};

use phonghop_protocol::api::{MeetingRole, MeetingState};
use phonghop_protocol::live::{
    AttendanceStatus, ClientMessage, FollowPosition, NamedChoice, SecretaryRequestKind,
    SecretaryRequestState, ServerMessage, Viewport, VoteEligibility, VoteState, VoteView,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::test_support::{actor, participant};
use super::{
    is_voting_role, Actor, Audience, Broadcast, Plan, Room, MAX_OPEN_SECRETARY_REQUESTS,
    SECRETARY_REQUESTS_PER_WINDOW, SECRETARY_REQUEST_WINDOW_MS,
};

/// Seeds `make test` runs; each walks [`STEPS`] steps.
const SEEDS: std::ops::Range<u64> = 0..40;
const STEPS: usize = 250;

#[test]
fn randomized_meetings_keep_the_rooms_invariants() {
    let seeds = seeds();
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    for &seed in &seeds {
        match std::panic::catch_unwind(|| walk(seed)) {
            Ok(counts) => {
                for (what, count) in counts {
                    *seen.entry(what).or_default() += count;
                }
            }
            Err(panic) => {
                eprintln!(
                    "room seed {seed} failed; replay it with:\n    PHONGHOP_ROOM_SEED={seed} cargo test -p phonghop-server randomized -- --nocapture"
                );
                std::panic::resume_unwind(panic);
            }
        }
    }
    eprintln!("{} seeds: {seen:?}", seeds.len());
    if seeds.len() > 1 {
        // The walk reaches every kind of change, or it proves little.
        let missing: Vec<&str> = EVERY_OUTCOME
            .iter()
            .copied()
            .filter(|what| !seen.contains_key(what))
            .collect();
        assert!(missing.is_empty(), "the walk never reached {missing:?}");
    }
}

/// What each step may come to; the fixed seeds reach all of them.
const EVERY_OUTCOME: &[&str] = &[
    "refused",
    "store refused",
    "nothing",
    "attendance",
    "follow",
    "request floor",
    "withdraw floor",
    "give floor",
    "end turn",
    "reorder speakers",
    "speaking limit",
    "open vote",
    "ballot",
    "changed ballot",
    "close vote",
    "close secret vote",
    "announce",
    "secretary request",
    "handle secretary request",
    "readiness",
    "device",
    "refused after closing",
];

fn seeds() -> Vec<u64> {
    if let Ok(seed) = std::env::var("PHONGHOP_ROOM_SEED") {
        return vec![seed.parse().expect("PHONGHOP_ROOM_SEED is a number")];
    }
    match std::env::var("PHONGHOP_ROOM_SEEDS") {
        Ok(count) => {
            let count: u64 = count.parse().expect("PHONGHOP_ROOM_SEEDS is a number");
            let start = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            (0..count).map(|n| start.wrapping_add(n)).collect()
        }
        Err(_) => SEEDS.collect(),
    }
}

/// What the store would hold of one vote.
struct BallotBox {
    secret: bool,
    allow_change: bool,
    options: usize,
    open: bool,
    /// voter → choice: the receipts (the primary key is the voter).
    choices: BTreeMap<String, usize>,
    /// voter → the device key of a changeable secret ballot.
    keys: BTreeMap<String, String>,
}

/// The walk's state beside the room: the store's model and what was seen.
struct World {
    rng: StdRng,
    room: Room,
    people: Vec<Actor>,
    now_ms: i64,
    next_id: u64,
    ballots: BTreeMap<String, BallotBox>,
    /// When each user's requests to the secretary were accepted.
    requests_sent: BTreeMap<String, Vec<i64>>,
    /// Ballots counted per vote by `vote_progress` events.
    progress_seen: BTreeMap<String, u32>,
    /// What the steps came to, by kind.
    outcomes: BTreeMap<&'static str, usize>,
    last_follow_seq: u64,
    history_len: usize,
    devices: Vec<(String, String)>,
}

/// Walks one meeting; returns what its steps came to, by kind.
fn walk(seed: u64) -> BTreeMap<&'static str, usize> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut people = vec![
        actor("chair", MeetingRole::Chair),
        actor("secretary_1", MeetingRole::Secretary),
    ];
    if rng.gen_bool(0.5) {
        people.push(actor("secretary_2", MeetingRole::Secretary));
    }
    for n in 0..rng.gen_range(1..=10) {
        people.push(actor(&format!("delegate_{n}"), MeetingRole::Delegate));
    }
    for n in 0..rng.gen_range(0..=2) {
        people.push(actor(&format!("observer_{n}"), MeetingRole::Observer));
    }
    for n in 0..rng.gen_range(0..=2) {
        people.push(actor(&format!("commune_{n}"), MeetingRole::RemotePoint));
    }
    let room = Room::new(
        "m",
        MeetingState::InSession,
        people
            .iter()
            .map(|p| participant(&p.user_id, p.role))
            .collect(),
    );
    let mut world = World {
        rng,
        room,
        people,
        now_ms: 1_000,
        next_id: 0,
        ballots: BTreeMap::new(),
        requests_sent: BTreeMap::new(),
        progress_seen: BTreeMap::new(),
        outcomes: BTreeMap::new(),
        last_follow_seq: 0,
        history_len: 0,
        devices: Vec::new(),
    };
    let closes_at = world.rng.gen_range(STEPS * 3 / 4..STEPS + STEPS / 4);
    for step in 0..STEPS {
        world.now_ms += world.rng.gen_range(0..20_000);
        if step == closes_at {
            let participants = world.room.participants.values().cloned().collect();
            world
                .room
                .set_participants(participants, MeetingState::Closed);
        }
        if world.rng.gen_bool(0.1) {
            world.device_comes_or_goes();
        } else {
            world.request(step);
        }
        world.check_room(step);
    }
    world.outcomes
}

impl World {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.choose(&mut self.rng)
    }

    fn count(&mut self, what: &'static str) {
        *self.outcomes.entry(what).or_default() += 1;
    }

    fn device_comes_or_goes(&mut self) {
        self.count("device");
        let leave = !self.devices.is_empty() && self.rng.gen_bool(0.5);
        let broadcasts = if leave {
            let index = self.rng.gen_range(0..self.devices.len());
            let (user_id, device_id) = self.devices.swap_remove(index);
            self.room.device_disconnected(&user_id, &device_id)
        } else {
            let person = self.people.choose(&mut self.rng).expect("people").clone();
            let device_id = format!("tablet-{}", self.rng.gen_range(0..3));
            self.devices.push((person.user_id.clone(), device_id));
            vec![self.room.device_connected(&person.user_id, self.now_ms)]
        };
        for broadcast in &broadcasts {
            assert_eq!(
                broadcast.audience,
                Audience::Staff,
                "presence and readiness go to staff only"
            );
        }
    }

    fn request(&mut self, step: usize) {
        let (who, request) = match self.voter_with_a_ballot() {
            Some(ballot) if self.rng.gen_bool(0.3) => ballot,
            _ => {
                let who = self.people.choose(&mut self.rng).expect("people").clone();
                let request = self.random_request(&who);
                (who, request)
            }
        };
        let over = matches!(
            self.room.meeting_state,
            MeetingState::Closed | MeetingState::Cancelled
        );
        let id_prefix = if matches!(request, ClientMessage::SendSecretaryRequest { .. }) {
            "r"
        } else {
            "v"
        };
        self.next_id += 1;
        let new_id = format!("{id_prefix}_{}", self.next_id);
        let plan = match self.room.plan(&who, &request, self.now_ms, || new_id) {
            Ok(plan) => plan,
            Err(refusal) => {
                // Every refusal speaks both languages.
                assert!(
                    !refusal.message_vi.is_empty()
                        && !refusal.message_en.is_empty()
                        && refusal.message_vi != refusal.message_en,
                    "{refusal:?}"
                );
                self.count(if over {
                    "refused after closing"
                } else {
                    "refused"
                });
                return;
            }
        };
        if over {
            assert!(
                matches!(plan, Plan::Nothing | Plan::Readiness(_)),
                "step {step}: {request:?} planned {plan:?} after the meeting closed"
            );
        }
        let mut plan = plan;
        if let Plan::Readiness(readiness) = &mut plan {
            readiness.device_id = format!("tablet-{}", self.rng.gen_range(0..3));
        }
        let Some(vote_result) = self.store(&plan) else {
            self.count("store refused");
            return; // nothing is applied
        };
        let what = self.outcome_of(&plan);
        self.count(what);
        let broadcasts = self.room.apply(plan.clone(), vote_result);
        for broadcast in &broadcasts {
            self.check_event(step, &plan, broadcast);
        }
    }

    fn outcome_of(&self, plan: &Plan) -> &'static str {
        match plan {
            Plan::Nothing => "nothing",
            Plan::Attendance(_) => "attendance",
            Plan::Follow(_) => "follow",
            Plan::RequestFloor(_) => "request floor",
            Plan::WithdrawFloor { .. } => "withdraw floor",
            Plan::GiveFloor { .. } => "give floor",
            Plan::EndTurn { .. } => "end turn",
            Plan::ReorderSpeakers { .. } => "reorder speakers",
            Plan::SetSpeakingLimit { .. } => "speaking limit",
            Plan::OpenVote(_) => "open vote",
            Plan::CastBallot { replaces: true, .. } => "changed ballot",
            Plan::CastBallot { .. } => "ballot",
            Plan::CloseVote { vote_id } if self.vote_is_secret(vote_id) => "close secret vote",
            Plan::CloseVote { .. } => "close vote",
            Plan::Announce(_) => "announce",
            Plan::SecretaryRequest(_) => "secretary request",
            Plan::HandleSecretaryRequest { .. } => "handle secretary request",
            Plan::Readiness(_) => "readiness",
        }
    }

    /// A ballot from someone who may cast it, in an open vote, if any: most
    /// random requests are refused, and ballots are what votes are about.
    fn voter_with_a_ballot(&mut self) -> Option<(Actor, ClientMessage)> {
        let open: Vec<(String, Vec<String>)> = self
            .room
            .votes
            .iter()
            .filter(|v| v.view.state == VoteState::Open)
            .map(|v| {
                let mut eligible: Vec<String> =
                    v.eligible_voters.iter().flatten().cloned().collect();
                eligible.sort();
                (v.view.id.clone(), eligible)
            })
            .collect();
        let (vote_id, eligible) = self.pick(&open)?.clone();
        let user_id = self.pick(&eligible)?.clone();
        let who = self.people.iter().find(|p| p.user_id == user_id)?.clone();
        let ballot_key = match self.rng.gen_range(0..5) {
            0 => None,
            1 => Some(device_key(&who.user_id, "other")),
            _ => Some(device_key(&who.user_id, "tablet")),
        };
        let request = ClientMessage::CastBallot {
            id: 1,
            vote_id,
            choice: self.rng.gen_range(0..3),
            ballot_key,
        };
        Some((who, request))
    }

    /// A request of any kind, often well formed, sometimes not.
    fn random_request(&mut self, who: &Actor) -> ClientMessage {
        let id = self.rng.gen_range(1..1_000);
        let user_ids: Vec<String> = self.people.iter().map(|p| p.user_id.clone()).collect();
        let someone = |rng: &mut StdRng| {
            if rng.gen_bool(0.05) {
                "stranger".to_owned()
            } else {
                user_ids.choose(rng).expect("people").clone()
            }
        };
        let vote_ids: Vec<String> = self.room.votes.iter().map(|v| v.view.id.clone()).collect();
        let open_vote_ids: Vec<String> = self
            .room
            .votes
            .iter()
            .filter(|v| v.view.state == VoteState::Open)
            .map(|v| v.view.id.clone())
            .collect();
        let request_ids: Vec<String> = self
            .room
            .secretary_requests
            .iter()
            .map(|r| r.id.clone())
            .collect();
        match self.rng.gen_range(0..20) {
            0 => ClientMessage::CheckIn { id },
            1 => ClientMessage::SetAttendance {
                id,
                user_id: someone(&mut self.rng),
                status: *[
                    AttendanceStatus::Present,
                    AttendanceStatus::Late,
                    AttendanceStatus::Absent,
                ]
                .choose(&mut self.rng)
                .expect("statuses"),
                reason: self.rng.gen_bool(0.3).then(|| "  Đi công tác  ".to_owned()),
            },
            2 => ClientMessage::SetFollow {
                id,
                position: FollowPosition {
                    agenda_item_id: None,
                    document_id: Some("d_1".to_owned()),
                    page: Some(self.rng.gen_range(0..6)),
                    viewport: self.rng.gen_bool(0.3).then(|| Viewport {
                        x: 0.5,
                        y: 0.5,
                        zoom: *[0.0, 1.0, 2.5, 30.0, f64::NAN]
                            .choose(&mut self.rng)
                            .expect("zooms"),
                    }),
                },
            },
            3 | 4 => ClientMessage::RequestFloor { id },
            5 => ClientMessage::WithdrawFloor { id },
            6 => ClientMessage::GiveFloor {
                id,
                user_id: if self.rng.gen_bool(0.7) {
                    self.pick(&self.room.speakers.queue.clone())
                        .map(|r| r.user_id.clone())
                        .unwrap_or_else(|| someone(&mut self.rng))
                } else {
                    someone(&mut self.rng)
                },
            },
            7 => ClientMessage::EndTurn { id },
            8 => {
                let mut user_ids: Vec<String> = self
                    .room
                    .speakers
                    .queue
                    .iter()
                    .map(|r| r.user_id.clone())
                    .collect();
                user_ids.shuffle(&mut self.rng);
                if self.rng.gen_bool(0.2) {
                    user_ids.push(someone(&mut self.rng));
                }
                ClientMessage::ReorderSpeakers { id, user_ids }
            }
            9 => ClientMessage::SetSpeakingLimit {
                id,
                seconds: *[None, Some(0), Some(120), Some(300), Some(20_000)]
                    .choose(&mut self.rng)
                    .expect("limits"),
            },
            10 => ClientMessage::OpenVote {
                id,
                agenda_item_id: None,
                question: if self.rng.gen_bool(0.9) {
                    "Thông qua báo cáo?".to_owned()
                } else {
                    "   ".to_owned()
                },
                options: match self.rng.gen_range(0..4) {
                    0 | 1 => Vec::new(),
                    2 => vec!["Phương án A".into(), "Phương án B".into()],
                    _ => vec!["Một".into()],
                },
                secret: self.rng.gen_bool(0.5),
                eligibility: if self.rng.gen_bool(0.5) {
                    VoteEligibility::Present
                } else {
                    VoteEligibility::AllVotingMembers
                },
                allow_change: self.rng.gen_bool(0.5),
            },
            11..=15 => ClientMessage::CastBallot {
                id,
                vote_id: if self.rng.gen_bool(0.9) {
                    self.pick(&open_vote_ids).cloned()
                } else {
                    self.pick(&vote_ids).cloned()
                }
                .unwrap_or_else(|| "v_none".to_owned()),
                choice: self.rng.gen_range(0..4),
                ballot_key: match self.rng.gen_range(0..6) {
                    0 => None,
                    1 => Some(device_key(&who.user_id, "other")),
                    2 => Some("short".to_owned()),
                    _ => Some(device_key(&who.user_id, "tablet")),
                },
            },
            16 => ClientMessage::CloseVote {
                id,
                vote_id: self
                    .pick(&vote_ids)
                    .cloned()
                    .unwrap_or_else(|| "v_none".to_owned()),
            },
            17 => ClientMessage::Announce {
                id,
                text: "Nghỉ giải lao 10 phút".to_owned(),
            },
            18 => {
                if !request_ids.is_empty() && self.rng.gen_bool(0.5) {
                    ClientMessage::HandleSecretaryRequest {
                        id,
                        request_id: self.pick(&request_ids).cloned().expect("requests"),
                    }
                } else {
                    let kind = *[
                        SecretaryRequestKind::PaperCopy,
                        SecretaryRequestKind::TechHelp,
                        SecretaryRequestKind::Other,
                    ]
                    .choose(&mut self.rng)
                    .expect("kinds");
                    ClientMessage::SendSecretaryRequest {
                        id,
                        kind,
                        document_id: None,
                        text: self.rng.gen_bool(0.6).then(|| "Xin bản in".to_owned()),
                    }
                }
            }
            _ => {
                let count = self.rng.gen_range(0..5);
                let held = (0..count)
                    .map(|n| phonghop_protocol::live::HeldDocument {
                        document_id: format!("d{n}"),
                        version: self.rng.gen_range(1..3),
                        // Now and then not a lowercase hex SHA-256: refused.
                        sha256: if self.rng.gen_bool(0.1) {
                            "not a hash".to_owned()
                        } else {
                            "ab".repeat(32)
                        },
                    })
                    .collect();
                ClientMessage::ReportReadiness {
                    id,
                    held,
                    downloading: self.rng.gen_bool(0.5),
                }
            }
        }
    }

    /// What `live::persist` and the store decide for `plan`: `None` when
    /// the store refuses (the plan is then not applied), else the closed
    /// vote's outcome, if any.
    #[allow(clippy::type_complexity)]
    fn store(&mut self, plan: &Plan) -> Option<Option<(Vec<u32>, Option<Vec<NamedChoice>>, i64)>> {
        match plan {
            Plan::OpenVote(open) => {
                self.ballots.insert(
                    open.id.clone(),
                    BallotBox {
                        secret: open.secret,
                        allow_change: open.allow_change,
                        options: open.options.len(),
                        open: true,
                        choices: BTreeMap::new(),
                        keys: BTreeMap::new(),
                    },
                );
            }
            Plan::CastBallot {
                vote_id,
                voter,
                choice,
                ballot_key,
                ..
            } => {
                let ballot_box = self.ballots.get_mut(vote_id).expect("a stored vote");
                assert!(
                    ballot_box.open,
                    "the room planned a ballot in a closed vote"
                );
                assert!(*choice < ballot_box.options);
                if ballot_box.choices.contains_key(voter) {
                    if !ballot_box.allow_change {
                        return None;
                    }
                    let same_device = matches!(
                        (ballot_box.keys.get(voter), ballot_key),
                        (Some(stored), Some(given)) if stored == given
                    );
                    if ballot_box.secret && !same_device {
                        return None; // only the device that voted may change it
                    }
                }
                ballot_box.choices.insert(voter.clone(), *choice);
                if let Some(key) = ballot_key {
                    ballot_box.keys.insert(voter.clone(), key.clone());
                }
            }
            Plan::CloseVote { vote_id } => {
                let ballot_box = self.ballots.get_mut(vote_id).expect("a stored vote");
                ballot_box.open = false;
                let mut counts = vec![0u32; ballot_box.options];
                for choice in ballot_box.choices.values() {
                    counts[*choice] += 1;
                }
                // The store names no secret voter; the room must not
                // either when handed names anyway.
                let named = (!ballot_box.secret || self.rng.gen_bool(0.5)).then(|| {
                    ballot_box
                        .choices
                        .iter()
                        .map(|(user_id, choice)| NamedChoice {
                            user_id: user_id.clone(),
                            choice: *choice,
                        })
                        .collect()
                });
                return Some(Some((counts, named, self.now_ms)));
            }
            Plan::SecretaryRequest(request) => {
                self.requests_sent
                    .entry(request.user_id.clone())
                    .or_default()
                    .push(request.created_at_ms);
            }
            _ => {}
        }
        Some(None)
    }

    fn is_staff(&self, user_id: &str) -> bool {
        self.people
            .iter()
            .any(|p| p.user_id == user_id && p.is_staff())
    }

    fn vote_is_secret(&self, vote_id: &str) -> bool {
        self.ballots.get(vote_id).is_some_and(|b| b.secret)
    }

    /// One event: who receives it, and what it may say.
    fn check_event(&mut self, step: usize, plan: &Plan, broadcast: &Broadcast) {
        let Broadcast { audience, message } = broadcast;
        match message {
            ServerMessage::PresenceChanged { .. } | ServerMessage::ReadinessChanged { .. } => {
                assert_eq!(*audience, Audience::Staff, "step {step}: {message:?}");
            }
            ServerMessage::SecretaryRequestChanged { request } => {
                assert_eq!(
                    *audience,
                    Audience::StaffAndUser(request.user_id.clone()),
                    "step {step}: a request goes to staff and its sender only"
                );
            }
            ServerMessage::VoteOpened { vote } | ServerMessage::VoteClosed { vote } => {
                self.check_vote_view(step, vote, audience == &Audience::Staff, "an event");
                if vote.named_choices.is_some() {
                    assert_eq!(
                        *audience,
                        Audience::Staff,
                        "step {step}: named choices go to the chair and secretaries only"
                    );
                }
            }
            ServerMessage::VoteProgress {
                vote_id,
                ballots_cast,
                ..
            } => {
                let seen = self.progress_seen.entry(vote_id.clone()).or_default();
                *seen += 1;
                assert_eq!(
                    *ballots_cast, *seen,
                    "step {step}: progress counts each voter once"
                );
            }
            ServerMessage::FollowChanged { follow } => {
                assert!(
                    follow.seq > self.last_follow_seq,
                    "step {step}: follow moves forward"
                );
                self.last_follow_seq = follow.seq;
            }
            _ => {}
        }
        if let Plan::Nothing = plan {
            panic!("step {step}: nothing planned, yet {message:?} was broadcast");
        }
    }

    /// A vote as someone sees it: a secret vote never names a voter, and
    /// a named vote names voters to staff only.
    fn check_vote_view(&self, step: usize, vote: &VoteView, staff: bool, seen_in: &str) {
        if self.vote_is_secret(&vote.id) || vote.secret {
            assert!(
                vote.named_choices.is_none(),
                "step {step}: secret vote {} names voters in {seen_in}",
                vote.id
            );
        }
        if !staff {
            assert!(
                vote.named_choices.is_none(),
                "step {step}: vote {} names voters to a participant in {seen_in}",
                vote.id
            );
        }
    }

    fn check_room(&mut self, step: usize) {
        let room = &self.room;
        // Votes: tallies equal receipts, one ballot per voter.
        for vote in &room.votes {
            let ballot_box = &self.ballots[&vote.view.id];
            let receipts: BTreeSet<&String> = ballot_box.choices.keys().collect();
            let voters: BTreeSet<&String> = vote.voters.iter().collect();
            assert_eq!(
                voters, receipts,
                "step {step}: the room's voters are the receipts"
            );
            assert_eq!(
                vote.view.ballots_cast as usize,
                receipts.len(),
                "step {step}: one ballot per voter"
            );
            let eligible = vote.eligible_voters.as_ref().expect("recorded at opening");
            assert_eq!(vote.view.eligible as usize, eligible.len());
            assert!(
                vote.voters.is_subset(eligible),
                "step {step}: only eligible voters vote"
            );
            assert!(
                eligible
                    .iter()
                    .all(|user_id| room.role_of(user_id).is_some_and(is_voting_role)),
                "step {step}: only voting members are eligible"
            );
            assert_eq!(vote.view.state == VoteState::Open, ballot_box.open);
            match &vote.view.result {
                Some(result) => {
                    assert_eq!(vote.view.state, VoteState::Closed);
                    let mut tallies = vec![0u32; ballot_box.options];
                    for choice in ballot_box.choices.values() {
                        tallies[*choice] += 1;
                    }
                    assert_eq!(result, &tallies, "step {step}: tallies equal receipts");
                    assert_eq!(result.iter().sum::<u32>(), vote.view.ballots_cast);
                }
                None => assert_eq!(vote.view.state, VoteState::Open),
            }
        }
        // Speakers: each queued once, the speaker not queued, history kept.
        let queued: Vec<&str> = room
            .speakers
            .queue
            .iter()
            .map(|r| r.user_id.as_str())
            .collect();
        let distinct: BTreeSet<&str> = queued.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            queued.len(),
            "step {step}: queued twice: {queued:?}"
        );
        for user_id in &queued {
            assert!(
                room.role_of(user_id)
                    .is_some_and(|role| role != MeetingRole::RemotePoint),
                "step {step}: {user_id} may not queue"
            );
        }
        if let Some(current) = &room.speakers.current {
            assert!(
                !distinct.contains(current.user_id.as_str()),
                "step {step}: the speaker is still queued"
            );
            assert!(room.participants.contains_key(&current.user_id));
        }
        assert!(
            room.speakers.history.len() >= self.history_len,
            "step {step}: a finished turn was lost"
        );
        self.history_len = room.speakers.history.len();
        for turn in &room.speakers.history {
            assert!(turn.ended_at_ms >= turn.started_at_ms);
        }
        // Follow: the room's page is the last one announced.
        assert_eq!(
            room.follow.as_ref().map_or(0, |f| f.seq),
            self.last_follow_seq
        );
        // Quorum: counts of present or late voting members.
        let quorum = room.quorum();
        let present = room
            .participants
            .values()
            .filter(|p| is_voting_role(p.role) && room.is_present(&p.user_id))
            .count() as u32;
        assert_eq!(quorum.present_voting_members, present);
        assert!(quorum.present_voting_members <= quorum.voting_members);
        // The rooms here keep the standard rule: at least half present.
        assert_eq!(
            quorum.reached,
            quorum.voting_members > 0 && quorum.present_voting_members * 2 >= quorum.voting_members
        );
        // Requests to the secretary: the rate limit and the open cap hold.
        for (user_id, times) in &self.requests_sent {
            for (index, at) in times.iter().enumerate() {
                let in_window = times[..=index]
                    .iter()
                    .filter(|earlier| at - **earlier < SECRETARY_REQUEST_WINDOW_MS)
                    .count();
                assert!(
                    in_window <= SECRETARY_REQUESTS_PER_WINDOW,
                    "step {step}: {user_id} sent {in_window} requests in a window"
                );
            }
            let open = room
                .secretary_requests
                .iter()
                .filter(|r| &r.user_id == user_id && r.state == SecretaryRequestState::Open)
                .count();
            assert!(open <= MAX_OPEN_SECRETARY_REQUESTS);
        }
        // Every participant's welcome.
        for person in &self.people {
            self.check_snapshot(step, person);
        }
    }

    /// What a welcome shows `viewer`.
    fn check_snapshot(&self, step: usize, viewer: &Actor) {
        let snapshot = self.room.snapshot(viewer);
        let staff = self.is_staff(&viewer.user_id);
        for vote in &snapshot.votes {
            self.check_vote_view(step, vote, staff, "a snapshot");
            let voted = self.ballots[&vote.id].choices.contains_key(&viewer.user_id);
            assert_eq!(
                vote.you_voted, voted,
                "step {step}: you_voted is the viewer's own"
            );
            if staff && !vote.secret && vote.state == VoteState::Closed {
                let named: BTreeMap<String, usize> = vote
                    .named_choices
                    .iter()
                    .flatten()
                    .map(|c| (c.user_id.clone(), c.choice))
                    .collect();
                assert_eq!(named, self.ballots[&vote.id].choices);
            }
        }
        if !staff {
            assert!(
                snapshot.presence.is_empty(),
                "step {step}: presence is for staff"
            );
            assert!(
                snapshot.readiness.is_empty(),
                "step {step}: readiness is for staff"
            );
            assert!(snapshot
                .attendance
                .iter()
                .all(|a| a.user_id == viewer.user_id));
            assert!(snapshot
                .secretary_requests
                .iter()
                .all(|r| r.user_id == viewer.user_id));
        } else {
            assert_eq!(snapshot.participants.len(), self.people.len());
        }
        assert!(snapshot
            .participants
            .iter()
            .any(|p| p.user_id == viewer.user_id));
    }
}

/// A valid ballot key for one of `user_id`'s devices.
fn device_key(user_id: &str, device: &str) -> String {
    format!("{user_id}-{device}-0123456789abcdef0123456789abcdef")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}
