// Pieces of live UI shared by the delegate's tablet, the chair console and
// the remote point's big screen. Each returns plain DOM and reads only the
// state it is given.

import type { MessageKey, MessageParams } from '../i18n/i18n';
import { h } from '../ui/dom';
import { outcomeTexts, thresholdText } from '../meetings/rules';
import type { LiveConnection } from './connection';
import { formatCountdown, formatElapsed, remainingSeconds } from './countdown';
import type { VoteView } from './protocol';
import { participantName, type LiveState } from './state';

export type Translate = (key: MessageKey, params?: MessageParams) => string;

/** "Mất kết nối — đang kết nối lại…" while the connection is down, the
 * reload advice when the app is too old; hidden while online. */
export function updateConnectionLine(line: HTMLElement, connection: LiveConnection, t: Translate): void {
  line.dataset['liveStatus'] = connection.status;
  line.replaceChildren();
  switch (connection.status) {
    case 'online':
    case 'ended':
      line.hidden = true;
      return;
    case 'connecting':
      line.hidden = false;
      line.textContent = t('live.connecting');
      return;
    case 'reconnecting':
      line.hidden = false;
      line.textContent = t('live.reconnecting');
      return;
    case 'refused': {
      line.hidden = false;
      const tooOld = connection.refusal?.code === 'client_too_old';
      line.append(h('span', {}, tooOld ? t('live.clientTooOld') : (connection.refusal?.message ?? '')));
      if (tooOld)
        line.append(
          h(
            'button',
            {
              className: 'button button-primary',
              attrs: { type: 'button' },
              on: { click: () => location.reload() },
            },
            t('live.reload'),
          ),
        );
    }
  }
}

export function connectionLine(): HTMLElement {
  const line = h('p', { className: 'live-connection', attrs: { role: 'status', 'aria-live': 'polite' } });
  line.hidden = true;
  return line;
}

/** "Đang phát biểu: X · Còn 2:59", or that nobody has the floor. */
export function floorLine(state: LiveState, t: Translate, nowMs: number): HTMLElement {
  const turn = state.snapshot.speakers.current;
  if (!turn) return h('p', { className: 'live-floor muted' }, t('live.nobodySpeaking'));
  const left = remainingSeconds(turn, nowMs);
  return h(
    'p',
    { className: 'live-floor', attrs: { 'data-speaker': turn.user_id } },
    h(
      'span',
      { className: 'live-floor-name' },
      t('live.speaking', { name: participantName(state, turn.user_id) }),
    ),
    h(
      'span',
      {
        className: `live-countdown${left !== null && left < 0 ? ' live-countdown-over' : ''}`,
        attrs: { 'data-countdown': left ?? '' },
      },
      left === null ? formatElapsed(turn, nowMs) : formatCountdown(left),
    ),
  );
}

/** The counts per option of a closed vote, and how many of those who
 * could vote did ("Đã biểu quyết: 25/27"). */
export function voteResult(vote: VoteView, t: Translate): HTMLElement {
  const counts = vote.result ?? [];
  return h(
    'div',
    { className: 'vote-result-block' },
    voteOutcome(vote, t),
    voteCounts(vote, counts, t),
    h(
      'p',
      {
        className: 'vote-turnout muted',
        attrs: { 'data-cast': vote.ballots_cast, 'data-eligible': vote.eligible },
      },
      t('live.voteProgress', { cast: vote.ballots_cast, eligible: vote.eligible }),
    ),
  );
}

/** "Thông qua" or "Không thông qua" under the vote's rule, with the counts
 * that decided it; nothing for a vote stored before rules were kept. */
export function voteOutcome(vote: VoteView, t: Translate): HTMLElement | null {
  if (!vote.outcome) return null;
  const { verdict, detail } = outcomeTexts(vote.outcome, t);
  return h(
    'div',
    {
      className: `vote-outcome ${vote.outcome.passed ? 'vote-outcome-passed' : 'vote-outcome-failed'}`,
      attrs: { 'data-vote-outcome': vote.outcome.passed ? 'passed' : 'not_passed' },
    },
    h('strong', { className: 'vote-outcome-verdict' }, verdict),
    h('span', { className: 'vote-outcome-detail' }, detail),
  );
}

function voteCounts(vote: VoteView, counts: readonly number[], t: Translate): HTMLElement {
  return h(
    'ul',
    { className: 'vote-result', attrs: { 'data-vote-result': counts.join('/') } },
    ...vote.options.map((option, index) =>
      h(
        'li',
        { className: 'vote-result-row' },
        h('span', { className: 'vote-result-option' }, option),
        h('strong', { className: 'vote-result-count' }, t('live.voteCount', { count: counts[index] ?? 0 })),
      ),
    ),
  );
}

/** "Đủ số lượng: 20/27 đại biểu có mặt". */
export function quorumLine(state: LiveState, t: Translate): HTMLElement {
  const quorum = state.snapshot.quorum;
  const params = {
    present: quorum.present_voting_members,
    total: quorum.voting_members,
    needed: quorum.needed,
    rule: thresholdText(quorum.rule, t),
  };
  return h(
    'p',
    {
      className: `live-quorum${quorum.reached ? ' live-quorum-reached' : ''}`,
      attrs: { 'data-present': quorum.present_voting_members, 'data-total': quorum.voting_members },
    },
    t(quorum.reached ? 'live.quorumReached' : 'live.quorumNotReached', params),
  );
}

/** Re-renders `render()` into `slot` every second while `signal` lives,
 * for countdowns. */
export function tickEverySecond(render: () => void, signal: AbortSignal): void {
  const timer = setInterval(render, 1000);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
