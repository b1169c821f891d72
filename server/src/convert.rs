//! Office documents to PDF with LibreOffice, in a sandbox that lets it
//! read nothing but the one file it converts.
//!
//! Each conversion runs LibreOffice under bubblewrap (`bwrap`, Debian
//! `bubblewrap`) in new user, mount, PID, network, IPC, UTS and cgroup
//! namespaces: an empty root with only `/usr` (and its `/bin`, `/lib…`
//! links) and `/etc/fonts` mounted read-only, fresh `/dev`, `/proc` and
//! `/tmp`, the upload read-only, and one scratch directory read-write
//! (HOME, the LibreOffice profile, the output); no network but its own
//! loopback, no data directory, no `/home`, `/root` or the rest of `/etc`,
//! no capabilities, no further user namespaces, a new session (no
//! terminal injection), a clean environment, killed with its parent.
//! Inside, `prlimit` (util-linux) caps CPU time, address space, file size,
//! open files and processes before LibreOffice starts (setting them in
//! `pre_exec` would need `unsafe`, which the workspace forbids). The time
//! limit kills the whole process group; a semaphore caps how many
//! conversions run at once.
//!
//! No isolation, no conversion: [`Converter::detect`] makes a trial run of
//! the sandbox at start-up (LibreOffice printing its version inside it);
//! when that fails, Office conversion is off, the start-up log and
//! `/readyz` say why, and uploads of Office files are refused
//! ([`ConversionError::SandboxUnavailable`], on the wire
//! `conversion_unavailable`; `/readyz` answers 200 `degraded`, and PDFs
//! still work). There is no unsandboxed path: the bench compares against
//! plain LibreOffice with its own code.
//!
//! Uploads go through [`Converter::to_pdf`]; documents the server makes
//! itself (the meeting record) through [`Converter::render_pdf`], in the
//! same sandbox. `phonghop convert` (console) runs a file through filter,
//! sandbox and sanitizer.
//!
//! Besides `/usr` and `/etc/fonts`, the sandbox mounts read-only the
//! fontconfig cache (without it fontconfig rebuilds one in every
//! conversion) and what LibreOffice's own tree links to outside `/usr`
//! (Debian: its registry in `/etc/libreoffice`).
//!
//! Why bubblewrap: it is Debian's packaged, maintained setup of the
//! namespaces Linux gives, works as root and unprivileged (through an
//! unprivileged user namespace), and mounts only what it is told. A
//! seccomp filter was left out: bwrap takes it as a compiled BPF program
//! on an inherited file descriptor, which needs `unsafe` or a descriptor
//! leaked to every child. Landlock would restrict the file access the
//! mount namespace already removes. SECURITY.md lists what the sandbox
//! allows and denies.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::upload::UploadKind;

/// Why a conversion did not produce a PDF.
#[derive(Debug, thiserror::Error)]
pub enum ConversionError {
    #[error("libreoffice (soffice) is not installed on the server")]
    NotInstalled,
    #[error("the conversion sandbox is not available: {0}")]
    SandboxUnavailable(String),
    #[error("the conversion took longer than {0} seconds and was stopped")]
    TimedOut(u64),
    #[error("libreoffice could not convert the file: {0}")]
    Failed(String),
    #[error("conversion i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// Resource limits set on LibreOffice inside the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceLimits {
    /// CPU seconds (RLIMIT_CPU); the wall-clock limit is separate.
    pub cpu_seconds: u64,
    /// Address space (RLIMIT_AS). LibreOffice reserves about 1 GiB of
    /// virtual memory at start; the 83-page fixture peaks well below 3.
    pub address_space_bytes: u64,
    /// Largest file LibreOffice may write (RLIMIT_FSIZE): the PDF, the
    /// profile's files.
    pub file_size_bytes: u64,
    /// Processes and threads (RLIMIT_NPROC), counted per user in the
    /// sandbox's user namespace.
    pub processes: u64,
    /// Open files (RLIMIT_NOFILE).
    pub open_files: u64,
}

