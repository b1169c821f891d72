// Who may sync what, per document kind and role, through the official JS
// client against the real server: each probe opens the document, writes a
// key, and asks another client (fresh, with no copy) whether the server
// kept it. Deny must look exactly like an absent document.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { PhonghopServer, sleep } from "./support/server.mjs";
import { closeAll, connect, documentUrl, login, waitFor } from "./support/phonghop.mjs";

const server = new PhonghopServer();
let sessions;
let meetingId;
/** URLs of the demo meeting's documents, by name. */
let urls;

before(async () => {
  await server.start();
  sessions = {};
  for (const username of ["quantri", "thuky", "chutri", "daibieu05", "daibieu06", "diemcau02"]) {
    sessions[username] = await login(server, username);
  }
  await sessions.quantri.ok("POST", "/api/v1/users", {
    username: "ngoai09",
    display_name: "Người ngoài",
    role: "user",
    password: "mat-khau-ngoai",
  });
  sessions.ngoai09 = await login(server, "ngoai09", "mat-khau-ngoai");
  meetingId = await sessions.thuky.demoMeetingId();
  const secretaryId = (await sessions.thuky.me()).id;
  const staffView = await sessions.thuky.meeting(meetingId);
  const otherView = await sessions.daibieu06.meeting(meetingId);
  const confidentialIds = new Set(
    staffView.agenda.flatMap(item => item.documents.filter(doc => doc.confidential).map(doc => doc.id)),
  );
  urls = {
    minutes: documentUrl(staffView, doc => doc.kind === "minutes", "the minutes"),
    // The secretary's own layer of a document that is not confidential (a
    // remote point is denied a confidential one's: tested below).
    layer: documentUrl(
      staffView,
      doc => doc.kind === "shared_layer" && doc.owner_user_id === secretaryId && !confidentialIds.has(doc.document_id),
      "the secretary's shared layer of a document that is not confidential",
    ),
    confidentialLayer: documentUrl(
      staffView,
      doc => doc.kind === "shared_layer" && doc.owner_user_id === secretaryId && confidentialIds.has(doc.document_id),
      "the secretary's shared layer of a confidential document",
    ),
    othersNotebook: documentUrl(otherView, doc => doc.kind === "notebook", "daibieu06's notebook"),
  };
});

after(async () => {
  await server.dispose();
});

/**
 * What the server lets `username` do with `url`: "deny", "read" or
 * "write". `verifierName` may read the document (the owner of a notebook,
 * the secretary otherwise); a fresh client of theirs has no copy, so it
 * sees only what the server stored.
 */
async function probe(username, url, verifierName) {
  const client = await connect(sessions[username]);
  try {
    let handle;
    try {
      handle = await client.repo.find(url);
    } catch (error) {
      assert.match(String(error), /unavailable/);
      return "deny";
    }
    const key = `probe-${username}-${Date.now()}`;
    handle.change(doc => {
      doc[key] = username;
    });
    const verifier = await connect(sessions[verifierName]);
    try {
      const seen = await verifier.repo.find(url);
      const deadline = Date.now() + 2_000;
      while (Date.now() < deadline) {
        if (seen.doc()[key] !== undefined) return "write";
        await sleep(25);
      }
      return "read";
    } finally {
      await closeAll(verifier);
    }
  } finally {
    await closeAll(client);
  }
}

/** The access `GET /meetings/{id}` lists for `username`, by URL. */
async function listedAccess(username) {
  const answer = await sessions[username].request("GET", `/api/v1/meetings/${meetingId}`);
  if (answer.status !== 200) return {};
  return Object.fromEntries(answer.body.sync_documents.map(doc => [doc.url, doc]));
}

// "the secretary's layer" is another's shared layer for everyone but the
// secretary: read (a shared stroke is changed only by its author).
const expectations = {
  //             minutes   secretary's layer   own layer  own notebook  another's notebook
  thuky: ["write", "write", "write", "write", "deny"],
  chutri: ["write", "read", "write", "write", "deny"],
  daibieu05: ["read", "read", "write", "write", "deny"],
  diemcau02: ["read", "read", null, "write", "deny"],
  // An administrator manages accounts, not content.
  quantri: ["deny", "deny", null, null, "deny"],
  ngoai09: ["deny", "deny", null, null, "deny"],
};

for (const [username, [minutes, layer, ownLayer, ownNotebook, othersNotebook]] of Object.entries(expectations)) {
  test(`${username}: minutes ${minutes}, the secretary's shared layer ${layer}, own layer ${ownLayer ?? "none"}, own notebook ${ownNotebook ?? "none"}, another's notebook ${othersNotebook}`, async () => {
    const listed = await listedAccess(username);
    const ownUrl = Object.values(listed).find(doc => doc.kind === "notebook")?.url;
    const me = await sessions[username].me();
    const ownLayerUrl = Object.values(listed).find(doc => doc.kind === "shared_layer" && doc.owner_user_id === me.id)?.url;
    const cases = [
      ["minutes", urls.minutes, minutes, "thuky"],
      ["the secretary's shared layer", urls.layer, layer, "thuky"],
      ["another's notebook", urls.othersNotebook, othersNotebook, "daibieu06"],
    ];
    if (ownNotebook === null) {
      assert.equal(ownUrl, undefined, "a non-participant gets no notebook");
    } else {
      assert.ok(ownUrl, "a participant gets a notebook");
      cases.push(["own notebook", ownUrl, ownNotebook, username]);
    }
    if (ownLayer === null) {
      assert.equal(ownLayerUrl, undefined, `${username} gets no shared layer of their own`);
    } else {
      assert.ok(ownLayerUrl, `${username} gets a shared layer of their own`);
      cases.push(["own shared layer", ownLayerUrl, ownLayer, "thuky"]);
    }
    for (const [what, url, expected, verifierName] of cases) {
      assert.equal(await probe(username, url, verifierName), expected, `${username} → ${what}`);
      // The meeting view promises the same access it enforces.
      const promised = listed[url]?.access ?? "deny";
      assert.equal(promised, expected, `${username} → ${what} as listed by GET /meetings/{id}`);
    }
  });
}

