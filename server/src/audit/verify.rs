//! `phonghop audit verify` as a pure function: the audit entries, the
//! checkpoint rows, the checkpoint file's text and the public key in; a
//! report out, every finding named by sequence number and said in
//! Vietnamese and English.
//!
//! What each check catches:
//! - the chain (each entry's hash over its content and the previous
//!   hash): an entry changed in place, a gap (deleted entries), an entry
//!   slipped in between two others;
//! - each checkpoint's signature: a forged or edited checkpoint;
//! - each checkpoint against the entry it names: a cut tail (entries
//!   deleted after a checkpoint) and a rewritten chain (entries changed,
//!   added or removed with every hash recomputed after them);
//! - the rows against the file: checkpoint rows deleted (or lines removed
//!   from the file, or rows added).
//!
//! What it cannot catch: entries added or removed after the newest
//! checkpoint, with hashes recomputed, by someone who can write the
//! database (at most an hour of entries, less after a meeting closes or a
//! record is signed); and anything by someone who also holds the key file
//! and can rewrite the checkpoint file (SECURITY.md).

use std::collections::{BTreeMap, HashMap};

use crate::store::{AuditCheckpointRecord, AuditEntry, GENESIS_HASH};

use super::checkpoint::{parse_file, signature_holds, FILE_NAME};
use super::key::AuditPublicKey;

/// What the verifier is given.
#[derive(Debug, Clone, Copy)]
pub struct VerifyInput<'a> {
    /// Every audit entry, by sequence number.
    pub entries: &'a [AuditEntry],
    /// Every row of `audit_checkpoints`, of every key.
    pub checkpoint_rows: &'a [AuditCheckpointRecord],
    /// The checkpoint file's text; `None` when there is no file.
    pub checkpoint_file: Option<&'a str>,
    /// The key the checkpoints must be signed with; `None` checks the
    /// chain alone (a server that never started since checkpoints came).
    pub public_key: Option<&'a AuditPublicKey>,
    /// Whether a log with entries must have at least one valid checkpoint
    /// (the auditor gave their own copy of the key: a log with none was
    /// stripped of them, or is not this server's).
    pub require_checkpoints: bool,
}

/// One thing wrong, with the sequence number it concerns when it concerns
/// an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    /// The first audit entry concerned, when the finding is about entries.
    pub seq: Option<i64>,
    pub vi: String,
    pub en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// An entry's content no longer matches its hash.
    EntryChanged,
    /// Entries are missing from the middle or the end.
    EntriesDeleted,
    /// An entry that was not in the chain sits between two that were.
    EntryInserted,
    /// An entry does not link to the one before it.
    LinkBroken,
    /// A checkpoint names a hash the log does not have at that entry.
    ChainRewritten,
    /// A checkpoint's signature does not hold.
    ForgedCheckpoint,
    /// A checkpoint in the file has no row, or a row has no line, or
    /// they differ.
    CheckpointMismatch,
    /// A line of the file cannot be read.
    UnreadableLine,
    /// The file is missing while rows exist.
    FileMissing,
    /// No valid checkpoint at all where one was required.
    NoCheckpoint,
}

/// What the verifier found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: usize,
    /// Checkpoints of this key whose signature holds (file and rows
    /// together, each number once).
    pub checkpoints_verified: usize,
    /// Rows signed by another key (another node, an earlier key): not
    /// checked, only counted.
    pub other_key_rows: usize,
    /// The newest valid checkpoint of this key.
    pub newest_checkpoint: Option<AuditCheckpointRecord>,
    pub findings: Vec<Finding>,
}

impl AuditReport {
    pub fn intact(&self) -> bool {
        self.findings.is_empty()
    }

    /// The first audit entry any finding concerns.
    pub fn first_seq(&self) -> Option<i64> {
        self.findings.iter().filter_map(|finding| finding.seq).min()
    }
}

fn finding(kind: FindingKind, seq: Option<i64>, vi: String, en: String) -> Finding {
    Finding { kind, seq, vi, en }
}

