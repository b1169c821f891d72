//! The console commands of signing: `phonghop record verify FILE` checks
//! a signed record from its bytes alone; `phonghop signing import`
//! registers an account's signing certificate.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::config::{RecordCommand, SigningCommand, UsageError};
use crate::signing::{self, Certificate};
use crate::store::{now_millis, CredentialKey, NewAuditEntry, SigningCredential};

pub fn record_command(command: RecordCommand) -> anyhow::Result<ExitCode> {
    match command {
        RecordCommand::Verify { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let started = std::time::Instant::now();
            let reports = signing::verify(&bytes);
            let elapsed = started.elapsed();
            let sha256 = hex::encode(Sha256::digest(&bytes));
            println!("file: {} ({} bytes)", file.display(), bytes.len());
            println!("sha256: {sha256}");
            if reports.is_empty() {
                println!("no signature found");
                return Ok(ExitCode::from(1));
            }
            let mut all_intact = true;
            for (index, report) in reports.iter().enumerate() {
                all_intact &= report.intact;
                println!("signature {}:", index + 1);
                println!(
                    "  signer:      {}",
                    report.signer.as_deref().unwrap_or("(unknown)")
                );
                if let Some(title) = &report.title {
                    println!("  title:       {title}");
                }
                if let Some(organization) = &report.organization {
                    println!("  agency:      {organization}");
                }
                println!(
                    "  time:        {}",
                    report
                        .signing_time
                        .as_deref()
                        .map(readable_pdf_date)
                        .unwrap_or_else(|| "(not given)".into())
                );
                println!(
                    "  issued by:   {}",
                    if report.chain.is_empty() {
                        "(no issuer certificate in the file)".to_owned()
                    } else {
                        report.chain.join(" <- ")
                    }
                );
                println!("  certificate: sha256 {}", report.certificate_sha256);
                match (&report.problem, report.covers_whole_file) {
                    (Some(problem), _) => println!("  INVALID:     {problem}"),
                    (None, true) => println!("  intact:      yes, covers the whole file"),
                    (None, false) => println!(
                        "  intact:      yes, covers the file as it was signed (later signatures were added after)"
                    ),
                }
            }
            match audit_anchor(&bytes) {
                Some(anchor) => println!("audit anchor: {anchor}"),
                None => println!("audit anchor: none in this file"),
            }
            println!("verified in {} ms", elapsed.as_millis());
            Ok(if all_intact {
                ExitCode::SUCCESS
            } else {
                println!("RESULT: at least one signature is INVALID");
                ExitCode::from(1)
            })
        }
    }
}

/// `D:20261207140530+07'00'` as `2026-12-07 14:05:30 +07:00`.
fn readable_pdf_date(date: &str) -> String {
    let digits = date.trim_start_matches("D:");
    if digits.len() < 14 || !digits[..14].bytes().all(|byte| byte.is_ascii_digit()) {
        return date.to_owned();
    }
    let offset = digits[14..].replace('\'', "");
    let offset = if offset.len() == 5 {
        format!(" {}:{}", &offset[..3], &offset[3..])
    } else {
        format!(" {offset}")
    };
    format!(
        "{}-{}-{} {}:{}:{}{}",
        &digits[..4],
        &digits[4..6],
        &digits[6..8],
        &digits[8..10],
        &digits[10..12],
        &digits[12..14],
        offset.trim_end()
    )
}

/// The audit log's head as the record carries it (`phonghop-audit-head:
/// SEQ HASH`), if it does: in the information dictionary's keywords, where
/// LibreOffice writes the record's keyword as UTF-16 hex, or as plain text.
fn audit_anchor(pdf: &[u8]) -> Option<String> {
    keyword_anchor(pdf).or_else(|| literal_anchor(pdf))
}

/// The anchor in the last `/Keywords<FEFF…>` of the file.
fn keyword_anchor(pdf: &[u8]) -> Option<String> {
    let needle = b"/Keywords<";
    let mut found = None;
    let mut from = 0;
    while let Some(at) = pdf[from..]
        .windows(needle.len())
        .position(|window| window == needle)
    {
        let start = from + at + needle.len();
        let end = start + pdf[start..].iter().position(|&byte| byte == b'>')?;
        let digits: Vec<u8> = pdf[start..end]
            .iter()
            .copied()
            .filter(|byte| !byte.is_ascii_whitespace())
            .collect();
        if let Ok(bytes) = hex::decode(&digits) {
            if let Some(utf16) = bytes.strip_prefix(&[0xfe, 0xff]) {
                let units: Vec<u16> = utf16
                    .chunks_exact(2)
                    .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                    .collect();
                let text = String::from_utf16_lossy(&units);
                if let Some(rest) = text.split("phonghop-audit-head:").nth(1) {
                    found = Some(rest.trim().to_owned());
                }
            }
        }
        from = end;
    }
    found
}

