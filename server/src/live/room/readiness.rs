//! The readiness board: which devices hold the meeting's agenda pack.
//!
//! A device reports the document versions it holds, each checked against
//! its SHA-256 on the device ([`ReadinessReport`]); the room keeps the last
//! report per device and judges it against the meeting's current pack
//! ([`PackDocument`], set by the engine whenever the meeting changes), so
//! a replaced document turns every device holding only the old version
//! `stale` at once, without waiting for the device. [`judge`] is the rule,
//! pure. Reports are kept in memory: a device reports again after every
//! welcome, so a restarted server learns them within seconds.

use phonghop_protocol::live::{
    DeviceReadiness, HeldDocument, LiveErrorCode, ReadinessStatus, ServerMessage, StaleDocument,
    MAX_HELD_DOCUMENTS,
};

use super::{refuse, Actor, Audience, Broadcast, Plan, Refusal, Room};

/// A document of the agenda pack in its current version: a document of
/// the meeting that is not confidential (a confidential one never leaves
/// the server unstamped, so no device holds it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackDocument {
    pub document_id: String,
    pub version: u32,
    /// Lowercase hex, of the PDF served.
    pub sha256: String,
}

/// One device's last report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessReport {
    pub user_id: String,
    /// Filled in by the engine, which knows the connection's device.
    pub device_id: String,
    pub held: Vec<HeldDocument>,
    pub downloading: bool,
    pub at_ms: i64,
}

/// What a device holds against the pack: its status, how many current
/// versions it holds of how many, and which documents it holds only in an
/// older version. A held entry counts only when its version and SHA-256
/// are the current ones. Stale comes before downloading: the board must
/// say which old version a delegate would read until the new one lands.
pub fn judge(
    pack: &[PackDocument],
    held: &[HeldDocument],
    downloading: bool,
) -> (ReadinessStatus, u32, u32, Vec<StaleDocument>) {
    let mut cached = 0u32;
    let mut stale = Vec::new();
    for document in pack {
        let versions = held
            .iter()
            .filter(|h| h.document_id == document.document_id);
        let mut newest_older: Option<u32> = None;
        let mut current = false;
        for entry in versions {
            if entry.version == document.version && entry.sha256 == document.sha256 {
                current = true;
            } else if entry.version < document.version {
                newest_older = newest_older.max(Some(entry.version));
            }
        }
        if current {
            cached += 1;
        } else if let Some(held_version) = newest_older {
            stale.push(StaleDocument {
                document_id: document.document_id.clone(),
                held_version,
                current_version: document.version,
            });
        }
    }
    let total = pack.len() as u32;
    let status = if cached == total {
        ReadinessStatus::Ready
    } else if !stale.is_empty() {
        ReadinessStatus::Stale
    } else if downloading {
        ReadinessStatus::Downloading
    } else {
        ReadinessStatus::Missing
    };
    (status, cached, total, stale)
}