impl ResourceLimits {
    /// The limits for a conversion allowed `time_limit` of wall-clock time.
    pub fn for_time_limit(time_limit: Duration) -> ResourceLimits {
        ResourceLimits {
            cpu_seconds: time_limit.as_secs().max(5),
            address_space_bytes: 4 * 1024 * 1024 * 1024,
            file_size_bytes: 512 * 1024 * 1024,
            processes: 512,
            open_files: 1024,
        }
    }
}

/// Where things are inside the sandbox.
const SANDBOX_HOME: &str = "/sandbox/home";
const SANDBOX_INPUT_DIR: &str = "/sandbox/input";

/// What the host offers the sandbox, read once at start-up.
#[derive(Debug, Clone)]
pub struct HostLayout {
    /// The bubblewrap binary.
    pub bwrap: PathBuf,
    /// util-linux `prlimit`, run inside the sandbox.
    pub prlimit: PathBuf,
    /// LibreOffice's `soffice`.
    pub soffice: PathBuf,
    /// Top-level links into `/usr` (`/bin` -> `usr/bin` on a merged-/usr
    /// system), recreated as links; top-level directories of the same
    /// names on older systems are mounted read-only instead.
    pub root_links: Vec<(String, RootEntry)>,
    /// Read-only mounts besides `/usr`: `/etc/fonts`, and LibreOffice's
    /// own directory when it is installed outside `/usr`.
    pub read_only: Vec<PathBuf>,
}

/// A top-level entry of the host's root the sandbox recreates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootEntry {
    Link(PathBuf),
    Directory,
}

impl HostLayout {
    /// Reads the host: where `bwrap`, `prlimit` and `soffice` are, which
    /// of `/bin`, `/sbin`, `/lib*` are links.
    pub fn discover(bwrap: &Path, soffice: &Path) -> Result<HostLayout, String> {
        let bwrap = if bwrap.components().count() > 1 {
            bwrap.to_path_buf()
        } else {
            find_on_path(&bwrap.to_string_lossy()).ok_or_else(|| {
                format!(
                    "{} is not installed (apt-get install bubblewrap)",
                    bwrap.display()
                )
            })?
        };
        if !bwrap.is_file() {
            return Err(format!(
                "{} does not exist (apt-get install bubblewrap)",
                bwrap.display()
            ));
        }
        let prlimit = find_on_path("prlimit")
            .and_then(|path| std::fs::canonicalize(path).ok())
            .ok_or("prlimit is not installed (apt-get install util-linux)")?;
        let mut root_links = Vec::new();
        for name in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] {
            let path = Path::new("/").join(name);
            match std::fs::read_link(&path) {
                Ok(target) => root_links.push((name.to_owned(), RootEntry::Link(target))),
                Err(_) if path.is_dir() => root_links.push((name.to_owned(), RootEntry::Directory)),
                Err(_) => {}
            }
        }
        // Fonts, their cache (without it fontconfig rebuilds one in every
        // conversion), and what LibreOffice's own tree links to outside
        // /usr (Debian: its registry in /etc/libreoffice).
        let mut read_only = vec![
            PathBuf::from("/etc/fonts"),
            PathBuf::from("/var/cache/fontconfig"),
        ];
        let soffice_real = std::fs::canonicalize(soffice)
            .map_err(|e| format!("cannot resolve {}: {e}", soffice.display()))?;
        let install_dir = soffice_real
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("/"))
            .to_path_buf();
        if install_dir == Path::new("/") {
            return Err(format!(
                "{} is not inside a LibreOffice installation",
                soffice_real.display()
            ));
        }
        if !install_dir.starts_with("/usr/") {
            // LibreOffice's own packages install into /opt/libreofficeX.
            read_only.push(install_dir.clone());
        }
        for target in links_leaving(&install_dir, &["share", "program"]) {
            if !read_only.iter().any(|known| target.starts_with(known)) {
                read_only.push(target);
            }
        }
        if !prlimit.starts_with("/usr/") {
            return Err(format!(
                "{} is outside /usr: the sandbox cannot run it",
                prlimit.display()
            ));
        }
        Ok(HostLayout {
            bwrap,
            prlimit,
            soffice: soffice_real,
            root_links,
            read_only,
        })
    }
}

