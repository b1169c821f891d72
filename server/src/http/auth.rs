//! `/api/v1/auth/*`: login, logout, who am I, websocket tickets,
//! `device-wiped`; and the [`AuthenticatedUser`] extractor every other
//! handler uses.
//!
//! The extractors are layered: [`WipingSession`] is any live session
//! (only `POST /auth/device-wiped` takes it, to confirm a wipe);
//! [`OwnAccountSession`] refuses a session whose device an administrator
//! asked to wipe (401 `device_wipe_requested`); [`AuthenticatedUser`]
//! also refuses one that must replace an administrator-set password (403
//! `password_change_required`). The wipe is not a revocation: the session
//! still syncs (`/sync`), so the tablet can send the notes it has not sent
//! yet before it forgets them.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use phonghop_protocol::api::{
    ErrorCode, LoginRequest, LoginResponse, WsTicketRequest, WsTicketResponse,
};

use super::wire::{bad_json, user_to_wire};
use crate::auth::{
    authenticate_secret, clearing_cookie, cookie_value, random_secret, session_cookie,
    session_id_of, valid_device_id, verify_password, AuthenticatedUser, TicketGrant,
    DEFAULT_DEVICE_ID, SESSION_COOKIE,
};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{now_millis, DeviceSighting, NewAuditEntry, SessionRecord};
#[allow(unused_imports)]
use phonghop_protocol::api::*;

/// A handler that takes an [`AuthenticatedUser`] answers 401 to a request
/// without a live session, 401 `device_wipe_requested` to a session whose
/// device an administrator asked to wipe (such a session can only sync its
/// notes (`/sync`) and confirm the wipe: [`WipingSession`]), and 403
/// `password_change_required` while an administrator-set password has not
/// been replaced by the user's own ([`OwnAccountSession`]).
impl FromRequestParts<AppState> for AuthenticatedUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let OwnAccountSession(caller) = OwnAccountSession::from_request_parts(parts, state).await?;
        if caller.session.password_change_required {
            return Err(AppError::new(ErrorCode::PasswordChangeRequired));
        }
        Ok(caller)
    }
}

/// The caller's live session, even while they must change an
/// administrator-set password: only for `GET /auth/me` and
/// `POST /auth/password`.
pub struct OwnAccountSession(pub AuthenticatedUser);

impl FromRequestParts<AppState> for OwnAccountSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let WipingSession(caller) = WipingSession::from_request_parts(parts, state).await?;
        if caller.session.wipe_pending {
            return Err(AppError::new(ErrorCode::DeviceWipeRequested));
        }
        Ok(OwnAccountSession(caller))
    }
}

/// The caller's live session, whether or not a wipe of its device is
/// pending: only for confirming that wipe.
pub struct WipingSession(pub AuthenticatedUser);

impl FromRequestParts<AppState> for WipingSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let secret =
            cookie_value(&parts.headers, SESSION_COOKIE).ok_or_else(AppError::unauthenticated)?;
        authenticate_secret(&state.store, secret)
            .await?
            .map(WipingSession)
            .ok_or_else(AppError::unauthenticated)
    }
}

/// The `User-Agent` of a request, cut to 300 characters, for the device
/// list.
pub(super) fn user_agent_of(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|agent| agent.chars().take(300).collect())
}

fn invalid_device_id() -> AppError {
    AppError::bad_request(
        "Mã thiết bị không hợp lệ: dùng 1-64 chữ cái không dấu, chữ số, \"-\" hoặc \"_\".",
        "The device id is not valid: use 1-64 letters, digits, \"-\" or \"_\".",
    )
}

