//! The CMS side of a PAdES signature (ETSI EN 319 142-1, baseline B-B):
//! the signed attributes a signer signs, the detached `SignedData` that
//! goes into the PDF's `/Contents`, and reading both back to verify them.
//! X.509 certificates are read here too, as far as signing needs: issuer,
//! serial, subject names, public key.
//!
//! What B-B asks of the signed attributes, and what is here: content type
//! (id-data), message digest (SHA-256 of the byte range), and
//! signing-certificate-v2 (the signer's certificate hash with its issuer
//! and serial). The signing time is **not** a signed attribute: PAdES puts
//! it in the signature dictionary's `/M` instead.

use ring::signature::{self, UnparsedPublicKey};
use sha2::{Digest, Sha256};

use super::der::{self, DerError, Reader, Value};

const ID_DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 1];
const ID_SIGNED_DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 2];
const ID_CONTENT_TYPE: &[u64] = &[1, 2, 840, 113549, 1, 9, 3];
const ID_MESSAGE_DIGEST: &[u64] = &[1, 2, 840, 113549, 1, 9, 4];
const ID_SIGNING_CERTIFICATE_V2: &[u64] = &[1, 2, 840, 113549, 1, 9, 16, 2, 47];
const ID_SHA256: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 1];
const ID_EC_PUBLIC_KEY: &[u64] = &[1, 2, 840, 10045, 2, 1];
const ID_P256: &[u64] = &[1, 2, 840, 10045, 3, 1, 7];
const ID_P384: &[u64] = &[1, 3, 132, 0, 34];
const ID_ECDSA_WITH_SHA256: &[u64] = &[1, 2, 840, 10045, 4, 3, 2];
const ID_RSA_ENCRYPTION: &[u64] = &[1, 2, 840, 113549, 1, 1, 1];
const ID_SHA256_WITH_RSA: &[u64] = &[1, 2, 840, 113549, 1, 1, 11];
const ID_COMMON_NAME: &[u64] = &[2, 5, 4, 3];
const ID_TITLE: &[u64] = &[2, 5, 4, 12];
const ID_ORGANIZATION: &[u64] = &[2, 5, 4, 10];

