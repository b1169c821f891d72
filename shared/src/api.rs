//! The REST API under `/api/v1`: JSON bodies, one error shape.
//!
//! Identifiers are opaque strings with a readable prefix (`u_` users,
//! `m_` meetings, `a_` agenda items, `d_` documents) so a log line or a
//! support call says at once what kind of thing an id names.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::rules::MeetingRules;

/// The one error body of every failed API call.
///
/// `code` is stable and meant for programs; `message` is for people, in the
/// language the request asked for with `Accept-Language` (Vietnamese by
/// default, English on request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

/// Stable error codes. Clients switch on these, never on the message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed (bad JSON, a missing or invalid field).
    BadRequest,
    /// No valid session cookie or ticket came with the request.
    Unauthenticated,
    /// Wrong username or password (deliberately not saying which).
    InvalidCredentials,
    /// The account exists but an administrator disabled it.
    AccountDisabled,
    /// Too many failed logins for this account or address; wait and retry.
    TooManyAttempts,
    /// Logged in, but this action is not allowed for this user.
    Forbidden,
    /// Nothing there, or nothing this user may see (the two look alike).
    NotFound,
    /// The request conflicts with the current state (for example a username
    /// that is already taken).
    Conflict,
    /// An upload that is too large.
    PayloadTooLarge,
    /// An upload whose content is not an accepted kind of document.
    UnsupportedDocument,
    /// The server is missing a tool it needs (for example LibreOffice).
    ToolMissing,
    /// Office files cannot be converted on this server: the sandbox that
    /// isolates LibreOffice is not available (PDF uploads still work).
    ConversionUnavailable,
    /// The server cannot reach its database right now (HTTP 503, with
    /// `Retry-After`). Nothing was changed; retry the same request later.
    StorageUnavailable,
    /// The server's disk is full (HTTP 507). Nothing was changed; reading
    /// still works, and writing works again once an administrator frees
    /// space.
    StorageFull,
    /// An administrator asked for this device to be wiped (HTTP 401): the
    /// client sends what is not yet synced, removes everything the account
    /// left on the device, then confirms with `POST /auth/device-wiped`,
    /// which ends the session.
    DeviceWipeRequested,
    /// An administrator set this account's password (HTTP 403): the user
    /// must choose their own (`POST /auth/password`) before anything else;
    /// `GET /auth/me` and logging out still work.
    PasswordChangeRequired,
    /// The account has no signing certificate registered (`phonghop
    /// signing import`), or it does not fit the way asked (a PIN for an
    /// external signer).
    SigningCertificateMissing,
    /// A signature did not verify with the signer's registered
    /// certificate, or its PIN was wrong; nothing was embedded.
    SignatureInvalid,
    /// A list of officials to import (`/users/import`) cannot be read: not
    /// a CSV (UTF-8) or XLSX file, a damaged workbook, no header row, or a
    /// required column missing. Nothing was changed.
    ImportFileUnreadable,
    /// A list of officials to import is larger than the server takes
    /// (bytes or rows): split it into several files.
    ImportTooLarge,
    /// A row of a list of officials to import has an error (the preview,
    /// `/users/import/preview`, says which): nothing was imported.
    ImportRowsInvalid,
    /// Something failed on the server; the log has the detail.
    Internal,
}

/// Organization-wide role of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    /// Manages accounts; sees every meeting.
    Admin,
    /// Creates meetings, builds agendas, uploads documents.
    Secretary,
    /// Everyone else: delegates, chairs, remote points.
    User,
}

/// A participant's role in one meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingRole {
    /// Chủ trì: runs the meeting.
    Chair,
    /// Thư ký: builds the agenda, takes attendance, writes the minutes.
    Secretary,
    /// Đại biểu: reads, annotates, speaks and votes.
    Delegate,
    /// Follows and reads, does not vote.
    Observer,
    /// Điểm cầu: a commune hall's big screen.
    RemotePoint,
}

/// Where a meeting is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingState {
    /// Being prepared; only its secretary and chair see it.
    Draft,
    /// Visible to every participant; tablets download the pack.
    Published,
    /// The meeting is running.
    InSession,
    /// Over; kept as a record.
    Closed,
    /// Called off.
    Cancelled,
}

