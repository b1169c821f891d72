//! `phonghop restore`: a backup file back into an empty data directory.
//!
//! The file is read twice. The first pass checks everything and writes
//! nothing: every member is a plain file with a safe relative name, its
//! SHA-256 and size match the manifest, no member is missing, extra or
//! repeated, and the manifest is last (a file cut short has none). The
//! second pass writes the members into a staging folder beside the
//! target, checking each again, loads a PostgreSQL dump with `psql` in one
//! transaction, and only then renames the staging folder to the target.
//! Any failure removes the staging folder: the target is never half
//! restored.

use std::collections::HashSet;
use std::io::{self, BufReader, Read, Seek, Write};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::seal::{self, OpenedKey, SealError};
use super::{
    HashingReader, Manifest, ManifestMember, DATA_PREFIX, FORMAT, FORMAT_VERSION, MANIFEST_MEMBER,
    POSTGRES_MEMBER, SQLITE_FILE_NAME, SQLITE_MEMBER,
};

/// Staging folders `restore` makes beside the target.
pub const STAGING_PREFIX: &str = ".phonghop-restore-";
/// The largest manifest read (a million members fit).
const MAX_MANIFEST_BYTES: u64 = 256 * 1024 * 1024;

/// Why a restore did not happen. Every variant means nothing was written
/// to the target.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("{} is not empty: restore only into a new or empty directory; nothing was written", .0.display())]
    TargetNotEmpty(PathBuf),
    #[error("{} is a file, not a directory; nothing was written", .0.display())]
    TargetIsFile(PathBuf),
    #[error("cannot read the backup {}: {source}", .path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the backup is encrypted: give its passphrase (--passphrase-file, or typed when asked); nothing was written")]
    NeedsPassphrase,
    #[error("the passphrase is wrong; nothing was written")]
    WrongPassphrase,
    #[error("the backup is damaged or truncated ({0}); nothing was written")]
    Damaged(String),
    #[error("this backup holds a PostgreSQL database: give --database-url of an empty PostgreSQL database to load it into; nothing was written")]
    NeedsPostgresTarget,
    #[error("this backup holds a SQLite database, which is restored into the data directory: leave out --database-url; nothing was written")]
    SqliteTargetGiven,
    #[error("psql is not on the PATH: install the PostgreSQL client; nothing was written")]
    PsqlMissing,
    #[error("psql could not load the database (is the target database empty?): {0}; nothing was written")]
    Psql(String),
    #[error("{what}: {source}; nothing was written")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
}

impl From<SealError> for RestoreError {
    fn from(error: SealError) -> Self {
        match error {
            SealError::WrongPassphrase => RestoreError::WrongPassphrase,
            SealError::Io(source) => RestoreError::Io {
                what: "cannot read the backup".into(),
                source,
            },
            other => RestoreError::Damaged(other.to_string()),
        }
    }
}

/// What to restore, and where.
#[derive(Debug, Clone)]
pub struct RestoreRequest {
    pub input: PathBuf,
    pub data_dir: PathBuf,
    pub passphrase: Option<String>,
    /// An empty PostgreSQL database, for a backup of a PostgreSQL server.
    pub database_url: Option<String>,
}

/// What a restore wrote.
#[derive(Debug, Clone)]
pub struct RestoreSummary {
    pub manifest: Manifest,
    pub data_dir: PathBuf,
}

