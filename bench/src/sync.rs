//! The `/sync` fan-out scenario (issue 11): one writer and N followers of
//! one document (or of several at once), every peer a real websocket
//! speaking the automerge-repo protocol (`join`/`peer`, then `request` and
//! `sync` messages in CBOR maps) with Automerge sync messages made by the
//! `automerge` crate, exactly as the official client would.
//!
//! Followers are cheap on purpose, so that the load generator is not the
//! limit: each answers every sync message exactly as a tablet with its own
//! copy and sync state would, but followers in equal states share one copy
//! and one computed answer (`SharedStates`), and they do nothing else.
//! Latency is from the writer's local change to the moment a follower's
//! copy holds that stroke. The load generator's own CPU per delivery is
//! printed beside the server's, so a reader can tell who was the
//! bottleneck.
//!
//! Two scenarios of issue 9 live beside it and reuse its peers: `ink.rs`
//! (many delegates drawing at once, ink in progress and committed
//! strokes) and `join.rs` (a tablet joining a meeting with a long
//! annotation history).

mod ink;
mod join;

pub use ink::{ink, InkShape};
pub use join::{join, JoinShape};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use automerge::sync::SyncDoc;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ObjId, ObjType, ReadDoc, ScalarValue, ROOT};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;

use crate::{ms, percentile, sample, Bench, Row, Socket};

/// How one fan-out run is shaped.
#[derive(Debug, Clone, Copy)]
pub struct FanoutShape {
    pub followers: usize,
    pub documents: usize,
    /// Strokes the writer appends in all (spread over the documents).
    pub strokes: usize,
    pub strokes_per_second: f64,
}

/// When the writer changed each document, stroke by stroke.
type SentTimes = Vec<Mutex<Vec<Instant>>>;

/// A CBOR map with text and byte values, as the protocol's messages are.
fn encode_map(fields: &[(&str, CborValue<'_>)]) -> Vec<u8> {
    let mut encoder = minicbor::Encoder::new(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = encoder.map(fields.len() as u64);
    for (key, value) in fields {
        let _ = encoder.str(key);
        let _ = match value {
            CborValue::Text(text) => encoder.str(text),
            CborValue::Bytes(bytes) => encoder.bytes(bytes),
            CborValue::Unsigned(number) => encoder.u64(*number),
            CborValue::TextArray(items) => {
                let _ = encoder.array(items.len() as u64);
                for item in *items {
                    let _ = encoder.str(item);
                }
                Ok(&mut encoder)
            }
            CborValue::Flags(entries) => {
                let _ = encoder.map(entries.len() as u64);
                for (name, flag) in *entries {
                    let _ = encoder.str(name).and_then(|e| e.bool(*flag));
                }
                Ok(&mut encoder)
            }
        };
    }
    encoder.into_writer()
}

enum CborValue<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
    Unsigned(u64),
    TextArray(&'a [&'a str]),
    Flags(&'a [(&'a str, bool)]),
}

/// The fields of a received message that matter here.
#[derive(Default)]
struct Received {
    message_type: String,
    sender_id: String,
    document_id: String,
    data: Vec<u8>,
}

fn decode_message(bytes: &[u8]) -> Option<Received> {
    let mut decoder = minicbor::Decoder::new(bytes);
    let count = decoder.map().ok()??;
    let mut received = Received::default();
    for _ in 0..count {
        let key = decoder.str().ok()?;
        match key {
            "type" => received.message_type = decoder.str().ok()?.to_owned(),
            "senderId" => received.sender_id = decoder.str().ok()?.to_owned(),
            "documentId" => received.document_id = decoder.str().ok()?.to_owned(),
            "data" => received.data = decoder.bytes().ok()?.to_vec(),
            _ => decoder.skip().ok()?,
        }
    }
    Some(received)
}

