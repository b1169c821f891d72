//! A tablet joining a meeting with a long annotation history (issue 9).
//!
//! Setup (not measured): the meeting gets `documents` shared layers and
//! one writer tops their strokes up to `changes` in total, each stroke its
//! own change, many changes per sync message. Then fresh devices join one
//! after another: each gets a ticket, connects, joins, asks for every
//! layer with an empty copy, and is timed until every exchange has
//! settled (the server's heads are its heads for every layer). Each join's
//! heads are then checked against the writer's, which are the server's.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use automerge::sync::SyncDoc;
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::{append_stroke, ensure_layers, own_cpu, Peer, PeerDocument};
use crate::{ms, percentile, sample, Bench, Row};

/// How one join run is shaped.
#[derive(Debug, Clone, Copy)]
pub struct JoinShape {
    pub documents: usize,
    /// Strokes in the layers in all before the joins (topped up to it).
    pub changes: usize,
    /// Fresh devices joining, one after another.
    pub joins: usize,
}

/// Reads and answers until every document's exchange has settled.
async fn settle(
    peer: &mut Peer,
    docs: &mut [PeerDocument],
    limit: Duration,
) -> anyhow::Result<usize> {
    let give_up = tokio::time::Instant::now() + limit;
    let mut bytes = 0;
    while !docs.iter().all(PeerDocument::settled) {
        let frame = match tokio::time::timeout_at(give_up, peer.socket.next()).await {
            Err(_) => bail!(
                "{}/{} documents settled after {} s",
                docs.iter().filter(|d| d.settled()).count(),
                docs.len(),
                limit.as_secs()
            ),
            Ok(Some(Ok(Message::Binary(frame)))) => frame,
            Ok(Some(Ok(Message::Close(frame)))) => bail!("closed: {frame:?}"),
            Ok(Some(Ok(_))) => continue,
            other => bail!("socket ended: {other:?}"),
        };
        bytes += frame.len();
        peer.handle(&frame, docs).await?;
    }
    Ok(bytes)
}

/// Prepares the history, then times `shape.joins` fresh joins.
pub async fn join(bench: &Bench, shape: JoinShape) -> anyhow::Result<Row> {
    let mut layers = ensure_layers(bench, shape.documents).await?;
    layers.truncate(shape.documents);
    let run_tag = format!("join-{}", std::process::id());

    // Setup: the chair tops the strokes up, many changes per message.
    let setup_started = Instant::now();
    let mut writer = Peer::connect(bench, "chutri", &format!("{run_tag}-writer")).await?;
    let mut docs: Vec<PeerDocument> = layers.iter().cloned().map(PeerDocument::new).collect();
    writer.request_all(&mut docs).await?;
    settle(&mut writer, &mut docs, Duration::from_secs(120))
        .await
        .context("the writer's first sync")?;
    let existing: usize = docs.iter_mut().map(PeerDocument::stroke_count).sum();
    let missing = shape.changes.saturating_sub(existing);
    // Pseudo-random points: real strokes differ, and identical blobs would
    // compress away in Automerge's columns.
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut points = vec![0u8; 192];
    for (index, document) in docs.iter_mut().enumerate() {
        let share = missing / layers.len() + usize::from(index < missing % layers.len());
        if document.strokes.is_none() && share > 0 {
            bail!("layer {} has no strokes list", document.id);
        }
        for stroke in 0..share {
            for byte in points.iter_mut() {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                *byte = (seed >> 56) as u8;
            }
            append_stroke(
                &mut document.doc,
                &format!("{run_tag}-{index}-{stroke}"),
                &points,
                None,
            )?;
        }
        if let Some(message) = document.doc.generate_sync_message(&mut document.state) {
            let frame = writer.document_message("sync", &document.id, &message.encode());
            writer.socket.send(frame).await?;
        }
    }
    settle(&mut writer, &mut docs, Duration::from_secs(300))
        .await
        .context("storing the history")?;
    let total_strokes: usize = docs.iter_mut().map(PeerDocument::stroke_count).sum();
    let total_changes: usize = docs.iter().map(|d| d.doc.get_changes(&[]).len()).sum();
    let expected: Vec<_> = docs.iter().map(|d| d.doc.get_heads()).collect();
    let setup = setup_started.elapsed();

    // The joins: one account (logged in first), a new device each time.
    let username = bench.delegate(0);
    bench.login(&username).await?;
    let mut times = Vec::with_capacity(shape.joins);
    let mut bytes_received = Vec::with_capacity(shape.joins);
    let mut server_cpu = Duration::ZERO;
    let mut client_cpu = Duration::ZERO;
    for attempt in 0..shape.joins {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = sample(bench.options.pid);
        let client_before = own_cpu();
        let started = Instant::now();
        let mut peer = Peer::connect(bench, &username, &format!("{run_tag}-{attempt}")).await?;
        let mut copies: Vec<PeerDocument> = layers.iter().cloned().map(PeerDocument::new).collect();
        peer.request_all(&mut copies).await?;
        let bytes = settle(&mut peer, &mut copies, Duration::from_secs(120))
            .await
            .with_context(|| format!("join {attempt}"))?;
        times.push(started.elapsed());
        client_cpu += own_cpu() - client_before;
        bytes_received.push(bytes);
        for (copy, heads) in copies.iter().zip(&expected) {
            if copy.doc.get_heads() != *heads {
                bail!(
                    "join {attempt}: layer {} settled short of the server's heads",
                    copy.id
                );
            }
        }
        // The last acknowledgements reach the server before it is sampled.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = peer.socket.close(None).await;
        server_cpu += sample(bench.options.pid).cpu.saturating_sub(before.cpu);
    }
    let _ = writer.socket.close(None).await;
    let after = sample(bench.options.pid);
    let mut sorted = times.clone();
    sorted.sort_unstable();
    let joins = shape.joins.max(1) as f64;
    let bytes_mean = bytes_received.iter().sum::<usize>() as f64 / joins;
    Ok(Row {
        scenario: format!(
            "join: a fresh tablet, {} layers holding {total_strokes} strokes ({total_changes} changes), {} joins one after another",
            layers.len(),
            shape.joins
        ),
        figures: format!(
            "fully synced (ticket, connect, join, {} requests, every exchange settled) p50 {} p99 {} max {}; \
             received {:.2} MB per join; server CPU {:.0} ms per join; joining client's CPU {:.0} ms per join; \
             RSS {} MB; setup (topping up {missing} strokes) {:.1} s",
            layers.len(),
            ms(percentile(&sorted, 0.5)),
            ms(percentile(&sorted, 0.99)),
            ms(sorted.last().copied().unwrap_or_default()),
            bytes_mean / 1e6,
            server_cpu.as_secs_f64() * 1e3 / joins,
            client_cpu.as_secs_f64() * 1e3 / joins,
            after.rss_kb / 1024,
            setup.as_secs_f64(),
        ),
    })
}
