//! Faults of what the server stands on — the database went away, the disk
//! is full — recognized in one place, so that every layer above sees a
//! typed error rather than a driver's message.
//!
//! [`storage_fault_of_sqlx`] reads a sqlx error (either backend) and
//! [`storage_fault_of_io`] an I/O error (document files); `StoreError`
//! and `BlobError` keep what these say as their own variants, and
//! `error.rs` maps those to the wire's `storage_unavailable` (503, with
//! `Retry-After: 5`) and `storage_full` (507). Nothing else inspects
//! driver error codes or `errno` to decide what to tell a client.
//!
//! Unavailable: a pool timeout, a refused or dropped connection,
//! PostgreSQL's SQLSTATE class 08 (connection exceptions), 57P (shut
//! down, cannot connect now) and 53300 (too many connections). Full:
//! SQLSTATE 53000, 53100 and 53200, SQLite's `SQLITE_FULL`, and an I/O
//! error of kind `StorageFull` or `QuotaExceeded` (ENOSPC, EDQUOT).
//!
//! Neither is a bug: the process keeps running and recovers by itself.
//! With a full disk reads go on (the session check is a read) and writes
//! work again as soon as space is freed; a blob whose write fails leaves
//! no temporary file, and its row is never written. `tests/tests/faults.rs`
//! makes both faults for real.

/// A fault of the storage underneath, as opposed to a bug or a bad request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFault {
    /// The database cannot be reached now (PostgreSQL stopped, restarting,
    /// the connection dropped, no connection free in time). Retrying later
    /// may work; nothing was written.
    Unavailable,
    /// The disk (or the database's quota) is full. Nothing was written;
    /// writes work again once space is freed.
    Full,
}

/// SQLite's primary result code for "database or disk is full".
const SQLITE_FULL: i64 = 13;

/// What a sqlx error says about the storage, if it is a storage fault.
pub fn storage_fault_of_sqlx(error: &sqlx::Error) -> Option<StorageFault> {
    match error {
        // No connection came free, or could be opened, in time: with
        // PostgreSQL stopped, the pool keeps retrying a refused connect
        // until its acquire timeout.
        sqlx::Error::PoolTimedOut => Some(StorageFault::Unavailable),
        sqlx::Error::Io(io) => Some(storage_fault_of_io(io).unwrap_or(StorageFault::Unavailable)),
        // A connection that dropped mid-message (the server went away
        // while we were reading) or TLS that could not be set up.
        sqlx::Error::Protocol(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::PoolClosed => Some(StorageFault::Unavailable),
        sqlx::Error::Database(database) => {
            // The Any driver passes each backend's own error through.
            let code = database.code();
            let code = code.as_deref().unwrap_or("");
            if database
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .is_some()
            {
                // SQLite reports extended codes; the low byte is the
                // primary one.
                let sqlite_code = code.parse::<i64>().unwrap_or(0);
                (sqlite_code & 0xff == SQLITE_FULL).then_some(StorageFault::Full)
            } else if database
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some()
            {
                postgres_fault(code)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// PostgreSQL's SQLSTATEs that are storage faults.
fn postgres_fault(sqlstate: &str) -> Option<StorageFault> {
    match sqlstate {
        // disk_full, insufficient_resources, out_of_memory.
        "53100" | "53000" | "53200" => Some(StorageFault::Full),
        // too_many_connections; admin_shutdown, crash_shutdown,
        // cannot_connect_now (starting up or shutting down),
        // database_dropped.
        "53300" | "57P01" | "57P02" | "57P03" | "57P04" => Some(StorageFault::Unavailable),
        // Class 08: connection exceptions.
        code if code.starts_with("08") => Some(StorageFault::Unavailable),
        _ => None,
    }
}

/// What an I/O error says about the storage: a full disk or quota, or
/// nothing special.
pub fn storage_fault_of_io(error: &std::io::Error) -> Option<StorageFault> {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => Some(StorageFault::Full),
        ErrorKind::ConnectionRefused
        | ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::NotConnected
        | ErrorKind::BrokenPipe
        | ErrorKind::UnexpectedEof
        | ErrorKind::TimedOut => Some(StorageFault::Unavailable),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_recognized_from_its_io_error() {
        let enospc = std::io::Error::from_raw_os_error(28);
        assert_eq!(storage_fault_of_io(&enospc), Some(StorageFault::Full));
        let edquot = std::io::Error::from_raw_os_error(122);
        assert_eq!(storage_fault_of_io(&edquot), Some(StorageFault::Full));
        let not_found = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(storage_fault_of_io(&not_found), None);
    }

    #[test]
    fn a_database_that_cannot_be_reached_is_unavailable() {
        assert_eq!(
            storage_fault_of_sqlx(&sqlx::Error::PoolTimedOut),
            Some(StorageFault::Unavailable)
        );
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(
            storage_fault_of_sqlx(&sqlx::Error::Io(refused)),
            Some(StorageFault::Unavailable)
        );
        for sqlstate in ["57P01", "57P03", "08006", "53300"] {
            assert_eq!(
                postgres_fault(sqlstate),
                Some(StorageFault::Unavailable),
                "{sqlstate}"
            );
        }
        assert_eq!(postgres_fault("53100"), Some(StorageFault::Full));
        // A unique violation is the caller's conflict, not a fault.
        assert_eq!(postgres_fault("23505"), None);
        assert_eq!(storage_fault_of_sqlx(&sqlx::Error::RowNotFound), None);
    }

    #[tokio::test]
    async fn sqlite_full_is_recognized_from_a_real_database() {
        // A database capped at a few pages fills up like a full disk does:
        // SQLite answers SQLITE_FULL either way.
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x BLOB)")
            .execute(&pool)
            .await
            .unwrap();
        let page_count: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&pool)
            .await
            .unwrap();
        sqlx::query(&format!("PRAGMA max_page_count = {}", page_count + 1))
            .execute(&pool)
            .await
            .unwrap();
        let error = sqlx::query("INSERT INTO t (x) VALUES ($1)")
            .bind(vec![7u8; 64 * 1024])
            .execute(&pool)
            .await
            .expect_err("a capped database refuses a write larger than itself");
        assert_eq!(
            storage_fault_of_sqlx(&error),
            Some(StorageFault::Full),
            "{error}"
        );
    }
}
