//! The lease state machine ([`super::lease`]) against a NATS JetStream
//! key-value bucket: `Acquire` is a KV create (stored only when the key
//! has no live value), `Renew` an update with the expected revision. The
//! answer's revision (the stream's sequence number) is the fencing token.
//!
//! One task per meeting lease drives the machine: it sends the write the
//! machine asks for, sleeps until the machine's next deadline or the
//! answer, and counts acquisitions and losses. The machine itself sits
//! behind a mutex that is never held across an await, so [`MeetingLease::fence`]
//! reads the token with the current time: a term that ran out is not
//! reported as held, even before the task wakes up.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_nats::jetstream::kv;

use super::lease::{Lease, LeaseChange, LeaseTimings, LeaseWrite, WriteOutcome};
use super::ClusterMetrics;
use crate::store::Fence;

/// The lease on one meeting as this node seeks and keeps it. Dropping it
/// (or [`MeetingLease::stop`]) stops renewing: the bucket frees the lease
/// when its time-to-live runs out, as it would after a crash.
pub struct MeetingLease {
    meeting_id: String,
    lease: Arc<Mutex<Lease>>,
    task: tokio::task::JoinHandle<()>,
    metrics: Arc<ClusterMetrics>,
}

impl std::fmt::Debug for MeetingLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeetingLease")
            .field("meeting_id", &self.meeting_id)
            .finish()
    }
}

/// The bucket key of a meeting's lease. Keys allow `[-/_=.a-zA-Z0-9]`;
/// an id with any other character is written in hex.
pub fn lease_key(meeting_id: &str) -> String {
    let plain = !meeting_id.is_empty()
        && meeting_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '='));
    if plain {
        format!("meeting.{meeting_id}")
    } else {
        format!("meeting.x{}", hex::encode(meeting_id))
    }
}

/// The lease's value: who holds it, for whoever relays to the owner.
fn value_of(node_name: &str) -> Vec<u8> {
    format!("node={node_name}").into_bytes()
}

impl MeetingLease {
    pub(super) fn start(
        bucket: kv::Store,
        meeting_id: &str,
        node_name: &str,
        timings: LeaseTimings,
        metrics: Arc<ClusterMetrics>,
    ) -> MeetingLease {
        let lease = Arc::new(Mutex::new(Lease::new(timings, Instant::now())));
        let task = tokio::spawn(drive(
            bucket,
            lease_key(meeting_id),
            value_of(node_name),
            lease.clone(),
            metrics.clone(),
            meeting_id.to_owned(),
        ));
        MeetingLease {
            meeting_id: meeting_id.to_owned(),
            lease,
            task,
            metrics,
        }
    }

    /// The fence a write for this meeting carries, while this node holds
    /// the lease; `None` when it does not (then it must not write).
    pub fn fence(&self) -> Option<Fence> {
        let token = lock(&self.lease).token(Instant::now())?;
        Some(Fence {
            meeting_id: self.meeting_id.clone(),
            token,
        })
    }

    /// Stops renewing (as a crashed node would); the lease expires in the
    /// bucket by itself.
    pub fn stop(self) {}
}

impl Drop for MeetingLease {
    fn drop(&mut self) {
        self.task.abort();
        let mut machine = lock(&self.lease);
        let now = Instant::now();
        machine.handle_timeout(now);
        report_changes(&mut machine, &self.metrics, &self.meeting_id);
        if machine.token(now).is_some() {
            // Given up, not lost: no longer held here.
            self.metrics.leases_held.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

fn lock(lease: &Mutex<Lease>) -> std::sync::MutexGuard<'_, Lease> {
    // The machine has no invariant a panic halfway could break that the
    // next call would not notice (its state is plain data).
    lease
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn drive(
    bucket: kv::Store,
    key: String,
    value: Vec<u8>,
    lease: Arc<Mutex<Lease>>,
    metrics: Arc<ClusterMetrics>,
    meeting_id: String,
) {
    loop {
        let (write, deadline) = {
            let mut machine = lock(&lease);
            let now = Instant::now();
            machine.handle_timeout(now);
            let write = machine.poll_write(now);
            report_changes(&mut machine, &metrics, &meeting_id);
            (write, machine.next_deadline())
        };
        let Some(write) = write else {
            tokio::time::sleep_until(deadline.into()).await;
            continue;
        };
        let request = send(&bucket, &key, &value, write);
        tokio::pin!(request);
        // While the answer is awaited the term may run out: wake at the
        // deadline to notice (and count) it, then keep waiting.
        let outcome = loop {
            let deadline = lock(&lease).next_deadline();
            tokio::select! {
                outcome = &mut request => break outcome,
                _ = tokio::time::sleep_until(deadline.into()) => {
                    let mut machine = lock(&lease);
                    machine.handle_timeout(Instant::now());
                    report_changes(&mut machine, &metrics, &meeting_id);
                }
            }
        };
        let mut machine = lock(&lease);
        machine.handle_outcome(Instant::now(), outcome);
        report_changes(&mut machine, &metrics, &meeting_id);
    }
}

async fn send(bucket: &kv::Store, key: &str, value: &[u8], write: LeaseWrite) -> WriteOutcome {
    let value = value.to_vec().into();
    match write {
        LeaseWrite::Acquire => match bucket.create(key, value).await {
            Ok(revision) => WriteOutcome::Written { revision },
            Err(error) if error.kind() == kv::CreateErrorKind::AlreadyExists => {
                WriteOutcome::Refused
            }
            Err(error) => {
                tracing::debug!(%error, key, "lease: create not answered");
                WriteOutcome::Unreachable
            }
        },
        LeaseWrite::Renew { expected_revision } => {
            match bucket.update(key, value, expected_revision).await {
                Ok(revision) => WriteOutcome::Written { revision },
                Err(error) if error.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                    WriteOutcome::Refused
                }
                Err(error) => {
                    tracing::warn!(%error, key, "lease: renewal not answered");
                    WriteOutcome::Unreachable
                }
            }
        }
    }
}

fn report_changes(machine: &mut Lease, metrics: &ClusterMetrics, meeting_id: &str) {
    while let Some(change) = machine.poll_change() {
        match change {
            LeaseChange::Acquired { token } => {
                metrics.leases_held.fetch_add(1, Ordering::Relaxed);
                metrics.lease_acquisitions.fetch_add(1, Ordering::Relaxed);
                tracing::info!(meeting_id, token, "lease acquired");
            }
            LeaseChange::Lost { token, reason } => {
                metrics.leases_held.fetch_sub(1, Ordering::Relaxed);
                metrics.leases_lost.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(meeting_id, token, ?reason, "lease lost");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_ids_become_valid_bucket_keys() {
        assert_eq!(lease_key("m_3f9c"), "meeting.m_3f9c");
        assert_eq!(
            lease_key("họp 1"),
            format!("meeting.x{}", hex::encode("họp 1"))
        );
        assert_eq!(lease_key(""), "meeting.x");
    }
}
