//! `/api/v1/meetings*`: the meetings a caller may see, one meeting with its
//! agenda, documents and sync documents, and a meeting's audit trail.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::Json;
use phonghop_protocol::api::{
    AgendaItem, AuditLog, AuditLogEntry, DocumentInfo, DocumentVersionSummary, Meeting,
    MeetingList, MeetingSummary, SyncDocument, User,
};

use crate::access::{self, MeetingViewer, SyncDocumentFacts};
use crate::auth::AuthenticatedUser;
use crate::error::AppError;
use crate::http::documents::version_url;
use crate::store::{
    AgendaItemRecord, DocumentRecord, DocumentVersionRecord, MeetingRecord, UserRecord,
};
use crate::AppState;
#[allow(unused_imports)]
use phonghop_protocol::api::*;

pub fn user_to_wire(user: &UserRecord) -> User {
    User {
        id: user.id.clone(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.org_role,
    }
}

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

/// A document as the wire shows it: its current version, and every
/// version (`versions`, the first first) for the list of earlier ones.
pub fn document_to_wire(
    document: &DocumentRecord,
    current: &DocumentVersionRecord,
    versions: &[DocumentVersionRecord],
) -> DocumentInfo {
    let url = |version: i64| version_url(&document.id, version, document.confidential);
    DocumentInfo {
        id: document.id.clone(),
        title: document.title.clone(),
        file_name: current.file_name.clone(),
        page_count: current.page_count,
        size_bytes: current.size_bytes,
        sha256: current.blob_sha256.clone(),
        confidential: document.confidential,
        version: current.version,
        url: url(current.version),
        versions: versions
            .iter()
            .filter(|version| version.document_id == document.id)
            .map(|version| DocumentVersionSummary {
                version: version.version,
                uploaded_at_ms: version.uploaded_at,
                page_count: version.page_count,
                size_bytes: version.size_bytes,
                sha256: version.blob_sha256.clone(),
                url: url(version.version),
            })
            .collect(),
    }
}

/// Orders agenda items as the wire promises: each top-level item by
/// position, followed by its sub-items by position.
pub fn order_agenda(items: Vec<AgendaItemRecord>) -> Vec<AgendaItemRecord> {
    let (mut top, mut subs): (Vec<_>, Vec<_>) =
        items.into_iter().partition(|item| item.parent_id.is_none());
    top.sort_by_key(|item| (item.position, item.id.clone()));
    subs.sort_by_key(|item| (item.position, item.id.clone()));
    let mut ordered = Vec::with_capacity(top.len() + subs.len());
    for item in top {
        let id = item.id.clone();
        ordered.push(item);
        ordered.extend(
            subs.iter()
                .filter(|s| s.parent_id.as_deref() == Some(&id))
                .cloned(),
        );
    }
    // Sub-items whose parent is missing are still shown, last.
    let placed: std::collections::HashSet<String> = ordered.iter().map(|i| i.id.clone()).collect();
    ordered.extend(subs.into_iter().filter(|s| !placed.contains(&s.id)));
    ordered
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
    let mut documents_by_item: HashMap<String, Vec<DocumentInfo>> = HashMap::new();
    if documents_visible {
        let versions = state
            .store
            .document_versions_of_meeting(&meeting.id)
            .await?;
        for (document, current) in state.store.documents_of_meeting(&meeting.id).await? {
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
    let sync_documents = sync_records
        .into_iter()
        .filter_map(|record| {
            let facts = SyncDocumentFacts {
                kind: record.kind,
                owner_user_id: record.owner_user_id.as_deref(),
            };
            let access = access::sync_access(facts, caller.user_id(), viewer, meeting.state)?;
            Some(SyncDocument {
                kind: record.kind,
                url: format!("automerge:{}", record.document_id),
                access,
                document_id: record.agenda_document_id,
            })
        })
        .collect();
    let summary = summary(&meeting, viewer);
    Ok(Meeting {
        id: summary.id,
        title: summary.title,
        starts_at: summary.starts_at,
        place: summary.place,
        state: summary.state,
        my_role: summary.my_role,
        video_link: meeting.video_link,
        agenda,
        sync_documents,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, parent: Option<&str>, position: i64) -> AgendaItemRecord {
        AgendaItemRecord {
            id: id.into(),
            meeting_id: "m".into(),
            parent_id: parent.map(Into::into),
            position,
            title: id.into(),
            presenter: None,
            duration_minutes: None,
            updated_at: 0,
        }
    }

    #[test]
    fn sub_items_follow_their_parent_in_position_order() {
        let ordered = order_agenda(vec![
            item("b", None, 1),
            item("b2", Some("b"), 1),
            item("a", None, 0),
            item("b1", Some("b"), 0),
            item("orphan", Some("gone"), 0),
        ]);
        let ids: Vec<_> = ordered.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "b1", "b2", "orphan"]);
    }
}
