//! The Automerge documents the server creates, their first shape, and their
//! registration.
//!
//! Every meeting has one minutes draft (biên bản) and one shared layer per
//! agenda document; every participant gets a private notebook. Notebooks
//! are created lazily, the first time a participant loads the meeting, so
//! a 500-participant meeting does not make 500 documents up front. Minutes
//! and layers are made the same way when the meeting is viewed by someone
//! who may read its documents, which covers a new meeting (its creator
//! views it at once) and new uploads (every client loads the meeting to
//! learn the layer's URL).
//!
//! A document is created (durably, see `SyncService::create_document`) and
//! only then registered, so its id is never handed out before it exists.
//! Creation is serialized per meeting and per notebook owner, so two
//! requests racing never make two minutes for one meeting.

use automerge::transaction::Transactable;
use automerge::{Automerge, AutomergeError, ObjType, ROOT};
use phonghop_protocol::api::{AgendaItem, SyncDocumentKind};

use super::{SyncError, SyncService};
use crate::store::{DbEnum, MeetingRecord, SyncDocumentRecord};

/// One line of the minutes' agenda outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineItem {
    pub title: String,
    /// A sub-item of the top-level item before it.
    pub sub_item: bool,
}

/// The first shape of a notebook and of a shared layer:
/// `{strokes: [], notes: {}}` (ink strokes in order, notes by id).
pub fn annotation_document() -> Result<Automerge, SyncError> {
    let mut doc = Automerge::new();
    doc.transact::<_, _, AutomergeError>(|tx| {
        tx.put_object(ROOT, "strokes", ObjType::List)?;
        tx.put_object(ROOT, "notes", ObjType::Map)?;
        Ok(())
    })
    .map_err(|failure| SyncError::Document(failure.error.to_string()))?;
    Ok(doc)
}

/// The text the minutes start with: a heading and the agenda, numbered.
pub fn minutes_text(meeting_title: &str, outline: &[OutlineItem]) -> String {
    let mut text = format!("BIÊN BẢN CUỘC HỌP\n{meeting_title}\n\nNội dung họp:\n");
    let (mut number, mut sub_number) = (0, 0);
    for item in outline {
        if item.sub_item && number > 0 {
            sub_number += 1;
            text.push_str(&format!("  {number}.{sub_number}. {}\n", item.title));
        } else {
            number += 1;
            sub_number = 0;
            text.push_str(&format!("{number}. {}\n", item.title));
        }
    }
    text.push_str("\nKết luận:\n");
    text
}

/// The first shape of the minutes: `{text: Text}`, collaborative text the
/// secretary and chair edit.
pub fn minutes_document(
    meeting_title: &str,
    outline: &[OutlineItem],
) -> Result<Automerge, SyncError> {
    let text = minutes_text(meeting_title, outline);
    let mut doc = Automerge::new();
    doc.transact::<_, _, AutomergeError>(|tx| {
        let text_id = tx.put_object(ROOT, "text", ObjType::Text)?;
        tx.splice_text(&text_id, 0, 0, &text)?;
        Ok(())
    })
    .map_err(|failure| SyncError::Document(failure.error.to_string()))?;
    Ok(doc)
}

/// What a meeting lacks, given its registered documents.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Missing {
    pub minutes: bool,
    /// Agenda documents without a shared layer.
    pub layers: Vec<String>,
    /// The participant who has no notebook yet.
    pub notebook_for: Option<String>,
}

impl Missing {
    pub fn is_empty(&self) -> bool {
        !self.minutes && self.layers.is_empty() && self.notebook_for.is_none()
    }
}

/// Compares what a meeting has with what it should have (pure).
pub fn missing_documents(
    existing: &[SyncDocumentRecord],
    agenda_document_ids: &[String],
    notebook_owner: Option<&str>,
) -> Missing {
    let has = |kind: SyncDocumentKind| existing.iter().any(|record| record.kind == kind);
    Missing {
        minutes: !has(SyncDocumentKind::Minutes),
        layers: agenda_document_ids
            .iter()
            .filter(|document_id| {
                !existing.iter().any(|record| {
                    record.kind == SyncDocumentKind::SharedLayer
                        && record.agenda_document_id.as_deref() == Some(document_id.as_str())
                })
            })
            .cloned()
            .collect(),
        notebook_for: notebook_owner
            .filter(|owner| {
                !existing.iter().any(|record| {
                    record.kind == SyncDocumentKind::Notebook
                        && record.owner_user_id.as_deref() == Some(*owner)
                })
            })
            .map(str::to_owned),
    }
}

