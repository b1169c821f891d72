//! Who may see and do what: pure functions over roles and states, used by
//! the REST handlers and the sync policy alike, and tested without I/O.

use phonghop_protocol::api::{MeetingRole, MeetingState, OrgRole, SyncAccess, SyncDocumentKind};

/// What a caller is to one meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingViewer {
    pub org_role: OrgRole,
    /// `None` when the caller is not a participant.
    pub meeting_role: Option<MeetingRole>,
}

impl MeetingViewer {
    /// The meeting's staff: they prepare it and see it as a draft.
    pub fn is_staff(&self) -> bool {
        matches!(
            self.meeting_role,
            Some(MeetingRole::Chair | MeetingRole::Secretary)
        )
    }
}

/// May this caller see the meeting at all? A draft is for its secretary
/// and chair (and administrators); a published meeting for every
/// participant.
pub fn can_see_meeting(viewer: MeetingViewer, state: MeetingState) -> bool {
    if viewer.org_role == OrgRole::Admin || viewer.is_staff() {
        return true;
    }
    viewer.meeting_role.is_some() && state != MeetingState::Draft
}

/// May this caller download the meeting's documents? Participants of a
/// meeting that is not a draft, and its staff. Administrators manage
/// accounts, not content: they do not read documents of meetings they are
/// not part of.
pub fn can_read_documents(viewer: MeetingViewer, state: MeetingState) -> bool {
    if viewer.is_staff() {
        return true;
    }
    viewer.meeting_role.is_some() && !matches!(state, MeetingState::Draft | MeetingState::Cancelled)
}

/// May this reader be given a confidential (mật) document, stamped with
/// their name? Everyone who may read the meeting's documents except remote
/// points: a commune hall's big screen is watched by whoever is in the
/// room, and no name on it says whose copy it is. There is no per-meeting
/// switch: a person who must read mật papers remotely logs in with their
/// own account on a tablet, as a delegate or observer.
pub fn can_read_confidential(viewer: MeetingViewer) -> bool {
    viewer.meeting_role.is_some() && viewer.meeting_role != Some(MeetingRole::RemotePoint)
}

/// May this caller read the meeting's audit trail?
pub fn can_read_audit(viewer: MeetingViewer) -> bool {
    viewer.org_role == OrgRole::Admin || viewer.is_staff()
}

/// May this caller export the meeting's record (biên bản)? Its secretary
/// and chair, who sign it, and administrators, who archive it.
pub fn can_export_record(viewer: MeetingViewer) -> bool {
    viewer.org_role == OrgRole::Admin || viewer.is_staff()
}

/// May this caller hide a shared annotation of the meeting, or show it
/// again? Its chair and secretary, who run the meeting, and no one else:
/// not administrators (accounts, not content), not the author (who may
/// simply remove their own).
pub fn can_hide_annotations(viewer: MeetingViewer, state: MeetingState) -> bool {
    viewer.is_staff() && can_read_documents(viewer, state)
}

/// A registered Automerge document as the access rules need it.
#[derive(Debug, Clone, Copy)]
pub struct SyncDocumentFacts<'a> {
    pub kind: SyncDocumentKind,
    pub owner_user_id: Option<&'a str>,
}

