// What the parts of the meeting editor share: the meeting as last
// answered by the server, and the ways to act on it.

import type { Meeting } from '../../api/types';
import type { FormMessage } from '../../ui/forms';
import type { ScreenContext } from '../context';

export interface EditorHandle {
  context: ScreenContext;
  /** Aborts when the editor is left. */
  signal: AbortSignal;
  /** The meeting as the server last described it. */
  meeting(): Meeting;
  /** Whether the meeting may still change (not closed or cancelled). */
  editable(): boolean;
  /** Takes a meeting the server answered with and redraws what shows it. */
  replaceMeeting(meeting: Meeting): void;
  /** Fetches the meeting again and redraws (after a change whose answer
   * is not the whole meeting). */
  refresh(): Promise<void>;
  /** Shows a failure in `message`, unless the app handles it (an expired
   * session) or the editor was left. */
  fail(error: unknown, message: FormMessage): void;
}
