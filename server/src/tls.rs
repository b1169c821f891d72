//! TLS: loading the server's certificate for rustls, and `phonghop cert`,
//! which makes a local certificate authority and a server certificate so
//! tablets on a LAN get the secure context that service workers need.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum_server::tls_rustls::RustlsConfig;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

use crate::config::UsageError;

/// Reads a PEM certificate chain and key into a rustls server config
/// (HTTP/1.1, so websockets upgrade the usual way).
pub fn load_server_config(cert_path: &Path, key_path: &Path) -> Result<RustlsConfig, UsageError> {
    let bad = |what: String| {
        UsageError(format!(
            "{what}. Give a PEM certificate and key, or make them with `phonghop cert --host NAME`"
        ))
    };
    let cert_pem = std::fs::read(cert_path).map_err(|e| {
        bad(format!(
            "cannot read TLS certificate {}: {e}",
            cert_path.display()
        ))
    })?;
    let key_pem = std::fs::read(key_path)
        .map_err(|e| bad(format!("cannot read TLS key {}: {e}", key_path.display())))?;
    let certificates: Vec<_> = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| {
            bad(format!(
                "TLS certificate {} is not valid PEM: {e}",
                cert_path.display()
            ))
        })?;
    if certificates.is_empty() {
        return Err(bad(format!(
            "TLS certificate {} holds no certificate",
            cert_path.display()
        )));
    }
    let key = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(|e| {
            bad(format!(
                "TLS key {} is not valid PEM: {e}",
                key_path.display()
            ))
        })?
        .ok_or_else(|| {
            bad(format!(
                "TLS key {} holds no private key",
                key_path.display()
            ))
        })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(format!("TLS setup failed: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|e| bad(format!("TLS certificate and key do not fit together: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(RustlsConfig::from_config(Arc::new(config)))
}

/// The files `phonghop cert` writes, under `DATA/tls/`.
#[derive(Debug, Clone)]
pub struct CertificateFiles {
    pub ca_certificate: PathBuf,
    pub ca_key: PathBuf,
    pub server_certificate: PathBuf,
    pub server_key: PathBuf,
}

impl CertificateFiles {
    pub fn in_dir(dir: &Path) -> Self {
        CertificateFiles {
            ca_certificate: dir.join("ca.pem"),
            ca_key: dir.join("ca-key.pem"),
            server_certificate: dir.join("server.pem"),
            server_key: dir.join("server-key.pem"),
        }
    }
}

fn ca_params() -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params
        .distinguished_name
        .push(DnType::CommonName, "phonghop local CA");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "phonghop");
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(3650);
    Ok(params)
}

/// Makes (or reuses) the local CA and issues a server certificate for
/// `hosts` (names or IP addresses). Reusing the CA means tablets that
/// already trust it need nothing new.
pub fn make_certificates(dir: &Path, hosts: &[String]) -> anyhow::Result<CertificateFiles> {
    std::fs::create_dir_all(dir)?;
    let files = CertificateFiles::in_dir(dir);
    let ca_key = if files.ca_key.exists() {
        KeyPair::from_pem(&std::fs::read_to_string(&files.ca_key)?)?
    } else {
        KeyPair::generate()?
    };
    // The CA certificate is re-made from the same key and name each time:
    // a certificate signed by it validates against the copy tablets hold.
    let ca_certificate = ca_params()?.self_signed(&ca_key)?;
    if !files.ca_key.exists() {
        write_private(&files.ca_key, &ca_key.serialize_pem())?;
        std::fs::write(&files.ca_certificate, ca_certificate.pem())?;
    }
    let mut params = CertificateParams::new(hosts.to_vec())?;
    params.distinguished_name.push(
        DnType::CommonName,
        hosts.first().cloned().unwrap_or_default(),
    );
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(825);
    let server_key = KeyPair::generate()?;
    let server_certificate = params.signed_by(&server_key, &ca_certificate, &ca_key)?;
    std::fs::write(&files.server_certificate, server_certificate.pem())?;
    write_private(&files.server_key, &server_key.serialize_pem())?;
    Ok(files)
}

/// Writes a private key readable by its owner only.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_certificates_load_into_rustls() {
        let dir = tempfile::tempdir().unwrap();
        let files = make_certificates(
            dir.path(),
            &["phonghop.local".into(), "192.168.1.10".into()],
        )
        .unwrap();
        load_server_config(&files.server_certificate, &files.server_key).unwrap();
    }

    #[test]
    fn second_run_keeps_the_ca_tablets_already_trust() {
        let dir = tempfile::tempdir().unwrap();
        let first = make_certificates(dir.path(), &["a.local".into()]).unwrap();
        let ca_before = std::fs::read(&first.ca_certificate).unwrap();
        let key_before = std::fs::read(&first.ca_key).unwrap();
        make_certificates(dir.path(), &["b.local".into()]).unwrap();
        assert_eq!(std::fs::read(&first.ca_certificate).unwrap(), ca_before);
        assert_eq!(std::fs::read(&first.ca_key).unwrap(), key_before);
    }

    #[test]
    fn garbage_certificate_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&cert, "not a certificate").unwrap();
        std::fs::write(&key, "not a key").unwrap();
        let error = load_server_config(&cert, &key).unwrap_err().to_string();
        assert!(error.contains("certificate"), "{error}");
        let missing = load_server_config(&dir.path().join("nope.pem"), &key)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("cannot read"), "{missing}");
    }
}
