//! Just enough DER to write and read the CMS structures of a PDF
//! signature and the X.509 certificates in it: tag-length-value encoding,
//! and a reader that walks a buffer without ever panicking on what it is
//! given (signed files come from outside).
//!
//! Why by hand and not a general ASN.1 crate: the signature needs a dozen
//! fixed structures (RFC 5652 SignedData, RFC 5035 signing-certificate-v2,
//! RFC 5280 certificate fields); a walker over tags is short, has no
//! dependencies, and its failure mode is one error type.

/// Universal tags used here.
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const UTF8_STRING: u8 = 0x0c;
pub const PRINTABLE_STRING: u8 = 0x13;
pub const IA5_STRING: u8 = 0x16;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const BMP_STRING: u8 = 0x1e;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;

/// Context-specific tag `n`, constructed.
pub const fn context(n: u8) -> u8 {
    0xa0 | n
}

/// Why a DER value cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed der: {0}")]
pub struct DerError(pub &'static str);

/// One encoded value: tag, length, content.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let length = content.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes = length.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of already encoded values.
pub fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &parts.concat())
}

/// A SET OF already encoded values, in the order DER requires (sorted by
/// their encodings).
pub fn set_of(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut sorted: Vec<&Vec<u8>> = parts.iter().collect();
    sorted.sort();
    let content: Vec<u8> = sorted.into_iter().flatten().copied().collect();
    tlv(SET, &content)
}

/// An OBJECT IDENTIFIER from its arcs.
pub fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut content = Vec::new();
    let first = arcs.first().copied().unwrap_or(0) * 40 + arcs.get(1).copied().unwrap_or(0);
    for arc in std::iter::once(first).chain(arcs.iter().skip(2).copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        groups.reverse();
        content.extend_from_slice(&groups);
    }
    tlv(OID, &content)
}

/// A small non-negative INTEGER.
pub fn integer(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    let mut content = bytes[skip..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    tlv(INTEGER, &content)
}

/// An AlgorithmIdentifier with no parameters, or NULL ones.
pub fn algorithm(arcs: &[u64], null_parameters: bool) -> Vec<u8> {
    if null_parameters {
        sequence(&[&oid(arcs), &tlv(NULL, &[])])
    } else {
        sequence(&[&oid(arcs)])
    }
}

/// A value read from a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Value<'a> {
    pub tag: u8,
    /// The content octets.
    pub content: &'a [u8],
    /// The whole encoding (tag, length, content).
    pub raw: &'a [u8],
}

impl<'a> Value<'a> {
    /// Reads the values inside this one, in order.
    pub fn reader(&self) -> Reader<'a> {
        Reader { rest: self.content }
    }

    /// Fails unless the tag is `tag`.
    pub fn expect(self, tag: u8, what: &'static str) -> Result<Value<'a>, DerError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(DerError(what))
        }
    }

    /// The content of a BIT STRING without its unused-bits octet.
    pub fn bits(&self) -> Result<&'a [u8], DerError> {
        match self.content.split_first() {
            Some((0, bits)) if self.tag == BIT_STRING => Ok(bits),
            _ => Err(DerError("expected a whole-byte bit string")),
        }
    }

    /// The text of a string value (UTF8String, PrintableString, IA5String,
    /// BMPString).
    pub fn text(&self) -> Option<String> {
        match self.tag {
            UTF8_STRING | PRINTABLE_STRING | IA5_STRING => {
                String::from_utf8(self.content.to_vec()).ok()
            }
            BMP_STRING => {
                let units: Vec<u16> = self
                    .content
                    .chunks_exact(2)
                    .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                    .collect();
                String::from_utf16(&units).ok()
            }
            _ => None,
        }
    }
}

/// Reads consecutive values from a buffer.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(buffer: &'a [u8]) -> Reader<'a> {
        Reader { rest: buffer }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next value, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next value.
    pub fn next_value(&mut self) -> Result<Value<'a>, DerError> {
        let buffer = self.rest;
        let (&tag, after_tag) = buffer.split_first().ok_or(DerError("truncated"))?;
        if tag & 0x1f == 0x1f {
            return Err(DerError("multi-byte tags are not used here"));
        }
        let (&first, after_length) = after_tag.split_first().ok_or(DerError("truncated"))?;
        let (length, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 {
                return Err(DerError("unsupported length"));
            }
            let bytes = after_length.get(..count).ok_or(DerError("truncated"))?;
            let length = bytes
                .iter()
                .fold(0usize, |acc, &byte| (acc << 8) | usize::from(byte));
            (length, 2 + count)
        };
        let end = header.checked_add(length).ok_or(DerError("too long"))?;
        let raw = buffer.get(..end).ok_or(DerError("truncated"))?;
        self.rest = &buffer[end..];
        Ok(Value {
            tag,
            content: &raw[header..],
            raw,
        })
    }

    /// The next value, which must have tag `tag`.
    pub fn expect(&mut self, tag: u8, what: &'static str) -> Result<Value<'a>, DerError> {
        self.next_value()?.expect(tag, what)
    }

    /// The next value if it has tag `tag`.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Value<'a>>, DerError> {
        if self.peek_tag() == Some(tag) {
            self.next_value().map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Reads exactly one value from `buffer` (trailing bytes are allowed: a
/// signature's `/Contents` is padded with zeros).
pub fn parse_one(buffer: &[u8]) -> Result<Value<'_>, DerError> {
    Reader::new(buffer).next_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_encodes_as_rfc_5652_says() {
        // id-signedData 1.2.840.113549.1.7.2
        assert_eq!(
            oid(&[1, 2, 840, 113549, 1, 7, 2]),
            [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]
        );
    }

    #[test]
    fn long_lengths_round_trip() {
        let content = vec![7u8; 300];
        let encoded = tlv(OCTET_STRING, &content);
        assert_eq!(&encoded[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let value = parse_one(&encoded).unwrap();
        assert_eq!(value.content, &content[..]);
        assert_eq!(value.raw, &encoded[..]);
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        for input in [&[][..], &[0x30], &[0x30, 0x82, 0x01], &[0x30, 0x05, 0x01]] {
            assert!(parse_one(input).is_err());
        }
    }

    #[test]
    fn integers_keep_their_sign_bit_clear() {
        assert_eq!(integer(1), [0x02, 0x01, 0x01]);
        assert_eq!(integer(128), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(0), [0x02, 0x01, 0x00]);
    }
}