/// One document as the writer holds it.
struct PeerDocument {
    id: String,
    doc: Automerge,
    state: automerge::sync::State,
    /// The `strokes` list, once the document has arrived.
    strokes: Option<ObjId>,
}

impl PeerDocument {
    fn new(id: String) -> Self {
        PeerDocument {
            id,
            doc: Automerge::new(),
            state: automerge::sync::State::new(),
            strokes: None,
        }
    }

    fn stroke_count(&mut self) -> usize {
        if self.strokes.is_none() {
            if let Ok(Some((_, id))) = self.doc.get(ROOT, "strokes") {
                self.strokes = Some(id);
            }
        }
        self.strokes
            .as_ref()
            .map(|list| self.doc.length(list))
            .unwrap_or(0)
    }

    /// Whether the server has said its heads are ours: the exchange has
    /// nothing more to carry either way.
    fn settled(&self) -> bool {
        let Some(theirs) = &self.state.their_heads else {
            return false;
        };
        let mut theirs = theirs.clone();
        theirs.sort_unstable();
        theirs == self.doc.get_heads()
    }
}

/// Appends one stroke (a map with a `points` blob, as the tablet stores
/// it) to the document's `strokes` list as one change. `message`, if any,
/// names the change so that a follower can tell which stroke arrived.
fn append_stroke(
    doc: &mut Automerge,
    id: &str,
    points: &[u8],
    message: Option<&str>,
) -> anyhow::Result<()> {
    let list = match doc.get(ROOT, "strokes")? {
        Some((_, list)) => list,
        None => bail!("the copy has no strokes list"),
    };
    let position = doc.length(&list);
    let mut tx = doc.transaction();
    let stroke = tx.insert_object(&list, position, ObjType::Map)?;
    tx.put(&stroke, "id", id)?;
    tx.put(&stroke, "color", "#d32f2f")?;
    tx.put(&stroke, "width", 2.5)?;
    tx.put(&stroke, "points", ScalarValue::Bytes(points.to_vec()))?;
    let mut options = CommitOptions::default();
    if let Some(message) = message {
        options.set_message(message);
    }
    tx.commit_with(options);
    Ok(())
}

/// The sync states the followers of one document pass through, shared by
/// all of them. Automerge's sync protocol is deterministic: a peer in a
/// given (document, sync state) that receives given message bytes always
/// ends in the same state and answers with the same bytes. So followers in
/// equal states (every in-sync follower) share one copy, and a message
/// another follower in the same state already received costs a hash
/// lookup instead of a `receive_sync_message` and a `generate_sync_message`.
/// Each follower still answers exactly what its own copy would: this only
/// keeps the load generator from being the bottleneck.
struct SharedStates {
    nodes: Vec<StateNode>,
}

struct StateNode {
    doc: Automerge,
    state: automerge::sync::State,
    /// Strokes in `doc`; `None` until the document has arrived.
    strokes: Option<usize>,
    /// Incoming sync data → where it leads. The empty key is the first
    /// message, which answers nothing.
    next: std::collections::HashMap<Vec<u8>, Transition>,
}

/// Where a follower moves on one incoming message.
#[derive(Clone)]
struct Transition {
    /// The node it moves to.
    node: usize,
    /// The sync data it answers with, if any.
    reply: Option<Arc<[u8]>>,
    /// The messages of the changes that arrived with it (`ink` names each
    /// stroke's change, to time it).
    arrived: Arc<[String]>,
}

impl SharedStates {
    fn new() -> Self {
        SharedStates {
            nodes: vec![StateNode {
                doc: Automerge::new(),
                state: automerge::sync::State::new(),
                strokes: None,
                next: Default::default(),
            }],
        }
    }

