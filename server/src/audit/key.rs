//! The audit key: an Ed25519 key pair that signs audit checkpoints, kept
//! in the data directory as PKCS#8 (`audit-key.p8`, mode 0600, made on
//! the server's first start) beside its public half (`audit-key.pub`, one
//! line of hex) for auditors. It lives outside the database on purpose:
//! someone who can only write the database cannot sign.
//!
//! A key file that others may read is refused, loudly: whoever reads it
//! can sign checkpoints over a rewritten log.

use std::io::Write;
use std::path::{Path, PathBuf};

use ring::rand::SystemRandom;
use ring::signature::{self, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha256};

/// The private key's file in the data directory.
pub const KEY_FILE: &str = "audit-key.p8";
/// The public key's file in the data directory.
pub const PUBLIC_KEY_FILE: &str = "audit-key.pub";

/// Why the audit key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AuditKeyError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} có quyền {mode:04o}: người dùng khác đọc được khóa ký nhật ký kiểm toán; chạy `chmod 600 {path}` rồi khởi động lại / \
         {path} has mode {mode:04o}: other users can read the audit signing key; run `chmod 600 {path}` and start again"
    )]
    LooseMode { path: String, mode: u32 },
    #[error("{}: not an Ed25519 PKCS#8 key", path.display())]
    NotEd25519 { path: PathBuf },
    #[error("{}: not an Ed25519 public key (64 hex digits)", path.display())]
    NotPublicKey { path: PathBuf },
}

/// An Ed25519 public key: what an auditor needs to check checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPublicKey([u8; 32]);

impl AuditPublicKey {
    /// From the text of `audit-key.pub`: 64 hex digits (surrounding
    /// whitespace and an `ed25519:` prefix allowed).
    pub fn from_text(text: &str) -> Option<AuditPublicKey> {
        let text = text.trim();
        let text = text.strip_prefix("ed25519:").unwrap_or(text);
        let bytes = hex::decode(text).ok()?;
        Some(AuditPublicKey(bytes.try_into().ok()?))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The first 16 hex digits of the key's SHA-256: the name a
    /// checkpoint gives its key.
    pub fn key_id(&self) -> String {
        hex::encode(&Sha256::digest(self.0)[..8])
    }

    /// Whether `signature` (64 bytes) is this key's over `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&signature::ED25519, &self.0)
            .verify(message, signature)
            .is_ok()
    }
}

/// The audit key pair, loaded.
pub struct AuditKey {
    pair: Ed25519KeyPair,
    public: AuditPublicKey,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "AuditKey({})", self.public.key_id())
    }
}

impl AuditKey {
    /// From PKCS#8 bytes (v1 or v2, as ring or OpenSSL write them).
    pub fn from_pkcs8(pkcs8: &[u8]) -> Option<AuditKey> {
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).ok()?;
        let public = AuditPublicKey(pair.public_key().as_ref().try_into().ok()?);
        Some(AuditKey { pair, public })
    }

    /// A new random key pair and its PKCS#8 bytes.
    pub fn generate() -> Result<(AuditKey, Vec<u8>), ring::error::Unspecified> {
        let document = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())?;
        let pkcs8 = document.as_ref().to_vec();
        let key = AuditKey::from_pkcs8(&pkcs8).ok_or(ring::error::Unspecified)?;
        Ok((key, pkcs8))
    }

    pub fn public(&self) -> &AuditPublicKey {
        &self.public
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }

    /// Loads `audit-key.p8` from `data_dir`, or makes it (and
    /// `audit-key.pub`) when there is none. Refuses a key file others may
    /// read or write.
    pub fn load_or_create(data_dir: &Path) -> Result<AuditKey, AuditKeyError> {
        let path = data_dir.join(KEY_FILE);
        match AuditKey::load(data_dir)? {
            Some(key) => {
                // Keep the public file present and true (an auditor copies it).
                let public_path = data_dir.join(PUBLIC_KEY_FILE);
                let written = std::fs::read_to_string(&public_path)
                    .ok()
                    .and_then(|text| AuditPublicKey::from_text(&text));
                if written.as_ref() != Some(key.public()) {
                    write_public_key(&public_path, key.public())?;
                }
                Ok(key)
            }
            None => {
                let (key, pkcs8) = AuditKey::generate().map_err(|_| AuditKeyError::Io {
                    path: path.clone(),
                    source: std::io::Error::other("the system random generator failed"),
                })?;
                write_private_key(&path, &pkcs8)?;
                write_public_key(&data_dir.join(PUBLIC_KEY_FILE), key.public())?;
                tracing::info!(
                    key_id = key.public().key_id(),
                    path = %path.display(),
                    "made the audit signing key; give audit-key.pub to the auditors"
                );
                Ok(key)
            }
        }
    }

    /// Loads `audit-key.p8` from `data_dir` if it is there, refusing one
    /// with a mode looser than 0600.
    pub fn load(data_dir: &Path) -> Result<Option<AuditKey>, AuditKeyError> {
        let path = data_dir.join(KEY_FILE);
        let io = |source| AuditKeyError::Io {
            path: path.clone(),
            source,
        };
        let metadata = match std::fs::metadata(&path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io(error)),
        };
        let mode = file_mode(&metadata);
        if !mode_is_private(mode) {
            return Err(AuditKeyError::LooseMode {
                path: path.display().to_string(),
                mode,
            });
        }
        let pkcs8 = std::fs::read(&path).map_err(io)?;
        AuditKey::from_pkcs8(&pkcs8)
            .map(Some)
            .ok_or(AuditKeyError::NotEd25519 { path })
    }
}

