//! Where a signature value comes from. Officials' keys usually live on a
//! USB token or at a remote signing service, so the server never needs to
//! hold one; when it does (an imported PKCS#12, the demo), it holds it
//! encrypted and unlocks it for one signature only.
//!
//! Both ways meet at [`SignatureSource`]: the signed attributes of
//! `cms::signed_attributes` go to a source, a signature value comes back.
//! A server-held key answers at once ([`ServerHeldKey`]); an external
//! signer is answered later, over HTTP, with the value it computed.

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};

use super::cms::KeyAlgorithm;

/// Why a key cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the private key is not a PKCS#8 ECDSA P-256 or RSA key")]
    UnsupportedKey,
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    #[error("the signing operation failed")]
    SigningFailed,
}

/// One interface for every place a signature value can come from.
pub trait SignatureSource {
    /// The algorithm of the key (it must match the certificate's).
    fn key_algorithm(&self) -> KeyAlgorithm;
    /// Signs `message` (the DER signed attributes) with SHA-256.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError>;
}

/// A private key the server holds, unlocked in memory for the signature
/// being made; dropped right after.
pub struct ServerHeldKey {
    key: HeldKey,
    random: SystemRandom,
}

enum HeldKey {
    Ecdsa(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

impl std::fmt::Debug for ServerHeldKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("ServerHeldKey(..)")
    }
}

impl ServerHeldKey {
    /// An unencrypted PKCS#8 private key (P-256 ECDSA or RSA).
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<ServerHeldKey, KeyError> {
        let random = SystemRandom::new();
        let key = if let Ok(pair) =
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &random)
        {
            HeldKey::Ecdsa(pair)
        } else if let Ok(pair) = RsaKeyPair::from_pkcs8(pkcs8) {
            HeldKey::Rsa(pair)
        } else {
            return Err(KeyError::UnsupportedKey);
        };
        Ok(ServerHeldKey { key, random })
    }

    /// Whether this key belongs to the certificate whose public key bits
    /// are `public_key`.
    pub fn matches(&self, public_key: &[u8]) -> bool {
        match &self.key {
            HeldKey::Ecdsa(pair) => pair.public_key().as_ref() == public_key,
            HeldKey::Rsa(pair) => pair.public_key().as_ref() == public_key,
        }
    }
}

impl SignatureSource for ServerHeldKey {
    fn key_algorithm(&self) -> KeyAlgorithm {
        match self.key {
            HeldKey::Ecdsa(_) => KeyAlgorithm::EcdsaP256,
            HeldKey::Rsa(_) => KeyAlgorithm::Rsa,
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.key {
            HeldKey::Ecdsa(pair) => pair
                .sign(&self.random, message)
                .map(|value| value.as_ref().to_vec())
                .map_err(|_| KeyError::SigningFailed),
            HeldKey::Rsa(pair) => {
                let mut value = vec![0; pair.public().modulus_len()];
                pair.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &self.random,
                    message,
                    &mut value,
                )
                .map_err(|_| KeyError::SigningFailed)?;
                Ok(value)
            }
        }
    }
}
