//! The verifier against every way of tampering it must catch, on logs
//! built in memory (the e2e test `tests/tests/audit_checkpoints.rs` does
//! it to the real binary's database).

use super::checkpoint::{self, to_line};
use super::key::AuditKey;
use super::verify::{verify, AuditReport, FindingKind, VerifyInput};
use crate::store::{AuditCheckpointRecord, AuditEntry, AuditHead, GENESIS_HASH};

/// A chained log of `count` entries.
fn chain(count: i64) -> Vec<AuditEntry> {
    let mut entries: Vec<AuditEntry> = (1..=count)
        .map(|seq| AuditEntry {
            seq,
            at: 1_796_094_000_000 + seq * 1000,
            actor_user_id: Some("u_thuky".into()),
            meeting_id: Some("m_1".into()),
            action: "meeting.update".into(),
            details: format!("{{\"n\":{seq}}}"),
            prev_hash: String::new(),
            hash: String::new(),
        })
        .collect();
    rehash(&mut entries);
    entries
}

/// Recomputes every link and hash, as someone who knows the (public)
/// hashing rule would after rewriting entries.
fn rehash(entries: &mut [AuditEntry]) {
    let mut prev = GENESIS_HASH.to_owned();
    for entry in entries.iter_mut() {
        entry.prev_hash = prev;
        entry.hash = entry.compute_hash();
        prev = entry.hash.clone();
    }
}

fn head_of(entries: &[AuditEntry], seq: i64) -> AuditHead {
    let entry = &entries[(seq - 1) as usize];
    AuditHead {
        seq: entry.seq,
        hash: entry.hash.clone(),
    }
}

/// The key, and checkpoints numbered 1… at the given entries.
fn checkpoints_at(entries: &[AuditEntry], seqs: &[i64]) -> (AuditKey, Vec<AuditCheckpointRecord>) {
    let (key, _) = AuditKey::generate().unwrap();
    let checkpoints = seqs
        .iter()
        .enumerate()
        .map(|(index, &seq)| {
            checkpoint::sign(
                &key,
                index as i64 + 1,
                &head_of(entries, seq),
                1_796_094_000_000 + seq * 1000 + 500,
            )
        })
        .collect();
    (key, checkpoints)
}

fn file_of(checkpoints: &[AuditCheckpointRecord]) -> String {
    checkpoints.iter().map(to_line).collect()
}

fn run(
    entries: &[AuditEntry],
    rows: &[AuditCheckpointRecord],
    file: Option<&str>,
    key: &AuditKey,
) -> AuditReport {
    verify(VerifyInput {
        entries,
        checkpoint_rows: rows,
        checkpoint_file: file,
        public_key: Some(key.public()),
        require_checkpoints: false,
    })
}

fn kinds(report: &AuditReport) -> Vec<FindingKind> {
    report.findings.iter().map(|finding| finding.kind).collect()
}

#[test]
fn an_untouched_log_with_checkpoints_is_intact() {
    let entries = chain(10);
    let (key, rows) = checkpoints_at(&entries, &[3, 7, 10]);
    let report = run(&entries, &rows, Some(&file_of(&rows)), &key);
    assert!(report.intact(), "{:?}", report.findings);
    assert_eq!(report.entries, 10);
    assert_eq!(report.checkpoints_verified, 3);
    assert_eq!(report.newest_checkpoint.unwrap().seq, 10);
}

#[test]
fn an_entry_changed_in_place_is_named() {
    let mut entries = chain(10);
    let (key, rows) = checkpoints_at(&entries, &[10]);
    entries[4].details = "{\"n\":500}".into();
    let report = run(&entries, &rows, Some(&file_of(&rows)), &key);
    assert_eq!(kinds(&report), [FindingKind::EntryChanged]);
    assert_eq!(report.first_seq(), Some(5));
    assert!(report.findings[0].en.contains("entry 5 was changed"));
    assert!(report.findings[0].vi.contains("mục 5 đã bị sửa"));
}

