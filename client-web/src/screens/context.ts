// What every screen is given by the app, and the shape of a screen.

import { ApiError, type ApiClient } from '../api/client';
import type { Meeting, User } from '../api/types';
import type { Language, MessageKey, MessageParams } from '../i18n/i18n';
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
