// The delegate's tablet when the network goes away, in a real Chromium
// against the real server (`phonghop serve --demo`).
//
// `daibieu01` opens the demo meeting and waits until its agenda pack is
// "Đã tải xong". Then the tablet goes offline and the page is reloaded:
// the app shell, the meeting (from saved data, under the "Mất kết nối"
// banner) and a non-confidential document must still show, while the
// confidential document says it needs the network and is in no cache.
//
// Playwright's offline emulation (`context.setOffline`) does not cover a
// service worker's own requests (microsoft/playwright#2311), so the test
// also stops the server: nothing can come from the network at all.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canvasPixels, demoMeetingTitle, literally, logIn, screenshot } from './support/browser.mjs';
import { describeWithServer } from './support/suite.mjs';

/** Every URL held in any Cache Storage cache of the page's origin. */
function cachedUrls(page) {
  return page.evaluate(async () => {
    const urls = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) urls.push(`${name} ${new URL(request.url).pathname}`);
    }
    return urls;
  });
}

// This file's own server: the test stops it to cut the network.
describeWithServer('the tablet keeps working offline', { timeout: 180_000 }, (harness) => {
  test('after "Đã tải xong" the meeting and its documents open with no network', async () => {
    const { context, page, watcher } = await harness.openPage();
    try {
      await page.goto(harness.server.baseUrl);
      await logIn(page, 'daibieu01', 'demo');
      await page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
      await page
        .getByRole('link', { name: literally(demoMeetingTitle) })
        .first()
        .click();
      await page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();

      const packStatus = page.locator('.pack-status');
      await page.locator('.pack-status[data-pack-state="complete"]').waitFor({ timeout: 60_000 });
      assert.match((await packStatus.textContent()) ?? '', /^Đã tải xong 2 tài liệu/);
      await page
        .locator(
          '.document-link:not(.document-confidential) .badge-availability[data-availability="offline"]',
        )
        .first()
        .waitFor();
      assert.equal(
        (await page.locator('.document-confidential .badge-availability').first().textContent())?.trim(),
        'Chỉ xem khi có mạng',
      );

      // The service worker controls the page and holds the app shell.
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, {
        timeout: 30_000,
      });
      const urlsOnline = await cachedUrls(page);
      assert.ok(
        urlsOnline.some((entry) => /^phonghop-shell-\S+ \/index\.html$/.test(entry)),
        `the app shell is not cached: ${urlsOnline.join(', ')}`,
      );
      const documentLinks = page.locator('.document-link');
      const confidentialId = await page
        .locator('.document-link.document-confidential')
        .first()
        .getAttribute('data-document-id');
      const readableId = await page
        .locator('.document-link:not(.document-confidential)')
        .first()
        .getAttribute('data-document-id');
      assert.ok(confidentialId && readableId && (await documentLinks.count()) >= 3);

      // The network goes away.
      await context.setOffline(true);
      await harness.server.stop();
      await page.reload();

      await page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
      const banner = page.locator('.saved-banner');
      await banner.waitFor();
      assert.match((await banner.textContent()) ?? '', /^Mất kết nối — đang hiển thị dữ liệu đã lưu/);
      await page.locator('.offline-banner').waitFor();
      await page.locator('.pack-status[data-pack-state="complete"]').waitFor();
      await screenshot(page, 'offline-meeting.png');

      // A non-confidential document opens from the device.
      await page.locator(`.document-link[data-document-id="${readableId}"]`).click();
      await page.locator('.reader-stage[data-rendered-page="1"]').waitFor();
      const pixels = await canvasPixels(page);
      assert.ok(pixels && pixels.inked > 500, 'the kept document renders blank offline');
      await screenshot(page, 'offline-reader.png');

      // The confidential document says it needs the network.
      await page.getByRole('link', { name: /Chương trình họp/ }).click();
      await page.locator(`.document-link[data-document-id="${confidentialId}"]`).click();
      const refusal = page.getByRole('alert').filter({ hasText: 'cần kết nối mạng' });
      await refusal.waitFor();
      assert.match((await refusal.textContent()) ?? '', /Tài liệu mật cần kết nối mạng/);
      await screenshot(page, 'offline-confidential.png');

      // The meetings list shows as saved too.
      await page.goto(`${harness.server.baseUrl}/#/meetings`);
      await page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
      await page.locator('.saved-banner').waitFor();
      await page
        .getByRole('link', { name: literally(demoMeetingTitle) })
        .first()
        .waitFor();

      // Nothing of the confidential document is in any cache.
      const urlsOffline = await cachedUrls(page);
      assert.deepEqual(
        urlsOffline.filter((entry) => entry.includes(confidentialId)),
        [],
        'a confidential document was stored on the device',
      );
      assert.ok(urlsOffline.some((entry) => entry.includes(readableId)));
      watcher.assertClean();
    } finally {
      await context.close();
    }
  });
});
