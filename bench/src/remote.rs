//! Scenario `remote`: what a remote point (điểm cầu) receives on `/live`
//! while it follows a typical one-hour meeting on its big screen (issue 8:
//! the target is under 1 kB/s on average, against the roughly 1 Mbit/s of
//! a screen share).
//!
//! The hour is scripted and replayed compressed in time (about a minute):
//! the bytes a follower receives depend on the events, not on how fast
//! they come, except for the keepalive, which the real client sends every
//! 25 s and is added for a full hour from one measured exchange. Counted:
//! every websocket frame the remote point receives (payload and frame
//! header), the welcome snapshot apart (it is paid once per connection).
//! A wire estimate adds TLS 1.3 (22 bytes per record) and TCP/IP (52 bytes
//! per segment) for each message, one record and one segment per message.
//!
//! Not counted: the agenda pack (downloaded before the meeting), and ink,
//! which travels over `/sync` (see the `sync` scenario).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::{request, Bench, Row, Socket};

/// The script of the hour.
const MINUTES: u64 = 60;
/// The presenter turns a page every 30 s.
const PAGE_CHANGES: u64 = MINUTES * 2;
/// Agenda items taken in the hour (each moves everyone to its document).
const AGENDA_ITEMS: u64 = 5;
const SPEAKER_TURNS: u64 = 12;
const VOTES: u64 = 3;
/// Delegates in the room who check in, speak and vote.
const DELEGATES: usize = 26;
const ANNOUNCEMENTS: u64 = 4;
/// The real client's keepalive (`client-web/src/live/connection.ts`).
const KEEPALIVE_SECONDS: u64 = 25;
/// Per message on the wire, beyond the websocket frame: a TLS 1.3 record
/// (5 header + 1 type + 16 tag) and TCP/IP headers (20 + 20 + 12 options).
const TLS_RECORD_OVERHEAD: u64 = 22;
const TCP_IP_OVERHEAD: u64 = 52;
/// What a screen share needs, for comparison: about 1 Mbit/s.
const SCREEN_SHARE_BYTES_PER_SECOND: f64 = 1_000_000.0 / 8.0;
/// The real time the hour is compressed into (about).
const REPLAY_SECONDS: f64 = 60.0;

/// The websocket frame header of a server frame (unmasked) of `len` bytes.
fn frame_header(len: usize) -> u64 {
    match len {
        0..=125 => 2,
        126..=65535 => 4,
        _ => 10,
    }
}

/// What the remote point received: frames and bytes (payload + frame
/// headers).
#[derive(Default)]
struct Received {
    messages: AtomicU64,
    bytes: AtomicU64,
    /// Bytes by message `type`, to see which events cost what.
    by_type: Mutex<BTreeMap<String, (u64, u64)>>,
}

/// The remote point's socket: counts everything until `stop`, answering
/// nothing (a big screen only follows).
fn count_everything(
    mut socket: Socket,
    received: Arc<Received>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Socket> {
    tokio::spawn(async move {
        while !stop.load(Ordering::SeqCst) {
            let Ok(next) = tokio::time::timeout(Duration::from_millis(200), socket.next()).await
            else {
                continue;
            };
            let len = match next {
                Some(Ok(Message::Text(text))) => {
                    let kind = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|m| m["type"].as_str().map(str::to_owned))
                        .unwrap_or_else(|| "?".into());
                    let mut by_type = received.by_type.lock().expect("by_type");
                    let entry = by_type.entry(kind).or_default();
                    entry.0 += 1;
                    entry.1 += text.len() as u64 + frame_header(text.len());
                    text.len()
                }
                Some(Ok(Message::Binary(bytes))) => bytes.len(),
                Some(Ok(Message::Ping(bytes) | Message::Pong(bytes))) => bytes.len(),
                Some(Ok(_)) => 0,
                _ => break,
            };
            received.messages.fetch_add(1, Ordering::Relaxed);
            received
                .bytes
                .fetch_add(len as u64 + frame_header(len), Ordering::Relaxed);
        }
        socket
    })
}

/// Sends one request with a fresh id and fails unless it is accepted.
async fn ok(socket: &mut Socket, next_id: &mut u64, mut body: Value) -> anyhow::Result<()> {
    *next_id += 1;
    body["id"] = json!(*next_id);
    let reply = request(socket, body.clone()).await?;
    if reply["type"] != "ok" {
        bail!("{body} refused: {reply}");
    }
    Ok(())
}

