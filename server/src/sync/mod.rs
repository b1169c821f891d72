//! Automerge documents over `/sync`: our own automerge-repo compatible
//! sync server on the `automerge` crate's sync module. It replaced samod
//! 0.16, whose per-peer work made one change cost O(N²) across N
//! followers (BENCHMARKS.md has the before and after).
//!
//! Layout (the pure half, with no IO, is the `phonghop-sync-core`
//! crate: the wire format, shared sync states, document ids, limits, and
//! each document's sync, `DocumentCore`):
//! - `storage.rs`: documents in `Store::chunk_*` (increments, snapshots,
//!   compaction).
//! - `document.rs`: the hub of document actors: one task per loaded
//!   document drives its `DocumentCore`, stores a batch of changes before
//!   the core lets any peer hear of it, and fans messages out.
//! - `policy.rs`: peer id ↔ user, per-document decisions.
//! - `socket.rs`: one websocket: handshake, access, routing to documents.
//! - `documents.rs`: the documents the server creates (minutes, shared
//!   layers, notebooks), their initial shape and their registration.
//!
//! **Invariant:** a document actor only ever sees messages about documents
//! the socket's user may access; everything else is answered or dropped in
//! `socket.rs`. A reader's changes are dropped again in the actor.
//!
//! **Invariant:** a sync message leaves the server only once every change
//! it announces is durable in the store: actors store a batch before they
//! generate any message from it. `tests/js/durability.test.mjs` kills the
//! server 20 times while clients write and finds every change another
//! client had received.
//!
//! **Invariant:** documents are created by the server (`documents.rs`) and
//! registered before anyone learns their id; a client cannot make the
//! server store a document that is not registered, because unregistered ids
//! are denied before any actor sees them.

pub mod document;
pub mod documents;
mod policy;
mod socket;
mod storage;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::Automerge;

pub use document::DocumentHub;
pub use phonghop_sync_core::{BadDocumentId, DocumentId, SyncLimits};
pub use policy::{
    decide_meeting_access, document_access, meeting_document_access, peer_id_for, Access,
    InvalidPeerIdPart, MeetingDecisions, PeerId, PeerRegistry, SyncUser,
};
pub use socket::{configure_upgrade, serve_sync_socket, SocketEnd, SocketIdentity};
pub use storage::DocumentStorage;

use crate::store::{Store, StoreError};

/// The server's peer id on the wire. Stable so that clients recognise us
/// across restarts (our storage id, kept in the store, is stable too).
const SERVER_PEER_ID: &str = "phonghop-server";

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the sync service is stopped")]
    Stopped,
    #[error("timed out waiting for the sync service")]
    TimedOut,
    #[error("document not found")]
    NotFound,
    #[error("cannot build a document: {0}")]
    Document(String),
    #[error("cannot store the document: {0}")]
    NotStored(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct SyncConfig {
    pub limits: SyncLimits,
    /// Bound on server-side document operations.
    pub operation_timeout: Duration,
    /// A document nobody syncs is unloaded after this long.
    pub document_idle_unload: Duration,
    /// Incremental chunks a document stores before it is compacted.
    pub compact_after_increments: usize,
    /// How long a peer that was sent changes may take to answer before it
    /// is sent newer ones anyway (until then they wait and go together).
    pub answer_wait: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            limits: SyncLimits::default(),
            operation_timeout: Duration::from_secs(10),
            document_idle_unload: Duration::from_secs(60),
            compact_after_increments: 128,
            answer_wait: Duration::from_millis(250),
        }
    }
}

/// The document hub and everything around it. Cheap to clone; one per
/// server.
#[derive(Clone)]
pub struct SyncService {
    inner: Arc<SyncInner>,
}

