//! Who read which confidential document: one row per copy that left the
//! server (`document_reads`), stored in the same transaction as its entry
//! in the hash-chained audit log, so a copy is never handed out without
//! both.
//!
//! The rows exist for the secretary's list per document ("đã xem: 18/26");
//! the audit entry is what makes the record tamper-evident.

use sqlx::Row;

use super::{AuditEntry, NewAuditEntry, Store, StoreResult};

/// One copy of a document given to one reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentReadRecord {
    pub document_id: String,
    pub version: i64,
    pub meeting_id: String,
    pub user_id: String,
    /// The device the client said it was (`X-Phonghop-Device`), if it said.
    pub device_id: Option<String>,
    /// Milliseconds since the epoch.
    pub at: i64,
}

impl Store {
    /// Records a read and its audit entry together: both or neither.
    pub async fn record_document_read_audited(
        &self,
        read: &DocumentReadRecord,
        entry: NewAuditEntry<'_>,
    ) -> StoreResult<AuditEntry> {
        let (_, record) = self
            .with_audit(entry, |tx, audit_seq| {
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO document_reads (document_id, version, meeting_id, user_id, device_id, at, audit_seq) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&read.document_id)
                    .bind(read.version)
                    .bind(&read.meeting_id)
                    .bind(&read.user_id)
                    .bind(read.device_id.clone())
                    .bind(read.at)
                    .bind(audit_seq)
                    .execute(&mut **tx)
                    .await?;
                    Ok(())
                })
            })
            .await?;
        Ok(record)
    }

    /// Every read of the meeting's documents, oldest first.
    pub async fn document_reads_of_meeting(
        &self,
        meeting_id: &str,
    ) -> StoreResult<Vec<DocumentReadRecord>> {
        let rows = sqlx::query(
            "SELECT document_id, version, meeting_id, user_id, device_id, at FROM document_reads \
             WHERE meeting_id = $1 ORDER BY at, audit_seq",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DocumentReadRecord {
                    document_id: row.try_get("document_id")?,
                    version: row.try_get("version")?,
                    meeting_id: row.try_get("meeting_id")?,
                    user_id: row.try_get("user_id")?,
                    device_id: row.try_get("device_id")?,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }
}
