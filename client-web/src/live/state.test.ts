import { describe, expect, it } from 'vitest';
import { chair, delegateA, delegateB, snapshot, vote, welcome } from './fixtures';
import type { FollowState, LiveEvent, SecretaryRequest } from './protocol';
import {
  applyEvent,
  hasFloor,
  isCheckedIn,
  isQueued,
  keptAnnouncements,
  latestVote,
  markVoted,
  myRequests,
  openVote,
  participantName,
  requestsInbox,
  welcomeState,
  type LiveState,
} from './state';

const start = (changes = {}) => welcomeState(welcome(delegateA, changes));
const apply = (state: LiveState, ...events: LiveEvent[]) => events.reduce(applyEvent, state);
const followAt = (seq: number, page: number): FollowState => ({
  position: { agenda_item_id: 'a_1', document_id: 'd_1', page, viewport: null },
  presenter_user_id: chair,
  seq,
  at_ms: seq * 1000,
});

describe('welcomeState', () => {
  it('takes who we are and the whole snapshot', () => {
    const state = start();
    expect(state.userId).toBe(delegateA);
    expect(state.role).toBe('delegate');
    expect(state.snapshot.participants).toHaveLength(4);
  });

  it('a fresh welcome replaces everything, with nothing replayed', () => {
    const before = apply(start(), { type: 'follow_changed', follow: followAt(3, 3) });
    const after = welcomeState(welcome(delegateA, { follow: followAt(9, 7) }));
    expect(after.snapshot.follow?.position.page).toBe(7);
    expect(before.snapshot.follow?.position.page).toBe(3);
  });
});

describe('applyEvent', () => {
  it('does not change the state it was given', () => {
    const state = start();
    const frozen = JSON.stringify(state);
    apply(state, { type: 'meeting_changed', meeting_state: 'closed' });
    expect(JSON.stringify(state)).toBe(frozen);
  });

  it('check_in makes the delegate present and updates the quorum', () => {
    const state = apply(start(), {
      type: 'attendance_changed',
      attendance: { user_id: delegateA, status: 'present', reason: null, at_ms: 1, marked_by: delegateA },
      quorum: {
        present_voting_members: 1,
        voting_members: 3,
        rule: { comparison: 'at_least', fraction: { numerator: 1, denominator: 2 } },
        needed: 2,
        reached: false,
      },
    });
    expect(isCheckedIn(state)).toBe(true);
    expect(state.snapshot.quorum.present_voting_members).toBe(1);
  });

  it('a later attendance replaces the earlier one for the same person', () => {
    const mark = (status: 'present' | 'absent', reason: string | null): LiveEvent => ({
      type: 'attendance_changed',
      attendance: { user_id: delegateA, status, reason, at_ms: 1, marked_by: chair },
      quorum: snapshot().quorum,
    });
    const state = apply(start(), mark('present', null), mark('absent', 'Đi công tác'));
    expect(state.snapshot.attendance).toEqual([
      { user_id: delegateA, status: 'absent', reason: 'Đi công tác', at_ms: 1, marked_by: chair },
    ]);
    expect(isCheckedIn(state)).toBe(false);
  });

  it('presence replaces by user and adds newcomers', () => {
    const state = apply(
      start(),
      { type: 'presence_changed', presence: { user_id: chair, devices_online: 2, online_since_ms: 1000 } },
      {
        type: 'presence_changed',
        presence: { user_id: delegateB, devices_online: 1, online_since_ms: 2000 },
      },
    );
    expect(state.snapshot.presence.map((p) => [p.user_id, p.devices_online])).toEqual([
      [chair, 2],
      [delegateB, 1],
    ]);
  });

  it('a late follow move older than the shown one is dropped', () => {
    const state = apply(
      start(),
      { type: 'follow_changed', follow: followAt(5, 5) },
      { type: 'follow_changed', follow: followAt(4, 4) },
    );
    expect(state.snapshot.follow?.position.page).toBe(5);
    expect(apply(state, { type: 'follow_changed', follow: followAt(6, 6) }).snapshot.follow?.seq).toBe(6);
  });

  it('speakers_changed replaces the list; queue and floor questions follow it', () => {
    const queued = apply(start(), {
      type: 'speakers_changed',
      speakers: {
        queue: [{ user_id: delegateA, display_name: 'Đại biểu A', requested_at_ms: 1 }],
        current: null,
        limit_seconds: 180,
        history: [],
      },
    });
    expect(isQueued(queued)).toBe(true);
    expect(hasFloor(queued)).toBe(false);
    const speaking = apply(queued, {
      type: 'speakers_changed',
      speakers: {
        queue: [],
        current: { user_id: delegateA, display_name: 'Đại biểu A', started_at_ms: 2, limit_seconds: 180 },
        limit_seconds: 180,
        history: [],
      },
    });
    expect(isQueued(speaking)).toBe(false);
    expect(hasFloor(speaking)).toBe(true);
  });

  it('a vote opens, counts ballots, and closes with its result', () => {
    let state = apply(start(), { type: 'vote_opened', vote: vote() });
    expect(openVote(state)?.id).toBe('v_1');
    state = apply(state, { type: 'vote_progress', vote_id: 'v_1', ballots_cast: 2, eligible: 3 });
    expect(openVote(state)?.ballots_cast).toBe(2);
    state = apply(state, {
      type: 'vote_closed',
      vote: vote({ state: 'closed', ballots_cast: 2, result: [1, 1, 0], closed_at_ms: 6000 }),
    });
    expect(openVote(state)).toBeNull();
    expect(latestVote(state)?.result).toEqual([1, 1, 0]);
    expect(state.snapshot.votes).toHaveLength(1);
  });

  it('progress for an unknown or closed vote changes nothing', () => {
    const state = apply(start({ votes: [vote({ state: 'closed', result: [1, 0, 0] })] }), {
      type: 'vote_progress',
      vote_id: 'v_1',
      ballots_cast: 9,
      eligible: 9,
    });
    expect(latestVote(state)?.ballots_cast).toBe(0);
    expect(apply(state, { type: 'vote_progress', vote_id: 'v_x', ballots_cast: 1, eligible: 1 })).toBe(state);
  });

  it('keeps our own ballot through broadcasts that say you_voted false', () => {
    let state = apply(start(), { type: 'vote_opened', vote: vote() });
    state = markVoted(state, 'v_1');
    expect(openVote(state)?.you_voted).toBe(true);
    state = apply(state, { type: 'vote_closed', vote: vote({ state: 'closed', result: [1, 0, 0] }) });
    expect(latestVote(state)?.you_voted).toBe(true);
  });

  it('keeps only the newest announcements', () => {
    let state = start();
    for (let index = 0; index < keptAnnouncements + 5; index += 1) {
      state = apply(state, {
        type: 'announcement',
        announcement: { text: `Thông báo ${index}`, by_user_id: chair, at_ms: index },
      });
    }
    expect(state.snapshot.announcements).toHaveLength(keptAnnouncements);
    expect(state.snapshot.announcements.at(-1)?.text).toBe(`Thông báo ${keptAnnouncements + 4}`);
  });

  it('readiness is kept per device of a user', () => {
    const report = (device: string, cached: number): LiveEvent => ({
      type: 'readiness_changed',
      readiness: {
        user_id: delegateA,
        device_id: device,
        status: cached === 12 ? 'ready' : 'downloading',
        cached_documents: cached,
        total_documents: 12,
        stale: [],
        downloading: cached < 12,
        online: true,
        at_ms: 1,
      },
    });
    const state = apply(start(), report('tablet-1', 3), report('tablet-2', 12), report('tablet-1', 7));
    expect(state.snapshot.readiness.map((r) => [r.device_id, r.cached_documents])).toEqual([
      ['tablet-1', 7],
      ['tablet-2', 12],
    ]);
  });

  it('meeting_changed moves the meeting state', () => {
    expect(apply(start(), { type: 'meeting_changed', meeting_state: 'closed' }).snapshot.meeting_state).toBe(
      'closed',
    );
  });
});

