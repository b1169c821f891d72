//! Legacy Office files (OLE2 compound files: Word, Excel and PowerPoint
//! 97-2003). Refused by default: their formats are binary records a
//! filter cannot read as thoroughly as XML, and every current Office saves
//! DOCX, XLSX and PPTX. An operator may allow them
//! (`--allow-legacy-office`); they are then converted in the same sandbox,
//! after every stream is searched for linking field codes (a field begins
//! with the character 0x13, in 8-bit or UTF-16 text).
//!
//! The same search runs on OLE2 objects embedded in OOXML and ODF
//! packages, whatever the policy.

use std::io::{Cursor, Read};

use super::ooxml::LINKING_FIELDS;
use super::{UploadKind, UploadRejection};

/// At most this much of an OLE2 file's streams is searched.
const MAX_STREAM_BYTES: u64 = 300 * 1024 * 1024;

fn open(bytes: &[u8]) -> Result<cfb::CompoundFile<Cursor<Vec<u8>>>, UploadRejection> {
    let owned = bytes.to_vec();
    match std::panic::catch_unwind(move || cfb::CompoundFile::open(Cursor::new(owned))) {
        Ok(Ok(file)) => Ok(file),
        Ok(Err(error)) => Err(UploadRejection::BrokenArchive(error.to_string())),
        Err(_) => Err(UploadRejection::BrokenArchive(
            "the compound file could not be read".into(),
        )),
    }
}

/// What kind of legacy file `bytes` is, refusing it unless allowed.
pub fn classify(bytes: &[u8], allow_legacy: bool) -> Result<UploadKind, UploadRejection> {
    let file = open(bytes)?;
    let has = |name: &str| file.is_stream(format!("/{name}"));
    if has("EncryptionInfo") || has("EncryptedPackage") {
        return Err(UploadRejection::Encrypted);
    }
    let kind = if has("WordDocument") {
        UploadKind::Doc
    } else if has("Workbook") || has("Book") {
        UploadKind::Xls
    } else if has("PowerPoint Document") {
        UploadKind::Ppt
    } else {
        return Err(UploadRejection::UnknownKind);
    };
    if !allow_legacy {
        return Err(UploadRejection::LegacyFormat(kind));
    }
    drop(file);
    scan_fields(bytes)?;
    Ok(kind)
}

/// Searches every stream of an OLE2 file for a linking field.
pub fn scan_fields(bytes: &[u8]) -> Result<(), UploadRejection> {
    let mut file = open(bytes)?;
    let streams: Vec<_> = file
        .walk()
        .filter(|entry| entry.is_stream())
        .map(|entry| entry.path().to_path_buf())
        .collect();
    let mut budget = MAX_STREAM_BYTES;
    for path in streams {
        let mut stream = file
            .open_stream(&path)
            .map_err(|e| UploadRejection::BrokenArchive(e.to_string()))?;
        let mut data = Vec::new();
        (&mut stream)
            .take(budget)
            .read_to_end(&mut data)
            .map_err(|e| UploadRejection::BrokenArchive(e.to_string()))?;
        budget = budget.saturating_sub(data.len() as u64);
        if let Some(field) = linking_field_in(&data) {
            return Err(UploadRejection::LinkingField(field));
        }
        if budget == 0 {
            return Err(UploadRejection::ZipBomb);
        }
    }
    Ok(())
}

/// The first linking field code in binary text: 0x13, blanks, a field
/// name; as single bytes or UTF-16LE.
pub fn linking_field_in(data: &[u8]) -> Option<String> {
    for (index, _) in data.iter().enumerate().filter(|(_, b)| **b == 0x13) {
        for wide in [false, true] {
            let step = if wide { 2 } else { 1 };
            let mut position = index + step;
            let mut name = String::new();
            while position < data.len() {
                let byte = data[position];
                if wide && data.get(position + 1) != Some(&0) {
                    break;
                }
                if byte == b' ' && name.is_empty() {
                    position += step;
                    continue;
                }
                if !byte.is_ascii_alphabetic() || name.len() > 20 {
                    break;
                }
                name.push(byte.to_ascii_uppercase() as char);
                position += step;
            }
            if LINKING_FIELDS.contains(&name.as_str()) {
                return Some(name);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linking_fields_are_found_in_narrow_and_wide_text() {
        assert_eq!(
            linking_field_in(b"abc\x13 INCLUDEPICTURE \"file:///x\" \x14\x15").as_deref(),
            Some("INCLUDEPICTURE")
        );
        let wide: Vec<u8> = "\u{13} includetext x"
            .encode_utf16()
            .flat_map(|unit| unit.to_le_bytes())
            .collect();
        assert_eq!(linking_field_in(&wide).as_deref(), Some("INCLUDETEXT"));
        assert_eq!(linking_field_in(b"\x13 PAGE \x14 1\x15"), None);
        assert_eq!(linking_field_in(b"LINK without a field"), None);
    }
}
