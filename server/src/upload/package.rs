//! Reading a zip package (OOXML or ODF) into memory, refusing what could
//! make our reading differ from LibreOffice's: duplicate or case-folded
//! duplicate names, names that climb out, more data than the header
//! declared, and archives that unpack to too much (zip bombs).

use std::collections::HashSet;
use std::io::{Cursor, Read};

use super::{ArchiveLimits, UploadRejection};

/// One entry of a package, unpacked.
#[derive(Debug)]
pub struct Part {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Every entry of the zip in `bytes`, in archive order.
pub fn read_package(bytes: &[u8], limits: ArchiveLimits) -> Result<Vec<Part>, UploadRejection> {
    let broken = |e: zip::result::ZipError| UploadRejection::BrokenArchive(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(broken)?;
    if archive.len() > limits.max_entries {
        return Err(UploadRejection::ZipBomb);
    }
    // Sizes first, from the central directory, before inflating anything.
    let mut declared: u64 = 0;
    let mut seen = HashSet::new();
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(broken)?;
        let name = entry.name().map_err(broken)?.into_owned();
        if entry.enclosed_name().is_none()
            || name.contains('\\')
            || name.starts_with('/')
            || name.contains('\0')
        {
            return Err(UploadRejection::UnsafeEntryName(name));
        }
        // OPC part names compare case-insensitively, and which of two
        // same-named entries a reader takes is up to the reader: refuse
        // rather than guess which one LibreOffice would see.
        if !seen.insert(name.to_lowercase()) {
            return Err(UploadRejection::DuplicateEntry(name));
        }
        declared = declared.saturating_add(entry.size());
    }
    let compressed = bytes.len() as u64;
    if declared > limits.max_total_uncompressed || declared / compressed.max(1) > limits.max_ratio {
        return Err(UploadRejection::ZipBomb);
    }
    let mut parts = Vec::with_capacity(archive.len());
    let mut budget = limits.max_total_uncompressed;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(broken)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map_err(broken)?.into_owned();
        let size = entry.size();
        let mut data = Vec::with_capacity(size.min(budget) as usize);
        // One byte more than declared shows a header that lies.
        entry
            .take(size.min(budget).saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|e| UploadRejection::BrokenArchive(format!("{name}: {e}")))?;
        if data.len() as u64 > size || data.len() as u64 > budget {
            return Err(UploadRejection::ZipBomb);
        }
        budget -= data.len() as u64;
        parts.push(Part { name, bytes: data });
    }
    Ok(parts)
}