/// Whether the file at `input` is sealed with a passphrase.
pub fn is_sealed(input: &Path) -> Result<bool, RestoreError> {
    let unreadable = |source| RestoreError::Unreadable {
        path: input.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(input).map_err(unreadable)?;
    let mut prefix = Vec::with_capacity(seal::MAGIC.len());
    (&mut file)
        .take(seal::MAGIC.len() as u64)
        .read_to_end(&mut prefix)
        .map_err(unreadable)?;
    Ok(seal::is_sealed(&prefix))
}

/// Restores `request.input` into `request.data_dir` (which must be empty
/// or absent). Blocking: call it from a blocking thread.
pub fn restore(request: &RestoreRequest) -> Result<RestoreSummary, RestoreError> {
    let target = &request.data_dir;
    if target.exists() {
        if !target.is_dir() {
            return Err(RestoreError::TargetIsFile(target.clone()));
        }
        let mut entries = std::fs::read_dir(target).map_err(|source| RestoreError::Io {
            what: format!("cannot list {}", target.display()),
            source,
        })?;
        if entries.next().is_some() {
            return Err(RestoreError::TargetNotEmpty(target.clone()));
        }
    }
    let key = match (is_sealed(&request.input)?, &request.passphrase) {
        (false, _) => None,
        (true, None) => return Err(RestoreError::NeedsPassphrase),
        (true, Some(passphrase)) => {
            let mut file = open_input(&request.input)?;
            Some(seal::open_key(&mut file, passphrase)?)
        }
    };
    // Pass one: check everything, write nothing.
    let manifest = scan(reader(&request.input, key.as_ref())?, None)?;
    match (manifest.database.as_str(), &request.database_url) {
        ("postgresql", None) => return Err(RestoreError::NeedsPostgresTarget),
        ("sqlite", Some(_)) => return Err(RestoreError::SqliteTargetGiven),
        _ => {}
    }
    // Pass two: write into a staging folder beside the target.
    let parent = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|source| RestoreError::Io {
        what: format!("cannot create {}", parent.display()),
        source,
    })?;
    let staging = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(&parent)
        .map_err(|source| RestoreError::Io {
            what: format!("cannot make a staging folder in {}", parent.display()),
            source,
        })?;
    scan(
        reader(&request.input, key.as_ref())?,
        Some((staging.path(), &manifest)),
    )?;
    if let Some(url) = &request.database_url {
        let dump = staging.path().join(POSTGRES_STAGING_NAME);
        load_postgres(url, &dump)?;
        std::fs::remove_file(&dump).map_err(|source| RestoreError::Io {
            what: "cannot remove the loaded dump".into(),
            source,
        })?;
    }
    let staged = staging.keep();
    // rename(2) replaces an empty directory, and fails on a non-empty one
    // (someone wrote into the target meanwhile).
    if let Err(source) = std::fs::rename(&staged, target) {
        let _ = std::fs::remove_dir_all(staged);
        return Err(RestoreError::Io {
            what: format!("cannot move the restored files to {}", target.display()),
            source,
        });
    }
    if let Ok(folder) = std::fs::File::open(parent) {
        let _ = folder.sync_all();
    }
    Ok(RestoreSummary {
        manifest,
        data_dir: target.clone(),
    })
}

/// Where the SQL dump waits in the staging folder for `psql`.
const POSTGRES_STAGING_NAME: &str = ".postgresql.sql";

fn open_input(input: &Path) -> Result<BufReader<std::fs::File>, RestoreError> {
    std::fs::File::open(input)
        .map(|file| BufReader::with_capacity(256 * 1024, file))
        .map_err(|source| RestoreError::Unreadable {
            path: input.to_owned(),
            source,
        })
}

/// The plaintext of the backup at `input`, from its start.
fn reader(input: &Path, key: Option<&OpenedKey>) -> Result<Box<dyn Read>, RestoreError> {
    let mut file = open_input(input)?;
    match key {
        None => Ok(Box::new(file)),
        Some(key) => {
            file.seek(io::SeekFrom::Start(seal::HEADER_LEN as u64))
                .map_err(|source| RestoreError::Unreadable {
                    path: input.to_owned(),
                    source,
                })?;
            Ok(Box::new(seal::UnsealingReader::new(file, key)))
        }
    }
}

fn damaged(error: io::Error) -> RestoreError {
    RestoreError::Damaged(error.to_string())
}

/// Where a member goes under the target, or why its name is refused.
fn destination(name: &str, database: &str) -> Result<PathBuf, RestoreError> {
    if name == SQLITE_MEMBER && database == "sqlite" {
        return Ok(PathBuf::from(SQLITE_FILE_NAME));
    }
    if name == POSTGRES_MEMBER && database == "postgresql" {
        return Ok(PathBuf::from(POSTGRES_STAGING_NAME));
    }
    let relative = name
        .strip_prefix(DATA_PREFIX)
        .ok_or_else(|| RestoreError::Damaged(format!("unexpected member {name:?}")))?;
    let path = Path::new(relative);
    let safe = !relative.is_empty()
        && path.components().all(|c| matches!(c, Component::Normal(_)))
        && path != Path::new(SQLITE_FILE_NAME)
        && path != Path::new(POSTGRES_STAGING_NAME);
    if !safe {
        return Err(RestoreError::Damaged(format!(
            "member name {name:?} is not allowed"
        )));
    }
    Ok(path.to_owned())
}

