//! Helpers for black-box tests: start the real `phonghop` binary on a free
//! port with a fresh data directory, talk to it over real HTTP, stop it
//! with real signals.
//!
//! The binary is `$PHONGHOP_BIN`, or `target/debug/phonghop` of this
//! workspace (`make test` builds it first).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where the binary under test is.
pub fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("PHONGHOP_BIN") {
        return PathBuf::from(path);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace.join("target"));
    let path = target.join("debug").join("phonghop");
    assert!(
        path.exists(),
        "{} does not exist: run `cargo build -p phonghop-server` first (make test does)",
        path.display()
    );
    path
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `phonghop ARGS` to completion and returns (exit status, stdout, stderr).
pub fn run_command(args: &[&str], stdin: Option<&str>) -> (ExitStatus, String, String) {
    use std::io::Write;
    let mut child = Command::new(binary())
        .args(args)
        .env("PHONGHOP_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn phonghop");
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A running server. Killed (SIGKILL) when dropped, if still running.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT` (or https).
    pub base_url: String,
    pub port: u16,
    pub data_dir: PathBuf,
    /// Everything the server printed on stderr so far (its log).
    pub log: Arc<Mutex<String>>,
}

/// How to start a server.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    pub demo: bool,
    pub extra_args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Use this port instead of a fresh one (to restart on the same port).
    pub port: Option<u16>,
    pub https: bool,
    /// A command the binary runs under (for example `setpriv --reuid=nobody
    /// …` to serve as an unprivileged user); empty: run it directly.
    pub command_prefix: Vec<String>,
    /// This binary instead of [`binary()`] (a copy another user may run).
    pub binary: Option<PathBuf>,
}

impl Server {
    /// Starts the binary with `--demo` (the demo meeting and its accounts)
    /// and otherwise the default options.
    pub fn start_demo(data_dir: &Path) -> Server {
        Server::start(
            data_dir,
            ServerOptions {
                demo: true,
                ..ServerOptions::default()
            },
        )
    }

    /// Starts the binary with `data_dir` and waits until `/healthz` answers.
    pub fn start(data_dir: &Path, options: ServerOptions) -> Server {
        let port = options.port.unwrap_or_else(free_port);
        let program = options.binary.clone().unwrap_or_else(binary);
        let mut command = match options.command_prefix.split_first() {
            Some((wrapper, wrapper_arguments)) => {
                let mut command = Command::new(wrapper);
                command.args(wrapper_arguments).arg(&program);
                command
            }
            None => Command::new(&program),
        };
        command
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data_dir)
            .args(&options.extra_args)
            .env("PHONGHOP_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if options.demo {
            command.arg("--demo");
        }
        for (key, value) in &options.env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("spawn phonghop serve");
        let log = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let scheme = if options.https { "https" } else { "http" };
        let server = Server {
            child,
            base_url: format!("{scheme}://127.0.0.1:{port}"),
            port,
            data_dir: data_dir.to_path_buf(),
            log,
        };
        server.wait_until_listening();
        server
    }

    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.log.lock().unwrap().contains("phonghop listening on") {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "server did not start within 30 s; its log:\n{}",
            self.log.lock().unwrap()
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal (`TERM`, `KILL`, `INT`) to the server process.
    pub fn signal(&self, name: &str) {
        use nix::sys::signal::Signal;
        let signal = match name {
            "TERM" => Signal::SIGTERM,
            "KILL" => Signal::SIGKILL,
            "INT" => Signal::SIGINT,
            other => panic!("unknown signal {other}"),
        };
        let pid = i32::try_from(self.pid()).expect("pid fits i32");
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal).expect("send signal");
    }

    /// Waits for the process to exit, at most `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Whether the process is still running (it has not exited or
    /// crashed).
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response's status and its body as JSON (a body that is not JSON as a
/// string, an empty one as `null`).
pub async fn answer(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    let value = if body.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body))
    };
    (status, value)
}

/// An HTTP client that keeps cookies, as a browser would.
pub fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        // No pooled connections: tests restart servers on the same port.
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Logs in and returns the client holding the session cookie.
pub async fn logged_in(server: &Server, username: &str, password: &str) -> reqwest::Client {
    let client = browser_client();
    let response = client
        .post(server.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "login as {username} failed: {}",
        response.text().await.unwrap_or_default()
    );
    client
}

/// The demo meeting's id, as a participant sees it.
pub async fn demo_meeting_id(client: &reqwest::Client, server: &Server) -> String {
    let list: serde_json::Value = client
        .get(server.url("/api/v1/meetings"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["title"] == "Họp giao ban UBND huyện (demo)")
        .expect("demo meeting listed")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
