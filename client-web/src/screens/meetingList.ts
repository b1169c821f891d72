// Screen 2, "Cuộc họp của tôi": the meetings this user is invited to,
// today's first, then upcoming, then past.
//
// Opening the list also prepares today's and upcoming published meetings
// for offline use: each meeting is saved and its agenda pack downloaded,
// with the progress on its card, so a tablet is ready before the meeting
// even if nobody opens it. Secretaries see "Tạo cuộc họp" and, on
// meetings they prepare, "Chuẩn bị".

import type { MeetingSummary } from '../api/types';
import { backupLine } from '../console/backupStatus';
import { canCreateMeetings, canPrepareMeeting } from '../console/permissions';
import { formatMeetingTime } from '../format/format';
import { groupMeetingsByDay, type MeetingGroupKey } from '../meetings/grouping';
import { meetingsToPrepareOffline } from '../offline/documentPack';
import { hrefFor } from '../router/routes';
import {
  errorPanel,
  loadingMessage,
  meetingRoleLabel,
  meetingStateBadge,
  savedDataBanner,
  showPackStatus,
} from '../ui/components';
import { h } from '../ui/dom';
import {
  isAbort,
  loadFailureMessage,
  loadMeeting,
  loadMeetingList,
  type Screen,
  type ScreenContext,
} from './context';

const groupTitleKey = {
  today: 'meetings.today',
  upcoming: 'meetings.upcoming',
  past: 'meetings.past',
} as const satisfies Record<MeetingGroupKey, string>;

function meetingCard(meeting: MeetingSummary, context: ScreenContext, packLine: HTMLElement): HTMLElement {
  const { t, language } = context;
  return h(
    'li',
    { className: 'meeting-entry', attrs: { 'data-meeting-id': meeting.id } },
    h(
      'a',
      {
        className: `card meeting-card meeting-state-${meeting.state}`,
        attrs: { href: hrefFor({ screen: 'meeting', meetingId: meeting.id }) },
      },
      h('span', { className: 'card-title' }, meeting.title),
      h('span', { className: 'card-line' }, formatMeetingTime(meeting.starts_at, language)),
      h('span', { className: 'card-line muted' }, meeting.place),
      h(
        'span',
        { className: 'card-badges' },
        meetingStateBadge(meeting.state, t),
        meeting.my_role
          ? h(
              'span',
              { className: 'badge' },
              t('meetings.yourRole', { role: meetingRoleLabel(meeting.my_role, t) }),
            )
          : null,
      ),
      packLine,
    ),
    canPrepareMeeting(context.user, meeting)
      ? h(
          'a',
          {
            className: 'button card-action',
            attrs: { href: hrefFor({ screen: 'edit_meeting', meetingId: meeting.id }) },
          },
          t('console.prepare'),
        )
      : null,
  );
}

export const meetingListScreen: Screen = (root, context, signal) => {
  const { t } = context;
  const body = h('div', {}, loadingMessage(t('common.loading')));
  const heading = h(
    'div',
    { className: 'screen-heading' },
    h('h1', {}, t('meetings.title')),
    h(
      'div',
      { className: 'screen-heading-actions' },
      h(
        'a',
        { className: 'button', attrs: { href: hrefFor({ screen: 'calendar', week: null }) } },
        t('meetings.calendar'),
      ),
      context.user?.role === 'admin'
        ? h(
            'a',
            { className: 'button', attrs: { href: hrefFor({ screen: 'accounts' }) } },
            t('accounts.link'),
          )
        : null,
      context.user?.role === 'admin'
        ? h(
            'a',
            { className: 'button', attrs: { href: hrefFor({ screen: 'devices', userId: null }) } },
            t('devices.link'),
          )
        : null,
      canCreateMeetings(context.user)
        ? h(
            'a',
            { className: 'button button-primary', attrs: { href: hrefFor({ screen: 'new_meeting' }) } },
            `+ ${t('console.createMeeting')}`,
          )
        : null,
    ),
  );
  // Administrators see when the last backup was made (and a warning when
  // it is old); a failure to ask just leaves the line out.
  const backup = h('p', { className: 'backup-status', attrs: { 'data-testid': 'backup-status' } });
  backup.hidden = true;
  if (context.user?.role === 'admin') {
    context.api.backupStatus().then(
      (status) => {
        if (signal.aborted) return;
        const line = backupLine(status, t);
        backup.textContent = line.sentences.join(' ');
        backup.classList.toggle('notice-warning', line.warning);
        if (line.warning) backup.setAttribute('role', 'alert');
        backup.hidden = false;
      },
      () => undefined,
    );
  }
  root.replaceChildren(h('section', { className: 'screen' }, heading, backup, body));

  const prepareOffline = async (meetings: MeetingSummary[]) => {
    for (const summary of meetingsToPrepareOffline(meetings, new Date())) {
      if (signal.aborted) return;
      try {
        const { value: meeting, savedAt } = await loadMeeting(context, summary.id);
        if (savedAt === null) void context.offline.packs.ensure(meeting);
      } catch (error) {
        if (context.handleCommonError(error)) return;
        // One meeting that cannot be prepared must not stop the others.
        console.warn('phonghop: could not prepare a meeting for offline use', summary.id, error);
      }
    }
  };

  const load = () => {
    body.replaceChildren(loadingMessage(t('common.loading')));
    loadMeetingList(context).then(
      ({ value: meetings, savedAt }) => {
        if (signal.aborted) return;
        const banner = savedAt === null ? null : savedDataBanner(savedAt, t);
        const groups = groupMeetingsByDay(meetings, new Date());
        if (groups.length === 0) {
          body.replaceChildren(
            ...[banner, h('p', { className: 'empty' }, t('meetings.empty'))].filter((x) => x !== null),
          );
          return;
        }
        const card = (meeting: MeetingSummary) => {
          const packLine = h('span', {
            className: 'card-line pack-status',
            attrs: { 'aria-live': 'polite' },
          });
          packLine.hidden = true;
          context.offline.packs.subscribe(
            meeting.id,
            (progress) => showPackStatus(packLine, progress, t),
            signal,
          );
          return meetingCard(meeting, context, packLine);
        };
        body.replaceChildren(
          ...(banner ? [banner] : []),
          ...groups.map((group) =>
            h(
              'section',
              {
                className: `meeting-group meeting-group-${group.key}`,
                attrs: { 'aria-labelledby': `group-${group.key}` },
              },
              h('h2', { attrs: { id: `group-${group.key}` } }, t(groupTitleKey[group.key])),
              h('ul', { className: 'card-list' }, ...group.meetings.map(card)),
            ),
          ),
        );
        if (savedAt === null) void prepareOffline(meetings);
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
