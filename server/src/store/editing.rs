//! Changing meetings, agendas and documents: what a secretary does while
//! preparing a meeting. Multi-row changes run in one transaction.
//!
//! A document keeps every version (`document_versions`, each with its
//! page fingerprints); a replacement adds one and makes it current.
//! Removing a document deletes its rows and versions and detaches its
//! shared layers (every author's), whose annotations stay; its files stay
//! in the blob store (the audit log names them).

use phonghop_protocol::rules::MeetingRules;
use sqlx::Row;

use super::records::DbEnum;
use super::{
    document_with_version_from_row, insert_document_version, now_millis, AgendaItemRecord,
    DocumentRecord, DocumentVersionRecord, MeetingRecord, MeetingRole, MeetingState, Store,
    StoreError, StoreResult, WriteTx, DOCUMENT_WITH_VERSION_COLUMNS, MEETING_COLUMNS,
};

/// A meeting's editable fields.
#[derive(Debug, Clone, Default)]
pub struct MeetingChanges {
    pub title: Option<String>,
    pub starts_at: Option<String>,
    pub place: Option<String>,
    /// `Some(None)` clears the link.
    pub video_link: Option<Option<String>>,
}

/// An agenda item's editable fields.
#[derive(Debug, Clone, Default)]
pub struct AgendaItemChanges {
    pub title: Option<String>,
    pub presenter: Option<Option<String>>,
    pub duration_minutes: Option<Option<i64>>,
}

/// One entry of a complete agenda order: the item, its parent, its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaPlacement {
    pub item_id: String,
    pub parent_id: Option<String>,
    pub position: i64,
}

impl Store {
    pub async fn update_meeting(
        &self,
        meeting_id: &str,
        changes: &MeetingChanges,
    ) -> StoreResult<MeetingRecord> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        let meeting = update_meeting_in(&mut tx, meeting_id, changes).await?;
        tx.commit().await?;
        Ok(meeting)
    }

    /// A meeting's rules ([`MeetingRules::STANDARD`] until the secretary
    /// sets them).
    pub async fn meeting_rules(&self, meeting_id: &str) -> StoreResult<MeetingRules> {
        let row = sqlx::query("SELECT rules FROM meetings WHERE id = $1")
            .bind(meeting_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("meeting {meeting_id}")))?;
        let Some(rules) = row.try_get::<Option<String>, _>("rules")? else {
            return Ok(MeetingRules::STANDARD);
        };
        serde_json::from_str(&rules).map_err(|_| StoreError::CorruptValue {
            column: "meetings.rules",
            value: rules,
        })
    }

    /// Sets a meeting's rules (checked by the caller).
    pub async fn set_meeting_rules(
        &self,
        meeting_id: &str,
        rules: &MeetingRules,
    ) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        set_meeting_rules_in(&mut tx, meeting_id, rules).await?;
        tx.commit().await
    }

    /// Moves a meeting to `state`; publishing also records when.
    pub async fn transition_meeting(
        &self,
        meeting_id: &str,
        state: MeetingState,
    ) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        transition_meeting_in(&mut tx, meeting_id, state).await?;
        tx.commit().await
    }

    pub async fn remove_participant(&self, meeting_id: &str, user_id: &str) -> StoreResult<bool> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        let removed = remove_participant_in(&mut tx, meeting_id, user_id).await?;
        tx.commit().await?;
        Ok(removed)
    }

    pub async fn agenda_item(&self, item_id: &str) -> StoreResult<Option<AgendaItemRecord>> {
        let row = sqlx::query(
            "SELECT id, meeting_id, parent_id, position, title, presenter, duration_minutes, updated_at \
             FROM agenda_items WHERE id = $1",
        )
        .bind(item_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(AgendaItemRecord::from_row).transpose()
    }

    pub async fn update_agenda_item(
        &self,
        item_id: &str,
        changes: &AgendaItemChanges,
    ) -> StoreResult<AgendaItemRecord> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        let item = update_agenda_item_in(&mut tx, item_id, changes).await?;
        tx.commit().await?;
        Ok(item)
    }

    /// Deletes an item, its sub-items and their document links (see
    /// [`delete_agenda_item_in`]).
    pub async fn delete_agenda_item(&self, item_id: &str) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        delete_agenda_item_in(&mut tx, item_id).await?;
        tx.commit().await
    }

    /// Applies a complete new order of a meeting's agenda in one step.
    pub async fn reorder_agenda(
        &self,
        meeting_id: &str,
        placements: &[AgendaPlacement],
    ) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        reorder_agenda_in(&mut tx, meeting_id, placements).await?;
        tx.commit().await
    }

    /// Marks an agenda item as changed now (a document was added or
    /// replaced).
    pub async fn touch_agenda_item(&self, item_id: &str) -> StoreResult<()> {
        sqlx::query("UPDATE agenda_items SET updated_at = $1 WHERE id = $2")
            .bind(now_millis())
            .bind(item_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The next free position among a meeting's documents of one item.
    pub async fn next_document_position(&self, item_id: &str) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM documents WHERE agenda_item_id = $1")
            .bind(item_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// The next free position among siblings (items with this parent).
    pub async fn next_agenda_position(
        &self,
        meeting_id: &str,
        parent_id: Option<&str>,
    ) -> StoreResult<i64> {
        let count: i64 =
            match parent_id {
                Some(parent_id) => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM agenda_items WHERE meeting_id = $1 AND parent_id = $2",
                )
                .bind(meeting_id)
                .bind(parent_id)
                .fetch_one(&self.pool)
                .await?,
                None => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM agenda_items WHERE meeting_id = $1 AND parent_id IS NULL",
                )
                .bind(meeting_id)
                .fetch_one(&self.pool)
                .await?,
            };
        Ok(count)
    }

    /// Adds a new version of a document and makes it current; earlier
    /// versions are kept.
    pub async fn add_document_version(
        &self,
        document: &DocumentRecord,
        version: &DocumentVersionRecord,
    ) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        insert_current_version(&mut tx, document, version).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a document and its versions (see [`delete_document_in`]).
    pub async fn delete_document(&self, document_id: &str) -> StoreResult<DocumentRecord> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        let document = delete_document_in(&mut tx, document_id).await?;
        tx.commit().await?;
        Ok(document)
    }

    pub async fn update_document(
        &self,
        document_id: &str,
        title: Option<&str>,
        confidential: Option<bool>,
    ) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        update_document_in(&mut tx, document_id, title, confidential).await?;
        tx.commit().await
    }
}

