// The administrator's accounts screen, in a real Chromium against the real
// server: a list of 30 officials, written as CSV and made into an XLSX
// workbook by LibreOffice (as an office would), has one bad row; the
// preview marks it and nothing is imported; with the row fixed, the 30
// are imported at once with their one-time passwords (shown once, as a
// CSV to download), and they appear in the list. Then the administrator
// resets one password from the screen and that official must choose their
// own at login.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { logIn, openPage, reportMissingPrerequisite, screenshot } from './support/browser.mjs';
import { describeWithServer } from './support/suite.mjs';

const hasLibreOffice = (process.env.PATH ?? '')
  .split(path.delimiter)
  .some((dir) => dir && existsSync(path.join(dir, 'soffice')));

/** 30 officials; `badLine` (the spreadsheet's row number) gets a username
 * with a space in it when `broken`. */
function officialsCsv(broken, badLine) {
  const lines = ['STT,Họ và tên,Chức vụ,Tên đăng nhập,Vai trò'];
  for (let n = 1; n <= 30; n += 1) {
    const username = broken && n + 1 === badLine ? `can bo ${n}` : `canbo${String(n).padStart(2, '0')}`;
    const role = n === 30 ? 'Thư ký' : 'Đại biểu';
    lines.push(`${n},Cán bộ Xã số ${n},Chuyên viên,${username},${role}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the CSV and has LibreOffice convert it to XLSX (UTF-8, comma
 * separated); returns the workbook's path. */
function workbook(dir, name, csv) {
  const csvPath = path.join(dir, `${name}.csv`);
  writeFileSync(csvPath, csv);
  execFileSync(
    'soffice',
    [
      `-env:UserInstallation=file://${path.join(dir, 'lo-profile')}`,
      '--headless',
      '--infilter=CSV:44,34,76,1',
      '--convert-to',
      'xlsx',
      '--outdir',
      dir,
      csvPath,
    ],
    { stdio: 'ignore', timeout: 120_000 },
  );
  const xlsxPath = path.join(dir, `${name}.xlsx`);
  assert.ok(existsSync(xlsxPath), 'LibreOffice made no workbook');
  assert.equal(readFileSync(xlsxPath).subarray(0, 2).toString(), 'PK');
  return xlsxPath;
}

