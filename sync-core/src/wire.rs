//! The automerge-repo wire format (CBOR maps over binary websocket frames,
//! protocol "1"): reading a client's envelope, writing ours, and checking
//! the changes a writer sends before any document sees them. The fuzz
//! targets `sync_envelope`, `client_changes` and `sync_states` call it.
//!
//! Duplicate keys are rejected rather than "last one wins", so a crafted
//! message cannot mean one thing to the access check and another later.
//!
//! `check_client_changes` / `check_message_changes` accept canonical
//! changes only; `check_sync_claims` refuses the Bloom filters automerge
//! 0.12 would divide by zero on or probe billions of times (every sync
//! message passes it). Inputs that once crashed or corrupted a document
//! are kept in `sync-core/fixtures/` and tested here.

use std::str::FromStr;

use crate::document_id::DocumentId;
use minicbor::data::Type;

/// The most fields a legitimate message carries is about eight; a map that
/// claims more is rejected before we loop over it.
const MAX_ENVELOPE_FIELDS: u64 = 32;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error("message is not valid cbor: {0}")]
    Cbor(String),
    #[error("message is not a definite-length cbor map")]
    NotAMap,
    #[error("message has too many fields")]
    TooManyFields,
    #[error("message repeats the field {0}")]
    DuplicateField(&'static str),
    #[error("message has no type")]
    MissingType,
    #[error("message of type {0} has no documentId")]
    MissingDocumentId(&'static str),
    #[error("documentId is not a valid document id")]
    InvalidDocumentId,
    #[error("unknown message type")]
    UnknownType,
    #[error("sync data is not a valid automerge sync message")]
    InvalidSyncData,
    #[error("sync data carries an invalid change: {0}")]
    InvalidChange(&'static str),
    #[error("sync data carries a Bloom filter automerge cannot use: {0}")]
    InvalidBloomFilter(&'static str),
}

impl From<minicbor::decode::Error> for WireError {
    fn from(error: minicbor::decode::Error) -> Self {
        WireError::Cbor(error.to_string())
    }
}

/// The message types of automerge-repo's protocol version 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    Join,
    Peer,
    Leave,
    Request,
    Sync,
    DocUnavailable,
    Ephemeral,
    Error,
    RemoteSubscriptionChange,
    RemoteHeadsChanged,
}

impl MessageType {
    fn parse(name: &str) -> Result<Self, WireError> {
        Ok(match name {
            "join" => Self::Join,
            "peer" => Self::Peer,
            "leave" => Self::Leave,
            "request" => Self::Request,
            "sync" => Self::Sync,
            "doc-unavailable" => Self::DocUnavailable,
            "ephemeral" => Self::Ephemeral,
            "error" => Self::Error,
            "remote-subscription-change" => Self::RemoteSubscriptionChange,
            "remote-heads-changed" => Self::RemoteHeadsChanged,
            _ => return Err(WireError::UnknownType),
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Join => "join",
            Self::Peer => "peer",
            Self::Leave => "leave",
            Self::Request => "request",
            Self::Sync => "sync",
            Self::DocUnavailable => "doc-unavailable",
            Self::Ephemeral => "ephemeral",
            Self::Error => "error",
            Self::RemoteSubscriptionChange => "remote-subscription-change",
            Self::RemoteHeadsChanged => "remote-heads-changed",
        }
    }

    /// Whether this message is about one document (it must carry a
    /// `documentId`).
    pub fn is_about_a_document(self) -> bool {
        matches!(
            self,
            Self::Request
                | Self::Sync
                | Self::DocUnavailable
                | Self::Ephemeral
                | Self::RemoteHeadsChanged
        )
    }
}

/// The routing fields of one message. Borrowed from the frame.
#[derive(Debug)]
pub struct Envelope<'a> {
    pub message_type: MessageType,
    pub sender_id: Option<&'a str>,
    pub target_id: Option<&'a str>,
    /// Parsed the way automerge-repo parses it (bs58check string, UUID string or 16
    /// raw bytes), so two spellings of one id compare equal.
    pub document_id: Option<DocumentId>,
    pub session_id: Option<&'a str>,
    /// The ephemeral message counter.
    pub count: Option<u64>,
    pub data: Option<&'a [u8]>,
    /// `join`'s protocol versions include "1".
    pub speaks_version_1: bool,
}

pub fn decode_envelope(frame: &[u8]) -> Result<Envelope<'_>, WireError> {
    let mut decoder = minicbor::Decoder::new(frame);
    let field_count = decoder.map()?.ok_or(WireError::NotAMap)?;
    if field_count > MAX_ENVELOPE_FIELDS {
        return Err(WireError::TooManyFields);
    }
    let mut message_type = None;
    let mut sender_id = None;
    let mut target_id = None;
    let mut document_id = None;
    let mut session_id = None;
    let mut data = None;
    let mut count = None;
    let mut versions = None;
    for _ in 0..field_count {
        let key = decoder.str()?;
        match key {
            "type" => set_once(&mut message_type, "type", decoder.str()?)?,
            "senderId" => set_once(&mut sender_id, "senderId", decoder.str()?)?,
            "targetId" => set_once(&mut target_id, "targetId", decoder.str()?)?,
            "sessionId" => set_once(&mut session_id, "sessionId", decoder.str()?)?,
            "data" => set_once(&mut data, "data", decoder.bytes()?)?,
            "count" => set_once(&mut count, "count", decoder.u64()?)?,
            "supportedProtocolVersions" => {
                let length = decoder.array()?.ok_or(WireError::NotAMap)?;
                if length > MAX_ENVELOPE_FIELDS {
                    return Err(WireError::TooManyFields);
                }
                let mut speaks_1 = false;
                for _ in 0..length {
                    speaks_1 |= decoder.str()? == "1";
                }
                set_once(&mut versions, "supportedProtocolVersions", speaks_1)?;
            }
            "documentId" => {
                let parsed = match decoder.datatype()? {
                    Type::String => DocumentId::from_str(decoder.str()?)
                        .map_err(|_| WireError::InvalidDocumentId)?,
                    Type::Bytes => DocumentId::try_from(decoder.bytes()?.to_vec())
                        .map_err(|_| WireError::InvalidDocumentId)?,
                    _ => return Err(WireError::InvalidDocumentId),
                };
                set_once(&mut document_id, "documentId", parsed)?;
            }
            _ => decoder.skip()?,
        }
    }
    let message_type = MessageType::parse(message_type.ok_or(WireError::MissingType)?)?;
    if message_type.is_about_a_document() && document_id.is_none() {
        return Err(WireError::MissingDocumentId(message_type.name()));
    }
    Ok(Envelope {
        message_type,
        sender_id,
        target_id,
        document_id,
        session_id,
        count,
        data,
        speaks_version_1: versions.unwrap_or(false),
    })
}

fn set_once<T>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), WireError> {
    if slot.is_some() {
        return Err(WireError::DuplicateField(name));
    }
    *slot = Some(value);
    Ok(())
}

