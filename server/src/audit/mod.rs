//! Signed audit checkpoints: what makes the hash-chained audit log (in
//! [`crate::store`]) tamper-evident against someone who can write the
//! database, including deleting its newest rows.
//!
//! A checkpoint is (number, sequence number of the newest entry, its
//! chain hash, time), signed with the server's Ed25519 audit key
//! ([`key`], outside the database). Each one is appended to
//! `audit-checkpoints.log` in the data directory and flushed to disk, then
//! stored in `audit_checkpoints`: the file is written first, so a
//! checkpoint is never only in the database. The server takes one every
//! hour while running (when the log grew), at start when the last is
//! older than an hour, at clean shutdown, when a meeting is closed, and
//! when the record is rendered or signed.
//!
//! - [`checkpoint`]: the signed bytes, the file's line format, when the
//!   next one is due; pure.
//! - [`verify`]: `phonghop audit verify`'s checks; pure.
//! - [`key`]: the key files.
//! - this file: [`AuditCheckpoints`], the one writer of checkpoints, and
//!   the periodic task.

pub mod checkpoint;
pub mod key;
#[cfg(test)]
mod tests;
pub mod verify;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::shutdown::Shutdown;
use crate::store::{now_millis, AuditCheckpointRecord, Store, StoreError};

use self::checkpoint::{needs_checkpoint, CHECKPOINT_EVERY_MS, FILE_NAME};
use self::key::{AuditKey, AuditKeyError, AuditPublicKey};

/// Why a checkpoint could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot append to {}: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The one writer of checkpoints in this process: the key, the file, the
/// store, and the newest checkpoint (so numbers never repeat and an
/// unchanged log is not signed again).
pub struct AuditCheckpoints {
    key: AuditKey,
    file: PathBuf,
    store: Store,
    /// The newest checkpoint of this key and the highest number used
    /// (the file's, when a row was lost); held while one is taken, so
    /// checkpoints are numbered and written one at a time.
    newest: tokio::sync::Mutex<Newest>,
}

struct Newest {
    checkpoint: Option<AuditCheckpointRecord>,
    highest_number: i64,
}

impl std::fmt::Debug for AuditCheckpoints {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "AuditCheckpoints({:?})", self.key)
    }
}

impl AuditCheckpoints {
    /// Loads or makes the audit key in `data_dir` (refusing a key file
    /// others may read) and reads where the checkpoints stand.
    pub async fn open(store: Store, data_dir: &Path) -> anyhow::Result<Arc<AuditCheckpoints>> {
        let key = AuditKey::load_or_create(data_dir)?;
        let file = data_dir.join(FILE_NAME);
        let key_id = key.public().key_id();
        let file_highest = match std::fs::read(&file) {
            Ok(bytes) => checkpoint::highest_number_in_file(
                &checkpoint::parse_file(&String::from_utf8_lossy(&bytes)),
                &key_id,
            ),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => 0,
            Err(error) => {
                return Err(AuditKeyError::Io {
                    path: file,
                    source: error,
                }
                .into())
            }
        };
        let newest = store.latest_audit_checkpoint(&key_id).await?;
        let highest_number = file_highest.max(newest.as_ref().map_or(0, |c| c.number));
        Ok(Arc::new(AuditCheckpoints {
            key,
            file,
            store,
            newest: tokio::sync::Mutex::new(Newest {
                checkpoint: newest,
                highest_number,
            }),
        }))
    }

    pub fn public_key(&self) -> &AuditPublicKey {
        self.key.public()
    }

    /// The newest checkpoint, if any.
    pub async fn newest(&self) -> Option<AuditCheckpointRecord> {
        self.newest.lock().await.checkpoint.clone()
    }

    /// Signs a checkpoint of the log's current head at `now` (unless the
    /// newest one already covers it), appends it to the file and flushes
    /// it, then stores its row. Answers the checkpoint covering the head
    /// (`None` while the log is empty).
    pub async fn take(
        &self,
        now: i64,
        reason: &str,
    ) -> Result<Option<AuditCheckpointRecord>, CheckpointError> {
        let mut newest = self.newest.lock().await;
        let head = self.store.audit_head().await?;
        if !needs_checkpoint(head.as_ref(), newest.checkpoint.as_ref()) {
            return Ok(newest.checkpoint.clone());
        }
        let Some(head) = head else { return Ok(None) };
        let number = newest.highest_number + 1;
        let signed = checkpoint::sign(&self.key, number, &head, now);
        let line = checkpoint::to_line(&signed);
        let path = self.file.clone();
        tokio::task::spawn_blocking(move || append_flushed(&path, &line))
            .await
            .map_err(|error| CheckpointError::File {
                path: self.file.clone(),
                source: std::io::Error::other(error),
            })?
            .map_err(|source| CheckpointError::File {
                path: self.file.clone(),
                source,
            })?;
        // The number is spent once it is in the file, row or not.
        newest.highest_number = number;
        if let Err(error) = self.store.insert_audit_checkpoint(&signed).await {
            tracing::error!(
                %error,
                number,
                "audit checkpoint is in {FILE_NAME} but its row could not be stored: `phonghop audit verify` will report it"
            );
            return Err(error.into());
        }
        tracing::info!(number, seq = signed.seq, reason, "audit checkpoint signed");
        newest.checkpoint = Some(signed.clone());
        Ok(Some(signed))
    }

    /// Takes a checkpoint now, logging a failure instead of answering it
    /// (for the moments that must not fail because of it: a meeting
    /// closing, shutdown).
    pub async fn take_logged(&self, reason: &str) -> Option<AuditCheckpointRecord> {
        match self.take(now_millis(), reason).await {
            Ok(checkpoint) => checkpoint,
            Err(error) => {
                tracing::error!(%error, reason, "cannot sign an audit checkpoint");
                None
            }
        }
    }
}

/// Appends `line` to the file at `path` (made if missing) and flushes it
/// to disk before answering.
fn append_flushed(path: &Path, line: &str) -> std::io::Result<()> {
    let created = !path.exists();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(line.as_bytes())?;
    file.sync_data()?;
    if created {
        key::sync_directory(path);
    }
    Ok(())
}

/// Runs the periodic checkpoint until shutdown: one an hour after the last
/// attempt (at once when the newest checkpoint is older than that).
pub fn spawn_periodic(checkpoints: Arc<AuditCheckpoints>, shutdown: Shutdown) {
    tokio::spawn(async move {
        let mut last_attempt = checkpoints.newest().await.map(|newest| newest.at);
        loop {
            let wait =
                checkpoint::wait_before_next(last_attempt, now_millis(), CHECKPOINT_EVERY_MS);
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait.max(0) as u64)) => {}
                _ = shutdown.triggered() => return,
            }
            let now = now_millis();
            if let Err(error) = checkpoints.take(now, "hourly").await {
                tracing::error!(%error, "cannot sign the hourly audit checkpoint");
            }
            last_attempt = Some(now);
        }
    });
}