/// Reads the whole archive. Without a target it only checks (and returns
/// the manifest); with one it writes each member there and checks it
/// against the manifest from the first pass.
fn scan(
    reader: Box<dyn Read>,
    target: Option<(&Path, &Manifest)>,
) -> Result<Manifest, RestoreError> {
    let mut archive = tar::Archive::new(reader);
    let mut seen: Vec<ManifestMember> = Vec::new();
    let mut names = HashSet::new();
    let mut manifest: Option<Manifest> = None;
    for entry in archive.entries().map_err(damaged)? {
        let entry = entry.map_err(damaged)?;
        if manifest.is_some() {
            return Err(RestoreError::Damaged(
                "a member follows the manifest".into(),
            ));
        }
        if !entry.header().entry_type().is_file() {
            return Err(RestoreError::Damaged(
                "a member is not a regular file".into(),
            ));
        }
        let name = entry
            .path()
            .map_err(damaged)?
            .to_str()
            .ok_or_else(|| RestoreError::Damaged("a member name is not UTF-8".into()))?
            .to_owned();
        if !names.insert(name.clone()) {
            return Err(RestoreError::Damaged(format!(
                "member {name:?} is repeated"
            )));
        }
        let size = entry.size();
        let mode = entry.header().mode().unwrap_or(0o600) & 0o777;
        if name == MANIFEST_MEMBER {
            if size > MAX_MANIFEST_BYTES {
                return Err(RestoreError::Damaged("the manifest is too large".into()));
            }
            let mut bytes = Vec::new();
            entry
                .take(MAX_MANIFEST_BYTES)
                .read_to_end(&mut bytes)
                .map_err(damaged)?;
            let parsed: Manifest = serde_json::from_slice(&bytes)
                .map_err(|e| RestoreError::Damaged(format!("the manifest is unreadable: {e}")))?;
            if parsed.format != FORMAT {
                return Err(RestoreError::Damaged("not a phonghop backup".into()));
            }
            if parsed.version != FORMAT_VERSION {
                return Err(RestoreError::Damaged(format!(
                    "backup format version {} is not one this phonghop reads ({FORMAT_VERSION})",
                    parsed.version
                )));
            }
            manifest = Some(parsed);
            continue;
        }
        let mut hashing = HashingReader {
            inner: entry,
            hasher: Sha256::new(),
            count: 0,
        };
        match target {
            None => {
                io::copy(&mut hashing, &mut io::sink()).map_err(damaged)?;
            }
            Some((root, first_pass)) => {
                let path = root.join(destination(&name, &first_pass.database)?);
                write_member(&mut hashing, &path, mode)?;
            }
        }
        let member = ManifestMember {
            path: name,
            size: hashing.count,
            sha256: hex::encode(hashing.hasher.finalize()),
        };
        if member.size != size {
            return Err(RestoreError::Damaged(format!(
                "member {:?} is cut short",
                member.path
            )));
        }
        seen.push(member);
    }
    let manifest = manifest.ok_or_else(|| {
        RestoreError::Damaged(
            "the manifest is missing: the file was cut short or is not a phonghop backup".into(),
        )
    })?;
    if let Some((_, first_pass)) = target {
        if manifest != *first_pass {
            return Err(RestoreError::Damaged(
                "the file changed between the check and the restore".into(),
            ));
        }
    }
    // Same members, same order, same sizes and hashes.
    if seen.len() != manifest.members.len() {
        return Err(RestoreError::Damaged(format!(
            "the manifest lists {} members, the file holds {}",
            manifest.members.len(),
            seen.len()
        )));
    }
    for (found, listed) in seen.iter().zip(&manifest.members) {
        if found != listed {
            return Err(RestoreError::Damaged(format!(
                "member {:?} does not match its checksum in the manifest",
                listed.path
            )));
        }
    }
    // Only known names, each checked before anything is written.
    for member in &manifest.members {
        destination(&member.path, &manifest.database)?;
    }
    Ok(manifest)
}

fn write_member(reader: &mut impl Read, path: &Path, mode: u32) -> Result<(), RestoreError> {
    let failed = |what: &str| {
        let what = format!("{what} {}", path.display());
        move |source| RestoreError::Io { what, source }
    };
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(failed("cannot create the folder of"))?;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(failed("cannot create"))?;
    let mut writer = io::BufWriter::with_capacity(256 * 1024, file);
    io::copy(reader, &mut writer).map_err(|error| {
        if error.kind() == io::ErrorKind::InvalidData
            || error.kind() == io::ErrorKind::UnexpectedEof
        {
            damaged(error)
        } else {
            RestoreError::Io {
                what: format!("cannot write {}", path.display()),
                source: error,
            }
        }
    })?;
    writer.flush().map_err(failed("cannot write"))?;
    let file = writer.into_inner().map_err(|e| RestoreError::Io {
        what: format!("cannot write {}", path.display()),
        source: e.into_error(),
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode | 0o600))
            .map_err(failed("cannot set the permissions of"))?;
    }
    file.sync_all().map_err(failed("cannot flush"))?;
    Ok(())
}

/// Loads a `pg_dump` file into the (empty) database at `url` in one
/// transaction that stops at the first error.
fn load_postgres(url: &str, dump: &Path) -> Result<(), RestoreError> {
    let (url, password) = super::split_password(url);
    let mut command = std::process::Command::new("psql");
    command
        .arg("--no-psqlrc")
        .arg("--quiet")
        .arg("--single-transaction")
        .arg("--set=ON_ERROR_STOP=1")
        .arg(format!("--file={}", dump.display()))
        .arg(format!("--dbname={url}"))
        .stdin(std::process::Stdio::null());
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().map_err(|error| {
        if error.kind() == io::ErrorKind::NotFound {
            RestoreError::PsqlMissing
        } else {
            RestoreError::Io {
                what: "cannot start psql".into(),
                source: error,
            }
        }
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first_error = stderr
            .lines()
            .find(|line| line.contains("ERROR"))
            .unwrap_or_else(|| stderr.trim());
        return Err(RestoreError::Psql(first_error.to_owned()));
    }
    Ok(())
}