/// The reply for a document we will not share, the same bytes for a
/// document that is not registered and one that is not allowed, so the two
/// look identical to the client.
pub fn encode_doc_unavailable(
    sender_id: &str,
    target_id: &str,
    document_id: &DocumentId,
) -> Vec<u8> {
    let mut encoder = minicbor::Encoder::new(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = encoder
        .map(4)
        .and_then(|e| e.str("type"))
        .and_then(|e| e.str("doc-unavailable"))
        .and_then(|e| e.str("senderId"))
        .and_then(|e| e.str(sender_id))
        .and_then(|e| e.str("targetId"))
        .and_then(|e| e.str(target_id))
        .and_then(|e| e.str("documentId"))
        .and_then(|e| e.str(&document_id.to_string()));
    encoder.into_writer()
}

/// What a client's sync message carries, once checked.
#[derive(Debug, PartialEq, Eq)]
pub struct ClientChanges {
    /// Automerge chunks (changes, documents, bundles) in the message.
    pub chunks: usize,
    /// Their total size in bytes.
    pub bytes: usize,
}

/// Checks every change a writer sends before a document applies it.
///
/// automerge 0.12 trusts a change once its checksum matches: a change whose
/// columns are well-formed but inconsistent (an op naming an actor index the
/// change does not list, ops out of order) makes `load_incremental` panic
/// (`op_set2/change/batch.rs`, `import_ops_to(..).unwrap()`), or is accepted
/// and leaves a document that no longer saves and reloads as itself (and
/// whose later changes may fail to export, so are never stored). Both were found by `tests/tests/sync_fuzz.rs`.
/// A change is accepted here only if it is canonical: decoding it and
/// encoding it again gives the same bytes (the same hash), which is what
/// every automerge implementation writes. Whole documents (a peer sending
/// most of its history) must load; bundles must expand to canonical changes.
/// Any panic inside automerge while checking counts as invalid.
///
/// This check needs no document. Changes that are canonical but do not fit
/// the document (an op on an object it lacks, an unknown actor past its
/// first change) are caught by the document actor, which applies
/// them to a copy first.
// The server decodes first and calls `check_message_changes`; this entry
// point is for the fuzz target and the tests.
pub fn check_client_changes(data: &[u8]) -> Result<ClientChanges, WireError> {
    let message = automerge::sync::Message::decode(data).map_err(|_| WireError::InvalidSyncData)?;
    check_message_changes(&message)
}

/// Probes per hash a peer's Bloom filter may ask for. Automerge writes 7;
/// it loops (and allocates) once per probe for every change it looks up.
pub const MAX_BLOOM_PROBES: u64 = 64;

/// Checks what a peer claims to have (its Bloom filters) before automerge
/// uses it. automerge 0.12 divides by the filter's size (a filter with
/// entries but no bits panics) and allocates and loops once per probe for
/// every change of the document (a filter asking for billions of probes
/// takes the server's memory and a core). Any peer, reader or writer, may
/// send one: every sync message passes here.
pub fn check_sync_claims(message: &automerge::sync::Message) -> Result<(), WireError> {
    for have in &message.have {
        let bytes = have.bloom.to_bytes();
        if bytes.is_empty() {
            // No entries: automerge never probes it.
            continue;
        }
        let mut rest = &bytes[..];
        let mut fields = [0u64; 3];
        for field in &mut fields {
            let (value, used) = read_uleb128(rest)
                .map_err(|_| WireError::InvalidBloomFilter("unreadable header"))?;
            *field = value;
            rest = &rest[used..];
        }
        let [_entries, _bits_per_entry, probes] = fields;
        if rest.is_empty() {
            return Err(WireError::InvalidBloomFilter("entries but no bits"));
        }
        if probes > MAX_BLOOM_PROBES {
            return Err(WireError::InvalidBloomFilter("too many probes"));
        }
    }
    Ok(())
}

enum Leb128Error {
    Truncated,
    /// Over nine bytes (63 bits): more than any length or count here.
    TooLong,
}

/// An unsigned LEB128 number at the start of `bytes` and its length.
fn read_uleb128(bytes: &[u8]) -> Result<(u64, usize), Leb128Error> {
    let mut value: u64 = 0;
    for (index, byte) in bytes.iter().enumerate() {
        if index == 9 {
            return Err(Leb128Error::TooLong);
        }
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            return Ok((value, index + 1));
        }
    }
    Err(Leb128Error::Truncated)
}

