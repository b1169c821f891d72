// Ink and notes on the delegate's tablet, synced through `/sync`, in a
// real Chromium against the real server (`phonghop serve --demo`).
//
// Two delegates (`daibieu01` on a tablet, `daibieu02`) open the same
// document in separate browser contexts. The first draws a stroke and
// shares it; the second sees it, and sees ink on the shared layer while it
// is being drawn. Then the tablet goes offline, annotates (a private
// stroke, a pinned note, a note on the agenda item, a shared stroke),
// reloads the app still offline (document and notes still there), and
// reconnects: the shared stroke reaches the other delegate, and the same
// delegate's second device finds the private notes on the server. Along
// the way: ink keeps its place on the page when zoomed and when the tablet
// turns, the eraser removes what it crosses, and once the meeting is
// closed the shared layer is read-only and the reader offers no way to
// write it.
//
// The counts come from the page frame's `data-*-strokes` / `data-*-notes`
// attributes, which the reader sets from what it draws.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoMeetingTitle, openDemoMeeting, screenshot } from './support/browser.mjs';
import { describeWithServer } from './support/suite.mjs';

/** Logs in, opens the demo meeting, waits for its agenda pack, opens its
 * first non-confidential document and docks the annotation tools ("Ghi
 * chú và vẽ"). Returns the document's id. */
async function openFirstDocument(page, baseUrl, username) {
  await openDemoMeeting(page, baseUrl, username);
  await page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
  await page.locator('.pack-status[data-pack-state="complete"]').waitFor({ timeout: 60_000 });
  const link = page.locator('.document-link:not(.document-confidential)').first();
  const documentId = await link.getAttribute('data-document-id');
  await link.click();
  await page.locator('.reader-stage[data-rendered-page="1"]').waitFor();
  await page
    .locator('.annotate-panel[data-annotations="ready"][data-shared-layer="write"]')
    .waitFor({ state: 'attached' });
  await openTools(page);
  return documentId;
}

/** Docks the annotation tools under the page. */
async function openTools(page) {
  const toggle = page.getByRole('button', { name: 'Ghi chú và vẽ' });
  if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
  await page.locator('.annotate-toolbar').waitFor();
}

/** Waits until the first page's frame shows `count` of something
 * (`shared-strokes`, `private-notes`, …). */
async function waitForCount(page, what, count, timeout = 20_000) {
  await page.locator(`.page-frame[data-page="1"][data-${what}="${count}"]`).waitFor({ timeout });
}

async function chooseTool(page, tool) {
  const button = page.locator(`.tool-button[data-tool="${tool}"]`);
  await button.click();
  assert.equal(await button.getAttribute('aria-pressed'), 'true');
}

/** The part of the page on screen (a page fitted to the width is taller
 * than the reader's stage). */
async function visiblePageBox(page) {
  const frame = await page.locator('.page-frame[data-page="1"]').boundingBox();
  const stage = await page.locator('.reader-stage').boundingBox();
  assert.ok(frame && stage, 'no page on screen');
  const top = Math.max(frame.y, stage.y);
  const bottom = Math.min(frame.y + frame.height, stage.y + stage.height);
  assert.ok(bottom - top > 100, `only ${bottom - top}px of the page are on screen`);
  return { x: frame.x, y: top, width: frame.width, height: bottom - top };
}

/** A point given as fractions of the visible part of the page. */
async function screenPoint(page, [x, y]) {
  const box = await visiblePageBox(page);
  return [box.x + x * box.width, box.y + y * box.height];
}

/** Drags the mouse from one point to another (fractions of the visible
 * page); `release: false` leaves the button down (ink in progress). */
async function drawOnPage(page, from, to, { release = true } = {}) {
  const [x0, y0] = await screenPoint(page, from);
  const [x1, y1] = await screenPoint(page, to);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x1, y1, { steps: 12 });
  if (release) await page.mouse.up();
}

/** Where the first private stroke is drawn, as fractions of the page,
 * once the ink layer has been redrawn for the page's current size. */
