//! Sealing a backup with a passphrase: ChaCha20-Poly1305 in the STREAM
//! construction (64 KiB chunks, each authenticated, the last one marked so
//! a file cut short at a chunk boundary is caught too) under a key derived
//! from the passphrase with Argon2id.
//!
//! Layout of a sealed file: the 16-byte [`MAGIC`], a version byte, the
//! Argon2id costs (memory KiB, passes, lanes; u32 little-endian), a 16-byte
//! salt, the 7-byte STREAM nonce prefix, a 32-byte passphrase verifier,
//! then the chunks. Argon2id yields 64 bytes: the first 32 are the key,
//! the last 32 the verifier, so a wrong passphrase is told apart from a
//! damaged file without revealing anything about the key.

use std::io::{self, Read, Write};

use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use rand::RngCore;

/// The first bytes of a sealed backup.
pub const MAGIC: &[u8; 16] = b"phonghop-sealed\n";
const VERSION: u8 = 1;
/// Plaintext bytes per chunk.
const CHUNK: usize = 64 * 1024;
/// A chunk on disk: the plaintext and its 16-byte tag.
const SEALED_CHUNK: usize = CHUNK + 16;
const SALT_LEN: usize = 16;
const NONCE_PREFIX_LEN: usize = 7;
const VERIFIER_LEN: usize = 32;
pub const HEADER_LEN: usize = MAGIC.len() + 1 + 12 + SALT_LEN + NONCE_PREFIX_LEN + VERIFIER_LEN;

/// Argon2id's costs for new backups: 64 MiB, 3 passes, 1 lane (about a
/// third of a second on the reference machine), the second choice RFC 9106
/// recommends where memory is scarce.
const MEMORY_KIB: u32 = 64 * 1024;
const PASSES: u32 = 3;
const LANES: u32 = 1;
/// The most a header may ask for when it is read (1 GiB, 10 passes, 8
/// lanes): a forged header cannot make `restore` exhaust the machine.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_PASSES: u32 = 10;
const MAX_LANES: u32 = 8;

/// Why a sealed backup cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the passphrase is wrong")]
    WrongPassphrase,
    #[error("the backup's encryption header is damaged")]
    BadHeader,
    #[error("the backup is damaged or truncated: an encrypted block does not authenticate")]
    Damaged,
    #[error("cannot derive the key: {0}")]
    Kdf(String),
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
}

/// The costs and salt a key is derived with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct KdfParameters {
    memory_kib: u32,
    passes: u32,
    lanes: u32,
    salt: [u8; SALT_LEN],
}

fn derive(
    passphrase: &str,
    parameters: &KdfParameters,
) -> Result<([u8; 32], [u8; VERIFIER_LEN]), SealError> {
    let params = argon2::Params::new(
        parameters.memory_kib,
        parameters.passes,
        parameters.lanes,
        Some(64),
    )
    .map_err(|e| SealError::Kdf(e.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut output = [0u8; 64];
    argon
        .hash_password_into(passphrase.as_bytes(), &parameters.salt, &mut output)
        .map_err(|e| SealError::Kdf(e.to_string()))?;
    let mut key = [0u8; 32];
    let mut verifier = [0u8; VERIFIER_LEN];
    key.copy_from_slice(&output[..32]);
    verifier.copy_from_slice(&output[32..]);
    Ok((key, verifier))
}

/// Whether `prefix` (the file's first bytes) starts a sealed backup.
pub fn is_sealed(prefix: &[u8]) -> bool {
    prefix.starts_with(MAGIC)
}

/// A writer that seals what it is given into `inner`. Call
/// [`SealingWriter::finish`]: without the last chunk the file is refused
/// as truncated.
pub struct SealingWriter<W: Write> {
    inner: W,
    encryptor: Option<EncryptorBE32<ChaCha20Poly1305>>,
    buffer: Vec<u8>,
}

impl<W: Write> SealingWriter<W> {
    /// Derives a key from `passphrase` with a fresh salt and writes the
    /// header.
    pub fn new(mut inner: W, passphrase: &str) -> Result<Self, SealError> {
        let mut salt = [0u8; SALT_LEN];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce_prefix);
        let parameters = KdfParameters {
            memory_kib: MEMORY_KIB,
            passes: PASSES,
            lanes: LANES,
            salt,
        };
        let (key, verifier) = derive(passphrase, &parameters)?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.push(VERSION);
        header.extend_from_slice(&parameters.memory_kib.to_le_bytes());
        header.extend_from_slice(&parameters.passes.to_le_bytes());
        header.extend_from_slice(&parameters.lanes.to_le_bytes());
        header.extend_from_slice(&salt);
        header.extend_from_slice(&nonce_prefix);
        header.extend_from_slice(&verifier);
        inner.write_all(&header)?;
        let aead = ChaCha20Poly1305::new(&key.into());
        Ok(SealingWriter {
            inner,
            encryptor: Some(EncryptorBE32::from_aead(aead, &nonce_prefix.into())),
            buffer: Vec::with_capacity(CHUNK),
        })
    }

    /// Seals the last chunk and hands back the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        let encryptor = self
            .encryptor
            .take()
            .ok_or_else(|| io::Error::other("sealing writer already finished"))?;
        let sealed = encryptor
            .encrypt_last(self.buffer.as_slice())
            .map_err(|_| io::Error::other("chunk encryption failed"))?;
        self.inner.write_all(&sealed)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for SealingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buffer.len();
        let taken = room.min(bytes.len());
        self.buffer.extend_from_slice(&bytes[..taken]);
        if self.buffer.len() == CHUNK {
            let encryptor = self
                .encryptor
                .as_mut()
                .ok_or_else(|| io::Error::other("sealing writer already finished"))?;
            let sealed = encryptor
                .encrypt_next(self.buffer.as_slice())
                .map_err(|_| io::Error::other("chunk encryption failed"))?;
            self.inner.write_all(&sealed)?;
            self.buffer.clear();
        }
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        // Only whole chunks can be written before the end.
        self.inner.flush()
    }
}