/// `POST /api/v1/auth/login` body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// This device's id (as in `WsTicketRequest`), so that an administrator
    /// can see the device and wipe it; optional for older clients.
    #[serde(default)]
    pub device_id: Option<String>,
}

/// `POST /api/v1/auth/login` answer (the session itself travels in an
/// HttpOnly cookie).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    pub user: User,
}

/// An account as its owner and the meeting's staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: OrgRole,
    /// An administrator set the password: the user must choose their own
    /// before doing anything else (`POST /auth/password`).
    #[serde(default)]
    pub must_change_password: bool,
}

/// `POST /api/v1/auth/ws-ticket` body (optional: an empty request is the
/// device `default`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WsTicketRequest {
    /// A stable id of this device or browser profile, 1-64 characters of
    /// `A-Z a-z 0-9 _ -`. Sync peers are per user and device.
    #[serde(default)]
    pub device_id: Option<String>,
}

/// `POST /api/v1/auth/ws-ticket` answer: a one-use ticket valid for 60 s,
/// for websocket clients that cannot send the session cookie
/// (`/sync?ticket=…`, `/live?ticket=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WsTicketResponse {
    pub ticket: String,
    /// The automerge-repo peer id a `/sync` connection with this ticket
    /// must announce (`u/{user_id}/d/{device_id}`); any other is refused.
    pub peer_id: String,
}

/// The query string of `GET /sync`: a ticket, or (with the session cookie)
/// the device id. Either way the peer id is `u/{user_id}/d/{device_id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncConnectQuery {
    #[serde(default)]
    pub ticket: Option<String>,
    /// Ignored with a ticket (the ticket names its device).
    #[serde(default)]
    pub device_id: Option<String>,
}

/// `GET /api/v1/meetings` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MeetingList {
    pub meetings: Vec<MeetingSummary>,
}

/// A meeting in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MeetingSummary {
    pub id: String,
    pub title: String,
    /// RFC 3339 with the local offset, for example `2026-11-23T08:00:00+07:00`.
    pub starts_at: String,
    pub place: String,
    pub state: MeetingState,
    /// The caller's role in this meeting; `None` for an administrator who
    /// is not a participant.
    pub my_role: Option<MeetingRole>,
}

/// `GET /api/v1/meetings/{id}` answer: one meeting as the caller may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Meeting {
    pub id: String,
    pub title: String,
    pub starts_at: String,
    pub place: String,
    pub state: MeetingState,
    pub my_role: Option<MeetingRole>,
    /// The URL of the agency's existing video-conference system, if any
    /// (`https://` only).
    pub video_link: Option<String>,
    /// The quorum and what a vote needs to pass in this meeting.
    pub rules: MeetingRules,
    /// Ordered: each top-level item is followed by its sub-items.
    pub agenda: Vec<AgendaItem>,
    /// The Automerge documents this caller may sync, with their access.
    pub sync_documents: Vec<SyncDocument>,
    /// Records of the shared layers that the chair or the secretary hid:
    /// every screen leaves them out (the author's layer still holds them).
    pub hidden_annotations: Vec<HiddenAnnotation>,
}

/// One stroke or note of a shared layer, hidden by the chair or the
/// secretary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HiddenAnnotation {
    /// The shared layer, `automerge:…` as in [`SyncDocument::url`].
    pub layer_url: String,
    /// The stroke's or note's `id` in that layer.
    pub annotation_id: String,
}

/// `PUT /api/v1/meetings/{id}/hidden-annotations`: hide a stroke or note of
/// a shared layer (`hidden: true`), or show it again. The chair's and the
/// secretary's, audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SetAnnotationHiddenRequest {
    /// The shared layer, `automerge:…`.
    pub layer_url: String,
    /// The stroke's or note's `id` in that layer.
    pub annotation_id: String,
    pub hidden: bool,
}

/// One item of the agenda (nội dung họp).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AgendaItem {
    pub id: String,
    /// Set for a sub-item: the id of its parent item.
    pub parent_id: Option<String>,
    /// Order among its siblings, from 0.
    pub position: i64,
    pub title: String,
    pub presenter: Option<String>,
    pub duration_minutes: Option<i64>,
    /// Changed after the meeting was published (shown as "đã cập nhật").
    pub updated: bool,
    pub documents: Vec<DocumentInfo>,
}

