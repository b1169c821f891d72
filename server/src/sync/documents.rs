//! The Automerge documents the server creates, their first shape, and their
//! registration.
//!
//! Every meeting has one minutes draft (biên bản); every participant gets
//! a private notebook and, every participant but remote points, a shared
//! layer of their own per agenda document (`owner_user_id` is its author:
//! only they write it, see `access::sync_access`). A participant's
//! notebook is created lazily, the first time they load the meeting, so a
//! 500-participant meeting does not make 500 notebooks up front. The
//! minutes and every author's layers are made when the meeting is viewed
//! by someone who may read its documents and some are missing (a new
//! meeting, a new upload, a new participant), all layers in one
//! transaction: every participant's view then lists every author's layer,
//! so a screen open for hours still sees ink from someone who logged in
//! after it.
//!
//! Why a document per author and not one shared layer whose changes are
//! checked against their author: the `/sync` decision per (user, document)
//! already exists and is tested, while checking Automerge operations would
//! mean binding actor ids to users and judging every delete and overwrite
//! of a list element or map key by whoever created it, on the path of every
//! change. An empty layer costs about 100 bytes stored and one round trip
//! when a reader opens the document; the meeting view lists every author's
//! layer of every document (one entry each, about 250 bytes).
//!
//! Shared layers without an owner are the single layers every participant
//! wrote before layers had authors: no longer made, listed and shown
//! without a name, written by no one (`access::sync_access`). They are not
//! split into the authors' layers: nothing recorded who wrote which of
//! their strokes, and a stroke's `author` field is whatever a client wrote.
//!
//! A document is created (durably, see `SyncService::create_document`) and
//! only then registered, so its id is never handed out before it exists.
//! Creation is serialized per meeting and per notebook owner, so two
//! requests racing never make two minutes for one meeting or two layers
//! for one author and document.

use automerge::transaction::Transactable;
use automerge::{Automerge, AutomergeError, ObjType, ROOT};
use phonghop_protocol::api::{AgendaItem, MeetingRole, SyncDocumentKind};

use super::{DocumentId, DocumentStorage, SyncError, SyncService};
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
    /// (author, agenda document) pairs without the author's shared layer.
    pub layers: Vec<(String, String)>,
    /// The participant who has no notebook yet.
    pub notebook_for: Option<String>,
}

impl Missing {
    pub fn is_empty(&self) -> bool {
        !self.minutes && self.layers.is_empty() && self.notebook_for.is_none()
    }
}

