//! Live annotation fan-out (issue 9): W delegates draw on a shared layer at
//! once while N devices follow it. Each writer sends its ink in progress as
//! `ephemeral` messages (the tablet's live ink, a CBOR map with the points
//! so far) at a steady rate and commits a stroke (an Automerge change) every
//! few seconds, as the tablet does at pen-up. Followers are the fan-out
//! scenario's (`SharedStates`), and also time every ephemeral message they
//! receive.
//!
//! Two latencies: a committed stroke from the writer's local change to the
//! moment a follower's copy holds it (the change's message names the
//! stroke), and an ink message from the writer's send to its arrival (the
//! message carries its send time, both ends being this process).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use automerge::sync::SyncDoc;
use futures::{SinkExt, StreamExt};
use tokio::sync::{watch, Barrier, Notify};
use tokio_tungstenite::tungstenite::Message;

use super::{
    append_stroke, connect_followers, decode_message, ensure_layers, own_cpu, wait_until_synced,
    Peer, PeerDocument, SharedStates,
};
use crate::{ms, percentile, sample, Bench, Row};

/// How one ink run is shaped.
#[derive(Debug, Clone, Copy)]
pub struct InkShape {
    /// Delegates drawing at once (the demo's daibieu01… may write shared
    /// layers).
    pub writers: usize,
    pub followers: usize,
    /// Shared layers drawn on (writer `w` draws on layer `w % documents`);
    /// every follower follows all of them.
    pub documents: usize,
    /// How long the writers draw.
    pub duration: Duration,
    /// Ink-in-progress messages per second per writer.
    pub ink_per_second: f64,
    /// One committed stroke per writer this often.
    pub stroke_every: Duration,
}

/// When each committed stroke left its writer, by the change's message.
type StrokeTimes = Mutex<HashMap<String, Instant>>;

/// What a follower hands back.
struct FollowerReport {
    strokes: Vec<Duration>,
    ink: Vec<Duration>,
    error: Option<String>,
}

/// What a writer hands back.
struct WriterReport {
    ink_sent: usize,
    error: Option<String>,
}

/// The live-ink message a tablet broadcasts while a stroke is drawn
/// (client-web `liveInk.ts`: the points so far, quantized), with the send
/// time in microseconds since `epoch` for the follower to time it.
fn live_ink(stroke_id: &str, document_id: &str, points: &[u8], sent_micros: u64) -> Vec<u8> {
    let mut encoder = minicbor::Encoder::new(Vec::with_capacity(points.len() + 160));
    // Writing into a Vec cannot fail.
    let _ = encoder
        .map(10)
        .and_then(|e| e.str("type")?.str("live-ink"))
        .and_then(|e| e.str("strokeId")?.str(stroke_id))
        .and_then(|e| e.str("documentId")?.str(document_id))
        .and_then(|e| e.str("page")?.u32(1))
        .and_then(|e| e.str("tool")?.str("pen"))
        .and_then(|e| e.str("color")?.str("#d32f2f"))
        .and_then(|e| e.str("width")?.f32(2.5))
        .and_then(|e| e.str("points")?.bytes(points))
        .and_then(|e| e.str("done")?.bool(false))
        .and_then(|e| e.str("sentMicros")?.u64(sent_micros));
    encoder.into_writer()
}

/// The type and data of a message, borrowed from the frame: followers
/// read thousands of ephemeral messages a second, so without allocating.
fn peek(frame: &[u8]) -> Option<(&str, &[u8])> {
    let mut decoder = minicbor::Decoder::new(frame);
    let count = decoder.map().ok()??;
    let (mut kind, mut data): (&str, &[u8]) = ("", &[]);
    for _ in 0..count {
        match decoder.str().ok()? {
            "type" => kind = decoder.str().ok()?,
            "data" => data = decoder.bytes().ok()?,
            _ => decoder.skip().ok()?,
        }
    }
    Some((kind, data))
}

/// The send time a live-ink message carries.
fn sent_micros(data: &[u8]) -> Option<u64> {
    let mut decoder = minicbor::Decoder::new(data);
    let count = decoder.map().ok()??;
    for _ in 0..count {
        if decoder.str().ok()? == "sentMicros" {
            return decoder.u64().ok();
        }
        decoder.skip().ok()?;
    }
    None
}

fn micros_since(epoch: Instant) -> u64 {
    epoch.elapsed().as_micros() as u64
}

