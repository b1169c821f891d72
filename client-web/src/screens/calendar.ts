// The meeting calendar (lịch họp): a week, Monday to Sunday, of the
// meetings this user is part of, for every role; a secretary sees the
// drafts they prepare too. The days and weeks are decided in
// `meetings/calendar.ts`; this screen draws them and moves between weeks
// by address (`#/calendar?week=YYYY-MM-DD`), so a week can be bookmarked.
// It reads the same meeting list as "Cuộc họp của tôi", saved data
// included, so it works offline.

import type { MeetingSummary } from '../api/types';
import { canPrepareMeeting } from '../console/permissions';
import { dayNumber, formatDate, formatTimeOfDay, parseWallClock, wallClockAt } from '../format/format';
import {
  calendarWeek,
  currentMonday,
  isoDate,
  mondayOf,
  noonOf,
  parseIsoDate,
  vietnamOffsetMinutes,
  type CalendarDay,
} from '../meetings/calendar';
import { hrefFor } from '../router/routes';
import {
  errorPanel,
  loadingMessage,
  meetingRoleLabel,
  meetingStateBadge,
  savedDataBanner,
} from '../ui/components';
import { h } from '../ui/dom';
import { isAbort, loadFailureMessage, loadMeetingList, type Screen, type ScreenContext } from './context';

const two = (value: number) => String(value).padStart(2, '0');

function weekLabel(monday: number, context: ScreenContext): string {
  const first = noonOf(monday);
  const last = noonOf(monday + 6);
  return context.t('calendar.week', {
    from: `${two(first.day)}/${two(first.month)}`,
    to: `${two(last.day)}/${two(last.month)}/${last.year}`,
  });
}

function meetingEntry(meeting: MeetingSummary, context: ScreenContext): HTMLElement {
  const { t } = context;
  const wall = parseWallClock(meeting.starts_at);
  const href = canPrepareMeeting(context.user, meeting)
    ? hrefFor({ screen: 'edit_meeting', meetingId: meeting.id })
    : hrefFor({ screen: 'meeting', meetingId: meeting.id });
  return h(
    'li',
    { className: 'calendar-entry', attrs: { 'data-meeting-id': meeting.id } },
    h(
      'a',
      { className: `card calendar-card meeting-state-${meeting.state}`, attrs: { href } },
      h('span', { className: 'calendar-time' }, wall ? formatTimeOfDay(wall) : meeting.starts_at),
      h('span', { className: 'card-title' }, meeting.title),
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

function dayColumn(day: CalendarDay, today: number, context: ScreenContext): HTMLElement {
  const { t, language } = context;
  const isToday = day.day === today;
  return h(
    'section',
    {
      className: `calendar-day${isToday ? ' calendar-today' : ''}${day.meetings.length === 0 ? ' calendar-day-empty' : ''}`,
      attrs: { 'data-date': isoDate(day.day), 'aria-current': isToday ? 'date' : null },
    },
    h(
      'h2',
      { className: 'calendar-day-title' },
      formatDate(day.date, language),
      isToday ? h('span', { className: 'badge badge-today' }, t('calendar.today')) : null,
    ),
    day.meetings.length === 0
      ? h('p', { className: 'muted calendar-none' }, t('calendar.noMeetings'))
      : h(
          'ul',
          { className: 'calendar-list' },
          ...day.meetings.map((meeting) => meetingEntry(meeting, context)),
        ),
  );
}

export function calendarScreen(week: string | null): Screen {
  return (root, context, signal) => {
    const { t } = context;
    const now = new Date();
    const thisMonday = currentMonday(now);
    const asked = week === null ? null : parseIsoDate(week);
    // Any date of the week names it; an impossible date shows this week.
    const monday = asked === null ? thisMonday : mondayOf(asked);
    const today = dayNumber(wallClockAt(now.getTime(), vietnamOffsetMinutes));
    const link = (label: string, target: number | null, current = false) =>
      h(
        'a',
        {
          className: `button button-small${current ? ' button-primary' : ''}`,
          attrs: { href: hrefFor({ screen: 'calendar', week: target === null ? null : isoDate(target) }) },
        },
        label,
      );
    const heading = h(
      'div',
      { className: 'screen-heading' },
      h('h1', {}, t('calendar.title')),
      h('a', { className: 'button', attrs: { href: hrefFor({ screen: 'meetings' }) } }, t('calendar.list')),
    );
    const navigation = h(
      'nav',
      { className: 'calendar-navigation', attrs: { 'aria-label': t('calendar.title') } },
      link(t('calendar.previous'), monday - 7),
      link(t('calendar.thisWeek'), null, monday === thisMonday),
      link(t('calendar.next'), monday + 7),
      h(
        'span',
        { className: 'calendar-week-label', attrs: { 'data-testid': 'calendar-week' } },
        weekLabel(monday, context),
      ),
    );
    const body = h('div', {}, loadingMessage(t('common.loading')));
    root.replaceChildren(h('section', { className: 'screen calendar-screen' }, heading, navigation, body));

    const load = () => {
      body.replaceChildren(loadingMessage(t('common.loading')));
      loadMeetingList(context).then(
        ({ value: meetings, savedAt }) => {
          if (signal.aborted) return;
          const shown = calendarWeek(meetings, monday);
          const empty = shown.days.every((day) => day.meetings.length === 0);
          body.replaceChildren(
            ...(savedAt === null ? [] : [savedDataBanner(savedAt, t)]),
            ...(empty ? [h('p', { className: 'empty' }, t('calendar.weekEmpty'))] : []),
            h(
              'div',
              { className: 'calendar-week' },
              ...shown.days.map((day) => dayColumn(day, today, context)),
            ),
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
}
