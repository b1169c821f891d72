// The chair console ("Chủ trì", `#/meetings/{id}/chair`): one screen to run
// the meeting without help. On top, attendance as a seat grid (one tile a
// member: present, late, absent or not checked in; choose a mark, tap the
// seats), which fits 60 members on a 1920×1080 screen; the quorum line
// stays at the bottom of the screen whatever is scrolled. Below, the
// current agenda item with next / previous (which moves everyone to its
// first document), what everyone follows with page turns, the speakers
// list, votes, announcements, the requests to the secretary and the
// readiness board. Every button sends one `/live` request; the screen
// redraws from the events, so two staff consoles stay in step.

import type { AgendaItem, DocumentInfo, Meeting, MeetingRole } from '../api/types';
import { layoutAgenda } from '../meetings/agenda';
import { hrefFor } from '../router/routes';
import { describeRequest, openLiveSession, requestFailure } from '../live/delegatePanel';
import { liveControls } from '../live/permissions';
import type { AttendanceStatus, FollowPosition, LiveParticipant } from '../live/protocol';
import { deviceLine, participantStatus, statusCounts } from '../live/readinessBoard';
import { attendanceChange, attendanceCounts, seats } from '../live/seats';
import {
  devicesOnline,
  openVote,
  participantName,
  latestVote,
  requestsInbox,
  type LiveState,
} from '../live/state';
import {
  connectionLine,
  floorLine,
  quorumLine,
  tickEverySecond,
  updateConnectionLine,
  voteResult,
} from '../live/views';
import { errorPanel, loadingMessage } from '../ui/components';
import { h } from '../ui/dom';
import { agendaNotice, followAgenda } from './agendaFollow';
import { isAbort, loadFailureMessage, loadMeeting, type Screen, type ScreenContext } from './context';
import { minutesPanel } from './minutesPanel';
import { recordExportButton, recordSignButton } from './recordExport';

/** The agenda in reading order (items and sub-items). */
function agendaOrder(meeting: Meeting): AgendaItem[] {
  return layoutAgenda(meeting.agenda).map((row) => row.item);
}

function findDocument(meeting: Meeting, documentId: string | null | undefined): DocumentInfo | null {
  if (!documentId) return null;
  for (const item of meeting.agenda) {
    const found = item.documents.find((document) => document.id === documentId);
    if (found) return found;
  }
  return null;
}

/** Where "next item" moves everyone: the item and its first document's
 * first page. */
export function positionForItem(item: AgendaItem): FollowPosition {
  const first = item.documents[0];
  return { agenda_item_id: item.id, document_id: first?.id ?? null, page: first ? 1 : null };
}

/** The item `step` places from the current one (clamped to the agenda). */
export function neighbourItem(
  items: readonly AgendaItem[],
  currentId: string | null | undefined,
  step: 1 | -1,
): AgendaItem | null {
  const index = items.findIndex((item) => item.id === currentId);
  if (index === -1) return step === 1 ? (items[0] ?? null) : null;
  return items[index + step] ?? null;
}

/** Moves `userId` one place up or down in the queue; `null` at an end. */
export function reorderedQueue(queue: readonly string[], userId: string, step: 1 | -1): string[] | null {
  const index = queue.indexOf(userId);
  const target = index + step;
  if (index === -1 || target < 0 || target >= queue.length) return null;
  const next = [...queue];
  next[index] = queue[target] as string;
  next[target] = userId;
  return next;
}

const roleOrder: Record<MeetingRole, number> = {
  chair: 0,
  secretary: 1,
  delegate: 2,
  observer: 3,
  remote_point: 4,
};

/** The chair and secretaries first, then delegates, observers and remote
 * points, each by name ("Đại biểu 2" before "Đại biểu 10"). */
export function sortedParticipants(state: LiveState): LiveParticipant[] {
  return [...state.snapshot.participants].sort(
    (a, b) =>
      roleOrder[a.role] - roleOrder[b.role] ||
      a.display_name.localeCompare(b.display_name, 'vi', { numeric: true }),
  );
}