/// Opens a vote and returns its id, from the `vote_opened` event (which
/// may arrive before or after the `ok`).
async fn open_vote(
    socket: &mut Socket,
    next_id: &mut u64,
    mut body: Value,
) -> anyhow::Result<String> {
    *next_id += 1;
    body["id"] = json!(*next_id);
    socket.send(Message::text(body.to_string())).await?;
    let (mut accepted, mut vote_id) = (false, None);
    while !accepted || vote_id.is_none() {
        let message: Value = match socket.next().await {
            Some(Ok(Message::Text(text))) => serde_json::from_str(&text)?,
            Some(Ok(_)) => continue,
            other => bail!("chair socket ended: {other:?}"),
        };
        if message["id"] == body["id"] {
            if message["type"] != "ok" {
                bail!("{body} refused: {message}");
            }
            accepted = true;
        } else if message["type"] == "vote_opened" {
            vote_id = message["vote"]["id"].as_str().map(str::to_owned);
        }
    }
    vote_id.context("vote id")
}

/// The welcome's participants, by display name.
fn user_id_of(welcome: &Value, display_name: &str) -> anyhow::Result<String> {
    welcome["state"]["participants"]
        .as_array()
        .context("participants")?
        .iter()
        .find(|p| p["display_name"] == display_name)
        .and_then(|p| p["user_id"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("{display_name} in the meeting"))
}

pub async fn remote_point(bench: &Bench) -> anyhow::Result<Row> {
    // The meeting's real agenda items and documents, for realistic
    // positions.
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
    let items: Vec<(String, String)> = meeting["agenda"]
        .as_array()
        .context("agenda")?
        .iter()
        .filter_map(|item| {
            let document = item["documents"][0]["id"].as_str()?;
            Some((item["id"].as_str()?.to_owned(), document.to_owned()))
        })
        .collect();
    if items.is_empty() {
        bail!("the demo meeting has no agenda document to present");
    }

    let (remote, welcome_message) = bench.connect("diemcau01", "remote-bigscreen").await?;
    let welcome_bytes = welcome_message.to_string().len() as u64;
    let participants = welcome_message["state"]["participants"]
        .as_array()
        .map_or(0, Vec::len);
    let (mut chair, welcome) = bench.connect("chutri", "remote-chair").await?;
    let mut chair_id = 0;
    let mut delegates = Vec::with_capacity(DELEGATES);
    for index in 0..DELEGATES {
        let username = bench.delegate(index);
        let (socket, _) = bench
            .connect(&username, &format!("remote-delegate-{index}"))
            .await?;
        let name = format!("Đại biểu {:02}", index + 1);
        delegates.push((socket, user_id_of(&welcome, &name)?, 0u64));
    }

    let received = Arc::new(Received::default());
    let stop = Arc::new(AtomicBool::new(false));
    let counter = count_everything(remote, received.clone(), stop.clone());
    // Every scripted event is one step; steps are spread over the replay.
    let steps = PAGE_CHANGES
        + SPEAKER_TURNS * 3
        + VOTES * (DELEGATES as u64 + 2)
        + DELEGATES as u64
        + ANNOUNCEMENTS;
    let pause = Duration::from_secs_f64(REPLAY_SECONDS / steps as f64);
    let started = Instant::now();

    // Check-in at the start; three come late and are marked by the chair.
    for (index, (socket, user_id, next_id)) in delegates.iter_mut().enumerate() {
        if index < DELEGATES - 3 {
            ok(socket, next_id, json!({ "type": "check_in" })).await?;
        } else {
            ok(
                &mut chair,
                &mut chair_id,
                json!({ "type": "set_attendance", "user_id": user_id, "status": "late" }),
            )
            .await?;
        }
        tokio::time::sleep(pause).await;
    }

    // The body of the hour: page turns, with speakers, votes and
    // announcements spread among them.
    let pages_per_item = PAGE_CHANGES / AGENDA_ITEMS;
    let speak_every = PAGE_CHANGES / SPEAKER_TURNS;
    let vote_every = PAGE_CHANGES / VOTES;
    let announce_every = PAGE_CHANGES / ANNOUNCEMENTS;
    let (mut turns, mut votes, mut announcements) = (0, 0, 0);
    for change in 0..PAGE_CHANGES {
        let (item_id, document_id) = &items[(change / pages_per_item) as usize % items.len()];
        let page = change % pages_per_item + 1;
        ok(
            &mut chair,
            &mut chair_id,
            json!({ "type": "set_follow", "position": { "agenda_item_id": item_id, "document_id": document_id, "page": page } }),
        )
        .await?;
        tokio::time::sleep(pause).await;

        if change % speak_every == speak_every / 2 && turns < SPEAKER_TURNS {
            let (socket, user_id, next_id) = &mut delegates[turns as usize % DELEGATES];
            ok(socket, next_id, json!({ "type": "request_floor" })).await?;
            tokio::time::sleep(pause).await;
            ok(
                &mut chair,
                &mut chair_id,
                json!({ "type": "give_floor", "user_id": user_id }),
            )
            .await?;
            tokio::time::sleep(pause).await;
            ok(socket, next_id, json!({ "type": "end_turn" })).await?;
            tokio::time::sleep(pause).await;
            turns += 1;
        }

        if change % vote_every == vote_every - 1 && votes < VOTES {
            let vote_id = open_vote(
                &mut chair,
                &mut chair_id,
                json!({ "type": "open_vote", "agenda_item_id": item_id, "question": format!("Thông qua nội dung số {}?", votes + 1), "secret": votes == VOTES - 1 }),
            )
            .await?;
            tokio::time::sleep(pause).await;
            for (index, (socket, _, next_id)) in delegates.iter_mut().enumerate() {
                ok(
                    socket,
                    next_id,
                    json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": usize::from(index % 9 == 0) }),
                )
                .await?;
                tokio::time::sleep(pause).await;
            }
            ok(
                &mut chair,
                &mut chair_id,
                json!({ "type": "close_vote", "vote_id": vote_id }),
            )
            .await?;
            tokio::time::sleep(pause).await;
            votes += 1;
        }

        if change % announce_every == announce_every / 3 && announcements < ANNOUNCEMENTS {
            ok(
                &mut chair,
                &mut chair_id,
                json!({ "type": "announce", "text": "Đề nghị các đại biểu tập trung, giữ trật tự; giải lao 10 phút lúc 9 giờ 30." }),
            )
            .await?;
            tokio::time::sleep(pause).await;
            announcements += 1;
        }
    }
    // Let the last events arrive, then stop counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    let mut remote = counter.await?;
    let replayed_in = started.elapsed();
    let event_messages = received.messages.load(Ordering::Relaxed);
    let event_bytes = received.bytes.load(Ordering::Relaxed);
    let breakdown = received
        .by_type
        .lock()
        .expect("by_type")
        .iter()
        .map(|(kind, (count, bytes))| {
            format!("{kind} {count} × {:.0} B", *bytes as f64 / *count as f64)
        })
        .collect::<Vec<_>>()
        .join(", ");

    // One keepalive exchange, measured: the request sent and the reply
    // received; the hour has 3600 / 25 of them.
    let ping = json!({ "type": "ping", "id": 1_000_000 });
    let ping_len = ping.to_string().len();
    remote.send(Message::text(ping.to_string())).await?;
    let reply_len = loop {
        match remote.next().await {
            Some(Ok(Message::Text(text))) => {
                let message: Value = serde_json::from_str(&text)?;
                if message["id"] == json!(1_000_000) {
                    break text.len();
                }
            }
            Some(Ok(_)) => continue,
            other => bail!("remote socket ended: {other:?}"),
        }
    };
    let keepalives = MINUTES * 60 / KEEPALIVE_SECONDS;
    let keepalive_bytes = keepalives * (reply_len as u64 + frame_header(reply_len));
    // What the client sends for it (masked frames: 4 more bytes).
    let keepalive_sent = keepalives * (ping_len as u64 + frame_header(ping_len) + 4);

    let hour_bytes = event_bytes + keepalive_bytes;
    let hour_messages = event_messages + keepalives;
    let wire_bytes = hour_bytes + hour_messages * (TLS_RECORD_OVERHEAD + TCP_IP_OVERHEAD);
    let per_second = hour_bytes as f64 / 3600.0;
    let wire_per_second = wire_bytes as f64 / 3600.0;
    Ok(Row {
        scenario: format!(
            "remote point, one scripted hour ({PAGE_CHANGES} page turns over {AGENDA_ITEMS} items, {SPEAKER_TURNS} speakers, {VOTES} votes × {DELEGATES} ballots, {DELEGATES} check-ins, {ANNOUNCEMENTS} announcements) replayed in {:.0} s",
            replayed_in.as_secs_f64()
        ),
        figures: format!(
            "received {hour_messages} messages, {:.1} kB in the hour ({:.1} kB events + {:.1} kB keepalive replies; it sends {:.1} kB of keepalives) = {per_second:.2} B/s average ({:.2}% of the 1 kB/s target); on the wire with TLS and TCP/IP ≈ {:.1} kB/h = {wire_per_second:.1} B/s; a 1 Mbit/s screen share moves {:.0} MB/h, {:.0}× more; welcome snapshot {:.1} kB once per connection ({participants} participants); events: {breakdown}",
            hour_bytes as f64 / 1000.0,
            event_bytes as f64 / 1000.0,
            keepalive_bytes as f64 / 1000.0,
            keepalive_sent as f64 / 1000.0,
            per_second / 10.0,
            wire_bytes as f64 / 1000.0,
            SCREEN_SHARE_BYTES_PER_SECOND * 3600.0 / 1e6,
            SCREEN_SHARE_BYTES_PER_SECOND / wire_per_second,
            welcome_bytes as f64 / 1000.0,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_headers_follow_rfc_6455_lengths() {
        assert_eq!(frame_header(0), 2);
        assert_eq!(frame_header(125), 2);
        assert_eq!(frame_header(126), 4);
        assert_eq!(frame_header(65_535), 4);
        assert_eq!(frame_header(65_536), 10);
    }
}