/// W writers and N followers on the meeting's first `shape.documents`
/// shared layers.
pub async fn ink(bench: &Bench, shape: InkShape) -> anyhow::Result<Row> {
    let mut layers = ensure_layers(bench, shape.documents).await?;
    layers.truncate(shape.documents.max(1));
    let documents = layers.len();
    let run_tag = format!(
        "ink{}w{}f-{}",
        shape.writers,
        shape.followers,
        std::process::id()
    );

    // Writers are daibieu01…, followers the 50 accounts after them. Log in
    // first (a login's argon2 hash is not the scenario's cost).
    let follower_account = |i: usize| bench.delegate(shape.writers + i % 50);
    for account in 0..shape.writers {
        bench.login(&bench.delegate(account)).await?;
    }
    for i in 0..shape.followers.min(50) {
        bench.login(&follower_account(i)).await?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before_connect = sample(bench.options.pid);
    let connecting_since = Instant::now();
    let followers = connect_followers(bench, shape.followers, &run_tag, follower_account).await?;

    let epoch = Instant::now();
    let sent: Arc<StrokeTimes> = Arc::default();
    let stroke_deliveries = Arc::new(AtomicUsize::new(0));
    let ready = Arc::new(AtomicUsize::new(0));
    let all_ready = Arc::new(Notify::new());
    let (stop, stopped) = watch::channel(false);
    let shared: Arc<Vec<Mutex<SharedStates>>> = Arc::new(
        (0..documents)
            .map(|_| Mutex::new(SharedStates::new()))
            .collect(),
    );
    let positions: Arc<HashMap<String, usize>> = Arc::new(
        layers
            .iter()
            .enumerate()
            .map(|(index, id)| (id.clone(), index))
            .collect(),
    );
    // Dropped (so every task aborted) if the run fails half way.
    let mut follower_tasks = tokio::task::JoinSet::new();
    for mut peer in followers {
        let layers = layers.clone();
        let shared = shared.clone();
        let positions = positions.clone();
        let sent = sent.clone();
        let stroke_deliveries = stroke_deliveries.clone();
        let ready = ready.clone();
        let all_ready = all_ready.clone();
        let mut stopped = stopped.clone();
        let followers = shape.followers;
        follower_tasks.spawn(async move {
            let mut report = FollowerReport {
                strokes: Vec::new(),
                ink: Vec::new(),
                error: None,
            };
            let result: anyhow::Result<()> = async {
                let mut nodes = vec![0usize; layers.len()];
                let mut synced = vec![false; layers.len()];
                let mut synced_count = 0;
                for (index, id) in layers.iter().enumerate() {
                    let step = shared[index].lock().unwrap().step(0, None)?;
                    nodes[index] = step.node;
                    let first = step.reply.context("a first sync message")?;
                    let message = peer.document_message("request", id, &first);
                    peer.socket.send(message).await?;
                }
                let quiet_limit = Duration::from_secs(120);
                loop {
                    let next = tokio::select! {
                        _ = stopped.changed() => return Ok(()),
                        next = tokio::time::timeout(quiet_limit, peer.socket.next()) => next,
                    };
                    let frame = match next {
                        Err(_) => bail!("nothing for {} s", quiet_limit.as_secs()),
                        Ok(None) => bail!("socket ended"),
                        Ok(Some(Err(error))) => bail!("socket error: {error}"),
                        Ok(Some(Ok(Message::Binary(frame)))) => frame,
                        Ok(Some(Ok(Message::Close(frame)))) => bail!("closed: {frame:?}"),
                        Ok(Some(Ok(_))) => continue,
                    };
                    let received_at = Instant::now();
                    if let Some(("ephemeral", data)) = peek(&frame) {
                        if let Some(micros) = sent_micros(data) {
                            let at = epoch + Duration::from_micros(micros);
                            report.ink.push(received_at.saturating_duration_since(at));
                        }
                        continue;
                    }
                    let Some(received) = decode_message(&frame) else {
                        bail!("the server sent something other than a CBOR map");
                    };
                    match received.message_type.as_str() {
                        "sync" => {}
                        "doc-unavailable" => bail!("document {} unavailable", received.document_id),
                        "error" => bail!("the server sent an error message"),
                        _ => continue,
                    }
                    let Some(&index) = positions.get(&received.document_id) else {
                        continue;
                    };
                    let (step, has_strokes) = {
                        let mut states = shared[index].lock().unwrap();
                        let step = states.step(nodes[index], Some(&received.data))?;
                        let has_strokes = states.nodes[step.node].strokes.is_some();
                        (step, has_strokes)
                    };
                    nodes[index] = step.node;
                    let now = Instant::now();
                    if !step.arrived.is_empty() {
                        let times = sent.lock().unwrap();
                        for stroke in step.arrived.iter() {
                            // Strokes of earlier runs are history.
                            if let Some(at) = times.get(stroke) {
                                report.strokes.push(now.saturating_duration_since(*at));
                                stroke_deliveries.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    if let Some(reply) = step.reply {
                        let message = peer.document_message("sync", &received.document_id, &reply);
                        peer.socket.send(message).await?;
                    }
                    if !synced[index] && has_strokes {
                        synced[index] = true;
                        synced_count += 1;
                        if synced_count == layers.len()
                            && ready.fetch_add(1, Ordering::SeqCst) + 1 == followers
                        {
                            all_ready.notify_one();
                        }
                    }
                }
            }
            .await;
            report.error = result.err().map(|e| format!("{e:#}"));
            (report, peer)
        });
    }

    wait_until_synced(&all_ready, &ready, shape.followers).await?;
    let time_to_sync = connecting_since.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let connected = sample(bench.options.pid);

    // The writers: connected here, each synced and drawing in a task.
    let mut writers = Vec::with_capacity(shape.writers);
    let connecting = (0..shape.writers).map(|w| {
        let username = bench.delegate(w);
        let device = format!("{run_tag}-writer-{w}");
        async move { Peer::connect(bench, &username, &device).await }
    });
    for peer in futures::future::join_all(connecting).await {
        writers.push(peer?);
    }
    let start = Arc::new(Barrier::new(shape.writers + 1));
    let strokes_written = Arc::new(AtomicUsize::new(0));
    let done_drawing = Arc::new(AtomicUsize::new(0));
    let mut writer_tasks = tokio::task::JoinSet::new();
    for (w, mut peer) in writers.into_iter().enumerate() {
        let document_id = layers[w % documents].clone();
        let sent = sent.clone();
        let start = start.clone();
        let strokes_written = strokes_written.clone();
        let done_drawing = done_drawing.clone();
        let mut stopped = stopped.clone();
        let run_tag = run_tag.clone();
        let writers = shape.writers;
        writer_tasks.spawn(async move {
            let mut report = WriterReport {
                ink_sent: 0,
                error: None,
            };
            let mut docs = vec![PeerDocument::new(document_id.clone())];
            let result: anyhow::Result<()> = async {
                peer.request_all(&mut docs).await?;
                loop {
                    docs[0].stroke_count();
                    if docs[0].strokes.is_some() {
                        break;
                    }
                    let Some(Ok(Message::Binary(frame))) =
                        tokio::time::timeout(Duration::from_secs(60), peer.socket.next())
                            .await
                            .context("the writer's first sync")?
                    else {
                        continue;
                    };
                    peer.handle(&frame, &mut docs).await?;
                }
                start.wait().await;
                let began = tokio::time::Instant::now();
                let end = began + shape.duration;
                let ink_interval = Duration::from_secs_f64(1.0 / shape.ink_per_second);
                // Writers spread over the intervals rather than in step.
                let phase = (w as f64 + 0.5) / writers as f64;
                let mut next_ink = began + ink_interval.mul_f64(phase);
                let mut next_stroke = began + shape.stroke_every.mul_f64(phase);
                let session_id = format!("{run_tag}-session-{w}");
                let mut count = 0u64;
                let mut strokes = 0usize;
                let mut points: Vec<u8> = Vec::with_capacity(192);
                let mut drawing = true;
                loop {
                    if drawing && next_ink >= end && next_stroke >= end {
                        drawing = false;
                        done_drawing.fetch_add(1, Ordering::SeqCst);
                    }
                    tokio::select! {
                        _ = stopped.changed() => return Ok(()),
                        _ = tokio::time::sleep_until(next_ink), if next_ink < end => {
                            // The stroke in progress grows by 8 bytes (two
                            // quantized points) per message, as a pen moves.
                            points.extend_from_slice(&count.to_le_bytes());
                            if points.len() > 192 {
                                points.clear();
                            }
                            count += 1;
                            let stroke_id = format!("{run_tag}-{w}-{strokes}");
                            let data = live_ink(&stroke_id, &document_id, &points, micros_since(epoch));
                            let message = peer.ephemeral_message(&session_id, count, &document_id, &data);
                            peer.socket.send(message).await?;
                            report.ink_sent += 1;
                            next_ink += ink_interval;
                        }
                        _ = tokio::time::sleep_until(next_stroke), if next_stroke < end => {
                            let stroke_id = format!("{run_tag}-{w}-{strokes}");
                            let stroke_points: Vec<u8> = (0..192u8).collect();
                            let document = &mut docs[0];
                            append_stroke(&mut document.doc, &stroke_id, &stroke_points, Some(&stroke_id))?;
                            sent.lock().unwrap().insert(stroke_id, Instant::now());
                            strokes_written.fetch_add(1, Ordering::SeqCst);
                            if let Some(message) = document.doc.generate_sync_message(&mut document.state) {
                                let frame = peer.document_message("sync", &document_id, &message.encode());
                                peer.socket.send(frame).await?;
                            }
                            strokes += 1;
                            points.clear();
                            next_stroke += shape.stroke_every;
                        }
                        incoming = peer.socket.next() => match incoming {
                            Some(Ok(Message::Binary(frame))) => { peer.handle(&frame, &mut docs).await?; }
                            Some(Ok(Message::Close(frame))) => bail!("the server closed a writer's socket: {frame:?}"),
                            Some(Ok(_)) => {}
                            other => bail!("a writer's socket ended: {other:?}"),
                        }
                    }
                }
            }
            .await;
            report.error = result.err().map(|e| format!("{e:#}"));
            (report, peer)
        });
    }

    // Every writer has its copy: draw.
    tokio::time::timeout(Duration::from_secs(120), start.wait())
        .await
        .context("the writers' first sync")?;
    let before = sample(bench.options.pid);
    let client_before = own_cpu();
    let started = Instant::now();
    tokio::time::sleep(shape.duration).await;
    let give_up = Instant::now() + Duration::from_secs(60);
    while done_drawing.load(Ordering::SeqCst) < shape.writers && Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The last strokes' deliveries, or give up after 30 s.
    let written = strokes_written.load(Ordering::SeqCst);
    let expected_strokes = written * shape.followers;
    let give_up = Instant::now() + Duration::from_secs(30);
    while stroke_deliveries.load(Ordering::Relaxed) < expected_strokes && Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Ink in flight when the last stroke arrived.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let elapsed = started.elapsed();
    let after = sample(bench.options.pid);
    let client_cpu = own_cpu() - client_before;
    let _ = stop.send(true);

    let mut ink_sent = 0;
    let mut errors = Vec::new();
    let mut sockets = Vec::new();
    while let Some(result) = writer_tasks.join_next().await {
        let (report, peer) = result?;
        ink_sent += report.ink_sent;
        if let Some(error) = report.error {
            errors.push(format!("writer: {error}"));
        }
        sockets.push(peer.socket);
    }
    let mut stroke_latencies = Vec::with_capacity(expected_strokes);
    let mut ink_latencies = Vec::new();
    while let Some(result) = follower_tasks.join_next().await {
        let (report, peer) = result?;
        stroke_latencies.extend(report.strokes);
        ink_latencies.extend(report.ink);
        if let Some(error) = report.error {
            errors.push(format!("follower: {error}"));
        }
        sockets.push(peer.socket);
    }
    for mut socket in sockets {
        let _ = socket.close(None).await;
    }
    stroke_latencies.sort_unstable();
    ink_latencies.sort_unstable();
    // Every follower follows every layer, so each message reaches them all.
    let expected_ink = ink_sent * shape.followers;
    let deliveries = stroke_latencies.len() + ink_latencies.len();
    let server_cpu = after.cpu.saturating_sub(before.cpu);
    let per_follower_kb = connected.rss_kb.saturating_sub(before_connect.rss_kb) as f64
        / shape.followers.max(1) as f64;
    let mut figures = format!(
        "strokes delivered {}/{expected_strokes}: p50 {} p99 {} max {}; \
         ink messages delivered {}/{expected_ink}: p50 {} p99 {} max {}; \
         server CPU {:.1} µs/delivery ({:.2} s for {deliveries} deliveries, {:.0}% of one core); \
         load generator CPU {:.1} µs/delivery; RSS {} MB ({:.1} kB per follower once synced); \
         followers connected and synced in {:.1} s; drawing {:.1} s, measured over {:.1} s",
        stroke_latencies.len(),
        ms(percentile(&stroke_latencies, 0.5)),
        ms(percentile(&stroke_latencies, 0.99)),
        ms(stroke_latencies.last().copied().unwrap_or_default()),
        ink_latencies.len(),
        ms(percentile(&ink_latencies, 0.5)),
        ms(percentile(&ink_latencies, 0.99)),
        ms(ink_latencies.last().copied().unwrap_or_default()),
        server_cpu.as_secs_f64() * 1e6 / deliveries.max(1) as f64,
        server_cpu.as_secs_f64(),
        server_cpu.as_secs_f64() * 100.0 / elapsed.as_secs_f64(),
        client_cpu.as_secs_f64() * 1e6 / deliveries.max(1) as f64,
        after.rss_kb / 1024,
        per_follower_kb,
        time_to_sync.as_secs_f64(),
        shape.duration.as_secs_f64(),
        elapsed.as_secs_f64(),
    );
    if !errors.is_empty() {
        figures.push_str(&format!("; {} failed, first: {}", errors.len(), errors[0]));
    }
    Ok(Row {
        scenario: format!(
            "live ink: {} delegates drawing ({:.0} ink messages/s each, a stroke every {:.1} s) → {} followers of {documents} layer{}",
            shape.writers,
            shape.ink_per_second,
            shape.stroke_every.as_secs_f64(),
            shape.followers,
            if documents == 1 { "" } else { "s" }
        ),
        figures,
    })
}
