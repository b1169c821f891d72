// The presenter's ink on the remote point's big screen and on a following
// delegate's tablet, in a real Chromium against the real server
// (`phonghop serve --demo`).
//
// The chair (`chutri`) presents page 2 of the first document from the
// reader and draws on the document's shared layer ("Vẽ lên lớp chung").
// The remote point's big screen (`diemcau01`, 1920×1080) and a delegate
// following the presenter (`daibieu01`) show the ink while it is drawn
// (ephemeral messages on the layer's handle), then the committed stroke;
// then a note the chair shares, named after the chair as the server says;
// then the chair hides the stroke from the meeting and shows it again
// (`PUT …/hidden-annotations`: the others drop it when the meeting
// reloads). The counts come from the page frame's `data-shared-strokes`,
// `data-live-strokes`, `data-shared-notes` and `data-hidden-strokes`.
//
// Along the way it counts the bytes of the `/sync` frames the big screen
// receives, for one committed stroke and per second of ink in progress,
// and prints them (a figure for BENCHMARKS.md, not an assertion).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoMeetingTitle, openDemoMeeting, screenshot } from './support/browser.mjs';
import { describeWithServer } from './support/suite.mjs';

/** Every websocket frame a page receives on `/sync`: when, how many bytes,
 * and whether it is an ephemeral message (ink in progress) or a sync
 * message. The CBOR envelope spells its `type` in plain text. */
function recordSyncFrames(page) {
  const frames = [];
  page.on('websocket', (socket) => {
    if (!new URL(socket.url()).pathname.startsWith('/sync')) return;
    socket.on('framereceived', ({ payload }) => {
      const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
      const kind = bytes.includes('ephemeral') ? 'ephemeral' : 'sync';
      frames.push({ at: Date.now(), bytes: bytes.length, kind });
    });
  });
  return frames;
}

/** The big screen's page frame when it shows `what` = `count`. */
function bigFrame(page, what, count) {
  return page.locator(`.big-stage .page-frame[data-${what}="${count}"]`);
}

/** The reader's frame of page 2 (the page presented) when it shows
 * `what` = `count`. */
function readerFrame(page, what, count) {
  return page.locator(`.reader-stage .page-frame[data-page="2"][data-${what}="${count}"]`);
}

/** How far right the ink in progress reaches on `selector`'s page frame,
 * as a fraction of the page's width, once it reaches at least `atLeast`:
 * the ink grows as it is drawn, not only at its first sample. */
async function waitForLiveInkTo(page, selector, atLeast) {
  await page.waitForFunction(
    ({ selector, atLeast }) => {
      const frame = document.querySelector(selector);
      const path = frame?.querySelector('.ink-live path');
      if (!frame || !path) return false;
      const box = frame.getBoundingClientRect();
      return (path.getBoundingClientRect().right - box.left) / box.width >= atLeast;
    },
    { selector, atLeast },
  );
}

/** A point given as fractions of the part of the reader's page on screen. */
async function screenPoint(page, [x, y]) {
  const frame = await page.locator('.reader-stage .page-frame[data-page="2"]').boundingBox();
  const stage = await page.locator('.reader-stage').boundingBox();
  assert.ok(frame && stage, 'no page on screen');
  const top = Math.max(frame.y, stage.y);
  const bottom = Math.min(frame.y + frame.height, stage.y + stage.height);
  assert.ok(bottom - top > 100, `only ${bottom - top}px of the page are on screen`);
  return [frame.x + x * frame.width, top + y * (bottom - top)];
}

