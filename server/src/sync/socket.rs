//! One sync websocket: the automerge-repo handshake, access decisions and
//! routing to the document actors (`document.rs`).
//!
//! The socket owns its connection. For each message from the client it:
//! - answers the `join` itself, once the claimed peer id is the one we
//!   authenticated (cookie or ticket), never the client's choice;
//! - decides access on the document's first mention (the registry record
//!   and the rules in `access.rs`), and answers `doc-unavailable` itself
//!   for unregistered and forbidden documents alike;
//! - marks each sync message writable or not (the document ignores a
//!   reader's changes and checks a writer's before taking them);
//! - relays a writer's own ephemeral messages (ink in progress, pointers)
//!   and quietly drops ephemera it did not author (the JS client gossips
//!   what it receives back to us) or that a reader sent;
//! - enforces the message rate.
//!
//! Documents answer through the connection's bounded outbox; the socket
//! wraps each message in its envelope and sends it unless access was
//! revoked meanwhile. It closes on our schedule (server shutdown, session
//! ended, access changed, idle peers, slow readers, a document that gave
//! up on it) with a close code and reason that say why, and one log line.
//!
//! The socket keeps its own copy of its access decisions while the
//! registry's epoch stands still (no global lock per message), and writes
//! whatever its outbox holds with one flush.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::SinkExt;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, timeout, Instant};

use phonghop_protocol::close::CloseCode;
use phonghop_sync_core::wire::{self, Envelope, MessageType, WireError};
use phonghop_sync_core::{PeerStop, RateDecision, RateLimiter, SyncLimits};

use super::document::{Command, ConnectionLink, EphemeralRelay, Outbound, StopSignal};
use super::policy::{decide_meeting_access, Access, PeerId, SyncUser};
use super::{DocumentId, SyncService};
use crate::connections::{CloseReason, SocketServices};
use crate::metrics::Metrics;

/// Messages queued for one connection before it counts as a slow reader.
const OUTBOX_LEN: usize = 512;
/// Queued messages written with one flush at most.
const MAX_FRAMES_PER_WRITE: usize = 64;
/// tungstenite reads at most this much per `read` and zero-fills that much
/// of its buffer before each one, so the first read of a connection
/// makes it resident. Sync messages in are small (a stroke, an
/// acknowledgement); a large one only takes more reads.
const READ_BUFFER_BYTES: usize = 4 * 1024;

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
        .read_buffer_size(READ_BUFFER_BYTES)
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
    /// The server could not do its part (storage not answering).
    ServerError,
    ServerStopping,
    Idle,
    SlowReader,
}

impl SocketEnd {
    /// The close frame we send, if the socket can still take one.
    pub fn close_frame(&self) -> Option<(CloseCode, &'static str)> {
        Some(match self {
            SocketEnd::ClientClosed | SocketEnd::ClientError(_) | SocketEnd::SlowReader => {
                return None
            }
            SocketEnd::MessageTooBig(_) => (CloseCode::MessageTooBig, "message too big"),
            SocketEnd::ProtocolViolation { reason, .. } => (CloseCode::PolicyViolation, *reason),
            SocketEnd::TooManyMessages => (CloseCode::PolicyViolation, "too many messages"),
            SocketEnd::DocumentTooLarge(_) => {
                (CloseCode::MessageTooBig, "document size limit reached")
            }
            SocketEnd::ClosedByServer(CloseReason::SessionEnded) => {
                (CloseCode::SessionEnded, "session ended")
            }
            SocketEnd::ClosedByServer(CloseReason::AccessChanged) => {
                (CloseCode::AccessChanged, "access changed")
            }
            SocketEnd::ServerStopping => (CloseCode::GoingAway, "server restarting"),
            SocketEnd::ServerError => (CloseCode::InternalError, "server error, try again"),
            SocketEnd::Idle => (CloseCode::Idle, "idle"),
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
        )
    }
}

impl From<PeerStop> for SocketEnd {
    /// A document that gave up on this connection says why.
    fn from(stop: PeerStop) -> Self {
        match stop {
            PeerStop::ProtocolViolation { reason, detail } => {
                SocketEnd::ProtocolViolation { reason, detail }
            }
            PeerStop::DocumentTooLarge(document_id) => SocketEnd::DocumentTooLarge(document_id),
            PeerStop::SlowReader => SocketEnd::SlowReader,
            PeerStop::ServerError => SocketEnd::ServerError,
        }
    }
}

/// The close reason and log detail of a wire error.
fn violation(error: WireError) -> SocketEnd {
    PeerStop::from(error).into()
}

fn out_of_place(reason: &'static str) -> SocketEnd {
    SocketEnd::ProtocolViolation {
        reason,
        detail: reason.to_owned(),
    }
}

/// Keeps the open-sockets gauge right, however the task ends.
struct OpenSocket<'a>(&'a Metrics);

