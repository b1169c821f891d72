//! `/sync`: the `data` of a writer's sync message, as
//! `check_client_changes` inspects it before the changes are tried on a
//! copy of the document. The check itself must never panic, whatever the
//! bytes (automerge's own decoder is known to panic on some inputs: see
//! sync-core/fixtures/ and ARCHITECTURE.md).
#![no_main]

use libfuzzer_sys::fuzz_target;
use phonghop_sync_core::wire;

fuzz_target!(|data: &[u8]| {
    let _ = wire::check_client_changes(data);
});
