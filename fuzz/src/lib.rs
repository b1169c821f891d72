//! The server's parsers of client input, compiled here unchanged from
//! their source files so the fuzz targets call exactly what the server
//! runs, without building the whole server (its storage, HTTP and sync
//! stacks) under libFuzzer's instrumentation. These files are pure
//! functions over bytes by design (see ARCHITECTURE.md); if one starts to
//! use another server module, this crate stops compiling and says so.

#![allow(dead_code)]

/// `server/src/sync/document_id.rs`: document ids (used by `wire`).
#[path = "../../server/src/sync/document_id.rs"]
pub mod document_id;

/// `server/src/sync/wire.rs`: the `/sync` CBOR envelope and the checks on
/// Automerge changes a client sends.
#[path = "../../server/src/sync/wire.rs"]
pub mod wire;

/// `server/src/sync/states.rs`: per-peer sync states, shared between
/// peers, fed what a peer claims.
#[path = "../../server/src/sync/states.rs"]
pub mod states;

/// `server/src/pdf.rs`: validating uploaded PDFs.
#[path = "../../server/src/pdf.rs"]
pub mod pdf;

/// `server/src/upload/`: what an upload is, and what is refused before
/// LibreOffice sees it (the OOXML, ODF and OLE2 filters, file names).
#[path = "../../server/src/upload/mod.rs"]
pub mod upload;

/// `server/src/sanitize.rs`: what a stored PDF may not carry.
#[path = "../../server/src/sanitize.rs"]
pub mod sanitize;
