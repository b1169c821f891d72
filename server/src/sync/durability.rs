//! "Stored before relayed": knowing when a sync message we are about to send
//! describes only data that is already durable in the store.
//!
//! samod 0.16 does not give this guarantee. In one step a document actor
//! generates the outgoing sync messages *and then* issues the storage puts
//! for the new changes (`samod-core` `document_actor.rs`, `step`:
//! `generate_sync_messages` before `on_disk_state.save_new_changes`); the
//! puts go to the IO loop and the messages to the hub on separate channels,
//! and nothing waits for a put before a message reaches the socket.
//!
//! So the socket bridge holds each outgoing `sync`/`request` message until
//! this tracker says the message's `heads` are durable:
//!
//! - Every put samod issues for a document gets a sequence number at the
//!   moment samod calls `Storage::put` (calls happen in the order the actor
//!   issued them: the IO loop receives them FIFO and `FuturesUnordered` first
//!   polls futures in push order).
//! - `durable_upto` is the highest number such that every put up to it has
//!   completed.
//! - For each change hash that can be a head we remember the number of the
//!   first put that contains it: the incremental put named after it, or a
//!   compaction snapshot whose header lists it as a head (a head at save time
//!   stays a head until a descendant arrives, so every current head appears
//!   in one of those two ways). Chunks loaded at startup count as number 0.
//! - A message may go out once every head it advertises is covered by a put
//!   numbered at most `durable_upto`, which also covers every ancestor
//!   (ancestors were saved by earlier or the same puts).
//!
//! A head we have no record of is either not yet issued (the put is queued
//! in samod's IO loop; it was queued before the message existed) or was
//! pruned long ago. After `UNKNOWN_HEAD_GRACE` we stop waiting for the
//! record and instead wait for every put issued so far. The same fallback
//! handles the rare message with empty heads that still carries changes
//! (automerge's sync reset for peers without the reset capability).

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use automerge::ChangeHash;
use samod::storage::StorageKey;
use tokio::sync::watch;
// tokio's clock, so tests can pause and advance it.
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long a message may wait for the record of a head before we fall back
/// to "everything issued so far is durable". A put is issued within
/// milliseconds of its message unless samod's IO loop is badly overloaded.
const UNKNOWN_HEAD_GRACE: Duration = Duration::from_secs(2);
/// Messages with empty heads but changes: wait this long for the puts that
/// the same actor step queued, then for everything issued.
const RESET_MESSAGE_GRACE: Duration = Duration::from_millis(250);
/// Records of durable heads older than this may be dropped once a document
/// has many of them.
const PRUNE_AFTER: Duration = Duration::from_secs(60);
const PRUNE_WHEN_MORE_THAN: usize = 256;

/// What an outgoing message needs to be durable before it may be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    Nothing,
    Heads(Vec<ChangeHash>),
    EverythingIssued,
}

/// Identifies one put between `begin_put` and `finish_put`.
#[derive(Debug)]
pub struct PutTicket {
    document_id: String,
    sequence: u64,
}

#[derive(Default)]
pub struct DurabilityTracker {
    documents: Mutex<HashMap<String, DocumentDurability>>,
}

struct DocumentDurability {
    next_sequence: u64,
    durable_upto: u64,
    finished_ahead: BTreeSet<u64>,
    covering: HashMap<ChangeHash, Covering>,
    /// Bumped on every completed put so waiting messages re-check.
    progress: watch::Sender<u64>,
}

struct Covering {
    sequence: u64,
    durable_since: Option<Instant>,
}

impl Default for DocumentDurability {
    fn default() -> Self {
        Self {
            next_sequence: 1,
            durable_upto: 0,
            finished_ahead: BTreeSet::new(),
            covering: HashMap::new(),
            progress: watch::Sender::new(0),
        }
    }
}

/// The shape of the keys samod 0.16 writes (`samod-core` `storage_key.rs`):
/// `[document_id, "incremental", change_hash_hex]` and
/// `[document_id, "snapshot", compaction_hash_hex]`.
enum ChunkKey<'a> {
    Incremental {
        document_id: &'a str,
        change: ChangeHash,
    },
    Snapshot {
        document_id: &'a str,
    },
}

fn classify(key: &StorageKey) -> Option<ChunkKey<'_>> {
    let parts: Vec<&String> = key.into_iter().collect();
    match parts.as_slice() {
        [document_id, kind, name] if kind.as_str() == "incremental" => {
            let change = name.parse::<ChangeHash>().ok()?;
            Some(ChunkKey::Incremental {
                document_id,
                change,
            })
        }
        [document_id, kind, _] if kind.as_str() == "snapshot" => {
            Some(ChunkKey::Snapshot { document_id })
        }
        _ => None,
    }
}

