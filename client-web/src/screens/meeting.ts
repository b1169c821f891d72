// Screen 3, one meeting: when and where, the user's role, and the agenda
// (chương trình họp) with the documents (tài liệu) of each item.

import type { DocumentInfo, Meeting } from '../api/types';
import { formatDuration, formatFileSize, formatMeetingTime, formatPageCount } from '../format/format';
import { layoutAgenda } from '../meetings/agenda';
import { hrefFor } from '../router/routes';
import {
  confidentialBadge,
  errorPanel,
  loadingMessage,
  meetingRoleLabel,
  meetingStateBadge,
} from '../ui/components';
import { h } from '../ui/dom';
import { errorMessage, isAbort, type Screen, type ScreenContext } from './context';

function documentLink(meeting: Meeting, document: DocumentInfo, context: ScreenContext): HTMLElement {
  const { t, language } = context;
  const details = [
    formatPageCount(document.page_count, language),
    formatFileSize(document.size_bytes, language),
  ];
  if (document.version > 1) details.push(t('document.version', { version: document.version }));
  return h(
    'li',
    {},
    h(
      'a',
      {
        className: `document-link${document.confidential ? ' document-confidential' : ''}`,
        attrs: {
          href: hrefFor({ screen: 'document', meetingId: meeting.id, documentId: document.id, page: 1 }),
          'data-document-id': document.id,
        },
      },
      h('span', { className: 'document-icon', attrs: { 'aria-hidden': 'true' } }, 'PDF'),
      h(
        'span',
        { className: 'document-text' },
        h('span', { className: 'document-title' }, document.title),
        h('span', { className: 'document-details muted' }, details.join(' · ')),
      ),
      document.confidential ? confidentialBadge(t) : null,
    ),
  );
}

function agendaSection(meeting: Meeting, context: ScreenContext): HTMLElement {
  const { t, language } = context;
  const rows = layoutAgenda(meeting.agenda);
  const heading = h('h2', { attrs: { id: 'agenda-title' } }, t('meeting.agenda'));
  if (rows.length === 0) {
    return h(
      'section',
      { className: 'agenda' },
      heading,
      h('p', { className: 'empty' }, t('meeting.agendaEmpty')),
    );
  }
  return h(
    'section',
    { className: 'agenda', attrs: { 'aria-labelledby': 'agenda-title' } },
    heading,
    h(
      'ol',
      { className: 'agenda-list' },
      ...rows.map(({ item, depth, number }) => {
        const facts = [
          item.presenter ? t('meeting.presenter', { name: item.presenter }) : null,
          item.duration_minutes !== null ? formatDuration(item.duration_minutes, language) : null,
        ].filter((fact): fact is string => fact !== null);
        return h(
          'li',
          {
            className: `agenda-item agenda-depth-${Math.min(depth, 3)}`,
            attrs: { 'data-agenda-item-id': item.id },
          },
          h(
            'div',
            { className: 'agenda-heading' },
            h('span', { className: 'agenda-number' }, number),
            h('span', { className: 'agenda-title' }, item.title),
          ),
          facts.length > 0 ? h('p', { className: 'agenda-facts muted' }, facts.join(' · ')) : null,
          item.documents.length > 0
            ? h(
                'ul',
                { className: 'document-list' },
                ...item.documents.map((document) => documentLink(meeting, document, context)),
              )
            : null,
        );
      }),
    ),
  );
}

function meetingView(meeting: Meeting, context: ScreenContext): HTMLElement[] {
  const { t, language } = context;
  const facts = h(
    'dl',
    { className: 'facts' },
    h('dt', {}, t('meeting.time')),
    h('dd', {}, formatMeetingTime(meeting.starts_at, language)),
    h('dt', {}, t('meeting.place')),
    h('dd', {}, meeting.place),
    meeting.my_role ? h('dt', {}, t('meeting.yourRole')) : null,
    meeting.my_role ? h('dd', {}, meetingRoleLabel(meeting.my_role, t)) : null,
  );
  // The video link belongs to the agency's own conference system; it is
  // only ever opened by the user's tap, never loaded by this page.
  const videoLink =
    meeting.video_link && /^https:\/\//i.test(meeting.video_link)
      ? h(
          'a',
          {
            className: 'button',
            attrs: { href: meeting.video_link, target: '_blank', rel: 'noopener noreferrer' },
          },
          t('meeting.videoLink'),
        )
      : null;
  const header = h(
    'div',
    { className: 'meeting-header' },
    h('h1', {}, meeting.title),
    meetingStateBadge(meeting.state, t),
  );
  return videoLink
    ? [header, facts, videoLink, agendaSection(meeting, context)]
    : [header, facts, agendaSection(meeting, context)];
}

export const meetingScreen =
  (meetingId: string): Screen =>
  (root, context, signal) => {
    const { t } = context;
    const back = h(
      'a',
      { className: 'back-link', attrs: { href: hrefFor({ screen: 'meetings' }) } },
      `‹ ${t('meeting.backToList')}`,
    );
    const body = h('div', {}, loadingMessage(t('common.loading')));
    root.replaceChildren(h('section', { className: 'screen screen-meeting' }, back, body));

    const load = () => {
      body.replaceChildren(loadingMessage(t('common.loading')));
      context.api.getMeeting(meetingId).then(
        (meeting) => {
          if (signal.aborted) return;
          context.meetingCache.set(meeting.id, meeting);
          body.replaceChildren(...meetingView(meeting, context));
        },
        (error: unknown) => {
          if (isAbort(error, signal) || context.handleCommonError(error)) return;
          body.replaceChildren(
            errorPanel(errorMessage(error, context), { label: t('common.retry'), run: load }),
          );
        },
      );
    };
    load();
  };
