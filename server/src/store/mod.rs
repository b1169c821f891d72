//! The one storage interface for everything the server keeps: accounts,
//! sessions, meetings, agenda, document metadata, the sync registry, the
//! audit log and Automerge chunks.
//!
//! [`Store`] is a cheap-to-clone handle over a SQL pool. It speaks to two
//! backends through sqlx's `Any` driver: SQLite (the embedded default, in
//! WAL mode with `synchronous=FULL`, so a write that returned is on disk)
//! and PostgreSQL. Queries are written once in the SQL both understand;
//! only the schema's binary column type differs (see `schema.rs`).
//!
//! **Invariant:** nothing outside this module writes SQL. The conformance
//! tests at the bottom run against SQLite always and against PostgreSQL
//! when `PHONGHOP_TEST_DATABASE_URL` is set.
//!
//! Document files (PDFs) are not here: they live in the content-addressed
//! [`crate::blobs::BlobStore`], and rows here name them by SHA-256.
//!
//! SQLite writes go through one writer connection (SQLite allows one
//! writer; queueing in-process avoids `SQLITE_BUSY` when a transaction
//! that read first then writes), reads through a pool of four. Every
//! connection is opened at start and kept: opening one later, under load,
//! intermittently failed with `SQLITE_CANTOPEN`. The PostgreSQL pool waits
//! at most [`POSTGRES_ACQUIRE_TIMEOUT`] for a connection, so an outage is
//! answered `storage_unavailable` within seconds, and tests a pooled
//! connection before lending it, so it reconnects by itself. The audit log
//! is a hash chain ([`verify_audit_chain`]).

pub mod editing;
use editing::insert_current_version;
pub mod live;
pub use editing::{AgendaItemChanges, AgendaPlacement, MeetingChanges};
pub use live::{
    ballot_commitment, AttendanceRecord, BallotError, BallotOutcome, SecretaryRequestRecord,
    VoteBallots, VoteRecord,
};
mod accounts;
mod checkpoints;
pub use accounts::{PasswordSetBy, SessionSummary};
pub use checkpoints::{AuditCheckpointRecord, AuditHead};
mod devices;
pub use devices::{DeviceRecord, DeviceSighting};
mod fences;
pub use fences::Fence;
mod moderation;
pub use moderation::HiddenAnnotationRecord;
mod reads;
pub use reads::DocumentReadRecord;
mod records;
mod schema;
mod signing;
mod transaction;
pub use signing::{CredentialKey, RecordSignatureRecord, SigningCredential};
pub use transaction::{TxFuture, WriteTx};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

use crate::fault::StorageFault;

pub use records::*;

/// Which SQL backend a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// What can go wrong in storage. The HTTP layer maps `Conflict`,
/// `NotFound`, `Unavailable` and `Full` to their own wire codes, and every
/// other variant to an internal error whose detail goes to the log.
///
/// A sqlx error becomes a `StoreError` through `From`, which asks
/// [`crate::fault`] whether it is a storage fault: that is the one place a
/// driver error is classified.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database url {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("migration {version} failed: {source}")]
    Migration {
        version: i64,
        #[source]
        source: sqlx::Error,
    },
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The database cannot be reached now (stopped, restarting, the
    /// connection dropped, no connection free in time).
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// The disk under the database is full; nothing was written.
    #[error("the database's disk is full: {0}")]
    Full(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A clustered node wrote for a meeting with the fencing token of a
    /// lease it no longer holds: a newer owner has written since.
    #[error("meeting {meeting_id}: fencing token {token} is older than {highest}")]
    Fenced {
        meeting_id: String,
        token: u64,
        highest: u64,
    },
    #[error("corrupt value in column {column}: {value:?}")]
    CorruptValue { column: &'static str, value: String },
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match crate::fault::storage_fault_of_sqlx(&error) {
            Some(StorageFault::Unavailable) => StoreError::Unavailable(error),
            Some(StorageFault::Full) => StoreError::Full(error),
            None => StoreError::Database(error),
        }
    }
}

/// Counters the `/metrics` endpoint reports about storage.
#[derive(Debug, Default)]
pub struct StoreMetrics {
    /// Number of timed storage operations.
    pub operations: AtomicU64,
    /// Their total duration, in microseconds.
    pub total_micros: AtomicU64,
}

/// A handle on the database. Clone it freely: clones share one pool.
#[derive(Clone)]
pub struct Store {
    /// Reads. SQLite in WAL mode serves readers beside the writer.
    pub(crate) pool: AnyPool,
    /// Writes. For SQLite a single connection: one writer at a time is
    /// what SQLite allows anyway, and queueing here instead of inside
    /// SQLite avoids `SQLITE_BUSY` when a transaction that read first
    /// tries to write after another writer committed. For PostgreSQL it is
    /// the same pool as `pool`.
    pub(crate) writer: AnyPool,
    dialect: Dialect,
    /// Serializes audit appends inside this process, so two appends never
    /// race for the same sequence number (another node's race is caught by
    /// the primary key and retried).
    audit_lock: Arc<tokio::sync::Mutex<()>>,
    metrics: Arc<StoreMetrics>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dialect", &self.dialect)
            .finish()
    }
}

