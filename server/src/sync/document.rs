//! The document hub: one task per loaded document (its actor), which owns
//! the Automerge document and the sync state of every connection that
//! syncs it.
//!
//! An actor takes commands in batches (everything queued when it wakes),
//! applies them, stores what changed, and only then generates the sync
//! messages for its peers: a change is durable before any peer hears of it,
//! and a burst of changes costs one write and one round of messages.
//! Sync states are shared between peers in equal states (`states.rs`), so a
//! change followed by many in-sync peers costs one Automerge computation and
//! one message encoding, sent to each.
//!
//! Actors never wait on a socket: each connection has a bounded outbox, and
//! a connection whose outbox is full is told to stop (slow reader) rather
//! than slowing the document for everyone.
//!
//! Ink in progress never waits on the disk: while an actor stores a batch,
//! it still relays the ephemeral messages that arrive (they are never
//! stored), and keeps every other command for after the store, in order.
//! A slow fsync or a compaction delays the strokes it stores, not the live
//! ink of everyone drawing on the same layer.
//!
//! Flow control: a peer sent changes it has not answered yet (its answer
//! carries its new heads) gets no further message until it answers, or
//! until `answer_wait` passes; then everything new goes in one message. A
//! tablet that falls behind (a slow link, a busy client) catches up with a
//! few larger messages instead of a queue of one message per stroke, and
//! does less work to catch up.
//!
//! A document nobody has synced for `idle_unload` (60 s by default) is
//! unloaded; the next
//! command loads it again from storage. A document whose storage fails
//! stops: its connections are closed with "try again" and it reloads from
//! what is durable.

use std::collections::{HashMap, HashSet, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use automerge::sync::{ChunkList, Message, State, SyncDoc};
use automerge::{Automerge, Change};
use futures::FutureExt;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use phonghop_sync_core::wire::{self, WireError};
use phonghop_sync_core::{EncodedMessage, PeerStop, SharedState, SyncStates};

use super::storage::{DocumentStorage, StoredChunk};
use super::{DocumentId, SyncError};

/// Commands taken in one batch at most.
const MAX_BATCH: usize = 256;
/// Commands queued for one document before senders wait.
const INBOX_LEN: usize = 1024;

pub type ConnectionId = u64;

/// How a document reaches one connection.
#[derive(Clone)]
pub struct ConnectionLink {
    pub id: ConnectionId,
    pub outbox: mpsc::Sender<Outbound>,
    pub stop: Arc<StopSignal>,
}

/// Set by a document that gives up on a connection; the socket closes with
/// the reason.
#[derive(Default)]
pub struct StopSignal {
    token: CancellationToken,
    reason: OnceLock<PeerStop>,
}

impl StopSignal {
    pub fn stop(&self, reason: PeerStop) {
        let _ = self.reason.set(reason);
        self.token.cancel();
    }

    pub async fn stopped(&self) -> PeerStop {
        self.token.cancelled().await;
        self.reason.get().cloned().unwrap_or(PeerStop::ServerError)
    }
}

/// An ephemeral message to relay as it came (sender, session and counter
/// are the author's).
#[derive(Debug)]
pub struct EphemeralRelay {
    pub sender_id: String,
    pub session_id: String,
    pub count: u64,
    pub data: Vec<u8>,
}

/// What a document sends a connection. The socket adds the envelope.
pub enum Outbound {
    Sync {
        document_id: DocumentId,
        /// `document_id` as text, rendered once per document (base58check
        /// hashes twice with SHA-256).
        document_text: Arc<str>,
        data: EncodedMessage,
    },
    Unavailable {
        document_id: DocumentId,
    },
    Ephemeral {
        document_id: DocumentId,
        /// As in `Sync`: rendered once per document, not per delivery.
        document_text: Arc<str>,
        relay: Arc<EphemeralRelay>,
    },
}

type ServerChange = Box<dyn FnOnce(&mut Automerge) + Send>;

pub enum Command {
    /// A `sync` or `request` message from a connection (which becomes a
    /// peer of the document). Changes in it are ignored unless `writable`.
    Sync {
        from: ConnectionLink,
        data: Vec<u8>,
        writable: bool,
    },
    Ephemeral {
        from: ConnectionId,
        relay: Arc<EphemeralRelay>,
    },
    Detach {
        connection: ConnectionId,
    },
    /// A change (or a read) made by the server itself; `done` answers once
    /// it is durable and the messages it causes are in the peers' outboxes.
    Change {
        apply: ServerChange,
        done: oneshot::Sender<Result<(), SyncError>>,
    },
    /// Makes the actor panic in the middle of a batch.
    #[cfg(test)]
    Crash,
}

/// The loaded documents. Cheap to clone.
#[derive(Clone)]
pub struct DocumentHub {
    inner: Arc<HubInner>,
}

/// How the hub treats its documents (from `SyncConfig`).
#[derive(Debug, Clone)]
pub struct HubSettings {
    /// A change that would grow a document's stored size past this is
    /// refused (and its connection closed).
    pub max_document_bytes: u64,
    /// A document nobody syncs is unloaded after this long.
    pub idle_unload: Duration,
    /// Incremental chunks stored before the document is compacted into one
    /// snapshot.
    pub compact_after_increments: usize,
    /// How long a peer's answer to changes is awaited before it is sent
    /// newer ones anyway (flow control, above).
    pub answer_wait: Duration,
}

struct HubInner {
    storage: DocumentStorage,
    settings: HubSettings,
    actors: Mutex<Actors>,
    generation: AtomicU64,
    pub(crate) panics: AtomicU64,
    /// Sync state transitions computed, and looked up instead (all
    /// documents), for `/metrics`.
    transitions_computed: AtomicU64,
    transitions_shared: AtomicU64,
}

#[derive(Default)]
struct Actors {
    accepting: bool,
    running: HashMap<DocumentId, ActorEntry>,
    tasks: tokio::task::JoinSet<()>,
}

struct ActorEntry {
    generation: u64,
    inbox: mpsc::Sender<Command>,
}

impl DocumentHub {
    pub fn new(storage: DocumentStorage, settings: HubSettings) -> Self {
        Self {
            inner: Arc::new(HubInner {
                storage,
                settings,
                actors: Mutex::new(Actors {
                    accepting: true,
                    ..Actors::default()
                }),
                generation: AtomicU64::new(0),
                panics: AtomicU64::new(0),
                transitions_computed: AtomicU64::new(0),
                transitions_shared: AtomicU64::new(0),
            }),
        }
    }

    pub fn storage(&self) -> &DocumentStorage {
        &self.inner.storage
    }

    /// Actor panics so far (each reloads from storage on next use).
    pub fn panics(&self) -> u64 {
        self.inner.panics.load(Ordering::Relaxed)
    }

    /// Sync state transitions (computed, shared) since the start.
    pub fn transitions(&self) -> (u64, u64) {
        (
            self.inner.transitions_computed.load(Ordering::Relaxed),
            self.inner.transitions_shared.load(Ordering::Relaxed),
        )
    }

    /// False once `shutdown` began.
    pub fn accepting(&self) -> bool {
        self.lock().accepting
    }

    pub fn loaded_documents(&self) -> usize {
        self.lock().running.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Actors> {
        self.inner.actors.lock().expect("document hub lock")
    }

    /// Sends a command to the document's actor, loading it first if needed.
    pub async fn send(&self, document_id: DocumentId, command: Command) -> Result<(), SyncError> {
        let mut command = command;
        // A send fails only when the actor just unloaded or panicked: the
        // next attempt starts a fresh one.
        for _ in 0..3 {
            let (generation, inbox) = self.actor(document_id)?;
            match inbox.send(command).await {
                Ok(()) => return Ok(()),
                Err(mpsc::error::SendError(returned)) => {
                    command = returned;
                    self.forget(&document_id, generation);
                }
            }
        }
        Err(SyncError::Stopped)
    }

    /// Like `send` without waiting: for detaching from synchronous code.
    pub fn send_later(&self, document_id: DocumentId, command: Command) {
        let hub = self.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = hub.send(document_id, command).await;
            });
        }
    }

    fn actor(&self, document_id: DocumentId) -> Result<(u64, mpsc::Sender<Command>), SyncError> {
        let mut actors = self.lock();
        if !actors.accepting {
            return Err(SyncError::Stopped);
        }
        if let Some(entry) = actors.running.get(&document_id) {
            return Ok((entry.generation, entry.inbox.clone()));
        }
        let generation = self.inner.generation.fetch_add(1, Ordering::Relaxed);
        let (inbox, commands) = mpsc::channel(INBOX_LEN);
        actors.running.insert(
            document_id,
            ActorEntry {
                generation,
                inbox: inbox.clone(),
            },
        );
        // Reap finished actors so the set does not grow.
        while actors.tasks.try_join_next().is_some() {}
        let hub = self.clone();
        actors.tasks.spawn(async move {
            let run = run_actor(hub.clone(), document_id, generation, commands);
            if AssertUnwindSafe(run).catch_unwind().await.is_err() {
                hub.inner.panics.fetch_add(1, Ordering::Relaxed);
                tracing::error!(%document_id, "a document actor panicked; it reloads from storage on next use");
                hub.forget(&document_id, generation);
            }
        });
        Ok((generation, inbox))
    }

    /// Removes the actor entry if it is still that generation's.
    fn forget(&self, document_id: &DocumentId, generation: u64) {
        let mut actors = self.lock();
        if actors
            .running
            .get(document_id)
            .is_some_and(|entry| entry.generation == generation)
        {
            actors.running.remove(document_id);
        }
    }

    /// Stops taking commands and waits (at most `timeout`) for every actor
    /// to finish what it was given.
    pub async fn shutdown(&self, timeout: Duration) -> Result<(), SyncError> {
        let mut tasks = {
            let mut actors = self.lock();
            actors.accepting = false;
            actors.running.clear();
            std::mem::take(&mut actors.tasks)
        };
        tokio::time::timeout(timeout, async move {
            while tasks.join_next().await.is_some() {}
        })
        .await
        .map_err(|_| SyncError::TimedOut)
    }
}

