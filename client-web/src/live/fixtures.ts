// Test data for the live client: a snapshot shaped like the server's
// `welcome`, with named actors (chair, secretary, two delegates).

import type { LiveSnapshot, VoteView, WelcomeMessage } from './protocol';

export const chair = 'u_chair';
export const secretary = 'u_secretary';
export const delegateA = 'u_delegate_a';
export const delegateB = 'u_delegate_b';

export function snapshot(changes: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return {
    meeting_state: 'in_session',
    participants: [
      { user_id: chair, display_name: 'Chủ tịch UBND huyện', role: 'chair' },
      { user_id: secretary, display_name: 'Thư ký', role: 'secretary' },
      { user_id: delegateA, display_name: 'Đại biểu A', role: 'delegate' },
      { user_id: delegateB, display_name: 'Đại biểu B', role: 'delegate' },
    ],
    presence: [{ user_id: chair, devices_online: 1, online_since_ms: 1000 }],
    attendance: [],
    quorum: {
      present_voting_members: 0,
      voting_members: 3,
      rule: { comparison: 'at_least', fraction: { numerator: 1, denominator: 2 } },
      needed: 2,
      reached: false,
    },
    follow: null,
    speakers: { queue: [], current: null, limit_seconds: null, history: [] },
    votes: [],
    announcements: [],
    readiness: [],
    secretary_requests: [],
    ...changes,
  };
}

export function welcome(userId = delegateA, changes: Partial<LiveSnapshot> = {}): WelcomeMessage {
  return {
    type: 'welcome',
    protocol_version: 1,
    user_id: userId,
    role: userId === chair ? 'chair' : userId === secretary ? 'secretary' : 'delegate',
    state: snapshot(changes),
  };
}

export function vote(changes: Partial<VoteView> = {}): VoteView {
  return {
    id: 'v_1',
    agenda_item_id: 'a_1',
    question: 'Thông qua báo cáo?',
    options: ['Tán thành', 'Không tán thành', 'Không biểu quyết'],
    secret: false,
    state: 'open',
    opened_at_ms: 5000,
    closed_at_ms: null,
    ballots_cast: 0,
    eligible: 3,
    eligibility: 'present',
    allow_change: false,
    you_voted: false,
    result: null,
    rule: null,
    decision_base: null,
    outcome: null,
    named_choices: null,
    ...changes,
  };
}
