//! `phonghop-bench`: simulated tablets, in a process of their own, speaking
//! the real `/live` and `/sync` protocols and REST over real sockets to a running
//! server, and measuring what a meeting feels: latency percentiles,
//! throughput, and the server's CPU and resident memory (read from
//! `/proc/PID`). `make bench` starts a fresh server and runs every scenario.
//!
//! No figure here is asserted: benchmarks report, BENCHMARKS.md records.
//!
//! Scenarios: `follow`, `vote`, `storm`, `idle` and `pack` (`/live` and
//! REST, in this file); `agenda` and `replace` (`agenda.rs`);
//! `confidential` (stamped copies); `remote` (a remote point's bytes over
//! a scripted hour); the `/sync` fan-out, `ink` and `join` (`sync.rs`,
//! `sync/ink.rs`, `sync/join.rs`); and `floor` (a bare websocket echo: what
//! the machine charges per message, read against the CPU figures).
//! `run.sh` also runs `side-by-side.sh` (the official JS client against
//! this server and the reference JS server) and the client's
//! `client-web/bench/reader.mjs` (the reader in a slowed-down Chromium).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

mod agenda;
mod confidential;
mod floor;
mod remote;
mod sync;

#[derive(Debug, Parser)]
#[command(about = "Load scenarios against a running phonghop server")]
struct Options {
    /// The server, e.g. http://127.0.0.1:18090 (started with --demo).
    #[arg(long)]
    url: String,
    /// The server's process id, to read its CPU time and memory.
    #[arg(long)]
    pid: u32,
    /// Scenarios to run (comma-separated): follow, vote, idle, storm, pack,
    /// confidential (copies of a confidential document stamped per reader),
    /// sync (one document), sync-docs (`--sync-documents` documents),
    /// remote (a remote point's bytes over a scripted hour), ink (many
    /// delegates drawing at once, followed), join (a fresh tablet syncing a
    /// long annotation history), floor (what a bare websocket echo costs
    /// this machine per message: the figures' floor), agenda (agenda edits
    /// reaching `--devices` open devices), replace (a replaced 83-page
    /// document reaching `--tablets` tablets' packs, hash checked).
    #[arg(
        long,
        default_value = "follow,vote,storm,idle,pack,agenda,replace,confidential,remote,sync,sync-docs,ink,join,floor",
        value_delimiter = ','
    )]
    scenarios: Vec<String>,
    /// Followers of the `/sync` fan-out scenarios, one run per count.
    #[arg(long, default_value = "10,100,500", value_delimiter = ',')]
    sync_followers: Vec<usize>,
    /// Documents followed at once in `sync-docs`.
    #[arg(long, default_value_t = 30)]
    sync_documents: usize,
    /// Strokes the writer appends per run (spread over the documents).
    #[arg(long, default_value_t = 100)]
    sync_strokes: usize,
    /// Strokes per second.
    #[arg(long, default_value_t = 20.0)]
    sync_rate: f64,
    /// Delegates drawing at once (ink).
    #[arg(long, default_value_t = 26)]
    ink_writers: usize,
    /// Devices following the drawing (ink).
    #[arg(long, default_value_t = 500)]
    ink_followers: usize,
    /// Shared layers drawn on (ink): writer w draws on layer w mod this.
    #[arg(long, default_value_t = 1)]
    ink_documents: usize,
    /// How long the delegates draw, in seconds (ink).
    #[arg(long, default_value_t = 20.0)]
    ink_seconds: f64,
    /// Ink-in-progress messages per second per delegate (ink).
    #[arg(long, default_value_t = 10.0)]
    ink_rate: f64,
    /// Seconds between one delegate's committed strokes (ink).
    #[arg(long, default_value_t = 2.0)]
    ink_stroke_every: f64,
    /// Shared layers the joining tablet syncs (join).
    #[arg(long, default_value_t = 30)]
    join_documents: usize,
    /// Strokes (one change each) in those layers in all (join).
    #[arg(long, default_value_t = 10_000)]
    join_changes: usize,
    /// Fresh joins measured, one after another (join).
    #[arg(long, default_value_t = 10)]
    join_times: usize,
    /// Devices following the presenter (follow, storm).
    #[arg(long, default_value_t = 500)]
    devices: usize,
    /// Voters casting within `--vote-window-secs` (needs as many demo delegates).
    #[arg(long, default_value_t = 2000)]
    voters: usize,
    #[arg(long, default_value_t = 10)]
    vote_window_secs: u64,
    /// Idle connections held open at once.
    #[arg(long, default_value_t = 10000)]
    idle: usize,
    /// Demo delegate accounts available (daibieu01…).
    #[arg(long, default_value_t = 2000)]
    delegates: usize,
    /// Agenda edits the secretary makes, a second apart (agenda).
    #[arg(long, default_value_t = 10)]
    agenda_changes: usize,
    /// Page changes the presenter makes (follow).
    #[arg(long, default_value_t = 100)]
    page_changes: u64,
    /// Tablets downloading the agenda pack at once (pack), delegates
    /// opening a confidential document at once (confidential).
    #[arg(long, default_value_t = 26)]
    tablets: usize,
    /// Size of the agenda pack in MB (pack).
    #[arg(long, default_value_t = 50)]
    pack_mb: usize,
    /// A PDF to fill the pack with (uploaded as many times as needed).
    #[arg(
        long,
        default_value = "tests/fixtures/bao-cao-hien-dai-hoa-hanh-chinh-tan-lac.pdf"
    )]
    pack_pdf: String,
}