if (!hasLibreOffice) {
  reportMissingPrerequisite(
    test,
    'LibreOffice (soffice) is missing: it makes the test workbook',
    'accounts and import',
  );
} else {
  describeWithServer('accounts and import', { timeout: 240_000 }, (harness) => {
    let dir;

    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'phonghop-import-'));
    });

    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('30 officials from an XLSX: a bad row stops everything, the fixed file imports all', async () => {
      const { server, browser } = harness;
      const badLine = 17;
      const broken = workbook(dir, 'danh-sach-loi', officialsCsv(true, badLine));
      const fixed = workbook(dir, 'danh-sach', officialsCsv(false, badLine));
      const admin = await openPage(
        browser,
        server.baseUrl,
        { width: 1280, height: 900 },
        { acceptDownloads: true },
      );
      const official = await openPage(browser, server.baseUrl);
      try {
        const { page } = admin;
        await page.goto(server.baseUrl);
        await logIn(page, 'quantri', 'demo');
        await page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
        await page.getByRole('link', { name: 'Quản lý tài khoản' }).click();
        await page.getByRole('heading', { name: 'Quản lý tài khoản' }).waitFor();
        const before = await page.locator('.accounts-table tbody tr').count();
        assert.ok(before > 10, `the demo's accounts are listed (${before})`);

        await page.getByRole('link', { name: 'Nhập danh sách từ tệp' }).click();
        await page.getByRole('heading', { name: 'Nhập danh sách cán bộ' }).waitFor();
        await page.getByLabel('Tệp danh sách').setInputFiles(broken);
        await page.getByText('1 trong 30 dòng có lỗi').waitFor();
        const bad = page.locator('.import-row-bad');
        assert.equal(await bad.count(), 1);
        assert.equal(await bad.getAttribute('data-line'), String(badLine));
        assert.match(await bad.innerText(), /Tên đăng nhập chỉ dùng chữ a-z/);
        await page.getByText('Các cột không dùng: STT, Chức vụ.').waitFor();
        assert.equal(await page.getByRole('button', { name: /^Nhập \d+ tài khoản$/ }).count(), 0);
        await screenshot(page, 'accounts-import-preview.png', { fullPage: true });
        const users = await (await page.request.get(`${server.baseUrl}/api/v1/users`)).json();
        assert.equal(users.users.length, before, 'a preview imports nothing');

        // The file fixed and chosen again.
        await page.getByLabel('Tệp danh sách').setInputFiles(fixed);
        await page.getByText('30 dòng hợp lệ, sẵn sàng nhập.').waitFor();
        assert.equal(await page.locator('.import-row-bad').count(), 0);
        await page.getByRole('button', { name: 'Nhập 30 tài khoản' }).click();
        // 30 argon2 hashes on the server's password threads: seconds on a busy
        // two-core machine.
        await page.getByRole('heading', { name: 'Đã nhập 30 tài khoản' }).waitFor({ timeout: 120_000 });
        const passwords = page.locator('.import-passwords tbody tr');
        assert.equal(await passwords.count(), 30);
        await screenshot(page, 'accounts-import-done.png');
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('button', { name: 'Tải danh sách mật khẩu (CSV)' }).click(),
        ]);
        const csv = readFileSync(await download.path(), 'utf8');
        const lines = csv
          .replace(/^\ufeff/, '')
          .trim()
          .split('\r\n');
        assert.equal(lines.length, 31);
        assert.equal(lines[0], 'Họ tên,Tên đăng nhập,Mật khẩu một lần');
        const [, username, oneTime] = lines[1].split(',');
        assert.equal(username, 'canbo01');

        // The 30 are in the list; the search finds them without diacritics.
        await page.getByRole('link', { name: 'Quản lý tài khoản' }).click();
        await page.getByRole('heading', { name: 'Quản lý tài khoản' }).waitFor();
        await page.waitForFunction(
          (count) => document.querySelectorAll('.accounts-table tbody tr').length === count,
          before + 30,
        );
        await page.getByLabel('Tìm theo họ tên hoặc tên đăng nhập').fill('can bo xa');
        await page.getByText(`30 / ${before + 30} tài khoản`).waitFor();
        const secretaryRow = page.locator('.accounts-table tr[data-username="canbo30"]');
        assert.equal(await secretaryRow.getByRole('combobox').inputValue(), 'secretary');
        await screenshot(page, 'accounts-list.png');

        // The one-time password from the file works, and must be replaced.
        await official.page.goto(server.baseUrl);
        await logIn(official.page, 'canbo01', oneTime);
        await official.page.getByRole('heading', { name: 'Tài khoản của tôi' }).waitFor();
        await official.page.getByText('Quản trị viên đã đặt mật khẩu cho tài khoản này').waitFor();

        // A reset from the screen: a new one-time password, shown once.
        await page.getByLabel('Tìm theo họ tên hoặc tên đăng nhập').fill('canbo02');
        await page
          .locator('.accounts-table tr[data-username="canbo02"]')
          .getByRole('button', { name: 'Đặt lại mật khẩu' })
          .click();
        await page.getByRole('dialog').getByRole('button', { name: 'Đặt lại mật khẩu' }).click();
        const shown = page.getByTestId('one-time-password');
        await shown.waitFor();
        const reset = (await shown.innerText()).trim();
        assert.equal(reset.length, 12);
        await page.getByRole('button', { name: 'Đã ghi lại' }).click();
        await official.page.getByRole('button', { name: 'Đăng xuất' }).click();
        await official.page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();
        await logIn(official.page, 'canbo02', reset);
        await official.page.getByRole('heading', { name: 'Tài khoản của tôi' }).waitFor();
        await official.page.getByText('Quản trị viên đã đặt mật khẩu cho tài khoản này').waitFor();

        // Disabled from the screen: its state says so.
        await page
          .locator('.accounts-table tr[data-username="canbo02"]')
          .getByRole('button', { name: 'Khóa' })
          .click();
        await page.getByRole('dialog').getByRole('button', { name: 'Khóa' }).click();
        await page.getByText('Đã khóa tài khoản Cán bộ Xã số 2.').waitFor();
        assert.equal(
          await page.locator('.accounts-table tr[data-username="canbo02"] .account-state').innerText(),
          'Đã khóa',
        );
        admin.watcher.assertClean();
      } finally {
        await admin.context.close();
        await official.context.close();
      }
    });
  });
}
