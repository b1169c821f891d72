//! One sync websocket: the bridge between an axum `WebSocket` and samod.
//!
//! We do not hand the socket to samod (`AcceptorHandle::accept_axum`).
//! samod gets a pair of channels (`Transport::new`) bound to the peer id we
//! authenticated (`with_expected_peer_id`), and this loop owns the socket. That
//! lets it:
//!
//! - decide access before samod sees a document message: samod spawns a
//!   document actor (two storage range reads, memory never freed in 0.16) for
//!   every document id a peer mentions, registered or not;
//! - answer `doc-unavailable` itself for unregistered and forbidden
//!   documents alike, with the exact bytes samod would send;
//! - strip the changes out of read-only peers' sync messages, and drop their
//!   ephemera;
//! - check writers' changes before samod applies them (canonical encoding,
//!   then a trial on a copy of the document), because automerge 0.12 can
//!   panic on, or be corrupted by, a crafted change;
//! - refuse ephemeral messages that claim another session (samod keeps one
//!   replay counter per session id, so a borrowed one could silence others);
//! - hold outgoing sync messages until what they announce is durable (see
//!   `durability.rs`);
//! - enforce the message rate and document size caps;
//! - close the socket on our schedule (server shutdown, session ended,
//!   access changed, idle peers, slow readers) with a close code and reason
//!   that say why, and one log line.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use samod::{DocHandle, DocumentId, PeerId, Transport};
use tokio::time::{sleep_until, timeout, Instant};
use tokio_util::sync::CancellationToken;

use super::durability::Requirement;
use super::limits::{RateDecision, RateLimiter, SyncLimits};
use super::policy::{decide_access, Access, SyncUser};
use super::wire::{self, Envelope, MessageType, WireError};
use super::SyncService;
use crate::connections::CloseReason;
use crate::AppState;

/// Who a socket belongs to, established before the upgrade.
#[derive(Debug, Clone)]
pub struct SocketIdentity {
    pub user: SyncUser,
    /// The session the socket was opened with: it closes when that ends.
    pub session_id: String,
    pub peer_id: PeerId,
}

/// Applies our caps before the upgrade (tungstenite defaults are 64 MiB
/// messages, 16 MiB frames, an unbounded write buffer).
pub fn configure_upgrade(
    upgrade: axum::extract::ws::WebSocketUpgrade,
    limits: &SyncLimits,
) -> axum::extract::ws::WebSocketUpgrade {
    upgrade
        .max_message_size(limits.max_message_bytes)
        .max_frame_size(limits.max_message_bytes)
        .read_buffer_size(16 * 1024)
        .write_buffer_size(16 * 1024)
        .max_write_buffer_size(limits.max_message_bytes + 64 * 1024)
}

/// Why a sync socket ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketEnd {
    ClientClosed,
    ClientError(String),
    /// A frame or message over `max_message_bytes`.
    MessageTooBig(String),
    /// Malformed, unknown or out-of-place message. `reason` goes into the
    /// close frame; `detail` into the log.
    ProtocolViolation {
        reason: &'static str,
        detail: String,
    },
    TooManyMessages,
    DocumentTooLarge(DocumentId),
    /// The server asked (session ended, access changed).
    ClosedByServer(CloseReason),
    /// The server could not do its part (storage or samod not answering).
    ServerError,
    ServerStopping,
    /// samod closed the connection (protocol error, peer id mismatch, too
    /// many messages queued behind a pending policy, repository stopping).
    ClosedBySamod,
    Idle,
    SlowReader,
}

/// Close codes (RFC 6455 §7.4; 4000-4999 are ours).
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_POLICY_VIOLATION: u16 = 1008;
const CLOSE_MESSAGE_TOO_BIG: u16 = 1009;
const CLOSE_INTERNAL_ERROR: u16 = 1011;
const CLOSE_SESSION_ENDED: u16 = 4001;
const CLOSE_IDLE: u16 = 4002;
const CLOSE_ACCESS_CHANGED: u16 = 4003;