/// CPU time and resident memory of the server process.
#[derive(Debug, Clone, Copy)]
struct ProcessSample {
    cpu: Duration,
    rss_kb: u64,
}

fn sample(pid: u32) -> ProcessSample {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may contain spaces) start at ')'.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime is field 14, stime 15 (1-based); here index 11 and 12.
    let cpu = Duration::from_millis((ticks(11) + ticks(12)) * 10);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss_kb = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    ProcessSample { cpu, rss_kb }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// One result row.
struct Row {
    scenario: String,
    figures: String,
}

struct Bench {
    options: Options,
    meeting_id: String,
    /// Logged-in clients by username.
    sessions: Mutex<HashMap<String, reqwest::Client>>,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl Bench {
    async fn login(&self, username: &str) -> anyhow::Result<reqwest::Client> {
        if let Some(client) = self.sessions.lock().unwrap().get(username) {
            return Ok(client.clone());
        }
        let client = reqwest::Client::builder().cookie_store(true).build()?;
        let response = client
            .post(format!("{}/api/v1/auth/login", self.options.url))
            .json(&json!({ "username": username, "password": "demo" }))
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("login {username}: {}", response.text().await?);
        }
        self.sessions
            .lock()
            .unwrap()
            .insert(username.to_owned(), client.clone());
        Ok(client)
    }

