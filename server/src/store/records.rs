//! The rows the store reads and writes. These are server domain types, not
//! wire types: the HTTP layer turns them into `phonghop_protocol` types.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{StoreError, StoreResult};

pub use phonghop_protocol::api::{MeetingRole, MeetingState, OrgRole, SyncDocumentKind};

/// Text names of enums as the database stores them. They equal the wire
/// spelling, but the database does not depend on serde to read them.
pub trait DbEnum: Sized + Copy + 'static {
    const COLUMN: &'static str;
    const ALL: &'static [(Self, &'static str)];

    fn as_str(self) -> &'static str
    where
        Self: PartialEq,
    {
        Self::ALL
            .iter()
            .find(|(value, _)| *value == self)
            .map(|(_, name)| *name)
            .unwrap_or("?")
    }

    fn parse(text: &str) -> StoreResult<Self> {
        Self::ALL
            .iter()
            .find(|(_, name)| *name == text)
            .map(|(value, _)| *value)
            .ok_or_else(|| StoreError::CorruptValue {
                column: Self::COLUMN,
                value: text.to_owned(),
            })
    }
}

impl DbEnum for OrgRole {
    const COLUMN: &'static str = "users.org_role";
    const ALL: &'static [(Self, &'static str)] = &[
        (OrgRole::Admin, "admin"),
        (OrgRole::Secretary, "secretary"),
        (OrgRole::User, "user"),
    ];
}

impl DbEnum for MeetingRole {
    const COLUMN: &'static str = "meeting_participants.role";
    const ALL: &'static [(Self, &'static str)] = &[
        (MeetingRole::Chair, "chair"),
        (MeetingRole::Secretary, "secretary"),
        (MeetingRole::Delegate, "delegate"),
        (MeetingRole::Observer, "observer"),
        (MeetingRole::RemotePoint, "remote_point"),
    ];
}

impl DbEnum for MeetingState {
    const COLUMN: &'static str = "meetings.state";
    const ALL: &'static [(Self, &'static str)] = &[
        (MeetingState::Draft, "draft"),
        (MeetingState::Published, "published"),
        (MeetingState::InSession, "in_session"),
        (MeetingState::Closed, "closed"),
        (MeetingState::Cancelled, "cancelled"),
    ];
}

impl DbEnum for SyncDocumentKind {
    const COLUMN: &'static str = "sync_documents.kind";
    const ALL: &'static [(Self, &'static str)] = &[
        (SyncDocumentKind::Notebook, "notebook"),
        (SyncDocumentKind::SharedLayer, "shared_layer"),
        (SyncDocumentKind::Minutes, "minutes"),
    ];
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub org_role: OrgRole,
    /// argon2id PHC string; never leaves the server.
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: i64,
}