/// A document (tài liệu) attached to an agenda item, always served as PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentInfo {
    pub id: String,
    pub title: String,
    /// The name it was uploaded under (for display only).
    pub file_name: String,
    pub page_count: i64,
    pub size_bytes: i64,
    /// SHA-256 of the PDF served, lowercase hex.
    pub sha256: String,
    /// Mật: streamed only, never cached offline, watermarked.
    pub confidential: bool,
    /// 1 for the first upload; each replacement adds one.
    pub version: i64,
    /// Where to fetch this version's PDF. The URL names the version and the
    /// confidentiality state: `…/versions/{n}/file` while not confidential
    /// (immutable), `…/versions/{n}/confidential` while confidential (never
    /// cached); the other state's URL answers `not_found`.
    pub url: String,
    /// Every version, the first first (the last is this one): earlier
    /// versions stay readable ("phiên bản 1, 14:05").
    #[serde(default)]
    pub versions: Vec<DocumentVersionSummary>,
}

/// One version of a document in its list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentVersionSummary {
    pub version: i64,
    /// When it was uploaded, milliseconds since the Unix epoch.
    pub uploaded_at_ms: i64,
    pub page_count: i64,
    pub size_bytes: i64,
    /// SHA-256 of the PDF, lowercase hex.
    pub sha256: String,
    /// Where to fetch it (named like [`DocumentInfo::url`]).
    pub url: String,
}

/// `GET /api/v1/documents/{id}/versions` answer: every version with what
/// each page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentVersionList {
    pub document_id: String,
    pub current_version: i64,
    pub versions: Vec<DocumentVersionDetails>,
}

/// One version with its page fingerprints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentVersionDetails {
    pub version: i64,
    pub uploaded_at_ms: i64,
    pub file_name: String,
    pub page_count: i64,
    pub size_bytes: i64,
    pub sha256: String,
    pub url: String,
    /// Per page (the first first): a fingerprint of the page's text and
    /// where each line stands, equal only for pages that show the same
    /// thing (annotations are carried over between versions on them).
    /// `null` for a page that could not be read; empty for a version
    /// stored before fingerprints were kept.
    pub page_fingerprints: Vec<Option<String>>,
}

/// What an Automerge document is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncDocumentKind {
    /// A participant's private notes and ink for one meeting.
    Notebook,
    /// The annotations shared with the meeting on one agenda document.
    SharedLayer,
    /// The minutes draft (biên bản).
    Minutes,
}

/// Read or read-write access to a synced document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncAccess {
    Read,
    Write,
}

/// An Automerge document the caller may open over `/sync`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncDocument {
    pub kind: SyncDocumentKind,
    /// `automerge:…`, as automerge-repo's `repo.find` takes it.
    pub url: String,
    pub access: SyncAccess,
    /// For a shared layer: the agenda document it annotates.
    pub document_id: Option<String>,
    /// Whose document it is: a notebook's owner, a shared layer's author
    /// (the only one who may write it). `null` for the minutes and for a
    /// shared layer made before layers had authors (read only).
    pub owner_user_id: Option<String>,
    /// The owner's display name, as the server knows it: the name to show
    /// with a shared layer's annotations (never a name the layer itself
    /// holds).
    pub owner_name: Option<String>,
}

/// Deserializes a field that may be absent (leave as is), `null` (clear)
/// or a value (set): `None`, `Some(None)`, `Some(Some(v))`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `POST /api/v1/meetings` body. The creator becomes the meeting's secretary.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateMeetingRequest {
    pub title: String,
    /// RFC 3339, e.g. `2026-12-01T08:00:00+07:00`.
    pub starts_at: String,
    pub place: String,
    #[serde(default)]
    pub video_link: Option<String>,
}

/// `PATCH /api/v1/meetings/{id}` body: only the fields present change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct UpdateMeetingRequest {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    /// `null` removes the link.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub video_link: Option<Option<String>>,
    /// The meeting's rules, whole (a preset such as
    /// `MeetingRules::PEOPLES_COMMITTEE` or the secretary's own). Votes
    /// already opened keep the rule they were opened under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<MeetingRules>,
}