/// `check_client_changes` for a message already decoded.
pub fn check_message_changes(
    message: &automerge::sync::Message,
) -> Result<ClientChanges, WireError> {
    let mut summary = ClientChanges {
        chunks: 0,
        bytes: 0,
    };
    for entry in message.changes.iter() {
        for (chunk_type, chunk) in split_chunks(entry)? {
            summary.chunks += 1;
            summary.bytes += chunk.len();
            let checked = std::panic::catch_unwind(|| check_chunk(chunk_type, chunk)).unwrap_or(
                Err(WireError::InvalidChange("automerge panicked reading it")),
            );
            checked?;
        }
    }
    Ok(summary)
}

const CHUNK_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const CHUNK_DOCUMENT: u8 = 0;
const CHUNK_CHANGE: u8 = 1;
const CHUNK_COMPRESSED_CHANGE: u8 = 2;
const CHUNK_BUNDLE: u8 = 3;

/// Splits concatenated automerge chunks: magic (4 bytes), checksum (4),
/// type (1), length (uLEB128), data.
fn split_chunks(bytes: &[u8]) -> Result<Vec<(u8, &[u8])>, WireError> {
    let truncated = WireError::InvalidChange("truncated chunk");
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let rest = &bytes[start..];
        if rest.len() < 10 || rest[..4] != CHUNK_MAGIC {
            return Err(WireError::InvalidChange("not an automerge chunk"));
        }
        let chunk_type = rest[8];
        let (length, used) = read_uleb128(&rest[9..]).map_err(|error| match error {
            Leb128Error::Truncated => truncated.clone(),
            Leb128Error::TooLong => WireError::InvalidChange("chunk length overflows"),
        })?;
        let position = 9 + used;
        let end = usize::try_from(length)
            .ok()
            .and_then(|length| position.checked_add(length))
            .filter(|end| *end <= rest.len())
            .ok_or(truncated.clone())?;
        chunks.push((chunk_type, &rest[..end]));
        start += end;
    }
    Ok(chunks)
}

