// A shared tablet forgets its user (issue 21), in a real Chromium against
// the real server (`phonghop serve --demo`).
//
// `daibieu01` opens the demo meeting (its agenda pack reaches the device),
// writes a note on an agenda item while offline, comes back online and
// logs out at once. Afterwards the tablet holds nothing of theirs: no
// IndexedDB database, no cache but the app shell's (which holds no API
// answer and no document), no localStorage key but the device's id and
// language, nothing in sessionStorage. Logged in again on the wiped
// tablet, the note is there: it reached the server before the logout.
//
// Then an administrator asks for a remote wipe of the tablet on the
// "Thiết bị" screen: at its next request the tablet sends its notes,
// wipes the same way and confirms, and the screen shows it wiped.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoMeetingTitle, literally, logIn, screenshot } from './support/browser.mjs';
import { describeWithServer } from './support/suite.mjs';

/** Everything the page's origin keeps: IndexedDB databases, every cache
 * entry, localStorage and sessionStorage keys. */
function deviceContents(page) {
  return page.evaluate(async () => {
    const databases = (await indexedDB.databases()).map((database) => database.name);
    const cacheEntries = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) cacheEntries.push(`${name} ${new URL(request.url).pathname}`);
    }
    return {
      databases,
      cacheNames: await caches.keys(),
      cacheEntries,
      localKeys: Object.keys(localStorage).sort(),
      sessionKeys: Object.keys(sessionStorage),
    };
  });
}

/** Asserts that the tablet holds nothing of any user. */
function assertNothingOfTheUser(contents, how) {
  assert.deepEqual(contents.databases, [], `IndexedDB databases left after ${how}`);
  assert.ok(
    contents.cacheNames.every((name) => name.startsWith('phonghop-shell-')),
    `caches left after ${how}: ${contents.cacheNames.join(', ')}`,
  );
  const userEntries = contents.cacheEntries.filter(
    (entry) => entry.includes('/api/') || entry.includes('/phonghop-saved/') || entry.endsWith('.pdf'),
  );
  assert.deepEqual(userEntries, [], `cached answers or documents left after ${how}`);
  assert.ok(
    contents.localKeys.every((key) => key === 'phonghop.deviceId' || key === 'phonghop.language'),
    `localStorage keys left after ${how}: ${contents.localKeys.join(', ')}`,
  );
  assert.deepEqual(contents.sessionKeys, [], `sessionStorage keys left after ${how}`);
}

/** Opens the demo meeting, waits for its pack, opens its first document
 * that is not confidential, and opens the note of its agenda item. */
async function openItemNote(page) {
  await page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
  await page
    .getByRole('link', { name: literally(demoMeetingTitle) })
    .first()
    .click();
  await page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
  await page.locator('.pack-status[data-pack-state="complete"]').waitFor({ timeout: 60_000 });
  await page.locator('.document-link:not(.document-confidential)').first().click();
  await page.locator('.reader-stage[data-rendered-page="1"]').waitFor();
  await page.locator('.annotate-panel[data-annotations="ready"]').waitFor({ state: 'attached' });
  const toggle = page.getByRole('button', { name: 'Ghi chú và vẽ' });
  if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
  await page.locator('.item-note summary').click();
  return page.locator('.item-note-input');
}

async function writeItemNote(page, text) {
  const input = await openItemNote(page);
  await input.fill(text);
  await page.getByText('Đã lưu trên máy').waitFor();
}

/** The note of the item as the server gives it to a device with nothing
 * kept (the reader fills the box once the notebook arrives). */
async function assertItemNoteFromServer(page, text) {
  await openItemNote(page);
  await page.waitForFunction(
    (expected) => document.querySelector('.item-note-input')?.value === expected,
    text,
    { timeout: 20_000 },
  );
}

/** The administrator's "Thiết bị" screen with `username`'s devices. */
async function openDevicesScreen(page, baseUrl, username) {
  await page.goto(baseUrl);
  await logIn(page, 'quantri', 'demo');
  await page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
  await page.getByRole('link', { name: 'Thiết bị', exact: true }).click();
  await page.getByRole('heading', { name: 'Thiết bị của tài khoản' }).waitFor();
  const picker = page.getByLabel('Tài khoản');
  const value = await picker.locator('option', { hasText: `(${username})` }).getAttribute('value');
  await picker.selectOption(value);
  await page.locator('.devices-table').waitFor();
}