/// `PUT /api/v1/meetings/{id}/participants/{user_id}` body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SetParticipantRequest {
    pub role: MeetingRole,
}

/// A participant as the meeting's members see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: MeetingRole,
}

/// `GET /api/v1/meetings/{id}/participants` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ParticipantList {
    pub participants: Vec<Participant>,
}

/// `POST /api/v1/meetings/{id}/agenda` body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateAgendaItemRequest {
    pub title: String,
    #[serde(default)]
    pub presenter: Option<String>,
    #[serde(default)]
    pub duration_minutes: Option<i64>,
    /// Makes it a sub-item of this top-level item.
    #[serde(default)]
    pub parent_id: Option<String>,
}

/// `PATCH /api/v1/meetings/{id}/agenda/{item_id}` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct UpdateAgendaItemRequest {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub presenter: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub duration_minutes: Option<Option<i64>>,
}

/// `PUT /api/v1/meetings/{id}/agenda/order` body: the whole agenda in its
/// new order. Every item of the meeting appears once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgendaOrderRequest {
    pub items: Vec<AgendaOrderEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgendaOrderEntry {
    pub id: String,
    /// `None` for a top-level item.
    #[serde(default)]
    pub parent_id: Option<String>,
}

/// The multipart form of a document upload (`multipart/form-data`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DocumentUploadForm {
    /// The file: PDF, DOCX, DOC, ODT, XLSX or PPTX (checked by content).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Shown title (default: the file name without its extension).
    pub title: Option<String>,
    /// `true` marks the document mật (confidential).
    pub confidential: Option<bool>,
}

/// `PATCH /api/v1/documents/{id}` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct UpdateDocumentRequest {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub confidential: Option<bool>,
}

/// An account as administrators (and secretaries picking participants) see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserAccount {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: OrgRole,
    pub disabled: bool,
}

/// `GET /api/v1/admin/backup` answer (administrators): the last backup,
/// made by the schedule of `phonghop serve --backup-every` or by
/// `phonghop backup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BackupStatus {
    /// When the last backup finished (RFC 3339, UTC); none yet: null.
    pub last_backup_at: Option<String>,
    /// The schedule's interval in seconds; null when the server makes no
    /// scheduled backups.
    pub interval_seconds: Option<u64>,
    /// How many scheduled backups are kept (null without a schedule).
    pub keep: Option<u64>,
    /// True when the screen should warn: scheduled backups are on and the
    /// last one is older than twice the interval (or there is none), or
    /// there is no schedule and no backup in the last two days.
    pub stale: bool,
    /// Why the last scheduled backup failed, when it did (the detail is in
    /// the server's log).
    pub last_failure: Option<String>,
    /// When it failed (RFC 3339, UTC).
    pub last_failure_at: Option<String>,
}

/// `GET /api/v1/users` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    pub users: Vec<UserAccount>,
}

/// A device an account has used (a tablet, a browser profile), as
/// administrators and the account's owner see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceInfo {
    /// The id the client generated and sends on login and live join.
    pub device_id: String,
    /// The browser's `User-Agent` when last seen, if it sent one.
    pub user_agent: Option<String>,
    /// The network address the device was last seen from.
    pub address: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub first_seen_at_ms: i64,
    pub last_seen_at_ms: i64,
    /// When an administrator last asked for this device to be wiped.
    pub wipe_requested_at_ms: Option<i64>,
    /// When the device confirmed that it wiped the account's data.
    pub wiped_at_ms: Option<i64>,
    /// A wipe was asked for and the device has not yet confirmed it.
    pub wipe_pending: bool,
}

/// `GET /api/v1/users/{id}/devices` answer, the most recently seen first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceList {
    pub devices: Vec<DeviceInfo>,
}

/// `POST /api/v1/users` body (administrators).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateUserRequest {
    pub username: String,
    pub display_name: String,
    pub role: OrgRole,
    /// The account's password. Without it the server makes a one-time
    /// password, answers it once (`CreatedUser::one_time_password`) and
    /// the user must choose their own at the first login.
    #[serde(default)]
    pub password: Option<String>,
}

