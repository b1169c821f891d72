//! One `/live` websocket, once `http::live` has checked and accepted the
//! upgrade: `hello` → `welcome`, then requests (each answered once) and
//! the room's events, until the client leaves, its access ends, or the
//! server stops.
//!
//! A meeting keeps thousands of these sockets open and mostly idle, so what
//! each one holds matters more than speed. The upgrade is done by hand
//! rather than by axum's `WebSocketUpgrade` because axum's socket cannot send a
//! message in several frames: tungstenite writes a whole frame into its
//! write buffer, which keeps that capacity for the life of the socket, so
//! one 400 kB welcome would leave 400 kB behind. Here a long message goes
//! out in [`FRAME_BYTES`] frames, one after the other, and the buffer
//! never holds more than one. A client that leaves a message unread for
//! [`SEND_TIMEOUT`] is dropped rather than waited for; it reconnects and
//! gets a fresh welcome.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use phonghop_protocol::close::CloseCode;
use phonghop_protocol::live::{
    ClientMessage, HelloRefusal, LiveErrorCode, ServerMessage, OLDEST_SUPPORTED_CLIENT_VERSION,
    PROTOCOL_VERSION,
};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::WebSocketStream;

use super::room::Actor;
use super::{handle_request, request_id, to_json, LiveHub};
use crate::access::{self, MeetingViewer};
use crate::connections::{CloseReason, SocketServices};
use crate::metrics::Metrics;
use crate::store::{now_millis, Store, UserRecord};

/// The largest `/live` message accepted: these are small by design.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// The read buffer each socket keeps. A client's messages are a few
/// hundred bytes; a longer one (up to [`MAX_MESSAGE_BYTES`]) grows it for
/// that frame.
pub const READ_BUFFER_BYTES: usize = 1024;
/// Longer messages are sent in frames of this size, so the socket's write
/// buffer never grows past one frame (see the module documentation).
pub const FRAME_BYTES: usize = 4 * 1024;
/// How long a client has to say hello.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Requests per second a connection may sustain, and its burst.
const RATE_PER_SECOND: f64 = 20.0;
const RATE_BURST: f64 = 60.0;
/// Refused requests after which a flooding client is disconnected.
const FLOOD_LIMIT: u32 = 200;

/// The server's side of one `/live` websocket.
type LiveSocket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;
type Sender = futures::stream::SplitSink<LiveSocket, Message>;

/// Small buffers: a meeting holds thousands of idle sockets. Each frame is
/// written as soon as it is given (`write_buffer_size` 0): messages are
/// sent one at a time and flushed anyway.
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES))
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_write_buffer_size(4 * FRAME_BYTES)
}

/// What a `/live` socket uses of the server.
#[derive(Clone)]
pub struct LiveServices {
    pub sockets: SocketServices,
    /// Where a request's change is made durable before it is applied.
    pub store: Store,
    /// The meetings' rooms.
    pub hub: Arc<LiveHub>,
}