function chairConsole(
  root: HTMLElement,
  initial: Meeting,
  context: ScreenContext,
  signal: AbortSignal,
): void {
  const { t } = context;
  const { connection } = openLiveSession(initial.id, context);
  // The agenda follows live: replaced on every change (`followAgenda`).
  let meeting = initial;
  let items = agendaOrder(meeting);
  const notice = agendaNotice(context, meeting.id, () => render());

  const statusLine = connectionLine();
  const seatsSlot = h('div', { className: 'chair-seats-slot' });
  const errorLine = h('p', { className: 'form-error', attrs: { role: 'alert' } });
  errorLine.hidden = true;
  const panels = h('div', { className: 'chair-grid' });
  const floorSlot = h('div', { className: 'chair-floor' });
  const voteQuestion = h('input', {
    className: 'input',
    attrs: { type: 'text', id: 'chair-vote-question', 'aria-label': t('chair.voteQuestion') },
  });
  const voteSecret = h('input', { attrs: { type: 'checkbox', id: 'chair-vote-secret' } });
  // Unchecked: only the voting members present (or late) when it opens vote.
  const voteAllMembers = h('input', { attrs: { type: 'checkbox', id: 'chair-vote-all-members' } });
  const voteAllowChange = h('input', { attrs: { type: 'checkbox', id: 'chair-vote-allow-change' } });
  const announceText = h('input', {
    className: 'input',
    attrs: { type: 'text', id: 'chair-announce-text', 'aria-label': t('chair.announcementText') },
  });
  /** The mark a tap on a seat gives, and the reason for an absence. */
  let mark: AttendanceStatus = 'present';
  const absentReason = h('input', {
    className: 'input input-reason',
    attrs: {
      type: 'text',
      id: 'chair-absent-reason',
      maxlength: 200,
      placeholder: t('chair.absentReason'),
      'aria-label': t('chair.absentReason'),
    },
  });
  const statusBar = h('div', { className: 'chair-status-bar', attrs: { role: 'status' } });

  root.replaceChildren(
    h(
      'section',
      { className: 'screen screen-chair' },
      h(
        'a',
        { className: 'back-link', attrs: { href: hrefFor({ screen: 'meeting', meetingId: meeting.id }) } },
        `‹ ${t('chair.backToMeeting')}`,
      ),
      h(
        'div',
        { className: 'chair-head' },
        h('h1', {}, `${t('chair.title')}: ${meeting.title}`),
        recordExportButton(meeting, context, signal),
        recordSignButton(meeting, context, signal),
      ),
      statusLine,
      notice.element,
      errorLine,
      seatsSlot,
      panels,
      minutesPanel(meeting, context, signal),
      statusBar,
    ),
  );

  const send = (run: () => Promise<void>, after?: () => void) => {
    errorLine.hidden = true;
    run().then(after, (error: unknown) => {
      errorLine.textContent = requestFailure(error, t);
      errorLine.hidden = false;
    });
  };
  const setFollow = (position: FollowPosition) =>
    send(() => connection.request({ type: 'set_follow', position }));
  const button = (label: string, action: () => void, className = '', disabled = false) =>
    h(
      'button',
      { className: `button ${className}`, attrs: { type: 'button', disabled }, on: { click: action } },
      label,
    );
  const card = (title: string, className: string, ...children: (Node | string | null)[]) =>
    h('section', { className: `chair-card ${className}` }, h('h2', {}, title), ...children);

  const agendaCard = (state: LiveState) => {
    const position = state.snapshot.follow?.position;
    const current = items.find((item) => item.id === position?.agenda_item_id) ?? null;
    const previous = neighbourItem(items, current?.id, -1);
    const next = neighbourItem(items, current?.id, 1);
    const followed = findDocument(meeting, position?.document_id);
    const page = position?.page ?? 1;
    return h(
      'div',
      { className: 'chair-column' },
      card(
        t('chair.currentItem'),
        'chair-agenda',
        h(
          'p',
          { className: 'chair-current-item', attrs: { 'data-agenda-item-id': current?.id ?? '' } },
          current ? current.title : t('chair.noItem'),
        ),
        h(
          'div',
          { className: 'button-row' },
          button(
            t('chair.previousItem'),
            () => previous && setFollow(positionForItem(previous)),
            '',
            !previous,
          ),
          button(
            t('chair.nextItem'),
            () => next && setFollow(positionForItem(next)),
            'button-primary chair-next-item',
            !next,
          ),
        ),
      ),
      card(
        t('chair.followed'),
        'chair-follow',
        h(
          'p',
          {
            className: 'chair-followed',
            attrs: { 'data-document-id': followed?.id ?? '', 'data-page': followed ? page : '' },
          },
          followed ? t('chair.followPage', { document: followed.title, page }) : t('chair.followNone'),
        ),
        followed
          ? h(
              'div',
              { className: 'button-row' },
              button(
                `‹ ${t('reader.previous')}`,
                () => setFollow({ ...position, page: page - 1 }),
                'chair-page-previous',
                page <= 1,
              ),
              button(
                `${t('reader.next')} ›`,
                () => setFollow({ ...position, page: page + 1 }),
                'button-primary chair-page-next',
                page >= followed.page_count,
              ),
              h(
                'a',
                {
                  className: 'button',
                  attrs: {
                    href: hrefFor({
                      screen: 'document',
                      meetingId: meeting.id,
                      documentId: followed.id,
                      page,
                    }),
                  },
                },
                t('live.follow'),
              ),
            )
          : null,
      ),
    );
  };

  /** Attendance: the marks to choose, then a tile per member. */
  const seatGrid = (state: LiveState) => {
    const list = seats(state);
    const counts = attendanceCounts(list);
    const markButton = (status: AttendanceStatus) =>
      h(
        'button',
        {
          className: `button seat-mark seat-mark-${status}`,
          attrs: { type: 'button', 'aria-pressed': String(mark === status), 'data-mark': status },
          on: {
            click: () => {
              mark = status;
              render();
              if (status === 'absent') absentReason.focus();
            },
          },
        },
        t(`chair.${status}`),
      );
    absentReason.hidden = mark !== 'absent';
    return h(
      'section',
      { className: 'chair-card chair-seats', attrs: { 'aria-labelledby': 'chair-seats-title' } },
      h(
        'div',
        { className: 'chair-seats-head' },
        h('h2', { attrs: { id: 'chair-seats-title' } }, t('chair.attendance')),
        h(
          'p',
          {
            className: 'seat-counts muted',
            attrs: {
              'data-counts': `${counts.present}/${counts.late}/${counts.absent}/${counts.notCheckedIn}`,
            },
          },
          t('chair.seatCounts', {
            present: counts.present,
            late: counts.late,
            absent: counts.absent,
            none: counts.notCheckedIn,
          }),
        ),
      ),
      h(
        'div',
        { className: 'seat-marks', attrs: { role: 'group', 'aria-label': t('chair.seatMarkHint') } },
        h('span', { className: 'seat-mark-hint' }, t('chair.seatMarkHint')),
        markButton('present'),
        markButton('late'),
        markButton('absent'),
        absentReason,
      ),
      h(
        'ol',
        { className: 'seat-grid', attrs: { 'data-seats': list.length } },
        ...list.map((seat) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                className: `seat seat-${seat.status ?? 'none'}`,
                attrs: {
                  type: 'button',
                  'data-user-id': seat.userId,
                  'data-status': seat.status ?? '',
                  title: seat.reason ? `${seat.name}: ${seat.reason}` : seat.name,
                },
                on: {
                  click: () => {
                    const change = attendanceChange(seat, mark, absentReason.value);
                    if (change) send(() => connection.request({ type: 'set_attendance', ...change }));
                  },
                },
              },
              h('span', { className: 'seat-name' }, seat.name),
              h(
                'span',
                { className: 'seat-status' },
                seat.status ? t(`chair.${seat.status}`) : t('chair.notYet'),
                seat.reason ? `: ${seat.reason}` : '',
              ),
            ),
          ),
        ),
      ),
    );
  };

  const speakersCard = (state: LiveState) => {
    const speakers = state.snapshot.speakers;
    const queueIds = speakers.queue.map((request) => request.user_id);
    const limitSelect = h(
      'select',
      { className: 'input', attrs: { 'aria-label': t('chair.limit') } },
      ...[null, 60, 120, 180, 300, 600].map((seconds) =>
        h(
          'option',
          { attrs: { value: seconds ?? '', selected: speakers.limit_seconds === seconds } },
          seconds === null ? t('chair.noLimit') : t('chair.minutes', { count: seconds / 60 }),
        ),
      ),
    );
    limitSelect.addEventListener('change', () => {
      const seconds = limitSelect.value === '' ? null : Number(limitSelect.value);
      send(() => connection.request({ type: 'set_speaking_limit', seconds }));
    });
    return card(
      t('chair.speakers'),
      'chair-speakers',
      floorSlot,
      speakers.current
        ? button(
            t('chair.endTurn'),
            () => send(() => connection.request({ type: 'end_turn' })),
            'chair-end-turn',
          )
        : null,
      h('label', { className: 'field-label' }, t('chair.limit'), limitSelect),
      queueIds.length === 0
        ? h('p', { className: 'muted' }, t('live.queueEmpty'))
        : h(
            'ol',
            { className: 'chair-queue' },
            ...queueIds.map((userId) => {
              const move = (step: 1 | -1) => {
                const order = reorderedQueue(queueIds, userId, step);
                if (order) send(() => connection.request({ type: 'reorder_speakers', user_ids: order }));
              };
              return h(
                'li',
                { attrs: { 'data-user-id': userId } },
                h('span', { className: 'chair-person' }, participantName(state, userId)),
                h(
                  'span',
                  { className: 'button-row' },
                  button(t('chair.moveUp'), () => move(-1), 'button-small', queueIds[0] === userId),
                  button(t('chair.moveDown'), () => move(1), 'button-small', queueIds.at(-1) === userId),
                  button(
                    t('chair.giveFloor'),
                    () => send(() => connection.request({ type: 'give_floor', user_id: userId })),
                    'button-primary button-small',
                  ),
                ),
              );
            }),
          ),
    );
  };

  const votesCard = (state: LiveState) => {
    const open = openVote(state);
    const latest = latestVote(state);
    const currentItem = items.find((item) => item.id === state.snapshot.follow?.position.agenda_item_id);
    if (!voteQuestion.value && currentItem) {
      voteQuestion.value = t('chair.voteDefaultQuestion', { item: currentItem.title });
    }
    const content: (HTMLElement | null)[] = [];
    if (open) {
      content.push(
        h('p', { className: 'chair-vote-question' }, open.question),
        h(
          'p',
          {
            className: 'chair-vote-progress',
            attrs: { 'data-cast': open.ballots_cast, 'data-eligible': open.eligible },
          },
          t('live.voteProgress', { cast: open.ballots_cast, eligible: open.eligible }),
        ),
        button(
          t('chair.closeVote'),
          () => send(() => connection.request({ type: 'close_vote', vote_id: open.id })),
          'button-primary chair-close-vote',
        ),
      );
    } else {
      content.push(
        h(
          'label',
          { className: 'field-label', attrs: { for: 'chair-vote-question' } },
          t('chair.voteQuestion'),
        ),
        voteQuestion,
        h('label', { className: 'checkbox-label' }, voteSecret, ` ${t('live.voteSecret')}`),
        h('label', { className: 'checkbox-label' }, voteAllMembers, ` ${t('chair.voteAllMembers')}`),
        h('label', { className: 'checkbox-label' }, voteAllowChange, ` ${t('chair.voteAllowChange')}`),
        button(
          t('chair.openVote'),
          () => {
            const question =
              voteQuestion.value.trim() ||
              t('chair.voteDefaultQuestion', { item: currentItem?.title ?? meeting.title });
            send(
              () =>
                connection.request({
                  type: 'open_vote',
                  agenda_item_id: currentItem?.id ?? null,
                  question,
                  options: [],
                  secret: voteSecret.checked,
                  eligibility: voteAllMembers.checked ? 'all_voting_members' : 'present',
                  allow_change: voteAllowChange.checked,
                }),
              () => {
                voteQuestion.value = '';
              },
            );
          },
          'button-primary chair-open-vote',
        ),
      );
      if (latest && latest.state === 'closed') {
        content.push(
          h('p', { className: 'vote-result-title' }, `${t('live.voteResult')}: ${latest.question}`),
          voteResult(latest, t),
        );
      }
    }
    return card(t('chair.votes'), 'chair-votes', ...content);
  };

  const documentTitle = (id: string) => findDocument(meeting, id)?.title ?? null;
  /** Whether "Đã xử lý gần đây" is unfolded (kept across redraws). */
  let handledShown = false;
  const requestsCard = (state: LiveState) => {
    const inbox = requestsInbox(state);
    const row = (request: (typeof inbox.open)[number]) =>
      h(
        'li',
        {
          className: `chair-request chair-request-${request.state}`,
          attrs: { 'data-request-id': request.id, 'data-state': request.state },
        },
        h(
          'span',
          { className: 'chair-person' },
          `${participantName(state, request.user_id)} · ${new Date(request.created_at_ms).toLocaleTimeString(
            context.language,
            { hour: '2-digit', minute: '2-digit' },
          )}`,
        ),
        h('span', { className: 'chair-request-what' }, describeRequest(request, t, documentTitle)),
        request.state === 'open'
          ? button(
              t('chair.markHandled'),
              () =>
                send(() => connection.request({ type: 'handle_secretary_request', request_id: request.id })),
              'button-primary button-small chair-request-handle',
            )
          : h('span', { className: 'badge request-handled' }, `✓ ${t('live.requestHandled')}`),
      );
    return card(
      `${t('chair.requests')}${inbox.open.length > 0 ? ` (${inbox.open.length})` : ''}`,
      'chair-requests',
      inbox.open.length === 0
        ? h('p', { className: 'muted' }, t('chair.requestsEmpty'))
        : h('ul', { className: 'chair-request-list' }, ...inbox.open.map(row)),
      inbox.handled.length === 0
        ? null
        : h(
            'details',
            {
              className: 'chair-requests-handled',
              attrs: { open: handledShown },
              on: {
                toggle: (event: Event) => {
                  handledShown = (event.currentTarget as HTMLDetailsElement).open;
                },
              },
            },
            h('summary', {}, t('chair.requestsHandled')),
            h('ul', { className: 'chair-request-list' }, ...inbox.handled.slice(0, 10).map(row)),
          ),
    );
  };

  const announceCard = () =>
    card(
      t('chair.announce'),
      'chair-announce',
      announceText,
      button(
        t('chair.announce'),
        () => {
          const text = announceText.value.trim();
          if (!text) return;
          send(
            () => connection.request({ type: 'announce', text }),
            () => {
              announceText.value = '';
            },
          );
        },
        'button-primary',
      ),
    );

  const readinessCard = (state: LiveState) => {
    const titles = new Map(
      meeting.agenda.flatMap((item) => item.documents.map((d) => [d.id, d.title] as const)),
    );
    const titleOf = (documentId: string) => titles.get(documentId) ?? documentId;
    const participants = sortedParticipants(state).filter(
      (participant) => participant.role !== 'remote_point',
    );
    return card(
      t('chair.readiness'),
      'chair-readiness',
      h(
        'p',
        { className: 'muted readiness-counts' },
        t(
          'chair.readinessCounts',
          statusCounts(
            participants.map((participant) => participant.user_id),
            state.snapshot.readiness,
          ),
        ),
      ),
      h(
        'ul',
        { className: 'readiness-list' },
        ...sortedParticipants(state).map((participant) => {
          const devices = state.snapshot.readiness.filter((r) => r.user_id === participant.user_id);
          const online = devicesOnline(state, participant.user_id) > 0;
          const status = participantStatus(devices);
          return h(
            'li',
            {
              className: `readiness-row readiness-${status}`,
              attrs: {
                'data-user-id': participant.user_id,
                'data-online': online ? 'true' : 'false',
                'data-readiness': status,
              },
            },
            h('span', { className: 'chair-person' }, participant.display_name),
            h(
              'span',
              { className: `badge ${online ? 'badge-online' : 'badge-offline'}` },
              online ? t('chair.online') : t('chair.offline'),
            ),
            h('span', { className: `badge badge-readiness-${status}` }, t(`chair.readinessStatus.${status}`)),
            h(
              'span',
              { className: 'muted readiness-devices' },
              devices.length === 0
                ? t('chair.noDevices')
                : devices
                    .map((device) => {
                      const line = deviceLine(device, titleOf);
                      return t(line.key, line.params);
                    })
                    .join(' · '),
            ),
          );
        }),
      ),
    );
  };

  const renderFloor = () => {
    const state = connection.state;
    floorSlot.replaceChildren(state ? floorLine(state, t, Date.now()) : '');
  };

  const render = () => {
    updateConnectionLine(statusLine, connection, t);
    const state = connection.state;
    if (!state) return;
    renderFloor();
    // Events arrive while the chair types (presence, ballots): keep the
    // field being typed in focused across the redraw.
    const focused = document.activeElement;
    const selection =
      focused instanceof HTMLInputElement ? [focused.selectionStart, focused.selectionEnd] : null;
    seatsSlot.replaceChildren(seatGrid(state));
    statusBar.replaceChildren(quorumLine(state, t));
    panels.replaceChildren(
      agendaCard(state),
      h(
        'div',
        { className: 'chair-column' },
        votesCard(state),
        requestsCard(state),
        speakersCard(state),
        announceCard(),
        readinessCard(state),
      ),
    );
    if (focused instanceof HTMLInputElement && focused.isConnected && document.activeElement !== focused) {
      focused.focus({ preventScroll: true });
      if (selection && focused.type === 'text')
        focused.setSelectionRange(selection[0] ?? null, selection[1] ?? null);
    }
  };
  connection.subscribe(render, signal);
  tickEverySecond(renderFloor, signal);
  followAgenda({
    connection,
    context,
    meetingId: meeting.id,
    shown: () => meeting,
    onChange: (fresh, changes) => {
      meeting = fresh;
      items = agendaOrder(fresh);
      notice.show(changes);
      render();
    },
    signal,
  });
}

export const chairScreen =
  (meetingId: string): Screen =>
  (root, context, signal) => {
    const { t } = context;
    root.replaceChildren(loadingMessage(t('common.loading')));
    const load = () =>
      loadMeeting(context, meetingId).then(
        ({ value: meeting }) => {
          if (signal.aborted) return;
          if (!liveControls(meeting.my_role).chairConsole) {
            root.replaceChildren(
              errorPanel(t('chair.notAllowed'), {
                label: t('chair.backToMeeting'),
                run: () => context.navigate({ screen: 'meeting', meetingId }),
              }),
            );
            return;
          }
          chairConsole(root, meeting, context, signal);
        },
        (error: unknown) => {
          if (isAbort(error, signal) || context.handleCommonError(error)) return;
          root.replaceChildren(
            errorPanel(loadFailureMessage(error, context), { label: t('common.retry'), run: load }),
          );
        },
      );
    load();
  };
