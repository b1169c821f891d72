//! Signed audit checkpoints as rows: `audit_checkpoints` keeps each
//! checkpoint the server signed (the audit log's head, the time, the
//! signature), numbered per signing key. The same checkpoints are also
//! appended to a file outside the database (`crate::audit`), so deleting
//! rows here alone is detected; this module only stores and reads them.

use sqlx::Row;

use super::{Store, StoreResult};

/// One signed checkpoint of the audit log, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheckpointRecord {
    /// Which key signed it (the first 16 hex digits of the SHA-256 of the
    /// Ed25519 public key), so the checkpoints of several keys (several
    /// nodes, or a replaced key) never mix.
    pub key_id: String,
    /// 1, 2, 3… per key: a missing number is a deleted checkpoint.
    pub number: i64,
    /// The sequence number of the last audit entry it covers.
    pub seq: i64,
    /// That entry's chain hash.
    pub hash: String,
    /// When it was signed (milliseconds since the epoch).
    pub at: i64,
    /// The Ed25519 signature, hex.
    pub signature: String,
}

/// The audit log's newest entry: its sequence number and chain hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

impl Store {
    /// The audit log's newest entry, or `None` while it is empty.
    pub async fn audit_head(&self) -> StoreResult<Option<AuditHead>> {
        let row = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(AuditHead {
                seq: row.try_get("seq")?,
                hash: row.try_get("hash")?,
            })
        })
        .transpose()
    }

    /// Stores a signed checkpoint. Fails (a unique violation) when its
    /// key already has a checkpoint with that number.
    pub async fn insert_audit_checkpoint(
        &self,
        checkpoint: &AuditCheckpointRecord,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_checkpoints (key_id, number, seq, hash, at, signature) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&checkpoint.key_id)
        .bind(checkpoint.number)
        .bind(checkpoint.seq)
        .bind(&checkpoint.hash)
        .bind(checkpoint.at)
        .bind(&checkpoint.signature)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Every stored checkpoint, of every key, by key then number.
    pub async fn audit_checkpoints(&self) -> StoreResult<Vec<AuditCheckpointRecord>> {
        let rows = sqlx::query(
            "SELECT key_id, number, seq, hash, at, signature FROM audit_checkpoints \
             ORDER BY key_id, number",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(checkpoint_from_row).collect()
    }

    /// The newest checkpoint `key_id` signed.
    pub async fn latest_audit_checkpoint(
        &self,
        key_id: &str,
    ) -> StoreResult<Option<AuditCheckpointRecord>> {
        let row = sqlx::query(
            "SELECT key_id, number, seq, hash, at, signature FROM audit_checkpoints \
             WHERE key_id = $1 ORDER BY number DESC LIMIT 1",
        )
        .bind(key_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(checkpoint_from_row).transpose()
    }
}

fn checkpoint_from_row(row: &sqlx::any::AnyRow) -> StoreResult<AuditCheckpointRecord> {
    Ok(AuditCheckpointRecord {
        key_id: row.try_get("key_id")?,
        number: row.try_get("number")?,
        seq: row.try_get("seq")?,
        hash: row.try_get("hash")?,
        at: row.try_get("at")?,
        signature: row.try_get("signature")?,
    })
}