/// Compares what a meeting has with what it should have (pure): the
/// minutes, a shared layer of each of `layer_authors` on each agenda
/// document, and the notebook of `notebook_owner`.
pub fn missing_documents(
    existing: &[SyncDocumentRecord],
    agenda_document_ids: &[String],
    layer_authors: &[String],
    notebook_owner: Option<&str>,
) -> Missing {
    let has = |kind: SyncDocumentKind| existing.iter().any(|record| record.kind == kind);
    let has_layer = |author: &str, document_id: &str| {
        existing.iter().any(|record| {
            record.kind == SyncDocumentKind::SharedLayer
                && record.owner_user_id.as_deref() == Some(author)
                && record.agenda_document_id.as_deref() == Some(document_id)
        })
    };
    Missing {
        minutes: !has(SyncDocumentKind::Minutes),
        layers: agenda_document_ids
            .iter()
            .flat_map(|document_id| {
                layer_authors
                    .iter()
                    .filter(|author| !has_layer(author, document_id))
                    .map(|author| (author.clone(), document_id.clone()))
            })
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

/// The participants who get a shared layer of their own on each document:
/// all but remote points, whose big screens only show.
pub fn layer_authors(participants: &[(String, MeetingRole)]) -> Vec<String> {
    participants
        .iter()
        .filter(|(_, role)| *role != MeetingRole::RemotePoint)
        .map(|(user_id, _)| user_id.clone())
        .collect()
}

/// A meeting as document creation needs it.
#[derive(Debug, Clone)]
pub struct MeetingOutline<'a> {
    pub meeting: &'a MeetingRecord,
    pub agenda: Vec<OutlineItem>,
    /// Every agenda document of the meeting.
    pub agenda_document_ids: Vec<String>,
    /// Who gets a shared layer on each agenda document ([`layer_authors`]).
    pub layer_authors: Vec<String>,
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
    let missing = missing_documents(
        &existing,
        &outline.agenda_document_ids,
        &outline.layer_authors,
        notebook_owner,
    );
    if missing.is_empty() {
        return Ok(existing);
    }
    let meeting_id = &outline.meeting.id;
    if missing.minutes || !missing.layers.is_empty() {
        let lock = sync.creation_lock(&format!("meeting/{meeting_id}"));
        let _held = lock.lock().await;
        let existing = sync.store().sync_documents_of_meeting(meeting_id).await?;
        let missing = missing_documents(
            &existing,
            &outline.agenda_document_ids,
            &outline.layer_authors,
            None,
        );
        if missing.minutes {
            let doc = minutes_document(&outline.meeting.title, &outline.agenda)?;
            register(sync, doc, meeting_id, SyncDocumentKind::Minutes, None, None).await?;
        }
        if !missing.layers.is_empty() {
            register_layers(sync, meeting_id, &missing.layers).await?;
        }
    }
    if let Some(owner) = &missing.notebook_for {
        let lock = sync.creation_lock(&format!("notebook/{meeting_id}/{owner}"));
        let _held = lock.lock().await;
        let existing = sync.store().sync_documents_of_meeting(meeting_id).await?;
        if missing_documents(&existing, &[], &[], Some(owner))
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

/// Creates and registers the shared layers of these (author, agenda
/// document) pairs in one transaction: a meeting of 26 members and 30
/// documents makes 780 at its first view, which one commit each would
/// turn into seconds.
async fn register_layers(
    sync: &SyncService,
    meeting_id: &str,
    pairs: &[(String, String)],
) -> Result<(), SyncError> {
    let mut batch = Vec::with_capacity(pairs.len());
    for (author, agenda_document_id) in pairs {
        let document_id = DocumentId::random();
        let mut doc = annotation_document()?;
        let (chunk_key, chunk) = DocumentStorage::first_chunk(&document_id, &mut doc);
        let record = SyncDocumentRecord {
            document_id: document_id.to_string(),
            meeting_id: meeting_id.to_owned(),
            kind: SyncDocumentKind::SharedLayer,
            owner_user_id: Some(author.clone()),
            agenda_document_id: Some(agenda_document_id.clone()),
        };
        batch.push((record, chunk_key, chunk));
    }
    sync.store().create_sync_documents(&batch).await?;
    tracing::info!(
        meeting_id,
        layers = batch.len(),
        "created the authors' shared layers"
    );
    Ok(())
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
    let participants = match sync.store().participants(&meeting.id).await {
        Ok(participants) => participants,
        Err(error) => {
            tracing::error!(%error, meeting_id = %meeting.id, "cannot read the meeting's participants");
            return existing;
        }
    };
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
        layer_authors: layer_authors(&participants),
    };
    if missing_documents(
        &existing,
        &outline.agenda_document_ids,
        &outline.layer_authors,
        notebook_owner,
    )
    .is_empty()
    {
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
        layer_authors: layer_authors(&store.participants(meeting_id).await?),
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

    fn authors(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|id| id.to_string()).collect()
    }

    #[test]
    fn a_new_meeting_lacks_minutes_every_authors_layers_and_the_callers_notebook() {
        let missing = missing_documents(
            &[],
            &["d1".into(), "d2".into()],
            &authors(&["u_a", "u_b"]),
            Some("u_a"),
        );
        assert_eq!(
            missing,
            Missing {
                minutes: true,
                layers: vec![
                    ("u_a".into(), "d1".into()),
                    ("u_b".into(), "d1".into()),
                    ("u_a".into(), "d2".into()),
                    ("u_b".into(), "d2".into()),
                ],
                notebook_for: Some("u_a".into()),
            }
        );
    }

    #[test]
    fn a_complete_meeting_lacks_nothing_but_what_a_newcomer_needs() {
        let existing = [
            record(SyncDocumentKind::Minutes, None, None),
            record(SyncDocumentKind::SharedLayer, Some("u_a"), Some("d1")),
            record(SyncDocumentKind::Notebook, Some("u_a"), None),
        ];
        let d1 = ["d1".to_owned()];
        assert!(missing_documents(&existing, &d1, &authors(&["u_a"]), Some("u_a")).is_empty());
        assert!(missing_documents(&existing, &d1, &authors(&["u_a"]), None).is_empty());
        let newcomer = missing_documents(&existing, &d1, &authors(&["u_a", "u_b"]), Some("u_b"));
        assert_eq!(newcomer.notebook_for, Some("u_b".into()));
        // A's layer is not B's: B gets their own.
        assert_eq!(newcomer.layers, vec![("u_b".to_owned(), "d1".to_owned())]);
        assert_eq!(
            missing_documents(
                &existing,
                &["d1".into(), "d9".into()],
                &authors(&["u_a"]),
                None
            )
            .layers,
            vec![("u_a".to_owned(), "d9".to_owned())]
        );
    }

    #[test]
    fn an_old_layer_without_an_author_stands_for_no_ones_own() {
        let existing = [
            record(SyncDocumentKind::Minutes, None, None),
            record(SyncDocumentKind::SharedLayer, None, Some("d1")),
        ];
        assert_eq!(
            missing_documents(&existing, &["d1".into()], &authors(&["u_a"]), None).layers,
            vec![("u_a".to_owned(), "d1".to_owned())]
        );
    }

    #[test]
    fn remote_points_get_no_layer_of_their_own() {
        let participants = [
            ("u_a".to_owned(), MeetingRole::Delegate),
            ("u_c".to_owned(), MeetingRole::Chair),
            ("u_r".to_owned(), MeetingRole::RemotePoint),
            ("u_o".to_owned(), MeetingRole::Observer),
        ];
        assert_eq!(
            layer_authors(&participants),
            authors(&["u_a", "u_c", "u_o"])
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
