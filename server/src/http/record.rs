//! `GET /api/v1/meetings/{id}/record.pdf`: the meeting's record (biên
//! bản) as a PDF, for the meeting's secretary and chair and for
//! administrators. The content is built by [`crate::record`] from the store
//! and the minutes draft, and LibreOffice lays it out
//! (`convert::Converter::render_pdf`). The minutes are read through
//! `SyncService::change_document` with a closure that changes nothing.
//! Each export is in the audit log (`meeting.record_export`). Only a
//! meeting in session or closed has a record.
//!
//! The record holds what the store holds: speaking turns once they ended
//! (a turn still running when a meeting in session is exported is not in
//! it), and an open vote's state without its counts.

use std::str::FromStr;

use crate::sync::DocumentId;
use automerge::{ObjType, ReadDoc, Value, ROOT};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use phonghop_protocol::api::{ErrorCode, MeetingState, SyncDocumentKind};

use crate::access;
use crate::agenda::order_agenda;
use crate::auth::AuthenticatedUser;
use crate::convert::{Availability, ConversionError};
use crate::error::AppError;
use crate::http::meetings::visible_meeting;
use crate::record::{
    build_record, render_fodt, Minutes, Participant, RecordSources, SpeakerTurn, VoteFacts,
};
use crate::state::AppState;
use crate::store::{now_millis, AuditHead, MeetingRecord, NewAuditEntry};
#[allow(unused_imports)]
use phonghop_protocol::api::*;

#[utoipa::path(get, path = "/api/v1/meetings/{meeting_id}/record.pdf", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), responses((status = 200, description = "The meeting's record (biên bản): agenda, attendance, speakers, vote results, minutes, signature lines", content_type = "application/pdf"), (status = 401, description = "Not logged in", body = ApiError), (status = 403, description = "Not the meeting's secretary or chair, nor an administrator", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError), (status = 409, description = "The meeting has not started (or was cancelled)", body = ApiError), (status = 422, description = "LibreOffice is not installed on the server", body = ApiError)))]
pub async fn record_pdf(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
) -> Result<Response, AppError> {
    let (meeting, viewer) = visible_meeting(&state, &caller, &meeting_id).await?;
    if !access::can_export_record(viewer) {
        return Err(AppError::forbidden());
    }
    if !matches!(
        meeting.state,
        MeetingState::InSession | MeetingState::Closed
    ) {
        return Err(AppError::with_message(
            ErrorCode::Conflict,
            "Chỉ xuất được biên bản khi cuộc họp đang diễn ra hoặc đã kết thúc.",
            "The record can be exported only once the meeting is in session or closed.",
        ));
    }
    if let Some((sha256, signed)) = signed_record_file(&state, &meeting.id).await? {
        store_export_audit(&state, &caller, &meeting_id, signed.len(), Some(&sha256)).await?;
        return pdf_response(&meeting_id, signed);
    }
    let pdf = render_record(&state, &meeting).await?;
    store_export_audit(&state, &caller, &meeting_id, pdf.len(), None).await?;
    pdf_response(&meeting_id, pdf)
}

/// The newest signed file of the meeting's record, if anyone signed.
pub async fn signed_record_file(
    state: &AppState,
    meeting_id: &str,
) -> Result<Option<(String, Vec<u8>)>, AppError> {
    let Some(last) = state.store.record_signatures(meeting_id).await?.pop() else {
        return Ok(None);
    };
    let path = state.blobs.path_of(&last.blob_sha256)?;
    let bytes = tokio::fs::read(&path).await.map_err(|error| {
        AppError::internal(format!("signed record {}: {error}", last.blob_sha256))
    })?;
    Ok(Some((last.blob_sha256, bytes)))
}