/// A hash that verifies nothing, checked when the username is unknown so
/// that both failures take as long.
const TIMING_DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, responses((status = 200, description = "Logged in; sets the session cookie", body = LoginResponse), (status = 401, description = "Wrong username or password, or a disabled account (answered alike)", body = ApiError), (status = 429, description = "Too many failed attempts", body = ApiError)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    payload: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(request) = payload.map_err(bad_json)?;
    if request
        .device_id
        .as_deref()
        .is_some_and(|device_id| !valid_device_id(device_id))
    {
        return Err(invalid_device_id());
    }
    let username = request.username.trim().to_lowercase();
    if username.is_empty()
        || request.password.is_empty()
        || username.len() > 100
        || request.password.len() > 1024
    {
        return Err(AppError::with_message(
            ErrorCode::BadRequest,
            "Vui lòng nhập tên đăng nhập và mật khẩu.",
            "Please enter your username and password.",
        ));
    }
    // The account is looked up first: the throttle watches real accounts
    // for distributed attacks (it answers unknown names the same way).
    let user = state.store.user_by_username(&username).await?;
    let admitted = state.login_throttle.lock().expect("throttle lock").admit(
        &username,
        peer.ip(),
        user.is_some(),
        Instant::now(),
    );
    let admitted = match admitted {
        Ok(admitted) => admitted,
        Err(wait) => {
            let seconds = wait.as_secs().max(1);
            return Err(AppError {
                retry_after_seconds: Some(seconds),
                ..AppError::with_message(
                    ErrorCode::TooManyAttempts,
                    format!("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {seconds} giây."),
                    format!("Too many failed logins. Please try again in {seconds} seconds."),
                )
            });
        }
    };

    // A disabled account is checked against the decoy like an unknown
    // name and answered like a wrong password: same code, same work, so
    // nobody learns that the password was right or that the account
    // exists.
    let disabled = user.as_ref().is_some_and(|user| user.disabled);
    let usable = user.filter(|user| !user.disabled);
    let hash = usable
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| TIMING_DECOY_HASH.to_owned());
    let password = request.password.clone();
    let password_ok = state
        .password_workers
        .run(move || verify_password(&password, &hash))
        .await
        .ok_or_else(|| AppError::internal("the password threads are gone"))?;

    let user = match usable {
        Some(user) if password_ok => user,
        _ => {
            state
                .metrics
                .failed_logins
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let address_starts_throttling = state
                .login_throttle
                .lock()
                .expect("throttle lock")
                .failed(peer.ip(), Instant::now());
            let details = serde_json::json!({
                "username": username,
                "address": peer.ip().to_string(),
                "account_disabled": disabled,
            });
            state
                .store
                .append_audit(NewAuditEntry {
                    actor_user_id: None,
                    meeting_id: None,
                    action: "auth.login_failed",
                    details: details.clone(),
                })
                .await?;
            if admitted.starts_throttling || address_starts_throttling {
                tracing::warn!(%username, address = %peer.ip(), "repeated failed logins: slowing down further attempts");
                state
                    .store
                    .append_audit(NewAuditEntry {
                        actor_user_id: None,
                        meeting_id: None,
                        action: "auth.login_throttled",
                        details,
                    })
                    .await?;
            }
            return Err(AppError::new(ErrorCode::InvalidCredentials));
        }
    };
    state
        .login_throttle
        .lock()
        .expect("throttle lock")
        .succeeded(&username, peer.ip(), Instant::now());

    let secret = random_secret();
    let now = now_millis();
    let session = SessionRecord {
        id: session_id_of(&secret),
        user_id: user.id.clone(),
        created_at: now,
        expires_at: now + state.settings.session_lifetime.as_millis() as i64,
        device_id: request.device_id.clone(),
        wipe_pending: false,
        password_change_required: false,
    };
    let opened = &session;
    state
        .store
        .with_audit(
            NewAuditEntry {
                actor_user_id: Some(&user.id),
                meeting_id: None,
                action: "auth.login",
                details: serde_json::json!({
                    "address": peer.ip().to_string(),
                    "device_id": request.device_id,
                }),
            },
            |tx, _| Box::pin(crate::store::create_session_in(tx, opened)),
        )
        .await?;
    if let Some(device_id) = &request.device_id {
        let address = peer.ip().to_string();
        state
            .store
            .device_seen(
                DeviceSighting {
                    user_id: &user.id,
                    device_id,
                    user_agent: user_agent_of(&headers).as_deref(),
                    address: Some(&address),
                    at: now,
                },
                None,
            )
            .await?;
    }
    let cookie = session_cookie(&secret, state.settings.session_lifetime, state.settings.tls);
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(LoginResponse {
            user: user_to_wire(&user, state.store.must_change_password(&user.id).await?),
        }),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204, description = "Session ended")))]