/// Why a signature or certificate cannot be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmsError {
    #[error(transparent)]
    Der(#[from] DerError),
    #[error("unsupported key: {0}")]
    UnsupportedKey(&'static str),
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(&'static str),
    #[error("the signer's certificate is not in the signature")]
    SignerCertificateMissing,
    #[error("the signed attributes lack {0}")]
    MissingAttribute(&'static str),
}

/// The public key algorithms signatures are made and checked with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    EcdsaP256,
    EcdsaP384,
    Rsa,
}

impl KeyAlgorithm {
    /// The SignerInfo's signature algorithm for SHA-256 with this key.
    fn signature_algorithm(self) -> Vec<u8> {
        match self {
            KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 => {
                der::algorithm(ID_ECDSA_WITH_SHA256, false)
            }
            KeyAlgorithm::Rsa => der::algorithm(ID_SHA256_WITH_RSA, true),
        }
    }
}

/// An X.509 certificate, with the fields signing uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub der: Vec<u8>,
    /// The INTEGER's content octets.
    pub serial: Vec<u8>,
    /// The issuer and subject Names, encoded.
    pub issuer: Vec<u8>,
    pub subject: Vec<u8>,
    pub key_algorithm: KeyAlgorithm,
    /// The subjectPublicKey bits (an EC point, or an RSAPublicKey).
    pub public_key: Vec<u8>,
    /// What the issuer signed, its algorithm, and the signature.
    tbs: Vec<u8>,
    signature_algorithm: Vec<u8>,
    signature: Vec<u8>,
}

impl Certificate {
    pub fn from_der(der_bytes: &[u8]) -> Result<Certificate, CmsError> {
        let outer = der::parse_one(der_bytes)?.expect(der::SEQUENCE, "certificate")?;
        let mut parts = outer.reader();
        let tbs = parts.expect(der::SEQUENCE, "tbsCertificate")?;
        let signature_algorithm = parts.expect(der::SEQUENCE, "signatureAlgorithm")?;
        let signature = parts.expect(der::BIT_STRING, "signatureValue")?.bits()?;
        let mut fields = tbs.reader();
        fields.optional(der::context(0))?;
        let serial = fields.expect(der::INTEGER, "serialNumber")?;
        fields.expect(der::SEQUENCE, "signature")?;
        let issuer = fields.expect(der::SEQUENCE, "issuer")?;
        fields.expect(der::SEQUENCE, "validity")?;
        let subject = fields.expect(der::SEQUENCE, "subject")?;
        let spki = fields.expect(der::SEQUENCE, "subjectPublicKeyInfo")?;
        let mut spki_parts = spki.reader();
        let algorithm = spki_parts.expect(der::SEQUENCE, "algorithm")?;
        let public_key = spki_parts
            .expect(der::BIT_STRING, "subjectPublicKey")?
            .bits()?;
        let mut algorithm_parts = algorithm.reader();
        let key_oid = algorithm_parts.expect(der::OID, "algorithm oid")?;
        let key_algorithm = if key_oid.raw == der::oid(ID_EC_PUBLIC_KEY) {
            let curve = algorithm_parts.expect(der::OID, "named curve")?;
            if curve.raw == der::oid(ID_P256) {
                KeyAlgorithm::EcdsaP256
            } else if curve.raw == der::oid(ID_P384) {
                KeyAlgorithm::EcdsaP384
            } else {
                return Err(CmsError::UnsupportedKey(
                    "an elliptic curve other than P-256 or P-384",
                ));
            }
        } else if key_oid.raw == der::oid(ID_RSA_ENCRYPTION) {
            KeyAlgorithm::Rsa
        } else {
            return Err(CmsError::UnsupportedKey("neither ECDSA nor RSA"));
        };
        Ok(Certificate {
            der: outer.raw.to_vec(),
            serial: serial.content.to_vec(),
            issuer: issuer.raw.to_vec(),
            subject: subject.raw.to_vec(),
            key_algorithm,
            public_key: public_key.to_vec(),
            tbs: tbs.raw.to_vec(),
            signature_algorithm: signature_algorithm.raw.to_vec(),
            signature: signature.to_vec(),
        })
    }

    /// The subject's common name (the signer's name).
    pub fn common_name(&self) -> Option<String> {
        name_attribute(&self.subject, ID_COMMON_NAME)
    }

    /// The subject's title (chức vụ), if the certificate carries one.
    pub fn title(&self) -> Option<String> {
        name_attribute(&self.subject, ID_TITLE)
    }

    /// The subject's organization (cơ quan).
    pub fn organization(&self) -> Option<String> {
        name_attribute(&self.subject, ID_ORGANIZATION)
    }

    /// The issuer's common name.
    pub fn issuer_name(&self) -> Option<String> {
        name_attribute(&self.issuer, ID_COMMON_NAME)
    }

    /// Whether `signature` over `message` was made with this
    /// certificate's key (SHA-256).
    pub fn verifies(&self, message: &[u8], signature_value: &[u8]) -> bool {
        let algorithm: &'static dyn signature::VerificationAlgorithm = match self.key_algorithm {
            KeyAlgorithm::EcdsaP256 => &signature::ECDSA_P256_SHA256_ASN1,
            KeyAlgorithm::EcdsaP384 => &signature::ECDSA_P384_SHA256_ASN1,
            KeyAlgorithm::Rsa => &signature::RSA_PKCS1_2048_8192_SHA256,
        };
        UnparsedPublicKey::new(algorithm, &self.public_key)
            .verify(message, signature_value)
            .is_ok()
    }

    /// Whether `issuer`'s key signed this certificate (SHA-256 based
    /// algorithms only; anything else is not trusted).
    pub fn issued_by(&self, issuer: &Certificate) -> bool {
        if self.issuer != issuer.subject {
            return false;
        }
        let Ok(algorithm) = der::parse_one(&self.signature_algorithm) else {
            return false;
        };
        let Ok(oid) = algorithm.reader().expect(der::OID, "algorithm") else {
            return false;
        };
        let sha256_based =
            oid.raw == der::oid(ID_ECDSA_WITH_SHA256) || oid.raw == der::oid(ID_SHA256_WITH_RSA);
        sha256_based && issuer.verifies(&self.tbs, &self.signature)
    }
}

