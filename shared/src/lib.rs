//! `phonghop-protocol`: every type that crosses the wire between the phonghop
//! server and its clients, defined once.
//!
//! Layout:
//! - [`api`]: the REST API under `/api/v1` (requests, responses, the one error
//!   shape and its stable codes).
//! - [`live`]: the `/live` websocket protocol (presence, attendance,
//!   presenter follow, speakers, votes).
//! - [`close`]: the websocket close codes of `/live` and `/sync`.
//! - [`rules`]: meeting rules (quorum, what a vote needs to pass) and a
//!   closed vote's outcome, as exact fractions.
//! - [`typescript`]: the web client's copy of all of the above, generated
//!   (`client-web/src/api/generated.ts`).
//!
//! **Invariant:** this crate knows serde and nothing else of the server: no
//! tokio, no axum, no database. A type that derives `Serialize` here is a
//! protocol boundary; changing its JSON shape is a protocol change. The
//! server's own domain types (`store::UserRecord`, …) do not derive
//! `Serialize`: its handlers convert them into these.
//!
//! `tests/protocol_examples.rs` parses every example of `docs/protocol.md`
//! with these types, so the document cannot drift from them.

pub mod api;
pub mod close;
pub mod live;
pub mod rules;
pub mod typescript;