impl SocketEnd {
    /// The close frame we send, if the socket can still take one.
    pub fn close_frame(&self) -> Option<(u16, &'static str)> {
        Some(match self {
            SocketEnd::ClientClosed | SocketEnd::ClientError(_) | SocketEnd::SlowReader => {
                return None
            }
            SocketEnd::MessageTooBig(_) => (CLOSE_MESSAGE_TOO_BIG, "message too big"),
            SocketEnd::ProtocolViolation { reason, .. } => (CLOSE_POLICY_VIOLATION, *reason),
            SocketEnd::TooManyMessages => (CLOSE_POLICY_VIOLATION, "too many messages"),
            SocketEnd::DocumentTooLarge(_) => {
                (CLOSE_MESSAGE_TOO_BIG, "document size limit reached")
            }
            SocketEnd::ClosedByServer(CloseReason::SessionEnded) => {
                (CLOSE_SESSION_ENDED, "session ended")
            }
            SocketEnd::ClosedByServer(CloseReason::AccessChanged) => {
                (CLOSE_ACCESS_CHANGED, "access changed")
            }
            SocketEnd::ServerStopping => (CLOSE_GOING_AWAY, "server restarting"),
            SocketEnd::ServerError => (CLOSE_INTERNAL_ERROR, "server error, try again"),
            SocketEnd::ClosedBySamod => (CLOSE_POLICY_VIOLATION, "sync protocol error"),
            SocketEnd::Idle => (CLOSE_IDLE, "idle"),
        })
    }

    /// Whether the client misbehaved (logged as a warning).
    fn is_client_fault(&self) -> bool {
        matches!(
            self,
            SocketEnd::MessageTooBig(_)
                | SocketEnd::ProtocolViolation { .. }
                | SocketEnd::TooManyMessages
                | SocketEnd::DocumentTooLarge(_)
                | SocketEnd::ClosedBySamod
        )
    }
}

/// The close reason and log detail of a wire error.
fn violation(error: WireError) -> SocketEnd {
    let reason = match error {
        WireError::UnknownType => "unknown message type",
        WireError::InvalidChange(_) => "invalid change",
        _ => "malformed message",
    };
    SocketEnd::ProtocolViolation {
        reason,
        detail: error.to_string(),
    }
}

fn out_of_place(reason: &'static str) -> SocketEnd {
    SocketEnd::ProtocolViolation {
        reason,
        detail: reason.to_owned(),
    }
}

/// Keeps the open-sockets gauge right, however the task ends.
struct OpenSocket<'a>(&'a AppState);

impl<'a> OpenSocket<'a> {
    fn new(state: &'a AppState) -> Self {
        state
            .metrics
            .websocket_connections
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        OpenSocket(state)
    }
}

