// The official automerge-repo JS client (the one the web client uses)
// against the real phonghop binary: convergence, late joiners, ephemeral
// messages, authentication before the upgrade, peer identity, documents of
// other meetings, read-only peers, and sockets closed when access ends.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Counter, deleteAt, generateAutomergeUrl, insertAt, mark, splice, updateText } from "@automerge/automerge-repo";

import { PhonghopServer, sleep } from "./support/server.mjs";
import {
  closeAll,
  connect,
  documentUrl,
  freshDeviceId,
  login,
  OneShotWebSocketClientAdapter,
  rawSession,
  sortedHeads,
  syncUrl,
  waitFor,
} from "./support/phonghop.mjs";

const server = new PhonghopServer();
let meetingId;
let layerUrl;
let minutesUrl;
let sessions;
/** The second meeting, whose members are not in the demo meeting. */
let other;

before(async () => {
  await server.start();
  sessions = {};
  for (const username of ["quantri", "thuky", "daibieu01", "daibieu02", "daibieu03", "diemcau01"]) {
    sessions[username] = await login(server, username);
  }
  meetingId = await sessions.daibieu01.demoMeetingId();
  const view = await sessions.daibieu01.meeting(meetingId);
  // A layer the remote point may read too: not a confidential document's
  // (those are denied to remote points, see access.test.mjs).
  const remoteView = await sessions.diemcau01.meeting(meetingId);
  const remoteLayers = new Set(remoteView.sync_documents.filter(doc => doc.kind === "shared_layer").map(doc => doc.url));
  layerUrl = documentUrl(
    view,
    doc => doc.kind === "shared_layer" && doc.access === "write" && remoteLayers.has(doc.url),
    "a shared layer a remote point may read",
  );
  minutesUrl = documentUrl(view, doc => doc.kind === "minutes", "the minutes");
  other = await createOtherMeeting();
});

after(async () => {
  await server.dispose();
});

/** A published meeting whose members (`ngoai01`…) are outside the demo meeting. */
async function createOtherMeeting() {
  const admin = sessions.quantri;
  const members = {};
  for (const username of ["ngoai01", "ngoai02", "ngoai03"]) {
    const account = await admin.ok("POST", "/api/v1/users", {
      username,
      display_name: `Khách ${username}`,
      role: "user",
      password: "mat-khau-ngoai",
    });
    members[username] = account.id;
  }
  const secretary = sessions.thuky;
  const meeting = await secretary.ok("POST", "/api/v1/meetings", {
    title: "Họp chuyên đề (kiểm thử đồng bộ)",
    starts_at: "2026-12-01T08:00:00+07:00",
    place: "Phòng họp số 3",
  });
  for (const userId of Object.values(members)) {
    await secretary.ok("PUT", `/api/v1/meetings/${meeting.id}/participants/${userId}`, { role: "delegate" });
  }
  await secretary.ok("POST", `/api/v1/meetings/${meeting.id}/publish`);
  const memberSession = await login(server, "ngoai01", "mat-khau-ngoai");
  const view = await memberSession.meeting(meeting.id);
  return {
    id: meeting.id,
    members,
    session: memberSession,
    minutesUrl: documentUrl(view, doc => doc.kind === "minutes", "the other meeting's minutes"),
    notebookUrl: documentUrl(view, doc => doc.kind === "notebook", "ngoai01's notebook"),
  };
}

