// The `/live` websocket protocol as the web client speaks it.
//
// This file mirrors `shared/src/live.rs` (crate phonghop-protocol) type for
// type, with the same snake_case names: one union per direction, tagged by
// `type`, and a guard per server variant. Nothing else in the client
// defines a `/live` wire shape; `docs/protocol.md` has an example of each.

import type { DecisionRule, MeetingRole, MeetingState, Threshold, VoteOutcome } from '../api/types';
import type { Language } from '../i18n/i18n';

/** The protocol version this client speaks (`PROTOCOL_VERSION`). */
export const protocolVersion = 1;

/** The standard options of a vote, in this order (`STANDARD_VOTE_OPTIONS`). */
export const standardVoteOptions = ['Tán thành', 'Không tán thành', 'Không biểu quyết'] as const;

export type AttendanceStatus = 'present' | 'absent' | 'late';
export type HelloRefusal = 'client_too_old' | 'server_too_old' | 'not_found' | 'bad_hello';
export type LiveErrorCode =
  | 'bad_request'
  | 'forbidden'
  | 'not_found'
  | 'vote_closed'
  | 'already_voted'
  | 'not_eligible'
  | 'rate_limited'
  | 'meeting_over'
  | 'storage_unavailable'
  | 'storage_full'
  | 'internal';
export type VoteState = 'open' | 'closed';
/** Who may vote: those present (or late) when it opened, or every voting member. */
export type VoteEligibility = 'present' | 'all_voting_members';
export type SecretaryRequestKind = 'paper_copy' | 'tech_help' | 'other';
export type SecretaryRequestState = 'open' | 'handled';

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** Where the presenter is; every field may be absent. */
export interface FollowPosition {
  agenda_item_id?: string | null;
  document_id?: string | null;
  /** 1-based. */
  page?: number | null;
  viewport?: Viewport | null;
}

export interface FollowState {
  position: FollowPosition;
  presenter_user_id: string;
  /** Increases with each move, so a client can drop stale ones. */
  seq: number;
  at_ms: number;
}

export interface LiveParticipant {
  user_id: string;
  display_name: string;
  role: MeetingRole;
}

export interface PresenceEntry {
  user_id: string;
  devices_online: number;
  online_since_ms: number | null;
}

export interface AttendanceEntry {
  user_id: string;
  status: AttendanceStatus;
  reason: string | null;
  at_ms: number;
  marked_by: string;
}

export interface Quorum {
  present_voting_members: number;
  voting_members: number;
  /** The meeting's quorum rule ("ít nhất 2/3"). */
  rule: Threshold;
  /** The fewest present that reach it. */
  needed: number;
  reached: boolean;
}

export interface FloorRequest {
  user_id: string;
  /** The speaker's name, so that a delegate's screen needs no participant
   * list (an older server sends none). */
  display_name?: string;
  requested_at_ms: number;
}

export interface SpeakingTurn {
  user_id: string;
  /** As in `FloorRequest`. */
  display_name?: string;
  started_at_ms: number;
  limit_seconds: number | null;
}

export interface FinishedTurn {
  user_id: string;
  started_at_ms: number;
  ended_at_ms: number;
}

export interface SpeakersState {
  queue: FloorRequest[];
  current: SpeakingTurn | null;
  limit_seconds: number | null;
  history: FinishedTurn[];
}

export interface NamedChoice {
  user_id: string;
  choice: number;
}

export interface VoteView {
  id: string;
  agenda_item_id: string | null;
  question: string;
  options: string[];
  secret: boolean;
  state: VoteState;
  opened_at_ms: number;
  closed_at_ms: number | null;
  ballots_cast: number;
  /** How many may vote, fixed when the vote opened. */
  eligible: number;
  eligibility: VoteEligibility;
  /** Whether a voter may change their ballot until the vote closes. */
  allow_change: boolean;
  you_voted: boolean;
  result: number[] | null;
  /** The rule the vote was opened under; absent or `null` for a vote
   * stored before rules were kept. */
  rule?: DecisionRule | null;
  decision_base?: number | null;
  /** Once closed: passed ("Thông qua") or not, under `rule`. */
  outcome?: VoteOutcome | null;
  named_choices: NamedChoice[] | null;
}

export interface Announcement {
  text: string;
  by_user_id: string;
  at_ms: number;
}

/** A request to the secretary (yêu cầu gửi thư ký). */
export interface SecretaryRequest {
  id: string;
  user_id: string;
  kind: SecretaryRequestKind;
  document_id: string | null;
  text: string | null;
  state: SecretaryRequestState;
  created_at_ms: number;
  handled_at_ms: number | null;
  handled_by: string | null;
}

/** A document version a device holds, its bytes checked on the device. */
export interface HeldDocument {
  document_id: string;
  version: number;
  sha256: string;
}

export type ReadinessStatus = 'ready' | 'stale' | 'downloading' | 'missing';

/** A document a device holds only in an older version. */
export interface StaleDocument {
  document_id: string;
  held_version: number;
  current_version: number;
}

