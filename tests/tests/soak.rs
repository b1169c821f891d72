//! A seeded, replayable fault simulation of a meeting: 3 to 20 delegates'
//! tablets cast ballots, queue to speak and write notes into their shared
//! annotation layers (each delegate's own Automerge document over `/sync`,
//! which only its author writes; written offline too), while the
//! simulation drops and reconnects their sockets, takes tablets offline,
//! waits random delays, wipes a tablet now and then, and kills the server
//! with SIGKILL and restarts it. When it settles, no acknowledged ballot is
//! lost, none is counted twice, every tablet sees the same result, no note
//! the server acknowledged is lost (even when the tablet that wrote it was
//! wiped), and every tablet holds the server's copy of its layer.
//!
//! CI runs the fixed seeds below; `make soak` runs many
//! (`PHONGHOP_SOAK_SEEDS=N`, seeds from the clock, each printed). A failing
//! seed prints the command that replays it (`PHONGHOP_SOAK_SEED=…`).
//! What it does not do: reorder messages within a connection (TCP does
//! not either; reordering happens across connections, which it does).

#[path = "support/live_client.rs"]
mod live_client;
#[path = "support/sync_client.rs"]
mod sync_client;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use live_client::{live_url, LiveClient};
use phonghop_e2e::{demo_meeting_id, free_port, logged_in, Server, ServerOptions};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc, ROOT};

const FIXED_SEEDS: [u64; 5] = [20261201, 7, 4242, 99, 123456];

