//! Who is behind each peer id, and what each may do with each document.
//!
//! The socket decides: the first time a peer mentions a document it looks
//! up the registry record and `access::sync_access`, and records the
//! decision here, keyed by (peer, document), with the document's meeting.
//! A meeting that changes (state, roles, participants) re-decides its pairs
//! (`SyncService::refresh_meeting_access`); sockets read the decision on
//! every message in and out, so a revocation takes effect at the next
//! message. Decisions are forgotten with the peer's last connection.
//!
//! [`peer_id_for`] is the peer id a socket is bound to,
//! `u/{user}/d/{device}`. Decisions are also kept per (user, document), a
//! cache from which a user's other devices take theirs;
//! [`decide_meeting_access`] decides one user's pairs for every document
//! of a meeting in three or four queries; [`document_access`] is the pure
//! rule over `access::sync_access`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use phonghop_protocol::api::{MeetingRole, MeetingState, OrgRole, SyncAccess};

use super::DocumentId;
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

/// A peer id on the wire (`u/{user}/d/{device}` for our clients).
pub type PeerId = String;

/// The one authenticated identity a socket may use on the wire. The client
/// cannot pick it: the socket closes a connection whose `join` (or any
/// later message) names another id.
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
    Ok(format!("u/{user_id}/d/{device_id}"))
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

/// [`document_access`], and whoever may not read confidential documents
/// (a remote point: [`crate::access::can_read_confidential`], the rule the
/// meeting view applies) is denied the shared layer of one too.
/// `confidential` holds the ids of the meeting's agenda documents marked
/// confidential; it is only looked at for such a user (see
/// [`needs_confidential_ids`]).
pub fn meeting_document_access(
    record: &SyncDocumentRecord,
    meeting_state: MeetingState,
    user: &SyncUser,
    meeting_role: Option<MeetingRole>,
    confidential: &HashSet<String>,
) -> Access {
    let annotates_confidential = record
        .agenda_document_id
        .as_ref()
        .is_some_and(|document| confidential.contains(document));
    if annotates_confidential && needs_confidential_ids(user, meeting_role) {
        return Access::Deny;
    }
    document_access(record, meeting_state, user, meeting_role)
}

/// Whether deciding for this user needs the meeting's confidential document
/// ids: only users who may not read confidential documents do, so the query
/// is skipped for everyone else.
pub fn needs_confidential_ids(user: &SyncUser, meeting_role: Option<MeetingRole>) -> bool {
    !crate::access::can_read_confidential(MeetingViewer {
        org_role: user.org_role,
        meeting_role,
    })
}

/// The ids of a meeting's agenda documents marked confidential.
pub async fn confidential_documents(
    store: &Store,
    meeting_id: &str,
) -> Result<HashSet<String>, StoreError> {
    Ok(store
        .documents_of_meeting(meeting_id)
        .await?
        .into_iter()
        .filter(|(document, _)| document.confidential)
        .map(|(document, _)| document.id)
        .collect())
}

/// The decisions for every document of a meeting, for one user: a tablet
/// opens all of them at once (30 shared layers, its notebook, the minutes),
/// so deciding them together costs three queries (four for a user who may
/// not read confidential documents) instead of three per document. `None` when the document is not registered (or its meeting is
/// gone): only that document is denied.
pub async fn decide_meeting_access(
    store: &Store,
    user: &SyncUser,
    document_id: &DocumentId,
) -> Result<Option<MeetingDecisions>, StoreError> {
    let Some(record) = store.sync_document(&document_id.to_string()).await? else {
        return Ok(None);
    };
    let Some(meeting) = store.meeting(&record.meeting_id).await? else {
        return Ok(None);
    };
    let role = store.participant_role(&meeting.id, &user.user_id).await?;
    let confidential = if needs_confidential_ids(user, role) {
        confidential_documents(store, &meeting.id).await?
    } else {
        HashSet::new()
    };
    let decisions = store
        .sync_documents_of_meeting(&meeting.id)
        .await?
        .iter()
        .filter_map(|record| {
            let id = record.document_id.parse::<DocumentId>().ok()?;
            Some((
                id,
                meeting_document_access(record, meeting.state, user, role, &confidential),
            ))
        })
        .collect();
    Ok(Some(MeetingDecisions {
        meeting_id: meeting.id,
        decisions,
    }))
}

#[derive(Debug, Clone)]
pub struct MeetingDecisions {
    pub meeting_id: String,
    pub decisions: Vec<(DocumentId, Access)>,
}

