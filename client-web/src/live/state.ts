// The live meeting as this client knows it: the `welcome` snapshot with
// every later event applied.
//
// Pure functions only: `welcomeState` starts from a snapshot, `applyEvent`
// returns the next state for one event and never mutates its input. A
// fresh `welcome` (after a reconnect) simply replaces the state, so nothing
// needs to be replayed.

import type { MeetingRole } from '../api/types';
import type {
  AttendanceEntry,
  FollowState,
  LiveEvent,
  LiveParticipant,
  LiveSnapshot,
  SecretaryRequest,
  VoteView,
  WelcomeMessage,
} from './protocol';

/** How many announcements the client keeps (the newest). */
export const keptAnnouncements = 20;

export interface LiveState {
  /** Who this client is in the meeting. */
  userId: string;
  role: MeetingRole;
  snapshot: LiveSnapshot;
}

export function welcomeState(welcome: WelcomeMessage): LiveState {
  // An older server sends no requests list.
  const snapshot = { ...welcome.state, secretary_requests: welcome.state.secretary_requests ?? [] };
  return { userId: welcome.user_id, role: welcome.role, snapshot };
}

function replaceBy<T>(list: readonly T[], item: T, same: (existing: T) => boolean): T[] {
  const index = list.findIndex(same);
  if (index === -1) return [...list, item];
  return list.map((existing, position) => (position === index ? item : existing));
}

/** Keeps what this client knows of its own ballot: broadcasts always say
 * `you_voted: false`. */
function mergeVote(votes: readonly VoteView[], vote: VoteView): VoteView[] {
  const previous = votes.find((existing) => existing.id === vote.id);
  const merged = previous?.you_voted ? { ...vote, you_voted: true } : vote;
  return replaceBy(votes, merged, (existing) => existing.id === vote.id);
}

/** The state after one event. Events for things this client does not know
 * (progress of a vote it never saw) change nothing. */
export function applyEvent(state: LiveState, event: LiveEvent): LiveState {
  const snapshot = state.snapshot;
  const next = (changes: Partial<LiveSnapshot>): LiveState => ({
    ...state,
    snapshot: { ...snapshot, ...changes },
  });
  switch (event.type) {
    case 'presence_changed':
      return next({
        presence: replaceBy(snapshot.presence, event.presence, (p) => p.user_id === event.presence.user_id),
      });
    case 'attendance_changed':
      return next({
        attendance: replaceBy(
          snapshot.attendance,
          event.attendance,
          (a) => a.user_id === event.attendance.user_id,
        ),
        quorum: event.quorum,
      });
    case 'follow_changed':
      // A move older than the one shown arrived late: keep the newer one.
      if (snapshot.follow && event.follow.seq <= snapshot.follow.seq) return state;
      return next({ follow: event.follow });
    case 'speakers_changed':
      return next({ speakers: event.speakers });
    case 'vote_opened':
    case 'vote_closed':
      return next({ votes: mergeVote(snapshot.votes, event.vote) });
    case 'vote_progress': {
      const vote = snapshot.votes.find((existing) => existing.id === event.vote_id);
      if (!vote || vote.state !== 'open') return state;
      return next({
        votes: snapshot.votes.map((existing) =>
          existing.id === event.vote_id
            ? { ...existing, ballots_cast: event.ballots_cast, eligible: event.eligible }
            : existing,
        ),
      });
    }
    case 'announcement':
      return next({
        announcements: [...snapshot.announcements, event.announcement].slice(-keptAnnouncements),
      });
    case 'readiness_changed':
      return next({
        readiness: replaceBy(
          snapshot.readiness,
          event.readiness,
          (r) => r.user_id === event.readiness.user_id && r.device_id === event.readiness.device_id,
        ),
      });
    case 'meeting_changed':
      return next({ meeting_state: event.meeting_state });
    case 'quorum_changed':
      return next({ quorum: event.quorum });
    case 'secretary_request_changed':
      return next({
        secretary_requests: replaceBy(
          snapshot.secretary_requests,
          event.request,
          (r) => r.id === event.request.id,
        ),
      });
  }
}

/** The state after the server accepted this client's ballot. */
export function markVoted(state: LiveState, voteId: string): LiveState {
  const votes = state.snapshot.votes.map((vote) =>
    vote.id === voteId ? { ...vote, you_voted: true } : vote,
  );
  return { ...state, snapshot: { ...state.snapshot, votes } };
}

// Questions screens ask of the state.

/** A participant's name. The chair's and secretaries' welcome lists
 * everyone; a delegate's lists only themself and those in the speakers
 * list, whose entries carry their names: those are the names a delegate's
 * screen shows. */
export function participantName(state: LiveState, userId: string): string {
  const speakers = state.snapshot.speakers;
  return (
    state.snapshot.participants.find((p) => p.user_id === userId)?.display_name ??
    (speakers.current?.user_id === userId ? speakers.current.display_name : undefined) ??
    speakers.queue.find((request) => request.user_id === userId)?.display_name ??
    userId
  );
}

export function attendanceOf(state: LiveState, userId: string): AttendanceEntry | null {
  return state.snapshot.attendance.find((a) => a.user_id === userId) ?? null;
}

export function isCheckedIn(state: LiveState): boolean {
  const entry = attendanceOf(state, state.userId);
  return entry !== null && entry.status !== 'absent';
}

export function isQueued(state: LiveState): boolean {
  return state.snapshot.speakers.queue.some((request) => request.user_id === state.userId);
}

export function hasFloor(state: LiveState): boolean {
  return state.snapshot.speakers.current?.user_id === state.userId;
}

/** The vote that is open now (the newest, should there be several). */
export function openVote(state: LiveState): VoteView | null {
  const open = state.snapshot.votes.filter((vote) => vote.state === 'open');
  return open[open.length - 1] ?? null;
}

/** The newest vote, open or closed. */
export function latestVote(state: LiveState): VoteView | null {
  return state.snapshot.votes[state.snapshot.votes.length - 1] ?? null;
}

export function follow(state: LiveState): FollowState | null {
  return state.snapshot.follow;
}

/** The participants that vote (chair and delegates), for the quorum. */
export function votingParticipants(state: LiveState): LiveParticipant[] {
  return state.snapshot.participants.filter((p) => p.role === 'chair' || p.role === 'delegate');
}

export function devicesOnline(state: LiveState, userId: string): number {
  return state.snapshot.presence.find((p) => p.user_id === userId)?.devices_online ?? 0;
}

/** This user's own requests to the secretary, newest first. */
export function myRequests(state: LiveState): SecretaryRequest[] {
  return state.snapshot.secretary_requests.filter((r) => r.user_id === state.userId).reverse();
}

/** The requests waiting for the secretary, oldest first (served first),
 * then the handled ones, newest first. */
export function requestsInbox(state: LiveState): { open: SecretaryRequest[]; handled: SecretaryRequest[] } {
  const requests = state.snapshot.secretary_requests;
  return {
    open: requests.filter((r) => r.state === 'open'),
    handled: requests.filter((r) => r.state === 'handled').reverse(),
  };
}
