//! Signing the meeting record: PAdES baseline B-B signatures (ETSI EN
//! 319 142-1) as incremental updates of the PDF, made with a key the
//! server holds for one signature or by an external signer (a USB token's
//! helper, a remote signing service), and verified again from the file's
//! bytes alone.
//!
//! Layout:
//! - `der`: the little DER this needs, read without panicking.
//! - `cms`: signed attributes, the detached SignedData, certificates.
//! - `pdf`: the incremental update with `/ByteRange` and the `/Contents`
//!   hole, the visible stamp, and finding signatures in a file.
//! - `keys`: [`SignatureSource`], the one interface for where a signature
//!   value comes from, and the server-held key.
//!
//! The two-step shape ([`prepare`] then [`complete`]) is what an external
//! signer needs: the server prepares the PDF and the signed attributes,
//! the signer signs them wherever its key is, and the server checks the
//! value against the person's registered certificate before embedding it.
//! A server-held key does both steps at once ([`sign`]).
//!
//! Pure: no clock, no I/O; the signing time is passed in.

pub mod authority;
pub mod cms;
pub mod der;
pub mod keys;
pub mod pdf;

use sha2::{Digest, Sha256};

pub use cms::{Certificate, CmsError, KeyAlgorithm};
pub use keys::{KeyError, ServerHeldKey, SignatureSource};
pub use pdf::{PdfSignError, PreparedPdf, SignatureFields, StampPlace};

use crate::stamp::StampFont;

/// Why a record cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    #[error(transparent)]
    Pdf(#[from] PdfSignError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Cms(#[from] CmsError),
    #[error("the signature value does not verify with the signer's certificate")]
    SignatureMismatch,
}

/// A PDF prepared for one signer, waiting for the signature value.
#[derive(Debug, Clone)]
pub struct PendingSignature {
    pub prepared: PreparedPdf,
    /// The DER signed attributes the signer signs (SHA-256 with its key).
    pub signed_attributes: Vec<u8>,
}

impl PendingSignature {
    /// SHA-256 of the signed attributes: what a token that signs digests
    /// is given.
    pub fn to_be_signed_digest(&self) -> [u8; 32] {
        Sha256::digest(&self.signed_attributes).into()
    }
}

/// Step one: the update with its hole, and the attributes to sign.
pub fn prepare(
    pdf: &[u8],
    fields: &SignatureFields,
    font: &StampFont,
    signer: &Certificate,
) -> Result<PendingSignature, SigningError> {
    let prepared = pdf::prepare(pdf, fields, font)?;
    let signed_attributes = cms::signed_attributes(&prepared.digest(), signer);
    Ok(PendingSignature {
        prepared,
        signed_attributes,
    })
}

/// Step two: checks `signature_value` against `signer`'s key and embeds
/// the CMS. Nothing is embedded that does not verify.
pub fn complete(
    pending: PendingSignature,
    signature_value: &[u8],
    signer: &Certificate,
    chain: &[Certificate],
) -> Result<Vec<u8>, SigningError> {
    if !signer.verifies(&pending.signed_attributes, signature_value) {
        return Err(SigningError::SignatureMismatch);
    }
    let cms = cms::signed_data(&pending.signed_attributes, signature_value, signer, chain);
    Ok(pending.prepared.embed(&cms)?)
}

/// Both steps with a key at hand.
pub fn sign(
    pdf: &[u8],
    fields: &SignatureFields,
    font: &StampFont,
    signer: &Certificate,
    chain: &[Certificate],
    key: &dyn SignatureSource,
) -> Result<Vec<u8>, SigningError> {
    if key.key_algorithm() != signer.key_algorithm {
        return Err(SigningError::Key(KeyError::KeyMismatch));
    }
    let pending = prepare(pdf, fields, font, signer)?;
    let value = key.sign(&pending.signed_attributes)?;
    complete(pending, &value, signer, chain)
}

/// What verification found about one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureReport {
    /// The signer's common name, from the certificate.
    pub signer: Option<String>,
    pub title: Option<String>,
    pub organization: Option<String>,
    /// `/M`, as written in the file.
    pub signing_time: Option<String>,
    /// The issuer chain as carried, nearest first (common names), each
    /// link checked.
    pub chain: Vec<String>,
    /// SHA-256 of the signer's certificate, hex (to compare with a
    /// registered one).
    pub certificate_sha256: String,
    /// The bytes it covers are those that were signed, and the signer's
    /// key signed them.
    pub intact: bool,
    /// It covers the whole file (the last signature of a file nobody
    /// added to).
    pub covers_whole_file: bool,
    /// Why it is not intact, in words.
    pub problem: Option<String>,
}

/// Checks every signature in `pdf`. A file with none gives an empty list.
pub fn verify(pdf_bytes: &[u8]) -> Vec<SignatureReport> {
    pdf::find_signatures(pdf_bytes)
        .into_iter()
        .map(|found| {
            let mut report = SignatureReport {
                signer: found.name.clone(),
                title: None,
                organization: None,
                signing_time: found.signing_time.clone(),
                chain: Vec::new(),
                certificate_sha256: String::new(),
                intact: false,
                covers_whole_file: found.covers_whole_file,
                problem: None,
            };
            let Some(digest) = found.digest(pdf_bytes) else {
                report.problem = Some("the byte range is malformed".into());
                return report;
            };
            let parsed = match cms::parse_signed_data(&found.contents) {
                Ok(parsed) => parsed,
                Err(error) => {
                    report.problem = Some(format!("the signature cannot be read: {error}"));
                    return report;
                }
            };
            report.signer = parsed.signer.common_name().or(report.signer);
            report.title = parsed.signer.title();
            report.organization = parsed.signer.organization();
            report.certificate_sha256 = hex::encode(Sha256::digest(&parsed.signer.der));
            report.chain = parsed
                .chain()
                .into_iter()
                .map(|certificate| certificate.common_name().unwrap_or_default())
                .collect();
            if parsed.message_digest != digest {
                report.problem = Some("the document was changed after it was signed".into());
            } else if !parsed.signature_is_valid() {
                report.problem =
                    Some("the signature does not verify with the signer's certificate".into());
            } else if !parsed.has_signing_certificate_v2 {
                report.problem = Some("no signing-certificate-v2 attribute (not PAdES)".into());
            } else {
                report.intact = true;
            }
            report
        })
        .collect()
}

#[cfg(test)]
mod tests;