/// Connected peers and the decisions made for them. Cheap to clone.
#[derive(Clone, Default)]
pub struct PeerRegistry {
    inner: Arc<Mutex<RegistryInner>>,
    /// Bumped whenever a (peer, document) decision is set or changed, so a
    /// socket may keep its own copies of its decisions and look at this
    /// counter instead of taking the lock on every message.
    epoch: Arc<AtomicU64>,
}

#[derive(Default)]
struct RegistryInner {
    peers: HashMap<PeerId, ConnectedPeer>,
    /// Peer → document → decision (nested, so a lookup borrows the peer id
    /// instead of cloning it: sockets look on every message).
    decisions: HashMap<PeerId, HashMap<DocumentId, Decision>>,
    /// Decided per user and meeting (`decide_meeting_access`), from which
    /// each of the user's peers takes its decisions: 500 tablets of 50
    /// users cost 50 decisions, not 500 × documents. Dropped when the
    /// meeting changes and with the user's last connection.
    user_decisions: HashMap<(String, DocumentId), Decision>,
}

struct ConnectedPeer {
    user: SyncUser,
    /// Live sockets of this peer (a peer id is per user and device, so two
    /// tabs on one tablet share it).
    connections: usize,
}

struct Decision {
    access: Access,
    /// The meeting of the document, once known (refreshes are per meeting).
    meeting_id: Option<String>,
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
        let mut inner = self.lock();
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
        PeerRegistration {
            registry: self.clone(),
            peer_id,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RegistryInner> {
        self.inner.lock().expect("peer registry lock")
    }

    fn unregister(&self, peer_id: &PeerId) {
        let mut inner = self.lock();
        if let Some(peer) = inner.peers.get_mut(peer_id) {
            peer.connections -= 1;
            if peer.connections == 0 {
                let user_id = peer.user.user_id.clone();
                inner.peers.remove(peer_id);
                // Decided again on the next connection: rights may change
                // while a tablet is away.
                inner.decisions.remove(peer_id);
                if !inner
                    .peers
                    .values()
                    .any(|peer| peer.user.user_id == user_id)
                {
                    inner.user_decisions.retain(|(user, _), _| *user != user_id);
                }
            }
        }
    }

    /// Changes whenever any decision was set since it was last read.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    pub fn decision(&self, peer_id: &PeerId, document_id: &DocumentId) -> Option<Access> {
        self.lock()
            .decisions
            .get(peer_id)?
            .get(document_id)
            .map(|decision| decision.access)
    }