function uniqueKey(label) {
  return `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

test("two clients editing one document concurrently converge", async t => {
  // A delegate's tablet and their second device: a shared layer has one
  // writer, its author (authorship.test.mjs), on as many devices as they use.
  const delegateA = await connect(sessions.daibieu01);
  const delegateB = await connect(sessions.daibieu01);
  t.after(() => closeAll(delegateA, delegateB));
  const [handleA, handleB] = await Promise.all([delegateA.repo.find(layerUrl), delegateB.repo.find(layerUrl)]);
  const key = uniqueKey("concurrent");
  // Both write at once without waiting for each other: distinct keys, and
  // one key both set (a conflict both sides must resolve the same way).
  handleA.change(doc => {
    doc[`${key}-a`] = { author: "a", items: [1, 2, 3] };
    doc[`${key}-both`] = "from a";
    doc.strokes.push({ by: "a", points: [1, 2, 3, 4] });
  });
  handleB.change(doc => {
    doc[`${key}-b`] = { author: "b", items: [4, 5] };
    doc[`${key}-both`] = "from b";
    doc.strokes.push({ by: "b", points: [5, 6] });
  });
  await waitFor("both clients to have both changes and equal heads", () => {
    const [docA, docB] = [handleA.doc(), handleB.doc()];
    return (
      docA[`${key}-b`] &&
      docB[`${key}-a`] &&
      JSON.stringify(sortedHeads(handleA)) === JSON.stringify(sortedHeads(handleB))
    );
  });
  assert.deepEqual(handleA.doc(), handleB.doc());
  assert.ok(["from a", "from b"].includes(handleA.doc()[`${key}-both`]));
  // The server's initial shape is there too.
  assert.ok(Array.isArray(handleA.doc().strokes));
  assert.equal(typeof handleA.doc().notes, "object");
});

test("a client joining later receives the whole document from the server alone", async t => {
  const writer = await connect(sessions.daibieu01);
  const reader = await connect(sessions.daibieu02);
  const writerHandle = await writer.repo.find(layerUrl);
  const readerHandle = await reader.repo.find(layerUrl);
  const key = uniqueKey("late");
  for (let index = 0; index < 20; index += 1) {
    writerHandle.change(doc => {
      doc[`${key}-${index}`] = { text: "written before the late client connected", index };
    });
  }
  await waitFor("the reader to receive every change", () => readerHandle.doc()[`${key}-19`]);
  const expected = JSON.parse(JSON.stringify(readerHandle.doc()));
  const expectedHeads = sortedHeads(readerHandle);
  // Nobody else holds the document now: only the server can supply it.
  await closeAll(writer, reader);

  const late = await connect(sessions.daibieu03);
  t.after(() => closeAll(late));
  const lateHandle = await late.repo.find(layerUrl);
  await waitFor("the late client to reach the same heads", () => {
    const heads = sortedHeads(lateHandle);
    return expectedHeads.every(head => heads.includes(head));
  });
  assert.deepEqual(JSON.parse(JSON.stringify(lateHandle.doc())), expected);
});

test("minutes start with the agenda, and participants read them", async t => {
  const delegate = await connect(sessions.daibieu01);
  t.after(() => closeAll(delegate));
  const handle = await delegate.repo.find(minutesUrl);
  const text = String(handle.doc().text);
  assert.match(text, /^BIÊN BẢN CUỘC HỌP/);
  assert.match(text, /Kết luận của chủ trì/);
});

test("every kind of edit the web client makes is accepted and stored", async t => {
  // The server checks writers' changes before applying them (canonical
  // encoding, a trial on a copy): none of these may be refused.
  const secretary = await connect(sessions.thuky);
  const delegate = await connect(sessions.daibieu01);
  t.after(() => closeAll(secretary, delegate));
  const minutes = await secretary.repo.find(minutesUrl);
  const layer = await delegate.repo.find(layerUrl);
  const key = uniqueKey("kinds");
  minutes.change(doc => {
    splice(doc, ["text"], doc.text.length, 0, "\nÝ kiến của đại biểu: đồng ý 😀");
    mark(doc, ["text"], { start: 0, end: 9, expand: "after" }, "bold", true);
    updateText(doc, ["text"], doc.text.replace("BIÊN BẢN", "Biên bản"));
    doc[key] = { count: new Counter(1), at: new Date(1_795_000_000_000), raw: new Uint8Array([1, 2, 3]), none: null, yes: true, pi: 3.14, big: 2 ** 40 };
  });
  minutes.change(doc => {
    doc[key].count.increment(41);
    delete doc[key].none;
  });
  layer.change(doc => {
    doc.strokes.push({ page: 1, color: "#d00", points: [[0.1, 0.2], [0.3, 0.4]], by: delegate.peerId });
    insertAt(doc.strokes, 0, { page: 2, points: [] });
    doc.notes[key] = { text: "ghi chú", page: 1 };
  });
  layer.change(doc => {
    deleteAt(doc.strokes, 0);
    doc.notes[key].text = "ghi chú đã sửa";
  });
  const checker = await connect(sessions.thuky);
  t.after(() => closeAll(checker));
  const [storedMinutes, storedLayer] = await Promise.all([checker.repo.find(minutesUrl), checker.repo.find(layerUrl)]);
  await waitFor("every edit to be stored", () =>
    storedMinutes.doc()[key]?.count?.value === 42 && storedLayer.doc().notes[key]?.text === "ghi chú đã sửa",
  );
  assert.match(String(storedMinutes.doc().text), /^Biên bản CUỘC HỌP/);
  assert.match(String(storedMinutes.doc().text), /đồng ý 😀/);
  assert.equal(secretary.adapter.socket.readyState, 1, "the secretary's connection stayed open");
  assert.equal(delegate.adapter.socket.readyState, 1, "the delegate's connection stayed open");
});

test("a tablet that wrote offline sends its whole backlog when it comes back", async t => {
  const session = sessions.daibieu03;
  const view = await session.meeting(meetingId);
  const notebookUrl = documentUrl(view, doc => doc.kind === "notebook", "daibieu03's notebook");
  const tablet = await connect(session);
  t.after(() => closeAll(tablet));
  const handle = await tablet.repo.find(notebookUrl);
  // The WiFi drops.
  tablet.adapter.disconnect();
  const key = uniqueKey("offline");
  for (let index = 0; index < 300; index += 1) {
    handle.change(doc => {
      doc.notes[`${key}-${index}`] = { text: `ghi chú ${index}`, page: index % 7 };
    });
  }
  // It comes back with a fresh ticket for the same device (same peer id).
  const { ticket } = await session.ticket(tablet.deviceId);
  tablet.repo.networkSubsystem.addNetworkAdapter(new OneShotWebSocketClientAdapter(syncUrl(server, { ticket })));
  const checker = await connect(session);
  t.after(() => closeAll(checker));
  const stored = await checker.repo.find(notebookUrl);
  await waitFor("the offline backlog to be stored", () => stored.doc().notes[`${key}-299`]);
  assert.equal(Object.keys(stored.doc().notes).filter(name => name.startsWith(key)).length, 300);
});

test("ephemeral messages reach the other clients, but not from read-only users", async t => {
  const sender = await connect(sessions.daibieu01);
  const receiver = await connect(sessions.daibieu02);
  const remotePoint = await connect(sessions.diemcau01);
  t.after(() => closeAll(sender, receiver, remotePoint));
  const [sendHandle, receiveHandle, remoteHandle] = await Promise.all(
    [sender, receiver, remotePoint].map(client => client.repo.find(layerUrl)),
  );
  // The JS client relays every ephemeral message it receives to its other
  // peers, the server included, under the author's id: the server must
  // drop those quietly, not close the socket.
  const closedBy = [];
  for (const client of [sender, receiver, remotePoint]) {
    client.closed.then(code => closedBy.push({ peerId: client.peerId, code }));
  }
  const seen = [];
  receiveHandle.on("ephemeral-message", ({ message, senderId }) => seen.push({ message, senderId }));
  const remoteSeen = [];
  remoteHandle.on("ephemeral-message", ({ message }) => remoteSeen.push(message));
  // The server relays ephemera only to peers that synced the document;
  // keep sending until the receiver's subscription is in place.
  const stroke = { kind: "ink-in-progress", points: [[1, 2], [3, 4]] };
  const timer = setInterval(() => {
    sendHandle.broadcast(stroke);
    remoteHandle.broadcast({ kind: "from-a-read-only-user" });
  }, 50);
  try {
    await waitFor("the ephemeral message", () => seen.length > 0 && remoteSeen.length > 0);
    await sleep(300);
  } finally {
    clearInterval(timer);
  }
  assert.deepEqual(seen[0].message, stroke);
  assert.equal(seen[0].senderId, sender.peerId);
  assert.ok(
    seen.every(({ message }) => message.kind === "ink-in-progress"),
    `a read-only user's ephemeral message was relayed: ${JSON.stringify(seen)}`,
  );
  // The read-only user still watches others' ink.
  assert.deepEqual(remoteSeen[0], stroke);
  assert.deepEqual(closedBy, [], "the server closed a socket that relayed another peer's ephemeral message");
});

