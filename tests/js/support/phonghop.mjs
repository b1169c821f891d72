// Talking to phonghop the way the web client will: log in, ask for a
// one-use websocket ticket for a device, open an official automerge-repo
// client on ws://HOST/sync?ticket=… announcing the peer id the server bound
// to that ticket.

import assert from "node:assert/strict";

import { cbor, Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import WebSocket from "ws";

import { sleep } from "./server.mjs";

export const DEMO_PASSWORD = "demo";
export const DEMO_MEETING_TITLE = "Họp giao ban UBND huyện (demo)";

/**
 * `fetch`, sent again once when a kept-alive socket turns out to be closed
 * before any answer came, as browsers do. The server closes a connection
 * that sends no request for 10 s (hyper's header read timeout); Node's
 * client drops idle sockets after 4 s, but only while its event loop runs.
 * A test that blocks the loop longer (3,000 Automerge changes on a loaded
 * machine) then sends its next request into a socket the server has
 * closed, and undici answers "fetch failed" (cause: `UND_ERR_SOCKET`,
 * "other side closed"): seen in lossy-link.test.mjs under load.
 */
async function fetchOnFreshSocketIfStale(url, init) {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (error?.cause?.code !== "UND_ERR_SOCKET") throw error;
    return fetch(url, init);
  }
}

/** A logged-in user: `request(method, path, body)` answers `{status, body}`. */
export class Session {
  constructor(server, username, cookie) {
    this.server = server;
    this.username = username;
    this.cookie = cookie;
  }

