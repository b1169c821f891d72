//! phonghop's server: a paperless meeting room.
//!
//! Layout, from the outside in:
//! - `main.rs` (the binary) parses the command line ([`config`]) and calls
//!   [`serve`] or one of the console commands ([`console`]).
//! - [`serve`] opens storage, seeds the demo when asked, binds the port
//!   and hands a bound listener to [`run`], which serves until the shutdown
//!   future completes. Every accepted connection gets `TCP_NODELAY`:
//!   websocket messages are small and follow one another, and Nagle's
//!   algorithm would hold each behind the client's delayed ACK.
//! - Shutdown: SIGTERM or Ctrl-C calls `Shutdown::trigger` (websockets
//!   close with 1001), hyper drains requests (8 s at most), document
//!   actors finish what they were given (`SyncService::shutdown`, 5 s at
//!   most), an audit checkpoint is signed (when the log grew), the store
//!   closes, exit 0.
//! - [`http`] builds the router: the REST API, the checks before the
//!   `/sync` and `/live` upgrades, `/healthz`, `/readyz`, `/metrics`, the
//!   CA certificate, and the web client's files. Handlers take
//!   [`state::AppState`], the one shared state; nothing below `http`
//!   does (a socket task takes `connections::SocketServices` and the
//!   hub it serves).
//! - [`live`] runs the live meetings behind `/live` (the pure rooms in
//!   `live::room`, one file per concern).
//! - [`auth`] resolves sessions and tickets; [`error`] maps errors to the
//!   wire's codes ([`fault`] says which are storage faults: a database
//!   gone away, a full disk); [`store`] is the one storage interface;
//!   [`blobs`] keeps document files by SHA-256; [`tls`] loads and makes
//!   certificates; [`demo`] seeds the demo meeting; [`shutdown`] tells
//!   long-lived tasks that the server is stopping.
//! - [`audit`] signs checkpoints of the hash-chained audit log with a key
//!   outside the database, into the database and a file beside it, and
//!   verifies the log against them (`phonghop audit verify`).
//! - [`backup`] makes one file of everything a restore needs (the
//!   database's consistent copy, the data directory's files, a manifest
//!   of SHA-256s), sealed with a passphrase if asked, and restores it.
//! - [`record`] builds the meeting's record (biên bản) for export as PDF;
//!   [`agenda`] holds the agenda's display order; [`signing`] signs it
//!   (PAdES, as incremental updates) and verifies the signatures in a file;
//!   [`rules`] measures a quorum and a vote against the meeting's rules,
//!   in exact integers.
//! - [`page_text`] reads what each page of a PDF says and where (page
//!   fingerprints, text lines); [`carry_over`] decides where annotations
//!   go when a document gets a new version.
//! - [`stamp`] marks every copy of a confidential document with its
//!   reader's name, account, the time and the meeting.
//! - [`cluster`] is what a node started with `--nats-url` adds: meeting
//!   ownership leases with fencing tokens in a NATS JetStream key-value
//!   bucket (relaying to the owner and failover are not built yet).
//! - [`sync`] runs the Automerge documents behind `/sync` (our document hub), with
//!   their access rules, storage and durability gate.
//!
//! No module imports one that imports it back (`tests/module_cycles.rs`
//! checks every `crate::` and `super::` path), and nothing imports from this
//! file: it only starts the server.

pub mod access;
pub mod agenda;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod blobs;
pub mod carry_over;
pub mod cluster;
pub mod config;
pub mod connections;
pub mod console;
pub mod convert;
pub mod demo;
pub mod error;
pub mod fault;
pub mod http;
pub mod live;
pub mod login_throttle;
pub mod metrics;
pub mod page_text;
pub mod pdf;
pub mod record;
pub mod roster;
pub mod rules;
pub mod sanitize;
pub mod shutdown;
pub mod signing;
pub mod signing_console;
pub mod stamp;
pub mod state;
pub mod store;
pub mod sync;
pub mod tls;
pub mod upload;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;

use crate::blobs::BlobStore;
use crate::config::ServeOptions;
use crate::convert::Converter;
use crate::shutdown::Shutdown;
use crate::state::{AppState, Settings};
use crate::store::Store;
use crate::sync::{SyncConfig, SyncLimits, SyncService};

