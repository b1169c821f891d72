//! The administrator's console commands: `phonghop user …`,
//! `phonghop audit verify` and `audit public-key`, `phonghop cert`,
//! `phonghop backup`, `phonghop restore` and `phonghop convert` (a file
//! through the upload filter, the sandbox and the sanitizer, as an upload
//! would go). They open the same storage as `serve` (same `--data-dir` /
//! `--database-url`). The signing commands are `crate::signing_console`.

use std::io::{BufRead, IsTerminal};

use anyhow::Context;
use phonghop_protocol::api::OrgRole;

use crate::audit;
use crate::audit::key::AuditPublicKey;
use crate::audit::verify::AuditReport;
use crate::config::{
    prepare_data_dir, redact_url, AuditCommand, CertOptions, RoleArg, StorageOptions, UsageError,
    UserCommand,
};
use crate::store::{new_id, now_millis, NewAuditEntry, Store, UserRecord};

pub(crate) async fn open_store(storage: &StorageOptions) -> anyhow::Result<Store> {
    let data_dir = prepare_data_dir(&storage.data_dir)?;
    let url = storage.database_url(&data_dir);
    Store::open(&url)
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&url)))
}

/// Reads a new password from stdin (one line) or, interactively, twice
/// without echo.
fn read_new_password(from_stdin: bool) -> anyhow::Result<String> {
    let password = if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password("Mật khẩu mới / new password: ")?;
        let second = rpassword::prompt_password("Nhập lại / repeat: ")?;
        if first != second {
            return Err(UsageError("the two passwords differ: nothing was changed".into()).into());
        }
        first
    };
    validate_password(&password)?;
    Ok(password)
}

/// The password rule: long enough to resist guessing, short enough to hash.
pub fn validate_password(password: &str) -> Result<(), UsageError> {
    let length = password.chars().count();
    if length < 8 {
        return Err(UsageError(
            "the password must have at least 8 characters: nothing was changed".into(),
        ));
    }
    if password.len() > 1024 {
        return Err(UsageError(
            "the password is too long (over 1024 bytes)".into(),
        ));
    }
    Ok(())
}

/// Usernames: lowercase letters, digits, `.`, `_`, `-`; 2 to 64 characters.
pub fn validate_username(username: &str) -> Result<String, UsageError> {
    let username = username.trim().to_lowercase();
    let ok = (2..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !ok {
        return Err(UsageError(format!(
            "username {username:?} is not valid: use 2 to 64 letters a-z, digits, '.', '_' or '-'"
        )));
    }
    Ok(username)
}

pub async fn user_command(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            storage,
            username,
            role,
            display_name,
            password_stdin,
        } => {
            let username = validate_username(&username)?;
            let store = open_store(&storage).await?;
            if store.user_by_username(&username).await?.is_some() {
                return Err(UsageError(format!("user {username} already exists")).into());
            }
            let password = read_new_password(password_stdin)?;
            let user = UserRecord {
                id: new_id("u"),
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                org_role: match role {
                    RoleArg::Admin => OrgRole::Admin,
                    RoleArg::Secretary => OrgRole::Secretary,
                    RoleArg::User => OrgRole::User,
                },
                password_hash: crate::auth::hash_password(&password)
                    .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?,
                disabled: false,
                created_at: now_millis(),
            };
            store.create_user_audited(&user, false, None).await?;
            println!("created user {} ({:?})", user.username, user.org_role);
        }
        UserCommand::List { storage } => {
            let store = open_store(&storage).await?;
            println!(
                "{:<24} {:<10} {:<9} display name",
                "username", "role", "state"
            );
            for user in store.list_users().await? {
                println!(
                    "{:<24} {:<10} {:<9} {}",
                    user.username,
                    crate::store::DbEnum::as_str(user.org_role),
                    if user.disabled { "disabled" } else { "active" },
                    user.display_name
                );
            }
        }
        UserCommand::Disable { storage, username } => {
            let store = open_store(&storage).await?;
            let user = find_user(&store, &username).await?;
            store.set_user_disabled_audited(&user, true, None).await?;
            println!("disabled {}: its sessions have ended", user.username);
        }
        UserCommand::Enable { storage, username } => {
            let store = open_store(&storage).await?;
            let user = find_user(&store, &username).await?;
            store.set_user_disabled_audited(&user, false, None).await?;
            println!("enabled {}", user.username);
        }
        UserCommand::ResetPassword {
            storage,
            username,
            password_stdin,
        } => {
            let store = open_store(&storage).await?;
            let user = find_user(&store, &username).await?;
            let password = read_new_password(password_stdin)?;
            let hash = crate::auth::hash_password(&password)
                .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
            store
                .set_password_audited(
                    &user.id,
                    &hash,
                    crate::store::PasswordSetBy::Operator,
                    console_entry("account.reset_password", &user.username),
                )
                .await?;
            println!(
                "new password set for {}: its sessions have ended",
                user.username
            );
        }
    }
    Ok(())
}