  async request(method, path, body) {
    const response = await fetchOnFreshSocketIfStale(`${this.server.baseUrl}${path}`, {
      method,
      headers: {
        cookie: this.cookie,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON; keep the text.
    }
    return { status: response.status, body: parsed };
  }

  /** Like `request`, but fails the test unless the status is 2xx. */
  async ok(method, path, body) {
    const answer = await this.request(method, path, body);
    assert.ok(
      answer.status >= 200 && answer.status < 300,
      `${method} ${path} as ${this.username}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`,
    );
    return answer.body;
  }

  async me() {
    return this.ok("GET", "/api/v1/auth/me");
  }

  /** A fresh one-use ticket and the peer id bound to it. */
  async ticket(deviceId) {
    return this.ok("POST", "/api/v1/auth/ws-ticket", deviceId === undefined ? undefined : { device_id: deviceId });
  }

  async meeting(meetingId) {
    return this.ok("GET", `/api/v1/meetings/${meetingId}`);
  }

  async demoMeetingId() {
    const { meetings } = await this.ok("GET", "/api/v1/meetings");
    const demo = meetings.find(meeting => meeting.title === DEMO_MEETING_TITLE);
    assert.ok(demo, `${this.username} does not see the demo meeting`);
    return demo.id;
  }
}

export async function login(server, username, password = DEMO_PASSWORD) {
  const response = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(response.status, 200, `login as ${username}: HTTP ${response.status} ${await response.text()}`);
  const cookie = response.headers
    .getSetCookie()
    .map(value => value.split(";")[0])
    .join("; ");
  return new Session(server, username, cookie);
}

export function syncUrl(server, query = {}) {
  const url = new URL("/sync", server.baseUrl);
  url.protocol = "ws:";
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.toString();
}

/**
 * The stock adapter, minus reconnecting: it would retry the used-up ticket
 * (and keep the test process alive with its timer). Tests open new clients
 * instead; the web client fetches a fresh ticket before reconnecting.
 */
export class OneShotWebSocketClientAdapter extends WebSocketClientAdapter {
  #disconnected = false;

  constructor(url) {
    super(url, 600_000);
    this.onClose = () => {
      if (this.remotePeerId) this.emit("peer-disconnected", { peerId: this.remotePeerId });
    };
  }

  /**
   * The repo connects an adapter a few microtasks after it is added. If
   * the test has already disconnected it by then, connecting would open a
   * socket nobody closes and start the stock adapter's retry timer, which
   * only `disconnect()` or an open socket clears: on a link that refuses,
   * that timer kept the test process alive for ever (CI hung after the
   * lossy-link test passed).
   */
  connect(peerId, peerMetadata) {
    if (this.#disconnected) return;
    super.connect(peerId, peerMetadata);
  }

  /** Disconnecting twice (the test went offline, then shut down) is fine. */
  disconnect() {
    this.#disconnected = true;
    if (this.socket) super.disconnect();
  }
}

let deviceCounter = 0;
/** A device id unique to this process. */
export function freshDeviceId(label = "js") {
  deviceCounter += 1;
  return `${label}-${process.pid}-${deviceCounter}`;
}

/**
 * An official automerge-repo client of `session`'s user on a new device.
 * `close()` shuts it down; `closed` resolves with the close code when the
 * server closes its socket.
 */
export async function connect(session, { deviceId = freshDeviceId(session.username) } = {}) {
  const { ticket, peer_id: peerId } = await session.ticket(deviceId);
  const adapter = new OneShotWebSocketClientAdapter(syncUrl(session.server, { ticket }));
  const repo = new Repo({ network: [adapter], peerId });
  await repo.networkSubsystem.whenReady();
  const socket = adapter.socket;
  const closed = new Promise(resolve => socket.addEventListener("close", event => resolve(event.code)));
  return {
    session,
    deviceId,
    peerId,
    repo,
    adapter,
    closed,
    async close() {
      await repo.shutdown();
    },
  };
}

export async function closeAll(...clients) {
  await Promise.all(clients.filter(Boolean).map(client => client.close()));
}

/** Polls `condition` until it returns something truthy. */
export async function waitFor(what, condition, timeoutMilliseconds = 15_000) {
  const deadline = Date.now() + timeoutMilliseconds;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function sortedHeads(handle) {
  return [...handle.heads()].sort();
}

/** The `automerge:` URL of the first sync document matching `predicate`. */
export function documentUrl(meeting, predicate, what) {
  const found = meeting.sync_documents.find(predicate);
  assert.ok(found, `${what} is not among ${JSON.stringify(meeting.sync_documents)}`);
  return found.url;
}

/**
 * Opens a raw websocket with `ws` (to see refusals and close frames the
 * official client hides), performs the automerge-repo handshake as
 * `peerId`, then sends `messages` (objects are CBOR-encoded; Buffers go as
 * they are). Resolves with what happened:
 * `{refused: status} | {handshake: bool, received: [...], closeCode, closeReason}`.
 */
export function rawSession(url, { peerId, headers = {}, messages = [], waitMilliseconds = 1_500 } = {}) {
  return new Promise(resolve => {
    const socket = new WebSocket(url, { headers });
    const received = [];
    let handshake = false;
    let settled = false;
    const finish = outcome => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ handshake, received, closeCode: null }), waitMilliseconds + 5_000);
    socket.on("unexpected-response", (_request, response) => finish({ refused: response.statusCode }));
    socket.on("error", error => finish({ error: error.message, handshake, received }));
    socket.on("close", (code, reason) =>
      finish({ handshake, received, closeCode: code, closeReason: reason.toString() }),
    );
    socket.on("open", () => {
      socket.send(
        cbor.encode({
          type: "join",
          senderId: peerId,
          peerMetadata: { isEphemeral: true },
          supportedProtocolVersions: ["1"],
        }),
      );
    });
    socket.on("message", data => {
      let message;
      try {
        message = cbor.decode(new Uint8Array(data));
      } catch {
        message = { undecodable: true };
      }
      received.push(message);
      if (message?.type === "peer" && !handshake) {
        handshake = true;
        for (const item of messages) socket.send(Buffer.isBuffer(item) ? item : cbor.encode(item));
        setTimeout(() => finish({ handshake, received, closeCode: null }), waitMilliseconds);
      }
    });
  });
}
