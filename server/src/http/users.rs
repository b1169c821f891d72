//! `/api/v1/users*`: accounts, for administrators (and the list for
//! secretaries, who pick participants from it).
//!
//! Also an account's devices (for administrators, and for the account's
//! owner) and "wipe this device" (administrators; audited, and the
//! device's sockets are closed at once). A password reset without a
//! password answers a one-time password the server made, shown once.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use phonghop_protocol::api::{
    CreateUserRequest, CreatedUser, ErrorCode, OrgRole, ResetPasswordRequest, SetUserRoleRequest,
    UserAccount, UserList,
};

use super::wire::bad_json;
use crate::auth::AuthenticatedUser;
use crate::connections::CloseReason;
use crate::console::{validate_password, validate_username};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{
    new_id, now_millis, DeviceRecord, NewAuditEntry, PasswordSetBy, StoreError, UserRecord,
};
#[allow(unused_imports)]
use phonghop_protocol::api::*;

fn account(user: &UserRecord) -> UserAccount {
    UserAccount {
        id: user.id.clone(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.org_role,
        disabled: user.disabled,
    }
}

pub(super) fn require_admin(caller: &AuthenticatedUser) -> Result<(), AppError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = UserList), (status = 403, body = ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
) -> Result<Json<UserList>, AppError> {
    if !matches!(caller.user.org_role, OrgRole::Admin | OrgRole::Secretary) {
        return Err(AppError::forbidden());
    }
    let users = state
        .store
        .list_users()
        .await?
        .iter()
        .map(account)
        .collect();
    Ok(Json(UserList { users }))
}

/// A handler's answer when the account to act on is the caller's own and
/// the change would lock them out.
fn not_on_yourself(vi: &str, en: &str) -> AppError {
    AppError::bad_request(vi, en)
}

