//! [`AppState`]: the one state every request handler and socket task
//! shares (storage, settings, tickets, open connections, the sync and live
//! hubs), and [`Settings`], what requests consult that is fixed at
//! start-up. Built once by `serve` (or a test) and passed with
//! `Router::with_state`; nothing else is global.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::audit::AuditCheckpoints;
use crate::auth::{PasswordWorkers, TicketBook};
use crate::blobs::BlobStore;
use crate::cluster::Cluster;
use crate::connections::{ConnectionRegistry, SocketServices};
use crate::convert::Converter;
use crate::live::LiveHub;
use crate::login_throttle::LoginThrottle;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::stamp::cache::{StampCache, DEFAULT_BUDGET_BYTES};
use crate::stamp::StampFont;
use crate::store::Store;
use crate::sync::SyncService;

/// Everything a request handler may need, shared by every request. Cheap
/// to clone.
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

impl std::ops::Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

/// The fields of [`AppState`].
pub struct AppStateInner {
    /// Accounts, meetings, documents' metadata, audit log, CRDT chunks.
    pub store: Store,
    /// The PDFs, by SHA-256.
    pub blobs: BlobStore,
    /// Settings that requests consult (origins, cookie flags, limits).
    pub settings: Settings,
    /// Failed-login counts per (account, address), address and account
    /// under distributed attack, to slow down guessing.
    pub login_throttle: Mutex<LoginThrottle>,
    /// Outstanding websocket tickets.
    pub tickets: Mutex<TicketBook>,
    /// Threads for argon2 (19 MiB each): a burst of logins at the start
    /// of a meeting queues there instead of taking all memory.
    pub password_workers: PasswordWorkers,
    /// Open websockets, so they can be closed when access ends.
    pub connections: Arc<ConnectionRegistry>,
    /// Turns Office uploads into PDFs.
    pub converter: Converter,
    /// Confidential documents prepared for stamping (by file), and the
    /// stamp's font: each reader's copy costs only its stamp.
    pub stamps: StampCache,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Fires when the server begins to stop, so sockets can say goodbye.
    pub shutdown: Shutdown,
    /// The Automerge documents served on `/sync`.
    pub sync: SyncService,
    /// The live meetings' rooms (`/live`).
    pub live: Arc<LiveHub>,
    /// When the process started (for the uptime metric).
    pub started_at: Instant,
    /// The last scheduled backup's failure, for the administrators'
    /// screen (`serve --backup-every`).
    pub backup_schedule: crate::backup::schedule::ScheduleStateHandle,
    /// This node's membership of a cluster (`serve --nats-url`): its
    /// leases and whether it has joined, for `/readyz` and `/metrics`.
    /// `None` for a single server.
    pub cluster: Option<Cluster>,
    /// One gate per meeting whose record is being rendered for its first
    /// signature: LibreOffice runs once, and every caller waiting at the
    /// gate signs the file the first one kept (two renderings differ, so a
    /// second would make the first caller's prepared signature stale).
    pub first_record_renders: FirstRenderGates,
    /// Signs checkpoints of the audit log (a meeting closed, the record
    /// rendered or signed; the hourly one runs in its own task).
    pub audit_checkpoints: Arc<AuditCheckpoints>,
}

/// Per-meeting async gates (see [`AppStateInner::first_record_renders`]).
/// A gate is dropped once nobody holds or waits for it.
#[derive(Default)]
pub struct FirstRenderGates(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl FirstRenderGates {
    /// Waits for `meeting_id`'s gate; holds it until the guard is dropped.
    pub async fn enter(&self, meeting_id: &str) -> FirstRenderGuard<'_> {
        let gate = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(meeting_id.to_owned())
            .or_default()
            .clone();
        let held = gate.clone().lock_owned().await;
        FirstRenderGuard {
            gates: self,
            meeting_id: meeting_id.to_owned(),
            gate,
            held: Some(held),
        }
    }
}

/// Holds one meeting's first-render gate.
pub struct FirstRenderGuard<'a> {
    gates: &'a FirstRenderGates,
    meeting_id: String,
    gate: Arc<tokio::sync::Mutex<()>>,
    held: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for FirstRenderGuard<'_> {
    fn drop(&mut self) {
        self.held.take();
        let mut gates = self
            .gates
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // The map's copy and ours: nobody else waits, so forget the gate.
        if Arc::strong_count(&self.gate) == 2 {
            gates.remove(&self.meeting_id);
        }
    }
}

/// Settings that requests consult, fixed at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `Origin` values allowed on state-changing requests and websocket
    /// upgrades; empty means "the server's own origin only".
    pub allowed_origins: Vec<String>,
    /// Served over TLS: cookies get `Secure`, responses get HSTS.
    pub tls: bool,
    /// How long a login lasts.
    pub session_lifetime: Duration,
    /// Where the built web client lives.
    pub web_dir: PathBuf,
    /// The CA certificate offered for download, when one exists.
    pub ca_certificate_path: Option<PathBuf>,
    /// The largest upload accepted, in bytes.
    pub max_upload_bytes: usize,
    /// What uploads are accepted (archive limits, legacy Office formats).
    pub upload_policy: crate::upload::UploadPolicy,
    /// The scheduled backups' interval and how many are kept, when `serve`
    /// makes them: the administrators' screen warns when the last backup
    /// is older than twice the interval.
    pub backup_every: Option<(Duration, usize)>,
}

impl AppState {
    // Each argument is a service `serve` made (one call site); a struct of
    // them would only repeat the fields below.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        blobs: BlobStore,
        settings: Settings,
        converter: Converter,
        shutdown: Shutdown,
        sync: SyncService,
        cluster: Option<Cluster>,
        audit_checkpoints: Arc<AuditCheckpoints>,
    ) -> Self {
        AppState(Arc::new(AppStateInner {
            store,
            blobs,
            settings,
            login_throttle: Mutex::new(LoginThrottle::default()),
            tickets: Mutex::new(TicketBook::default()),
            password_workers: PasswordWorkers::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
            connections: Arc::new(ConnectionRegistry::default()),
            converter,
            stamps: StampCache::new(
                StampFont::new()
                    .expect("the stamp font compiled into the binary is readable (unit-tested)"),
                DEFAULT_BUDGET_BYTES,
            ),
            metrics: Arc::default(),
            shutdown,
            sync,
            live: Arc::default(),
            started_at: Instant::now(),
            backup_schedule: Default::default(),
            cluster,
            first_record_renders: FirstRenderGates::default(),
            audit_checkpoints,
        }))
    }

    /// What a websocket task takes of the state: it outlives the request
    /// that opened it.
    pub fn socket_services(&self) -> SocketServices {
        SocketServices {
            connections: self.connections.clone(),
            metrics: self.metrics.clone(),
            shutdown: self.shutdown.clone(),
        }
    }
}