/// Whether a key file's permission bits keep it to its owner: nothing for
/// the group or others.
pub fn mode_is_private(mode: u32) -> bool {
    mode & 0o077 == 0
}

#[cfg(unix)]
fn file_mode(metadata: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn file_mode(_metadata: &std::fs::Metadata) -> u32 {
    0o600
}

/// Reads the public key an auditor gave (`--public-key FILE`) or the data
/// directory's `audit-key.pub`.
pub fn read_public_key(path: &Path) -> Result<Option<AuditPublicKey>, AuditKeyError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            AuditPublicKey::from_text(&text)
                .map(Some)
                .ok_or_else(|| AuditKeyError::NotPublicKey {
                    path: path.to_owned(),
                })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(AuditKeyError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Writes the private key with mode 0600 from the start (never readable
/// by others, not even for a moment), flushed, then renamed into place so
/// a crash never leaves half a key.
fn write_private_key(path: &Path, pkcs8: &[u8]) -> Result<(), AuditKeyError> {
    let partial = path.with_extension("p8.partial");
    let io = |source| AuditKeyError::Io {
        path: path.to_owned(),
        source,
    };
    let _ = std::fs::remove_file(&partial);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&partial).map_err(io)?;
    file.write_all(pkcs8).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&partial, path).map_err(io)?;
    sync_directory(path);
    Ok(())
}

fn write_public_key(path: &Path, public: &AuditPublicKey) -> Result<(), AuditKeyError> {
    let io = |source| AuditKeyError::Io {
        path: path.to_owned(),
        source,
    };
    let partial = path.with_extension("pub.partial");
    std::fs::write(&partial, format!("{}\n", public.to_hex())).map_err(io)?;
    std::fs::rename(&partial, path).map_err(io)?;
    sync_directory(path);
    Ok(())
}

/// Flushes the folder holding `path`, so a rename into it survives a
/// power cut.
pub(super) fn sync_directory(path: &Path) {
    if let Some(parent) = path.parent() {
        if let Ok(dir) = std::fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_with_mode_0600_and_loaded_again() {
        let dir = tempfile::tempdir().unwrap();
        let first = AuditKey::load_or_create(dir.path()).unwrap();
        let again = AuditKey::load_or_create(dir.path()).unwrap();
        assert_eq!(first.public(), again.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let public = read_public_key(&dir.path().join(PUBLIC_KEY_FILE))
            .unwrap()
            .unwrap();
        assert_eq!(&public, first.public());
        let signature = first.sign(b"checkpoint");
        assert!(public.verifies(b"checkpoint", &signature));
        assert!(!public.verifies(b"checkpoinT", &signature));
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused_in_both_languages() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        AuditKey::load_or_create(dir.path()).unwrap();
        let path = dir.path().join(KEY_FILE);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = AuditKey::load_or_create(dir.path()).unwrap_err();
        let text = error.to_string();
        assert!(matches!(
            error,
            AuditKeyError::LooseMode { mode: 0o644, .. }
        ));
        assert!(text.contains("chmod 600"), "{text}");
        assert!(text.contains("người dùng khác"), "{text}");
    }

    #[test]
    fn permission_bits_for_the_group_or_others_are_loose() {
        assert!(mode_is_private(0o600));
        assert!(mode_is_private(0o400));
        assert!(!mode_is_private(0o640));
        assert!(!mode_is_private(0o604));
        assert!(!mode_is_private(0o666));
    }

    #[test]
    fn a_public_key_text_must_be_64_hex_digits() {
        let key = AuditPublicKey([7; 32]);
        assert_eq!(AuditPublicKey::from_text(&key.to_hex()), Some(key.clone()));
        assert_eq!(
            AuditPublicKey::from_text(&format!("ed25519:{}\n", key.to_hex())),
            Some(key)
        );
        assert_eq!(AuditPublicKey::from_text("abcd"), None);
        assert_eq!(AuditPublicKey::from_text("not hex at all"), None);
        assert_eq!(AuditPublicKey::from_text(""), None);
    }
}
