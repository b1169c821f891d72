// Shared annotations carry their author, checked by the server (issue 21):
// each participant's shared ink on a document is a layer of their own that
// only they may write, and the name shown is that layer's owner as the
// server registered it. Through the official JS client against the real
// server: delegate B's change to delegate A's layer is not stored and not
// relayed, and a stroke in B's layer that names A is still B's. The chair
// or the secretary hides a shared stroke (audited) and shows it again.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { PhonghopServer, sleep } from "./support/server.mjs";
import { closeAll, connect, login, waitFor } from "./support/phonghop.mjs";

const server = new PhonghopServer();
let sessions;
let meetingId;
/** The users, by name: `{id, display_name}`. */
let users;
/** The agenda document annotated (not confidential). */
let agendaDocumentId;

before(async () => {
  await server.start();
  sessions = {};
  users = {};
  for (const username of ["thuky", "daibieu05", "daibieu06", "diemcau02"]) {
    sessions[username] = await login(server, username);
    users[username] = await sessions[username].me();
  }
  meetingId = await sessions.thuky.demoMeetingId();
  const view = await sessions.thuky.meeting(meetingId);
  agendaDocumentId = view.agenda.flatMap(item => item.documents).find(doc => !doc.confidential).id;
  // Each participant's layers are made when they first load the meeting.
  for (const username of Object.keys(sessions)) await sessions[username].meeting(meetingId);
});

after(async () => {
  await server.dispose();
});

/** The shared layers of the annotated document as `username` is told of them. */
async function layersSeenBy(username) {
  const view = await sessions[username].meeting(meetingId);
  return view.sync_documents.filter(doc => doc.kind === "shared_layer" && doc.document_id === agendaDocumentId);
}

/** The layer of `author` as `username` sees it listed. */
async function layerOf(author, username) {
  const layer = (await layersSeenBy(username)).find(doc => doc.owner_user_id === users[author].id);
  assert.ok(layer, `${username} is not told of ${author}'s layer`);
  return layer;
}

function stroke(id, author) {
  return {
    id,
    documentId: agendaDocumentId,
    page: 1,
    tool: "pen",
    color: "#c62828",
    width: 0.004,
    points: new Uint8Array([1, 2, 3, 4, 5]),
    createdAt: Date.now(),
    version: 1,
    author,
  };
}

test("each participant but a remote point has a layer of their own, which only they write", async () => {
  const ownA = await layerOf("daibieu05", "daibieu05");
  assert.equal(ownA.access, "write");
  assert.equal(ownA.owner_name, users.daibieu05.display_name);
  const aSeenByB = await layerOf("daibieu05", "daibieu06");
  assert.equal(aSeenByB.url, ownA.url);
  assert.equal(aSeenByB.access, "read");
  assert.equal(aSeenByB.owner_name, users.daibieu05.display_name);
  assert.equal((await layerOf("daibieu05", "thuky")).access, "read", "the secretary reads a delegate's layer");
  assert.equal((await layerOf("daibieu05", "diemcau02")).access, "read", "the big screen reads it");
  const remoteOwn = (await layersSeenBy("diemcau02")).filter(doc => doc.owner_user_id === users.diemcau02.id);
  assert.deepEqual(remoteOwn, [], "a remote point has no layer of its own");
  // Exactly one writable layer per participant and document.
  assert.equal((await layersSeenBy("daibieu06")).filter(doc => doc.access === "write").length, 1);
});

test("delegate B cannot remove or change delegate A's shared stroke", async t => {
  const layerUrl = (await layerOf("daibieu05", "daibieu05")).url;
  const a = await connect(sessions.daibieu05);
  const b = await connect(sessions.daibieu06);
  t.after(() => closeAll(a, b));
  const strokeId = `a-${Date.now()}`;
  const handleA = await a.repo.find(layerUrl);
  handleA.change(doc => {
    doc.strokes.push(stroke(strokeId, users.daibieu05.display_name));
  });
  const handleB = await b.repo.find(layerUrl);
  await waitFor("B to receive A's stroke", () => handleB.doc().strokes.some(each => each.id === strokeId));

  // B removes A's stroke, recolours it, and adds one of its own to A's layer.
  handleB.change(doc => {
    const index = doc.strokes.findIndex(each => each.id === strokeId);
    doc.strokes[index].color = "#1f2328";
    doc.strokes.push(stroke(`b-in-a-${Date.now()}`, users.daibieu05.display_name));
  });
  handleB.change(doc => {
    const index = doc.strokes.findIndex(each => each.id === strokeId);
    doc.strokes.splice(index, 1);
  });
  // B's own copy shows its edits (nothing stops a client editing its copy)...
  assert.equal(
    handleB.doc().strokes.some(each => each.id === strokeId),
    false,
  );
  await sleep(1_500);
  // ...but A, connected all along, was never sent them...
  const seenByA = handleA.doc().strokes;
  assert.deepEqual(
    seenByA.map(each => [each.id, each.color]),
    [[strokeId, "#c62828"]],
    "B's changes to A's layer reached A",
  );
  // ...and the server did not keep them: fresh clients of the secretary and
  // of the big screen, with no copy, get A's stroke as A drew it.
  for (const reader of ["thuky", "diemcau02"]) {
    const fresh = await connect(sessions[reader]);
    try {
      const handle = await fresh.repo.find(layerUrl);
      await waitFor(`${reader} to receive A's layer`, () => handle.doc().strokes.length > 0);
      await sleep(500);
      assert.deepEqual(
        handle.doc().strokes.map(each => [each.id, each.color]),
        [[strokeId, "#c62828"]],
        `the server kept B's change to A's layer (${reader})`,
      );
    } finally {
      await closeAll(fresh);
    }
  }
});