/// The record as the store holds it now, laid out by LibreOffice.
pub async fn render_record(state: &AppState, meeting: &MeetingRecord) -> Result<Vec<u8>, AppError> {
    let meeting = meeting.clone();
    match state.converter.availability() {
        Availability::Ready(_) => {}
        Availability::NotInstalled => {
            return Err(AppError::with_message(
                ErrorCode::ToolMissing,
                "Máy chủ chưa cài LibreOffice nên chưa xuất được biên bản PDF. Vui lòng liên hệ quản trị viên.",
                "LibreOffice is not installed on the server, so the record cannot be made into a PDF. Please contact the administrator.",
            ))
        }
        Availability::SandboxUnavailable(_) => {
            return Err(AppError::with_message(
                ErrorCode::ConversionUnavailable,
                "Máy chủ chưa có môi trường cách ly an toàn cho LibreOffice nên chưa xuất được biên bản PDF. Vui lòng liên hệ quản trị viên.",
                "The server has no sandbox for LibreOffice, so the record cannot be made into a PDF. Please contact the administrator.",
            ))
        }
    }

    let store = &state.store;
    let mut participants = Vec::new();
    for (user_id, role) in store.participants(&meeting.id).await? {
        let display_name = store
            .user_by_id(&user_id)
            .await?
            .map(|user| user.display_name)
            .unwrap_or_else(|| user_id.clone());
        participants.push(Participant {
            user_id,
            display_name,
            role,
        });
    }
    let sources = RecordSources {
        agenda: order_agenda(store.agenda_items(&meeting.id).await?),
        participants,
        attendance: store.attendance_of(&meeting.id).await?,
        speaker_turns: store
            .speaker_turns_of(&meeting.id)
            .await?
            .into_iter()
            .map(|(user_id, started_at, ended_at)| SpeakerTurn {
                user_id,
                started_at,
                ended_at,
            })
            .collect(),
        votes: store
            .votes_of(&meeting.id)
            .await?
            .into_iter()
            .map(|(vote, ballots)| VoteFacts {
                // A secret vote's receipts name voters only, never choices;
                // still, nothing of them goes into the record.
                named_choices: if vote.secret {
                    Vec::new()
                } else {
                    ballots.named_choices
                },
                tallies: ballots.tallies,
                question: vote.question,
                agenda_item_id: vote.agenda_item_id,
                options: vote.options,
                secret: vote.secret,
                open: vote.open,
                eligible: vote.eligible,
                closed_at: vote.closed_at,
                decision: vote.decision,
            })
            .collect(),
        minutes: read_minutes(state, &meeting.id).await?,
        generated_at: now_millis(),
        audit_head: record_audit_head(state).await,
        meeting,
    };
    let fodt = render_fodt(&build_record(&sources));
    let pdf = state
        .converter
        .render_pdf(fodt.as_bytes(), "fodt")
        .await
        .map_err(|error| match error {
            ConversionError::NotInstalled => AppError::new(ErrorCode::ToolMissing),
            ConversionError::SandboxUnavailable(_) => {
                AppError::new(ErrorCode::ConversionUnavailable)
            }
            other => AppError::internal(format!("meeting record: {other}")),
        })?;
    Ok(pdf)
}

/// The audit head the record carries: a checkpoint signed now, so it is
/// the log's head at rendering time (the newest one when signing fails).
async fn record_audit_head(state: &AppState) -> Option<AuditHead> {
    let checkpoints = &state.audit_checkpoints;
    let checkpoint = match checkpoints.take_logged("record rendered").await {
        Some(checkpoint) => Some(checkpoint),
        None => checkpoints.newest().await,
    };
    checkpoint.map(|checkpoint| AuditHead {
        seq: checkpoint.seq,
        hash: checkpoint.hash,
    })
}

async fn store_export_audit(
    state: &AppState,
    caller: &AuthenticatedUser,
    meeting_id: &str,
    bytes: usize,
    signed_sha256: Option<&str>,
) -> Result<(), AppError> {
    state
        .store
        .append_audit(NewAuditEntry {
            actor_user_id: Some(caller.user_id()),
            meeting_id: Some(meeting_id),
            action: "meeting.record_export",
            details: match signed_sha256 {
                Some(sha256) => {
                    serde_json::json!({ "format": "pdf", "bytes": bytes, "signed_sha256": sha256 })
                }
                None => serde_json::json!({ "format": "pdf", "bytes": bytes }),
            },
        })
        .await?;
    Ok(())
}

fn pdf_response(meeting_id: &str, pdf: Vec<u8>) -> Result<Response, AppError> {
    let file_name = format!("bien-ban-{}.pdf", ascii_file_part(meeting_id));
    Response::builder()
        .header(header::CONTENT_TYPE, "application/pdf")
        .header(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
                .map_err(AppError::internal)?,
        )
        // Named votes are in it: never kept by a browser or proxy.
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(Body::from(pdf))
        .map_err(AppError::internal)
}

/// Keeps what is safe in a file name (ids are `m_…` already; this only
/// guards the header against anything else).
fn ascii_file_part(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// The minutes draft's text, read through `SyncService::change_document`
/// (the closure only reads, so nothing is written).
async fn read_minutes(state: &AppState, meeting_id: &str) -> Result<Minutes, AppError> {
    let minutes = state
        .store
        .sync_documents_of_meeting(meeting_id)
        .await?
        .into_iter()
        .find(|record| record.kind == SyncDocumentKind::Minutes);
    let Some(record) = minutes else {
        return Ok(Minutes::Absent);
    };
    let Ok(document_id) = DocumentId::from_str(&record.document_id) else {
        tracing::warn!(document_id = %record.document_id, "minutes: unreadable document id");
        return Ok(Minutes::Unreadable);
    };
    let text = state
        .sync
        .change_document(&document_id, |doc| match doc.get(ROOT, "text") {
            Ok(Some((Value::Object(ObjType::Text), text_id))) => doc.text(&text_id).ok(),
            _ => None,
        })
        .await;
    Ok(match text {
        Ok(Some(text)) => Minutes::Text(text),
        Ok(None) => Minutes::Text(String::new()),
        Err(error) => {
            tracing::warn!(%error, meeting_id, "minutes: cannot read the draft for the record");
            Minutes::Unreadable
        }
    })
}