fn check_chunk(chunk_type: u8, chunk: &[u8]) -> Result<(), WireError> {
    match chunk_type {
        CHUNK_CHANGE | CHUNK_COMPRESSED_CHANGE => {
            let change = automerge::Change::from_bytes(chunk.to_vec())
                .map_err(|_| WireError::InvalidChange("unreadable change"))?;
            check_canonical(&change)
        }
        CHUNK_BUNDLE => {
            let bundle = automerge::Bundle::try_from(chunk)
                .map_err(|_| WireError::InvalidChange("unreadable bundle"))?;
            let changes = bundle
                .to_changes()
                .map_err(|_| WireError::InvalidChange("unreadable bundle"))?;
            changes.iter().try_for_each(check_canonical)
        }
        CHUNK_DOCUMENT => automerge::Automerge::load(chunk)
            .map(drop)
            .map_err(|_| WireError::InvalidChange("unloadable document")),
        _ => Err(WireError::InvalidChange("unknown chunk type")),
    }
}

fn check_canonical(change: &automerge::Change) -> Result<(), WireError> {
    let again = automerge::Change::from(change.decode());
    if again.hash() == change.hash() {
        Ok(())
    } else {
        Err(WireError::InvalidChange("not canonically encoded"))
    }
}

/// Our answer to a client's `join`.
pub fn encode_peer(sender_id: &str, target_id: &str, storage_id: &str) -> Vec<u8> {
    let mut encoder = minicbor::Encoder::new(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = encoder
        .map(5)
        .and_then(|e| e.str("type"))
        .and_then(|e| e.str("peer"))
        .and_then(|e| e.str("senderId"))
        .and_then(|e| e.str(sender_id))
        .and_then(|e| e.str("selectedProtocolVersion"))
        .and_then(|e| e.str("1"))
        .and_then(|e| e.str("targetId"))
        .and_then(|e| e.str(target_id))
        .and_then(|e| e.str("peerMetadata"))
        .and_then(|e| e.map(2))
        .and_then(|e| e.str("storageId"))
        .and_then(|e| e.str(storage_id))
        .and_then(|e| e.str("isEphemeral"))
        .and_then(|e| e.bool(false));
    encoder.into_writer()
}

/// A sync message from us; `data` is an encoded Automerge sync message,
/// `document_id` the id's text form.
pub fn encode_sync(sender_id: &str, target_id: &str, document_id: &str, data: &[u8]) -> Vec<u8> {
    let mut encoder = minicbor::Encoder::new(Vec::with_capacity(data.len() + 160));
    let _ = encoder
        .map(5)
        .and_then(|e| e.str("type"))
        .and_then(|e| e.str("sync"))
        .and_then(|e| e.str("documentId"))
        .and_then(|e| e.str(document_id))
        .and_then(|e| e.str("senderId"))
        .and_then(|e| e.str(sender_id))
        .and_then(|e| e.str("targetId"))
        .and_then(|e| e.str(target_id))
        .and_then(|e| e.str("data"))
        .and_then(|e| e.bytes(data));
    encoder.into_writer()
}

/// An ephemeral message relayed as its author sent it, to another target.
pub fn encode_ephemeral(
    sender_id: &str,
    target_id: &str,
    count: u64,
    session_id: &str,
    document_id: &str,
    data: &[u8],
) -> Vec<u8> {
    let mut encoder = minicbor::Encoder::new(Vec::with_capacity(data.len() + 200));
    let _ = encoder
        .map(7)
        .and_then(|e| e.str("type"))
        .and_then(|e| e.str("ephemeral"))
        .and_then(|e| e.str("senderId"))
        .and_then(|e| e.str(sender_id))
        .and_then(|e| e.str("targetId"))
        .and_then(|e| e.str(target_id))
        .and_then(|e| e.str("count"))
        .and_then(|e| e.u64(count))
        .and_then(|e| e.str("sessionId"))
        .and_then(|e| e.str(session_id))
        .and_then(|e| e.str("documentId"))
        .and_then(|e| e.str(document_id))
        .and_then(|e| e.str("data"))
        .and_then(|e| e.bytes(data));
    encoder.into_writer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_map(fields: &[(&str, &str)]) -> Vec<u8> {
        let mut encoder = minicbor::Encoder::new(Vec::new());
        encoder.map(fields.len() as u64).unwrap();
        for (key, value) in fields {
            encoder.str(key).unwrap().str(value).unwrap();
        }
        encoder.into_writer()
    }

    #[test]
    fn doc_unavailable_round_trips() {
        let document_id = test_document_id();
        let bytes = encode_doc_unavailable("server", "client", &document_id);
        let envelope = decode_envelope(&bytes).unwrap();
        assert_eq!(envelope.message_type, MessageType::DocUnavailable);
        assert_eq!(envelope.document_id, Some(document_id));
        assert_eq!(envelope.target_id, Some("client"));
    }

    #[test]
    fn duplicate_document_id_is_rejected() {
        let id = test_document_id().to_string();
        let bytes = encode_map(&[
            ("type", "request"),
            ("documentId", &id),
            ("documentId", &id),
        ]);
        assert_eq!(
            decode_envelope(&bytes).unwrap_err(),
            WireError::DuplicateField("documentId")
        );
    }

    #[test]
    fn a_cbor_string_instead_of_a_map_is_an_error_not_a_panic() {
        let mut encoder = minicbor::Encoder::new(Vec::new());
        encoder.str("documentId").unwrap();
        assert!(matches!(
            decode_envelope(&encoder.into_writer()),
            Err(WireError::Cbor(_))
        ));
        assert!(decode_envelope(&[]).is_err());
        assert!(decode_envelope(&[0xbf, 0xff]).is_err());
    }

    #[test]
    fn uuid_and_bs58_spellings_are_the_same_document() {
        let canonical = test_document_id();
        let uuid = uuid_string(canonical.as_bytes());
        let bytes = encode_map(&[("type", "sync"), ("documentId", &uuid)]);
        assert_eq!(
            decode_envelope(&bytes).unwrap().document_id,
            Some(canonical)
        );
    }

    fn sync_message_with_a_change() -> Vec<u8> {
        use automerge::sync::SyncDoc;
        use automerge::transaction::Transactable;
        let mut doc = automerge::Automerge::new();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(automerge::ROOT, "note", "from a peer")
        })
        .unwrap();
        let mut state = automerge::sync::State::new();
        // The first message only announces heads; pretend the other side
        // answered "I have nothing" so the second carries the change.
        let _ = doc.generate_sync_message(&mut state).unwrap();
        let empty = automerge::Automerge::new();
        let mut their_state = automerge::sync::State::new();
        let reply = empty.generate_sync_message(&mut their_state).unwrap();
        doc.receive_sync_message(&mut state, reply).unwrap();
        doc.generate_sync_message(&mut state).unwrap().encode()
    }

    #[test]
    fn our_messages_read_back_as_clients_see_them() {
        let document_id = test_document_id();
        let peer = encode_peer("server", "u/a/d/b", "storage-1");
        let envelope = decode_envelope(&peer).unwrap();
        assert_eq!(envelope.message_type, MessageType::Peer);
        assert_eq!(envelope.target_id, Some("u/a/d/b"));

        let sync = encode_sync("server", "u/a/d/b", &document_id.to_string(), &[1, 2, 3]);
        let envelope = decode_envelope(&sync).unwrap();
        assert_eq!(envelope.message_type, MessageType::Sync);
        assert_eq!(envelope.document_id, Some(document_id));
        assert_eq!(envelope.data, Some(&[1u8, 2, 3][..]));

        let relayed = encode_ephemeral(
            "u/x/d/y",
            "u/a/d/b",
            7,
            "session",
            &document_id.to_string(),
            &[9],
        );
        let envelope = decode_envelope(&relayed).unwrap();
        assert_eq!(envelope.message_type, MessageType::Ephemeral);
        assert_eq!(envelope.sender_id, Some("u/x/d/y"));
        assert_eq!(envelope.count, Some(7));
        assert_eq!(envelope.session_id, Some("session"));
    }

    #[test]
    fn join_says_whether_it_speaks_version_1() {
        let join = |versions: &[&str]| {
            let mut encoder = minicbor::Encoder::new(Vec::new());
            encoder.map(3).unwrap();
            encoder.str("type").unwrap().str("join").unwrap();
            encoder.str("senderId").unwrap().str("u/a/d/b").unwrap();
            encoder.str("supportedProtocolVersions").unwrap();
            encoder.array(versions.len() as u64).unwrap();
            for version in versions {
                encoder.str(version).unwrap();
            }
            encoder.into_writer()
        };
        assert!(decode_envelope(&join(&["1"])).unwrap().speaks_version_1);
        assert!(!decode_envelope(&join(&["2"])).unwrap().speaks_version_1);
    }

    #[test]
    fn garbage_sync_data_is_an_error() {
        assert_eq!(
            check_client_changes(b"not a sync message"),
            Err(WireError::InvalidSyncData)
        );
    }

    /// A sync message carrying exactly these automerge chunks.
    fn message_carrying(chunks: Vec<Vec<u8>>) -> Vec<u8> {
        let mut message = automerge::sync::Message::decode(&sync_message_with_a_change()).unwrap();
        message.changes = chunks.into();
        message.encode()
    }

    const BASE_DOCUMENT: &[u8] = include_bytes!("../fixtures/base-document.bin");
    /// Found by fuzzing: a change with a valid checksum whose ops name an
    /// actor index the change does not list.
    const CHANGE_THAT_PANICS: &[u8] = include_bytes!("../fixtures/change-that-panics.bin");
    /// Found by fuzzing: accepted by `load_incremental`, after which the
    /// document no longer saves and reloads as itself.
    const CHANGE_THAT_BREAKS_EXPORT: &[u8] =
        include_bytes!("../fixtures/change-that-breaks-export.bin");

    #[test]
    fn ordinary_changes_and_whole_documents_are_accepted() {
        let data = sync_message_with_a_change();
        let checked = check_client_changes(&data).unwrap();
        assert!(checked.chunks > 0 && checked.bytes > 0);
        let mut doc = automerge::Automerge::load(BASE_DOCUMENT).unwrap();
        use automerge::transaction::Transactable;
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            let text = tx.put_object(automerge::ROOT, "text", automerge::ObjType::Text)?;
            tx.splice_text(&text, 0, 0, "biên bản cuộc họp")?;
            tx.increment(automerge::ROOT, "missing counter", 1).ok();
            tx.put(
                automerge::ROOT,
                "when",
                automerge::ScalarValue::Timestamp(1_795_000_000),
            )?;
            tx.put(automerge::ROOT, "bytes", vec![0u8, 1, 2])?;
            Ok(())
        })
        .unwrap();
        let changes: Vec<Vec<u8>> = doc
            .get_changes(&[])
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        assert_eq!(
            check_client_changes(&message_carrying(changes))
                .unwrap()
                .chunks,
            2
        );
        // A peer that sends most of its history sends a whole document.
        assert_eq!(
            check_client_changes(&message_carrying(vec![doc.save()]))
                .unwrap()
                .chunks,
            1
        );
        // Several chunks in one entry (version 2 messages concatenate them).
        let joined: Vec<u8> = doc
            .get_changes(&[])
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect();
        assert_eq!(
            check_client_changes(&message_carrying(vec![joined]))
                .unwrap()
                .chunks,
            2
        );
    }

    #[test]
    fn changes_that_crash_or_corrupt_automerge_are_refused() {
        for bad in [CHANGE_THAT_PANICS, CHANGE_THAT_BREAKS_EXPORT] {
            assert!(matches!(
                check_client_changes(&message_carrying(vec![bad.to_vec()])),
                Err(WireError::InvalidChange(_))
            ));
        }
        assert!(matches!(
            check_client_changes(&message_carrying(vec![b"garbage".to_vec()])),
            Err(WireError::InvalidChange(_))
        ));
        let mut truncated = CHANGE_THAT_PANICS.to_vec();
        truncated.truncate(50);
        assert!(check_client_changes(&message_carrying(vec![truncated])).is_err());
    }

    /// Why the check exists. If automerge stops failing on these, the
    /// check may be relaxed (see `check_client_changes`).
    #[test]
    fn automerge_0_12_is_hurt_by_the_refused_changes() {
        let panicked = std::panic::catch_unwind(|| {
            let mut doc = automerge::Automerge::load(BASE_DOCUMENT).unwrap();
            let _ = doc.load_incremental(CHANGE_THAT_PANICS);
        });
        assert!(
            panicked.is_err(),
            "automerge no longer panics on this change"
        );
        let mut doc = automerge::Automerge::load(BASE_DOCUMENT).unwrap();
        assert!(doc.load_incremental(CHANGE_THAT_BREAKS_EXPORT).is_ok());
        let heads = doc.get_heads();
        let saved_and_reloaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let exported = doc.get_changes(&[]).len();
            let reloaded = automerge::Automerge::load(&doc.save()).ok()?;
            (reloaded.get_heads() == heads).then_some(exported)
        }));
        assert!(
            !matches!(saved_and_reloaded, Ok(Some(_))),
            "automerge now saves and reloads a document holding this change"
        );
    }

    /// A sync message from a peer whose Bloom filter is these bytes.
    fn message_with_bloom(bloom: &[u8]) -> automerge::sync::Message {
        let mut message = automerge::sync::Message::decode(&sync_message_with_a_change()).unwrap();
        message.changes = automerge::sync::ChunkList::empty();
        message.have = vec![automerge::sync::Have {
            last_sync: Vec::new(),
            bloom: automerge::sync::BloomFilter::try_from(bloom).unwrap(),
        }];
        message
    }

    /// Entries, bits per entry, probes: LEB128 each, then the bits.
    const BLOOM_WITHOUT_BITS: &[u8] = &[1, 0, 7];
    const BLOOM_WITH_A_BILLION_PROBES: &[u8] = &[1, 10, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0xff, 0xff];

    #[test]
    fn bloom_filters_automerge_cannot_use_are_refused() {
        for (bloom, reason) in [
            (BLOOM_WITHOUT_BITS, "entries but no bits"),
            (BLOOM_WITH_A_BILLION_PROBES, "too many probes"),
        ] {
            assert_eq!(
                check_sync_claims(&message_with_bloom(bloom)),
                Err(WireError::InvalidBloomFilter(reason))
            );
        }
        // What automerge itself writes, and an empty filter.
        let doc = automerge::Automerge::load(BASE_DOCUMENT).unwrap();
        let ordinary = automerge::sync::SyncDoc::generate_sync_message(
            &doc,
            &mut automerge::sync::State::new(),
        )
        .unwrap();
        assert!(!ordinary.have.is_empty());
        assert_eq!(check_sync_claims(&ordinary), Ok(()));
        assert_eq!(check_sync_claims(&message_with_bloom(&[])), Ok(()));
    }

    /// Why `check_sync_claims` exists (found by the `sync_states` fuzz
    /// target): a filter with entries and no bits makes automerge divide
    /// by zero when it answers.
    #[test]
    fn automerge_0_12_panics_answering_a_bloom_filter_without_bits() {
        use automerge::sync::SyncDoc;
        let panicked = std::panic::catch_unwind(|| {
            let mut doc = automerge::Automerge::load(BASE_DOCUMENT).unwrap();
            let mut state = automerge::sync::State::new();
            doc.receive_sync_message(&mut state, message_with_bloom(BLOOM_WITHOUT_BITS))
                .unwrap();
            doc.generate_sync_message(&mut state)
        });
        assert!(
            panicked.is_err(),
            "automerge no longer panics on this filter"
        );
    }

    fn test_document_id() -> DocumentId {
        DocumentId::try_from((1u8..=16).collect::<Vec<u8>>()).unwrap()
    }

    fn uuid_string(bytes: &[u8]) -> String {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }
}
