//! [`BlobStore`]: document files kept under their SHA-256, so a name can
//! never come from a user and identical uploads are stored once.
//!
//! Layout: `blobs/ab/abcdef…` (the first two hex digits shard the folder).
//! A blob is written to a temporary file in the same folder, fsynced, then
//! renamed into place, so a crash never leaves a half-written blob under a
//! real name, and a write that fails (a full disk) removes its temporary
//! file.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Content-addressed files under one directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// What can go wrong storing or finding a blob. An I/O error becomes a
/// `BlobError` through `From`, which asks [`crate::fault`] whether the
/// disk is full.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob name {0:?} is not a sha-256 hex digest")]
    BadName(String),
    /// The disk is full (or over quota): nothing was stored, and the
    /// temporary file was removed.
    #[error("blob store disk is full: {0}")]
    Full(#[source] std::io::Error),
    #[error("blob store i/o: {0}")]
    Io(#[source] std::io::Error),
}

impl From<std::io::Error> for BlobError {
    fn from(error: std::io::Error) -> Self {
        match crate::fault::storage_fault_of_io(&error) {
            Some(crate::fault::StorageFault::Full) => BlobError::Full(error),
            _ => BlobError::Io(error),
        }
    }
}

impl BlobStore {
    /// Opens (creating) the store at `root`.
    pub fn open(root: PathBuf) -> Result<BlobStore, BlobError> {
        std::fs::create_dir_all(&root)?;
        Ok(BlobStore { root })
    }

    /// Where the blob named `sha256` lives; refuses anything but 64 hex
    /// digits, so no name can point outside the store.
    pub fn path_of(&self, sha256: &str) -> Result<PathBuf, BlobError> {
        if sha256.len() != 64
            || !sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(BlobError::BadName(sha256.to_owned()));
        }
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores `bytes` durably and returns their SHA-256 (lowercase hex).
    pub fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&sha256)?;
        if path.exists() {
            return Ok(sha256);
        }
        let folder = path.parent().expect("blob paths have a parent");
        std::fs::create_dir_all(folder)?;
        let mut temporary = tempfile::NamedTempFile::new_in(folder)?;
        temporary.write_all(bytes)?;
        temporary.as_file().sync_all()?;
        temporary.persist(&path).map_err(|e| e.error)?;
        sync_dir(folder);
        Ok(sha256)
    }

    pub fn exists(&self, sha256: &str) -> bool {
        self.path_of(sha256).map(|p| p.exists()).unwrap_or(false)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// Makes a rename durable (best effort: not every platform can open a dir).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_content_is_stored_once_under_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path().to_path_buf()).unwrap();
        let first = blobs.put(b"%PDF-1.7 hello").unwrap();
        let second = blobs.put(b"%PDF-1.7 hello").unwrap();
        assert_eq!(first, second);
        assert_eq!(
            std::fs::read(blobs.path_of(&first).unwrap()).unwrap(),
            b"%PDF-1.7 hello"
        );
        assert!(blobs.exists(&first));
    }

    #[test]
    fn names_that_are_not_hashes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path().to_path_buf()).unwrap();
        for name in [
            "../../etc/passwd",
            "",
            "ab",
            &"A".repeat(64),
            &format!("{}/x", "a".repeat(62)),
        ] {
            assert!(blobs.path_of(name).is_err(), "{name:?} must be refused");
        }
    }
}