/// Checks the chain, every checkpoint, and the rows against the file.
pub fn verify(input: VerifyInput<'_>) -> AuditReport {
    let mut findings = chain_findings(input.entries);
    // Past the chain's first break nothing is trusted; a checkpoint there
    // disagreeing says nothing more.
    let chain_break = findings.first().and_then(|finding| finding.seq);
    let mut report = AuditReport {
        entries: input.entries.len(),
        checkpoints_verified: 0,
        other_key_rows: 0,
        newest_checkpoint: None,
        findings: Vec::new(),
    };
    let Some(public_key) = input.public_key else {
        report.findings = findings;
        return report;
    };
    let key_id = public_key.key_id();

    // The file: every readable line by number; unreadable and foreign
    // lines are findings.
    let mut in_file: BTreeMap<i64, (usize, AuditCheckpointRecord)> = BTreeMap::new();
    match input.checkpoint_file {
        Some(text) => {
            for line in parse_file(text) {
                match line.checkpoint {
                    Err(error) => findings.push(finding(
                        FindingKind::UnreadableLine,
                        None,
                        format!("dòng {} của {FILE_NAME} không đọc được ({error})", line.line),
                        format!("line {} of {FILE_NAME} cannot be read ({error})", line.line),
                    )),
                    Ok(checkpoint) if checkpoint.key_id != key_id => findings.push(finding(
                        FindingKind::ForgedCheckpoint,
                        None,
                        format!(
                            "dòng {} của {FILE_NAME} được ký bằng khóa {} chứ không phải khóa {key_id} của máy chủ này",
                            line.line, checkpoint.key_id
                        ),
                        format!(
                            "line {} of {FILE_NAME} is signed by key {}, not this server's key {key_id}",
                            line.line, checkpoint.key_id
                        ),
                    )),
                    Ok(checkpoint) => {
                        if let Some((first_line, _)) = in_file.get(&checkpoint.number) {
                            findings.push(finding(
                                FindingKind::CheckpointMismatch,
                                None,
                                format!(
                                    "mốc {} xuất hiện hai lần trong {FILE_NAME} (dòng {first_line} và {})",
                                    checkpoint.number, line.line
                                ),
                                format!(
                                    "checkpoint {} appears twice in {FILE_NAME} (lines {first_line} and {})",
                                    checkpoint.number, line.line
                                ),
                            ));
                        } else {
                            in_file.insert(checkpoint.number, (line.line, checkpoint));
                        }
                    }
                }
            }
        }
        None => {
            if input.checkpoint_rows.iter().any(|row| row.key_id == key_id) {
                findings.push(finding(
                    FindingKind::FileMissing,
                    None,
                    format!("không có tệp {FILE_NAME} trong khi cơ sở dữ liệu có mốc kiểm tra"),
                    format!("{FILE_NAME} is missing while the database holds checkpoints"),
                ));
            }
        }
    }
    let mut in_rows: BTreeMap<i64, &AuditCheckpointRecord> = BTreeMap::new();
    for row in input.checkpoint_rows {
        if row.key_id == key_id {
            in_rows.insert(row.number, row);
        } else {
            report.other_key_rows += 1;
        }
    }

    // Rows against the file, and every signature. The file's copy is the
    // one trusted when both hold (the database is the easier to reach).
    let mut trusted: Vec<AuditCheckpointRecord> = Vec::new();
    let numbers: std::collections::BTreeSet<i64> =
        in_file.keys().chain(in_rows.keys()).copied().collect();
    for number in numbers {
        let file_copy = in_file.get(&number).map(|(_, checkpoint)| checkpoint);
        let row_copy = in_rows.get(&number).copied();
        let mut valid: Option<&AuditCheckpointRecord> = None;
        for (copy, where_vi, where_en) in [
            (
                file_copy,
                format!("trong {FILE_NAME}"),
                format!("in {FILE_NAME}"),
            ),
            (
                row_copy,
                "trong cơ sở dữ liệu".to_owned(),
                "in the database".to_owned(),
            ),
        ] {
            let Some(copy) = copy else { continue };
            if signature_holds(public_key, copy) {
                valid = valid.or(Some(copy));
            } else {
                findings.push(finding(
                    FindingKind::ForgedCheckpoint,
                    Some(copy.seq),
                    format!(
                        "chữ ký của mốc {number} {where_vi} (mục {}) không hợp lệ: mốc bị sửa hoặc giả mạo",
                        copy.seq
                    ),
                    format!(
                        "the signature of checkpoint {number} {where_en} (entry {}) does not hold: the checkpoint was edited or forged",
                        copy.seq
                    ),
                ));
            }
        }
        match (file_copy, row_copy) {
            (Some(file_copy), None) => findings.push(finding(
                FindingKind::CheckpointMismatch,
                Some(file_copy.seq),
                format!(
                    "mốc {number} (mục {}, {}) có trong {FILE_NAME} nhưng không có trong cơ sở dữ liệu: dòng của nó đã bị xóa",
                    file_copy.seq,
                    time_text(file_copy.at)
                ),
                format!(
                    "checkpoint {number} (entry {}, {}) is in {FILE_NAME} but not in the database: its row was deleted",
                    file_copy.seq,
                    time_text(file_copy.at)
                ),
            )),
            // A missing file was reported once, above.
            (None, Some(_)) if input.checkpoint_file.is_none() => {}
            (None, Some(row_copy)) => findings.push(finding(
                FindingKind::CheckpointMismatch,
                Some(row_copy.seq),
                format!(
                    "mốc {number} (mục {}) có trong cơ sở dữ liệu nhưng không có trong {FILE_NAME}: dòng của nó bị xóa khỏi tệp, hoặc bản ghi được thêm vào",
                    row_copy.seq
                ),
                format!(
                    "checkpoint {number} (entry {}) is in the database but not in {FILE_NAME}: its line was removed from the file, or the row was added",
                    row_copy.seq
                ),
            )),
            (Some(file_copy), Some(row_copy)) if file_copy != row_copy => {
                findings.push(finding(
                    FindingKind::CheckpointMismatch,
                    Some(file_copy.seq.min(row_copy.seq)),
                    format!(
                        "mốc {number} trong cơ sở dữ liệu khác với trong {FILE_NAME} (mục {} / {})",
                        row_copy.seq, file_copy.seq
                    ),
                    format!(
                        "checkpoint {number} differs between the database and {FILE_NAME} (entry {} / {})",
                        row_copy.seq, file_copy.seq
                    ),
                ))
            }
            _ => {}
        }
        if let Some(valid) = valid {
            trusted.push(valid.clone());
        }
    }

    // Every valid checkpoint against the entry it names.
    let by_seq: HashMap<i64, &AuditEntry> = input
        .entries
        .iter()
        .map(|entry| (entry.seq, entry))
        .collect();
    let last_seq = input.entries.last().map_or(0, |entry| entry.seq);
    let mut covered_before = 0;
    let mut tail_cut_reported = false;
    trusted.sort_by_key(|checkpoint| (checkpoint.seq, checkpoint.number));
    for checkpoint in &trusted {
        match by_seq.get(&checkpoint.seq) {
            Some(entry) if entry.hash == checkpoint.hash => {}
            Some(_) if chain_break.is_some_and(|broken| checkpoint.seq >= broken) => {}
            Some(entry) => findings.push(finding(
                FindingKind::ChainRewritten,
                Some(covered_before + 1),
                format!(
                    "nhật ký đã bị viết lại trong khoảng mục {} đến {}: mốc {} ({}) ký mã băm {} cho mục {}, nhưng nhật ký có {}",
                    covered_before + 1,
                    checkpoint.seq,
                    checkpoint.number,
                    time_text(checkpoint.at),
                    short(&checkpoint.hash),
                    checkpoint.seq,
                    short(&entry.hash)
                ),
                format!(
                    "the log was rewritten between entries {} and {}: checkpoint {} ({}) signed hash {} for entry {}, the log has {}",
                    covered_before + 1,
                    checkpoint.seq,
                    checkpoint.number,
                    time_text(checkpoint.at),
                    short(&checkpoint.hash),
                    checkpoint.seq,
                    short(&entry.hash)
                ),
            )),
            None if checkpoint.seq > last_seq && !tail_cut_reported => {
                let newest = trusted
                    .iter()
                    .map(|checkpoint| checkpoint.seq)
                    .max()
                    .unwrap_or(checkpoint.seq);
                findings.push(finding(
                    FindingKind::EntriesDeleted,
                    Some(last_seq + 1),
                    format!(
                        "các mục {} đến {} đã bị xóa (cắt đuôi nhật ký): một mốc có chữ ký đã thấy nhật ký đến mục {newest}",
                        last_seq + 1,
                        newest
                    ),
                    format!(
                        "entries {} to {} were deleted (the log's tail was cut): a signed checkpoint saw the log reach entry {newest}",
                        last_seq + 1,
                        newest
                    ),
                ));
                tail_cut_reported = true;
            }
            // A gap in the middle (the chain check reported it), or the
            // cut tail already reported.
            None => {}
        }
        covered_before = covered_before.max(checkpoint.seq);
    }
    if input.require_checkpoints && trusted.is_empty() && !input.entries.is_empty() {
        findings.push(finding(
            FindingKind::NoCheckpoint,
            None,
            format!("nhật ký có {} mục nhưng không có mốc kiểm tra nào được ký bằng khóa {key_id}: các mốc đã bị xóa, hoặc đây không phải khóa của máy chủ này", input.entries.len()),
            format!("the log has {} entries but no checkpoint signed by key {key_id}: the checkpoints were deleted, or this is not the server's key", input.entries.len()),
        ));
    }
    report.checkpoints_verified = trusted.len();
    report.newest_checkpoint = trusted
        .iter()
        .max_by_key(|checkpoint| checkpoint.number)
        .cloned();
    findings.sort_by_key(|finding| finding.seq.unwrap_or(i64::MAX));
    report.findings = findings;
    report
}

