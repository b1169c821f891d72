//! `GET /sync`: the automerge-repo websocket. Everything that can be
//! refused is refused here, before the upgrade: a foreign `Origin` (403),
//! no valid ticket or session cookie (401), a session that must first
//! replace an administrator-set password (403 `password_change_required`),
//! a bad device id (400). A session whose device is to be wiped is let in:
//! `/sync` is how it sends its unsent notes. The socket itself is served
//! by `crate::sync::serve_sync_socket`.

use std::time::Instant;

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use phonghop_protocol::api::SyncConnectQuery;

use super::origin::origin_allowed;
use crate::auth::{authenticate_secret, cookie_value, DEFAULT_DEVICE_ID, SESSION_COOKIE};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::now_millis;
use crate::sync::{configure_upgrade, peer_id_for, serve_sync_socket, SocketIdentity, SyncUser};

pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<SyncConnectQuery>, QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    // Browsers send Origin on websocket handshakes and the cookie goes with
    // them, so a foreign page could otherwise sync as the user.
    if !origin_allowed(&headers, &state.settings.allowed_origins) {
        tracing::warn!(origin = ?headers.get(header::ORIGIN), "refused a sync socket from a foreign origin");
        return Err(AppError::forbidden());
    }
    let Query(query) = query.map_err(|rejection| {
        AppError::bad_request(
            format!("Địa chỉ không hợp lệ: {}", rejection.body_text()),
            format!("The query string is not valid: {}", rejection.body_text()),
        )
    })?;
    let identity = authenticate(&state, &headers, query).await?;
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return Ok(rejection.into_response()),
    };
    // During shutdown the socket is accepted and closed at once with 1001,
    // which tells the client to come back.
    let sockets = state.socket_services();
    let sync = state.sync.clone();
    Ok(configure_upgrade(upgrade, state.sync.limits())
        .on_upgrade(move |socket| async move {
            serve_sync_socket(sockets, sync, socket, identity).await;
        })
        .into_response())
}

/// The ticket when there is one (it is used up even if the upgrade then
/// fails), else the session cookie.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    query: SyncConnectQuery,
) -> Result<SocketIdentity, AppError> {
    let (session_id, user_id, device_id) = match &query.ticket {
        Some(ticket) => {
            let grant = state
                .tickets
                .lock()
                .expect("ticket lock")
                .redeem(ticket, Instant::now())
                .ok_or_else(AppError::unauthenticated)?;
            (grant.session_id, grant.user_id, grant.device_id)
        }
        None => {
            let secret =
                cookie_value(headers, SESSION_COOKIE).ok_or_else(AppError::unauthenticated)?;
            let caller = authenticate_secret(&state.store, secret)
                .await?
                .ok_or_else(AppError::unauthenticated)?;
            let device_id = query
                .device_id
                .clone()
                .unwrap_or_else(|| DEFAULT_DEVICE_ID.to_owned());
            (caller.session.id, caller.user.id, device_id)
        }
    };
    // The session must still be live (a ticket outlives nothing: logout or
    // disabling the account in its 60 s ends it too).
    let (session, user) = state
        .store
        .live_session(&session_id, now_millis())
        .await?
        .filter(|(_, user)| user.id == user_id)
        .ok_or_else(AppError::unauthenticated)?;
    // Notes wait until the user has chosen their own password.
    if session.password_change_required {
        return Err(AppError::new(
            phonghop_protocol::api::ErrorCode::PasswordChangeRequired,
        ));
    }
    let peer_id = peer_id_for(&user.id, &device_id).map_err(|_| {
        AppError::bad_request(
            "Mã thiết bị không hợp lệ: dùng 1-64 chữ cái không dấu, chữ số, \"-\" hoặc \"_\".",
            "The device id is not valid: use 1-64 letters, digits, \"-\" or \"_\".",
        )
    })?;
    Ok(SocketIdentity {
        user: SyncUser {
            user_id: user.id,
            org_role: user.org_role,
        },
        session_id: session.id,
        peer_id,
    })
}