#[test]
fn an_entry_changed_with_every_later_hash_recomputed_is_caught_by_the_next_checkpoint() {
    let mut entries = chain(10);
    let (key, rows) = checkpoints_at(&entries, &[3, 8]);
    entries[4].details = "{\"n\":500}".into();
    rehash(&mut entries);
    let report = run(&entries, &rows, Some(&file_of(&rows)), &key);
    assert_eq!(kinds(&report), [FindingKind::ChainRewritten]);
    // Entries up to 3 are vouched for by checkpoint 1; the change is in 4..=8.
    assert_eq!(report.first_seq(), Some(4));
    assert!(report.findings[0].en.contains("between entries 4 and 8"));
}

#[test]
fn a_deleted_middle_entry_is_named() {
    let mut entries = chain(10);
    let (key, rows) = checkpoints_at(&entries, &[10]);
    entries.remove(5);
    let report = run(&entries, &rows, Some(&file_of(&rows)), &key);
    assert_eq!(kinds(&report), [FindingKind::EntriesDeleted]);
    assert_eq!(report.first_seq(), Some(6));
    assert!(report.findings[0].en.contains("entry 6 was deleted"));
}

#[test]
fn a_cut_tail_after_a_checkpoint_is_detected() {
    let mut entries = chain(10);
    let (key, rows) = checkpoints_at(&entries, &[4, 9]);
    entries.truncate(7);
    let report = run(&entries, &rows, Some(&file_of(&rows)), &key);
    assert_eq!(kinds(&report), [FindingKind::EntriesDeleted]);
    assert_eq!(report.first_seq(), Some(8));
    assert!(report.findings[0]
        .en
        .contains("entries 8 to 9 were deleted"));
}

#[test]
fn a_cut_tail_with_no_checkpoint_after_it_is_not_detectable() {
    // The limit SECURITY.md states: entries after the newest checkpoint.
    let mut entries = chain(10);
    let (key, rows) = checkpoints_at(&entries, &[6]);
    entries.truncate(8);
    assert!(run(&entries, &rows, Some(&file_of(&rows)), &key).intact());
}

#[test]
fn an_entry_inserted_between_two_others_is_named() {
    let mut entries = chain(10);
    let (key, rows) = checkpoints_at(&entries, &[10]);
    // Slipped in as entry 5, linked and hashed properly; the later entries
    // renumbered but otherwise untouched.
    let mut inserted = entries[4].clone();
    inserted.details = "{\"forged\":true}".into();
    inserted.prev_hash = entries[3].hash.clone();
    inserted.hash = inserted.compute_hash();
    entries.insert(4, inserted);
    for (index, entry) in entries.iter_mut().enumerate().skip(5) {
        entry.seq = index as i64 + 1;
    }
    let report = run(&entries, &rows, Some(&file_of(&rows)), &key);
    assert_eq!(report.findings[0].kind, FindingKind::EntryInserted);
    assert_eq!(report.first_seq(), Some(5));
    assert!(report.findings[0].en.contains("entry 5 was inserted"));
}

#[test]
fn an_inserted_entry_with_the_chain_recomputed_is_caught_by_the_checkpoint() {
    let mut entries = chain(10);
    let (key, rows) = checkpoints_at(&entries, &[2, 10]);
    let mut inserted = entries[4].clone();
    inserted.details = "{\"forged\":true}".into();
    entries.insert(4, inserted);
    for (index, entry) in entries.iter_mut().enumerate() {
        entry.seq = index as i64 + 1;
    }
    rehash(&mut entries);
    let report = run(&entries, &rows, Some(&file_of(&rows)), &key);
    assert_eq!(kinds(&report), [FindingKind::ChainRewritten]);
    assert_eq!(report.first_seq(), Some(3));
}

#[test]
fn deleted_checkpoint_rows_are_detected_from_the_file() {
    let entries = chain(10);
    let (key, rows) = checkpoints_at(&entries, &[3, 6, 9]);
    let file = file_of(&rows);
    let report = run(&entries, &rows[..1], Some(&file), &key);
    assert_eq!(
        kinds(&report),
        [
            FindingKind::CheckpointMismatch,
            FindingKind::CheckpointMismatch
        ]
    );
    assert_eq!(report.first_seq(), Some(6));
    assert!(report.findings[0]
        .en
        .contains("checkpoint 2 (entry 6, 2026-"));
    assert!(report.findings[0].en.contains("its row was deleted"));
}

