//! Transactions of the store, and the one path by which an audited change
//! is stored: [`Store::with_audit`] appends the audit entry and runs the
//! change in one [`WriteTx`], both or neither.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use sqlx::{AnyPool, Executor, Row};

use super::{
    is_unique_violation, now_millis, AuditEntry, NewAuditEntry, Store, StoreError, StoreResult,
    GENESIS_HASH,
};

impl Store {
    /// Appends an entry to the tamper-evident audit log: each entry's hash
    /// covers its content and the previous entry's hash.
    pub async fn append_audit(&self, entry: NewAuditEntry<'_>) -> StoreResult<AuditEntry> {
        let (_, record) = self
            .with_audit(entry, |_, _| Box::pin(async { Ok(()) }))
            .await?;
        Ok(record)
    }

    /// Stores a change and its audit entry in one transaction: both or
    /// neither. The one path by which the server changes something it
    /// audits (issue 23): the audit lock serializes this node's appends,
    /// the entry is appended first (`change` gets its sequence number, for
    /// rows that point at it), and the whole transaction runs again when
    /// another node took the same sequence number first. `change` may run
    /// more than once, so it must only touch the transaction; an error
    /// from it rolls everything back.
    pub async fn with_audit<'c, T: 'c, F>(
        &self,
        entry: NewAuditEntry<'_>,
        change: F,
    ) -> StoreResult<(T, AuditEntry)>
    where
        F: for<'t> Fn(&'t mut WriteTx<'c>, i64) -> TxFuture<'t, T>,
    {
        let stored = self
            .with_audit_if_changed(entry, |tx, seq| {
                let changed = change(tx, seq);
                Box::pin(async move { changed.await.map(Some) })
            })
            .await?;
        // The change above always answers `Some`, so the entry is stored.
        stored.ok_or_else(|| StoreError::NotFound("an audited change that was rolled back".into()))
    }

    /// [`Store::with_audit`] for a change that may change nothing (hiding
    /// what is hidden): when `change` answers `None`, the transaction is
    /// rolled back, the audit entry with it, and nothing is stored.
    pub async fn with_audit_if_changed<'c, T, F>(
        &self,
        entry: NewAuditEntry<'_>,
        change: F,
    ) -> StoreResult<Option<(T, AuditEntry)>>
    where
        F: for<'t> Fn(&'t mut WriteTx<'c>, i64) -> TxFuture<'t, Option<T>>,
    {
        let stored = self
            .audited_transaction(std::slice::from_ref(&entry), |tx, seq| change(tx, seq))
            .await?;
        Ok(stored.and_then(|(value, mut records)| records.pop().map(|record| (value, record))))
    }

    /// [`Store::with_audit`] for a change that is several audited acts at
    /// once (a list of accounts imported): every entry and the change, in
    /// one transaction. `change` gets the first entry's sequence number.
    pub async fn with_audit_entries<'c, T: 'c, F>(
        &self,
        entries: &[NewAuditEntry<'_>],
        change: F,
    ) -> StoreResult<(T, Vec<AuditEntry>)>
    where
        F: for<'t> Fn(&'t mut WriteTx<'c>, i64) -> TxFuture<'t, T>,
    {
        let stored = self
            .audited_transaction(entries, |tx, seq| {
                let changed = change(tx, seq);
                Box::pin(async move { changed.await.map(Some) })
            })
            .await?;
        stored.ok_or_else(|| StoreError::NotFound("an audited change that was rolled back".into()))
    }

    /// The one loop under every audited change: the audit lock serializes
    /// this node's appends; the entries are appended, then `change` runs
    /// (with the first entry's sequence number); `None` rolls back; the
    /// whole transaction runs again when another node took a sequence
    /// number first.
    async fn audited_transaction<'c, T, F>(
        &self,
        entries: &[NewAuditEntry<'_>],
        change: F,
    ) -> StoreResult<Option<(T, Vec<AuditEntry>)>>
    where
        F: for<'t> Fn(&'t mut WriteTx<'c>, i64) -> TxFuture<'t, Option<T>>,
    {
        if entries.is_empty() {
            return Err(StoreError::NotFound("audit entries".into()));
        }
        let _serialized = self.audit_lock.lock().await;
        retry_audit_race(|| async {
            let mut tx: WriteTx<'c> = WriteTx::begin(&self.writer).await?;
            let mut records = Vec::with_capacity(entries.len());
            for entry in entries {
                records.push(append_audit_in(&mut tx, entry).await?);
            }
            match change(&mut tx, records[0].seq).await? {
                Some(value) => {
                    tx.commit().await?;
                    Ok(Some((value, records)))
                }
                None => {
                    tx.rollback().await?;
                    Ok(None)
                }
            }
        })
        .await
    }
}

