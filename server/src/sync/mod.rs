//! Automerge documents over `/sync`: the samod repository, its storage in
//! our `Store`, who may sync which document, and the websocket bridge.
//!
//! Layout:
//! - `storage.rs`: samod's `Storage` over `Store::chunk_*`, and each
//!   document's stored size.
//! - `durability.rs`: knowing when what a message announces is stored.
//! - `policy.rs`: peer id ↔ user, per-document decisions, samod's
//!   `SharePolicy`.
//! - `wire.rs`: reading (and, for read-only peers, trimming) the
//!   automerge-repo wire envelope. Pure.
//! - `limits.rs`: the caps of one connection and its rate limiter. Pure.
//! - `socket.rs`: one websocket, bridged to samod.
//! - `documents.rs`: the documents the server creates (minutes, shared
//!   layers, notebooks), their initial shape and their registration.
//!
//! **Invariant:** samod only ever sees messages about documents the socket's
//! user may access; everything else is answered or dropped in `socket.rs`.
//! samod's own policy (`policy.rs`) repeats the decision as a second line.
//!
//! **Invariant:** a sync message leaves the server only once the changes it
//! announces are durable in the store (`durability.rs`); samod does not
//! guarantee it by itself.
//!
//! **Invariant:** documents are created by the server (`documents.rs`) and
//! registered before anyone learns their id; a client cannot make the
//! server store a document that is not registered, because unregistered ids
//! are denied before samod sees them.

pub mod documents;
mod durability;
mod limits;
mod policy;
mod socket;
mod storage;
mod wire;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use automerge::Automerge;
use samod::{AcceptorHandle, ConcurrencyConfig, DocHandle, DocumentId, PeerId, Repo, Transport};

pub use durability::{DurabilityTracker, Requirement};
pub use limits::{RateDecision, RateLimiter, SyncLimits};
pub use policy::{
    decide_access, document_access, peer_id_for, share_config, Access, AccessPolicy,
    InvalidPeerIdPart, PeerRegistry, SyncUser,
};
pub use socket::{configure_upgrade, serve_sync_socket, SocketEnd, SocketIdentity};
pub use storage::{DocumentSizes, SyncStorage};

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
    #[error("cannot start the document thread pool: {0}")]
    ThreadPool(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<samod::Stopped> for SyncError {
    fn from(_: samod::Stopped) -> Self {
        SyncError::Stopped
    }
}

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Threads that run document actors (the Automerge work). samod's
    /// default runs every document inside one tokio task, where a panic in
    /// any document silently stops them all; on a thread pool with a panic
    /// handler a panic wedges only that document.
    pub document_threads: usize,
    pub limits: SyncLimits,
    /// Bound on server-side document operations (`find` may otherwise wait
    /// for peers that never answer).
    pub operation_timeout: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            document_threads: 2,
            limits: SyncLimits::default(),
            operation_timeout: Duration::from_secs(10),
        }
    }
}

/// The samod repository and everything around it. Cheap to clone; one per
/// server.
#[derive(Clone)]
pub struct SyncService {
    inner: Arc<SyncInner>,
}

