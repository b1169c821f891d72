//! The websocket close codes of `/live` and `/sync`, defined once: the
//! server closes with them and the web client acts on them (the client's
//! copy is generated from [`CloseCode::ALL`]).
//!
//! 1000-1011 are RFC 6455's (§7.4.1); 4000-4999 are phonghop's own.

/// A close code a `/live` or `/sync` socket may end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum CloseCode {
    /// The client left on purpose (the user left the meeting).
    Normal = 1000,
    /// The server is restarting: reconnect.
    GoingAway = 1001,
    /// The first `/live` message was not `hello`.
    ProtocolError = 1002,
    /// A binary frame on `/live`, whose messages are JSON text.
    UnsupportedData = 1003,
    /// The client broke the protocol's rules (malformed, too many or too
    /// large messages, another peer's id, a refused `hello`).
    PolicyViolation = 1008,
    /// A `/sync` message, or the document it would grow, is over its limit.
    MessageTooBig = 1009,
    /// The server could not do its part (storage not answering): reconnect.
    InternalError = 1011,
    /// Sent by the client: a ping went unanswered, so the link is dead.
    PingTimeout = 4000,
    /// The session ended (logout elsewhere, account disabled, device
    /// wiped): log in again.
    SessionEnded = 4001,
    /// A `/sync` socket was idle too long.
    Idle = 4002,
    /// The user's access changed: reconnect (and maybe find the meeting
    /// gone).
    AccessChanged = 4003,
    /// The `/live` client fell too far behind the events: reconnect for a
    /// fresh snapshot.
    TooSlow = 4008,
}

impl CloseCode {
    /// Every close code, in numeric order.
    pub const ALL: [CloseCode; 12] = [
        CloseCode::Normal,
        CloseCode::GoingAway,
        CloseCode::ProtocolError,
        CloseCode::UnsupportedData,
        CloseCode::PolicyViolation,
        CloseCode::MessageTooBig,
        CloseCode::InternalError,
        CloseCode::PingTimeout,
        CloseCode::SessionEnded,
        CloseCode::Idle,
        CloseCode::AccessChanged,
        CloseCode::TooSlow,
    ];

    /// The number on the wire.
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// The name the generated client code uses (`SessionEnded`).
    pub const fn name(self) -> &'static str {
        match self {
            CloseCode::Normal => "Normal",
            CloseCode::GoingAway => "GoingAway",
            CloseCode::ProtocolError => "ProtocolError",
            CloseCode::UnsupportedData => "UnsupportedData",
            CloseCode::PolicyViolation => "PolicyViolation",
            CloseCode::MessageTooBig => "MessageTooBig",
            CloseCode::InternalError => "InternalError",
            CloseCode::PingTimeout => "PingTimeout",
            CloseCode::SessionEnded => "SessionEnded",
            CloseCode::Idle => "Idle",
            CloseCode::AccessChanged => "AccessChanged",
            CloseCode::TooSlow => "TooSlow",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_close_code_once_in_numeric_order() {
        for pair in CloseCode::ALL.windows(2) {
            assert!(pair[0].code() < pair[1].code(), "{pair:?}");
        }
        let names: std::collections::HashSet<_> =
            CloseCode::ALL.iter().map(|code| code.name()).collect();
        assert_eq!(names.len(), CloseCode::ALL.len());
    }
}