/// The key of one sealed file, derived once and used for each pass over it.
#[derive(Clone)]
pub struct OpenedKey {
    key: [u8; 32],
    nonce_prefix: [u8; NONCE_PREFIX_LEN],
}

impl std::fmt::Debug for OpenedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpenedKey(..)")
    }
}

/// Reads the header from `reader` and derives the key from `passphrase`.
pub fn open_key(reader: &mut impl Read, passphrase: &str) -> Result<OpenedKey, SealError> {
    let mut header = [0u8; HEADER_LEN];
    reader.read_exact(&mut header).map_err(|error| {
        if error.kind() == io::ErrorKind::UnexpectedEof {
            SealError::BadHeader
        } else {
            SealError::Io(error)
        }
    })?;
    if !is_sealed(&header) || header[MAGIC.len()] != VERSION {
        return Err(SealError::BadHeader);
    }
    let mut at = MAGIC.len() + 1;
    let mut next_u32 = || {
        let value = u32::from_le_bytes(header[at..at + 4].try_into().expect("four bytes"));
        at += 4;
        value
    };
    let memory_kib = next_u32();
    let passes = next_u32();
    let lanes = next_u32();
    if memory_kib > MAX_MEMORY_KIB || passes > MAX_PASSES || lanes > MAX_LANES {
        return Err(SealError::BadHeader);
    }
    let at = MAGIC.len() + 1 + 12;
    let mut salt = [0u8; SALT_LEN];
    salt.copy_from_slice(&header[at..at + SALT_LEN]);
    let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
    nonce_prefix.copy_from_slice(&header[at + SALT_LEN..at + SALT_LEN + NONCE_PREFIX_LEN]);
    let stored_verifier = &header[at + SALT_LEN + NONCE_PREFIX_LEN..];
    let parameters = KdfParameters {
        memory_kib,
        passes,
        lanes,
        salt,
    };
    let (key, verifier) = derive(passphrase, &parameters).map_err(|_| SealError::BadHeader)?;
    if verifier.as_slice() != stored_verifier {
        return Err(SealError::WrongPassphrase);
    }
    Ok(OpenedKey { key, nonce_prefix })
}

/// A reader of the plaintext inside a sealed file, positioned after its
/// header. A chunk that does not authenticate (a flipped bit, a cut) is an
/// `InvalidData` error carrying [`SealError::Damaged`].
pub struct UnsealingReader<R: Read> {
    inner: R,
    decryptor: Option<DecryptorBE32<ChaCha20Poly1305>>,
    /// The next sealed chunk, read ahead to know whether the current one
    /// is the last.
    pending: Vec<u8>,
    plaintext: Vec<u8>,
    position: usize,
    started: bool,
}

