//! No input makes the server panic: random frames, random envelopes, and
//! mutated Automerge sync messages and change chunks (with their checksums
//! fixed, so they reach the change parser), sent to the real binary. Upstream
//! fuzzes only `Automerge::load`; the sync path is ours to cover.
//!
//! Seeded and replayable: `PHONGHOP_FUZZ_SEED=n` (the seed is printed).
//! Afterwards the server must be alive and ready (`/readyz` includes "no
//! document actor panicked"), the fuzzed document must still sync and load
//! after a restart, and other documents must be untouched.

#[path = "support/sync_client.rs"]
mod sync_client;

use std::time::Duration;

use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::ReadDoc;
use phonghop_e2e::{demo_meeting_id, logged_in, Server, ServerOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use sync_client::{encode_map, writable_document, Event, SyncClient, Value};

const SECOND: Duration = Duration::from_secs(1);
const DEFAULT_SEED: u64 = 20_261_123;

fn random_bytes(rng: &mut StdRng, max_len: usize) -> Vec<u8> {
    let len = rng.gen_range(0..=max_len);
    (0..len).map(|_| rng.gen()).collect()
}

/// Flips bits, truncates, inserts or duplicates: one to three of them.
fn mutate(rng: &mut StdRng, input: &[u8]) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..rng.gen_range(1..=3) {
        if bytes.is_empty() {
            bytes.push(rng.gen());
            continue;
        }
        let at = rng.gen_range(0..bytes.len());
        match rng.gen_range(0..5) {
            0 => bytes[at] ^= 1 << rng.gen_range(0..8),
            1 => bytes[at] = rng.gen(),
            2 => bytes.truncate(at),
            3 => {
                let extra = random_bytes(rng, 8);
                bytes.splice(at..at, extra);
            }
            _ => {
                let end = (at + rng.gen_range(1..16)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    bytes
}

/// A change chunk with its data mutated and its checksum recomputed, so
/// automerge gets past the checksum and parses the columns.
fn mutate_change_chunk(rng: &mut StdRng, chunk: &[u8]) -> Vec<u8> {
    // magic (4) checksum (4) type (1) length (uLEB128) data
    let mut position = 9;
    let mut length: usize = 0;
    let mut shift = 0;
    while position < chunk.len() {
        let byte = chunk[position];
        position += 1;
        length |= usize::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            break;
        }
    }
    if position + length > chunk.len() || length == 0 {
        return mutate(rng, chunk);
    }
    let chunk_type = chunk[8];
    let mut data = chunk[position..position + length].to_vec();
    for _ in 0..rng.gen_range(1..=4) {
        let at = rng.gen_range(0..data.len());
        match rng.gen_range(0..3) {
            0 => data[at] ^= 1 << rng.gen_range(0..8),
            1 => data[at] = rng.gen(),
            _ => data[at] = [0x00, 0x7f, 0x80, 0xff][rng.gen_range(0..4)],
        }
    }
    let mut header = vec![chunk_type];
    let mut remaining = data.len();
    loop {
        let byte = (remaining & 0x7f) as u8;
        remaining >>= 7;
        if remaining == 0 {
            header.push(byte);
            break;
        }
        header.push(byte | 0x80);
    }
    let digest = Sha256::new()
        .chain_update(&header)
        .chain_update(&data)
        .finalize();
    let mut out = chunk[0..4].to_vec();
    out.extend_from_slice(&digest[0..4]);
    out.extend_from_slice(&header);
    out.extend_from_slice(&data);
    out
}

/// A sync message that carries `doc`'s changes to a peer that has none of
/// them, and the raw change chunks in it.
fn message_with_changes(doc: &mut automerge::Automerge) -> automerge::sync::Message {
    let mut state = automerge::sync::State::new();
    let _ = doc.generate_sync_message(&mut state);
    let empty = automerge::Automerge::new();
    let mut their_state = automerge::sync::State::new();
    let reply = empty.generate_sync_message(&mut their_state).unwrap();
    doc.receive_sync_message(&mut state, reply).unwrap();
    doc.generate_sync_message(&mut state).unwrap()
}

async fn reconnect_if_closed(
    socket: &mut SyncClient,
    client: &reqwest::Client,
    server: &Server,
    device: &str,
) {
    // A ping-free peek: anything already closed shows up at once.
    if let Ok(Event::Closed(_)) =
        tokio::time::timeout(Duration::from_millis(1), socket.next(SECOND)).await
    {
        *socket = SyncClient::connect(client, server, device).await;
    }
}

#[tokio::test]
async fn no_input_makes_the_server_panic() {
    let seed = std::env::var("PHONGHOP_FUZZ_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    println!("fuzz seed {seed} (replay with PHONGHOP_FUZZ_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            extra_args: vec!["--sync-messages-per-second".into(), "100000".into()],
            ..ServerOptions::default()
        },
    );
    let client = logged_in(&server, "daibieu20", "demo").await;
    let meeting_id = demo_meeting_id(&client, &server).await;
    let notebook = writable_document(&client, &server, &meeting_id, "notebook").await;
    let layer = writable_document(&client, &server, &meeting_id, "shared_layer").await;

    // 1. Random frames and random envelopes, one connection each.
    let keys = [
        "type",
        "senderId",
        "targetId",
        "documentId",
        "data",
        "sessionId",
        "count",
    ];
    let types = [
        "join",
        "peer",
        "leave",
        "request",
        "sync",
        "ephemeral",
        "doc-unavailable",
        "error",
        "remote-heads-changed",
        "x",
    ];
    for round in 0..120 {
        let mut socket = SyncClient::connect(&client, &server, &format!("garbage-{round}")).await;
        let frame = if round % 2 == 0 {
            random_bytes(&mut rng, 300)
        } else {
            let peer_id = socket.peer_id.clone();
            let data = random_bytes(&mut rng, 64);
            let fields: Vec<(&str, Value<'_>)> = (0..rng.gen_range(1..7))
                .map(|_| {
                    let key = keys[rng.gen_range(0..keys.len())];
                    let value = match (key, rng.gen_range(0..4)) {
                        ("type", _) => Value::Text(types[rng.gen_range(0..types.len())]),
                        ("senderId", 0..=2) => Value::Text(&peer_id),
                        ("targetId", 0..=2) => Value::Text("phonghop-server"),
                        ("documentId", 0..=1) => Value::Text(&notebook),
                        (_, 0) => Value::Bytes(&data),
                        (_, 1) => Value::Array(&["1", "2"]),
                        (_, 2) => Value::Map(&[("isEphemeral", true)]),
                        _ => Value::Text("\u{0}\u{ffff}"),
                    };
                    (key, value)
                })
                .collect();
            encode_map(&fields)
        };
        socket.send(frame).await;
    }

    // 2. Mutated sync messages and change chunks for a writable document.
    let mut socket = SyncClient::connect(&client, &server, "fuzzer").await;
    let mut doc = automerge::Automerge::new();
    assert!(socket.sync_document(&notebook, &mut doc).await);
    let mut scratch = doc.fork();
    for index in 0..20 {
        scratch
            .transact::<_, _, automerge::AutomergeError>(|tx| {
                tx.put(automerge::ROOT, format!("note-{index}"), "ghi chú")?;
                let list = tx.put_object(
                    automerge::ROOT,
                    format!("ink-{index}"),
                    automerge::ObjType::List,
                )?;
                tx.insert(&list, 0, 1.5)?;
                let text = tx.put_object(
                    automerge::ROOT,
                    format!("text-{index}"),
                    automerge::ObjType::Text,
                )?;
                tx.splice_text(&text, 0, 0, "biên bản")?;
                Ok(())
            })
            .unwrap();
    }
    let template = message_with_changes(&mut scratch);
    let encoded_template = template.clone().encode();
    let chunks: Vec<Vec<u8>> = scratch
        .get_changes(&[])
        .iter()
        .map(|change| change.raw_bytes().to_vec())
        .collect();
    for round in 0..1_500 {
        reconnect_if_closed(&mut socket, &client, &server, "fuzzer").await;
        let data = if round % 2 == 0 {
            mutate(&mut rng, &encoded_template)
        } else {
            let mut message = template.clone();
            let picked = chunks[rng.gen_range(0..chunks.len())].clone();
            message.changes = vec![mutate_change_chunk(&mut rng, &picked)].into();
            message.encode()
        };
        let frame = socket.document_message("sync", &notebook, &data);
        socket.send(frame).await;
    }

    // The server is alive, ready, and no document actor panicked.
    tokio::time::sleep(SECOND).await;
    let ready = reqwest::get(server.url("/readyz")).await.unwrap();
    let status = ready.status();
    let answer = ready.text().await.unwrap();
    assert_eq!(
        status,
        200,
        "{answer}\n--- panics in the server log ---\n{}",
        panic_lines(&server.log_text())
    );
    // Both documents still sync from scratch.
    for document_id in [&notebook, &layer] {
        let mut fresh = SyncClient::connect(&client, &server, "checker").await;
        let mut copy = automerge::Automerge::new();
        assert!(fresh.sync_document(document_id, &mut copy).await);
        assert!(
            copy.get(automerge::ROOT, "strokes").unwrap().is_some(),
            "{document_id} came back as {:?} with heads {:?}\n--- warnings ---\n{}",
            copy.keys(automerge::ROOT).collect::<Vec<_>>(),
            copy.get_heads(),
            warnings(&server.log_text())
        );
    }
    // And load after a restart.
    server.signal("TERM");
    assert!(server.wait_exit(Duration::from_secs(15)).unwrap().success());
    let server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            port: Some(server.port),
            ..ServerOptions::default()
        },
    );
    let client = logged_in(&server, "daibieu20", "demo").await;
    let mut fresh = SyncClient::connect(&client, &server, "after-restart").await;
    let mut copy = automerge::Automerge::new();
    assert!(fresh.sync_document(&notebook, &mut copy).await);
    assert!(copy.get(automerge::ROOT, "notes").unwrap().is_some());
    // The server checks client changes inside `catch_unwind`, so automerge
    // may print panics it had; what must never appear is a document actor
    // that panicked.
    let log = server.log_text();
    assert!(
        !log.contains("a sync document actor panicked"),
        "{}",
        panic_lines(&log)
    );
}

/// The distinct warnings and errors in the log, without timestamps.
fn warnings(log: &str) -> String {
    let mut seen = std::collections::BTreeSet::new();
    for line in log.lines() {
        if line.contains("WARN") || line.contains("ERROR") {
            let limit = if line.contains("ERROR") { 4000 } else { 300 };
            let text: String = line
                .split_once('Z')
                .map_or(line, |(_, rest)| rest)
                .chars()
                .take(limit)
                .collect();
            seen.insert(text);
        }
    }
    seen.into_iter().take(40).collect::<Vec<_>>().join("\n")
}

/// The log lines about panics, with a little context.
fn panic_lines(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let mut out = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if line.contains("panicked") {
            out.extend_from_slice(&lines[index.saturating_sub(2)..(index + 3).min(lines.len())]);
        }
    }
    out.join("\n")
}
