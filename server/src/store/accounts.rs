//! What a user does with their own account: choose their own password
//! after an administrator set one (`users.must_change_password`), and see
//! and end their own sessions.
//!
//! Each change is stored with its audit entry in one transaction.

use sqlx::Row;

use super::{AuditEntry, NewAuditEntry, Store, StoreError, StoreResult};

/// One of an account's live sessions, with what its device last said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub device_id: Option<String>,
    pub user_agent: Option<String>,
    pub last_seen_at: Option<i64>,
}

impl Store {
    /// Whether the account must choose its own password before anything
    /// else (an administrator set it).
    pub async fn must_change_password(&self, user_id: &str) -> StoreResult<bool> {
        let flag: Option<i64> =
            sqlx::query_scalar("SELECT must_change_password FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(flag.unwrap_or(0) != 0)
    }

    /// An administrator sets `user_id`'s password: the hash is replaced,
    /// every session of the account ends, and the user must choose their
    /// own password at the next login.
    pub async fn set_password_by_administrator_audited(
        &self,
        user_id: &str,
        password_hash: &str,
        entry: NewAuditEntry<'_>,
    ) -> StoreResult<AuditEntry> {
        let (_, record) = self
            .with_audit(entry, |tx, _| {
                Box::pin(async move {
                    let changed = sqlx::query(
                        "UPDATE users SET password_hash = $1, must_change_password = 1 WHERE id = $2",
                    )
                    .bind(password_hash)
                    .bind(user_id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("user {user_id}")));
                    }
                    sqlx::query("UPDATE sessions SET revoked = 1 WHERE user_id = $1")
                        .bind(user_id)
                        .execute(&mut **tx)
                        .await?;
                    Ok(())
                })
            })
            .await?;
        Ok(record)
    }

    /// A user chose their own password: the hash is replaced, the
    /// requirement to change it is lifted, and every other session of the
    /// account ends (the one they changed it from stays).
    pub async fn change_own_password_audited(
        &self,
        user_id: &str,
        password_hash: &str,
        keep_session_id: &str,
        entry: NewAuditEntry<'_>,
    ) -> StoreResult<AuditEntry> {
        let (_, record) = self
            .with_audit(entry, |tx, _| {
                Box::pin(async move {
                    let changed = sqlx::query(
                        "UPDATE users SET password_hash = $1, must_change_password = 0 WHERE id = $2",
                    )
                    .bind(password_hash)
                    .bind(user_id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("user {user_id}")));
                    }
                    sqlx::query("UPDATE sessions SET revoked = 1 WHERE user_id = $1 AND id <> $2")
                        .bind(user_id)
                        .bind(keep_session_id)
                        .execute(&mut **tx)
                        .await?;
                    Ok(())
                })
            })
            .await?;
        Ok(record)
    }

    /// The account's sessions that are neither revoked nor expired at
    /// `now`, newest first.
    pub async fn live_sessions_of_user(
        &self,
        user_id: &str,
        now: i64,
    ) -> StoreResult<Vec<SessionSummary>> {
        let rows = sqlx::query(
            "SELECT s.id, s.created_at, s.expires_at, s.device_id, d.user_agent, d.last_seen_at \
             FROM sessions s \
             LEFT JOIN devices d ON d.user_id = s.user_id AND d.device_id = s.device_id \
             WHERE s.user_id = $1 AND s.revoked = 0 AND s.expires_at > $2 \
             ORDER BY s.created_at DESC, s.id",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SessionSummary {
                    id: row.try_get("id")?,
                    created_at: row.try_get("created_at")?,
                    expires_at: row.try_get("expires_at")?,
                    device_id: row.try_get("device_id")?,
                    user_agent: row.try_get("user_agent")?,
                    last_seen_at: row.try_get("last_seen_at")?,
                })
            })
            .collect()
    }

    /// Ends one of `user_id`'s own live sessions, with its audit entry.
    /// `NotFound` when the account has no such live session (another
    /// account's session looks the same: absent).
    pub async fn end_own_session_audited(
        &self,
        user_id: &str,
        session_id: &str,
        entry: NewAuditEntry<'_>,
    ) -> StoreResult<AuditEntry> {
        let (_, record) = self
            .with_audit(entry, |tx, _| {
                Box::pin(async move {
                    let changed = sqlx::query(
                        "UPDATE sessions SET revoked = 1 WHERE id = $1 AND user_id = $2 AND revoked = 0",
                    )
                    .bind(session_id)
                    .bind(user_id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                    if changed == 0 {
                        return Err(StoreError::NotFound("session".to_owned()));
                    }
                    Ok(())
                })
            })
            .await?;
        Ok(record)
    }
}