    async fn connect(&self, username: &str, device: &str) -> anyhow::Result<(Socket, Value)> {
        let client = self.login(username).await?;
        let ticket: Value = client
            .post(format!("{}/api/v1/auth/ws-ticket", self.options.url))
            .json(&json!({ "device_id": device }))
            .send()
            .await?
            .json()
            .await?;
        let ticket = ticket["ticket"].as_str().context("ticket")?;
        let ws_url = format!(
            "{}/live?ticket={ticket}",
            self.options.url.replacen("http", "ws", 1)
        );
        // TCP_NODELAY, as browsers and Node's `ws` set it.
        let (mut socket, _) =
            tokio_tungstenite::connect_async_with_config(ws_url, None, true).await?;
        socket
            .send(Message::text(
                json!({ "type": "hello", "protocol_version": 1, "meeting_id": self.meeting_id, "device_id": device }).to_string(),
            ))
            .await?;
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text)?;
                    if message["type"] == "welcome" {
                        return Ok((socket, message));
                    }
                    bail!("hello refused: {message}");
                }
                Some(Ok(_)) => continue,
                other => bail!("socket ended before welcome: {other:?}"),
            }
        }
    }

    /// The id of the meeting's first document.
    async fn first_document_id(&self) -> anyhow::Result<String> {
        let meeting: Value = self
            .login("thuky")
            .await?
            .get(format!(
                "{}/api/v1/meetings/{}",
                self.options.url, self.meeting_id
            ))
            .send()
            .await?
            .json()
            .await?;
        meeting["agenda"]
            .as_array()
            .context("agenda")?
            .iter()
            .find_map(|item| item["documents"][0]["id"].as_str())
            .map(str::to_owned)
            .context("the meeting has no document")
    }

    /// Logs in every delegate account `count` connections will use, a few
    /// at a time, so that a scenario's measurement holds connections only
    /// (a login hashes with 19 MiB and leaves the allocator larger).
    async fn login_delegates(&self, count: usize) -> anyhow::Result<()> {
        let accounts: Vec<usize> = (0..count.min(self.options.delegates)).collect();
        for chunk in accounts.chunks(50) {
            let logins = chunk.iter().map(|&i| {
                let username = self.delegate(i);
                async move { self.login(&username).await.map(|_| ()) }
            });
            for result in futures::future::join_all(logins).await {
                result?;
            }
        }
        Ok(())
    }

    fn delegate(&self, index: usize) -> String {
        format!("daibieu{:02}", index % self.options.delegates + 1)
    }

    /// Connects `count` devices spread over the delegates, a few at a time.
    async fn connect_many(&self, count: usize, tag: &str) -> anyhow::Result<Vec<Socket>> {
        self.connect_many_from(0, count, tag).await
    }

    /// Connects devices `first..first + count`.
    async fn connect_many_from(
        &self,
        first: usize,
        count: usize,
        tag: &str,
    ) -> anyhow::Result<Vec<Socket>> {
        let mut sockets = Vec::with_capacity(count);
        for chunk in (first..first + count).collect::<Vec<_>>().chunks(50) {
            let connections = chunk.iter().map(|&i| {
                let username = self.delegate(i);
                let device = format!("{tag}-{i}");
                async move { self.connect(&username, &device).await.map(|(s, _)| s) }
            });
            for result in futures::future::join_all(connections).await {
                sockets.push(result?);
            }
        }
        Ok(sockets)
    }
}

async fn request(socket: &mut Socket, body: Value) -> anyhow::Result<Value> {
    let id = body["id"].clone();
    socket.send(Message::text(body.to_string())).await?;
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                let message: Value = serde_json::from_str(&text)?;
                if message["id"] == id && (message["type"] == "ok" || message["type"] == "error") {
                    return Ok(message);
                }
            }
            Some(Ok(_)) => continue,
            other => bail!("socket ended: {other:?}"),
        }
    }
}

