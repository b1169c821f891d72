// The meeting details form: from the date and time fields to the RFC 3339
// time the server takes, checking what a secretary typed before it is
// sent, and working out which details changed.
//
// Times are the district's wall clock, sent with the +07:00 offset of
// Vietnam (which has no daylight saving): a meeting at 08:00 is stored as
// `…T08:00:00+07:00` whatever zone the secretary's computer is set to.

import type { CreateMeetingRequest, Meeting, UpdateMeetingRequest } from '../api/types';
import { parseWallClock } from '../format/format';
import type { MessageKey } from '../i18n/i18n';

/** Vietnam's UTC offset, written as RFC 3339 wants it. */
export const vietnamOffset = '+07:00';

export interface MeetingFields {
  title: string;
  /** `YYYY-MM-DD`, as `<input type="date">` gives it. */
  date: string;
  /** `HH:MM`, as `<input type="time">` gives it (seconds ignored). */
  time: string;
  place: string;
  /** Empty for none. */
  videoLink: string;
}

export type MeetingField = keyof MeetingFields;

export interface FieldProblem {
  field: MeetingField;
  message: MessageKey;
}

const two = (value: number) => String(value).padStart(2, '0');

/** `2026-12-01T08:00:00+07:00` from the two fields, or `null` when they do
 * not name a real day and time. */
export function composeStartsAt(date: string, time: string): string | null {
  const dateMatch = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  const timeMatch = /^(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/.exec(time.trim());
  if (!dateMatch || !timeMatch) return null;
  const text = `${dateMatch[1]}-${dateMatch[2]}-${dateMatch[3]}T${timeMatch[1]}:${timeMatch[2]}:00${vietnamOffset}`;
  return parseWallClock(text) ? text : null;
}

/** The date and time fields for a meeting's `starts_at`, read on the
 * meeting's own wall clock. Unreadable input gives empty fields. */
export function splitStartsAt(startsAt: string): { date: string; time: string } {
  const wall = parseWallClock(startsAt);
  if (!wall) return { date: '', time: '' };
  return {
    date: `${wall.year}-${two(wall.month)}-${two(wall.day)}`,
    time: `${two(wall.hour)}:${two(wall.minute)}`,
  };
}

/** The form's fields for an existing meeting. */
export function fieldsOf(meeting: Meeting): MeetingFields {
  return {
    title: meeting.title,
    ...splitStartsAt(meeting.starts_at),
    place: meeting.place,
    videoLink: meeting.video_link ?? '',
  };
}

/** https only, as the server checks (the meeting and big screens show no
 * other link). */
function isWebLink(text: string): boolean {
  return /^https:\/\/[^\s]+$/i.test(text);
}

/** The first problem with the fields, in the order the form shows them, or
 * the request to create the meeting. */
export function checkNewMeeting(
  fields: MeetingFields,
): { ok: true; request: CreateMeetingRequest } | { ok: false; problem: FieldProblem } {
  const title = fields.title.trim();
  if (title === '') return { ok: false, problem: { field: 'title', message: 'meetingForm.missingTitle' } };
  const startsAt = composeStartsAt(fields.date, fields.time);
  if (!startsAt) {
    const field = fields.date.trim() === '' ? 'date' : 'time';
    return { ok: false, problem: { field, message: 'meetingForm.invalidDate' } };
  }
  const place = fields.place.trim();
  if (place === '') return { ok: false, problem: { field: 'place', message: 'meetingForm.missingPlace' } };
  const link = fields.videoLink.trim();
  if (link !== '' && !isWebLink(link)) {
    return { ok: false, problem: { field: 'videoLink', message: 'meetingForm.invalidLink' } };
  }
  const request: CreateMeetingRequest = { title, starts_at: startsAt, place };
  if (link !== '') request.video_link = link;
  return { ok: true, request };
}

/** The `PATCH` body with only what changed (`video_link: null` when the
 * link was emptied), after the same checks as a new meeting. An empty
 * body means nothing changed. */
export function meetingChanges(
  meeting: Meeting,
  fields: MeetingFields,
): { ok: true; request: UpdateMeetingRequest } | { ok: false; problem: FieldProblem } {
  const checked = checkNewMeeting(fields);
  if (!checked.ok) return checked;
  const next = checked.request;
  const request: UpdateMeetingRequest = {};
  if (next.title !== meeting.title) request.title = next.title;
  // Compare instants, not texts: "08:00+07:00" stays unchanged even if the
  // server wrote it with another offset for the same moment.
  const before = parseWallClock(meeting.starts_at)?.epochMilliseconds;
  const after = parseWallClock(next.starts_at)?.epochMilliseconds;
  if (before !== after) request.starts_at = next.starts_at;
  if (next.place !== meeting.place) request.place = next.place;
  const link = next.video_link ?? null;
  if (link !== (meeting.video_link ?? null)) request.video_link = link;
  return { ok: true, request };
}
