// The live part of the delegate's meeting and reader screens: connection
// line, "Điểm danh", the follow indicator and its "Theo dõi" button,
// "Đăng ký phát biểu" with the queue and the countdown, announcements as
// a banner, "Gửi yêu cầu cho thư ký" with each request's status, and the
// full-screen vote card (with "Đổi phiếu" when the vote allows changes).
// The vote layer and the announcement slot are handed out (`DelegateLive`)
// so that a screen can place them outside a folded panel: a vote takes the
// screen whatever is open.

import type { MeetingRole } from '../api/types';
import type { ScreenContext } from '../screens/context';
import { h } from '../ui/dom';
import { ballotKeyFor } from './ballotKey';
import type { LiveConnection } from './connection';
import { liveControls } from './permissions';
import type { Announcement, FollowState, SecretaryRequest, SecretaryRequestKind, VoteView } from './protocol';
import { LiveRequestError } from './requests';
import { liveSession, type LiveSession, type ReadingPlace } from './session';
import {
  hasFloor,
  isCheckedIn,
  isQueued,
  latestVote,
  myRequests,
  openVote,
  participantName,
  type LiveState,
} from './state';
import {
  connectionLine,
  floorLine,
  tickEverySecond,
  updateConnectionLine,
  voteResult,
  type Translate,
} from './views';

/** What one connection's screens remember between screens: votes whose
 * card was closed, votes seen open (their result is shown on closing),
 * the announcement last dismissed, and a ballot error to show. */
interface CardMemory {
  dismissedVotes: Set<string>;
  seenOpen: Set<string>;
  dismissedAnnouncementAt: number;
  ballotError: { voteId: string; message: string } | null;
  /** Votes whose ballot the voter chose to change (options shown again). */
  changing: Set<string>;
}
const memories = new WeakMap<LiveConnection, CardMemory>();
function memoryOf(connection: LiveConnection): CardMemory {
  let memory = memories.get(connection);
  if (!memory) {
    memory = {
      dismissedVotes: new Set(),
      seenOpen: new Set(),
      dismissedAnnouncementAt: 0,
      ballotError: null,
      changing: new Set(),
    };
    memories.set(connection, memory);
  }
  return memory;
}

/** The live session for a screen of `meetingId`; an ended session sends
 * the user to log in like any expired session. */
export function openLiveSession(meetingId: string, context: ScreenContext): LiveSession {
  return liveSession(meetingId, {
    language: () => context.language,
    // The socket does not say why it ended (an expired session, a remote
    // wipe of this device); the API does, and its answer takes the app's
    // one way out (`handleCommonError`, `wipe/wipe.ts`).
    onSessionEnded: () => void context.api.me().catch((error: unknown) => context.handleCommonError(error)),
  });
}

/** The message of a failed live request. */
export function requestFailure(error: unknown, t: Translate): string {
  return error instanceof LiveRequestError ? error.message : t('live.requestDisconnected');
}

export interface DelegateLiveOptions {
  meetingId: string;
  role: MeetingRole | null;
  context: ScreenContext;
  signal: AbortSignal;
  /** Shows the presenter's position: called for a page change while
   * following, and when "Theo dõi" is tapped. */
  onFollow(follow: FollowState): void;
  /** The meeting's documents, to ask for a paper copy of one. */
  documents?: readonly { id: string; title: string }[];
  /** Where the delegate is reading, remembered when they tap "Theo dõi"
   * so that the reader can take them back (`FollowMode.returnPlace`). */
  readingPlace?: () => ReadingPlace | null;
}

const requestKinds: readonly SecretaryRequestKind[] = ['paper_copy', 'tech_help', 'other'];

function requestKindLabel(kind: SecretaryRequestKind, t: Translate): string {
  switch (kind) {
    case 'paper_copy':
      return t('live.requestPaperCopy');
    case 'tech_help':
      return t('live.requestTechHelp');
    case 'other':
      return t('live.requestOther');
  }
}

/** "Xin bản in tài liệu: Báo cáo … — Xin 2 bản in." */
export function describeRequest(
  request: SecretaryRequest,
  t: Translate,
  documentTitle: (id: string) => string | null,
): string {
  const kind = requestKindLabel(request.kind, t);
  const title = request.document_id ? (documentTitle(request.document_id) ?? request.document_id) : null;
  const what = title ? `${kind}: ${title}` : kind;
  return request.text ? `${what} — ${request.text}` : what;
}

