//! The command line: every option with an environment fallback
//! (`PHONGHOP_…`), parsed by clap. `phonghop --help` documents them all.
//! `Cli` and `Command` are the top; each command has its options
//! (`ServeOptions`, `StorageOptions`, `ClusterOptions`, `UserCommand`,
//! `CertOptions`, …). A bad value is a [`UsageError`]; the data directory
//! is checked (and made) by [`prepare_data_dir`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

/// phonghop: a paperless meeting room server (phòng họp không giấy).
#[derive(Debug, Parser)]
#[command(name = "phonghop", version, about, long_about = None)]
pub struct Cli {
    /// How log lines look: `human` for a terminal, `json` for a collector.
    #[arg(long, env = "PHONGHOP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

// `serve`'s options make this enum large; it is parsed once at start-up,
// so boxing them would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeOptions),
    /// Manage accounts from the server's console.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Create a local certificate authority and a server certificate, so
    /// tablets on the LAN get the secure context the offline app needs.
    Cert(CertOptions),
    /// Check the tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check the signatures of a signed meeting record (or any signed PDF).
    Record {
        #[command(subcommand)]
        command: RecordCommand,
    },
    /// Register the certificates accounts sign the meeting record with.
    Signing {
        #[command(subcommand)]
        command: SigningCommand,
    },
    /// Convert one file to PDF exactly as an upload is: the upload filter,
    /// LibreOffice in its sandbox, the PDF sanitizer. Prints the sandbox's
    /// state and the conversion time; to check the sandbox on a server, or
    /// how a document will convert.
    Convert(ConvertOptions),
    /// Make one backup file while the server serves: the database (a
    /// consistent copy), document files, certificates, signing material,
    /// with a manifest of SHA-256 checksums; sealed with a passphrase if
    /// asked.
    Backup(BackupOptions),
    /// Restore a backup into a new or empty data directory, after checking
    /// every checksum (nothing is written if one fails).
    Restore(RestoreOptions),
}

#[derive(Debug, Clone, Args)]
pub struct BackupOptions {
    #[command(flatten)]
    pub storage: StorageOptions,

    /// The backup file to write (refused if it exists).
    #[arg(long, short)]
    pub output: PathBuf,

    /// Seal the backup with a passphrase, asked twice on the terminal.
    #[arg(long)]
    pub encrypt: bool,