/// `POST /api/v1/users` answer: the new account, and the one-time
/// password when the server made it (shown once, never stored in clear).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreatedUser {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: OrgRole,
    pub disabled: bool,
    /// Set when the request gave no password; null otherwise.
    pub one_time_password: Option<String>,
}

/// `POST /api/v1/users/{id}/role` body (administrators): the account's
/// organisation-wide role.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SetUserRoleRequest {
    pub role: OrgRole,
}

/// What is wrong with one row of a list of officials to import. Stable:
/// clients may switch on it; `ImportRowError::message` says it for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportRowErrorCode {
    /// The full name (họ tên) is empty.
    MissingName,
    /// The full name is longer than 200 characters.
    NameTooLong,
    /// The username (tên đăng nhập) is empty.
    MissingUsername,
    /// The username has characters other than a-z, digits, '.', '_', '-',
    /// or is not 2 to 64 long.
    InvalidUsername,
    /// Another row of the same file has this username.
    DuplicateUsername,
    /// An account with this username already exists.
    UsernameTaken,
    /// The role (vai trò) is none the server knows.
    UnknownRole,
}

/// One error of one row, with its message in the request's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportRowError {
    pub code: ImportRowErrorCode,
    pub message: String,
}

/// One row of a list of officials, as the server read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportRow {
    /// The row's number as a spreadsheet shows it (the header is row 1).
    pub line: u32,
    pub display_name: String,
    /// Lowercased and trimmed, as it would be stored.
    pub username: String,
    /// The role read from the row (an empty cell means `user`); null when
    /// it is unknown.
    pub role: Option<OrgRole>,
    /// Empty when the row can be imported.
    pub errors: Vec<ImportRowError>,
}

/// `POST /api/v1/users/import/preview` answer: what importing the file
/// would do. Nothing is changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportPreview {
    /// Every row that is not blank, in file order.
    pub rows: Vec<ImportRow>,
    /// How many rows have errors; `POST /api/v1/users/import` takes the
    /// file only when none has.
    pub rows_with_errors: u32,
    /// Header names of columns the server does not read (for example
    /// "Chức vụ": accounts have no title yet).
    pub ignored_columns: Vec<String>,
}

/// An account made by an import, with its one-time password (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportedAccount {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: OrgRole,
    pub one_time_password: String,
}

/// `POST /api/v1/users/import` answer: every account of the file, made in
/// one transaction; each must choose its own password at the first login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportResult {
    pub accounts: Vec<ImportedAccount>,
}

/// `POST /api/v1/users/{id}/password` body (administrators).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResetPasswordRequest {
    /// The new password; without it the server makes a one-time password
    /// and answers it once (`OneTimePassword`). Either way the user must
    /// choose their own at the next login.
    #[serde(default)]
    pub password: Option<String>,
}

/// `POST /api/v1/users/{id}/password` answer when the server made the
/// password: shown once to the administrator, never stored in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OneTimePassword {
    pub password: String,
}

/// `POST /api/v1/auth/password` body: a user changes their own password.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// One of the caller's own live sessions (`GET /api/v1/auth/sessions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    /// Opaque; `DELETE /api/v1/auth/sessions/{id}` ends the session.
    pub id: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub device_id: Option<String>,
    /// The browser of the device, as it last said.
    pub user_agent: Option<String>,
    pub last_seen_at_ms: Option<i64>,
    /// The session this request came with.
    pub current: bool,
}

/// `GET /api/v1/auth/sessions` answer, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionInfo>,
}

/// `GET /api/v1/meetings/{id}/audit` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditLog {
    pub entries: Vec<AuditLogEntry>,
}

/// One entry of the tamper-evident audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditLogEntry {
    /// 1, 2, 3… across the whole server (gaps in one meeting's view are
    /// other meetings' entries).
    pub seq: i64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub actor_user_id: Option<String>,
    /// A stable dotted name such as `auth.login` or `meeting.publish`.
    pub action: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// SHA-256 over this entry and the previous entry's hash.
    pub hash: String,
}