impl DurabilityTracker {
    /// Called for each chunk `load_range` returns: it is durable already.
    pub fn record_loaded(&self, key: &StorageKey, data: &[u8]) {
        let Some(chunk) = classify(key) else { return };
        let mut documents = self.documents.lock().unwrap();
        let now = Instant::now();
        let (document_id, heads) = match chunk {
            ChunkKey::Incremental {
                document_id,
                change,
            } => (document_id, vec![change]),
            ChunkKey::Snapshot { document_id } => {
                (document_id, document_chunk_heads(data).unwrap_or_default())
            }
        };
        let document = documents.entry(document_id.to_string()).or_default();
        for head in heads {
            document.covering.entry(head).or_insert(Covering {
                sequence: 0,
                durable_since: Some(now),
            });
        }
    }

    /// Must be called synchronously inside `Storage::put`, before its future
    /// is returned, so numbering follows samod's issue order.
    pub fn begin_put(&self, key: &StorageKey, data: &[u8]) -> Option<PutTicket> {
        let chunk = classify(key)?;
        let mut documents = self.documents.lock().unwrap();
        let (document_id, heads) = match chunk {
            ChunkKey::Incremental {
                document_id,
                change,
            } => (document_id, vec![change]),
            ChunkKey::Snapshot { document_id } => {
                let heads = document_chunk_heads(data).unwrap_or_else(|| {
                    tracing::warn!(%document_id, "cannot read heads of a snapshot we are storing");
                    Vec::new()
                });
                (document_id, heads)
            }
        };
        let document = documents.entry(document_id.to_string()).or_default();
        let sequence = document.next_sequence;
        document.next_sequence += 1;
        for head in heads {
            document.covering.entry(head).or_insert(Covering {
                sequence,
                durable_since: None,
            });
        }
        Some(PutTicket {
            document_id: document_id.to_string(),
            sequence,
        })
    }

    /// Called once the store has made the put durable.
    pub fn finish_put(&self, ticket: PutTicket) {
        let mut documents = self.documents.lock().unwrap();
        let Some(document) = documents.get_mut(&ticket.document_id) else {
            return;
        };
        document.finished_ahead.insert(ticket.sequence);
        while document.finished_ahead.remove(&(document.durable_upto + 1)) {
            document.durable_upto += 1;
        }
        let now = Instant::now();
        let durable_upto = document.durable_upto;
        for covering in document.covering.values_mut() {
            if covering.durable_since.is_none() && covering.sequence <= durable_upto {
                covering.durable_since = Some(now);
            }
        }
        if document.covering.len() > PRUNE_WHEN_MORE_THAN {
            document.covering.retain(|_, covering| {
                covering
                    .durable_since
                    .is_none_or(|since| now.duration_since(since) < PRUNE_AFTER)
            });
        }
        document.progress.send_modify(|version| *version += 1);
    }

    /// Resolves once a message with this requirement may be sent, or when
    /// `cancel` fires (the connection is closing).
    pub async fn wait(
        &self,
        document_id: &str,
        requirement: &Requirement,
        cancel: &CancellationToken,
    ) {
        let first_seen = Instant::now();
        // After the grace period we wait for everything issued at that moment.
        let mut fallback_target: Option<u64> = None;
        loop {
            let (verdict, mut progress) = {
                let mut documents = self.documents.lock().unwrap();
                let document = documents.entry(document_id.to_string()).or_default();
                let verdict = document.verdict(requirement, first_seen, &mut fallback_target);
                (verdict, document.progress.subscribe())
            };
            let recheck_at = match verdict {
                Verdict::Ready => return,
                Verdict::WaitForProgress => None,
                Verdict::WaitUntil(deadline) => Some(deadline),
            };
            let sleep = async {
                match recheck_at {
                    Some(deadline) => tokio::time::sleep_until(deadline).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = progress.changed() => {}
                _ = sleep => {}
            }
        }
    }

    /// Whether every put issued so far for the document has completed.
    #[cfg(test)]
    pub fn is_settled(&self, document_id: &str) -> bool {
        let documents = self.documents.lock().unwrap();
        documents
            .get(document_id)
            .is_none_or(|document| document.durable_upto + 1 == document.next_sequence)
    }
}

enum Verdict {
    Ready,
    WaitForProgress,
    WaitUntil(Instant),
}

impl DocumentDurability {
    fn verdict(
        &self,
        requirement: &Requirement,
        first_seen: Instant,
        fallback_target: &mut Option<u64>,
    ) -> Verdict {
        let grace = match requirement {
            Requirement::Nothing => return Verdict::Ready,
            Requirement::EverythingIssued => RESET_MESSAGE_GRACE,
            Requirement::Heads(heads) => {
                let mut all_known = true;
                for head in heads {
                    match self.covering.get(head) {
                        Some(covering) if covering.sequence <= self.durable_upto => {}
                        Some(_) => return Verdict::WaitForProgress,
                        None => all_known = false,
                    }
                }
                if all_known {
                    return Verdict::Ready;
                }
                UNKNOWN_HEAD_GRACE
            }
        };
        let deadline = first_seen + grace;
        if fallback_target.is_none() {
            if Instant::now() < deadline {
                return Verdict::WaitUntil(deadline);
            }
            *fallback_target = Some(self.next_sequence - 1);
        }
        if fallback_target.is_some_and(|target| target <= self.durable_upto) {
            Verdict::Ready
        } else {
            Verdict::WaitForProgress
        }
    }
}

/// Reads the heads listed in the header of an automerge document chunk (what
/// `Automerge::save` produces and samod stores as a snapshot) without loading
/// the document. Layout: magic (4 bytes), checksum (4), chunk type (1, 0 for
/// a document), length (uLEB128), actors (uLEB128 count, each a uLEB128
/// length and bytes), heads (uLEB128 count, each 32 bytes).
pub fn document_chunk_heads(bytes: &[u8]) -> Option<Vec<ChangeHash>> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    const DOCUMENT_CHUNK: u8 = 0;
    let mut reader = Reader { bytes, position: 0 };
    if reader.take(4)? != MAGIC {
        return None;
    }
    reader.take(4)?;
    if reader.take(1)?[0] != DOCUMENT_CHUNK {
        return None;
    }
    reader.uleb128()?;
    let actor_count = reader.uleb128()?;
    for _ in 0..actor_count {
        let length = usize::try_from(reader.uleb128()?).ok()?;
        reader.take(length)?;
    }
    let head_count = usize::try_from(reader.uleb128()?).ok()?;
    // Each head needs 32 bytes: refuse counts the input cannot hold before
    // allocating for them.
    if head_count > bytes.len() / 32 {
        return None;
    }
    let mut heads = Vec::with_capacity(head_count);
    for _ in 0..head_count {
        heads.push(ChangeHash::try_from(reader.take(32)?).ok()?);
    }
    Some(heads)
}

struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Option<&'a [u8]> {
        let end = self.position.checked_add(count)?;
        let slice = self.bytes.get(self.position..end)?;
        self.position = end;
        Some(slice)
    }

    fn uleb128(&mut self) -> Option<u64> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{transaction::Transactable, Automerge, ROOT};

    fn doc_with_two_heads() -> Automerge {
        let mut base = Automerge::new();
        base.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "a", 1))
            .unwrap();
        let mut fork = base.fork();
        base.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "b", 2))
            .unwrap();
        fork.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "c", 3))
            .unwrap();
        base.merge(&mut fork).unwrap();
        base
    }

    #[test]
    fn snapshot_header_lists_the_document_heads() {
        let doc = doc_with_two_heads();
        let mut expected = doc.get_heads();
        expected.sort();
        let mut parsed = document_chunk_heads(&doc.save()).unwrap();
        parsed.sort();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed, expected);
        assert_eq!(
            document_chunk_heads(&doc.save_nocompress()).unwrap().len(),
            2
        );
    }

    #[test]
    fn garbage_is_not_a_snapshot() {
        assert_eq!(document_chunk_heads(&[]), None);
        assert_eq!(
            document_chunk_heads(&[0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 0, 0xff]),
            None
        );
        let mut huge_count = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 0, 1, 0];
        huge_count.extend([0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(document_chunk_heads(&huge_count), None);
    }

    fn key(parts: &[&str]) -> StorageKey {
        StorageKey::from_parts(parts.iter().copied()).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn message_waits_until_the_put_of_its_head_and_all_earlier_puts_complete() {
        let tracker = DurabilityTracker::default();
        let doc = doc_with_two_heads();
        let hashes: Vec<ChangeHash> = doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
        let first = tracker
            .begin_put(&key(&["doc", "incremental", &hashes[0].to_string()]), &[])
            .unwrap();
        let second = tracker
            .begin_put(&key(&["doc", "incremental", &hashes[1].to_string()]), &[])
            .unwrap();
        let cancel = CancellationToken::new();
        let requirement = Requirement::Heads(vec![hashes[1]]);
        let waiting = tracker.wait("doc", &requirement, &cancel);
        tokio::pin!(waiting);
        assert!(futures::poll!(&mut waiting).is_pending());
        // The later put finishing first is not enough: an ancestor is still in flight.
        tracker.finish_put(second);
        assert!(futures::poll!(&mut waiting).is_pending());
        tracker.finish_put(first);
        assert!(futures::poll!(&mut waiting).is_ready());
        assert!(tracker.is_settled("doc"));
    }

    #[tokio::test(start_paused = true)]
    async fn unknown_head_falls_back_to_everything_issued_after_the_grace() {
        let tracker = DurabilityTracker::default();
        let cancel = CancellationToken::new();
        let pending = tracker
            .begin_put(&key(&["doc", "snapshot", "abc"]), &[])
            .unwrap();
        let requirement = Requirement::Heads(vec![ChangeHash([7; 32])]);
        let waiting = tracker.wait("doc", &requirement, &cancel);
        tokio::pin!(waiting);
        assert!(futures::poll!(&mut waiting).is_pending());
        tokio::time::advance(UNKNOWN_HEAD_GRACE + Duration::from_millis(1)).await;
        assert!(futures::poll!(&mut waiting).is_pending());
        tracker.finish_put(pending);
        assert!(futures::poll!(&mut waiting).is_ready());
    }
}
