//! Office documents to PDF with LibreOffice, safely: a fresh temporary
//! profile and working directory per conversion, no network (a new network
//! namespace via `unshare -n` when the system allows it), a clean
//! environment, a time limit that kills the whole process group, and a cap
//! on how many conversions run at once.

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
    #[error("the conversion took longer than {0} seconds and was stopped")]
    TimedOut(u64),
    #[error("libreoffice could not convert the file: {0}")]
    Failed(String),
    #[error("conversion i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs conversions; cheap to clone.
#[derive(Clone)]
pub struct Converter {
    program: Option<PathBuf>,
    isolate_network: bool,
    time_limit: Duration,
    slots: Arc<Semaphore>,
}

impl std::fmt::Debug for Converter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Converter")
            .field("program", &self.program)
            .field("isolate_network", &self.isolate_network)
            .finish()
    }
}

/// Finds `soffice` (or `libreoffice`) on the PATH.
pub fn find_soffice() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["soffice", "libreoffice"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// True when `unshare -n` can give a child process an empty network
/// namespace here (root, or user namespaces allowed).
fn network_isolation_available() -> bool {
    std::process::Command::new("unshare")
        .args(["-n", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
        || std::process::Command::new("unshare")
            .args(["-rn", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
}

impl Converter {
    /// A converter using the `soffice` found on the PATH (if any).
    pub fn detect(time_limit: Duration, max_concurrent: usize) -> Converter {
        let program = find_soffice();
        let isolate_network = program.is_some() && network_isolation_available();
        match &program {
            Some(path) if isolate_network => {
                tracing::info!(soffice = %path.display(), "office conversion enabled, without network")
            }
            Some(path) => tracing::warn!(
                soffice = %path.display(),
                "office conversion enabled, but `unshare -n` is not permitted here: conversions cannot be cut off from the network"
            ),
            None => tracing::warn!(
                "LibreOffice is not installed: Office uploads will be refused (apt-get install libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)"
            ),
        }
        Converter {
            program,
            isolate_network,
            time_limit,
            slots: Arc::new(Semaphore::new(max_concurrent.max(1))),
        }
    }

    pub fn is_available(&self) -> bool {
        self.program.is_some()
    }

    /// Converts `bytes` of `kind` to PDF bytes.
    pub async fn to_pdf(&self, bytes: &[u8], kind: UploadKind) -> Result<Vec<u8>, ConversionError> {
        self.render_pdf(bytes, kind.extension()).await
    }

    /// Converts a document the server made itself (e.g. the meeting record
    /// as a flat ODT, `fodt`) to PDF bytes, with the same sandbox and
    /// limits as uploads. `extension` picks LibreOffice's import filter.
    pub async fn render_pdf(
        &self,
        bytes: &[u8],
        extension: &'static str,
    ) -> Result<Vec<u8>, ConversionError> {
        let program = self.program.clone().ok_or(ConversionError::NotInstalled)?;
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| ConversionError::Failed("the converter is shutting down".into()))?;
        let work = tempfile::tempdir()?;
        let input = work.path().join(format!("input.{extension}"));
        tokio::fs::write(&input, bytes).await?;
        let profile = work.path().join("profile");
        let output_dir = work.path().join("out");
        tokio::fs::create_dir_all(&output_dir).await?;
        let mut command = if self.isolate_network {
            let mut command = tokio::process::Command::new("unshare");
            // -n alone needs root; -rn maps us to root in a user namespace.
            command.arg(if nix_is_root() { "-n" } else { "-rn" });
            command.arg(&program);
            command
        } else {
            tokio::process::Command::new(&program)
        };
        command
            .arg("--headless")
            .arg("--norestore")
            .arg("--nolockcheck")
            .arg("--nodefault")
            .arg("--nofirststartwizard")
            .arg(format!("-env:UserInstallation={}", file_url(&profile)))
            .arg("--convert-to")
            .arg("pdf")
            .arg("--outdir")
            .arg(&output_dir)
            .arg(&input)
            .current_dir(work.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", work.path())
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let child = command.spawn()?;
        let process_group = child.id();
        let output = match tokio::time::timeout(self.time_limit, child.wait_with_output()).await {
            Ok(output) => output?,
            Err(_) => {
                if let Some(group) = process_group {
                    kill_group(group);
                }
                return Err(ConversionError::TimedOut(self.time_limit.as_secs()));
            }
        };
        let pdf_path = output_dir.join("input.pdf");
        match tokio::fs::read(&pdf_path).await {
            Ok(pdf) if !pdf.is_empty() => Ok(pdf),
            _ => {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let detail = stderr
                    .lines()
                    .rev()
                    .find(|line| !line.trim().is_empty())
                    .unwrap_or("no output file was produced")
                    .to_owned();
                Err(ConversionError::Failed(detail))
            }
        }
    }
}

fn nix_is_root() -> bool {
    std::env::var("USER").map(|u| u == "root").unwrap_or(false)
        || std::fs::read_to_string("/proc/self/status")
            .map(|status| {
                status
                    .lines()
                    .find(|l| l.starts_with("Uid:"))
                    .and_then(|l| l.split_whitespace().nth(1).map(|uid| uid == "0"))
                    .unwrap_or(false)
            })
            .unwrap_or(false)
}

/// Kills a whole process group (soffice starts a child `soffice.bin`).
/// Only a real group id (the child's own pid, above 1) is ever signalled:
/// a group id of 0 or 1 would reach far more than the conversion.
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

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_converter_without_libreoffice_says_so() {
        let converter = Converter {
            program: None,
            isolate_network: false,
            time_limit: Duration::from_secs(1),
            slots: Arc::new(Semaphore::new(1)),
        };
        assert!(!converter.is_available());
        assert!(matches!(
            converter.to_pdf(b"x", UploadKind::Docx).await,
            Err(ConversionError::NotInstalled)
        ));
    }

    #[tokio::test]
    async fn a_hanging_converter_is_stopped_at_the_time_limit() {
        // A stand-in program that never finishes, to prove the limit and
        // the process-group kill without needing LibreOffice.
        let dir = tempfile::tempdir().unwrap();
        let program = dir.path().join("soffice");
        std::fs::write(&program, "#!/bin/sh\nsleep 30\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let converter = Converter {
            program: Some(program),
            isolate_network: false,
            time_limit: Duration::from_millis(300),
            slots: Arc::new(Semaphore::new(1)),
        };
        let started = std::time::Instant::now();
        let result = converter.to_pdf(b"x", UploadKind::Docx).await;
        assert!(
            matches!(result, Err(ConversionError::TimedOut(_))),
            "{result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn real_libreoffice_converts_a_vietnamese_docx() {
        let Some(_) = find_soffice() else {
            eprintln!("!!! LibreOffice conversion test NOT RUN: install it with apt-get install libreoffice-writer-nogui");
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true requires LibreOffice (soffice) for the conversion tests"
            );
            return;
        };
        let converter = Converter::detect(Duration::from_secs(120), 1);
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/bao-cao-cai-cach-hanh-chinh-lang-son.docx");
        let docx = std::fs::read(path).unwrap();
        let pdf = converter.to_pdf(&docx, UploadKind::Docx).await.unwrap();
        let info = crate::pdf::inspect_pdf(&pdf).unwrap();
        assert_eq!(info.page_count, 5);
    }
}
