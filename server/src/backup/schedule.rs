//! Scheduled backups inside `serve` (`--backup-every 24h --backup-dir DIR
//! --backup-keep 14`): one task that makes a backup when the last one (by
//! the time recorded in the database, so `phonghop backup` counts too) is
//! older than the interval, keeps the newest `keep` files it made, and
//! remembers the last failure for the administrators' screen.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{BackupSource, BACKUP_EXTENSION, LAST_BACKUP_AT_SETTING};
use crate::shutdown::Shutdown;
use crate::store::{now_millis, Store};

/// File names of scheduled backups start with this.
pub const FILE_PREFIX: &str = "phonghop-";

/// What `serve` was told about scheduled backups.
#[derive(Debug, Clone)]
pub struct BackupSchedule {
    pub every: Duration,
    pub dir: PathBuf,
    pub keep: usize,
    /// Seal each backup with this passphrase.
    pub passphrase: Option<String>,
}

/// The last scheduled backup that failed, for the administrators' screen.
#[derive(Debug, Clone, Default)]
pub struct ScheduleState {
    /// (Unix milliseconds, what went wrong).
    pub last_failure: Option<(i64, String)>,
}

/// Shared between the schedule task and the status endpoint.
pub type ScheduleStateHandle = Arc<Mutex<ScheduleState>>;

/// The name of a backup made at `at` (UTC, sorts by time).
fn file_name(at: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year][month][day]-[hour][minute][second]");
    format!(
        "{FILE_PREFIX}{}{BACKUP_EXTENSION}",
        at.format(&format).unwrap_or_default()
    )
}

/// Removes all but the newest `keep` scheduled backups in `dir` (by name,
/// which sorts by time). Other files are left alone. Returns the removed.
pub fn prune(dir: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| {
                    name.starts_with(FILE_PREFIX) && name.ends_with(BACKUP_EXTENSION)
                })
        })
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(keep.max(1));
    let removed: Vec<PathBuf> = backups.into_iter().take(excess).collect();
    for path in &removed {
        std::fs::remove_file(path)?;
    }
    Ok(removed)
}

/// When the last backup (scheduled or by hand) finished, in Unix
/// milliseconds.
pub async fn last_backup_at(store: &Store) -> Option<i64> {
    store
        .setting(LAST_BACKUP_AT_SETTING)
        .await
        .ok()
        .flatten()
        .and_then(|value| value.parse().ok())
}

/// Starts the schedule: a backup whenever the last one is older than the
/// interval (at once if there is none), until shutdown.
pub fn spawn(
    store: Store,
    source: BackupSource,
    schedule: BackupSchedule,
    state: ScheduleStateHandle,
    shutdown: Shutdown,
) {
    tokio::spawn(async move {
        let every_millis = schedule.every.as_millis() as i64;
        loop {
            let due_in = match last_backup_at(&store).await {
                Some(last) => (last + every_millis - now_millis()).max(0),
                None => 0,
            };
            tokio::select! {
                _ = shutdown.triggered() => return,
                _ = tokio::time::sleep(Duration::from_millis(due_in as u64)) => {}
            }
            run_once(&store, &source, &schedule, &state).await;
            // A failure is tried again after a tenth of the interval (at
            // least a minute, at most an hour), not in a tight loop.
            let failed = state.lock().expect("schedule state").last_failure.is_some();
            if failed && last_backup_at(&store).await.unwrap_or(0) + every_millis <= now_millis() {
                let pause = (schedule.every / 10)
                    .clamp(Duration::from_secs(60), Duration::from_secs(3600))
                    .min(schedule.every);
                tokio::select! {
                    _ = shutdown.triggered() => return,
                    _ = tokio::time::sleep(pause) => {}
                }
            }
        }
    });
}

async fn run_once(
    store: &Store,
    source: &BackupSource,
    schedule: &BackupSchedule,
    state: &ScheduleStateHandle,
) {
    let outcome = async {
        std::fs::create_dir_all(&schedule.dir).map_err(|e| {
            format!(
                "cannot create the backup folder {}: {e}",
                schedule.dir.display()
            )
        })?;
        let output = schedule
            .dir
            .join(file_name(time::OffsetDateTime::now_utc()));
        let summary = super::create(store, source, &output, schedule.passphrase.as_deref())
            .await
            .map_err(|e| e.to_string())?;
        super::record_success(store, &summary).await;
        tracing::info!("{}", super::summary_line(&summary));
        let removed = prune(&schedule.dir, schedule.keep)
            .map_err(|e| format!("cannot remove old backups: {e}"))?;
        for path in removed {
            tracing::info!(path = %path.display(), "old backup removed");
        }
        Ok::<(), String>(())
    }
    .await;
    let mut state = state.lock().expect("schedule state");
    match outcome {
        Ok(()) => state.last_failure = None,
        Err(error) => {
            tracing::error!(%error, "scheduled backup failed");
            state.last_failure = Some((now_millis(), error));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_newest_and_touches_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "phonghop-20261201-020000.phbak",
            "phonghop-20261203-020000.phbak",
            "phonghop-20261202-020000.phbak",
            "phonghop-20261204-020000.phbak.partial",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let removed = prune(dir.path(), 2).unwrap();
        assert_eq!(removed, [dir.path().join("phonghop-20261201-020000.phbak")]);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "notes.txt",
                "phonghop-20261202-020000.phbak",
                "phonghop-20261203-020000.phbak",
                "phonghop-20261204-020000.phbak.partial"
            ]
        );
    }

    #[test]
    fn names_sort_by_time() {
        let earlier = time::macros::datetime!(2026-12-07 09:05:03 UTC);
        let later = time::macros::datetime!(2026-12-07 10:00:00 UTC);
        assert_eq!(file_name(earlier), "phonghop-20261207-090503.phbak");
        assert!(file_name(earlier) < file_name(later));
    }
}
