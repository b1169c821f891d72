//! A minimal automerge-repo wire client for black-box tests of `/sync`:
//! tickets, the `join`/`peer` handshake, CBOR maps, close frames, and
//! Automerge sync messages generated with the `automerge` crate. The
//! official JS client is exercised by `tests/js`; this one can also send
//! what no well-behaved client would.

#![allow(dead_code)]

use std::collections::HashMap;
use std::time::Duration;

use automerge::sync::SyncDoc;
use futures::{SinkExt, StreamExt};
use phonghop_e2e::Server;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The server's peer id on the wire.
pub const SERVER_PEER_ID: &str = "phonghop-server";

/// A field of a received message.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Text(String),
    Bytes(Vec<u8>),
    Other,
}

/// What arrived on a socket.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Message(HashMap<String, Field>),
    /// A close frame (code, reason), or `None` when the connection just ended.
    Closed(Option<(u16, String)>),
}

impl Event {
    pub fn message_type(&self) -> Option<&str> {
        match self {
            Event::Message(fields) => match fields.get("type") {
                Some(Field::Text(kind)) => Some(kind),
                _ => None,
            },
            Event::Closed(_) => None,
        }
    }

    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        match self {
            Event::Message(fields) => match fields.get(name) {
                Some(Field::Bytes(bytes)) => Some(bytes),
                _ => None,
            },
            Event::Closed(_) => None,
        }
    }
}

/// A value to put in a CBOR map we send.
pub enum Value<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
    Array(&'a [&'a str]),
    Map(&'a [(&'a str, bool)]),
}