    pub fn set_decision(
        &self,
        peer_id: &PeerId,
        document_id: &DocumentId,
        access: Access,
        meeting_id: Option<String>,
    ) {
        let mut inner = self.lock();
        if !inner.peers.contains_key(peer_id) {
            return;
        }
        let decision = inner
            .decisions
            .entry(peer_id.clone())
            .or_default()
            .entry(*document_id)
            .or_insert(Decision {
                access,
                meeting_id: None,
            });
        decision.access = access;
        if meeting_id.is_some() {
            decision.meeting_id = meeting_id;
        }
        // Under the lock: a socket that reads the new epoch sees this
        // decision.
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// The user's decision for a document, if their meeting was decided.
    pub fn user_decision(
        &self,
        user_id: &str,
        document_id: &DocumentId,
    ) -> Option<(Access, Option<String>)> {
        self.lock()
            .user_decisions
            .get(&(user_id.to_owned(), *document_id))
            .map(|decision| (decision.access, decision.meeting_id.clone()))
    }

    /// Records a user's decisions for a whole meeting (while they have a
    /// connected peer).
    pub fn set_user_decisions(&self, user_id: &str, decided: &MeetingDecisions) {
        let mut inner = self.lock();
        if !inner
            .peers
            .values()
            .any(|peer| peer.user.user_id == user_id)
        {
            return;
        }
        for (document_id, access) in &decided.decisions {
            inner.user_decisions.insert(
                (user_id.to_owned(), *document_id),
                Decision {
                    access: *access,
                    meeting_id: Some(decided.meeting_id.clone()),
                },
            );
        }
    }

    /// Forgets the per-user decisions of a meeting that changed.
    pub fn forget_user_decisions(&self, meeting_id: &str) {
        self.lock()
            .user_decisions
            .retain(|_, decision| decision.meeting_id.as_deref() != Some(meeting_id));
    }

    /// The decided pairs of connected peers whose document belongs to this
    /// meeting.
    pub fn decided_pairs_in_meeting(&self, meeting_id: &str) -> Vec<DecidedPair> {
        let inner = self.lock();
        let mut pairs = Vec::new();
        for (peer_id, documents) in &inner.decisions {
            let Some(peer) = inner.peers.get(peer_id) else {
                continue;
            };
            for (document_id, decision) in documents {
                if decision.meeting_id.as_deref() == Some(meeting_id) {
                    pairs.push(DecidedPair {
                        peer_id: peer_id.clone(),
                        user: peer.user.clone(),
                        document_id: *document_id,
                    });
                }
            }
        }
        pairs
    }

    /// Live sync sockets.
    pub fn connection_count(&self) -> usize {
        self.lock()
            .peers
            .values()
            .map(|peer| peer.connections)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonghop_protocol::api::SyncDocumentKind;

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
    fn a_remote_point_is_denied_the_shared_layer_of_a_confidential_document() {
        let layer_of = |document: &str| SyncDocumentRecord {
            document_id: "d".into(),
            meeting_id: "m".into(),
            kind: SyncDocumentKind::SharedLayer,
            owner_user_id: None,
            agenda_document_id: Some(document.into()),
        };
        let confidential: HashSet<String> = ["secret".to_string()].into();
        let state = MeetingState::InSession;
        let remote = Some(MeetingRole::RemotePoint);
        assert_eq!(
            meeting_document_access(
                &layer_of("secret"),
                state,
                &user("u"),
                remote,
                &confidential
            ),
            Access::Deny
        );
        assert_eq!(
            meeting_document_access(&layer_of("open"), state, &user("u"), remote, &confidential),
            document_access(&layer_of("open"), state, &user("u"), remote)
        );
        assert_ne!(
            document_access(&layer_of("open"), state, &user("u"), remote),
            Access::Deny
        );
        // Members of the meeting keep their access to it.
        let delegate = Some(MeetingRole::Delegate);
        assert_eq!(
            meeting_document_access(
                &layer_of("secret"),
                state,
                &user("u"),
                delegate,
                &confidential
            ),
            document_access(&layer_of("secret"), state, &user("u"), delegate)
        );
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

    #[test]
    fn decisions_follow_revocation_and_are_forgotten_with_the_last_connection() {
        let registry = PeerRegistry::default();
        let peer = peer_id_for("alice", "tablet").unwrap();
        let first = registry.register(peer.clone(), user("alice"));
        registry.set_decision(&peer, &document(), Access::Write, Some("m1".into()));
        assert_eq!(registry.decision(&peer, &document()), Some(Access::Write));
        assert_eq!(registry.decided_pairs_in_meeting("m1").len(), 1);
        assert!(registry.decided_pairs_in_meeting("m2").is_empty());
        // Sockets keep copies of their decisions while the epoch stands
        // still: a revocation moves it.
        let epoch = registry.epoch();
        registry.set_decision(&peer, &document(), Access::Deny, None);
        assert_ne!(registry.epoch(), epoch);
        assert_eq!(registry.decision(&peer, &document()), Some(Access::Deny));
        assert_eq!(registry.decided_pairs_in_meeting("m1").len(), 1);
        drop(first);
        assert_eq!(registry.connection_count(), 0);
        let _second = registry.register(peer.clone(), user("alice"));
        assert_eq!(registry.decision(&peer, &document()), None);
        // Unknown peers get no decision recorded.
        let stranger = peer_id_for("mallory", "x").unwrap();
        registry.set_decision(&stranger, &document(), Access::Write, None);
        assert_eq!(registry.decision(&stranger, &document()), None);
    }

    #[test]
    fn a_users_meeting_decisions_serve_all_their_devices_until_the_meeting_changes() {
        let registry = PeerRegistry::default();
        let tablet = registry.register(peer_id_for("alice", "tablet").unwrap(), user("alice"));
        let decided = MeetingDecisions {
            meeting_id: "m1".into(),
            decisions: vec![(document(), Access::Read)],
        };
        registry.set_user_decisions("alice", &decided);
        let phone = registry.register(peer_id_for("alice", "phone").unwrap(), user("alice"));
        assert_eq!(
            registry.user_decision("alice", &document()),
            Some((Access::Read, Some("m1".into())))
        );
        assert_eq!(registry.user_decision("bob", &document()), None);
        registry.forget_user_decisions("m1");
        assert_eq!(registry.user_decision("alice", &document()), None);
        registry.set_user_decisions("alice", &decided);
        drop(tablet);
        assert!(registry.user_decision("alice", &document()).is_some());
        drop(phone);
        assert_eq!(registry.user_decision("alice", &document()), None);
        // Not recorded for a user with no connection.
        registry.set_user_decisions("alice", &decided);
        assert_eq!(registry.user_decision("alice", &document()), None);
    }
}
