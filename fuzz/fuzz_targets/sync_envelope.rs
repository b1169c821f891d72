//! `/sync`: every binary frame goes through the envelope decoder, and a
//! read-only peer's frames through `strip_changes`, before samod sees them.
//! None may panic; a stripped frame must still decode as an envelope.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phonghop_fuzz::wire;

fuzz_target!(|data: &[u8]| {
    let envelope = wire::decode_envelope(data);
    if let Ok(envelope) = &envelope {
        if let Some(sync_data) = envelope.data {
            let _ = wire::summarize_sync_data(sync_data);
        }
    }
    if let Ok(Some(stripped)) = wire::strip_changes(data) {
        assert!(
            wire::decode_envelope(&stripped).is_ok(),
            "strip_changes produced a frame that does not decode"
        );
    }
});