    /// Moves a follower from node `from` on `incoming` (`None`: start the
    /// exchange); returns its new node and what it sends.
    fn step(&mut self, from: usize, incoming: Option<&[u8]>) -> anyhow::Result<Transition> {
        let key = incoming.unwrap_or_default();
        if let Some(known) = self.nodes[from].next.get(key) {
            return Ok(known.clone());
        }
        let mut doc = self.nodes[from].doc.clone();
        let mut state = self.nodes[from].state.clone();
        let before = doc.get_heads();
        if let Some(data) = incoming {
            doc.receive_sync_message(&mut state, automerge::sync::Message::decode(data)?)?;
        }
        let arrived: Arc<[String]> = if doc.get_heads() == before {
            Arc::from([])
        } else {
            doc.get_changes_meta(&before)
                .into_iter()
                .filter_map(|change| change.message.map(|m| m.into_owned()))
                .collect()
        };
        let reply: Option<Arc<[u8]>> = doc
            .generate_sync_message(&mut state)
            .map(|message| Arc::from(message.encode()));
        let strokes = doc.get(ROOT, "strokes")?.map(|(_, list)| doc.length(&list));
        self.nodes.push(StateNode {
            doc,
            state,
            strokes,
            next: Default::default(),
        });
        let to = Transition {
            node: self.nodes.len() - 1,
            reply,
            arrived,
        };
        self.nodes[from].next.insert(key.to_vec(), to.clone());
        Ok(to)
    }
}

/// A joined peer: its socket, its peer id and the server's.
struct Peer {
    socket: Socket,
    peer_id: String,
    server_id: String,
}

impl Peer {
    async fn connect(bench: &Bench, username: &str, device: &str) -> anyhow::Result<Peer> {
        let client = bench.login(username).await?;
        let ticket: Value = client
            .post(format!("{}/api/v1/auth/ws-ticket", bench.options.url))
            .json(&json!({ "device_id": device }))
            .send()
            .await?
            .json()
            .await?;
        let peer_id = ticket["peer_id"].as_str().context("peer id")?.to_owned();
        let url = format!(
            "{}/sync?ticket={}",
            bench.options.url.replacen("http", "ws", 1),
            ticket["ticket"].as_str().context("ticket")?
        );
        // TCP_NODELAY, as browsers and Node's `ws` set it.
        let (mut socket, _) = tokio_tungstenite::connect_async_with_config(url, None, true).await?;
        let join = encode_map(&[
            ("type", CborValue::Text("join")),
            ("senderId", CborValue::Text(&peer_id)),
            ("supportedProtocolVersions", CborValue::TextArray(&["1"])),
            ("peerMetadata", CborValue::Flags(&[("isEphemeral", true)])),
        ]);
        socket.send(Message::Binary(join.into())).await?;
        loop {
            match tokio::time::timeout(Duration::from_secs(30), socket.next()).await {
                Ok(Some(Ok(Message::Binary(bytes)))) => {
                    let answer = decode_message(&bytes).context("a CBOR map")?;
                    if answer.message_type != "peer" {
                        bail!("join answered with {}", answer.message_type);
                    }
                    return Ok(Peer {
                        socket,
                        peer_id,
                        server_id: answer.sender_id,
                    });
                }
                Ok(Some(Ok(_))) => continue,
                other => bail!("no answer to join: {other:?}"),
            }
        }
    }

    fn document_message(&self, kind: &str, document_id: &str, data: &[u8]) -> Message {
        Message::Binary(
            encode_map(&[
                ("type", CborValue::Text(kind)),
                ("senderId", CborValue::Text(&self.peer_id)),
                ("targetId", CborValue::Text(&self.server_id)),
                ("documentId", CborValue::Text(document_id)),
                ("data", CborValue::Bytes(data)),
            ])
            .into(),
        )
    }

