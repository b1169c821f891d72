// The delegate's path through the demo meeting, in a real Chromium against
// the real server binary (`phonghop serve --demo`) serving the built client.
//
// Needs: `npm run build` (client-web/dist), the server binary
// (`cargo build`, or PHONGHOP_BIN) and /usr/bin/chromium
// (`apt-get install -y chromium fonts-noto-core`). Every test also checks
// that the page sent no request off the server's origin, hit no
// Content-Security-Policy violation and threw no uncaught error.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canvasPixels, demoMeetingTitle, logIn, screenshot } from './support/browser.mjs';
import { describeWithServer } from './support/suite.mjs';

describeWithServer('delegate path through the demo meeting', { timeout: 180_000 }, (harness) => {
  test('server sends the content security policy the client is built for', async () => {
    const { context, page } = await harness.openPage();
    try {
      const response = await page.goto(harness.server.baseUrl);
      const policy = response?.headers()['content-security-policy'] ?? '';
      // pdf.js compiles its image decoders as WebAssembly, which needs
      // 'wasm-unsafe-eval'; JavaScript eval ('unsafe-eval') stays off.
      assert.match(
        policy,
        /script-src 'self'( 'wasm-unsafe-eval')?(;|$)/,
        `the page came without the expected CSP; got: "${policy}"`,
      );
      assert.doesNotMatch(policy, /'unsafe-eval'/);
      assert.match(policy, /connect-src 'self'/);
      assert.match(policy, /worker-src 'self'/, 'the service worker needs worker-src self');
    } finally {
      await context.close();
    }
  });

  test('wrong password shows the server message in vietnamese', async () => {
    const { context, page, watcher } = await harness.openPage();
    try {
      await page.goto(harness.server.baseUrl);
      await page.waitForURL(/#\/login$/);
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'vi');
      const answer = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/login'));
      await logIn(page, 'daibieu01', 'sai-mat-khau');
      const response = await answer;
      assert.equal(response.status(), 401);
      assert.equal(response.request().headers()['accept-language'], 'vi');
      const body = await response.json();
      assert.equal(body.code, 'invalid_credentials');
      const shown = page.getByRole('alert').filter({ hasText: body.message });
      await shown.waitFor();
      assert.equal((await shown.textContent())?.trim(), body.message.trim());
      // Vietnamese text carries diacritics; an English fallback would not.
      assert.match(
        body.message,
        /[àáảãạăâđèéẻẽẹêìíỉĩịòóỏõọôơùúủũụưỳýỷỹỵ]/i,
        `not a Vietnamese message: ${body.message}`,
      );
      assert.match(page.url(), /#\/login$/, 'a refused login must stay on the login screen');
      watcher.assertClean();
    } finally {
      await context.close();
    }
  });

  test('delegate opens the demo meeting and reads its first document', async () => {
    const { context, page, watcher } = await harness.openPage();
    try {
      await page.goto(harness.server.baseUrl);
      await logIn(page, 'daibieu01', 'demo');

      await page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
      await page.locator('.user-name').filter({ hasText: /\S/ }).waitFor();
      await page
        .getByRole('link', { name: new RegExp(demoMeetingTitle.replace(/[()]/g, '\\$&')) })
        .first()
        .click();

      await page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
      await page.getByRole('heading', { name: 'Chương trình họp' }).waitFor();
      const agendaItems = page.locator('.agenda-item');
      assert.ok((await agendaItems.count()) >= 1, 'the demo meeting shows no agenda items');
      const firstItemTitle = (await page.locator('.agenda-title').first().textContent())?.trim();
      assert.ok(firstItemTitle, 'the first agenda item has no title');

      const firstDocument = page.locator('.document-link').first();
      const documentTitle = (await firstDocument.locator('.document-title').textContent())?.trim();
      await firstDocument.click();

      const stage = page.locator('.reader-stage[data-rendered-page="1"]');
      await stage.waitFor();
      await page.getByRole('heading', { level: 1, name: documentTitle }).waitFor();
      const indicator = page.locator('.page-indicator');
      const counter = (await indicator.textContent())?.trim() ?? '';
      const match = /^Trang 1\/(\d+)$/.exec(counter);
      assert.ok(match, `the page counter reads "${counter}", not "Trang 1/N"`);
      const pageCount = Number(match[1]);
      assert.ok(pageCount >= 2, `the first demo document has ${pageCount} page(s); the test turns to page 2`);

      const pixels = await canvasPixels(page);
      assert.ok(pixels, 'no canvas in the reader');
      assert.ok(
        pixels.width > 300 && pixels.height > 300,
        `the page canvas is only ${pixels.width}×${pixels.height}`,
      );
      assert.ok(pixels.inked > 500, `page 1 looks blank: ${pixels.inked} inked pixels`);

      await screenshot(page, 'reader.png');

      await page.getByRole('button', { name: /Trang sau/ }).click();
      await page.locator('.reader-stage[data-rendered-page="2"]').waitFor();
      assert.equal((await indicator.textContent())?.trim(), `Trang 2/${pageCount}`);
      // The address keeps the page number.
      await page.waitForURL(/\?page=2$/);

      // The arrow keys turn pages too.
      await page.keyboard.press('ArrowLeft');
      await page.locator('.reader-stage[data-rendered-page="1"]').waitFor();
      assert.equal((await indicator.textContent())?.trim(), `Trang 1/${pageCount}`);

      watcher.assertClean();
    } finally {
      await context.close();
    }
  });

  test('confidential document is watermarked with the reader name', async () => {
    const { context, page, watcher } = await harness.openPage();
    try {
      await page.goto(harness.server.baseUrl);
      await logIn(page, 'daibieu01', 'demo');
      await page
        .getByRole('link', { name: new RegExp(demoMeetingTitle.replace(/[()]/g, '\\$&')) })
        .first()
        .click();
      await page.locator('.agenda-item').first().waitFor();
      const confidential = page.locator('.document-link.document-confidential');
      if ((await confidential.count()) === 0) {
        assert.fail('the demo meeting has no confidential (mật) document to check the watermark on');
      }
      assert.equal((await confidential.first().locator('.badge-confidential').textContent())?.trim(), 'Mật');
      await confidential.first().click();
      await page.locator('.reader-stage[data-rendered-page="1"]').waitFor();
      await page.locator('.confidential-notice').waitFor();
      const pixels = await canvasPixels(page);
      assert.ok(pixels && pixels.inked > 500, 'the confidential page looks blank');
      assert.ok(
        pixels.reddish > 2_000,
        `no watermark on the confidential page (${pixels.reddish} tinted pixels)`,
      );
      await screenshot(page, 'reader-confidential.png');
      watcher.assertClean();
    } finally {
      await context.close();
    }
  });

  test('english chosen in the header is remembered after a reload', async () => {
    const { context, page, watcher } = await harness.openPage();
    try {
      await page.goto(harness.server.baseUrl);
      await logIn(page, 'daibieu01', 'demo');
      await page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { name: 'My meetings' }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: 'My meetings' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      watcher.assertClean();
    } finally {
      await context.close();
    }
  });
});
