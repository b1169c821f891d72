//! `/sync` at the websocket level, against the real binary: what is refused
//! before the upgrade, what closes one connection (and only that one), with
//! which close code and log line, and the caps on size and rate. The
//! official JS client's view (convergence, access per role, SIGKILLs) is in
//! `tests/js`.

#[path = "support/sync_client.rs"]
mod sync_client;

use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use phonghop_e2e::{demo_meeting_id, logged_in, run_command, Server, ServerOptions};
use sync_client::{
    encode_map, open, sync_url, ticket, writable_document, Event, SyncClient, Value,
};

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

const SECOND: Duration = Duration::from_secs(1);

#[tokio::test]
async fn a_foreign_origin_is_refused_before_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &[]);
    let client = logged_in(&server, "daibieu01", "demo").await;
    let (ticket, _) = ticket(&client, &server, "tablet").await;
    let refused = open(
        &sync_url(&server, Some(&ticket)),
        &[("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(refused.err(), Some(403));
    let listed_dir = tempfile::tempdir().unwrap();
    let listed = demo_server(
        listed_dir.path(),
        &["--allowed-origin", "https://hop.ubnd.local"],
    );
    let client = logged_in(&listed, "daibieu01", "demo").await;
    let (ticket, _) = sync_client::ticket(&client, &listed, "tablet").await;
    let allowed = open(
        &sync_url(&listed, Some(&ticket)),
        &[("origin", "https://hop.ubnd.local")],
    )
    .await;
    assert!(allowed.is_ok(), "a listed origin is allowed");
    assert!(server
        .log_text()
        .contains("refused a sync socket from a foreign origin"));
}

#[tokio::test]
async fn no_ticket_no_cookie_no_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &[]);
    assert_eq!(open(&sync_url(&server, None), &[]).await.err(), Some(401));
    assert_eq!(
        open(&sync_url(&server, Some("made-up")), &[]).await.err(),
        Some(401)
    );
    let client = logged_in(&server, "daibieu01", "demo").await;
    let (ticket, _) = ticket(&client, &server, "tablet").await;
    assert!(open(&sync_url(&server, Some(&ticket)), &[]).await.is_ok());
    assert_eq!(
        open(&sync_url(&server, Some(&ticket)), &[]).await.err(),
        Some(401),
        "a ticket is good once"
    );
    // A device id the peer id could not carry is refused when asked for.
    let bad = client
        .post(server.url("/api/v1/auth/ws-ticket"))
        .json(&serde_json::json!({ "device_id": "a/b" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn malformed_messages_close_only_their_own_connection() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &[]);
    let client = logged_in(&server, "daibieu01", "demo").await;
    let meeting_id = demo_meeting_id(&client, &server).await;
    let layer = writable_document(&client, &server, &meeting_id, "shared_layer").await;
    let mut bystander = SyncClient::connect(&client, &server, "bystander").await;

    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "not cbor",
            vec![0xff, 0x00, 0x13],
            1008,
            "malformed message",
        ),
        (
            "a cbor string, not a map",
            {
                let mut encoder = minicbor::Encoder::new(Vec::new());
                encoder.str("documentId").unwrap();
                encoder.into_writer()
            },
            1008,
            "malformed message",
        ),
        (
            "an unknown type",
            encode_map(&[("type", Value::Text("teleport"))]),
            1008,
            "unknown message type",
        ),
        (
            "no type",
            encode_map(&[("senderId", Value::Text("x"))]),
            1008,
            "malformed message",
        ),
        (
            "a bad document id",
            encode_map(&[
                ("type", Value::Text("request")),
                ("documentId", Value::Text("not-a-document-id")),
            ]),
            1008,
            "malformed message",
        ),
    ];
    for (label, frame, expected_code, expected_reason) in cases {
        let mut victim =
            SyncClient::connect(&client, &server, &format!("victim-{}", label.len())).await;
        victim.send(frame).await;
        let closed = victim.closed(5 * SECOND).await;
        assert_eq!(
            closed,
            Some((expected_code, expected_reason.to_owned())),
            "{label}"
        );
    }
    let mut texter = SyncClient::connect(&client, &server, "texter").await;
    texter.send_text("{\"type\":\"join\"}").await;
    assert_eq!(
        texter.closed(5 * SECOND).await,
        Some((1008, "text frames are not supported".to_owned()))
    );
    // A sync message for someone else's peer id.
    let mut impostor = SyncClient::connect(&client, &server, "impostor").await;
    impostor
        .send(encode_map(&[
            ("type", Value::Text("request")),
            ("senderId", Value::Text("u/u_other/d/x")),
            ("targetId", Value::Text("phonghop-server")),
            ("documentId", Value::Text(&layer)),
            ("data", Value::Bytes(&[])),
        ]))
        .await;
    assert_eq!(
        impostor.closed(5 * SECOND).await,
        Some((1008, "sender is not this connection's peer".to_owned()))
    );

    // The bystander never noticed: it syncs the document as usual.
    let mut doc = automerge::Automerge::new();
    assert!(bystander.sync_document(&layer, &mut doc).await);
    assert!(!doc.get_heads().is_empty());
    let log = server.log_text();
    assert!(
        log.contains("closing a sync socket: protocol violation"),
        "{log}"
    );
    assert!(log.contains("unknown message type"));
    assert_eq!(
        reqwest::get(server.url("/readyz")).await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn an_oversized_frame_is_closed_with_1009() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &["--sync-max-message-mb", "1"]);
    let client = logged_in(&server, "daibieu01", "demo").await;
    let mut bystander = SyncClient::connect(&client, &server, "bystander").await;
    let mut big = SyncClient::connect(&client, &server, "big").await;
    big.send(vec![0xa0; 1024 * 1024 + 1]).await;
    assert_eq!(
        big.closed(10 * SECOND).await,
        Some((1009, "message too big".to_owned()))
    );
    // Just under the cap is read (and refused as malformed, not as too big).
    let mut under = SyncClient::connect(&client, &server, "under").await;
    under.send(vec![0xff; 1024 * 1024 - 16]).await;
    assert_eq!(
        under.closed(10 * SECOND).await,
        Some((1008, "malformed message".to_owned()))
    );
    let meeting_id = demo_meeting_id(&client, &server).await;
    let layer = writable_document(&client, &server, &meeting_id, "shared_layer").await;
    let mut doc = automerge::Automerge::new();
    assert!(bystander.sync_document(&layer, &mut doc).await);
    assert!(server
        .log_text()
        .contains("closing a sync socket: message too big"));
}