/// Serves `app` on `listener` until `shutdown` fires, then drains: stops
/// accepting, lets open requests finish (at most 8 s), and returns.
pub async fn run(
    listener: std::net::TcpListener,
    state: AppState,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = http::app(state.clone());
    let handle = axum_server::Handle::new();
    {
        let handle = handle.clone();
        let state = state.clone();
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down: closing sockets and draining requests");
            state.shutdown.trigger();
            handle.graceful_shutdown(Some(Duration::from_secs(8)));
        });
    }
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    // TCP_NODELAY on every connection: a websocket sends small messages
    // one after another (a stroke, then the next ink message), and with
    // Nagle's algorithm each one waits for the client's delayed ACK (up
    // to 40 ms on Linux) whenever the previous one is not yet
    // acknowledged. Browsers and the JS `ws` server set it too.
    let no_delay = axum_server::accept::NoDelayAcceptor::new();
    match tls {
        Some(config) => {
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config).acceptor(no_delay);
            let mut server = axum_server::from_tcp(listener)
                .acceptor(acceptor)
                .handle(handle);
            configure_http(server.http_builder());
            server.serve(service).await?
        }
        None => {
            let mut server = axum_server::from_tcp(listener)
                .acceptor(no_delay)
                .handle(handle);
            configure_http(server.http_builder());
            server.serve(service).await?
        }
    }
    // Websockets live outside hyper's connection tracking: wait for them
    // to send their close frames.
    state.shutdown.wait_for_tasks(Duration::from_secs(1)).await;
    Ok(())
}

/// HTTP/1 settings that protect the server: a client that trickles its
/// request headers is cut off.
fn configure_http(
    builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
) {
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10))
        .max_buf_size(64 * 1024);
}