    /// Seal the backup with the passphrase on the first line of this file
    /// (implies --encrypt).
    #[arg(long, env = "PHONGHOP_BACKUP_PASSPHRASE_FILE")]
    pub passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreOptions {
    /// The new data directory: absent or empty, else nothing is done.
    #[arg(long)]
    pub data_dir: PathBuf,

    /// The backup file.
    #[arg(long, short)]
    pub input: PathBuf,

    /// For a sealed backup: the passphrase on the first line of this file
    /// (else it is asked on the terminal).
    #[arg(long, env = "PHONGHOP_BACKUP_PASSPHRASE_FILE")]
    pub passphrase_file: Option<PathBuf>,

    /// For a backup of a PostgreSQL server: the empty database to load it
    /// into (`postgres://USER@HOST/DB`).
    #[arg(long)]
    pub database_url: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ConvertOptions {
    /// The file to convert (PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP).
    pub input: PathBuf,

    /// Where to write the PDF.
    #[arg(long, short)]
    pub output: PathBuf,

    /// The bubblewrap program (as `serve --bwrap`).
    #[arg(long, env = "PHONGHOP_BWRAP", default_value = "bwrap")]
    pub bwrap: PathBuf,

    /// Accept Office 97-2003 files (as `serve --allow-legacy-office`).
    #[arg(long, env = "PHONGHOP_ALLOW_LEGACY_OFFICE")]
    pub allow_legacy_office: bool,

    /// Seconds the conversion may take.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub timeout_secs: u64,

    /// Skip the upload filter: only the sandbox stands between the file
    /// and the machine (to test the sandbox with files the filter would
    /// refuse). The kind comes from the input's extension. Never what
    /// `serve` does.
    #[arg(long)]
    pub sandbox_only: bool,
}

/// Where the server keeps its data. Console commands take the same options
/// as `serve` so they act on the same database.
#[derive(Debug, Clone, Args)]
pub struct StorageOptions {
    /// The data directory: the SQLite database, document files, certificates.
    #[arg(long, env = "PHONGHOP_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://PATH` (default: phonghop.db in the data
    /// directory) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "PHONGHOP_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl StorageOptions {
    /// The database URL in force.
    pub fn database_url(&self, data_dir: &Path) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", data_dir.join("phonghop.db").display()),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeOptions {
    #[command(flatten)]
    pub storage: StorageOptions,

    /// The address and port to listen on (HTTP and websockets, or HTTPS and
    /// WSS with a certificate).
    #[arg(long, env = "PHONGHOP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Seed the demo meeting and its accounts (password `demo`) if they are
    /// not there yet.
    #[arg(long, env = "PHONGHOP_DEMO")]
    pub demo: bool,

    /// How many delegate accounts (daibieu01…) the demo meeting gets; more
    /// than 26 is for load tests (`make bench`).
    #[arg(long, env = "PHONGHOP_DEMO_DELEGATES", default_value_t = 26, value_parser = clap::value_parser!(u64).range(1..=10000))]
    pub demo_delegates: u64,

    /// Extra origins allowed to call the API and open websockets
    /// (comma-separated, e.g. `https://hop.ubnd.local`); the server's own
    /// origin is always allowed.
    #[arg(
        long = "allowed-origin",
        env = "PHONGHOP_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,

    /// TLS certificate chain (PEM). With --tls-key, serves HTTPS and WSS.
    #[arg(long, env = "PHONGHOP_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// TLS private key (PEM).
    #[arg(long, env = "PHONGHOP_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// The built web client to serve.
    #[arg(long, env = "PHONGHOP_WEB_DIR", default_value = "client-web/dist")]
    pub web_dir: PathBuf,

    /// The largest document upload accepted, in megabytes.
    #[arg(long, env = "PHONGHOP_MAX_UPLOAD_MB", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=2048))]
    pub max_upload_mb: u64,

    /// Seconds an Office-to-PDF conversion may take before it is stopped.
    #[arg(long, env = "PHONGHOP_CONVERSION_TIMEOUT_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub conversion_timeout_secs: u64,

    /// How many Office conversions may run at once.
    #[arg(long, env = "PHONGHOP_MAX_CONVERSIONS", default_value_t = 2)]
    pub max_conversions: usize,

    /// The bubblewrap program that sandboxes LibreOffice (a name on the
    /// PATH, or a path). Without a working sandbox, Office uploads are
    /// refused: LibreOffice never runs outside it.
    #[arg(long, env = "PHONGHOP_BWRAP", default_value = "bwrap")]
    pub bwrap: PathBuf,

    /// Accept Word, Excel and PowerPoint 97-2003 files (.doc, .xls, .ppt).
    /// Off by default: secretaries are asked to save them as DOCX, XLSX or
    /// PPTX. When on, they are searched for linking fields and converted
    /// in the same sandbox.
    #[arg(long, env = "PHONGHOP_ALLOW_LEGACY_OFFICE")]
    pub allow_legacy_office: bool,

    /// The largest websocket frame or message on `/sync`, in megabytes.
    #[arg(long, env = "PHONGHOP_SYNC_MAX_MESSAGE_MB", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub sync_max_message_mb: u64,

    /// The largest stored size of one synced document (notes, ink,
    /// minutes), in megabytes; changes that would grow it further are
    /// refused.
    #[arg(long, env = "PHONGHOP_SYNC_MAX_DOCUMENT_MB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub sync_max_document_mb: u64,

    /// Messages per second one `/sync` connection may send on average
    /// (bursts of five seconds' worth pass); a connection that stays above
    /// it for 10 s is closed.
    #[arg(long, env = "PHONGHOP_SYNC_MESSAGES_PER_SECOND", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub sync_messages_per_second: u32,

    /// Change batches a synced document stores one by one before they are
    /// compacted into a single snapshot (each compaction rewrites the whole
    /// document).
    #[arg(long, env = "PHONGHOP_SYNC_COMPACT_AFTER", default_value_t = 128, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub sync_compact_after: u64,

    /// Make a backup this often (`24h`, `30m`, `7d`; `s` for seconds) into
    /// --backup-dir, the first at once if none was made within the
    /// interval. Off without it.
    #[arg(long, env = "PHONGHOP_BACKUP_EVERY", value_parser = parse_interval, requires = "backup_dir")]
    pub backup_every: Option<std::time::Duration>,

    /// Where scheduled backups go (`phonghop-YYYYMMDD-HHMMSS.phbak`). Keep
    /// it on another disk than the data directory.
    #[arg(long, env = "PHONGHOP_BACKUP_DIR", requires = "backup_every")]
    pub backup_dir: Option<PathBuf>,

    /// How many scheduled backups are kept; older ones are removed after a
    /// new one succeeds.
    #[arg(long, env = "PHONGHOP_BACKUP_KEEP", default_value_t = 14, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub backup_keep: u64,

    /// Seal scheduled backups with the passphrase on the first line of
    /// this file.
    #[arg(long, env = "PHONGHOP_BACKUP_PASSPHRASE_FILE")]
    pub backup_passphrase_file: Option<PathBuf>,

    /// How many days a login lasts on a device.
    #[arg(long, env = "PHONGHOP_SESSION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=365))]
    pub session_days: u64,

    /// Join a cluster of nodes through this NATS server (with JetStream),
    /// e.g. `nats://127.0.0.1:4222`. Needs --database-url postgres://…,
    /// the database every node shares. Without it: a single server.
    #[arg(long, env = "PHONGHOP_NATS_URL")]
    pub nats_url: Option<String>,

    /// This node's name in the cluster (who owns which meeting); default:
    /// the host name and the listening port.
    #[arg(long, env = "PHONGHOP_NODE_NAME", requires = "nats_url")]
    pub node_name: Option<String>,
}

/// What `serve --nats-url` joins with, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterOptions {
    pub nats_url: String,
    pub node_name: String,
}

impl ServeOptions {
    /// The cluster settings, when --nats-url is given: a `nats://` URL,
    /// a PostgreSQL database (nodes share storage; a SQLite file is one
    /// machine's) and a node name of letters, digits, `-`, `_`, `.`.
    pub fn cluster_options(&self, data_dir: &Path) -> Result<Option<ClusterOptions>, UsageError> {
        let Some(nats_url) = &self.nats_url else {
            return Ok(None);
        };
        if !(nats_url.starts_with("nats://") || nats_url.starts_with("tls://")) {
            return Err(UsageError(format!(
                "--nats-url {nats_url:?} phải bắt đầu bằng nats:// (ví dụ nats://127.0.0.1:4222) / \
                 must start with nats:// (e.g. nats://127.0.0.1:4222)"
            )));
        }
        let database_url = self.database_url(data_dir);
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(UsageError(
                "--nats-url cần --database-url postgres://…: các máy chủ trong cụm phải dùng chung \
                 một cơ sở dữ liệu PostgreSQL, còn SQLite là tệp riêng của một máy / \
                 --nats-url needs --database-url postgres://…: the nodes of a cluster share one \
                 PostgreSQL database, and SQLite is one machine's own file"
                    .into(),
            ));
        }
        let node_name = match &self.node_name {
            Some(name) => name.clone(),
            None => format!("{}-{}", host_name(), self.listen.port()),
        };
        let valid = !node_name.is_empty()
            && node_name.len() <= 64
            && node_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(UsageError(format!(
                "--node-name {node_name:?}: chỉ dùng chữ, số, -, _, . (tối đa 64 ký tự) / \
                 use letters, digits, -, _, . (at most 64 characters)"
            )));
        }
        Ok(Some(ClusterOptions {
            nats_url: nats_url.clone(),
            node_name,
        }))
    }
}