/// One connection syncing the document.
struct Peer {
    link: ConnectionLink,
    state: SharedState,
    /// When it was last sent changes it has not answered since.
    unanswered_since: Option<Instant>,
    /// Messages were held back from it (flow control): it is owed one.
    held_back: bool,
}

impl Peer {
    fn new(link: ConnectionLink, state: SharedState) -> Self {
        Self {
            link,
            state,
            unanswered_since: None,
            held_back: false,
        }
    }
}

struct DocumentActor {
    id: DocumentId,
    id_text: Arc<str>,
    hub: DocumentHub,
    document: Automerge,
    states: SyncStates,
    peers: HashMap<ConnectionId, Peer>,
    chunks: Vec<StoredChunk>,
    /// Commands that arrived while a batch was being stored, other than
    /// ephemeral messages (relayed at once): the next batches, in order.
    deferred: VecDeque<Command>,
    /// Transition counts already added to the hub's totals.
    reported: (u64, u64),
}

async fn run_actor(
    hub: DocumentHub,
    id: DocumentId,
    generation: u64,
    mut commands: mpsc::Receiver<Command>,
) {
    let loaded = match hub.storage().load(&id).await {
        Ok(loaded) => loaded,
        Err(error) => {
            tracing::error!(%error, document_id = %id, "cannot load a document");
            hub.forget(&id, generation);
            refuse_all(&mut commands, id, Refusal::ServerError);
            return;
        }
    };
    let Some(stored) = loaded else {
        // Nothing stored (the socket only lets registered documents
        // through, so this is a document whose creation never completed).
        hub.forget(&id, generation);
        refuse_all(&mut commands, id, Refusal::Unavailable);
        return;
    };
    let mut actor = DocumentActor {
        id,
        id_text: Arc::from(id.to_string()),
        hub: hub.clone(),
        document: stored.document,
        states: SyncStates::default(),
        peers: HashMap::new(),
        chunks: stored.chunks,
        deferred: VecDeque::new(),
        reported: (0, 0),
    };
    loop {
        let wait = if actor.owes_messages() {
            hub.inner.settings.answer_wait / 2
        } else {
            hub.inner.settings.idle_unload
        };
        let next = match actor.deferred.pop_front() {
            Some(command) => Ok(Some(command)),
            None => tokio::time::timeout(wait, commands.recv()).await,
        };
        let first = match next {
            Ok(Some(command)) => command,
            // Every sender is gone: the server is stopping.
            Ok(None) => return,
            Err(_) if actor.peers.is_empty() => {
                hub.forget(&id, generation);
                commands.close();
                // Commands sent in the meantime go to the next actor.
                let mut leftovers = Vec::new();
                while let Ok(command) = commands.try_recv() {
                    leftovers.push(command);
                }
                if !leftovers.is_empty() {
                    let hub = hub.clone();
                    tokio::spawn(async move {
                        for command in leftovers {
                            let _ = hub.send(id, command).await;
                        }
                    });
                }
                tracing::debug!(document_id = %id, "unloaded an idle document");
                return;
            }
            Err(_) => {
                let sent = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    actor.send_held_back();
                    actor.report_transitions();
                }));
                if sent.is_err() {
                    actor.give_up_after_panic(&mut commands, generation);
                    return;
                }
                continue;
            }
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            if let Some(command) = actor.deferred.pop_front() {
                batch.push(command);
                continue;
            }
            match commands.try_recv() {
                Ok(command) => batch.push(command),
                Err(_) => break,
            }
        }
        match AssertUnwindSafe(actor.handle(batch, &mut commands))
            .catch_unwind()
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                // Storage failed: what is not durable is dropped with this
                // actor; the clients still hold it and send it again.
                actor.shut_down(&mut commands, generation);
                return;
            }
            Err(_) => {
                actor.give_up_after_panic(&mut commands, generation);
                return;
            }
        }
    }
}