/// A transaction on a connection of the writer pool: every write of the
/// store runs in one (a change and its audit entry together: see
/// [`Store::with_audit`]). Begun and ended here with plain `BEGIN`,
/// `COMMIT` and `ROLLBACK`, and a connection whose transaction did not end
/// cleanly is closed, never lent out again. On a full disk SQLite's
/// `COMMIT` fails and SQLite may or may not have rolled the transaction
/// back itself; sqlx's own transactions then lose track of the connection's
/// state, and later writes on it were acknowledged but never committed
/// (found by `tests/tests/faults.rs`).
pub struct WriteTx<'c> {
    connection: sqlx::pool::PoolConnection<sqlx::Any>,
    ended: bool,
    /// Ties the transaction to the scope of [`Store::with_audit`]'s change.
    scope: PhantomData<&'c ()>,
}

impl WriteTx<'static> {
    /// Begins a transaction on a connection of `pool`.
    pub(crate) async fn begin(pool: &AnyPool) -> StoreResult<Self> {
        let mut connection = pool.acquire().await?;
        if let Err(error) = connection.execute("BEGIN").await {
            connection.close_on_drop();
            return Err(error.into());
        }
        Ok(Self {
            connection,
            ended: false,
            scope: PhantomData,
        })
    }
}

impl WriteTx<'_> {
    /// Commits; on failure the connection is closed when dropped.
    pub async fn commit(mut self) -> StoreResult<()> {
        self.connection.execute("COMMIT").await?;
        self.ended = true;
        Ok(())
    }
}

impl WriteTx<'_> {
    /// Rolls back; on failure the connection is closed when dropped.
    pub async fn rollback(mut self) -> StoreResult<()> {
        self.connection.execute("ROLLBACK").await?;
        self.ended = true;
        Ok(())
    }
}

impl Drop for WriteTx<'_> {
    /// Not committed: the connection is closed instead of returned to the
    /// pool, which rolls back whatever it still holds.
    fn drop(&mut self) {
        if !self.ended {
            self.connection.close_on_drop();
        }
    }
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &sqlx::AnyConnection {
        &self.connection
    }
}

impl std::ops::DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.connection
    }
}

/// The future of a change made inside a [`WriteTx`].
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = StoreResult<T>> + Send + 't>>;

/// Runs `attempt` (a transaction that appends to the audit log) again when
/// another node took the same sequence number first (the primary key
/// refuses the second), up to five times.
async fn retry_audit_race<R, F, Fut>(attempt: F) -> StoreResult<R>
where
    F: Fn() -> Fut,
    Fut: Future<Output = StoreResult<R>>,
{
    let mut attempts = 0;
    loop {
        attempts += 1;
        match attempt().await {
            Err(StoreError::Database(error)) if is_unique_violation(&error) && attempts < 5 => {
                continue
            }
            other => return other,
        }
    }
}

/// Appends `entry` to the audit log inside `tx`: the next sequence number,
/// linked to the last entry's hash.
async fn append_audit_in(
    tx: &mut WriteTx<'_>,
    entry: &NewAuditEntry<'_>,
) -> StoreResult<AuditEntry> {
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let (prev_seq, prev_hash) = match last {
        Some(row) => (row.try_get::<i64, _>("seq")?, row.try_get("hash")?),
        None => (0, GENESIS_HASH.to_owned()),
    };
    let mut record = AuditEntry {
        seq: prev_seq + 1,
        at: now_millis(),
        actor_user_id: entry.actor_user_id.map(str::to_owned),
        meeting_id: entry.meeting_id.map(str::to_owned),
        action: entry.action.to_owned(),
        details: entry.details.to_string(),
        prev_hash,
        hash: String::new(),
    };
    record.hash = record.compute_hash();
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_user_id, meeting_id, action, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(record.seq)
    .bind(record.at)
    .bind(record.actor_user_id.clone())
    .bind(record.meeting_id.clone())
    .bind(&record.action)
    .bind(&record.details)
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .execute(&mut **tx)
    .await?;
    Ok(record)
}
