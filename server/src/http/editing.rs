//! The secretary's work on a meeting: create and edit it, move it through
//! its states, manage participants, build the agenda. Every change is in
//! the audit log and announced to the meeting's live clients
//! (`meeting_changed`), whose open screens fetch the meeting again.

use std::collections::{HashMap, HashSet};

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use phonghop_protocol::api::{
    AgendaItem, AgendaOrderRequest, CreateAgendaItemRequest, CreateMeetingRequest, ErrorCode,
    Meeting, MeetingRole, MeetingState, Participant, ParticipantList, SetParticipantRequest,
    UpdateAgendaItemRequest, UpdateMeetingRequest,
};

use super::wire::bad_json;
use crate::access::{self, MeetingViewer};
use crate::auth::AuthenticatedUser;
use crate::error::AppError;
use crate::http::meetings::{load_meeting_view, visible_meeting};
use crate::rules::{self, RulesError};
use crate::state::AppState;
use crate::store::{
    editing, new_id, now_millis, AgendaItemChanges, AgendaItemRecord, AgendaPlacement,
    MeetingChanges, MeetingRecord, NewAuditEntry, StoreError, TxFuture, WriteTx,
};
#[allow(unused_imports)]
use phonghop_protocol::api::*;

/// The meeting, if the caller may edit it and it is still editable.
pub(crate) async fn editable_meeting(
    state: &AppState,
    caller: &AuthenticatedUser,
    meeting_id: &str,
) -> Result<(MeetingRecord, MeetingViewer), AppError> {
    let (meeting, viewer) = visible_meeting(state, caller, meeting_id).await?;
    if !access::can_edit_meeting(viewer) {
        return Err(AppError::forbidden());
    }
    if !access::meeting_editable(meeting.state) {
        return Err(AppError::with_message(
            ErrorCode::Conflict,
            "Cuộc họp đã kết thúc hoặc đã hủy nên không thể sửa.",
            "The meeting is closed or cancelled and can no longer be changed.",
        ));
    }
    Ok((meeting, viewer))
}

/// Stores a change to a meeting and its audit entry in one transaction
/// ([`crate::store::Store::with_audit`]: both or neither), then tells the
/// meeting's live clients to reload it.
pub(crate) async fn store_change<'c, T: 'c, F>(
    state: &AppState,
    caller: &AuthenticatedUser,
    meeting_id: &str,
    action: &str,
    details: serde_json::Value,
    change: F,
) -> Result<T, AppError>
where
    F: for<'t> Fn(&'t mut WriteTx<'c>, i64) -> TxFuture<'t, T>,
{
    let entry = NewAuditEntry {
        actor_user_id: Some(caller.user_id()),
        meeting_id: Some(meeting_id),
        action,
        details,
    };
    let (value, _) = state.store.with_audit(entry, change).await?;
    state.live.meeting_changed(&state.store, meeting_id).await;
    Ok(value)
}

fn check_text(value: &str, field_vi: &str, field_en: &str, max: usize) -> Result<String, AppError> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        return Err(AppError::bad_request(
            format!("{field_vi} không được để trống và tối đa {max} ký tự."),
            format!("{field_en} must not be empty and has at most {max} characters."),
        ));
    }
    Ok(trimmed.to_owned())
}

fn check_start_time(value: &str) -> Result<String, AppError> {
    time::OffsetDateTime::parse(value.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            AppError::bad_request(
                "Thời gian bắt đầu không hợp lệ (ví dụ: 2026-12-01T08:00:00+07:00).",
                "The start time is not valid (example: 2026-12-01T08:00:00+07:00).",
            )
        })?;
    Ok(value.trim().to_owned())
}

/// A video-conference link is `https://` only: the client opens nothing
/// else (an `http://` page could be swapped on the way, and the link is
/// shown to every participant), so the server refuses what the client
/// would hide.
fn check_video_link(value: &str) -> Result<String, AppError> {
    let value = value.trim();
    let ok = value.len() > "https://".len()
        && value
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        && value.len() <= 2000
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(AppError::bad_request(
            "Đường dẫn hội nghị truyền hình phải bắt đầu bằng https:// (không nhận http://).",
            "The video-conference link must start with https:// (http:// is not accepted).",
        ));
    }
    Ok(value.to_owned())
}

