//! Backups: one file that holds everything a restore needs, made while the
//! server serves, and the restore that checks all of it before writing.
//!
//! A backup is a tar file (readable with `tar tf` when not sealed):
//! - `database/phonghop.db`: the SQLite database copied with SQLite's
//!   `VACUUM INTO` (a read transaction on a live connection: one
//!   consistent state, writers go on meanwhile), or
//!   `database/postgresql.sql`: `pg_dump`'s plain SQL of a PostgreSQL
//!   database (itself one snapshot);
//! - `data/…`: every other file of the data directory (document files,
//!   `tls/`, signing material), copied after the database, so every
//!   document file the database names is there (document files are never
//!   removed);
//! - `manifest.json`, last: the format, when, which database, and the
//!   size and SHA-256 of every other member.
//!
//! With a passphrase the whole tar is sealed ([`seal`]). `restore`
//! reads the file twice: once to check every member against the manifest
//! (nothing written), once to write them into a staging folder beside the
//! target, renamed into place at the end.
//!
//! The manifest is a storage format, like the schema, so it lives here and
//! not in `phonghop-protocol`. The last failure of a scheduled backup is
//! shown to administrators by `GET /api/v1/admin/backup` (`http/admin.rs`).

pub mod restore;
pub mod schedule;
pub mod seal;

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{Dialect, Store};

/// The manifest's `format` field.
pub const FORMAT: &str = "phonghop-backup";
/// The manifest's `version` field: what this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The SQLite member.
pub const SQLITE_MEMBER: &str = "database/phonghop.db";
/// The PostgreSQL member.
pub const POSTGRES_MEMBER: &str = "database/postgresql.sql";
/// Data directory files are stored under this prefix.
pub const DATA_PREFIX: &str = "data/";
pub const MANIFEST_MEMBER: &str = "manifest.json";
/// Where a restore puts the SQLite database: the `serve` default.
pub const SQLITE_FILE_NAME: &str = "phonghop.db";
/// Settings rows that remember the last backup.
pub const LAST_BACKUP_AT_SETTING: &str = "backup.last_at";
pub const LAST_BACKUP_FILE_SETTING: &str = "backup.last_file";

/// The list of members, written last. Not a wire type: a storage format,
/// like the database schema, read only by `restore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// `sqlite` or `postgresql`.
    pub database: String,
    /// The phonghop version that made it.
    pub made_by: String,
    pub members: Vec<ManifestMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestMember {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// What can go wrong making a backup.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("cannot copy the database: {0}")]
    Database(#[from] crate::store::StoreError),
    #[error(
        "pg_dump is not on the PATH: install the PostgreSQL client (apt install postgresql-client) of the server's major version or newer"
    )]
    PgDumpMissing,
    #[error("pg_dump failed ({status}): {stderr}")]
    PgDump { status: String, stderr: String },
    #[error("{} changed while it was copied: run the backup again", .0.display())]
    Changed(PathBuf),
    #[error("the output {} already exists: choose another name", .0.display())]
    OutputExists(PathBuf),
    #[error("cannot seal the backup: {0}")]
    Seal(#[from] seal::SealError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
}

fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// What is backed up.
#[derive(Debug, Clone)]
pub struct BackupSource {
    pub data_dir: PathBuf,
    /// The database URL in force (for `pg_dump`, and to leave a SQLite
    /// file inside the data directory out of the file copy).
    pub database_url: String,
}

/// What a finished backup holds.
#[derive(Debug, Clone)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub members: usize,
    /// Bytes of members (before sealing).
    pub content_bytes: u64,
    /// The file's size.
    pub file_bytes: u64,
    pub sealed: bool,
    pub seconds: f64,
    /// The CA's private key was in the data directory, so it is in the
    /// backup.
    pub holds_ca_key: bool,
}

