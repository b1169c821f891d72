// Annotations follow a document's versions (issue 19), in a real Chromium
// against the real server: a delegate draws ink on pages 1 and 2 of a
// document; the secretary replaces it with a version whose page 1 is
// unchanged and whose page 2 says something else. Without a reload, the
// delegate's open reader takes the new version ("Mở phiên bản mới") and
// shows the page 1 ink on it, no ink on page 2, and the notice "1 ghi
// chú ở phiên bản trước"; a note pinned to a line of page 2 that moved
// down one line follows it (its text lines read by pdf.js from both
// PDFs); "Xem phiên bản 1" opens the first version read only, with the
// page 2 ink where it was drawn.
//
// The two PDFs are made here (`support/pdf.mjs`). Needs what
// demo-meeting.test.mjs needs: `npm run build`, the server binary,
// /usr/bin/chromium. Screenshots go to test-results/.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoMeetingTitle, openDemoMeeting, screenshot } from './support/browser.mjs';
import { textPdf } from './support/pdf.mjs';
import { describeWithServer } from './support/suite.mjs';

const unchangedPage = [
  'Ke hoach phat trien kinh te xa hoi nam 2026',
  'Muc tieu tong quat cua huyen',
  'Tang truong kinh te dat 8 phan tram',
];
/** The line a note is pinned to on page 2: in the second version it
 * moves down one line (a line was added above it). */
const anchorLine = 'De nghi bo sung so lieu quy IV';
const firstVersion = textPdf([
  unchangedPage,
  ['Du toan ngan sach xa', 'Chi thuong xuyen 12 ty dong', 'Chi dau tu phat trien 30 ty dong', anchorLine],
]);
const secondVersion = textPdf([
  unchangedPage,
  [
    'Du toan ngan sach xa (sua doi)',
    'Chi thuong xuyen 14 ty dong',
    'Chi dau tu phat trien 28 ty dong',
    'Du phong ngan sach 2 ty dong',
    anchorLine,
  ],
]);
/** Where `textPdf` puts line `index` (0-based): its baseline, as a
 * fraction of the A4 page's height from the top. */
const lineY = (index) => (842 - (770 - index * 24)) / 842;

/** The part of page `number` on screen, as a box in the viewport. */
async function visiblePart(page, number) {
  const frame = await page.locator(`.page-frame[data-page="${number}"]`).boundingBox();
  const stage = await page.locator('.reader-stage').boundingBox();
  assert.ok(frame && stage, `page ${number} is not on screen`);
  const top = Math.max(frame.y, stage.y);
  const bottom = Math.min(frame.y + frame.height, stage.y + stage.height);
  assert.ok(bottom - top > 100, `only ${bottom - top}px of page ${number} are on screen`);
  return { x: frame.x, y: top, width: frame.width, height: bottom - top };
}

/** A stroke across the visible part of page `number`. */
async function drawOn(page, number) {
  const box = await visiblePart(page, number);
  await page.mouse.move(box.x + 0.2 * box.width, box.y + 0.4 * box.height);
  await page.mouse.down();
  await page.mouse.move(box.x + 0.6 * box.width, box.y + 0.5 * box.height, { steps: 12 });
  await page.mouse.up();
}

const frameWith = (page, number, strokes) =>
  page.locator(`.page-frame[data-page="${number}"][data-private-strokes="${strokes}"]`);

/** Where the delegate's pinned note on page `number` is, as fractions of
 * the page. */
async function notePlace(page, number) {
  return page.evaluate((number) => {
    const frame = document.querySelector(`.page-frame[data-page="${number}"]`).getBoundingClientRect();
    const note = document
      .querySelector(`.page-frame[data-page="${number}"] .pinned-note-notebook`)
      .getBoundingClientRect();
    return { y: (note.top - frame.top) / frame.height };
  }, number);
}

