// The `/live` websocket protocol as the web client speaks it.
//
// The messages are generated from `shared/src/live.rs` (crate
// phonghop-protocol) into `../api/generated.ts`: one union per direction,
// tagged by `type`. This module names each server message, and adds a
// guard per server variant and the parsing around them. Nothing else in
// the client defines a `/live` wire shape; `docs/protocol.md` has an
// example of each.

import {
  PROTOCOL_VERSION,
  STANDARD_VOTE_OPTIONS,
  type ClientMessage,
  type ServerMessage,
} from '../api/generated';
import type { Language } from '../i18n/i18n';

export type {
  AttendanceStatus,
  HelloRefusal,
  LiveErrorCode,
  VoteState,
  /** Who may vote: those present (or late) when it opened, or every voting member. */
  VoteEligibility,
  SecretaryRequestKind,
  SecretaryRequestState,
  Viewport,
  FollowPosition,
  FollowState,
  LiveParticipant,
  PresenceEntry,
  AttendanceEntry,
  Quorum,
  FloorRequest,
  SpeakingTurn,
  FinishedTurn,
  SpeakersState,
  NamedChoice,
  VoteView,
  Announcement,
  SecretaryRequest,
  HeldDocument,
  ReadinessStatus,
  StaleDocument,
  DeviceReadiness,
  LiveSnapshot,
  ClientMessage,
  ServerMessage,
} from '../api/generated';

/** The protocol version this client speaks (`PROTOCOL_VERSION`). */
export const protocolVersion = PROTOCOL_VERSION;

/** The standard options of a vote, in this order (`STANDARD_VOTE_OPTIONS`). */
export const standardVoteOptions = STANDARD_VOTE_OPTIONS;

/** A request: every client message but `hello`, which carries no id. */
export type ClientRequest = Exclude<ClientMessage, { type: 'hello' }>;

/** A request before the connection gives it an id. */
export type RequestBody = ClientRequest extends infer Request
  ? Request extends { id: number }
    ? Omit<Request, 'id'>
    : never
  : never;

/** The server message of type `T`. */
type Server<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

export type WelcomeMessage = Server<'welcome'>;
/** A refusal carries a stable `code` (switch on it, never on the text)
 * and a message for people in both languages; `message` repeats
 * `message_vi` for older clients. */
export type HelloRefusedMessage = Server<'hello_refused'>;
export type OkMessage = Server<'ok'>;
export type ErrorMessage = Server<'error'>;
export type PresenceChangedMessage = Server<'presence_changed'>;
export type AttendanceChangedMessage = Server<'attendance_changed'>;
export type FollowChangedMessage = Server<'follow_changed'>;
export type SpeakersChangedMessage = Server<'speakers_changed'>;
export type VoteOpenedMessage = Server<'vote_opened'>;
export type VoteProgressMessage = Server<'vote_progress'>;
export type VoteClosedMessage = Server<'vote_closed'>;
export type AnnouncementMessage = Server<'announcement'>;
export type ReadinessChangedMessage = Server<'readiness_changed'>;
export type MeetingChangedMessage = Server<'meeting_changed'>;
/** The quorum as the meeting now stands (after its rules or members
 * changed). */
export type QuorumChangedMessage = Server<'quorum_changed'>;
export type SecretaryRequestChangedMessage = Server<'secretary_request_changed'>;

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
