// The app's one live connection, shared by the screens of a meeting.
//
// Moving from the meeting to the reader and back keeps the same socket
// (and the follow mode, with the place the delegate was reading when they
// chose to follow: `returnPlace`, for "Quay lại"); opening another meeting
// closes the old one.
// `reportReadiness` is the hook for the offline pack manager: it reports
// the document versions this device holds for the readiness board.

import { translate, type Language } from '../i18n/i18n';
import { LiveConnection, SessionEndedError } from './connection';
import { loadDeviceId } from './deviceId';
import type { HeldDocument } from './protocol';

let current: { connection: LiveConnection; following: FollowMode } | null = null;

/** Where a delegate was reading: a document and a page. */
export interface ReadingPlace {
  documentId: string;
  page: number;
}

/** Whether this device follows the presenter. On by default; turning a
 * page oneself leaves it; the "Theo dõi" button returns. The place the
 * delegate was reading when they chose to follow is kept, so that
 * "Quay lại" can take them back there. */
export class FollowMode {
  private value = true;
  private arrivingByFollow = false;
  private place: ReadingPlace | null = null;
  private readonly listeners = new Set<(following: boolean) => void>();

  /** Says that the next screen opens because the presenter moved. */
  markFollowNavigation(): void {
    this.arrivingByFollow = true;
  }

  /** Whether the screen being opened came from following (once). A
   * document opened by the reader's own choice leaves follow mode. */
  takeFollowNavigation(): boolean {
    const arriving = this.arrivingByFollow;
    this.arrivingByFollow = false;
    return arriving;
  }

  get following(): boolean {
    return this.value;
  }

  /** Where the delegate was before following, until they go back there
   * or choose to follow again from elsewhere. */
  get returnPlace(): ReadingPlace | null {
    return this.place;
  }

  /** Follows the presenter, remembering where the delegate was reading. */
  followFrom(place: ReadingPlace | null): void {
    if (!this.value && place) this.place = place;
    this.set(true);
  }

  /** Forgets the place to go back to (the delegate went back). */
  takeReturnPlace(): ReadingPlace | null {
    const place = this.place;
    this.place = null;
    if (place) for (const listener of [...this.listeners]) listener(this.value);
    return place;
  }

  set(following: boolean): void {
    if (following === this.value) return;
    this.value = following;
    for (const listener of [...this.listeners]) listener(following);
  }

  subscribe(listener: (following: boolean) => void, signal: AbortSignal): void {
    this.listeners.add(listener);
    signal.addEventListener('abort', () => this.listeners.delete(listener), { once: true });
  }
}

export interface LiveSession {
  connection: LiveConnection;
  following: FollowMode;
}

function safeStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

async function fetchTicket(deviceId: string): Promise<string> {
  const response = await fetch('/api/v1/auth/ws-ticket', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ device_id: deviceId }),
  });
  if (response.status === 401) throw new SessionEndedError('session ended');
  if (!response.ok) throw new Error(`ws-ticket answered ${response.status}`);
  const body = (await response.json()) as { ticket?: unknown };
  if (typeof body.ticket !== 'string') throw new Error('ws-ticket answer without a ticket');
  return body.ticket;
}

/** The live session of `meetingId`, opening it on first use. */
export function liveSession(
  meetingId: string,
  options: { language: () => Language; onSessionEnded: () => void },
): LiveSession {
  if (current && current.connection.meetingId === meetingId && current.connection.status !== 'ended') {
    return current;
  }
  current?.connection.close();
  const connection = new LiveConnection({
    meetingId,
    deviceId: loadDeviceId(safeStorage()),
    getTicket: fetchTicket,
    openSocket: (url) => new WebSocket(url),
    socketUrl: (ticket) => {
      const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
      return `${scheme}//${location.host}/live?ticket=${encodeURIComponent(ticket)}`;
    },
    messages: {
      timeout: () => translate(options.language(), 'live.requestTimeout'),
      disconnected: () => translate(options.language(), 'live.requestDisconnected'),
    },
    language: options.language,
    onSessionEnded: () => {
      if (current?.connection === connection) current = null;
      options.onSessionEnded();
    },
  });
  current = { connection, following: new FollowMode() };
  connection.start();
  return current;
}

/** Closes the live connection (logout). */
export function closeLiveSession(): void {
  current?.connection.close();
  current = null;
}

/**
 * Reports which document versions of the agenda pack this device holds
 * (each checked against its SHA-256) to the readiness board of the
 * meeting whose live session is open. Safe to call at any time: without a
 * session it does nothing, and offline the last report is sent on
 * reconnect.
 */
export function reportReadiness(
  held: readonly HeldDocument[],
  downloading: boolean,
  meetingId?: string,
): void {
  if (!current) return;
  if (meetingId !== undefined && current.connection.meetingId !== meetingId) return;
  current.connection.reportReadiness(held, downloading);
}
