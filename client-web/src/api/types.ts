// The JSON the server speaks under /api/v1, as the web client reads it.
//
// This file mirrors `shared/src/api.rs` (crate phonghop-protocol) field for
// field, with the same snake_case names, so that a reader can hold the two
// side by side. Nothing else in the client defines a wire shape: screens
// import from here.

/** Stable error codes; the client switches on these, never on `message`. */
export type ErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'account_disabled'
  | 'too_many_attempts'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_document'
  | 'tool_missing'
  | 'conversion_unavailable'
  /** The database does not answer (restarting): retry in a few seconds. */
  | 'storage_unavailable'
  /** The server's disk is full: nothing was saved. */
  | 'storage_full'
  /** An administrator asked for this device to be wiped. */
  | 'device_wipe_requested'
  /** The account has no signing certificate registered. */
  | 'signing_certificate_missing'
  /** A signature did not verify (or the PIN was wrong): nothing was signed. */
  | 'signature_invalid'
  | 'internal';

/** The one error body of every failed API call. `message` is already in the
 * language the request asked for with `Accept-Language`. */
export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
}

/** Organization-wide role of an account. */
export type OrgRole = 'admin' | 'secretary' | 'user';

/** A participant's role in one meeting. */
export type MeetingRole = 'chair' | 'secretary' | 'delegate' | 'observer' | 'remote_point';

/** Where a meeting is in its life. */
export type MeetingState = 'draft' | 'published' | 'in_session' | 'closed' | 'cancelled';

/** `POST /api/v1/auth/login` body. */
export interface LoginRequest {
  username: string;
  password: string;
  /** This device's id, so that an administrator can see the device and
   * wipe it. */
  device_id?: string;
}

/** `POST /api/v1/auth/login` answer; the session travels in an HttpOnly cookie. */
export interface LoginResponse {
  user: User;
}

/** `GET /api/v1/auth/me` answer. */
export interface User {
  id: string;
  username: string;
  display_name: string;
  role: OrgRole;
}

/** `GET /api/v1/meetings` answer. */
export interface MeetingList {
  meetings: MeetingSummary[];
}

/** A meeting in a list. */
export interface MeetingSummary {
  id: string;
  title: string;
  /** RFC 3339 with the local offset, for example `2026-11-23T08:00:00+07:00`. */
  starts_at: string;
  place: string;
  state: MeetingState;
  /** `null` for an administrator who is not a participant. */
  my_role: MeetingRole | null;
}

/** A fraction of members, kept as two integers (exact: 18 of 27 is two
 * thirds). */
export interface Fraction {
  numerator: number;
  denominator: number;
}

/** "ít nhất" (`at_least`) or "quá" (`more_than`, strictly more). */
export type Comparison = 'at_least' | 'more_than';

/** A share of members: "ít nhất 2/3", "quá 1/2". */
export interface Threshold {
  comparison: Comparison;
  fraction: Fraction;
}

/** Whom a vote's threshold counts against: those present when it opened,
 * or all members ("tổng số thành viên"). */
export type DecisionBase = 'present' | 'all_members';

/** What a vote needs to pass: ballots for its first option ("Tán thành")
 * against a share of a base. */
export interface DecisionRule {
  base: DecisionBase;
  threshold: Threshold;
}

/** The quorum and decision rule of one meeting. */
export interface MeetingRules {
  quorum: Threshold;
  decision: DecisionRule;
}

/** A closed vote measured against its rule. */
export interface VoteOutcome {
  /** "Thông qua" or "Không thông qua". */
  passed: boolean;
  /** Ballots for the first option. */
  in_favour: number;
  /** How many members the rule counts against (fixed at opening). */
  base: number;
  /** The fewest ballots in favour that pass. */
  needed: number;
  rule: DecisionRule;
}

/** `GET /api/v1/meetings/{id}` answer. */
export interface Meeting extends MeetingSummary {
  /** `https://` only. */
  video_link: string | null;
  /** The quorum and what a vote needs to pass. */
  rules: MeetingRules;
  /** Ordered: each top-level item is followed by its sub-items. */
  agenda: AgendaItem[];
  sync_documents: SyncDocument[];
}

