//! Who is behind each samod peer id, and what each may do with each document.
//!
//! samod's `SharePolicy` is asked `share(document_id, peer_id)` once per
//! (open document, connected peer) pair, and samod attaches *every*
//! connection to *every* open document actor (`samod-core` hub `state.rs`,
//! `ensure_connections`), so it asks about documents the peer never
//! mentioned. Answering those from the database would cost a query per pair.
//!
//! Instead the socket bridge decides: it sees every message before samod
//! does, and the first time a peer mentions a document it looks up the
//! registry record and `access::sync_access`, and records the decision here.
//! samod's policy stream for a pair yields nothing until a decision exists
//! (samod then buffers that pair's sync messages and drops its ephemera),
//! then yields it, then every later change of it (revocation, a meeting
//! that closes). A pair the peer never mentioned stays undecided.
//!
//! Decisions live in `watch` cells keyed by (peer, document). A cell is
//! kept while samod still listens to it, even across a reconnect of the same
//! peer: samod shares one subscription per (document, peer) among that
//! peer's connections, so replacing the cell would strand it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::{stream, Stream, StreamExt};
use phonghop_protocol::api::{MeetingRole, MeetingState, OrgRole, SyncAccess};
use samod::{DocumentId, PeerId, ShareConfig};
use tokio::sync::watch;

use crate::access::{sync_access, MeetingViewer, SyncDocumentFacts};
use crate::store::{Store, StoreError, SyncDocumentRecord};

/// What one user may do with one document over `/sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Unknown, unregistered or forbidden: the document looks absent.
    Deny,
    /// Receive changes and ephemera; send nothing that is kept or relayed.
    Read,
    /// Full sync.
    Write,
}

impl From<Option<SyncAccess>> for Access {
    fn from(access: Option<SyncAccess>) -> Self {
        match access {
            None => Access::Deny,
            Some(SyncAccess::Read) => Access::Read,
            Some(SyncAccess::Write) => Access::Write,
        }
    }
}

/// The user behind a sync socket, as the access rules need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncUser {
    pub user_id: String,
    pub org_role: OrgRole,
}

/// The one authenticated identity a socket may use on the wire. The client
/// cannot pick it: `Transport::with_expected_peer_id` makes samod close a
/// connection whose `join` (or any later direct message) names another id.
pub fn peer_id_for(user_id: &str, device_id: &str) -> Result<PeerId, InvalidPeerIdPart> {
    for part in [user_id, device_id] {
        let acceptable = !part.is_empty()
            && part.len() <= 64
            && part
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if !acceptable {
            return Err(InvalidPeerIdPart);
        }
    }
    Ok(PeerId::from(format!("u/{user_id}/d/{device_id}")))
}

#[derive(Debug, thiserror::Error)]
#[error("user and device ids must be 1-64 characters of [A-Za-z0-9_-]")]
pub struct InvalidPeerIdPart;

/// The access rules applied to one registered document (pure).
pub fn document_access(
    record: &SyncDocumentRecord,
    meeting_state: MeetingState,
    user: &SyncUser,
    meeting_role: Option<MeetingRole>,
) -> Access {
    let facts = SyncDocumentFacts {
        kind: record.kind,
        owner_user_id: record.owner_user_id.as_deref(),
    };
    let viewer = MeetingViewer {
        org_role: user.org_role,
        meeting_role,
    };
    sync_access(facts, &user.user_id, viewer, meeting_state).into()
}

/// Looks the document up in the registry and asks the access rules.
/// Unregistered and forbidden documents both come out as `Deny`, so they
/// look the same to the client. Also returns the document's meeting, so the
/// decision can be re-evaluated when that meeting changes.
pub async fn decide_access(
    store: &Store,
    user: &SyncUser,
    document_id: &DocumentId,
) -> Result<(Access, Option<String>), StoreError> {
    let Some(record) = store.sync_document(&document_id.to_string()).await? else {
        return Ok((Access::Deny, None));
    };
    let Some(meeting) = store.meeting(&record.meeting_id).await? else {
        return Ok((Access::Deny, None));
    };
    let role = store.participant_role(&meeting.id, &user.user_id).await?;
    Ok((
        document_access(&record, meeting.state, user, role),
        Some(meeting.id),
    ))
}

