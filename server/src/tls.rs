//! TLS: loading the server's certificate for rustls, and `phonghop cert`,
//! which makes a local certificate authority and a server certificate so
//! tablets on a LAN get the secure context that service workers need.
//!
//! Every tablet trusts the local CA, so it is kept tame: critical X.509
//! name constraints limit it to the hosts and addresses it was made for,
//! it lives three years, and its key can live off the server
//! (`--ca-key-out`, and `--ca-key` when renewing). Renewing re-reads
//! `ca.pem` (rcgen's x509-parser feature) for the CA's constraints and
//! lifetime, and needs the CA's key from `tls/` or `--ca-key`.
//! [`CertificateRequest`] in, [`CertificateOutcome`] out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum_server::tls_rustls::RustlsConfig;
use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, KeyPair, KeyUsagePurpose, NameConstraints,
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

/// The files `phonghop cert` writes, under `DATA/tls/` (the CA's key only
/// when it is not written elsewhere with `--ca-key-out`).
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

/// How long a new local CA lives: three years. Every tablet trusts it, so
/// a stolen key is worth less the sooner it expires; three years spares
/// the IT officer from installing a new one on every tablet each year.
pub const CA_LIFETIME_DAYS: i64 = 3 * 365 + 1;
/// How long a server certificate lives (never past its CA).
pub const SERVER_LIFETIME_DAYS: i64 = 825;

/// What `phonghop cert` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct CertificateRequest {
    /// Host names and IP addresses the tablets use.
    pub hosts: Vec<String>,
    /// Write a new CA's key here instead of `tls/ca-key.pem`.
    pub ca_key_out: Option<PathBuf>,
    /// The CA's key, when it is not in `tls/` (renewing).
    pub ca_key: Option<PathBuf>,
    /// Make a new CA even though one exists.
    pub new_ca: bool,
}

/// What `phonghop cert` did.
#[derive(Debug, Clone)]
pub struct CertificateOutcome {
    pub files: CertificateFiles,
    /// Where the CA's key is.
    pub ca_key: PathBuf,
    /// A new CA was made: every tablet must install it.
    pub new_ca: bool,
    pub ca_not_after: time::OffsetDateTime,
    pub server_not_after: time::OffsetDateTime,
    /// The CA in use has no name constraints (made before they were added).
    pub unconstrained_ca: bool,
}

/// Why `phonghop cert` did nothing.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error("the certificate authority's key is not in {0}: give it with --ca-key PATH (where `phonghop cert --ca-key-out` wrote it)")]
    CaKeyNeeded(String),
    #[error("{0} already exists: choose another --ca-key-out path")]
    CaKeyOutExists(String),
    #[error("the key {0} does not belong to the certificate authority in tls/ca.pem")]
    WrongCaKey(String),
    #[error("{host} is outside the names this certificate authority may vouch for ({permitted}): make a new one with --new-ca (every tablet must then install it again)")]
    OutsideConstraints { host: String, permitted: String },
    #[error("{0:?} is not a host name or IP address")]
    BadHost(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} is not a certificate this program can read")]
    BadCaCertificate(String),
    #[error("certificate: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
}

/// One name a certificate may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostName {
    Dns(String),
    Ip(std::net::IpAddr),
}

fn parse_host(host: &str) -> Result<HostName, CertificateError> {
    if let Ok(address) = host.parse::<std::net::IpAddr>() {
        return Ok(HostName::Ip(address));
    }
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if valid {
        Ok(HostName::Dns(name))
    } else {
        Err(CertificateError::BadHost(host.to_owned()))
    }
}

