// What every screen is given by the app, and the shape of a screen.

import { ApiError, type ApiClient } from '../api/client';
import type { Meeting, MeetingSummary, User } from '../api/types';
import type { Language, MessageKey, MessageParams } from '../i18n/i18n';
import { freshOrSaved, isUnreachable, type FreshOrSaved } from '../offline/savedData';
import type { OfflineServices } from '../offline/services';
import type { Route } from '../router/routes';

export interface ScreenContext {
  api: ApiClient;
  language: Language;
  /** The logged-in user; `null` only on the login screen. */
  user: User | null;
  t(key: MessageKey, params?: MessageParams): string;
  /** Goes to another screen, adding a history entry. */
  navigate(route: Route): void;
  /** Rewrites the address for the current screen without re-rendering it
   * (the reader keeps its page number there). */
  replaceAddress(route: Route): void;
  /** Called by the login screen once the server accepted the password. */
  loggedIn(user: User): void;
  /** Handles a failure every screen treats alike (an expired session sends
   * the user to log in) and returns `true`; returns `false` for anything
   * the screen should show itself. */
  handleCommonError(error: unknown): boolean;
  /** Meetings fetched by the meeting screen, so that opening a document
   * does not fetch the meeting again. */
  meetingCache: Map<string, Meeting>;
  /** A notice for the login screen, such as "your session has ended". */
  loginNotice: string | null;
  /** Saved screens and kept documents, for working offline. */
  offline: OfflineServices;
}

/** Draws a screen into `root`. The screen stops its work and removes its
 * listeners when `signal` aborts, which the app does on leaving it. */
export type Screen = (root: HTMLElement, context: ScreenContext, signal: AbortSignal) => void;

/** The message to show for a failure that is not a common one. */
export function errorMessage(error: unknown, context: ScreenContext): string {
  if (error instanceof ApiError) return error.message;
  return context.t('error.unexpected', { status: '—' });
}

/** Whether a failure is only the screen being left while it loaded. */
export function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof DOMException && error.name === 'AbortError');
}

/** The message for a screen that could not load: "offline and nothing
 * saved" when the server was out of reach, otherwise the server's own. */
export function loadFailureMessage(error: unknown, context: ScreenContext): string {
  return isUnreachable(error) ? context.t('offline.notSaved') : errorMessage(error, context);
}

/** The user's meetings from the server, or as last saved when it cannot
 * be reached. */
export function loadMeetingList(context: ScreenContext): Promise<FreshOrSaved<MeetingSummary[]>> {
  const userId = context.user?.id ?? '';
  return freshOrSaved(() => context.api.listMeetings(), {
    load: () => context.offline.saved.load<MeetingSummary[]>(userId, 'meetings'),
    save: (meetings) => context.offline.saved.save(userId, 'meetings', meetings),
  });
}

/** One meeting from the server, or as last saved when it cannot be
 * reached; remembered in `meetingCache` either way. */
export async function loadMeeting(context: ScreenContext, meetingId: string): Promise<FreshOrSaved<Meeting>> {
  const userId = context.user?.id ?? '';
  const result = await freshOrSaved(() => context.api.getMeeting(meetingId), {
    load: () => context.offline.saved.load<Meeting>(userId, `meeting/${meetingId}`),
    save: (meeting) => context.offline.saved.save(userId, `meeting/${meetingId}`, meeting),
  });
  context.meetingCache.set(result.value.id, result.value);
  return result;
}
