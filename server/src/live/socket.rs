//! One `/live` websocket: refuse before the upgrade what can be refused
//! (foreign `Origin`, no session or ticket), then `hello` → `welcome`, then
//! requests (each answered once) and the room's events, until the client
//! leaves, its access ends, or the server stops.

use std::time::{Duration, Instant};

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use phonghop_protocol::live::{
    ClientMessage, HelloRefusal, LiveErrorCode, ServerMessage, OLDEST_SUPPORTED_CLIENT_VERSION,
    PROTOCOL_VERSION,
};
use serde::Deserialize;

use super::room::Actor;
use super::{handle_request, request_id, to_json};
use crate::access::{self, MeetingViewer};
use crate::auth::{authenticate_secret, cookie_value, SESSION_COOKIE};
use crate::connections::CloseReason;
use crate::error::AppError;
use crate::store::{now_millis, UserRecord};
use crate::AppState;

/// The largest `/live` message accepted: these are small by design.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// How long a client has to say hello.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Requests per second a connection may sustain, and its burst.
const RATE_PER_SECOND: f64 = 20.0;
const RATE_BURST: f64 = 60.0;
/// Refused requests after which a flooding client is disconnected.
const FLOOD_LIMIT: u32 = 200;

/// Close codes the client can act on.
pub mod close_code {
    pub const GOING_AWAY: u16 = 1001;
    pub const PROTOCOL_ERROR: u16 = 1002;
    pub const UNSUPPORTED_DATA: u16 = 1003;
    pub const POLICY_VIOLATION: u16 = 1008;
    /// The session ended: log in again.
    pub const SESSION_ENDED: u16 = 4001;
    /// Access changed: reconnect (and maybe find the meeting gone).
    pub const ACCESS_CHANGED: u16 = 4003;
    /// The client fell too far behind the events: reconnect for a snapshot.
    pub const TOO_SLOW: u16 = 4008;
}

#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    #[serde(default)]
    ticket: Option<String>,
}

pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LiveQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    if !crate::http::origin_allowed(&headers, &state.settings.allowed_origins) {
        tracing::warn!(origin = ?headers.get(header::ORIGIN), "refused a live socket from a foreign origin");
        return Err(AppError::forbidden());
    }
    let (session_id, user) = authenticate(&state, &headers, query.ticket.as_deref()).await?;
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return Ok(rejection.into_response()),
    };
    Ok(upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        // Small buffers: a meeting holds hundreds of idle sockets.
        .read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024)
        .max_write_buffer_size(1024 * 1024)
        .on_upgrade(move |socket| serve(state, socket, session_id, user))
        .into_response())
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
            authenticate_secret(state, secret)
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
    Ok((session.id, user))
}

fn valid_device_id(device_id: &str) -> bool {
    (1..=64).contains(&device_id.len())
        && device_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// How long one outgoing message may wait for the client to read. A client
/// that stops reading fills its socket's buffers and then blocks the send;
/// without a limit its task (and its place in the room's events) would
/// wait forever and never notice it fell behind. After this it is dropped:
/// it reconnects and gets a fresh snapshot.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

async fn send(
    sender: &mut futures::stream::SplitSink<WebSocket, Message>,
    state: &AppState,
    json: &str,
) -> bool {
    state
        .metrics
        .websocket_messages_out
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    match tokio::time::timeout(SEND_TIMEOUT, sender.send(Message::Text(json.into()))).await {
        Ok(sent) => sent.is_ok(),
        Err(_) => {
            tracing::warn!("a live client stopped reading: dropped");
            false
        }
    }
}

async fn close(
    sender: &mut futures::stream::SplitSink<WebSocket, Message>,
    code: u16,
    reason: &str,
) {
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        sender.send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))),
    )
    .await;
}

/// A token bucket: `RATE_PER_SECOND` sustained, `RATE_BURST` at once.
struct RateLimit {
    tokens: f64,
    last: Instant,
}

impl RateLimit {
    fn admit(&mut self, now: Instant) -> bool {
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * RATE_PER_SECOND).min(RATE_BURST);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

struct Gauge<'a>(&'a AppState);

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        self.0
            .metrics
            .websocket_connections
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

