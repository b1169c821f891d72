//! `/api/v1/meetings*`: the meetings a caller may see, one meeting with its
//! agenda, documents and sync documents, and a meeting's audit trail.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::Json;
use phonghop_protocol::api::{
    AgendaItem, AuditLog, AuditLogEntry, DocumentInfo, HiddenAnnotation, Meeting, MeetingList,
    MeetingSummary, SyncDocument,
};

use super::wire::document_to_wire;
use crate::access::{self, MeetingViewer, SyncDocumentFacts};
use crate::agenda::order_agenda;
use crate::auth::AuthenticatedUser;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::MeetingRecord;
#[allow(unused_imports)]
use phonghop_protocol::api::*;

fn summary(meeting: &MeetingRecord, viewer: MeetingViewer) -> MeetingSummary {
    MeetingSummary {
        id: meeting.id.clone(),
        title: meeting.title.clone(),
        starts_at: meeting.starts_at.clone(),
        place: meeting.place.clone(),
        state: meeting.state,
        my_role: viewer.meeting_role,
    }
}

/// The meeting and the caller's standing in it, or `not_found` when the
/// caller may not see it (so other meetings' ids leak nothing).
pub async fn visible_meeting(
    state: &AppState,
    caller: &AuthenticatedUser,
    meeting_id: &str,
) -> Result<(MeetingRecord, MeetingViewer), AppError> {
    let meeting = state
        .store
        .meeting(meeting_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let viewer = MeetingViewer {
        org_role: caller.user.org_role,
        meeting_role: state
            .store
            .participant_role(meeting_id, caller.user_id())
            .await?,
    };
    if !access::can_see_meeting(viewer, meeting.state) {
        return Err(AppError::not_found());
    }
    Ok((meeting, viewer))
}

#[utoipa::path(get, path = "/api/v1/meetings", tag = "meetings", responses((status = 200, body = MeetingList), (status = 401, body = ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
) -> Result<Json<MeetingList>, AppError> {
    let mut meetings = Vec::new();
    let mine = state
        .store
        .meetings_of_participant(caller.user_id())
        .await?;
    let mut roles: HashMap<String, _> = HashMap::new();
    for (meeting, role) in mine {
        roles.insert(meeting.id.clone(), role);
        let viewer = MeetingViewer {
            org_role: caller.user.org_role,
            meeting_role: Some(role),
        };
        if access::can_see_meeting(viewer, meeting.state) {
            meetings.push(summary(&meeting, viewer));
        }
    }
    if caller.is_admin() {
        for meeting in state.store.all_meetings().await? {
            if !roles.contains_key(&meeting.id) {
                let viewer = MeetingViewer {
                    org_role: caller.user.org_role,
                    meeting_role: None,
                };
                meetings.push(summary(&meeting, viewer));
            }
        }
    }
    meetings.sort_by(|a, b| b.starts_at.cmp(&a.starts_at));
    Ok(Json(MeetingList { meetings }))
}

#[utoipa::path(get, path = "/api/v1/meetings/{meeting_id}", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), responses((status = 200, body = Meeting), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn one(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
) -> Result<Json<Meeting>, AppError> {
    Ok(Json(load_meeting_view(&state, &caller, &meeting_id).await?))
}