#[tokio::test]
async fn a_change_that_would_grow_a_document_past_its_cap_closes_the_connection() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &["--sync-max-document-mb", "1"]);
    let client = logged_in(&server, "daibieu02", "demo").await;
    let meeting_id = demo_meeting_id(&client, &server).await;
    let notebook = writable_document(&client, &server, &meeting_id, "notebook").await;
    let mut writer = SyncClient::connect(&client, &server, "writer").await;
    let mut doc = automerge::Automerge::new();
    assert!(writer.sync_document(&notebook, &mut doc).await);
    // A small note is fine.
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(automerge::ROOT, "note", "ngắn"))
        .unwrap();
    assert!(writer.sync_document(&notebook, &mut doc).await);
    // About 2 MB that does not compress.
    let noise: String = (0..2_000_000u32)
        .map(|i| char::from(b'a' + (i.wrapping_mul(2_654_435_761) >> 27) as u8 % 26))
        .collect();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(automerge::ROOT, "scan", noise))
        .unwrap();
    let mut state = automerge::sync::State::new();
    let mut closed = None;
    // Drive the sync by hand until the server closes.
    use automerge::sync::SyncDoc;
    let first = doc.generate_sync_message(&mut state).unwrap().encode();
    writer
        .send(writer.document_message("request", &notebook, &first))
        .await;
    for _ in 0..20 {
        match writer.next(10 * SECOND).await {
            Event::Closed(frame) => {
                closed = frame;
                break;
            }
            event if event.message_type() == Some("sync") => {
                let message =
                    automerge::sync::Message::decode(event.bytes("data").unwrap()).unwrap();
                doc.receive_sync_message(&mut state, message).unwrap();
                if let Some(reply) = doc.generate_sync_message(&mut state) {
                    let frame = writer.document_message("sync", &notebook, &reply.encode());
                    writer.send(frame).await;
                }
            }
            _ => {}
        }
    }
    assert_eq!(
        closed,
        Some((1009, "document size limit reached".to_owned()))
    );
    // What was stored before is intact, and nothing of the big change.
    let mut reader = SyncClient::connect(&client, &server, "reader").await;
    let mut copy = automerge::Automerge::new();
    assert!(reader.sync_document(&notebook, &mut copy).await);
    use automerge::ReadDoc;
    assert!(copy.get(automerge::ROOT, "note").unwrap().is_some());
    assert!(copy.get(automerge::ROOT, "scan").unwrap().is_none());
}

