//! `/sync`: one document's sync core (`DocumentCore`), driven the way the
//! server's document actor drives it, by a script the fuzzer writes: up to
//! three peers that make changes and sync with real Automerge, raw and
//! corrupted messages, readers and writers, detaching, storing, compacting,
//! and time moving on. The core must never panic, and must keep its
//! invariants whatever the peers send:
//! - nothing but a stop leaves it while a batch is being received (no
//!   message before the batch's changes are durable);
//! - messages go only to peers it has, and each one decodes;
//! - a reader's changes never reach the document.
//!
//! Input: a sequence of operations, one byte each (the operation and its
//! peer), some followed by their own bytes (see `Script`).
#![no_main]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use automerge::sync::{Message, State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ReadDoc, ROOT};
use libfuzzer_sys::fuzz_target;
use phonghop_sync_core::document::{DocumentSettings, StoredChunk};
use phonghop_sync_core::{DocumentCore, DocumentId, Effect};

/// A peer as a tablet is: its own document and its sync state with the
/// server.
struct Client {
    document: Automerge,
    state: State,
    /// It writes (its changes are applied) or only reads.
    writable: bool,
}

/// The fuzzer's bytes, read front to back.
struct Script<'a>(&'a [u8]);

impl Script<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    /// Up to 255 bytes after their length.
    fn bytes(&mut self) -> &[u8] {
        let length = usize::from(self.byte().unwrap_or(0)).min(self.0.len());
        let (taken, rest) = self.0.split_at(length);
        self.0 = rest;
        taken
    }
}

const PEERS: u64 = 3;

fuzz_target!(|data: &[u8]| {
    let mut script = Script(data);
    let id = DocumentId::try_from(&[7u8; 16][..]).expect("16 bytes are a document id");
    let settings = DocumentSettings {
        max_document_bytes: 64 * 1024,
        compact_after_increments: 3,
        answer_wait: Duration::from_millis(250),
    };
    let mut core = DocumentCore::new(id, Automerge::new(), Vec::new(), settings);
    let mut clients: Vec<Client> = (0..PEERS)
        .map(|n| Client {
            document: Automerge::new().with_actor(ActorId::from(vec![n as u8 + 1; 16])),
            state: State::new(),
            writable: n != 2,
        })
        .collect();
    let start = Instant::now();
    let mut now = start;
    let mut in_batch = false;
    let mut stored = 0usize;
    // What the readers wrote: never to appear in the shared document.
    let mut reader_keys: HashSet<String> = HashSet::new();
    let mut effects = Vec::new();

    while let Some(op) = script.byte() {
        let peer = u64::from(op >> 4) % PEERS;
        let client = &mut clients[peer as usize];
        match op & 0x0f {
            // The peer changes its own document.
            0 | 1 => {
                let key = format!("k{}", script.byte().unwrap_or(0) % 8);
                let value = i64::from(script.byte().unwrap_or(0));
                if !client.writable {
                    reader_keys.insert(format!("r{peer}-{key}"));
                }
                let key = if client.writable { key } else { format!("r{peer}-{key}") };
                let mut tx = client.document.transaction();
                let _ = tx.put(ROOT, key.as_str(), value);
                tx.commit();
            }
            // It sends what it has (a real sync message), maybe corrupted.
            2..=4 => {
                let Some(message) = client.document.generate_sync_message(&mut client.state)
                else {
                    continue;
                };
                let mut bytes = message.encode();
                if op & 0x0f == 4 && !bytes.is_empty() {
                    let at = usize::from(script.byte().unwrap_or(0)) % bytes.len();
                    bytes[at] ^= script.byte().unwrap_or(1).max(1);
                }
                if !in_batch {
                    core.begin_batch();
                    in_batch = true;
                }
                core.receive(peer, &bytes, client.writable, &mut effects);
            }
            // It sends bytes of the fuzzer's own.
            5 => {
                let bytes = script.bytes().to_vec();
                if !in_batch {
                    core.begin_batch();
                    in_batch = true;
                }
                core.receive(peer, &bytes, client.writable, &mut effects);
            }
            // The batch is stored, then its messages go out.
            6 | 7 => {
                if in_batch {
                    if let Some(changes) = core.changes_to_store() {
                        let bytes: u64 =
                            changes.iter().map(|c| c.raw_bytes().len() as u64).sum();
                        stored += 1;
                        let due = core.stored(Some(StoredChunk {
                            key: format!("increment/{stored}"),
                            bytes,
                            is_snapshot: false,
                        }));
                        if due {
                            let (snapshot, _) = core.save();
                            core.compacted(StoredChunk {
                                key: format!("snapshot/{stored}"),
                                bytes: snapshot.len() as u64,
                                is_snapshot: true,
                            });
                        }
                    }
                    core.end_batch(now, &mut effects);
                    in_batch = false;
                } else {
                    core.tick(now, &mut effects);
                }
            }
            // Its connection ends.
            8 => {
                core.detach(peer);
                client.state = State::new();
            }
            // Time passes.
            _ => now += Duration::from_millis(u64::from(script.byte().unwrap_or(0)) * 4),
        }

        let peers: HashSet<u64> = core.peers().collect();
        for effect in effects.drain(..) {
            match effect {
                Effect::Sync { to, data } => {
                    assert!(!in_batch, "a message left the core before its batch was stored");
                    assert!(peers.contains(&to), "a message to a peer the core does not have");
                    let message = Message::decode(&data).expect("the core's messages decode");
                    let client = &mut clients[to as usize];
                    // A peer that fails to take it starts afresh, as a
                    // reconnecting tablet would.
                    if client.document.receive_sync_message(&mut client.state, message).is_err() {
                        core.detach(to);
                        client.state = State::new();
                    }
                }
                Effect::Ephemeral { .. } => {}
                Effect::Stop { to, .. } => {
                    assert!(!peers.contains(&to), "a stopped peer is still a peer");
                    clients[to as usize].state = State::new();
                }
            }
        }
    }

    for key in core.document().keys(ROOT) {
        assert!(!reader_keys.contains(&key), "a reader's change reached the document: {key}");
    }
});
