//! Follow mode: the page everyone's screen follows. Staff and whoever has
//! the floor move it; each move has the next sequence number, so a screen
//! can drop a late, older move.

use phonghop_protocol::live::{FollowPosition, FollowState, LiveErrorCode, ServerMessage};

use super::{refuse, Actor, Broadcast, Plan, Refusal, Room};

/// Largest zoom a followed viewport may ask for.
const MAX_ZOOM: f64 = 20.0;

impl Room {
    pub(super) fn plan_set_follow(
        &self,
        actor: &Actor,
        position: &FollowPosition,
        now_ms: i64,
    ) -> Result<Plan, Refusal> {
        let has_floor = self
            .speakers
            .current
            .as_ref()
            .is_some_and(|turn| turn.user_id == actor.user_id);
        if !(actor.is_staff() || has_floor) {
            return Err(refuse(
                LiveErrorCode::Forbidden,
                "Chỉ người trình bày mới điều khiển trang chung.",
                "Only the presenter moves the shared page.",
            ));
        }
        if let Some(viewport) = &position.viewport {
            let finite =
                viewport.x.is_finite() && viewport.y.is_finite() && viewport.zoom.is_finite();
            if !finite || viewport.zoom <= 0.0 || viewport.zoom > MAX_ZOOM {
                return Err(refuse(
                    LiveErrorCode::BadRequest,
                    "Vùng hiển thị nằm ngoài trang.",
                    "The viewport is out of range.",
                ));
            }
        }
        if position.page == Some(0) {
            return Err(refuse(
                LiveErrorCode::BadRequest,
                "Số trang bắt đầu từ 1.",
                "Pages start at 1.",
            ));
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

    pub(super) fn apply_follow(&mut self, follow: FollowState) -> Vec<Broadcast> {
        self.follow = Some(follow.clone());
        vec![Broadcast::everyone(ServerMessage::FollowChanged { follow })]
    }
}

#[cfg(test)]
mod tests {
    use phonghop_protocol::api::MeetingRole;
    use phonghop_protocol::live::{ClientMessage, FollowPosition, LiveErrorCode};

    use super::super::test_support::*;

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
}