enum Refusal {
    Unavailable,
    ServerError,
}

/// Answers every queued command of a document that cannot serve them.
fn refuse_all(commands: &mut mpsc::Receiver<Command>, id: DocumentId, refusal: Refusal) {
    commands.close();
    while let Ok(command) = commands.try_recv() {
        refuse(command, id, &refusal);
    }
}

fn refuse(command: Command, id: DocumentId, refusal: &Refusal) {
    match command {
        Command::Sync { from, .. } => match refusal {
            Refusal::Unavailable => {
                let _ = from
                    .outbox
                    .try_send(Outbound::Unavailable { document_id: id });
            }
            Refusal::ServerError => from.stop.stop(PeerStop::ServerError),
        },
        Command::Change { done, .. } => {
            let _ = done.send(Err(match refusal {
                Refusal::Unavailable => SyncError::NotFound,
                Refusal::ServerError => SyncError::Stopped,
            }));
        }
        Command::Ephemeral { .. } | Command::Detach { .. } => {}
        #[cfg(test)]
        Command::Crash => {}
    }
}

impl DocumentActor {
    /// After a panic the document in memory may be half-changed, and every
    /// peer's sync state describes it. The next actor loads what is
    /// durable; each connection is closed ("try again") so its client starts
    /// a fresh sync session with that one. A client kept connected would
    /// not send again what it believes the server has: both sides would
    /// wait for each other, or argue without end.
    fn give_up_after_panic(&mut self, commands: &mut mpsc::Receiver<Command>, generation: u64) {
        let inner = &self.hub.inner;
        inner.panics.fetch_add(1, Ordering::Relaxed);
        tracing::error!(document_id = %self.id, peers = self.peers.len(), "a document actor panicked; its connections are closed and it reloads from storage on next use");
        self.shut_down(commands, generation);
    }

    /// Ends this actor: queued commands are refused and every connection
    /// is closed with "try again"; the next command loads the document
    /// from what is durable.
    fn shut_down(&mut self, commands: &mut mpsc::Receiver<Command>, generation: u64) {
        // Forgotten first: a client that reconnects as soon as it is told
        // to reaches the next actor, not this one's closing inbox.
        self.hub.forget(&self.id, generation);
        for command in std::mem::take(&mut self.deferred) {
            refuse(command, self.id, &Refusal::ServerError);
        }
        refuse_all(commands, self.id, Refusal::ServerError);
        for peer in self.peers.values() {
            peer.link.stop.stop(PeerStop::ServerError);
        }
    }

    /// Applies one batch. False when storage failed (the actor must stop).
    async fn handle(
        &mut self,
        batch: Vec<Command>,
        commands: &mut mpsc::Receiver<Command>,
    ) -> bool {
        let heads_before = self.document.get_heads();
        let mut answer: Vec<ConnectionId> = Vec::new();
        let mut done: Vec<oneshot::Sender<Result<(), SyncError>>> = Vec::new();
        for command in batch {
            match command {
                Command::Sync {
                    from,
                    data,
                    writable,
                } => {
                    let id = from.id;
                    if self.receive(from, &data, writable) {
                        answer.push(id);
                    }
                }
                Command::Ephemeral { from, relay } => {
                    relay_ephemeral(&mut self.peers, self.id, &self.id_text, from, relay);
                }
                #[cfg(test)]
                Command::Crash => panic!("a crash the test asked for"),
                Command::Detach { connection } => {
                    self.peers.remove(&connection);
                }
                Command::Change { apply, done: reply } => {
                    let heads = self.document.get_heads();
                    let applied =
                        std::panic::catch_unwind(AssertUnwindSafe(|| apply(&mut self.document)));
                    if applied.is_err() {
                        tracing::error!(document_id = %self.id, "a server-side change panicked");
                    }
                    if self.document.get_heads() != heads {
                        self.states.document_changed();
                    }
                    done.push(reply);
                }
            }
        }
        let changed = self.document.get_heads() != heads_before;
        if changed {
            if let Err(error) = self.store_relaying_ephemeral(&heads_before, commands).await {
                tracing::error!(%error, document_id = %self.id, "cannot store a document's changes; closing its connections");
                for reply in done {
                    let _ = reply.send(Err(SyncError::NotStored(error.to_string())));
                }
                return false;
            }
        }
        if changed {
            let everyone: Vec<ConnectionId> = self.peers.keys().copied().collect();
            self.generate_for(everyone);
        } else {
            let unique: HashSet<ConnectionId> = answer.into_iter().collect();
            self.generate_for(unique.into_iter().collect());
        }
        self.send_held_back();
        // After the messages: whoever waits on a change finds every message
        // of its batch queued.
        for reply in done {
            let _ = reply.send(Ok(()));
        }
        if self.states.len() > 2 * self.peers.len() + 64 {
            self.states.collect_garbage();
        }
        self.report_transitions();
        true
    }