pub fn share_config(access: Access) -> ShareConfig {
    // The server never pushes a document nobody asked for: announcing would
    // send every permitted open document to every peer.
    match access {
        Access::Deny => ShareConfig::none(),
        Access::Read => ShareConfig::read_only().with_announce(false),
        Access::Write => ShareConfig::read_write().with_announce(false),
    }
}

/// Connected peers and the decisions made for them. Cheap to clone.
#[derive(Clone, Default)]
pub struct PeerRegistry {
    inner: Arc<Mutex<RegistryInner>>,
}

#[derive(Default)]
struct RegistryInner {
    peers: HashMap<PeerId, ConnectedPeer>,
    decisions: HashMap<(PeerId, DocumentId), DecisionCell>,
}

struct ConnectedPeer {
    user: SyncUser,
    /// Live sockets of this peer (a peer id is per user and device, so two
    /// tabs on one tablet share it).
    connections: usize,
}

struct DecisionCell {
    /// The meeting of the document, once known (refreshes are per meeting).
    meeting_id: Option<String>,
    sender: watch::Sender<Option<Access>>,
}

impl DecisionCell {
    fn new() -> Self {
        Self {
            meeting_id: None,
            sender: watch::Sender::new(None),
        }
    }
}

/// Keeps a socket's peer registered; unregisters when dropped, even if the
/// socket task panics.
pub struct PeerRegistration {
    registry: PeerRegistry,
    peer_id: PeerId,
}

impl Drop for PeerRegistration {
    fn drop(&mut self) {
        self.registry.unregister(&self.peer_id);
    }
}

/// A decided (peer, document) pair, for re-evaluation.
#[derive(Debug, Clone)]
pub struct DecidedPair {
    pub peer_id: PeerId,
    pub user: SyncUser,
    pub document_id: DocumentId,
}

impl PeerRegistry {
    pub fn register(&self, peer_id: PeerId, user: SyncUser) -> PeerRegistration {
        let mut inner = self.inner.lock().expect("peer registry lock");
        let first_connection = !inner.peers.contains_key(&peer_id);
        let peer = inner
            .peers
            .entry(peer_id.clone())
            .or_insert_with(|| ConnectedPeer {
                user: user.clone(),
                connections: 0,
            });
        // The latest authentication wins (same user and device by construction).
        peer.user = user;
        peer.connections += 1;
        if first_connection {
            // Decisions kept from an earlier connection may be stale: make the
            // bridge decide again. samod keeps its last decision until then.
            for ((cell_peer, _), cell) in inner.decisions.iter() {
                if *cell_peer == peer_id {
                    cell.sender.send_replace(None);
                }
            }
        }
        PeerRegistration {
            registry: self.clone(),
            peer_id,
        }
    }

    fn unregister(&self, peer_id: &PeerId) {
        let mut inner = self.inner.lock().expect("peer registry lock");
        if let Some(peer) = inner.peers.get_mut(peer_id) {
            peer.connections -= 1;
            if peer.connections == 0 {
                inner.peers.remove(peer_id);
            }
        }
        inner.collect_garbage();
    }

    pub fn decision(&self, peer_id: &PeerId, document_id: &DocumentId) -> Option<Access> {
        let inner = self.inner.lock().expect("peer registry lock");
        let cell = inner
            .decisions
            .get(&(peer_id.clone(), document_id.clone()))?;
        let access = *cell.sender.borrow();
        access
    }