export interface DelegateLive {
  panel: HTMLElement;
  session: LiveSession;
  /** The full-screen vote card's layer, inside `panel` until a screen
   * moves it (the reader keeps it out of its folded meeting panel, so
   * that a vote takes the screen whatever is open). */
  voteLayer: HTMLElement;
  /** Where an announcement shows, likewise. */
  announcementSlot: HTMLElement;
}

export function attachDelegateLive(options: DelegateLiveOptions): DelegateLive {
  const { context, signal } = options;
  const { t } = context;
  const session = openLiveSession(options.meetingId, context);
  const { connection, following } = session;
  const controls = liveControls(options.role);
  const memory = memoryOf(connection);

  const statusLine = connectionLine();
  const banner = h('div', { className: 'live-announcement-slot' });
  const controlsRow = h('div', { className: 'live-controls' });
  const floorSlot = h('div', { className: 'live-floor-slot' });
  const queueSlot = h('div', { className: 'live-queue-slot' });
  const errorLine = h('p', { className: 'form-error live-error', attrs: { role: 'alert' } });
  errorLine.hidden = true;
  const voteLayer = h('div', { className: 'vote-layer' });
  const requestSlot = h('div', { className: 'live-requests' });
  const panel = h(
    'section',
    { className: 'live-panel', attrs: { 'aria-label': t('live.voteTitle') } },
    statusLine,
    banner,
    controlsRow,
    floorSlot,
    queueSlot,
    requestSlot,
    errorLine,
    voteLayer,
  );

  const send = (run: () => Promise<void>) => {
    errorLine.hidden = true;
    run().catch((error: unknown) => {
      errorLine.textContent = requestFailure(error, t);
      errorLine.hidden = false;
    });
  };

  const button = (label: string, className: string, action: () => void, attrs: Record<string, string> = {}) =>
    h(
      'button',
      { className: `button ${className}`, attrs: { type: 'button', ...attrs }, on: { click: action } },
      label,
    );

  const renderControls = (state: LiveState) => {
    const parts: HTMLElement[] = [];
    if (controls.checkIn) {
      parts.push(
        isCheckedIn(state)
          ? h('span', { className: 'badge live-checked-in' }, `✓ ${t('live.checkedIn')}`)
          : button(t('live.checkIn'), 'button-primary live-check-in', () =>
              send(() => connection.request({ type: 'check_in' })),
            ),
      );
    }
    parts.push(
      following.following
        ? h(
            'span',
            { className: 'live-follow live-follow-on', attrs: { 'data-following': 'true' } },
            t('live.following'),
          )
        : h(
            'span',
            { className: 'live-follow live-follow-off', attrs: { 'data-following': 'false' } },
            h('span', { className: 'muted' }, t('live.notFollowing')),
            button(t('live.follow'), 'button-primary button-follow', () => {
              following.followFrom(options.readingPlace?.() ?? null);
              const position = connection.state?.snapshot.follow;
              if (position) options.onFollow(position);
            }),
          ),
    );
    if (controls.requestFloor) {
      if (hasFloor(state)) {
        parts.push(h('span', { className: 'badge live-has-floor' }, t('live.youHaveFloor')));
      } else if (isQueued(state)) {
        const position = state.snapshot.speakers.queue.findIndex((r) => r.user_id === state.userId) + 1;
        parts.push(
          h('span', { className: 'muted' }, t('live.youAreQueued', { position })),
          button(t('live.withdrawFloor'), 'live-withdraw', () =>
            send(() => connection.request({ type: 'withdraw_floor' })),
          ),
        );
      } else {
        parts.push(
          button(t('live.requestFloor'), 'live-request-floor', () =>
            send(() => connection.request({ type: 'request_floor' })),
          ),
        );
      }
    }
    controlsRow.replaceChildren(...parts);
  };

  const renderQueue = (state: LiveState) => {
    const queue = state.snapshot.speakers.queue;
    queueSlot.replaceChildren(
      queue.length === 0
        ? ''
        : h(
            'div',
            { className: 'live-queue' },
            h('span', { className: 'muted' }, `${t('live.queue')}: `),
            h(
              'ol',
              { className: 'live-queue-list' },
              ...queue.map((request) => h('li', {}, participantName(state, request.user_id))),
            ),
          ),
    );
  };

  const renderBanner = (state: LiveState) => {
    const latest: Announcement | undefined = state.snapshot.announcements.at(-1);
    if (!latest || latest.at_ms <= memory.dismissedAnnouncementAt) {
      banner.replaceChildren();
      return;
    }
    banner.replaceChildren(
      h(
        'div',
        { className: 'announcement-banner', attrs: { role: 'status' } },
        h('strong', {}, `${t('live.announcement')}: `),
        h('span', { className: 'announcement-text' }, latest.text),
        button(t('live.close'), 'button-quiet', () => {
          memory.dismissedAnnouncementAt = latest.at_ms;
          renderBanner(state);
        }),
      ),
    );
  };

  const voteCard = (vote: VoteView, ...content: (HTMLElement | null)[]) =>
    h(
      'div',
      {
        className: 'vote-overlay',
        attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': `vote-${vote.id}` },
      },
      h(
        'div',
        { className: 'vote-card', attrs: { 'data-vote-id': vote.id, 'data-vote-state': vote.state } },
        h(
          'p',
          { className: 'vote-kicker' },
          vote.secret ? `${t('live.voteTitle')} · ${t('live.voteSecret')}` : t('live.voteTitle'),
        ),
        h('h2', { className: 'vote-question', attrs: { id: `vote-${vote.id}` } }, vote.question),
        ...content,
      ),
    );

  const renderVote = (state: LiveState) => {
    const open = openVote(state);
    if (open) memory.seenOpen.add(open.id);
    if (open && controls.vote && !memory.dismissedVotes.has(open.id)) {
      const error = memory.ballotError?.voteId === open.id ? memory.ballotError.message : null;
      const progress = h(
        'p',
        { className: 'vote-progress muted' },
        t('live.voteProgress', { cast: open.ballots_cast, eligible: open.eligible }),
      );
      const changeNote = open.allow_change
        ? h('p', { className: 'vote-change-allowed muted' }, t('live.voteChangeAllowed'))
        : null;
      if (open.you_voted && !memory.changing.has(open.id)) {
        voteLayer.replaceChildren(
          voteCard(
            open,
            h('p', { className: 'vote-recorded', attrs: { role: 'status' } }, `✓ ${t('live.voteRecorded')}`),
            h('p', { className: 'muted' }, t('live.voteWaiting')),
            open.allow_change
              ? button(t('live.changeBallot'), 'vote-change', () => {
                  memory.changing.add(open.id);
                  memory.ballotError = null;
                  renderVote(state);
                })
              : null,
            error ? h('p', { className: 'form-error', attrs: { role: 'alert' } }, error) : null,
            progress,
          ),
        );
        return;
      }
      voteLayer.replaceChildren(
        voteCard(
          open,
          h(
            'div',
            { className: 'vote-options' },
            ...open.options.map((option, choice) =>
              button(option, `vote-option vote-option-${choice}`, () => {
                memory.ballotError = null;
                // A secret ballot that may change is proven by this device's key.
                const ballotKey = open.secret && open.allow_change ? ballotKeyFor(open.id) : null;
                connection
                  .request({ type: 'cast_ballot', vote_id: open.id, choice, ballot_key: ballotKey })
                  .then(
                    () => {
                      memory.changing.delete(open.id);
                      if (connection.state) renderVote(connection.state);
                    },
                    (failure: unknown) => {
                      memory.changing.delete(open.id);
                      memory.ballotError = { voteId: open.id, message: requestFailure(failure, t) };
                      if (connection.state) renderVote(connection.state);
                    },
                  );
              }),
            ),
          ),
          error ? h('p', { className: 'form-error', attrs: { role: 'alert' } }, error) : null,
          changeNote,
          progress,
        ),
      );
      return;
    }
    const latest = latestVote(state);
    if (
      latest &&
      latest.state === 'closed' &&
      memory.seenOpen.has(latest.id) &&
      !memory.dismissedVotes.has(latest.id)
    ) {
      voteLayer.replaceChildren(
        voteCard(
          latest,
          h('p', { className: 'vote-result-title' }, t('live.voteResult')),
          voteResult(latest, t),
          button(t('live.close'), 'button-primary button-wide', () => {
            memory.dismissedVotes.add(latest.id);
            voteLayer.replaceChildren();
          }),
        ),
      );
      return;
    }
    voteLayer.replaceChildren();
  };

  const renderFloor = () => {
    const state = connection.state;
    floorSlot.replaceChildren(state ? floorLine(state, t, Date.now()) : '');
  };

  // "Gửi yêu cầu cho thư ký": built once, so what is being typed survives
  // the redraws that events cause; only the status list is redrawn.
  const documents = options.documents ?? [];
  const documentTitle = (id: string) => documents.find((d) => d.id === id)?.title ?? null;
  let requestKind: SecretaryRequestKind = 'paper_copy';
  const requestOpener = button(t('live.requestOpenForm'), 'live-request-open', () => {
    requestForm.hidden = false;
    requestOpener.hidden = true;
    renderRequestForm();
  });
  const kindButtons = requestKinds.map((kind) =>
    button(requestKindLabel(kind, t), `live-request-kind live-request-kind-${kind}`, () => {
      requestKind = kind;
      renderRequestForm();
    }),
  );
  const documentSelect = h(
    'select',
    { className: 'input live-request-document', attrs: { 'aria-label': t('live.requestDocument') } },
    h('option', { attrs: { value: '' } }, t('live.requestNoDocument')),
    ...documents.map((document) => h('option', { attrs: { value: document.id } }, document.title)),
  );
  const documentField = h('label', { className: 'field-label' }, t('live.requestDocument'), documentSelect);
  const requestText = h('input', {
    className: 'input live-request-text',
    attrs: {
      type: 'text',
      maxlength: '300',
      'aria-label': t('live.requestText'),
      placeholder: t('live.requestText'),
    },
  });
  const requestError = h('p', { className: 'form-error', attrs: { role: 'alert' } });
  requestError.hidden = true;
  const closeRequestForm = () => {
    requestForm.hidden = true;
    requestOpener.hidden = false;
    requestText.value = '';
    documentSelect.value = '';
    requestError.hidden = true;
  };
  const sendRequest = () => {
    const text = requestText.value.trim();
    if (requestKind === 'other' && !text) {
      requestError.textContent = t('live.requestTextNeeded');
      requestError.hidden = false;
      return;
    }
    requestError.hidden = true;
    connection
      .request({
        type: 'send_secretary_request',
        kind: requestKind,
        document_id: requestKind === 'paper_copy' ? documentSelect.value || null : null,
        text: text || null,
      })
      .then(closeRequestForm, (error: unknown) => {
        requestError.textContent = requestFailure(error, t);
        requestError.hidden = false;
      });
  };
  const requestForm = h(
    'div',
    { className: 'live-request-form', attrs: { role: 'group', 'aria-label': t('live.requestOpenForm') } },
    h('p', { className: 'field-label' }, t('live.requestKind')),
    h('div', { className: 'button-row live-request-kinds' }, ...kindButtons),
    documentField,
    requestText,
    requestError,
    h(
      'div',
      { className: 'button-row' },
      button(t('live.requestSend'), 'button-primary live-request-send', sendRequest),
      button(t('live.requestCancel'), 'button-quiet', closeRequestForm),
    ),
  );
  requestForm.hidden = true;
  const renderRequestForm = () => {
    kindButtons.forEach((kindButton, index) =>
      kindButton.setAttribute('aria-pressed', requestKinds[index] === requestKind ? 'true' : 'false'),
    );
    documentField.hidden = requestKind !== 'paper_copy' || documents.length === 0;
  };
  const requestList = h('div', { className: 'live-my-requests' });
  if (controls.sendSecretaryRequests) requestSlot.append(requestOpener, requestForm, requestList);
  const renderRequests = (state: LiveState) => {
    const mine = myRequests(state).slice(0, 5);
    requestList.replaceChildren(
      mine.length === 0
        ? ''
        : h(
            'div',
            {},
            h('p', { className: 'muted' }, t('live.myRequests')),
            h(
              'ul',
              { className: 'live-my-request-list' },
              ...mine.map((request) =>
                h(
                  'li',
                  {
                    className: 'live-my-request',
                    attrs: { 'data-request-id': request.id, 'data-state': request.state },
                  },
                  h('span', {}, describeRequest(request, t, documentTitle)),
                  ' ',
                  h(
                    'span',
                    { className: `badge request-${request.state}` },
                    request.state === 'handled' ? `✓ ${t('live.requestHandled')}` : t('live.requestWaiting'),
                  ),
                ),
              ),
            ),
          ),
    );
  };

  const render = () => {
    updateConnectionLine(statusLine, connection, t);
    const state = connection.state;
    if (!state) return;
    renderControls(state);
    renderFloor();
    renderQueue(state);
    renderBanner(state);
    renderRequests(state);
    renderVote(state);
  };

  connection.subscribe(render, signal);
  following.subscribe(render, signal);
  connection.onEvent((event) => {
    if (event.type === 'follow_changed' && following.following) options.onFollow(event.follow);
  }, signal);
  tickEverySecond(renderFloor, signal);
  return { panel, session, voteLayer, announcementSlot: banner };
}