    /// Adds this document's new transition counts to the hub's totals.
    fn report_transitions(&mut self) {
        let (computed, shared) = (self.states.computed(), self.states.shared());
        let inner = &self.hub.inner;
        inner
            .transitions_computed
            .fetch_add(computed - self.reported.0, Ordering::Relaxed);
        inner
            .transitions_shared
            .fetch_add(shared - self.reported.1, Ordering::Relaxed);
        self.reported = (computed, shared);
    }

    /// Takes one sync message. False when the connection was refused.
    fn receive(&mut self, from: ConnectionLink, data: &[u8], writable: bool) -> bool {
        let mut state = match self.peers.get(&from.id) {
            Some(peer) => peer.state.clone(),
            None => {
                let fresh = self.states.fresh();
                self.peers
                    .insert(from.id, Peer::new(from.clone(), fresh.clone()));
                fresh
            }
        };
        if state.read_only == writable {
            // A new reader, or a peer whose access changed.
            state = self.states.with_read_only(&state, !writable);
        }
        if let Some(peer) = self.peers.get_mut(&from.id) {
            peer.state = state.clone();
            // It answered: it may be sent more.
            peer.unanswered_since = None;
        }
        // An in-sync follower's acknowledgement: seen before, nothing to do
        // but move its state along.
        if let Some(next) = self.states.cached_receive(&state, data) {
            if let Some(peer) = self.peers.get_mut(&from.id) {
                peer.state = next;
            }
            return true;
        }
        let mut message = match Message::decode(data) {
            Ok(message) => message,
            Err(_) => {
                self.drop_peer(&from, PeerStop::from(WireError::InvalidSyncData));
                return false;
            }
        };
        if let Err(error) = wire::check_sync_claims(&message) {
            self.drop_peer(&from, PeerStop::from(error));
            return false;
        }
        if !writable {
            // A reader's changes are never applied, stored nor relayed.
            message.changes = ChunkList::empty();
        } else if !message.changes.is_empty() {
            // Well-formed, canonical changes only (automerge 0.12 panics on,
            // or is corrupted by, some that are not).
            if let Err(error) = wire::check_message_changes(&message) {
                self.drop_peer(&from, PeerStop::from(error));
                return false;
            }
        }
        let next = if message.changes.is_empty() {
            match self
                .states
                .receive_without_changes(&mut self.document, &state, data, message)
            {
                Ok(next) => next,
                Err(error) => {
                    tracing::debug!(%error, "refusing a sync message");
                    self.drop_peer(&from, PeerStop::from(WireError::InvalidSyncData));
                    return false;
                }
            }
        } else {
            match self.receive_changes(&state, message) {
                Ok(next) => next,
                Err(end) => {
                    self.drop_peer(&from, end);
                    return false;
                }
            }
        };
        if let Some(peer) = self.peers.get_mut(&from.id) {
            peer.state = next;
        }
        true
    }

    /// Applies a writer's changes on a copy first: automerge 0.12 can panic
    /// on (or be corrupted by) a crafted change, and a panic here must not
    /// touch the document everyone shares. The copy becomes the document,
    /// even when its heads did not move: a change whose dependencies have
    /// not arrived waits in the copy's queue. A sender does not send a change
    /// twice in one session (the sync state remembers what it sent), so a
    /// change that arrives before one it depends on (the sender's Bloom
    /// filter said we had that one) must be kept until we ask for and get
    /// the missing one.
    fn receive_changes(
        &mut self,
        state: &SharedState,
        message: Message,
    ) -> Result<SharedState, PeerStop> {
        let incoming: u64 = message.changes.iter().map(|chunk| chunk.len() as u64).sum();
        let stored: u64 = self.chunks.iter().map(|chunk| chunk.bytes).sum();
        if stored.saturating_add(incoming) > self.hub.inner.settings.max_document_bytes {
            return Err(PeerStop::DocumentTooLarge(self.id));
        }
        let before = self.document.get_heads();
        let mut copy = self.document.clone();
        let mut next = State::clone(state);
        let trial = std::panic::catch_unwind(AssertUnwindSafe(|| {
            if copy.receive_sync_message(&mut next, message).is_err() {
                return false;
            }
            // What it holds must still export, or nothing after this change
            // could be stored.
            let _ = copy.get_changes(&before);
            true
        }));
        match trial {
            Ok(true) => {
                // New heads, or new changes waiting for their dependencies:
                // either way every cached transition is stale.
                self.document = copy;
                self.states.document_changed();
                Ok(self.states.adopt(next))
            }
            _ => Err(PeerStop::from(WireError::InvalidChange(
                "automerge cannot apply it",
            ))),
        }
    }

    fn generate_for(&mut self, targets: Vec<ConnectionId>) {
        let now = Instant::now();
        let answer_wait = self.hub.inner.settings.answer_wait;
        let mut gone = Vec::new();
        for id in targets {
            let Some(peer) = self.peers.get_mut(&id) else {
                continue;
            };
            if peer
                .unanswered_since
                .is_some_and(|since| now.duration_since(since) < answer_wait)
            {
                peer.held_back = true;
                continue;
            }
            peer.held_back = false;
            let generated = self.states.generate(&self.document, &peer.state);
            peer.state = generated.next;
            if let Some(data) = generated.message {
                if generated.carries_changes {
                    peer.unanswered_since = Some(now);
                }
                let outbound = Outbound::Sync {
                    document_id: self.id,
                    document_text: self.id_text.clone(),
                    data,
                };
                if !deliver(&peer.link, outbound) {
                    gone.push(id);
                }
            }
        }
        for id in gone {
            self.peers.remove(&id);
        }
    }

    /// Some peer was held back and is owed a message.
    fn owes_messages(&self) -> bool {
        self.peers.values().any(|peer| peer.held_back)
    }

    /// Sends held-back peers whose answer is overdue what they miss.
    fn send_held_back(&mut self) {
        let owed: Vec<ConnectionId> = self
            .peers
            .iter()
            .filter(|(_, peer)| peer.held_back)
            .map(|(id, _)| *id)
            .collect();
        self.generate_for(owed);
    }

    fn drop_peer(&mut self, link: &ConnectionLink, end: PeerStop) {
        self.peers.remove(&link.id);
        link.stop.stop(end);
    }

