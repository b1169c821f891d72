//! `/api/v1/admin/*`: what only administrators see about the server
//! itself (the last backup).

use axum::extract::State;
use axum::Json;
use phonghop_protocol::api::BackupStatus;
#[allow(unused_imports)]
use phonghop_protocol::api::*;

use crate::auth::AuthenticatedUser;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::now_millis;

/// Without a schedule, a backup older than this is worth a warning.
const UNSCHEDULED_WARNING_MILLIS: i64 = 2 * 24 * 3600 * 1000;

fn rfc3339(millis: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp_nanos(millis as i128 * 1_000_000)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// Whether the screen should warn, given when the last backup finished.
pub fn backup_is_stale(last_at: Option<i64>, every_millis: Option<i64>, now: i64) -> bool {
    let limit = every_millis
        .map(|every| every.saturating_mul(2))
        .unwrap_or(UNSCHEDULED_WARNING_MILLIS);
    match last_at {
        Some(last) => now - last > limit,
        None => true,
    }
}

#[utoipa::path(get, path = "/api/v1/admin/backup", tag = "admin", responses((status = 200, body = BackupStatus), (status = 403, body = ApiError)))]
pub async fn backup_status(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
) -> Result<Json<BackupStatus>, AppError> {
    if !caller.is_admin() {
        return Err(AppError::forbidden());
    }
    let last_at = crate::backup::schedule::last_backup_at(&state.store).await;
    let every = state.settings.backup_every;
    let every_millis = every.map(|(every, _)| every.as_millis() as i64);
    let failure = state
        .backup_schedule
        .lock()
        .expect("backup schedule state")
        .last_failure
        .clone();
    Ok(Json(BackupStatus {
        last_backup_at: last_at.and_then(rfc3339),
        interval_seconds: every.map(|(every, _)| every.as_secs()),
        keep: every.map(|(_, keep)| keep as u64),
        stale: backup_is_stale(last_at, every_millis, now_millis()),
        last_failure_at: failure.as_ref().and_then(|(at, _)| rfc3339(*at)),
        last_failure: failure.map(|(_, message)| message),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_older_than_twice_the_interval_is_stale() {
        let hour = 3_600_000;
        let now = 100 * hour;
        assert!(!backup_is_stale(
            Some(now - 47 * hour),
            Some(24 * hour),
            now
        ));
        assert!(backup_is_stale(Some(now - 49 * hour), Some(24 * hour), now));
        assert!(backup_is_stale(None, Some(24 * hour), now));
        // Without a schedule: two days.
        assert!(!backup_is_stale(Some(now - 47 * hour), None, now));
        assert!(backup_is_stale(Some(now - 49 * hour), None, now));
    }
}