impl Drop for OpenSocket<'_> {
    fn drop(&mut self) {
        self.0
            .metrics
            .websocket_connections
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Serves one upgraded sync websocket until it ends. The identity comes
/// from our own authentication (cookie or ticket), never from the client's
/// handshake.
pub async fn serve_sync_socket(
    state: AppState,
    mut socket: WebSocket,
    identity: SocketIdentity,
) -> SocketEnd {
    // The server waits (briefly) for this task before it exits.
    let _task = state.shutdown.task_guard();
    let _open = OpenSocket::new(&state);
    let sync = &state.sync;
    let limits = sync.limits().clone();
    let SocketIdentity {
        user,
        session_id,
        peer_id,
    } = identity;
    let mut connection = state.connections.register(&user.user_id, &session_id);
    let registration = sync.registry().register(peer_id.clone(), user.clone());
    let (to_samod, from_bridge) = mpsc::channel::<Vec<u8>>(limits.queue_len);
    let (to_bridge, from_samod) = mpsc::channel::<Vec<u8>>(limits.queue_len);
    let transport = Transport::new(from_bridge.map(Ok::<_, std::io::Error>), to_bridge)
        .with_expected_peer_id(peer_id.clone());
    if sync.accept(transport).is_err() {
        close(&mut socket, &SocketEnd::ServerStopping, limits.close_grace).await;
        return SocketEnd::ServerStopping;
    }
    tracing::debug!(%peer_id, user_id = %user.user_id, "sync socket accepted");

    // Fires when the bridge must stop waiting (the durability gate).
    let cancel = CancellationToken::new();
    let _cancel_on_exit = cancel.clone().drop_guard();
    let mut bridge = Bridge {
        sync,
        state: &state,
        user,
        peer_id: peer_id.clone(),
        server_peer_id: sync.server_peer_id().to_string(),
        limits: limits.clone(),
        to_samod,
        from_samod,
        documents_seen: 0,
        joined: false,
        ephemeral_session: None,
        handles: HashMap::new(),
        cancel: cancel.clone(),
    };
    // Closing interrupts the bridge at whatever it awaits (a database
    // lookup, samod's queue, the durability gate, a slow client).
    let end = tokio::select! {
        end = bridge.run(&mut socket) => end,
        reason = connection.close_requested() => SocketEnd::ClosedByServer(reason),
        _ = state.shutdown.triggered() => SocketEnd::ServerStopping,
    };
    cancel.cancel();
    let user_id = bridge.user.user_id.clone();
    match &end {
        SocketEnd::ProtocolViolation { reason, detail } => {
            tracing::warn!(%peer_id, %user_id, reason, detail, "closing a sync socket: protocol violation");
        }
        SocketEnd::MessageTooBig(detail) => {
            tracing::warn!(%peer_id, %user_id, detail, "closing a sync socket: message too big");
        }
        SocketEnd::DocumentTooLarge(document_id) => {
            tracing::warn!(%peer_id, %user_id, %document_id, "closing a sync socket: document size limit reached");
        }
        end if end.is_client_fault() => {
            tracing::warn!(%peer_id, %user_id, ?end, "closing a sync socket");
        }
        SocketEnd::ClosedByServer(reason) => {
            tracing::info!(%peer_id, %user_id, ?reason, "closing a sync socket at the server's request");
        }
        end => tracing::debug!(%peer_id, %user_id, ?end, "sync socket ended"),
    }
    close(&mut socket, &end, limits.close_grace).await;
    // Dropping the bridge drops samod's inbound channel: samod sees the
    // stream end and removes the connection.
    drop(bridge);
    drop(registration);
    end
}

async fn close(socket: &mut WebSocket, end: &SocketEnd, grace: Duration) {
    let Some((code, reason)) = end.close_frame() else {
        return;
    };
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = timeout(grace, socket.send(Message::Close(Some(frame)))).await;
}

struct Bridge<'a> {
    sync: &'a SyncService,
    state: &'a AppState,
    user: SyncUser,
    peer_id: PeerId,
    server_peer_id: String,
    limits: SyncLimits,
    to_samod: mpsc::Sender<Vec<u8>>,
    from_samod: mpsc::Receiver<Vec<u8>>,
    documents_seen: usize,
    /// Whether the client has sent its join (samod checks its peer id).
    joined: bool,
    /// The ephemeral session id this socket uses; another one is refused so
    /// a client cannot poison samod's per-session replay counters for others.
    ephemeral_session: Option<String>,
    /// Documents this socket wrote to, for checking its changes.
    handles: HashMap<DocumentId, DocHandle>,
    cancel: CancellationToken,
}

/// What to do with one message from the client.
enum Inbound {
    Forward(Vec<u8>),
    Reply(Vec<u8>),
    Drop,
    End(SocketEnd),
}