#[test]
fn rows_and_tail_deleted_together_are_both_reported() {
    // The attack the file is for: cut the tail and the checkpoints that
    // would betray it, in the database only.
    let mut entries = chain(10);
    let (key, rows) = checkpoints_at(&entries, &[4, 10]);
    let file = file_of(&rows);
    entries.truncate(6);
    let report = run(&entries, &rows[..1], Some(&file), &key);
    assert!(kinds(&report).contains(&FindingKind::EntriesDeleted));
    assert!(kinds(&report).contains(&FindingKind::CheckpointMismatch));
    assert_eq!(report.first_seq(), Some(7));
}

#[test]
fn a_line_removed_from_the_file_is_detected_from_the_rows() {
    let entries = chain(10);
    let (key, rows) = checkpoints_at(&entries, &[3, 6]);
    let report = run(&entries, &rows, Some(&file_of(&rows[..1])), &key);
    assert_eq!(kinds(&report), [FindingKind::CheckpointMismatch]);
    assert!(report.findings[0]
        .en
        .contains("not in audit-checkpoints.log"));
}

#[test]
fn a_missing_file_is_reported() {
    let entries = chain(4);
    let (key, rows) = checkpoints_at(&entries, &[4]);
    let report = run(&entries, &rows, None, &key);
    assert_eq!(kinds(&report), [FindingKind::FileMissing]);
}

#[test]
fn a_forged_signature_is_detected() {
    let entries = chain(10);
    let (key, mut rows) = checkpoints_at(&entries, &[5]);
    let (forger, _) = AuditKey::generate().unwrap();
    // Someone without the key moves the checkpoint back to entry 3 and
    // signs it with a key of their own under the server's key id.
    let forged = checkpoint::sign(&forger, 1, &head_of(&entries, 3), rows[0].at);
    rows[0] = AuditCheckpointRecord {
        key_id: rows[0].key_id.clone(),
        ..forged
    };
    let report = run(&entries, &rows, Some(&file_of(&rows)), &key);
    assert_eq!(
        kinds(&report),
        [FindingKind::ForgedCheckpoint, FindingKind::ForgedCheckpoint]
    );
    assert_eq!(report.checkpoints_verified, 0);
    assert!(report.findings[0].en.contains("does not hold"));
}

#[test]
fn a_row_edited_without_the_key_differs_from_the_file() {
    let entries = chain(10);
    let (key, rows) = checkpoints_at(&entries, &[5]);
    let file = file_of(&rows);
    let mut edited = rows.clone();
    edited[0].seq = 4;
    edited[0].hash = entries[3].hash.clone();
    let report = run(&entries, &edited, Some(&file), &key);
    assert!(kinds(&report).contains(&FindingKind::ForgedCheckpoint));
    assert!(kinds(&report).contains(&FindingKind::CheckpointMismatch));
}

#[test]
fn a_corrupt_file_line_is_reported_with_its_number_not_a_crash() {
    let entries = chain(6);
    let (key, rows) = checkpoints_at(&entries, &[2, 6]);
    let mut file = file_of(&rows[..1]);
    file.push_str("v1 garbage\u{fffd} line\n");
    file.push_str(&to_line(&rows[1]));
    let report = run(&entries, &rows, Some(&file), &key);
    assert_eq!(kinds(&report), [FindingKind::UnreadableLine]);
    assert!(report.findings[0]
        .en
        .starts_with("line 2 of audit-checkpoints.log cannot be read"));
}

#[test]
fn checkpoints_of_another_key_in_the_database_are_counted_not_trusted() {
    let entries = chain(6);
    let (key, mut rows) = checkpoints_at(&entries, &[3]);
    let (_, other) = checkpoints_at(&entries, &[6]);
    rows.extend(other);
    let report = run(&entries, &rows, Some(&file_of(&rows[..1])), &key);
    assert!(report.intact(), "{:?}", report.findings);
    assert_eq!(report.other_key_rows, 1);
    assert_eq!(report.checkpoints_verified, 1);
}

