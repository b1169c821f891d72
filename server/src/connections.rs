//! [`ConnectionRegistry`]: every open websocket, by user and session, so
//! the server can close the sockets of a user who was disabled, removed
//! from a meeting, or whose session was revoked. A sweep re-checks the
//! sessions of open sockets every [`SWEEP_INTERVAL`], which also catches
//! changes made by another process (`phonghop user disable` on the console).
//!
//! [`SocketServices`] is what every websocket task takes of the server,
//! whatever its protocol: this registry, the counters and the shutdown
//! signal.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::store::{now_millis, Store};

/// How often open sockets' sessions are re-checked.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(2);

/// What a websocket task uses of the server, whatever its protocol. The
/// task outlives the request that opened it, so it holds these (cheap
/// clones) rather than the request's state.
#[derive(Clone)]
pub struct SocketServices {
    /// Where the socket registers, so the server can close it when access
    /// ends.
    pub connections: Arc<ConnectionRegistry>,
    /// The open-sockets gauge and the message counters.
    pub metrics: Arc<Metrics>,
    /// Tells the socket the server is stopping; the server waits for the
    /// socket's task before it exits.
    pub shutdown: Shutdown,
}

/// Why the server closes a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The session ended (logout, revocation, disabled account).
    SessionEnded,
    /// The user's access changed (removed from a meeting).
    AccessChanged,
}

struct Entry {
    user_id: String,
    session_id: String,
    closer: watch::Sender<Option<CloseReason>>,
}

/// Open sockets. Cheap to share behind an `Arc`.
#[derive(Default)]
pub struct ConnectionRegistry {
    entries: Mutex<HashMap<u64, Entry>>,
    next_id: AtomicU64,
}

/// Held by a socket task; unregisters on drop. `closed` fires when the
/// server wants the socket gone.
pub struct ConnectionHandle {
    id: u64,
    registry: Arc<ConnectionRegistry>,
    pub closed: watch::Receiver<Option<CloseReason>>,
}

impl Drop for ConnectionHandle {
    fn drop(&mut self) {
        self.registry
            .entries
            .lock()
            .expect("registry lock")
            .remove(&self.id);
    }
}

impl ConnectionHandle {
    /// Completes when the server asks this socket to close, with the reason.
    pub async fn close_requested(&mut self) -> CloseReason {
        loop {
            if let Some(reason) = *self.closed.borrow_and_update() {
                return reason;
            }
            if self.closed.changed().await.is_err() {
                return CloseReason::SessionEnded;
            }
        }
    }
}

impl ConnectionRegistry {
    pub fn register(self: &Arc<Self>, user_id: &str, session_id: &str) -> ConnectionHandle {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (closer, closed) = watch::channel(None);
        self.entries.lock().expect("registry lock").insert(
            id,
            Entry {
                user_id: user_id.to_owned(),
                session_id: session_id.to_owned(),
                closer,
            },
        );
        ConnectionHandle {
            id,
            registry: self.clone(),
            closed,
        }
    }

    fn close_where(&self, reason: CloseReason, matches: impl Fn(&Entry) -> bool) -> usize {
        let entries = self.entries.lock().expect("registry lock");
        let mut closed = 0;
        for entry in entries.values().filter(|e| matches(e)) {
            entry.closer.send_replace(Some(reason));
            closed += 1;
        }
        closed
    }

    /// Closes every socket of `user_id`. They may reconnect; access is then
    /// decided afresh.
    pub fn close_user(&self, user_id: &str, reason: CloseReason) -> usize {
        self.close_where(reason, |e| e.user_id == user_id)
    }

    pub fn close_session(&self, session_id: &str) -> usize {
        self.close_where(CloseReason::SessionEnded, |e| e.session_id == session_id)
    }

    /// Closes every socket of `user_id` but those of `keep_session_id` (the
    /// user changed their password from that session).
    pub fn close_other_sessions(&self, user_id: &str, keep_session_id: &str) -> usize {
        self.close_where(CloseReason::SessionEnded, |e| {
            e.user_id == user_id && e.session_id != keep_session_id
        })
    }

    /// A user's access to one meeting changed; their sockets reconnect.
    pub fn close_user_in_meeting(&self, user_id: &str, _meeting_id: &str) -> usize {
        self.close_user(user_id, CloseReason::AccessChanged)
    }

    pub fn count(&self) -> usize {
        self.entries.lock().expect("registry lock").len()
    }

    fn session_ids(&self) -> HashSet<String> {
        self.entries
            .lock()
            .expect("registry lock")
            .values()
            .map(|e| e.session_id.clone())
            .collect()
    }

    /// Closes the sockets whose session is no longer live.
    pub async fn sweep(&self, store: &Store) {
        for session_id in self.session_ids() {
            match store.live_session(&session_id, now_millis()).await {
                Ok(Some(_)) => {}
                Ok(None) => {
                    let closed = self.close_session(&session_id);
                    tracing::info!(closed, "closed sockets of an ended session");
                }
                Err(error) => tracing::warn!(%error, "cannot check a socket's session"),
            }
        }
    }
}

/// Runs [`ConnectionRegistry::sweep`] every [`SWEEP_INTERVAL`] until shutdown.
pub fn spawn_sweeper(
    registry: Arc<ConnectionRegistry>,
    store: Store,
    shutdown: crate::shutdown::Shutdown,
) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(SWEEP_INTERVAL);
        loop {
            tokio::select! {
                _ = ticker.tick() => registry.sweep(&store).await,
                _ = shutdown.triggered() => break,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn closing_a_user_reaches_only_their_sockets() {
        let registry = Arc::new(ConnectionRegistry::default());
        let mut alice = registry.register("u_alice", "s1");
        let mut alice_tablet = registry.register("u_alice", "s2");
        let bob = registry.register("u_bob", "s3");
        assert_eq!(
            registry.close_user("u_alice", CloseReason::AccessChanged),
            2
        );
        assert_eq!(alice.close_requested().await, CloseReason::AccessChanged);
        assert_eq!(
            alice_tablet.close_requested().await,
            CloseReason::AccessChanged
        );
        assert!(bob.closed.borrow().is_none());
    }

    #[test]
    fn dropped_handles_unregister() {
        let registry = Arc::new(ConnectionRegistry::default());
        let handle = registry.register("u", "s");
        assert_eq!(registry.count(), 1);
        drop(handle);
        assert_eq!(registry.count(), 0);
    }
}
