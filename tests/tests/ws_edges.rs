//! Hostile and broken clients at the websocket edge, against the real
//! binary: messages over the caps (whole or in fragments), 100,000 tiny
//! fragments, a reader that never reads during a broadcast, a flooding
//! client, handshakes with a huge header or trickled a byte at a time, a
//! foreign `Origin` carrying a valid session cookie on `/live`, and a session ended
//! while its sockets are open. In each case only the offending connection
//! suffers; a bystander is checked to be served.
//!
//! What `live.rs` and `sync_socket.rs` already prove is not repeated here
//! (a foreign origin with a ticket, an oversized single `/sync` frame, the
//! `/sync` rate limit, disabling an account), nor what `tests/js` proves
//! (`/sync` with a cookie from a foreign origin, a claimed peer id).

#[path = "support/live_client.rs"]
mod live_client;
#[path = "support/sync_client.rs"]
mod sync_client;

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use live_client::{live_url, ticket, LiveClient};
use phonghop_e2e::{demo_meeting_id, logged_in, Server, ServerOptions};
use serde_json::{json, Value};
use sync_client::{writable_document, SyncClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

const SECOND: Duration = Duration::from_secs(1);

fn demo_server(dir: &std::path::Path, extra_args: &[&str]) -> Server {
    Server::start(
        dir,
        ServerOptions {
            demo: true,
            extra_args: extra_args.iter().map(|arg| arg.to_string()).collect(),
            ..ServerOptions::default()
        },
    )
}

/// A participant joined to the demo meeting's `/live`.
async fn live_participant(server: &Server, username: &str, device: &str) -> LiveClient {
    let client = logged_in(server, username, "demo").await;
    let meeting_id = demo_meeting_id(&client, server).await;
    LiveClient::join(server, &client, device, &meeting_id)
        .await
        .0
}

/// Waits (at most 10 s) for the server's log to contain `text`: the log
/// is read from its stderr by another thread, a little behind.
async fn logged(server: &Server, text: &str) -> bool {
    let deadline = Instant::now() + 10 * SECOND;
    while Instant::now() < deadline {
        if server.log_text().contains(text) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn still_served(bystander: &mut LiveClient) {
    assert_eq!(
        bystander.outcome(json!({ "type": "ping" })).await,
        "ok",
        "the bystander is still served"
    );
}

/// Sends `payload` as one message split into `fragments` frames: the
/// payload's bytes spread over the first frames, the rest empty.
async fn send_fragmented(
    socket: &mut live_client::Socket,
    opcode: Data,
    payload: &[u8],
    fragments: usize,
) {
    let per_frame = payload.len().div_ceil(fragments).max(1);
    let mut chunks = payload.chunks(per_frame);
    for index in 0..fragments {
        let chunk = chunks.next().unwrap_or(&[]).to_vec();
        let opcode = if index == 0 {
            OpCode::Data(opcode)
        } else {
            OpCode::Data(Data::Continue)
        };
        let frame = Frame::message(chunk, opcode, index + 1 == fragments);
        // The server may close before the last fragment; that is the point
        // of some tests.
        if socket.feed(Message::Frame(frame)).await.is_err() {
            return;
        }
        if index % 1000 == 999 && socket.flush().await.is_err() {
            return;
        }
    }
    let _ = socket.flush().await;
}

#[tokio::test]
async fn a_live_message_over_the_cap_closes_only_that_socket() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &[]);
    let mut bystander = live_participant(&server, "daibieu02", "bystander").await;

    // One frame of 64 KiB + 1.
    let mut whole = live_participant(&server, "daibieu03", "whole").await;
    let padded = format!("{{\"type\":\"ping\",\"id\":1{}}}", " ".repeat(64 * 1024));
    whole.socket.send(Message::text(padded)).await.unwrap();
    assert_eq!(whole.closed(10 * SECOND).await, Some(1008));

    // The same size in 100,000 one-byte fragments: the cap is on the
    // message, not the frame.
    let mut fragments = live_participant(&server, "daibieu04", "fragments").await;
    let payload = vec![b' '; 100_000];
    send_fragmented(&mut fragments.socket, Data::Text, &payload, 100_000).await;
    assert_eq!(fragments.closed(30 * SECOND).await, Some(1008));

    still_served(&mut bystander).await;
    assert!(logged(&server, "live socket error (oversized or broken frame)").await);
}

#[tokio::test]
async fn a_hundred_thousand_tiny_fragments_of_a_valid_message_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &[]);
    let mut bystander = live_participant(&server, "daibieu02", "bystander").await;
    let mut client = live_participant(&server, "daibieu05", "fragments").await;
    let ping = br#"{"type":"ping","id":77}"#;
    let started = Instant::now();
    send_fragmented(&mut client.socket, Data::Text, ping, 100_000).await;
    let reply = client.next_message().await;
    assert_eq!(
        (reply["type"].as_str(), reply["id"].as_u64()),
        (Some("ok"), Some(77))
    );
    println!(
        "100,000 fragments reassembled and answered in {:?}",
        started.elapsed()
    );
    still_served(&mut bystander).await;
}