/// One meeting as `caller` may see it: agenda, documents, sync documents.
pub async fn load_meeting_view(
    state: &AppState,
    caller: &AuthenticatedUser,
    meeting_id: &str,
) -> Result<Meeting, AppError> {
    let (meeting, viewer) = visible_meeting(state, caller, meeting_id).await?;
    let documents_visible = access::can_read_documents(viewer, meeting.state) || caller.is_admin();
    // A remote point does not learn of confidential documents at all: not
    // their title, not their shared layer (its big screen could not open
    // them anyway).
    let confidential_visible = access::can_read_confidential(viewer) || caller.is_admin();
    let mut hidden_documents: Vec<String> = Vec::new();
    let mut documents_by_item: HashMap<String, Vec<DocumentInfo>> = HashMap::new();
    if documents_visible {
        let versions = state
            .store
            .document_versions_of_meeting(&meeting.id)
            .await?;
        for (document, current) in state.store.documents_of_meeting(&meeting.id).await? {
            if document.confidential && !confidential_visible {
                hidden_documents.push(document.id);
                continue;
            }
            documents_by_item
                .entry(document.agenda_item_id.clone())
                .or_default()
                .push(document_to_wire(&document, &current, &versions));
        }
    }
    let published_at = meeting.published_at;
    let agenda: Vec<AgendaItem> = order_agenda(state.store.agenda_items(&meeting.id).await?)
        .into_iter()
        .map(|item| AgendaItem {
            documents: documents_by_item.remove(&item.id).unwrap_or_default(),
            updated: published_at.is_some_and(|published| item.updated_at > published),
            id: item.id,
            parent_id: item.parent_id,
            position: item.position,
            title: item.title,
            presenter: item.presenter,
            duration_minutes: item.duration_minutes,
        })
        .collect();
    let mut sync_records = state.store.sync_documents_of_meeting(&meeting.id).await?;
    if access::can_read_documents(viewer, meeting.state) {
        // Minutes, shared layers and the caller's notebook are made the
        // first time someone who may use them looks.
        let notebook_owner = viewer.meeting_role.map(|_| caller.user_id());
        sync_records = crate::sync::documents::complete_for_view(
            &state.sync,
            &meeting,
            &agenda,
            notebook_owner,
            sync_records,
        )
        .await;
    }
    // The names shown with shared annotations: the layer's registered
    // owner's, never what a stroke says about itself.
    let owner_names: HashMap<String, String> = state
        .store
        .sync_document_owner_names(&meeting.id)
        .await?
        .into_iter()
        .collect();
    let sync_documents = sync_records
        .into_iter()
        .filter(|record| {
            record
                .agenda_document_id
                .as_ref()
                .is_none_or(|document| !hidden_documents.contains(document))
        })
        .filter_map(|record| {
            let facts = SyncDocumentFacts {
                kind: record.kind,
                owner_user_id: record.owner_user_id.as_deref(),
            };
            let access = access::sync_access(facts, caller.user_id(), viewer, meeting.state)?;
            let owner_name = record
                .owner_user_id
                .as_ref()
                .and_then(|owner| owner_names.get(owner).cloned());
            Some(SyncDocument {
                kind: record.kind,
                url: format!("automerge:{}", record.document_id),
                access,
                document_id: record.agenda_document_id,
                owner_user_id: record.owner_user_id,
                owner_name,
            })
        })
        .collect::<Vec<SyncDocument>>();
    // What the chair or the secretary hid, of the layers this caller sees.
    let hidden_annotations = if sync_documents.is_empty() {
        Vec::new()
    } else {
        state
            .store
            .hidden_annotations(&meeting.id)
            .await?
            .into_iter()
            .map(|hidden| HiddenAnnotation {
                layer_url: format!("automerge:{}", hidden.layer_document_id),
                annotation_id: hidden.annotation_id,
            })
            .filter(|hidden| {
                sync_documents
                    .iter()
                    .any(|document| document.url == hidden.layer_url)
            })
            .collect()
    };
    let summary = summary(&meeting, viewer);
    Ok(Meeting {
        id: summary.id,
        title: summary.title,
        starts_at: summary.starts_at,
        place: summary.place,
        state: summary.state,
        my_role: summary.my_role,
        video_link: meeting.video_link,
        rules: state.store.meeting_rules(&meeting.id).await?,
        agenda,
        sync_documents,
        hidden_annotations,
    })
}

#[utoipa::path(get, path = "/api/v1/meetings/{meeting_id}/audit", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), responses((status = 200, body = AuditLog), (status = 403, body = ApiError), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn audit(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
) -> Result<Json<AuditLog>, AppError> {
    let (meeting, viewer) = visible_meeting(&state, &caller, &meeting_id).await?;
    if !access::can_read_audit(viewer) {
        return Err(AppError::forbidden());
    }
    let entries = state
        .store
        .audit_entries(Some(&meeting.id))
        .await?
        .into_iter()
        .map(|entry| AuditLogEntry {
            seq: entry.seq,
            at_ms: entry.at,
            actor_user_id: entry.actor_user_id,
            action: entry.action,
            details: serde_json::from_str(&entry.details).unwrap_or(serde_json::Value::Null),
            hash: entry.hash,
        })
        .collect();
    Ok(Json(AuditLog { entries }))
}