struct SyncInner {
    hub: DocumentHub,
    /// Peer id → user, and the access decided per (peer, document).
    registry: PeerRegistry,
    store: Store,
    config: SyncConfig,
    /// Told to clients in the handshake (`peerMetadata.storageId`).
    storage_id: String,
    next_connection: AtomicU64,
    /// One lock per meeting (and per notebook owner), so two requests never
    /// create the same document twice.
    creation_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl SyncService {
    pub async fn start(store: Store, config: SyncConfig) -> Result<Self, SyncError> {
        let storage = DocumentStorage::new(store.clone());
        let storage_id = storage.storage_id().await?;
        let hub = DocumentHub::new(
            storage,
            document::HubSettings {
                max_document_bytes: config.limits.max_document_bytes,
                idle_unload: config.document_idle_unload,
                compact_after_increments: config.compact_after_increments,
                answer_wait: config.answer_wait,
            },
        );
        Ok(Self {
            inner: Arc::new(SyncInner {
                hub,
                registry: PeerRegistry::default(),
                store,
                config,
                storage_id,
                next_connection: AtomicU64::new(1),
                creation_locks: Mutex::new(HashMap::new()),
            }),
        })
    }

    pub fn registry(&self) -> &PeerRegistry {
        &self.inner.registry
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn hub(&self) -> &DocumentHub {
        &self.inner.hub
    }

    pub fn limits(&self) -> &SyncLimits {
        &self.inner.config.limits
    }

    pub fn server_peer_id(&self) -> &'static str {
        SERVER_PEER_ID
    }

    pub fn storage_id(&self) -> &str {
        &self.inner.storage_id
    }

    fn next_connection_id(&self) -> u64 {
        self.inner.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    /// Re-evaluates what live sockets may do with this meeting's documents
    /// (the meeting changed state, a participant's role changed). Sockets
    /// read the decision on every message in and out.
    pub async fn refresh_meeting_access(&self, meeting_id: &str) {
        self.inner.registry.forget_user_decisions(meeting_id);
        let pairs = self.inner.registry.decided_pairs_in_meeting(meeting_id);
        if pairs.is_empty() {
            return;
        }
        let store = &self.inner.store;
        let loaded = async {
            let meeting = store.meeting(meeting_id).await?;
            let roles: HashMap<String, _> =
                store.participants(meeting_id).await?.into_iter().collect();
            let records: HashMap<String, _> = store
                .sync_documents_of_meeting(meeting_id)
                .await?
                .into_iter()
                .map(|record| (record.document_id.clone(), record))
                .collect();
            let needed = pairs.iter().any(|pair| {
                policy::needs_confidential_ids(&pair.user, roles.get(&pair.user.user_id).copied())
            });
            let confidential = if needed {
                policy::confidential_documents(store, meeting_id).await?
            } else {
                HashSet::new()
            };
            Ok::<_, StoreError>((meeting, roles, records, confidential))
        }
        .await;
        let (meeting, roles, records, confidential) = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                // Deny rather than keep rights that may have ended; the
                // next message about each document decides again.
                tracing::warn!(%error, meeting_id, "cannot refresh sync access, denying");
                (None, HashMap::new(), HashMap::new(), HashSet::new())
            }
        };
        for pair in pairs {
            let access = match (&meeting, records.get(&pair.document_id.to_string())) {
                (Some(meeting), Some(record)) => meeting_document_access(
                    record,
                    meeting.state,
                    &pair.user,
                    roles.get(&pair.user.user_id).copied(),
                    &confidential,
                ),
                _ => Access::Deny,
            };
            self.inner
                .registry
                .set_decision(&pair.peer_id, &pair.document_id, access, None);
        }
    }

    /// Stores a new document (the server picks its id) and returns once it
    /// is durable. The caller then registers the id; until then every
    /// client is refused it.
    pub async fn create_document(&self, mut initial: Automerge) -> Result<DocumentId, SyncError> {
        let document_id = DocumentId::random();
        self.with_timeout(self.inner.hub.storage().create(&document_id, &mut initial))
            .await??;
        Ok(document_id)
    }

    /// Reads or changes a document on the server, returning once any change
    /// is durable (and then sent to the document's peers). The closure runs
    /// on the document's actor.
    pub async fn change_document<R: Send + 'static>(
        &self,
        document_id: &DocumentId,
        change: impl FnOnce(&mut Automerge) -> R + Send + 'static,
    ) -> Result<R, SyncError> {
        let (result_sender, result) = tokio::sync::oneshot::channel();
        let (done_sender, done) = tokio::sync::oneshot::channel();
        let apply = Box::new(move |document: &mut Automerge| {
            let _ = result_sender.send(change(document));
        });
        let command = document::Command::Change {
            apply,
            done: done_sender,
        };
        self.with_timeout(async {
            self.inner.hub.send(*document_id, command).await?;
            done.await.map_err(|_| SyncError::Stopped)??;
            result.await.map_err(|_| SyncError::Stopped)
        })
        .await?
    }

    async fn with_timeout<T>(
        &self,
        future: impl std::future::Future<Output = T>,
    ) -> Result<T, SyncError> {
        tokio::time::timeout(self.inner.config.operation_timeout, future)
            .await
            .map_err(|_| SyncError::TimedOut)
    }

    /// The lock that serializes creating documents under `key`.
    fn creation_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.inner.creation_locks.lock().expect("creation locks");
        // Forget locks nobody holds, so the map stays small.
        locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        locks.entry(key.to_owned()).or_default().clone()
    }

    /// False once the service has stopped. A document actor that panics
    /// does not make it unhealthy: the document reloads from storage on
    /// next use (and the panic is logged and counted).
    pub fn is_healthy(&self) -> bool {
        self.inner.hub.accepting()
    }

    /// Stops taking sync work and waits (at most `flush_timeout`) until
    /// every document has stored what it was given. Sockets close on the
    /// server's shutdown signal before this is called.
    pub async fn shutdown(&self, flush_timeout: Duration) -> Result<(), SyncError> {
        self.inner.hub.shutdown(flush_timeout).await
    }
}

/// A fresh SQLite store in a temporary directory (unit tests).
#[cfg(test)]
pub(crate) async fn test_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = Store::open(&url).await.unwrap();
    (dir, store)
}
