//! One document's sync, without IO: `DocumentCore` owns the Automerge
//! document, the sync state of every peer that syncs it, and what the
//! document occupies in storage. It takes bytes and the time in and says
//! what to do out (`Effect`: a message to a peer, a stop); it asks for a
//! store by handing out the changes to store (`changes_to_store`), and
//! only generates messages once told they are durable (`end_batch`). The
//! server's document actor (`server/src/sync/document.rs`) carries all of
//! this out over channels, storage and timers.
//!
//! A batch, as the actor drives it:
//! 1. `begin_batch`, then for each command `receive` (a peer's sync
//!    message), `relay` (an ephemeral message), `detach` or `change` (the
//!    server's own change);
//! 2. `changes_to_store`: when the batch moved the heads, the changes to
//!    make durable; the actor stores them (`stored`, then `compacted` when
//!    `compaction_due`) while it keeps relaying ephemeral messages;
//! 3. `end_batch(now)`: every peer (after a change) or every peer that
//!    spoke (otherwise) is sent what it misses, and peers held back by flow
//!    control whose answer is overdue.
//!
//! Flow control: a peer sent changes it has not answered yet (its answer
//! carries its new heads) gets no further message until it answers, or
//! until `answer_wait` passes (`tick` sends what is owed); then everything
//! new goes in one message.
//!
//! An in-sync peer's acknowledgement is answered from the shared-state
//! cache (`states`) without decoding it. A writer's changes are checked
//! canonical, then applied on a copy that becomes the document even when
//! its heads did not move (a change whose dependency has not arrived waits
//! in the copy's queue: the sender will not send it twice), within the
//! document size cap (`max_document_bytes`).
//!
//! **Invariant:** no message leaves the core for changes that are not
//! durable: messages are generated in `end_batch` and `tick` only, and the
//! actor calls `end_batch` after the store of the batch succeeded (a failed
//! store ends the actor, and with it this core).
//!
//! **Invariant:** a reader's changes are never applied, stored nor
//! relayed; a writer's are tried on a copy first (automerge 0.12 panics
//! on, or is corrupted by, some crafted changes).

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::sync::{ChunkList, Message, State, SyncDoc};
use automerge::{Automerge, Change, ChangeHash};

use crate::states::{EncodedMessage, SharedState, SyncStates};
use crate::wire::{self, WireError};
use crate::{DocumentId, PeerStop};

/// A peer of the document: one connection, numbered by the server.
pub type PeerKey = u64;

/// How a document treats its peers and its storage.
#[derive(Debug, Clone)]
pub struct DocumentSettings {
    /// A change that would grow the document's stored size past this is
    /// refused (and its peer stopped).
    pub max_document_bytes: u64,
    /// Incremental chunks stored before the document is compacted into one
    /// snapshot.
    pub compact_after_increments: usize,
    /// How long a peer's answer to changes is awaited before it is sent
    /// newer ones anyway (flow control).
    pub answer_wait: Duration,
}

/// One stored piece of a document (an increment or a snapshot), as the
/// storage names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChunk {
    pub key: String,
    pub bytes: u64,
    pub is_snapshot: bool,
}

/// An ephemeral message to relay as it came (sender, session and counter
/// are the author's). Never stored.
#[derive(Debug)]
pub struct EphemeralRelay {
    pub sender_id: String,
    pub session_id: String,
    pub count: u64,
    pub data: Vec<u8>,
}

/// What the core asks the server to do.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Send `to` this sync message. A peer that cannot take it is reported
    /// back with `gone`.
    Sync { to: PeerKey, data: EncodedMessage },
    /// Relay this ephemeral message `to` the peer (likewise).
    Ephemeral {
        to: PeerKey,
        relay: Arc<EphemeralRelay>,
    },
    /// Stop this peer: it is no longer a peer of the document.
    Stop { to: PeerKey, reason: PeerStop },
}

/// One peer syncing the document.
struct Peer {
    state: SharedState,
    /// When it was last sent changes it has not answered since.
    unanswered_since: Option<Instant>,
    /// Messages were held back from it (flow control): it is owed one.
    held_back: bool,
}

/// The batch under way: where the heads were, and who spoke.
struct Batch {
    heads_before: Vec<ChangeHash>,
    answer: Vec<PeerKey>,
}

pub struct DocumentCore {
    id: DocumentId,
    settings: DocumentSettings,
    document: Automerge,
    states: SyncStates,
    peers: HashMap<PeerKey, Peer>,
    chunks: Vec<StoredChunk>,
    batch: Option<Batch>,
}