/// Serves a `/live` connection `http::live::upgrade` accepted for
/// `user` (in session `session_id`) until it ends.
pub async fn serve_upgraded(
    services: LiveServices,
    upgraded: hyper::upgrade::Upgraded,
    session_id: String,
    user: UserRecord,
) {
    let socket = WebSocketStream::from_raw_socket(
        TokioIo::new(upgraded),
        Role::Server,
        Some(socket_config()),
    )
    .await;
    serve(services, socket, session_id, user).await;
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

async fn send(sender: &mut Sender, metrics: &Metrics, json: &str) -> bool {
    metrics
        .websocket_messages_out
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    match tokio::time::timeout(SEND_TIMEOUT, send_text(sender, json)).await {
        Ok(sent) => sent.is_ok(),
        Err(_) => {
            tracing::warn!("a live client stopped reading: dropped");
            false
        }
    }
}

/// Sends one text message: whole when short, else in [`FRAME_BYTES`]
/// frames, each handed over only once the one before was written.
async fn send_text(
    sender: &mut Sender,
    json: &str,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    if json.len() <= FRAME_BYTES {
        return sender.send(Message::text(json)).await;
    }
    let bytes = Bytes::copy_from_slice(json.as_bytes());
    for (start, end, last) in frame_ranges(bytes.len(), FRAME_BYTES) {
        let opcode = if start == 0 {
            OpCode::Data(Data::Text)
        } else {
            OpCode::Data(Data::Continue)
        };
        // `feed` waits until the socket took the previous frame.
        sender
            .feed(Message::Frame(Frame::message(
                bytes.slice(start..end),
                opcode,
                last,
            )))
            .await?;
    }
    sender.flush().await
}

/// The `(start, end, last)` byte ranges of a message of `len` bytes sent
/// in frames of at most `frame` bytes. A text message may be split inside
/// a character: the receiver checks UTF-8 on the whole message.
fn frame_ranges(len: usize, frame: usize) -> impl Iterator<Item = (usize, usize, bool)> {
    (0..len)
        .step_by(frame)
        .map(move |start| (start, (start + frame).min(len), start + frame >= len))
}

async fn close(sender: &mut Sender, code: CloseCode, reason: &str) {
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        sender.send(Message::Close(Some(CloseFrame {
            code: code.code().into(),
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

struct Gauge<'a>(&'a Metrics);

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        self.0
            .websocket_connections
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

async fn serve(services: LiveServices, socket: LiveSocket, session_id: String, user: UserRecord) {
    let LiveServices {
        sockets,
        store,
        hub,
    } = services;
    let metrics = &*sockets.metrics;
    let _task = sockets.shutdown.task_guard();
    metrics
        .websocket_connections
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let _gauge = Gauge(metrics);
    let mut connection = sockets.connections.register(&user.id, &session_id);
    let (mut sender, mut receiver) = socket.split();

    // 1. hello
    let refuse = |code: HelloRefusal, message_vi: &str, message_en: &str| {
        to_json(&ServerMessage::hello_refused(code, message_vi, message_en))
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
            metrics,
            &refuse(
                HelloRefusal::BadHello,
                "Tin nhắn đầu tiên phải là hello. Hãy tải lại trang.",
                "The first message must be hello. Please reload the page.",
            ),
        )
        .await;
        close(&mut sender, CloseCode::ProtocolError, "hello expected").await;
        return;
    };
    if protocol_version < OLDEST_SUPPORTED_CLIENT_VERSION {
        send(
            &mut sender,
            metrics,
            &refuse(
                HelloRefusal::ClientTooOld,
                "Ứng dụng đã cũ: hãy tải lại trang để cập nhật.",
                "The app is out of date: reload the page to update it.",
            ),
        )
        .await;
        close(&mut sender, CloseCode::PolicyViolation, "client too old").await;
        return;
    }
    if protocol_version > PROTOCOL_VERSION {
        send(
            &mut sender,
            metrics,
            &refuse(
                HelloRefusal::ServerTooOld,
                "Máy chủ cũ hơn ứng dụng: báo quản trị viên cập nhật máy chủ.",
                "The server is older than the app: ask the administrator to update the server.",
            ),
        )
        .await;
        close(&mut sender, CloseCode::PolicyViolation, "server too old").await;
        return;
    }
    // The task lives as long as the socket and holds its future's largest
    // state: the store's and the room's futures are boxed so that they
    // take room only while they run.
    let lookups = Box::pin(async {
        (
            store.meeting(&meeting_id).await,
            store.participant_role(&meeting_id, &user.id).await,
        )
    })
    .await;
    let role = match lookups {
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
                metrics,
                &refuse(
                    HelloRefusal::NotFound,
                    "Không tìm thấy cuộc họp, hoặc bạn không tham dự cuộc họp này.",
                    "The meeting was not found, or you are not a participant in it.",
                ),
            )
            .await;
            close(&mut sender, CloseCode::PolicyViolation, "not a participant").await;
            return;
        }
    };
    let handle = match Box::pin(hub.room(&store, &meeting_id)).await {
        Ok(handle) => handle,
        Err(error) => {
            tracing::error!(%error, "cannot load a live room");
            close(&mut sender, CloseCode::InternalError, "server error").await;
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
    let (snapshot, mut events) = {
        let mut room = handle.room.lock().await;
        let presence = room.device_connected(&user.id, now_millis());
        let _ = handle.events.send(super::Event {
            audience: presence.audience,
            json: to_json(&presence.message),
        });
        // Subscribe under the lock: no event falls between the snapshot
        // and the stream.
        let events = handle.events.subscribe();
        (room.snapshot(&actor), events)
    };
    // Serialized outside the room's lock, then dropped, snapshot and text
    // alike, once sent: a local kept to the end of this function would
    // stay in memory for the life of the connection (a staff welcome at
    // 2,000 participants is about 400 kB of text from a larger snapshot).
    let welcome = to_json(&ServerMessage::Welcome {
        protocol_version: PROTOCOL_VERSION,
        user_id: user.id.clone(),
        role,
        state: Box::new(snapshot),
    });
    let welcomed = send(&mut sender, metrics, &welcome).await;
    drop(welcome);
    if !welcomed {
        disconnect(&handle, &user.id, &device_id).await;
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
                        close(&mut sender, CloseCode::UnsupportedData, "live messages are JSON text").await;
                        break;
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                    Some(Ok(Message::Close(_))) | None => break,
                    Some(Err(error)) => {
                        tracing::info!(%error, user_id = %user.id, "live socket error (oversized or broken frame)");
                        close(&mut sender, CloseCode::PolicyViolation, "message too large or malformed").await;
                        break;
                    }
                };
                metrics.websocket_messages_in.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if !rate.admit(Instant::now()) {
                    refused += 1;
                    if refused > FLOOD_LIMIT {
                        tracing::warn!(user_id = %user.id, "live client flooding: closed");
                        close(&mut sender, CloseCode::PolicyViolation, "too many messages").await;
                        break;
                    }
                    let id = serde_json::from_str::<ClientMessage>(&text).map(|m| request_id(&m)).unwrap_or(0);
                    let reply = ServerMessage::error(id, LiveErrorCode::RateLimited, "Quá nhiều yêu cầu, vui lòng chậm lại.", "Too many requests: please slow down.");
                    if !send(&mut sender, metrics, &to_json(&reply)).await { break; }
                    continue;
                }
                let reply = match serde_json::from_str::<ClientMessage>(&text) {
                    Ok(request) => Box::pin(handle_request(&store, &handle, &actor, &device_id, &request)).await,
                    Err(error) => {
                        refused += 1;
                        if refused > FLOOD_LIMIT {
                            close(&mut sender, CloseCode::PolicyViolation, "too many bad messages").await;
                            break;
                        }
                        // Answer with the id when the message has one.
                        let id = serde_json::from_str::<serde_json::Value>(&text)
                            .ok()
                            .and_then(|v| v.get("id").and_then(|id| id.as_u64()))
                            .unwrap_or(0);
                        ServerMessage::error(id, LiveErrorCode::BadRequest, format!("Tin nhắn không hợp lệ: {error}"), format!("Not a valid message: {error}"))
                    }
                };
                if !send(&mut sender, metrics, &to_json(&reply)).await { break; }
            }
            event = events.recv() => {
                match event {
                    Ok(event) => {
                        let for_me = event.audience.includes(&user.id, staff);
                        if for_me && !send(&mut sender, metrics, &event.json).await {
                            break;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        close(&mut sender, CloseCode::TooSlow, "fell behind: reconnect").await;
                        break;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
            reason = connection.close_requested() => {
                let (code, text) = match reason {
                    CloseReason::SessionEnded => (CloseCode::SessionEnded, "session ended"),
                    CloseReason::AccessChanged => (CloseCode::AccessChanged, "access changed"),
                };
                close(&mut sender, code, text).await;
                break;
            }
            _ = sockets.shutdown.triggered() => {
                close(&mut sender, CloseCode::GoingAway, "server restarting").await;
                break;
            }
        }
    }
    disconnect(&handle, &user.id, &device_id).await;
}

async fn disconnect(handle: &super::RoomHandle, user_id: &str, device_id: &str) {
    let mut room = handle.room.lock().await;
    for broadcast in room.device_disconnected(user_id, device_id) {
        let _ = handle.events.send(super::Event {
            audience: broadcast.audience,
            json: to_json(&broadcast.message),
        });
    }
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
    fn long_messages_go_out_in_frames_that_cover_them_once() {
        let ranges: Vec<_> = frame_ranges(10, 4).collect();
        assert_eq!(ranges, vec![(0, 4, false), (4, 8, false), (8, 10, true)]);
        let exact: Vec<_> = frame_ranges(8, 4).collect();
        assert_eq!(exact, vec![(0, 4, false), (4, 8, true)]);
    }

    /// Each socket's task holds its future for the life of the socket:
    /// the future must not carry the storage and room futures it awaits
    /// only briefly (they are boxed).
    #[test]
    fn a_socket_task_stays_small() {
        fn output_size<A, B, C, D, F>(_: fn(A, B, C, D) -> F) -> usize {
            std::mem::size_of::<F>()
        }
        let size = output_size(serve as fn(_, _, _, _) -> _);
        assert!(size < 4096, "the socket future takes {size} bytes");
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