/// The machine's host name, letters, digits and `-` only.
fn host_name() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let name: String = name
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    if name.is_empty() {
        "node".into()
    } else {
        name
    }
}

impl std::ops::Deref for ServeOptions {
    type Target = StorageOptions;
    fn deref(&self) -> &StorageOptions {
        &self.storage
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Add {
        #[command(flatten)]
        storage: StorageOptions,
        /// The login name (letters, digits, `.`, `_`, `-`).
        username: String,
        /// Organization role.
        #[arg(long, value_enum, default_value_t = RoleArg::User)]
        role: RoleArg,
        /// The name shown to others (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        storage: StorageOptions,
    },
    /// Disable an account: its sessions end and its sockets close.
    Disable {
        #[command(flatten)]
        storage: StorageOptions,
        username: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[command(flatten)]
        storage: StorageOptions,
        username: String,
    },
    /// Set a new password; the account's sessions end.
    ResetPassword {
        #[command(flatten)]
        storage: StorageOptions,
        username: String,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Admin,
    Secretary,
    User,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every entry's hash and link, every signed checkpoint against
    /// the audit key, and the database's checkpoints against
    /// audit-checkpoints.log; name the first altered, deleted or inserted
    /// entry. Exit 0 when intact, 1 when not, 2 when it cannot check.
    Verify {
        #[command(flatten)]
        storage: StorageOptions,
        /// The audit public key to check with: the auditors' own copy
        /// (default: audit-key.pub in the data directory).
        #[arg(long)]
        public_key: Option<PathBuf>,
    },
    /// Print the audit key's public half (hex), for auditors to keep.
    PublicKey {
        /// The data directory.
        #[arg(long, env = "PHONGHOP_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// Print each signature of FILE: signer, time, whether the document is
    /// intact; exit 1 when any signature fails (or there is none).
    Verify {
        /// The signed record (record.pdf).
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum SigningCommand {
    /// Register NAME's signing certificate. Its private key stays where
    /// it is (a USB token, a remote signing service): NAME signs through
    /// the external-signer endpoints, and the server checks each signature
    /// against this certificate before embedding it.
    Import {
        #[command(flatten)]
        storage: StorageOptions,
        /// The account's username.
        #[arg(long)]
        user: String,
        /// The certificate (PEM or DER).
        #[arg(long)]
        certificate: PathBuf,
        /// Its issuing certificates (PEM or DER), nearest first; repeat.
        #[arg(long)]
        chain: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct CertOptions {
    /// The data directory (certificates go to its `tls/` folder).
    #[arg(long, env = "PHONGHOP_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// A host name or IP address the tablets will use to reach the server;
    /// repeat for several.
    #[arg(long = "host", required = true)]
    pub hosts: Vec<String>,

    /// When a new certificate authority is made, write its private key
    /// here (a USB stick, the IT officer's machine) instead of
    /// `tls/ca-key.pem`: then it is in no backup, and renewing asks for it.
    #[arg(long, value_name = "PATH")]
    pub ca_key_out: Option<PathBuf>,

    /// The certificate authority's key, when renewing and it is not in
    /// `tls/` (where --ca-key-out wrote it).
    #[arg(long, value_name = "PATH", env = "PHONGHOP_CA_KEY")]
    pub ca_key: Option<PathBuf>,

    /// Make a new certificate authority even though one exists (for hosts
    /// outside the old one's names, or to replace an unconstrained one).
    /// Every tablet must then install the new `ca.pem`.
    #[arg(long)]
    pub new_ca: bool,
}

/// Parses an interval such as `24h`, `30m`, `7d` or `90s`.
pub fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?}: give a unit, e.g. 24h, 30m, 7d"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: give a whole number and a unit, e.g. 24h"))?;
    let seconds = match unit {
        "s" => number,
        "m" => number.saturating_mul(60),
        "h" => number.saturating_mul(3600),
        "d" => number.saturating_mul(86_400),
        _ => return Err(format!("{text:?}: the unit is s, m, h or d")),
    };
    if seconds == 0 || seconds > 366 * 86_400 {
        return Err(format!("{text:?}: between 1 second and 366 days"));
    }
    Ok(std::time::Duration::from_secs(seconds))
}

/// A mistake in how the program was started: printed as one line, exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Creates the data directory if needed and checks that it is writable.
pub fn prepare_data_dir(path: &Path) -> Result<PathBuf, UsageError> {
    let explain = |what: &str, error: std::io::Error| {
        UsageError(format!(
            "cannot use data directory {}: {what}: {error}. Choose another with --data-dir or fix its permissions",
            path.display()
        ))
    };
    if path.exists() && !path.is_dir() {
        return Err(UsageError(format!(
            "data directory {} is a file, not a directory: choose another with --data-dir",
            path.display()
        )));
    }
    std::fs::create_dir_all(path).map_err(|e| explain("cannot create it", e))?;
    let probe = path.join(".phonghop-write-test");
    std::fs::write(&probe, b"ok").map_err(|e| explain("cannot write in it", e))?;
    let _ = std::fs::remove_file(&probe);
    std::fs::canonicalize(path).map_err(|e| explain("cannot resolve it", e))
}

/// A database URL with any password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_defaults_are_local_and_in_data() {
        let cli = Cli::try_parse_from(["phonghop", "serve"]).unwrap();
        let Command::Serve(options) = cli.command else {
            panic!("serve expected")
        };
        assert_eq!(options.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            options.database_url(Path::new("/srv/data")),
            "sqlite:///srv/data/phonghop.db"
        );
    }

    #[test]
    fn intervals_read_as_an_operator_writes_them() {
        use std::time::Duration;
        assert_eq!(parse_interval("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_interval("30m"), Ok(Duration::from_secs(1_800)));
        assert_eq!(parse_interval("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_interval("2s"), Ok(Duration::from_secs(2)));
        for bad in ["24", "h", "0h", "1.5h", "24 hours", "400d", ""] {
            assert!(parse_interval(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Cli::try_parse_from(["phonghop", "serve", "--backup-every", "24h"]).is_err());
    }

    fn serve(args: &[&str]) -> ServeOptions {
        let cli = Cli::try_parse_from(["phonghop", "serve"].iter().chain(args)).unwrap();
        let Command::Serve(options) = cli.command else {
            panic!("serve expected")
        };
        options
    }

    #[test]
    fn without_nats_url_a_node_is_a_single_server() {
        let options = serve(&[]);
        assert_eq!(options.cluster_options(Path::new("/srv")).unwrap(), None);
    }

    #[test]
    fn a_cluster_node_refuses_sqlite_in_both_languages() {
        let options = serve(&["--nats-url", "nats://127.0.0.1:4222"]);
        let error = options.cluster_options(Path::new("/srv")).unwrap_err().0;
        assert!(error.contains("--database-url postgres://"), "{error}");
        assert!(error.contains("dùng chung"), "{error}");
        assert!(error.contains("share one"), "{error}");
        let options = serve(&[
            "--nats-url",
            "nats://127.0.0.1:4222",
            "--database-url",
            "sqlite:///srv/x.db",
        ]);
        assert!(options.cluster_options(Path::new("/srv")).is_err());
    }

    #[test]
    fn a_cluster_node_with_postgres_joins_under_its_name() {
        let options = serve(&[
            "--nats-url",
            "nats://127.0.0.1:4222",
            "--database-url",
            "postgres://postgres@127.0.0.1/test",
            "--node-name",
            "node-a",
        ]);
        assert_eq!(
            options.cluster_options(Path::new("/srv")).unwrap(),
            Some(ClusterOptions {
                nats_url: "nats://127.0.0.1:4222".into(),
                node_name: "node-a".into(),
            })
        );
        let unnamed = serve(&[
            "--nats-url",
            "nats://127.0.0.1:4222",
            "--database-url",
            "postgres://postgres@127.0.0.1/test",
            "--listen",
            "127.0.0.1:8081",
        ]);
        let named = unnamed.cluster_options(Path::new("/srv")).unwrap().unwrap();
        assert!(named.node_name.ends_with("-8081"), "{named:?}");
    }

    #[test]
    fn a_bad_nats_url_or_node_name_is_explained() {
        let postgres = ["--database-url", "postgres://postgres@127.0.0.1/test"];
        let options = serve(&[&["--nats-url", "http://127.0.0.1:4222"][..], &postgres].concat());
        assert!(options
            .cluster_options(Path::new("/srv"))
            .unwrap_err()
            .0
            .contains("nats://"));
        let options = serve(
            &[
                &["--nats-url", "nats://127.0.0.1:4222", "--node-name", "a b"][..],
                &postgres,
            ]
            .concat(),
        );
        assert!(options.cluster_options(Path::new("/srv")).is_err());
        assert!(Cli::try_parse_from(["phonghop", "serve", "--node-name", "a"]).is_err());
    }

    #[test]
    fn unknown_option_is_an_error() {
        assert!(Cli::try_parse_from(["phonghop", "serve", "--no-such-option"]).is_err());
    }

    #[test]
    fn passwords_are_hidden_in_database_urls() {
        assert_eq!(
            redact_url("postgres://phonghop:s3cret@db.local:5432/phonghop"),
            "postgres://phonghop:***@db.local:5432/phonghop"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact_url("sqlite:///a/b.db"), "sqlite:///a/b.db");
    }

    #[test]
    fn a_file_is_not_a_data_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        assert!(prepare_data_dir(&file).is_err());
        assert!(prepare_data_dir(&dir.path().join("new/nested")).is_ok());
    }
}
