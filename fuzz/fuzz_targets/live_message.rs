//! `/live`: every text message a client sends is parsed as a
//! `ClientMessage` (server/src/live/socket.rs). Parsing must not panic, and
//! what parses must serialize and parse back to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phonghop_protocol::live::ClientMessage;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(message) = serde_json::from_str::<ClientMessage>(text) {
        let again = serde_json::to_string(&message).expect("a parsed message serializes");
        let back: ClientMessage = serde_json::from_str(&again).expect("and parses back");
        assert_eq!(back, message);
    } else {
        // A refused message is answered with its id when it has one.
        let _ = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|value| value.get("id").and_then(|id| id.as_u64()));
    }
});
