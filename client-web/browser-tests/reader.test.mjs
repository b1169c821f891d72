// Reading on a tablet (issue 25), in a real Chromium against the real
// server: the document gets the screen in both orientations, the pages
// move under the fingers (swipe, pinch, double tap) and the keys, the
// navigator finds a page by thumbnail, outline and search, the fit chosen
// is remembered, and a vote that opens while reading takes the screen.
//
// The 83-page fixture (tests/fixtures) is uploaded to the demo meeting by
// the secretary first. Screenshots of the reading view in both
// orientations go to test-results/ for the guide.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { demoMeetingTitle, openDemoMeeting, screenshot } from './support/browser.mjs';
import {
  currentPage,
  doubleTap,
  pageAreaShare,
  pinch,
  swipe,
  uploadLongFixture,
  waitForVisiblePages,
} from './support/reader.mjs';
import { describeWithServer } from './support/suite.mjs';

/** Opens the demo meeting as `username` and the document `documentId`. */
async function openDocument(page, baseUrl, username, documentId) {
  await openDemoMeeting(page, baseUrl, username);
  await page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
  await page.locator(`.document-link[data-document-id="${documentId}"]`).click();
  await page.locator('.reader-stage[data-rendered-page]').waitFor();
  await waitForVisiblePages(page);
}

async function waitForPage(page, number) {
  await page.locator(`.reader-stage[data-page="${number}"][data-rendered-page="${number}"]`).waitFor();
}

async function assertTouchTargets(page) {
  for (const control of await page.locator('.reader-bar .button:visible').all()) {
    const box = await control.boundingBox();
    assert.ok(box && box.width >= 48 && box.height >= 48, `a bar control is ${box?.width}×${box?.height}`);
  }
}

