//! What a checkpoint is, as pure functions: the bytes its signature
//! covers, its line in `audit-checkpoints.log`, reading that line back
//! (a bad line is an error value, never a panic), and when the next one is
//! due. No clock, file or database here: times and text are passed in.

use crate::store::{AuditCheckpointRecord, AuditHead};

use super::key::{AuditKey, AuditPublicKey};

/// The checkpoint file in the data directory: one line per checkpoint,
/// appended and flushed to disk before the row is stored.
pub const FILE_NAME: &str = "audit-checkpoints.log";

/// How often a running server signs a checkpoint (when the log grew).
pub const CHECKPOINT_EVERY_MS: i64 = 60 * 60 * 1000;

/// The first word of every line: the format's version.
const LINE_VERSION: &str = "v1";

/// The bytes a checkpoint's signature covers. Every field, each on its
/// own line after a fixed title, so no two checkpoints sign alike and a
/// signature over anything else (a record, another program's data) can
/// never pass for one.
pub fn signed_message(key_id: &str, number: i64, seq: i64, hash: &str, at: i64) -> Vec<u8> {
    format!("phonghop audit checkpoint v1\n{key_id}\n{number}\n{seq}\n{hash}\n{at}\n").into_bytes()
}

/// Signs checkpoint `number` of the log's `head` at time `at`.
pub fn sign(key: &AuditKey, number: i64, head: &AuditHead, at: i64) -> AuditCheckpointRecord {
    let key_id = key.public().key_id();
    let signature = key.sign(&signed_message(&key_id, number, head.seq, &head.hash, at));
    AuditCheckpointRecord {
        key_id,
        number,
        seq: head.seq,
        hash: head.hash.clone(),
        at,
        signature: hex::encode(signature),
    }
}

/// Whether `checkpoint`'s signature is `public`'s over its fields (and
/// it names that key).
pub fn signature_holds(public: &AuditPublicKey, checkpoint: &AuditCheckpointRecord) -> bool {
    if checkpoint.key_id != public.key_id() {
        return false;
    }
    let Ok(signature) = hex::decode(&checkpoint.signature) else {
        return false;
    };
    let message = signed_message(
        &checkpoint.key_id,
        checkpoint.number,
        checkpoint.seq,
        &checkpoint.hash,
        checkpoint.at,
    );
    public.verifies(&message, &signature)
}

/// The checkpoint's line in the file, with its newline:
/// `v1 KEY_ID NUMBER SEQ HASH AT SIGNATURE`.
pub fn to_line(checkpoint: &AuditCheckpointRecord) -> String {
    format!(
        "{LINE_VERSION} {} {} {} {} {} {}\n",
        checkpoint.key_id,
        checkpoint.number,
        checkpoint.seq,
        checkpoint.hash,
        checkpoint.at,
        checkpoint.signature
    )
}

/// Why a line of the checkpoint file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("it has {0} fields, not 7")]
    FieldCount(usize),
    #[error("unknown format {0:?}")]
    Version(String),
    #[error("field {0} is not valid")]
    Field(&'static str),
}

/// Reads one line (without its newline) back into a checkpoint. Checks
/// the shape of every field; the signature is checked by the verifier.
pub fn parse_line(line: &str) -> Result<AuditCheckpointRecord, LineError> {
    let fields: Vec<&str> = line.split(' ').collect();
    if fields.len() != 7 {
        return Err(LineError::FieldCount(fields.len()));
    }
    if fields[0] != LINE_VERSION {
        return Err(LineError::Version(fields[0].chars().take(16).collect()));
    }
    let hex_of = |text: &str, length: usize, name: &'static str| {
        if text.len() == length && text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            Ok(text.to_owned())
        } else {
            Err(LineError::Field(name))
        }
    };
    let positive = |text: &str, name: &'static str| match text.parse::<i64>() {
        Ok(value) if value > 0 && !text.starts_with('+') => Ok(value),
        _ => Err(LineError::Field(name)),
    };
    Ok(AuditCheckpointRecord {
        key_id: hex_of(fields[1], 16, "key")?,
        number: positive(fields[2], "number")?,
        seq: positive(fields[3], "seq")?,
        hash: hex_of(fields[4], 64, "hash")?,
        at: positive(fields[5], "time")?,
        signature: hex_of(fields[6], 128, "signature")?,
    })
}

/// One line of the checkpoint file as read: its line number (from 1) and
/// the checkpoint or why it is unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLine {
    pub line: usize,
    pub checkpoint: Result<AuditCheckpointRecord, LineError>,
}

/// Every non-empty line of the checkpoint file's text.
pub fn parse_file(text: &str) -> Vec<FileLine> {
    text.split('\n')
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| FileLine {
            line: index + 1,
            checkpoint: parse_line(line.trim_end_matches('\r')),
        })
        .collect()
}

/// The highest checkpoint number `key_id` used in the file, so a new
/// checkpoint never reuses one (even when rows were deleted).
pub fn highest_number_in_file(lines: &[FileLine], key_id: &str) -> i64 {
    lines
        .iter()
        .filter_map(|line| line.checkpoint.as_ref().ok())
        .filter(|checkpoint| checkpoint.key_id == key_id)
        .map(|checkpoint| checkpoint.number)
        .max()
        .unwrap_or(0)
}