/** One device's agenda pack, judged by the server from its report. */
export interface DeviceReadiness {
  user_id: string;
  device_id: string;
  status: ReadinessStatus;
  /** Documents of the pack held in their current version. */
  cached_documents: number;
  total_documents: number;
  stale: StaleDocument[];
  downloading: boolean;
  online: boolean;
  at_ms: number;
}

/** The whole state of a meeting at one moment, sent in `welcome`. */
export interface LiveSnapshot {
  meeting_state: MeetingState;
  participants: LiveParticipant[];
  presence: PresenceEntry[];
  attendance: AttendanceEntry[];
  quorum: Quorum;
  follow: FollowState | null;
  speakers: SpeakersState;
  votes: VoteView[];
  announcements: Announcement[];
  readiness: DeviceReadiness[];
  /** Every request for staff, one's own for anyone else. */
  secretary_requests: SecretaryRequest[];
}

/** What the client sends. */
export type ClientMessage =
  | { type: 'hello'; protocol_version: number; meeting_id: string; device_id: string }
  | { type: 'check_in'; id: number }
  | { type: 'set_attendance'; id: number; user_id: string; status: AttendanceStatus; reason?: string | null }
  | { type: 'set_follow'; id: number; position: FollowPosition }
  | { type: 'request_floor'; id: number }
  | { type: 'withdraw_floor'; id: number }
  | { type: 'give_floor'; id: number; user_id: string }
  | { type: 'end_turn'; id: number }
  | { type: 'reorder_speakers'; id: number; user_ids: string[] }
  | { type: 'set_speaking_limit'; id: number; seconds: number | null }
  | {
      type: 'open_vote';
      id: number;
      agenda_item_id?: string | null;
      question: string;
      options: string[];
      secret: boolean;
      eligibility?: VoteEligibility;
      allow_change?: boolean;
    }
  | { type: 'cast_ballot'; id: number; vote_id: string; choice: number; ballot_key?: string | null }
  | { type: 'close_vote'; id: number; vote_id: string }
  | { type: 'announce'; id: number; text: string }
  | {
      type: 'send_secretary_request';
      id: number;
      kind: SecretaryRequestKind;
      document_id?: string | null;
      text?: string | null;
    }
  | { type: 'handle_secretary_request'; id: number; request_id: string }
  | { type: 'report_readiness'; id: number; held: HeldDocument[]; downloading: boolean }
  | { type: 'ping'; id: number };

/** A request: every client message but `hello`, which carries no id. */
export type ClientRequest = Exclude<ClientMessage, { type: 'hello' }>;

/** A request before the connection gives it an id. */
export type RequestBody = ClientRequest extends infer Request
  ? Request extends { id: number }
    ? Omit<Request, 'id'>
    : never
  : never;

export interface WelcomeMessage {
  type: 'welcome';
  protocol_version: number;
  user_id: string;
  role: MeetingRole;
  state: LiveSnapshot;
}
/** A refusal carries a stable `code` (switch on it, never on the text)
 * and a message for people in both languages; `message` repeats
 * `message_vi` for older clients. */
export interface HelloRefusedMessage {
  type: 'hello_refused';
  code: HelloRefusal;
  message_vi: string;
  message_en: string;
  message: string;
}
export interface OkMessage {
  type: 'ok';
  id: number;
}
export interface ErrorMessage {
  type: 'error';
  id: number;
  code: LiveErrorCode;
  message_vi: string;
  message_en: string;
  message: string;
}
export interface PresenceChangedMessage {
  type: 'presence_changed';
  presence: PresenceEntry;
}
export interface AttendanceChangedMessage {
  type: 'attendance_changed';
  attendance: AttendanceEntry;
  quorum: Quorum;
}
export interface FollowChangedMessage {
  type: 'follow_changed';
  follow: FollowState;
}
export interface SpeakersChangedMessage {
  type: 'speakers_changed';
  speakers: SpeakersState;
}
export interface VoteOpenedMessage {
  type: 'vote_opened';
  vote: VoteView;
}
export interface VoteProgressMessage {
  type: 'vote_progress';
  vote_id: string;
  ballots_cast: number;
  eligible: number;
}
export interface VoteClosedMessage {
  type: 'vote_closed';
  vote: VoteView;
}
export interface AnnouncementMessage {
  type: 'announcement';
  announcement: Announcement;
}
export interface ReadinessChangedMessage {
  type: 'readiness_changed';
  readiness: DeviceReadiness;
}
export interface MeetingChangedMessage {
  type: 'meeting_changed';
  meeting_state: MeetingState;
}
/** The quorum as the meeting now stands (after its rules or members
 * changed). */
export interface QuorumChangedMessage {
  type: 'quorum_changed';
  quorum: Quorum;
}
export interface SecretaryRequestChangedMessage {
  type: 'secretary_request_changed';
  request: SecretaryRequest;
}

