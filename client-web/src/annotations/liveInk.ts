// Ink in progress on a shared layer, sent as ephemeral messages
// (`handle.broadcast`) while a stroke is drawn, so the others see it as it
// happens; the finished stroke is committed to the layer itself at stroke
// end. Nothing here is stored.
//
// Each message carries every point so far (quantized like a stored
// stroke), so a lost message costs nothing but a late frame. A stroke whose
// messages stop (its author went away mid-stroke) disappears after
// `liveInkTimeoutMilliseconds`.
//
// The last message says how the stroke ended. A committed stroke stays on
// screen until the layer holds it: the author's sync message (throttled by
// automerge-repo, and stored by the server before it is relayed) usually
// arrives after this ephemeral one, and dropping the ink at once would make
// the stroke blink out and back for everyone watching.

import { packPoints, unpackPoints, type InkPoint, type InkTool } from './model';

export interface LiveInkMessage {
  type: 'live-ink';
  strokeId: string;
  documentId: string;
  page: number;
  tool: InkTool;
  color: string;
  width: number;
  /** `packPoints` of every point so far. */
  points: Uint8Array;
  /** The stroke ended: committed, or abandoned. */
  done: boolean;
  /** It ended committed to the layer: show it until the layer holds it.
   * Absent from earlier versions' messages, which count as abandoned. */
  committed?: boolean;
}

/** Where a stroke is: still drawn, ended and committed to the layer, or
 * ended without a stroke (the pointer was cancelled). */
export type LiveInkStage = 'drawing' | 'committed' | 'abandoned';

export function isLiveInkMessage(value: unknown): value is LiveInkMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  return (
    message['type'] === 'live-ink' &&
    typeof message['strokeId'] === 'string' &&
    typeof message['documentId'] === 'string' &&
    typeof message['page'] === 'number' &&
    (message['tool'] === 'pen' || message['tool'] === 'highlighter') &&
    typeof message['color'] === 'string' &&
    typeof message['width'] === 'number' &&
    message['points'] instanceof Uint8Array &&
    typeof message['done'] === 'boolean' &&
    (message['committed'] === undefined || typeof message['committed'] === 'boolean')
  );
}

export function liveInkMessage(
  stroke: Omit<LiveInkMessage, 'type' | 'points' | 'done' | 'committed'>,
  points: readonly InkPoint[],
  stage: LiveInkStage,
): LiveInkMessage {
  const message: LiveInkMessage = {
    type: 'live-ink',
    ...stroke,
    points: packPoints(points),
    done: stage !== 'drawing',
  };
  return stage === 'committed' ? { ...message, committed: true } : message;
}

/** A stroke someone else is drawing. */
export interface LiveStroke {
  strokeId: string;
  documentId: string;
  page: number;
  tool: InkTool;
  color: string;
  width: number;
  points: InkPoint[];
  /** When its last message arrived. */
  receivedAt: number;
}

export const liveInkTimeoutMilliseconds = 5_000;

/** The strokes in progress, by stroke id (pure: every step returns a new
 * map). */
export type LiveInkState = ReadonlyMap<string, LiveStroke>;

export function receiveLiveInk(state: LiveInkState, message: LiveInkMessage, now: number): LiveInkState {
  const next = new Map(state);
  if (message.done && message.committed !== true) {
    next.delete(message.strokeId);
    return next;
  }
  next.set(message.strokeId, {
    strokeId: message.strokeId,
    documentId: message.documentId,
    page: message.page,
    tool: message.tool,
    color: message.color,
    width: message.width,
    points: unpackPoints(message.points),
    receivedAt: now,
  });
  return next;
}

/** Drops strokes whose author fell silent, and those committed to the
 * layer meanwhile (`committedIds`). */
export function pruneLiveInk(
  state: LiveInkState,
  now: number,
  committedIds: ReadonlySet<string>,
): LiveInkState {
  const next = new Map<string, LiveStroke>();
  for (const [id, stroke] of state) {
    if (now - stroke.receivedAt < liveInkTimeoutMilliseconds && !committedIds.has(id)) next.set(id, stroke);
  }
  return next.size === state.size ? state : next;
}

/** The strokes in progress on one page. */
export function liveStrokesOnPage(state: LiveInkState, documentId: string, page: number): LiveStroke[] {
  return [...state.values()].filter((stroke) => stroke.documentId === documentId && stroke.page === page);
}

/** Whether enough time passed since the last message to send another:
 * about 15 messages a second while drawing. */
export const liveInkIntervalMilliseconds = 66;