/// A server-side change panicked (the document may hold part of it, as it
/// would have before: what it holds is stored and synced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangePanicked;

impl DocumentCore {
    /// A loaded document and the chunks it occupies in storage.
    pub fn new(
        id: DocumentId,
        document: Automerge,
        chunks: Vec<StoredChunk>,
        settings: DocumentSettings,
    ) -> Self {
        Self {
            id,
            settings,
            document,
            states: SyncStates::default(),
            peers: HashMap::new(),
            chunks,
            batch: None,
        }
    }

    pub fn id(&self) -> DocumentId {
        self.id
    }

    pub fn document(&self) -> &Automerge {
        &self.document
    }

    pub fn has_peers(&self) -> bool {
        !self.peers.is_empty()
    }

    pub fn peers(&self) -> impl Iterator<Item = PeerKey> + '_ {
        self.peers.keys().copied()
    }

    pub fn chunks(&self) -> &[StoredChunk] {
        &self.chunks
    }

    /// Sync state transitions (computed, looked up) since the start.
    pub fn transitions(&self) -> (u64, u64) {
        (self.states.computed(), self.states.shared())
    }

    /// Some peer was held back and is owed a message: call `tick` within
    /// `answer_wait`.
    pub fn owes_messages(&self) -> bool {
        self.peers.values().any(|peer| peer.held_back)
    }

    pub fn begin_batch(&mut self) {
        self.batch = Some(Batch {
            heads_before: self.document.get_heads(),
            answer: Vec::new(),
        });
    }

    /// Takes one `sync` or `request` message from a peer (which becomes a
    /// peer of the document). Changes in it are ignored unless `writable`.
    pub fn receive(
        &mut self,
        from: PeerKey,
        data: &[u8],
        writable: bool,
        effects: &mut Vec<Effect>,
    ) {
        if self.receive_message(from, data, writable, effects) {
            if let Some(batch) = &mut self.batch {
                batch.answer.push(from);
            }
        }
    }

    /// False when the peer was refused (and stopped).
    fn receive_message(
        &mut self,
        from: PeerKey,
        data: &[u8],
        writable: bool,
        effects: &mut Vec<Effect>,
    ) -> bool {
        let mut state = match self.peers.get(&from) {
            Some(peer) => peer.state.clone(),
            None => {
                let fresh = self.states.fresh();
                self.peers.insert(
                    from,
                    Peer {
                        state: fresh.clone(),
                        unanswered_since: None,
                        held_back: false,
                    },
                );
                fresh
            }
        };
        if state.read_only == writable {
            // A new reader, or a peer whose access changed.
            state = self.states.with_read_only(&state, !writable);
        }
        if let Some(peer) = self.peers.get_mut(&from) {
            peer.state = state.clone();
            // It answered: it may be sent more.
            peer.unanswered_since = None;
        }
        // An in-sync follower's acknowledgement: seen before, nothing to do
        // but move its state along.
        if let Some(next) = self.states.cached_receive(&state, data) {
            if let Some(peer) = self.peers.get_mut(&from) {
                peer.state = next;
            }
            return true;
        }
        let mut message = match Message::decode(data) {
            Ok(message) => message,
            Err(_) => {
                self.stop(from, PeerStop::from(WireError::InvalidSyncData), effects);
                return false;
            }
        };
        if let Err(error) = wire::check_sync_claims(&message) {
            self.stop(from, PeerStop::from(error), effects);
            return false;
        }
        if !writable {
            // A reader's changes are never applied, stored nor relayed.
            message.changes = ChunkList::empty();
        } else if !message.changes.is_empty() {
            // Well-formed, canonical changes only (automerge 0.12 panics on,
            // or is corrupted by, some that are not).
            if let Err(error) = wire::check_message_changes(&message) {
                self.stop(from, PeerStop::from(error), effects);
                return false;
            }
        }
        let next = if message.changes.is_empty() {
            match self
                .states
                .receive_without_changes(&mut self.document, &state, data, message)
            {
                Ok(next) => next,
                Err(_) => {
                    self.stop(from, PeerStop::from(WireError::InvalidSyncData), effects);
                    return false;
                }
            }
        } else {
            match self.receive_changes(&state, message) {
                Ok(next) => next,
                Err(end) => {
                    self.stop(from, end, effects);
                    return false;
                }
            }
        };
        if let Some(peer) = self.peers.get_mut(&from) {
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
        if self.stored_bytes().saturating_add(incoming) > self.settings.max_document_bytes {
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

    /// Relays an ephemeral message to every peer of the document but its
    /// sender, as it came. May be called while a store is under way.
    pub fn relay(&self, from: PeerKey, relay: &Arc<EphemeralRelay>, effects: &mut Vec<Effect>) {
        for id in self.peers.keys() {
            if *id != from {
                effects.push(Effect::Ephemeral {
                    to: *id,
                    relay: relay.clone(),
                });
            }
        }
    }

    /// The peer's connection ended.
    pub fn detach(&mut self, peer: PeerKey) {
        self.peers.remove(&peer);
    }

    /// A message could not be delivered to the peer (its connection is
    /// gone, or it was stopped as a slow reader): it is a peer no more.
    pub fn gone(&mut self, peer: PeerKey) {
        self.detach(peer);
    }

    /// Runs a change (or a read) of the server's own on the document. A
    /// panic in it is caught; what it changed before panicking stays.
    pub fn change(&mut self, apply: impl FnOnce(&mut Automerge)) -> Result<(), ChangePanicked> {
        let heads = self.document.get_heads();
        let applied = std::panic::catch_unwind(AssertUnwindSafe(|| apply(&mut self.document)));
        if self.document.get_heads() != heads {
            self.states.document_changed();
        }
        applied.map_err(|_| ChangePanicked)
    }

    /// The changes the batch made, to store before anything is sent; none
    /// when the heads did not move.
    pub fn changes_to_store(&self) -> Option<Vec<Change>> {
        let batch = self.batch.as_ref()?;
        if self.document.get_heads() == batch.heads_before {
            return None;
        }
        Some(self.document.get_changes(&batch.heads_before))
    }

    /// The batch's changes are durable in this chunk (if the storage wrote
    /// one). True when the document is now due for compaction.
    pub fn stored(&mut self, chunk: Option<StoredChunk>) -> bool {
        if let Some(chunk) = chunk {
            self.chunks.push(chunk);
        }
        let increments = self
            .chunks
            .iter()
            .filter(|chunk| !chunk.is_snapshot)
            .count();
        increments >= self.settings.compact_after_increments.max(1)
    }

    /// The whole document, for the snapshot that compacts it.
    pub fn save(&mut self) -> (Vec<u8>, Vec<ChangeHash>) {
        (self.document.save(), self.document.get_heads())
    }

    /// Every chunk the document occupied is replaced by this snapshot.
    pub fn compacted(&mut self, snapshot: StoredChunk) {
        self.chunks = vec![snapshot];
    }

    /// Ends the batch (its changes, if any, are durable): peers are sent
    /// what they miss.
    pub fn end_batch(&mut self, now: Instant, effects: &mut Vec<Effect>) {
        let Some(batch) = self.batch.take() else {
            return;
        };
        if self.document.get_heads() != batch.heads_before {
            let everyone: Vec<PeerKey> = self.peers.keys().copied().collect();
            self.generate_for(everyone, now, effects);
        } else {
            let unique: HashSet<PeerKey> = batch.answer.into_iter().collect();
            self.generate_for(unique.into_iter().collect(), now, effects);
        }
        self.tick(now, effects);
        if self.states.len() > 2 * self.peers.len() + 64 {
            self.states.collect_garbage();
        }
    }

    /// Sends held-back peers whose answer is overdue what they miss.
    pub fn tick(&mut self, now: Instant, effects: &mut Vec<Effect>) {
        let owed: Vec<PeerKey> = self
            .peers
            .iter()
            .filter(|(_, peer)| peer.held_back)
            .map(|(id, _)| *id)
            .collect();
        self.generate_for(owed, now, effects);
    }

    fn generate_for(&mut self, targets: Vec<PeerKey>, now: Instant, effects: &mut Vec<Effect>) {
        let answer_wait = self.settings.answer_wait;
        for id in targets {
            let Some(peer) = self.peers.get_mut(&id) else {
                continue;
            };
            if peer
                .unanswered_since
                .is_some_and(|since| now.saturating_duration_since(since) < answer_wait)
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
                effects.push(Effect::Sync { to: id, data });
            }
        }
    }

    fn stored_bytes(&self) -> u64 {
        self.chunks.iter().map(|chunk| chunk.bytes).sum()
    }

    fn stop(&mut self, peer: PeerKey, reason: PeerStop, effects: &mut Vec<Effect>) {
        self.peers.remove(&peer);
        effects.push(Effect::Stop { to: peer, reason });
    }
}

#[cfg(test)]
mod tests;
