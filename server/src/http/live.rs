//! `GET /live`: the live meeting's websocket. What can be refused is
//! refused here, before the upgrade: a foreign `Origin` (403), no valid
//! ticket or session cookie (401), a session whose device is to be wiped
//! (401 `device_wipe_requested`), one that must first replace an
//! administrator-set password (403 `password_change_required`), a request
//! that is not a websocket upgrade (400 or 426). The upgrade is done by
//! hand rather than by axum's `WebSocketUpgrade` (see `crate::live::socket`
//! for why); the socket itself is served by
//! `crate::live::socket::serve_upgraded`.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::origin::origin_allowed;
use crate::auth::{authenticate_secret, cookie_value, SESSION_COOKIE};
use crate::error::AppError;
use crate::live::socket::{serve_upgraded, LiveServices};
use crate::state::AppState;
use crate::store::{now_millis, UserRecord};

/// `/live`'s query string: a one-use ticket, for clients that cannot send
/// the session cookie.
#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    #[serde(default)]
    ticket: Option<String>,
}

pub async fn upgrade(
    State(state): State<AppState>,
    Query(query): Query<LiveQuery>,
    request: Request,
) -> Result<Response, AppError> {
    let headers = request.headers();
    // Browsers send Origin on websocket handshakes and the cookie goes with
    // them, so a foreign page could otherwise take part as the user.
    if !origin_allowed(headers, &state.settings.allowed_origins) {
        tracing::warn!(origin = ?headers.get(header::ORIGIN), "refused a live socket from a foreign origin");
        return Err(AppError::forbidden());
    }
    let (session_id, user) = authenticate(&state, headers, query.ticket.as_deref()).await?;
    let (accept, on_upgrade) = match handshake(request) {
        Ok(handshake) => handshake,
        Err(refusal) => return Ok(refusal.into_response()),
    };
    let services = LiveServices {
        sockets: state.socket_services(),
        store: state.store.clone(),
        hub: state.live.clone(),
    };
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        serve_upgraded(services, upgraded, session_id, user).await;
    });
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    Ok(response)
}

/// Checks an HTTP/1.1 websocket upgrade request (RFC 6455 section 4.2.1)
/// and returns the `Sec-WebSocket-Accept` value and the upgrade to await,
/// or why it is not one, with the status axum's `WebSocketUpgrade` answers
/// (400, or 426 when the connection cannot be upgraded).
fn handshake(
    mut request: Request,
) -> Result<(HeaderValue, hyper::upgrade::OnUpgrade), (StatusCode, &'static str)> {
    let headers = request.headers();
    let has = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|value| {
            value.to_str().is_ok_and(|value| {
                value
                    .split(',')
                    .any(|part| part.trim().eq_ignore_ascii_case(token))
            })
        })
    };
    let bad = |why| Err((StatusCode::BAD_REQUEST, why));
    if request.version() != Version::HTTP_11 {
        return bad("a websocket needs HTTP/1.1");
    }
    if !has(header::CONNECTION, "upgrade") {
        return bad("Connection header did not include 'upgrade'");
    }
    if !has(header::UPGRADE, "websocket") {
        return bad("`Upgrade` header did not include 'websocket'");
    }
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_none_or(|version| version.as_bytes() != b"13")
    {
        return bad("websocket version must be 13");
    }
    let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) else {
        return bad("`Sec-WebSocket-Key` header missing");
    };
    let accept = HeaderValue::from_str(&derive_accept_key(key.as_bytes()))
        .expect("base64 is a valid header value");
    let Some(on_upgrade) = request
        .extensions_mut()
        .remove::<hyper::upgrade::OnUpgrade>()
    else {
        return Err((
            StatusCode::UPGRADE_REQUIRED,
            "connection cannot be upgraded",
        ));
    };
    Ok((accept, on_upgrade))
}

/// The ticket when there is one, else the session cookie; the session
/// must be live either way.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    ticket: Option<&str>,
) -> Result<(String, UserRecord), AppError> {
    let session_id = match ticket {
        Some(ticket) => {
            state
                .tickets
                .lock()
                .expect("ticket lock")
                .redeem(ticket, Instant::now())
                .ok_or_else(AppError::unauthenticated)?
                .session_id
        }
        None => {
            let secret =
                cookie_value(headers, SESSION_COOKIE).ok_or_else(AppError::unauthenticated)?;
            authenticate_secret(&state.store, secret)
                .await?
                .ok_or_else(AppError::unauthenticated)?
                .session
                .id
        }
    };
    let (session, user) = state
        .store
        .live_session(&session_id, now_millis())
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    // A device an administrator asked to wipe joins no meeting: it hears
    // `device_wipe_requested` and wipes (only `/sync`, for its unsynced
    // notes, stays open to it).
    if session.wipe_pending {
        return Err(AppError::new(
            phonghop_protocol::api::ErrorCode::DeviceWipeRequested,
        ));
    }
    if session.password_change_required {
        return Err(AppError::new(
            phonghop_protocol::api::ErrorCode::PasswordChangeRequired,
        ));
    }
    Ok((session.id, user))
}
