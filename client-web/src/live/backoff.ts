// How long to wait before reconnecting: exponential backoff with full
// jitter, so that 200 tablets that lost the WiFi together do not all
// knock on the server at the same instant when it comes back.

import { CloseCode } from '../api/generated';

export interface BackoffOptions {
  /** The first wait's ceiling, in ms. */
  baseMilliseconds: number;
  /** The largest wait, in ms: a remote point retries forever, but at least
   * this often. */
  maximumMilliseconds: number;
}

export const defaultBackoff: BackoffOptions = { baseMilliseconds: 500, maximumMilliseconds: 15_000 };

/** The wait before attempt `attempt` (0 for the first retry): a random
 * value between half of and the whole exponential ceiling, so a retry is
 * never immediate yet never synchronised. `random` returns [0, 1). */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  options: BackoffOptions = defaultBackoff,
): number {
  const exponent = Math.min(Math.max(0, attempt), 20);
  const ceiling = Math.min(options.maximumMilliseconds, options.baseMilliseconds * 2 ** exponent);
  const unit = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * unit);
}

/** What to do when the socket closed with `code`. */
export type CloseAction = 'reconnect' | 'login' | 'stop';

export function closeAction(code: number): CloseAction {
  // The session ended (logout elsewhere, account disabled).
  if (code === CloseCode.SessionEnded) return 'login';
  // GoingAway (restart), AccessChanged, TooSlow (fell behind), 1006
  // (dropped network) and everything else: try again; the server decides.
  return 'reconnect';
}
