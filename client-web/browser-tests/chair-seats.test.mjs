// The chair console's seat grid (issue 25), in a real Chromium against the
// real server: a meeting of 60 members (the demo with 58 delegates, the
// chair and the secretary) fits a 1920×1080 screen without scrolling, each
// seat readable and big enough to tap; choosing a mark and tapping seats
// takes attendance; the quorum line stays on screen however far the
// console is scrolled. The 28-member demo meeting is seen the same way by
// live-meeting.test.mjs's chair.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDemoMeeting, screenshot } from './support/browser.mjs';
import { assertSeatsFit } from './support/seats.mjs';
import { describeWithServer } from './support/suite.mjs';

describeWithServer(
  'the chair console seat grid',
  { timeout: 120_000, server: { extraArgs: ['--demo-delegates', '58'] } },
  (harness) => {
    test('60 members fit a 1920×1080 console; marks are taken with a tap; the quorum stays in view', async () => {
      const { context, page, watcher } = await harness.openPage({
        width: 1920,
        height: 1080,
      });
      try {
        await openDemoMeeting(page, harness.server.baseUrl, 'thuky');
        await page.getByRole('link', { name: 'Điều hành (chủ trì)' }).click();
        await page.locator('.seat-grid[data-seats="60"]').waitFor();
        await assertSeatsFit(page, 60);

        // "Có mặt" is chosen: three taps mark three members present.
        const quorum = page.locator('.live-quorum');
        const presentBefore = Number(await quorum.getAttribute('data-present'));
        for (const name of ['Đại biểu 01', 'Đại biểu 02', 'Đại biểu 03'])
          await page.locator('.seat').filter({ hasText: name }).click();
        await page.locator(`.live-quorum[data-present="${presentBefore + 3}"]`).waitFor();
        // "Đến muộn", then a seat; "Vắng mặt" with a reason, then another.
        await page.locator('.seat-mark[data-mark="late"]').click();
        await page.locator('.seat').filter({ hasText: 'Đại biểu 04' }).click();
        await page.locator('.seat-mark[data-mark="absent"]').click();
        await page.getByLabel('Lý do vắng mặt').fill('Ốm');
        await page.locator('.seat').filter({ hasText: 'Đại biểu 58' }).click();
        await page.locator('.seat[data-status="late"]').filter({ hasText: 'Đại biểu 04' }).waitFor();
        await page.locator('.seat[data-status="absent"]').filter({ hasText: 'Ốm' }).waitFor();
        await page.locator('.seat-counts[data-counts="3/1/1/55"]').waitFor();
        // A second tap with the same mark changes nothing.
        await page.locator('.seat').filter({ hasText: 'Đại biểu 58' }).click();
        await page.locator('.seat-counts[data-counts="3/1/1/55"]').waitFor();
        await assertSeatsFit(page, 60);
        await screenshot(page, 'chair-seats.png');

        // Scrolled to the bottom of the console, the quorum is still there.
        await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
        const box = await quorum.boundingBox();
        assert.ok(box && box.y >= 0 && box.y + box.height <= 1080, 'the quorum line scrolled away');
        assert.equal(
          await page.evaluate(() => {
            const line = document.querySelector('.live-quorum').getBoundingClientRect();
            return (
              document
                .elementFromPoint(line.x + line.width / 2, line.y + line.height / 2)
                ?.closest('.live-quorum') !== null
            );
          }),
          true,
          'something covers the quorum line',
        );
        watcher.assertClean();
      } finally {
        await context.close();
      }
    });
  },
);
