//! Accounts: what administrators do with them (create, import a list,
//! disable and enable, change the role, set a password, after which the
//! user must choose their own: `users.must_change_password`), and what a
//! user does with their own (choose their own password, see and end their
//! own sessions).
//!
//! Each change is stored with its audit entry in one transaction.

use phonghop_protocol::api::OrgRole;
use sqlx::Row;

use super::{
    is_unique_violation, AuditEntry, DbEnum, NewAuditEntry, Store, StoreError, StoreResult,
    UserRecord, WriteTx,
};

/// Inserts `user` inside `tx`; a taken username is `Conflict`.
pub(super) async fn insert_user_in(
    tx: &mut WriteTx<'_>,
    user: &UserRecord,
    must_change_password: bool,
) -> StoreResult<()> {
    let result = sqlx::query(
        "INSERT INTO users (id, username, display_name, org_role, password_hash, disabled, created_at, must_change_password) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&user.id)
    .bind(&user.username)
    .bind(&user.display_name)
    .bind(user.org_role.as_str())
    .bind(&user.password_hash)
    .bind(i64::from(user.disabled))
    .bind(user.created_at)
    .bind(i64::from(must_change_password))
    .execute(&mut **tx)
    .await;
    match result {
        Ok(_) => Ok(()),
        // Mapped here, so the audit race's retry (a unique violation on
        // the log's sequence) never retries a taken username.
        Err(error) if is_unique_violation(&error) => Err(StoreError::Conflict(format!(
            "username {:?}",
            user.username
        ))),
        Err(error) => Err(error.into()),
    }
}

/// What an administrator did, in the audit log's details.
fn account_details(user: &UserRecord, extra: serde_json::Value) -> serde_json::Value {
    let mut details = serde_json::json!({
        "username": user.username,
        "role": user.org_role.as_str(),
    });
    if let (Some(map), serde_json::Value::Object(more)) = (details.as_object_mut(), extra) {
        map.extend(more);
    }
    details
}

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

/// Who sets a password, which decides what else changes with it.
#[derive(Debug, Clone, Copy)]
pub enum PasswordSetBy<'a> {
    /// The operator's console (`phonghop user reset-password`): every
    /// session ends; whether the user must choose their own is unchanged.
    Operator,
    /// An administrator: every session ends and the user must choose
    /// their own password at the next login.
    Administrator,
    /// The user themselves: the requirement to change it is lifted and
    /// every other session ends (the one they changed it from stays).
    Owner { keep_session_id: &'a str },
}

/// Replaces the hash inside `tx` and ends the sessions `who` calls for;
/// an unknown account is `NotFound`.
async fn set_password_in(
    tx: &mut WriteTx<'_>,
    user_id: &str,
    password_hash: &str,
    who: PasswordSetBy<'_>,
) -> StoreResult<()> {
    let must_change: Option<i64> = match who {
        PasswordSetBy::Operator => None,
        PasswordSetBy::Administrator => Some(1),
        PasswordSetBy::Owner { .. } => Some(0),
    };
    let changed = sqlx::query(
        "UPDATE users SET password_hash = $1, \
         must_change_password = COALESCE($2, must_change_password) WHERE id = $3",
    )
    .bind(password_hash)
    .bind(must_change)
    .bind(user_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound(format!("user {user_id}")));
    }
    let keep_session_id = match who {
        PasswordSetBy::Owner { keep_session_id } => keep_session_id,
        PasswordSetBy::Operator | PasswordSetBy::Administrator => "",
    };
    sqlx::query("UPDATE sessions SET revoked = 1 WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep_session_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// An administrator creates `user`, with its audit entry
    /// (`account.create`); `must_change_password` when the server made the
    /// password. A taken username is `Conflict` and nothing is written.
    pub async fn create_user_audited(
        &self,
        user: &UserRecord,
        must_change_password: bool,
        actor_user_id: Option<&str>,
    ) -> StoreResult<AuditEntry> {
        let entry = NewAuditEntry {
            actor_user_id,
            meeting_id: None,
            action: "account.create",
            details: account_details(
                user,
                serde_json::json!({ "one_time": must_change_password }),
            ),
        };
        let (_, record) = self
            .with_audit(entry, |tx, _| {
                Box::pin(insert_user_in(tx, user, must_change_password))
            })
            .await?;
        Ok(record)
    }

    /// An administrator imports a list of officials: every account, each
    /// with its audit entry (`account.create`, `"imported": true`), in one
    /// transaction ([`Store::with_audit_entries`]). Each must choose its own
    /// password at the first login.
    /// A taken username is `Conflict` naming it, and nothing is written.
    pub async fn import_users_audited(
        &self,
        users: &[UserRecord],
        actor_user_id: &str,
    ) -> StoreResult<()> {
        let entries: Vec<NewAuditEntry<'_>> = users
            .iter()
            .map(|user| NewAuditEntry {
                actor_user_id: Some(actor_user_id),
                meeting_id: None,
                action: "account.create",
                details: account_details(
                    user,
                    serde_json::json!({ "one_time": true, "imported": true }),
                ),
            })
            .collect();
        self.with_audit_entries(&entries, |tx, _| {
            Box::pin(async move {
                for user in users {
                    insert_user_in(tx, user, true).await?;
                }
                Ok(())
            })
        })
        .await?;
        Ok(())
    }

    /// Disables or re-enables an account, with its audit entry
    /// (`account.disable`, `account.enable`); disabling also revokes every
    /// one of its sessions.
    pub async fn set_user_disabled_audited(
        &self,
        user: &UserRecord,
        disabled: bool,
        actor_user_id: Option<&str>,
    ) -> StoreResult<AuditEntry> {
        let entry = NewAuditEntry {
            actor_user_id,
            meeting_id: None,
            action: if disabled {
                "account.disable"
            } else {
                "account.enable"
            },
            details: account_details(user, serde_json::json!({})),
        };
        let (_, record) = self
            .with_audit(entry, |tx, _| {
                Box::pin(super::set_user_disabled_in(tx, &user.id, disabled))
            })
            .await?;
        Ok(record)
    }

    /// Changes an account's organisation-wide role, with its audit entry
    /// (`account.role`, the role before and after).
    pub async fn set_user_role_audited(
        &self,
        user: &UserRecord,
        role: OrgRole,
        actor_user_id: &str,
    ) -> StoreResult<AuditEntry> {
        let entry = NewAuditEntry {
            actor_user_id: Some(actor_user_id),
            meeting_id: None,
            action: "account.role",
            details: serde_json::json!({
                "username": user.username,
                "from": user.org_role.as_str(),
                "to": role.as_str(),
            }),
        };
        let (_, record) = self
            .with_audit(entry, |tx, _| {
                Box::pin(async move {
                    let changed = sqlx::query("UPDATE users SET org_role = $1 WHERE id = $2")
                        .bind(role.as_str())
                        .bind(&user.id)
                        .execute(&mut **tx)
                        .await?
                        .rows_affected();
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("user {}", user.id)));
                    }
                    Ok(())
                })
            })
            .await?;
        Ok(record)
    }

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

    /// Replaces `user_id`'s password hash and ends sessions as `who` calls
    /// for, with its audit entry, in one transaction.
    pub async fn set_password_audited(
        &self,
        user_id: &str,
        password_hash: &str,
        who: PasswordSetBy<'_>,
        entry: NewAuditEntry<'_>,
    ) -> StoreResult<AuditEntry> {
        let (_, record) = self
            .with_audit(entry, |tx, _| {
                Box::pin(async move { set_password_in(tx, user_id, password_hash, who).await })
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