fn check_duration(value: Option<i64>) -> Result<Option<i64>, AppError> {
    match value {
        Some(minutes) if !(1..=1440).contains(&minutes) => Err(AppError::bad_request(
            "Thời lượng phải từ 1 đến 1440 phút.",
            "The duration must be between 1 and 1440 minutes.",
        )),
        other => Ok(other),
    }
}

#[utoipa::path(post, path = "/api/v1/meetings", tag = "meetings", request_body = CreateMeetingRequest, responses((status = 201, body = Meeting), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn create_meeting(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    payload: Result<Json<CreateMeetingRequest>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(request) = payload.map_err(bad_json)?;
    if !access::can_create_meetings(caller.user.org_role) {
        return Err(AppError::forbidden());
    }
    let meeting = MeetingRecord {
        id: new_id("m"),
        title: check_text(&request.title, "Tên cuộc họp", "The title", 300)?,
        starts_at: check_start_time(&request.starts_at)?,
        place: check_text(&request.place, "Địa điểm", "The place", 300)?,
        state: MeetingState::Draft,
        video_link: request
            .video_link
            .as_deref()
            .map(check_video_link)
            .transpose()?,
        created_by: caller.user_id().to_owned(),
        created_at: now_millis(),
        updated_at: now_millis(),
        published_at: None,
    };
    let (created, secretary) = (&meeting, caller.user_id());
    store_change(
        &state,
        &caller,
        &meeting.id,
        "meeting.create",
        serde_json::json!({ "title": meeting.title }),
        |tx, _| {
            Box::pin(async move {
                editing::create_meeting_in(tx, created).await?;
                editing::set_participant_in(tx, &created.id, secretary, MeetingRole::Secretary)
                    .await
            })
        },
    )
    .await?;
    let view = load_meeting_view(&state, &caller, &meeting.id).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(patch, path = "/api/v1/meetings/{meeting_id}", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), request_body = UpdateMeetingRequest, responses((status = 200, body = Meeting), (status = 400, body = ApiError), (status = 409, description = "Closed or cancelled", body = ApiError), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn update_meeting(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
    payload: Result<Json<UpdateMeetingRequest>, JsonRejection>,
) -> Result<Json<Meeting>, AppError> {
    let Json(request) = payload.map_err(bad_json)?;
    editable_meeting(&state, &caller, &meeting_id).await?;
    let changes = MeetingChanges {
        title: request
            .title
            .as_deref()
            .map(|t| check_text(t, "Tên cuộc họp", "The title", 300))
            .transpose()?,
        starts_at: request
            .starts_at
            .as_deref()
            .map(check_start_time)
            .transpose()?,
        place: request
            .place
            .as_deref()
            .map(|p| check_text(p, "Địa điểm", "The place", 300))
            .transpose()?,
        video_link: match request.video_link {
            Some(Some(link)) => Some(Some(check_video_link(&link)?)),
            Some(None) => Some(None),
            None => None,
        },
    };
    if let Some(rules) = &request.rules {
        rules::check(rules).map_err(|error| match error {
            RulesError::BadFraction => AppError::bad_request(
                "Tỉ lệ trong quy chế phải là một phân số từ 1/100 đến 1 (tử số từ 1 đến mẫu số, mẫu số tối đa 100).",
                "A share in the meeting rules must be a fraction from 1/100 to 1 (numerator from 1 to the denominator, denominator at most 100).",
            ),
            RulesError::Unreachable => AppError::bad_request(
                "\"Quá\" toàn bộ thành viên thì không bao giờ đạt được: hãy chọn \"ít nhất\".",
                "\"More than\" all of the members can never be reached: choose \"at least\".",
            ),
        })?;
    }
    let (id, new_fields, new_rules) = (&meeting_id, &changes, &request.rules);
    store_change(
        &state,
        &caller,
        &meeting_id,
        "meeting.update",
        serde_json::json!({ "title": changes.title, "starts_at": changes.starts_at, "place": changes.place, "rules": request.rules }),
        |tx, _| {
            Box::pin(async move {
                editing::update_meeting_in(tx, id, new_fields).await?;
                if let Some(rules) = new_rules {
                    editing::set_meeting_rules_in(tx, id, rules).await?;
                }
                Ok(())
            })
        },
    )
    .await?;
    Ok(Json(load_meeting_view(&state, &caller, &meeting_id).await?))
}

/// `POST /meetings/{id}/publish|start|close|cancel`.
#[utoipa::path(post, path = "/api/v1/meetings/{meeting_id}/{action}", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)"), ("action" = String, Path, description = "publish, start, close or cancel")), responses((status = 200, body = Meeting), (status = 409, description = "Not allowed from the current state", body = ApiError), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn transition(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path((meeting_id, action)): Path<(String, String)>,
) -> Result<Json<Meeting>, AppError> {
    let target = match action.as_str() {
        "publish" => MeetingState::Published,
        "start" => MeetingState::InSession,
        "close" => MeetingState::Closed,
        "cancel" => MeetingState::Cancelled,
        _ => return Err(AppError::not_found()),
    };
    let (meeting, viewer) = visible_meeting(&state, &caller, &meeting_id).await?;
    if !access::can_edit_meeting(viewer) {
        return Err(AppError::forbidden());
    }
    if !access::transition_allowed(meeting.state, target) {
        return Err(AppError::with_message(
            ErrorCode::Conflict,
            format!(
                "Không thể chuyển cuộc họp từ trạng thái \"{}\" sang \"{}\".",
                state_name_vi(meeting.state),
                state_name_vi(target)
            ),
            format!(
                "A meeting cannot go from {:?} to {:?}.",
                meeting.state, target
            ),
        ));
    }
    let id = &meeting_id;
    store_change(
        &state,
        &caller,
        &meeting_id,
        &format!("meeting.{action}"),
        serde_json::json!({ "from": format!("{:?}", meeting.state) }),
        |tx, _| Box::pin(editing::transition_meeting_in(tx, id, target)),
    )
    .await?;
    // Open sync sockets follow the new state (a closed meeting is read-only).
    state.sync.refresh_meeting_access(&meeting_id).await;
    if target == MeetingState::Closed {
        // A closed meeting's log is signed at once, not within the hour.
        state.audit_checkpoints.take_logged("meeting closed").await;
    }
    Ok(Json(load_meeting_view(&state, &caller, &meeting_id).await?))
}