/// The anchor written as plain bytes (a literal string).
fn literal_anchor(pdf: &[u8]) -> Option<String> {
    let needle = b"phonghop-audit-head:";
    let at = pdf
        .windows(needle.len())
        .position(|window| window == needle)?;
    let rest = &pdf[at + needle.len()..];
    let end = rest
        .iter()
        .position(|&byte| byte == b')' || byte == b'\n' || byte == b'>')
        .unwrap_or(rest.len().min(100));
    Some(String::from_utf8_lossy(&rest[..end]).trim().to_owned())
}

pub async fn signing_command(command: SigningCommand) -> anyhow::Result<()> {
    match command {
        SigningCommand::Import {
            storage,
            user,
            certificate,
            chain,
        } => {
            let store = crate::console::open_store(&storage).await?;
            let account = store
                .user_by_username(&user)
                .await?
                .ok_or_else(|| UsageError(format!("no account named {user}")))?;
            let certificate = read_certificate(&certificate)?;
            let chain = chain
                .iter()
                .map(|path| read_certificate(path.as_path()))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let fingerprint = hex::encode(Sha256::digest(&certificate.der));
            store
                .set_signing_credential_audited(
                    &SigningCredential {
                        user_id: account.id.clone(),
                        certificate: certificate.der.clone(),
                        chain: chain.iter().map(|issuer| issuer.der.clone()).collect(),
                        key: CredentialKey::External,
                        registered_at: now_millis(),
                    },
                    NewAuditEntry {
                        actor_user_id: None,
                        meeting_id: None,
                        action: "user.signing_certificate_registered",
                        details: serde_json::json!({
                            "user_id": account.id,
                            "certificate_sha256": fingerprint,
                            "key": "external",
                        }),
                    },
                )
                .await?;
            println!(
                "registered for {user}: {} (issued by {}), sha256 {fingerprint}; signs through an external signer",
                certificate.common_name().unwrap_or_default(),
                certificate.issuer_name().unwrap_or_default(),
            );
            Ok(())
        }
    }
}

/// A certificate from a PEM or DER file.
fn read_certificate(path: &Path) -> anyhow::Result<Certificate> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let der = if bytes.starts_with(b"-----BEGIN") {
        rustls_pemfile::certs(&mut bytes.as_slice())
            .next()
            .ok_or_else(|| UsageError(format!("{} holds no certificate", path.display())))?
            .with_context(|| format!("{} is not valid PEM", path.display()))?
            .to_vec()
    } else {
        bytes
    };
    Certificate::from_der(&der).map_err(|error| {
        UsageError(format!(
            "{}: not a usable certificate: {error}",
            path.display()
        ))
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_anchor_is_read_from_libreoffices_utf16_keywords() {
        let keyword = "phonghop-audit-head: 5 b2acd4";
        let mut hex_text = String::from("FEFF");
        for unit in keyword.encode_utf16() {
            hex_text.push_str(&format!("{unit:04X}"));
        }
        let pdf = format!("<</Producer(x)/Keywords<{hex_text}>/Title(y)>>");
        assert_eq!(audit_anchor(pdf.as_bytes()).as_deref(), Some("5 b2acd4"));
        assert_eq!(
            audit_anchor(b"(phonghop-audit-head: 7 abc)").as_deref(),
            Some("7 abc")
        );
        assert_eq!(audit_anchor(b"/Keywords<FEFF00"), None);
        assert_eq!(audit_anchor(b"/Keywords<zz>"), None);
        assert_eq!(audit_anchor(b"nothing here"), None);
    }

    #[test]
    fn pdf_dates_read_as_local_times() {
        assert_eq!(
            readable_pdf_date("D:20261207140530+07'00'"),
            "2026-12-07 14:05:30 +07:00"
        );
        assert_eq!(readable_pdf_date("garbage"), "garbage");
    }
}
