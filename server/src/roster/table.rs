//! A file as rows of text cells, whatever its format.

use super::{csv, xlsx, RosterError, MAX_FILE_BYTES};

/// One row of a table: its number as a spreadsheet shows it, and its
/// cells from the first column (missing cells are empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub line: u32,
    pub cells: Vec<String>,
}

impl TableRow {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|cell| cell.trim().is_empty())
    }
}

pub type Table = Vec<TableRow>;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads an XLSX workbook's first sheet, or a CSV file, by its bytes (the
/// name a browser gives proves nothing).
pub fn read_table(bytes: &[u8]) -> Result<Table, RosterError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(RosterError::TooManyRows);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(RosterError::Empty);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        xlsx::read(bytes)
    } else if bytes.starts_with(OLE2_MAGIC) {
        Err(RosterError::LegacyWorkbook)
    } else {
        csv::read(bytes)
    }
}
