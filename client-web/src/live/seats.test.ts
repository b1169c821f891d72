import { describe, expect, it } from 'vitest';
import { chair, delegateA, delegateB, secretary, welcome } from './fixtures';
import { attendanceChange, attendanceCounts, seats } from './seats';
import { welcomeState } from './state';

const at = (user_id: string, status: 'present' | 'late' | 'absent', reason: string | null = null) => ({
  user_id,
  status,
  reason,
  at_ms: 1,
  marked_by: chair,
});

describe('seats', () => {
  it('lists the chair, the secretary, then delegates by name, numbers in order, without remote points', () => {
    const state = welcomeState(
      welcome(chair, {
        participants: [
          { user_id: 'u_10', display_name: 'Đại biểu 10', role: 'delegate' },
          { user_id: 'u_2', display_name: 'Đại biểu 2', role: 'delegate' },
          { user_id: 'u_point', display_name: 'Điểm cầu xã', role: 'remote_point' },
          { user_id: secretary, display_name: 'Thư ký', role: 'secretary' },
          { user_id: chair, display_name: 'Chủ tịch', role: 'chair' },
        ],
      }),
    );
    expect(seats(state).map((seat) => seat.name)).toEqual([
      'Chủ tịch',
      'Thư ký',
      'Đại biểu 2',
      'Đại biểu 10',
    ]);
  });

  it('gives each seat its attendance and counts them', () => {
    const state = welcomeState(
      welcome(chair, { attendance: [at(delegateA, 'late'), at(delegateB, 'absent', 'Đi công tác')] }),
    );
    const list = seats(state);
    expect(list.find((seat) => seat.userId === delegateB)).toMatchObject({
      status: 'absent',
      reason: 'Đi công tác',
    });
    expect(attendanceCounts(list)).toEqual({ present: 0, late: 1, absent: 1, notCheckedIn: 2 });
  });
});

describe('attendanceChange', () => {
  const seat = {
    userId: delegateA,
    name: 'Đại biểu A',
    role: 'delegate' as const,
    status: null,
    reason: null,
  };

  it('marks the seat with the chosen mark, a reason only with an absence', () => {
    expect(attendanceChange(seat, 'present', 'ignored')).toEqual({
      user_id: delegateA,
      status: 'present',
      reason: null,
    });
    expect(attendanceChange(seat, 'absent', '  Đi công tác ')).toEqual({
      user_id: delegateA,
      status: 'absent',
      reason: 'Đi công tác',
    });
  });

  it('sends nothing when the seat already shows the mark', () => {
    expect(attendanceChange({ ...seat, status: 'present' }, 'present', '')).toBeNull();
    expect(attendanceChange({ ...seat, status: 'absent', reason: 'Ốm' }, 'absent', 'Ốm')).toBeNull();
  });

  it('a new reason for an absence is a change', () => {
    expect(
      attendanceChange({ ...seat, status: 'absent', reason: 'Ốm' }, 'absent', 'Đi công tác'),
    ).toMatchObject({
      reason: 'Đi công tác',
    });
  });
});
