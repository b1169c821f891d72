//! Hiding shared annotations: the chair or the secretary hides a stroke or
//! a note of an author's shared layer (an offensive one, say) and may show
//! it again. Hidden, never destroyed: the author's layer is not touched
//! (no one but its author may change it); the mark lives here, and every
//! client leaves the marked record out.
//!
//! Each change is stored with its audit entry in one transaction; a change
//! that changes nothing (hiding what is hidden) writes nothing, not even
//! an audit entry.

use sqlx::Row;

use super::{AuditEntry, NewAuditEntry, Store, StoreResult};

/// One hidden record of a shared layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiddenAnnotationRecord {
    /// The shared layer (its document id, without `automerge:`).
    pub layer_document_id: String,
    /// The stroke's or note's id within the layer.
    pub annotation_id: String,
    pub hidden_by: String,
    pub hidden_at: i64,
}

impl Store {
    /// Hides (`hidden`) or shows again one record of a meeting's shared
    /// layer, with its audit entry. `None` when nothing changed.
    pub async fn set_annotation_hidden_audited(
        &self,
        meeting_id: &str,
        record: &HiddenAnnotationRecord,
        hidden: bool,
        entry: NewAuditEntry<'_>,
    ) -> StoreResult<Option<AuditEntry>> {
        let changed = self
            .with_audit_if_changed(entry, |tx, _| {
                Box::pin(async move {
                    let changed = if hidden {
                        sqlx::query(
                            "INSERT INTO hidden_annotations \
                             (layer_document_id, annotation_id, meeting_id, hidden_by, hidden_at) \
                             VALUES ($1, $2, $3, $4, $5) \
                             ON CONFLICT (layer_document_id, annotation_id) DO NOTHING",
                        )
                        .bind(&record.layer_document_id)
                        .bind(&record.annotation_id)
                        .bind(meeting_id)
                        .bind(&record.hidden_by)
                        .bind(record.hidden_at)
                        .execute(&mut **tx)
                        .await?
                        .rows_affected()
                    } else {
                        sqlx::query(
                            "DELETE FROM hidden_annotations \
                             WHERE layer_document_id = $1 AND annotation_id = $2",
                        )
                        .bind(&record.layer_document_id)
                        .bind(&record.annotation_id)
                        .execute(&mut **tx)
                        .await?
                        .rows_affected()
                    };
                    Ok((changed > 0).then_some(()))
                })
            })
            .await?;
        Ok(changed.map(|(_, audited)| audited))
    }

    /// The meeting's hidden records, oldest first.
    pub async fn hidden_annotations(
        &self,
        meeting_id: &str,
    ) -> StoreResult<Vec<HiddenAnnotationRecord>> {
        let rows = sqlx::query(
            "SELECT layer_document_id, annotation_id, hidden_by, hidden_at \
             FROM hidden_annotations WHERE meeting_id = $1 \
             ORDER BY hidden_at, layer_document_id, annotation_id",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HiddenAnnotationRecord {
                    layer_document_id: row.try_get("layer_document_id")?,
                    annotation_id: row.try_get("annotation_id")?,
                    hidden_by: row.try_get("hidden_by")?,
                    hidden_at: row.try_get("hidden_at")?,
                })
            })
            .collect()
    }
}
