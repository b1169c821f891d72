//! The `/sync` core of phonghop, without IO: everything about syncing
//! Automerge documents with automerge-repo clients that needs no socket,
//! clock, runtime or database. The server (`phonghop-server`, `sync/`)
//! feeds it bytes and the time and carries out what it asks; the fuzz
//! targets (`fuzz/`) call it directly.
//!
//! Layout:
//! - `wire`: the automerge-repo envelope (CBOR) read and written, and the
//!   checks on what a peer's sync messages claim and carry
//!   (`check_sync_claims`, `check_message_changes`).
//! - `states`: per-peer sync states shared between peers in equal states
//!   (`SyncStates`), so one change followed by N in-sync peers costs one
//!   Automerge computation.
//! - `document_id`: document ids as automerge-repo spells them.
//! - `limits`: the caps of one connection and its rate limiter.
//! - `stop`: why a document stops a peer (`PeerStop`), the word the
//!   document and the socket share.
//! - `document`: one document's sync (`DocumentCore`): a peer's message
//!   or the server's change in, effects (messages to peers, stops) and the
//!   changes to store out, flow control on the time it is given.
//!
//! **Invariant:** nothing here reads a clock, opens a socket, spawns a task
//! or touches storage: `cargo tree -p phonghop-sync-core -e normal` shows
//! no tokio, axum, hyper or sqlx.

pub mod document;
mod document_id;
pub mod limits;
pub mod states;
pub mod stop;
pub mod wire;

pub use document::{DocumentCore, Effect};
pub use document_id::{BadDocumentId, DocumentId};
pub use limits::{RateDecision, RateLimiter, SyncLimits};
pub use states::{EncodedMessage, SharedState, SyncStates};
pub use stop::PeerStop;
pub use wire::WireError;