fn state_name_vi(state: MeetingState) -> &'static str {
    match state {
        MeetingState::Draft => "dự thảo",
        MeetingState::Published => "đã phát hành",
        MeetingState::InSession => "đang họp",
        MeetingState::Closed => "đã kết thúc",
        MeetingState::Cancelled => "đã hủy",
    }
}

#[utoipa::path(get, path = "/api/v1/meetings/{meeting_id}/participants", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), responses((status = 200, body = ParticipantList), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn participants(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
) -> Result<Json<ParticipantList>, AppError> {
    visible_meeting(&state, &caller, &meeting_id).await?;
    let mut participants = Vec::new();
    for (user_id, role) in state.store.participants(&meeting_id).await? {
        if let Some(user) = state.store.user_by_id(&user_id).await? {
            participants.push(Participant {
                user_id,
                username: user.username,
                display_name: user.display_name,
                role,
            });
        }
    }
    participants.sort_by(|a, b| a.username.cmp(&b.username));
    Ok(Json(ParticipantList { participants }))
}

#[utoipa::path(put, path = "/api/v1/meetings/{meeting_id}/participants/{user_id}", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)"), ("user_id" = String, Path)), request_body = SetParticipantRequest, responses((status = 204, description = "Added or role changed"), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn set_participant(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path((meeting_id, user_id)): Path<(String, String)>,
    payload: Result<Json<SetParticipantRequest>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(request) = payload.map_err(bad_json)?;
    editable_meeting(&state, &caller, &meeting_id).await?;
    let user = state
        .store
        .user_by_id(&user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (id, member, role) = (&meeting_id, &user.id, request.role);
    store_change(
        &state,
        &caller,
        &meeting_id,
        "participant.set",
        serde_json::json!({ "user": user.username, "role": request.role }),
        |tx, _| Box::pin(editing::set_participant_in(tx, id, member, role)),
    )
    .await?;
    state.sync.refresh_meeting_access(&meeting_id).await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/meetings/{meeting_id}/participants/{user_id}", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)"), ("user_id" = String, Path)), responses((status = 204, description = "Removed; their sockets close"), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn remove_participant(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path((meeting_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    editable_meeting(&state, &caller, &meeting_id).await?;
    let (id, member) = (&meeting_id, &user_id);
    store_change(
        &state,
        &caller,
        &meeting_id,
        "participant.remove",
        serde_json::json!({ "user_id": user_id }),
        |tx, _| {
            Box::pin(async move {
                if editing::remove_participant_in(tx, id, member).await? {
                    Ok(())
                } else {
                    Err(StoreError::NotFound(format!("participant {member}")))
                }
            })
        },
    )
    .await?;
    state
        .connections
        .close_user_in_meeting(&user_id, &meeting_id);
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/meetings/{meeting_id}/agenda", tag = "agenda", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), request_body = CreateAgendaItemRequest, responses((status = 201, body = AgendaItem), (status = 400, body = ApiError), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn create_agenda_item(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
    payload: Result<Json<CreateAgendaItemRequest>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(request) = payload.map_err(bad_json)?;
    editable_meeting(&state, &caller, &meeting_id).await?;
    if let Some(parent_id) = &request.parent_id {
        let parent = state.store.agenda_item(parent_id).await?;
        match parent {
            Some(parent) if parent.meeting_id == meeting_id && parent.parent_id.is_none() => {}
            _ => {
                return Err(AppError::bad_request(
                    "Mục cha không tồn tại hoặc đã là mục con (chỉ có một cấp mục con).",
                    "The parent item does not exist or is itself a sub-item (one level of sub-items only).",
                ))
            }
        }
    }
    let position = state
        .store
        .next_agenda_position(&meeting_id, request.parent_id.as_deref())
        .await?;
    let item = AgendaItemRecord {
        id: new_id("a"),
        meeting_id: meeting_id.clone(),
        parent_id: request.parent_id.clone(),
        position,
        title: check_text(&request.title, "Tên nội dung", "The item title", 500)?,
        presenter: request
            .presenter
            .as_deref()
            .map(|p| check_text(p, "Người trình bày", "The presenter", 200))
            .transpose()?,
        duration_minutes: check_duration(request.duration_minutes)?,
        updated_at: now_millis(),
    };
    let created = &item;
    store_change(
        &state,
        &caller,
        &meeting_id,
        "agenda.create",
        serde_json::json!({ "item_id": item.id, "title": item.title }),
        |tx, _| Box::pin(editing::create_agenda_item_in(tx, created)),
    )
    .await?;
    let view = load_meeting_view(&state, &caller, &meeting_id).await?;
    let created = find_item(&view.agenda, &item.id)?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

fn find_item(agenda: &[AgendaItem], item_id: &str) -> Result<AgendaItem, AppError> {
    agenda
        .iter()
        .find(|i| i.id == item_id)
        .cloned()
        .ok_or_else(|| AppError::internal("a created agenda item is missing from its meeting"))
}

async fn item_of_meeting(
    state: &AppState,
    meeting_id: &str,
    item_id: &str,
) -> Result<AgendaItemRecord, AppError> {
    state
        .store
        .agenda_item(item_id)
        .await?
        .filter(|item| item.meeting_id == meeting_id)
        .ok_or_else(AppError::not_found)
}

#[utoipa::path(patch, path = "/api/v1/meetings/{meeting_id}/agenda/{item_id}", tag = "agenda", params(("meeting_id" = String, Path, description = "Meeting id (m_…)"), ("item_id" = String, Path)), request_body = UpdateAgendaItemRequest, responses((status = 200, body = AgendaItem), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn update_agenda_item(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path((meeting_id, item_id)): Path<(String, String)>,
    payload: Result<Json<UpdateAgendaItemRequest>, JsonRejection>,
) -> Result<Json<AgendaItem>, AppError> {
    let Json(request) = payload.map_err(bad_json)?;
    editable_meeting(&state, &caller, &meeting_id).await?;
    item_of_meeting(&state, &meeting_id, &item_id).await?;
    let changes = AgendaItemChanges {
        title: request
            .title
            .as_deref()
            .map(|t| check_text(t, "Tên nội dung", "The item title", 500))
            .transpose()?,
        presenter: match request.presenter {
            Some(Some(p)) => Some(Some(check_text(
                &p,
                "Người trình bày",
                "The presenter",
                200,
            )?)),
            other => other.map(|_| None),
        },
        duration_minutes: match request.duration_minutes {
            Some(value) => Some(check_duration(value)?),
            None => None,
        },
    };
    let (id, new_fields) = (&item_id, &changes);
    store_change(
        &state,
        &caller,
        &meeting_id,
        "agenda.update",
        serde_json::json!({ "item_id": item_id }),
        |tx, _| Box::pin(editing::update_agenda_item_in(tx, id, new_fields)),
    )
    .await?;
    let view = load_meeting_view(&state, &caller, &meeting_id).await?;
    Ok(Json(find_item(&view.agenda, &item_id)?))
}

#[utoipa::path(delete, path = "/api/v1/meetings/{meeting_id}/agenda/{item_id}", tag = "agenda", params(("meeting_id" = String, Path, description = "Meeting id (m_…)"), ("item_id" = String, Path)), responses((status = 204, description = "Deleted with its sub-items"), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn delete_agenda_item(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path((meeting_id, item_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    editable_meeting(&state, &caller, &meeting_id).await?;
    let item = item_of_meeting(&state, &meeting_id, &item_id).await?;
    let id = &item_id;
    store_change(
        &state,
        &caller,
        &meeting_id,
        "agenda.delete",
        serde_json::json!({ "item_id": item_id, "title": item.title }),
        |tx, _| Box::pin(editing::delete_agenda_item_in(tx, id)),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks a complete new agenda order against the meeting's items and
/// turns it into placements: every item exactly once, parents before their
/// children, one level of sub-items.
pub fn plan_agenda_order(
    existing: &[AgendaItemRecord],
    request: &AgendaOrderRequest,
) -> Result<Vec<AgendaPlacement>, String> {
    let known: HashSet<&str> = existing.iter().map(|i| i.id.as_str()).collect();
    let mut seen = HashSet::new();
    let mut top_level = HashSet::new();
    let mut positions: HashMap<Option<String>, i64> = HashMap::new();
    let mut placements = Vec::with_capacity(request.items.len());
    for entry in &request.items {
        if !known.contains(entry.id.as_str()) {
            return Err(format!("unknown item {}", entry.id));
        }
        if !seen.insert(entry.id.clone()) {
            return Err(format!("item {} appears twice", entry.id));
        }
        match &entry.parent_id {
            None => {
                top_level.insert(entry.id.clone());
            }
            Some(parent) if top_level.contains(parent) => {}
            Some(parent) => {
                return Err(format!(
                    "item {} must follow its parent {parent}, which must be a top-level item",
                    entry.id
                ))
            }
        }
        let position = positions.entry(entry.parent_id.clone()).or_insert(0);
        placements.push(AgendaPlacement {
            item_id: entry.id.clone(),
            parent_id: entry.parent_id.clone(),
            position: *position,
        });
        *position += 1;
    }
    if seen.len() != known.len() {
        return Err("every agenda item must appear in the new order".into());
    }
    Ok(placements)
}

#[utoipa::path(put, path = "/api/v1/meetings/{meeting_id}/agenda/order", tag = "agenda", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), request_body = AgendaOrderRequest, responses((status = 200, body = Meeting), (status = 400, body = ApiError), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn reorder_agenda(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
    payload: Result<Json<AgendaOrderRequest>, JsonRejection>,
) -> Result<Json<Meeting>, AppError> {
    let Json(request) = payload.map_err(bad_json)?;
    editable_meeting(&state, &caller, &meeting_id).await?;
    let existing = state.store.agenda_items(&meeting_id).await?;
    let placements = plan_agenda_order(&existing, &request).map_err(|reason| {
        AppError::bad_request(
            format!("Thứ tự chương trình họp không hợp lệ: {reason}."),
            format!("The agenda order is not valid: {reason}."),
        )
    })?;
    // Only items whose place changed count as changed.
    let before: HashMap<&str, (Option<&str>, i64)> = existing
        .iter()
        .map(|i| (i.id.as_str(), (i.parent_id.as_deref(), i.position)))
        .collect();
    let moved: Vec<AgendaPlacement> = placements
        .into_iter()
        .filter(|p| before.get(p.item_id.as_str()) != Some(&(p.parent_id.as_deref(), p.position)))
        .collect();
    let (id, placements) = (&meeting_id, &moved);
    store_change(
        &state,
        &caller,
        &meeting_id,
        "agenda.reorder",
        serde_json::json!({ "moved": moved.len() }),
        |tx, _| Box::pin(editing::reorder_agenda_in(tx, id, placements)),
    )
    .await?;
    Ok(Json(load_meeting_view(&state, &caller, &meeting_id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonghop_protocol::api::AgendaOrderEntry;

    fn item(id: &str) -> AgendaItemRecord {
        AgendaItemRecord {
            id: id.into(),
            meeting_id: "m".into(),
            parent_id: None,
            position: 0,
            title: id.into(),
            presenter: None,
            duration_minutes: None,
            updated_at: 0,
        }
    }

    fn entry(id: &str, parent: Option<&str>) -> AgendaOrderEntry {
        AgendaOrderEntry {
            id: id.into(),
            parent_id: parent.map(Into::into),
        }
    }

    #[test]
    fn a_valid_order_numbers_siblings_from_zero() {
        let existing = [item("a"), item("b"), item("c")];
        let plan = plan_agenda_order(
            &existing,
            &AgendaOrderRequest {
                items: vec![entry("b", None), entry("c", Some("b")), entry("a", None)],
            },
        )
        .unwrap();
        assert_eq!(
            plan[0],
            AgendaPlacement {
                item_id: "b".into(),
                parent_id: None,
                position: 0
            }
        );
        assert_eq!(
            plan[1],
            AgendaPlacement {
                item_id: "c".into(),
                parent_id: Some("b".into()),
                position: 0
            }
        );
        assert_eq!(
            plan[2],
            AgendaPlacement {
                item_id: "a".into(),
                parent_id: None,
                position: 1
            }
        );
    }

    #[test]
    fn orders_that_lose_duplicate_or_nest_too_deep_are_refused() {
        let existing = [item("a"), item("b"), item("c")];
        let order = |items| AgendaOrderRequest { items };
        assert!(
            plan_agenda_order(&existing, &order(vec![entry("a", None), entry("b", None)])).is_err()
        );
        assert!(plan_agenda_order(
            &existing,
            &order(vec![
                entry("a", None),
                entry("a", None),
                entry("b", None),
                entry("c", None)
            ])
        )
        .is_err());
        assert!(plan_agenda_order(
            &existing,
            &order(vec![
                entry("a", None),
                entry("b", Some("a")),
                entry("c", Some("b"))
            ])
        )
        .is_err());
        assert!(plan_agenda_order(&existing, &order(vec![entry("x", None)])).is_err());
    }
}