/** One item of the agenda (nội dung họp). */
export interface AgendaItem {
  id: string;
  /** Set for a sub-item: the id of its parent item. */
  parent_id: string | null;
  /** Order among its siblings, from 0. */
  position: number;
  title: string;
  presenter: string | null;
  duration_minutes: number | null;
  /** Changed after the meeting was published (shown as "Đã cập nhật"). */
  updated: boolean;
  documents: DocumentInfo[];
}

/** A document (tài liệu) attached to an agenda item, always served as PDF. */
export interface DocumentInfo {
  id: string;
  title: string;
  file_name: string;
  page_count: number;
  size_bytes: number;
  /** SHA-256 of the PDF served, lowercase hex. */
  sha256: string;
  /** Mật: streamed only, never cached offline, watermarked. */
  confidential: boolean;
  version: number;
  /** Where to fetch this version's PDF: `…/versions/{n}/file` while not
   * confidential (immutable), `…/versions/{n}/confidential` while it is. */
  url: string;
  /** Every version, the first first (the last is this one). */
  versions: DocumentVersionSummary[];
}

/** One version of a document in its list ("phiên bản 1, 14:05"). */
export interface DocumentVersionSummary {
  version: number;
  uploaded_at_ms: number;
  page_count: number;
  size_bytes: number;
  sha256: string;
  url: string;
}

/** `GET /api/v1/documents/{id}/versions`: every version with what each
 * page shows. */
export interface DocumentVersionList {
  document_id: string;
  current_version: number;
  versions: DocumentVersionDetails[];
}

/** One version with its page fingerprints. */
export interface DocumentVersionDetails {
  version: number;
  uploaded_at_ms: number;
  file_name: string;
  page_count: number;
  size_bytes: number;
  sha256: string;
  url: string;
  /** Per page, first first: equal only for pages that show the same text
   * in the same places; `null` for a page the server could not read;
   * empty for a version stored before fingerprints were kept. */
  page_fingerprints: (string | null)[];
}

export type SyncDocumentKind = 'notebook' | 'shared_layer' | 'minutes';
export type SyncAccess = 'read' | 'write';

/** An Automerge document the caller may open over `/sync` (not used by the
 * UI yet). */
export interface SyncDocument {
  kind: SyncDocumentKind;
  /** `automerge:…`, as automerge-repo's `repo.find` takes it. */
  url: string;
  access: SyncAccess;
  document_id: string | null;
}

/** `POST /api/v1/meetings` body. The creator becomes the meeting's secretary. */
export interface CreateMeetingRequest {
  title: string;
  /** RFC 3339, for example `2026-12-01T08:00:00+07:00`. */
  starts_at: string;
  place: string;
  video_link?: string;
}

/** `PATCH /api/v1/meetings/{id}` body: only the fields present change;
 * `video_link: null` removes the link. */
export interface UpdateMeetingRequest {
  title?: string;
  starts_at?: string;
  place?: string;
  video_link?: string | null;
  /** The meeting's rules, whole; votes already opened keep theirs. */
  rules?: MeetingRules;
}

/** The state changes `POST /api/v1/meetings/{id}/{action}` accepts. */
export type MeetingAction = 'publish' | 'start' | 'close' | 'cancel';

/** `PUT /api/v1/meetings/{id}/participants/{user_id}` body. */
export interface SetParticipantRequest {
  role: MeetingRole;
}

/** A participant as the meeting's members see them. */
export interface Participant {
  user_id: string;
  username: string;
  display_name: string;
  role: MeetingRole;
}

/** `GET /api/v1/meetings/{id}/participants` answer. */
export interface ParticipantList {
  participants: Participant[];
}

/** `POST /api/v1/meetings/{id}/agenda` body. */
export interface CreateAgendaItemRequest {
  title: string;
  presenter?: string;
  duration_minutes?: number;
  /** Makes it a sub-item of this top-level item. */
  parent_id?: string;
}

/** `PATCH /api/v1/meetings/{id}/agenda/{item_id}` body; `null` clears. */
export interface UpdateAgendaItemRequest {
  title?: string;
  presenter?: string | null;
  duration_minutes?: number | null;
}

/** `PUT /api/v1/meetings/{id}/agenda/order` body: the whole agenda in its new
 * order, every item once, parents before their children, one level. */
export interface AgendaOrderRequest {
  items: AgendaOrderEntry[];
}

