//! Announcements: short notices from the chair or a secretary to everyone;
//! a welcome carries the last [`KEPT_ANNOUNCEMENTS`].

use phonghop_protocol::live::{Announcement, LiveErrorCode, ServerMessage};

use super::{refuse, Actor, Broadcast, Plan, Refusal, Room, MAX_TEXT};

/// How many announcements a welcome carries.
const KEPT_ANNOUNCEMENTS: usize = 20;

impl Room {
    pub(super) fn plan_announce(
        &self,
        actor: &Actor,
        text: &str,
        now_ms: i64,
    ) -> Result<Plan, Refusal> {
        if !actor.is_staff() {
            return Err(refuse(
                LiveErrorCode::Forbidden,
                "Chỉ thư ký hoặc chủ trì gửi thông báo.",
                "Only the secretary or the chair sends announcements.",
            ));
        }
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_TEXT {
            return Err(refuse(
                LiveErrorCode::BadRequest,
                "Thông báo không được để trống.",
                "An announcement cannot be empty.",
            ));
        }
        Ok(Plan::Announce(Announcement {
            text: text.to_owned(),
            by_user_id: actor.user_id.clone(),
            at_ms: now_ms,
        }))
    }

    pub(super) fn apply_announce(&mut self, announcement: Announcement) -> Vec<Broadcast> {
        self.announcements.push_back(announcement.clone());
        while self.announcements.len() > KEPT_ANNOUNCEMENTS {
            self.announcements.pop_front();
        }
        vec![Broadcast::everyone(ServerMessage::Announcement {
            announcement,
        })]
    }
}

#[cfg(test)]
mod tests {
    use phonghop_protocol::api::MeetingRole;
    use phonghop_protocol::live::{ClientMessage, LiveErrorCode};

    use super::super::test_support::*;
    use super::KEPT_ANNOUNCEMENTS;

    fn announce(text: &str) -> ClientMessage {
        ClientMessage::Announce {
            id: 1,
            text: text.into(),
        }
    }

    #[test]
    fn announcements_come_from_staff_and_a_welcome_keeps_the_latest() {
        let mut room = room();
        let delegate = actor("delegate_a", MeetingRole::Delegate);
        assert_eq!(
            run(&mut room, &delegate, announce("Nghỉ giải lao"))
                .unwrap_err()
                .code,
            LiveErrorCode::Forbidden
        );
        let secretary = actor("secretary", MeetingRole::Secretary);
        assert_eq!(
            run(&mut room, &secretary, announce("   "))
                .unwrap_err()
                .code,
            LiveErrorCode::BadRequest
        );
        for n in 0..KEPT_ANNOUNCEMENTS + 5 {
            run(&mut room, &secretary, announce(&format!(" Thông báo {n} "))).unwrap();
        }
        let kept = room.snapshot(&delegate).announcements;
        assert_eq!(kept.len(), KEPT_ANNOUNCEMENTS);
        assert_eq!(kept[0].text, "Thông báo 5", "the oldest go first, trimmed");
        assert_eq!(
            kept.last().unwrap().text,
            format!("Thông báo {}", KEPT_ANNOUNCEMENTS + 4)
        );
    }
}
