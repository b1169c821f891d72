// A user's own account, in a real Chromium against the real server: after
// an administrator resets the password to a one-time one, the user can do
// nothing but choose their own; then they end the session they left open
// on another device, which is logged out at its next step.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logIn, screenshot } from './support/browser.mjs';
import { describeWithServer } from './support/suite.mjs';

describeWithServer('own account', { timeout: 180_000 }, (harness) => {
  test('a reset password must be replaced first, and a session left open elsewhere can be ended', async () => {
    const admin = await harness.openPage();
    const tablet = await harness.openPage();
    const sharedComputer = await harness.openPage();
    try {
      // The administrator resets daibieu04's password: a one-time one.
      await admin.page.goto(harness.server.baseUrl);
      await logIn(admin.page, 'quantri', 'demo');
      await admin.page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
      const users = await (await admin.page.request.get(`${harness.server.baseUrl}/api/v1/users`)).json();
      const delegate = users.users.find((user) => user.username === 'daibieu04');
      const reset = await admin.page.request.post(
        `${harness.server.baseUrl}/api/v1/users/${delegate.id}/password`,
        {
          data: {},
        },
      );
      assert.equal(reset.status(), 200, await reset.text());
      const { password: oneTime } = await reset.json();

      // With it, the delegate sees only the account screen.
      const { page } = tablet;
      await page.goto(harness.server.baseUrl);
      await logIn(page, 'daibieu04', oneTime);
      await page.getByRole('heading', { name: 'Tài khoản của tôi' }).waitFor();
      await page.getByText('Quản trị viên đã đặt mật khẩu cho tài khoản này').waitFor();
      await page.goto(`${harness.server.baseUrl}/#/meetings`);
      await page.getByRole('heading', { name: 'Tài khoản của tôi' }).waitFor();
      assert.match(page.url(), /#\/account$/);
      await screenshot(page, 'account-must-change.png');

      await page.getByLabel('Mật khẩu hiện tại').fill(oneTime);
      await page.getByLabel('Mật khẩu mới (ít nhất 8 ký tự)').fill('mat-khau-cua-toi');
      await page.getByLabel('Nhập lại mật khẩu mới').fill('mat-khau-khac-nhau');
      await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
      await page.getByText('Hai lần nhập mật khẩu mới không giống nhau.').waitFor();
      await page.getByLabel('Nhập lại mật khẩu mới').fill('mat-khau-cua-toi');
      await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
      // Done: on to the meetings.
      await page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();

      // The same delegate logs in on a shared computer and leaves it.
      await sharedComputer.page.goto(harness.server.baseUrl);
      await logIn(sharedComputer.page, 'daibieu04', 'mat-khau-cua-toi');
      await sharedComputer.page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();

      // From the tablet, "Tài khoản của tôi" lists both sessions and ends
      // the other one.
      await page.getByRole('link', { name: 'Đại biểu 04' }).click();
      await page.getByRole('heading', { name: 'Các phiên đăng nhập' }).waitFor();
      const sessions = page.locator('.account-session');
      await sessions.nth(1).waitFor();
      assert.equal(await sessions.count(), 2);
      assert.equal(await page.locator('.account-session[data-current="true"]').count(), 1);
      await screenshot(page, 'account-sessions.png');
      await page
        .locator('.account-session[data-current="false"]')
        .getByRole('button', { name: 'Kết thúc phiên' })
        .click();
      await page.getByText('Đã kết thúc phiên.').waitFor();
      await page.waitForFunction(() => document.querySelectorAll('.account-session').length === 1);

      // The shared computer is logged out at its next step.
      await sharedComputer.page.goto(`${harness.server.baseUrl}/#/calendar`);
      await sharedComputer.page.reload();
      await sharedComputer.page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();
      tablet.watcher.assertClean();
      admin.watcher.assertClean();
    } finally {
      await admin.context.close();
      await tablet.context.close();
      await sharedComputer.context.close();
    }
  });
});
