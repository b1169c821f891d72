// The speaking-time countdown everyone sees: "2:59", then "0:00" and
// "+0:12" once the limit has passed (the chair decides, not the clock).

import type { SpeakingTurn } from './protocol';

/** Seconds left in a turn at `nowMs` (negative once over), or `null` when
 * the turn has no limit. */
export function remainingSeconds(turn: SpeakingTurn, nowMs: number): number | null {
  if (turn.limit_seconds === null) return null;
  const elapsed = Math.floor((nowMs - turn.started_at_ms) / 1000);
  return turn.limit_seconds - Math.max(0, elapsed);
}

/** `m:ss` for a countdown; overtime is shown with a leading `+`. */
export function formatCountdown(seconds: number): string {
  const over = seconds < 0;
  const whole = Math.abs(Math.trunc(seconds));
  const minutes = Math.floor(whole / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return `${over ? '+' : ''}${minutes}:${rest}`;
}

/** Elapsed time of a turn without a limit, `m:ss`. */
export function formatElapsed(turn: SpeakingTurn, nowMs: number): string {
  return formatCountdown(Math.max(0, Math.floor((nowMs - turn.started_at_ms) / 1000)));
}