/// Whether the log's `head` needs a new checkpoint after `last`: it does
/// when the log has entries no checkpoint covers yet.
pub fn needs_checkpoint(head: Option<&AuditHead>, last: Option<&AuditCheckpointRecord>) -> bool {
    match (head, last) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(head), Some(last)) => head.seq != last.seq || head.hash != last.hash,
    }
}

/// Milliseconds to wait, at `now`, before the periodic checkpoint after
/// one attempted at `last_at` (none yet: now).
pub fn wait_before_next(last_at: Option<i64>, now: i64, every_ms: i64) -> i64 {
    match last_at {
        None => 0,
        Some(last_at) => (last_at.saturating_add(every_ms) - now).clamp(0, every_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(seq: i64) -> AuditHead {
        AuditHead {
            seq,
            hash: format!("{seq:064x}"),
        }
    }

    #[test]
    fn a_line_reads_back_as_the_checkpoint_it_was() {
        let (key, _) = AuditKey::generate().unwrap();
        let checkpoint = sign(&key, 3, &head(42), 1_796_094_000_000);
        let line = to_line(&checkpoint);
        assert!(line.ends_with('\n'));
        assert_eq!(parse_line(line.trim_end()), Ok(checkpoint.clone()));
        assert!(signature_holds(key.public(), &checkpoint));
    }

    #[test]
    fn bad_lines_are_errors_not_panics() {
        let (key, _) = AuditKey::generate().unwrap();
        let good = to_line(&sign(&key, 1, &head(1), 5)).trim_end().to_owned();
        assert_eq!(parse_line(""), Err(LineError::FieldCount(1)));
        assert_eq!(parse_line("v1 a b"), Err(LineError::FieldCount(3)));
        assert_eq!(
            parse_line(&good.replacen("v1", "v9", 1)),
            Err(LineError::Version("v9".into()))
        );
        let mut fields: Vec<String> = good.split(' ').map(str::to_owned).collect();
        fields[2] = "-4".into();
        assert_eq!(
            parse_line(&fields.join(" ")),
            Err(LineError::Field("number"))
        );
        fields[2] = "4".into();
        fields[4] = "zz".repeat(32);
        assert_eq!(parse_line(&fields.join(" ")), Err(LineError::Field("hash")));
        // Cut in the middle of the signature (a torn write).
        let torn = &good[..good.len() - 10];
        assert_eq!(parse_line(torn), Err(LineError::Field("signature")));
        // Not even text.
        let garbage = String::from_utf8_lossy(&[0xff, 0xfe, 0x20, 0x00]).into_owned();
        assert!(parse_line(&garbage).is_err());
    }

    #[test]
    fn the_file_is_read_line_by_line_with_line_numbers() {
        let (key, _) = AuditKey::generate().unwrap();
        let text = format!(
            "{}\nnonsense\n{}",
            to_line(&sign(&key, 1, &head(1), 5)),
            to_line(&sign(&key, 2, &head(4), 9))
        );
        let lines = parse_file(&text);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].line, 1);
        assert!(lines[0].checkpoint.is_ok());
        assert_eq!(lines[1].line, 3);
        assert!(lines[1].checkpoint.is_err());
        assert_eq!(lines[2].line, 4);
        assert_eq!(highest_number_in_file(&lines, &key.public().key_id()), 2);
        assert_eq!(highest_number_in_file(&lines, "0000000000000000"), 0);
    }

    #[test]
    fn a_signature_over_other_fields_or_by_another_key_does_not_hold() {
        let (key, _) = AuditKey::generate().unwrap();
        let (other, _) = AuditKey::generate().unwrap();
        let checkpoint = sign(&key, 1, &head(7), 100);
        let moved = AuditCheckpointRecord {
            seq: 6,
            ..checkpoint.clone()
        };
        assert!(!signature_holds(key.public(), &moved));
        assert!(!signature_holds(other.public(), &checkpoint));
        let renamed = AuditCheckpointRecord {
            key_id: other.public().key_id(),
            ..checkpoint.clone()
        };
        assert!(!signature_holds(other.public(), &renamed));
        let not_hex = AuditCheckpointRecord {
            signature: "xyz".into(),
            ..checkpoint
        };
        assert!(!signature_holds(key.public(), &not_hex));
    }

    #[test]
    fn a_checkpoint_is_needed_only_when_the_log_grew() {
        let (key, _) = AuditKey::generate().unwrap();
        let last = sign(&key, 1, &head(5), 100);
        assert!(!needs_checkpoint(None, None));
        assert!(needs_checkpoint(Some(&head(1)), None));
        assert!(!needs_checkpoint(Some(&head(5)), Some(&last)));
        assert!(needs_checkpoint(Some(&head(6)), Some(&last)));
    }

    #[test]
    fn the_periodic_checkpoint_waits_an_hour_after_the_last_attempt() {
        let hour = CHECKPOINT_EVERY_MS;
        assert_eq!(wait_before_next(None, 1_000, hour), 0);
        assert_eq!(wait_before_next(Some(1_000), 1_000, hour), hour);
        assert_eq!(wait_before_next(Some(1_000), 1_000 + hour - 5, hour), 5);
        assert_eq!(wait_before_next(Some(1_000), 1_000 + 3 * hour, hour), 0);
        // A clock set back does not make the wait longer than an hour.
        assert_eq!(wait_before_next(Some(1_000 + 5 * hour), 1_000, hour), hour);
    }
}