describeWithServer('a shared tablet forgets its user', { timeout: 240_000 }, (harness) => {
  test('after logging out nothing of the delegate is left, and the note written offline reached the server', async () => {
    const tablet = await harness.openPage();
    try {
      const { page, context } = tablet;
      await page.goto(harness.server.baseUrl);
      await logIn(page, 'daibieu01', 'demo');
      await openItemNote(page);
      // The service worker holds the shell, and the pack is on the device.
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, {
        timeout: 30_000,
      });
      const before = await deviceContents(page);
      assert.ok(
        before.databases.some((name) => name.startsWith('phonghop-sync-')),
        `no notebook database: ${before.databases.join(', ')}`,
      );
      assert.ok(before.cacheNames.includes('phonghop-documents-v1'), before.cacheNames.join(', '));

      // Written offline, then the network returns and the delegate logs
      // out straight away.
      await context.setOffline(true);
      await page.locator('.offline-banner').waitFor();
      await page.locator('.item-note-input').fill('Ghi chú viết lúc mất mạng');
      await page.getByText('Đã lưu trên máy').waitFor();
      await page.waitForTimeout(300);
      await context.setOffline(false);
      // The reader fills the screen: "Đăng xuất" is in the agenda's header.
      await page.getByRole('link', { name: /Chương trình họp/ }).click();
      const loggingOut = Date.now();
      await page.getByRole('button', { name: 'Đăng xuất' }).click();
      await page.getByText('Bạn đã đăng xuất.').waitFor({ timeout: 30_000 });
      console.log(`logout with an unsent note: ${Date.now() - loggingOut} ms to the login screen`);
      await page.getByRole('button', { name: 'Đăng nhập' }).waitFor();
      await screenshot(page, 'wipe-logged-out.png');
      assertNothingOfTheUser(await deviceContents(page), 'logging out');

      // Another delegate on the same tablet sees nothing of the first.
      await logIn(page, 'daibieu02', 'demo');
      const otherNote = await openItemNote(page);
      assert.equal(await otherNote.inputValue(), '');
      const whileSecond = await deviceContents(page);
      assert.ok(
        whileSecond.databases.every((name) => !name.includes('daibieu01')),
        whileSecond.databases.join(', '),
      );
      await page.getByRole('link', { name: /Chương trình họp/ }).click();
      await page.getByRole('button', { name: 'Đăng xuất' }).click();
      await page.getByText('Bạn đã đăng xuất.').waitFor({ timeout: 30_000 });

      // The first delegate again: the note comes back from the server.
      await logIn(page, 'daibieu01', 'demo');
      await assertItemNoteFromServer(page, 'Ghi chú viết lúc mất mạng');
      tablet.watcher.assertClean();
    } finally {
      await tablet.context.close();
    }
  });

  test('a remote wipe asked on the devices screen empties the tablet at its next request, after its notes are sent, and is confirmed', async () => {
    const tablet = await harness.openPage();
    const admin = await harness.openPage();
    try {
      const { page } = tablet;
      await page.goto(harness.server.baseUrl);
      await logIn(page, 'daibieu01', 'demo');
      await writeItemNote(page, 'Ghi chú trước khi máy bị xóa từ xa');
      const deviceId = await page.evaluate(() => localStorage.getItem('phonghop.deviceId'));
      assert.ok(deviceId);

      // The administrator finds the tablet among daibieu01's devices.
      await openDevicesScreen(admin.page, harness.server.baseUrl, 'daibieu01');
      const row = admin.page.locator(`.devices-table tr[data-device-id="${deviceId}"]`);
      assert.equal(await row.getAttribute('data-state'), 'in_use');
      assert.match((await row.textContent()) ?? '', /Chrome trên Linux/);
      await row.getByRole('button', { name: 'Xóa dữ liệu từ xa' }).click();
      await admin.page.locator('dialog').getByRole('button', { name: 'Xóa dữ liệu từ xa' }).click();
      await admin.page.getByText('Đã yêu cầu xóa.').waitFor();
      await admin.page
        .locator(`.devices-table tr[data-device-id="${deviceId}"][data-state="wipe_pending"]`)
        .waitFor();
      assert.equal(await row.getByRole('button', { name: 'Xóa dữ liệu từ xa' }).count(), 0);
      await screenshot(admin.page, 'wipe-devices-pending.png');

      // The tablet hears it at its next request: the live socket the
      // server closed asks `/auth/me`, or else going back to the agenda.
      const asked = Date.now();
      const wipedNotice = page.getByText('Quản trị viên đã yêu cầu xóa dữ liệu trên máy này.');
      const heardAlone = await wipedNotice
        .waitFor({ timeout: 3_000 })
        .then(() => true)
        .catch(() => false);
      if (!heardAlone) {
        await page.evaluate(() => (location.hash = '#/meetings')).catch(() => undefined);
        await wipedNotice.waitFor({ timeout: 30_000 });
      }
      console.log(
        `remote wipe: login screen ${Date.now() - asked} ms after the request (${heardAlone ? 'live socket' : 'next API call'})`,
      );
      await screenshot(page, 'wipe-remote.png');
      assertNothingOfTheUser(await deviceContents(page), 'a remote wipe');

      // The administrator's list shows it wiped.
      await admin.page.reload();
      await admin.page
        .locator(`.devices-table tr[data-device-id="${deviceId}"][data-state="wiped"]`)
        .waitFor();
      assert.match((await row.locator('.device-state').textContent()) ?? '', /^Đã xóa lúc/);
      await screenshot(admin.page, 'wipe-devices-wiped.png');

      // A new login on the wiped tablet works, and the note was sent.
      await logIn(page, 'daibieu01', 'demo');
      await assertItemNoteFromServer(page, 'Ghi chú trước khi máy bị xóa từ xa');
      tablet.watcher.assertClean();
      admin.watcher.assertClean();
    } finally {
      await tablet.context.close();
      await admin.context.close();
    }
  });
});
