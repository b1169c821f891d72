//! Fencing: on a clustered node, a write for a meeting carries the
//! fencing token of the node's lease on that meeting (`cluster::lease`),
//! and the database refuses it when a newer owner has already written.
//!
//! `meeting_fences` keeps, per meeting, the highest token any write
//! carried. The check is one statement inside the write's own
//! transaction: raise the recorded token to ours, or leave it when ours is
//! lower. PostgreSQL locks the row for the rest of the transaction, so a
//! stale owner's write and the new owner's first write are ordered: the
//! stale one either commits before the new owner's (it was still the
//! owner's write then) or is refused after it. Equal tokens pass: one
//! owner writes many times in one term.
//!
//! A single node (no `--nats-url`) passes no fence and nothing changes for
//! it; the table exists in SQLite too (one schema for both) but stays
//! empty there.

use super::{Store, StoreError, StoreResult, WriteTx};

/// The proof of ownership a clustered node's write carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    pub meeting_id: String,
    /// The revision of the lease write that began the owner's term.
    pub token: u64,
}

/// Records `fence` as the meeting's highest token in `tx`, or refuses
/// with [`StoreError::Fenced`] when a higher one is recorded. Call it
/// first in the write's transaction.
pub(super) async fn check_fence(tx: &mut WriteTx<'_>, fence: &Fence) -> StoreResult<()> {
    let token = i64::try_from(fence.token).map_err(|_| StoreError::CorruptValue {
        column: "meeting_fences.token",
        value: fence.token.to_string(),
    })?;
    let raised = sqlx::query(
        "INSERT INTO meeting_fences (meeting_id, token) VALUES ($1, $2) \
         ON CONFLICT (meeting_id) DO UPDATE SET token = excluded.token \
         WHERE meeting_fences.token <= excluded.token",
    )
    .bind(&fence.meeting_id)
    .bind(token)
    .execute(&mut **tx)
    .await?;
    if raised.rows_affected() == 1 {
        return Ok(());
    }
    let highest: i64 = sqlx::query_scalar("SELECT token FROM meeting_fences WHERE meeting_id = $1")
        .bind(&fence.meeting_id)
        .fetch_one(&mut **tx)
        .await?;
    Err(StoreError::Fenced {
        meeting_id: fence.meeting_id.clone(),
        token: fence.token,
        highest: highest as u64,
    })
}

impl Store {
    /// [`Store::chunk_put`] for a clustered node: the chunk is written
    /// only if `fence` is still the meeting's newest (see the module
    /// documentation); without a fence it is `chunk_put`.
    pub async fn chunk_put_fenced(
        &self,
        key: &str,
        data: &[u8],
        fence: Option<&Fence>,
    ) -> StoreResult<()> {
        let Some(fence) = fence else {
            return self.chunk_put(key, data).await;
        };
        let mut tx = WriteTx::begin(&self.writer).await?;
        check_fence(&mut tx, fence).await?;
        sqlx::query(
            "INSERT INTO automerge_chunks (chunk_key, data) VALUES ($1, $2) \
             ON CONFLICT (chunk_key) DO UPDATE SET data = excluded.data",
        )
        .bind(key)
        .bind(data.to_vec())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The highest token recorded for a meeting, if any write was fenced.
    pub async fn meeting_fence(&self, meeting_id: &str) -> StoreResult<Option<u64>> {
        let token: Option<i64> =
            sqlx::query_scalar("SELECT token FROM meeting_fences WHERE meeting_id = $1")
                .bind(meeting_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(token.map(|token| token as u64))
    }
}