/// A meeting as document creation needs it.
#[derive(Debug, Clone)]
pub struct MeetingOutline<'a> {
    pub meeting: &'a MeetingRecord,
    pub agenda: Vec<OutlineItem>,
    /// Every agenda document of the meeting.
    pub agenda_document_ids: Vec<String>,
}

/// Creates and registers whatever the meeting lacks, and returns the
/// meeting's records afterwards. `existing` is what the caller already read;
/// the check is repeated under the creation lock.
pub async fn complete_meeting_documents(
    sync: &SyncService,
    outline: &MeetingOutline<'_>,
    notebook_owner: Option<&str>,
    existing: Vec<SyncDocumentRecord>,
) -> Result<Vec<SyncDocumentRecord>, SyncError> {
    let missing = missing_documents(&existing, &outline.agenda_document_ids, notebook_owner);
    if missing.is_empty() {
        return Ok(existing);
    }
    let meeting_id = &outline.meeting.id;
    if missing.minutes || !missing.layers.is_empty() {
        let lock = sync.creation_lock(&format!("meeting/{meeting_id}"));
        let _held = lock.lock().await;
        let existing = sync.store().sync_documents_of_meeting(meeting_id).await?;
        let missing = missing_documents(&existing, &outline.agenda_document_ids, None);
        if missing.minutes {
            let doc = minutes_document(&outline.meeting.title, &outline.agenda)?;
            register(sync, doc, meeting_id, SyncDocumentKind::Minutes, None, None).await?;
        }
        for agenda_document_id in &missing.layers {
            register(
                sync,
                annotation_document()?,
                meeting_id,
                SyncDocumentKind::SharedLayer,
                None,
                Some(agenda_document_id),
            )
            .await?;
        }
    }
    if let Some(owner) = &missing.notebook_for {
        let lock = sync.creation_lock(&format!("notebook/{meeting_id}/{owner}"));
        let _held = lock.lock().await;
        let existing = sync.store().sync_documents_of_meeting(meeting_id).await?;
        if missing_documents(&existing, &[], Some(owner))
            .notebook_for
            .is_some()
        {
            register(
                sync,
                annotation_document()?,
                meeting_id,
                SyncDocumentKind::Notebook,
                Some(owner),
                None,
            )
            .await?;
        }
    }
    Ok(sync.store().sync_documents_of_meeting(meeting_id).await?)
}

async fn register(
    sync: &SyncService,
    doc: Automerge,
    meeting_id: &str,
    kind: SyncDocumentKind,
    owner_user_id: Option<&str>,
    agenda_document_id: Option<&str>,
) -> Result<SyncDocumentRecord, SyncError> {
    let document_id = sync.create_document(doc).await?;
    let record = SyncDocumentRecord {
        document_id: document_id.to_string(),
        meeting_id: meeting_id.to_owned(),
        kind,
        owner_user_id: owner_user_id.map(str::to_owned),
        agenda_document_id: agenda_document_id.map(str::to_owned),
    };
    sync.store().register_sync_document(&record).await?;
    tracing::info!(
        document_id = %record.document_id,
        meeting_id,
        kind = kind.as_str(),
        "created a sync document"
    );
    Ok(record)
}

/// `complete_meeting_documents` for `GET /meetings/{id}`, from the agenda
/// the view already built. A failure is logged and the view goes on with
/// what exists (the next view tries again).
pub async fn complete_for_view(
    sync: &SyncService,
    meeting: &MeetingRecord,
    agenda: &[AgendaItem],
    notebook_owner: Option<&str>,
    existing: Vec<SyncDocumentRecord>,
) -> Vec<SyncDocumentRecord> {
    let outline = MeetingOutline {
        meeting,
        agenda: agenda
            .iter()
            .map(|item| OutlineItem {
                title: item.title.clone(),
                sub_item: item.parent_id.is_some(),
            })
            .collect(),
        agenda_document_ids: agenda
            .iter()
            .flat_map(|item| item.documents.iter().map(|document| document.id.clone()))
            .collect(),
    };
    if missing_documents(&existing, &outline.agenda_document_ids, notebook_owner).is_empty() {
        return existing;
    }
    match complete_meeting_documents(sync, &outline, notebook_owner, existing.clone()).await {
        Ok(records) => records,
        Err(error) => {
            tracing::error!(%error, meeting_id = %meeting.id, "cannot create the meeting's sync documents");
            existing
        }
    }
}

