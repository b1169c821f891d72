// The meeting calendar (lịch họp), in a real Chromium against the real
// server: the week shows each meeting on its own day, the secretary sees a
// draft they prepare next week, and a delegate who is not part of it does
// not.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoMeetingTitle, literally, logIn, screenshot } from './support/browser.mjs';
import { describeWithServer } from './support/suite.mjs';

/** `YYYY-MM-DD` of the wall-clock day of an RFC 3339 time, in its own offset. */
const dayOf = (startsAt) => startsAt.slice(0, 10);

/** The Monday (`YYYY-MM-DD`) of the week after the one holding `date`. */
function nextMonday(date) {
  const day = new Date(`${date}T12:00:00Z`);
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  day.setUTCDate(day.getUTCDate() - sinceMonday + 7);
  return day.toISOString().slice(0, 10);
}

describeWithServer('meeting calendar', { timeout: 180_000 }, (harness) => {
  test('the week shows the demo meeting on its day, and next week a draft only to its secretary', async () => {
    const secretary = await harness.openPage();
    const delegate = await harness.openPage();
    try {
      const { page } = secretary;
      await page.goto(harness.server.baseUrl);
      await logIn(page, 'thuky', 'demo');
      await page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
      const list = await (await page.request.get(`${harness.server.baseUrl}/api/v1/meetings`)).json();
      const demo = list.meetings.find((meeting) => meeting.title === demoMeetingTitle);
      assert.ok(demo, 'the demo meeting is in the secretary list');
      const demoDay = dayOf(demo.starts_at);
      const draftMonday = nextMonday(demoDay);
      const draftTitle = 'Họp chuẩn bị tuần sau (bản nháp)';
      const created = await page.request.post(`${harness.server.baseUrl}/api/v1/meetings`, {
        data: { title: draftTitle, starts_at: `${draftMonday}T14:00:00+07:00`, place: 'Phòng họp số 2' },
      });
      assert.equal(created.status(), 201, await created.text());

      // From the list, the calendar opens at this week; the address names
      // any week, and the demo meeting is on its own day.
      await page.getByRole('link', { name: 'Lịch họp' }).click();
      await page.getByRole('heading', { name: 'Lịch họp' }).waitFor();
      await page.goto(`${harness.server.baseUrl}/#/calendar?week=${demoDay}`);
      const demoColumn = page.locator(`.calendar-day[data-date="${demoDay}"]`);
      await demoColumn.getByText(literally(demoMeetingTitle)).waitFor();
      assert.equal(await page.locator('.calendar-day').count(), 7, 'a week has seven days');
      await screenshot(page, 'calendar-week.png');

      // Next week: the secretary's draft on its Monday, marked as a draft.
      await page.getByRole('link', { name: 'Tuần sau ›' }).click();
      const draftColumn = page.locator(`.calendar-day[data-date="${draftMonday}"]`);
      const draft = draftColumn.locator('.calendar-entry', { hasText: draftTitle });
      await draft.waitFor();
      assert.match(await draft.innerText(), /14:00/);
      assert.match(await draft.innerText(), /Bản nháp/);
      assert.equal(
        await page.locator('.calendar-entry', { hasText: demoMeetingTitle }).count(),
        0,
        'the demo meeting is not in next week',
      );
      secretary.watcher.assertClean();

      // A delegate who is not part of the draft does not see it.
      await delegate.page.goto(harness.server.baseUrl);
      await logIn(delegate.page, 'daibieu01', 'demo');
      await delegate.page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
      await delegate.page.goto(`${harness.server.baseUrl}/#/calendar?week=${demoDay}`);
      await delegate.page
        .locator(`.calendar-day[data-date="${demoDay}"]`)
        .getByText(literally(demoMeetingTitle))
        .waitFor();
      await delegate.page.getByRole('link', { name: 'Tuần sau ›' }).click();
      await delegate.page.getByText('Bạn không có cuộc họp nào trong tuần.').waitFor();
      assert.equal(await delegate.page.locator('.calendar-entry', { hasText: draftTitle }).count(), 0);
      delegate.watcher.assertClean();
    } finally {
      await secretary.context.close();
      await delegate.context.close();
    }
  });
});