    /// Stores the changes made since `heads_before` (see `store_changes`).
    /// Meanwhile, ephemeral messages that arrive are relayed at once; other
    /// commands wait in `deferred` for the next batches, up to an inbox's
    /// worth (then the inbox itself waits, as it would without this).
    async fn store_relaying_ephemeral(
        &mut self,
        heads_before: &[automerge::ChangeHash],
        commands: &mut mpsc::Receiver<Command>,
    ) -> Result<(), crate::store::StoreError> {
        let Self {
            id,
            id_text,
            hub,
            document,
            peers,
            chunks,
            deferred,
            ..
        } = self;
        let store = store_changes(hub, *id, document, chunks, heads_before);
        tokio::pin!(store);
        let mut inbox_open = true;
        loop {
            tokio::select! {
                biased;
                stored = &mut store => return stored,
                command = commands.recv(), if inbox_open && deferred.len() < INBOX_LEN => {
                    match command {
                        Some(Command::Ephemeral { from, relay }) => {
                            relay_ephemeral(peers, *id, id_text, from, relay);
                        }
                        Some(other) => deferred.push_back(other),
                        // Every sender is gone (the server is stopping):
                        // finish the store.
                        None => inbox_open = false,
                    }
                }
            }
        }
    }
}

/// Stores the changes `document` made since `heads_before`, compacting now
/// and then.
async fn store_changes(
    hub: &DocumentHub,
    id: DocumentId,
    document: &mut Automerge,
    chunks: &mut Vec<StoredChunk>,
    heads_before: &[automerge::ChangeHash],
) -> Result<(), crate::store::StoreError> {
    let changes: Vec<Change> = document.get_changes(heads_before);
    let storage = hub.storage();
    if let Some(chunk) = storage.append(&id, &changes).await? {
        chunks.push(chunk);
    }
    let increments = chunks.iter().filter(|chunk| !chunk.is_snapshot).count();
    if increments >= hub.inner.settings.compact_after_increments.max(1) {
        let superseded = std::mem::take(chunks);
        match storage.compact(&id, document, &superseded).await {
            Ok(snapshot) => {
                tracing::debug!(document_id = %id, chunks = superseded.len(), bytes = snapshot.bytes, "compacted a document");
                *chunks = vec![snapshot];
            }
            Err(error) => {
                // Everything is still stored as increments.
                tracing::warn!(%error, document_id = %id, "cannot compact a document; trying again later");
                *chunks = superseded;
            }
        }
    }
    Ok(())
}

/// Relays an ephemeral message to every peer of the document but its
/// sender, as it came; drops peers whose connection is gone.
fn relay_ephemeral(
    peers: &mut HashMap<ConnectionId, Peer>,
    document_id: DocumentId,
    document_text: &Arc<str>,
    from: ConnectionId,
    relay: Arc<EphemeralRelay>,
) {
    let mut gone = Vec::new();
    for (id, peer) in peers.iter() {
        if *id == from {
            continue;
        }
        let outbound = Outbound::Ephemeral {
            document_id,
            document_text: document_text.clone(),
            relay: relay.clone(),
        };
        if !deliver(&peer.link, outbound) {
            gone.push(*id);
        }
    }
    for id in gone {
        peers.remove(&id);
    }
}