/// The name constraints of a CA for `hosts`: each name (and the names
/// under it) and each address exactly. A kind of name not given is shut
/// out too: RFC 5280 leaves a kind without permitted subtrees
/// unconstrained, so without addresses every IPv4 and IPv6 address is
/// excluded, and without host names only `invalid` (RFC 6761, never
/// resolvable) is permitted.
fn name_constraints(hosts: &[HostName]) -> NameConstraints {
    let mut permitted = Vec::new();
    let mut excluded = Vec::new();
    for host in hosts {
        permitted.push(match host {
            HostName::Dns(name) => GeneralSubtree::DnsName(name.clone()),
            HostName::Ip(std::net::IpAddr::V4(address)) => {
                GeneralSubtree::IpAddress(CidrSubnet::V4(address.octets(), [255; 4]))
            }
            HostName::Ip(std::net::IpAddr::V6(address)) => {
                GeneralSubtree::IpAddress(CidrSubnet::V6(address.octets(), [255; 16]))
            }
        });
    }
    if !hosts.iter().any(|h| matches!(h, HostName::Dns(_))) {
        permitted.push(GeneralSubtree::DnsName("invalid".into()));
    }
    if !hosts.iter().any(|h| matches!(h, HostName::Ip(_))) {
        excluded.push(GeneralSubtree::IpAddress(CidrSubnet::V4([0; 4], [0; 4])));
        excluded.push(GeneralSubtree::IpAddress(CidrSubnet::V6([0; 16], [0; 16])));
    }
    NameConstraints {
        permitted_subtrees: permitted,
        excluded_subtrees: excluded,
    }
}

/// Whether `host` falls inside `constraints` (the subset of RFC 5280's
/// rules our own constraints use: DNS names and their subdomains, IP
/// subnets).
fn permits(constraints: &NameConstraints, host: &HostName) -> bool {
    let matches = |subtree: &GeneralSubtree| match (subtree, host) {
        (GeneralSubtree::DnsName(base), HostName::Dns(name)) => {
            let base = base.trim_start_matches('.').to_ascii_lowercase();
            base.is_empty() || *name == base || name.ends_with(&format!(".{base}"))
        }
        (GeneralSubtree::IpAddress(subnet), HostName::Ip(address)) => {
            let (network, mask): (Vec<u8>, Vec<u8>) = match subnet {
                CidrSubnet::V4(network, mask) => (network.to_vec(), mask.to_vec()),
                CidrSubnet::V6(network, mask) => (network.to_vec(), mask.to_vec()),
            };
            let octets = match address {
                std::net::IpAddr::V4(a) => a.octets().to_vec(),
                std::net::IpAddr::V6(a) => a.octets().to_vec(),
            };
            octets.len() == network.len()
                && octets
                    .iter()
                    .zip(network.iter().zip(&mask))
                    .all(|(a, (n, m))| a & m == n & m)
        }
        _ => false,
    };
    let same_kind = |subtree: &GeneralSubtree| {
        matches!(
            (subtree, host),
            (GeneralSubtree::DnsName(_), HostName::Dns(_))
                | (GeneralSubtree::IpAddress(_), HostName::Ip(_))
        )
    };
    let permitted_of_kind: Vec<_> = constraints
        .permitted_subtrees
        .iter()
        .filter(|s| same_kind(s))
        .collect();
    (permitted_of_kind.is_empty() || permitted_of_kind.iter().any(|s| matches(s)))
        && !constraints.excluded_subtrees.iter().any(matches)
}

