import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveConnection, SessionEndedError, type SocketLike } from './connection';
import { chair, delegateA, vote, welcome } from './fixtures';
import type { Language } from '../i18n/i18n';
import type { ServerMessage } from './protocol';

/** A socket the test drives: it records what the client sends and lets
 * the test play the server. */
class FakeSocket implements SocketLike {
  sent: Record<string, unknown>[] = [];
  closedWith: number | null = null;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000) {
    this.closedWith = code;
  }
  open() {
    this.onopen?.(new Event('open'));
  }
  serve(message: ServerMessage) {
    this.onmessage?.({ data: JSON.stringify(message) } as MessageEvent);
  }
  drop(code: number) {
    this.onclose?.({ code } as CloseEvent);
  }
}

function setUp(
  getTicket: () => Promise<string> = () => Promise.resolve('ticket'),
  language: Language = 'vi',
) {
  const sockets: FakeSocket[] = [];
  const sessionEnded = vi.fn();
  const connection = new LiveConnection({
    meetingId: 'm_1',
    deviceId: 'tablet-07',
    getTicket,
    openSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    socketUrl: (ticket) => `ws://server/live?ticket=${ticket}`,
    messages: { timeout: () => 'timeout', disconnected: () => 'disconnected' },
    onSessionEnded: sessionEnded,
    language: () => language,
    random: () => 0.5,
  });
  return { connection, sockets, sessionEnded };
}