impl UserRecord {
    pub(super) fn from_row(row: &AnyRow) -> StoreResult<Self> {
        let role: String = row.try_get("org_role")?;
        Ok(UserRecord {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            org_role: OrgRole::parse(&role)?,
            password_hash: row.try_get("password_hash")?,
            disabled: row.try_get::<i64, _>("disabled")? != 0,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// A login session. Its `id` is the SHA-256 of the cookie's secret, so a
/// leaked database does not hand out live sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: String,
    pub user_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// The device the client named at login (or at its first websocket
    /// ticket), so that an administrator's wipe of that device reaches
    /// this session.
    pub device_id: Option<String>,
    /// An administrator asked for this session's device to be wiped and
    /// the device has not confirmed it yet (read from `devices`; ignored
    /// by `create_session`).
    pub wipe_pending: bool,
    /// An administrator set the account's password and the user has not
    /// chosen their own yet (read from `users`; ignored by
    /// `create_session`).
    pub password_change_required: bool,
}

/// A meeting (cuộc họp).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRecord {
    pub id: String,
    pub title: String,
    /// RFC 3339 with the local offset.
    pub starts_at: String,
    pub place: String,
    pub state: MeetingState,
    pub video_link: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// When it was (last) published; agenda items changed after this are
    /// marked as updated.
    pub published_at: Option<i64>,
}

impl MeetingRecord {
    pub(super) fn from_row(row: &AnyRow) -> StoreResult<Self> {
        let state: String = row.try_get("state")?;
        Ok(MeetingRecord {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            starts_at: row.try_get("starts_at")?,
            place: row.try_get("place")?,
            state: MeetingState::parse(&state)?,
            video_link: row.try_get("video_link")?,
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            published_at: row.try_get("published_at")?,
        })
    }
}

/// An agenda item (nội dung họp), top-level or a sub-item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaItemRecord {
    pub id: String,
    pub meeting_id: String,
    pub parent_id: Option<String>,
    pub position: i64,
    pub title: String,
    pub presenter: Option<String>,
    pub duration_minutes: Option<i64>,
    pub updated_at: i64,
}

impl AgendaItemRecord {
    pub(super) fn from_row(row: &AnyRow) -> StoreResult<Self> {
        Ok(AgendaItemRecord {
            id: row.try_get("id")?,
            meeting_id: row.try_get("meeting_id")?,
            parent_id: row.try_get("parent_id")?,
            position: row.try_get("position")?,
            title: row.try_get("title")?,
            presenter: row.try_get("presenter")?,
            duration_minutes: row.try_get("duration_minutes")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// A document attached to an agenda item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRecord {
    pub id: String,
    pub meeting_id: String,
    pub agenda_item_id: String,
    pub position: i64,
    pub title: String,
    pub confidential: bool,
    pub current_version: i64,
    pub created_at: i64,
}

/// One uploaded version of a document; earlier versions are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentVersionRecord {
    pub document_id: String,
    pub version: i64,
    pub file_name: String,
    /// Names the PDF in the blob store.
    pub blob_sha256: String,
    pub page_count: i64,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: i64,
    /// Per page, what it shows (`page_text::fingerprints`); `None` for a
    /// page that could not be read. Empty for a version stored before
    /// fingerprints were kept (every page unknown).
    pub page_fingerprints: Vec<Option<String>>,
}

impl DocumentVersionRecord {
    /// The fingerprints as stored: a JSON array of strings and nulls.
    pub(super) fn fingerprints_column(&self) -> Option<String> {
        (!self.page_fingerprints.is_empty())
            .then(|| serde_json::to_string(&self.page_fingerprints).unwrap_or_default())
    }

    pub(super) fn parse_fingerprints(column: Option<String>) -> Vec<Option<String>> {
        column
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }
}

/// A registered Automerge document: only registered documents are synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDocumentRecord {
    /// The document id (the part after `automerge:`).
    pub document_id: String,
    pub meeting_id: String,
    pub kind: SyncDocumentKind,
    /// The owner of a notebook.
    pub owner_user_id: Option<String>,
    /// The agenda document a shared layer annotates.
    pub agenda_document_id: Option<String>,
}

impl SyncDocumentRecord {
    pub(super) fn from_row(row: &AnyRow) -> StoreResult<Self> {
        let kind: String = row.try_get("kind")?;
        Ok(SyncDocumentRecord {
            document_id: row.try_get("document_id")?,
            meeting_id: row.try_get("meeting_id")?,
            kind: SyncDocumentKind::parse(&kind)?,
            owner_user_id: row.try_get("owner_user_id")?,
            agenda_document_id: row.try_get("agenda_document_id")?,
        })
    }
}

/// What a caller gives to append to the audit log.
#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    pub actor_user_id: Option<&'a str>,
    pub meeting_id: Option<&'a str>,
    /// A stable dotted name, e.g. `auth.login_failed`, `meeting.publish`.
    pub action: &'a str,
    pub details: serde_json::Value,
}

/// An entry of the audit log as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor_user_id: Option<String>,
    pub meeting_id: Option<String>,
    pub action: String,
    /// JSON text.
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    pub(super) fn from_row(row: &AnyRow) -> StoreResult<Self> {
        Ok(AuditEntry {
            seq: row.try_get("seq")?,
            at: row.try_get("at")?,
            actor_user_id: row.try_get("actor_user_id")?,
            meeting_id: row.try_get("meeting_id")?,
            action: row.try_get("action")?,
            details: row.try_get("details")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        })
    }
}
