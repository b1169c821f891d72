//! A throwaway PostgreSQL cluster of a test's own: `initdb` into a temp
//! dir, `pg_ctl start` on a free port with its socket in that dir, so the
//! test may stop and restart it without touching the machine's shared
//! cluster (which other tests use).
//!
//! PostgreSQL refuses to run as root, so when the test runs as root the
//! tools run as the `postgres` user through `runuser`, and the temp dir
//! belongs to that user.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running (or stopped) cluster. Stopped and removed when dropped.
pub struct PostgresCluster {
    /// Holds `data/`, the socket and the server's log.
    dir: tempfile::TempDir,
    /// The folder with `initdb`, `pg_ctl`, `postgres`.
    bin: PathBuf,
    pub port: u16,
}

/// The newest PostgreSQL's binaries under `/usr/lib/postgresql/*/bin`, if
/// any has `initdb` and `pg_ctl`.
pub fn postgres_binaries() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn running_as_root() -> bool {
    // `id -u` rather than geteuid(): this crate does not link libc, and
    // the answer is asked a handful of times per test.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PostgresCluster {
    /// Creates and starts a cluster; `trust` authentication on
    /// 127.0.0.1 only.
    pub fn start(bin: &Path) -> PostgresCluster {
        let dir = tempfile::Builder::new()
            .prefix("phonghop-pg-")
            .tempdir()
            .unwrap();
        if running_as_root() {
            let status = Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown of the cluster's temp dir failed");
        }
        let cluster = PostgresCluster {
            dir,
            bin: bin.to_path_buf(),
            port: phonghop_e2e::free_port(),
        };
        let data = cluster.data_dir();
        cluster.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        cluster.pg_ctl_start();
        cluster
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// What the cluster wrote to its log (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }

    /// Starts the (stopped) cluster and waits until it accepts connections.
    pub fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        self.run(
            "pg_ctl",
            &[
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                self.data_dir().to_str().unwrap(),
                "-l",
                self.dir.path().join("postgres.log").to_str().unwrap(),
                "-o",
                &options,
            ],
        );
    }

    /// Stops the cluster abruptly (`-m immediate`: every backend killed,
    /// no checkpoint; the next start runs crash recovery), as a crash or a
    /// pulled plug of the database host would.
    pub fn stop_immediately(&self) {
        self.run(
            "pg_ctl",
            &[
                "stop",
                "-w",
                "-m",
                "immediate",
                "-D",
                self.data_dir().to_str().unwrap(),
            ],
        );
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let output = if running_as_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .current_dir(self.dir.path())
                .output()
        } else {
            Command::new(&program)
                .args(args)
                .current_dir(self.dir.path())
                .output()
        }
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
        assert!(
            output.status.success(),
            "{tool} {args:?} failed: {}{}\nlog:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
    }
}

impl Drop for PostgresCluster {
    fn drop(&mut self) {
        // Whatever state the test left it in; failures (already stopped)
        // do not matter.
        let program = self.bin.join("pg_ctl");
        let data = self.data_dir();
        let mut command = if running_as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        let _ = command
            .args(["stop", "-w", "-m", "immediate", "-D"])
            .arg(&data)
            .output();
    }
}
