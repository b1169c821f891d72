// The delegate's path through the demo meeting, in a real Chromium against
// the real server binary (`phonghop serve --demo`) serving the built client.
//
// Needs: `npm run build` (client-web/dist), the server binary
// (`cargo build`, or PHONGHOP_BIN) and /usr/bin/chromium
// (`apt-get install -y chromium fonts-noto-core`). Every test also checks
// that the page sent no request off the server's origin, hit no
// Content-Security-Policy violation and threw no uncaught error.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { clientWebDir, distDir, serverBinaryPath, startServer } from './support/server.mjs';

const chromiumPath = '/usr/bin/chromium';
const demoMeetingTitle = 'Họp giao ban UBND huyện (demo)';
const resultsDir = path.join(clientWebDir, 'test-results');
const inCi = process.env.CI === 'true';

/** Why the tests cannot run here, and whether that is a failure. */
function missingPrerequisite() {
  if (!existsSync(chromiumPath)) {
    const message = `BROWSER TESTS NOT RUN: ${chromiumPath} is missing — install it with: apt-get install -y chromium fonts-noto-core`;
    return { message, fail: inCi };
  }
  if (!existsSync(path.join(distDir, 'index.html'))) {
    return {
      message: `BROWSER TESTS NOT RUN: ${distDir}/index.html is missing — run \`npm run build\` in client-web first`,
      fail: true,
    };
  }
  if (!existsSync(serverBinaryPath())) {
    return {
      message: `BROWSER TESTS NOT RUN: the server binary ${serverBinaryPath()} is missing — run \`cargo build\` in the workspace (or set PHONGHOP_BIN)`,
      fail: true,
    };
  }
  return null;
}

/**
 * Records what a page does that it must not: requests to another origin,
 * CSP violations, uncaught errors. `assertClean()` fails the test with the
 * list.
 */
async function watchPage(context, page, origin) {
  const foreignRequests = [];
  const cspViolations = [];
  const pageErrors = [];
  context.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith(`blob:${origin}/`)) return;
    if (new URL(url).origin !== origin) foreignRequests.push(`${request.method()} ${url}`);
  });
  await context.exposeBinding('__phonghopReportCspViolation', (_source, violation) =>
    cspViolations.push(violation),
  );
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      // @ts-ignore: exposed by the test above.
      window.__phonghopReportCspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI} (${event.sourceFile}:${event.lineNumber})`,
      );
    });
  });
  page.on('console', (message) => {
    const text = message.text();
    if (/Content[- ]Security[- ]Policy|Refused to (load|execute|connect|create|apply|evaluate)/i.test(text))
      cspViolations.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return {
    assertClean() {
      assert.deepEqual(foreignRequests, [], 'requests left the server origin');
      assert.deepEqual(cspViolations, [], 'Content-Security-Policy violations');
      assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    },
  };
}

/** Counts the pixels of the reader's canvas that carry ink (anything
 * darker than near-white) and those tinted red like the mật watermark. */
async function canvasPixels(page) {
  return page.evaluate(() => {
    const canvas = document.querySelector('.reader-stage canvas');
    if (!(canvas instanceof HTMLCanvasElement)) return null;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let inked = 0;
    let reddish = 0;
    for (let index = 0; index < data.length; index += 4) {
      const [red, green, blue] = [data[index], data[index + 1], data[index + 2]];
      if (red < 200 || green < 200 || blue < 200) inked += 1;
      if (red - green > 12 && red - blue > 12) reddish += 1;
    }
    return { width: canvas.width, height: canvas.height, inked, reddish };
  });
}

const prerequisite = missingPrerequisite();

if (prerequisite) {
  console.log(`\n${'='.repeat(78)}\n${prerequisite.message}\n${'='.repeat(78)}\n`);
  if (prerequisite.fail) {
    test('browser tests have what they need to run', () => assert.fail(prerequisite.message));
  } else {
    test('delegate path through the demo meeting', { skip: prerequisite.message }, () => {});
  }
} else {
  describe('delegate path through the demo meeting', { timeout: 180_000 }, () => {
    let server;
    let browser;

    before(async () => {
      server = await startServer();
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    /** A fresh browser profile (no cookies, no stored language) on a
     * landscape tablet-sized screen. */
    async function openPage() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN' });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const watcher = await watchPage(context, page, new URL(server.baseUrl).origin);
      return { context, page, watcher };
    }

    async function logIn(page, username, password) {
      await page.getByLabel('Tên đăng nhập').fill(username);
      await page.getByLabel('Mật khẩu', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
    }

    test('server sends the content security policy the client is built for', async () => {
      const { context, page } = await openPage();
      try {
        const response = await page.goto(server.baseUrl);
        const policy = response?.headers()['content-security-policy'] ?? '';
        assert.match(
          policy,
          /script-src 'self'(;|$)/,
          `the page came without the expected CSP; got: "${policy}"`,
        );
        assert.match(policy, /connect-src 'self'/);
      } finally {
        await context.close();
      }
    });

    test('wrong password shows the server message in vietnamese', async () => {
      const { context, page, watcher } = await openPage();
      try {
        await page.goto(server.baseUrl);
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
      const { context, page, watcher } = await openPage();
      try {
        await page.goto(server.baseUrl);
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
        assert.ok(
          pageCount >= 2,
          `the first demo document has ${pageCount} page(s); the test turns to page 2`,
        );

        const pixels = await canvasPixels(page);
        assert.ok(pixels, 'no canvas in the reader');
        assert.ok(
          pixels.width > 300 && pixels.height > 300,
          `the page canvas is only ${pixels.width}×${pixels.height}`,
        );
        assert.ok(pixels.inked > 500, `page 1 looks blank: ${pixels.inked} inked pixels`);

        mkdirSync(resultsDir, { recursive: true });
        await page.screenshot({ path: path.join(resultsDir, 'reader.png') });

        await page.getByRole('button', { name: /Trang sau/ }).click();
        await page.locator('.reader-stage[data-rendered-page="2"]').waitFor();
        assert.equal((await indicator.textContent())?.trim(), `Trang 2/${pageCount}`);
        assert.match(page.url(), /\?page=2$/, 'the address keeps the page number');

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
      const { context, page, watcher } = await openPage();
      try {
        await page.goto(server.baseUrl);
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
        assert.equal(
          (await confidential.first().locator('.badge-confidential').textContent())?.trim(),
          'Mật',
        );
        await confidential.first().click();
        await page.locator('.reader-stage[data-rendered-page="1"]').waitFor();
        await page.locator('.confidential-notice').waitFor();
        const pixels = await canvasPixels(page);
        assert.ok(pixels && pixels.inked > 500, 'the confidential page looks blank');
        assert.ok(
          pixels.reddish > 2_000,
          `no watermark on the confidential page (${pixels.reddish} tinted pixels)`,
        );
        mkdirSync(resultsDir, { recursive: true });
        await page.screenshot({ path: path.join(resultsDir, 'reader-confidential.png') });
        watcher.assertClean();
      } finally {
        await context.close();
      }
    });

    test('english chosen in the header is remembered after a reload', async () => {
      const { context, page, watcher } = await openPage();
      try {
        await page.goto(server.baseUrl);
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
}