async fn find_user(store: &Store, username: &str) -> anyhow::Result<UserRecord> {
    let username = username.trim().to_lowercase();
    store.user_by_username(&username).await?.ok_or_else(|| {
        UsageError(format!(
            "no user named {username}: see `phonghop user list`"
        ))
        .into()
    })
}

/// The audit entry of an operator's change to `username`'s account.
fn console_entry<'a>(action: &'a str, username: &str) -> NewAuditEntry<'a> {
    NewAuditEntry {
        actor_user_id: None,
        meeting_id: None,
        action,
        details: serde_json::json!({ "username": username, "via": "console" }),
    }
}

/// `phonghop audit verify`: exit 0 when the chain and every checkpoint
/// hold, 1 naming the first altered, deleted or inserted entry otherwise
/// (2, through the error, when it cannot check). `phonghop audit
/// public-key` prints the key auditors check with.
pub async fn audit_command(command: AuditCommand) -> anyhow::Result<std::process::ExitCode> {
    match command {
        AuditCommand::Verify {
            storage,
            public_key,
        } => {
            let data_dir = prepare_data_dir(&storage.data_dir)?;
            let key = audit_public_key(&data_dir, public_key.as_deref())?;
            let file_path = data_dir.join(audit::checkpoint::FILE_NAME);
            let file_text = match std::fs::read(&file_path) {
                Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
                Err(error) => {
                    return Err(anyhow::Error::new(error)
                        .context(format!("cannot read {}", file_path.display())))
                }
            };
            let store = open_store(&storage).await?;
            let entries = store.audit_entries(None).await?;
            let rows = store.audit_checkpoints().await?;
            store.close().await;
            if key.is_none() && (!rows.is_empty() || file_text.is_some()) {
                return Err(UsageError(format!(
                    "there are signed checkpoints but no audit key in {}: give the auditors' copy with --public-key FILE",
                    data_dir.display()
                ))
                .into());
            }
            let report = audit::verify::verify(audit::verify::VerifyInput {
                entries: &entries,
                checkpoint_rows: &rows,
                checkpoint_file: file_text.as_deref(),
                public_key: key.as_ref(),
                require_checkpoints: public_key.is_some(),
            });
            print!("{}", audit_report_text(&report, key.as_ref()));
            Ok(if report.intact() {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::from(1)
            })
        }
        AuditCommand::PublicKey { data_dir } => {
            let key = audit_public_key(&data_dir, None)?.ok_or_else(|| {
                UsageError(format!(
                    "no audit key in {}: the server makes it when it first starts",
                    data_dir.display()
                ))
            })?;
            println!("{}", key.to_hex());
            eprintln!(
                "key id {}; also in {}",
                key.key_id(),
                data_dir.join(audit::key::PUBLIC_KEY_FILE).display()
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}

/// The key to check checkpoints with: the file given, else the data
/// directory's `audit-key.pub`, else the public half of `audit-key.p8`.
fn audit_public_key(
    data_dir: &std::path::Path,
    given: Option<&std::path::Path>,
) -> anyhow::Result<Option<AuditPublicKey>> {
    if let Some(path) = given {
        return Ok(Some(audit::key::read_public_key(path)?.ok_or_else(
            || UsageError(format!("no public key file {}", path.display())),
        )?));
    }
    if let Some(key) = audit::key::read_public_key(&data_dir.join(audit::key::PUBLIC_KEY_FILE))? {
        return Ok(Some(key));
    }
    Ok(audit::key::AuditKey::load(data_dir)?.map(|key| key.public().clone()))
}

/// What `audit verify` prints: a summary, then each finding in Vietnamese
/// and English.
fn audit_report_text(report: &AuditReport, key: Option<&AuditPublicKey>) -> String {
    use std::fmt::Write;
    let mut text = String::new();
    let _ = match (key, &report.newest_checkpoint) {
        (None, _) => writeln!(
            text,
            "no audit key and no checkpoint yet: only the chain was checked (a cut tail cannot be detected)\n\
             chưa có khóa kiểm toán và mốc kiểm tra: chỉ kiểm tra chuỗi băm (không phát hiện được việc cắt đuôi nhật ký)"
        ),
        (Some(key), Some(newest)) => writeln!(
            text,
            "key {}: {} signed checkpoints hold; newest: checkpoint {}, entry {}, {}",
            key.key_id(),
            report.checkpoints_verified,
            newest.number,
            newest.seq,
            audit::verify::time_text(newest.at)
        ),
        (Some(key), None) => writeln!(
            text,
            "key {}: no signed checkpoint holds yet (a cut tail cannot be detected)",
            key.key_id()
        ),
    };
    if report.other_key_rows > 0 {
        let _ = writeln!(
            text,
            "{} checkpoint rows signed by other keys (other nodes, an earlier key) were not checked",
            report.other_key_rows
        );
    }
    if report.intact() {
        let _ = writeln!(
            text,
            "audit log intact: {} entries verified\nnhật ký kiểm toán nguyên vẹn: đã kiểm tra {} mục",
            report.entries, report.entries
        );
        return text;
    }
    let _ = match report.first_seq() {
        Some(seq) => writeln!(
            text,
            "AUDIT LOG TAMPERED: first at entry {seq}\nNHẬT KÝ KIỂM TOÁN BỊ CAN THIỆP: bắt đầu từ mục {seq}"
        ),
        None => writeln!(
            text,
            "AUDIT LOG TAMPERED: its checkpoints do not hold\nNHẬT KÝ KIỂM TOÁN BỊ CAN THIỆP: các mốc kiểm tra không còn nguyên vẹn"
        ),
    };
    for finding in &report.findings {
        let _ = writeln!(text, "- {}\n  {}", finding.vi, finding.en);
    }
    text
}

/// `phonghop backup`: one file of everything a restore needs, made while
/// the server may be serving.
pub async fn backup_command(options: crate::config::BackupOptions) -> anyhow::Result<()> {
    let passphrase = if options.encrypt || options.passphrase_file.is_some() {
        Some(crate::backup::read_passphrase(
            options.passphrase_file.as_deref(),
            true,
        )?)
    } else {
        None
    };
    let store = open_store(&options.storage).await?;
    let data_dir = prepare_data_dir(&options.storage.data_dir)?;
    let source = crate::backup::BackupSource {
        database_url: options.storage.database_url(&data_dir),
        data_dir,
    };
    let summary = crate::backup::create(&store, &source, &options.output, passphrase.as_deref())
        .await
        .with_context(|| format!("backup to {} failed", options.output.display()))?;
    crate::backup::record_success(&store, &summary).await;
    store.close().await;
    println!("{}", crate::backup::summary_line(&summary));
    if summary.holds_ca_key {
        println!(
            "note: the certificate authority's key (tls/ca-key.pem) is in this backup: whoever holds \
             the file can issue certificates the tablets trust. Move the key off the server \
             (`phonghop cert --ca-key-out`), or seal backups with --encrypt."
        );
    }
    Ok(())
}

/// `phonghop restore`: a backup into a new, empty data directory.
pub async fn restore_command(options: crate::config::RestoreOptions) -> anyhow::Result<()> {
    let passphrase = if crate::backup::restore::is_sealed(&options.input)? {
        Some(crate::backup::read_passphrase(
            options.passphrase_file.as_deref(),
            false,
        )?)
    } else {
        None
    };
    let request = crate::backup::restore::RestoreRequest {
        input: options.input.clone(),
        data_dir: options.data_dir.clone(),
        passphrase,
        database_url: options.database_url.clone(),
    };
    let summary =
        tokio::task::spawn_blocking(move || crate::backup::restore::restore(&request)).await??;
    println!(
        "restored {} files ({} database) made {} into {}",
        summary.manifest.members.len(),
        summary.manifest.database,
        summary.manifest.created_at,
        summary.data_dir.display()
    );
    match &options.database_url {
        Some(url) => println!(
            "Start the server with:\n  phonghop serve --data-dir {} --database-url {}",
            summary.data_dir.display(),
            redact_url(url)
        ),
        None => println!(
            "Start the server with:\n  phonghop serve --data-dir {}",
            summary.data_dir.display()
        ),
    }
    Ok(())
}

pub fn cert_command(options: CertOptions) -> anyhow::Result<()> {
    let data_dir = prepare_data_dir(&options.data_dir)?;
    let tls_dir = data_dir.join("tls");
    let request = crate::tls::CertificateRequest {
        hosts: options.hosts.clone(),
        ca_key_out: options.ca_key_out.clone(),
        ca_key: options.ca_key.clone(),
        new_ca: options.new_ca,
    };
    let outcome = crate::tls::make_certificates(&tls_dir, &request)
        .map_err(|error| UsageError(format!("{error}; nothing was changed")))?;
    let files = &outcome.files;
    let date = |at: time::OffsetDateTime| at.date().to_string();
    println!(
        "certificate authority: {} ({}, valid until {})",
        files.ca_certificate.display(),
        if outcome.new_ca { "new" } else { "kept" },
        date(outcome.ca_not_after)
    );
    println!("certificate authority key: {}", outcome.ca_key.display());
    println!(
        "server certificate:    {} (valid until {})",
        files.server_certificate.display(),
        date(outcome.server_not_after)
    );
    println!("server key:            {}", files.server_key.display());
    if outcome.unconstrained_ca {
        println!(
            "warning: this certificate authority was made before name constraints: it may vouch \
             for any website. Make a constrained one with --new-ca (and install it on every tablet)."
        );
    }
    if outcome.ca_key.starts_with(&data_dir) {
        println!(
            "note: the certificate authority's key is in the data directory, so in every backup. \
             Keep it elsewhere: `phonghop cert --new-ca --ca-key-out PATH`."
        );
    }
    println!();
    println!("Start the server with:");
    println!(
        "  phonghop serve --listen 0.0.0.0:8443 --data-dir {} --tls-cert {} --tls-key {}",
        data_dir.display(),
        files.server_certificate.display(),
        files.server_key.display()
    );
    if outcome.new_ca {
        println!(
            "On each tablet, open https://{}:8443/ca.pem once and install it as a trusted certificate \
             (Cài đặt > Bảo mật > Cài chứng chỉ).",
            options.hosts[0]
        );
    }
    Ok(())
}

/// `phonghop convert`: one file through what an upload goes through (the
/// filter, LibreOffice in its sandbox, the sanitizer), written to a PDF.
pub async fn convert_command(
    options: crate::config::ConvertOptions,
) -> anyhow::Result<std::process::ExitCode> {
    use crate::upload::{UploadKind, UploadPolicy};
    let bytes = std::fs::read(&options.input)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", options.input.display())))?;
    let policy = UploadPolicy {
        allow_legacy_office: options.allow_legacy_office,
        ..UploadPolicy::default()
    };
    let kind = if options.sandbox_only {
        let extension = options
            .input
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        [
            UploadKind::Pdf,
            UploadKind::Doc,
            UploadKind::Xls,
            UploadKind::Ppt,
            UploadKind::Docx,
            UploadKind::Xlsx,
            UploadKind::Pptx,
            UploadKind::Odt,
            UploadKind::Ods,
            UploadKind::Odp,
        ]
        .into_iter()
        .find(|kind| kind.extension() == extension)
        .ok_or_else(|| {
            UsageError(format!(
                "--sandbox-only needs a known extension, not {extension:?}"
            ))
        })?
    } else {
        crate::upload::classify(&bytes, &policy)
            .map_err(|rejection| anyhow::anyhow!("refused by the upload filter: {rejection}"))?
    };
    let pdf = if kind == UploadKind::Pdf {
        bytes
    } else {
        let converter = crate::convert::Converter::detect(
            &options.bwrap,
            std::time::Duration::from_secs(options.timeout_secs),
            1,
        );
        if let Some(reason) = converter.unavailable_reason() {
            anyhow::bail!("office conversion is off: {reason}");
        }
        let started = std::time::Instant::now();
        let pdf = converter
            .to_pdf(&bytes, kind)
            .await
            .map_err(|error| anyhow::anyhow!("conversion failed: {error}"))?;
        println!("conversion_seconds={:.3}", started.elapsed().as_secs_f64());
        pdf
    };
    let sanitized = crate::sanitize::sanitize_pdf(&pdf)
        .map_err(|error| anyhow::anyhow!("the pdf is refused: {error}"))?;
    std::fs::write(&options.output, &sanitized.bytes)
        .map_err(|e| UsageError(format!("cannot write {}: {e}", options.output.display())))?;
    println!("pages={}", sanitized.info.page_count);
    if !sanitized.removed.is_empty() {
        println!("removed={}", sanitized.removed.join("; "));
    }
    Ok(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalized_and_checked() {
        assert_eq!(validate_username(" DaiBieu01 ").unwrap(), "daibieu01");
        assert!(validate_username("a").is_err());
        assert!(validate_username("../etc").is_err());
        assert!(validate_username("đại biểu").is_err());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(validate_password("1234567").is_err());
        assert!(validate_password("mật khẩu dài").is_ok());
    }
}
