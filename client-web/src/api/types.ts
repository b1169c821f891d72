// The JSON the server speaks under /api/v1, as the web client reads it.
//
// The types are generated from `shared/` (crate phonghop-protocol) into
// `generated.ts` (`cargo run -p phonghop-protocol --example gen-ts`; a
// Rust test fails while it is stale). This module re-exports them under
// the names the screens import, and adds the few shapes that are the
// client's own. Nothing else in the client defines a wire shape.

export type {
  /** Stable error codes; the client switches on these, never on `message`. */
  ErrorCode,
  /** The one error body of every failed API call. `message` is already in
   * the language the request asked for with `Accept-Language`. */
  ApiError as ApiErrorBody,
  OrgRole,
  MeetingRole,
  MeetingState,
  LoginRequest,
  LoginResponse,
  User,
  MeetingList,
  MeetingSummary,
  Fraction,
  Comparison,
  Threshold,
  DecisionBase,
  DecisionRule,
  MeetingRules,
  VoteOutcome,
  Meeting,
  AgendaItem,
  DocumentInfo,
  DocumentVersionSummary,
  DocumentVersionList,
  DocumentVersionDetails,
  SyncDocumentKind,
  SyncAccess,
  SyncDocument,
  HiddenAnnotation,
  SetAnnotationHiddenRequest,
  CreateMeetingRequest,
  UpdateMeetingRequest,
  SetParticipantRequest,
  Participant,
  ParticipantList,
  CreateAgendaItemRequest,
  UpdateAgendaItemRequest,
  AgendaOrderRequest,
  AgendaOrderEntry,
  UpdateDocumentRequest,
  UserAccount,
  BackupStatus,
  UserList,
  DeviceInfo,
  DeviceList,
  ChangePasswordRequest,
  SessionInfo,
  SessionList,
  OneTimePassword,
  CreateUserRequest,
  CreatedUser,
  SetUserRoleRequest,
  ResetPasswordRequest,
  ImportRowErrorCode,
  ImportRowError,
  ImportRow,
  ImportPreview,
  ImportedAccount,
  ImportResult,
  AuditLog,
  AuditLogEntry,
  DocumentReadsReport,
  DocumentReads,
  ParticipantReads,
  DocumentRead,
  HealthStatus,
  RecordSignature,
  RecordStatus,
} from './generated';

/** The state changes `POST /api/v1/meetings/{id}/{action}` accepts (a path
 * segment, not a JSON type). */
export type MeetingAction = 'publish' | 'start' | 'close' | 'cancel';