const last = <T>(list: T[]): T => {
  const item = list[list.length - 1];
  if (item === undefined) throw new Error('empty');
  return item;
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LiveConnection', () => {
  it('says hello with the protocol version, meeting and device, then goes online on welcome', async () => {
    const { connection, sockets } = setUp();
    connection.start();
    await vi.runOnlyPendingTimersAsync();
    const socket = last(sockets);
    expect(socket.url).toBe('ws://server/live?ticket=ticket');
    socket.open();
    expect(socket.sent).toEqual([
      { type: 'hello', protocol_version: 1, meeting_id: 'm_1', device_id: 'tablet-07' },
    ]);
    expect(connection.status).toBe('connecting');
    socket.serve(welcome(delegateA));
    expect(connection.status).toBe('online');
    expect(connection.state?.userId).toBe(delegateA);
    connection.close();
  });

  it('resolves a request on its ok and rejects on its error, by id', async () => {
    const { connection, sockets } = setUp();
    connection.start();
    await vi.runOnlyPendingTimersAsync();
    const socket = last(sockets);
    socket.open();
    socket.serve(welcome(delegateA, { votes: [vote()] }));
    const checkIn = connection.request({ type: 'check_in' });
    const ballot = connection.request({ type: 'cast_ballot', vote_id: 'v_1', choice: 0 });
    const [checkInMessage, ballotMessage] = socket.sent.slice(1);
    expect(checkInMessage).toMatchObject({ type: 'check_in' });
    expect(ballotMessage).toMatchObject({ type: 'cast_ballot', vote_id: 'v_1', choice: 0 });
    socket.serve({ type: 'ok', id: ballotMessage?.['id'] as number });
    socket.serve({
      type: 'error',
      id: checkInMessage?.['id'] as number,
      code: 'meeting_over',
      message_vi: 'Cuộc họp đã kết thúc.',
      message_en: 'The meeting is over.',
      message: 'Cuộc họp đã kết thúc.',
    });
    await expect(ballot).resolves.toBeUndefined();
    await expect(checkIn).rejects.toMatchObject({ code: 'meeting_over', message: 'Cuộc họp đã kết thúc.' });
    expect(connection.state?.snapshot.votes[0]?.you_voted).toBe(true);
    connection.close();
  });

  it('applies events to the state and tells event listeners', async () => {
    const { connection, sockets } = setUp();
    const seen: string[] = [];
    connection.onEvent((event) => seen.push(event.type), new AbortController().signal);
    connection.start();
    await vi.runOnlyPendingTimersAsync();
    const socket = last(sockets);
    socket.open();
    socket.serve(welcome(delegateA));
    socket.serve({
      type: 'follow_changed',
      follow: { position: { document_id: 'd_1', page: 4 }, presenter_user_id: chair, seq: 1, at_ms: 1 },
    });
    expect(connection.state?.snapshot.follow?.position.page).toBe(4);
    expect(seen).toEqual(['follow_changed']);
    connection.close();
  });

  it('fails requests in flight when the server restarts, reconnects with a new ticket, and takes the fresh welcome', async () => {
    let tickets = 0;
    const { connection, sockets } = setUp(() => Promise.resolve(`t${++tickets}`));
    connection.start();
    await vi.runOnlyPendingTimersAsync();
    const first = last(sockets);
    first.open();
    first.serve(welcome(delegateA));
    const inFlight = connection.request({ type: 'request_floor' });
    first.drop(1001);
    await expect(inFlight).rejects.toMatchObject({ code: 'disconnected' });
    expect(connection.status).toBe('reconnecting');
    await expect(connection.request({ type: 'ping' })).rejects.toMatchObject({ code: 'disconnected' });
    await vi.advanceTimersByTimeAsync(1000);
    const second = last(sockets);
    expect(second).not.toBe(first);
    expect(second.url).toBe('ws://server/live?ticket=t2');
    second.open();
    second.serve(welcome(delegateA, { meeting_state: 'closed' }));
    expect(connection.status).toBe('online');
    expect(connection.state?.snapshot.meeting_state).toBe('closed');
    connection.close();
  });

  it('keeps retrying while the server cannot even give a ticket', async () => {
    let calls = 0;
    const { connection, sockets } = setUp(() => {
      calls += 1;
      return calls < 4 ? Promise.reject(new Error('offline')) : Promise.resolve('ticket');
    });
    connection.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(4);
    expect(sockets).toHaveLength(1);
    connection.close();
  });

  it('sends the user to log in when the session ended (4001 or a 401 ticket)', async () => {
    const { connection, sockets, sessionEnded } = setUp();
    connection.start();
    await vi.runOnlyPendingTimersAsync();
    last(sockets).open();
    last(sockets).serve(welcome(delegateA));
    last(sockets).drop(4001);
    expect(sessionEnded).toHaveBeenCalledOnce();
    expect(connection.status).toBe('ended');

    const refused = setUp(() => Promise.reject(new SessionEndedError('401')));
    refused.connection.start();
    await vi.runOnlyPendingTimersAsync();
    expect(refused.sessionEnded).toHaveBeenCalledOnce();
    expect(refused.sockets).toHaveLength(0);
  });

  it('stops on hello_refused and keeps the reason', async () => {
    const { connection, sockets } = setUp();
    connection.start();
    await vi.runOnlyPendingTimersAsync();
    const socket = last(sockets);
    socket.open();
    socket.serve({
      type: 'hello_refused',
      code: 'client_too_old',
      message_vi: 'Ứng dụng đã cũ',
      message_en: 'The app is out of date',
      message: 'Ứng dụng đã cũ',
    });
    socket.drop(1008);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(connection.status).toBe('refused');
    expect(connection.refusal).toEqual({ code: 'client_too_old', message: 'Ứng dụng đã cũ' });
    expect(sockets).toHaveLength(1);
  });

  it("shows a refused request's message in the UI language", async () => {
    const { connection, sockets } = setUp(undefined, 'en');
    connection.start();
    await vi.runOnlyPendingTimersAsync();
    const socket = last(sockets);
    socket.open();
    socket.serve(welcome(delegateA));
    const checkIn = connection.request({ type: 'check_in' });
    socket.serve({
      type: 'error',
      id: socket.sent[1]?.['id'] as number,
      code: 'meeting_over',
      message_vi: 'Cuộc họp đã kết thúc.',
      message_en: 'The meeting is over.',
      message: 'Cuộc họp đã kết thúc.',
    });
    await expect(checkIn).rejects.toMatchObject({ code: 'meeting_over', message: 'The meeting is over.' });
    connection.close();
  });

  it('reports readiness when online and again after every welcome', async () => {
    const { connection, sockets } = setUp();
    const v1 = { document_id: 'd_1', version: 1, sha256: 'ab'.repeat(32) };
    const v2 = { document_id: 'd_1', version: 2, sha256: 'cd'.repeat(32) };
    connection.reportReadiness([v1], true);
    connection.start();
    await vi.runOnlyPendingTimersAsync();
    const socket = last(sockets);
    socket.open();
    socket.serve(welcome(delegateA));
    expect(socket.sent.at(-1)).toMatchObject({ type: 'report_readiness', held: [v1], downloading: true });
    connection.reportReadiness([v2], false);
    expect(socket.sent.at(-1)).toMatchObject({ type: 'report_readiness', held: [v2], downloading: false });
    const count = socket.sent.length;
    connection.reportReadiness([v2], false);
    expect(socket.sent).toHaveLength(count);
    connection.close();
  });
});