    /// An ephemeral message (ink in progress), as automerge-repo's
    /// `DocHandle::broadcast` sends it: one session per connection, its
    /// counter increasing.
    fn ephemeral_message(
        &self,
        session_id: &str,
        count: u64,
        document_id: &str,
        data: &[u8],
    ) -> Message {
        Message::Binary(
            encode_map(&[
                ("type", CborValue::Text("ephemeral")),
                ("senderId", CborValue::Text(&self.peer_id)),
                ("targetId", CborValue::Text(&self.server_id)),
                ("count", CborValue::Unsigned(count)),
                ("sessionId", CborValue::Text(session_id)),
                ("documentId", CborValue::Text(document_id)),
                ("data", CborValue::Bytes(data)),
            ])
            .into(),
        )
    }

    /// Asks for every document (the first message of a sync exchange).
    async fn request_all(&mut self, documents: &mut [PeerDocument]) -> anyhow::Result<()> {
        for document in documents.iter_mut() {
            let first = document
                .doc
                .generate_sync_message(&mut document.state)
                .context("a first sync message")?
                .encode();
            let message = self.document_message("request", &document.id, &first);
            self.socket.send(message).await?;
        }
        Ok(())
    }

    /// Applies one incoming frame; answers it if the sync protocol says so.
    /// Returns the index of the document it was about.
    async fn handle(
        &mut self,
        frame: &[u8],
        documents: &mut [PeerDocument],
    ) -> anyhow::Result<Option<usize>> {
        let Some(received) = decode_message(frame) else {
            bail!("the server sent something other than a CBOR map");
        };
        match received.message_type.as_str() {
            "sync" => {}
            "doc-unavailable" => bail!("document {} unavailable", received.document_id),
            "error" => bail!("the server sent an error message"),
            _ => return Ok(None),
        }
        let Some(index) = documents.iter().position(|d| d.id == received.document_id) else {
            return Ok(None);
        };
        let document = &mut documents[index];
        let message = automerge::sync::Message::decode(&received.data)?;
        document
            .doc
            .receive_sync_message(&mut document.state, message)?;
        if let Some(reply) = document.doc.generate_sync_message(&mut document.state) {
            let id = document.id.clone();
            let message = self.document_message("sync", &id, &reply.encode());
            self.socket.send(message).await?;
        }
        Ok(Some(index))
    }
}

/// CPU time of this process (the load generator), for comparison.
fn own_cpu() -> Duration {
    sample(std::process::id()).cpu
}

/// The shared layers the writer may write, in a stable order.
async fn shared_layers(bench: &Bench, username: &str) -> anyhow::Result<Vec<String>> {
    let client = bench.login(username).await?;
    let meeting: Value = client
        .get(format!(
            "{}/api/v1/meetings/{}",
            bench.options.url, bench.meeting_id
        ))
        .send()
        .await?
        .json()
        .await?;
    let mut layers: Vec<String> = meeting["sync_documents"]
        .as_array()
        .context("sync_documents")?
        .iter()
        .filter(|d| d["kind"] == "shared_layer" && d["access"] == "write")
        .filter_map(|d| d["url"].as_str()?.strip_prefix("automerge:"))
        .map(str::to_owned)
        .collect();
    layers.sort();
    Ok(layers)
}

/// Makes sure the demo meeting has at least `count` agenda documents, hence
/// as many shared layers (uploads as the secretary).
async fn ensure_layers(bench: &Bench, count: usize) -> anyhow::Result<Vec<String>> {
    let mut layers = shared_layers(bench, "chutri").await?;
    if layers.len() >= count {
        return Ok(layers);
    }
    crate::upload_pdf_copies(bench, "layer", layers.len()..count).await?;
    layers = shared_layers(bench, "chutri").await?;
    if layers.len() < count {
        bail!("only {} shared layers after uploading", layers.len());
    }
    Ok(layers)
}

/// Connects `count` followers, 50 at a time: follower `i` logs in as
/// `account(i)` with device `{run_tag}-{i}`.
async fn connect_followers(
    bench: &Bench,
    count: usize,
    run_tag: &str,
    account: impl Fn(usize) -> String,
) -> anyhow::Result<Vec<Peer>> {
    let mut followers = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(50) {
        let connecting = chunk.iter().map(|&i| {
            let username = account(i);
            let device = format!("{run_tag}-{i}");
            async move { Peer::connect(bench, &username, &device).await }
        });
        for peer in futures::future::join_all(connecting).await {
            followers.push(peer?);
        }
    }
    Ok(followers)
}

