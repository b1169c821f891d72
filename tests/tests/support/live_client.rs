//! A small `/live` client for black-box tests: tickets, `hello`, requests
//! answered by id (events received meanwhile are kept), close frames.
//! `tests/live.rs` has its own, older copy; this one is shared by the
//! access matrix, the websocket edge, soak and record tests.

#![allow(dead_code)]

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use phonghop_e2e::Server;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A one-use websocket ticket for the session `client` holds.
pub async fn ticket(server: &Server, client: &reqwest::Client) -> String {
    let answer: Value = client
        .post(server.url("/api/v1/auth/ws-ticket"))
        .json(&json!({ "device_id": "test-device" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["ticket"].as_str().expect("a ticket").to_owned()
}

pub fn live_url(server: &Server, ticket: &str) -> String {
    format!("ws://127.0.0.1:{}/live?ticket={ticket}", server.port)
}

/// A joined `/live` connection.
pub struct LiveClient {
    pub socket: Socket,
    next_id: u64,
    /// Events received while waiting for something else.
    pub backlog: Vec<Value>,
}

impl LiveClient {
    /// Opens a socket with a fresh ticket of `client`'s session and says
    /// hello; returns the client and the `welcome`.
    pub async fn join(
        server: &Server,
        client: &reqwest::Client,
        device_id: &str,
        meeting_id: &str,
    ) -> (LiveClient, Value) {
        let url = live_url(server, &ticket(server, client).await);
        let socket = tokio_tungstenite::connect_async(url)
            .await
            .expect("upgrade")
            .0;
        Self::hello(socket, device_id, meeting_id).await
    }

    /// Says hello on an open socket and expects `welcome`.
    pub async fn hello(
        mut socket: Socket,
        device_id: &str,
        meeting_id: &str,
    ) -> (LiveClient, Value) {
        socket
            .send(Message::text(
                json!({ "type": "hello", "protocol_version": 1, "meeting_id": meeting_id, "device_id": device_id })
                    .to_string(),
            ))
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

    /// A socket whose `welcome` was already read.
    pub fn hello_done(socket: Socket) -> LiveClient {
        LiveClient {
            socket,
            next_id: 1,
            backlog: Vec::new(),
        }
    }

    pub async fn next_message(&mut self) -> Value {
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

    /// Sends a request (its `id` is set here) and returns the reply.
    pub async fn request(&mut self, mut body: Value) -> Value {
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

    /// Sends a request and asserts that it was accepted.
    pub async fn ok(&mut self, body: Value) -> Value {
        let reply = self.request(body.clone()).await;
        assert_eq!(reply["type"], "ok", "{body} was refused: {reply}");
        reply
    }

    /// "ok", or the error's code.
    pub async fn outcome(&mut self, body: Value) -> String {
        let reply = self.request(body).await;
        if reply["type"] == "ok" {
            "ok".to_owned()
        } else {
            reply["code"].as_str().unwrap_or("?").to_owned()
        }
    }

    /// Sends a message that has no `id` (a second `hello`): the answer
    /// carries id 0.
    pub async fn outcome_unnumbered(&mut self, body: Value) -> String {
        self.socket
            .send(Message::text(body.to_string()))
            .await
            .unwrap();
        loop {
            let message = self.next_message().await;
            if message["id"] == json!(0) && (message["type"] == "ok" || message["type"] == "error")
            {
                return if message["type"] == "ok" {
                    "ok".to_owned()
                } else {
                    message["code"].as_str().unwrap_or("?").to_owned()
                };
            }
            self.backlog.push(message);
        }
    }

    /// The next event of `kind` (from the backlog first).
    pub async fn event(&mut self, kind: &str) -> Value {
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

    /// Reads until the server closes; returns the close code (`None` when
    /// the connection ended without a close frame). Panics after `limit`.
    pub async fn closed(&mut self, limit: Duration) -> Option<u16> {
        closed_code(&mut self.socket, limit).await
    }
}

/// Reads `socket` until it closes; the close code, if a close frame came.
pub async fn closed_code(socket: &mut Socket, limit: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => panic!("the socket was not closed within {limit:?}"),
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_)) | None) => return None,
        }
    }
}
