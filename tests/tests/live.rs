//! The live meeting over real websockets against the real binary:
//! handshake and version negotiation, attendance and quorum, presenter
//! follow, the speakers list, votes counted exactly once (and kept across a
//! restart), who may vote and changed ballots, requests to the secretary,
//! and sockets closed when access ends.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use phonghop_e2e::{demo_meeting_id, logged_in, Server, ServerOptions};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A participant's `/live` connection.
struct LiveClient {
    socket: Socket,
    next_id: u64,
    /// Events received while waiting for something else.
    backlog: Vec<Value>,
}

async fn ticket(server: &Server, client: &reqwest::Client) -> String {
    let answer: Value = client
        .post(server.url("/api/v1/auth/ws-ticket"))
        .json(&json!({ "device_id": "test-device" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["ticket"].as_str().unwrap().to_owned()
}

async fn open_socket(server: &Server, username: &str) -> Socket {
    let client = logged_in(server, username, "demo").await;
    open_socket_as(server, &client).await
}

async fn open_socket_as(server: &Server, client: &reqwest::Client) -> Socket {
    let url = format!(
        "ws://127.0.0.1:{}/live?ticket={}",
        server.port,
        ticket(server, client).await
    );
    tokio_tungstenite::connect_async(url)
        .await
        .expect("upgrade")
        .0
}

impl LiveClient {
    async fn join(server: &Server, username: &str, meeting_id: &str) -> (LiveClient, Value) {
        let socket = open_socket(server, username).await;
        Self::hello(socket, username, meeting_id).await
    }

    /// Joins with an existing login (another device of the same user).
    async fn join_as(
        server: &Server,
        client: &reqwest::Client,
        device: &str,
        meeting_id: &str,
    ) -> (LiveClient, Value) {
        let socket = open_socket_as(server, client).await;
        Self::hello(socket, device, meeting_id).await
    }

    async fn hello(mut socket: Socket, username: &str, meeting_id: &str) -> (LiveClient, Value) {
        socket
            .send(Message::text(json!({ "type": "hello", "protocol_version": 1, "meeting_id": meeting_id, "device_id": format!("{username}-tablet") }).to_string()))
            .await
            .unwrap();
        let mut client = LiveClient {
            socket,
            next_id: 1,
            backlog: Vec::new(),
        };
        let welcome = client.next_message().await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        (client, welcome)
    }

    async fn next_message(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(10), self.socket.next())
                .await
                .expect("a message within 10 s")
                .expect("socket open")
                .expect("valid frame");
            if let Message::Text(text) = message {
                return serde_json::from_str(&text).unwrap();
            }
        }
    }

    /// Sends a request and returns its reply (events meanwhile are kept).
    async fn request(&mut self, mut body: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        body["id"] = json!(id);
        self.socket
            .send(Message::text(body.to_string()))
            .await
            .unwrap();
        loop {
            let message = self.next_message().await;
            if message["id"] == json!(id) && (message["type"] == "ok" || message["type"] == "error")
            {
                return message;
            }
            self.backlog.push(message);
        }
    }

    /// The next event of `kind` (from the backlog first).
    async fn event(&mut self, kind: &str) -> Value {
        if let Some(index) = self.backlog.iter().position(|m| m["type"] == kind) {
            return self.backlog.remove(index);
        }
        loop {
            let message = self.next_message().await;
            if message["type"] == kind {
                return message;
            }
            self.backlog.push(message);
        }
    }
}

fn demo(dir: &std::path::Path) -> Server {
    Server::start(
        dir,
        ServerOptions {
            demo: true,
            ..ServerOptions::default()
        },
    )
}

async fn meeting_of(server: &Server) -> String {
    demo_meeting_id(&logged_in(server, "thuky", "demo").await, server).await
}

/// The id of the meeting's first document (what a presenter shows).
async fn first_document_id(server: &Server, meeting_id: &str) -> String {
    let meeting: Value = logged_in(server, "thuky", "demo")
        .await
        .get(server.url(&format!("/api/v1/meetings/{meeting_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    meeting["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|item| item["documents"][0]["id"].as_str())
        .expect("the demo meeting has a document")
        .to_owned()
}

/// A refusal says what happened in Vietnamese and in English (and in
/// `message`, Vietnamese, for older clients).
fn assert_refusal_speaks_both_languages(refusal: &Value) {
    let vi = refusal["message_vi"].as_str().unwrap_or_default();
    let en = refusal["message_en"].as_str().unwrap_or_default();
    assert!(!vi.is_empty() && !en.is_empty(), "{refusal}");
    assert_ne!(vi, en, "{refusal}");
    assert_eq!(refusal["message"], refusal["message_vi"], "{refusal}");
}

#[tokio::test]
async fn hello_negotiates_the_protocol_version_and_refuses_outsiders() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo(dir.path());
    let meeting_id = meeting_of(&server).await;
    for (version, expected) in [(99, "server_too_old"), (0, "client_too_old")] {
        let mut socket = open_socket(&server, "daibieu01").await;
        socket
            .send(Message::text(json!({ "type": "hello", "protocol_version": version, "meeting_id": meeting_id, "device_id": "t" }).to_string()))
            .await
            .unwrap();
        let Some(Ok(Message::Text(text))) = socket.next().await else {
            panic!("a refusal expected")
        };
        let refusal: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(refusal["type"], "hello_refused");
        assert_eq!(refusal["code"], expected);
        assert_refusal_speaks_both_languages(&refusal);
    }
    let mut socket = open_socket(&server, "daibieu01").await;
    socket
        .send(Message::text(json!({ "type": "hello", "protocol_version": 1, "meeting_id": "m_not_mine", "device_id": "t" }).to_string()))
        .await
        .unwrap();
    let Some(Ok(Message::Text(text))) = socket.next().await else {
        panic!("a refusal expected")
    };
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["code"],
        "not_found"
    );

    let (_, welcome) = LiveClient::join(&server, "daibieu01", &meeting_id).await;
    assert_eq!(welcome["role"], "delegate");
    assert_eq!(
        welcome["state"]["quorum"]["voting_members"], 27,
        "26 delegates and the chair"
    );
}

#[tokio::test]
async fn a_foreign_origin_or_no_ticket_is_refused_before_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo(dir.path());
    let anonymous =
        tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{}/live", server.port)).await;
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) = anonymous else {
        panic!("refused expected")
    };
    assert_eq!(response.status(), 401);

    let client = logged_in(&server, "daibieu01", "demo").await;
    let mut request = format!(
        "ws://127.0.0.1:{}/live?ticket={}",
        server.port,
        ticket(&server, &client).await
    )
    .into_client_request()
    .unwrap();
    request
        .headers_mut()
        .insert("Origin", "https://evil.example".parse().unwrap());
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) =
        tokio_tungstenite::connect_async(request).await
    else {
        panic!("refused expected")
    };
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn check_in_follow_and_floor_reach_everyone_and_late_joiner_sees_current_page() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo(dir.path());
    let meeting_id = meeting_of(&server).await;
    let (mut chair, chair_welcome) = LiveClient::join(&server, "chutri", &meeting_id).await;
    let (mut delegate, _) = LiveClient::join(&server, "daibieu05", &meeting_id).await;

    assert_eq!(
        delegate.request(json!({ "type": "check_in" })).await["type"],
        "ok"
    );
    let attendance = chair.event("attendance_changed").await;
    assert_eq!(attendance["attendance"]["status"], "present");
    assert_eq!(attendance["quorum"]["present_voting_members"], 1);

    let document_id = first_document_id(&server, &meeting_id).await;
    let moved = chair
        .request(
            json!({ "type": "set_follow", "position": { "document_id": document_id, "page": 3 } }),
        )
        .await;
    assert_eq!(moved["type"], "ok");
    let follow = delegate.event("follow_changed").await;
    assert_eq!(follow["follow"]["position"]["page"], 3);
    let forbidden = delegate
        .request(json!({ "type": "set_follow", "position": { "page": 9 } }))
        .await;
    assert_eq!(forbidden["code"], "forbidden");

    let (_, late) = LiveClient::join(&server, "daibieu06", &meeting_id).await;
    assert_eq!(late["state"]["follow"]["position"]["page"], 3);
    // A delegate's welcome carries what their screen shows, not the whole
    // meeting: themself among the participants, their own attendance, no
    // presence; the chair's carries everyone.
    let late_id = late["user_id"].as_str().unwrap();
    let names: Vec<&str> = late["state"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec![late_id]);
    assert_eq!(late["state"]["attendance"], json!([]));
    assert_eq!(late["state"]["presence"], json!([]));
    assert_eq!(late["state"]["quorum"]["present_voting_members"], 1);
    assert!(
        chair_welcome["state"]["participants"]
            .as_array()
            .unwrap()
            .len()
            > 20
    );

    delegate.request(json!({ "type": "request_floor" })).await;
    let queued = chair.event("speakers_changed").await;
    assert_eq!(
        queued["speakers"]["queue"][0]["user_id"],
        delegate_id(&chair_welcome, "daibieu05")
    );
    chair
        .request(
            json!({ "type": "give_floor", "user_id": delegate_id(&chair_welcome, "daibieu05") }),
        )
        .await;
    let speaking = delegate.event("speakers_changed").await;
    let speaking = if speaking["speakers"]["current"].is_null() {
        delegate.event("speakers_changed").await
    } else {
        speaking
    };
    assert_eq!(
        speaking["speakers"]["current"]["user_id"],
        delegate_id(&chair_welcome, "daibieu05")
    );
    delegate.request(json!({ "type": "end_turn" })).await;
    let ended = chair.event("speakers_changed").await;
    let ended = if ended["speakers"]["history"].as_array().unwrap().is_empty() {
        chair.event("speakers_changed").await
    } else {
        ended
    };
    assert_eq!(ended["speakers"]["history"].as_array().unwrap().len(), 1);
}