async function firstStrokeOnPage(page) {
  await page.waitForFunction(() => {
    const frame = document.querySelector('.page-frame[data-page="1"]');
    const viewBox = frame?.querySelector('.ink-layer')?.getAttribute('viewBox') ?? '';
    return frame && viewBox.split(' ')[2] === String(frame.clientWidth);
  });
  return page.evaluate(() => {
    const element = document.querySelector('.page-frame[data-page="1"]');
    const frame = element.getBoundingClientRect();
    const stroke = element.querySelector('.ink-private .ink-stroke').getBoundingClientRect();
    return {
      left: (stroke.left - frame.left) / frame.width,
      top: (stroke.top - frame.top) / frame.height,
      width: stroke.width / frame.width,
      pageWidth: frame.width,
    };
  });
}

async function tapPage(page, point) {
  const [x, y] = await screenPoint(page, point);
  await page.mouse.click(x, y);
}

describeWithServer('annotations sync between tablets', { timeout: 240_000 }, (harness) => {
  test('a shared stroke reaches the other delegate, and offline notes merge on reconnection', async () => {
    const tablet = await harness.openPage();
    const colleague = await harness.openPage();
    let secondDevice = null;
    try {
      await openFirstDocument(tablet.page, harness.server.baseUrl, 'daibieu01');
      await openFirstDocument(colleague.page, harness.server.baseUrl, 'daibieu02');
      // The toolbar's buttons are big enough to touch.
      for (const button of await tablet.page.locator('.annotate-toolbar button:visible').all()) {
        const box = await button.boundingBox();
        assert.ok(
          box && box.width >= 48 && box.height >= 48,
          `a toolbar button is ${box?.width}×${box?.height}`,
        );
      }

      // A private stroke: on the tablet only.
      await chooseTool(tablet.page, 'pen');
      await tablet.page.locator('.color-button[aria-label="Màu xanh dương"]').click();
      await drawOnPage(tablet.page, [0.2, 0.3], [0.6, 0.35]);
      await waitForCount(tablet.page, 'private-strokes', 1);
      await waitForCount(colleague.page, 'shared-strokes', 0);

      // Zoomed in, or with the tablet turned upright, the stroke stays on
      // the same spot of the page.
      const atFit = await firstStrokeOnPage(tablet.page);
      const assertSameSpot = (moved, how) => {
        for (const measure of ['left', 'top', 'width']) {
          assert.ok(
            Math.abs(moved[measure] - atFit[measure]) < 0.005,
            `the stroke moved on the page ${how}: ${measure} ${atFit[measure]} → ${moved[measure]}`,
          );
        }
      };
      await tablet.page.getByRole('button', { name: 'Cách hiển thị' }).click();
      await tablet.page.getByRole('button', { name: 'Phóng to' }).click();
      await tablet.page.waitForFunction(
        (width) =>
          document.querySelector('.page-frame[data-page="1"]')?.getBoundingClientRect().width > width * 1.2,
        atFit.pageWidth,
      );
      assertSameSpot(await firstStrokeOnPage(tablet.page), 'when zoomed');
      await tablet.page.getByRole('button', { name: 'Thu nhỏ' }).click();
      await tablet.page.keyboard.press('Escape');
      await tablet.page.setViewportSize({ width: 800, height: 1280 });
      await tablet.page.waitForFunction(
        (width) =>
          document.querySelector('.page-frame[data-page="1"]')?.getBoundingClientRect().width < width * 0.9,
        atFit.pageWidth,
      );
      assertSameSpot(await firstStrokeOnPage(tablet.page), 'when the tablet turned');
      await tablet.page.setViewportSize({ width: 1280, height: 800 });
      await tablet.page.waitForFunction(
        (width) =>
          Math.abs(
            document.querySelector('.page-frame[data-page="1"]')?.getBoundingClientRect().width - width,
          ) < 1,
        atFit.pageWidth,
      );
      await chooseTool(tablet.page, 'pen');

      // The eraser removes the stroke it crosses, and only that one.
      await drawOnPage(tablet.page, [0.2, 0.9], [0.5, 0.9]);
      await waitForCount(tablet.page, 'private-strokes', 2);
      await chooseTool(tablet.page, 'eraser');
      await drawOnPage(tablet.page, [0.35, 0.82], [0.35, 0.98]);
      await waitForCount(tablet.page, 'private-strokes', 1);

      // Chosen and shared with the meeting: the colleague sees it.
      await chooseTool(tablet.page, 'select');
      await tapPage(tablet.page, [0.4, 0.325]);
      await tablet.page.getByRole('button', { name: 'Chia sẻ với cuộc họp' }).click();
      await tablet.page.getByText('Đã chia sẻ với cuộc họp').waitFor();
      await waitForCount(tablet.page, 'shared-strokes', 1);
      await waitForCount(colleague.page, 'shared-strokes', 1);
      await waitForCount(colleague.page, 'private-strokes', 0);

      // Ink in progress on the shared layer shows on the other tablet
      // before the stroke ends, then becomes a stroke of the layer.
      await tablet.page.getByRole('button', { name: 'Vẽ lên lớp chung' }).click();
      await chooseTool(tablet.page, 'highlighter');
      await drawOnPage(tablet.page, [0.2, 0.5], [0.7, 0.5], { release: false });
      await waitForCount(colleague.page, 'live-strokes', 1);
      // From here until the layer holds the stroke, the colleague's
      // screen must show it all along: the stroke's end arrives before
      // the layer's change does, and must not blank it meanwhile.
      await colleague.page.evaluate(() => {
        const frame = document.querySelector('.page-frame[data-page="1"]');
        window.strokeBlinkedOut = false;
        new MutationObserver(() => {
          if (frame.dataset.liveStrokes === '0' && frame.dataset.sharedStrokes !== '2')
            window.strokeBlinkedOut = true;
        }).observe(frame, { attributes: true });
      });
      await tablet.page.mouse.up();
      await waitForCount(colleague.page, 'shared-strokes', 2);
      await waitForCount(colleague.page, 'live-strokes', 0);
      assert.equal(
        await colleague.page.evaluate(() => window.strokeBlinkedOut),
        false,
        "the stroke vanished from the colleague's screen between its end and its arrival in the layer",
      );
      await tablet.page.getByRole('button', { name: 'Vẽ lên lớp chung' }).click();

      // The colleague can hide the shared layer and show it again.
      const showShared = colleague.page.getByRole('button', { name: 'Hiện lớp chung' });
      await showShared.click();
      await waitForCount(colleague.page, 'shared-strokes', 0);
      await showShared.click();
      await waitForCount(colleague.page, 'shared-strokes', 2);

      // The tablet goes offline and keeps annotating.
      await tablet.context.setOffline(true);
      await tablet.page.locator('.offline-banner').waitFor();
      await chooseTool(tablet.page, 'pen');
      await drawOnPage(tablet.page, [0.3, 0.7], [0.6, 0.8]);
      await waitForCount(tablet.page, 'private-strokes', 2);
      await chooseTool(tablet.page, 'note');
      await tapPage(tablet.page, [0.8, 0.2]);
      await tablet.page.getByLabel('Ghi chú tại chỗ này').fill('Hỏi lại số liệu quý III');
      await tablet.page.getByRole('button', { name: 'Lưu', exact: true }).click();
      await waitForCount(tablet.page, 'private-notes', 1);
      await tablet.page.locator('.item-note summary').click();
      await tablet.page.locator('.item-note-input').fill('Đề nghị bổ sung kinh phí');
      await tablet.page.getByText('Đã lưu trên máy').waitFor();
      // Folded again, the note gives the page back its height.
      await tablet.page.locator('.item-note summary').click();
      // A stroke shared while offline.
      await chooseTool(tablet.page, 'select');
      await tapPage(tablet.page, [0.45, 0.75]);
      await tablet.page.getByRole('button', { name: 'Chia sẻ với cuộc họp' }).click();
      await waitForCount(tablet.page, 'shared-strokes', 3);
      // Nothing reached the server: the colleague still has two.
      await colleague.page.waitForTimeout(2_000);
      await waitForCount(colleague.page, 'shared-strokes', 2, 1_000);

      // Reloaded with no network: the document and every note are there.
      await tablet.page.waitForTimeout(500);
      await tablet.page.reload();
      await tablet.page.locator('.reader-stage[data-rendered-page="1"]').waitFor();
      await tablet.page.locator('.annotate-panel[data-annotations="ready"]').waitFor({ state: 'attached' });
      await openTools(tablet.page);
      await waitForCount(tablet.page, 'private-strokes', 2);
      await waitForCount(tablet.page, 'private-notes', 1);
      await waitForCount(tablet.page, 'shared-strokes', 3);
      await tablet.page.locator('.item-note summary').click();
      assert.equal(await tablet.page.locator('.item-note-input').inputValue(), 'Đề nghị bổ sung kinh phí');
      await screenshot(tablet.page, 'annotations-offline.png');

      // Back online: the tablet reconnects by itself and everything merges.
      await tablet.context.setOffline(false);
      await waitForCount(colleague.page, 'shared-strokes', 3, 40_000);
      await screenshot(colleague.page, 'annotations-shared.png');

      // The same delegate's second device gets the private notes from the
      // server.
      secondDevice = await harness.openPage();
      await openFirstDocument(secondDevice.page, harness.server.baseUrl, 'daibieu01');
      await waitForCount(secondDevice.page, 'private-strokes', 2);
      await waitForCount(secondDevice.page, 'private-notes', 1);
      await waitForCount(secondDevice.page, 'shared-strokes', 3);
      await secondDevice.page.locator('.item-note summary').click();
      await secondDevice.page.waitForFunction(
        () => document.querySelector('.item-note-input')?.value === 'Đề nghị bổ sung kinh phí',
      );
      await secondDevice.page.locator('.pinned-note-notebook').click();
      assert.equal(
        await secondDevice.page.getByLabel('Ghi chú tại chỗ này').inputValue(),
        'Hỏi lại số liệu quý III',
      );
      await secondDevice.page.getByRole('button', { name: 'Đóng' }).click();
      await screenshot(secondDevice.page, 'annotations-document.png');

      // Once the meeting is closed the shared layer is read-only: the
      // reader offers no way to write it, and the ink stays visible.
      const meetingId = /#\/meetings\/([^/]+)\//.exec(secondDevice.page.url())?.[1];
      assert.ok(meetingId, `no meeting id in ${secondDevice.page.url()}`);
      const staff = await harness.browser.newContext();
      try {
        const login = await staff.request.post(`${harness.server.baseUrl}/api/v1/auth/login`, {
          data: { username: 'thuky', password: 'demo' },
        });
        assert.equal(login.status(), 200);
        // Starting may already be done; closing must succeed.
        await staff.request.post(`${harness.server.baseUrl}/api/v1/meetings/${meetingId}/start`);
        const closed = await staff.request.post(
          `${harness.server.baseUrl}/api/v1/meetings/${meetingId}/close`,
        );
        assert.equal(closed.status(), 200, await closed.text());
      } finally {
        await staff.close();
      }
      await secondDevice.page.reload();
      await secondDevice.page
        .locator('.annotate-panel[data-annotations="ready"][data-shared-layer="read"]')
        .waitFor({ state: 'attached' });
      await openTools(secondDevice.page);
      await waitForCount(secondDevice.page, 'shared-strokes', 3);
      await secondDevice.page.getByText('Bạn chỉ được xem lớp chung của tài liệu này.').waitFor();
      assert.equal(await secondDevice.page.getByRole('button', { name: 'Vẽ lên lớp chung' }).count(), 0);
      await chooseTool(secondDevice.page, 'select');
      await tapPage(secondDevice.page, [0.4, 0.325]);
      await secondDevice.page.locator('.selection-bar').getByRole('button', { name: 'Xóa' }).waitFor();
      assert.equal(await secondDevice.page.getByRole('button', { name: 'Chia sẻ với cuộc họp' }).count(), 0);

      tablet.watcher.assertClean();
      colleague.watcher.assertClean();
      secondDevice.watcher.assertClean();
    } finally {
      await tablet.context.close();
      await colleague.context.close();
      await secondDevice?.context.close();
    }
  });
});