/// Targets outside `/usr` of the symbolic links in `folders` of
/// LibreOffice's installation (two levels deep), resolved.
fn links_leaving(install_dir: &Path, folders: &[&str]) -> Vec<PathBuf> {
    let mut targets = Vec::new();
    let mut visit = |path: &Path| {
        if path.is_symlink() {
            if let Ok(target) = std::fs::canonicalize(path) {
                if !target.starts_with("/usr/") && !targets.contains(&target) {
                    targets.push(target);
                }
            }
        }
    };
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(install_dir.join(folder)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            visit(&path);
            if path.is_dir() && !path.is_symlink() {
                if let Ok(inner) = std::fs::read_dir(&path) {
                    for inner in inner.flatten() {
                        visit(&inner.path());
                    }
                }
            }
        }
    }
    targets.sort();
    targets
}

/// Finds a program on the PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Finds `soffice` (or `libreoffice`) on the PATH.
pub fn find_soffice() -> Option<PathBuf> {
    find_on_path("soffice").or_else(|| find_on_path("libreoffice"))
}

/// LibreOffice's command line for one conversion (without the program):
/// headless, a fresh profile, PDF into `output_dir`. Pure.
pub fn libreoffice_arguments(profile_url: &str, output_dir: &Path, input: &Path) -> Vec<OsString> {
    let mut arguments: Vec<OsString> = [
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--nodefault",
        "--nofirststartwizard",
    ]
    .into_iter()
    .map(OsString::from)
    .collect();
    arguments.push(format!("-env:UserInstallation={profile_url}").into());
    arguments.push("--convert-to".into());
    arguments.push("pdf".into());
    arguments.push("--outdir".into());
    arguments.push(output_dir.into());
    arguments.push(input.into());
    arguments
}

/// The sandbox's command line: bubblewrap's arguments, then `prlimit` and
/// its limits, then `program` and its arguments. `scratch` becomes HOME
/// (read-write), `input` is mounted read-only as
/// `/sandbox/input/{input_name}`. Pure.
pub fn sandbox_arguments(
    layout: &HostLayout,
    limits: ResourceLimits,
    scratch: &Path,
    input: Option<(&Path, &str)>,
    program: &Path,
    program_arguments: Vec<OsString>,
) -> Vec<OsString> {
    let mut arguments: Vec<OsString> = Vec::new();
    let mut push = |items: &[&dyn AsRef<std::ffi::OsStr>]| {
        for item in items {
            arguments.push(item.as_ref().to_owned());
        }
    };
    push(&[
        &"--unshare-all",
        &"--unshare-user",
        &"--disable-userns",
        &"--die-with-parent",
        &"--new-session",
        &"--clearenv",
        &"--cap-drop",
        &"ALL",
        &"--uid",
        &"65534",
        &"--gid",
        &"65534",
        &"--hostname",
        &"phonghop-convert",
        &"--ro-bind",
        &"/usr",
        &"/usr",
    ]);
    for (name, entry) in &layout.root_links {
        let destination = format!("/{name}");
        match entry {
            RootEntry::Link(target) => push(&[&"--symlink", target, &destination]),
            RootEntry::Directory => push(&[&"--ro-bind", &destination, &destination]),
        }
    }
    for path in &layout.read_only {
        push(&[&"--ro-bind-try", path, path]);
    }
    push(&[
        &"--dev",
        &"/dev",
        &"--proc",
        &"/proc",
        &"--tmpfs",
        &"/tmp",
        &"--bind",
        &scratch,
        &SANDBOX_HOME,
    ]);
    if let Some((input, name)) = input {
        let inside = format!("{SANDBOX_INPUT_DIR}/{name}");
        push(&[&"--ro-bind", &input, &inside]);
    }
    push(&[
        &"--chdir",
        &SANDBOX_HOME,
        &"--setenv",
        &"HOME",
        &SANDBOX_HOME,
        &"--setenv",
        &"PATH",
        &"/usr/bin:/bin",
        &"--setenv",
        &"LANG",
        &"C.UTF-8",
        &"--setenv",
        &"TMPDIR",
        &"/tmp",
        &"--",
        &layout.prlimit,
    ]);
    arguments.push(format!("--cpu={}", limits.cpu_seconds).into());
    arguments.push(format!("--as={}", limits.address_space_bytes).into());
    arguments.push(format!("--fsize={}", limits.file_size_bytes).into());
    arguments.push(format!("--nproc={}", limits.processes).into());
    arguments.push(format!("--nofile={}", limits.open_files).into());
    arguments.push("--core=0".into());
    arguments.push("--".into());
    arguments.push(program.into());
    arguments.extend(program_arguments);
    arguments
}