/// Makes one backup file at `output` (refusing to overwrite one). The
/// file appears under its name only when complete: it is written as
/// `OUTPUT.partial` and renamed.
pub async fn create(
    store: &Store,
    source: &BackupSource,
    output: &Path,
    passphrase: Option<&str>,
) -> Result<BackupSummary, BackupError> {
    let started = Instant::now();
    if output.exists() {
        return Err(BackupError::OutputExists(output.to_owned()));
    }
    // The database copy is made in the data directory, which already holds
    // the database: no copy of it lands anywhere less protected.
    let scratch = tempfile::Builder::new()
        .prefix(SCRATCH_PREFIX)
        .tempdir_in(&source.data_dir)
        .map_err(io_error(format!(
            "cannot make a scratch folder in {}",
            source.data_dir.display()
        )))?;
    let (database_kind, database_member, database_file) = match store.dialect() {
        Dialect::Sqlite => {
            let path = scratch.path().join("phonghop.db");
            store.snapshot_sqlite_into(&path).await?;
            ("sqlite", SQLITE_MEMBER, path)
        }
        Dialect::Postgres => {
            let path = scratch.path().join("postgresql.sql");
            pg_dump(&source.database_url, &path).await?;
            ("postgresql", POSTGRES_MEMBER, path)
        }
    };
    let source = source.clone();
    let output = output.to_owned();
    let passphrase = passphrase.map(str::to_owned);
    let summary = tokio::task::spawn_blocking(move || {
        let result = write_archive(
            &source,
            database_kind,
            database_member,
            &database_file,
            &output,
            passphrase.as_deref(),
        );
        drop(scratch);
        result
    })
    .await
    .map_err(|e| BackupError::Io {
        what: "the backup task stopped".into(),
        source: io::Error::other(e.to_string()),
    })??;
    Ok(BackupSummary {
        seconds: started.elapsed().as_secs_f64(),
        ..summary
    })
}

/// Folders `create` makes in the data directory; never copied.
const SCRATCH_PREFIX: &str = ".backup-scratch-";

/// Where the output goes while it is written.
fn partial_path(output: &Path) -> PathBuf {
    let mut name = output.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    output.with_file_name(name)
}

/// The file the archive is written to: plain or sealed.
enum Sink {
    Plain(io::BufWriter<std::fs::File>),
    Sealed(seal::SealingWriter<io::BufWriter<std::fs::File>>),
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(writer) => writer.write(bytes),
            Sink::Sealed(writer) => writer.write(bytes),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(writer) => writer.flush(),
            Sink::Sealed(writer) => writer.flush(),
        }
    }
}

impl Sink {
    fn finish(self) -> io::Result<std::fs::File> {
        let writer = match self {
            Sink::Plain(writer) => writer,
            Sink::Sealed(writer) => writer.finish()?,
        };
        writer.into_inner().map_err(|e| e.into_error())
    }
}

fn write_archive(
    source: &BackupSource,
    database_kind: &str,
    database_member: &str,
    database_file: &Path,
    output: &Path,
    passphrase: Option<&str>,
) -> Result<BackupSummary, BackupError> {
    let partial = partial_path(output);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .map_err(io_error(format!("cannot create {}", partial.display())))?;
    restrict_to_owner(&partial);
    let result = (|| {
        let writer = io::BufWriter::with_capacity(256 * 1024, file);
        let sink = match passphrase {
            Some(passphrase) => Sink::Sealed(seal::SealingWriter::new(writer, passphrase)?),
            None => Sink::Plain(writer),
        };
        let mut archive = tar::Builder::new(sink);
        let mut members = vec![append_file(&mut archive, database_member, database_file)?];
        let data_files = list_data_files(source, output)?;
        let holds_ca_key = data_files
            .iter()
            .any(|relative| relative == Path::new("tls/ca-key.pem"));
        for relative in &data_files {
            let name = format!("{DATA_PREFIX}{}", relative.display());
            members.push(append_file(
                &mut archive,
                &name,
                &source.data_dir.join(relative),
            )?);
        }
        let content_bytes = members.iter().map(|m| m.size).sum();
        let manifest = Manifest {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            created_at: now_rfc3339(),
            database: database_kind.into(),
            made_by: env!("CARGO_PKG_VERSION").into(),
            members,
        };
        let manifest_bytes = serde_json::to_vec_pretty(&manifest).expect("a manifest serializes");
        let mut header = tar::Header::new_gnu();
        header.set_size(manifest_bytes.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64);
        archive
            .append_data(&mut header, MANIFEST_MEMBER, manifest_bytes.as_slice())
            .map_err(io_error("cannot write the manifest"))?;
        let sink = archive
            .into_inner()
            .map_err(io_error("cannot finish the archive"))?;
        let file = sink
            .finish()
            .map_err(io_error("cannot finish the backup file"))?;
        file.sync_all()
            .map_err(io_error("cannot flush the backup file to disk"))?;
        let file_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(BackupSummary {
            path: output.to_owned(),
            members: manifest.members.len(),
            content_bytes,
            file_bytes,
            sealed: passphrase.is_some(),
            seconds: 0.0,
            holds_ca_key,
        })
    })();
    match result {
        Ok(summary) => {
            if output.exists() {
                let _ = std::fs::remove_file(partial);
                return Err(BackupError::OutputExists(output.to_owned()));
            }
            std::fs::rename(partial, output)
                .map_err(io_error(format!("cannot rename to {}", output.display())))?;
            if let Some(folder) = output.parent() {
                if let Ok(folder) = std::fs::File::open(folder) {
                    let _ = folder.sync_all();
                }
            }
            Ok(summary)
        }
        Err(error) => {
            let _ = std::fs::remove_file(partial);
            Err(error)
        }
    }
}