/// Scenario 2: page changes followed by `devices` tablets.
async fn follow(bench: &Bench) -> anyhow::Result<Row> {
    let devices = bench.options.devices;
    let followers = bench.connect_many(devices, "follow").await?;
    let (mut chair, _) = bench.connect("chutri", "follow-chair").await?;
    let sent: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let changes = bench.options.page_changes;
    let mut tasks = Vec::new();
    for mut socket in followers {
        let sent = sent.clone();
        let latencies = latencies.clone();
        tasks.push(tokio::spawn(async move {
            let mut seen = 0;
            while seen < changes {
                let Ok(Some(Ok(Message::Text(text)))) =
                    tokio::time::timeout(Duration::from_secs(20), socket.next()).await
                else {
                    break;
                };
                let now = Instant::now();
                let Ok(message) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                if message["type"] != "follow_changed" {
                    continue;
                }
                let page = message["follow"]["position"]["page"].as_u64().unwrap_or(0);
                if let Some(at) = sent.lock().unwrap().get(&page) {
                    latencies.lock().unwrap().push(now - *at);
                }
                seen += 1;
            }
            socket
        }));
    }
    // The server refuses a document that is not the meeting's.
    let document_id = bench.first_document_id().await?;
    let before = sample(bench.options.pid);
    let started = Instant::now();
    for page in 1..=changes {
        sent.lock().unwrap().insert(page, Instant::now());
        let reply = request(&mut chair, json!({ "type": "set_follow", "id": page, "position": { "document_id": document_id, "page": page } })).await?;
        if reply["type"] != "ok" {
            bail!("set_follow refused: {reply}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut sockets = Vec::new();
    for task in tasks {
        sockets.push(task.await?);
    }
    let elapsed = started.elapsed();
    let after = sample(bench.options.pid);
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let deliveries = latencies.len() as u64;
    let expected = changes * devices as u64;
    let cpu_per_delivery = (after.cpu - before.cpu).as_secs_f64() * 1e6 / deliveries.max(1) as f64;
    drop(sockets);
    Ok(Row {
        scenario: format!("presenter follow: {changes} page changes → {devices} devices"),
        figures: format!(
            "delivered {deliveries}/{expected}; p50 {} p99 {} max {}; {:.0} deliveries/s; server CPU {:.0} µs/delivery; RSS {} MB",
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99)),
            ms(latencies.last().copied().unwrap_or_default()),
            deliveries as f64 / elapsed.as_secs_f64(),
            cpu_per_delivery,
            after.rss_kb / 1024
        ),
    })
}

/// Scenario 6: `voters` delegates cast within the window.
async fn vote(bench: &Bench) -> anyhow::Result<Row> {
    let voters = bench.options.voters.min(bench.options.delegates);
    let mut sockets = Vec::with_capacity(voters);
    for chunk in (0..voters).collect::<Vec<_>>().chunks(50) {
        let connections = chunk.iter().map(|&i| {
            let username = format!("daibieu{:02}", i + 1);
            async move { bench.connect(&username, "vote").await.map(|(s, _)| s) }
        });
        for result in futures::future::join_all(connections).await {
            sockets.push(result?);
        }
    }
    let (mut chair, _) = bench.connect("chutri", "vote-chair").await?;
    let opened = request(&mut chair, json!({ "type": "open_vote", "id": 1, "question": "Thông qua nghị quyết (bench)?", "secret": true, "eligibility": "all_voting_members" })).await?;
    if opened["type"] != "ok" {
        bail!("open_vote refused: {opened}");
    }
    // The vote id arrives as an event on every socket; read it from the chair.
    let vote_id = loop {
        let Some(Ok(Message::Text(text))) = chair.next().await else {
            bail!("no vote_opened")
        };
        let message: Value = serde_json::from_str(&text)?;
        if message["type"] == "vote_opened" {
            break message["vote"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
    };
    let window = Duration::from_secs(bench.options.vote_window_secs);
    let before = sample(bench.options.pid);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (index, mut socket) in sockets.into_iter().enumerate() {
        let vote_id = vote_id.clone();
        let offset = window.mul_f64(index as f64 / voters.max(1) as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            let cast_at = Instant::now();
            let reply = request(
                &mut socket,
                json!({ "type": "cast_ballot", "id": 1, "vote_id": vote_id, "choice": index % 3 }),
            )
            .await;
            (
                cast_at.elapsed(),
                reply.map(|r| r["type"] == "ok").unwrap_or(false),
                socket,
            )
        }));
    }
    let mut acks = Vec::new();
    let mut accepted = 0;
    let mut kept = Vec::new();
    for task in tasks {
        let (latency, ok, socket) = task.await?;
        acks.push(latency);
        accepted += usize::from(ok);
        kept.push(socket);
    }
    let elapsed = started.elapsed();
    let after = sample(bench.options.pid);
    let closed = request(
        &mut chair,
        json!({ "type": "close_vote", "id": 2, "vote_id": vote_id }),
    )
    .await?;
    let result = loop {
        let Some(Ok(Message::Text(text))) = chair.next().await else {
            bail!("no vote_closed")
        };
        let message: Value = serde_json::from_str(&text)?;
        if message["type"] == "vote_closed" {
            break message["vote"]["result"].clone();
        }
    };
    let counted: u64 = result
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    acks.sort();
    drop(kept);
    Ok(Row {
        scenario: format!("voting: {voters} voters within {} s (secret ballot)", window.as_secs()),
        figures: format!(
            "accepted {accepted}/{voters}, counted {counted} ({}); ack p50 {} p99 {} max {}; {:.0} ballots/s over {:.1} s; server CPU {:.0} µs/ballot",
            if closed["type"] == "ok" { "closed" } else { "close failed" },
            ms(percentile(&acks, 0.5)),
            ms(percentile(&acks, 0.99)),
            ms(acks.last().copied().unwrap_or_default()),
            accepted as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64(),
            (after.cpu - before.cpu).as_secs_f64() * 1e6 / accepted.max(1) as f64,
        ),
    })
}

/// Scenario 4: idle connections, resident memory per connection.
///
/// The accounts log in first, and one device of each kind connects once
/// (the welcome's size for a delegate and for the chair), so the figure
/// is what the connections themselves hold. Resident memory is read at
/// half and at all of the connections: the slope between the two leaves
/// out what the first connections cost once (the room, allocator arenas).
async fn idle(bench: &Bench) -> anyhow::Result<Row> {
    let count = bench.options.idle;
    bench.login_delegates(count).await?;
    let (delegate_socket, delegate_welcome) =
        bench.connect(&bench.delegate(0), "idle-size").await?;
    let (chair_socket, chair_welcome) = bench.connect("chutri", "idle-size-chair").await?;
    let participants = chair_welcome["state"]["participants"]
        .as_array()
        .map_or(0, Vec::len);
    drop((delegate_socket, chair_socket));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = sample(bench.options.pid);
    let started = Instant::now();
    let half = count / 2;
    let mut sockets = bench.connect_many(half, "idle").await?;
    let mut connect_time = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let middle = sample(bench.options.pid);
    let started = Instant::now();
    sockets.extend(bench.connect_many_from(half, count - half, "idle").await?);
    connect_time += started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = sample(bench.options.pid);
    let per_connection = (after.rss_kb.saturating_sub(before.rss_kb)) as f64 / count as f64;
    let slope = (after.rss_kb.saturating_sub(middle.rss_kb)) as f64 / (count - half).max(1) as f64;
    drop(sockets);
    Ok(Row {
        scenario: format!("idle: {count} connected /live devices"),
        figures: format!(
            "{per_connection:.1} kB resident per connection (RSS {} → {} → {} MB; second half {slope:.1} kB each); all connected in {:.1} s; welcome {} B for a delegate, {} B for the chair ({participants} participants)",
            before.rss_kb / 1024,
            middle.rss_kb / 1024,
            after.rss_kb / 1024,
            connect_time.as_secs_f64(),
            delegate_welcome.to_string().len(),
            chair_welcome.to_string().len(),
        ),
    })
}

/// Scenario 5: every device drops at once and reconnects.
async fn storm(bench: &Bench) -> anyhow::Result<Row> {
    let devices = bench.options.devices;
    let sockets = bench.connect_many(devices, "storm").await?;
    drop(sockets);
    let before = sample(bench.options.pid);
    let peak = Arc::new(Mutex::new(0.0f64));
    let sampling = {
        let peak = peak.clone();
        let pid = bench.options.pid;
        tokio::spawn(async move {
            let mut last = sample(pid);
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let now = sample(pid);
                let share = (now.cpu - last.cpu).as_secs_f64() / 0.1 * 100.0;
                let mut peak = peak.lock().unwrap();
                *peak = peak.max(share);
                last = now;
            }
        })
    };
    let started = Instant::now();
    let reconnects = (0..devices).map(|i| {
        let username = bench.delegate(i);
        async move {
            bench
                .connect(&username, &format!("storm-{i}"))
                .await
                .map(|(s, _)| s)
        }
    });
    let results = futures::future::join_all(reconnects).await;
    let elapsed = started.elapsed();
    sampling.abort();
    let after = sample(bench.options.pid);
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let cpu = (after.cpu - before.cpu).as_secs_f64();
    // A storm shorter than one sampling interval has no sample: the
    // average over the storm is then the best lower bound of its peak.
    let average = cpu / elapsed.as_secs_f64().max(f64::EPSILON) * 100.0;
    let peak = peak.lock().unwrap().max(average);
    Ok(Row {
        scenario: format!("reconnect storm: {devices} devices at once"),
        figures: format!(
            "{ok}/{devices} back (ticket + upgrade + welcome) in {:.2} s; server CPU {cpu:.2} s total, {average:.0}% of one core on average, peak {peak:.0}% (100 ms samples)",
            elapsed.as_secs_f64(),
        ),
    })
}

