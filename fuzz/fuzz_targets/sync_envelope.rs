//! `/sync`: every binary frame goes through the envelope decoder before any
//! document sees it, and what it reads is echoed in our own encoders (as a
//! relayed ephemeral message is). None may panic; what we encode must decode
//! to the same fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phonghop_sync_core::wire;

fuzz_target!(|data: &[u8]| {
    let Ok(envelope) = wire::decode_envelope(data) else {
        return;
    };
    let (Some(document_id), Some(sender)) = (envelope.document_id, envelope.sender_id) else {
        return;
    };
    let session = envelope.session_id.unwrap_or_default();
    let count = envelope.count.unwrap_or_default();
    let payload = envelope.data.unwrap_or_default();
    let relayed = wire::encode_ephemeral(
        sender,
        "target",
        count,
        session,
        &document_id.to_string(),
        payload,
    );
    let again = wire::decode_envelope(&relayed).expect("our own frame decodes");
    assert_eq!(again.document_id, Some(document_id));
    assert_eq!(again.sender_id, Some(sender));
    assert_eq!(again.count, Some(count));
    assert_eq!(again.data, Some(payload));
});
