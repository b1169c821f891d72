// The secretary prepares a meeting in the console and a delegate reads it,
// in a real Chromium against the real server (`phonghop serve --demo`).
//
// The secretary (`thuky`) creates a meeting, invites `daibieu01`, builds
// the agenda (two items and a sub-item), reorders it by dragging and with
// the Down button, uploads a PDF with the file picker and a DOCX by
// dropping it on an item (converted by LibreOffice when the server has it;
// otherwise the server's `tool_missing` message must show as it came),
// publishes, and reads the audit log. Then `daibieu01` finds the meeting
// and opens its document. Screenshots go to test-results/.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { canvasPixels, literally, logIn, screenshot } from './support/browser.mjs';
import { clientWebDir } from './support/server.mjs';
import { describeWithServer } from './support/suite.mjs';

const fixtures = path.resolve(clientWebDir, '..', 'tests', 'fixtures');
const pdfFixture = path.join(fixtures, 'bao-cao-cai-cach-hanh-chinh-lang-son.pdf');
const docxFixture = path.join(fixtures, 'chuyen-bien-cai-cach-hanh-chinh-bac-giang.docx');

const meetingTitle = 'Họp chuyên đề cải cách hành chính (thử nghiệm)';
const firstItem = 'Báo cáo kết quả cải cách hành chính';
const secondItem = 'Kế hoạch cải cách hành chính năm 2027';
const subItem = 'Ý kiến của các xã';

/** Tomorrow's date on the Vietnam calendar, as `<input type="date">` takes it. */
function tomorrowInVietnam() {
  return new Date(Date.now() + (7 + 24) * 3600 * 1000).toISOString().slice(0, 10);
}

/** The agenda item row whose own title is `title`. */
function agendaRow(page, title) {
  return page.locator('.agenda-editor-item', {
    has: page.locator(':scope > .agenda-editor-row .agenda-title', { hasText: title }),
  });
}

async function agendaTitles(page) {
  return page.locator('.agenda-editor-item > .agenda-editor-row .agenda-title').allTextContents();
}

async function waitForAgendaOrder(page, titles) {
  await page.waitForFunction(
    (expected) =>
      JSON.stringify(
        [...document.querySelectorAll('.agenda-editor-item > .agenda-editor-row .agenda-title')].map(
          (element) => element.textContent,
        ),
      ) === JSON.stringify(expected),
    titles,
  );
}

/** Drops a file from the test's disk on `target`, the way a file dragged
 * from the computer's file manager arrives. */
async function dropFile(target, filePath, mimeType) {
  await target.evaluate(
    (element, { name, base64, type }) => {
      const binary = atob(base64);
      const bytes = new Uint8Array(binary.length);
      for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], name, { type }));
      for (const kind of ['dragenter', 'dragover', 'drop']) {
        element.dispatchEvent(
          new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer: transfer }),
        );
      }
    },
    { name: path.basename(filePath), base64: readFileSync(filePath).toString('base64'), type: mimeType },
  );
}

