// The meeting calendar (lịch họp): one week, Monday to Sunday, of the
// meetings this user is part of (a secretary's drafts too: the list the
// server gives already holds them).
//
// Days are calendar days on the meeting's own wall clock, as in
// `grouping.ts`: a meeting at 08:00 +07:00 on Monday is on Monday whatever
// zone the tablet's clock is set to. Which week is "this week" is judged at
// Vietnam's offset (+07:00, the only one the product serves) unless the
// caller gives another. Weeks are named by their Monday as `YYYY-MM-DD`,
// which is what the calendar's address carries.

import type { MeetingSummary } from '../api/types';
import { dayNumber, parseWallClock, wallClockAt, type WallClock } from '../format/format';

/** Vietnam's UTC offset in minutes. */
export const vietnamOffsetMinutes = 420;

const millisecondsPerDay = 86_400_000;

export interface CalendarDay {
  /** `dayNumber` of this day. */
  day: number;
  /** Noon of the day (for formatting its date and weekday). */
  date: WallClock;
  /** The day's meetings, earliest first. */
  meetings: MeetingSummary[];
}

export interface CalendarWeek {
  /** `dayNumber` of the Monday. */
  monday: number;
  /** Monday to Sunday. */
  days: CalendarDay[];
}

/** The wall clock at noon of `day` (a `dayNumber`). */
export function noonOf(day: number, offsetMinutes = vietnamOffsetMinutes): WallClock {
  return wallClockAt(day * millisecondsPerDay + 12 * 3_600_000 - offsetMinutes * 60_000, offsetMinutes);
}

/** The Monday on or before `day`. Day 0 (1970-01-01) was a Thursday. */
export function mondayOf(day: number): number {
  const weekday = (((day + 4) % 7) + 7) % 7; // 0 = Sunday
  return day - ((weekday + 6) % 7);
}

/** The Monday of the week `now` falls in, at `offsetMinutes`. */
export function currentMonday(now: Date, offsetMinutes = vietnamOffsetMinutes): number {
  return mondayOf(dayNumber(wallClockAt(now.getTime(), offsetMinutes)));
}

const two = (value: number) => String(value).padStart(2, '0');

/** `YYYY-MM-DD` of a day. */
export function isoDate(day: number): string {
  const noon = noonOf(day, 0);
  return `${noon.year}-${two(noon.month)}-${two(noon.day)}`;
}

/** The day a `YYYY-MM-DD` text names, or `null` when it names none. */
export function parseIsoDate(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const epoch = Date.UTC(year, month - 1, day);
  const check = new Date(epoch);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return Math.floor(epoch / millisecondsPerDay);
}

/** The week starting on `monday`, each day with its meetings. Meetings
 * whose start cannot be read are left out (the meetings list shows them). */
export function calendarWeek(
  meetings: readonly MeetingSummary[],
  monday: number,
  offsetMinutes = vietnamOffsetMinutes,
): CalendarWeek {
  const days: CalendarDay[] = Array.from({ length: 7 }, (_, index) => ({
    day: monday + index,
    date: noonOf(monday + index, offsetMinutes),
    meetings: [],
  }));
  const starts = new Map<MeetingSummary, number>();
  for (const meeting of meetings) {
    const wall = parseWallClock(meeting.starts_at);
    if (!wall) continue;
    const index = dayNumber(wall) - monday;
    if (index < 0 || index > 6) continue;
    starts.set(meeting, wall.epochMilliseconds);
    days[index]?.meetings.push(meeting);
  }
  for (const day of days) {
    day.meetings.sort(
      (a, b) => (starts.get(a) ?? 0) - (starts.get(b) ?? 0) || a.title.localeCompare(b.title),
    );
  }
  return { monday, days };
}