/// Keys per `DELETE ... IN (...)` statement: far below the bound
/// parameters both SQLite (32,766) and PostgreSQL (65,535) take.
const CHUNK_DELETE_BATCH: usize = 500;

/// How long a request waits for a PostgreSQL connection before it is
/// answered `storage_unavailable`.
pub const POSTGRES_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Milliseconds since the Unix epoch, the one time format in the database.
pub fn now_millis() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// A new random identifier with a readable prefix, e.g. `m_3f9c…`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

impl Store {
    /// Opens (creating it if needed) the database at `url` and runs the
    /// migrations it lacks.
    pub async fn open(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let url = match dialect {
            Dialect::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_owned(),
        };
        let options = AnyPoolOptions::new()
            .max_connections(match dialect {
                Dialect::Sqlite => 4,
                Dialect::Postgres => 10,
            })
            // How long a request waits for a connection. SQLite's writes
            // queue here for the one writer connection, so a burst may
            // wait. PostgreSQL's pool has room to spare, so a long wait
            // means the server is gone (sqlx retries a refused connect
            // until this deadline): answer `storage_unavailable` within
            // seconds rather than hold every request for ten.
            .acquire_timeout(match dialect {
                Dialect::Sqlite => Duration::from_secs(10),
                Dialect::Postgres => POSTGRES_ACQUIRE_TIMEOUT,
            })
            // Open every connection at start and keep it: no connection is
            // opened later, mid-load.
            .min_connections(match dialect {
                Dialect::Sqlite => 4,
                Dialect::Postgres => 1,
            })
            .idle_timeout(None)
            // sqlx pings a connection before lending it by default: for
            // SQLite that is a round trip to the connection's worker thread
            // (two thread wake-ups) before every query, for a connection
            // that cannot drop like a network one can (a dead worker fails
            // the query itself with `WorkerCrashed`). PostgreSQL keeps the
            // check: its connections can die with the network.
            .test_before_acquire(dialect == Dialect::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL lets readers run beside the writer; FULL makes
                        // every commit durable before it returns.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        // Temporary tables and sort spills stay in memory:
                        // no temp files to create (or fail to create).
                        conn.execute("PRAGMA temp_store = MEMORY").await?;
                    }
                    Ok(())
                })
            });
        let pool = options
            .clone()
            .connect(&url)
            .await
            .map_err(StoreError::Connect)?;
        let writer = match dialect {
            Dialect::Sqlite => options
                .max_connections(1)
                .min_connections(1)
                .connect(&url)
                .await
                .map_err(StoreError::Connect)?,
            Dialect::Postgres => pool.clone(),
        };
        let store = Store {
            pool,
            writer,
            dialect,
            audit_lock: Arc::new(tokio::sync::Mutex::new(())),
            metrics: Arc::new(StoreMetrics::default()),
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn metrics(&self) -> &StoreMetrics {
        &self.metrics
    }

    /// Closes the pool; SQLite checkpoints its WAL on the last close.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    async fn migrate(&self) -> StoreResult<()> {
        self.writer
            .execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            )
            .await?;
        for migration in schema::MIGRATIONS {
            let applied: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM schema_migrations WHERE version = $1")
                    .bind(migration.version)
                    .fetch_one(&self.pool)
                    .await?;
            if applied > 0 {
                continue;
            }
            tracing::info!(
                version = migration.version,
                description = migration.description,
                "running migration"
            );
            let mut tx = WriteTx::begin(&self.writer).await?;
            for statement in migration.statements(self.dialect) {
                sqlx::query(&statement)
                    .execute(&mut *tx)
                    .await
                    .map_err(|source| StoreError::Migration {
                        version: migration.version,
                        source,
                    })?;
            }
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(migration.version)
                .bind(now_millis())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Answers whether the database is reachable (for `/readyz`).
    pub async fn ping(&self) -> StoreResult<Duration> {
        let started = Instant::now();
        let _: i64 = sqlx::query_scalar("SELECT 1").fetch_one(&self.pool).await?;
        Ok(started.elapsed())
    }

    /// Writes one consistent copy of a SQLite database to `path` (which
    /// must not exist) with `VACUUM INTO`: a read transaction, so writers
    /// go on meanwhile (WAL), and the copy holds every transaction
    /// committed before it began and none after. Only for SQLite; a
    /// PostgreSQL database is copied by `pg_dump` (see `crate::backup`).
    pub async fn snapshot_sqlite_into(&self, path: &std::path::Path) -> StoreResult<()> {
        if self.dialect != Dialect::Sqlite {
            return Err(StoreError::UnsupportedUrl(
                "VACUUM INTO needs SQLite".into(),
            ));
        }
        let path = path.to_str().ok_or_else(|| StoreError::CorruptValue {
            column: "snapshot path",
            value: path.display().to_string(),
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    fn record_timing(&self, started: Instant) {
        self.metrics.operations.fetch_add(1, Ordering::Relaxed);
        self.metrics
            .total_micros
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    }

    // ----- settings -------------------------------------------------------

    pub async fn setting(&self, name: &str) -> StoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn set_setting(&self, name: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    // ----- users ----------------------------------------------------------

    pub async fn create_user(&self, user: &UserRecord) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        create_user_in(&mut tx, user).await?;
        tx.commit().await
    }

    pub async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(&format!("{USER_COLUMNS} WHERE username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| UserRecord::from_row(&row)).transpose()
    }

    pub async fn user_by_id(&self, user_id: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(&format!("{USER_COLUMNS} WHERE id = $1"))
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| UserRecord::from_row(&row)).transpose()
    }

    pub async fn list_users(&self) -> StoreResult<Vec<UserRecord>> {
        let rows = sqlx::query(&format!("{USER_COLUMNS} ORDER BY username"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(UserRecord::from_row).collect()
    }

    pub async fn count_users(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Disables or re-enables an account; disabling also revokes every one
    /// of its sessions.
    pub async fn set_user_disabled(&self, user_id: &str, disabled: bool) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        set_user_disabled_in(&mut tx, user_id, disabled).await?;
        tx.commit().await
    }

    // ----- sessions -------------------------------------------------------

    pub async fn create_session(&self, session: &SessionRecord) -> StoreResult<()> {
        let started = Instant::now();
        let mut tx = WriteTx::begin(&self.writer).await?;
        create_session_in(&mut tx, session).await?;
        tx.commit().await?;
        self.record_timing(started);
        Ok(())
    }

    /// The live session with this id and its (enabled) user, if any: a
    /// revoked or expired session, or one whose account is disabled, is
    /// `None`. A session whose device has a wipe pending is live (it may
    /// still send its unsynced notes and confirm the wipe) and says so in
    /// `wipe_pending`.
    pub async fn live_session(
        &self,
        session_id: &str,
        now: i64,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>> {
        let started = Instant::now();
        let row = sqlx::query(
            "SELECT s.id AS session_id, s.user_id AS session_user_id, s.created_at AS session_created_at, \
                    s.expires_at AS session_expires_at, s.device_id AS session_device_id, \
                    d.wipe_requested_at AS device_wipe_requested_at, d.wiped_at AS device_wiped_at, \
                    u.id, u.username, u.display_name, u.org_role, u.password_hash, u.disabled, u.created_at, \
                    u.must_change_password \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             LEFT JOIN devices d ON d.user_id = s.user_id AND d.device_id = s.device_id \
             WHERE s.id = $1 AND s.revoked = 0 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(session_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        self.record_timing(started);
        let Some(row) = row else { return Ok(None) };
        let session = SessionRecord {
            id: row.try_get("session_id")?,
            user_id: row.try_get("session_user_id")?,
            created_at: row.try_get("session_created_at")?,
            expires_at: row.try_get("session_expires_at")?,
            device_id: row.try_get("session_device_id")?,
            wipe_pending: devices::wipe_pending(
                row.try_get("device_wipe_requested_at")?,
                row.try_get("device_wiped_at")?,
            ),
            password_change_required: row.try_get::<i64, _>("must_change_password")? != 0,
        };
        Ok(Some((session, UserRecord::from_row(&row)?)))
    }

    pub async fn revoke_session(&self, session_id: &str) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET revoked = 1 WHERE id = $1")
            .bind(session_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Ids of the user's sessions that are not revoked (expired ones
    /// included: they cost nothing to list and end on their own).
    pub async fn unrevoked_session_ids(&self, user_id: &str) -> StoreResult<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM sessions WHERE user_id = $1 AND revoked = 0")
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    // ----- meetings -------------------------------------------------------

    pub async fn create_meeting(&self, meeting: &MeetingRecord) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        editing::create_meeting_in(&mut tx, meeting).await?;
        tx.commit().await
    }

    pub async fn meeting(&self, meeting_id: &str) -> StoreResult<Option<MeetingRecord>> {
        let row = sqlx::query(&format!("{MEETING_COLUMNS} WHERE id = $1"))
            .bind(meeting_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| MeetingRecord::from_row(&row)).transpose()
    }

    /// Every meeting, newest first (for administrators).
    pub async fn all_meetings(&self) -> StoreResult<Vec<MeetingRecord>> {
        let rows = sqlx::query(&format!("{MEETING_COLUMNS} ORDER BY starts_at DESC"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(MeetingRecord::from_row).collect()
    }

    /// The meetings `user_id` takes part in, with their role, newest first.
    pub async fn meetings_of_participant(
        &self,
        user_id: &str,
    ) -> StoreResult<Vec<(MeetingRecord, MeetingRole)>> {
        let rows = sqlx::query(
            "SELECT m.id, m.title, m.starts_at, m.place, m.state, m.video_link, m.created_by, \
                    m.created_at, m.updated_at, m.published_at, p.role AS participant_role \
             FROM meetings m JOIN meeting_participants p ON p.meeting_id = m.id \
             WHERE p.user_id = $1 ORDER BY m.starts_at DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("participant_role")?;
                Ok((MeetingRecord::from_row(row)?, MeetingRole::parse(&role)?))
            })
            .collect()
    }

    pub async fn set_meeting_state(
        &self,
        meeting_id: &str,
        state: MeetingState,
    ) -> StoreResult<()> {
        let changed = sqlx::query("UPDATE meetings SET state = $1, updated_at = $2 WHERE id = $3")
            .bind(state.as_str())
            .bind(now_millis())
            .bind(meeting_id)
            .execute(&self.writer)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("meeting {meeting_id}")));
        }
        Ok(())
    }

    /// Adds a participant, or changes the role of one already there.
    pub async fn set_participant(
        &self,
        meeting_id: &str,
        user_id: &str,
        role: MeetingRole,
    ) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        editing::set_participant_in(&mut tx, meeting_id, user_id, role).await?;
        tx.commit().await
    }

    pub async fn participant_role(
        &self,
        meeting_id: &str,
        user_id: &str,
    ) -> StoreResult<Option<MeetingRole>> {
        let role: Option<String> = sqlx::query_scalar(
            "SELECT role FROM meeting_participants WHERE meeting_id = $1 AND user_id = $2",
        )
        .bind(meeting_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        role.map(|role| MeetingRole::parse(&role)).transpose()
    }

    pub async fn participants(&self, meeting_id: &str) -> StoreResult<Vec<(String, MeetingRole)>> {
        let rows = sqlx::query(
            "SELECT user_id, role FROM meeting_participants WHERE meeting_id = $1 ORDER BY user_id",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("role")?;
                Ok((row.try_get("user_id")?, MeetingRole::parse(&role)?))
            })
            .collect()
    }

    // ----- agenda and documents ---------------------------------------------

    pub async fn create_agenda_item(&self, item: &AgendaItemRecord) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        editing::create_agenda_item_in(&mut tx, item).await?;
        tx.commit().await
    }

    /// The meeting's agenda items ordered by position (top-level and
    /// sub-items mixed; the caller nests them).
    pub async fn agenda_items(&self, meeting_id: &str) -> StoreResult<Vec<AgendaItemRecord>> {
        let rows = sqlx::query(
            "SELECT id, meeting_id, parent_id, position, title, presenter, duration_minutes, updated_at \
             FROM agenda_items WHERE meeting_id = $1 ORDER BY position, id",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(AgendaItemRecord::from_row).collect()
    }

    /// Creates a document with its first version in one transaction.
    pub async fn create_document(
        &self,
        document: &DocumentRecord,
        version: &DocumentVersionRecord,
    ) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        insert_document(&mut tx, document, version).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The meeting's documents with their current version.
    pub async fn documents_of_meeting(
        &self,
        meeting_id: &str,
    ) -> StoreResult<Vec<(DocumentRecord, DocumentVersionRecord)>> {
        let rows = sqlx::query(&format!(
            "{DOCUMENT_WITH_VERSION_COLUMNS} WHERE d.meeting_id = $1 ORDER BY d.position, d.id"
        ))
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(document_with_version_from_row).collect()
    }

    /// How many agenda documents exist (for `/metrics`).
    pub async fn count_documents(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM documents")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn document(
        &self,
        document_id: &str,
    ) -> StoreResult<Option<(DocumentRecord, DocumentVersionRecord)>> {
        let row = sqlx::query(&format!("{DOCUMENT_WITH_VERSION_COLUMNS} WHERE d.id = $1"))
            .bind(document_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(document_with_version_from_row).transpose()
    }

    /// One version of a document, current or earlier.
    pub async fn document_version(
        &self,
        document_id: &str,
        version: i64,
    ) -> StoreResult<Option<DocumentVersionRecord>> {
        let row = sqlx::query(&format!(
            "{VERSION_COLUMNS} WHERE document_id = $1 AND version = $2"
        ))
        .bind(document_id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// Every version of a document, the first first.
    pub async fn document_versions(
        &self,
        document_id: &str,
    ) -> StoreResult<Vec<DocumentVersionRecord>> {
        let rows = sqlx::query(&format!(
            "{VERSION_COLUMNS} WHERE document_id = $1 ORDER BY version"
        ))
        .bind(document_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// Every version of every document of a meeting, by document and
    /// version (one query for the meeting's version lists).
    pub async fn document_versions_of_meeting(
        &self,
        meeting_id: &str,
    ) -> StoreResult<Vec<DocumentVersionRecord>> {
        let rows = sqlx::query(
            "SELECT v.document_id, v.version, v.file_name, v.blob_sha256, v.page_count, v.size_bytes, \
                    v.uploaded_by, v.uploaded_at, v.page_fingerprints \
             FROM document_versions v JOIN documents d ON d.id = v.document_id \
             WHERE d.meeting_id = $1 ORDER BY v.document_id, v.version",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(version_from_row).collect()
    }

    // ----- sync registry ----------------------------------------------------

    pub async fn register_sync_document(&self, record: &SyncDocumentRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sync_documents (document_id, meeting_id, kind, owner_user_id, agenda_document_id) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&record.document_id)
        .bind(&record.meeting_id)
        .bind(record.kind.as_str())
        .bind(record.owner_user_id.clone())
        .bind(record.agenda_document_id.clone())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Stores new documents' first chunks and registers them, all or none,
    /// in one transaction: one commit for a meeting's hundreds of shared
    /// layers. Each entry is the registration, the chunk's key and bytes.
    pub async fn create_sync_documents(
        &self,
        documents: &[(SyncDocumentRecord, String, Vec<u8>)],
    ) -> StoreResult<()> {
        let started = Instant::now();
        let mut tx = WriteTx::begin(&self.writer).await?;
        for (record, chunk_key, chunk) in documents {
            sqlx::query("INSERT INTO automerge_chunks (chunk_key, data) VALUES ($1, $2)")
                .bind(chunk_key)
                .bind(chunk.clone())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO sync_documents (document_id, meeting_id, kind, owner_user_id, agenda_document_id) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&record.document_id)
            .bind(&record.meeting_id)
            .bind(record.kind.as_str())
            .bind(record.owner_user_id.clone())
            .bind(record.agenda_document_id.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.record_timing(started);
        Ok(())
    }

    pub async fn sync_document(
        &self,
        document_id: &str,
    ) -> StoreResult<Option<SyncDocumentRecord>> {
        let row = sqlx::query(&format!("{SYNC_DOCUMENT_COLUMNS} WHERE document_id = $1"))
            .bind(document_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(SyncDocumentRecord::from_row).transpose()
    }

    pub async fn sync_documents_of_meeting(
        &self,
        meeting_id: &str,
    ) -> StoreResult<Vec<SyncDocumentRecord>> {
        let rows = sqlx::query(&format!(
            "{SYNC_DOCUMENT_COLUMNS} WHERE meeting_id = $1 ORDER BY kind, document_id"
        ))
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(SyncDocumentRecord::from_row).collect()
    }

    /// The display name of every user who owns one of the meeting's sync
    /// documents (notebooks, shared layers), by user id.
    pub async fn sync_document_owner_names(
        &self,
        meeting_id: &str,
    ) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT u.id, u.display_name FROM sync_documents s \
             JOIN users u ON u.id = s.owner_user_id WHERE s.meeting_id = $1",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("display_name")?)))
            .collect()
    }

    // ----- automerge chunks -------------------------------------------------

    pub async fn chunk_get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let started = Instant::now();
        let data = sqlx::query_scalar("SELECT data FROM automerge_chunks WHERE chunk_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        self.record_timing(started);
        Ok(data)
    }

    /// Every chunk whose key starts with `prefix`, in key order.
    pub async fn chunk_list_prefix(&self, prefix: &str) -> StoreResult<Vec<(String, Vec<u8>)>> {
        let started = Instant::now();
        // A range scan rather than LIKE, so no character of the prefix is
        // special and the primary key index serves it on both backends.
        let rows = match prefix_upper_bound(prefix) {
            Some(upper) => {
                sqlx::query(
                    "SELECT chunk_key, data FROM automerge_chunks \
                     WHERE chunk_key >= $1 AND chunk_key < $2 ORDER BY chunk_key",
                )
                .bind(prefix)
                .bind(upper)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT chunk_key, data FROM automerge_chunks WHERE chunk_key >= $1 ORDER BY chunk_key",
                )
                .bind(prefix)
                .fetch_all(&self.pool)
                .await?
            }
        };
        self.record_timing(started);
        rows.iter()
            .map(|row: &AnyRow| Ok((row.try_get("chunk_key")?, row.try_get("data")?)))
            .collect()
    }

    /// Writes a chunk; when this returns the chunk is durable.
    pub async fn chunk_put(&self, key: &str, data: &[u8]) -> StoreResult<()> {
        let started = Instant::now();
        sqlx::query(
            "INSERT INTO automerge_chunks (chunk_key, data) VALUES ($1, $2) \
             ON CONFLICT (chunk_key) DO UPDATE SET data = excluded.data",
        )
        .bind(key)
        .bind(data.to_vec())
        .execute(&self.writer)
        .await?;
        self.record_timing(started);
        Ok(())
    }

    /// Deletes these chunks, all or none, in one transaction: one commit
    /// (one fsync) and a few statements, where a statement per chunk cost
    /// a compaction of 128 increments 128 commits.
    pub async fn chunk_delete_all(&self, keys: &[&str]) -> StoreResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        let mut tx = WriteTx::begin(&self.writer).await?;
        for batch in keys.chunks(CHUNK_DELETE_BATCH) {
            let placeholders: Vec<String> = (1..=batch.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "DELETE FROM automerge_chunks WHERE chunk_key IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for key in batch {
                query = query.bind(*key);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        self.record_timing(started);
        Ok(())
    }

    // ----- audit log --------------------------------------------------------

    /// Registers a new document — its row, its first version, its agenda
    /// item marked updated — and its audit entry in one transaction: all of
    /// it is stored or none (a full disk, a database gone away), so an
    /// upload the client was told failed is not half there.
    pub async fn create_document_audited(
        &self,
        document: &DocumentRecord,
        version: &DocumentVersionRecord,
        entry: NewAuditEntry<'_>,
    ) -> StoreResult<AuditEntry> {
        let (_, record) = self
            .with_audit(entry, |tx, _| {
                Box::pin(async move {
                    insert_document(tx, document, version).await?;
                    touch_agenda_item_in(tx, &document.agenda_item_id).await
                })
            })
            .await?;
        Ok(record)
    }

    /// Adds a new current version of a document (as
    /// [`Store::add_document_version`]) and its audit entry in one
    /// transaction.
    pub async fn add_document_version_audited(
        &self,
        document: &DocumentRecord,
        version: &DocumentVersionRecord,
        entry: NewAuditEntry<'_>,
    ) -> StoreResult<AuditEntry> {
        let (_, record) = self
            .with_audit(entry, |tx, _| {
                Box::pin(insert_current_version(tx, document, version))
            })
            .await?;
        Ok(record)
    }

    /// The audit entries, oldest first; only those of one meeting when
    /// `meeting_id` is given.
    pub async fn audit_entries(&self, meeting_id: Option<&str>) -> StoreResult<Vec<AuditEntry>> {
        let rows = match meeting_id {
            Some(meeting_id) => {
                sqlx::query(&format!(
                    "{AUDIT_COLUMNS} WHERE meeting_id = $1 ORDER BY seq"
                ))
                .bind(meeting_id)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("{AUDIT_COLUMNS} ORDER BY seq"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(AuditEntry::from_row).collect()
    }

    /// Rewrites one audit entry's details in place, bypassing the chain:
    /// only tests use it, to prove that verification notices.
    #[doc(hidden)]
    pub async fn tamper_audit_details_for_tests(&self, seq: i64, details: &str) -> StoreResult<()> {
        sqlx::query("UPDATE audit_log SET details = $1 WHERE seq = $2")
            .bind(details)
            .bind(seq)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}

/// The `prev_hash` of the first audit entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Checks the audit chain: the first entry whose hash does not match its
/// content, or whose `prev_hash` is not its predecessor's hash, or whose
/// sequence number skips.
pub fn verify_audit_chain(entries: &[AuditEntry]) -> Result<usize, AuditChainBreak> {
    let mut expected_prev = GENESIS_HASH.to_owned();
    for (expected_seq, entry) in (1..).zip(entries) {
        if entry.seq != expected_seq {
            return Err(AuditChainBreak {
                seq: entry.seq,
                reason: format!("sequence jumps from {} to {}", expected_seq - 1, entry.seq),
            });
        }
        if entry.prev_hash != expected_prev {
            return Err(AuditChainBreak {
                seq: entry.seq,
                reason: "its link to the previous entry does not match".into(),
            });
        }
        if entry.compute_hash() != entry.hash {
            return Err(AuditChainBreak {
                seq: entry.seq,
                reason: "its content does not match its hash (it was changed)".into(),
            });
        }
        expected_prev = entry.hash.clone();
    }
    Ok(entries.len())
}

/// Where the audit chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {seq} is broken: {reason}")]
pub struct AuditChainBreak {
    pub seq: i64,
    pub reason: String,
}

impl AuditEntry {
    /// The chain hash of this entry's content and `prev_hash`, as
    /// appending computed it.
    pub fn compute_hash(&self) -> String {
        let mut hasher = Sha256::new();
        // Length-prefixed fields, so no two different entries hash alike.
        for field in [
            self.prev_hash.as_str(),
            &self.seq.to_string(),
            &self.at.to_string(),
            self.actor_user_id.as_deref().unwrap_or(""),
            self.meeting_id.as_deref().unwrap_or(""),
            &self.action,
            &self.details,
        ] {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        hex::encode(hasher.finalize())
    }
}

/// The smallest string greater than every string starting with `prefix`,
/// or `None` when there is none (a prefix of only `char::MAX`).
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.code().as_deref() == Some("23505")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

/// Creates an account; `Conflict` when the username is taken.
pub async fn create_user_in(tx: &mut WriteTx<'_>, user: &UserRecord) -> StoreResult<()> {
    accounts::insert_user_in(tx, user, false).await
}

/// Disables or re-enables an account; disabling also revokes every one of
/// its sessions.
pub async fn set_user_disabled_in(
    tx: &mut WriteTx<'_>,
    user_id: &str,
    disabled: bool,
) -> StoreResult<()> {
    let changed = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(user_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound(format!("user {user_id}")));
    }
    if disabled {
        sqlx::query("UPDATE sessions SET revoked = 1 WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Opens a session (a login).
pub async fn create_session_in(tx: &mut WriteTx<'_>, session: &SessionRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at, revoked, device_id) VALUES ($1, $2, $3, $4, 0, $5)",
    )
    .bind(&session.id)
    .bind(&session.user_id)
    .bind(session.created_at)
    .bind(session.expires_at)
    .bind(session.device_id.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A document's row and its first version.
async fn insert_document(
    tx: &mut WriteTx<'_>,
    document: &DocumentRecord,
    version: &DocumentVersionRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO documents (id, meeting_id, agenda_item_id, position, title, confidential, current_version, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&document.id)
    .bind(&document.meeting_id)
    .bind(&document.agenda_item_id)
    .bind(document.position)
    .bind(&document.title)
    .bind(i64::from(document.confidential))
    .bind(version.version)
    .bind(document.created_at)
    .execute(&mut **tx)
    .await?;
    insert_document_version(tx, version).await
}

/// Marks an agenda item updated (tablets show it as changed).
pub(crate) async fn touch_agenda_item_in(tx: &mut WriteTx<'_>, item_id: &str) -> StoreResult<()> {
    sqlx::query("UPDATE agenda_items SET updated_at = $1 WHERE id = $2")
        .bind(now_millis())
        .bind(item_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn insert_document_version(
    tx: &mut WriteTx<'_>,
    version: &DocumentVersionRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO document_versions (document_id, version, file_name, blob_sha256, page_count, size_bytes, uploaded_by, uploaded_at, page_fingerprints) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&version.document_id)
    .bind(version.version)
    .bind(&version.file_name)
    .bind(&version.blob_sha256)
    .bind(version.page_count)
    .bind(version.size_bytes)
    .bind(&version.uploaded_by)
    .bind(version.uploaded_at)
    .bind(version.fingerprints_column())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

const USER_COLUMNS: &str =
    "SELECT id, username, display_name, org_role, password_hash, disabled, created_at FROM users";
const MEETING_COLUMNS: &str = "SELECT id, title, starts_at, place, state, video_link, created_by, created_at, updated_at, published_at FROM meetings";
const SYNC_DOCUMENT_COLUMNS: &str =
    "SELECT document_id, meeting_id, kind, owner_user_id, agenda_document_id FROM sync_documents";
const AUDIT_COLUMNS: &str =
    "SELECT seq, at, actor_user_id, meeting_id, action, details, prev_hash, hash FROM audit_log";
const DOCUMENT_WITH_VERSION_COLUMNS: &str = "SELECT d.id, d.meeting_id, d.agenda_item_id, d.position, d.title, d.confidential, \
            d.current_version, d.created_at, v.document_id, v.version, v.file_name, v.blob_sha256, v.page_count, \
            v.size_bytes, v.uploaded_by, v.uploaded_at, v.page_fingerprints \
     FROM documents d JOIN document_versions v ON v.document_id = d.id AND v.version = d.current_version";

fn document_with_version_from_row(
    row: &AnyRow,
) -> StoreResult<(DocumentRecord, DocumentVersionRecord)> {
    let document = DocumentRecord {
        id: row.try_get("id")?,
        meeting_id: row.try_get("meeting_id")?,
        agenda_item_id: row.try_get("agenda_item_id")?,
        position: row.try_get("position")?,
        title: row.try_get("title")?,
        confidential: row.try_get::<i64, _>("confidential")? != 0,
        current_version: row.try_get("current_version")?,
        created_at: row.try_get("created_at")?,
    };
    let version = version_from_row(row)?;
    Ok((document, version))
}

const VERSION_COLUMNS: &str =
    "SELECT document_id, version, file_name, blob_sha256, page_count, size_bytes, \
            uploaded_by, uploaded_at, page_fingerprints FROM document_versions";

fn version_from_row(row: &AnyRow) -> StoreResult<DocumentVersionRecord> {
    Ok(DocumentVersionRecord {
        document_id: row.try_get("document_id")?,
        version: row.try_get("version")?,
        file_name: row.try_get("file_name")?,
        blob_sha256: row.try_get("blob_sha256")?,
        page_count: row.try_get("page_count")?,
        size_bytes: row.try_get("size_bytes")?,
        uploaded_by: row.try_get("uploaded_by")?,
        uploaded_at: row.try_get("uploaded_at")?,
        page_fingerprints: DocumentVersionRecord::parse_fingerprints(
            row.try_get("page_fingerprints")?,
        ),
    })
}

#[cfg(test)]
pub(crate) mod conformance;
