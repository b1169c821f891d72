// The chair console's seat grid, as data (pure): one seat per member of
// the meeting with their attendance, the counts per state, and what a tap
// on a seat asks the server for.
//
// Attendance is taken the way a secretary does it on paper: choose a mark
// ("Có mặt", "Đến muộn", "Vắng mặt" with its reason), then tap the seats
// it applies to. One tap a member, no menu, no accidental cycling.

import type { AttendanceStatus, LiveParticipant } from './protocol';
import { attendanceOf, type LiveState } from './state';

export interface Seat {
  userId: string;
  name: string;
  role: LiveParticipant['role'];
  /** `null`: not checked in. */
  status: AttendanceStatus | null;
  reason: string | null;
}

export interface AttendanceCounts {
  present: number;
  late: number;
  absent: number;
  notCheckedIn: number;
}

const roleOrder: Record<LiveParticipant['role'], number> = {
  chair: 0,
  secretary: 1,
  delegate: 2,
  observer: 3,
  remote_point: 4,
};

/** Every member who takes part in person (remote points are places, not
 * members), the chair and secretaries first, then by name ("Đại biểu 2"
 * before "Đại biểu 10"). */
export function seats(state: LiveState): Seat[] {
  return state.snapshot.participants
    .filter((participant) => participant.role !== 'remote_point')
    .sort(
      (a, b) =>
        roleOrder[a.role] - roleOrder[b.role] ||
        a.display_name.localeCompare(b.display_name, 'vi', { numeric: true }),
    )
    .map((participant) => {
      const entry = attendanceOf(state, participant.user_id);
      return {
        userId: participant.user_id,
        name: participant.display_name,
        role: participant.role,
        status: entry?.status ?? null,
        reason: entry?.reason ?? null,
      };
    });
}

export function attendanceCounts(list: readonly Seat[]): AttendanceCounts {
  const counts: AttendanceCounts = { present: 0, late: 0, absent: 0, notCheckedIn: 0 };
  for (const seat of list) {
    if (seat.status === null) counts.notCheckedIn += 1;
    else counts[seat.status] += 1;
  }
  return counts;
}

/** The `set_attendance` a tap on `seat` sends with the chosen mark, or
 * `null` when the seat already shows exactly that (a second tap is not a
 * second entry in the record). A reason goes only with an absence. */
export function attendanceChange(
  seat: Seat,
  mark: AttendanceStatus,
  reasonText: string,
): { user_id: string; status: AttendanceStatus; reason: string | null } | null {
  const reason = mark === 'absent' ? reasonText.trim().slice(0, 200) || null : null;
  if (seat.status === mark && (mark !== 'absent' || seat.reason === reason)) return null;
  return { user_id: seat.userId, status: mark, reason };
}