#[tokio::test]
async fn a_sync_message_over_the_cap_in_fragments_is_closed_with_1009() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &["--sync-max-message-mb", "1"]);
    let client = logged_in(&server, "daibieu01", "demo").await;
    let mut bystander = SyncClient::connect(&client, &server, "bystander").await;
    // 1 MiB + 1 in 64 KiB fragments: each frame is small, the message is not.
    let mut big = SyncClient::connect(&client, &server, "big").await;
    send_fragmented(
        &mut big.socket,
        Data::Binary,
        &vec![0xa0; 1024 * 1024 + 1],
        17,
    )
    .await;
    assert_eq!(
        big.closed(10 * SECOND).await,
        Some((1009, "message too big".to_owned()))
    );
    // 100,000 one-byte fragments that make a malformed message: reassembled,
    // then refused as malformed, and only this connection closes.
    let mut tiny = SyncClient::connect(&client, &server, "tiny").await;
    send_fragmented(
        &mut tiny.socket,
        Data::Binary,
        &vec![0xff; 100_000],
        100_000,
    )
    .await;
    assert_eq!(
        tiny.closed(30 * SECOND).await,
        Some((1008, "malformed message".to_owned()))
    );
    let meeting_id = demo_meeting_id(&client, &server).await;
    let layer = writable_document(&client, &server, &meeting_id, "shared_layer").await;
    let mut doc = automerge::Automerge::new();
    assert!(
        bystander.sync_document(&layer, &mut doc).await,
        "the bystander still syncs"
    );
}

