//! Several nodes, one meeting: what a node started with `--nats-url`
//! has beyond a single server. Today that is meeting ownership leases and
//! the fencing tokens they hand out; relaying a client's messages to the
//! owner and moving clients when the owner dies are not built yet (issue
//! 24). Nor, so far, is any server path that takes a lease or passes a
//! fence (the sync hub and the live rooms still write unfenced), document
//! files shared between nodes, or `--demo` seeding a cluster once.
//!
//! - [`lease`]: one node's lease on one meeting, a pure state machine
//!   (acquire, renew, lose, expire; time passed in), tested with seeded
//!   random interleavings of several nodes.
//! - [`nats`]: the thin adapter that runs a [`lease::Lease`] against a
//!   NATS JetStream key-value bucket and exposes its fencing token.
//! - this file: joining (connecting, finding or creating the bucket),
//!   the readiness check and the lease counters for `/metrics`.
//!
//! `serve --nats-url` needs a PostgreSQL `--database-url` (refused with
//! SQLite, in Vietnamese and English: nodes share one database). A
//! meeting's lease is the key `meeting.{id}` (`nats::lease_key`) in the
//! bucket [`LEASE_BUCKET`] (file-backed, one value per key, `max_age`
//! [`DEFAULT_LEASE_TTL`], 3 s): renewed every second, believed for the
//! time-to-live less a 0.5 s margin from when the winning write was sent
//! (`lease::LeaseTimings::for_ttl`). A write refused by a newer fence is
//! `StoreError::Fenced`, which clients see as `storage_unavailable`:
//! nothing saved, try again.
//!
//! # Why a JetStream key-value bucket, not PostgreSQL advisory locks
//!
//! A PostgreSQL advisory lock belongs to a database *session*: it is held
//! as long as one connection stays open and has no number that grows from
//! one holder to the next. A node whose connection is stuck behind a
//! network cut keeps the lock until PostgreSQL notices the dead TCP
//! connection (minutes, with default keepalives), and nothing in the lock
//! can fence the writes such a node sends when it wakes up. It also ties
//! ownership to the one database, which a room node cut off from the WAN
//! cannot reach. A JetStream bucket gives what a lease needs, kept by the
//! NATS server: a create that succeeds only when the key has no live
//! value, an update that succeeds only when the caller names the current
//! revision, values that expire a fixed time-to-live (the bucket's
//! `max_age`, counted on the NATS server's clock) after they were written,
//! and a revision that is the stream's sequence number, so it only grows:
//! the revision of the acquiring write is the fencing token, and
//! PostgreSQL refuses a meeting's write whose token is older than the
//! highest it has recorded for that meeting (`store::fences`). The bucket
//! is file-backed, so a restarted NATS server keeps its sequence numbers;
//! deleting the bucket would restart them at 1 and must not be done while
//! the database holds fences (empty `meeting_fences` first).
//!
//! # How ownership would move to a room node (not built)
//!
//! A meeting room's own small server would run a NATS *leaf node*: a NATS
//! server that connects to the cluster when the WAN is up and keeps
//! serving its local clients when it is down. Before the meeting, the
//! room node acquires the meeting's lease in the cluster's bucket like any
//! node; it then holds a lease in a bucket of its own leaf node too, and
//! the cluster's nodes, seeing the lease held by the room node, relay to
//! it. When the WAN drops, the room node keeps its local lease and the
//! cluster's lease expires; the cluster must then not take the meeting
//! (a lease value would say "handed to room node R until it returns",
//! which the other nodes respect instead of acquiring). When the link
//! returns, the room node merges its sync documents (Automerge merges by
//! itself) and replays its live log through the owner's fencing, then
//! hands the lease back. The pieces this needs and the code here already
//! has: leases in a bucket a leaf node can mirror, tokens that only grow,
//! and writes that carry them.

pub mod lease;
pub mod nats;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;

pub use nats::MeetingLease;

/// The key-value bucket of meeting leases.
pub const LEASE_BUCKET: &str = "phonghop_leases";
/// How long a lease lives without renewal, when this node creates the
/// bucket; a bucket that exists keeps its own (every node reads it).
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(3);
/// How long a request to NATS may take before it counts as unanswered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(1);

/// What can go wrong when a node joins.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot connect to NATS at {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: async_nats::ConnectError,
    },
    #[error("cannot open or create the key-value bucket {LEASE_BUCKET} (is JetStream on? start nats-server with -js): {0}")]
    Bucket(String),
}

/// Whether this node is part of the cluster now, for `/readyz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterStatus {
    Joined,
    /// Not connected to NATS (it reconnects by itself).
    Disconnected,
    /// Connected, but the lease bucket did not answer.
    BucketUnreachable(String),
}

/// Counters `/metrics` reports about leases.
#[derive(Debug, Default)]
pub struct ClusterMetrics {
    /// Meeting leases this node holds now.
    pub leases_held: AtomicI64,
    /// Leases this node acquired since it started.
    pub lease_acquisitions: AtomicU64,
    /// Leases this node held and lost (refused renewal or expired).
    pub leases_lost: AtomicU64,
}

