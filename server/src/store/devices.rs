//! The devices each account has used (`devices`, keyed by account and the
//! id the client generated) and an administrator's remote wipe of one.
//!
//! A wipe is asked for (`wipe_requested_at`) and stays pending until the
//! device confirms it (`wiped_at` at or after the request). Sessions carry
//! the id of the device they were opened on, so `Store::live_session`
//! reports a pending wipe without another query.

use sqlx::Row;

use super::{AuditEntry, NewAuditEntry, Store, StoreError, StoreResult, WriteTx};

/// One account's use of one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub user_id: String,
    pub device_id: String,
    /// The `User-Agent` it last sent, if any.
    pub user_agent: Option<String>,
    /// The address it was last seen from.
    pub address: Option<String>,
    /// Milliseconds since the epoch, as every time below.
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub wipe_requested_at: Option<i64>,
    pub wipe_requested_by: Option<String>,
    pub wiped_at: Option<i64>,
}

impl DeviceRecord {
    /// A wipe was asked for and not yet confirmed.
    pub fn wipe_pending(&self) -> bool {
        wipe_pending(self.wipe_requested_at, self.wiped_at)
    }
}

/// Whether a wipe asked for at `requested` is still waiting for the
/// device's confirmation (`wiped`): a confirmation counts only for the
/// request it followed.
pub(super) fn wipe_pending(requested: Option<i64>, wiped: Option<i64>) -> bool {
    match (requested, wiped) {
        (Some(requested), Some(wiped)) => wiped < requested,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// What a device said about itself when it connected.
#[derive(Debug, Clone, Copy)]
pub struct DeviceSighting<'a> {
    pub user_id: &'a str,
    pub device_id: &'a str,
    pub user_agent: Option<&'a str>,
    pub address: Option<&'a str>,
    pub at: i64,
}

const DEVICE_COLUMNS: &str =
    "SELECT user_id, device_id, user_agent, address, first_seen_at, last_seen_at, \
     wipe_requested_at, wipe_requested_by, wiped_at FROM devices";

fn device_from_row(row: &sqlx::any::AnyRow) -> StoreResult<DeviceRecord> {
    Ok(DeviceRecord {
        user_id: row.try_get("user_id")?,
        device_id: row.try_get("device_id")?,
        user_agent: row.try_get("user_agent")?,
        address: row.try_get("address")?,
        first_seen_at: row.try_get("first_seen_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        wipe_requested_at: row.try_get("wipe_requested_at")?,
        wipe_requested_by: row.try_get("wipe_requested_by")?,
        wiped_at: row.try_get("wiped_at")?,
    })
}

impl Store {
    /// Records that a device connected for an account (login, websocket
    /// ticket, `/sync`): created the first time, its last sighting
    /// updated after. A session opened without naming its device takes
    /// this one (`session_id`), so that a wipe reaches it.
    pub async fn device_seen(
        &self,
        sighting: DeviceSighting<'_>,
        session_id: Option<&str>,
    ) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        sqlx::query(
            "INSERT INTO devices (user_id, device_id, user_agent, address, first_seen_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (user_id, device_id) DO UPDATE SET \
             user_agent = COALESCE(excluded.user_agent, devices.user_agent), \
             address = COALESCE(excluded.address, devices.address), \
             last_seen_at = excluded.last_seen_at",
        )
        .bind(sighting.user_id)
        .bind(sighting.device_id)
        .bind(sighting.user_agent.map(str::to_owned))
        .bind(sighting.address.map(str::to_owned))
        .bind(sighting.at)
        .execute(&mut *tx)
        .await?;
        if let Some(session_id) = session_id {
            sqlx::query(
                "UPDATE sessions SET device_id = $1 WHERE id = $2 AND user_id = $3 AND device_id IS NULL",
            )
            .bind(sighting.device_id)
            .bind(session_id)
            .bind(sighting.user_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The account's devices, the most recently seen first.
    pub async fn devices_of_user(&self, user_id: &str) -> StoreResult<Vec<DeviceRecord>> {
        let rows = sqlx::query(&format!(
            "{DEVICE_COLUMNS} WHERE user_id = $1 ORDER BY last_seen_at DESC, device_id"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(device_from_row).collect()
    }

    /// One device of an account.
    pub async fn device(
        &self,
        user_id: &str,
        device_id: &str,
    ) -> StoreResult<Option<DeviceRecord>> {
        let row = sqlx::query(&format!(
            "{DEVICE_COLUMNS} WHERE user_id = $1 AND device_id = $2"
        ))
        .bind(user_id)
        .bind(device_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(device_from_row).transpose()
    }

    /// An administrator (`entry.actor_user_id`) asks for a device to be
    /// wiped, with its audit entry in the same transaction. Returns the ids
    /// of the account's sessions on that device that are still open, whose
    /// sockets the caller closes so that the device hears of it at once.
    pub async fn request_device_wipe_audited(
        &self,
        user_id: &str,
        device_id: &str,
        requested_by: &str,
        at: i64,
        entry: NewAuditEntry<'_>,
    ) -> StoreResult<(AuditEntry, Vec<String>)> {
        let (_, record) = self
            .with_audit(entry, |tx, _| {
                Box::pin(async move {
                    let changed = sqlx::query(
                        "UPDATE devices SET wipe_requested_at = $1, wipe_requested_by = $2 \
                         WHERE user_id = $3 AND device_id = $4",
                    )
                    .bind(at)
                    .bind(requested_by)
                    .bind(user_id)
                    .bind(device_id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("device {device_id}")));
                    }
                    Ok(())
                })
            })
            .await?;
        let sessions = sqlx::query_scalar::<_, String>(
            "SELECT id FROM sessions WHERE user_id = $1 AND device_id = $2 AND revoked = 0",
        )
        .bind(user_id)
        .bind(device_id)
        .fetch_all(&self.pool)
        .await?;
        Ok((record, sessions))
    }

    /// The device confirms that it wiped the account's data: the wipe is
    /// done (`wiped_at`), the session it confirmed with ends, and the
    /// audit log says so, all together.
    pub async fn confirm_device_wipe_audited(
        &self,
        user_id: &str,
        device_id: &str,
        session_id: &str,
        at: i64,
        entry: NewAuditEntry<'_>,
    ) -> StoreResult<AuditEntry> {
        let (_, record) = self
            .with_audit(entry, |tx, _| {
                Box::pin(async move {
                    sqlx::query(
                        "UPDATE devices SET wiped_at = $1 WHERE user_id = $2 AND device_id = $3",
                    )
                    .bind(at)
                    .bind(user_id)
                    .bind(device_id)
                    .execute(&mut **tx)
                    .await?;
                    sqlx::query("UPDATE sessions SET revoked = 1 WHERE id = $1")
                        .bind(session_id)
                        .execute(&mut **tx)
                        .await?;
                    Ok(())
                })
            })
            .await?;
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::wipe_pending;

    #[test]
    fn a_wipe_is_pending_until_a_confirmation_after_it() {
        assert!(!wipe_pending(None, None));
        assert!(!wipe_pending(None, Some(5)));
        assert!(wipe_pending(Some(10), None));
        assert!(wipe_pending(Some(10), Some(9)), "an older confirmation");
        assert!(!wipe_pending(Some(10), Some(10)));
        assert!(!wipe_pending(Some(10), Some(11)));
    }
}