test("without a valid ticket or session cookie the upgrade is refused", async () => {
  const session = sessions.daibieu01;
  const { ticket, peer_id: peerId } = await session.ticket(freshDeviceId());
  const valid = syncUrl(server, { ticket });
  // The control: a valid ticket completes the handshake (and is used up).
  assert.equal((await rawSession(valid, { peerId, waitMilliseconds: 0 })).handshake, true);
  for (const [label, url] of [
    ["no ticket", syncUrl(server)],
    ["a made-up ticket", syncUrl(server, { ticket: "not-a-ticket" })],
    ["a ticket used a second time", valid],
  ]) {
    const outcome = await rawSession(url, { peerId });
    assert.equal(outcome.refused, 401, `${label}: ${JSON.stringify(outcome)}`);
  }
  // A logged-out session's cookie is refused as well.
  const loggedOut = await login(server, "daibieu04");
  await loggedOut.ok("POST", "/api/v1/auth/logout");
  const stale = await rawSession(syncUrl(server), { peerId, headers: { cookie: loggedOut.cookie } });
  assert.equal(stale.refused, 401);
});

test("the session cookie authenticates a browser, but only from an allowed Origin", async () => {
  const session = sessions.daibieu02;
  const me = await session.me();
  const deviceId = freshDeviceId("browser");
  const url = syncUrl(server, { device_id: deviceId });
  const peerId = `u/${me.id}/d/${deviceId}`;
  const same = await rawSession(url, {
    peerId,
    headers: { cookie: session.cookie, origin: server.baseUrl },
    waitMilliseconds: 0,
  });
  assert.equal(same.handshake, true, JSON.stringify(same));
  const foreign = await rawSession(url, {
    peerId,
    headers: { cookie: session.cookie, origin: "https://evil.example" },
  });
  assert.equal(foreign.refused, 403);
  const { ticket } = await session.ticket(deviceId);
  const foreignWithTicket = await rawSession(syncUrl(server, { ticket }), {
    peerId,
    headers: { origin: "http://127.0.0.1:1" },
  });
  assert.equal(foreignWithTicket.refused, 403);
});