/// Creates a meeting's minutes and shared layers if it lacks them, reading
/// everything from the store (the demo seeding uses it).
pub async fn ensure_meeting_documents(
    sync: &SyncService,
    meeting_id: &str,
) -> Result<Vec<SyncDocumentRecord>, SyncError> {
    let store = sync.store();
    let meeting = store
        .meeting(meeting_id)
        .await?
        .ok_or(SyncError::NotFound)?;
    let agenda = crate::agenda::order_agenda(store.agenda_items(meeting_id).await?)
        .into_iter()
        .map(|item| OutlineItem {
            sub_item: item.parent_id.is_some(),
            title: item.title,
        })
        .collect();
    let agenda_document_ids = store
        .documents_of_meeting(meeting_id)
        .await?
        .into_iter()
        .map(|(document, _)| document.id)
        .collect();
    let existing = store.sync_documents_of_meeting(meeting_id).await?;
    let outline = MeetingOutline {
        meeting: &meeting,
        agenda,
        agenda_document_ids,
    };
    complete_meeting_documents(sync, &outline, None, existing).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ReadDoc;

    fn record(
        kind: SyncDocumentKind,
        owner: Option<&str>,
        agenda: Option<&str>,
    ) -> SyncDocumentRecord {
        SyncDocumentRecord {
            document_id: format!("doc-{kind:?}-{owner:?}-{agenda:?}"),
            meeting_id: "m".into(),
            kind,
            owner_user_id: owner.map(Into::into),
            agenda_document_id: agenda.map(Into::into),
        }
    }

    #[test]
    fn a_new_meeting_lacks_minutes_layers_and_the_callers_notebook() {
        let missing = missing_documents(&[], &["d1".into(), "d2".into()], Some("u_a"));
        assert_eq!(
            missing,
            Missing {
                minutes: true,
                layers: vec!["d1".into(), "d2".into()],
                notebook_for: Some("u_a".into()),
            }
        );
    }

    #[test]
    fn a_complete_meeting_lacks_nothing_but_a_new_participants_notebook() {
        let existing = [
            record(SyncDocumentKind::Minutes, None, None),
            record(SyncDocumentKind::SharedLayer, None, Some("d1")),
            record(SyncDocumentKind::Notebook, Some("u_a"), None),
        ];
        assert!(missing_documents(&existing, &["d1".into()], Some("u_a")).is_empty());
        assert!(missing_documents(&existing, &["d1".into()], None).is_empty());
        assert_eq!(
            missing_documents(&existing, &["d1".into()], Some("u_b")).notebook_for,
            Some("u_b".into())
        );
        assert_eq!(
            missing_documents(&existing, &["d1".into(), "d9".into()], None).layers,
            vec!["d9".to_owned()]
        );
    }

    #[test]
    fn minutes_start_with_the_numbered_agenda() {
        let outline = [
            OutlineItem {
                title: "Báo cáo".into(),
                sub_item: false,
            },
            OutlineItem {
                title: "Thảo luận".into(),
                sub_item: true,
            },
            OutlineItem {
                title: "Kết luận của chủ trì".into(),
                sub_item: false,
            },
        ];
        let doc = minutes_document("Họp giao ban", &outline).unwrap();
        let (_, text_id) = doc.get(ROOT, "text").unwrap().unwrap();
        let text = doc.text(&text_id).unwrap();
        assert!(text.starts_with("BIÊN BẢN CUỘC HỌP\nHọp giao ban\n"));
        assert!(text.contains("1. Báo cáo\n  1.1. Thảo luận\n2. Kết luận của chủ trì\n"));
    }

    #[test]
    fn annotation_documents_start_with_empty_strokes_and_notes() {
        let doc = annotation_document().unwrap();
        let (strokes, strokes_id) = doc.get(ROOT, "strokes").unwrap().unwrap();
        assert!(matches!(strokes, automerge::Value::Object(ObjType::List)));
        assert_eq!(doc.length(&strokes_id), 0);
        let (notes, _) = doc.get(ROOT, "notes").unwrap().unwrap();
        assert!(matches!(notes, automerge::Value::Object(ObjType::Map)));
    }
}
