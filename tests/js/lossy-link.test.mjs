// A tablet that was offline for hours (thousands of changes in its
// notebook) comes back over a slow link that keeps dropping: every change
// must reach the server, however many connections it takes.
//
// The link is `support/lossy-proxy.mjs`: 60–100 ms latency, 96 kB/s each
// way, every connection cut after 1.5–5 s, the first after 1 s (so the
// backlog, about 280 kB, is always interrupted at least once).
// PHONGHOP_LOSSY_SEED replays a run (the seed is printed).

import assert from "node:assert/strict";
import { after, test } from "node:test";

import { PhonghopServer, sleep } from "./support/server.mjs";
import { seededRandom, startLossyProxy } from "./support/lossy-proxy.mjs";
import {
  closeAll,
  connect,
  documentUrl,
  login,
  OneShotWebSocketClientAdapter,
  syncUrl,
  waitFor,
} from "./support/phonghop.mjs";

/**
 * The test's adapter on the bad link. The stock adapter rethrows any
 * socket error but "connection refused" under Node (in a browser it only
 * logs), so a link cut during the handshake ("socket hang up") would crash
 * the test process; here it is what it is for a tablet: a closed socket,
 * and the loop below connects again.
 */
class LossyLinkAdapter extends OneShotWebSocketClientAdapter {
  constructor(url) {
    super(url);
    this.onError = () => {};
  }
}

const CHANGES = 3_000;
const SEED = Number(process.env.PHONGHOP_LOSSY_SEED ?? Date.now() % 1_000_000);
const server = new PhonghopServer();

after(async () => {
  await server.dispose();
});

test(`${CHANGES} offline changes sync back over a slow link that keeps dropping (seed ${SEED})`, { timeout: 5 * 60_000 }, async t => {
  await server.start();
  const proxy = await startLossyProxy(server.port, {
    seed: SEED,
    latencyMs: 60,
    jitterMs: 40,
    bytesPerSecond: 96_000,
    cutAfterMs: [1_500, 5_000],
    firstCutAfterMs: 1_000,
  });
  t.after(() => proxy.close());
  const session = await login(server, "daibieu04");
  const meetingId = await session.demoMeetingId();
  const notebookUrl = documentUrl(await session.meeting(meetingId), doc => doc.kind === "notebook", "a notebook");

  // The tablet has its notebook, then loses the network for the afternoon.
  const tablet = await connect(session);
  t.after(() => closeAll(tablet));
  const notebook = await tablet.repo.find(notebookUrl);
  tablet.adapter.disconnect();
  // Notes as typed in a meeting: words that do not repeat much, so the
  // backlog is a few hundred kilobytes on the wire, several seconds of
  // this link (longer than many of its connections live).
  const words = ["ngân sách", "đầu tư", "công trình", "xã", "phường", "kiến nghị", "tiến độ", "giải ngân", "đất đai", "y tế"];
  const random = seededRandom(SEED);
  const key = `offline-${SEED}`;
  for (let index = 0; index < CHANGES; index += 1) {
    const text = Array.from({ length: 12 }, () => `${words[Math.floor(random() * words.length)]} ${Math.floor(random() * 100_000)}`).join(", ");
    notebook.change(doc => {
      doc.notes[`${key}-${index}`] = { text, page: index % 40 };
    });
  }

  // What the server holds, seen by another device on a good connection.
  const checker = await connect(session);
  t.after(() => closeAll(checker));
  const stored = await checker.repo.find(notebookUrl);
  const storedCount = () => Object.keys(stored.doc()?.notes ?? {}).filter(name => name.startsWith(key)).length;

  // The tablet comes back through the bad link, reconnecting with a fresh
  // ticket (as the web client does) each time the link drops.
  const started = Date.now();
  let attempts = 0;
  while (storedCount() < CHANGES) {
    assert.ok(Date.now() - started < 4 * 60_000, `after ${attempts} connections only ${storedCount()} of ${CHANGES} changes arrived`);
    attempts += 1;
    const { ticket } = await session.ticket(tablet.deviceId);
    const url = syncUrl({ baseUrl: `http://127.0.0.1:${proxy.port}` }, { ticket });
    const adapter = new LossyLinkAdapter(url);
    tablet.repo.networkSubsystem.addNetworkAdapter(adapter);
    // Until the link drops or everything is stored.
    while (storedCount() < CHANGES && adapter.socket?.readyState !== 3 /* CLOSED */) {
      await sleep(100);
    }
    // A socket still in its handshake cannot be closed politely: wait for
    // it to open or fail first.
    const socket = adapter.socket;
    if (socket?.readyState === 0 /* CONNECTING */) {
      await new Promise(resolve => {
        for (const event of ["open", "close", "error"]) socket.addEventListener(event, resolve);
      });
    }
    adapter.disconnect();
    tablet.repo.networkSubsystem.removeNetworkAdapter(adapter);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `# seed ${SEED}: ${CHANGES} changes arrived in ${seconds} s over ${attempts} connections; the link was cut ${proxy.stats.cuts} times, carried ${proxy.stats.bytesUp} B up and ${proxy.stats.bytesDown} B down`,
  );
  await waitFor("the tablet and the server to agree", () => storedCount() === CHANGES);
  // The link really was bad while it mattered: the first connection was
  // cut with the backlog half sent, and it took another to finish.
  assert.ok(attempts >= 2, `only ${attempts} connection(s)`);
  assert.ok(proxy.stats.cuts >= 1, "the link was never cut");
});
