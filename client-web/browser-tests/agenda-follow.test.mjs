// Every open screen follows the agenda (issue 19), in a real Chromium
// against the real server: the secretary adds an item and replaces a
// document over the REST API while a delegate has the meeting open and
// the chair has the console open. Without a reload, the delegate's screen
// shows the new item within 2 s and the new version's page count within
// 10 s, with a notice that says so; the tablet's pack takes the new
// version and drops the old one; the chair's readiness board turns the
// delegate's tablet stale, then ready.
//
// Needs what demo-meeting.test.mjs needs: `npm run build`, the server
// binary, /usr/bin/chromium. Screenshots go to test-results/.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { demoMeetingTitle, openDemoMeeting, screenshot } from './support/browser.mjs';
import { clientWebDir } from './support/server.mjs';
import { describeWithServer } from './support/suite.mjs';

const fixtures = path.resolve(clientWebDir, '..', 'tests', 'fixtures');
/** Two real reports with different page counts, to replace a document. */
const replacements = [
  { file: 'tham-luan-trung-tam-hanh-chinh-cong.pdf', pages: 9 },
  { file: 'chuyen-bien-cai-cach-hanh-chinh-bac-giang.pdf', pages: 7 },
];

describeWithServer('agenda follow: open screens and the readiness board', { timeout: 180_000 }, (harness) => {
  test('an added item and a replaced document reach the open screens; the board turns stale then ready', async () => {
    const chair = await harness.openPage({ width: 1920, height: 1080 });
    const delegate = await harness.openPage();
    const secretary = await harness.openPage();
    try {
      await openDemoMeeting(delegate.page, harness.server.baseUrl, 'daibieu01');
      await delegate.page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
      await delegate.page.locator('.pack-status[data-pack-state="complete"]').waitFor();
      const meetingId = /#\/meetings\/([^/]+)/.exec(delegate.page.url())?.[1];
      assert.ok(meetingId, `no meeting id in ${delegate.page.url()}`);

      await openDemoMeeting(chair.page, harness.server.baseUrl, 'chutri');
      await chair.page.getByRole('link', { name: 'Điều hành (chủ trì)' }).click();
      await chair.page.waitForURL(/#\/meetings\/[^/]+\/chair$/);
      const delegateRow = chair.page.locator('.readiness-row').filter({ hasText: 'Đại biểu 01' });
      await delegateRow.and(chair.page.locator('[data-readiness="ready"]')).waitFor();
      // The board is redrawn on every event: record every status the
      // delegate's row shows, from now on.
      await chair.page.evaluate(() => {
        const seen = [];
        const look = () => {
          for (const row of document.querySelectorAll('.readiness-row')) {
            if (row.querySelector('.chair-person')?.textContent !== 'Đại biểu 01') continue;
            const status = row.getAttribute('data-readiness');
            if (seen.at(-1) !== status) seen.push(status);
          }
        };
        new MutationObserver(look).observe(document.body, {
          subtree: true,
          childList: true,
          attributes: true,
        });
        look();
        window.__readinessSeen = seen;
      });

      // The secretary's requests go from their own logged-in page.
      await openDemoMeeting(secretary.page, harness.server.baseUrl, 'thuky');
      await secretary.page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
      const api = (method, url, body) =>
        secretary.page.evaluate(
          async ({ method, url, body }) => {
            const response = await fetch(url, {
              method,
              credentials: 'same-origin',
              headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
              body: body === undefined ? undefined : JSON.stringify(body),
            });
            return { status: response.status, body: await response.json().catch(() => null) };
          },
          { method, url, body },
        );

      // An item added: on the delegate's open screen within 2 s.
      const itemTitle = 'Báo cáo bổ sung về giải ngân vốn đầu tư công';
      const added = Date.now();
      const created = await api('POST', `/api/v1/meetings/${meetingId}/agenda`, { title: itemTitle });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await delegate.page.locator('.agenda-item-changed .agenda-title', { hasText: itemTitle }).waitFor({
        timeout: 2_000,
      });
      const itemMs = Date.now() - added;
      const notice = delegate.page.locator('.agenda-notice');
      await notice.filter({ hasText: /Đã cập nhật: thêm mục \d+/ }).waitFor();
      console.log(`agenda follow: the added item was on the delegate's screen after ${itemMs} ms`);

      // A document replaced: its new version's page count within 10 s.
      const meeting = (await api('GET', `/api/v1/meetings/${meetingId}`)).body;
      const target = meeting.agenda
        .flatMap((item) => item.documents)
        .find((document) => !document.confidential);
      assert.ok(target, 'the demo meeting has a document that is not confidential');
      const replacement = replacements.find((candidate) => candidate.pages !== target.page_count);
      const bytes = [...readFileSync(path.join(fixtures, replacement.file))];
      const replaced = Date.now();
      const upload = await secretary.page.evaluate(
        async ({ url, bytes, name }) => {
          const form = new FormData();
          form.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), name);
          const response = await fetch(url, { method: 'POST', credentials: 'same-origin', body: form });
          return { status: response.status, body: await response.json().catch(() => null) };
        },
        { url: `/api/v1/documents/${target.id}/versions`, bytes, name: replacement.file },
      );
      assert.ok(upload.status === 200 || upload.status === 201, JSON.stringify(upload.body));
      const link = delegate.page.locator(`.document-link[data-document-id="${target.id}"]`);
      await link
        .locator('.document-details', { hasText: `${replacement.pages} trang` })
        .waitFor({ timeout: 10_000 });
      const versionMs = Date.now() - replaced;
      console.log(`agenda follow: the replaced document's new page count showed after ${versionMs} ms`);
      await notice.filter({ hasText: `tài liệu ${target.title} có phiên bản mới (bản 2)` }).waitFor();
      assert.match((await link.getAttribute('class')) ?? '', /document-changed/);

      // The board: stale (the tablet held version 1 only), then ready
      // once the tablet holds version 2, checked against its SHA-256.
      await delegateRow.and(chair.page.locator('[data-readiness="ready"]')).waitFor({ timeout: 30_000 });
      await chair.page.waitForFunction(() => window.__readinessSeen.at(-1) === 'ready');
      const seen = await chair.page.evaluate(() => window.__readinessSeen);
      assert.deepEqual(
        seen.filter((status) => status !== 'downloading'),
        ['ready', 'stale', 'ready'],
        `the delegate's row showed ${JSON.stringify(seen)}`,
      );
      await screenshot(chair.page, 'agenda-follow-board.png');

      // The tablet's pack holds the new version and not the old one.
      const kept = await delegate.page.evaluate(async () => {
        const names = await caches.keys();
        const urls = [];
        for (const name of names) {
          for (const request of await (await caches.open(name)).keys())
            urls.push(new URL(request.url).pathname);
        }
        return urls;
      });
      assert.ok(
        kept.includes(`/api/v1/documents/${target.id}/versions/2/file`),
        `the new version is not in the pack: ${JSON.stringify(kept)}`,
      );
      assert.ok(
        !kept.includes(`/api/v1/documents/${target.id}/versions/1/file`),
        `the replaced version is still in the pack: ${JSON.stringify(kept)}`,
      );
      await screenshot(delegate.page, 'agenda-follow-delegate.png');

      // "Đã xem" clears the notice and the marks.
      await notice.getByRole('button', { name: 'Đã xem' }).click();
      await delegate.page.locator('.agenda-item-changed').waitFor({ state: 'detached' });
      assert.equal(await notice.isHidden(), true);

      for (const actor of [chair, delegate, secretary]) actor.watcher.assertClean();
    } finally {
      await chair.context.close();
      await delegate.context.close();
      await secretary.context.close();
    }
  });
});
