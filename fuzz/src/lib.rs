//! The server's upload parsers, compiled here unchanged from their source
//! files so the `upload` target calls exactly what the server runs, without
//! building the whole server (its storage, HTTP and sync stacks) under
//! libFuzzer's instrumentation. These files are pure functions over bytes
//! by design (see ARCHITECTURE.md); if one starts to use another server
//! module, this crate stops compiling and says so. The `/sync` targets call
//! the `phonghop-sync-core` crate directly.

#![allow(dead_code)]

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