    pub fn set_decision(
        &self,
        peer_id: &PeerId,
        document_id: &DocumentId,
        access: Access,
        meeting_id: Option<String>,
    ) {
        let mut inner = self.inner.lock().expect("peer registry lock");
        if !inner.peers.contains_key(peer_id) {
            return;
        }
        let cell = inner
            .decisions
            .entry((peer_id.clone(), document_id.clone()))
            .or_insert_with(DecisionCell::new);
        if meeting_id.is_some() {
            cell.meeting_id = meeting_id;
        }
        cell.sender.send_if_modified(|current| {
            let changed = *current != Some(access);
            *current = Some(access);
            changed
        });
    }

    fn subscribe(
        &self,
        peer_id: &PeerId,
        document_id: &DocumentId,
    ) -> Option<watch::Receiver<Option<Access>>> {
        let mut inner = self.inner.lock().expect("peer registry lock");
        if !inner.peers.contains_key(peer_id) {
            return None;
        }
        Some(
            inner
                .decisions
                .entry((peer_id.clone(), document_id.clone()))
                .or_insert_with(DecisionCell::new)
                .sender
                .subscribe(),
        )
    }

    /// The decided pairs of connected peers whose document belongs to this
    /// meeting.
    pub fn decided_pairs_in_meeting(&self, meeting_id: &str) -> Vec<DecidedPair> {
        let inner = self.inner.lock().expect("peer registry lock");
        inner
            .decisions
            .iter()
            .filter(|(_, cell)| {
                cell.meeting_id.as_deref() == Some(meeting_id) && cell.sender.borrow().is_some()
            })
            .filter_map(|((peer_id, document_id), _)| {
                let peer = inner.peers.get(peer_id)?;
                Some(DecidedPair {
                    peer_id: peer_id.clone(),
                    user: peer.user.clone(),
                    document_id: document_id.clone(),
                })
            })
            .collect()
    }

    /// Live sync sockets.
    pub fn connection_count(&self) -> usize {
        let inner = self.inner.lock().expect("peer registry lock");
        inner.peers.values().map(|peer| peer.connections).sum()
    }
}

impl RegistryInner {
    /// Drops the cells of disconnected peers that samod no longer listens to.
    fn collect_garbage(&mut self) {
        let peers = &self.peers;
        self.decisions.retain(|(peer_id, _), cell| {
            peers.contains_key(peer_id) || cell.sender.receiver_count() > 0
        });
    }
}

/// The `samod::SharePolicy` installed on the repository.
#[derive(Clone)]
pub struct AccessPolicy {
    registry: PeerRegistry,
}

impl AccessPolicy {
    pub fn new(registry: PeerRegistry) -> Self {
        Self { registry }
    }
}

