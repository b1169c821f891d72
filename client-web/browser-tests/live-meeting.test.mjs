// The live meeting in a real Chromium against the real server
// (`phonghop serve --demo`): the chair runs the meeting from the chair
// console, a delegate checks in, votes and follows the presenter on a
// tablet, and a remote point's big screen follows the same page.
//
// Needs what demo-meeting.test.mjs needs: `npm run build`, the server
// binary, /usr/bin/chromium. Screenshots go to test-results/.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoMeetingTitle, openDemoMeeting, screenshot } from './support/browser.mjs';
import { assertSeatsFit } from './support/seats.mjs';
import { describeWithServer } from './support/suite.mjs';

describeWithServer('live meeting: chair, delegate and remote point', { timeout: 180_000 }, (harness) => {
  test('check in, vote, follow the presenter on a tablet and on the big screen', async () => {
    const chair = await harness.openPage({ width: 1920, height: 1080 });
    const delegate = await harness.openPage();
    let remotePoint = null;
    try {
      // The chair opens the console from the meeting screen.
      await openDemoMeeting(chair.page, harness.server.baseUrl, 'chutri');
      await chair.page.getByRole('link', { name: 'Điều hành (chủ trì)' }).click();
      await chair.page.waitForURL(/#\/meetings\/[^/]+\/chair$/);
      const quorum = chair.page.locator('.live-quorum');
      await quorum.waitFor();
      // The demo's 28 members (26 delegates, the chair, the secretary)
      // fit the console without scrolling.
      await assertSeatsFit(chair.page, 28);
      const presentBefore = Number(await quorum.getAttribute('data-present'));

      // The delegate opens the meeting and checks in; the chair's count moves.
      await openDemoMeeting(delegate.page, harness.server.baseUrl, 'daibieu01');
      await delegate.page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
      await delegate.page.locator('.live-follow[data-following="true"]').waitFor();
      assert.equal(
        (await delegate.page.locator('.live-follow').textContent())?.trim(),
        'Đang theo dõi người trình bày',
      );
      await delegate.page.getByRole('button', { name: 'Điểm danh' }).click();
      await delegate.page.getByText('Đã điểm danh').waitFor();
      await chair.page.locator(`.live-quorum[data-present="${presentBefore + 1}"]`).waitFor();
      await screenshot(delegate.page, 'live-delegate-meeting.png');

      // The chair marks another delegate absent, with the reason: choose
      // "Vắng mặt", type the reason, tap the seat.
      await chair.page.locator('.seat-mark[data-mark="absent"]').click();
      await chair.page.getByLabel('Lý do vắng mặt').fill('Đi công tác');
      await chair.page.locator('.seat').filter({ hasText: 'Đại biểu 02' }).click();
      await chair.page.locator('.seat[data-status="absent"]').filter({ hasText: 'Đi công tác' }).waitFor();

      // The chair opens a vote; the delegate's card appears and takes the ballot.
      await chair.page.getByRole('button', { name: 'Mở biểu quyết' }).click();
      const card = delegate.page.locator('.vote-card[data-vote-state="open"]');
      await card.waitFor();
      await screenshot(delegate.page, 'live-vote-card.png');
      await card.getByRole('button', { name: 'Tán thành', exact: true }).click();
      await delegate.page.getByText('Đã ghi nhận biểu quyết của bạn').waitFor();
      await chair.page.locator('.chair-vote-progress[data-cast="1"]').waitFor();

      // The chair closes it: both see 1 / 0 / 0.
      await chair.page.getByRole('button', { name: 'Kết thúc biểu quyết' }).click();
      await chair.page.locator('.chair-votes [data-vote-result="1/0/0"]').waitFor();
      await delegate.page
        .locator('.vote-card[data-vote-state="closed"] [data-vote-result="1/0/0"]')
        .waitFor();
      // "Thông qua" or not under the meeting's standard rule: more than
      // half of the members present when the vote opened, on both screens.
      const outcome = presentBefore + 1 < 2 ? 'passed' : 'not_passed';
      const chairOutcome = chair.page.locator(`.chair-votes [data-vote-outcome="${outcome}"]`);
      await chairOutcome.waitFor();
      assert.match(
        (await chairOutcome.textContent()) ?? '',
        outcome === 'passed' ? /^Thông qua/ : /^Không thông qua/,
      );
      assert.match((await chairOutcome.textContent()) ?? '', /quá 1\/2 số thành viên có mặt/);
      await delegate.page
        .locator(`.vote-card[data-vote-state="closed"] [data-vote-outcome="${outcome}"]`)
        .waitFor();
      await screenshot(delegate.page, 'live-vote-result.png');
      await delegate.page.locator('.vote-card').getByRole('button', { name: 'Đóng' }).click();
      await delegate.page.locator('.vote-card').waitFor({ state: 'detached' });

      // The chair moves everyone to the first item's document, then to page 2:
      // the delegate's reader follows within 2 s.
      await chair.page.getByRole('button', { name: 'Nội dung sau ›' }).click();
      await chair.page.locator('.chair-followed[data-page="1"]').waitFor();
      await delegate.page.locator('.reader-stage[data-rendered-page="1"]').waitFor();
      await chair.page.getByRole('button', { name: 'Trang sau ›' }).click();
      await chair.page.locator('.chair-followed[data-page="2"]').waitFor();
      await delegate.page.locator('.reader-stage[data-rendered-page="2"]').waitFor({ timeout: 2_000 });
      await delegate.page.waitForURL(/page=2$/);
      await screenshot(delegate.page, 'live-delegate-following.png');
      // The chair's screen as it is seen: 1920×1080, not the full page.
      await screenshot(chair.page, 'live-chair-console.png');

      // Turning a page oneself leaves follow mode; "Theo dõi" returns.
      await delegate.page.getByRole('button', { name: 'Trang sau', exact: true }).click();
      await delegate.page.locator('.reader-stage[data-rendered-page="3"]').waitFor();
      await delegate.page.locator('.reader-follow[data-following="false"]').waitFor();
      await delegate.page.getByRole('button', { name: 'Theo dõi', exact: true }).click();
      await delegate.page.locator('.reader-stage[data-rendered-page="2"]').waitFor();
      await delegate.page.locator('.reader-follow[data-following="true"]').waitFor();

      // A remote point lands on its big screen, showing the same page.
      remotePoint = await harness.openPage({ width: 1920, height: 1080 });
      await openDemoMeeting(remotePoint.page, harness.server.baseUrl, 'diemcau01');
      await remotePoint.page.waitForURL(/#\/meetings\/[^/]+\/screen$/);
      const followedDocument = await chair.page.locator('.chair-followed').getAttribute('data-document-id');
      await remotePoint.page
        .locator(`.big-stage[data-document-id="${followedDocument}"][data-rendered-page="2"]`)
        .waitFor();
      await remotePoint.page.locator('.big-vote [data-vote-result="1/0/0"]').waitFor();
      await remotePoint.page.locator(`.big-vote [data-vote-outcome="${outcome}"]`).waitFor();
      await screenshot(remotePoint.page, 'live-remote-point.png');

      // The delegate asks to speak; the chair sets 3 minutes and gives the
      // floor; the tablet and the big screen show the countdown. An
      // announcement reaches the tablet as a banner.
      // On the reader, the meeting panel unfolds with one tap.
      await delegate.page.getByRole('button', { name: 'Điểm danh, phát biểu, yêu cầu' }).click();
      await delegate.page.getByRole('button', { name: 'Đăng ký phát biểu' }).click();
      await delegate.page.getByRole('button', { name: 'Rút đăng ký' }).waitFor();
      await chair.page.getByLabel('Thời gian mỗi lượt').selectOption('180');
      await chair.page.getByRole('button', { name: 'Mời phát biểu' }).click();
      // Who has the floor shows in the reader's bar, folded panel or not.
      await delegate.page.locator('.reader-speaker').getByText('Bạn đang phát biểu').waitFor();
      const countdown = remotePoint.page.locator('.big-floor .live-countdown');
      await countdown.waitFor();
      assert.match((await countdown.textContent())?.trim() ?? '', /^[23]:\d\d$/);
      await chair.page.getByLabel('Nội dung thông báo').fill('Giải lao 15 phút.');
      await chair.page.getByRole('button', { name: 'Gửi thông báo' }).last().click();
      await delegate.page.locator('.announcement-banner').getByText('Giải lao 15 phút.').waitFor();
      await chair.page.getByRole('button', { name: 'Kết thúc lượt' }).click();
      await remotePoint.page.locator('.big-floor').getByText('Chưa có ai phát biểu.').waitFor();

      chair.watcher.assertClean();
      delegate.watcher.assertClean();
      remotePoint.watcher.assertClean();
    } finally {
      await remotePoint?.context.close();
      await delegate.context.close();
      await chair.context.close();
    }
  });

  test('a request to the secretary is handled, and a ballot is changed while the vote allows it', async () => {
    const secretary = await harness.openPage({ width: 1920, height: 1080 });
    const chair = await harness.openPage({ width: 1920, height: 1080 });
    const delegate = await harness.openPage();
    try {
      await openDemoMeeting(secretary.page, harness.server.baseUrl, 'thuky');
      await secretary.page.getByRole('link', { name: 'Điều hành (chủ trì)' }).click();
      await secretary.page.locator('.chair-requests').waitFor();
      await openDemoMeeting(chair.page, harness.server.baseUrl, 'chutri');
      await chair.page.getByRole('link', { name: 'Điều hành (chủ trì)' }).click();
      await chair.page.locator('.chair-votes').waitFor();
      await openDemoMeeting(delegate.page, harness.server.baseUrl, 'daibieu03');
      await delegate.page.getByRole('button', { name: 'Điểm danh' }).click();
      await delegate.page.getByText('Đã điểm danh').waitFor();

      // The delegate asks for technical help; the form closes and shows the status.
      await delegate.page.getByRole('button', { name: 'Gửi yêu cầu cho thư ký' }).click();
      await delegate.page.getByRole('button', { name: 'Hỗ trợ kỹ thuật' }).click();
      await delegate.page.getByLabel('Nội dung yêu cầu').fill('Micro bàn số 3 không nói được.');
      await delegate.page.getByRole('button', { name: 'Gửi yêu cầu', exact: true }).click();
      const mine = delegate.page.locator('.live-my-request').filter({ hasText: 'Micro bàn số 3' });
      await mine.and(delegate.page.locator('[data-state="open"]')).waitFor();
      assert.match((await mine.textContent()) ?? '', /Đang chờ thư ký/);

      // The secretary's inbox shows it at once, with who asked; "Đã xử lý" answers it.
      const inboxRow = secretary.page.locator('.chair-request[data-state="open"]').filter({
        hasText: 'Micro bàn số 3 không nói được.',
      });
      await inboxRow.waitFor();
      assert.match((await inboxRow.textContent()) ?? '', /Đại biểu 03/);
      assert.match((await inboxRow.textContent()) ?? '', /Hỗ trợ kỹ thuật/);
      // The chair's screen has the same inbox.
      await chair.page
        .locator('.chair-request[data-state="open"]')
        .filter({ hasText: 'Micro bàn số 3' })
        .waitFor();
      await screenshot(secretary.page, 'live-secretary-requests.png');
      await inboxRow.getByRole('button', { name: 'Đã xử lý' }).click();
      await secretary.page
        .locator('.chair-request[data-state="open"]')
        .filter({ hasText: 'Micro bàn số 3' })
        .waitFor({ state: 'detached' });
      await mine.and(delegate.page.locator('[data-state="handled"]')).waitFor();
      assert.match((await mine.textContent()) ?? '', /Đã xử lý/);

      // A vote that allows changes: the delegate votes, changes their mind, and
      // the result counts the last choice once.
      await chair.page.getByLabel('Cho phép đổi phiếu đến khi kết thúc').check();
      await chair.page.getByRole('button', { name: 'Mở biểu quyết' }).click();
      const progress = chair.page.locator('.chair-vote-progress');
      await progress.waitFor();
      const eligible = Number(await progress.getAttribute('data-eligible'));
      assert.ok(eligible >= 1, 'those present may vote');
      const card = delegate.page.locator('.vote-card[data-vote-state="open"]');
      await card.waitFor();
      await card.getByText('Được đổi phiếu đến khi kết thúc biểu quyết.').waitFor();
      await card.getByRole('button', { name: 'Tán thành', exact: true }).click();
      await delegate.page.getByText('Đã ghi nhận biểu quyết của bạn').waitFor();
      await chair.page.locator('.chair-vote-progress[data-cast="1"]').waitFor();
      await card.getByRole('button', { name: 'Đổi phiếu' }).click();
      await card.getByRole('button', { name: 'Không tán thành', exact: true }).click();
      await delegate.page.getByText('Đã ghi nhận biểu quyết của bạn').waitFor();
      await chair.page.getByRole('button', { name: 'Kết thúc biểu quyết' }).click();
      await chair.page.locator('.chair-votes [data-vote-result="0/1/0"]').waitFor();
      await chair.page
        .locator(`.chair-votes .vote-turnout[data-cast="1"][data-eligible="${eligible}"]`)
        .waitFor();
      await delegate.page
        .locator('.vote-card[data-vote-state="closed"] [data-vote-result="0/1/0"]')
        .waitFor();

      secretary.watcher.assertClean();
      chair.watcher.assertClean();
      delegate.watcher.assertClean();
    } finally {
      await delegate.context.close();
      await chair.context.close();
      await secretary.context.close();
    }
  });
});