fn delegate_id(welcome: &Value, username_suffix: &str) -> String {
    // Display names are "Đại biểu NN"; map daibieuNN to its user id.
    let number = username_suffix.trim_start_matches("daibieu");
    welcome["state"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["display_name"] == format!("Đại biểu {number}"))
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn secret_vote_counts_each_ballot_once_and_the_result_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = demo(dir.path());
    let port = server.port;
    let meeting_id = meeting_of(&server).await;
    let (mut chair, _) = LiveClient::join(&server, "chutri", &meeting_id).await;
    let opened = chair
        .request(json!({ "type": "open_vote", "question": "Thông qua báo cáo cải cách hành chính?", "secret": true, "eligibility": "all_voting_members" }))
        .await;
    assert_eq!(opened["type"], "ok", "{opened}");
    let vote = chair.event("vote_opened").await;
    let vote_id = vote["vote"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        vote["vote"]["options"],
        json!(["Tán thành", "Không tán thành", "Không biểu quyết"])
    );

    // Ten delegates vote at the same moment; one of them twice, from two devices.
    let mut voters = Vec::new();
    for n in 1..=10 {
        let (client, _) = LiveClient::join(&server, &format!("daibieu{n:02}"), &meeting_id).await;
        voters.push(client);
    }
    let (mut second_device, _) = LiveClient::join(&server, "daibieu01", &meeting_id).await;
    let casts = voters.iter_mut().enumerate().map(|(index, voter)| {
        let vote_id = vote_id.clone();
        async move { voter.request(json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": usize::from(index >= 7) })).await }
    });
    let replies = futures::future::join_all(casts).await;
    assert!(replies.iter().all(|r| r["type"] == "ok"), "{replies:?}");
    let twice = second_device
        .request(json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": 1 }))
        .await;
    assert_eq!(twice["code"], "already_voted");
    assert_refusal_speaks_both_languages(&twice);
    let (mut observer_like, _) = LiveClient::join(&server, "diemcau01", &meeting_id).await;
    let not_eligible = observer_like
        .request(json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": 0 }))
        .await;
    assert_eq!(not_eligible["code"], "not_eligible");

    chair
        .request(json!({ "type": "close_vote", "vote_id": vote_id }))
        .await;
    let closed = voters[0].event("vote_closed").await;
    assert_eq!(closed["vote"]["result"], json!([7, 3, 0]));
    assert_eq!(closed["vote"]["ballots_cast"], 10);
    assert!(
        closed["vote"]["named_choices"].is_null(),
        "a secret ballot names nobody"
    );
    let late = voters[0]
        .request(json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": 0 }))
        .await;
    assert_eq!(late["code"], "vote_closed");

    // Restart: the result is still there, exactly.
    drop(voters);
    server.signal("TERM");
    assert!(server
        .wait_exit(Duration::from_secs(10))
        .is_some_and(|s| s.success()));
    drop(server);
    let server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            port: Some(port),
            ..ServerOptions::default()
        },
    );
    let (_, welcome) = LiveClient::join(&server, "daibieu01", &meeting_id).await;
    let vote = &welcome["state"]["votes"][0];
    assert_eq!(vote["result"], json!([7, 3, 0]));
    assert_eq!(vote["you_voted"], true);
    assert_eq!(vote["state"], "closed");
}

#[tokio::test]
async fn bad_messages_get_errors_and_binary_closes_only_that_socket() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo(dir.path());
    let meeting_id = meeting_of(&server).await;
    let (mut delegate, _) = LiveClient::join(&server, "daibieu02", &meeting_id).await;
    let (mut other, _) = LiveClient::join(&server, "daibieu03", &meeting_id).await;
    delegate
        .socket
        .send(Message::text(r#"{"type":"format_disk","id":41}"#))
        .await
        .unwrap();
    let error = delegate.event("error").await;
    assert_eq!(
        (
            error["type"].as_str(),
            error["id"].as_u64(),
            error["code"].as_str()
        ),
        (Some("error"), Some(41), Some("bad_request"))
    );
    delegate
        .socket
        .send(Message::text("not json at all"))
        .await
        .unwrap();
    assert_eq!(delegate.event("error").await["code"], "bad_request");
    assert_eq!(
        delegate.request(json!({ "type": "ping" })).await["type"],
        "ok",
        "still connected"
    );

    delegate
        .socket
        .send(Message::binary(vec![0xA1, 0x00]))
        .await
        .unwrap();
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(5), delegate.socket.next())
            .await
            .unwrap()
        {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            _ => break None,
        }
    };
    assert_eq!(closed, Some(1003));
    assert_eq!(
        other.request(json!({ "type": "ping" })).await["type"],
        "ok",
        "the others are unaffected"
    );
}

#[tokio::test]
async fn disabling_an_account_closes_its_live_socket_within_five_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo(dir.path());
    let meeting_id = meeting_of(&server).await;
    let (mut delegate, welcome) = LiveClient::join(&server, "daibieu09", &meeting_id).await;
    let user_id = welcome["user_id"].as_str().unwrap().to_owned();
    let admin = logged_in(&server, "quantri", "demo").await;
    let started = std::time::Instant::now();
    let disabled = admin
        .post(server.url(&format!("/api/v1/users/{user_id}/disable")))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), 200);
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(5), delegate.socket.next())
            .await
            .expect("closed within 5 s")
        {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            _ => break None,
        }
    };
    assert_eq!(code, Some(4001));
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// 500 voters, each casting several times over several connections, some
/// after the vote closed: exactly one ballot per voter, none after closing,
/// and the tally equals the stored ballots.
#[tokio::test]
async fn ballot_race_counts_exactly_one_ballot_per_voter() {
    const VOTERS: usize = 500;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            extra_args: vec!["--demo-delegates".into(), VOTERS.to_string()],
            ..ServerOptions::default()
        },
    );
    let meeting_id = meeting_of(&server).await;
    let (mut chair, _) = LiveClient::join(&server, "chutri", &meeting_id).await;
    chair
        .request(
            json!({ "type": "open_vote", "question": "Biểu quyết đồng loạt?", "secret": false, "eligibility": "all_voting_members" }),
        )
        .await;
    let vote_id = chair.event("vote_opened").await["vote"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Two connections per voter (tablet and laptop), joined concurrently.
    let mut connections = Vec::new();
    for chunk in (1..=VOTERS).collect::<Vec<_>>().chunks(50) {
        let batch = chunk.iter().map(|n| {
            let username = format!("daibieu{n:02}");
            let server = &server;
            let meeting_id = &meeting_id;
            async move {
                let login = logged_in(server, &username, "demo").await;
                let (first, _) =
                    LiveClient::join_as(server, &login, &format!("{username}-a"), meeting_id).await;
                let (second, _) =
                    LiveClient::join_as(server, &login, &format!("{username}-b"), meeting_id).await;
                (first, second)
            }
        });
        connections.extend(futures::future::join_all(batch).await);
    }

    // Everyone casts three times at once over both connections.
    let casts = connections
        .iter_mut()
        .enumerate()
        .map(|(index, (first, second))| {
            let vote_id = vote_id.clone();
            async move {
                let choice = index % 3;
                let ballot =
                    || json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": choice });
                let (a, b) = futures::join!(first.request(ballot()), second.request(ballot()));
                let c = first.request(ballot()).await;
                [a, b, c]
                    .iter()
                    .filter(|reply| reply["type"] == "ok")
                    .count()
            }
        });
    let accepted: Vec<usize> = futures::future::join_all(casts).await;
    assert!(
        accepted.iter().all(|&ok| ok == 1),
        "each voter has exactly one accepted ballot"
    );

    chair
        .request(json!({ "type": "close_vote", "vote_id": vote_id }))
        .await;
    let closed = chair.event("vote_closed").await;
    // Ballots after closing are refused.
    let after = connections[0]
        .0
        .request(json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": 0 }))
        .await;
    assert_eq!(after["code"], "vote_closed");
    let result: Vec<u64> = closed["vote"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(result.iter().sum::<u64>(), VOTERS as u64);
    assert_eq!(result, vec![167, 167, 166]);
    let named = closed["vote"]["named_choices"].as_array().unwrap();
    assert_eq!(named.len(), VOTERS, "a named vote lists each voter once");

    // A delegate who reconnects sees the vote and their own ballot.
    let (_, welcome) = LiveClient::join(&server, "daibieu07", &meeting_id).await;
    let vote = welcome["state"]["votes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == vote_id.as_str())
        .unwrap();
    assert_eq!(vote["you_voted"], true);
    assert_eq!(vote["ballots_cast"], VOTERS);
}

#[tokio::test]
async fn a_delegate_reconnecting_during_an_open_vote_sees_it_and_their_ballot() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo(dir.path());
    let meeting_id = meeting_of(&server).await;
    let (mut chair, _) = LiveClient::join(&server, "chutri", &meeting_id).await;
    chair
        .request(json!({ "type": "open_vote", "question": "Q?", "secret": true, "eligibility": "all_voting_members" }))
        .await;
    let vote_id = chair.event("vote_opened").await["vote"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mut delegate, _) = LiveClient::join(&server, "daibieu11", &meeting_id).await;
    let cast = delegate
        .request(json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": 2 }))
        .await;
    assert_eq!(cast["type"], "ok");
    drop(delegate);
    let (_, welcome) = LiveClient::join(&server, "daibieu11", &meeting_id).await;
    let vote = &welcome["state"]["votes"][0];
    assert_eq!(vote["state"], "open");
    assert_eq!(vote["you_voted"], true);
    assert!(vote["result"].is_null(), "no result while open");
}

/// The next `vote_opened` for a vote other than those in `seen`.
async fn opened_vote(client: &mut LiveClient, seen: &[&str]) -> Value {
    loop {
        let opened = client.event("vote_opened").await;
        if !seen.contains(&opened["vote"]["id"].as_str().unwrap()) {
            return opened["vote"].clone();
        }
    }
}

#[tokio::test]
async fn present_delegates_vote_by_default_and_change_their_ballot_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo(dir.path());
    let meeting_id = meeting_of(&server).await;
    let (mut chair, welcome) = LiveClient::join(&server, "chutri", &meeting_id).await;
    let (mut present, _) = LiveClient::join(&server, "daibieu01", &meeting_id).await;
    let (mut absent, _) = LiveClient::join(&server, "daibieu02", &meeting_id).await;
    let (mut late, _) = LiveClient::join(&server, "daibieu03", &meeting_id).await;

    // Nobody present yet: a present-only vote cannot open.
    let refused = chair
        .request(json!({ "type": "open_vote", "question": "Q?" }))
        .await;
    assert_eq!(refused["code"], "bad_request", "{refused}");

    assert_eq!(
        present.request(json!({ "type": "check_in" })).await["type"],
        "ok"
    );
    let marked = chair
        .request(json!({ "type": "set_attendance", "user_id": delegate_id(&welcome, "daibieu03"), "status": "late" }))
        .await;
    assert_eq!(marked["type"], "ok");

    // A named vote that allows changes, open to those present.
    let opened = chair
        .request(
            json!({ "type": "open_vote", "question": "Thông qua kế hoạch?", "allow_change": true }),
        )
        .await;
    assert_eq!(opened["type"], "ok", "{opened}");
    let vote = opened_vote(&mut chair, &[]).await;
    let named = vote["id"].as_str().unwrap().to_owned();
    assert_eq!(
        vote["eligible"], 2,
        "daibieu01 (present) and daibieu03 (late)"
    );
    assert_eq!(vote["eligibility"], "present");
    assert_eq!(vote["allow_change"], true);

    let ballot = |vote_id: &str, choice: usize| json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": choice });
    let not_eligible = absent.request(ballot(&named, 0)).await;
    assert_eq!(not_eligible["code"], "not_eligible");
    // Checking in after the vote opened does not add a voter.
    absent.request(json!({ "type": "check_in" })).await;
    assert_eq!(
        absent.request(ballot(&named, 0)).await["code"],
        "not_eligible"
    );

    assert_eq!(present.request(ballot(&named, 0)).await["type"], "ok");
    assert_eq!(late.request(ballot(&named, 1)).await["type"], "ok");
    assert_eq!(
        present.request(ballot(&named, 2)).await["type"],
        "ok",
        "changed"
    );
    let (mut reconnected, again) = LiveClient::join(&server, "daibieu01", &meeting_id).await;
    let seen = again["state"]["votes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == named.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (seen["you_voted"].clone(), seen["ballots_cast"].clone()),
        (json!(true), json!(2))
    );
    assert_eq!(
        reconnected.request(ballot(&named, 1)).await["type"],
        "ok",
        "changed from another device"
    );
    chair
        .request(json!({ "type": "close_vote", "vote_id": named }))
        .await;
    let closed = present.event("vote_closed").await;
    assert_eq!(
        closed["vote"]["result"],
        json!([0, 2, 0]),
        "one ballot per voter, the last one"
    );
    assert_eq!(closed["vote"]["ballots_cast"], 2);
    assert_eq!(closed["vote"]["eligible"], 2);
    assert_eq!(
        present.request(ballot(&named, 0)).await["code"],
        "vote_closed"
    );

    // A secret vote that allows changes: the device's key proves the ballot.
    chair
        .request(json!({ "type": "open_vote", "question": "Bầu tổ trưởng?", "secret": true, "allow_change": true, "eligibility": "all_voting_members" }))
        .await;
    let vote = opened_vote(&mut chair, &[&named]).await;
    let secret = vote["id"].as_str().unwrap().to_owned();
    assert_eq!(vote["eligible"], 27, "every voting member");
    let key = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    let keyed = |choice: usize, key: &str| json!({ "type": "cast_ballot", "vote_id": secret, "choice": choice, "ballot_key": key });
    assert_eq!(present.request(keyed(0, key)).await["type"], "ok");
    assert_eq!(
        absent.request(ballot(&secret, 2)).await["type"],
        "ok",
        "all voting members"
    );
    let other_key = present.request(keyed(1, &"f".repeat(32))).await;
    assert_eq!(other_key["code"], "already_voted", "{other_key}");
    assert_eq!(
        absent.request(ballot(&secret, 1)).await["code"],
        "already_voted",
        "no key: no change"
    );
    assert_eq!(present.request(keyed(1, key)).await["type"], "ok");
    chair
        .request(json!({ "type": "close_vote", "vote_id": secret }))
        .await;
    let closed = loop {
        let closed = late.event("vote_closed").await;
        if closed["vote"]["id"] == secret.as_str() {
            break closed;
        }
    };
    assert_eq!(closed["vote"]["result"], json!([0, 1, 1]));
    assert!(closed["vote"]["named_choices"].is_null());

    // A vote that does not allow changes keeps the first ballot.
    chair
        .request(json!({ "type": "open_vote", "question": "Q3?" }))
        .await;
    let fixed = opened_vote(&mut chair, &[&named, &secret]).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(present.request(ballot(&fixed, 0)).await["type"], "ok");
    assert_eq!(
        present.request(ballot(&fixed, 1)).await["code"],
        "already_voted"
    );
}

#[tokio::test]
async fn a_request_to_the_secretary_is_seen_handled_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = demo(dir.path());
    let port = server.port;
    let meeting_id = meeting_of(&server).await;
    let (mut secretary, secretary_welcome) = LiveClient::join(&server, "thuky", &meeting_id).await;
    let (mut delegate, welcome) = LiveClient::join(&server, "daibieu04", &meeting_id).await;
    let delegate_user = welcome["user_id"].as_str().unwrap().to_owned();

    let sent = delegate
        .request(json!({ "type": "send_secretary_request", "kind": "tech_help", "text": "Máy tính bảng không vào được mạng." }))
        .await;
    assert_eq!(sent["type"], "ok", "{sent}");
    let seen = secretary.event("secretary_request_changed").await["request"].clone();
    assert_eq!(seen["user_id"], delegate_user.as_str());
    assert_eq!(seen["kind"], "tech_help");
    assert_eq!(seen["state"], "open");
    let mine = delegate.event("secretary_request_changed").await;
    assert_eq!(mine["request"]["id"], seen["id"]);

    // Bad requests change nothing.
    let empty = delegate
        .request(json!({ "type": "send_secretary_request", "kind": "other", "text": " " }))
        .await;
    assert_eq!(empty["code"], "bad_request");
    let no_document = delegate
        .request(json!({ "type": "send_secretary_request", "kind": "paper_copy", "document_id": "d_not_here" }))
        .await;
    assert_eq!(no_document["code"], "not_found");
    let forbidden = delegate
        .request(json!({ "type": "handle_secretary_request", "request_id": seen["id"] }))
        .await;
    assert_eq!(forbidden["code"], "forbidden");

    // Another delegate sees nobody else's requests.
    let (_, other) = LiveClient::join(&server, "daibieu05", &meeting_id).await;
    assert_eq!(other["state"]["secretary_requests"], json!([]));

    let handled = secretary
        .request(json!({ "type": "handle_secretary_request", "request_id": seen["id"] }))
        .await;
    assert_eq!(handled["type"], "ok", "{handled}");
    let update = delegate.event("secretary_request_changed").await;
    assert_eq!(update["request"]["state"], "handled");
    assert_eq!(
        update["request"]["handled_by"],
        secretary_welcome["user_id"]
    );

    // The rate limit: three a minute (one was sent above).
    for n in 0..2 {
        let ok = delegate
            .request(json!({ "type": "send_secretary_request", "kind": "paper_copy", "text": format!("Bản in {n}") }))
            .await;
        assert_eq!(ok["type"], "ok", "{ok}");
    }
    let limited = delegate
        .request(json!({ "type": "send_secretary_request", "kind": "tech_help" }))
        .await;
    assert_eq!(limited["code"], "rate_limited");

    // Handling is in the audit log.
    let audit: Value = logged_in(&server, "thuky", "demo")
        .await
        .get(server.url(&format!("/api/v1/meetings/{meeting_id}/audit")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(audit["entries"].as_array().unwrap().iter().any(|e| {
        e["action"] == "secretary_request.handled" && e["details"]["request_id"] == seen["id"]
    }));

    // After a restart the requests and their states are still there.
    drop((secretary, delegate));
    server.signal("TERM");
    assert!(server
        .wait_exit(Duration::from_secs(10))
        .is_some_and(|s| s.success()));
    drop(server);
    let server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            port: Some(port),
            ..ServerOptions::default()
        },
    );
    let (_, staff) = LiveClient::join(&server, "thuky", &meeting_id).await;
    let requests = staff["state"]["secretary_requests"].as_array().unwrap();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0]["state"], "handled");
    assert_eq!(requests[1]["state"], "open");
    let (_, own) = LiveClient::join(&server, "daibieu04", &meeting_id).await;
    assert_eq!(
        own["state"]["secretary_requests"].as_array().unwrap().len(),
        3
    );
}

