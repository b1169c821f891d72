//! The room the concern tests share: seven participants, one of each kind
//! and three delegates, and helpers that plan and apply a request.

use phonghop_protocol::api::{MeetingRole, MeetingState};
use phonghop_protocol::live::{AttendanceStatus, ClientMessage, LiveParticipant};

use super::{Actor, Broadcast, Refusal, Room};

pub fn participant(user_id: &str, role: MeetingRole) -> LiveParticipant {
    LiveParticipant {
        user_id: user_id.into(),
        display_name: user_id.into(),
        role,
    }
}

pub fn actor(user_id: &str, role: MeetingRole) -> Actor {
    Actor {
        user_id: user_id.into(),
        role,
    }
}

/// A meeting in session: `chair`, `secretary`, `delegate_a`, `delegate_b`,
/// `delegate_c`, `observer` and the remote point `commune`.
pub fn room() -> Room {
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

/// Plans `request` at 1 s (a new vote is `v_1`) and applies it.
pub fn run(
    room: &mut Room,
    who: &Actor,
    request: ClientMessage,
) -> Result<Vec<Broadcast>, Refusal> {
    let plan = room.plan(who, &request, 1_000, || "v_1".to_owned())?;
    Ok(room.apply(plan, None))
}

/// The secretary marks `user_id`'s attendance.
pub fn mark(room: &mut Room, user_id: &str, status: AttendanceStatus) {
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