/// The chain on its own: the first place it breaks, named. After the
/// first break nothing later can be trusted to say more, so it stops.
fn chain_findings(entries: &[AuditEntry]) -> Vec<Finding> {
    let mut hashes_seen: HashMap<&str, i64> = HashMap::new();
    hashes_seen.insert(GENESIS_HASH, 0);
    let mut expected_prev = GENESIS_HASH;
    let mut expected_seq = 1;
    for entry in entries {
        if entry.seq > expected_seq {
            let last = entry.seq - 1;
            return vec![finding(
                FindingKind::EntriesDeleted,
                Some(expected_seq),
                if last == expected_seq {
                    format!(
                        "mục {expected_seq} đã bị xóa (nhật ký nhảy từ mục {} sang mục {})",
                        expected_seq - 1,
                        entry.seq
                    )
                } else {
                    format!("các mục {expected_seq} đến {last} đã bị xóa (nhật ký nhảy từ mục {} sang mục {})", expected_seq - 1, entry.seq)
                },
                if last == expected_seq {
                    format!("entry {expected_seq} was deleted (the log jumps from entry {} to entry {})", expected_seq - 1, entry.seq)
                } else {
                    format!("entries {expected_seq} to {last} were deleted (the log jumps from entry {} to entry {})", expected_seq - 1, entry.seq)
                },
            )];
        }
        if entry.seq < expected_seq {
            return vec![finding(
                FindingKind::EntryInserted,
                Some(entry.seq),
                format!(
                    "mục {} xuất hiện lần nữa sau mục {}: một mục đã bị chèn",
                    entry.seq,
                    expected_seq - 1
                ),
                format!(
                    "entry {} appears again after entry {}: an entry was inserted",
                    entry.seq,
                    expected_seq - 1
                ),
            )];
        }
        if entry.prev_hash != expected_prev {
            // An entry slipped in before this one (and the later ones
            // renumbered) leaves this one linked to an earlier entry.
            if let Some(&linked) = hashes_seen.get(entry.prev_hash.as_str()) {
                let first = linked + 1;
                let last = entry.seq - 1;
                return vec![finding(
                    FindingKind::EntryInserted,
                    Some(first),
                    if first == last {
                        format!("mục {first} đã bị chèn vào: mục kế tiếp vẫn nối với mục {linked}")
                    } else {
                        format!("các mục {first} đến {last} đã bị chèn vào: mục kế tiếp vẫn nối với mục {linked}")
                    },
                    if first == last {
                        format!("entry {first} was inserted: the entry after it still links to entry {linked}")
                    } else {
                        format!("entries {first} to {last} were inserted: the entry after them still links to entry {linked}")
                    },
                )];
            }
            let previous = entry.seq - 1;
            return vec![finding(
                FindingKind::LinkBroken,
                Some(previous.max(1)),
                format!("mục {} không nối với mục {previous}: mục {previous} đã bị sửa (và mã băm tính lại), hoặc mục {} bị thay thế", entry.seq, entry.seq),
                format!("entry {} does not link to entry {previous}: entry {previous} was changed (its hash recomputed), or entry {} was replaced", entry.seq, entry.seq),
            )];
        }
        if entry.compute_hash() != entry.hash {
            return vec![finding(
                FindingKind::EntryChanged,
                Some(entry.seq),
                format!("mục {} đã bị sửa: nội dung (thời điểm, người thực hiện, cuộc họp, hành động hoặc chi tiết) không khớp mã băm của nó", entry.seq),
                format!("entry {} was changed: its content (time, actor, meeting, action or details) does not match its hash", entry.seq),
            )];
        }
        hashes_seen.insert(entry.hash.as_str(), entry.seq);
        expected_prev = entry.hash.as_str();
        expected_seq = entry.seq + 1;
    }
    Vec::new()
}

/// The first 12 hex digits of a hash, for messages.
fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// A time in milliseconds as `2026-12-07 19:00:00 UTC`.
pub fn time_text(at_millis: i64) -> String {
    let Ok(time) =
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_millis) * 1_000_000)
    else {
        return format!("{at_millis} ms");
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}
