//! Votes (biểu quyết): opening one with who may vote fixed at that moment,
//! ballots (one per voter, changed only when the vote allows it, with the
//! device's key for a changeable secret ballot), and closing with the
//! result read back from storage. A secret vote's result never names a
//! voter; a named vote's choices go to the chair and secretaries only.

use std::collections::HashSet;

use phonghop_protocol::api::MeetingRole;
use phonghop_protocol::live::{
    LiveErrorCode, NamedChoice, ServerMessage, VoteEligibility, VoteState, VoteView,
    STANDARD_VOTE_OPTIONS,
};
use phonghop_protocol::rules::{DecisionBase, DecisionRule, VoteOutcome};

use crate::rules;

use super::{is_voting_role, refuse, Actor, Audience, Broadcast, Plan, Refusal, Room, MAX_TEXT};

/// The most options a vote may offer.
const MAX_OPTIONS: usize = 50;

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
    /// The meeting's decision rule when the vote opened: the vote keeps
    /// it even if the secretary changes the rules afterwards.
    pub rule: DecisionRule,
    /// How many members the rule counts against, fixed now: the voting
    /// members present, or all of them.
    pub decision_base: u32,
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

/// What an `open_vote` request asks for, borrowed from the message.
pub(super) struct VoteRequest<'a> {
    pub agenda_item_id: Option<&'a str>,
    pub question: &'a str,
    pub options: &'a [String],
    pub secret: bool,
    pub eligibility: VoteEligibility,
    pub allow_change: bool,
}