/// Uploads copies `range` of the bench PDF to the demo meeting's first
/// agenda item as the secretary, named `{prefix}-{copy}.pdf`; returns the
/// secretary's logged-in client.
pub(crate) async fn upload_pdf_copies(
    bench: &Bench,
    prefix: &str,
    range: std::ops::Range<usize>,
) -> anyhow::Result<reqwest::Client> {
    let secretary = bench.login("thuky").await?;
    let meeting: Value = secretary
        .get(format!(
            "{}/api/v1/meetings/{}",
            bench.options.url, bench.meeting_id
        ))
        .send()
        .await?
        .json()
        .await?;
    let item_id = meeting["agenda"][0]["id"]
        .as_str()
        .context("agenda item")?
        .to_owned();
    let pdf = std::fs::read(&bench.options.pack_pdf)
        .with_context(|| format!("read {}", bench.options.pack_pdf))?;
    for copy in range {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(pdf.clone())
                .file_name(format!("{prefix}-{copy}.pdf"))
                .mime_str("application/pdf")?,
        );
        let response = secretary
            .post(format!(
                "{}/api/v1/meetings/{}/agenda/{item_id}/documents",
                bench.options.url, bench.meeting_id
            ))
            .multipart(form)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("upload: {}", response.text().await?);
        }
    }
    Ok(secretary)
}