/// A reader that hashes and counts what passes through it.
pub(crate) struct HashingReader<R> {
    pub inner: R,
    pub hasher: Sha256,
    pub count: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(out)?;
        self.hasher.update(&out[..count]);
        self.count += count as u64;
        Ok(count)
    }
}

fn append_file(
    archive: &mut tar::Builder<Sink>,
    name: &str,
    path: &Path,
) -> Result<ManifestMember, BackupError> {
    let file =
        std::fs::File::open(path).map_err(io_error(format!("cannot read {}", path.display())))?;
    let metadata = file
        .metadata()
        .map_err(io_error(format!("cannot read {}", path.display())))?;
    let size = metadata.len();
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(file_mode(&metadata));
    header.set_mtime(
        metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs())
            .unwrap_or(0),
    );
    let mut reader = HashingReader {
        inner: file.take(size),
        hasher: Sha256::new(),
        count: 0,
    };
    archive
        .append_data(&mut header, name, &mut reader)
        .map_err(io_error(format!("cannot add {}", path.display())))?;
    if reader.count != size {
        return Err(BackupError::Changed(path.to_owned()));
    }
    Ok(ManifestMember {
        path: name.to_owned(),
        size,
        sha256: hex::encode(reader.hasher.finalize()),
    })
}

#[cfg(unix)]
fn file_mode(metadata: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o777
}

#[cfg(not(unix))]
fn file_mode(_metadata: &std::fs::Metadata) -> u32 {
    0o600
}

