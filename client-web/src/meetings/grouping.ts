// Sorting "my meetings" into today, upcoming and past.
//
// "Today" is judged on the meeting's own wall clock: the calendar day of
// `starts_at` in its own offset against the calendar day of `now` in that
// same offset. A district meeting at 08:00 +07:00 is "today" for the whole
// of that day in the district, whatever zone the tablet's clock is set to.

import type { MeetingSummary } from '../api/types';
import { dayNumber, parseWallClock, wallClockAt } from '../format/format';

export type MeetingGroupKey = 'today' | 'upcoming' | 'past';

export interface MeetingGroup {
  key: MeetingGroupKey;
  meetings: MeetingSummary[];
}

/** The order the groups appear on screen: what matters now first. */
export const meetingGroupOrder: readonly MeetingGroupKey[] = ['today', 'upcoming', 'past'];

/** Which group a meeting belongs to at `now`. A meeting whose `starts_at`
 * cannot be read counts as upcoming, so it stays in sight. */
export function meetingGroupOf(meeting: MeetingSummary, now: Date): MeetingGroupKey {
  const starts = parseWallClock(meeting.starts_at);
  if (!starts) return 'upcoming';
  const today = dayNumber(wallClockAt(now.getTime(), starts.offsetMinutes));
  const meetingDay = dayNumber(starts);
  if (meetingDay === today) return 'today';
  return meetingDay > today ? 'upcoming' : 'past';
}

function startsAtMilliseconds(meeting: MeetingSummary): number {
  return parseWallClock(meeting.starts_at)?.epochMilliseconds ?? Number.POSITIVE_INFINITY;
}

/** The non-empty groups in display order. Today's and upcoming meetings run
 * soonest first; past meetings most recent first. */
export function groupMeetingsByDay(meetings: readonly MeetingSummary[], now: Date): MeetingGroup[] {
  const byKey = new Map<MeetingGroupKey, MeetingSummary[]>(meetingGroupOrder.map((key) => [key, []]));
  for (const meeting of meetings) {
    byKey.get(meetingGroupOf(meeting, now))?.push(meeting);
  }
  const groups: MeetingGroup[] = [];
  for (const key of meetingGroupOrder) {
    const list = byKey.get(key) ?? [];
    if (list.length === 0) continue;
    const direction = key === 'past' ? -1 : 1;
    list.sort(
      (a, b) =>
        direction * (startsAtMilliseconds(a) - startsAtMilliseconds(b)) || a.title.localeCompare(b.title),
    );
    groups.push({ key, meetings: list });
  }
  return groups;
}