/// Access to one synced document for one user; `None` means deny (and the
/// document then looks absent).
pub fn sync_access(
    document: SyncDocumentFacts<'_>,
    user_id: &str,
    viewer: MeetingViewer,
    state: MeetingState,
) -> Option<SyncAccess> {
    if !can_read_documents(viewer, state) {
        return None;
    }
    let closed = matches!(state, MeetingState::Closed);
    let write_unless_closed = if closed {
        SyncAccess::Read
    } else {
        SyncAccess::Write
    };
    match document.kind {
        // Private notes: their owner only, on every device, even after
        // the meeting (notes stay the delegate's).
        SyncDocumentKind::Notebook => {
            (document.owner_user_id == Some(user_id)).then_some(SyncAccess::Write)
        }
        // A shared layer belongs to its author (`owner_user_id`): only they
        // write it, every other participant (the big screens too) reads it,
        // so no one can remove or change another's shared ink, and the
        // author shown is the owner the server registered. A layer without
        // an owner is one of the single layers every participant wrote
        // before layers had authors: kept readable, written by no one.
        SyncDocumentKind::SharedLayer => match (viewer.meeting_role, document.owner_user_id) {
            (None, _) => None,
            (Some(MeetingRole::RemotePoint), _) => Some(SyncAccess::Read),
            (Some(_), Some(owner)) if owner == user_id => Some(write_unless_closed),
            (Some(_), _) => Some(SyncAccess::Read),
        },
        // The minutes: staff write, everyone else in the meeting reads.
        SyncDocumentKind::Minutes => {
            if viewer.is_staff() {
                Some(write_unless_closed)
            } else {
                Some(SyncAccess::Read)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Option<MeetingRole>) -> MeetingViewer {
        MeetingViewer {
            org_role: OrgRole::User,
            meeting_role: role,
        }
    }

    #[test]
    fn drafts_are_seen_only_by_staff_and_admins() {
        let draft = MeetingState::Draft;
        assert!(can_see_meeting(viewer(Some(MeetingRole::Secretary)), draft));
        assert!(can_see_meeting(viewer(Some(MeetingRole::Chair)), draft));
        assert!(!can_see_meeting(viewer(Some(MeetingRole::Delegate)), draft));
        assert!(!can_read_documents(
            viewer(Some(MeetingRole::Delegate)),
            draft
        ));
        let admin = MeetingViewer {
            org_role: OrgRole::Admin,
            meeting_role: None,
        };
        assert!(can_see_meeting(admin, draft));
        assert!(!can_read_documents(admin, MeetingState::Published));
    }

    #[test]
    fn outsiders_see_nothing_of_a_published_meeting() {
        let published = MeetingState::Published;
        assert!(!can_see_meeting(viewer(None), published));
        assert!(!can_read_documents(viewer(None), published));
        assert!(can_read_documents(
            viewer(Some(MeetingRole::RemotePoint)),
            published
        ));
    }

    #[test]
    fn remote_points_never_read_confidential_documents() {
        assert!(!can_read_confidential(viewer(Some(
            MeetingRole::RemotePoint
        ))));
        assert!(!can_read_confidential(viewer(None)));
        for role in [
            MeetingRole::Chair,
            MeetingRole::Secretary,
            MeetingRole::Delegate,
            MeetingRole::Observer,
        ] {
            assert!(can_read_confidential(viewer(Some(role))), "{role:?}");
        }
    }

    #[test]
    fn notebook_belongs_to_its_owner_alone() {
        let notebook = SyncDocumentFacts {
            kind: SyncDocumentKind::Notebook,
            owner_user_id: Some("u_a"),
        };
        let delegate = viewer(Some(MeetingRole::Delegate));
        assert_eq!(
            sync_access(notebook, "u_a", delegate, MeetingState::InSession),
            Some(SyncAccess::Write)
        );
        assert_eq!(
            sync_access(notebook, "u_b", delegate, MeetingState::InSession),
            None
        );
        assert_eq!(
            sync_access(
                notebook,
                "u_b",
                viewer(Some(MeetingRole::Chair)),
                MeetingState::InSession
            ),
            None
        );
    }

    #[test]
    fn minutes_are_written_by_staff_and_read_by_participants() {
        let minutes = SyncDocumentFacts {
            kind: SyncDocumentKind::Minutes,
            owner_user_id: None,
        };
        let state = MeetingState::InSession;
        assert_eq!(
            sync_access(minutes, "u", viewer(Some(MeetingRole::Secretary)), state),
            Some(SyncAccess::Write)
        );
        assert_eq!(
            sync_access(minutes, "u", viewer(Some(MeetingRole::Chair)), state),
            Some(SyncAccess::Write)
        );
        assert_eq!(
            sync_access(minutes, "u", viewer(Some(MeetingRole::Delegate)), state),
            Some(SyncAccess::Read)
        );
        assert_eq!(sync_access(minutes, "u", viewer(None), state), None);
        assert_eq!(
            sync_access(
                minutes,
                "u",
                viewer(Some(MeetingRole::Secretary)),
                MeetingState::Closed
            ),
            Some(SyncAccess::Read)
        );
    }

    #[test]
    fn a_shared_layer_is_written_by_its_author_alone_and_read_by_the_meeting() {
        let layer_of_a = SyncDocumentFacts {
            kind: SyncDocumentKind::SharedLayer,
            owner_user_id: Some("u_a"),
        };
        let state = MeetingState::InSession;
        let delegate = viewer(Some(MeetingRole::Delegate));
        assert_eq!(
            sync_access(layer_of_a, "u_a", delegate, state),
            Some(SyncAccess::Write)
        );
        // Another delegate, the chair and the secretary read it: hiding is
        // a moderation record, never a change to the author's layer.
        for role in [
            MeetingRole::Delegate,
            MeetingRole::Observer,
            MeetingRole::Chair,
            MeetingRole::Secretary,
            MeetingRole::RemotePoint,
        ] {
            assert_eq!(
                sync_access(layer_of_a, "u_b", viewer(Some(role)), state),
                Some(SyncAccess::Read),
                "{role:?}"
            );
        }
        // A remote point's own account never writes one, even its own.
        assert_eq!(
            sync_access(
                layer_of_a,
                "u_a",
                viewer(Some(MeetingRole::RemotePoint)),
                state
            ),
            Some(SyncAccess::Read)
        );
        assert_eq!(sync_access(layer_of_a, "u_b", viewer(None), state), None);
        assert_eq!(
            sync_access(layer_of_a, "u_a", delegate, MeetingState::Closed),
            Some(SyncAccess::Read)
        );
        assert_eq!(
            sync_access(layer_of_a, "u_a", delegate, MeetingState::Draft),
            None
        );
    }

    #[test]
    fn a_shared_layer_without_an_author_is_read_only_for_everyone() {
        let old_layer = SyncDocumentFacts {
            kind: SyncDocumentKind::SharedLayer,
            owner_user_id: None,
        };
        for role in [
            MeetingRole::Delegate,
            MeetingRole::Chair,
            MeetingRole::Secretary,
            MeetingRole::RemotePoint,
        ] {
            assert_eq!(
                sync_access(
                    old_layer,
                    "u_a",
                    viewer(Some(role)),
                    MeetingState::InSession
                ),
                Some(SyncAccess::Read),
                "{role:?}"
            );
        }
    }
}

/// Where a meeting may go from where it is.
pub fn transition_allowed(from: MeetingState, to: MeetingState) -> bool {
    use MeetingState::*;
    matches!(
        (from, to),
        (Draft, Published)
            | (Draft, Cancelled)
            | (Published, InSession)
            | (Published, Cancelled)
            | (InSession, Closed)
    )
}

/// May the meeting's content (details, participants, agenda, documents)
/// still change? Not once it is closed or cancelled: it is a record then.
pub fn meeting_editable(state: MeetingState) -> bool {
    !matches!(state, MeetingState::Closed | MeetingState::Cancelled)
}

/// May this caller edit the meeting? Its secretary and chair, and
/// administrators.
pub fn can_edit_meeting(viewer: MeetingViewer) -> bool {
    viewer.is_staff() || viewer.org_role == OrgRole::Admin
}

/// May this caller create meetings? Secretaries and administrators.
pub fn can_create_meetings(org_role: OrgRole) -> bool {
    matches!(org_role, OrgRole::Secretary | OrgRole::Admin)
}

#[cfg(test)]
mod lifecycle_tests {
    use super::*;

    #[test]
    fn meetings_move_forward_only() {
        use MeetingState::*;
        assert!(transition_allowed(Draft, Published));
        assert!(transition_allowed(Published, InSession));
        assert!(transition_allowed(InSession, Closed));
        assert!(!transition_allowed(Closed, InSession));
        assert!(!transition_allowed(Published, Draft));
        assert!(!transition_allowed(Cancelled, Published));
        assert!(!transition_allowed(InSession, Cancelled));
        assert!(!meeting_editable(Closed));
        assert!(meeting_editable(InSession));
    }

    #[test]
    fn only_staff_and_admins_edit_and_only_secretaries_create() {
        let delegate = MeetingViewer {
            org_role: OrgRole::User,
            meeting_role: Some(MeetingRole::Delegate),
        };
        let chair = MeetingViewer {
            org_role: OrgRole::User,
            meeting_role: Some(MeetingRole::Chair),
        };
        assert!(!can_edit_meeting(delegate));
        assert!(can_edit_meeting(chair));
        assert!(can_create_meetings(OrgRole::Secretary));
        assert!(!can_create_meetings(OrgRole::User));
    }
}