/** What the server sends. */
export type ServerMessage =
  | WelcomeMessage
  | HelloRefusedMessage
  | OkMessage
  | ErrorMessage
  | PresenceChangedMessage
  | AttendanceChangedMessage
  | FollowChangedMessage
  | SpeakersChangedMessage
  | VoteOpenedMessage
  | VoteProgressMessage
  | VoteClosedMessage
  | AnnouncementMessage
  | ReadinessChangedMessage
  | MeetingChangedMessage
  | QuorumChangedMessage
  | SecretaryRequestChangedMessage;

/** The events: server messages that change the state for everyone. */
export type LiveEvent = Exclude<
  ServerMessage,
  WelcomeMessage | HelloRefusedMessage | OkMessage | ErrorMessage
>;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;
const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const hasType = (value: unknown, type: string): value is Json => isObject(value) && value['type'] === type;

export const isWelcome = (message: unknown): message is WelcomeMessage =>
  hasType(message, 'welcome') &&
  isNumber(message['protocol_version']) &&
  isString(message['user_id']) &&
  isString(message['role']) &&
  isObject(message['state']) &&
  Array.isArray(message['state']['participants']);
export const isHelloRefused = (message: unknown): message is HelloRefusedMessage =>
  hasType(message, 'hello_refused') && isString(message['code']) && isString(message['message_vi']);
export const isOk = (message: unknown): message is OkMessage =>
  hasType(message, 'ok') && isNumber(message['id']);
export const isError = (message: unknown): message is ErrorMessage =>
  hasType(message, 'error') && isNumber(message['id']) && isString(message['code']);
export const isPresenceChanged = (message: unknown): message is PresenceChangedMessage =>
  hasType(message, 'presence_changed') && isObject(message['presence']);
export const isAttendanceChanged = (message: unknown): message is AttendanceChangedMessage =>
  hasType(message, 'attendance_changed') && isObject(message['attendance']) && isObject(message['quorum']);
export const isFollowChanged = (message: unknown): message is FollowChangedMessage =>
  hasType(message, 'follow_changed') &&
  isObject(message['follow']) &&
  isObject(message['follow']['position']);
export const isSpeakersChanged = (message: unknown): message is SpeakersChangedMessage =>
  hasType(message, 'speakers_changed') &&
  isObject(message['speakers']) &&
  Array.isArray(message['speakers']['queue']);
export const isVoteOpened = (message: unknown): message is VoteOpenedMessage =>
  hasType(message, 'vote_opened') && isObject(message['vote']) && isString(message['vote']['id']);
export const isVoteProgress = (message: unknown): message is VoteProgressMessage =>
  hasType(message, 'vote_progress') && isString(message['vote_id']) && isNumber(message['ballots_cast']);
export const isVoteClosed = (message: unknown): message is VoteClosedMessage =>
  hasType(message, 'vote_closed') && isObject(message['vote']) && isString(message['vote']['id']);
export const isAnnouncement = (message: unknown): message is AnnouncementMessage =>
  hasType(message, 'announcement') && isObject(message['announcement']);
export const isReadinessChanged = (message: unknown): message is ReadinessChangedMessage =>
  hasType(message, 'readiness_changed') && isObject(message['readiness']);
export const isMeetingChanged = (message: unknown): message is MeetingChangedMessage =>
  hasType(message, 'meeting_changed') && isString(message['meeting_state']);
export const isQuorumChanged = (message: unknown): message is QuorumChangedMessage =>
  hasType(message, 'quorum_changed') && isObject(message['quorum']);
export const isSecretaryRequestChanged = (message: unknown): message is SecretaryRequestChangedMessage =>
  hasType(message, 'secretary_request_changed') &&
  isObject(message['request']) &&
  isString(message['request']['id']) &&
  isString(message['request']['state']);

const guards: ReadonlyArray<(message: unknown) => boolean> = [
  isWelcome,
  isHelloRefused,
  isOk,
  isError,
  isPresenceChanged,
  isAttendanceChanged,
  isFollowChanged,
  isSpeakersChanged,
  isVoteOpened,
  isVoteProgress,
  isVoteClosed,
  isAnnouncement,
  isReadinessChanged,
  isMeetingChanged,
  isQuorumChanged,
  isSecretaryRequestChanged,
];

/** Parses one text frame; `null` for anything that is not a server message
 * this client knows (a newer server's extra events are ignored, not fatal). */
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return guards.some((guard) => guard(value)) ? (value as ServerMessage) : null;
}

/** A refusal's message for people in `language` (`message` when a server
 * sent no `message_vi`/`message_en`). */
export function refusalMessage(refusal: HelloRefusedMessage | ErrorMessage, language: Language): string {
  const text = language === 'en' ? refusal.message_en : refusal.message_vi;
  return isString(text) ? text : refusal.message;
}

/** Whether a server message is an event that changes the state. */
export function isLiveEvent(message: ServerMessage): message is LiveEvent {
  return !['welcome', 'hello_refused', 'ok', 'error'].includes(message.type);
}