/// This node's membership: its NATS connection and the lease bucket.
/// Cheap to clone.
#[derive(Clone)]
pub struct Cluster {
    /// The name other nodes see in a lease's value (who owns a meeting).
    node_name: Arc<str>,
    /// The connection, for its state (readiness).
    client: async_nats::Client,
    /// JetStream with our request timeout, to look the bucket up again.
    jetstream: jetstream::Context,
    /// The lease bucket.
    bucket: jetstream::kv::Store,
    /// Derived from the bucket's time-to-live.
    timings: lease::LeaseTimings,
    metrics: Arc<ClusterMetrics>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("node_name", &self.node_name)
            .field("timings", &self.timings)
            .finish()
    }
}

impl Cluster {
    /// Connects to NATS at `url` and opens the lease bucket, creating it
    /// (file-backed, one value per key, `DEFAULT_LEASE_TTL`) when it is
    /// missing.
    pub async fn join(url: &str, node_name: &str) -> Result<Cluster, ClusterError> {
        let client = async_nats::ConnectOptions::new()
            .name(format!("phonghop {node_name}"))
            .connection_timeout(Duration::from_secs(3))
            // A dead connection is noticed within seconds, not the
            // minute of the default: readiness depends on it.
            .ping_interval(Duration::from_secs(2))
            .connect(url)
            .await
            .map_err(|source| ClusterError::Connect {
                url: crate_redacted(url),
                source,
            })?;
        let mut jetstream = jetstream::new(client.clone());
        jetstream.set_timeout(REQUEST_TIMEOUT);
        let bucket = match jetstream.get_key_value(LEASE_BUCKET).await {
            Ok(bucket) => bucket,
            Err(_) => {
                // The bucket's stream, made as the client library's
                // `create_key_value` makes it, without the account query
                // that NATS 2.9 (Debian's) answers in a form the library
                // no longer reads.
                let created = jetstream
                    .create_stream(jetstream::stream::Config {
                        name: format!("KV_{LEASE_BUCKET}"),
                        description: Some("phonghop meeting ownership leases".into()),
                        subjects: vec![format!("$KV.{LEASE_BUCKET}.>")],
                        max_messages_per_subject: 1,
                        max_age: DEFAULT_LEASE_TTL,
                        max_message_size: 1024,
                        storage: jetstream::stream::StorageType::File,
                        allow_rollup: true,
                        deny_delete: true,
                        allow_direct: true,
                        num_replicas: 1,
                        discard: jetstream::stream::DiscardPolicy::New,
                        ..Default::default()
                    })
                    .await;
                // Another node may have created it meanwhile: open it.
                let opened = jetstream.get_key_value(LEASE_BUCKET).await;
                match (created, opened) {
                    (_, Ok(bucket)) => bucket,
                    (Err(create_error), Err(_)) => {
                        return Err(ClusterError::Bucket(create_error.to_string()))
                    }
                    (Ok(_), Err(open_error)) => {
                        return Err(ClusterError::Bucket(open_error.to_string()))
                    }
                }
            }
        };
        let ttl = bucket
            .status()
            .await
            .map(|status| status.max_age())
            .unwrap_or(DEFAULT_LEASE_TTL);
        if ttl.is_zero() {
            return Err(ClusterError::Bucket(format!(
                "the bucket {LEASE_BUCKET} has no time-to-live: delete it (nats kv del {LEASE_BUCKET}) and let a node create it"
            )));
        }
        Ok(Cluster {
            node_name: node_name.into(),
            client,
            jetstream,
            bucket,
            timings: lease::LeaseTimings::for_ttl(ttl),
            metrics: Arc::default(),
        })
    }

    pub fn node_name(&self) -> &str {
        &self.node_name
    }

    pub fn timings(&self) -> lease::LeaseTimings {
        self.timings
    }

    pub fn metrics(&self) -> &ClusterMetrics {
        &self.metrics
    }

    /// Leases held now, acquired and lost, for `/metrics`.
    pub fn lease_counts(&self) -> (i64, u64, u64) {
        (
            self.metrics.leases_held.load(Ordering::Relaxed),
            self.metrics.lease_acquisitions.load(Ordering::Relaxed),
            self.metrics.leases_lost.load(Ordering::Relaxed),
        )
    }

    /// Connected to NATS, and the lease bucket answers within 2 s.
    pub async fn status(&self) -> ClusterStatus {
        if self.client.connection_state() != async_nats::connection::State::Connected {
            return ClusterStatus::Disconnected;
        }
        match tokio::time::timeout(
            Duration::from_secs(2),
            self.jetstream.get_key_value(LEASE_BUCKET),
        )
        .await
        {
            Ok(Ok(_)) => ClusterStatus::Joined,
            Ok(Err(error)) => ClusterStatus::BucketUnreachable(error.to_string()),
            Err(_) => ClusterStatus::BucketUnreachable("no answer within 2 s".into()),
        }
    }

    /// Starts seeking and keeping the lease on `meeting_id`; it runs until
    /// the returned handle is stopped or dropped.
    pub fn lease_meeting(&self, meeting_id: &str) -> MeetingLease {
        nats::MeetingLease::start(
            self.bucket.clone(),
            meeting_id,
            &self.node_name,
            self.timings,
            self.metrics.clone(),
        )
    }
}

/// A NATS URL with any password replaced by `***`, for messages.
fn crate_redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;