impl<R: Read> UnsealingReader<R> {
    pub fn new(inner: R, key: &OpenedKey) -> Self {
        let aead = ChaCha20Poly1305::new(&key.key.into());
        UnsealingReader {
            inner,
            decryptor: Some(DecryptorBE32::from_aead(aead, &key.nonce_prefix.into())),
            pending: Vec::new(),
            plaintext: Vec::new(),
            position: 0,
            started: false,
        }
    }

    fn read_chunk(&mut self) -> io::Result<Vec<u8>> {
        let mut chunk = Vec::with_capacity(SEALED_CHUNK);
        (&mut self.inner)
            .take(SEALED_CHUNK as u64)
            .read_to_end(&mut chunk)?;
        Ok(chunk)
    }

    /// Decrypts the next chunk into `plaintext`; false at the end.
    fn refill(&mut self) -> io::Result<bool> {
        if self.decryptor.is_none() {
            return Ok(false);
        }
        if !self.started {
            self.pending = self.read_chunk()?;
            self.started = true;
        }
        let current = std::mem::take(&mut self.pending);
        self.pending = self.read_chunk()?;
        let damaged = || io::Error::new(io::ErrorKind::InvalidData, SealError::Damaged);
        self.plaintext = if self.pending.is_empty() {
            let decryptor = self.decryptor.take().expect("checked above");
            decryptor
                .decrypt_last(current.as_slice())
                .map_err(|_| damaged())?
        } else {
            if current.len() != SEALED_CHUNK {
                return Err(damaged());
            }
            self.decryptor
                .as_mut()
                .expect("checked above")
                .decrypt_next(current.as_slice())
                .map_err(|_| damaged())?
        };
        self.position = 0;
        Ok(true)
    }
}

impl<R: Read> Read for UnsealingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.position == self.plaintext.len() {
            if !self.refill()? {
                return Ok(0);
            }
        }
        let count = out.len().min(self.plaintext.len() - self.position);
        out[..count].copy_from_slice(&self.plaintext[self.position..self.position + count]);
        self.position += count;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal(plaintext: &[u8], passphrase: &str) -> Vec<u8> {
        let mut writer = SealingWriter::new(Vec::new(), passphrase).unwrap();
        // Uneven writes, to cross chunk boundaries mid-write.
        for piece in plaintext.chunks(10_007) {
            writer.write_all(piece).unwrap();
        }
        writer.finish().unwrap()
    }

    fn unseal(sealed: &[u8], passphrase: &str) -> Result<Vec<u8>, String> {
        let mut reader = sealed;
        let key = open_key(&mut reader, passphrase).map_err(|e| e.to_string())?;
        let mut plaintext = Vec::new();
        UnsealingReader::new(reader, &key)
            .read_to_end(&mut plaintext)
            .map_err(|e| e.to_string())?;
        Ok(plaintext)
    }

    fn sample(length: usize) -> Vec<u8> {
        (0..length).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn sealed_bytes_come_back_whole_for_every_length() {
        for length in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5] {
            let plaintext = sample(length);
            let sealed = seal(&plaintext, "mật khẩu sao lưu");
            assert!(is_sealed(&sealed));
            assert_eq!(unseal(&sealed, "mật khẩu sao lưu").unwrap(), plaintext);
        }
    }

    #[test]
    fn a_wrong_passphrase_is_named_as_such() {
        let sealed = seal(b"secret", "right passphrase");
        assert_eq!(
            unseal(&sealed, "wrong passphrase").unwrap_err(),
            "the passphrase is wrong"
        );
    }

    #[test]
    fn a_flipped_bit_or_a_cut_anywhere_is_refused() {
        let plaintext = sample(2 * CHUNK + 100);
        let sealed = seal(&plaintext, "p");
        let mut flipped = sealed.clone();
        flipped[HEADER_LEN + CHUNK + 40] ^= 1;
        assert!(unseal(&flipped, "p").unwrap_err().contains("damaged"));
        // Cut at a chunk boundary: the chunk now last was not sealed as last.
        let at_boundary = &sealed[..HEADER_LEN + SEALED_CHUNK];
        assert!(unseal(at_boundary, "p").unwrap_err().contains("damaged"));
        let mid_chunk = &sealed[..sealed.len() - 7];
        assert!(unseal(mid_chunk, "p").unwrap_err().contains("damaged"));
        let in_header = &sealed[..HEADER_LEN - 3];
        assert!(unseal(in_header, "p").unwrap_err().contains("header"));
    }
}