fn seeds() -> Vec<u64> {
    if let Ok(seed) = std::env::var("PHONGHOP_SOAK_SEED") {
        return vec![seed.parse().expect("PHONGHOP_SOAK_SEED is a number")];
    }
    match std::env::var("PHONGHOP_SOAK_SEEDS") {
        Ok(count) => {
            let count: u64 = count.parse().expect("PHONGHOP_SOAK_SEEDS is a number");
            let base = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            (0..count).map(|i| base * 100 + i).collect()
        }
        Err(_) => FIXED_SEEDS.to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_vote_survives_drops_and_server_kills_with_every_ballot_counted_once() {
    for seed in seeds() {
        println!("soak seed {seed}");
        let outcome = tokio::spawn(simulate(seed)).await;
        if let Err(error) = outcome {
            eprintln!(
                "soak seed {seed} failed; replay it with:\n    PHONGHOP_SOAK_SEED={seed} cargo test -p phonghop-e2e --test soak -- --nocapture"
            );
            std::panic::resume_unwind(error.into_panic());
        }
    }
}

fn start(dir: &Path, port: u16) -> Server {
    Server::start(
        dir,
        ServerOptions {
            demo: true,
            port: Some(port),
            ..ServerOptions::default()
        },
    )
}

/// A tablet's sockets (nothing while it is offline) and its own copy of its
/// delegate's shared layer.
struct Tablet {
    login: reqwest::Client,
    device: String,
    live: Option<LiveClient>,
    sync: Option<sync_client::Socket>,
    peer_id: String,
    /// The delegate's own shared layer (the one they may write).
    layer_id: String,
    layer: Automerge,
    layer_state: automerge::sync::State,
    /// Notes this tablet wrote that are still in its copy.
    written: BTreeSet<String>,
}

/// Opens `/sync` and joins, or `None` if the server is not there.
async fn try_sync(
    server: &Server,
    login: &reqwest::Client,
    device: &str,
) -> Option<(sync_client::Socket, String)> {
    let answer: Value = login
        .post(server.url("/api/v1/auth/ws-ticket"))
        .json(&json!({ "device_id": device }))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let ticket = answer["ticket"].as_str()?;
    let peer_id = answer["peer_id"].as_str()?.to_owned();
    let mut socket = sync_client::open(&sync_client::sync_url(server, Some(ticket)), &[])
        .await
        .ok()?;
    let join = sync_client::encode_map(&[
        ("type", sync_client::Value::Text("join")),
        ("senderId", sync_client::Value::Text(&peer_id)),
        (
            "supportedProtocolVersions",
            sync_client::Value::Array(&["1"]),
        ),
    ]);
    socket.send(Message::Binary(join.into())).await.ok()?;
    match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
        Ok(Some(Ok(Message::Binary(bytes)))) => {
            let fields = sync_client::decode_map(&bytes)?;
            (fields.get("type") == Some(&sync_client::Field::Text("peer".into())))
                .then_some((socket, peer_id))
        }
        _ => None,
    }
}

/// Exchanges sync messages about the tablet's layer until the server's
/// heads cover this tablet's (the server sends heads only once they are
/// stored) and, with `settle`, until nothing more arrives for a while.
/// `false` when the connection failed first.
async fn exchange(tablet: &mut Tablet, settle: bool) -> bool {
    let layer_id = tablet.layer_id.clone();
    let layer_id = layer_id.as_str();
    let Some(socket) = tablet.sync.as_mut() else {
        return false;
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let covers = |server_heads: &[automerge::ChangeHash], layer: &Automerge| {
        layer
            .get_heads()
            .iter()
            .all(|head| server_heads.contains(head))
    };
    // What the server last said it has may already cover this copy.
    let mut covered = tablet
        .layer_state
        .their_heads
        .as_deref()
        .is_some_and(|heads| covers(heads, &tablet.layer));
    loop {
        if let Some(message) = tablet.layer.generate_sync_message(&mut tablet.layer_state) {
            let frame = sync_client::encode_map(&[
                ("type", sync_client::Value::Text("sync")),
                ("senderId", sync_client::Value::Text(&tablet.peer_id)),
                (
                    "targetId",
                    sync_client::Value::Text(sync_client::SERVER_PEER_ID),
                ),
                ("documentId", sync_client::Value::Text(layer_id)),
                ("data", sync_client::Value::Bytes(&message.encode())),
            ]);
            if socket.send(Message::Binary(frame.into())).await.is_err() {
                return false;
            }
        }
        if covered && !settle {
            return true;
        }
        let quiet = if covered {
            Duration::from_millis(300)
        } else {
            Duration::from_secs(5)
        };
        let wait = quiet.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        let frame = match tokio::time::timeout(wait, socket.next()).await {
            Err(_) => return covered,
            Ok(Some(Ok(Message::Binary(bytes)))) => bytes,
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Ok(_) => return false,
        };
        let Some(fields) = sync_client::decode_map(&frame) else {
            return false;
        };
        if fields.get("type") != Some(&sync_client::Field::Text("sync".into())) {
            continue;
        }
        let Some(sync_client::Field::Bytes(data)) = fields.get("data") else {
            return false;
        };
        let message =
            automerge::sync::Message::decode(data).expect("the server's sync data decodes");
        let server_heads = message.heads.clone();
        tablet
            .layer
            .receive_sync_message(&mut tablet.layer_state, message)
            .expect("the server's changes apply");
        covered = covers(&server_heads, &tablet.layer);
    }
}

/// The notes (keys under `notes`) in a copy of the layer.
fn notes_in(layer: &Automerge) -> BTreeSet<String> {
    match layer.get(ROOT, "notes") {
        Ok(Some((_, notes))) => layer.keys(&notes).collect(),
        _ => BTreeSet::new(),
    }
}

/// Writes a note into the tablet's own copy (online or not). A tablet
/// whose copy was wiped has no `notes` map until it syncs again, and does
/// not write (a second map would hide the first).
fn write_note(tablet: &mut Tablet, key: String) -> bool {
    let Ok(Some((_, notes))) = tablet.layer.get(ROOT, "notes") else {
        return false;
    };
    let mut tx = tablet.layer.transaction();
    tx.put(&notes, &key, "ghi chú trong lúc mạng chập chờn")
        .unwrap();
    tx.commit();
    tablet.written.insert(key);
    true
}

/// Brings a tablet's missing sockets back, if the server is there.
async fn rejoin(tablet: &mut Tablet, server: &Server, meeting_id: &str) {
    if tablet.live.is_none() {
        tablet.live = try_join(server, &tablet.login, &tablet.device, meeting_id).await;
    }
    if tablet.sync.is_none() {
        if let Some((socket, peer_id)) = try_sync(server, &tablet.login, &tablet.device).await {
            tablet.sync = Some(socket);
            tablet.peer_id = peer_id;
            tablet.layer_state = automerge::sync::State::new();
        }
    }
}

/// Goes offline: both sockets dropped, the sync state with them.
fn go_offline(tablet: &mut Tablet) {
    tablet.live = None;
    tablet.sync = None;
    tablet.layer_state = automerge::sync::State::new();
}

/// Joins, or `None` if the server is not there (it may be restarting).
async fn try_join(
    server: &Server,
    login: &reqwest::Client,
    device: &str,
    meeting_id: &str,
) -> Option<LiveClient> {
    let answer = login
        .post(server.url("/api/v1/auth/ws-ticket"))
        .json(&json!({ "device_id": device }))
        .send()
        .await
        .ok()?;
    let ticket: Value = answer.json().await.ok()?;
    let url = live_url(server, ticket["ticket"].as_str()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.ok()?;
    socket
        .send(Message::text(
            json!({ "type": "hello", "protocol_version": 1, "meeting_id": meeting_id, "device_id": device }).to_string(),
        ))
        .await
        .ok()?;
    match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
        Ok(Some(Ok(Message::Text(text)))) => {
            let welcome: Value = serde_json::from_str(&text).ok()?;
            (welcome["type"] == "welcome").then(|| LiveClient::hello_done(socket))
        }
        _ => None,
    }
}

/// Sends a request; `None` when the connection died before the answer
/// (the request may or may not have been stored).
async fn try_request(live: &mut LiveClient, id: u64, mut body: Value) -> Option<String> {
    body["id"] = json!(id);
    live.socket
        .send(Message::text(body.to_string()))
        .await
        .ok()?;
    read_reply(live, id).await
}

/// The answer to request `id`, or `None` if the connection ends first.
async fn read_reply(live: &mut LiveClient, id: u64) -> Option<String> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), live.socket.next())
            .await
            .ok()??
            .ok()?;
        let Message::Text(text) = message else {
            if let Message::Close(_) = message {
                return None;
            }
            continue;
        };
        let reply: Value = serde_json::from_str(&text).ok()?;
        if reply["id"] == json!(id) && (reply["type"] == "ok" || reply["type"] == "error") {
            return Some(if reply["type"] == "ok" {
                "ok".to_owned()
            } else {
                reply["code"].as_str().unwrap_or("?").to_owned()
            });
        }
    }
}

