//! `/sync`: what a peer claims in its sync messages (heads, needs, Bloom
//! filters, flags), as the document actor takes them: decoded, received
//! into a shared sync state and answered (`states.rs`). Neither may panic,
//! whatever the peer claims: a panic would close every connection of the
//! document. Changes are stripped here (`client_changes` fuzzes those).
//!
//! Input: a mode byte (bit 0: a reader's state; bit 1: collect garbage
//! after each message), then messages, each after its length (two bytes,
//! little-endian).
#![no_main]

use std::sync::OnceLock;

use automerge::sync::{ChunkList, Message};
use automerge::Automerge;
use libfuzzer_sys::fuzz_target;
use phonghop_sync_core::SyncStates;
use phonghop_sync_core::wire;

fn base_document() -> &'static Automerge {
    static BASE: OnceLock<Automerge> = OnceLock::new();
    BASE.get_or_init(|| {
        Automerge::load(include_bytes!(
            "../../sync-core/fixtures/base-document.bin"
        ))
        .expect("the base document loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, mut rest)) = data.split_first() else {
        return;
    };
    let mut document = base_document().clone();
    let mut states = SyncStates::default();
    let fresh = states.fresh();
    let mut state = states.with_read_only(&fresh, mode & 1 == 1);
    while rest.len() >= 2 {
        let length = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
        let end = (2 + length).min(rest.len());
        let bytes = &rest[2..end];
        rest = &rest[end..];
        let Ok(mut message) = Message::decode(bytes) else {
            continue;
        };
        // As the actor does: a peer whose claims fail this is disconnected.
        if wire::check_sync_claims(&message).is_err() {
            continue;
        }
        message.changes = ChunkList::empty();
        if let Ok(next) = states.receive_without_changes(&mut document, &state, bytes, message) {
            state = next;
        }
        state = states.generate(&document, &state).next;
        if mode & 2 == 2 {
            states.collect_garbage();
        }
    }
});
