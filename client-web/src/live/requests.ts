// Matching replies to requests: every request gets an id, and exactly one
// `ok` or `error` with that id settles its promise. A request with no
// answer in time, or one in flight when the socket drops, fails with a
// `LiveRequestError` the screen can show.

import type { LiveErrorCode } from './protocol';

/** Codes the client adds to the server's. */
export type LiveRequestErrorCode = LiveErrorCode | 'timeout' | 'disconnected';

export class LiveRequestError extends Error {
  override readonly name = 'LiveRequestError';
  constructor(
    readonly code: LiveRequestErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Timers {
  setTimeout(callback: () => void, milliseconds: number): unknown;
  clearTimeout(handle: unknown): void;
}

interface Pending {
  resolve(): void;
  reject(error: LiveRequestError): void;
  timer: unknown;
}

export class PendingRequests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly timeoutMilliseconds: number,
    /** The message of a timeout or disconnect, in the UI language. */
    private readonly messages: { timeout: () => string; disconnected: () => string },
    private readonly timers: Timers = {
      setTimeout: (callback, milliseconds) => globalThis.setTimeout(callback, milliseconds),
      clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    },
  ) {}

  /** A new id and the promise its reply settles. */
  start(): { id: number; reply: Promise<void> } {
    const id = this.nextId++;
    const reply = new Promise<void>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(id);
        reject(new LiveRequestError('timeout', this.messages.timeout()));
      }, this.timeoutMilliseconds);
      this.pending.set(id, { resolve, reject, timer });
    });
    return { id, reply };
  }

  /** Settles request `id` with `ok`; `false` for an unknown id. */
  ok(id: number): boolean {
    const request = this.take(id);
    request?.resolve();
    return request !== null;
  }

  /** Settles request `id` with an error; `false` for an unknown id. */
  error(id: number, code: LiveErrorCode, message: string): boolean {
    const request = this.take(id);
    request?.reject(new LiveRequestError(code, message));
    return request !== null;
  }

  /** Fails every request in flight (the socket closed: no reply will come). */
  failAll(): void {
    for (const id of [...this.pending.keys()]) {
      this.take(id)?.reject(new LiveRequestError('disconnected', this.messages.disconnected()));
    }
  }

  get size(): number {
    return this.pending.size;
  }

  private take(id: number): Pending | null {
    const request = this.pending.get(id);
    if (!request) return null;
    this.pending.delete(id);
    this.timers.clearTimeout(request.timer);
    return request;
  }
}