describeWithServer('the presenter’s ink on the big screen', { timeout: 300_000 }, (harness) => {
  test('the big screen and a following delegate see live ink, the committed stroke and a shared note', async () => {
    const chair = await harness.openPage();
    const delegate = await harness.openPage();
    const remotePoint = await harness.openPage({ width: 1920, height: 1080 });
    remotePoint.page.setDefaultTimeout(60_000);
    delegate.page.setDefaultTimeout(60_000);
    chair.page.setDefaultTimeout(60_000);
    const frames = recordSyncFrames(remotePoint.page);
    try {
      // The big screen and the delegate wait for the presenter.
      await openDemoMeeting(remotePoint.page, harness.server.baseUrl, 'diemcau01');
      await remotePoint.page.waitForURL(/#\/meetings\/[^/]+\/screen$/);
      await openDemoMeeting(delegate.page, harness.server.baseUrl, 'daibieu01');
      await delegate.page.locator('.live-follow[data-following="true"]').waitFor();

      // The chair opens the first document, turns to page 2 and presents it.
      await openDemoMeeting(chair.page, harness.server.baseUrl, 'chutri');
      await chair.page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
      const link = chair.page.locator('.document-link:not(.document-confidential)').first();
      const documentId = await link.getAttribute('data-document-id');
      await link.click();
      await chair.page.locator('.reader-stage[data-rendered-page="1"]').waitFor();
      await chair.page.getByRole('button', { name: 'Trang sau', exact: true }).click();
      await chair.page.locator('.reader-stage[data-rendered-page="2"]').waitFor();
      await chair.page
        .locator('.annotate-panel[data-annotations="ready"][data-shared-layer="write"]')
        .waitFor({ state: 'attached' });
      await chair.page.getByRole('button', { name: 'Trình bày trang này' }).click();
      await chair.page.getByText('Mọi người đang theo trang này').waitFor();

      // Both show that page, with its (still empty) shared layer.
      await remotePoint.page
        .locator(`.big-stage[data-document-id="${documentId}"][data-rendered-page="2"]`)
        .waitFor();
      await bigFrame(remotePoint.page, 'shared-strokes', 0).waitFor();
      await delegate.page.locator('.reader-stage[data-rendered-page="2"]').waitFor();
      await delegate.page
        .locator('.annotate-panel[data-annotations="ready"][data-shared-layer="write"]')
        .waitFor({ state: 'attached' });
      await readerFrame(delegate.page, 'shared-strokes', 0).waitFor();
      // The big screen offers no way to draw.
      assert.equal(await remotePoint.page.locator('.annotate-toolbar').count(), 0);

      // The chair docks the tools and draws on the shared layer, slowly,
      // like a hand would.
      await chair.page.getByRole('button', { name: 'Ghi chú và vẽ' }).click();
      await chair.page.getByRole('button', { name: 'Vẽ lên lớp chung' }).click();
      await chair.page.locator('.tool-button[data-tool="pen"]').click();
      await chair.page.locator('.width-button[data-width="2"]').click();
      const path = Array.from({ length: 90 }, (_, index) => [
        0.15 + (0.7 * index) / 89,
        0.4 + 0.08 * Math.sin(index / 6),
      ]);
      const [startX, startY] = await screenPoint(chair.page, path[0]);
      const points = [];
      for (const point of path) points.push(await screenPoint(chair.page, point));
      await chair.page.mouse.move(startX, startY);
      const drawStart = Date.now();
      await chair.page.mouse.down();
      for (const [x, y] of points.slice(0, 30)) await chair.page.mouse.move(x, y);
      // Time spent moving the pen (the waits below hold it still, which
      // sends nothing).
      let movingMilliseconds = Date.now() - drawStart;
      // Before the stroke ends: ink in progress, nothing committed yet.
      await bigFrame(remotePoint.page, 'live-strokes', 1).waitFor();
      await readerFrame(delegate.page, 'live-strokes', 1).waitFor();
      assert.equal(
        await remotePoint.page.locator('.big-stage .page-frame').getAttribute('data-shared-strokes'),
        '0',
      );
      const resumed = Date.now();
      for (const [x, y] of points.slice(30)) await chair.page.mouse.move(x, y);
      movingMilliseconds += Date.now() - resumed;
      // The path ends at 0.85 of the page's width: both follow it there.
      await waitForLiveInkTo(remotePoint.page, '.big-stage .page-frame', 0.8);
      await waitForLiveInkTo(delegate.page, '.reader-stage .page-frame[data-page="2"]', 0.8);
      const drawEnd = Date.now();
      await chair.page.mouse.up();

      // After it: the committed stroke, and no ink in progress.
      await bigFrame(remotePoint.page, 'shared-strokes', 1).waitFor();
      await bigFrame(remotePoint.page, 'live-strokes', 0).waitFor();
      await readerFrame(delegate.page, 'shared-strokes', 1).waitFor();
      await readerFrame(delegate.page, 'live-strokes', 0).waitFor();
      assert.equal(await remotePoint.page.locator('.big-stage .ink-shared .ink-stroke').count(), 1);

      // Let the sync exchange about the stroke finish (a second with no
      // frame), then count.
      for (let quiet = false; !quiet;) {
        const last = frames.at(-1)?.at ?? 0;
        await remotePoint.page.waitForTimeout(1_000);
        quiet = (frames.at(-1)?.at ?? 0) === last;
      }
      const live = frames.filter((frame) => frame.kind === 'ephemeral' && frame.at >= drawStart);
      const committed = frames.filter((frame) => frame.kind === 'sync' && frame.at >= drawEnd);
      const sum = (list) => list.reduce((total, frame) => total + frame.bytes, 0);
      const liveSeconds = Math.max(0.001, movingMilliseconds / 1000);
      console.log(
        `big screen /sync payload: ink in progress ${sum(live)} B in ${live.length} ephemeral messages ` +
          `over ${liveSeconds.toFixed(2)} s of moving the pen (${Math.round(sum(live) / liveSeconds)} B/s, ` +
          `last message ${live.at(-1)?.bytes ?? 0} B for ${path.length} points); ` +
          `committed stroke ${sum(committed)} B in ${committed.length} sync messages`,
      );
      assert.ok(live.length > 0, 'the big screen received no ink in progress');
      assert.ok(committed.length > 0, 'the big screen received no sync message for the stroke');

      // A note the chair pins and shares shows on the big screen with its text.
      await chair.page.locator('.tool-button[data-tool="note"]').click();
      const [noteX, noteY] = await screenPoint(chair.page, [0.2, 0.8]);
      await chair.page.mouse.click(noteX, noteY);
      await chair.page.getByLabel('Ghi chú tại chỗ này').fill('Số liệu quý III cần đối chiếu');
      await chair.page.getByRole('button', { name: 'Lưu', exact: true }).click();
      await chair.page.locator('.pinned-note-notebook').click();
      await chair.page.getByRole('button', { name: 'Chia sẻ với cuộc họp' }).click();
      await bigFrame(remotePoint.page, 'shared-notes', 1).waitFor();
      await remotePoint.page.locator('.big-note').getByText('Số liệu quý III cần đối chiếu').waitFor();
      // The author shown is the layer's owner, as the server names them.
      assert.equal(await remotePoint.page.locator('.big-note-author').textContent(), 'Chủ tịch UBND huyện');
      await readerFrame(delegate.page, 'shared-notes', 1).waitFor();

      // The chair hides the stroke from the meeting: the big screen and the
      // delegate no longer show it; the chair still sees it, faded, and
      // shows it again.
      await chair.page.locator('.tool-button[data-tool="select"]').click();
      const [strokeX, strokeY] = await screenPoint(chair.page, path[45]);
      await chair.page.mouse.click(strokeX, strokeY);
      await chair.page.getByRole('button', { name: 'Ẩn khỏi cuộc họp' }).click();
      await bigFrame(remotePoint.page, 'shared-strokes', 0).waitFor();
      await readerFrame(delegate.page, 'shared-strokes', 0).waitFor();
      await readerFrame(chair.page, 'hidden-strokes', 1).waitFor();
      assert.equal(await remotePoint.page.locator('.big-stage .ink-shared .ink-stroke').count(), 0);
      await chair.page.getByRole('button', { name: 'Hiện lại' }).click();
      await bigFrame(remotePoint.page, 'shared-strokes', 1).waitFor();
      await readerFrame(delegate.page, 'shared-strokes', 1).waitFor();
      await readerFrame(chair.page, 'hidden-strokes', 0).waitFor();

      await screenshot(remotePoint.page, 'big-screen-ink.png');

      chair.watcher.assertClean();
      delegate.watcher.assertClean();
      remotePoint.watcher.assertClean();
    } finally {
      await remotePoint.context.close();
      await delegate.context.close();
      await chair.context.close();
    }
  });
});
