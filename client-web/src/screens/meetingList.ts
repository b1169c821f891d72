// Screen 2, "Cuộc họp của tôi": the meetings this user is invited to,
// today's first, then upcoming, then past.

import type { MeetingSummary } from '../api/types';
import { formatMeetingTime } from '../format/format';
import { groupMeetingsByDay, type MeetingGroupKey } from '../meetings/grouping';
import { hrefFor } from '../router/routes';
import { errorPanel, loadingMessage, meetingRoleLabel, meetingStateBadge } from '../ui/components';
import { h } from '../ui/dom';
import { errorMessage, isAbort, type Screen, type ScreenContext } from './context';

const groupTitleKey = {
  today: 'meetings.today',
  upcoming: 'meetings.upcoming',
  past: 'meetings.past',
} as const satisfies Record<MeetingGroupKey, string>;

function meetingCard(meeting: MeetingSummary, context: ScreenContext): HTMLElement {
  const { t, language } = context;
  return h(
    'li',
    {},
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
    ),
  );
}

export const meetingListScreen: Screen = (root, context, signal) => {
  const { t } = context;
  const body = h('div', {}, loadingMessage(t('common.loading')));
  root.replaceChildren(h('section', { className: 'screen' }, h('h1', {}, t('meetings.title')), body));

  const load = () => {
    body.replaceChildren(loadingMessage(t('common.loading')));
    context.api.listMeetings().then(
      (meetings) => {
        if (signal.aborted) return;
        const groups = groupMeetingsByDay(meetings, new Date());
        if (groups.length === 0) {
          body.replaceChildren(h('p', { className: 'empty' }, t('meetings.empty')));
          return;
        }
        body.replaceChildren(
          ...groups.map((group) =>
            h(
              'section',
              {
                className: `meeting-group meeting-group-${group.key}`,
                attrs: { 'aria-labelledby': `group-${group.key}` },
              },
              h('h2', { attrs: { id: `group-${group.key}` } }, t(groupTitleKey[group.key])),
              h(
                'ul',
                { className: 'card-list' },
                ...group.meetings.map((meeting) => meetingCard(meeting, context)),
              ),
            ),
          ),
        );
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