/// A document's new version, made current; its agenda item shows as
/// updated.
pub(super) async fn insert_current_version(
    tx: &mut WriteTx<'_>,
    document: &DocumentRecord,
    version: &DocumentVersionRecord,
) -> StoreResult<()> {
    insert_document_version(tx, version).await?;
    sqlx::query("UPDATE documents SET current_version = $1 WHERE id = $2")
        .bind(version.version)
        .bind(&document.id)
        .execute(&mut **tx)
        .await?;
    super::touch_agenda_item_in(tx, &document.agenda_item_id).await
}

// ----- changes inside a transaction -----------------------------------------
//
// Each change a secretary makes, as a function of a transaction, so that a
// handler stores it and its audit entry together with
// [`Store::with_audit`]. The `Store` methods above run them alone (the demo,
// the conformance suite).

/// The meeting as stored, read inside `tx`.
async fn meeting_in(tx: &mut WriteTx<'_>, meeting_id: &str) -> StoreResult<MeetingRecord> {
    let row = sqlx::query(&format!("{MEETING_COLUMNS} WHERE id = $1"))
        .bind(meeting_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("meeting {meeting_id}")))?;
    MeetingRecord::from_row(&row)
}

/// Creates a meeting.
pub async fn create_meeting_in(tx: &mut WriteTx<'_>, meeting: &MeetingRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO meetings (id, title, starts_at, place, state, video_link, created_by, created_at, updated_at, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&meeting.id)
    .bind(&meeting.title)
    .bind(&meeting.starts_at)
    .bind(&meeting.place)
    .bind(meeting.state.as_str())
    .bind(meeting.video_link.clone())
    .bind(&meeting.created_by)
    .bind(meeting.created_at)
    .bind(meeting.updated_at)
    .bind(meeting.published_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Gives `user_id` a role in the meeting (or changes it).
pub async fn set_participant_in(
    tx: &mut WriteTx<'_>,
    meeting_id: &str,
    user_id: &str,
    role: MeetingRole,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO meeting_participants (meeting_id, user_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (meeting_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(meeting_id)
    .bind(user_id)
    .bind(role.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Applies a meeting's changed fields; returns the meeting as changed.
pub async fn update_meeting_in(
    tx: &mut WriteTx<'_>,
    meeting_id: &str,
    changes: &MeetingChanges,
) -> StoreResult<MeetingRecord> {
    let mut meeting = meeting_in(tx, meeting_id).await?;
    if let Some(title) = &changes.title {
        meeting.title = title.clone();
    }
    if let Some(starts_at) = &changes.starts_at {
        meeting.starts_at = starts_at.clone();
    }
    if let Some(place) = &changes.place {
        meeting.place = place.clone();
    }
    if let Some(video_link) = &changes.video_link {
        meeting.video_link = video_link.clone();
    }
    meeting.updated_at = now_millis();
    sqlx::query(
        "UPDATE meetings SET title = $1, starts_at = $2, place = $3, video_link = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(&meeting.title)
    .bind(&meeting.starts_at)
    .bind(&meeting.place)
    .bind(meeting.video_link.clone())
    .bind(meeting.updated_at)
    .bind(meeting_id)
    .execute(&mut **tx)
    .await?;
    Ok(meeting)
}

/// Sets a meeting's rules (checked by the caller).
pub async fn set_meeting_rules_in(
    tx: &mut WriteTx<'_>,
    meeting_id: &str,
    rules: &MeetingRules,
) -> StoreResult<()> {
    let changed = sqlx::query("UPDATE meetings SET rules = $1, updated_at = $2 WHERE id = $3")
        .bind(serde_json::to_string(rules).unwrap_or_default())
        .bind(now_millis())
        .bind(meeting_id)
        .execute(&mut **tx)
        .await?;
    if changed.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("meeting {meeting_id}")));
    }
    Ok(())
}

/// Moves a meeting to `state`; publishing also records when.
pub async fn transition_meeting_in(
    tx: &mut WriteTx<'_>,
    meeting_id: &str,
    state: MeetingState,
) -> StoreResult<()> {
    let now = now_millis();
    let changed = if state == MeetingState::Published {
        sqlx::query(
            "UPDATE meetings SET state = $1, updated_at = $2, published_at = $2 WHERE id = $3",
        )
        .bind(state.as_str())
        .bind(now)
        .bind(meeting_id)
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query("UPDATE meetings SET state = $1, updated_at = $2 WHERE id = $3")
            .bind(state.as_str())
            .bind(now)
            .bind(meeting_id)
            .execute(&mut **tx)
            .await?
    }
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound(format!("meeting {meeting_id}")));
    }
    Ok(())
}

/// Removes a participant; false when they were not one.
pub async fn remove_participant_in(
    tx: &mut WriteTx<'_>,
    meeting_id: &str,
    user_id: &str,
) -> StoreResult<bool> {
    Ok(
        sqlx::query("DELETE FROM meeting_participants WHERE meeting_id = $1 AND user_id = $2")
            .bind(meeting_id)
            .bind(user_id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
            > 0,
    )
}

/// Adds an agenda item.
pub async fn create_agenda_item_in(
    tx: &mut WriteTx<'_>,
    item: &AgendaItemRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO agenda_items (id, meeting_id, parent_id, position, title, presenter, duration_minutes, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&item.id)
    .bind(&item.meeting_id)
    .bind(item.parent_id.clone())
    .bind(item.position)
    .bind(&item.title)
    .bind(item.presenter.clone())
    .bind(item.duration_minutes)
    .bind(item.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Applies an agenda item's changed fields; returns the item as changed.
pub async fn update_agenda_item_in(
    tx: &mut WriteTx<'_>,
    item_id: &str,
    changes: &AgendaItemChanges,
) -> StoreResult<AgendaItemRecord> {
    let row = sqlx::query(
        "SELECT id, meeting_id, parent_id, position, title, presenter, duration_minutes, updated_at \
         FROM agenda_items WHERE id = $1",
    )
    .bind(item_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("agenda item {item_id}")))?;
    let mut item = AgendaItemRecord::from_row(&row)?;
    if let Some(title) = &changes.title {
        item.title = title.clone();
    }
    if let Some(presenter) = &changes.presenter {
        item.presenter = presenter.clone();
    }
    if let Some(duration) = changes.duration_minutes {
        item.duration_minutes = duration;
    }
    item.updated_at = now_millis();
    sqlx::query(
        "UPDATE agenda_items SET title = $1, presenter = $2, duration_minutes = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(&item.title)
    .bind(item.presenter.clone())
    .bind(item.duration_minutes)
    .bind(item.updated_at)
    .bind(item_id)
    .execute(&mut **tx)
    .await?;
    Ok(item)
}

/// Deletes an item, its sub-items and their document links (the files
/// stay in the blob store; earlier records may name them).
pub async fn delete_agenda_item_in(tx: &mut WriteTx<'_>, item_id: &str) -> StoreResult<()> {
    let children: Vec<String> =
        sqlx::query_scalar("SELECT id FROM agenda_items WHERE parent_id = $1")
            .bind(item_id)
            .fetch_all(&mut **tx)
            .await?;
    for id in children.iter().chain(std::iter::once(&item_id.to_owned())) {
        let documents: Vec<String> =
            sqlx::query_scalar("SELECT id FROM documents WHERE agenda_item_id = $1")
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
        for document_id in documents {
            sqlx::query(
                "UPDATE sync_documents SET agenda_document_id = NULL WHERE agenda_document_id = $1",
            )
            .bind(&document_id)
            .execute(&mut **tx)
            .await?;
            sqlx::query("DELETE FROM document_versions WHERE document_id = $1")
                .bind(&document_id)
                .execute(&mut **tx)
                .await?;
            sqlx::query("DELETE FROM documents WHERE id = $1")
                .bind(&document_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    for id in &children {
        sqlx::query("DELETE FROM agenda_items WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    let deleted = sqlx::query("DELETE FROM agenda_items WHERE id = $1")
        .bind(item_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(StoreError::NotFound(format!("agenda item {item_id}")));
    }
    Ok(())
}

/// Applies a complete new order of a meeting's agenda.
pub async fn reorder_agenda_in(
    tx: &mut WriteTx<'_>,
    meeting_id: &str,
    placements: &[AgendaPlacement],
) -> StoreResult<()> {
    let now = now_millis();
    for placement in placements {
        let changed = sqlx::query(
            "UPDATE agenda_items SET parent_id = $1, position = $2, updated_at = $3 \
             WHERE id = $4 AND meeting_id = $5",
        )
        .bind(placement.parent_id.clone())
        .bind(placement.position)
        .bind(now)
        .bind(&placement.item_id)
        .bind(meeting_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!(
                "agenda item {}",
                placement.item_id
            )));
        }
    }
    Ok(())
}

/// The document's row as stored, read inside `tx`.
async fn document_in(tx: &mut WriteTx<'_>, document_id: &str) -> StoreResult<DocumentRecord> {
    let row = sqlx::query(&format!("{DOCUMENT_WITH_VERSION_COLUMNS} WHERE d.id = $1"))
        .bind(document_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("document {document_id}")))?;
    Ok(document_with_version_from_row(&row)?.0)
}

/// Removes a document and its versions from the agenda; its agenda item
/// shows as updated. A shared layer on it stays (annotations are never
/// destroyed) but no longer belongs to a document. The files stay in the
/// blob store: the audit log names them. Returns the document as it was.
pub async fn delete_document_in(
    tx: &mut WriteTx<'_>,
    document_id: &str,
) -> StoreResult<DocumentRecord> {
    let document = document_in(tx, document_id).await?;
    sqlx::query(
        "UPDATE sync_documents SET agenda_document_id = NULL WHERE agenda_document_id = $1",
    )
    .bind(document_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM document_versions WHERE document_id = $1")
        .bind(document_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM documents WHERE id = $1")
        .bind(document_id)
        .execute(&mut **tx)
        .await?;
    super::touch_agenda_item_in(tx, &document.agenda_item_id).await?;
    Ok(document)
}

/// Renames a document or changes its confidential mark; its agenda item
/// shows as updated.
pub async fn update_document_in(
    tx: &mut WriteTx<'_>,
    document_id: &str,
    title: Option<&str>,
    confidential: Option<bool>,
) -> StoreResult<()> {
    let mut document = document_in(tx, document_id).await?;
    if let Some(title) = title {
        document.title = title.to_owned();
    }
    if let Some(confidential) = confidential {
        document.confidential = confidential;
    }
    sqlx::query("UPDATE documents SET title = $1, confidential = $2 WHERE id = $3")
        .bind(&document.title)
        .bind(i64::from(document.confidential))
        .bind(document_id)
        .execute(&mut **tx)
        .await?;
    super::touch_agenda_item_in(tx, &document.agenda_item_id).await
}