impl<'a> OpenSocket<'a> {
    fn new(metrics: &'a Metrics) -> Self {
        metrics
            .websocket_connections
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        OpenSocket(metrics)
    }
}

impl Drop for OpenSocket<'_> {
    fn drop(&mut self) {
        self.0
            .websocket_connections
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Serves one upgraded sync websocket until it ends. The identity comes
/// from our own authentication (cookie or ticket), never from the client's
/// handshake.
pub async fn serve_sync_socket(
    sockets: SocketServices,
    sync: SyncService,
    mut socket: WebSocket,
    identity: SocketIdentity,
) -> SocketEnd {
    // The server waits (briefly) for this task before it exits.
    let _task = sockets.shutdown.task_guard();
    let _open = OpenSocket::new(&sockets.metrics);
    let sync = &sync;
    let limits = sync.limits().clone();
    let SocketIdentity {
        user,
        session_id,
        peer_id,
    } = identity;
    let mut connection = sockets.connections.register(&user.user_id, &session_id);
    let registration = sync.registry().register(peer_id.clone(), user.clone());
    let (outbox, from_documents) = mpsc::channel(OUTBOX_LEN);
    let link = ConnectionLink {
        id: sync.next_connection_id(),
        outbox,
        stop: Arc::new(StopSignal::default()),
    };
    tracing::debug!(%peer_id, user_id = %user.user_id, "sync socket accepted");
    let mut bridge = Bridge {
        sync,
        metrics: &sockets.metrics,
        user,
        peer_id: peer_id.clone(),
        server_peer_id: sync.server_peer_id(),
        limits: limits.clone(),
        link: link.clone(),
        from_documents,
        documents_seen: 0,
        joined: false,
        ephemeral_session: None,
        attached: HashSet::new(),
        decisions: HashMap::new(),
        decisions_epoch: 0,
    };
    // Closing interrupts the bridge at whatever it awaits (a database
    // lookup, a document's queue, a slow client).
    let end = tokio::select! {
        end = bridge.run(&mut socket) => end,
        stop = link.stop.stopped() => SocketEnd::from(stop),
        reason = connection.close_requested() => SocketEnd::ClosedByServer(reason),
        _ = sockets.shutdown.triggered() => SocketEnd::ServerStopping,
    };
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
        SocketEnd::SlowReader => {
            tracing::info!(%peer_id, %user_id, "closing a sync socket: the client does not keep up");
        }
        end => tracing::debug!(%peer_id, %user_id, ?end, "sync socket ended"),
    }
    close(&mut socket, &end, limits.close_grace).await;
    for document_id in bridge.attached.drain() {
        sync.hub().send_later(
            document_id,
            Command::Detach {
                connection: link.id,
            },
        );
    }
    drop(registration);
    end
}

async fn close(socket: &mut WebSocket, end: &SocketEnd, grace: Duration) {
    let Some((code, reason)) = end.close_frame() else {
        return;
    };
    let frame = CloseFrame {
        code: code.code(),
        reason: reason.into(),
    };
    let _ = timeout(grace, socket.send(Message::Close(Some(frame)))).await;
}

