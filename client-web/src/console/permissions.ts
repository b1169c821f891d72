// Who sees the secretary's console, decided on the client only to choose
// which buttons to draw. The server decides again on every request: a
// button shown by mistake ends in the server's `forbidden` message.

import type { MeetingSummary, User } from '../api/types';

/** Office secretaries and administrators create meetings. */
export function canCreateMeetings(user: User | null): boolean {
  return user?.role === 'secretary' || user?.role === 'admin';
}

/** A meeting's own secretary and chair prepare it, and administrators. */
export function canPrepareMeeting(user: User | null, meeting: Pick<MeetingSummary, 'my_role'>): boolean {
  if (!user) return false;
  return user.role === 'admin' || meeting.my_role === 'secretary' || meeting.my_role === 'chair';
}

/** The same people read the meeting's audit log. */
export const canReadAudit = canPrepareMeeting;

/** Only office secretaries and administrators may list accounts
 * (`GET /users`); a chair who is a plain user changes roles only. */
export function canPickAccounts(user: User | null): boolean {
  return canCreateMeetings(user);
}
