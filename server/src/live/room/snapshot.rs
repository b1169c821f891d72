//! What a `welcome` holds for each viewer: the whole meeting for the chair
//! and secretaries, and for everyone else what their screens show, so a
//! delegate's welcome stays small whatever the meeting's size: themself
//! and the speakers, their own attendance, no presence, no named choices
//! (545 bytes in the 2,018-participant bench meeting, against 207 kB
//! before; BENCHMARKS.md).

use std::collections::HashSet;

use phonghop_protocol::live::{LiveSnapshot, PresenceEntry, VoteView};

use super::{Actor, Room};

impl Room {
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
}

#[cfg(test)]
mod tests {
    use phonghop_protocol::api::MeetingRole;
    use phonghop_protocol::live::{AttendanceStatus, ClientMessage};

    use super::super::test_support::*;

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
}
