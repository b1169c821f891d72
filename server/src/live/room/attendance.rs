//! Attendance: a participant's own check-in, staff marking anyone present,
//! late or absent (with a reason), and the quorum those marks make.

use phonghop_protocol::live::{
    AttendanceEntry, AttendanceStatus, LiveErrorCode, LiveParticipant, Quorum, ServerMessage,
};

use crate::rules;

use super::{is_voting_role, refuse, Actor, Broadcast, Plan, Refusal, Room};

/// Longest reason given for an absence, in characters.
const MAX_REASON: usize = 500;

impl Room {
    pub fn quorum(&self) -> Quorum {
        let voting: Vec<&LiveParticipant> = self
            .participants
            .values()
            .filter(|p| is_voting_role(p.role))
            .collect();
        let present = voting
            .iter()
            .filter(|p| self.is_present(&p.user_id))
            .count() as u32;
        let members = voting.len() as u32;
        let rule = self.rules.quorum;
        Quorum {
            present_voting_members: present,
            voting_members: members,
            rule,
            needed: rules::needed(members, rule),
            reached: rules::reaches(present, members, rule),
        }
    }

    /// Whether `user_id` is marked present or late.
    pub(super) fn is_present(&self, user_id: &str) -> bool {
        self.attendance
            .get(user_id)
            .is_some_and(|a| matches!(a.status, AttendanceStatus::Present | AttendanceStatus::Late))
    }

    pub(super) fn plan_check_in(&self, actor: &Actor, now_ms: i64) -> Plan {
        Plan::Attendance(AttendanceEntry {
            user_id: actor.user_id.clone(),
            status: AttendanceStatus::Present,
            reason: None,
            at_ms: now_ms,
            marked_by: actor.user_id.clone(),
        })
    }

    pub(super) fn plan_set_attendance(
        &self,
        actor: &Actor,
        user_id: &str,
        status: AttendanceStatus,
        reason: Option<&str>,
        now_ms: i64,
    ) -> Result<Plan, Refusal> {
        if !actor.is_staff() {
            return Err(refuse(
                LiveErrorCode::Forbidden,
                "Chỉ thư ký hoặc chủ trì điểm danh người khác.",
                "Only the secretary or the chair takes attendance for others.",
            ));
        }
        if !self.participants.contains_key(user_id) {
            return Err(refuse(
                LiveErrorCode::NotFound,
                "Người này không tham dự cuộc họp.",
                "This person is not a participant in the meeting.",
            ));
        }
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| r.chars().take(MAX_REASON).collect());
        Ok(Plan::Attendance(AttendanceEntry {
            user_id: user_id.to_owned(),
            status,
            reason,
            at_ms: now_ms,
            marked_by: actor.user_id.clone(),
        }))
    }

    pub(super) fn apply_attendance(&mut self, entry: AttendanceEntry) -> Vec<Broadcast> {
        self.attendance.insert(entry.user_id.clone(), entry.clone());
        vec![Broadcast::everyone(ServerMessage::AttendanceChanged {
            attendance: entry,
            quorum: self.quorum(),
        })]
    }
}

#[cfg(test)]
mod tests {
    use phonghop_protocol::api::MeetingRole;
    use phonghop_protocol::live::{AttendanceStatus, ClientMessage, LiveErrorCode};
    use phonghop_protocol::rules::MeetingRules;

    use super::super::test_support::*;

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
        assert_eq!(room.quorum().needed, 2);
    }

    #[test]
    fn quorum_follows_the_meetings_rules() {
        let mut room = room();
        room.set_rules(MeetingRules::PEOPLES_COMMITTEE);
        let chair = actor("chair", MeetingRole::Chair);
        for (id, who) in [(1, "chair"), (2, "delegate_a")] {
            run(
                &mut room,
                &chair,
                ClientMessage::SetAttendance {
                    id,
                    user_id: who.into(),
                    status: AttendanceStatus::Present,
                    reason: None,
                },
            )
            .unwrap();
        }
        let quorum = room.quorum();
        assert_eq!(quorum.rule, MeetingRules::PEOPLES_COMMITTEE.quorum);
        assert_eq!(quorum.needed, 3, "two-thirds of 4 is 2.67");
        assert!(!quorum.reached, "2 of 4 is half, not two-thirds");
        run(
            &mut room,
            &chair,
            ClientMessage::SetAttendance {
                id: 3,
                user_id: "delegate_b".into(),
                status: AttendanceStatus::Present,
                reason: None,
            },
        )
        .unwrap();
        assert!(room.quorum().reached, "3 of 4 is more than two-thirds");
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
}
