//! `/api/v1/auth/password` and `/api/v1/auth/sessions*`: what every user
//! does with their own account. They change their password (which they
//! must, before anything else, after an administrator set it), and they
//! see and end their own sessions, say the one left open on a shared
//! tablet.
//!
//! An administrator's reset sets `users.must_change_password`, which
//! `Store::live_session` reports with the session; until the user's own
//! password replaces it, every other handler answers 403
//! `password_change_required` (`AuthenticatedUser` refuses it,
//! `OwnAccountSession`, which `GET /auth/me` and `POST /auth/password`
//! take, does not), and `/sync` and `/live` refuse it before the upgrade.
//! Changing one's own password lifts it and ends the account's other
//! sessions.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use phonghop_protocol::api::{ChangePasswordRequest, ErrorCode, SessionInfo, SessionList};

use super::auth::OwnAccountSession;
use super::wire::bad_json;
use crate::auth::{verify_password, AuthenticatedUser};
use crate::console::validate_password;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{now_millis, NewAuditEntry, PasswordSetBy};
#[allow(unused_imports)]
use phonghop_protocol::api::*;

/// `POST /auth/password`: the current password, then the new one. Every
/// other session of the account ends; this one stays.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = ChangePasswordRequest, responses((status = 204, description = "Changed; the account's other sessions ended"), (status = 400, description = "The new password is too short, too long, or the same as the current one", body = ApiError), (status = 401, description = "Not logged in, or the current password is wrong", body = ApiError)))]
pub async fn change_password(
    State(state): State<AppState>,
    OwnAccountSession(caller): OwnAccountSession,
    payload: Result<Json<ChangePasswordRequest>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(request) = payload.map_err(bad_json)?;
    validate_password(&request.new_password).map_err(|e| {
        AppError::bad_request("Mật khẩu mới phải có từ 8 ký tự trở lên.", e.to_string())
    })?;
    if request.new_password == request.current_password {
        return Err(AppError::bad_request(
            "Mật khẩu mới phải khác mật khẩu hiện tại.",
            "The new password must differ from the current one.",
        ));
    }
    let stored = caller.user.password_hash.clone();
    let current = request.current_password.clone();
    let new_password = request.new_password.clone();
    let (current_ok, hash) = state
        .password_workers
        .run(move || {
            let ok = verify_password(&current, &stored);
            (ok, ok.then(|| crate::auth::hash_password(&new_password)))
        })
        .await
        .ok_or_else(|| AppError::internal("the password threads are gone"))?;
    if !current_ok {
        return Err(AppError::new(ErrorCode::InvalidCredentials));
    }
    let hash = hash
        .ok_or_else(|| AppError::internal("no hash was made"))?
        .map_err(AppError::internal)?;
    state
        .store
        .set_password_audited(
            caller.user_id(),
            &hash,
            PasswordSetBy::Owner {
                keep_session_id: &caller.session.id,
            },
            NewAuditEntry {
                actor_user_id: Some(caller.user_id()),
                meeting_id: None,
                action: "account.change_password",
                details: serde_json::json!({ "username": caller.user.username }),
            },
        )
        .await?;
    // Sockets of the sessions that just ended close now.
    state
        .connections
        .close_other_sessions(caller.user_id(), &caller.session.id);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /auth/sessions`: the caller's live sessions, newest first.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", responses((status = 200, body = SessionList), (status = 401, body = ApiError)))]
pub async fn sessions(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
) -> Result<Json<SessionList>, AppError> {
    let sessions = state
        .store
        .live_sessions_of_user(caller.user_id(), now_millis())
        .await?
        .into_iter()
        .map(|session| SessionInfo {
            current: session.id == caller.session.id,
            id: session.id,
            created_at_ms: session.created_at,
            expires_at_ms: session.expires_at,
            device_id: session.device_id,
            user_agent: session.user_agent,
            last_seen_at_ms: session.last_seen_at,
        })
        .collect();
    Ok(Json(SessionList { sessions }))
}

/// `DELETE /auth/sessions/{id}`: ends one of the caller's own sessions
/// (another account's session id answers 404, as an unknown one does).
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{session_id}", tag = "auth", params(("session_id" = String, Path, description = "An id from GET /auth/sessions")), responses((status = 204, description = "Ended; its sockets are closed"), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn end_session(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(session_id): Path<String>,
) -> Result<StatusCode, AppError> {
    state
        .store
        .end_own_session_audited(
            caller.user_id(),
            &session_id,
            NewAuditEntry {
                actor_user_id: Some(caller.user_id()),
                meeting_id: None,
                action: "account.end_session",
                details: serde_json::json!({
                    "username": caller.user.username,
                    "own_session": session_id == caller.session.id,
                }),
            },
        )
        .await?;
    state.connections.close_session(&session_id);
    Ok(StatusCode::NO_CONTENT)
}