/// A tablet whose app hangs stops reading while the meeting goes on. The
/// server's writes to it block once its socket buffers are full; it is
/// dropped (after `SEND_TIMEOUT`, 10 s, in `live/socket.rs`) and the others
/// keep receiving every event.
#[tokio::test]
async fn a_reader_that_never_reads_is_dropped_and_the_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &[]);
    let chair = logged_in(&server, "chutri", "demo").await;
    let meeting_id = demo_meeting_id(&chair, &server).await;

    // The stuck tablet: a tiny receive buffer, and it never reads.
    let stuck_login = logged_in(&server, "daibieu07", "demo").await;
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(4096).unwrap();
    let stream = tcp
        .connect(format!("127.0.0.1:{}", server.port).parse().unwrap())
        .await
        .unwrap();
    let (socket, _) = tokio_tungstenite::client_async(
        live_url(&server, &ticket(&server, &stuck_login).await),
        tokio_tungstenite::MaybeTlsStream::Plain(stream),
    )
    .await
    .unwrap();
    let (stuck, _) = LiveClient::hello(socket, "stuck", &meeting_id).await;

    let mut reader = live_participant(&server, "daibieu08", "reader").await;
    // Six devices of the chair announce, each within its connection's rate
    // budget (20 a second); each announcement is about 6 KB.
    let mut announcers = Vec::new();
    for device in ["a1", "a2", "a3", "a4", "a5", "a6"] {
        announcers.push(
            LiveClient::join(&server, &chair, device, &meeting_id)
                .await
                .0,
        );
    }
    let text = "ệ".repeat(1990);
    let started = Instant::now();
    let mut sent = 0u32;
    let mut received = 0u32;
    while !server
        .log_text()
        .contains("a live client stopped reading: dropped")
    {
        assert!(
            started.elapsed() < 90 * SECOND,
            "the stuck reader was not dropped within 90 s"
        );
        for announcer in &mut announcers {
            let answer = announcer
                .outcome(json!({ "type": "announce", "text": format!("{sent} {text}") }))
                .await;
            if answer == "ok" {
                sent += 1;
            }
        }
        // The reader gets every announcement, promptly.
        while received < sent {
            let event = tokio::time::timeout(5 * SECOND, reader.event("announcement"))
                .await
                .expect("the reader keeps receiving announcements");
            assert!(event.to_string().contains(&text[..30]));
            received += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "stuck reader dropped after {:?}, {sent} announcements",
        started.elapsed()
    );
    still_served(&mut reader).await;
    // The server really let go of it: reading now drains what was
    // buffered and then finds the connection ended (without the drop, the
    // server would simply go on sending once the reader reads again).
    let mut stuck = stuck.socket;
    let drained = tokio::time::timeout(30 * SECOND, async {
        loop {
            match stuck.next().await {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(
        drained.is_ok(),
        "the stuck reader's connection is still open"
    );
}

#[tokio::test]
async fn a_flooding_live_client_is_throttled_then_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &[]);
    let mut bystander = live_participant(&server, "daibieu02", "bystander").await;
    let mut flood = live_participant(&server, "daibieu09", "flood").await;
    // One message after another as fast as the answers come back (so the
    // server has read everything when it closes: unread data would turn
    // its close into a reset).
    let mut oks = 0;
    let mut throttled = 0;
    let mut code = None;
    'flood: for id in 1..=1_000 {
        let ping = json!({ "type": "ping", "id": id }).to_string();
        let _ = flood.socket.send(Message::text(ping)).await;
        loop {
            match tokio::time::timeout(10 * SECOND, flood.socket.next())
                .await
                .expect("an answer or a close within 10 s")
            {
                Some(Ok(Message::Text(text))) => {
                    let reply: Value = serde_json::from_str(&text).unwrap();
                    match (reply["type"].as_str(), reply["code"].as_str()) {
                        (Some("ok"), _) => oks += 1,
                        (Some("error"), Some("rate_limited")) => throttled += 1,
                        _ => continue,
                    }
                    break;
                }
                Some(Ok(Message::Close(frame))) => {
                    code = frame.map(|f| u16::from(f.code));
                    break 'flood;
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => break 'flood,
            }
        }
    }
    assert_eq!(code, Some(1008), "closed as a policy violation");
    assert!(oks >= 60, "the burst is served first ({oks} answered)");
    assert!(throttled >= 100, "then throttled ({throttled} refused)");
    assert!(logged(&server, "live client flooding: closed").await);
    still_served(&mut bystander).await;
}

/// Writes a raw HTTP request head and returns how the server ended it:
/// the status line of its answer, or "closed" when it just hung up.
async fn raw_handshake_outcome(stream: &mut tokio::net::TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
    }
    let text = String::from_utf8_lossy(&answer);
    match text.lines().next() {
        Some(line) if !line.is_empty() => line.to_owned(),
        _ => "closed".to_owned(),
    }
}

#[tokio::test]
async fn a_handshake_with_a_huge_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &[]);
    for path in ["/live", "/sync"] {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
            .await
            .unwrap();
        let head = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Padding: {}\r\n\r\n",
            "a".repeat(1024 * 1024)
        );
        // The server may hang up before reading it all.
        let _ = stream.write_all(head.as_bytes()).await;
        let outcome = tokio::time::timeout(30 * SECOND, raw_handshake_outcome(&mut stream))
            .await
            .expect("answered or closed within 30 s");
        assert!(
            outcome == "closed" || outcome.contains(" 431 ") || outcome.contains(" 400 "),
            "{path}: {outcome}"
        );
    }
    assert_eq!(
        reqwest::get(server.url("/healthz")).await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn a_handshake_trickled_a_byte_at_a_time_is_cut_off_within_30_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &[]);
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    let started = Instant::now();
    // A header that never ends, one byte every 200 ms.
    let head = b"GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    let mut bytes = head.iter().copied().chain(std::iter::repeat(b'a'));
    let cut_off = loop {
        assert!(
            started.elapsed() < 30 * SECOND,
            "the server was still reading the header after 30 s"
        );
        let byte = bytes.next().unwrap();
        if stream.write_all(&[byte]).await.is_err() {
            break true;
        }
        // A closed connection shows as end of stream on read.
        let mut buffer = [0u8; 512];
        match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(_)) => break true, // an error response, then the close
            Err(_) => continue,
        }
    };
    assert!(cut_off);
    println!("trickled handshake cut off after {:?}", started.elapsed());
    assert_eq!(
        reqwest::get(server.url("/healthz")).await.unwrap().status(),
        200
    );
}