/// The value of the first attribute `attribute` in an encoded Name.
fn name_attribute(name: &[u8], attribute: &[u64]) -> Option<String> {
    let wanted = der::oid(attribute);
    let name = der::parse_one(name).ok()?;
    let mut relative_names = name.reader();
    while !relative_names.is_empty() {
        let set = relative_names.next_value().ok()?;
        let mut pairs = set.reader();
        while !pairs.is_empty() {
            let pair = pairs.next_value().ok()?;
            let mut fields = pair.reader();
            let oid = fields.next_value().ok()?;
            let value = fields.next_value().ok()?;
            if oid.raw == wanted {
                return value.text();
            }
        }
    }
    None
}

fn attribute(oid: &[u64], value: &[u8]) -> Vec<u8> {
    der::sequence(&[&der::oid(oid), &der::tlv(der::SET, value)])
}

/// The signed attributes for a signature over a byte range whose SHA-256
/// is `digest`, by `signer`, encoded as the SET OF that is signed.
pub fn signed_attributes(digest: &[u8; 32], signer: &Certificate) -> Vec<u8> {
    let certificate_hash: [u8; 32] = Sha256::digest(&signer.der).into();
    let issuer_serial = der::sequence(&[
        &der::sequence(&[&der::tlv(der::context(4), &signer.issuer)]),
        &der::tlv(der::INTEGER, &signer.serial),
    ]);
    // ESSCertIDv2 with the default hash algorithm (SHA-256) left out.
    let cert_id = der::sequence(&[
        &der::tlv(der::OCTET_STRING, &certificate_hash),
        &issuer_serial,
    ]);
    let signing_certificate = der::sequence(&[&der::sequence(&[&cert_id])]);
    der::set_of(&[
        attribute(ID_CONTENT_TYPE, &der::oid(ID_DATA)),
        attribute(ID_MESSAGE_DIGEST, &der::tlv(der::OCTET_STRING, digest)),
        attribute(ID_SIGNING_CERTIFICATE_V2, &signing_certificate),
    ])
}

/// The detached CMS SignedData (a ContentInfo) with `signature_value` over
/// `signed_attributes` (as [`signed_attributes`] made them), the signer's
/// certificate and `chain` (its issuers, nearest first).
pub fn signed_data(
    signed_attributes: &[u8],
    signature_value: &[u8],
    signer: &Certificate,
    chain: &[Certificate],
) -> Vec<u8> {
    let sha256 = der::algorithm(ID_SHA256, false);
    let mut implicit_attributes = signed_attributes.to_vec();
    if let Some(tag) = implicit_attributes.first_mut() {
        *tag = der::context(0);
    }
    let signer_info = der::sequence(&[
        &der::integer(1),
        &der::sequence(&[&signer.issuer, &der::tlv(der::INTEGER, &signer.serial)]),
        &sha256,
        &implicit_attributes,
        &signer.key_algorithm.signature_algorithm(),
        &der::tlv(der::OCTET_STRING, signature_value),
    ]);
    let certificates: Vec<u8> = std::iter::once(signer)
        .chain(chain)
        .flat_map(|certificate| certificate.der.iter().copied())
        .collect();
    let signed = der::sequence(&[
        &der::integer(1),
        &der::tlv(der::SET, &sha256),
        &der::sequence(&[&der::oid(ID_DATA)]),
        &der::tlv(der::context(0), &certificates),
        &der::tlv(der::SET, &signer_info),
    ]);
    der::sequence(&[
        &der::oid(ID_SIGNED_DATA),
        &der::tlv(der::context(0), &signed),
    ])
}

/// A SignedData as read from a PDF.
#[derive(Debug, Clone)]
pub struct ParsedSignature {
    /// Every certificate carried.
    pub certificates: Vec<Certificate>,
    /// The signer's, found by issuer and serial.
    pub signer: Certificate,
    /// The signed attributes as signed (a SET OF).
    pub signed_attributes: Vec<u8>,
    pub message_digest: Vec<u8>,
    pub has_signing_certificate_v2: bool,
    pub signature_value: Vec<u8>,
}

impl ParsedSignature {
    /// Whether the signer's key signed the attributes.
    pub fn signature_is_valid(&self) -> bool {
        self.signer
            .verifies(&self.signed_attributes, &self.signature_value)
    }

    /// The signer's issuers as carried in the signature, nearest first,
    /// each checked against the one below it; stops at the first that does
    /// not check or is not found.
    pub fn chain(&self) -> Vec<&Certificate> {
        let mut chain = Vec::new();
        let mut current = &self.signer;
        while chain.len() < 8 {
            let Some(issuer) = self
                .certificates
                .iter()
                .find(|candidate| current.issued_by(candidate))
            else {
                break;
            };
            chain.push(issuer);
            if issuer.issuer == issuer.subject {
                break;
            }
            current = issuer;
        }
        chain
    }
}