fn describe(constraints: &NameConstraints) -> String {
    constraints
        .permitted_subtrees
        .iter()
        .filter_map(|subtree| match subtree {
            GeneralSubtree::DnsName(name) if name != "invalid" => Some(name.clone()),
            GeneralSubtree::IpAddress(CidrSubnet::V4(a, _)) => {
                Some(std::net::Ipv4Addr::from(*a).to_string())
            }
            GeneralSubtree::IpAddress(CidrSubnet::V6(a, _)) => {
                Some(std::net::Ipv6Addr::from(*a).to_string())
            }
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn new_ca_params(hosts: &[HostName]) -> Result<CertificateParams, rcgen::Error> {
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
    params.name_constraints = Some(name_constraints(hosts));
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(CA_LIFETIME_DAYS);
    Ok(params)
}

fn read_text(path: &Path) -> Result<String, CertificateError> {
    std::fs::read_to_string(path).map_err(|source| CertificateError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// Makes the local CA (or reuses the one tablets already trust) and issues
/// a server certificate for `request.hosts`. A new CA is constrained to
/// those hosts and lives [`CA_LIFETIME_DAYS`]; its key goes to
/// `--ca-key-out` when given, else `tls/ca-key.pem`. Renewing needs the
/// CA's key (from `tls/` or `--ca-key`), and refuses hosts outside the
/// CA's constraints.
pub fn make_certificates(
    dir: &Path,
    request: &CertificateRequest,
) -> Result<CertificateOutcome, CertificateError> {
    let hosts = request
        .hosts
        .iter()
        .map(|h| parse_host(h))
        .collect::<Result<Vec<_>, _>>()?;
    std::fs::create_dir_all(dir)?;
    let files = CertificateFiles::in_dir(dir);
    let reuse = files.ca_certificate.exists() && !request.new_ca;
    let (ca_params, ca_key, ca_key_path, unconstrained_ca) = if reuse {
        let ca_pem = read_text(&files.ca_certificate)?;
        let ca_key_path = match &request.ca_key {
            Some(path) => path.clone(),
            None if files.ca_key.exists() => files.ca_key.clone(),
            None => {
                return Err(CertificateError::CaKeyNeeded(dir.display().to_string()));
            }
        };
        let ca_key = KeyPair::from_pem(&read_text(&ca_key_path)?)?;
        check_key_matches(&ca_pem, &ca_key, &files.ca_certificate, &ca_key_path)?;
        let params = CertificateParams::from_ca_cert_pem(&ca_pem).map_err(|_| {
            CertificateError::BadCaCertificate(files.ca_certificate.display().to_string())
        })?;
        let unconstrained = match &params.name_constraints {
            Some(constraints) => {
                for host in &hosts {
                    if !permits(constraints, host) {
                        return Err(CertificateError::OutsideConstraints {
                            host: match host {
                                HostName::Dns(name) => name.clone(),
                                HostName::Ip(address) => address.to_string(),
                            },
                            permitted: describe(constraints),
                        });
                    }
                }
                false
            }
            None => true,
        };
        (params, ca_key, ca_key_path, unconstrained)
    } else {
        let ca_key_path = request
            .ca_key_out
            .clone()
            .unwrap_or_else(|| files.ca_key.clone());
        if request.ca_key_out.is_some() && ca_key_path.exists() {
            return Err(CertificateError::CaKeyOutExists(
                ca_key_path.display().to_string(),
            ));
        }
        (
            new_ca_params(&hosts)?,
            KeyPair::generate()?,
            ca_key_path,
            false,
        )
    };
    // The CA certificate is re-made from its own fields and key: a
    // certificate it signs validates against the copy tablets hold.
    let ca_not_after = ca_params.not_after;
    let ca_certificate = ca_params.self_signed(&ca_key)?;
    if !reuse {
        write_private(&ca_key_path, &ca_key.serialize_pem())?;
        if ca_key_path != files.ca_key && files.ca_key.exists() {
            // A new CA whose key lives elsewhere: the old key goes.
            std::fs::remove_file(&files.ca_key)?;
        }
        std::fs::write(&files.ca_certificate, ca_certificate.pem())?;
    }
    let mut params = CertificateParams::new(request.hosts.clone())?;
    params.distinguished_name.push(
        DnType::CommonName,
        request.hosts.first().cloned().unwrap_or_default(),
    );
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = (now + time::Duration::days(SERVER_LIFETIME_DAYS)).min(ca_not_after);
    let server_not_after = params.not_after;
    let server_key = KeyPair::generate()?;
    let server_certificate = params.signed_by(&server_key, &ca_certificate, &ca_key)?;
    std::fs::write(&files.server_certificate, server_certificate.pem())?;
    write_private(&files.server_key, &server_key.serialize_pem())?;
    Ok(CertificateOutcome {
        files,
        ca_key: ca_key_path,
        new_ca: !reuse,
        ca_not_after,
        server_not_after,
        unconstrained_ca,
    })
}

/// Refuses a key that is not the CA certificate's.
fn check_key_matches(
    ca_pem: &str,
    key: &KeyPair,
    ca_path: &Path,
    key_path: &Path,
) -> Result<(), CertificateError> {
    let bad_certificate = || CertificateError::BadCaCertificate(ca_path.display().to_string());
    let (_, pem) =
        x509_parser::pem::parse_x509_pem(ca_pem.as_bytes()).map_err(|_| bad_certificate())?;
    let (_, certificate) =
        x509_parser::parse_x509_certificate(&pem.contents).map_err(|_| bad_certificate())?;
    if certificate.public_key().raw != key.public_key_der().as_slice() {
        return Err(CertificateError::WrongCaKey(key_path.display().to_string()));
    }
    Ok(())
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
    use x509_parser::extensions::{GeneralName, ParsedExtension};

    fn request(hosts: &[&str]) -> CertificateRequest {
        CertificateRequest {
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            ..CertificateRequest::default()
        }
    }

    /// The CA certificate's name constraints extension: (critical,
    /// permitted names, excluded names), as text.
    fn constraints_of(pem_path: &Path) -> (bool, Vec<String>, Vec<String>) {
        let pem_text = std::fs::read(pem_path).unwrap();
        let (_, pem) = x509_parser::pem::parse_x509_pem(&pem_text).unwrap();
        let (_, certificate) = x509_parser::parse_x509_certificate(&pem.contents).unwrap();
        let extension = certificate
            .extensions()
            .iter()
            .find(|e| e.oid == x509_parser::oid_registry::OID_X509_EXT_NAME_CONSTRAINTS)
            .expect("the CA has name constraints");
        let ParsedExtension::NameConstraints(constraints) = extension.parsed_extension() else {
            panic!("name constraints expected")
        };
        let text = |subtrees: &Option<Vec<x509_parser::extensions::GeneralSubtree>>| {
            subtrees
                .iter()
                .flatten()
                .map(|subtree| match &subtree.base {
                    GeneralName::DNSName(name) => format!("dns:{name}"),
                    GeneralName::IPAddress(bytes) => format!("ip:{}", hex::encode(bytes)),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
        };
        (
            extension.critical,
            text(&constraints.permitted_subtrees),
            text(&constraints.excluded_subtrees),
        )
    }

    fn lifetime_days(pem_path: &Path) -> i64 {
        let pem_text = std::fs::read(pem_path).unwrap();
        let (_, pem) = x509_parser::pem::parse_x509_pem(&pem_text).unwrap();
        let (_, certificate) = x509_parser::parse_x509_certificate(&pem.contents).unwrap();
        let validity = certificate.validity();
        (validity.not_after.timestamp() - validity.not_before.timestamp()) / 86_400
    }

    #[test]
    fn made_certificates_load_into_rustls() {
        let dir = tempfile::tempdir().unwrap();
        let outcome =
            make_certificates(dir.path(), &request(&["phonghop.local", "192.168.1.10"])).unwrap();
        let files = outcome.files;
        load_server_config(&files.server_certificate, &files.server_key).unwrap();
    }

    #[test]
    fn the_ca_is_constrained_critically_to_the_hosts_given() {
        let dir = tempfile::tempdir().unwrap();
        let outcome =
            make_certificates(dir.path(), &request(&["Hop.UBND.local", "192.168.1.10"])).unwrap();
        let (critical, permitted, excluded) = constraints_of(&outcome.files.ca_certificate);
        assert!(critical, "name constraints must be critical");
        assert_eq!(
            permitted,
            ["dns:hop.ubnd.local", "ip:c0a8010affffffff"],
            "the host, and the address with a /32 mask"
        );
        assert!(excluded.is_empty(), "{excluded:?}");
        // Three years (and the day before today), not ten.
        assert_eq!(
            lifetime_days(&outcome.files.ca_certificate),
            CA_LIFETIME_DAYS + 1
        );
    }

    #[test]
    fn a_kind_of_name_not_given_is_shut_out() {
        let dir = tempfile::tempdir().unwrap();
        let outcome = make_certificates(dir.path(), &request(&["hop.local"])).unwrap();
        let (_, permitted, excluded) = constraints_of(&outcome.files.ca_certificate);
        assert_eq!(permitted, ["dns:hop.local"]);
        assert_eq!(
            excluded,
            [
                "ip:0000000000000000",
                "ip:0000000000000000000000000000000000000000000000000000000000000000"
            ]
        );
        let dir = tempfile::tempdir().unwrap();
        let outcome = make_certificates(dir.path(), &request(&["10.0.0.5"])).unwrap();
        let (_, permitted, _) = constraints_of(&outcome.files.ca_certificate);
        assert_eq!(permitted, ["ip:0a000005ffffffff", "dns:invalid"]);
    }

    #[test]
    fn second_run_keeps_the_ca_tablets_already_trust() {
        let dir = tempfile::tempdir().unwrap();
        let first = make_certificates(dir.path(), &request(&["hop.local", "a.hop.local"])).unwrap();
        let ca_before = std::fs::read(&first.files.ca_certificate).unwrap();
        let key_before = std::fs::read(&first.files.ca_key).unwrap();
        let second = make_certificates(dir.path(), &request(&["b.hop.local"])).unwrap();
        assert!(first.new_ca && !second.new_ca);
        assert_eq!(
            std::fs::read(&first.files.ca_certificate).unwrap(),
            ca_before
        );
        assert_eq!(std::fs::read(&first.files.ca_key).unwrap(), key_before);
        load_server_config(&second.files.server_certificate, &second.files.server_key).unwrap();
    }

    #[test]
    fn a_host_outside_the_constraints_needs_a_new_ca() {
        let dir = tempfile::tempdir().unwrap();
        make_certificates(dir.path(), &request(&["hop.local", "192.168.1.10"])).unwrap();
        let error = make_certificates(dir.path(), &request(&["evil.example"]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("evil.example is outside"), "{error}");
        assert!(error.contains("hop.local, 192.168.1.10"), "{error}");
        let error = make_certificates(dir.path(), &request(&["192.168.1.11"]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("--new-ca"), "{error}");
        let renewed = make_certificates(
            dir.path(),
            &CertificateRequest {
                new_ca: true,
                ..request(&["evil.example"])
            },
        )
        .unwrap();
        assert!(renewed.new_ca);
    }

    #[test]
    fn a_ca_key_kept_elsewhere_is_asked_for_when_renewing() {
        let dir = tempfile::tempdir().unwrap();
        let tls = dir.path().join("tls");
        let away = dir.path().join("usb").join("ca-key.pem");
        std::fs::create_dir_all(away.parent().unwrap()).unwrap();
        let first = make_certificates(
            &tls,
            &CertificateRequest {
                ca_key_out: Some(away.clone()),
                ..request(&["hop.local"])
            },
        )
        .unwrap();
        assert_eq!(first.ca_key, away);
        assert!(away.exists());
        assert!(
            !tls.join("ca-key.pem").exists(),
            "the key left the data directory"
        );
        let error = make_certificates(&tls, &request(&["hop.local"]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("--ca-key"), "{error}");
        let stranger = dir.path().join("stranger.pem");
        std::fs::write(&stranger, KeyPair::generate().unwrap().serialize_pem()).unwrap();
        let error = make_certificates(
            &tls,
            &CertificateRequest {
                ca_key: Some(stranger),
                ..request(&["hop.local"])
            },
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("does not belong"), "{error}");
        make_certificates(
            &tls,
            &CertificateRequest {
                ca_key: Some(away),
                ..request(&["hop.local"])
            },
        )
        .unwrap();
    }

    #[test]
    fn constraints_are_matched_as_rfc_5280_says() {
        let hosts = [
            parse_host("hop.local").unwrap(),
            parse_host("192.168.1.10").unwrap(),
        ];
        let constraints = name_constraints(&hosts);
        let allowed = |host: &str| permits(&constraints, &parse_host(host).unwrap());
        assert!(allowed("hop.local"));
        assert!(allowed("a.hop.local"));
        assert!(!allowed("nothop.local"));
        assert!(!allowed("192.168.1.11"));
        assert!(!allowed("::1"));
        assert!(parse_host("bad host").is_err());
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