#[test]
fn without_a_key_only_the_chain_is_checked() {
    let mut entries = chain(5);
    assert!(verify(VerifyInput {
        entries: &entries,
        checkpoint_rows: &[],
        checkpoint_file: None,
        public_key: None,
        require_checkpoints: false,
    })
    .intact());
    entries[1].action = "meeting.delete".into();
    let report = verify(VerifyInput {
        entries: &entries,
        checkpoint_rows: &[],
        checkpoint_file: None,
        public_key: None,
        require_checkpoints: false,
    });
    assert_eq!(report.first_seq(), Some(2));
}

#[test]
fn with_the_auditors_key_a_log_stripped_of_every_checkpoint_is_not_intact() {
    let entries = chain(5);
    let (key, _) = AuditKey::generate().unwrap();
    let input = VerifyInput {
        entries: &entries,
        checkpoint_rows: &[],
        checkpoint_file: None,
        public_key: Some(key.public()),
        require_checkpoints: true,
    };
    assert_eq!(kinds(&verify(input)), [FindingKind::NoCheckpoint]);
    assert!(verify(VerifyInput {
        require_checkpoints: false,
        ..input
    })
    .intact());
    assert!(verify(VerifyInput {
        entries: &[],
        ..input
    })
    .intact());
}

#[tokio::test]
async fn the_server_writes_each_checkpoint_to_the_file_and_a_row_and_verify_agrees() {
    use super::AuditCheckpoints;
    use crate::store::NewAuditEntry;

    for (backend, store, _guard) in crate::store::conformance::backends().await {
        let dir = tempfile::tempdir().unwrap();
        let append = |n: i64| {
            let store = store.clone();
            async move {
                store
                    .append_audit(NewAuditEntry {
                        actor_user_id: None,
                        meeting_id: None,
                        action: "test.append",
                        details: serde_json::json!({ "n": n }),
                    })
                    .await
                    .unwrap();
            }
        };
        let checkpoints = AuditCheckpoints::open(store.clone(), dir.path())
            .await
            .unwrap();
        // Nothing to sign in an empty log.
        assert_eq!(checkpoints.take(1_000, "test").await.unwrap(), None);
        append(1).await;
        append(2).await;
        let first = checkpoints.take(2_000, "test").await.unwrap().unwrap();
        assert_eq!((first.number, first.seq), (1, 2), "{backend}");
        // An unchanged log is not signed again.
        let again = checkpoints.take(3_000, "test").await.unwrap().unwrap();
        assert_eq!(again, first, "{backend}");
        append(3).await;
        let second = checkpoints.take(4_000, "test").await.unwrap().unwrap();
        assert_eq!((second.number, second.seq), (2, 3), "{backend}");

        // A restart continues the numbers.
        drop(checkpoints);
        let checkpoints = AuditCheckpoints::open(store.clone(), dir.path())
            .await
            .unwrap();
        assert_eq!(checkpoints.newest().await, Some(second.clone()));
        append(4).await;
        let third = checkpoints.take(5_000, "test").await.unwrap().unwrap();
        assert_eq!(third.number, 3, "{backend}");

        let file = std::fs::read_to_string(dir.path().join(checkpoint::FILE_NAME)).unwrap();
        assert_eq!(file, file_of(&[first, second, third]), "{backend}");
        let entries = store.audit_entries(None).await.unwrap();
        let rows = store.audit_checkpoints().await.unwrap();
        let report = verify(VerifyInput {
            entries: &entries,
            checkpoint_rows: &rows,
            checkpoint_file: Some(&file),
            public_key: Some(checkpoints.public_key()),
            require_checkpoints: true,
        });
        assert!(report.intact(), "{backend}: {:?}", report.findings);
        assert_eq!(report.checkpoints_verified, 3);
    }
}