export interface AgendaOrderEntry {
  id: string;
  /** `null` for a top-level item. */
  parent_id: string | null;
}

/** `PATCH /api/v1/documents/{id}` body. */
export interface UpdateDocumentRequest {
  title?: string;
  confidential?: boolean;
}

/** An account as administrators (and secretaries picking participants) see it. */
export interface UserAccount {
  id: string;
  username: string;
  display_name: string;
  role: OrgRole;
  disabled: boolean;
}

/** `GET /api/v1/admin/backup` answer (administrators): the last backup,
 * scheduled (`serve --backup-every`) or made by `phonghop backup`. */
export interface BackupStatus {
  /** RFC 3339, UTC; null before the first backup. */
  last_backup_at: string | null;
  /** The schedule's interval; null without scheduled backups. */
  interval_seconds: number | null;
  keep: number | null;
  /** The screen warns: older than twice the interval (or two days without a
   * schedule), or none yet. */
  stale: boolean;
  /** Why the last scheduled backup failed, if it did. */
  last_failure: string | null;
  last_failure_at: string | null;
}

/** `GET /api/v1/users` answer. */
export interface UserList {
  users: UserAccount[];
}

/** A device an account has used (a tablet, a browser profile), as
 * administrators and the account's owner see it. */
export interface DeviceInfo {
  /** The id the client generated and sends on login and live join. */
  device_id: string;
  /** The browser's `User-Agent` when last seen, if it sent one. */
  user_agent: string | null;
  /** The network address the device was last seen from. */
  address: string | null;
  /** Milliseconds since the Unix epoch. */
  first_seen_at_ms: number;
  last_seen_at_ms: number;
  /** When an administrator last asked for this device to be wiped. */
  wipe_requested_at_ms: number | null;
  /** When the device confirmed that it wiped the account's data. */
  wiped_at_ms: number | null;
  /** A wipe was asked for and the device has not yet confirmed it. */
  wipe_pending: boolean;
}

/** `GET /api/v1/users/{id}/devices` answer, the most recently seen first. */
export interface DeviceList {
  devices: DeviceInfo[];
}

/** `GET /api/v1/meetings/{id}/audit` answer. */
export interface AuditLog {
  entries: AuditLogEntry[];
}

/** One entry of the tamper-evident audit log. */
export interface AuditLogEntry {
  /** 1, 2, 3… across the whole server. */
  seq: number;
  /** Milliseconds since the Unix epoch. */
  at_ms: number;
  actor_user_id: string | null;
  /** A stable dotted name such as `meeting.publish`. */
  action: string;
  details: unknown;
  /** SHA-256 over this entry and the previous entry's hash. */
  hash: string;
}

/** `GET /api/v1/meetings/{id}/document-reads` answer (staff): who has had a
 * copy of each confidential document. */
export interface DocumentReadsReport {
  documents: DocumentReads[];
}

/** The reads of one confidential document ("đã xem: 18/26"). */
export interface DocumentReads {
  document_id: string;
  title: string;
  /** Participants who may read it (everyone but remote points). */
  expected_readers: number;
  /** How many of them have had a copy at least once. */
  readers: number;
  participants: ParticipantReads[];
}

export interface ParticipantReads {
  user_id: string;
  display_name: string;
  role: MeetingRole;
  /** Oldest first; empty when not read yet. */
  reads: DocumentRead[];
}

/** One stamped copy handed to a reader. */
export interface DocumentRead {
  at_ms: number;
  version: number;
  device_id: string | null;
}

/** `GET /healthz` answer. */
export interface HealthStatus {
  status: string;
  version: string;
  reason?: string;
}

/** One signature on the meeting's record. */
export interface RecordSignature {
  user_id: string;
  display_name: string;
  /** `chair` or `secretary`. */
  role: MeetingRole;
  /** Milliseconds since the epoch. */
  signed_at: number;
  /** SHA-256 (hex) of the record file once this signature was added. */
  sha256: string;
}

/** `GET /api/v1/meetings/{id}/record` and the answer of every signing call. */
export interface RecordStatus {
  version: number;
  signatures: RecordSignature[];
  /** Every required signature is there (by default the chair's alone). */
  issued: boolean;
  /** SHA-256 (hex) of the signed file `record.pdf` serves; absent until signed. */
  sha256?: string | null;
}