describeWithServer('annotations follow document versions', { timeout: 180_000 }, (harness) => {
  test('ink on an unchanged page moves to the new version, ink on a changed page stays with a notice', async () => {
    const secretary = await harness.openPage();
    const delegate = await harness.openPage();
    try {
      // The secretary adds the document (version 1) to the first item.
      await openDemoMeeting(secretary.page, harness.server.baseUrl, 'thuky');
      await secretary.page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
      const meetingId = /#\/meetings\/([^/]+)/.exec(secretary.page.url())?.[1];
      assert.ok(meetingId, `no meeting id in ${secretary.page.url()}`);
      const upload = (url, bytes, name, title) =>
        secretary.page.evaluate(
          async ({ url, bytes, name, title }) => {
            const form = new FormData();
            form.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), name);
            if (title) form.append('title', title);
            const response = await fetch(url, { method: 'POST', credentials: 'same-origin', body: form });
            return { status: response.status, body: await response.json().catch(() => null) };
          },
          { url, bytes: [...bytes], name, title },
        );
      const meeting = await secretary.page.evaluate(
        async (url) => (await fetch(url)).json(),
        `/api/v1/meetings/${meetingId}`,
      );
      const item = meeting.agenda[0];
      const created = await upload(
        `/api/v1/meetings/${meetingId}/agenda/${item.id}/documents`,
        firstVersion,
        'ke-hoach.pdf',
        'Kế hoạch năm 2026 (bản thử)',
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const documentId = created.body.id;

      // The delegate opens it and draws on page 1 and on page 2.
      await openDemoMeeting(delegate.page, harness.server.baseUrl, 'daibieu01');
      await delegate.page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
      await delegate.page.locator(`.document-link[data-document-id="${documentId}"]`).click();
      await delegate.page.locator('.reader-stage[data-rendered-page="1"]').waitFor();
      await delegate.page.locator('.annotate-panel[data-annotations="ready"]').waitFor({ state: 'attached' });
      await delegate.page.getByRole('button', { name: 'Ghi chú và vẽ' }).click();
      await delegate.page.locator('.tool-button[data-tool="pen"]').click();
      await drawOn(delegate.page, 1);
      await frameWith(delegate.page, 1, 1).waitFor();
      await delegate.page.getByRole('button', { name: 'Trang sau' }).click();
      await delegate.page.locator('.reader-stage[data-page="2"]').waitFor();
      await drawOn(delegate.page, 2);
      await frameWith(delegate.page, 2, 1).waitFor();
      // A note pinned just above the anchor line's baseline.
      await delegate.page.locator('.tool-button[data-tool="note"]').click();
      const frame = await delegate.page.locator('.page-frame[data-page="2"]').boundingBox();
      await delegate.page.mouse.click(
        frame.x + 0.8 * frame.width,
        frame.y + (lineY(3) - 0.01) * frame.height,
      );
      await delegate.page.getByLabel('Ghi chú tại chỗ này').fill('Hỏi lại số liệu quý IV');
      await delegate.page.getByRole('button', { name: 'Lưu', exact: true }).click();
      await delegate.page.locator('.page-frame[data-page="2"][data-private-notes="1"]').waitFor();
      const pinnedAt = await notePlace(delegate.page, 2);
      await delegate.page.evaluate(() => {
        window.__sameDocument = true;
      });

      // The secretary replaces it: page 1 unchanged, page 2 changed.
      const replaced = await upload(
        `/api/v1/documents/${documentId}/versions`,
        secondVersion,
        'ke-hoach-2.pdf',
      );
      assert.ok(replaced.status === 200 || replaced.status === 201, JSON.stringify(replaced.body));
      const versions = await secretary.page.evaluate(
        async (url) => (await fetch(url)).json(),
        `/api/v1/documents/${documentId}/versions`,
      );
      const [one, two] = versions.versions.map((version) => version.page_fingerprints);
      assert.equal(one[0], two[0], 'page 1 should have the same fingerprint in both versions');
      assert.notEqual(one[1], two[1], 'page 2 should have changed');

      // The open reader offers the new version and opens it in place.
      const notice = delegate.page.locator('.agenda-notice', { hasText: 'có phiên bản mới (bản 2)' });
      await notice.getByRole('button', { name: 'Mở phiên bản mới' }).click();
      const earlier = delegate.page.locator('.earlier-notice');
      await earlier.filter({ hasText: '1 ghi chú ở phiên bản trước' }).waitFor({ timeout: 20_000 });
      await delegate.page.locator('.page-frame[data-page="1"]').waitFor();
      await delegate.page.locator('.page-frame[data-page="2"]').waitFor();
      await frameWith(delegate.page, 1, 1).waitFor();
      await frameWith(delegate.page, 2, 0).waitFor();
      // The note followed its line, one line lower on the changed page.
      await delegate.page.locator('.page-frame[data-page="2"][data-private-notes="1"]').waitFor();
      const movedTo = await notePlace(delegate.page, 2);
      const lineStep = lineY(4) - lineY(3);
      assert.ok(
        Math.abs(movedTo.y - pinnedAt.y - lineStep) < 0.003,
        `the note moved from ${pinnedAt.y} to ${movedTo.y}, not by one line (${lineStep})`,
      );
      assert.equal(await delegate.page.evaluate(() => window.__sameDocument), true, 'the page was reloaded');
      assert.doesNotMatch(delegate.page.url(), /version=/);
      await screenshot(delegate.page, 'annotation-versions-new.png');

      // "Cách hiển thị" lists both versions, the one shown pressed.
      await delegate.page.getByRole('button', { name: 'Cách hiển thị' }).click();
      const versionButtons = delegate.page.locator('.version-button');
      assert.deepEqual(
        (await versionButtons.allTextContents()).map((text) => text.replace(/\d\d:\d\d$/, 'HH:MM')),
        ['phiên bản 1, HH:MM', 'phiên bản 2, HH:MM'],
      );
      assert.equal(await versionButtons.nth(1).getAttribute('aria-pressed'), 'true');
      await delegate.page.keyboard.press('Escape');

      // "Xem phiên bản 1": the first version, read only, keeps the page 2 ink.
      await earlier.getByRole('button', { name: 'Xem phiên bản 1' }).click();
      await delegate.page.locator('.earlier-version-banner').waitFor();
      await delegate.page.locator('.page-frame[data-page="2"]').waitFor();
      await frameWith(delegate.page, 2, 1).waitFor();
      await frameWith(delegate.page, 1, 0).waitFor();
      await delegate.page.locator('.page-frame[data-page="2"][data-private-notes="0"]').waitFor();
      assert.match(delegate.page.url(), /version=1/);
      await screenshot(delegate.page, 'annotation-versions-earlier.png');

      // Back on the current version, nothing was copied: still one stroke.
      await delegate.page.getByRole('button', { name: 'Mở phiên bản hiện tại' }).click();
      await earlier.filter({ hasText: '1 ghi chú ở phiên bản trước' }).waitFor();
      await delegate.page.locator('.page-frame[data-page="1"]').waitFor();
      await frameWith(delegate.page, 1, 1).waitFor();
      assert.equal(await delegate.page.evaluate(() => window.__sameDocument), true, 'the page was reloaded');

      for (const actor of [secretary, delegate]) actor.watcher.assertClean();
    } finally {
      await secretary.context.close();
      await delegate.context.close();
    }
  });
});