/// Sets the demo meeting's rules as its secretary; returns the answer.
async fn set_rules(server: &Server, meeting_id: &str, rules: Value) -> reqwest::Response {
    logged_in(server, "thuky", "demo")
        .await
        .patch(server.url(&format!("/api/v1/meetings/{meeting_id}")))
        .header("Accept-Language", "en")
        .json(&json!({ "rules": rules }))
        .send()
        .await
        .unwrap()
}

/// Opens a vote for every voting member, has `in_favour` delegates vote
/// "Tán thành", closes it and returns the closed vote.
async fn vote_with(
    server: &Server,
    chair: &mut LiveClient,
    meeting_id: &str,
    seen: &[&str],
    in_favour: &[&str],
) -> Value {
    let opened = chair
        .request(json!({ "type": "open_vote", "question": "Thông qua tờ trình?", "eligibility": "all_voting_members" }))
        .await;
    assert_eq!(opened["type"], "ok", "{opened}");
    let vote = opened_vote(chair, seen).await;
    let vote_id = vote["id"].as_str().unwrap().to_owned();
    for username in in_favour {
        let (mut voter, _) = LiveClient::join(server, username, meeting_id).await;
        let cast = voter
            .request(json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": 0 }))
            .await;
        assert_eq!(cast["type"], "ok", "{cast}");
    }
    chair
        .request(json!({ "type": "close_vote", "vote_id": vote_id }))
        .await;
    loop {
        let closed = chair.event("vote_closed").await;
        if closed["vote"]["id"] == json!(vote_id) {
            return closed["vote"].clone();
        }
    }
}

#[tokio::test]
async fn meeting_rules_decide_the_quorum_and_whether_a_vote_passed() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo(dir.path());
    let meeting_id = meeting_of(&server).await;
    let (mut chair, welcome) = LiveClient::join(&server, "chutri", &meeting_id).await;
    // 27 voting members (the chair and 26 delegates); at least half by
    // default.
    let quorum = &welcome["state"]["quorum"];
    assert_eq!(quorum["voting_members"], 27, "{quorum}");
    assert_eq!(quorum["needed"], 14, "{quorum}");
    assert_eq!(quorum["rule"]["comparison"], "at_least");

    // Impossible rules are refused with a clear message.
    let mut never = json!({
        "quorum": {"comparison": "more_than", "fraction": {"numerator": 1, "denominator": 1}},
        "decision": {"base": "present", "threshold": {"comparison": "more_than", "fraction": {"numerator": 1, "denominator": 2}}}
    });
    let refused = set_rules(&server, &meeting_id, never.clone()).await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "bad_request");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("never be reached"),
        "{body}"
    );
    never["quorum"]["fraction"]["numerator"] = json!(0);
    assert_eq!(set_rules(&server, &meeting_id, never).await.status(), 400);

    // A People's Committee session: two-thirds present (18 of 27), and a
    // decision needs more than half of all members (14 of 27).
    let peoples_committee = json!({
        "quorum": {"comparison": "at_least", "fraction": {"numerator": 2, "denominator": 3}},
        "decision": {"base": "all_members", "threshold": {"comparison": "more_than", "fraction": {"numerator": 1, "denominator": 2}}}
    });
    let saved = set_rules(&server, &meeting_id, peoples_committee.clone()).await;
    assert_eq!(saved.status(), 200);
    let meeting: Value = saved.json().await.unwrap();
    assert_eq!(meeting["rules"], peoples_committee);
    let quorum = chair.event("quorum_changed").await;
    assert_eq!(quorum["quorum"]["needed"], 18, "{quorum}");
    assert_eq!(quorum["quorum"]["reached"], false);

    // Three in favour of 27 members: not passed, 14 were needed.
    let first = vote_with(
        &server,
        &mut chair,
        &meeting_id,
        &[],
        &["daibieu01", "daibieu02", "daibieu03"],
    )
    .await;
    assert_eq!(first["result"], json!([3, 0, 0]));
    assert_eq!(first["decision_base"], 27);
    assert_eq!(first["rule"], peoples_committee["decision"]);
    assert_eq!(
        first["outcome"],
        json!({"passed": false, "in_favour": 3, "base": 27, "needed": 14, "rule": peoples_committee["decision"]})
    );

    // The secretary lowers the bar to at least 1/9 of all members (3 of
    // 27): a new vote with the same three ballots passes, and the first
    // keeps the rule it was opened under.
    let low_bar = json!({
        "quorum": {"comparison": "at_least", "fraction": {"numerator": 1, "denominator": 2}},
        "decision": {"base": "all_members", "threshold": {"comparison": "at_least", "fraction": {"numerator": 1, "denominator": 9}}}
    });
    assert_eq!(
        set_rules(&server, &meeting_id, low_bar.clone())
            .await
            .status(),
        200
    );
    let first_id = first["id"].as_str().unwrap().to_owned();
    let second = vote_with(
        &server,
        &mut chair,
        &meeting_id,
        &[&first_id],
        &["daibieu01", "daibieu02", "daibieu03"],
    )
    .await;
    assert_eq!(second["outcome"]["passed"], true, "{second}");
    assert_eq!(second["outcome"]["needed"], 3);
    let (_, late_joiner) = LiveClient::join(&server, "daibieu04", &meeting_id).await;
    let votes = late_joiner["state"]["votes"].as_array().unwrap();
    assert_eq!(votes[0]["outcome"]["passed"], false);
    assert_eq!(votes[0]["outcome"]["needed"], 14);
    assert_eq!(votes[1]["outcome"]["passed"], true);
}