async fn serve(state: AppState, socket: WebSocket, session_id: String, user: UserRecord) {
    let _task = state.shutdown.task_guard();
    state
        .metrics
        .websocket_connections
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let _gauge = Gauge(&state);
    let mut connection = state.connections.register(&user.id, &session_id);
    let (mut sender, mut receiver) = socket.split();

    // 1. hello
    let refuse = |code: HelloRefusal, message: &str| {
        to_json(&ServerMessage::HelloRefused {
            code,
            message: message.to_owned(),
        })
    };
    let hello = match tokio::time::timeout(HELLO_TIMEOUT, receiver.next()).await {
        Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<ClientMessage>(&text).ok(),
        _ => None,
    };
    let Some(ClientMessage::Hello {
        protocol_version,
        meeting_id,
        device_id,
    }) = hello
    else {
        send(
            &mut sender,
            &state,
            &refuse(HelloRefusal::BadHello, "the first message must be hello"),
        )
        .await;
        close(&mut sender, close_code::PROTOCOL_ERROR, "hello expected").await;
        return;
    };
    if protocol_version < OLDEST_SUPPORTED_CLIENT_VERSION {
        send(
            &mut sender,
            &state,
            &refuse(
                HelloRefusal::ClientTooOld,
                "Ứng dụng đã cũ: hãy tải lại trang để cập nhật.",
            ),
        )
        .await;
        close(&mut sender, close_code::POLICY_VIOLATION, "client too old").await;
        return;
    }
    if protocol_version > PROTOCOL_VERSION {
        send(
            &mut sender,
            &state,
            &refuse(
                HelloRefusal::ServerTooOld,
                "Máy chủ cũ hơn ứng dụng: báo quản trị viên cập nhật máy chủ.",
            ),
        )
        .await;
        close(&mut sender, close_code::POLICY_VIOLATION, "server too old").await;
        return;
    }
    let role = match (
        state.store.meeting(&meeting_id).await,
        state.store.participant_role(&meeting_id, &user.id).await,
    ) {
        (Ok(Some(meeting)), Ok(Some(role)))
            if valid_device_id(&device_id)
                && access::can_see_meeting(
                    MeetingViewer {
                        org_role: user.org_role,
                        meeting_role: Some(role),
                    },
                    meeting.state,
                ) =>
        {
            role
        }
        _ => {
            send(
                &mut sender,
                &state,
                &refuse(
                    HelloRefusal::NotFound,
                    "Không tìm thấy cuộc họp, hoặc bạn không tham dự cuộc họp này.",
                ),
            )
            .await;
            close(
                &mut sender,
                close_code::POLICY_VIOLATION,
                "not a participant",
            )
            .await;
            return;
        }
    };
    let handle = match state.live.room(&state.store, &meeting_id).await {
        Ok(handle) => handle,
        Err(error) => {
            tracing::error!(%error, "cannot load a live room");
            close(&mut sender, 1011, "server error").await;
            return;
        }
    };
    let actor = Actor {
        user_id: user.id.clone(),
        role,
    };
    let staff = matches!(
        role,
        phonghop_protocol::api::MeetingRole::Chair | phonghop_protocol::api::MeetingRole::Secretary
    );
    let (welcome, mut events) = {
        let mut room = handle.room.lock().await;
        let presence = room.device_connected(&user.id, now_millis());
        let _ = handle.events.send(super::Event {
            audience: presence.audience,
            json: to_json(&presence.message),
        });
        // Subscribe under the lock: no event falls between the snapshot
        // and the stream.
        let events = handle.events.subscribe();
        let welcome = ServerMessage::Welcome {
            protocol_version: PROTOCOL_VERSION,
            user_id: user.id.clone(),
            role,
            state: Box::new(room.snapshot(&actor)),
        };
        (welcome, events)
    };
    if !send(&mut sender, &state, &to_json(&welcome)).await {
        disconnect(&state, &handle, &user.id, &device_id).await;
        return;
    }

    // 2. requests and events
    let mut rate = RateLimit {
        tokens: RATE_BURST,
        last: Instant::now(),
    };
    let mut refused = 0u32;
    loop {
        tokio::select! {
            incoming = receiver.next() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Binary(_))) => {
                        close(&mut sender, close_code::UNSUPPORTED_DATA, "live messages are JSON text").await;
                        break;
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_))) | None => break,
                    Some(Err(error)) => {
                        tracing::info!(%error, user_id = %user.id, "live socket error (oversized or broken frame)");
                        close(&mut sender, close_code::POLICY_VIOLATION, "message too large or malformed").await;
                        break;
                    }
                };
                state.metrics.websocket_messages_in.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if !rate.admit(Instant::now()) {
                    refused += 1;
                    if refused > FLOOD_LIMIT {
                        tracing::warn!(user_id = %user.id, "live client flooding: closed");
                        close(&mut sender, close_code::POLICY_VIOLATION, "too many messages").await;
                        break;
                    }
                    let id = serde_json::from_str::<ClientMessage>(&text).map(|m| request_id(&m)).unwrap_or(0);
                    let reply = ServerMessage::Error { id, code: LiveErrorCode::RateLimited, message: "Quá nhiều yêu cầu, vui lòng chậm lại.".into() };
                    if !send(&mut sender, &state, &to_json(&reply)).await { break; }
                    continue;
                }
                let reply = match serde_json::from_str::<ClientMessage>(&text) {
                    Ok(request) => handle_request(&state.store, &handle, &actor, &device_id, &request).await,
                    Err(error) => {
                        refused += 1;
                        if refused > FLOOD_LIMIT {
                            close(&mut sender, close_code::POLICY_VIOLATION, "too many bad messages").await;
                            break;
                        }
                        // Answer with the id when the message has one.
                        let id = serde_json::from_str::<serde_json::Value>(&text)
                            .ok()
                            .and_then(|v| v.get("id").and_then(|id| id.as_u64()))
                            .unwrap_or(0);
                        ServerMessage::Error { id, code: LiveErrorCode::BadRequest, message: format!("not a valid message: {error}") }
                    }
                };
                if !send(&mut sender, &state, &to_json(&reply)).await { break; }
            }
            event = events.recv() => {
                match event {
                    Ok(event) => {
                        let for_me = event.audience.includes(&user.id, staff);
                        if for_me && !send(&mut sender, &state, &event.json).await {
                            break;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        close(&mut sender, close_code::TOO_SLOW, "fell behind: reconnect").await;
                        break;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
            reason = connection.close_requested() => {
                let (code, text) = match reason {
                    CloseReason::SessionEnded => (close_code::SESSION_ENDED, "session ended"),
                    CloseReason::AccessChanged => (close_code::ACCESS_CHANGED, "access changed"),
                };
                close(&mut sender, code, text).await;
                break;
            }
            _ = state.shutdown.triggered() => {
                close(&mut sender, close_code::GOING_AWAY, "server restarting").await;
                break;
            }
        }
    }
    disconnect(&state, &handle, &user.id, &device_id).await;
}

async fn disconnect(state: &AppState, handle: &super::RoomHandle, user_id: &str, device_id: &str) {
    let mut room = handle.room.lock().await;
    for broadcast in room.device_disconnected(user_id, device_id) {
        let _ = handle.events.send(super::Event {
            audience: broadcast.audience,
            json: to_json(&broadcast.message),
        });
    }
    let _ = state;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_are_short_and_plain() {
        assert!(valid_device_id("tablet-07_a"));
        assert!(!valid_device_id(""));
        assert!(!valid_device_id("../x"));
        assert!(!valid_device_id(&"x".repeat(65)));
    }

    #[test]
    fn rate_limit_allows_a_burst_then_throttles() {
        let now = Instant::now();
        let mut rate = RateLimit {
            tokens: RATE_BURST,
            last: now,
        };
        let admitted = (0..100).filter(|_| rate.admit(now)).count();
        assert_eq!(admitted, RATE_BURST as usize);
        assert!(
            rate.admit(now + Duration::from_secs(1)),
            "tokens refill with time"
        );
    }
}