struct Bridge<'a> {
    sync: &'a SyncService,
    metrics: &'a Metrics,
    user: SyncUser,
    peer_id: PeerId,
    server_peer_id: &'static str,
    limits: SyncLimits,
    link: ConnectionLink,
    from_documents: mpsc::Receiver<Outbound>,
    documents_seen: usize,
    /// Whether the client has sent its join.
    joined: bool,
    /// The ephemeral session id this socket uses; another one is refused so
    /// a client cannot pass for another session of the same peer.
    ephemeral_session: Option<String>,
    /// Documents this connection syncs (told to detach when it ends).
    attached: HashSet<DocumentId>,
    /// This peer's decisions as of the registry's `decisions_epoch`: looked
    /// up on every message without taking the registry's lock.
    decisions: HashMap<DocumentId, Access>,
    decisions_epoch: u64,
}

/// What to do with one message from the client.
enum Inbound {
    ToDocument(DocumentId, Command),
    Reply(Vec<u8>),
    Drop,
    End(SocketEnd),
}

impl Bridge<'_> {
    async fn run(&mut self, socket: &mut WebSocket) -> SocketEnd {
        let mut ping = tokio::time::interval(self.limits.ping_interval);
        ping.reset();
        let mut last_heard = Instant::now();
        let mut rate = RateLimiter::new(&self.limits, Instant::now().into_std());
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
                    self.metrics.websocket_messages_in.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    match rate.admit(last_heard.into_std()) {
                        RateDecision::Go => {}
                        RateDecision::SlowDown(pause) => read_after = Some(last_heard + pause),
                        RateDecision::Close => return SocketEnd::TooManyMessages,
                    }
                    match self.admit_inbound(&frame).await {
                        Inbound::ToDocument(document_id, command) => {
                            if matches!(command, Command::Sync { .. }) {
                                self.attached.insert(document_id);
                            }
                            if let Err(error) = self.sync.hub().send(document_id, command).await {
                                tracing::warn!(%error, %document_id, "cannot reach a document");
                                return SocketEnd::ServerError;
                            }
                        }
                        Inbound::Reply(frame) => {
                            if let Some(end) = self.send_all(socket, vec![frame]).await {
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
                outgoing = self.from_documents.recv() => {
                    // The bridge holds a sender itself, so this never ends.
                    let Some(outgoing) = outgoing else {
                        return SocketEnd::ServerError;
                    };
                    // Whatever else is queued goes in the same write (ink
                    // from many writers queues up between two wake-ups).
                    let mut frames = Vec::new();
                    frames.extend(self.admit_outbound(outgoing));
                    while frames.len() < MAX_FRAMES_PER_WRITE {
                        let Ok(queued) = self.from_documents.try_recv() else {
                            break;
                        };
                        frames.extend(self.admit_outbound(queued));
                    }
                    if let Some(end) = self.send_all(socket, frames).await {
                        return end;
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

    /// Writes frames with one flush (one system call when they fit the
    /// socket buffer).
    async fn send_all(&self, socket: &mut WebSocket, frames: Vec<Vec<u8>>) -> Option<SocketEnd> {
        if frames.is_empty() {
            return None;
        }
        let count = frames.len() as u64;
        let write = async {
            for frame in frames {
                socket.feed(Message::Binary(frame.into())).await?;
            }
            socket.flush().await
        };
        let mut write = std::pin::pin!(write);
        // Most writes complete at once: only a write that has to wait gets
        // a timer (creating one costs a clock read and a runtime lookup).
        let written = match futures::poll!(write.as_mut()) {
            std::task::Poll::Ready(result) => Ok(result),
            std::task::Poll::Pending => timeout(self.limits.write_timeout, write).await,
        };
        match written {
            Ok(Ok(())) => {
                self.metrics
                    .websocket_messages_out
                    .fetch_add(count, std::sync::atomic::Ordering::Relaxed);
                None
            }
            Ok(Err(error)) => Some(SocketEnd::ClientError(error.to_string())),
            Err(_) => Some(SocketEnd::SlowReader),
        }
    }

    async fn send_message(&self, socket: &mut WebSocket, message: Message) -> Option<SocketEnd> {
        match timeout(self.limits.write_timeout, socket.send(message)).await {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(SocketEnd::ClientError(error.to_string())),
            Err(_) => Some(SocketEnd::SlowReader),
        }
    }

    async fn admit_inbound(&mut self, frame: &[u8]) -> Inbound {
        let envelope = match wire::decode_envelope(frame) {
            Ok(envelope) => envelope,
            Err(error) => return Inbound::End(violation(error)),
        };
        match envelope.message_type {
            MessageType::Join => return self.join(&envelope),
            MessageType::Leave => return Inbound::End(SocketEnd::ClientClosed),
            // A client's complaint: nothing for us to do but note it.
            MessageType::Error => {
                tracing::debug!(peer_id = %self.peer_id, "a sync client sent an error message");
                return Inbound::Drop;
            }
            MessageType::Peer => return Inbound::End(out_of_place("clients do not send peer")),
            // We keep no remote heads subscriptions; a client saying it does
            // not have a document needs no answer.
            MessageType::RemoteSubscriptionChange
            | MessageType::RemoteHeadsChanged
            | MessageType::DocUnavailable => {
                if !self.joined {
                    return Inbound::End(out_of_place("document message before join"));
                }
                return Inbound::Drop;
            }
            MessageType::Request | MessageType::Sync | MessageType::Ephemeral => {}
        }
        if !self.joined {
            return Inbound::End(out_of_place("document message before join"));
        }
        if envelope.target_id != Some(self.server_peer_id) {
            return Inbound::End(out_of_place("target is not this server"));
        }
        if envelope.sender_id != Some(self.peer_id.as_str()) {
            // The JS client relays ephemera it received back to its other
            // peers, us included, under their author's id: we relayed them
            // already, so they are dropped without a word. Anything else
            // under another id is an impostor.
            if envelope.message_type == MessageType::Ephemeral {
                return Inbound::Drop;
            }
            return Inbound::End(out_of_place("sender is not this connection's peer"));
        }
        let Some(document_id) = envelope.document_id else {
            return Inbound::End(out_of_place("missing documentId"));
        };
        let access = match self.access(&document_id).await {
            Ok(access) => access,
            Err(end) => return Inbound::End(end),
        };
        match (envelope.message_type, access) {
            (MessageType::Request | MessageType::Sync, Access::Deny) => Inbound::Reply(
                wire::encode_doc_unavailable(self.server_peer_id, &self.peer_id, &document_id),
            ),
            (_, Access::Deny) => Inbound::Drop,
            (MessageType::Request | MessageType::Sync, access) => {
                let data = envelope.data.unwrap_or_default();
                // The document checks a writer's changes (canonical, then
                // on a copy) before taking them, and ignores a reader's.
                let writable = access == Access::Write;
                Inbound::ToDocument(
                    document_id,
                    Command::Sync {
                        from: self.link.clone(),
                        data: data.to_vec(),
                        writable,
                    },
                )
            }
            // Read-only users may watch ink and pointers but not draw them.
            (_, Access::Read) => Inbound::Drop,
            (_, Access::Write) => self.ephemeral(&envelope, document_id),
        }
    }

    fn join(&mut self, envelope: &Envelope<'_>) -> Inbound {
        if self.joined {
            return Inbound::End(out_of_place("join sent twice"));
        }
        if envelope.sender_id != Some(self.peer_id.as_str()) {
            return Inbound::End(out_of_place("sender is not this connection's peer"));
        }
        if !envelope.speaks_version_1 {
            return Inbound::End(out_of_place("unsupported protocol version"));
        }
        self.joined = true;
        Inbound::Reply(wire::encode_peer(
            self.server_peer_id,
            &self.peer_id,
            self.sync.storage_id(),
        ))
    }

    fn ephemeral(&mut self, envelope: &Envelope<'_>, document_id: DocumentId) -> Inbound {
        let session = envelope.session_id.unwrap_or_default();
        match &self.ephemeral_session {
            None => self.ephemeral_session = Some(session.to_string()),
            Some(known) if known == session => {}
            Some(_) => return Inbound::Drop,
        }
        let relay = EphemeralRelay {
            sender_id: self.peer_id.clone(),
            session_id: session.to_string(),
            count: envelope.count.unwrap_or_default(),
            data: envelope.data.unwrap_or_default().to_vec(),
        };
        Inbound::ToDocument(
            document_id,
            Command::Ephemeral {
                from: self.link.id,
                relay: Arc::new(relay),
            },
        )
    }

    /// The registry's decision for this (peer, document), if made; from
    /// this socket's copy while no decision changed anywhere.
    fn decision(&mut self, document_id: &DocumentId) -> Option<Access> {
        let registry = self.sync.registry();
        let epoch = registry.epoch();
        if epoch != self.decisions_epoch {
            self.decisions.clear();
            self.decisions_epoch = epoch;
        }
        if let Some(access) = self.decisions.get(document_id) {
            return Some(*access);
        }
        let access = registry.decision(&self.peer_id, document_id)?;
        self.decisions.insert(*document_id, access);
        Some(access)
    }

    /// The decision for this (peer, document), deciding it on first sight.
    async fn access(&mut self, document_id: &DocumentId) -> Result<Access, SocketEnd> {
        if let Some(access) = self.decision(document_id) {
            return Ok(access);
        }
        self.documents_seen += 1;
        if self.documents_seen > self.limits.max_documents_per_socket {
            return Err(out_of_place("too many distinct documents"));
        }
        let registry = self.sync.registry();
        if let Some((access, meeting_id)) = registry.user_decision(&self.user.user_id, document_id)
        {
            registry.set_decision(&self.peer_id, document_id, access, meeting_id);
            return Ok(access);
        }
        match decide_meeting_access(self.sync.store(), &self.user, document_id).await {
            Ok(Some(decided)) => {
                registry.set_user_decisions(&self.user.user_id, &decided);
                let access = decided
                    .decisions
                    .iter()
                    .find(|(id, _)| id == document_id)
                    .map_or(Access::Deny, |(_, access)| *access);
                registry.set_decision(&self.peer_id, document_id, access, Some(decided.meeting_id));
                Ok(access)
            }
            Ok(None) => {
                registry.set_decision(&self.peer_id, document_id, Access::Deny, None);
                Ok(Access::Deny)
            }
            Err(error) => {
                // A database that does not answer is not an absent document:
                // the client is told to come back rather than `doc-unavailable`.
                tracing::warn!(%error, %document_id, "cannot decide sync access");
                Err(SocketEnd::ServerError)
            }
        }
    }

    /// The frame to send for a document's message, unless access to that
    /// document was revoked meanwhile.
    fn admit_outbound(&mut self, outbound: Outbound) -> Option<Vec<u8>> {
        let document_id = match &outbound {
            Outbound::Sync { document_id, .. }
            | Outbound::Unavailable { document_id }
            | Outbound::Ephemeral { document_id, .. } => *document_id,
        };
        let revoked = self.decision(&document_id) == Some(Access::Deny);
        if revoked {
            return None;
        }
        Some(match outbound {
            Outbound::Sync {
                document_text,
                data,
                ..
            } => wire::encode_sync(self.server_peer_id, &self.peer_id, &document_text, &data),
            Outbound::Unavailable { document_id } => {
                wire::encode_doc_unavailable(self.server_peer_id, &self.peer_id, &document_id)
            }
            Outbound::Ephemeral {
                document_text,
                relay,
                ..
            } => wire::encode_ephemeral(
                &relay.sender_id,
                &self.peer_id,
                relay.count,
                &relay.session_id,
                &document_text,
                &relay.data,
            ),
        })
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
        let document_id = DocumentId::random();
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
            SocketEnd::Idle,
        ] {
            let (code, reason) = end.close_frame().expect("a close frame");
            assert!((1000..5000).contains(&code.code()));
            // A close frame's reason must fit in 123 bytes.
            assert!(!reason.is_empty() && reason.len() <= 123, "{reason}");
        }
        assert_eq!(
            violation(WireError::UnknownType).close_frame(),
            Some((CloseCode::PolicyViolation, "unknown message type"))
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
