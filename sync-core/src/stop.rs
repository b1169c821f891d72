//! Why a document stops a peer. The document (its core and its actor)
//! decides; the socket closes the connection with a code and reason that
//! say why (`SocketEnd` in the server). One word both sides use, so
//! neither needs the other.

use crate::wire::WireError;
use crate::DocumentId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerStop {
    /// The peer sent what the protocol does not allow (malformed sync
    /// data, a change automerge cannot take, a Bloom filter it would crash
    /// on). `reason` goes into the close frame (short, stable); `detail`
    /// into the log.
    ProtocolViolation {
        reason: &'static str,
        detail: String,
    },
    /// The peer's change would grow the document past its size cap.
    DocumentTooLarge(DocumentId),
    /// The peer does not take its messages (its bounded outbox is full):
    /// dropped rather than waited for.
    SlowReader,
    /// The server could not do its part (storage failed, the document's
    /// actor panicked): the client should come back and sync again.
    ServerError,
}

impl From<WireError> for PeerStop {
    /// The close reason of a wire error: a few stable words, whatever the
    /// detail.
    fn from(error: WireError) -> Self {
        let reason = match error {
            WireError::UnknownType => "unknown message type",
            WireError::InvalidChange(_) => "invalid change",
            _ => "malformed message",
        };
        PeerStop::ProtocolViolation {
            reason,
            detail: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_errors_become_short_stable_close_reasons() {
        assert!(matches!(
            PeerStop::from(WireError::UnknownType),
            PeerStop::ProtocolViolation {
                reason: "unknown message type",
                ..
            }
        ));
        assert!(matches!(
            PeerStop::from(WireError::InvalidChange("unreadable change")),
            PeerStop::ProtocolViolation { reason: "invalid change", detail }
                if detail.contains("unreadable change")
        ));
        assert!(matches!(
            PeerStop::from(WireError::NotAMap),
            PeerStop::ProtocolViolation {
                reason: "malformed message",
                ..
            }
        ));
    }
}
