//! Presence: how many of a participant's devices are online (and since
//! when); a device that goes offline is marked so on the readiness board
//! (`readiness`). Both go to the chair and secretaries only: every tablet
//! joining must not cost a message to every other tablet.

use phonghop_protocol::live::{PresenceEntry, ServerMessage};

use super::{Audience, Broadcast, Room};

impl Room {
    pub(super) fn presence_entry(&self, user_id: &str) -> PresenceEntry {
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
}

#[cfg(test)]
mod tests {
    use phonghop_protocol::api::MeetingRole;
    use phonghop_protocol::live::ClientMessage;

    use super::super::test_support::*;
    use super::super::{Audience, Plan};

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
                    held: Vec::new(),
                    downloading: true,
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
}
