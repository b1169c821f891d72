// Screen 3, one meeting: when and where, the user's role, and the agenda
// (chương trình họp) with the documents (tài liệu) of each item.
//
// Opening a published meeting downloads its agenda pack for offline
// reading, with the progress under the title ("Đã tải 7/12 tài liệu", then
// "Đã tải xong"); each document says whether it is on the device or, for
// a confidential one, only readable online. Offline, the meeting shows as
// last saved, under a banner that says so. The meeting's staff also get
// the way into the secretary's console and the chair console from here.
//
// Participants get the live panel (`live/delegatePanel.ts`): check in,
// follow the presenter (a page change opens the reader), ask to speak,
// the vote card, announcements. The pack's download counts are reported
// to the readiness board (`reportReadiness`). A remote point's account is
// sent on to its big screen.

import type { DocumentInfo, Meeting } from '../api/types';
import { canPrepareMeeting, canReadAudit } from '../console/permissions';
import { formatDuration, formatFileSize, formatMeetingTime, formatPageCount } from '../format/format';
import { layoutAgenda } from '../meetings/agenda';
import { attachDelegateLive } from '../live/delegatePanel';
import { liveControls } from '../live/permissions';
import { reportReadiness } from '../live/session';
import { warmUp } from '../reader/pdf';
import { hasConfidentialDocuments } from '../offline/documentPack';
import { hrefFor } from '../router/routes';
import {
  confidentialBadge,
  errorPanel,
  loadingMessage,
  meetingRoleLabel,
  meetingStateBadge,
  savedDataBanner,
  showPackStatus,
} from '../ui/components';
import { h } from '../ui/dom';
import { type Marks } from '../meetings/changeMarks';
import { agendaNotice, changeMarks, followAgenda } from './agendaFollow';
import { isAbort, loadFailureMessage, loadMeeting, type Screen, type ScreenContext } from './context';
import { minutesPanel } from './minutesPanel';

/** "Đã có trên máy" / "Chỉ xem khi có mạng" beside a document. Filled in
 * once the documents cache has answered. */
function availabilityBadge(document: DocumentInfo, context: ScreenContext): HTMLElement {
  const badge = h('span', { className: 'badge badge-availability' });
  badge.hidden = true;
  if (document.confidential) {
    badge.textContent = context.t('document.onlineOnly');
    badge.dataset['availability'] = 'online-only';
    badge.hidden = false;
  }
  return badge;
}

function documentLink(
  meeting: Meeting,
  itemId: string,
  document: DocumentInfo,
  context: ScreenContext,
  marks: Marks,
): HTMLElement {
  const { t, language } = context;
  const changed = marks.documents.includes(document.id);
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
        className: `document-link${document.confidential ? ' document-confidential' : ''}${
          changed ? ' document-changed' : ''
        }`,
        attrs: {
          href: hrefFor({ screen: 'document', meetingId: meeting.id, documentId: document.id, page: 1 }),
          'data-document-id': document.id,
        },
        on: { click: () => changeMarks.seenDocument(meeting.id, document.id, itemId) },
      },
      h('span', { className: 'document-icon', attrs: { 'aria-hidden': 'true' } }, 'PDF'),
      h(
        'span',
        { className: 'document-text' },
        h('span', { className: 'document-title' }, document.title),
        h('span', { className: 'document-details muted' }, details.join(' · ')),
      ),
      document.confidential ? confidentialBadge(t) : null,
      availabilityBadge(document, context),
    ),
  );
}

function agendaSection(meeting: Meeting, context: ScreenContext, marks: Marks): HTMLElement {
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
        const changed = marks.items.includes(item.id);
        return h(
          'li',
          {
            className: `agenda-item agenda-depth-${Math.min(depth, 3)}${changed ? ' agenda-item-changed' : ''}`,
            attrs: { 'data-agenda-item-id': item.id },
          },
          h(
            'div',
            { className: 'agenda-heading' },
            h('span', { className: 'agenda-number' }, number),
            h('span', { className: 'agenda-title' }, item.title),
            changed
              ? h('span', { className: 'badge badge-changed' }, t('changes.changedItem'))
              : item.updated
                ? h('span', { className: 'badge badge-updated' }, t('meeting.updated'))
                : null,
          ),
          facts.length > 0 ? h('p', { className: 'agenda-facts muted' }, facts.join(' · ')) : null,
          item.documents.length > 0
            ? h(
                'ul',
                { className: 'document-list' },
                ...item.documents.map((document) => documentLink(meeting, item.id, document, context, marks)),
              )
            : null,
        );
      }),
    ),
  );
}

