//! `GET /api/v1/meetings/{id}/document-reads`: who has had a copy of each
//! confidential document, for the meeting's secretary and chair (and
//! administrators) — the console's "đã xem: 18/26".
//!
//! Only confidential documents are listed: they are the ones whose every
//! copy is stamped and recorded (`documents.rs`). Ordinary documents are
//! downloaded whole by every tablet's offline pack before the meeting, so
//! a download says nothing about reading; the pack's progress per device
//! is what `/live` readiness shows.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::Json;
use phonghop_protocol::api::{
    DocumentRead, DocumentReads, DocumentReadsReport, MeetingRole, ParticipantReads,
};

use crate::access::{self, MeetingViewer};
use crate::agenda::order_agenda;
use crate::auth::AuthenticatedUser;
use crate::error::AppError;
use crate::http::meetings::visible_meeting;
use crate::state::AppState;
use crate::store::DocumentReadRecord;
#[allow(unused_imports)]
use phonghop_protocol::api::*;

#[utoipa::path(get, path = "/api/v1/meetings/{meeting_id}/document-reads", tag = "documents", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), responses((status = 200, body = DocumentReadsReport), (status = 401, description = "Not logged in", body = ApiError), (status = 403, description = "Not the meeting's staff or an administrator", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn document_reads(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
) -> Result<Json<DocumentReadsReport>, AppError> {
    let (meeting, viewer) = visible_meeting(&state, &caller, &meeting_id).await?;
    if !access::can_read_audit(viewer) {
        return Err(AppError::forbidden());
    }
    let mut readers = Vec::new();
    for (user_id, role) in state.store.participants(&meeting.id).await? {
        let may_read = access::can_read_confidential(MeetingViewer {
            org_role: caller.user.org_role,
            meeting_role: Some(role),
        });
        if !may_read {
            continue;
        }
        let display_name = state
            .store
            .user_by_id(&user_id)
            .await?
            .map(|user| user.display_name)
            .unwrap_or_else(|| user_id.clone());
        readers.push((user_id, display_name, role));
    }
    readers.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    let agenda_order: HashMap<String, usize> =
        order_agenda(state.store.agenda_items(&meeting.id).await?)
            .into_iter()
            .enumerate()
            .map(|(index, item)| (item.id, index))
            .collect();
    let mut documents: Vec<_> = state
        .store
        .documents_of_meeting(&meeting.id)
        .await?
        .into_iter()
        .filter(|(document, _)| document.confidential)
        .collect();
    documents.sort_by_key(|(document, _)| {
        (
            agenda_order
                .get(&document.agenda_item_id)
                .copied()
                .unwrap_or(usize::MAX),
            document.position,
        )
    });
    let reads = state.store.document_reads_of_meeting(&meeting.id).await?;
    let report = documents
        .into_iter()
        .map(|(document, _)| reads_of_document(&document.id, &document.title, &readers, &reads))
        .collect();
    Ok(Json(DocumentReadsReport { documents: report }))
}

/// One document's line of the report (pure).
fn reads_of_document(
    document_id: &str,
    title: &str,
    readers: &[(String, String, MeetingRole)],
    reads: &[DocumentReadRecord],
) -> DocumentReads {
    let participants: Vec<ParticipantReads> = readers
        .iter()
        .map(|(user_id, display_name, role)| ParticipantReads {
            user_id: user_id.clone(),
            display_name: display_name.clone(),
            role: *role,
            reads: reads
                .iter()
                .filter(|read| read.document_id == document_id && &read.user_id == user_id)
                .map(|read| DocumentRead {
                    at_ms: read.at,
                    version: read.version,
                    device_id: read.device_id.clone(),
                })
                .collect(),
        })
        .collect();
    DocumentReads {
        document_id: document_id.to_owned(),
        title: title.to_owned(),
        expected_readers: participants.len() as i64,
        readers: participants
            .iter()
            .filter(|participant| !participant.reads.is_empty())
            .count() as i64,
        participants,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(document: &str, user: &str, at: i64) -> DocumentReadRecord {
        DocumentReadRecord {
            document_id: document.into(),
            version: 1,
            meeting_id: "m".into(),
            user_id: user.into(),
            device_id: Some("web-1".into()),
            at,
        }
    }

    #[test]
    fn a_reader_counts_once_however_many_copies_they_had() {
        let readers = vec![
            ("u_a".to_owned(), "An".to_owned(), MeetingRole::Delegate),
            ("u_b".to_owned(), "Bình".to_owned(), MeetingRole::Delegate),
            ("u_c".to_owned(), "Chi".to_owned(), MeetingRole::Chair),
        ];
        let reads = vec![
            read("d_1", "u_a", 1),
            read("d_1", "u_a", 2),
            read("d_1", "u_c", 3),
            read("d_2", "u_b", 4),
            // Someone no longer in the meeting: not counted.
            read("d_1", "u_gone", 5),
        ];
        let line = reads_of_document("d_1", "Mật", &readers, &reads);
        assert_eq!((line.readers, line.expected_readers), (2, 3));
        assert_eq!(line.participants[0].reads.len(), 2);
        assert!(line.participants[1].reads.is_empty());
        assert_eq!(line.participants[2].reads[0].at_ms, 3);
    }
}