/// The sandbox, once its trial run succeeded.
#[derive(Debug, Clone)]
pub struct Sandbox {
    pub layout: HostLayout,
    pub limits: ResourceLimits,
    /// What LibreOffice printed as its version inside the sandbox.
    pub libreoffice_version: String,
}

/// Whether conversion can run here, and if not, why.
#[derive(Debug, Clone)]
pub enum Availability {
    Ready(Sandbox),
    NotInstalled,
    SandboxUnavailable(String),
}

/// Runs conversions; cheap to clone.
#[derive(Clone, Debug)]
pub struct Converter {
    availability: Arc<Availability>,
    time_limit: Duration,
    slots: Arc<Semaphore>,
}

impl Sandbox {
    /// A trial run: LibreOffice prints its version inside the sandbox,
    /// with every mount and limit a conversion gets.
    pub fn probe(layout: HostLayout, limits: ResourceLimits) -> Result<Sandbox, String> {
        let scratch = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
        let arguments = sandbox_arguments(
            &layout,
            limits,
            scratch.path(),
            None,
            &layout.soffice,
            vec!["--version".into()],
        );
        let output = std::process::Command::new(&layout.bwrap)
            .args(&arguments)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", layout.bwrap.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let version = stdout
            .lines()
            .find(|line| line.contains("LibreOffice"))
            .map(str::trim)
            .map(str::to_owned);
        match version {
            Some(version) if output.status.success() => Ok(Sandbox {
                layout,
                limits,
                libreoffice_version: version,
            }),
            _ => Err(format!(
                "the trial run in the sandbox failed ({}): {}",
                output.status,
                last_line(&stderr).unwrap_or("no output")
            )),
        }
    }

    /// The command that converts `input` (named `input_name` inside) into
    /// `scratch/out`.
    fn conversion_command(
        &self,
        scratch: &Path,
        input: &Path,
        input_name: &str,
    ) -> tokio::process::Command {
        let program_arguments = libreoffice_arguments(
            &format!("file://{SANDBOX_HOME}/profile"),
            &Path::new(SANDBOX_HOME).join("out"),
            &Path::new(SANDBOX_INPUT_DIR).join(input_name),
        );
        let arguments = sandbox_arguments(
            &self.layout,
            self.limits,
            scratch,
            Some((input, input_name)),
            &self.layout.soffice,
            program_arguments,
        );
        let mut command = tokio::process::Command::new(&self.layout.bwrap);
        command.args(arguments).env_clear();
        command
    }
}

fn last_line(text: &str) -> Option<&str> {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
}

impl Converter {
    /// Finds LibreOffice and `bwrap` and makes the sandbox's trial run.
    /// Logs the outcome: Office conversion is on only with the sandbox.
    pub fn detect(bwrap: &Path, time_limit: Duration, max_concurrent: usize) -> Converter {
        let availability = match find_soffice() {
            None => {
                tracing::warn!(
                    "LibreOffice is not installed: Office uploads will be refused (apt-get install libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)"
                );
                Availability::NotInstalled
            }
            Some(soffice) => {
                let limits = ResourceLimits::for_time_limit(time_limit);
                match HostLayout::discover(bwrap, &soffice)
                    .and_then(|layout| Sandbox::probe(layout, limits))
                {
                    Ok(sandbox) => {
                        tracing::info!(
                            bwrap = %sandbox.layout.bwrap.display(),
                            libreoffice = %sandbox.libreoffice_version,
                            "office conversion enabled, in a sandbox (bubblewrap: no network, nothing but the upload)"
                        );
                        Availability::Ready(sandbox)
                    }
                    Err(reason) => {
                        tracing::error!(
                            %reason,
                            "office conversion is OFF: the sandbox cannot be set up here, and LibreOffice never runs outside it. Office uploads will be refused; PDF uploads work"
                        );
                        Availability::SandboxUnavailable(reason)
                    }
                }
            }
        };
        Converter {
            availability: Arc::new(availability),
            time_limit,
            slots: Arc::new(Semaphore::new(max_concurrent.max(1))),
        }
    }