/// `POST /users` (administrators). Without a password the server makes a
/// one-time one, answers it once, and the user must choose their own at
/// the first login; with one (scripts, tests) the account uses it as is.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserRequest, responses((status = 201, body = CreatedUser), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    payload: Result<Json<CreateUserRequest>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(request) = payload.map_err(bad_json)?;
    require_admin(&caller)?;
    let username = validate_username(&request.username)
        .map_err(|e| AppError::bad_request(format!("Tên đăng nhập không hợp lệ: chỉ dùng chữ a-z, số, '.', '_', '-' (2–64 ký tự). ({e})"), e.to_string()))?;
    let made_here = request.password.is_none();
    let password = request
        .password
        .unwrap_or_else(crate::auth::one_time_password);
    validate_password(&password)
        .map_err(|e| AppError::bad_request("Mật khẩu phải có ít nhất 8 ký tự.", e.to_string()))?;
    let display_name = request.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > crate::roster::MAX_NAME_CHARS {
        return Err(AppError::bad_request(
            "Họ tên không được để trống (tối đa 200 ký tự).",
            "The display name must not be empty (at most 200 characters).",
        ));
    }
    let to_hash = password.clone();
    let password_hash = state
        .password_workers
        .run(move || crate::auth::hash_password(&to_hash))
        .await
        .ok_or_else(|| AppError::internal("the password threads are gone"))?
        .map_err(AppError::internal)?;
    let user = UserRecord {
        id: new_id("u"),
        username,
        display_name: display_name.to_owned(),
        org_role: request.role,
        password_hash,
        disabled: false,
        created_at: now_millis(),
    };
    match state
        .store
        .create_user_audited(&user, made_here, Some(caller.user_id()))
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::with_message(
                ErrorCode::Conflict,
                format!(
                    "Tên đăng nhập “{}” đã có người dùng. Hãy chọn tên khác.",
                    user.username
                ),
                format!(
                    "The username “{}” is taken. Please choose another.",
                    user.username
                ),
            ))
        }
        Err(error) => return Err(error.into()),
    }
    let created = CreatedUser {
        id: user.id.clone(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.org_role,
        disabled: user.disabled,
        one_time_password: made_here.then_some(password),
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `POST /users/{id}/disable|enable`.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/{action}", tag = "users", params(("user_id" = String, Path), ("action" = String, Path, description = "disable or enable")), responses((status = 200, body = UserAccount), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn set_disabled(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path((user_id, action)): Path<(String, String)>,
) -> Result<Json<UserAccount>, AppError> {
    require_admin(&caller)?;
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(AppError::not_found()),
    };
    if disabled && user_id == caller.user_id() {
        return Err(not_on_yourself(
            "Bạn không thể tự khóa tài khoản của mình.",
            "You cannot disable your own account.",
        ));
    }
    let user = state
        .store
        .user_by_id(&user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    state
        .store
        .set_user_disabled_audited(&user, disabled, Some(caller.user_id()))
        .await?;
    if disabled {
        state
            .connections
            .close_user(&user.id, CloseReason::SessionEnded);
    }
    let user = state
        .store
        .user_by_id(&user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Json(account(&user)))
}

/// `POST /users/{id}/role` (administrators): the account's
/// organisation-wide role. An administrator cannot change their own (the
/// district would be left without one by a slip). The account's sockets
/// are closed, so what it sees live follows the new role at once.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/role", tag = "users", params(("user_id" = String, Path)), request_body = SetUserRoleRequest, responses((status = 200, body = UserAccount), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn set_role(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(user_id): Path<String>,
    payload: Result<Json<SetUserRoleRequest>, JsonRejection>,
) -> Result<Json<UserAccount>, AppError> {
    let Json(request) = payload.map_err(bad_json)?;
    require_admin(&caller)?;
    if user_id == caller.user_id() {
        return Err(not_on_yourself(
            "Bạn không thể tự đổi vai trò của mình. Hãy nhờ một quản trị viên khác.",
            "You cannot change your own role. Ask another administrator.",
        ));
    }
    let user = state
        .store
        .user_by_id(&user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if user.org_role != request.role {
        state
            .store
            .set_user_role_audited(&user, request.role, caller.user_id())
            .await?;
        state
            .connections
            .close_user(&user.id, CloseReason::AccessChanged);
    }
    let user = state
        .store
        .user_by_id(&user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Json(account(&user)))
}

#[utoipa::path(post, path = "/api/v1/users/{user_id}/password", tag = "users", params(("user_id" = String, Path)), request_body = ResetPasswordRequest, responses((status = 200, description = "No password was given: the one-time password the server made, shown once", body = OneTimePassword), (status = 204, description = "Password set; sessions ended; the user must choose their own at the next login"), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(user_id): Path<String>,
    payload: Result<Json<ResetPasswordRequest>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(request) = payload.map_err(bad_json)?;
    require_admin(&caller)?;
    let made_here = request.password.is_none();
    let password = request
        .password
        .unwrap_or_else(crate::auth::one_time_password);
    validate_password(&password)
        .map_err(|e| AppError::bad_request("Mật khẩu phải có ít nhất 8 ký tự.", e.to_string()))?;
    let user = state
        .store
        .user_by_id(&user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let to_hash = password.clone();
    let hash = state
        .password_workers
        .run(move || crate::auth::hash_password(&to_hash))
        .await
        .ok_or_else(|| AppError::internal("the password threads are gone"))?
        .map_err(AppError::internal)?;
    state
        .store
        .set_password_audited(
            &user.id,
            &hash,
            PasswordSetBy::Administrator,
            NewAuditEntry {
                actor_user_id: Some(caller.user_id()),
                meeting_id: None,
                action: "account.reset_password",
                details: serde_json::json!({ "username": user.username, "one_time": made_here }),
            },
        )
        .await?;
    state
        .connections
        .close_user(&user.id, CloseReason::SessionEnded);
    if made_here {
        Ok(Json(OneTimePassword { password }).into_response())
    } else {
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

fn device_info(device: &DeviceRecord) -> DeviceInfo {
    DeviceInfo {
        device_id: device.device_id.clone(),
        user_agent: device.user_agent.clone(),
        address: device.address.clone(),
        first_seen_at_ms: device.first_seen_at,
        last_seen_at_ms: device.last_seen_at,
        wipe_requested_at_ms: device.wipe_requested_at,
        wiped_at_ms: device.wiped_at,
        wipe_pending: device.wipe_pending(),
    }
}

/// `GET /users/{id}/devices`: for administrators, and for the account's
/// owner (their own devices only).
#[utoipa::path(get, path = "/api/v1/users/{user_id}/devices", tag = "users", params(("user_id" = String, Path)), responses((status = 200, body = DeviceList), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn devices(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(user_id): Path<String>,
) -> Result<Json<DeviceList>, AppError> {
    if !caller.is_admin() && caller.user_id() != user_id {
        return Err(AppError::forbidden());
    }
    let user = state
        .store
        .user_by_id(&user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let devices = state
        .store
        .devices_of_user(&user.id)
        .await?
        .iter()
        .map(device_info)
        .collect();
    Ok(Json(DeviceList { devices }))
}

/// `POST /users/{id}/devices/{device_id}/wipe` (administrators): the
/// device removes everything the account left on it at its next
/// connection and confirms (`POST /auth/device-wiped`). Its open sockets
/// are closed now, so a device in use hears of it within seconds.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/devices/{device_id}/wipe", tag = "users", params(("user_id" = String, Path), ("device_id" = String, Path)), responses((status = 200, body = DeviceInfo), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn wipe_device(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path((user_id, device_id)): Path<(String, String)>,
) -> Result<Json<DeviceInfo>, AppError> {
    require_admin(&caller)?;
    let user = state
        .store
        .user_by_id(&user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (_, sessions) = state
        .store
        .request_device_wipe_audited(
            &user.id,
            &device_id,
            caller.user_id(),
            now_millis(),
            NewAuditEntry {
                actor_user_id: Some(caller.user_id()),
                meeting_id: None,
                action: "device.wipe_requested",
                details: serde_json::json!({
                    "username": user.username,
                    "device_id": device_id,
                }),
            },
        )
        .await?;
    for session_id in &sessions {
        state.connections.close_session(session_id);
    }
    let device = state
        .store
        .device(&user.id, &device_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Json(device_info(&device)))
}