describeWithServer('reading on a tablet', { timeout: 240_000 }, (harness) => {
  let longDocument;

  before(async () => {
    longDocument = await uploadLongFixture(harness.browser, harness.server.baseUrl);
  });

  for (const [orientation, viewport, fit] of [
    ['landscape', { width: 1280, height: 800 }, 'width'],
    ['portrait', { width: 800, height: 1280 }, 'page'],
  ]) {
    test(`the page covers at least 80% of a ${viewport.width}×${viewport.height} ${orientation} screen when a document opens`, async () => {
      const { context, page, watcher } = await harness.openPage(viewport);
      try {
        await openDocument(page, harness.server.baseUrl, 'daibieu01', longDocument.documentId);
        assert.equal(await currentPage(page), 1);
        const { share, unobstructed } = await pageAreaShare(page);
        console.log(
          `${orientation} ${viewport.width}×${viewport.height}: the pages cover ${(share * 100).toFixed(1)}%`,
        );
        assert.ok(share >= 0.8, `the pages cover ${(share * 100).toFixed(1)}% of the screen`);
        assert.equal(unobstructed, 1, 'something is drawn over the page');
        // The fit is this orientation's default.
        await page.getByRole('button', { name: 'Cách hiển thị' }).click();
        assert.equal(
          await page.locator(`.fit-button[data-fit="${fit}"]`).getAttribute('aria-pressed'),
          'true',
        );
        await page.getByRole('button', { name: 'Cách hiển thị' }).click();
        const frame = await page.locator('.page-frame[data-page="1"]').boundingBox();
        const stage = await page.locator('.reader-stage').boundingBox();
        if (fit === 'width') {
          assert.ok(frame.width >= stage.width - 40, `fit width draws the page ${frame.width} px wide`);
        } else {
          assert.ok(
            frame.y >= stage.y && frame.y + frame.height <= stage.y + stage.height + 1,
            'fit page shows the whole page',
          );
        }
        await assertTouchTargets(page);
        await screenshot(page, `reader-${orientation}.png`);
        watcher.assertClean();
      } finally {
        await context.close();
      }
    });
  }

  test('swipes, keys, thumbnails, the outline and the search move through the 83 pages; zoom follows the fingers', async () => {
    const { context, page, watcher } = await harness.openPage(
      { width: 1280, height: 800 },
      { hasTouch: true },
    );
    try {
      await openDocument(page, harness.server.baseUrl, 'daibieu02', longDocument.documentId);
      const stage = await page.locator('.reader-stage').boundingBox();
      const middle = { x: stage.x + stage.width / 2, y: stage.y + stage.height / 2 };

      // A swipe to the left brings the next page, to the right the previous.
      await swipe(page, { x: middle.x + 250, y: middle.y }, { x: middle.x - 250, y: middle.y + 10 });
      await waitForPage(page, 2);
      await swipe(page, { x: middle.x - 250, y: middle.y }, { x: middle.x + 250, y: middle.y });
      await waitForPage(page, 1);
      await page.keyboard.press('ArrowRight');
      await waitForPage(page, 2);
      assert.match(await page.locator('.page-indicator').textContent(), /^Trang 2\/83$/);

      // Thumbnails: the page number opens them; a tap shows that page.
      await page.locator('.page-indicator').click();
      const thumbnail = page.locator('.thumbnail[data-page="40"]');
      await thumbnail.scrollIntoViewIfNeeded();
      await page.locator('.thumbnail[data-page="40"] canvas').waitFor();
      await thumbnail.click();
      await waitForPage(page, 40);
      assert.ok(await page.locator('.reader-navigator').isHidden(), 'the navigator stays open over the page');
      await page.waitForFunction(() => /[?&]page=40$/.test(location.hash));

      // The outline (the document's bookmarks).
      await page.locator('.page-indicator').click();
      await page.getByRole('tab', { name: 'Mục lục' }).click();
      const entry = page.locator('.outline-entry[data-page]:not([data-page=""])').filter({
        has: page.locator('.outline-page'),
      });
      const entries = await entry.all();
      assert.ok(entries.length > 10, `the outline has ${entries.length} entries with a page`);
      let chosen = null;
      for (const candidate of entries) {
        const number = Number(await candidate.getAttribute('data-page'));
        if (number >= 10 && number !== 40) {
          chosen = { candidate, number };
          break;
        }
      }
      assert.ok(chosen, 'no outline entry leads past page 10');
      await chosen.candidate.click();
      await waitForPage(page, chosen.number);

      // Search, typed without diacritics: "nhom zalo" finds "nhóm Zalo".
      await page.getByRole('button', { name: 'Tìm trong tài liệu' }).click();
      await page.getByLabel('Từ cần tìm').fill('nhom zalo');
      await page.getByLabel('Từ cần tìm').press('Enter');
      await page.locator('.search-panel[data-hits]').waitFor();
      const result = page.locator('.search-result').first();
      const hitPage = Number(await result.getAttribute('data-page'));
      assert.ok(hitPage >= 30, `the first hit is on page ${hitPage}`);
      assert.match(await result.textContent(), /nhóm Zalo/i);
      await result.click();
      await waitForPage(page, hitPage);
      const hit = page.locator(`.page-frame[data-page="${hitPage}"] .search-hit-active`);
      await hit.first().waitFor();
      const hitBox = await hit.first().boundingBox();
      assert.ok(
        hitBox.y >= stage.y && hitBox.y + hitBox.height <= stage.y + stage.height,
        'the hit is not on screen',
      );
      await page
        .locator('.find-bar')
        .getByText(/Kết quả 1\/\d+/)
        .waitFor();
      await screenshot(page, 'reader-search.png');
      await page.getByRole('button', { name: 'Xóa tìm kiếm' }).click();
      await page.locator('.search-hit').first().waitFor({ state: 'detached' });

      // Pinch out: the page grows about where the fingers are; a double
      // tap brings it back to the fit.
      const before = await page.locator(`.page-frame[data-page="${hitPage}"]`).boundingBox();
      await pinch(page, middle, 200, 2);
      await page.waitForFunction(
        ([number, width]) =>
          document.querySelector(`.page-frame[data-page="${number}"]`)?.getBoundingClientRect().width >
          width * 1.8,
        [hitPage, before.width],
      );
      assert.equal(await currentPage(page), hitPage, 'the pinch moved away from the page under the fingers');
      await doubleTap(page, middle);
      await page.waitForFunction(
        ([number, width]) =>
          Math.abs(
            document.querySelector(`.page-frame[data-page="${number}"]`)?.getBoundingClientRect().width -
              width,
          ) < 2,
        [hitPage, before.width],
      );

      // Two pages side by side, remembered on this device after a reload.
      await page.getByRole('button', { name: 'Cách hiển thị' }).click();
      await page.getByRole('button', { name: 'Hai trang' }).click();
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => {
        const frames = [...document.querySelectorAll('.page-slot')].map((slot) =>
          slot.getBoundingClientRect(),
        );
        return frames.length > 1 && Math.abs(frames[0].top - frames[1].top) < 1;
      });
      await page.reload();
      await page.locator('.reader-stage[data-rendered-page]').waitFor();
      await page.getByRole('button', { name: 'Cách hiển thị' }).click();
      assert.equal(await page.locator('.fit-button[data-fit="spread"]').getAttribute('aria-pressed'), 'true');
      await page.getByRole('button', { name: 'Vừa chiều rộng' }).click();
      watcher.assertClean();
    } finally {
      await context.close();
    }
  });

  test('a vote that opens while reading takes the whole screen; "Quay lại" returns from following', async () => {
    const chair = await harness.openPage({ width: 1920, height: 1080 });
    const delegate = await harness.openPage();
    try {
      await openDemoMeeting(chair.page, harness.server.baseUrl, 'chutri');
      await chair.page.getByRole('link', { name: 'Điều hành (chủ trì)' }).click();
      await chair.page.locator('.chair-votes').waitFor();

      await openDocument(delegate.page, harness.server.baseUrl, 'daibieu03', longDocument.documentId);
      // Check in from the folded meeting panel: one tap to open it.
      await delegate.page.getByRole('button', { name: 'Điểm danh, phát biểu, yêu cầu' }).click();
      await delegate.page.getByRole('button', { name: 'Điểm danh', exact: true }).click();
      await delegate.page.getByText('Đã điểm danh').waitFor();
      // Read on: a page of one's own, with the tools docked and the
      // navigator open.
      await delegate.page.locator('.page-indicator').click();
      await delegate.page.getByLabel('Đến trang').fill('40');
      await delegate.page.getByLabel('Đến trang').press('Enter');
      await waitForPage(delegate.page, 40);
      await delegate.page.locator('.reader-follow[data-following="false"]').waitFor();
      await delegate.page.getByRole('button', { name: 'Ghi chú và vẽ' }).click();
      await delegate.page.locator('.page-indicator').click();

      await chair.page.getByRole('button', { name: 'Mở biểu quyết' }).click();
      const card = delegate.page.locator('.vote-card[data-vote-state="open"]');
      await card.waitFor();
      const overlay = await delegate.page.locator('.vote-overlay').boundingBox();
      assert.deepEqual(
        [overlay.x, overlay.y, overlay.width, overlay.height],
        [0, 0, 1280, 800],
        'the vote does not cover the screen',
      );
      const onTop = await delegate.page.evaluate(() => {
        const points = [];
        for (const x of [0.1, 0.5, 0.9])
          for (const y of [0.1, 0.5, 0.9]) points.push([x * innerWidth, y * innerHeight]);
        return points.every(([x, y]) => document.elementFromPoint(x, y)?.closest('.vote-overlay'));
      });
      assert.ok(onTop, 'something shows over the vote');
      await screenshot(delegate.page, 'reader-vote.png');
      await card.getByRole('button', { name: 'Tán thành', exact: true }).click();
      await delegate.page.getByText('Đã ghi nhận biểu quyết của bạn').waitFor();
      await chair.page.getByRole('button', { name: 'Kết thúc biểu quyết' }).click();
      await delegate.page.locator('.vote-card').getByRole('button', { name: 'Đóng' }).click();
      await delegate.page.locator('.vote-card').waitFor({ state: 'detached' });

      // The chair presents page 2 of the first item's document; the
      // delegate chooses to follow, then goes back to page 40.
      await chair.page.getByRole('button', { name: 'Nội dung sau ›' }).click();
      await chair.page.locator('.chair-followed[data-page="1"]').waitFor();
      await chair.page.getByRole('button', { name: 'Trang sau ›' }).click();
      await chair.page.locator('.chair-followed[data-page="2"]').waitFor();
      const presented = await chair.page.locator('.chair-followed').getAttribute('data-document-id');
      assert.equal(await currentPage(delegate.page), 40, 'a delegate reading on their own was moved');
      await delegate.page.locator('.reader-follow[data-following="false"]').click();
      await delegate.page.waitForURL(new RegExp(`/documents/${presented}\\?page=2$`));
      await waitForPage(delegate.page, 2);
      await delegate.page.locator('.reader-follow[data-following="true"]').waitFor();
      const back = delegate.page.locator('.reader-return[data-return-page="40"]');
      assert.match(await back.textContent(), /Quay lại: .*trang 40/);
      await back.click();
      await delegate.page.waitForURL(new RegExp(`/documents/${longDocument.documentId}\\?page=40$`));
      await waitForPage(delegate.page, 40);
      await delegate.page.locator('.reader-follow[data-following="false"]').waitFor();
      assert.equal(await delegate.page.locator('.reader-return').count(), 0);

      chair.watcher.assertClean();
      delegate.watcher.assertClean();
    } finally {
      await delegate.context.close();
      await chair.context.close();
    }
  });
});
