// One meeting's `/live` connection: ticket, socket, `hello`, requests with
// their replies, the state store, and reconnecting forever.
//
// The connection owns no DOM. Screens subscribe to it (`subscribe` for the
// state and status, `onEvent` for single events such as a new vote or a
// page change) and send requests with `request`, which resolves on `ok`
// and rejects with a `LiveRequestError` carrying the server's message.
// Close codes (`CloseCode`, generated from `shared/src/close.rs`):
// `SessionEnded` (4001) stops and calls `onSessionEnded`; every other
// close, including `GoingAway` (1001, server restarting), `AccessChanged`
// (4003) and `TooSlow` (4008, fell behind), reconnects after a jittered
// backoff.

import { CloseCode } from '../api/generated';
import type { Language } from '../i18n/i18n';
import { backoffDelay, closeAction } from './backoff';
import {
  isLiveEvent,
  parseServerMessage,
  protocolVersion,
  refusalMessage,
  type ClientMessage,
  type HeldDocument,
  type HelloRefusal,
  type LiveEvent,
  type RequestBody,
  type ServerMessage,
} from './protocol';
import { LiveRequestError, PendingRequests } from './requests';
import { applyEvent, markVoted, welcomeState, type LiveState } from './state';

/** `connecting` before the first welcome, `online` after a welcome,
 * `reconnecting` while down, `refused` after `hello_refused` (the app must
 * be reloaded or the meeting is not theirs), `ended` when closed for good. */
export type ConnectionStatus = 'connecting' | 'online' | 'reconnecting' | 'refused' | 'ended';

/** The part of `WebSocket` the connection uses (a fake in tests). */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

export interface LiveConnectionOptions {
  meetingId: string;
  deviceId: string;
  /** A one-use ticket for `/live` (`POST /api/v1/auth/ws-ticket`). */
  getTicket(deviceId: string): Promise<string>;
  /** Opens the socket; `new WebSocket(url)` in the browser. */
  openSocket(url: string): SocketLike;
  /** `ws(s)://host/live?ticket=…` for a ticket. */
  socketUrl(ticket: string): string;
  messages: { timeout: () => string; disconnected: () => string };
  /** The UI language, which picks a refusal's message (Vietnamese when
   * absent). */
  language?: () => Language;
  /** The server ended the session: log in again. */
  onSessionEnded(): void;
  requestTimeoutMilliseconds?: number;
  pingIntervalMilliseconds?: number;
  random?: () => number;
}

export type StateListener = (connection: LiveConnection) => void;
export type EventListener = (event: LiveEvent, connection: LiveConnection) => void;

export class LiveConnection {
  state: LiveState | null = null;
  status: ConnectionStatus = 'connecting';
  /** Why `hello` was refused, when `status` is `refused`: the code, and
   * the server's message in the UI language. */
  refusal: { code: HelloRefusal; message: string } | null = null;
  /** When the connection went down (for "offline since"), or `null`. */
  downSince: number | null = null;

  private socket: SocketLike | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private readonly pending: PendingRequests;
  private readonly stateListeners = new Set<StateListener>();
  private readonly eventListeners = new Set<EventListener>();
  /** The last readiness report, sent again after every welcome. */
  private readiness: { held: HeldDocument[]; downloading: boolean } | null = null;

  constructor(private readonly options: LiveConnectionOptions) {
    this.pending = new PendingRequests(options.requestTimeoutMilliseconds ?? 10_000, options.messages);
  }

  private language(): Language {
    return this.options.language?.() ?? 'vi';
  }

  get meetingId(): string {
    return this.options.meetingId;
  }

  /** Starts connecting (and keeps reconnecting until `close`). */
  start(): void {
    this.stopped = false;
    void this.connect();
  }