fn valid_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Room {
    pub(super) fn plan_readiness(
        &self,
        actor: &Actor,
        held: &[HeldDocument],
        downloading: bool,
        now_ms: i64,
    ) -> Result<Plan, Refusal> {
        if held.len() > MAX_HELD_DOCUMENTS {
            return Err(refuse(
                LiveErrorCode::BadRequest,
                "Báo cáo tải tài liệu liệt kê quá nhiều tài liệu.",
                "A readiness report lists too many documents.",
            ));
        }
        if held.iter().any(|h| {
            h.document_id.is_empty() || h.document_id.len() > 200 || !valid_sha256(&h.sha256)
        }) {
            return Err(refuse(
                LiveErrorCode::BadRequest,
                "Mỗi tài liệu đã tải cần có mã và mã SHA-256 (hệ 16, chữ thường).",
                "A held document needs an id and a lowercase hex SHA-256.",
            ));
        }
        Ok(Plan::Readiness(ReadinessReport {
            user_id: actor.user_id.clone(),
            device_id: String::new(),
            held: held.to_vec(),
            downloading,
            at_ms: now_ms,
        }))
    }

    /// The board's entry for a report, against the current pack.
    fn readiness_of(&self, report: &ReadinessReport, online: bool) -> DeviceReadiness {
        let (status, cached_documents, total_documents, stale) =
            judge(&self.pack, &report.held, report.downloading);
        DeviceReadiness {
            user_id: report.user_id.clone(),
            device_id: report.device_id.clone(),
            status,
            cached_documents,
            total_documents,
            stale,
            downloading: report.downloading,
            online,
            at_ms: report.at_ms,
        }
    }

    pub(super) fn apply_readiness(&mut self, report: ReadinessReport) -> Vec<Broadcast> {
        let key = (report.user_id.clone(), report.device_id.clone());
        let readiness = self.readiness_of(&report, true);
        self.readiness_reports.insert(key.clone(), report);
        self.readiness.insert(key, readiness.clone());
        vec![Broadcast {
            audience: Audience::Staff,
            message: ServerMessage::ReadinessChanged { readiness },
        }]
    }

    /// The meeting's pack changed (a document added, replaced, removed,
    /// marked confidential, or the meeting published): judges every
    /// device again and tells staff about those whose entry changed.
    pub fn set_pack(&mut self, pack: Vec<PackDocument>) -> Vec<Broadcast> {
        if pack == self.pack {
            return Vec::new();
        }
        self.pack = pack;
        let mut out = Vec::new();
        for (key, report) in &self.readiness_reports {
            let online = self.readiness.get(key).is_none_or(|r| r.online);
            let mut readiness = self.readiness_of(report, online);
            if let Some(before) = self.readiness.get(key) {
                readiness.at_ms = before.at_ms;
                if *before == readiness {
                    continue;
                }
            }
            self.readiness.insert(key.clone(), readiness.clone());
            out.push(Broadcast {
                audience: Audience::Staff,
                message: ServerMessage::ReadinessChanged { readiness },
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use phonghop_protocol::api::MeetingRole;
    use phonghop_protocol::live::{ClientMessage, LiveErrorCode, ReadinessStatus, ServerMessage};

    use super::super::test_support::*;
    use super::super::{Audience, Plan};
    use super::*;

    fn sha(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    fn pack_of(documents: &[(&str, u32)]) -> Vec<PackDocument> {
        documents
            .iter()
            .map(|(id, version)| PackDocument {
                document_id: (*id).into(),
                version: *version,
                sha256: sha(*version as u8),
            })
            .collect()
    }

    fn held(id: &str, version: u32) -> HeldDocument {
        HeldDocument {
            document_id: id.into(),
            version,
            sha256: sha(version as u8),
        }
    }

    #[test]
    fn a_device_with_every_current_version_is_ready() {
        let pack = pack_of(&[("d1", 1), ("d2", 3)]);
        let (status, cached, total, stale) = judge(&pack, &[held("d1", 1), held("d2", 3)], false);
        assert_eq!((status, cached, total), (ReadinessStatus::Ready, 2, 2));
        assert!(stale.is_empty());
    }

    #[test]
    fn an_older_version_is_stale_and_says_which_even_while_downloading() {
        let pack = pack_of(&[("d1", 1), ("d2", 3)]);
        let (status, cached, _, stale) =
            judge(&pack, &[held("d1", 1), held("d2", 1), held("d2", 2)], true);
        assert_eq!((status, cached), (ReadinessStatus::Stale, 1));
        assert_eq!(
            stale,
            vec![StaleDocument {
                document_id: "d2".into(),
                held_version: 2,
                current_version: 3
            }]
        );
    }

    #[test]
    fn lacking_a_document_is_downloading_or_missing() {
        let pack = pack_of(&[("d1", 1), ("d2", 1)]);
        assert_eq!(
            judge(&pack, &[held("d1", 1)], true).0,
            ReadinessStatus::Downloading
        );
        assert_eq!(
            judge(&pack, &[held("d1", 1)], false).0,
            ReadinessStatus::Missing
        );
        assert_eq!(judge(&pack, &[], false).1, 0);
    }

    #[test]
    fn the_current_version_with_another_hash_does_not_count() {
        let pack = pack_of(&[("d1", 2)]);
        let wrong = HeldDocument {
            sha256: sha(9),
            ..held("d1", 2)
        };
        assert_eq!(judge(&pack, &[wrong], false).0, ReadinessStatus::Missing);
    }

    #[test]
    fn documents_no_longer_in_the_pack_are_not_counted() {
        let pack = pack_of(&[("d1", 1)]);
        let (status, cached, total, _) = judge(&pack, &[held("d1", 1), held("gone", 4)], false);
        assert_eq!((status, cached, total), (ReadinessStatus::Ready, 1, 1));
    }

    #[test]
    fn a_replacement_turns_a_ready_device_stale_at_once_for_staff_only() {
        let mut room = room();
        room.set_pack(pack_of(&[("d1", 1)]));
        let delegate = actor("delegate_a", MeetingRole::Delegate);
        let mut plan = room
            .plan(
                &delegate,
                &ClientMessage::ReportReadiness {
                    id: 1,
                    held: vec![held("d1", 1)],
                    downloading: false,
                },
                5,
                String::new,
            )
            .unwrap();
        if let Plan::Readiness(report) = &mut plan {
            report.device_id = "tablet-7".into();
        }
        room.apply(plan, None);
        let secretary = actor("secretary", MeetingRole::Secretary);
        assert_eq!(
            room.snapshot(&secretary).readiness[0].status,
            ReadinessStatus::Ready
        );

        let events = room.set_pack(pack_of(&[("d1", 2)]));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].audience, Audience::Staff);
        let ServerMessage::ReadinessChanged { readiness } = &events[0].message else {
            panic!("expected readiness_changed, got {:?}", events[0].message);
        };
        assert_eq!(readiness.status, ReadinessStatus::Stale);
        assert_eq!(readiness.device_id, "tablet-7");
        assert!(room.snapshot(&delegate).readiness.is_empty());
        assert!(
            room.set_pack(pack_of(&[("d1", 2)])).is_empty(),
            "the same pack again changes nothing"
        );
    }

    #[test]
    fn a_report_with_a_bad_hash_or_too_many_entries_is_refused() {
        let room = room();
        let delegate = actor("delegate_a", MeetingRole::Delegate);
        let bad = HeldDocument {
            sha256: "ABC".into(),
            ..held("d1", 1)
        };
        let refusal = room
            .plan(
                &delegate,
                &ClientMessage::ReportReadiness {
                    id: 1,
                    held: vec![bad],
                    downloading: false,
                },
                5,
                String::new,
            )
            .unwrap_err();
        assert_eq!(refusal.code, LiveErrorCode::BadRequest);
        let many = vec![held("d1", 1); MAX_HELD_DOCUMENTS + 1];
        assert!(room
            .plan(
                &delegate,
                &ClientMessage::ReportReadiness {
                    id: 2,
                    held: many,
                    downloading: false,
                },
                5,
                String::new,
            )
            .is_err());
    }
}
