//! A small certificate authority for the demo and for tests: it issues
//! document-signing certificates (P-256 ECDSA) with the signer's name,
//! title (chức vụ) and agency (cơ quan) in the subject, as a Vietnamese
//! signing certificate carries them. Real deployments import the
//! certificates their officials already hold instead.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use time::OffsetDateTime;

use super::cms::{Certificate, CmsError};

/// Why a certificate cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum AuthorityError {
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    #[error(transparent)]
    Read(#[from] CmsError),
}

/// A certificate authority able to issue signing certificates.
pub struct Authority {
    key: KeyPair,
    certificate: rcgen::Certificate,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Authority(..)")
    }
}

/// A certificate issued with its private key (PKCS#8, unencrypted).
#[derive(Debug, Clone)]
pub struct Issued {
    pub certificate: Certificate,
    pub private_key_pkcs8: Vec<u8>,
}

impl Authority {
    /// A new authority named `name`, valid from `now` for ten years.
    pub fn new(name: &str, now: OffsetDateTime) -> Result<Authority, AuthorityError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(3650);
        let certificate = params.self_signed(&key)?;
        Ok(Authority { key, certificate })
    }

    /// The authority's own certificate.
    pub fn certificate(&self) -> Result<Certificate, AuthorityError> {
        Ok(Certificate::from_der(self.certificate.der())?)
    }

    /// Issues a signing certificate for `name`, `title` at `agency`, valid
    /// from `now` for three years.
    pub fn issue(
        &self,
        name: &str,
        title: &str,
        agency: &str,
        now: OffsetDateTime,
    ) -> Result<Issued, AuthorityError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, name);
        params
            .distinguished_name
            .push(DnType::CustomDnType(vec![2, 5, 4, 12]), title);
        params
            .distinguished_name
            .push(DnType::OrganizationName, agency);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(3 * 365);
        let certificate = params.signed_by(&key, &self.certificate, &self.key)?;
        Ok(Issued {
            certificate: Certificate::from_der(certificate.der())?,
            private_key_pkcs8: key.serialize_der(),
        })
    }
}
