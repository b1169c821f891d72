// "Nhật ký thay đổi": a meeting's audit log for its staff, as a table of
// time, who, what and details, oldest first.

import type { AuditLogEntry } from '../api/types';
import {
  auditActionText,
  auditActorText,
  auditDetailsText,
  meetingThingNames,
  sortAuditEntries,
  formatAuditTime,
  type AuditNames,
} from '../console/audit';
import { canPickAccounts } from '../console/permissions';
import { hrefFor } from '../router/routes';
import { errorPanel, loadingMessage } from '../ui/components';
import { h } from '../ui/dom';
import { isAbort, loadFailureMessage, type Screen, type ScreenContext } from './context';

function auditTable(entries: AuditLogEntry[], names: AuditNames, context: ScreenContext): HTMLElement {
  const { t } = context;
  if (entries.length === 0) return h('p', { className: 'empty' }, t('audit.empty'));
  return h(
    'div',
    { className: 'table-scroll' },
    h(
      'table',
      { className: 'audit-table' },
      h('caption', { className: 'visually-hidden' }, t('audit.title')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { attrs: { scope: 'col' } }, t('audit.time')),
          h('th', { attrs: { scope: 'col' } }, t('audit.actor')),
          h('th', { attrs: { scope: 'col' } }, t('audit.action')),
          h('th', { attrs: { scope: 'col' } }, t('audit.details')),
        ),
      ),
      h(
        'tbody',
        {},
        ...sortAuditEntries(entries).map((entry) =>
          h(
            'tr',
            { attrs: { 'data-action': entry.action, 'data-seq': entry.seq } },
            h('td', { className: 'audit-time' }, formatAuditTime(entry.at_ms)),
            h('td', {}, auditActorText(entry, names, t)),
            h('td', {}, auditActionText(entry.action, t)),
            h(
              'td',
              { className: 'audit-details' },
              ...auditDetailsText(entry.details, names, t).map((phrase) =>
                h('span', { className: 'audit-phrase' }, phrase),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

export const auditScreen =
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
      Promise.all([
        context.api.getMeeting(meetingId),
        context.api.auditLog(meetingId),
        context.api.listParticipants(meetingId).catch(() => []),
        canPickAccounts(context.user) ? context.api.listUsers().catch(() => []) : Promise.resolve([]),
      ]).then(
        ([meeting, entries, participants, accounts]) => {
          if (signal.aborted) return;
          const users = new Map<string, string>();
          for (const participant of participants) users.set(participant.user_id, participant.display_name);
          for (const account of accounts) users.set(account.id, account.display_name);
          const names: AuditNames = { users, things: meetingThingNames(meeting) };
          body.replaceChildren(
            h('h1', {}, `${t('audit.title')}: ${meeting.title}`),
            h('p', { className: 'muted' }, t('audit.intro')),
            auditTable(entries, names, context),
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
