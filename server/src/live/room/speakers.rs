//! Speakers and the floor: the queue of requests to speak (in the order
//! staff set), the current turn with its time limit, and finished turns,
//! which the engine stores for the record.

use std::collections::{HashMap, HashSet};

use phonghop_protocol::api::MeetingRole;
use phonghop_protocol::live::{
    FinishedTurn, FloorRequest, LiveErrorCode, ServerMessage, SpeakingTurn,
};

use super::{refuse, Actor, Broadcast, Plan, Refusal, Room};

/// Longest speaking limit staff may set: three hours.
const MAX_SPEAKING_LIMIT_SECONDS: u32 = 3 * 3600;

impl Room {
    pub(super) fn plan_request_floor(&self, actor: &Actor, now_ms: i64) -> Result<Plan, Refusal> {
        if actor.role == MeetingRole::RemotePoint {
            return Err(refuse(
                LiveErrorCode::Forbidden,
                "Điểm cầu không đăng ký phát biểu trên hệ thống.",
                "A remote point does not ask for the floor through the system.",
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

    pub(super) fn plan_withdraw_floor(&self, actor: &Actor) -> Plan {
        Plan::WithdrawFloor {
            user_id: actor.user_id.clone(),
        }
    }

    pub(super) fn plan_give_floor(
        &self,
        actor: &Actor,
        user_id: &str,
        now_ms: i64,
    ) -> Result<Plan, Refusal> {
        if !actor.is_chair() && actor.role != MeetingRole::Secretary {
            return Err(refuse(
                LiveErrorCode::Forbidden,
                "Chỉ chủ trì mới cho phát biểu.",
                "Only the chair gives the floor.",
            ));
        }
        if !self.participants.contains_key(user_id) {
            return Err(refuse(
                LiveErrorCode::NotFound,
                "Người này không tham dự cuộc họp.",
                "This person is not a participant in the meeting.",
            ));
        }
        Ok(Plan::GiveFloor {
            user_id: user_id.to_owned(),
            finished: self.finish_current(now_ms),
            started_at_ms: now_ms,
        })
    }

    pub(super) fn plan_end_turn(&self, actor: &Actor, now_ms: i64) -> Result<Plan, Refusal> {
        let Some(finished) = self.finish_current(now_ms) else {
            return Ok(Plan::Nothing);
        };
        if !(actor.is_staff() || finished.user_id == actor.user_id) {
            return Err(refuse(
                LiveErrorCode::Forbidden,
                "Chỉ chủ trì hoặc người đang phát biểu kết thúc lượt.",
                "Only the chair or the speaker ends the turn.",
            ));
        }
        Ok(Plan::EndTurn { finished })
    }

    pub(super) fn plan_reorder_speakers(
        &self,
        actor: &Actor,
        user_ids: &[String],
    ) -> Result<Plan, Refusal> {
        if !actor.is_staff() {
            return Err(refuse(
                LiveErrorCode::Forbidden,
                "Chỉ chủ trì sắp xếp danh sách phát biểu.",
                "Only the chair reorders the speakers list.",
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
                LiveErrorCode::BadRequest,
                "Thứ tự mới phải có mỗi người đang chờ phát biểu đúng một lần.",
                "The new order must list every queued speaker once.",
            ));
        }
        Ok(Plan::ReorderSpeakers {
            user_ids: user_ids.to_vec(),
        })
    }

    pub(super) fn plan_set_speaking_limit(
        &self,
        actor: &Actor,
        seconds: Option<u32>,
    ) -> Result<Plan, Refusal> {
        if !actor.is_staff() {
            return Err(refuse(
                LiveErrorCode::Forbidden,
                "Chỉ chủ trì đặt thời gian phát biểu.",
                "Only the chair sets the speaking time.",
            ));
        }
        if seconds.is_some_and(|s| s == 0 || s > MAX_SPEAKING_LIMIT_SECONDS) {
            return Err(refuse(
                LiveErrorCode::BadRequest,
                "Thời gian phát biểu phải từ 1 giây đến 3 giờ.",
                "The limit must be 1 s to 3 h.",
            ));
        }
        Ok(Plan::SetSpeakingLimit { seconds })
    }

    /// The current turn, ended at `now_ms` (never before it started).
    fn finish_current(&self, now_ms: i64) -> Option<FinishedTurn> {
        self.speakers.current.as_ref().map(|turn| FinishedTurn {
            user_id: turn.user_id.clone(),
            started_at_ms: turn.started_at_ms,
            ended_at_ms: now_ms.max(turn.started_at_ms),
        })
    }

    pub(super) fn apply_request_floor(&mut self, request: FloorRequest) -> Vec<Broadcast> {
        self.speakers.queue.push(request);
        self.speakers_changed()
    }

    pub(super) fn apply_withdraw_floor(&mut self, user_id: &str) -> Vec<Broadcast> {
        let before = self.speakers.queue.len();
        self.speakers.queue.retain(|r| r.user_id != user_id);
        if before == self.speakers.queue.len() {
            return Vec::new();
        }
        self.speakers_changed()
    }

    pub(super) fn apply_give_floor(
        &mut self,
        user_id: String,
        finished: Option<FinishedTurn>,
        started_at_ms: i64,
    ) -> Vec<Broadcast> {
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

    pub(super) fn apply_end_turn(&mut self, finished: FinishedTurn) -> Vec<Broadcast> {
        self.speakers.history.push(finished);
        self.speakers.current = None;
        self.speakers_changed()
    }

    pub(super) fn apply_reorder_speakers(&mut self, user_ids: &[String]) -> Vec<Broadcast> {
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

    pub(super) fn apply_set_speaking_limit(&mut self, seconds: Option<u32>) -> Vec<Broadcast> {
        self.speakers.limit_seconds = seconds;
        self.speakers_changed()
    }

    fn speakers_changed(&self) -> Vec<Broadcast> {
        vec![Broadcast::everyone(ServerMessage::SpeakersChanged {
            speakers: self.speakers.clone(),
        })]
    }
}

#[cfg(test)]
mod tests {
    use phonghop_protocol::api::MeetingRole;
    use phonghop_protocol::live::{ClientMessage, LiveErrorCode};

    use super::super::test_support::*;

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
}