test("a stroke that names another author is shown under its layer's owner, not the name it claims", async t => {
  const ownB = await layerOf("daibieu06", "daibieu06");
  const b = await connect(sessions.daibieu06);
  t.after(() => closeAll(b));
  const forgedId = `forged-${Date.now()}`;
  const handleB = await b.repo.find(ownB.url);
  handleB.change(doc => {
    // B claims to be A, by name and by id.
    doc.strokes.push({ ...stroke(forgedId, users.daibieu05.display_name), authorUserId: users.daibieu05.id });
  });
  // The secretary's client finds the forged stroke, and what the server says
  // of the layer that holds it: B's, by B's name.
  const secretary = await connect(sessions.thuky);
  t.after(() => closeAll(secretary));
  const layers = await layersSeenBy("thuky");
  let holder = null;
  for (const layer of layers) {
    const handle = await secretary.repo.find(layer.url);
    if (layer.owner_user_id === users.daibieu06.id)
      await waitFor("B's stroke to reach the secretary", () => handle.doc().strokes.some(each => each.id === forgedId));
    if (handle.doc().strokes.some(each => each.id === forgedId)) {
      assert.equal(holder, null, "the forged stroke is in one layer only");
      holder = layer;
    }
  }
  assert.ok(holder, "the forged stroke was not stored");
  assert.equal(holder.owner_user_id, users.daibieu06.id);
  assert.equal(holder.owner_name, users.daibieu06.display_name);
  assert.notEqual(holder.owner_name, users.daibieu05.display_name);
  // A's layer, the only one the server shows under A's name, does not hold it.
  const aLayer = layers.find(layer => layer.owner_user_id === users.daibieu05.id);
  const aHandle = await secretary.repo.find(aLayer.url);
  assert.equal(
    aHandle.doc().strokes.some(each => each.id === forgedId),
    false,
  );
});

test("the chair or the secretary hides a shared stroke, audited, and shows it again; a delegate cannot", async t => {
  const layer = await layerOf("daibieu05", "daibieu05");
  const a = await connect(sessions.daibieu05);
  t.after(() => closeAll(a));
  const strokeId = `offensive-${Date.now()}`;
  const handle = await a.repo.find(layer.url);
  handle.change(doc => {
    doc.strokes.push(stroke(strokeId, users.daibieu05.display_name));
  });
  const path = `/api/v1/meetings/${meetingId}/hidden-annotations`;
  const body = hidden => ({ layer_url: layer.url, annotation_id: strokeId, hidden });
  const hiddenIn = async username =>
    (await sessions[username].meeting(meetingId)).hidden_annotations.some(
      each => each.layer_url === layer.url && each.annotation_id === strokeId,
    );

  // Not the author's to hide, nor another delegate's, nor the big screen's.
  for (const username of ["daibieu05", "daibieu06", "diemcau02"]) {
    const answer = await sessions[username].request("PUT", path, body(true));
    assert.equal(answer.status, 403, `${username} hid a shared stroke`);
  }
  assert.equal(await hiddenIn("daibieu06"), false);

  const secretary = sessions.thuky;
  assert.equal((await secretary.request("PUT", path, body(true))).status, 204);
  // Hiding what is hidden changes nothing and writes no second entry.
  assert.equal((await secretary.request("PUT", path, body(true))).status, 204);
  for (const username of ["daibieu06", "diemcau02", "thuky"]) assert.equal(await hiddenIn(username), true, username);
  // Hidden, not destroyed: the author's layer still holds the stroke.
  const fresh = await connect(sessions.daibieu06);
  t.after(() => closeAll(fresh));
  const seen = await fresh.repo.find(layer.url);
  await waitFor("the hidden stroke to be in the author's layer", () =>
    seen.doc().strokes.some(each => each.id === strokeId),
  );

  assert.equal((await secretary.request("PUT", path, body(false))).status, 204);
  assert.equal(await hiddenIn("daibieu06"), false);

  const audit = (await secretary.ok("GET", `/api/v1/meetings/${meetingId}/audit`)).entries.filter(
    entry => entry.details?.annotation_id === strokeId,
  );
  assert.deepEqual(
    audit.map(entry => [entry.action, entry.actor_user_id, entry.details.author_user_id, entry.details.layer]),
    [
      ["annotation.hide", users.thuky.id, users.daibieu05.id, layer.url.replace("automerge:", "")],
      ["annotation.show", users.thuky.id, users.daibieu05.id, layer.url.replace("automerge:", "")],
    ],
  );
});
