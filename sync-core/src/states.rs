//! One document's per-peer Automerge sync states, shared between peers that
//! are in the same state. Pure: no IO, no clock.
//!
//! Automerge's sync protocol is deterministic: the same document and the
//! same sync state always generate the same message and the same next
//! state, and receiving the same bytes in the same state (on an unchanged
//! document) always gives the same next state. Every follower that is in
//! sync with a document is in the same state, receives byte-identical
//! messages and sends byte-identical acknowledgements. So states are
//! interned (equal states are one `Arc`) and each transition is computed
//! once per distinct (state, input) and then looked up:
//! one change followed by 500 in-sync peers costs one
//! `generate_sync_message` and one `receive_sync_message`, not 500 of each.
//! That is what keeps the server's CPU per delivered change flat in the
//! number of followers (issue 11; BENCHMARKS.md has the figures).
//!
//! A reader's state is Automerge's read-only one ([`SyncStates::with_read_only`]),
//! so the server neither asks for nor answers the changes a reader's heads
//! announce.
//!
//! The caches are keyed by the state's address, which is stable while the
//! intern table holds the state; `collect_garbage` empties the caches
//! before it lets any state go. Both caches are only valid for the
//! document they were computed against: `document_changed` empties them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use automerge::sync::{Message, State, SyncDoc};
use automerge::{Automerge, AutomergeError};

pub type SharedState = Arc<State>;

/// An encoded sync message, shared by every peer it goes to.
pub type EncodedMessage = Arc<[u8]>;

/// What generating from a state gives: the next state and the message to
/// send, if any.
#[derive(Clone)]
pub struct Generated {
    pub next: SharedState,
    pub message: Option<EncodedMessage>,
    /// The message carries changes, so the peer will answer it (with its
    /// new heads).
    pub carries_changes: bool,
}

#[derive(Default)]
pub struct SyncStates {
    interned: HashSet<SharedState>,
    /// State → what generating from it gives, on the current document.
    generated: HashMap<usize, Generated>,
    /// State → message bytes → the state after receiving them, for
    /// messages that carry no changes, on the current document.
    received: HashMap<usize, HashMap<Vec<u8>, SharedState>>,
    /// Transitions computed (not looked up), for tests and metrics.
    computed: u64,
    /// Transitions looked up (shared with a peer in the same state).
    shared: u64,
}

impl SyncStates {
    /// The state of a peer we have not exchanged anything with.
    pub fn fresh(&mut self) -> SharedState {
        self.intern(State::new())
    }

    /// `state` as a reader's or a writer's. A reader's state is read-only
    /// (Automerge's publish-only mode): we neither take its changes nor ask
    /// for the ones its heads announce, and we do not answer it while we
    /// have nothing new. Without that, a reader that edits its copy would
    /// trade "I need your change" / "I sent it already" messages with us
    /// without end. A reader made a writer is asked again for what it sent
    /// while it was a reader.
    pub fn with_read_only(&mut self, state: &SharedState, read_only: bool) -> SharedState {
        let mut changed = State::clone(state);
        changed.set_read_only(read_only);
        self.intern(changed)
    }

    fn intern(&mut self, state: State) -> SharedState {
        if let Some(existing) = self.interned.get(&state) {
            return existing.clone();
        }
        let shared = Arc::new(state);
        self.interned.insert(shared.clone());
        shared
    }

    /// The message to send a peer in `state` (if any) and its next state.
    pub fn generate(&mut self, document: &Automerge, state: &SharedState) -> Generated {
        let key = Arc::as_ptr(state) as usize;
        if let Some(generated) = self.generated.get(&key) {
            self.shared += 1;
            return generated.clone();
        }
        self.computed += 1;
        let mut next = State::clone(state);
        let message = document.generate_sync_message(&mut next);
        let carries_changes = message
            .as_ref()
            .is_some_and(|message| !message.changes.is_empty());
        let generated = Generated {
            next: self.intern(next),
            message: message.map(|message| EncodedMessage::from(message.encode())),
            carries_changes,
        };
        self.generated.insert(key, generated.clone());
        generated
    }

    /// The state after `bytes`, if a peer in `state` already sent exactly
    /// these bytes on this version of the document (only messages without
    /// changes are ever remembered). Costs a hash of the bytes: no decoding.
    pub fn cached_receive(&mut self, state: &SharedState, bytes: &[u8]) -> Option<SharedState> {
        let key = Arc::as_ptr(state) as usize;
        let next = self.received.get(&key)?.get(bytes).cloned()?;
        self.shared += 1;
        Some(next)
    }

    /// Receives a message that carries no changes (an acknowledgement, a
    /// request, a have/need exchange). It cannot change the document, only
    /// the state.
    pub fn receive_without_changes(
        &mut self,
        document: &mut Automerge,
        state: &SharedState,
        bytes: &[u8],
        message: Message,
    ) -> Result<SharedState, AutomergeError> {
        debug_assert!(message.changes.is_empty());
        let key = Arc::as_ptr(state) as usize;
        if let Some(next) = self.received.get(&key).and_then(|seen| seen.get(bytes)) {
            self.shared += 1;
            return Ok(next.clone());
        }
        self.computed += 1;
        let mut next = State::clone(state);
        document.receive_sync_message(&mut next, message)?;
        let next = self.intern(next);
        self.received
            .entry(key)
            .or_default()
            .insert(bytes.to_vec(), next.clone());
        Ok(next)
    }

