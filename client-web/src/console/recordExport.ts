// When the meeting's record (biên bản) can be exported, and what the
// downloaded file is called. The server decides again on the request
// (`GET /api/v1/meetings/{id}/record.pdf`): its secretary and chair, and
// administrators, once the meeting is in session or closed.

import type { MeetingState, MeetingSummary, User } from '../api/types';
import { canPrepareMeeting } from './permissions';

/** States in which a record has something to say. */
const exportableStates: ReadonlySet<MeetingState> = new Set<MeetingState>(['in_session', 'closed']);

export function canExportRecord(
  user: User | null,
  meeting: Pick<MeetingSummary, 'my_role' | 'state'>,
): boolean {
  return canPrepareMeeting(user, meeting) && exportableStates.has(meeting.state);
}

/** The meeting's chair and secretary sign its record once it is closed
 * (`POST /api/v1/meetings/{id}/record/sign`; the server decides again). */
export function canSignRecord(meeting: Pick<MeetingSummary, 'my_role' | 'state'>): boolean {
  return meeting.state === 'closed' && (meeting.my_role === 'chair' || meeting.my_role === 'secretary');
}

/** `bien-ban-<meeting id>.pdf`, with anything but letters, digits, `_`
 * and `-` dropped (the id is the server's, but a file name is a file name). */
export function recordFileName(meetingId: string): string {
  return `bien-ban-${meetingId.replace(/[^A-Za-z0-9_-]/g, '')}.pdf`;
}