impl samod::SharePolicy for AccessPolicy {
    fn share(
        &self,
        document_id: DocumentId,
        peer_id: PeerId,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static {
        match self.registry.subscribe(&peer_id, &document_id) {
            // Not one of our live sockets (it just closed): deny.
            None => stream::iter([ShareConfig::none()]).left_stream(),
            Some(cell) => decisions(cell).right_stream(),
        }
    }
}

/// The current decision once there is one, then each change. Ends when the
/// cell is dropped; samod keeps the last decision then.
fn decisions(
    cell: watch::Receiver<Option<Access>>,
) -> impl Stream<Item = ShareConfig> + Send + 'static {
    stream::unfold((cell, true), |(mut cell, first)| async move {
        if !first && cell.changed().await.is_err() {
            return None;
        }
        loop {
            let current = *cell.borrow_and_update();
            if let Some(access) = current {
                return Some((share_config(access), (cell, false)));
            }
            if cell.changed().await.is_err() {
                return None;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;
    use phonghop_protocol::api::SyncDocumentKind;
    use samod::SharePolicy as _;

    fn user(id: &str) -> SyncUser {
        SyncUser {
            user_id: id.to_string(),
            org_role: OrgRole::User,
        }
    }

    fn document() -> DocumentId {
        DocumentId::try_from(vec![9u8; 16]).unwrap()
    }

    #[test]
    fn peer_ids_cannot_be_forged_through_separators() {
        assert_eq!(
            peer_id_for("alice", "tab-1").unwrap().as_str(),
            "u/alice/d/tab-1"
        );
        assert!(peer_id_for("alice/d/x", "y").is_err());
        assert!(peer_id_for("alice", "").is_err());
        assert!(peer_id_for("alice", &"x".repeat(65)).is_err());
    }

    #[test]
    fn document_access_follows_the_rules_per_kind() {
        let record = |kind, owner: Option<&str>| SyncDocumentRecord {
            document_id: "d".into(),
            meeting_id: "m".into(),
            kind,
            owner_user_id: owner.map(Into::into),
            agenda_document_id: None,
        };
        let delegate = Some(MeetingRole::Delegate);
        let live = MeetingState::InSession;
        let alice = user("alice");
        assert_eq!(
            document_access(
                &record(SyncDocumentKind::Notebook, Some("alice")),
                live,
                &alice,
                delegate
            ),
            Access::Write
        );
        assert_eq!(
            document_access(
                &record(SyncDocumentKind::Notebook, Some("bob")),
                live,
                &alice,
                delegate
            ),
            Access::Deny
        );
        assert_eq!(
            document_access(
                &record(SyncDocumentKind::Minutes, None),
                live,
                &alice,
                delegate
            ),
            Access::Read
        );
        assert_eq!(
            document_access(
                &record(SyncDocumentKind::SharedLayer, None),
                live,
                &alice,
                None
            ),
            Access::Deny
        );
    }

    #[tokio::test]
    async fn policy_waits_for_the_bridge_then_follows_revocation() {
        let registry = PeerRegistry::default();
        let peer = peer_id_for("alice", "tablet").unwrap();
        let _registration = registry.register(peer.clone(), user("alice"));
        let policy = AccessPolicy::new(registry.clone());
        let mut stream = Box::pin(policy.share(document(), peer.clone()));
        assert!(
            stream.next().now_or_never().is_none(),
            "undecided pairs stay pending"
        );
        registry.set_decision(&peer, &document(), Access::Write, Some("m1".into()));
        assert_eq!(stream.next().await, Some(share_config(Access::Write)));
        assert_eq!(registry.decided_pairs_in_meeting("m1").len(), 1);
        assert!(registry.decided_pairs_in_meeting("m2").is_empty());
        registry.set_decision(&peer, &document(), Access::Deny, None);
        assert_eq!(stream.next().await, Some(ShareConfig::none()));
    }

    #[tokio::test]
    async fn unknown_peers_are_denied() {
        let policy = AccessPolicy::new(PeerRegistry::default());
        let mut stream = Box::pin(policy.share(document(), PeerId::from("stranger")));
        assert_eq!(stream.next().await, Some(ShareConfig::none()));
    }

    #[tokio::test]
    async fn a_cell_samod_still_listens_to_survives_a_reconnect() {
        let registry = PeerRegistry::default();
        let peer = peer_id_for("bob", "tablet").unwrap();
        let first = registry.register(peer.clone(), user("bob"));
        let policy = AccessPolicy::new(registry.clone());
        let mut stream = Box::pin(policy.share(document(), peer.clone()));
        registry.set_decision(&peer, &document(), Access::Read, None);
        assert_eq!(stream.next().await, Some(share_config(Access::Read)));
        drop(first);
        assert_eq!(registry.connection_count(), 0);
        let _second = registry.register(peer.clone(), user("bob"));
        assert_eq!(
            registry.decision(&peer, &document()),
            None,
            "stale decisions are forgotten"
        );
        registry.set_decision(&peer, &document(), Access::Write, None);
        assert_eq!(stream.next().await, Some(share_config(Access::Write)));
    }
}
