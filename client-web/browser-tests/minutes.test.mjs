// The minutes draft (dự thảo biên bản) in a real Chromium against the real
// server (`phonghop serve --demo`): the secretary and the chair type into
// it at the same time from their consoles and both end with both edits;
// a delegate reads it and cannot change it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoMeetingTitle, openDemoMeeting, screenshot } from './support/browser.mjs';
import { describeWithServer } from './support/suite.mjs';

async function openDemoMeetingAgenda(page, baseUrl, username) {
  await openDemoMeeting(page, baseUrl, username);
  await page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
}

/** Opens the console's minutes, ready to type. */
async function openConsoleMinutes(page, baseUrl, username) {
  await openDemoMeetingAgenda(page, baseUrl, username);
  await page.getByRole('link', { name: 'Điều hành (chủ trì)' }).click();
  await page.waitForURL(/#\/meetings\/[^/]+\/chair$/);
  await page.locator('.minutes-panel[data-minutes="ready"][data-access="write"]').waitFor();
  return page.getByRole('textbox', { name: 'Dự thảo biên bản' });
}

const minutesValue = (page) => page.locator('.minutes-text').inputValue();

/** Waits until the page's minutes read `expected`; on a timeout, fails
 * with the text it had. */
async function waitForMinutes(page, expected, timeout = 20_000) {
  try {
    await page.waitForFunction((text) => document.querySelector('.minutes-text')?.value === text, expected, {
      timeout,
    });
  } catch (error) {
    assert.equal(await minutesValue(page), expected, `${error}`);
    throw error;
  }
}

describeWithServer('the minutes draft', { timeout: 180_000 }, (harness) => {
  test('the secretary’s and the chair’s edits merge; a delegate only reads', async () => {
    const secretary = await harness.openPage();
    const chair = await harness.openPage();
    const delegate = await harness.openPage();
    try {
      const secretaryText = await openConsoleMinutes(secretary.page, harness.server.baseUrl, 'thuky');
      const chairText = await openConsoleMinutes(chair.page, harness.server.baseUrl, 'chutri');
      const seeded = await minutesValue(secretary.page);
      assert.match(seeded, /^BIÊN BẢN CUỘC HỌP\n/, 'the minutes start as the server seeded them');
      assert.match(seeded, /Kết luận:\n$/);
      assert.equal(await minutesValue(chair.page), seeded);

      // Both type at once: the secretary at the top, the chair at the end.
      await secretaryText.focus();
      await secretary.page.keyboard.press('Control+Home');
      await chairText.focus();
      await chair.page.keyboard.press('Control+End');
      await Promise.all([
        secretary.page.keyboard.type('Thời gian: 8 giờ 00. ', { delay: 15 }),
        chair.page.keyboard.type('Thống nhất thông qua báo cáo.', { delay: 15 }),
      ]);
      const merged = `Thời gian: 8 giờ 00. ${seeded}Thống nhất thông qua báo cáo.`;
      for (const page of [secretary.page, chair.page]) await waitForMinutes(page, merged);
      await screenshot(chair.page, 'minutes-chair.png');

      // A delegate reads the same text and cannot type into it.
      await openDemoMeetingAgenda(delegate.page, harness.server.baseUrl, 'daibieu01');
      await delegate.page.locator('.minutes-panel[data-minutes="ready"][data-access="read"]').waitFor();
      await waitForMinutes(delegate.page, merged);
      assert.equal(await delegate.page.locator('.minutes-text').getAttribute('readonly'), '');
      await delegate.page.locator('.minutes-text').click();
      await delegate.page.keyboard.type('sửa trộm');
      assert.equal(await minutesValue(delegate.page), merged);

      secretary.watcher.assertClean();
      chair.watcher.assertClean();
      delegate.watcher.assertClean();
    } finally {
      await secretary.context.close();
      await chair.context.close();
      await delegate.context.close();
    }
  });
});
