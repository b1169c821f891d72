//! Document ids as automerge-repo spells them: 16 random bytes, written as
//! base58 with a 4-byte checksum (`automerge:` URLs carry that string).

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a document id")]
pub struct BadDocumentId;

impl DocumentId {
    pub fn random() -> Self {
        Self(rand::random())
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(&self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl TryFrom<&[u8]> for DocumentId {
    type Error = BadDocumentId;

    fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
        bytes.try_into().map(Self).map_err(|_| BadDocumentId)
    }
}

impl TryFrom<Vec<u8>> for DocumentId {
    type Error = BadDocumentId;

    fn try_from(bytes: Vec<u8>) -> Result<Self, Self::Error> {
        Self::try_from(bytes.as_slice())
    }
}

impl FromStr for DocumentId {
    type Err = BadDocumentId;

    /// The base58check form, or (as automerge-repo also accepts) a UUID in
    /// its hyphenated form.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() > 64 {
            return Err(BadDocumentId);
        }
        if let Ok(bytes) = bs58::decode(text).with_check(None).into_vec() {
            return Self::try_from(bytes);
        }
        parse_uuid(text).map(Self).ok_or(BadDocumentId)
    }
}

fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    if text.len() != 36 || hex.len() != 32 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (index, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(index * 2..index * 2 + 2)?, 16).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_form_round_trips_and_rejects_a_bad_checksum() {
        let id = DocumentId::random();
        let text = id.to_string();
        assert_eq!(text.parse::<DocumentId>(), Ok(id));
        let mut broken = text.clone().into_bytes();
        let last = broken.len() - 1;
        broken[last] = if broken[last] == b'2' { b'3' } else { b'2' };
        assert!(String::from_utf8(broken)
            .unwrap()
            .parse::<DocumentId>()
            .is_err());
    }

    #[test]
    fn a_uuid_and_raw_bytes_name_the_same_document() {
        let uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let from_text: DocumentId = uuid.parse().unwrap();
        let raw = [
            0x0f, 0x8f, 0xad, 0x5b, 0xd9, 0xcb, 0x46, 0x9f, 0xa1, 0x65, 0x70, 0x86, 0x77, 0x28,
            0x95, 0x0e,
        ];
        assert_eq!(DocumentId::try_from(&raw[..]), Ok(from_text));
        assert!(DocumentId::try_from(&raw[..15]).is_err());
    }
}