#[tokio::test]
async fn a_connection_over_its_message_rate_is_slowed_then_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &["--sync-messages-per-second", "5"]);
    let client = logged_in(&server, "daibieu03", "demo").await;
    let meeting_id = demo_meeting_id(&client, &server).await;
    let layer = writable_document(&client, &server, &meeting_id, "shared_layer").await;
    let mut polite = SyncClient::connect(&client, &server, "polite").await;
    let mut flood = SyncClient::connect(&client, &server, "flood").await;
    // Requests for a document that does not exist: each is answered
    // `doc-unavailable` by the server itself, so only the rate counts.
    let request = flood.document_message("request", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", &[]);
    let started = Instant::now();
    let closed = loop {
        flood.send(request.clone()).await;
        let answer = tokio::time::timeout(Duration::from_millis(10), flood.next(30 * SECOND)).await;
        if let Ok(Event::Closed(frame)) = answer {
            break frame;
        }
        assert!(started.elapsed() < 30 * SECOND, "never closed");
    };
    assert_eq!(closed, Some((1008, "too many messages".to_owned())));
    // Slowed down for ten seconds first, not cut off at once.
    assert!(started.elapsed() >= 10 * SECOND, "{:?}", started.elapsed());
    let mut doc = automerge::Automerge::new();
    assert!(polite.sync_document(&layer, &mut doc).await);
}

#[tokio::test]
async fn disabling_a_user_from_the_console_closes_their_sync_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(dir.path(), &[]);
    let client = logged_in(&server, "daibieu04", "demo").await;
    let mut socket = SyncClient::connect(&client, &server, "tablet").await;
    let data_dir = dir.path().to_str().unwrap();
    let started = Instant::now();
    let (status, _, stderr) = run_command(
        &["user", "disable", "daibieu04", "--data-dir", data_dir],
        None,
    );
    assert!(status.success(), "{stderr}");
    let closed = socket.closed(10 * SECOND).await;
    let after = started.elapsed();
    assert_eq!(closed, Some((4001, "session ended".to_owned())));
    assert!(after <= 5 * SECOND, "closed after {after:?}");
    println!("closed {after:?} after `phonghop user disable` in another process");
}

#[tokio::test]
async fn sigterm_closes_sync_sockets_with_going_away() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = demo_server(dir.path(), &[]);
    let client = logged_in(&server, "daibieu05", "demo").await;
    let mut socket = SyncClient::connect(&client, &server, "tablet").await;
    server.signal("TERM");
    assert_eq!(
        socket.closed(10 * SECOND).await,
        Some((1001, "server restarting".to_owned()))
    );
    let status = server.wait_exit(Duration::from_secs(15)).expect("exits");
    assert!(status.success(), "{status:?}\n{}", server.log_text());
}