/// Waits (up to 300 s) until `ready` reaches `followers`; `all_ready` is
/// notified by the follower that gets it there.
async fn wait_until_synced(
    all_ready: &Notify,
    ready: &AtomicUsize,
    followers: usize,
) -> anyhow::Result<()> {
    let sync_limit = Duration::from_secs(300);
    if tokio::time::timeout(sync_limit, all_ready.notified())
        .await
        .is_err()
    {
        bail!(
            "only {}/{} followers synced within {} s",
            ready.load(Ordering::SeqCst),
            followers,
            sync_limit.as_secs()
        );
    }
    Ok(())
}

/// What a follower task hands back.
struct FollowerReport {
    latencies: Vec<Duration>,
    error: Option<String>,
}

/// One writer, `shape.followers` followers of `shape.documents` documents.
pub async fn fanout(bench: &Bench, shape: FanoutShape) -> anyhow::Result<Row> {
    let mut layers = ensure_layers(bench, shape.documents).await?;
    layers.truncate(shape.documents);
    let documents = layers.len();
    let per_document = shape.strokes.div_ceil(documents);
    let strokes = per_document * documents;

    // Followers: spread over 50 delegate accounts (a login costs the server
    // an argon2 hash), one device each.
    let run_tag = format!("fan{}x{}", shape.followers, documents);
    // Log in first: a login's argon2 hash grows the server's heap, which
    // is not the followers' memory.
    for account in 0..shape.followers.min(50) {
        bench.login(&bench.delegate(account)).await?;
    }
    bench.login("chutri").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before_connect = sample(bench.options.pid);
    let connecting_since = Instant::now();
    let peers =
        connect_followers(bench, shape.followers, &run_tag, |i| bench.delegate(i % 50)).await?;

    let sent: Arc<SentTimes> = Arc::new((0..documents).map(|_| Mutex::default()).collect());
    let ready = Arc::new(AtomicUsize::new(0));
    let all_ready = Arc::new(Notify::new());
    let deadline = Duration::from_secs(60)
        + Duration::from_secs_f64(strokes as f64 / shape.strokes_per_second);
    let shared: Arc<Vec<Mutex<SharedStates>>> = Arc::new(
        (0..documents)
            .map(|_| Mutex::new(SharedStates::new()))
            .collect(),
    );
    let positions: Arc<std::collections::HashMap<String, usize>> = Arc::new(
        layers
            .iter()
            .enumerate()
            .map(|(index, id)| (id.clone(), index))
            .collect(),
    );
    // Dropped (so every follower aborted) if the run fails half way.
    let mut tasks = tokio::task::JoinSet::new();
    for mut peer in peers {
        let layers = layers.clone();
        let shared = shared.clone();
        let positions = positions.clone();
        let sent = sent.clone();
        let ready = ready.clone();
        let all_ready = all_ready.clone();
        let followers = shape.followers;
        tasks.spawn(async move {
            let mut report = FollowerReport {
                latencies: Vec::with_capacity(strokes),
                error: None,
            };
            let mut nodes = vec![0usize; layers.len()];
            let mut seen = vec![0usize; layers.len()];
            let result: anyhow::Result<()> = async {
                for (index, id) in layers.iter().enumerate() {
                    let step = shared[index].lock().unwrap().step(0, None)?;
                    nodes[index] = step.node;
                    let first = step.reply.context("a first sync message")?;
                    let message = peer.document_message("request", id, &first);
                    peer.socket.send(message).await?;
                }
                let mut synced = 0;
                let mut baseline: Vec<Option<usize>> = vec![None; layers.len()];
                // Give up after two minutes without a document message (the
                // first sync of hundreds of followers can itself take that).
                let quiet_limit = Duration::from_secs(120);
                let mut stop_at = tokio::time::Instant::now() + deadline + quiet_limit;
                loop {
                    let frame = match tokio::time::timeout_at(stop_at, peer.socket.next()).await {
                        Err(_) => bail!("timed out"),
                        Ok(None) => bail!("socket ended"),
                        Ok(Some(Err(error))) => bail!("socket error: {error}"),
                        Ok(Some(Ok(Message::Binary(frame)))) => {
                            stop_at = tokio::time::Instant::now() + quiet_limit;
                            frame
                        }
                        Ok(Some(Ok(Message::Close(frame)))) => bail!("closed: {frame:?}"),
                        Ok(Some(Ok(_))) => continue,
                    };
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
                    let (node, reply, count) = {
                        let mut states = shared[index].lock().unwrap();
                        let step = states.step(nodes[index], Some(&received.data))?;
                        (step.node, step.reply, states.nodes[step.node].strokes)
                    };
                    nodes[index] = node;
                    if let Some(reply) = reply {
                        let message = peer.document_message("sync", &received.document_id, &reply);
                        peer.socket.send(message).await?;
                    }
                    let now = Instant::now();
                    let Some(count) = count else { continue };
                    let Some(base) = baseline[index] else {
                        // Strokes of earlier runs are history, not deliveries.
                        baseline[index] = Some(count);
                        seen[index] = count;
                        synced += 1;
                        if synced == layers.len()
                            && ready.fetch_add(1, Ordering::SeqCst) + 1 == followers
                        {
                            all_ready.notify_one();
                        }
                        continue;
                    };
                    if count > seen[index] {
                        let times = sent[index].lock().unwrap();
                        for stroke in seen[index]..count {
                            if let Some(at) = times.get(stroke - base) {
                                report.latencies.push(now.saturating_duration_since(*at));
                            }
                        }
                        seen[index] = count;
                    }
                    if seen
                        .iter()
                        .zip(&baseline)
                        .all(|(seen, base)| *seen >= base.unwrap_or(usize::MAX / 2) + per_document)
                    {
                        return Ok(());
                    }
                }
            }
            .await;
            report.error = result.err().map(|e| format!("{e:#}"));
            // Keep the socket open until every follower is done, so the
            // server's work for others is not cut short by closes.
            (report, peer)
        });
    }

    // Every follower has its copy: the server's memory per follower now.
    wait_until_synced(&all_ready, &ready, shape.followers).await?;
    let time_to_sync = connecting_since.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let connected = sample(bench.options.pid);

    // The writer: the chair, on all the documents.
    let mut writer = Peer::connect(bench, "chutri", &format!("{run_tag}-writer")).await?;
    let mut docs: Vec<PeerDocument> = layers.iter().cloned().map(PeerDocument::new).collect();
    writer.request_all(&mut docs).await?;
    loop {
        for document in docs.iter_mut() {
            document.stroke_count();
        }
        if docs.iter().all(|d| d.strokes.is_some()) {
            break;
        }
        let Some(Ok(Message::Binary(frame))) =
            tokio::time::timeout(Duration::from_secs(30), writer.socket.next())
                .await
                .context("the writer's first sync")?
        else {
            continue;
        };
        writer.handle(&frame, &mut docs).await?;
    }
    // Let the exchange settle (the last acknowledgements).
    let settle_until = tokio::time::Instant::now() + Duration::from_millis(500);
    while let Ok(Some(Ok(Message::Binary(frame)))) =
        tokio::time::timeout_at(settle_until, writer.socket.next()).await
    {
        writer.handle(&frame, &mut docs).await?;
    }

    let before = sample(bench.options.pid);
    let client_before = own_cpu();
    let started = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / shape.strokes_per_second);
    let mut next_stroke = tokio::time::Instant::now();
    let points: Vec<u8> = (0..192u8).collect();
    let mut written = 0;
    let results = async {
        let mut done = Vec::new();
        while let Some(result) = tasks.join_next().await {
            done.push(result);
        }
        done
    };
    tokio::pin!(results);
    let outcome = loop {
        tokio::select! {
            done = &mut results => break done,
            _ = tokio::time::sleep_until(next_stroke), if written < strokes => {
                let index = written % documents;
                let document = &mut docs[index];
                append_stroke(&mut document.doc, &format!("{run_tag}-{written}"), &points, None)?;
                sent[index].lock().unwrap().push(Instant::now());
                if let Some(message) = document.doc.generate_sync_message(&mut document.state) {
                    let id = document.id.clone();
                    let frame = writer.document_message("sync", &id, &message.encode());
                    writer.socket.send(frame).await?;
                }
                written += 1;
                next_stroke += interval;
            }
            incoming = writer.socket.next() => {
                match incoming {
                    Some(Ok(Message::Binary(frame))) => { writer.handle(&frame, &mut docs).await?; }
                    Some(Ok(Message::Close(frame))) => bail!("the server closed the writer's socket: {frame:?}"),
                    Some(Ok(_)) => {}
                    other => bail!("the writer's socket ended: {other:?}"),
                }
            }
        }
    };
    let elapsed = started.elapsed();
    let after = sample(bench.options.pid);
    let client_cpu = own_cpu() - client_before;

    let mut latencies = Vec::with_capacity(strokes * shape.followers);
    let mut errors = Vec::new();
    let mut sockets = Vec::new();
    for result in outcome {
        let (report, peer) = result?;
        latencies.extend(report.latencies);
        if let Some(error) = report.error {
            errors.push(error);
        }
        sockets.push(peer.socket);
    }
    for mut socket in sockets {
        let _ = socket.close(None).await;
    }
    let _ = writer.socket.close(None).await;
    latencies.sort();
    let deliveries = latencies.len();
    let expected = strokes * shape.followers;
    let server_cpu = after.cpu.saturating_sub(before.cpu);
    // An allocator that reuses memory freed before (the tickets' and
    // upgrades' own garbage) can hold every follower without growing:
    // then the growth says nothing, and the line says so.
    let grown_kb = connected.rss_kb.saturating_sub(before_connect.rss_kb);
    let per_follower = if grown_kb == 0 {
        format!(
            "RSS did not grow ({} → {} MB): followers fit in memory freed earlier",
            before_connect.rss_kb / 1024,
            connected.rss_kb / 1024
        )
    } else {
        format!(
            "{:.1} kB per follower",
            grown_kb as f64 / shape.followers.max(1) as f64
        )
    };
    let mut figures = format!(
        "delivered {deliveries}/{expected}; p50 {} p99 {} max {}; server CPU {:.0} µs/delivery ({:.2} s); \
         load generator CPU {:.0} µs/delivery; RSS {} MB ({per_follower} once synced); \
         followers connected and synced in {:.1} s; strokes over {:.1} s",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
        server_cpu.as_secs_f64() * 1e6 / deliveries.max(1) as f64,
        server_cpu.as_secs_f64(),
        client_cpu.as_secs_f64() * 1e6 / deliveries.max(1) as f64,
        after.rss_kb / 1024,
        time_to_sync.as_secs_f64(),
        elapsed.as_secs_f64(),
    );
    if !errors.is_empty() {
        figures.push_str(&format!(
            "; {} followers failed, first: {}",
            errors.len(),
            errors[0]
        ));
    }
    Ok(Row {
        scenario: format!(
            "sync fan-out: {strokes} strokes at {}/s → {} followers of {documents} document{}",
            shape.strokes_per_second,
            shape.followers,
            if documents == 1 { "" } else { "s" }
        ),
        figures,
    })
}