/// Whether a ballot key is long and plain enough to be a device's secret.
pub fn valid_ballot_key(key: &str) -> bool {
    (32..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A closed vote measured against the rule it was opened under: ballots
/// for its first option ("Tán thành") against its decision base. `None`
/// for a vote stored before rules were kept.
pub fn vote_outcome(view: &VoteView, counts: &[u32]) -> Option<VoteOutcome> {
    let rule = view.rule?;
    let base = view.decision_base?;
    let in_favour = counts.first().copied().unwrap_or(0);
    Some(rules::outcome(in_favour, base, rule))
}

impl Room {
    /// Who may vote in a vote opened now: the voting members, and for
    /// [`VoteEligibility::Present`] only those marked present or late.
    pub fn eligible_voters(&self, eligibility: VoteEligibility) -> Vec<String> {
        self.participants
            .values()
            .filter(|p| is_voting_role(p.role))
            .filter(|p| match eligibility {
                VoteEligibility::AllVotingMembers => true,
                VoteEligibility::Present => self.is_present(&p.user_id),
            })
            .map(|p| p.user_id.clone())
            .collect()
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

    pub(super) fn plan_open_vote(
        &self,
        actor: &Actor,
        request: &VoteRequest<'_>,
        now_ms: i64,
        new_id: impl FnOnce() -> String,
    ) -> Result<Plan, Refusal> {
        if !actor.is_chair() && actor.role != MeetingRole::Secretary {
            return Err(refuse(
                LiveErrorCode::Forbidden,
                "Chỉ chủ trì mở biểu quyết.",
                "Only the chair opens a vote.",
            ));
        }
        let question = request.question.trim();
        if question.is_empty() || question.chars().count() > MAX_TEXT {
            return Err(refuse(
                LiveErrorCode::BadRequest,
                "Nội dung biểu quyết không được để trống.",
                "The question of a vote cannot be empty.",
            ));
        }
        let options: Vec<String> = if request.options.is_empty() {
            STANDARD_VOTE_OPTIONS
                .iter()
                .map(|o| (*o).to_owned())
                .collect()
        } else {
            request
                .options
                .iter()
                .map(|o| o.trim().to_owned())
                .collect()
        };
        if options.len() < 2
            || options.len() > MAX_OPTIONS
            || options
                .iter()
                .any(|o| o.is_empty() || o.chars().count() > MAX_TEXT)
        {
            return Err(refuse(
                LiveErrorCode::BadRequest,
                "Biểu quyết cần từ 2 đến 50 phương án, không để trống.",
                "A vote needs 2 to 50 non-empty options.",
            ));
        }
        let eligible_voters = self.eligible_voters(request.eligibility);
        if eligible_voters.is_empty() {
            let (vi, en) = match request.eligibility {
                VoteEligibility::Present => (
                    "Chưa có đại biểu nào có mặt: hãy điểm danh trước, hoặc mở biểu quyết cho tất cả đại biểu.",
                    "No voting member is present yet: take attendance first, or open the vote to every voting member.",
                ),
                VoteEligibility::AllVotingMembers => (
                    "Cuộc họp không có đại biểu biểu quyết.",
                    "The meeting has no voting members.",
                ),
            };
            return Err(refuse(LiveErrorCode::BadRequest, vi, en));
        }
        let rule = self.rules.decision;
        let quorum = self.quorum();
        let decision_base = match rule.base {
            DecisionBase::Present => quorum.present_voting_members,
            DecisionBase::AllMembers => quorum.voting_members,
        };
        Ok(Plan::OpenVote(OpenVote {
            id: new_id(),
            agenda_item_id: request.agenda_item_id.map(str::to_owned),
            question: question.to_owned(),
            options,
            secret: request.secret,
            eligibility: request.eligibility,
            eligible_voters,
            allow_change: request.allow_change,
            rule,
            decision_base,
            opened_by: actor.user_id.clone(),
            opened_at_ms: now_ms,
        }))
    }

    pub(super) fn plan_cast_ballot(
        &self,
        actor: &Actor,
        vote_id: &str,
        choice: usize,
        ballot_key: Option<&str>,
    ) -> Result<Plan, Refusal> {
        use LiveErrorCode::*;
        let Some(vote) = self.vote(vote_id) else {
            return Err(refuse(
                NotFound,
                "Không có cuộc biểu quyết này.",
                "There is no such vote.",
            ));
        };
        if vote.view.state != VoteState::Open {
            return Err(refuse(
                VoteClosed,
                "Biểu quyết đã kết thúc.",
                "The vote is closed.",
            ));
        }
        if !is_voting_role(actor.role) {
            return Err(refuse(
                NotEligible,
                "Bạn tham dự với vai trò không biểu quyết.",
                "You take part in a role that does not vote.",
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
                "You are not on the list of voters: you were not checked in when the vote opened.",
            ));
        }
        let replaces = vote.voters.contains(&actor.user_id);
        if replaces && !vote.view.allow_change {
            return Err(refuse(
                AlreadyVoted,
                "Bạn đã biểu quyết rồi.",
                "You have already voted.",
            ));
        }
        if choice >= vote.view.options.len() {
            return Err(refuse(
                BadRequest,
                "Không có phương án này.",
                "There is no such option.",
            ));
        }
        if ballot_key.is_some_and(|key| !valid_ballot_key(key)) {
            return Err(refuse(
                BadRequest,
                "ballot_key phải gồm 32 đến 128 chữ cái, chữ số, '-' hoặc '_'.",
                "ballot_key must be 32 to 128 letters, digits, '-' or '_'.",
            ));
        }
        Ok(Plan::CastBallot {
            vote_id: vote_id.to_owned(),
            voter: actor.user_id.clone(),
            choice,
            // Only a secret ballot that may change needs the key.
            ballot_key: ballot_key
                .filter(|_| vote.view.secret && vote.view.allow_change)
                .map(str::to_owned),
            replaces,
        })
    }

    pub(super) fn plan_close_vote(&self, actor: &Actor, vote_id: &str) -> Result<Plan, Refusal> {
        if !actor.is_chair() && actor.role != MeetingRole::Secretary {
            return Err(refuse(
                LiveErrorCode::Forbidden,
                "Chỉ chủ trì kết thúc biểu quyết.",
                "Only the chair closes a vote.",
            ));
        }
        let Some(vote) = self.vote(vote_id) else {
            return Err(refuse(
                LiveErrorCode::NotFound,
                "Không có cuộc biểu quyết này.",
                "There is no such vote.",
            ));
        };
        if vote.view.state == VoteState::Closed {
            // Closing twice is harmless: the result stands.
            return Ok(Plan::Nothing);
        }
        Ok(Plan::CloseVote {
            vote_id: vote_id.to_owned(),
        })
    }

    pub(super) fn apply_open_vote(&mut self, open: OpenVote) -> Vec<Broadcast> {
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
            rule: Some(open.rule),
            decision_base: Some(open.decision_base),
            outcome: None,
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

    pub(super) fn apply_cast_ballot(&mut self, vote_id: String, voter: String) -> Vec<Broadcast> {
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

    pub(super) fn apply_close_vote(
        &mut self,
        vote_id: &str,
        vote_result: Option<(Vec<u32>, Option<Vec<NamedChoice>>, i64)>,
    ) -> Vec<Broadcast> {
        let Some(vote) = self.votes.iter_mut().find(|v| v.view.id == vote_id) else {
            return Vec::new();
        };
        vote.view.state = VoteState::Closed;
        if let Some((counts, named, closed_at)) = vote_result {
            vote.view.ballots_cast = counts.iter().sum();
            vote.view.outcome = vote_outcome(&vote.view, &counts);
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
}

#[cfg(test)]
mod tests {
    use phonghop_protocol::api::MeetingRole;
    use phonghop_protocol::live::{
        AttendanceStatus, ClientMessage, LiveErrorCode, NamedChoice, ServerMessage, VoteEligibility,
    };

    use super::super::test_support::*;
    use super::super::{Audience, Plan};

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
}