pub fn encode_map(fields: &[(&str, Value<'_>)]) -> Vec<u8> {
    let mut encoder = minicbor::Encoder::new(Vec::new());
    encoder.map(fields.len() as u64).unwrap();
    for (key, value) in fields {
        encoder.str(key).unwrap();
        match value {
            Value::Text(text) => {
                encoder.str(text).unwrap();
            }
            Value::Bytes(bytes) => {
                encoder.bytes(bytes).unwrap();
            }
            Value::Array(items) => {
                encoder.array(items.len() as u64).unwrap();
                for item in *items {
                    encoder.str(item).unwrap();
                }
            }
            Value::Map(entries) => {
                encoder.map(entries.len() as u64).unwrap();
                for (name, flag) in *entries {
                    encoder.str(name).unwrap().bool(*flag).unwrap();
                }
            }
        }
    }
    encoder.into_writer()
}

/// Decodes a flat CBOR map (what the server sends); `None` if it is not one.
pub fn decode_map(bytes: &[u8]) -> Option<HashMap<String, Field>> {
    let mut decoder = minicbor::Decoder::new(bytes);
    let count = decoder.map().ok()??;
    let mut fields = HashMap::new();
    for _ in 0..count {
        let key = decoder.str().ok()?.to_owned();
        let value = match decoder.datatype().ok()? {
            minicbor::data::Type::String => Field::Text(decoder.str().ok()?.to_owned()),
            minicbor::data::Type::Bytes => Field::Bytes(decoder.bytes().ok()?.to_vec()),
            _ => {
                decoder.skip().ok()?;
                Field::Other
            }
        };
        fields.insert(key, value);
    }
    Some(fields)
}

/// A one-use ticket and the peer id bound to it, for `client`'s user.
pub async fn ticket(
    client: &reqwest::Client,
    server: &Server,
    device_id: &str,
) -> (String, String) {
    let answer: serde_json::Value = client
        .post(server.url("/api/v1/auth/ws-ticket"))
        .json(&serde_json::json!({ "device_id": device_id }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        answer["ticket"].as_str().expect("a ticket").to_owned(),
        answer["peer_id"].as_str().expect("a peer id").to_owned(),
    )
}

pub fn sync_url(server: &Server, ticket: Option<&str>) -> String {
    match ticket {
        Some(ticket) => format!("ws://127.0.0.1:{}/sync?ticket={ticket}", server.port),
        None => format!("ws://127.0.0.1:{}/sync", server.port),
    }
}

/// Opens the websocket, with extra request headers; `Err(status)` when the
/// server refuses the upgrade.
pub async fn open(url: &str, headers: &[(&str, &str)]) -> Result<Socket, u16> {
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

/// A connected, joined peer.
pub struct SyncClient {
    pub socket: Socket,
    pub peer_id: String,
}

impl SyncClient {
    /// Gets a ticket for `device_id`, opens `/sync` and completes the handshake.
    pub async fn connect(client: &reqwest::Client, server: &Server, device_id: &str) -> SyncClient {
        let (ticket, peer_id) = ticket(client, server, device_id).await;
        let socket = open(&sync_url(server, Some(&ticket)), &[])
            .await
            .expect("the upgrade is accepted");
        let mut client = SyncClient { socket, peer_id };
        client.join().await;
        client
    }

    pub async fn join(&mut self) {
        let peer_id = self.peer_id.clone();
        self.send(encode_map(&[
            ("type", Value::Text("join")),
            ("senderId", Value::Text(&peer_id)),
            ("supportedProtocolVersions", Value::Array(&["1"])),
            ("peerMetadata", Value::Map(&[("isEphemeral", true)])),
        ]))
        .await;
        let answer = self.next(Duration::from_secs(10)).await;
        assert_eq!(answer.message_type(), Some("peer"), "{answer:?}");
    }

    pub async fn send(&mut self, frame: Vec<u8>) {
        // The server may already have closed (that is what some tests want).
        let _ = self.socket.send(Message::Binary(frame.into())).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        let _ = self.socket.send(Message::Text(text.into())).await;
    }

    /// A document message (`request` or `sync`) from this peer to the server.
    pub fn document_message(&self, kind: &str, document_id: &str, data: &[u8]) -> Vec<u8> {
        encode_map(&[
            ("type", Value::Text(kind)),
            ("senderId", Value::Text(&self.peer_id)),
            ("targetId", Value::Text(SERVER_PEER_ID)),
            ("documentId", Value::Text(document_id)),
            ("data", Value::Bytes(data)),
        ])
    }

    /// The next message or close, skipping pings; `Closed(None)` on timeout
    /// is reported as a panic so tests say what they waited for.
    pub async fn next(&mut self, limit: Duration) -> Event {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let item = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("nothing arrived within {limit:?}"));
            match item {
                None => return Event::Closed(None),
                Some(Err(_)) => return Event::Closed(None),
                Some(Ok(Message::Binary(bytes))) => {
                    return Event::Message(decode_map(&bytes).expect("the server sends CBOR maps"))
                }
                Some(Ok(Message::Close(frame))) => {
                    return Event::Closed(
                        frame.map(|frame| (u16::from(frame.code), frame.reason.to_string())),
                    )
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Waits for the server to close the socket; returns (code, reason).
    pub async fn closed(&mut self, limit: Duration) -> Option<(u16, String)> {
        loop {
            if let Event::Closed(frame) = self.next(limit).await {
                return frame;
            }
        }
    }

    /// Syncs `doc` with the server's copy of `document_id` until neither
    /// side has anything to send. Returns false if the server said
    /// `doc-unavailable`.
    pub async fn sync_document(
        &mut self,
        document_id: &str,
        doc: &mut automerge::Automerge,
    ) -> bool {
        let mut state = automerge::sync::State::new();
        let first = doc
            .generate_sync_message(&mut state)
            .expect("a first sync message")
            .encode();
        let message = self.document_message("request", document_id, &first);
        self.send(message).await;
        loop {
            let event = match tokio::time::timeout(
                Duration::from_millis(1_500),
                self.next(Duration::from_secs(30)),
            )
            .await
            {
                Ok(event) => event,
                // Quiet for a while: in sync.
                Err(_) => return true,
            };
            match event.message_type() {
                Some("doc-unavailable") => return false,
                Some("sync") => {
                    let data = event.bytes("data").expect("sync data");
                    let message = automerge::sync::Message::decode(data).unwrap();
                    doc.receive_sync_message(&mut state, message).unwrap();
                    if let Some(reply) = doc.generate_sync_message(&mut state) {
                        let frame = self.document_message("sync", document_id, &reply.encode());
                        self.send(frame).await;
                    }
                }
                Some(_) => {}
                None => panic!("closed while syncing: {event:?}"),
            }
        }
    }
}

/// `CloseCode` as a number, for assertions.
pub fn code(code: CloseCode) -> u16 {
    u16::from(code)
}

/// The `automerge:` URLs of the meeting's documents as `client` sees them,
/// as (kind, access, document id).
pub async fn sync_documents(
    client: &reqwest::Client,
    server: &Server,
    meeting_id: &str,
) -> Vec<(String, String, String)> {
    let meeting: serde_json::Value = client
        .get(server.url(&format!("/api/v1/meetings/{meeting_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    meeting["sync_documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|doc| {
            (
                doc["kind"].as_str().unwrap().to_owned(),
                doc["access"].as_str().unwrap().to_owned(),
                doc["url"]
                    .as_str()
                    .unwrap()
                    .strip_prefix("automerge:")
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

/// The id of the first document of `kind` the caller may write.
pub async fn writable_document(
    client: &reqwest::Client,
    server: &Server,
    meeting_id: &str,
    kind: &str,
) -> String {
    sync_documents(client, server, meeting_id)
        .await
        .into_iter()
        .find(|(found_kind, access, _)| found_kind == kind && access == "write")
        .unwrap_or_else(|| panic!("no writable {kind}"))
        .2
}