function staffActions(meeting: Meeting, context: ScreenContext): HTMLElement | null {
  const { t } = context;
  const chairLink = liveControls(meeting.my_role).chairConsole
    ? h(
        'a',
        {
          className: 'button button-primary button-chair-console',
          attrs: { href: hrefFor({ screen: 'chair', meetingId: meeting.id }) },
        },
        t('live.chairConsole'),
      )
    : null;
  if (!canPrepareMeeting(context.user, meeting)) {
    return chairLink ? h('div', { className: 'staff-actions' }, chairLink) : null;
  }
  return h(
    'div',
    { className: 'staff-actions' },
    chairLink,
    h(
      'a',
      {
        className: 'button button-primary',
        attrs: { href: hrefFor({ screen: 'edit_meeting', meetingId: meeting.id }) },
      },
      t('console.prepare'),
    ),
    canReadAudit(context.user, meeting)
      ? h(
          'a',
          {
            className: 'button',
            attrs: { href: hrefFor({ screen: 'meeting_audit', meetingId: meeting.id }) },
          },
          t('console.audit'),
        )
      : null,
  );
}

function meetingView(
  meeting: Meeting,
  context: ScreenContext,
  packLine: HTMLElement,
  marks: Marks,
): HTMLElement[] {
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
  const confidentialNote = hasConfidentialDocuments(meeting)
    ? h('p', { className: 'muted pack-note' }, t('offline.packConfidential'))
    : null;
  return [
    header,
    packLine,
    staffActions(meeting, context),
    facts,
    videoLink,
    agendaSection(meeting, context, marks),
    confidentialNote,
  ].filter((element): element is HTMLElement => element !== null);
}

/** Marks the documents that are on the device. */
async function markKeptDocuments(root: HTMLElement, meeting: Meeting, context: ScreenContext): Promise<void> {
  for (const item of meeting.agenda) {
    for (const document of item.documents) {
      if (document.confidential) continue;
      const kept = await context.offline.packs.isKept(document.url);
      const link = root.querySelector(`[data-document-id="${CSS.escape(document.id)}"]`);
      const badge = link?.querySelector<HTMLElement>('.badge-availability');
      if (!badge) continue;
      badge.hidden = !kept;
      badge.textContent = kept ? context.t('document.availableOffline') : '';
      if (kept) badge.dataset['availability'] = 'offline';
    }
  }
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
      loadMeeting(context, meetingId).then(
        ({ value: meeting, savedAt }) => {
          if (signal.aborted) return;
          // A remote point's account lands on its big screen.
          if (liveControls(meeting.my_role).bigScreen) {
            location.replace(hrefFor({ screen: 'big_screen', meetingId: meeting.id }));
            return;
          }
          // The live meeting (check in, follow, speak, vote) for participants.
          const live = meeting.my_role
            ? attachDelegateLive({
                meetingId: meeting.id,
                role: meeting.my_role,
                context,
                signal,
                documents: meeting.agenda.flatMap((item) => item.documents),
                onFollow: (follow) => {
                  const { document_id: documentId, page } = follow.position;
                  if (!documentId) return;
                  live?.session.following.markFollowNavigation();
                  context.navigate({
                    screen: 'document',
                    meetingId: meeting.id,
                    documentId,
                    page: page ?? 1,
                  });
                },
              })
            : null;
          const packLine = h('p', {
            className: 'pack-status',
            attrs: { role: 'status', 'aria-live': 'polite' },
          });
          packLine.hidden = true;
          // What the screen shows; replaced when the agenda changes.
          let shown = meeting;
          const view = h('div', { className: 'meeting-view' });
          const notice = agendaNotice(context, meeting.id, () => render());
          const render = () => {
            view.replaceChildren(...meetingView(shown, context, packLine, changeMarks.get(shown.id)));
            if (live) view.querySelector('.meeting-header')?.after(notice.element, live.panel);
            else view.querySelector('.meeting-header')?.after(notice.element);
            void markKeptDocuments(view, shown, context);
          };
          body.replaceChildren(...(savedAt === null ? [] : [savedDataBanner(savedAt, t)]), view);
          render();
          // A delegate on this screen is about to open a document: load
          // pdf.js and start its worker while they choose (on a cheap
          // tablet that is a good part of the first page's wait).
          if (meeting.agenda.some((item) => item.documents.length > 0)) {
            const warm = () => {
              if (!signal.aborted) void warmUp();
            };
            if (typeof requestIdleCallback === 'function') requestIdleCallback(warm, { timeout: 2_000 });
            else setTimeout(warm, 500);
          }
          const packs = context.offline.packs;
          packs.subscribe(
            meeting.id,
            (progress) => {
              showPackStatus(packLine, progress, t);
              reportReadiness(packs.held(meeting.id), progress.running, meeting.id);
              if (!progress.running) void markKeptDocuments(view, shown, context);
            },
            signal,
          );
          void packs.ensure(meeting);
          // The agenda follows live: re-rendered on every change, with a
          // calm notice of what changed.
          if (live) {
            followAgenda({
              connection: live.session.connection,
              context,
              meetingId: meeting.id,
              shown: () => shown,
              onChange: (fresh, changes) => {
                shown = fresh;
                render();
                notice.show(changes);
              },
              signal,
            });
          }
          // The minutes draft, read-only here; staff edit it in their console.
          const minutesEntry = meeting.sync_documents.find((document) => document.kind === 'minutes');
          if (minutesEntry?.access === 'read') {
            const minutes = minutesPanel(meeting, context, signal);
            if (minutes) body.append(minutes);
          }
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