test("a valid ticket does not let a client claim another peer id", async () => {
  const { ticket } = await sessions.daibieu01.ticket(freshDeviceId());
  const outcome = await rawSession(syncUrl(server, { ticket }), { peerId: "u/somebody-else/d/their-tablet" });
  assert.equal(outcome.handshake, false, JSON.stringify(outcome));
  assert.ok(outcome.closeCode !== null || outcome.error, JSON.stringify(outcome));
});

test("a member of another meeting gets doc-unavailable for a document id it knows", async t => {
  const outsider = await connect(other.session);
  const insider = await connect(sessions.daibieu01);
  t.after(() => closeAll(outsider, insider));
  // Its own meeting's documents open: the refusal below is about access.
  const own = await outsider.repo.find(other.minutesUrl);
  assert.ok(own.isReady());
  await assert.rejects(outsider.repo.find(layerUrl), /unavailable/);
  await assert.rejects(outsider.repo.find(minutesUrl), /unavailable/);
  // And the other way round, including another user's notebook.
  await assert.rejects(insider.repo.find(other.minutesUrl), /unavailable/);
  await assert.rejects(insider.repo.find(other.notebookUrl), /unavailable/);
  // Exactly like a document that does not exist.
  await assert.rejects(insider.repo.find(generateAutomergeUrl()), /unavailable/);
});

test("a read-only user's changes are neither stored nor relayed", async t => {
  const remotePoint = await connect(sessions.diemcau01);
  const delegate = await connect(sessions.daibieu01);
  const watcher = await connect(sessions.daibieu02);
  t.after(() => closeAll(remotePoint, delegate, watcher));
  const [remoteHandle, delegateHandle, watcherHandle] = await Promise.all(
    [remotePoint, delegate, watcher].map(client => client.repo.find(layerUrl)),
  );
  assert.ok(remoteHandle.isReady(), "a remote point can open the shared layer");
  let exchanged = 0;
  const send = remotePoint.adapter.send.bind(remotePoint.adapter);
  remotePoint.adapter.send = message => {
    exchanged += 1;
    return send(message);
  };
  remotePoint.adapter.socket.addEventListener("message", () => {
    exchanged += 1;
  });
  const key = uniqueKey("read-only");
  remoteHandle.change(doc => {
    doc[key] = "should not reach anyone";
  });
  // The control: a writer's change made after it arrives.
  delegateHandle.change(doc => {
    doc[`${key}-control`] = "reaches everyone";
  });
  await waitFor("the control change to reach the watcher and the remote point", () =>
    watcherHandle.doc()[`${key}-control`] && remoteHandle.doc()[`${key}-control`],
  );
  await sleep(1_000);
  assert.equal(watcherHandle.doc()[key], undefined, "relayed to a connected client");
  // Its change, the control change and their answers: a handful. The server
  // once asked for the reader's change and the reader answered that it had
  // sent it, back and forth without end (700 messages a second each way).
  assert.ok(exchanged <= 10, `the remote point and the server exchanged ${exchanged} messages`);
  const fresh = await connect(sessions.daibieu03);
  t.after(() => closeAll(fresh));
  const freshHandle = await fresh.repo.find(layerUrl);
  await waitFor("the fresh client to have the control change", () => freshHandle.doc()[`${key}-control`]);
  assert.equal(freshHandle.doc()[key], undefined, "stored by the server");
});