    /// Adopts a state computed outside (after a message that carried
    /// changes), sharing it with any peer already in an equal state.
    pub fn adopt(&mut self, state: State) -> SharedState {
        self.intern(state)
    }

    /// The document changed: every cached transition is stale.
    pub fn document_changed(&mut self) {
        self.generated.clear();
        self.received.clear();
    }

    /// Forgets states no peer holds any more. Call when `len` has grown
    /// well past the number of peers.
    pub fn collect_garbage(&mut self) {
        self.document_changed();
        self.interned.retain(|state| Arc::strong_count(state) > 1);
    }

    /// Distinct states held.
    pub fn len(&self) -> usize {
        self.interned.len()
    }

    pub fn is_empty(&self) -> bool {
        self.interned.is_empty()
    }

    /// Transitions computed rather than looked up so far.
    pub fn computed(&self) -> u64 {
        self.computed
    }

    /// Transitions looked up (computed earlier for a peer in the same
    /// state) so far.
    pub fn shared(&self) -> u64 {
        self.shared
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::ROOT;

    use super::*;

    fn document_with(strokes: usize) -> Automerge {
        let mut doc = Automerge::new();
        for index in 0..strokes {
            let mut tx = doc.transaction();
            tx.put(ROOT, format!("stroke-{index}"), index as i64)
                .unwrap();
            tx.commit();
        }
        doc
    }

    /// Runs the exchange between the server (`states`) and a follower until
    /// neither has anything to say; returns the server-side state.
    fn sync_follower(
        states: &mut SyncStates,
        server: &mut Automerge,
        mut server_state: SharedState,
        follower: &mut Automerge,
        follower_state: &mut State,
    ) -> SharedState {
        for _ in 0..10 {
            let generated = states.generate(server, &server_state);
            server_state = generated.next;
            let to_follower = generated.message;
            if let Some(bytes) = &to_follower {
                let message = Message::decode(bytes).unwrap();
                follower
                    .receive_sync_message(follower_state, message)
                    .unwrap();
            }
            let to_server = follower.generate_sync_message(follower_state);
            if let Some(message) = to_server {
                let bytes = message.clone().encode();
                assert!(message.changes.is_empty(), "followers only read here");
                server_state = states
                    .receive_without_changes(server, &server_state, &bytes, message)
                    .unwrap();
            } else if to_follower.is_none() {
                return server_state;
            }
        }
        panic!("the exchange did not settle");
    }

    #[test]
    fn in_sync_followers_share_one_state_and_one_computation_per_change() {
        let mut server = document_with(20);
        let mut states = SyncStates::default();
        let mut followers: Vec<(Automerge, State, SharedState)> = Vec::new();
        for _ in 0..5 {
            let mut follower = Automerge::new();
            let mut follower_state = State::new();
            let fresh = states.fresh();
            let shared = sync_follower(
                &mut states,
                &mut server,
                fresh,
                &mut follower,
                &mut follower_state,
            );
            assert_eq!(follower.get_heads(), server.get_heads());
            followers.push((follower, follower_state, shared));
        }
        let first = followers[0].2.clone();
        assert!(followers
            .iter()
            .all(|(_, _, state)| Arc::ptr_eq(state, &first)));

        // One new change, delivered to all five.
        let mut tx = server.transaction();
        tx.put(ROOT, "new", "stroke").unwrap();
        tx.commit();
        states.document_changed();
        let before = states.computed();
        for (follower, follower_state, shared) in followers.iter_mut() {
            *shared = sync_follower(
                &mut states,
                &mut server,
                shared.clone(),
                follower,
                follower_state,
            );
            assert_eq!(follower.get_heads(), server.get_heads());
        }
        // generate (message), receive (ack), generate (nothing): three
        // transitions for all five followers, not fifteen.
        assert_eq!(states.computed() - before, 3);
        let first = followers[0].2.clone();
        assert!(followers
            .iter()
            .all(|(_, _, state)| Arc::ptr_eq(state, &first)));
    }

    #[test]
    fn shared_transitions_send_what_a_private_state_would() {
        let server = document_with(8);
        let mut states = SyncStates::default();
        let fresh = states.fresh();
        let shared_message = states.generate(&server, &fresh).message;
        let mut private = State::new();
        let private_message = server.generate_sync_message(&mut private).unwrap().encode();
        assert_eq!(shared_message.as_deref(), Some(&private_message[..]));
    }

    #[test]
    fn garbage_collection_keeps_the_states_peers_hold() {
        let server = document_with(3);
        let mut states = SyncStates::default();
        let held = states.fresh();
        let generated = states.generate(&server, &held);
        drop(generated);
        assert_eq!(states.len(), 2);
        states.collect_garbage();
        assert_eq!(states.len(), 1);
        assert!(Arc::ptr_eq(&states.fresh(), &held));
    }
}