    /// A converter that converts nothing, for tests of what happens then.
    pub fn unavailable(reason: &str) -> Converter {
        Converter {
            availability: Arc::new(Availability::SandboxUnavailable(reason.to_owned())),
            time_limit: Duration::from_secs(1),
            slots: Arc::new(Semaphore::new(1)),
        }
    }

    pub fn availability(&self) -> &Availability {
        &self.availability
    }

    pub fn is_available(&self) -> bool {
        matches!(*self.availability, Availability::Ready(_))
    }

    /// Why conversion is off, in a sentence for `/readyz`; `None` when on.
    pub fn unavailable_reason(&self) -> Option<String> {
        match &*self.availability {
            Availability::Ready(_) => None,
            Availability::NotInstalled => Some("LibreOffice is not installed".into()),
            Availability::SandboxUnavailable(reason) => {
                Some(format!("the conversion sandbox is not available: {reason}"))
            }
        }
    }

    /// Converts `bytes` of `kind` to PDF bytes.
    pub async fn to_pdf(&self, bytes: &[u8], kind: UploadKind) -> Result<Vec<u8>, ConversionError> {
        self.render_pdf(bytes, kind.extension()).await
    }

    /// Converts a document the server made itself (e.g. the meeting record
    /// as a flat ODT, `fodt`) to PDF bytes, in the same sandbox and
    /// limits as uploads. `extension` picks LibreOffice's import filter.
    pub async fn render_pdf(
        &self,
        bytes: &[u8],
        extension: &'static str,
    ) -> Result<Vec<u8>, ConversionError> {
        let sandbox = match &*self.availability {
            Availability::Ready(sandbox) => sandbox,
            Availability::NotInstalled => return Err(ConversionError::NotInstalled),
            Availability::SandboxUnavailable(reason) => {
                return Err(ConversionError::SandboxUnavailable(reason.clone()))
            }
        };
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| ConversionError::Failed("the converter is shutting down".into()))?;
        let work = tempfile::tempdir()?;
        let input_name = format!("input.{extension}");
        let input = work.path().join(&input_name);
        tokio::fs::write(&input, bytes).await?;
        let scratch = work.path().join("home");
        tokio::fs::create_dir_all(scratch.join("out")).await?;
        let mut command = sandbox.conversion_command(&scratch, &input, &input_name);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let output = run_with_time_limit(command, self.time_limit).await?;
        let pdf_path = scratch.join("out").join("input.pdf");
        match tokio::fs::read(&pdf_path).await {
            Ok(pdf) if !pdf.is_empty() => Ok(pdf),
            _ => {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let detail = last_line(&stderr)
                    .unwrap_or("no output file was produced")
                    .to_owned();
                Err(ConversionError::Failed(detail))
            }
        }
    }
}

/// Runs `command` (spawned in its own process group), killing the group
/// when `limit` passes.
async fn run_with_time_limit(
    mut command: tokio::process::Command,
    limit: Duration,
) -> Result<std::process::Output, ConversionError> {
    let child = command.spawn()?;
    let process_group = child.id();
    match tokio::time::timeout(limit, child.wait_with_output()).await {
        Ok(output) => Ok(output?),
        Err(_) => {
            if let Some(group) = process_group {
                kill_group(group);
            }
            Err(ConversionError::TimedOut(limit.as_secs()))
        }
    }
}