/// Reads a ContentInfo holding a SignedData (trailing zero padding is
/// ignored).
pub fn parse_signed_data(contents: &[u8]) -> Result<ParsedSignature, CmsError> {
    let content_info = der::parse_one(contents)?.expect(der::SEQUENCE, "contentInfo")?;
    let mut parts = content_info.reader();
    let content_type = parts.expect(der::OID, "contentType")?;
    if content_type.raw != der::oid(ID_SIGNED_DATA) {
        return Err(CmsError::UnsupportedAlgorithm(
            "a content type other than signed-data",
        ));
    }
    let explicit = parts.expect(der::context(0), "content")?;
    let signed = explicit.reader().expect(der::SEQUENCE, "signedData")?;
    let mut fields = signed.reader();
    fields.expect(der::INTEGER, "version")?;
    fields.expect(der::SET, "digestAlgorithms")?;
    fields.expect(der::SEQUENCE, "encapContentInfo")?;
    let mut certificates = Vec::new();
    if let Some(set) = fields.optional(der::context(0))? {
        let mut reader = set.reader();
        while !reader.is_empty() {
            let value = reader.next_value()?;
            // Attribute certificates and others are skipped.
            if value.tag == der::SEQUENCE {
                certificates.push(Certificate::from_der(value.raw)?);
            }
        }
    }
    fields.optional(der::context(1))?;
    let signer_infos = fields.expect(der::SET, "signerInfos")?;
    let signer_info = signer_infos.reader().expect(der::SEQUENCE, "signerInfo")?;
    let mut info = signer_info.reader();
    info.expect(der::INTEGER, "version")?;
    let identifier = info.expect(der::SEQUENCE, "issuerAndSerialNumber")?;
    let mut identifier_parts = identifier.reader();
    let issuer = identifier_parts.expect(der::SEQUENCE, "issuer")?;
    let serial = identifier_parts.expect(der::INTEGER, "serial")?;
    let digest_algorithm = info.expect(der::SEQUENCE, "digestAlgorithm")?;
    let digest_oid = digest_algorithm.reader().expect(der::OID, "digest oid")?;
    if digest_oid.raw != der::oid(ID_SHA256) {
        return Err(CmsError::UnsupportedAlgorithm(
            "a digest other than SHA-256",
        ));
    }
    let attributes = info.expect(der::context(0), "signedAttrs")?;
    info.expect(der::SEQUENCE, "signatureAlgorithm")?;
    let signature_value = info.expect(der::OCTET_STRING, "signature")?;

    let signer = certificates
        .iter()
        .find(|certificate| {
            certificate.issuer == issuer.raw && certificate.serial == serial.content
        })
        .cloned()
        .ok_or(CmsError::SignerCertificateMissing)?;
    let mut message_digest = None;
    let mut has_signing_certificate_v2 = false;
    let mut content_type_is_data = false;
    let mut reader = attributes.reader();
    while !reader.is_empty() {
        let attribute = reader.expect(der::SEQUENCE, "attribute")?;
        let mut attribute_parts = attribute.reader();
        let oid = attribute_parts.expect(der::OID, "attribute type")?;
        let values = attribute_parts.expect(der::SET, "attribute values")?;
        let first: Value<'_> = Reader::new(values.content).next_value()?;
        if oid.raw == der::oid(ID_MESSAGE_DIGEST) {
            message_digest = Some(first.expect(der::OCTET_STRING, "digest")?.content.to_vec());
        } else if oid.raw == der::oid(ID_SIGNING_CERTIFICATE_V2) {
            has_signing_certificate_v2 = true;
        } else if oid.raw == der::oid(ID_CONTENT_TYPE) {
            content_type_is_data = first.raw == der::oid(ID_DATA);
        }
    }
    if !content_type_is_data {
        return Err(CmsError::MissingAttribute("content type id-data"));
    }
    let mut signed_attributes = attributes.raw.to_vec();
    signed_attributes[0] = der::SET;
    Ok(ParsedSignature {
        certificates,
        signer,
        signed_attributes,
        message_digest: message_digest.ok_or(CmsError::MissingAttribute("message digest"))?,
        has_signing_certificate_v2,
        signature_value: signature_value.content.to_vec(),
    })
}