impl Bridge<'_> {
    async fn run(&mut self, socket: &mut WebSocket) -> SocketEnd {
        let mut ping = tokio::time::interval(self.limits.ping_interval);
        ping.reset();
        let mut last_heard = Instant::now();
        let mut rate = RateLimiter::new(&self.limits, Instant::now());
        // When over the rate, the next read waits until then.
        let mut read_after: Option<Instant> = None;
        loop {
            let reading = read_after.is_none();
            tokio::select! {
                incoming = socket.recv(), if reading => {
                    last_heard = Instant::now();
                    let frame = match incoming {
                        None => return SocketEnd::ClientClosed,
                        Some(Err(error)) => return receive_error(error),
                        Some(Ok(Message::Binary(frame))) => frame,
                        Some(Ok(Message::Text(_))) => {
                            return out_of_place("text frames are not supported");
                        }
                        Some(Ok(Message::Close(_))) => return SocketEnd::ClientClosed,
                        // tungstenite answers pings itself.
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    };
                    self.state.metrics.websocket_messages_in.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    match rate.admit(last_heard) {
                        RateDecision::Go => {}
                        RateDecision::SlowDown(pause) => read_after = Some(last_heard + pause),
                        RateDecision::Close => return SocketEnd::TooManyMessages,
                    }
                    match self.admit_inbound(Vec::from(frame)).await {
                        Inbound::Forward(frame) => {
                            if self.to_samod.send(frame).await.is_err() {
                                return SocketEnd::ClosedBySamod;
                            }
                        }
                        Inbound::Reply(frame) => {
                            if let Some(end) = self.send(socket, frame).await {
                                return end;
                            }
                        }
                        Inbound::Drop => {}
                        Inbound::End(end) => return end,
                    }
                }
                _ = sleep_until(read_after.unwrap_or_else(Instant::now)), if !reading => {
                    read_after = None;
                }
                outgoing = self.from_samod.next() => {
                    let Some(frame) = outgoing else {
                        return SocketEnd::ClosedBySamod;
                    };
                    if self.admit_outbound(&frame).await {
                        if let Some(end) = self.send(socket, frame).await {
                            return end;
                        }
                    }
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > self.limits.idle_timeout {
                        return SocketEnd::Idle;
                    }
                    if let Some(end) = self.send_message(socket, Message::Ping(Vec::new().into())).await {
                        return end;
                    }
                }
            }
        }
    }

    async fn send(&self, socket: &mut WebSocket, frame: Vec<u8>) -> Option<SocketEnd> {
        let end = self
            .send_message(socket, Message::Binary(frame.into()))
            .await;
        if end.is_none() {
            self.state
                .metrics
                .websocket_messages_out
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        end
    }

    async fn send_message(&self, socket: &mut WebSocket, message: Message) -> Option<SocketEnd> {
        match timeout(self.limits.write_timeout, socket.send(message)).await {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(SocketEnd::ClientError(error.to_string())),
            Err(_) => Some(SocketEnd::SlowReader),
        }
    }

    async fn admit_inbound(&mut self, frame: Vec<u8>) -> Inbound {
        let envelope = match wire::decode_envelope(&frame) {
            Ok(envelope) => envelope,
            Err(error) => return Inbound::End(violation(error)),
        };
        match envelope.message_type {
            // The handshake and goodbyes are samod's to check: it compares the
            // claimed sender with the expected peer id and answers a mismatch
            // with an "error" message before closing.
            MessageType::Join => {
                self.joined = true;
                return Inbound::Forward(frame);
            }
            MessageType::Leave | MessageType::Error => return Inbound::Forward(frame),
            MessageType::Peer => return Inbound::End(out_of_place("clients do not send peer")),
            // samod ignores these; do not let them cost anything.
            MessageType::RemoteSubscriptionChange | MessageType::RemoteHeadsChanged => {
                return Inbound::Drop;
            }
            MessageType::Request
            | MessageType::Sync
            | MessageType::DocUnavailable
            | MessageType::Ephemeral => {}
        }
        if !self.joined {
            return Inbound::End(out_of_place("document message before join"));
        }
        if envelope.sender_id != Some(self.peer_id.as_str()) {
            return Inbound::End(out_of_place("sender is not this connection's peer"));
        }
        if envelope.target_id != Some(self.server_peer_id.as_str()) {
            return Inbound::End(out_of_place("target is not this server"));
        }
        let Some(document_id) = envelope.document_id.clone() else {
            return Inbound::End(out_of_place("missing documentId"));
        };
        let access = match self.access(&document_id).await {
            Ok(access) => access,
            Err(end) => return Inbound::End(end),
        };
        match self.route_document_message(&envelope, &document_id, access) {
            Some(decision) => decision,
            None => match (envelope.message_type, access) {
                (MessageType::Sync | MessageType::Request, Access::Read) => {
                    match wire::strip_changes(&frame) {
                        Ok(Some(stripped)) => Inbound::Forward(stripped),
                        Ok(None) => Inbound::Forward(frame),
                        Err(error) => Inbound::End(violation(error)),
                    }
                }
                (MessageType::Sync | MessageType::Request, Access::Write) => {
                    match self.check_changes(&document_id, envelope.data).await {
                        Some(end) => Inbound::End(end),
                        None => Inbound::Forward(frame),
                    }
                }
                _ => Inbound::Forward(frame),
            },
        }
    }

    /// Checks a writer's changes before samod applies them: well-formed and
    /// canonical (`wire::check_client_changes`), within the document size
    /// cap, and harmless to a copy of the document
    /// (`SyncService::try_changes`). `Some` ends the connection.
    async fn check_changes(
        &mut self,
        document_id: &DocumentId,
        data: Option<&[u8]>,
    ) -> Option<SocketEnd> {
        let changes = match wire::check_client_changes(data?) {
            Ok(changes) => changes,
            Err(error) => return Some(violation(error)),
        };
        if changes.chunks == 0 {
            return None;
        }
        let grown = self
            .sync
            .document_bytes(document_id)
            .saturating_add(changes.bytes as u64);
        if grown > self.limits.max_document_bytes {
            return Some(SocketEnd::DocumentTooLarge(document_id.clone()));
        }
        let handle = match self.handles.get(document_id) {
            Some(handle) => handle.clone(),
            None => match self.sync.find_document(document_id).await {
                Ok(handle) => {
                    self.handles.insert(document_id.clone(), handle.clone());
                    handle
                }
                Err(error) => {
                    tracing::error!(%error, %document_id, "cannot open a document to check changes");
                    return Some(SocketEnd::ServerError);
                }
            },
        };
        match self.sync.try_changes(&handle, changes.entries).await {
            Ok(true) => None,
            Ok(false) => Some(violation(WireError::InvalidChange(
                "automerge cannot apply it",
            ))),
            Err(error) => {
                tracing::error!(%error, %document_id, "cannot check changes");
                Some(SocketEnd::ServerError)
            }
        }
    }

    /// Decisions that do not depend on the message's sync data; `None`
    /// means forward (after `admit_inbound`'s read-only filter).
    fn route_document_message(
        &mut self,
        envelope: &Envelope<'_>,
        document_id: &DocumentId,
        access: Access,
    ) -> Option<Inbound> {
        match (envelope.message_type, access) {
            (MessageType::Request | MessageType::Sync, Access::Deny) => {
                Some(Inbound::Reply(wire::encode_doc_unavailable(
                    &self.server_peer_id,
                    self.peer_id.as_str(),
                    document_id,
                )))
            }
            (_, Access::Deny) => Some(Inbound::Drop),
            // Writers' changes are checked in `admit_inbound` (it awaits).
            (MessageType::Request | MessageType::Sync, Access::Write) => None,
            // Read-only users may watch ink and pointers but not draw them.
            (MessageType::Ephemeral, Access::Read) => Some(Inbound::Drop),
            (MessageType::Ephemeral, Access::Write) => {
                let session = envelope.session_id.unwrap_or_default();
                match &self.ephemeral_session {
                    None => {
                        self.ephemeral_session = Some(session.to_string());
                        None
                    }
                    Some(known) if known == session => None,
                    Some(_) => Some(Inbound::Drop),
                }
            }
            _ => None,
        }
    }

    /// The decision for this (peer, document), deciding it on first sight.
    async fn access(&mut self, document_id: &DocumentId) -> Result<Access, SocketEnd> {
        if let Some(access) = self.sync.registry().decision(&self.peer_id, document_id) {
            return Ok(access);
        }
        self.documents_seen += 1;
        if self.documents_seen > self.limits.max_documents_per_socket {
            return Err(out_of_place("too many distinct documents"));
        }
        match decide_access(self.sync.store(), &self.user, document_id).await {
            Ok((access, meeting_id)) => {
                // Record before forwarding anything: samod's policy stream for
                // this pair is waiting for exactly this.
                self.sync
                    .registry()
                    .set_decision(&self.peer_id, document_id, access, meeting_id);
                Ok(access)
            }
            Err(error) => {
                // Not recorded: the next message tries again.
                tracing::warn!(%error, %document_id, "cannot decide sync access, denying for now");
                self.documents_seen -= 1;
                Ok(Access::Deny)
            }
        }
    }

    /// Whether to send this message from samod, after waiting until it is
    /// safe to.
    async fn admit_outbound(&self, frame: &[u8]) -> bool {
        let Ok(envelope) = wire::decode_envelope(frame) else {
            tracing::error!("samod produced a message we cannot read; sending it anyway");
            return true;
        };
        let Some(document_id) = envelope.document_id.as_ref() else {
            return true;
        };
        let revoked =
            self.sync.registry().decision(&self.peer_id, document_id) == Some(Access::Deny);
        match envelope.message_type {
            MessageType::Sync | MessageType::Request | MessageType::Ephemeral if revoked => false,
            MessageType::Sync | MessageType::Request => {
                let requirement = match envelope.data.map(wire::summarize_sync_data) {
                    Some(Ok(summary)) if !summary.heads.is_empty() => {
                        Requirement::Heads(summary.heads)
                    }
                    Some(Ok(summary)) if summary.carries_changes => Requirement::EverythingIssued,
                    _ => Requirement::Nothing,
                };
                self.sync
                    .durability()
                    .wait(&document_id.to_string(), &requirement, &self.cancel)
                    .await;
                true
            }
            _ => true,
        }
    }
}