  /** Closes for good: no more reconnects. */
  close(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(CloseCode.Normal, 'left the meeting');
    }
    this.pending.failAll();
    this.setStatus('ended');
  }

  /** Calls `listener` now and on every change of state or status, until
   * `signal` aborts. */
  subscribe(listener: StateListener, signal: AbortSignal): void {
    this.stateListeners.add(listener);
    signal.addEventListener('abort', () => this.stateListeners.delete(listener), { once: true });
    listener(this);
  }

  /** Calls `listener` for each event after it is applied to the state. */
  onEvent(listener: EventListener, signal: AbortSignal): void {
    this.eventListeners.add(listener);
    signal.addEventListener('abort', () => this.eventListeners.delete(listener), { once: true });
  }

  /** Sends a request; resolves on `ok`, rejects with `LiveRequestError`. */
  request(body: RequestBody): Promise<void> {
    const socket = this.socket;
    if (!socket || this.status !== 'online') {
      return Promise.reject(this.disconnectedError());
    }
    const { id, reply } = this.pending.start();
    const message = { ...body, id } as ClientMessage;
    try {
      socket.send(JSON.stringify(message));
    } catch {
      this.pending.error(id, 'internal', this.options.messages.disconnected());
    }
    if (body.type === 'cast_ballot') {
      const voteId = body.vote_id;
      return reply.then(() => {
        if (this.state) this.state = markVoted(this.state, voteId);
        this.notify();
      });
    }
    return reply;
  }

  /**
   * Tells the staff's readiness board which document versions this device
   * holds (each checked against its SHA-256) and whether it is
   * downloading. Call it whenever the pack changes; the last report is
   * sent again after every reconnect, and a report while offline waits
   * for the next welcome.
   */
  reportReadiness(held: readonly HeldDocument[], downloading: boolean): void {
    const next = { held: [...held], downloading };
    const same = this.readiness !== null && JSON.stringify(this.readiness) === JSON.stringify(next);
    this.readiness = next;
    if (!same && this.status === 'online') this.sendReadiness();
  }

  private sendReadiness(): void {
    if (!this.readiness) return;
    this.request({
      type: 'report_readiness',
      held: this.readiness.held,
      downloading: this.readiness.downloading,
    }).catch(() => {
      // Sent again after the next welcome.
    });
  }

  /** A request while down fails at once; the screen says to try again. */
  private disconnectedError(): LiveRequestError {
    return new LiveRequestError('disconnected', this.options.messages.disconnected());
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let ticket: string;
    try {
      ticket = await this.options.getTicket(this.options.deviceId);
    } catch (error) {
      if (error instanceof SessionEndedError) {
        this.endSession();
        return;
      }
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;
    let socket: SocketLike;
    try {
      socket = this.options.openSocket(this.options.socketUrl(ticket));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const hello: ClientMessage = {
        type: 'hello',
        protocol_version: protocolVersion,
        meeting_id: this.options.meetingId,
        device_id: this.options.deviceId,
      };
      socket.send(JSON.stringify(hello));
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      const message = parseServerMessage(event.data);
      if (message) this.receive(message);
    };
    socket.onerror = () => {
      // `onclose` follows and decides.
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      clearInterval(this.pingTimer);
      this.pending.failAll();
      if (this.stopped || this.status === 'refused') return;
      if (closeAction(event.code) === 'login') {
        this.endSession();
        return;
      }
      this.scheduleReconnect();
    };
  }

  /** Handles one message from the server (public for tests). */
  receive(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.state = welcomeState(message);
        this.attempt = 0;
        this.downSince = null;
        this.refusal = null;
        this.setStatus('online', false);
        this.startPings();
        this.notify();
        this.sendReadiness();
        return;
      case 'hello_refused':
        this.refusal = { code: message.code, message: refusalMessage(message, this.language()) };
        this.setStatus('refused');
        return;
      case 'ok':
        this.pending.ok(message.id);
        return;
      case 'error':
        this.pending.error(message.id, message.code, refusalMessage(message, this.language()));
        return;
      default:
        if (!isLiveEvent(message) || !this.state) return;
        this.state = applyEvent(this.state, message);
        this.notify();
        for (const listener of [...this.eventListeners]) listener(message, this);
    }
  }

  private startPings(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      // A ping with no answer means a dead link the browser has not
      // noticed (a WiFi drop without a FIN): drop it and reconnect.
      this.request({ type: 'ping' }).catch((error: unknown) => {
        if (error instanceof LiveRequestError && error.code === 'timeout')
          this.socket?.close(CloseCode.PingTimeout);
      });
    }, this.options.pingIntervalMilliseconds ?? 25_000);
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.downSince ??= Date.now();
    this.setStatus('reconnecting');
    clearTimeout(this.retryTimer);
    const delay = backoffDelay(this.attempt, this.options.random);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private endSession(): void {
    this.close();
    this.options.onSessionEnded();
  }

  private setStatus(status: ConnectionStatus, notify = true): void {
    if (this.status === status) return;
    this.status = status;
    if (notify) this.notify();
  }

  private notify(): void {
    for (const listener of [...this.stateListeners]) listener(this);
  }
}

/** Thrown by `getTicket` when the server says the session is gone (401). */
export class SessionEndedError extends Error {
  override readonly name = 'SessionEndedError';
}
