import { describe, expect, it } from 'vitest';
import type { MeetingSummary } from '../api/types';
import { groupMeetingsByDay, meetingGroupOf } from './grouping';

function meeting(id: string, startsAt: string): MeetingSummary {
  return {
    id,
    title: `Họp ${id}`,
    starts_at: startsAt,
    place: 'Hội trường UBND huyện',
    state: 'published',
    my_role: 'delegate',
  };
}

// 10:00 on Monday 23 November 2026 in Vietnam (UTC+7).
const mondayMorningInVietnam = new Date(Date.UTC(2026, 10, 23, 3, 0));

describe('meetingGroupOf', () => {
  it('puts a meeting earlier the same day under today', () => {
    expect(meetingGroupOf(meeting('a', '2026-11-23T08:00:00+07:00'), mondayMorningInVietnam)).toBe('today');
  });

  it('puts a meeting late the same evening under today', () => {
    expect(meetingGroupOf(meeting('a', '2026-11-23T23:30:00+07:00'), mondayMorningInVietnam)).toBe('today');
  });

  it('puts tomorrow morning under upcoming', () => {
    expect(meetingGroupOf(meeting('a', '2026-11-24T07:30:00+07:00'), mondayMorningInVietnam)).toBe(
      'upcoming',
    );
  });

  it('puts yesterday under past', () => {
    expect(meetingGroupOf(meeting('a', '2026-11-22T14:00:00+07:00'), mondayMorningInVietnam)).toBe('past');
  });

  it('judges the day in the meeting offset, not in utc', () => {
    // 00:30 on Tuesday in Vietnam is still Monday in UTC, but the district
    // has already moved on to Tuesday.
    const justAfterMidnightInVietnam = new Date(Date.UTC(2026, 10, 23, 17, 30));
    expect(meetingGroupOf(meeting('a', '2026-11-23T08:00:00+07:00'), justAfterMidnightInVietnam)).toBe(
      'past',
    );
    expect(meetingGroupOf(meeting('b', '2026-11-24T08:00:00+07:00'), justAfterMidnightInVietnam)).toBe(
      'today',
    );
  });

  it('keeps a meeting with an unreadable start time in sight as upcoming', () => {
    expect(meetingGroupOf(meeting('a', 'soon'), mondayMorningInVietnam)).toBe('upcoming');
  });
});

describe('groupMeetingsByDay', () => {
  it('orders groups today, upcoming, past and leaves out empty ones', () => {
    const groups = groupMeetingsByDay(
      [meeting('past', '2026-11-20T08:00:00+07:00'), meeting('today', '2026-11-23T14:00:00+07:00')],
      mondayMorningInVietnam,
    );
    expect(groups.map((group) => group.key)).toEqual(['today', 'past']);
  });

  it('lists upcoming meetings soonest first and past meetings latest first', () => {
    const groups = groupMeetingsByDay(
      [
        meeting('next-month', '2026-12-20T08:00:00+07:00'),
        meeting('long-ago', '2026-01-05T08:00:00+07:00'),
        meeting('tomorrow', '2026-11-24T08:00:00+07:00'),
        meeting('last-week', '2026-11-16T08:00:00+07:00'),
      ],
      mondayMorningInVietnam,
    );
    expect(groups.map((group) => [group.key, group.meetings.map((m) => m.id)])).toEqual([
      ['upcoming', ['tomorrow', 'next-month']],
      ['past', ['last-week', 'long-ago']],
    ]);
  });

  it('lists the meetings of today by start time', () => {
    const [today] = groupMeetingsByDay(
      [meeting('afternoon', '2026-11-23T14:00:00+07:00'), meeting('morning', '2026-11-23T08:00:00+07:00')],
      mondayMorningInVietnam,
    );
    expect(today?.meetings.map((m) => m.id)).toEqual(['morning', 'afternoon']);
  });

  it('returns no groups for no meetings', () => {
    expect(groupMeetingsByDay([], mondayMorningInVietnam)).toEqual([]);
  });
});
