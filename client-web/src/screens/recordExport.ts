// The "Xuất biên bản (PDF)" button of the secretary's console and the
// chair's screen: fetches the record from the server and hands it to the
// browser as a download, or says what went wrong beside the button.

import type { MeetingSummary } from '../api/types';
import { canExportRecord, canSignRecord, recordFileName } from '../console/recordExport';
import { h } from '../ui/dom';
import { errorMessage, type ScreenContext } from './context';

/** The button and its message line, or `null` when this user may not
 * export this meeting's record (yet). */
export function recordExportButton(
  meeting: Pick<MeetingSummary, 'id' | 'my_role' | 'state'>,
  context: ScreenContext,
  signal: AbortSignal,
): HTMLElement | null {
  if (!canExportRecord(context.user, meeting)) return null;
  const { t } = context;
  const status = h('span', { className: 'record-export-status', attrs: { role: 'status' } });
  const button = h(
    'button',
    {
      className: 'button record-export',
      attrs: { type: 'button', 'data-record-export': meeting.id },
      on: { click: () => run() },
      signal,
    },
    t('record.export'),
  );
  const run = () => {
    button.disabled = true;
    status.className = 'record-export-status';
    status.textContent = t('record.exporting');
    context.api.meetingRecord(meeting.id).then(
      (pdf) => {
        button.disabled = false;
        if (signal.aborted) return;
        const url = URL.createObjectURL(pdf);
        const link = h('a', { attrs: { href: url, download: recordFileName(meeting.id) } });
        document.body.append(link);
        link.click();
        link.remove();
        // Give the browser time to start the download before freeing it.
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        status.textContent = t('record.exported');
      },
      (error: unknown) => {
        button.disabled = false;
        if (signal.aborted || context.handleCommonError(error)) return;
        status.className = 'record-export-status form-error';
        status.textContent = errorMessage(error, context);
      },
    );
  };
  return h('span', { className: 'record-export-group' }, button, status);
}

/** The "Ký biên bản" button (the meeting's chair and secretary, once it is
 * closed): signs the record with the caller's certificate and says the
 * SHA-256 of the signed file, or what went wrong. */
export function recordSignButton(
  meeting: Pick<MeetingSummary, 'id' | 'my_role' | 'state'>,
  context: ScreenContext,
  signal: AbortSignal,
): HTMLElement | null {
  if (!canSignRecord(meeting)) return null;
  const { t } = context;
  const status = h('span', { className: 'record-export-status', attrs: { role: 'status' } });
  const button = h(
    'button',
    {
      className: 'button primary record-sign',
      attrs: { type: 'button', 'data-record-sign': meeting.id },
      on: { click: () => run() },
      signal,
    },
    t('record.sign'),
  );
  const run = () => {
    button.disabled = true;
    status.className = 'record-export-status';
    status.textContent = t('record.signing');
    context.api.signRecord(meeting.id).then(
      (record) => {
        if (signal.aborted) return;
        const sha256 = record.sha256 ?? '';
        status.textContent = t(record.issued ? 'record.signedIssued' : 'record.signed', { sha256 });
      },
      (error: unknown) => {
        button.disabled = false;
        if (signal.aborted || context.handleCommonError(error)) return;
        status.className = 'record-export-status form-error';
        status.textContent = errorMessage(error, context);
      },
    );
  };
  return h('span', { className: 'record-export-group' }, button, status);
}