/// The session cookie, from a login without a cookie store.
async fn session_cookie(server: &Server, username: &str) -> String {
    let response = reqwest::Client::new()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": "demo" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

/// Opens a websocket with these headers; `Err(status)` if refused.
async fn upgrade_with(url: &str, headers: &[(&str, &str)]) -> Result<live_client::Socket, u16> {
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(
            tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(other) => panic!("cannot open {url}: {other}"),
    }
}

/// Cross-site websocket hijacking: a page on another site opens `/live`
/// and the browser attaches the session cookie. Refused before the upgrade.
/// (`/sync` with a cookie: `tests/js/sync.test.mjs`, "the session cookie
/// authenticates a browser, but only from an allowed Origin".)
#[tokio::test]
async fn a_foreign_origin_with_a_valid_cookie_is_refused_before_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &[]);
    let cookie = session_cookie(&server, "daibieu01").await;
    let url = format!("ws://127.0.0.1:{}/live", server.port);
    assert_eq!(
        upgrade_with(
            &url,
            &[("cookie", &cookie), ("origin", "https://evil.example")]
        )
        .await
        .err(),
        Some(403)
    );
    // The same cookie from our own origin is accepted: it was the origin
    // that was refused, not the cookie.
    let own_origin = format!("http://127.0.0.1:{}", server.port);
    assert!(
        upgrade_with(&url, &[("cookie", &cookie), ("origin", &own_origin)])
            .await
            .is_ok()
    );
    assert!(logged(&server, "refused a live socket from a foreign origin").await);
}

/// Logging out ends the session; its open sockets close with 4001 (the 2 s
/// sweep in `connections.rs` notices), and another session of the same
/// user is untouched.
#[tokio::test]
async fn logging_out_closes_the_sockets_of_that_session_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &[]);
    // A client that keeps sending the cookie even after the server clears
    // it, as a thief who copied it would.
    let cookie = session_cookie(&server, "daibieu10").await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", cookie.parse().unwrap());
    let leaving = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let staying = logged_in(&server, "daibieu10", "demo").await;
    let meeting_id = demo_meeting_id(&leaving, &server).await;
    let (mut live, _) = LiveClient::join(&server, &leaving, "phone", &meeting_id).await;
    let mut sync = SyncClient::connect(&leaving, &server, "phone").await;
    let (mut other_live, _) = LiveClient::join(&server, &staying, "tablet", &meeting_id).await;

    let started = Instant::now();
    let out = leaving
        .post(server.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_eq!(live.closed(10 * SECOND).await, Some(4001));
    assert_eq!(
        sync.closed(10 * SECOND).await,
        Some((4001, "session ended".to_owned()))
    );
    println!("sockets closed {:?} after logout", started.elapsed());
    still_served(&mut other_live).await;
    // The ended session cannot open another socket.
    assert_eq!(
        leaving
            .post(server.url("/api/v1/auth/ws-ticket"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        upgrade_with(
            &format!("ws://127.0.0.1:{}/live", server.port),
            &[("cookie", &cookie)]
        )
        .await
        .err(),
        Some(401)
    );
}