test("a remote point is denied the shared layer of a confidential document, as the meeting view promises", async () => {
  const listed = await listedAccess("diemcau02");
  assert.equal(listed[urls.confidentialLayer], undefined, "the meeting view lists it to the remote point");
  assert.equal(await probe("diemcau02", urls.confidentialLayer, "thuky"), "deny");
  // A delegate reads it (it is the secretary's to write).
  assert.equal(await probe("daibieu05", urls.confidentialLayer, "thuky"), "read");
});

test("a remote point already reading a shared layer stops receiving it once its document is marked confidential", async t => {
  const staffView = await sessions.thuky.meeting(meetingId);
  const layer = staffView.sync_documents.find(doc => doc.url === urls.layer);
  const documentPath = `/api/v1/documents/${layer.document_id}`;
  const writer = await connect(sessions.thuky);
  const bigScreen = await connect(sessions.diemcau02);
  t.after(() => closeAll(writer, bigScreen));
  const [written, seen] = await Promise.all([writer.repo.find(urls.layer), bigScreen.repo.find(urls.layer)]);
  const before = `before-mark-${Date.now()}`;
  written.change(doc => {
    doc[before] = true;
  });
  await waitFor("the remote point to see a change while the document is open to it", () => seen.doc()[before]);

  await sessions.thuky.ok("PATCH", documentPath, { confidential: true });
  t.after(() => sessions.thuky.ok("PATCH", documentPath, { confidential: false }));
  const after = `after-mark-${Date.now()}`;
  written.change(doc => {
    doc[after] = true;
  });
  // The secretary's change is stored (a fresh client of theirs sees it)...
  const check = await connect(sessions.thuky);
  t.after(() => closeAll(check));
  const checkHandle = await check.repo.find(urls.layer);
  await waitFor("the change after marking to be stored", () => checkHandle.doc()[after]);
  // ...and the big screen, connected since before, never receives it.
  await sleep(1_500);
  assert.equal(seen.doc()?.[after], undefined, "the remote point received the layer of a confidential document");
  assert.equal(await probe("diemcau02", urls.layer, "thuky"), "deny");
});

test("a meeting that closes becomes read-only for clients already connected", async t => {
  const secretary = sessions.thuky;
  const meeting = await secretary.ok("POST", "/api/v1/meetings", {
    title: "Họp sẽ kết thúc",
    starts_at: "2026-12-02T08:00:00+07:00",
    place: "Phòng họp số 1",
  });
  const me = await sessions.daibieu05.me();
  await secretary.ok("PUT", `/api/v1/meetings/${meeting.id}/participants/${me.id}`, { role: "delegate" });
  await secretary.ok("POST", `/api/v1/meetings/${meeting.id}/publish`);
  await secretary.ok("POST", `/api/v1/meetings/${meeting.id}/start`);
  const view = await sessions.daibieu05.meeting(meeting.id);
  const notebookUrl = documentUrl(view, doc => doc.kind === "notebook", "the delegate's notebook");
  const staffView = await secretary.meeting(meeting.id);
  const minutesUrl = documentUrl(staffView, doc => doc.kind === "minutes", "the minutes");

  const chairLike = await connect(secretary);
  t.after(() => closeAll(chairLike));
  const handle = await chairLike.repo.find(minutesUrl);
  handle.change(doc => {
    doc.before = "written while in session";
  });
  const check = await connect(sessions.thuky);
  const checkHandle = await check.repo.find(minutesUrl);
  await waitFor("the change made in session to be stored", () => checkHandle.doc().before);
  await closeAll(check);

  await secretary.ok("POST", `/api/v1/meetings/${meeting.id}/close`);
  handle.change(doc => {
    doc.after = "written after the meeting closed";
  });
  await sleep(1_000);
  const late = await connect(sessions.thuky);
  t.after(() => closeAll(late));
  const lateHandle = await late.repo.find(minutesUrl);
  await waitFor("the late client to load the minutes", () => lateHandle.doc().before);
  assert.equal(lateHandle.doc().after, undefined, "a change after closing was stored");
  // Notes stay their owner's, even after the meeting.
  assert.equal(await probeUrl(sessions.daibieu05, notebookUrl), "write");
});

async function probeUrl(session, url) {
  const client = await connect(session);
  try {
    const handle = await client.repo.find(url);
    const key = `after-close-${Date.now()}`;
    handle.change(doc => {
      doc[key] = true;
    });
    const verifier = await connect(session);
    try {
      const seen = await verifier.repo.find(url);
      await waitFor("the note to be stored", () => seen.doc()[key]);
      return "write";
    } finally {
      await closeAll(verifier);
    }
  } finally {
    await closeAll(client);
  }
}