/// Only the owner may read a backup: it holds the accounts' password
/// hashes and, unless sealed, every document.
pub(crate) fn restrict_to_owner(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

/// Every regular file of the data directory that a backup copies,
/// relative to it, sorted: all but the live SQLite files (the database
/// goes in as its consistent copy), scratch and temporary files, and
/// backups themselves (a backup folder inside the data directory).
fn list_data_files(source: &BackupSource, output: &Path) -> Result<Vec<PathBuf>, BackupError> {
    let database_file = source
        .database_url
        .strip_prefix("sqlite://")
        .map(|path| PathBuf::from(path.split('?').next().unwrap_or(path)));
    let canonical = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let database_file = database_file.map(|p| canonical(&p));
    let output_folder = output.parent().map(canonical);
    let data_dir = canonical(&source.data_dir);
    let mut files = Vec::new();
    let mut folders = vec![data_dir.clone()];
    while let Some(folder) = folders.pop() {
        if Some(&folder) == output_folder.as_ref() && folder != data_dir {
            continue;
        }
        let entries = std::fs::read_dir(&folder)
            .map_err(io_error(format!("cannot list {}", folder.display())))?;
        for entry in entries {
            let entry = entry.map_err(io_error(format!("cannot list {}", folder.display())))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry
                .file_type()
                .map_err(io_error(format!("cannot read {}", path.display())))?;
            if name.starts_with(SCRATCH_PREFIX)
                || name.starts_with(restore::STAGING_PREFIX)
                || name.starts_with(".tmp")
                || name == ".phonghop-write-test"
                || name.ends_with(".partial")
            {
                continue;
            }
            if kind.is_dir() {
                folders.push(path);
            } else if kind.is_file() {
                if let Some(database) = &database_file {
                    let database = database.to_string_lossy();
                    let candidate = path.to_string_lossy();
                    if candidate == database
                        || candidate
                            .strip_prefix(database.as_ref())
                            .is_some_and(|tail| ["-wal", "-shm", "-journal"].contains(&tail))
                    {
                        continue;
                    }
                }
                if Some(&folder) == output_folder.as_ref() && name.ends_with(BACKUP_EXTENSION) {
                    continue;
                }
                let relative = path
                    .strip_prefix(&data_dir)
                    .expect("listed under the data directory")
                    .to_owned();
                files.push(relative);
            } else {
                tracing::warn!(path = %path.display(), "backup: not a regular file, left out");
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The extension backup files get from `serve --backup-every`.
pub const BACKUP_EXTENSION: &str = ".phbak";

pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Runs `pg_dump` for `database_url` into `path`, the password (if the
/// URL has one) passed in `PGPASSWORD`, never on the command line, where
/// other users of the machine could read it.
async fn pg_dump(database_url: &str, path: &Path) -> Result<(), BackupError> {
    let (url, password) = split_password(database_url);
    let mut command = tokio::process::Command::new("pg_dump");
    command
        .arg("--format=plain")
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--quote-all-identifiers")
        .arg(format!("--file={}", path.display()))
        .arg(format!("--dbname={url}"))
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().await.map_err(|error| {
        if error.kind() == io::ErrorKind::NotFound {
            BackupError::PgDumpMissing
        } else {
            BackupError::Io {
                what: "cannot start pg_dump".into(),
                source: error,
            }
        }
    })?;
    if !output.status.success() {
        return Err(BackupError::PgDump {
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(())
}

/// A PostgreSQL URL without its password, and the password
/// (percent-decoded).
pub(crate) fn split_password(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://") else {
        return (url.to_owned(), None);
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            let password = percent_decode(&authority[colon + 1..at]);
            let without = format!(
                "{}{}{}",
                &url[..scheme_end + 3],
                &authority[..colon],
                &rest[at..]
            );
            (without, Some(password))
        }
        _ => (url.to_owned(), None),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            let high = (bytes[index + 1] as char).to_digit(16);
            let low = (bytes[index + 2] as char).to_digit(16);
            if let (Some(high), Some(low)) = (high, low) {
                out.push((high * 16 + low) as u8);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Remembers a finished backup in the database (settings), where the
/// administrators' screen reads it. A failure is logged: the backup file
/// itself is good.
pub async fn record_success(store: &Store, summary: &BackupSummary) {
    let at = crate::store::now_millis().to_string();
    let file = summary.path.display().to_string();
    for (name, value) in [
        (LAST_BACKUP_AT_SETTING, at.as_str()),
        (LAST_BACKUP_FILE_SETTING, file.as_str()),
    ] {
        if let Err(error) = store.set_setting(name, value).await {
            tracing::warn!(%error, "cannot record the last backup's time");
        }
    }
}

/// One line about a finished backup, for the console and the log.
pub fn summary_line(summary: &BackupSummary) -> String {
    format!(
        "backup written: {} ({} members, {} bytes of content, {} bytes on disk, {}, {:.1} s)",
        summary.path.display(),
        summary.members,
        summary.content_bytes,
        summary.file_bytes,
        if summary.sealed {
            "sealed with a passphrase"
        } else {
            "not encrypted"
        },
        summary.seconds
    )
}

/// Reads a passphrase: the first line of `file`, or, on a terminal, asked
/// twice (`confirm`) or once.
pub fn read_passphrase(file: Option<&Path>, confirm: bool) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let passphrase = match file {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                crate::config::UsageError(format!(
                    "cannot read the passphrase file {}: {e}",
                    file.display()
                ))
            })?;
            text.lines().next().unwrap_or_default().to_owned()
        }
        None if std::io::stdin().is_terminal() => {
            let first = rpassword::prompt_password("Mật khẩu sao lưu / backup passphrase: ")?;
            if confirm {
                let second = rpassword::prompt_password("Nhập lại / repeat: ")?;
                if first != second {
                    anyhow::bail!(crate::config::UsageError(
                        "the two passphrases differ: nothing was written".into()
                    ));
                }
            }
            first
        }
        None => anyhow::bail!(crate::config::UsageError(
            "no terminal to ask the passphrase on: give --passphrase-file".into()
        )),
    };
    if passphrase.chars().count() < 8 {
        anyhow::bail!(crate::config::UsageError(
            "the backup passphrase must have at least 8 characters".into()
        ));
    }
    Ok(passphrase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        assert_eq!(
            split_password("postgres://phonghop:s%40cret@db.local:5432/phonghop"),
            (
                "postgres://phonghop@db.local:5432/phonghop".to_owned(),
                Some("s@cret".to_owned())
            )
        );
        assert_eq!(
            split_password("postgres://postgres@127.0.0.1/test"),
            ("postgres://postgres@127.0.0.1/test".to_owned(), None)
        );
    }
}