/// Scenario 7: tablets download the agenda pack at once, then again.
async fn pack(bench: &Bench) -> anyhow::Result<Row> {
    let pdf_len = std::fs::metadata(&bench.options.pack_pdf)
        .with_context(|| format!("read {}", bench.options.pack_pdf))?
        .len() as usize;
    let copies = (bench.options.pack_mb * 1024 * 1024).div_ceil(pdf_len);
    let secretary = upload_pdf_copies(bench, "pack", 0..copies).await?;
    let meeting: Value = secretary
        .get(format!(
            "{}/api/v1/meetings/{}",
            bench.options.url, bench.meeting_id
        ))
        .send()
        .await?
        .json()
        .await?;
    let urls: Vec<(String, String)> = meeting["agenda"]
        .as_array()
        .context("agenda")?
        .iter()
        .flat_map(|item| item["documents"].as_array().cloned().unwrap_or_default())
        .filter(|d| d["confidential"] == false)
        .map(|d| {
            (
                d["url"].as_str().unwrap_or_default().to_owned(),
                format!("\"{}\"", d["sha256"].as_str().unwrap_or_default()),
            )
        })
        .collect();
    let mut tablets = Vec::new();
    for n in 0..bench.options.tablets {
        tablets.push(bench.login(&bench.delegate(n)).await?);
    }
    let download = |conditional: bool| {
        let urls = urls.clone();
        let tablets = tablets.clone();
        let base = bench.options.url.clone();
        async move {
            let fetches = tablets.into_iter().map(|tablet| {
                let urls = urls.clone();
                let base = base.clone();
                async move {
                    let mut bytes = 0usize;
                    let mut not_modified = 0usize;
                    for (url, etag) in urls {
                        let mut request = tablet.get(format!("{base}{url}"));
                        if conditional {
                            request = request.header("If-None-Match", etag);
                        }
                        let response = request.send().await?;
                        if response.status() == 304 {
                            not_modified += 1;
                        }
                        bytes += response.bytes().await?.len();
                    }
                    anyhow::Ok((bytes, not_modified))
                }
            });
            let mut total = (0, 0);
            for result in futures::future::join_all(fetches).await {
                let (bytes, not_modified) = result?;
                total.0 += bytes;
                total.1 += not_modified;
            }
            anyhow::Ok(total)
        }
    };
    let before = sample(bench.options.pid);
    let started = Instant::now();
    let (bytes, _) = download(false).await?;
    let elapsed = started.elapsed();
    let after = sample(bench.options.pid);
    let (again_bytes, not_modified) = download(true).await?;
    Ok(Row {
        scenario: format!(
            "agenda pack: {} tablets × {} documents ({:.1} MB each)",
            bench.options.tablets,
            urls.len(),
            bytes as f64 / bench.options.tablets as f64 / 1e6
        ),
        figures: format!(
            "{:.1} MB in {:.2} s = {:.0} MB/s; server CPU {:.2} s; second download: {} × 304, {} bytes",
            bytes as f64 / 1e6,
            elapsed.as_secs_f64(),
            bytes as f64 / 1e6 / elapsed.as_secs_f64(),
            (after.cpu - before.cpu).as_secs_f64(),
            not_modified,
            again_bytes
        ),
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The floor scenario starts this binary again as its echo server.
    if std::env::args().nth(1).as_deref() == Some(floor::ECHO_SERVER_ARGUMENT) {
        return floor::serve_echo().await;
    }
    let options = Options::parse();
    let secretary = reqwest::Client::builder().cookie_store(true).build()?;
    secretary
        .post(format!("{}/api/v1/auth/login", options.url))
        .json(&json!({ "username": "thuky", "password": "demo" }))
        .send()
        .await?
        .error_for_status()?;
    let meetings: Value = secretary
        .get(format!("{}/api/v1/meetings", options.url))
        .send()
        .await?
        .json()
        .await?;
    let meeting_id = meetings["meetings"][0]["id"]
        .as_str()
        .context("the demo meeting")?
        .to_owned();
    let bench = Bench {
        options,
        meeting_id,
        sessions: Mutex::default(),
    };
    let mut rows = Vec::new();
    for scenario in bench.options.scenarios.clone() {
        eprintln!("running {scenario}…");
        if scenario == "sync" || scenario == "sync-docs" {
            let documents = if scenario == "sync" {
                1
            } else {
                bench.options.sync_documents
            };
            for followers in bench.options.sync_followers.clone() {
                let shape = sync::FanoutShape {
                    followers,
                    documents,
                    strokes: bench.options.sync_strokes.max(documents),
                    strokes_per_second: bench.options.sync_rate,
                };
                match sync::fanout(&bench, shape).await {
                    Ok(row) => println!("| {} | {} |", row.scenario, row.figures),
                    Err(error) => println!("| {scenario} ({followers}) | FAILED: {error:#} |"),
                }
            }
            continue;
        }
        let row = match scenario.as_str() {
            "follow" => follow(&bench).await,
            "vote" => vote(&bench).await,
            "idle" => idle(&bench).await,
            "storm" => storm(&bench).await,
            "pack" => pack(&bench).await,
            "agenda" => agenda::agenda_change(&bench).await,
            "replace" => agenda::replaced_document(&bench).await,
            "confidential" => confidential::confidential(&bench).await,
            "remote" => remote::remote_point(&bench).await,
            "floor" => floor::floor().await,
            "ink" => {
                let options = &bench.options;
                let shape = sync::InkShape {
                    writers: options.ink_writers,
                    followers: options.ink_followers,
                    documents: options.ink_documents,
                    duration: Duration::from_secs_f64(options.ink_seconds),
                    ink_per_second: options.ink_rate,
                    stroke_every: Duration::from_secs_f64(options.ink_stroke_every),
                };
                sync::ink(&bench, shape).await
            }
            "join" => {
                let options = &bench.options;
                let shape = sync::JoinShape {
                    documents: options.join_documents,
                    changes: options.join_changes,
                    joins: options.join_times,
                };
                sync::join(&bench, shape).await
            }
            other => bail!("unknown scenario {other}"),
        };
        match row {
            Ok(row) => {
                println!("| {} | {} |", row.scenario, row.figures);
                rows.push(row);
            }
            Err(error) => println!("| {scenario} | FAILED: {error:#} |"),
        }
    }
    Ok(())
}