/// Tells an oversized frame or message (tungstenite's capacity error, seen
/// through axum's error type) from a broken connection.
fn receive_error(error: axum::Error) -> SocketEnd {
    let detail = error.to_string();
    if is_capacity_error(&detail) {
        SocketEnd::MessageTooBig(detail)
    } else {
        SocketEnd::ClientError(detail)
    }
}

fn is_capacity_error(detail: &str) -> bool {
    detail.starts_with("Space limit exceeded")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_server_side_end_has_a_close_code_and_a_short_reason() {
        let document_id = DocumentId::try_from(vec![1u8; 16]).unwrap();
        for end in [
            SocketEnd::MessageTooBig("x".into()),
            violation(WireError::UnknownType),
            violation(WireError::NotAMap),
            SocketEnd::TooManyMessages,
            SocketEnd::DocumentTooLarge(document_id),
            SocketEnd::ClosedByServer(CloseReason::SessionEnded),
            SocketEnd::ClosedByServer(CloseReason::AccessChanged),
            SocketEnd::ServerStopping,
            SocketEnd::ServerError,
            SocketEnd::ClosedBySamod,
            SocketEnd::Idle,
        ] {
            let (code, reason) = end.close_frame().expect("a close frame");
            assert!((1000..5000).contains(&code));
            // A close frame's reason must fit in 123 bytes.
            assert!(!reason.is_empty() && reason.len() <= 123, "{reason}");
        }
        assert_eq!(
            violation(WireError::UnknownType).close_frame(),
            Some((CLOSE_POLICY_VIOLATION, "unknown message type"))
        );
        assert_eq!(SocketEnd::ClientClosed.close_frame(), None);
    }

    #[test]
    fn capacity_errors_are_told_from_broken_connections() {
        // tungstenite 0.29's text for an oversized message or frame.
        let capacity = "Space limit exceeded: Message too long: 17000000 > 16777216";
        assert!(is_capacity_error(capacity));
        assert!(!is_capacity_error("IO error: Connection reset by peer"));
    }
}