describe('participantName', () => {
  it('names participants and falls back to the id', () => {
    const state = start();
    expect(participantName(state, delegateB)).toBe('Đại biểu B');
    expect(participantName(state, 'u_unknown')).toBe('u_unknown');
  });

  it("names speakers from the speakers list when a delegate's welcome does not list them", () => {
    const mine = welcomeState(
      welcome(delegateA, {
        participants: [{ user_id: delegateA, display_name: 'Đại biểu A', role: 'delegate' }],
        speakers: {
          queue: [{ user_id: 'u_delegate_c', display_name: 'Đại biểu C', requested_at_ms: 5 }],
          current: { user_id: delegateB, display_name: 'Đại biểu B', started_at_ms: 4, limit_seconds: null },
          limit_seconds: null,
          history: [],
        },
      }),
    );
    expect(participantName(mine, delegateB)).toBe('Đại biểu B');
    expect(participantName(mine, 'u_delegate_c')).toBe('Đại biểu C');
    expect(participantName(mine, chair)).toBe(chair);
  });
});

describe('requests to the secretary', () => {
  const request = (changes: Partial<SecretaryRequest> = {}): SecretaryRequest => ({
    id: 'r_1',
    user_id: delegateA,
    kind: 'paper_copy',
    document_id: 'd_1',
    text: null,
    state: 'open',
    created_at_ms: 1000,
    handled_at_ms: null,
    handled_by: null,
    ...changes,
  });

  it('a sent request appears, then is replaced when handled', () => {
    let state = apply(start(), { type: 'secretary_request_changed', request: request() });
    expect(myRequests(state).map((r) => r.state)).toEqual(['open']);
    state = apply(state, {
      type: 'secretary_request_changed',
      request: request({ state: 'handled', handled_at_ms: 2000, handled_by: 'u_secretary' }),
    });
    expect(state.snapshot.secretary_requests).toHaveLength(1);
    expect(myRequests(state)[0]?.state).toBe('handled');
  });

  it('the inbox serves the oldest waiting request first and lists handled ones newest first', () => {
    const state = welcomeState(
      welcome(chair, {
        secretary_requests: [
          request({ id: 'r_1', state: 'handled' }),
          request({ id: 'r_2', user_id: delegateB, kind: 'tech_help', document_id: null }),
          request({ id: 'r_3', state: 'handled' }),
          request({ id: 'r_4', kind: 'other', text: 'Nước uống', document_id: null }),
        ],
      }),
    );
    const inbox = requestsInbox(state);
    expect(inbox.open.map((r) => r.id)).toEqual(['r_2', 'r_4']);
    expect(inbox.handled.map((r) => r.id)).toEqual(['r_3', 'r_1']);
    expect(myRequests(state)).toEqual([]);
  });

  it('a welcome from an older server without requests gives an empty list', () => {
    const message = welcome();
    const { secretary_requests: _omitted, ...older } = message.state;
    const state = welcomeState({ ...message, state: older as typeof message.state });
    expect(state.snapshot.secretary_requests).toEqual([]);
  });
});