pub async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    if let Some(secret) = cookie_value(&headers, SESSION_COOKIE) {
        state.store.revoke_session(&session_id_of(secret)).await?;
    }
    // The browser's HTTP cache is the one store the web client cannot empty
    // itself (issue 21): it is asked to. Only "cache": the client deletes
    // its own storage, keeping the device id and language a shared tablet
    // keeps ("storage" would take those too).
    Ok((
        StatusCode::NO_CONTENT,
        [
            (header::SET_COOKIE, clearing_cookie(state.settings.tls)),
            (
                header::HeaderName::from_static("clear-site-data"),
                "\"cache\"".to_owned(),
            ),
        ],
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = User), (status = 401, body = ApiError)))]
pub async fn me(
    OwnAccountSession(caller): OwnAccountSession,
) -> Json<phonghop_protocol::api::User> {
    Json(user_to_wire(
        &caller.user,
        caller.session.password_change_required,
    ))
}

/// `POST /auth/ws-ticket`, with an optional JSON body naming the device.
#[utoipa::path(post, path = "/api/v1/auth/ws-ticket", tag = "auth", request_body(content = Option<WsTicketRequest>), responses((status = 200, description = "A one-use ticket valid for 60 s", body = WsTicketResponse), (status = 401, body = ApiError)))]
pub async fn ws_ticket(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    caller: AuthenticatedUser,
    payload: Result<Option<Json<WsTicketRequest>>, JsonRejection>,
) -> Result<Json<WsTicketResponse>, AppError> {
    let request = payload.map_err(bad_json)?.map(|Json(request)| request);
    let named = request.and_then(|request| request.device_id);
    let device_id = named
        .clone()
        .unwrap_or_else(|| DEFAULT_DEVICE_ID.to_owned());
    let peer_id =
        crate::sync::peer_id_for(caller.user_id(), &device_id).map_err(|_| invalid_device_id())?;
    // Joining the live meeting is a connection of the device: it is seen,
    // and a session opened without naming its device takes this one.
    if let Some(device_id) = &named {
        let address = peer.ip().to_string();
        state
            .store
            .device_seen(
                DeviceSighting {
                    user_id: caller.user_id(),
                    device_id,
                    user_agent: user_agent_of(&headers).as_deref(),
                    address: Some(&address),
                    at: now_millis(),
                },
                Some(&caller.session.id),
            )
            .await?;
    }
    let ticket = state.tickets.lock().expect("ticket lock").issue(
        TicketGrant {
            session_id: caller.session.id.clone(),
            user_id: caller.user.id.clone(),
            device_id,
        },
        Instant::now(),
    );
    Ok(Json(WsTicketResponse {
        ticket,
        peer_id: peer_id.to_string(),
    }))
}

/// `POST /auth/device-wiped`: the device removed everything the account
/// left on it after an administrator asked (`device_wipe_requested`). The
/// wipe is marked done, this session ends (its sockets too) and the audit
/// log records it. Answers 409 when no wipe of this session's device is
/// pending.
#[utoipa::path(post, path = "/api/v1/auth/device-wiped", tag = "auth", responses((status = 204, description = "Wipe confirmed; the session is over"), (status = 401, body = ApiError), (status = 409, description = "No wipe of this device is pending", body = ApiError)))]
pub async fn device_wiped(
    State(state): State<AppState>,
    WipingSession(caller): WipingSession,
) -> Result<Response, AppError> {
    let Some(device_id) = caller.session.device_id.clone() else {
        return Err(no_pending_wipe());
    };
    if !caller.session.wipe_pending {
        return Err(no_pending_wipe());
    }
    state
        .store
        .confirm_device_wipe_audited(
            caller.user_id(),
            &device_id,
            &caller.session.id,
            now_millis(),
            NewAuditEntry {
                actor_user_id: Some(caller.user_id()),
                meeting_id: None,
                action: "device.wiped",
                details: serde_json::json!({ "device_id": device_id }),
            },
        )
        .await?;
    state.connections.close_session(&caller.session.id);
    // The browser's HTTP cache is the one store the web client cannot empty
    // itself (issue 21): it is asked to. Only "cache": the client deletes
    // its own storage, keeping the device id and language a shared tablet
    // keeps ("storage" would take those too).
    Ok((
        StatusCode::NO_CONTENT,
        [
            (header::SET_COOKIE, clearing_cookie(state.settings.tls)),
            (
                header::HeaderName::from_static("clear-site-data"),
                "\"cache\"".to_owned(),
            ),
        ],
    )
        .into_response())
}

fn no_pending_wipe() -> AppError {
    AppError::with_message(
        ErrorCode::Conflict,
        "Không có yêu cầu xoá dữ liệu nào đang chờ cho máy này.",
        "No wipe of this device is pending.",
    )
}