test("a document a client makes up is not stored by the server", async t => {
  const author = await connect(sessions.daibieu01);
  const handle = author.repo.create({ note: "made up on the client" });
  handle.change(doc => {
    doc.more = "and changed";
  });
  await sleep(500);
  await closeAll(author);
  const sameUserElsewhere = await connect(sessions.daibieu01);
  t.after(() => closeAll(sameUserElsewhere));
  await assert.rejects(sameUserElsewhere.repo.find(handle.url), /unavailable/);
});

test("removing a user from a meeting or disabling the account closes their sockets within 5 s", async t => {
  const removed = await connect(other.session);
  const disabledSession = await login(server, "ngoai02", "mat-khau-ngoai");
  const disabled = await connect(disabledSession);
  const bystanderSession = await login(server, "ngoai03", "mat-khau-ngoai");
  const bystander = await connect(bystanderSession);
  t.after(() => closeAll(removed, disabled, bystander));
  await Promise.all([removed, disabled, bystander].map(client => client.repo.find(other.minutesUrl)));

  let started = Date.now();
  await sessions.thuky.ok("DELETE", `/api/v1/meetings/${other.id}/participants/${other.members.ngoai01}`);
  const removedCode = await withTimeout(removed.closed, 5_000, "the removed user's socket to close");
  const removedAfter = Date.now() - started;

  started = Date.now();
  await sessions.quantri.ok("POST", `/api/v1/users/${other.members.ngoai02}/disable`);
  const disabledCode = await withTimeout(disabled.closed, 5_000, "the disabled user's socket to close");
  const disabledAfter = Date.now() - started;

  console.log(`# closed after removal in ${removedAfter} ms (code ${removedCode}), after disabling in ${disabledAfter} ms (code ${disabledCode})`);
  assert.equal(removedCode, 4003);
  assert.equal(disabledCode, 4001);
  // Nobody else lost their connection.
  const bystanderHandle = await bystander.repo.find(other.minutesUrl);
  assert.ok(bystanderHandle.isReady());
  assert.equal(bystander.adapter.socket.readyState, 1);
  // The removed user cannot come back to the meeting's documents.
  const again = await connect(other.session);
  t.after(() => closeAll(again));
  await assert.rejects(again.repo.find(other.minutesUrl), /unavailable/);
});

test("a remote point made the secretary while connected has its edits taken, those made as a reader too", async t => {
  const pointSession = await login(server, "diemcau02");
  const { id: pointUserId } = await pointSession.me();
  const point = await connect(pointSession);
  t.after(() => closeAll(point));
  const handle = await point.repo.find(minutesUrl);
  const key = uniqueKey("promoted");
  handle.change(doc => {
    doc[`${key}-as-reader`] = "kept on the tablet until it may write";
  });
  await sleep(500);
  await sessions.thuky.ok("PUT", `/api/v1/meetings/${meetingId}/participants/${pointUserId}`, { role: "secretary" });
  t.after(() =>
    sessions.thuky.ok("PUT", `/api/v1/meetings/${meetingId}/participants/${pointUserId}`, { role: "remote_point" }),
  );
  const view = await pointSession.meeting(meetingId);
  assert.equal(view.sync_documents.find(doc => doc.url === minutesUrl)?.access, "write");
  handle.change(doc => {
    doc[`${key}-as-writer`] = "a delegate's note";
  });
  // The server asks again for what it refused from a reader: on the same
  // socket, both edits reach a fresh client.
  const checker = await connect(sessions.thuky);
  t.after(() => closeAll(checker));
  const stored = await checker.repo.find(minutesUrl);
  await waitFor("both edits to be stored", () => stored.doc()[`${key}-as-writer`] && stored.doc()[`${key}-as-reader`]);
  assert.equal(point.adapter.socket.readyState, 1, "the same connection carried them");
});

async function withTimeout(promise, milliseconds, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${milliseconds} ms waiting for ${what}`)), milliseconds);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
