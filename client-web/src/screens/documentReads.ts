// "Ai đã xem tài liệu mật": for the meeting's staff, each confidential
// document with "Đã xem: 18/26" and, per participant who may read it,
// every copy they received (when, on which device, which version) or
// "Chưa xem". The order and the words come from `console/documentReads`.

import type { DocumentReads } from '../api/types';
import { formatAuditTime } from '../console/audit';
import { participantReadsText, participantsInOrder, readsSummary } from '../console/documentReads';
import { hrefFor } from '../router/routes';
import { errorPanel, loadingMessage } from '../ui/components';
import { h } from '../ui/dom';
import { isAbort, loadFailureMessage, type Screen, type ScreenContext } from './context';

function documentSection(document: DocumentReads, context: ScreenContext): HTMLElement {
  const { t } = context;
  return h(
    'section',
    { className: 'reads-document', attrs: { 'data-document-id': document.document_id } },
    h('h2', {}, document.title),
    h(
      'p',
      { className: 'reads-summary', attrs: { 'data-readers': document.readers } },
      readsSummary(document, t),
    ),
    h(
      'div',
      { className: 'table-scroll' },
      h(
        'table',
        { className: 'audit-table reads-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { attrs: { scope: 'col' } }, t('reads.who')),
            h('th', { attrs: { scope: 'col' } }, t('reads.when')),
          ),
        ),
        h(
          'tbody',
          {},
          ...participantsInOrder(document).map((participant) =>
            h(
              'tr',
              {
                className: participant.reads.length === 0 ? 'reads-not-yet' : '',
                attrs: { 'data-user-id': participant.user_id, 'data-reads': participant.reads.length },
              },
              h('td', {}, participant.display_name),
              h(
                'td',
                {},
                ...participantReadsText(participant, t, (atMs) => formatAuditTime(atMs)).map((line) =>
                  h('span', { className: 'audit-phrase' }, line),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

export const documentReadsScreen =
  (meetingId: string): Screen =>
  (root, context, signal) => {
    const { t } = context;
    const back = h(
      'a',
      { className: 'back-link', attrs: { href: hrefFor({ screen: 'edit_meeting', meetingId }) } },
      `‹ ${t('audit.backToEditor')}`,
    );
    const body = h('div', {}, loadingMessage(t('common.loading')));
    root.replaceChildren(h('section', { className: 'screen screen-console' }, back, body));

    const load = () => {
      body.replaceChildren(loadingMessage(t('common.loading')));
      Promise.all([context.api.getMeeting(meetingId), context.api.documentReads(meetingId)]).then(
        ([meeting, documents]) => {
          if (signal.aborted) return;
          body.replaceChildren(
            h('h1', {}, `${t('reads.title')}: ${meeting.title}`),
            h('p', { className: 'muted' }, t('reads.intro')),
            ...(documents.length === 0
              ? [h('p', { className: 'empty' }, t('reads.none'))]
              : documents.map((document) => documentSection(document, context))),
          );
        },
        (error: unknown) => {
          if (isAbort(error, signal) || context.handleCommonError(error)) return;
          body.replaceChildren(
            errorPanel(loadFailureMessage(error, context), { label: t('common.retry'), run: load }),
          );
        },
      );
    };
    load();
  };
