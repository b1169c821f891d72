//! The agenda followed live (issue 19): an agenda change reaching every
//! open device (`agenda`), and a replaced document reaching every tablet's
//! pack, hash checked (`replace`).
//!
//! A simulated device does what the web client does: on `meeting_changed`
//! it fetches the meeting again over REST; a tablet then downloads a
//! replaced document's new version, checks its SHA-256 and reports what
//! it holds (`report_readiness`), which the server judges for the board.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures::StreamExt;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio_tungstenite::tungstenite::Message;

use crate::{ms, percentile, request, sample, upload_pdf_copies, Bench, Row, Socket};

/// Waits for the next message of `kind` on `socket` (other messages are
/// skipped), for at most `limit`.
async fn next_of(socket: &mut Socket, kind: &str, limit: Duration) -> anyhow::Result<Value> {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let message: Value = serde_json::from_str(&text)?;
                if message["type"] == kind {
                    return Ok(message);
                }
            }
            Ok(Some(Ok(_))) => continue,
            Ok(other) => bail!("socket ended: {other:?}"),
            Err(_) => bail!("no {kind} within {limit:?}"),
        }
    }
}

async fn get_meeting(bench: &Bench, client: &reqwest::Client) -> anyhow::Result<Value> {
    Ok(client
        .get(format!(
            "{}/api/v1/meetings/{}",
            bench.options.url, bench.meeting_id
        ))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// Scenario: `changes` edits of an agenda item's title while `devices`
/// devices have the meeting open. Measured per device and change: the
/// `meeting_changed` event, and the meeting fetched again showing the new
/// title, each from the moment the secretary's request was sent.
pub async fn agenda_change(bench: &Bench) -> anyhow::Result<Row> {
    let devices = bench.options.devices;
    let changes = bench.options.agenda_changes;
    bench.login_delegates(devices).await?;
    let followers = bench.connect_many(devices, "agenda").await?;
    let secretary = bench.login("thuky").await?;
    let meeting = get_meeting(bench, &secretary).await?;
    let item_id = meeting["agenda"][0]["id"]
        .as_str()
        .context("agenda item")?
        .to_owned();
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let events: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let fetched: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let mut tasks = Vec::new();
    for (index, mut socket) in followers.into_iter().enumerate() {
        let client = bench.login(&bench.delegate(index)).await?;
        let (sent, events, fetched) = (sent.clone(), events.clone(), fetched.clone());
        let url = format!("{}/api/v1/meetings/{}", bench.options.url, bench.meeting_id);
        tasks.push(tokio::spawn(async move {
            let mut seen = 0;
            while seen < changes {
                let Ok(_) = next_of(&mut socket, "meeting_changed", Duration::from_secs(30)).await
                else {
                    break;
                };
                let event_at = Instant::now();
                seen += 1;
                let Ok(response) = client.get(&url).send().await else {
                    continue;
                };
                let Ok(meeting) = response.json::<Value>().await else {
                    continue;
                };
                let done_at = Instant::now();
                let title = meeting["agenda"][0]["title"].as_str().unwrap_or_default();
                let sent = sent.lock().unwrap().get(title).copied();
                // The title names the change; an older title means this
                // device is a change behind (counted as not delivered).
                if let Some(at) = sent {
                    events.lock().unwrap().push(event_at - at);
                    fetched.lock().unwrap().push(done_at - at);
                }
            }
            socket
        }));
    }
    let before = sample(bench.options.pid);
    for change in 1..=changes {
        let title = format!("Khai mạc (bench {change})");
        sent.lock().unwrap().insert(title.clone(), Instant::now());
        secretary
            .patch(format!(
                "{}/api/v1/meetings/{}/agenda/{item_id}",
                bench.options.url, bench.meeting_id
            ))
            .header("Origin", &bench.options.url)
            .json(&json!({ "title": title }))
            .send()
            .await?
            .error_for_status()?;
        // The next change once this one has reached every device.
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    let mut sockets = Vec::new();
    for task in tasks {
        sockets.push(task.await?);
    }
    let after = sample(bench.options.pid);
    drop(sockets);
    let mut events = events.lock().unwrap().clone();
    let mut fetched = fetched.lock().unwrap().clone();
    events.sort();
    fetched.sort();
    Ok(Row {
        scenario: format!("agenda change: {changes} edits → {devices} open devices"),
        figures: format!(
            "delivered {}/{}; event p50 {} p99 {}; event and meeting fetched again p50 {} p99 {} max {}; server CPU {:.2} s; RSS {} MB",
            fetched.len(),
            changes * devices,
            ms(percentile(&events, 0.5)),
            ms(percentile(&events, 0.99)),
            ms(percentile(&fetched, 0.5)),
            ms(percentile(&fetched, 0.99)),
            ms(fetched.last().copied().unwrap_or_default()),
            (after.cpu - before.cpu).as_secs_f64(),
            after.rss_kb / 1024
        ),
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The document called `file_name` in the meeting JSON.
fn document_named<'a>(meeting: &'a Value, file_name: &str) -> Option<&'a Value> {
    meeting["agenda"]
        .as_array()?
        .iter()
        .flat_map(|item| item["documents"].as_array().into_iter().flatten())
        .find(|document| document["file_name"] == file_name)
}

/// One simulated tablet: downloads `document`'s current version, checks
/// its SHA-256 and reports it held. Returns what it reported.
async fn hold(
    base: &str,
    client: &reqwest::Client,
    socket: &mut Socket,
    document: &Value,
    id: u64,
) -> anyhow::Result<Value> {
    let url = document["url"].as_str().context("url")?;
    let bytes = client
        .get(format!("{base}{url}"))
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let sha256 = document["sha256"].as_str().context("sha256")?;
    if sha256_hex(&bytes) != sha256 {
        bail!("{url}: the bytes do not match their SHA-256");
    }
    let held = json!([{
        "document_id": document["id"],
        "version": document["version"],
        "sha256": sha256,
    }]);
    let reply = request(
        socket,
        json!({ "type": "report_readiness", "id": id, "held": held, "downloading": false }),
    )
    .await?;
    if reply["type"] != "ok" {
        bail!("report_readiness refused: {reply}");
    }
    Ok(held)
}

/// Scenario: `tablets` tablets hold the 83-page report; the secretary
/// uploads a corrected copy (other bytes) as version 2. Measured: from the
/// upload's start until each tablet holds version 2 (meeting fetched, PDF
/// downloaded, SHA-256 checked, report acknowledged), and until the
/// chair's board has seen every tablet's report of version 2.
pub async fn replaced_document(bench: &Bench) -> anyhow::Result<Row> {
    let tablets = bench.options.tablets;
    let file_name = "replace-0.pdf";
    let secretary = upload_pdf_copies(bench, "replace", 0..1).await?;
    let meeting = get_meeting(bench, &secretary).await?;
    let document = document_named(&meeting, file_name)
        .context("the uploaded document")?
        .clone();
    let document_id = document["id"].as_str().context("id")?.to_owned();
    let (mut chair, _) = bench.connect("chutri", "replace-chair").await?;
    let mut sockets = Vec::new();
    for index in 0..tablets {
        let client = bench.login(&bench.delegate(index)).await?;
        let (mut socket, _) = bench
            .connect(&bench.delegate(index), &format!("replace-{index}"))
            .await?;
        hold(&bench.options.url, &client, &mut socket, &document, 1).await?;
        sockets.push((client, socket));
    }
    // Version 2 must differ from version 1, or a tablet could keep its
    // bytes: the same report with a line appended after its end (a PDF
    // comment), so its SHA-256 differs and every tablet downloads it.
    let mut pdf = std::fs::read(&bench.options.pack_pdf)?;
    pdf.extend_from_slice(b"\n% phonghop bench: version 2\n");
    let started = Instant::now();
    let before = sample(bench.options.pid);
    let mut tasks = Vec::new();
    for (client, mut socket) in sockets {
        let base = bench.options.url.clone();
        let meeting_url = format!("{base}/api/v1/meetings/{}", bench.meeting_id);
        let document_id = document_id.clone();
        tasks.push(tokio::spawn(async move {
            next_of(&mut socket, "meeting_changed", Duration::from_secs(60)).await?;
            let meeting: Value = client.get(&meeting_url).send().await?.json().await?;
            let current = meeting["agenda"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|item| item["documents"].as_array().into_iter().flatten())
                .find(|d| d["id"] == document_id.as_str())
                .cloned()
                .context("the replaced document")?;
            if current["version"] != 2 {
                bail!("the meeting still shows version {}", current["version"]);
            }
            hold(&base, &client, &mut socket, &current, 2).await?;
            anyhow::Ok(started.elapsed())
        }));
    }
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(pdf)
            .file_name(file_name)
            .mime_str("application/pdf")?,
    );
    secretary
        .post(format!(
            "{}/api/v1/documents/{document_id}/versions",
            bench.options.url
        ))
        .header("Origin", &bench.options.url)
        .multipart(form)
        .send()
        .await?
        .error_for_status()?;
    let uploaded = started.elapsed();
    // The chair's board: each tablet turns stale when the new version is
    // stored (the server judges it at once), then not stale once the
    // tablet reports version 2.
    let board = async {
        let mut stale_seen = std::collections::HashSet::new();
        let mut holding = std::collections::HashSet::new();
        while holding.len() < tablets {
            let message = next_of(&mut chair, "readiness_changed", Duration::from_secs(60)).await?;
            let readiness = &message["readiness"];
            let device = readiness["device_id"].as_str().unwrap_or_default();
            if !device.starts_with("replace-") {
                continue;
            }
            let stale = readiness["stale"].as_array().is_some_and(|entries| {
                entries
                    .iter()
                    .any(|entry| entry["document_id"] == document_id.as_str())
            });
            if stale {
                stale_seen.insert(device.to_owned());
            } else if stale_seen.contains(device) {
                holding.insert(device.to_owned());
            }
        }
        anyhow::Ok(started.elapsed())
    };
    let tablets_done = async {
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await??);
        }
        anyhow::Ok(times)
    };
    let (times, board_done) = tokio::join!(tablets_done, board);
    let (mut times, board_done) = (times?, board_done?);
    let after = sample(bench.options.pid);
    times.sort();
    drop(chair);
    Ok(Row {
        scenario: format!(
            "replaced document: the {:.1} MB report as version 2 → {tablets} tablets",
            std::fs::metadata(&bench.options.pack_pdf)?.len() as f64 / 1e6
        ),
        figures: format!(
            "upload answered after {}; every tablet held version 2 (SHA-256 checked) after {} (first {}, p50 {}); the board had all {tablets} reports after {}; server CPU {:.2} s",
            ms(uploaded),
            ms(times.last().copied().unwrap_or_default()),
            ms(times.first().copied().unwrap_or_default()),
            ms(percentile(&times, 0.5)),
            ms(board_done),
            (after.cpu - before.cpu).as_secs_f64()
        ),
    })
}