async fn simulate(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let devices = rng.gen_range(3..=20usize);
    let steps = rng.gen_range(30..80usize);
    println!("seed {seed}: {devices} tablets, {steps} steps");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = start(dir.path(), port);
    let chair_login = logged_in(&server, "chutri", "demo").await;
    let meeting_id = demo_meeting_id(&chair_login, &server).await;
    let (mut chair, _) = LiveClient::join(&server, &chair_login, "chair", &meeting_id).await;
    let opened = chair
        .outcome(json!({ "type": "open_vote", "question": "Thông qua báo cáo?", "eligibility": "all_voting_members" }))
        .await;
    assert_eq!(opened, "ok");
    let vote_id = chair.event("vote_opened").await["vote"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut tablets = Vec::new();
    for index in 1..=devices {
        let login = logged_in(&server, &format!("daibieu{index:02}"), "demo").await;
        let layer_id =
            sync_client::writable_document(&login, &server, &meeting_id, "shared_layer").await;
        let device = format!("tablet-{index:02}");
        let live = try_join(&server, &login, &device, &meeting_id).await;
        assert!(live.is_some(), "tablet {index} joins");
        let (sync, peer_id) = try_sync(&server, &login, &device)
            .await
            .expect("tablet opens /sync");
        let mut tablet = Tablet {
            login,
            device,
            live,
            sync: Some(sync),
            peer_id,
            layer_id,
            layer: Automerge::new(),
            layer_state: automerge::sync::State::new(),
            written: BTreeSet::new(),
        };
        assert!(
            exchange(&mut tablet, true).await,
            "tablet {index} gets the shared layer"
        );
        tablets.push(tablet);
    }
    // Notes the server acknowledged (its heads covered them): never lost.
    let mut acknowledged_notes = BTreeSet::new();
    let mut notes_written = 0;
    let mut wipes = 0;
    // Ballots the server acknowledged; each must be counted, once.
    let mut acknowledged = BTreeSet::new();
    let mut next_id = 1u64;
    let (mut kills, mut drops, mut cut_off) = (0, 0, 0);
    for step in 0..steps {
        let index = rng.gen_range(0..devices);
        let roll = rng.gen_range(0..100);
        next_id += 1;
        match roll {
            0..=44 => {
                let choice = rng.gen_range(0..3usize);
                let tablet = &mut tablets[index];
                if let Some(live) = tablet.live.as_mut() {
                    let body =
                        json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": choice });
                    match try_request(live, next_id, body).await.as_deref() {
                        Some("ok") => {
                            assert!(
                                acknowledged.insert(index),
                                "step {step}: a second ballot of tablet {index} was accepted"
                            );
                        }
                        Some("already_voted") => {
                            // Only if an earlier ballot of this tablet reached
                            // the server (acknowledged, or cut off by a kill).
                        }
                        Some(other) => panic!("step {step}: ballot answered {other}"),
                        None => {
                            cut_off += 1;
                            tablet.live = None;
                        }
                    }
                }
            }
            45..=57 => {
                let kind = if rng.gen_bool(0.5) {
                    "request_floor"
                } else {
                    "withdraw_floor"
                };
                let tablet = &mut tablets[index];
                if let Some(live) = tablet.live.as_mut() {
                    if try_request(live, next_id, json!({ "type": kind }))
                        .await
                        .is_none()
                    {
                        tablet.live = None;
                    }
                }
            }
            58..=71 => {
                // A note, written whether the tablet is online or not; sent
                // at once when it is.
                let tablet = &mut tablets[index];
                if write_note(tablet, format!("s{seed}-t{index}-{step}")) {
                    notes_written += 1;
                }
                if tablet.sync.is_some() {
                    if exchange(tablet, false).await {
                        acknowledged_notes.extend(tablet.written.iter().cloned());
                    } else {
                        go_offline(tablet);
                    }
                }
            }
            72..=81 => {
                // The WiFi drops.
                let tablet = &mut tablets[index];
                if tablet.live.is_some() || tablet.sync.is_some() {
                    drops += 1;
                }
                go_offline(tablet);
            }
            82..=92 => rejoin(&mut tablets[index], &server, &meeting_id).await,
            93..=94 => {
                // The tablet is reset: what only it held is gone; what the
                // server acknowledged must not be.
                let tablet = &mut tablets[index];
                go_offline(tablet);
                tablet.layer = Automerge::new();
                tablet.written.clear();
                wipes += 1;
            }
            _ => {
                // The server is killed and comes back.
                // A ballot is on its way when the kill comes (0-4 ms later):
                // it is acknowledged or not, and either way counted once.
                kills += 1;
                // The victim: a tablet online that has no acknowledged ballot.
                let candidates: Vec<usize> = (0..devices)
                    .filter(|i| tablets[*i].live.is_some() && !acknowledged.contains(i))
                    .collect();
                let victim = if candidates.is_empty() {
                    rng.gen_range(0..devices)
                } else {
                    candidates[rng.gen_range(0..candidates.len())]
                };
                let in_flight = next_id;
                let mut sent = false;
                if let Some(live) = tablets[victim].live.as_mut() {
                    let body = json!({ "type": "cast_ballot", "id": in_flight, "vote_id": vote_id, "choice": 1 });
                    sent = live
                        .socket
                        .send(Message::text(body.to_string()))
                        .await
                        .is_ok();
                }
                tokio::time::sleep(Duration::from_micros(rng.gen_range(0..4_000))).await;
                server.signal("KILL");
                server.wait_exit(Duration::from_secs(10)).expect("killed");
                if sent {
                    let live = tablets[victim].live.as_mut().unwrap();
                    match read_reply(live, in_flight).await.as_deref() {
                        Some("ok") => assert!(
                            acknowledged.insert(victim),
                            "step {step}: a second ballot of tablet {victim} was accepted"
                        ),
                        Some("already_voted") => {}
                        Some(other) => panic!("step {step}: ballot answered {other}"),
                        None => cut_off += 1,
                    }
                }
                for tablet in &mut tablets {
                    go_offline(tablet);
                }
                server = start(dir.path(), port);
                chair = LiveClient::join(&server, &chair_login, "chair", &meeting_id)
                    .await
                    .0;
            }
        }
        if rng.gen_bool(0.2) {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..200))).await;
        }
    }

    println!(
        "seed {seed}: {kills} server kills, {drops} drops, {wipes} wiped tablets, {cut_off} ballots cut off, {} acknowledged; {notes_written} notes written, {} acknowledged",
        acknowledged.len(),
        acknowledged_notes.len()
    );
    // Settle: everyone back online; every tablet that has no acknowledged
    // ballot casts one. An acknowledged ballot must still be there.
    for (index, tablet) in tablets.iter_mut().enumerate() {
        if tablet.live.is_none() {
            tablet.live = try_join(&server, &tablet.login, &tablet.device, &meeting_id).await;
        }
        let live = tablet.live.as_mut().expect("rejoins after the faults");
        next_id += 1;
        let body = json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": 0 });
        let answer = try_request(live, next_id, body).await.expect("answered");
        if acknowledged.contains(&index) {
            assert_eq!(
                answer, "already_voted",
                "tablet {index}'s acknowledged ballot was lost"
            );
        } else {
            assert!(
                answer == "ok" || answer == "already_voted",
                "tablet {index}: {answer}"
            );
        }
    }
    let closed = chair
        .outcome(json!({ "type": "close_vote", "vote_id": vote_id }))
        .await;
    assert_eq!(closed, "ok");
    let result = chair.event("vote_closed").await;
    let counted: u32 = result["vote"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap() as u32)
        .sum();
    assert_eq!(
        result["vote"]["ballots_cast"],
        json!(devices),
        "one ballot per tablet"
    );
    assert_eq!(
        counted as usize, devices,
        "the tally counts each ballot once"
    );
    // Every tablet, joining afresh, sees the same result and its own ballot.
    for tablet in &tablets {
        let (_, welcome) =
            LiveClient::join(&server, &tablet.login, &tablet.device, &meeting_id).await;
        let vote = welcome["state"]["votes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == json!(vote_id))
            .expect("the vote is in the snapshot")
            .clone();
        assert_eq!(
            vote["result"], result["vote"]["result"],
            "{}",
            tablet.device
        );
        assert_eq!(vote["you_voted"], true, "{}", tablet.device);
    }

    // The notes: every tablet back online sends what it holds; then the
    // server's copy of each layer, seen by a fresh device of the chair (who
    // reads every delegate's layer), has every acknowledged note and every
    // note a tablet still holds, and every tablet ends with exactly the
    // server's copy of its layer.
    for (index, tablet) in tablets.iter_mut().enumerate() {
        rejoin(tablet, &server, &meeting_id).await;
        assert!(
            exchange(tablet, true).await,
            "tablet {index} syncs its notes after the faults"
        );
    }
    let mut stored = BTreeSet::new();
    let mut server_heads = Vec::new();
    for (index, tablet) in tablets.iter().enumerate() {
        let (checker_sync, checker_peer) =
            try_sync(&server, &chair_login, &format!("checker-{index}"))
                .await
                .expect("the checker opens /sync");
        let mut checker = Tablet {
            login: chair_login.clone(),
            device: format!("checker-{index}"),
            live: None,
            sync: Some(checker_sync),
            peer_id: checker_peer,
            layer_id: tablet.layer_id.clone(),
            layer: Automerge::new(),
            layer_state: automerge::sync::State::new(),
            written: BTreeSet::new(),
        };
        assert!(
            exchange(&mut checker, true).await,
            "the checker syncs tablet {index}'s layer"
        );
        stored.extend(notes_in(&checker.layer));
        let mut heads = checker.layer.get_heads();
        heads.sort();
        server_heads.push(heads);
    }
    let lost: Vec<_> = acknowledged_notes.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged notes lost: {lost:?}");
    for (index, tablet) in tablets.iter_mut().enumerate() {
        let expected_heads = &server_heads[index];
        let missing: Vec<_> = tablet.written.difference(&stored).collect();
        assert!(
            missing.is_empty(),
            "tablet {index}'s notes missing on the server: {missing:?}"
        );
        assert!(exchange(tablet, true).await, "tablet {index} catches up");
        let mut heads = tablet.layer.get_heads();
        heads.sort();
        assert_eq!(
            &heads, expected_heads,
            "tablet {index} holds the server's copy of its layer"
        );
    }
}