describeWithServer(
  'secretary prepares a meeting and a delegate reads it',
  { timeout: 240_000 },
  (harness) => {
    test('secretary creates, builds, uploads and publishes; the delegate opens the document', async () => {
      const secretary = await harness.openPage();
      const { page } = secretary;
      let meetingId;
      try {
        await page.goto(harness.server.baseUrl);
        await logIn(page, 'thuky', 'demo');

        // Create the meeting.
        await page.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
        await page.locator('.card-action').first().waitFor();
        await screenshot(page, 'secretary-meetings.png');
        await page.getByRole('link', { name: /Tạo cuộc họp/ }).click();
        await page.getByRole('heading', { level: 1, name: 'Tạo cuộc họp' }).waitFor();
        await page.getByLabel('Tên cuộc họp').fill(meetingTitle);
        await page.getByLabel('Ngày họp').fill(tomorrowInVietnam());
        await page.getByLabel('Giờ bắt đầu').fill('08:30');
        await page.getByLabel('Địa điểm').fill('Hội trường UBND huyện');
        const created = page.waitForResponse(
          (response) => response.url().endsWith('/api/v1/meetings') && response.request().method() === 'POST',
        );
        await page.getByRole('button', { name: 'Tạo cuộc họp' }).click();
        const createdBody = await (await created).json();
        assert.equal(
          createdBody.starts_at,
          `${tomorrowInVietnam()}T08:30:00+07:00`,
          'the time is sent with +07:00',
        );
        meetingId = createdBody.id;
        await page.waitForURL(new RegExp(`#/meetings/${meetingId}/edit$`));
        await page.getByRole('heading', { level: 1, name: meetingTitle }).waitFor();
        assert.equal((await page.locator('.meeting-header .badge-state').textContent())?.trim(), 'Bản nháp');

        // Invite daibieu01 as a delegate.
        await page.getByLabel('Tài khoản').selectOption({ label: 'Đại biểu 01 (daibieu01)' });
        await page.getByLabel('Vai trò trong cuộc họp').selectOption({ label: 'Đại biểu' });
        await page.getByRole('button', { name: 'Thêm vào cuộc họp' }).click();
        await page.locator('.participant', { hasText: 'Đại biểu 01' }).waitFor();
        assert.equal(
          await page.getByLabel('Vai trò của Đại biểu 01').inputValue(),
          'delegate',
          'daibieu01 is in the meeting as a delegate',
        );

        // Two items and a sub-item.
        const addItem = async (title, presenter, minutes) => {
          await page.locator('#new-item-title').fill(title);
          await page.locator('#new-item-presenter').fill(presenter);
          await page.locator('#new-item-duration').fill(String(minutes));
          await page.getByRole('button', { name: 'Thêm nội dung' }).click();
          await agendaRow(page, title).waitFor();
        };
        await addItem(firstItem, 'Chánh Văn phòng', 20);
        await addItem(secondItem, 'Trưởng phòng Nội vụ', 15);
        await agendaRow(page, firstItem).getByRole('button', { name: 'Thêm mục con' }).click();
        const subForm = page.getByRole('form', { name: `Mục con mới của "${firstItem}"` });
        await subForm.getByLabel('Tên nội dung').fill(subItem);
        await subForm.getByRole('button', { name: 'Thêm mục con' }).click();
        await waitForAgendaOrder(page, [firstItem, subItem, secondItem]);

        // Reorder: drag the second item (with the pointer) above the first …
        // The console draws the agenda again when the server reports the
        // change it just made: wait until the rows are on screen.
        const handle = agendaRow(page, secondItem).locator('.drag-handle');
        await handle.waitFor({ state: 'visible' });
        await agendaRow(page, firstItem).waitFor({ state: 'visible' });
        await page.waitForTimeout(300);
        const handleBox = await handle.boundingBox();
        const firstBox = await agendaRow(page, firstItem).boundingBox();
        assert.ok(handleBox && firstBox);
        await page.mouse.move(handleBox.x + handleBox.width / 2, handleBox.y + handleBox.height / 2);
        await page.mouse.down();
        await page.mouse.move(handleBox.x + handleBox.width / 2, firstBox.y + 4, { steps: 12 });
        await page.mouse.up();
        await waitForAgendaOrder(page, [secondItem, firstItem, subItem]);
        // … and back down with the accessible button.
        await page.getByRole('button', { name: `Đưa "${secondItem}" xuống dưới` }).click();
        await waitForAgendaOrder(page, [firstItem, subItem, secondItem]);
        const saved = await (
          await page.request.get(`${harness.server.baseUrl}/api/v1/meetings/${meetingId}`)
        ).json();
        assert.deepEqual(
          saved.agenda.map((item) => [item.title, item.parent_id === null ? 'top' : 'sub']),
          [
            [firstItem, 'top'],
            [subItem, 'sub'],
            [secondItem, 'top'],
          ],
          'the server holds the order the screen shows',
        );

        // A PDF with the file picker.
        const firstId = await agendaRow(page, firstItem).getAttribute('data-agenda-item-id');
        await page.locator(`input[data-upload-for="${firstId}"]`).setInputFiles(pdfFixture);
        const pdfRow = agendaRow(page, firstItem).locator('.editor-document', {
          hasText: 'bao-cao-cai-cach-hanh-chinh-lang-son',
        });
        await pdfRow.waitFor();
        assert.match((await pdfRow.textContent()) ?? '', /5 trang/);

        // A DOCX dropped on the second item: converted, or the server's
        // "LibreOffice is missing" message shown as it came.
        await page.evaluate(() => {
          window.__uploadTexts = [];
          new MutationObserver(() => {
            for (const status of document.querySelectorAll('.upload-status')) {
              const text = status.textContent;
              if (text && window.__uploadTexts.at(-1) !== text) window.__uploadTexts.push(text);
            }
          }).observe(document.body, { subtree: true, childList: true, characterData: true });
        });
        // Half-typed text in the new item form survives the redraw that
        // the finished upload causes.
        await page.locator('#new-item-title').fill('Đang gõ dở');
        const docxAnswer = page.waitForResponse(
          (response) => response.url().includes('/documents') && response.request().method() === 'POST',
          { timeout: 120_000 },
        );
        await dropFile(
          agendaRow(page, secondItem),
          docxFixture,
          'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        );
        const docxResponse = await docxAnswer;
        const docxBody = await docxResponse.json();
        if (docxResponse.status() === 201) {
          const docxRow = agendaRow(page, secondItem).locator('.editor-document', {
            hasText: 'chuyen-bien-cai-cach-hanh-chinh-bac-giang',
          });
          await docxRow.waitFor();
          assert.equal(docxBody.page_count, 7, 'the converted DOCX has 7 pages');
          assert.match((await docxRow.textContent()) ?? '', /7 trang/);
          const seen = await page.evaluate(() => window.__uploadTexts);
          assert.ok(
            seen.includes('Đang chuyển đổi sang PDF…'),
            `the upload never said it was converting; it said: ${JSON.stringify(seen)}`,
          );
          // Marked confidential (mật): delegates will read it online only.
          const marked = page.waitForResponse(
            (response) =>
              response.url().endsWith(`/documents/${docxBody.id}`) && response.request().method() === 'PATCH',
          );
          await page.getByLabel('Tài liệu mật: chuyen-bien-cai-cach-hanh-chinh-bac-giang').check();
          assert.equal((await (await marked).json()).confidential, true);
          await docxRow.locator('.badge-confidential').waitFor();
        } else {
          assert.equal(
            docxResponse.status(),
            422,
            `unexpected answer to the DOCX: ${JSON.stringify(docxBody)}`,
          );
          assert.equal(docxBody.code, 'tool_missing');
          const failure = agendaRow(page, secondItem).locator(
            '.upload-job[data-upload-state="failed"] .upload-status',
          );
          await failure.waitFor();
          assert.equal((await failure.textContent())?.trim(), docxBody.message.trim());
          console.log('LibreOffice is missing on this server: checked that its message is shown');
        }
        assert.equal(await page.locator('#new-item-title').inputValue(), 'Đang gõ dở');
        await page.locator('#new-item-title').fill('');
        await screenshot(page, 'secretary-console.png', { fullPage: true });

        // Meeting rules: the People's Committee preset fills the fields and
        // is saved; a fraction over one is refused before it is sent.
        const rules = page.locator('.rules-section');
        assert.equal(await rules.locator('.rules-current').getAttribute('data-rules'), 'standard');
        await rules.getByLabel('Mẫu quy chế').selectOption('peoples_committee');
        assert.equal(await rules.locator('#rules-quorum-numerator').inputValue(), '2');
        assert.equal(await rules.locator('#rules-decision-base').inputValue(), 'all_members');
        const rulesSaved = page.waitForResponse(
          (response) =>
            response.url().endsWith(`/meetings/${meetingId}`) && response.request().method() === 'PATCH',
        );
        await rules.getByRole('button', { name: 'Lưu quy chế' }).click();
        const savedMeeting = await (await rulesSaved).json();
        assert.deepEqual(savedMeeting.rules.quorum.fraction, { numerator: 2, denominator: 3 });
        assert.equal(savedMeeting.rules.decision.base, 'all_members');
        await rules.getByText('Đã lưu quy chế.').waitFor();
        await rules.locator('.rules-current[data-rules="peoples_committee"]').waitFor();
        assert.match(
          (await rules.locator('.rules-current').textContent()) ?? '',
          /ít nhất 2\/3 số thành viên.*quá 1\/2 tổng số thành viên/,
        );
        await rules.locator('#rules-quorum-numerator').fill('4');
        assert.equal(await rules.getByLabel('Mẫu quy chế').inputValue(), 'custom');
        await rules.getByRole('button', { name: 'Lưu quy chế' }).click();
        await rules.getByText(/Tỉ lệ có mặt phải là phân số/).waitFor();

        // Publish, confirmed in the dialog.
        await page.getByRole('button', { name: 'Công bố cuộc họp' }).click();
        const dialog = page.getByRole('dialog');
        await dialog.waitFor();
        assert.match((await dialog.textContent()) ?? '', /tự tải tài liệu/);
        await dialog.getByRole('button', { name: 'Công bố cuộc họp' }).click();
        await page.locator('.meeting-header .badge-state-published').waitFor();
        assert.deepEqual(
          await page
            .locator('[data-lifecycle]')
            .evaluateAll((buttons) => buttons.map((b) => b.dataset.lifecycle)),
          ['start', 'cancel'],
          'a published meeting can be started or cancelled',
        );

        // The editor no longer offers "Xem như đại biểu" (it opened the
        // secretary's own view, not a delegate's): the meeting screen is
        // reached by its address, with the way to the log. The editor has
        // the same heading, so wait for the meeting screen's own agenda
        // list, not for the title.
        assert.equal(await page.getByRole('link', { name: 'Xem như đại biểu' }).count(), 0);
        await page.evaluate((id) => {
          window.location.hash = `#/meetings/${id}`;
        }, meetingId);
        await page.waitForURL(new RegExp(`#/meetings/${meetingId}$`));
        await page.locator('.agenda-list .agenda-item').first().waitFor();
        await page.getByRole('heading', { level: 1, name: meetingTitle }).waitFor();
        assert.deepEqual(
          (await page.locator('.agenda-item .agenda-title').allTextContents()).map((text) => text.trim()),
          [firstItem, subItem, secondItem],
        );

        // The audit log.
        await page.getByRole('link', { name: 'Nhật ký thay đổi' }).click();
        const publishRow = page.locator('.audit-table tr[data-action="meeting.publish"]');
        await publishRow.waitFor();
        assert.match((await publishRow.textContent()) ?? '', /Công bố cuộc họp/);
        assert.match((await publishRow.textContent()) ?? '', /Thư ký Văn phòng UBND/);
        for (const action of [
          'meeting.create',
          'participant.set',
          'agenda.create',
          'agenda.reorder',
          'document.upload',
        ]) {
          assert.ok(
            (await page.locator(`.audit-table tr[data-action="${action}"]`).count()) > 0,
            `the audit log has no ${action} entry`,
          );
        }
        await screenshot(page, 'audit-log.png', { fullPage: true });
        secretary.watcher.assertClean();
      } finally {
        await secretary.context.close();
      }

      // The delegate finds the published meeting and opens the document.
      const delegate = await harness.openPage();
      try {
        const { page: tablet } = delegate;
        await tablet.goto(harness.server.baseUrl);
        await logIn(tablet, 'daibieu01', 'demo');
        await tablet.getByRole('heading', { name: 'Cuộc họp của tôi' }).waitFor();
        await tablet.getByRole('link', { name: literally(meetingTitle) }).click();
        await tablet.getByRole('heading', { level: 1, name: meetingTitle }).waitFor();
        await tablet.locator('.pack-status[data-pack-state="complete"]').waitFor({ timeout: 60_000 });
        assert.match((await tablet.locator('.pack-status').textContent()) ?? '', /^Đã tải xong/);
        await tablet.locator('.document-link', { hasText: 'bao-cao-cai-cach-hanh-chinh-lang-son' }).click();
        await tablet.locator('.reader-stage[data-rendered-page="1"]').waitFor();
        const pixels = await canvasPixels(tablet);
        assert.ok(pixels && pixels.inked > 500, 'the uploaded document renders blank for the delegate');
        delegate.watcher.assertClean();
      } finally {
        await delegate.context.close();
      }
    });
  },
);