/// Kills a whole process group (bwrap and, through its PID namespace and
/// `--die-with-parent`, everything inside). Only a real group id (the
/// child's own pid, above 1) is ever signalled: a group id of 0 or 1
/// would reach far more than the conversion.
fn kill_group(group: u32) {
    let Ok(group) = i32::try_from(group) else {
        return;
    };
    if group > 1 {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(group),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> HostLayout {
        HostLayout {
            bwrap: "/usr/bin/bwrap".into(),
            prlimit: "/usr/bin/prlimit".into(),
            soffice: "/usr/lib/libreoffice/program/soffice".into(),
            root_links: vec![("lib".into(), RootEntry::Link("usr/lib".into()))],
            read_only: vec!["/etc/fonts".into()],
        }
    }

    #[test]
    fn the_sandbox_mounts_only_usr_fonts_scratch_and_the_input() {
        let arguments: Vec<String> = sandbox_arguments(
            &layout(),
            ResourceLimits::for_time_limit(Duration::from_secs(60)),
            Path::new("/tmp/x/home"),
            Some((Path::new("/tmp/x/input.docx"), "input.docx")),
            Path::new("/usr/bin/soffice"),
            vec!["--version".into()],
        )
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
        let joined = arguments.join(" ");
        for expected in [
            "--unshare-all --unshare-user --disable-userns --die-with-parent --new-session --clearenv --cap-drop ALL",
            "--ro-bind /usr /usr",
            "--symlink usr/lib /lib",
            "--ro-bind-try /etc/fonts /etc/fonts",
            "--bind /tmp/x/home /sandbox/home",
            "--ro-bind /tmp/x/input.docx /sandbox/input/input.docx",
            "-- /usr/bin/prlimit --cpu=60 ",
            "--core=0 -- /usr/bin/soffice --version",
        ] {
            assert!(joined.contains(expected), "{expected:?} missing in {joined}");
        }
        // Nothing else of the host: binds are /usr, the links, fonts,
        // scratch and the input.
        let binds: Vec<&String> = arguments
            .iter()
            .zip(arguments.iter().skip(1))
            .filter(|(flag, _)| flag.contains("bind"))
            .map(|(_, source)| source)
            .collect();
        assert_eq!(
            binds,
            ["/usr", "/etc/fonts", "/tmp/x/home", "/tmp/x/input.docx"]
        );
    }

    #[tokio::test]
    async fn a_converter_without_the_sandbox_converts_nothing() {
        let converter = Converter::unavailable("bwrap is missing");
        assert!(!converter.is_available());
        assert!(matches!(
            converter.to_pdf(b"x", UploadKind::Docx).await,
            Err(ConversionError::SandboxUnavailable(_))
        ));
        assert!(converter
            .unavailable_reason()
            .unwrap()
            .contains("bwrap is missing"));
    }

    #[test]
    fn a_missing_bwrap_makes_the_sandbox_unavailable() {
        let error = HostLayout::discover(Path::new("/nonexistent/bwrap"), Path::new("/bin/sh"))
            .unwrap_err();
        assert!(error.contains("/nonexistent/bwrap"), "{error}");
    }

    #[tokio::test]
    async fn a_hanging_conversion_is_stopped_at_the_time_limit() {
        // A process group that never finishes, to prove the limit and the
        // group kill without needing LibreOffice.
        let mut command = tokio::process::Command::new("sh");
        command
            .args(["-c", "sleep 30 & sleep 30"])
            .process_group(0)
            .kill_on_drop(true);
        let started = std::time::Instant::now();
        let result = run_with_time_limit(command, Duration::from_millis(300)).await;
        assert!(
            matches!(result, Err(ConversionError::TimedOut(_))),
            "{result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    /// The real thing: LibreOffice in the sandbox converts the Vietnamese
    /// fixture (fails under CI=true when LibreOffice or bwrap is missing).
    #[tokio::test]
    async fn real_libreoffice_in_the_sandbox_converts_a_vietnamese_docx() {
        let converter = Converter::detect(Path::new("bwrap"), Duration::from_secs(120), 1);
        if !converter.is_available() {
            let reason = converter.unavailable_reason().unwrap_or_default();
            eprintln!("!!! sandboxed conversion test NOT RUN: {reason}");
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true requires LibreOffice and bubblewrap: {reason}"
            );
            return;
        }
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/bao-cao-cai-cach-hanh-chinh-lang-son.docx");
        let docx = std::fs::read(path).unwrap();
        let pdf = converter.to_pdf(&docx, UploadKind::Docx).await.unwrap();
        let info = crate::pdf::inspect_pdf(&pdf).unwrap();
        assert_eq!(info.page_count, 5);
    }
}
