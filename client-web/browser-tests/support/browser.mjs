// What every browser test file needs besides the server: the check that
// Chromium, the built client and the server binary are there, a browser
// launched like CI launches it, tablet-sized pages that report anything
// the app must not do, logging in, and where screenshots go.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { clientWebDir, distDir, serverBinaryPath } from './server.mjs';

export const chromiumPath = '/usr/bin/chromium';
export const resultsDir = path.join(clientWebDir, 'test-results');
export const demoMeetingTitle = 'Họp giao ban UBND huyện (demo)';
const inCi = process.env.CI === 'true';

/** Why the tests cannot run here, and whether that is a failure: a
 * missing Chromium fails under CI=true and is skipped loudly otherwise;
 * a missing build or server binary always fails. */
export function missingPrerequisite() {
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

/** Registers the one test that reports a missing prerequisite, so that a
 * file never passes silently without running. */
export function reportMissingPrerequisite(test, prerequisite, name) {
  console.log(`\n${'='.repeat(78)}\n${prerequisite.message}\n${'='.repeat(78)}\n`);
  if (prerequisite.fail) {
    test('browser tests have what they need to run', () => assert.fail(prerequisite.message));
  } else {
    test(name, { skip: prerequisite.message }, () => {});
  }
}

export function launchBrowser() {
  return chromium.launch({
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
}

/**
 * Records what a page does that it must not: requests to another origin,
 * CSP violations, uncaught errors. `assertClean()` fails the test with the
 * list.
 */
export async function watchPage(context, page, origin) {
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

/** A fresh browser profile (no cookies, no stored language, no service
 * worker) on a landscape tablet-sized screen; `options` go to the context
 * (`{ hasTouch: true }` for a touch screen). */
export async function openPage(browser, baseUrl, viewport = { width: 1280, height: 800 }, options = {}) {
  const context = await browser.newContext({ viewport, locale: 'vi-VN', ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const watcher = await watchPage(context, page, new URL(baseUrl).origin);
  return { context, page, watcher };
}

export async function logIn(page, username, password) {
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
}

/** Logs in as `username` (password `demo`) and opens the demo meeting
 * from "Cuộc họp của tôi". */
export async function openDemoMeeting(page, baseUrl, username) {
  await page.goto(baseUrl);
  await logIn(page, username, 'demo');
  await page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
  await page
    .getByRole('link', { name: literally(demoMeetingTitle) })
    .first()
    .click();
}

/** A regular expression matching `text` literally. */
export function literally(text) {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

export async function screenshot(page, name, options = {}) {
  mkdirSync(resultsDir, { recursive: true });
  await page.screenshot({ path: path.join(resultsDir, name), ...options });
}

/** Counts the pixels of the reader's canvas that carry ink (anything
 * darker than near-white) and those tinted red like the mật watermark. */
export async function canvasPixels(page, pageNumber = 1) {
  return page.evaluate((pageNumber) => {
    const canvas = document.querySelector(`.reader-stage .page-frame[data-page="${pageNumber}"] canvas`);
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
  }, pageNumber);
}