/// `GET /api/v1/meetings/{id}/document-reads` answer (the meeting's staff
/// and administrators): who has read each confidential document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentReadsReport {
    /// One entry per confidential document of the meeting, in agenda
    /// order.
    pub documents: Vec<DocumentReads>,
}

/// The reads of one confidential document ("đã xem: 18/26").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentReads {
    pub document_id: String,
    pub title: String,
    /// Participants who may read it: everyone in the meeting but remote
    /// points.
    pub expected_readers: i64,
    /// How many of them have had a copy at least once.
    pub readers: i64,
    /// Every participant who may read it, with their copies (none yet is
    /// an empty list), ordered by name.
    pub participants: Vec<ParticipantReads>,
}

/// One participant's copies of a confidential document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ParticipantReads {
    pub user_id: String,
    pub display_name: String,
    pub role: MeetingRole,
    /// Oldest first.
    pub reads: Vec<DocumentRead>,
}

/// One stamped copy handed to a reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentRead {
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub version: i64,
    /// The device the client named (`X-Phonghop-Device`), if it named one.
    pub device_id: Option<String>,
}

/// `GET /healthz` and `GET /readyz` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HealthStatus {
    /// `ok`; `degraded` with a reason when the server serves meetings but
    /// a feature is off (Office conversion without its sandbox); or
    /// `unavailable` with a reason (`/readyz` answers 503 then).
    pub status: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_serialize_as_stable_snake_case() {
        let body = ApiError {
            code: ErrorCode::TooManyAttempts,
            message: "x".into(),
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["code"], "too_many_attempts");
    }

    #[test]
    fn meeting_roles_and_states_use_the_documented_spelling() {
        assert_eq!(
            serde_json::to_value(MeetingRole::RemotePoint).unwrap(),
            "remote_point"
        );
        assert_eq!(
            serde_json::to_value(MeetingState::InSession).unwrap(),
            "in_session"
        );
        let role: OrgRole = serde_json::from_str("\"secretary\"").unwrap();
        assert_eq!(role, OrgRole::Secretary);
    }

    #[test]
    fn unknown_role_is_rejected_not_defaulted() {
        assert!(serde_json::from_str::<OrgRole>("\"root\"").is_err());
    }
}

/// `POST /api/v1/meetings/{id}/record/sign` body (optional): the PIN that
/// unlocks a certificate the server holds encrypted. Certificates without
/// a PIN (the demo's) need no body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignRecordRequest {
    #[serde(default)]
    pub pin: Option<String>,
}

/// One signature on the meeting's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordSignature {
    pub user_id: String,
    pub display_name: String,
    /// `chair` or `secretary`.
    pub role: MeetingRole,
    /// Milliseconds since the epoch.
    pub signed_at: i64,
    /// SHA-256 (hex) of the record file once this signature was added.
    pub sha256: String,
}

/// `GET /api/v1/meetings/{id}/record` and the answer of every signing
/// call: the record's signatures and the file `record.pdf` serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordStatus {
    /// 1 once signed; a re-issued record would be a new version.
    pub version: i64,
    /// In the order they were made.
    pub signatures: Vec<RecordSignature>,
    /// Every signature the meeting requires is there (by default the
    /// chair's alone).
    pub issued: bool,
    /// SHA-256 (hex) of the signed file `record.pdf` serves; absent while
    /// nobody has signed.
    pub sha256: Option<String>,
}

/// `POST /api/v1/meetings/{id}/record/external/prepare` answer: what an
/// external signer (a USB token's helper, a remote signing service) signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExternalSignaturePrepared {
    /// Given back with the signature.
    pub handle: String,
    /// The CMS signed attributes (DER, base64): sign these with SHA-256
    /// (ECDSA or RSA PKCS#1 v1.5) with the registered certificate's key.
    pub signed_attributes: String,
    /// SHA-256 of `signed_attributes` (base64), for signers that take a
    /// digest.
    pub digest: String,
    /// SHA-256 (hex) of the certificate the signature must verify with.
    pub certificate_sha256: String,
}

/// `POST /api/v1/meetings/{id}/record/external/complete` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExternalSignatureComplete {
    pub handle: String,
    /// The signature value over `signed_attributes` (base64).
    pub signature: String,
}