struct SyncInner {
    repo: Repo,
    /// The one samod listener all sync sockets are accepted on.
    acceptor: AcceptorHandle,
    /// Peer id → user, and the access decided per (peer, document).
    registry: PeerRegistry,
    /// Which puts are complete, for the "stored before relayed" gate.
    durability: Arc<DurabilityTracker>,
    /// Stored bytes per document, for the document size cap.
    sizes: Arc<DocumentSizes>,
    store: Store,
    config: SyncConfig,
    /// samod 0.16 panics (and poisons the repository) if a connection is
    /// accepted while it stops; accepts take the read side, shutdown the
    /// write side.
    accepting: RwLock<bool>,
    /// Set when a document actor panicked (see `SyncConfig::document_threads`).
    document_panicked: Arc<AtomicBool>,
    /// One lock per meeting (and per notebook owner), so two requests never
    /// create the same document twice.
    creation_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl SyncService {
    pub async fn start(store: Store, config: SyncConfig) -> Result<Self, SyncError> {
        let durability = Arc::new(DurabilityTracker::default());
        let sizes = Arc::new(DocumentSizes::default());
        let registry = PeerRegistry::default();
        let document_panicked = Arc::new(AtomicBool::new(false));
        let panicked = document_panicked.clone();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(config.document_threads.max(1))
            .thread_name(|index| format!("sync-doc-{index}"))
            .panic_handler(move |_| {
                // The panicking document stays wedged (its mutex is poisoned
                // and its mailbox never rescheduled); the others go on.
                tracing::error!(
                    "a sync document actor panicked; that document is stuck until the server restarts"
                );
                panicked.store(true, Ordering::SeqCst);
            })
            .build()
            .map_err(|error| SyncError::ThreadPool(error.to_string()))?;
        let repo = Repo::build_tokio()
            .with_peer_id(PeerId::from(SERVER_PEER_ID))
            .with_storage(SyncStorage::new(
                store.clone(),
                durability.clone(),
                sizes.clone(),
            ))
            .with_share_policy(AccessPolicy::new(registry.clone()))
            .with_concurrency(ConcurrencyConfig::Threadpool(pool))
            .load()
            .await;
        let acceptor = repo
            .make_acceptor(url::Url::parse("phonghop:sync").expect("static url"))
            .map_err(|_| SyncError::Stopped)?;
        Ok(Self {
            inner: Arc::new(SyncInner {
                repo,
                acceptor,
                registry,
                durability,
                sizes,
                store,
                config,
                accepting: RwLock::new(true),
                document_panicked,
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

    pub(crate) fn durability(&self) -> &DurabilityTracker {
        &self.inner.durability
    }

    pub fn limits(&self) -> &SyncLimits {
        &self.inner.config.limits
    }

    pub fn server_peer_id(&self) -> &'static str {
        SERVER_PEER_ID
    }

    /// The stored size of a document, as far as this process knows it.
    pub fn document_bytes(&self, document_id: &DocumentId) -> u64 {
        self.inner.sizes.bytes(&document_id.to_string())
    }

    fn accept(&self, transport: Transport) -> Result<(), SyncError> {
        let accepting = self.inner.accepting.read().expect("accepting lock");
        if !*accepting {
            return Err(SyncError::Stopped);
        }
        self.inner
            .acceptor
            .accept(transport)
            .map(|_| ())
            .map_err(|_| SyncError::Stopped)
    }

    /// Re-evaluates what live sockets may do with this meeting's documents
    /// (the meeting changed state, a participant's role changed). samod
    /// applies a changed decision to live connections at once.
    pub async fn refresh_meeting_access(&self, meeting_id: &str) {
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
            Ok::<_, StoreError>((meeting, roles, records))
        }
        .await;
        let (meeting, roles, records) = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                // Deny rather than keep rights that may have ended; the
                // next message about each document decides again.
                tracing::warn!(%error, meeting_id, "cannot refresh sync access, denying");
                (None, HashMap::new(), HashMap::new())
            }
        };
        for pair in pairs {
            let access = match (&meeting, records.get(&pair.document_id.to_string())) {
                (Some(meeting), Some(record)) => document_access(
                    record,
                    meeting.state,
                    &pair.user,
                    roles.get(&pair.user.user_id).copied(),
                ),
                _ => Access::Deny,
            };
            self.inner
                .registry
                .set_decision(&pair.peer_id, &pair.document_id, access, None);
        }
    }

    /// Applies a writer's changes to a copy of the document, on the
    /// document's actor, and reports whether automerge took them without
    /// panicking and can still export the result. samod applies client
    /// changes where a panic would wedge the document for everyone until
    /// a restart (automerge 0.12 panics on some crafted changes), so the
    /// bridge forwards only changes that passed here. Costs one copy of the
    /// document per message that carries changes (about 1 ms at 10,000
    /// changes of history, measured in release builds).
    pub async fn try_changes(
        &self,
        handle: &DocHandle,
        entries: Vec<Vec<u8>>,
    ) -> Result<bool, SyncError> {
        self.with_timeout(handle.with_document_async(move |doc| {
            let before = doc.get_heads();
            let mut copy = doc.clone();
            std::panic::catch_unwind(AssertUnwindSafe(move || {
                for entry in &entries {
                    if copy.load_incremental(entry).is_err() {
                        // automerge refuses it harmlessly; so will samod.
                        return true;
                    }
                }
                // The copy must still be able to export what it holds, or
                // nothing written after this change could be stored.
                let _ = copy.get_changes(&before);
                true
            }))
            .unwrap_or(false)
        }))
        .await?
        .map_err(|_| SyncError::Stopped)
    }

    /// Creates a document with samod (which picks its id) and returns once
    /// its content is durable. The caller then registers the id; until then
    /// every client is refused it.
    ///
    /// samod 0.16's `Repo::create` resolves when the document actor is
    /// ready, which is before its storage puts complete (its doc comment
    /// says otherwise), hence the wait.
    pub async fn create_document(&self, initial: Automerge) -> Result<DocumentId, SyncError> {
        let handle = self.with_timeout(self.inner.repo.create(initial)).await??;
        let heads = handle
            .with_document_async(|doc| doc.get_heads())
            .await
            .map_err(|_| SyncError::Stopped)?;
        self.wait_durable(handle.document_id(), heads).await?;
        Ok(handle.document_id().clone())
    }

    /// Finds a stored document. Documents the server never stored are
    /// `NotFound` (after the operation timeout at worst).
    pub async fn find_document(&self, document_id: &DocumentId) -> Result<DocHandle, SyncError> {
        self.with_timeout(self.inner.repo.find(document_id.clone()))
            .await?
            .map_err(|_| SyncError::Stopped)?
            .ok_or(SyncError::NotFound)
    }

    /// Reads or changes a document on the server, returning once any change
    /// is durable. The closure runs on the document's actor; it must not
    /// panic (that would wedge the document).
    pub async fn change_document<R: Send + 'static>(
        &self,
        document_id: &DocumentId,
        change: impl FnOnce(&mut Automerge) -> R + Send + 'static,
    ) -> Result<R, SyncError> {
        let handle = self.find_document(document_id).await?;
        let (result, heads) = self
            .with_timeout(handle.with_document_async(move |doc| {
                let result = change(doc);
                (result, doc.get_heads())
            }))
            .await?
            .map_err(|_| SyncError::Stopped)?;
        self.wait_durable(document_id, heads).await?;
        Ok(result)
    }

    async fn wait_durable(
        &self,
        document_id: &DocumentId,
        heads: Vec<automerge::ChangeHash>,
    ) -> Result<(), SyncError> {
        let never = tokio_util::sync::CancellationToken::new();
        self.with_timeout(self.inner.durability.wait(
            &document_id.to_string(),
            &Requirement::Heads(heads),
            &never,
        ))
        .await
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

    /// False once the repository is unusable (a poisoned lock inside samod)
    /// or a document actor panicked: the process should be restarted.
    pub fn is_healthy(&self) -> bool {
        let repo = self.inner.repo.clone();
        let repo_usable =
            std::panic::catch_unwind(AssertUnwindSafe(move || repo.peer_id())).is_ok();
        repo_usable && !self.inner.document_panicked.load(Ordering::SeqCst)
    }

    /// Stops accepting sockets and waits (at most `flush_timeout`) until
    /// samod has written every pending change. Sockets close on the server's
    /// shutdown signal before this is called.
    pub async fn shutdown(&self, flush_timeout: Duration) -> Result<(), SyncError> {
        *self.inner.accepting.write().expect("accepting lock") = false;
        tokio::time::timeout(flush_timeout, self.inner.repo.stop())
            .await
            .map_err(|_| SyncError::TimedOut)
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
