// "Stored before relayed", checked the hard way: official JS clients write
// through the real server while it is killed with SIGKILL, again and again.
// After every restart, each change that another client had received must
// still be there, and every document of the meeting must load. The server
// compacts a document after every 3 stored batches (the default is 128), so
// the kills also land during compactions.
//
// PHONGHOP_KILL_ROUNDS sets the number of kills (default 20).

import assert from "node:assert/strict";
import { after, test } from "node:test";

import { PhonghopServer, sleep } from "./support/server.mjs";
import { closeAll, connect, documentUrl, login, waitFor } from "./support/phonghop.mjs";

const ROUNDS = Number(process.env.PHONGHOP_KILL_ROUNDS ?? 20);
const server = new PhonghopServer({
  extraArgs: ["--sync-compact-after", "3"],
  env: { PHONGHOP_LOG: "info,phonghop_server::sync::document=debug" },
});
let roundsWithCompactions = 0;

after(async () => {
  await server.dispose();
});

/** Writes `prefix-N` keys every few milliseconds until stopped. */
function startWriting(handle, prefix) {
  let count = 0;
  const timer = setInterval(() => {
    const key = `${prefix}-${count}`;
    count += 1;
    try {
      handle.change(doc => {
        doc[key] = { at: Date.now(), filler: "x".repeat(40) };
      });
    } catch {
      // The repo may be shutting down.
    }
  }, 8);
  return {
    stop() {
      clearInterval(timer);
      return count;
    },
  };
}

/** Records every key starting with `prefix` that `handle` has seen. */
function startWatching(handle, prefix, into) {
  const look = () => {
    for (const key of Object.keys(handle.doc() ?? {})) {
      if (key.startsWith(prefix)) into.add(key);
    }
  };
  handle.on("change", look);
  return {
    stop() {
      look();
      handle.off("change", look);
    },
  };
}

test(`every change another client received survives ${ROUNDS} SIGKILLs`, { timeout: 30 * 60_000 }, async () => {
  await server.start();
  const writerA = await login(server, "daibieu07");
  const secretary = await login(server, "thuky");
  const meetingId = await secretary.demoMeetingId();
  const layerUrl = documentUrl(
    await writerA.meeting(meetingId),
    // A's own layer: a shared layer has one writer, its author, here on
    // two devices at once.
    doc => doc.kind === "shared_layer" && doc.access === "write",
    "daibieu07's shared layer",
  );
  const notebookUrl = documentUrl(await writerA.meeting(meetingId), doc => doc.kind === "notebook", "a notebook");
  const allUrls = (await secretary.meeting(meetingId)).sync_documents.map(doc => doc.url);

  // Keys some client other than the writer had received: they must survive.
  const receivedInLayer = new Set();
  const receivedInNotebook = new Set();
  let written = 0;
  const restartTimes = [];

  for (let round = 1; round <= ROUNDS; round += 1) {
    const outputBefore = server.output().length;
    const a = await connect(writerA);
    const b = await connect(writerA);
    const aSecondDevice = await connect(writerA);
    const [aLayer, bLayer, aNotebook, aNotebookElsewhere] = await Promise.all([
      a.repo.find(layerUrl),
      b.repo.find(layerUrl),
      a.repo.find(notebookUrl),
      aSecondDevice.repo.find(notebookUrl),
    ]);
    const watchers = [
      startWatching(bLayer, `a${round}-`, receivedInLayer),
      startWatching(aLayer, `b${round}-`, receivedInLayer),
      startWatching(aNotebookElsewhere, `n${round}-`, receivedInNotebook),
    ];
    const writers = [
      startWriting(aLayer, `a${round}`),
      startWriting(bLayer, `b${round}`),
      startWriting(aNotebook, `n${round}`),
    ];
    // Kill at a different moment in each round.
    await sleep(150 + ((round * 137) % 600));
    await server.kill();
    const output = server.output();
    if (output.slice(output.length >= outputBefore ? outputBefore : 0).includes("compacted a document")) {
      roundsWithCompactions += 1;
    }
    for (const writer of writers) written += writer.stop();
    // Let what was already on its way to the clients arrive.
    await sleep(100);
    for (const watcher of watchers) watcher.stop();
    await closeAll(a, b, aSecondDevice);

    const restarted = Date.now();
    await server.start();
    restartTimes.push(Date.now() - restarted);

    // A client with no copy sees only what the server kept.
    const verifier = await connect(writerA);
    try {
      for (const [url, received] of [
        [layerUrl, receivedInLayer],
        [notebookUrl, receivedInNotebook],
      ]) {
        const handle = await verifier.repo.find(url);
        try {
          await waitFor(`round ${round}: ${received.size} received changes after the restart`, () => {
            const doc = handle.doc();
            return [...received].every(key => doc[key] !== undefined);
          }, 10_000);
        } catch (error) {
          const doc = handle.doc();
          const lost = [...received].filter(key => doc[key] === undefined);
          assert.fail(`round ${round}: ${lost.length} changes other clients had received are gone: ${lost.slice(0, 20).join(", ")}`);
        }
      }
    } finally {
      await closeAll(verifier);
    }
    // Every document of the meeting loads.
    const loader = await connect(secretary);
    try {
      for (const url of allUrls) {
        const handle = await loader.repo.find(url);
        assert.ok(handle.isReady(), `round ${round}: ${url} does not load`);
      }
    } finally {
      await closeAll(loader);
    }
  }
  const sorted = [...restartTimes].sort((x, y) => x - y);
  console.log(
    `# ${ROUNDS} SIGKILLs: ${written} changes written, ${receivedInLayer.size + receivedInNotebook.size} received by another client, all present after restart; documents compacted in ${roundsWithCompactions} of the ${ROUNDS} rounds; restart to healthy p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`,
  );
  assert.ok(receivedInLayer.size > 0 && receivedInNotebook.size > 0, "the clients exchanged changes");
  assert.ok(
    roundsWithCompactions >= ROUNDS / 2,
    `the kills were meant to land among compactions, but only ${roundsWithCompactions} rounds compacted`,
  );
});