/// Queues a message for a connection. A full outbox means the client does
/// not keep up: it is stopped rather than waited for.
fn deliver(link: &ConnectionLink, outbound: Outbound) -> bool {
    match link.outbox.try_send(outbound) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            link.stop.stop(PeerStop::SlowReader);
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use automerge::sync::BloomFilter;
    use automerge::transaction::Transactable;
    use automerge::{ReadDoc, ROOT};
    use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
    use sqlx::Connection;

    use super::*;
    use crate::sync::SyncConfig;

    fn connection(id: ConnectionId) -> (ConnectionLink, mpsc::Receiver<Outbound>) {
        let (outbox, received) = mpsc::channel(64);
        let link = ConnectionLink {
            id,
            outbox,
            stop: Arc::new(StopSignal::default()),
        };
        (link, received)
    }

    async fn hub_with_document(
        idle_unload: Duration,
    ) -> (tempfile::TempDir, DocumentHub, DocumentId, Automerge) {
        hub_waiting_for_answers(idle_unload, SyncConfig::default().answer_wait).await
    }

    async fn hub_waiting_for_answers(
        idle_unload: Duration,
        answer_wait: Duration,
    ) -> (tempfile::TempDir, DocumentHub, DocumentId, Automerge) {
        let (dir, store) = crate::sync::test_store().await;
        let storage = DocumentStorage::new(store);
        let hub = DocumentHub::new(
            storage.clone(),
            HubSettings {
                max_document_bytes: 1 << 20,
                idle_unload,
                compact_after_increments: 2,
                answer_wait,
            },
        );
        let id = DocumentId::random();
        let mut document = Automerge::new();
        let mut tx = document.transaction();
        tx.put(ROOT, "title", "Biên bản").unwrap();
        tx.commit();
        storage.create(&id, &mut document).await.unwrap();
        (dir, hub, id, document)
    }

    /// Plays one client against the hub until neither side has more to
    /// say: the client's messages go in as `Command::Sync`. After sending it
    /// waits up to 5 s for an answer (a loaded machine may take a while to
    /// load the document); otherwise 300 ms of quiet means done.
    async fn sync_client(
        hub: &DocumentHub,
        id: DocumentId,
        link: &ConnectionLink,
        outbox: &mut mpsc::Receiver<Outbound>,
        client: &mut Automerge,
        state: &mut State,
    ) {
        loop {
            let sent = match client.generate_sync_message(state) {
                Some(message) => {
                    let command = Command::Sync {
                        from: link.clone(),
                        data: message.encode(),
                        writable: true,
                    };
                    hub.send(id, command).await.unwrap();
                    true
                }
                None => false,
            };
            let wait = if sent {
                Duration::from_secs(5)
            } else {
                Duration::from_millis(300)
            };
            match tokio::time::timeout(wait, outbox.recv()).await {
                Ok(Some(Outbound::Sync { data, .. })) => {
                    let message = Message::decode(&data).unwrap();
                    client.receive_sync_message(state, message).unwrap();
                }
                Ok(Some(_)) => panic!("unexpected message"),
                Ok(None) => panic!("outbox closed"),
                Err(_) => return,
            }
        }
    }

    /// The next message for a connection, or a clear failure.
    async fn next_outbound(outbox: &mut mpsc::Receiver<Outbound>) -> Outbound {
        tokio::time::timeout(Duration::from_secs(10), outbox.recv())
            .await
            .expect("a message within 10 s")
            .expect("the outbox is open")
    }

    #[tokio::test]
    async fn a_writers_change_is_stored_before_a_follower_hears_of_it() {
        let (_dir, hub, id, _) = hub_with_document(Duration::from_secs(60)).await;
        let mut clients = WriterAndFollower::synced(&hub, id).await;
        clients.send_stroke(&hub, id, 1).await;
        let Outbound::Sync { data, .. } = next_outbound(&mut clients.follower_outbox).await else {
            panic!("the follower hears of the change");
        };
        // By the time the follower is told, the change is in storage.
        let stored = hub.storage().load(&id).await.unwrap().unwrap();
        assert_eq!(stored.document.get_heads(), clients.writer.get_heads());
        clients
            .follower
            .receive_sync_message(&mut clients.follower_state, Message::decode(&data).unwrap())
            .unwrap();
        assert_eq!(clients.follower.get_heads(), clients.writer.get_heads());
    }

    /// A writer and a follower, both in sync with the hub's document.
    struct WriterAndFollower {
        writer_link: ConnectionLink,
        writer_outbox: mpsc::Receiver<Outbound>,
        writer: Automerge,
        writer_state: State,
        follower_link: ConnectionLink,
        follower_outbox: mpsc::Receiver<Outbound>,
        follower: Automerge,
        follower_state: State,
    }

    impl WriterAndFollower {
        async fn synced(hub: &DocumentHub, id: DocumentId) -> Self {
            let (writer_link, mut writer_outbox) = connection(1);
            let (follower_link, mut follower_outbox) = connection(2);
            let mut writer = Automerge::new();
            let mut writer_state = State::new();
            let mut follower = Automerge::new();
            let mut follower_state = State::new();
            for (link, outbox, client, state) in [
                (
                    &writer_link,
                    &mut writer_outbox,
                    &mut writer,
                    &mut writer_state,
                ),
                (
                    &follower_link,
                    &mut follower_outbox,
                    &mut follower,
                    &mut follower_state,
                ),
            ] {
                sync_client(hub, id, link, outbox, client, state).await;
            }
            assert_eq!(follower.get_heads(), writer.get_heads());
            Self {
                writer_link,
                writer_outbox,
                writer,
                writer_state,
                follower_link,
                follower_outbox,
                follower,
                follower_state,
            }
        }

        /// The writer adds a stroke and sends it; returns once the hub has
        /// taken it.
        async fn write_stroke(&mut self, hub: &DocumentHub, id: DocumentId, stroke: i64) {
            self.send_stroke(hub, id, stroke).await;
            // Commands run in order: once this read is done, so is the stroke.
            hub_read_title(hub, id).await;
        }

        /// The writer adds a stroke and sends it to the hub's inbox.
        ///
        /// Automerge leaves out of a sync message any change the peer's
        /// Bloom filter claims, and a filter can claim a change it does not
        /// hold (a false positive; these tests failed now and then in CI
        /// with the stroke missing). These tests are about what the hub
        /// does with a stroke, so the stroke always goes in this message.
        async fn send_stroke(&mut self, hub: &DocumentHub, id: DocumentId, stroke: i64) {
            let mut tx = self.writer.transaction();
            tx.put(ROOT, format!("stroke-{stroke}"), stroke).unwrap();
            tx.commit();
            let mut message = self
                .writer
                .generate_sync_message(&mut self.writer_state)
                .unwrap();
            let stroke_bytes = self
                .writer
                .get_last_local_change()
                .unwrap()
                .raw_bytes()
                .to_vec();
            let mut changes: Vec<Vec<u8>> = message.changes.iter().map(<[u8]>::to_vec).collect();
            if !changes.contains(&stroke_bytes) {
                changes.push(stroke_bytes);
                message.changes = ChunkList::from(changes);
            }
            self.writer_sends(hub, id, message).await;
        }

        /// `message` from the writer, into the hub's inbox.
        async fn writer_sends(&self, hub: &DocumentHub, id: DocumentId, message: Message) {
            let command = Command::Sync {
                from: self.writer_link.clone(),
                data: message.encode(),
                writable: true,
            };
            hub.send(id, command).await.unwrap();
        }

        /// The follower's next message, applied.
        async fn follower_receives(&mut self) {
            let Outbound::Sync { data, .. } = next_outbound(&mut self.follower_outbox).await else {
                panic!("expected a sync message");
            };
            let message = Message::decode(&data).unwrap();
            self.follower
                .receive_sync_message(&mut self.follower_state, message)
                .unwrap();
        }

        async fn follower_answers(&mut self, hub: &DocumentHub, id: DocumentId) {
            let answer = self
                .follower
                .generate_sync_message(&mut self.follower_state)
                .expect("a follower answers changes with its heads");
            let command = Command::Sync {
                from: self.follower_link.clone(),
                data: answer.encode(),
                writable: true,
            };
            hub.send(id, command).await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_stroke_left_out_after_a_bloom_false_positive_is_asked_for_and_reaches_the_follower()
    {
        // The real protocol's repair, which `send_stroke` sidesteps: the
        // writer believes the hub has its stroke (the hub's Bloom filter
        // claims it), sends only its new heads, and the hub, unable to place
        // them, asks for the change.
        let (_dir, hub, id, _) = hub_with_document(Duration::from_secs(60)).await;
        let mut clients = WriterAndFollower::synced(&hub, id).await;
        // One entry, ten bits, every bit set: the filter claims every change.
        let claims_everything = BloomFilter::try_from(&[1, 10, 7, 0xff, 0xff][..]).unwrap();
        let haves = clients
            .writer_state
            .their_have
            .as_mut()
            .expect("the hub sent its filter");
        assert!(!haves.is_empty(), "the hub sent its filter");
        for have in haves {
            have.bloom = claims_everything.clone();
        }
        let mut tx = clients.writer.transaction();
        tx.put(ROOT, "stroke-1", 1).unwrap();
        tx.commit();
        let heads_only = clients
            .writer
            .generate_sync_message(&mut clients.writer_state)
            .expect("the writer announces its new heads");
        assert!(
            heads_only.changes.is_empty(),
            "the forged filter hid the stroke"
        );
        clients.writer_sends(&hub, id, heads_only).await;

        // The hub asks for what it cannot place; the writer sends it.
        let Outbound::Sync { data, .. } = next_outbound(&mut clients.writer_outbox).await else {
            panic!("the hub answers the writer");
        };
        let request = Message::decode(&data).unwrap();
        assert_eq!(
            request.need,
            clients.writer.get_heads(),
            "the hub asks for the stroke"
        );
        clients
            .writer
            .receive_sync_message(&mut clients.writer_state, request)
            .unwrap();
        let with_stroke = clients
            .writer
            .generate_sync_message(&mut clients.writer_state)
            .expect("the writer answers the request");
        assert_eq!(with_stroke.changes.len(), 1, "the writer sends the stroke");
        clients.writer_sends(&hub, id, with_stroke).await;

        clients.follower_receives().await;
        assert_eq!(clients.follower.get_heads(), clients.writer.get_heads());
    }

    #[tokio::test]
    async fn ink_in_progress_is_relayed_while_a_stroke_waits_on_storage() {
        let (dir, hub, id, _) = hub_with_document(Duration::from_secs(60)).await;
        let mut clients = WriterAndFollower::synced(&hub, id).await;
        // Another connection holds SQLite's write lock, so the next store
        // waits, as it would on a slow disk.
        let options = SqliteConnectOptions::new().filename(dir.path().join("test.db"));
        let mut lock = SqliteConnection::connect_with(&options).await.unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut lock)
            .await
            .unwrap();

        clients.send_stroke(&hub, id, 1).await;
        // Time for the actor to take the stroke alone and start storing it
        // (were the ink in the same batch, it would be relayed first anyway).
        tokio::time::sleep(Duration::from_millis(300)).await;
        let ink = Arc::new(EphemeralRelay {
            sender_id: "writer".to_owned(),
            session_id: "session".to_owned(),
            count: 1,
            data: b"the next stroke, in progress".to_vec(),
        });
        let command = Command::Ephemeral {
            from: clients.writer_link.id,
            relay: ink,
        };
        hub.send(id, command).await.unwrap();

        let Outbound::Ephemeral { relay, .. } = next_outbound(&mut clients.follower_outbox).await
        else {
            panic!("the ink arrives while the stroke is being stored");
        };
        assert_eq!(relay.data, b"the next stroke, in progress");
        assert!(
            clients.follower_outbox.try_recv().is_err(),
            "the stroke is not relayed before it is stored"
        );

        sqlx::query("COMMIT").execute(&mut lock).await.unwrap();
        clients.follower_receives().await;
        assert_eq!(clients.follower.get_heads(), clients.writer.get_heads());
        let stored = hub.storage().load(&id).await.unwrap().unwrap();
        assert_eq!(stored.document.get_heads(), clients.writer.get_heads());
    }

    #[tokio::test]
    async fn a_follower_that_has_not_answered_gets_the_next_changes_together_once_it_does() {
        let long = Duration::from_secs(60);
        let (_dir, hub, id, _) = hub_waiting_for_answers(long, long).await;
        let mut clients = WriterAndFollower::synced(&hub, id).await;

        clients.write_stroke(&hub, id, 1).await;
        clients.follower_receives().await;
        // The follower has not answered: strokes 2 and 3 wait for it.
        clients.write_stroke(&hub, id, 2).await;
        clients.write_stroke(&hub, id, 3).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            clients.follower_outbox.try_recv().is_err(),
            "nothing is sent to a follower that has not answered"
        );

        clients.follower_answers(&hub, id).await;
        clients.follower_receives().await;
        // One message brought both.
        assert_eq!(clients.follower.get_heads(), clients.writer.get_heads());
    }

    #[tokio::test]
    async fn a_follower_that_never_answers_still_gets_changes_after_the_answer_wait() {
        let (_dir, hub, id, _) =
            hub_waiting_for_answers(Duration::from_secs(60), Duration::from_millis(100)).await;
        let mut clients = WriterAndFollower::synced(&hub, id).await;

        clients.write_stroke(&hub, id, 1).await;
        clients.follower_receives().await;
        clients.write_stroke(&hub, id, 2).await;
        // No answer, and no other command for the document: the actor's own
        // timer sends it.
        clients.follower_receives().await;
        assert_eq!(clients.follower.get_heads(), clients.writer.get_heads());
    }

    #[tokio::test]
    async fn a_change_that_arrives_before_the_one_it_depends_on_is_kept_until_that_one_comes() {
        // A client leaves out a change the server seems to have (a false
        // positive of the server's Bloom filter), sends the next one, and
        // sends the missing one only when the server asks for it: it never
        // sends the next one again in this session.
        let (_dir, hub, id, _) = hub_with_document(Duration::from_secs(60)).await;
        let mut clients = WriterAndFollower::synced(&hub, id).await;
        let mut changes = Vec::new();
        for stroke in [1, 2] {
            let mut tx = clients.writer.transaction();
            tx.put(ROOT, format!("stroke-{stroke}"), stroke).unwrap();
            tx.commit();
            let change = clients.writer.get_last_local_change().unwrap();
            changes.push(change.raw_bytes().to_vec());
        }
        // Its heads and Bloom filter, with one change at a time.
        let template = clients
            .writer
            .generate_sync_message(&mut clients.writer_state)
            .unwrap();
        let (first, second) = (changes[0].clone(), changes[1].clone());
        for change in [second, first] {
            let message = Message {
                changes: ChunkList::from(vec![change]),
                ..template.clone()
            };
            clients.writer_sends(&hub, id, message).await;
            hub_read_title(&hub, id).await;
        }

        clients.follower_receives().await;
        assert_eq!(clients.follower.get_heads(), clients.writer.get_heads());
        let stored = hub.storage().load(&id).await.unwrap().unwrap();
        assert_eq!(stored.document.get_heads(), clients.writer.get_heads());
    }

    #[tokio::test]
    async fn an_actor_that_panics_closes_its_connections_and_the_document_loads_again() {
        let (_dir, hub, id, _) = hub_with_document(Duration::from_secs(60)).await;
        let mut clients = WriterAndFollower::synced(&hub, id).await;
        clients.write_stroke(&hub, id, 1).await;
        hub.send(id, Command::Crash).await.unwrap();
        for link in [&clients.writer_link, &clients.follower_link] {
            let end = tokio::time::timeout(Duration::from_secs(10), link.stop.stopped())
                .await
                .expect("the connection is told to close within 10 s");
            assert!(matches!(end, PeerStop::ServerError), "{end:?}");
        }
        assert_eq!(hub.panics(), 1);
        // The stroke was durable (checked apart, so that a failure says
        // which half failed: storage, or the sync after the reload)...
        let stored = hub.storage().load(&id).await.unwrap().unwrap();
        assert_eq!(
            stored.document.get_heads(),
            clients.writer.get_heads(),
            "the stroke is in storage after the panic"
        );
        // ...and a fresh client finds it in the reloaded document.
        let (link, mut outbox) = connection(3);
        let mut fresh = Automerge::new();
        let mut state = State::new();
        sync_client(&hub, id, &link, &mut outbox, &mut fresh, &mut state).await;
        assert_eq!(
            fresh.get_heads(),
            clients.writer.get_heads(),
            "a fresh client syncs the whole reloaded document"
        );
    }

    #[tokio::test]
    async fn a_peer_whose_bloom_filter_would_crash_automerge_is_disconnected_and_others_go_on() {
        let (_dir, hub, id, _) = hub_with_document(Duration::from_secs(60)).await;
        let mut clients = WriterAndFollower::synced(&hub, id).await;
        let (attacker, _attacker_outbox) = connection(3);
        let mut message = Automerge::new()
            .generate_sync_message(&mut State::new())
            .unwrap();
        // Entries, no bits: automerge 0.12 divides by zero answering it.
        message.have = vec![automerge::sync::Have {
            last_sync: Vec::new(),
            bloom: automerge::sync::BloomFilter::try_from(&[1u8, 0, 7][..]).unwrap(),
        }];
        let command = Command::Sync {
            from: attacker.clone(),
            data: message.encode(),
            writable: false,
        };
        hub.send(id, command).await.unwrap();
        let end = tokio::time::timeout(Duration::from_secs(10), attacker.stop.stopped())
            .await
            .expect("the peer is disconnected within 10 s");
        assert!(
            matches!(&end, PeerStop::ProtocolViolation { detail, .. } if detail.contains("Bloom")),
            "{end:?}"
        );
        clients.write_stroke(&hub, id, 1).await;
        clients.follower_receives().await;
        assert_eq!(clients.follower.get_heads(), clients.writer.get_heads());
        assert_eq!(hub.panics(), 0);
    }

    #[tokio::test]
    async fn stored_increments_are_compacted_and_the_document_still_loads() {
        let (_dir, hub, id, _) = hub_with_document(Duration::from_secs(60)).await;
        let (link, mut outbox) = connection(1);
        let mut writer = Automerge::new();
        let mut state = State::new();
        sync_client(&hub, id, &link, &mut outbox, &mut writer, &mut state).await;
        for stroke in 0..5 {
            let mut tx = writer.transaction();
            tx.put(ROOT, format!("stroke-{stroke}"), stroke).unwrap();
            tx.commit();
            sync_client(&hub, id, &link, &mut outbox, &mut writer, &mut state).await;
        }
        let stored = hub.storage().load(&id).await.unwrap().unwrap();
        assert_eq!(stored.document.get_heads(), writer.get_heads());
        // Compacted every second increment: never more than a snapshot and
        // one increment on disk.
        assert!(stored.chunks.len() <= 2, "{:?}", stored.chunks);
        assert!(stored.chunks.iter().any(|chunk| chunk.is_snapshot));
    }

    #[tokio::test]
    async fn a_readers_changes_are_neither_applied_nor_stored() {
        let (_dir, hub, id, document) = hub_with_document(Duration::from_secs(60)).await;
        let (link, mut outbox) = connection(1);
        let mut reader = document.clone();
        let mut state = State::new();
        sync_client(&hub, id, &link, &mut outbox, &mut reader, &mut state).await;
        let mut tx = reader.transaction();
        tx.put(ROOT, "title", "forged").unwrap();
        tx.commit();
        let message = reader.generate_sync_message(&mut state).unwrap();
        assert!(!message.changes.is_empty());
        hub.send(
            id,
            Command::Sync {
                from: link.clone(),
                data: message.encode(),
                writable: false,
            },
        )
        .await
        .unwrap();
        let title = hub_read_title(&hub, id).await;
        assert_eq!(title, "Biên bản");
        let stored = hub.storage().load(&id).await.unwrap().unwrap();
        assert_eq!(stored.document.get_heads(), document.get_heads());
    }

    async fn hub_read_title(hub: &DocumentHub, id: DocumentId) -> String {
        let (sender, title) = oneshot::channel();
        let (done, finished) = oneshot::channel();
        let apply = Box::new(move |document: &mut Automerge| {
            let title = document
                .get(ROOT, "title")
                .unwrap()
                .map(|(value, _)| value.as_str().unwrap_or_default().to_owned())
                .unwrap_or_default();
            let _ = sender.send(title);
        });
        hub.send(id, Command::Change { apply, done }).await.unwrap();
        finished.await.unwrap().unwrap();
        title.await.unwrap()
    }

    #[tokio::test]
    async fn an_idle_document_is_unloaded_and_loads_again_on_next_use() {
        let (_dir, hub, id, _) = hub_with_document(Duration::from_millis(50)).await;
        let (link, mut outbox) = connection(1);
        let mut client = Automerge::new();
        let mut state = State::new();
        sync_client(&hub, id, &link, &mut outbox, &mut client, &mut state).await;
        assert_eq!(hub.loaded_documents(), 1);
        // Still a peer: stays loaded.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(hub.loaded_documents(), 1);
        hub.send(id, Command::Detach { connection: 1 })
            .await
            .unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while hub.loaded_documents() > 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "still loaded after 10 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(hub_read_title(&hub, id).await, "Biên bản");
        assert_eq!(hub.loaded_documents(), 1);
    }

    #[tokio::test]
    async fn a_document_that_was_never_stored_is_unavailable() {
        let (_dir, hub, _, _) = hub_with_document(Duration::from_secs(60)).await;
        let (link, mut outbox) = connection(1);
        let missing = DocumentId::random();
        let request = Automerge::new()
            .generate_sync_message(&mut State::new())
            .unwrap();
        hub.send(
            missing,
            Command::Sync {
                from: link,
                data: request.encode(),
                writable: true,
            },
        )
        .await
        .unwrap();
        assert!(matches!(
            next_outbound(&mut outbox).await,
            Outbound::Unavailable { document_id } if document_id == missing
        ));
    }
}