/// Starts the server as `phonghop serve` does: opens storage, seeds the
/// demo if asked, binds, prints where it listens, serves until SIGTERM or
/// Ctrl-C.
pub async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let data_dir = config::prepare_data_dir(&options.data_dir)?;
    let database_url = options.database_url(&data_dir);
    let cluster_options = options.cluster_options(&data_dir)?;
    let store = Store::open(&database_url).await.with_context(|| {
        format!(
            "cannot open the database {}",
            config::redact_url(&database_url)
        )
    })?;
    // Before anything is served: a key file others can read stops here.
    let audit_checkpoints = audit::AuditCheckpoints::open(store.clone(), &data_dir)
        .await
        .context("cannot use the audit signing key")?;
    let blobs = BlobStore::open(data_dir.join("blobs"))
        .with_context(|| format!("cannot use {}", data_dir.join("blobs").display()))?;
    let cluster = match &cluster_options {
        Some(cluster_options) => {
            let cluster =
                cluster::Cluster::join(&cluster_options.nats_url, &cluster_options.node_name)
                    .await
                    .context("cannot join the cluster")?;
            tracing::info!(
                node = cluster.node_name(),
                lease_ttl_ms = cluster.timings().ttl.as_millis() as u64,
                "joined the cluster; meeting leases are kept in NATS (relaying to the owner is not built yet)"
            );
            Some(cluster)
        }
        None => None,
    };
    let sync = SyncService::start(store.clone(), sync_config(&options))
        .await
        .context("cannot start document sync")?;
    if options.demo {
        demo::seed(&store, &blobs, options.demo_delegates as usize)
            .await
            .context("cannot seed the demo meeting")?;
        demo::seed_sync_documents(&store, &sync)
            .await
            .context("cannot create the demo meeting's documents")?;
        demo::provision_signing(&store)
            .await
            .context("cannot issue the demo's signing certificates")?;
    } else if store.count_users().await? == 0 {
        tracing::warn!(
            "no account exists yet: create an administrator with `phonghop user add NAME --role admin`"
        );
    }
    let tls_config = match (&options.tls_cert, &options.tls_key) {
        (Some(cert), Some(key)) => Some(tls::load_server_config(cert, key)?),
        (None, None) => None,
        _ => anyhow::bail!(config::UsageError(
            "--tls-cert and --tls-key go together: give both or neither".into()
        )),
    };
    let listener = std::net::TcpListener::bind(options.listen).map_err(|error| {
        config::UsageError(if error.kind() == std::io::ErrorKind::AddrInUse {
            format!(
                "address {} is already in use: stop the program using it, or choose another with --listen",
                options.listen
            )
        } else {
            format!("cannot listen on {}: {error}", options.listen)
        })
    })?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let scheme = if tls_config.is_some() {
        "https"
    } else {
        "http"
    };
    let ca_certificate_path = Some(data_dir.join("tls").join("ca.pem")).filter(|p| p.exists());
    let settings = Settings {
        allowed_origins: options.allowed_origins.clone(),
        tls: tls_config.is_some(),
        session_lifetime: Duration::from_secs(options.session_days * 24 * 3600),
        web_dir: options.web_dir.clone(),
        ca_certificate_path,
        max_upload_bytes: (options.max_upload_mb * 1024 * 1024) as usize,
        upload_policy: upload::UploadPolicy {
            allow_legacy_office: options.allow_legacy_office,
            ..upload::UploadPolicy::default()
        },
        backup_every: options
            .backup_every
            .map(|every| (every, options.backup_keep as usize)),
    };
    let backup_schedule = match (&options.backup_every, &options.backup_dir) {
        (Some(every), Some(dir)) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                config::UsageError(format!(
                    "cannot create the backup folder {}: {e}. Choose another with --backup-dir",
                    dir.display()
                ))
            })?;
            let passphrase = match &options.backup_passphrase_file {
                Some(file) => Some(backup::read_passphrase(Some(file), false)?),
                None => None,
            };
            Some(backup::schedule::BackupSchedule {
                every: *every,
                dir: dir.clone(),
                keep: options.backup_keep as usize,
                passphrase,
            })
        }
        _ => None,
    };
    if !settings.web_dir.join("index.html").exists() {
        tracing::warn!(
            web_dir = %settings.web_dir.display(),
            "the web client is not built there: run `make run`, or `npm run build` in client-web"
        );
    }
    let shutdown = Shutdown::new();
    let converter = Converter::detect(
        &options.bwrap,
        Duration::from_secs(options.conversion_timeout_secs),
        options.max_conversions,
    );
    let state = AppState::new(
        store.clone(),
        blobs,
        settings,
        converter,
        shutdown.clone(),
        sync.clone(),
        cluster,
        audit_checkpoints.clone(),
    );
    audit::spawn_periodic(audit_checkpoints.clone(), shutdown.clone());
    if let Some(schedule) = backup_schedule {
        backup::schedule::spawn(
            store.clone(),
            backup::BackupSource {
                data_dir: data_dir.clone(),
                database_url: database_url.clone(),
            },
            schedule,
            state.backup_schedule.clone(),
            shutdown.clone(),
        );
    }
    connections::spawn_sweeper(state.connections.clone(), store.clone(), shutdown);
    // One line a machine can read (tests wait for it), then the human text.
    println!("phonghop listening on {scheme}://{local}");
    if options.demo {
        println!(
            "{}",
            demo::logins_text(
                &format!("{scheme}://{local}"),
                options.demo_delegates as usize
            )
        );
    }
    run(listener, state, tls_config, shutdown::signal()).await?;
    // Sockets are closed by now; let the documents finish what they were given.
    if let Err(error) = sync.shutdown(Duration::from_secs(5)).await {
        tracing::error!(%error, "document sync did not stop cleanly");
    }
    audit_checkpoints.take_logged("shutdown").await;
    store.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// The sync settings from the command line.
fn sync_config(options: &ServeOptions) -> SyncConfig {
    SyncConfig {
        limits: SyncLimits {
            max_message_bytes: (options.sync_max_message_mb * 1024 * 1024) as usize,
            max_document_bytes: options.sync_max_document_mb * 1024 * 1024,
            messages_per_second: options.sync_messages_per_second,
            message_burst: options.sync_messages_per_second.saturating_mul(5),
            ..SyncLimits::default()
        },
        compact_after_increments: options.sync_compact_after as usize,
        ..SyncConfig::default()
    }
}
