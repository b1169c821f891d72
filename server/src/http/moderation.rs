//! Hiding a shared annotation: `PUT /meetings/{id}/hidden-annotations`.
//! The chair or the secretary hides a stroke or note of an author's shared
//! layer (an offensive one) or shows it again; the mark and its audit entry
//! are stored in one transaction (`Store::set_annotation_hidden_audited`),
//! and the meeting's live clients are told to reload the meeting, whose
//! `hidden_annotations` every screen leaves out. The author's layer is not
//! touched: hidden, never destroyed.
//!
//! Why a row and not a moderation Automerge document that only the chair
//! and the secretary may write: a change to a synced document arrives over
//! `/sync`, where the audit entry could not be written in the same
//! transaction as the change, nor say plainly what was hidden. The price:
//! a tablet offline when a stroke is hidden keeps showing it until it
//! reconnects and loads the meeting again.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use phonghop_protocol::api::{SetAnnotationHiddenRequest, SyncDocumentKind};

use super::wire::bad_json;
use crate::access;
use crate::auth::AuthenticatedUser;
use crate::error::AppError;
use crate::http::meetings::visible_meeting;
use crate::state::AppState;
use crate::store::{now_millis, HiddenAnnotationRecord, NewAuditEntry};
#[allow(unused_imports)]
use phonghop_protocol::api::*;

/// The longest annotation id taken (the web client's are 32 hex digits).
const MAX_ANNOTATION_ID_LENGTH: usize = 128;

#[utoipa::path(put, path = "/api/v1/meetings/{meeting_id}/hidden-annotations", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), request_body = SetAnnotationHiddenRequest, responses((status = 204, description = "Hidden, or shown again (also when it already was)"), (status = 400, body = ApiError), (status = 403, description = "Not the meeting's chair or secretary", body = ApiError), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "No such meeting or shared layer", body = ApiError)))]
pub async fn set_hidden(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
    body: Result<Json<SetAnnotationHiddenRequest>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(request) = body.map_err(bad_json)?;
    let (meeting, viewer) = visible_meeting(&state, &caller, &meeting_id).await?;
    if !access::can_hide_annotations(viewer, meeting.state) {
        return Err(AppError::forbidden());
    }
    let annotation_id = request.annotation_id.trim();
    if annotation_id.is_empty() || annotation_id.len() > MAX_ANNOTATION_ID_LENGTH {
        return Err(AppError::bad_request(
            "Mã chú thích không hợp lệ.",
            "The annotation id is not valid.",
        ));
    }
    let layer_id = request
        .layer_url
        .strip_prefix("automerge:")
        .unwrap_or(&request.layer_url);
    let layer = state
        .store
        .sync_document(layer_id)
        .await?
        .filter(|layer| {
            layer.meeting_id == meeting.id && layer.kind == SyncDocumentKind::SharedLayer
        })
        .ok_or_else(AppError::not_found)?;
    let record = HiddenAnnotationRecord {
        layer_document_id: layer.document_id.clone(),
        annotation_id: annotation_id.to_owned(),
        hidden_by: caller.user_id().to_owned(),
        hidden_at: now_millis(),
    };
    let changed = state
        .store
        .set_annotation_hidden_audited(
            &meeting.id,
            &record,
            request.hidden,
            NewAuditEntry {
                actor_user_id: Some(caller.user_id()),
                meeting_id: Some(&meeting.id),
                action: if request.hidden {
                    "annotation.hide"
                } else {
                    "annotation.show"
                },
                details: serde_json::json!({
                    "layer": layer.document_id,
                    "annotation_id": annotation_id,
                    "author_user_id": layer.owner_user_id,
                    "document_id": layer.agenda_document_id,
                }),
            },
        )
        .await?;
    if changed.is_some() {
        state.live.meeting_changed(&state.store, &meeting.id).await;
    }
    Ok(StatusCode::NO_CONTENT)
}
