// The meeting's record from the secretary's console, in a real Chromium
// against the real server (`phonghop serve --demo`): "Xuất biên bản (PDF)"
// is not offered before the meeting starts, appears once it is in
// session, and downloads the PDF the server makes with LibreOffice (or,
// on a server without LibreOffice, says so beside the button).
//
// Needs what demo-meeting.test.mjs needs. The PDF's content is checked by
// `tests/tests/record.rs`; this test checks the button and the download.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { demoMeetingTitle, literally, logIn, screenshot } from './support/browser.mjs';
import { describeWithServer } from './support/suite.mjs';

const hasLibreOffice = (process.env.PATH ?? '')
  .split(path.delimiter)
  .some((dir) => dir && existsSync(path.join(dir, 'soffice')));

describeWithServer('meeting record export', { timeout: 120_000 }, (harness) => {
  test('the secretary starts the meeting and downloads its record as a PDF', async () => {
    const secretary = await harness.openPage({ width: 1920, height: 1080 });
    try {
      const { page } = secretary;
      await page.goto(harness.server.baseUrl);
      await logIn(page, 'thuky', 'demo');
      await page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
      await page
        .getByRole('link', { name: literally(demoMeetingTitle) })
        .first()
        .click();
      await page.getByRole('link', { name: 'Chuẩn bị cuộc họp' }).click();
      await page.locator('.meeting-header .badge-state-published').waitFor();
      assert.equal(
        await page.locator('[data-record-export]').count(),
        0,
        'a meeting that has not started has no record to export',
      );

      await page.getByRole('button', { name: 'Bắt đầu họp' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Bắt đầu họp' }).click();
      await page.locator('.meeting-header .badge-state-in_session').waitFor();
      const exportButton = page.getByRole('button', { name: 'Xuất biên bản (PDF)' });
      await exportButton.waitFor();

      if (hasLibreOffice) {
        const [download] = await Promise.all([page.waitForEvent('download'), exportButton.click()]);
        assert.match(download.suggestedFilename(), /^bien-ban-m_[A-Za-z0-9_-]+\.pdf$/);
        const bytes = await readFile(await download.path());
        assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
        await page.getByText('Đã tải biên bản về máy.').waitFor();
        await screenshot(page, 'secretary-record-export.png');
      } else {
        console.log('LibreOffice is missing here: checking that the console says so');
        await exportButton.click();
        await page.locator('.record-export-status.form-error', { hasText: 'LibreOffice' }).waitFor();
      }
      secretary.watcher.assertClean();
    } finally {
      await secretary.context.close();
    }
  });
});
