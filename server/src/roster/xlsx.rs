//! The first sheet of an XLSX workbook as text, read with the package and
//! XML readers uploads use (`crate::upload`): bounded unpacking (no zip
//! bombs, no duplicate or climbing names), no DOCTYPE, UTF-8 only. Shared
//! strings, inline strings, numbers and booleans are read; formulas give
//! their cached value; styles, dates as dates, and every other sheet are
//! not read.

use crate::upload::package::{read_package, Part};
use crate::upload::xml::{walk, Node};
use crate::upload::{ArchiveLimits, UploadRejection};

use super::{RosterError, Table, TableRow, MAX_COLUMNS, MAX_ROWS};

/// What a workbook may unpack to: a list of officials is small.
const LIMITS: ArchiveLimits = ArchiveLimits {
    max_entries: 1_000,
    max_total_uncompressed: 32 * 1024 * 1024,
    max_ratio: 200,
};
/// `<row>` elements read, blank ones included, before giving up.
const MAX_ROW_ELEMENTS: usize = 10_000;
/// Characters of one cell kept.
const MAX_CELL_CHARS: usize = 1_000;

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELATIONSHIPS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn broken(why: impl std::fmt::Display) -> RosterError {
    RosterError::BrokenWorkbook(why.to_string())
}

fn rejected(rejection: UploadRejection) -> RosterError {
    broken(rejection)
}

fn part<'a>(parts: &'a [Part], name: &str) -> Option<&'a Part> {
    parts
        .iter()
        .find(|part| part.name.eq_ignore_ascii_case(name))
}

/// The package name of the workbook's first sheet.
fn first_sheet(parts: &[Part]) -> Result<String, RosterError> {
    let workbook = part(parts, "xl/workbook.xml").ok_or_else(|| broken("no xl/workbook.xml"))?;
    let mut first_id: Option<String> = None;
    walk(&workbook.name, &workbook.bytes, |node| {
        if let Node::Start {
            namespace,
            local: "sheet",
            attributes,
        } = node
        {
            if namespace == MAIN && first_id.is_none() {
                first_id = attributes
                    .iter()
                    .find(|a| a.namespace == RELATIONSHIPS && a.local == "id")
                    .map(|a| a.value.clone());
            }
        }
        Ok(())
    })
    .map_err(rejected)?;
    let first_id = first_id.ok_or_else(|| broken("the workbook has no sheet"))?;
    let rels = part(parts, "xl/_rels/workbook.xml.rels")
        .ok_or_else(|| broken("no xl/_rels/workbook.xml.rels"))?;
    let mut target: Option<String> = None;
    walk(&rels.name, &rels.bytes, |node| {
        if let Node::Start {
            local: "Relationship",
            attributes,
            ..
        } = node
        {
            let value = |name: &str| {
                attributes
                    .iter()
                    .find(|a| a.namespace.is_empty() && a.local == name)
                    .map(|a| a.value.as_str())
            };
            if value("Id") == Some(first_id.as_str()) {
                target = value("Target").map(str::to_owned);
            }
        }
        Ok(())
    })
    .map_err(rejected)?;
    let target = target.ok_or_else(|| broken("the first sheet has no part"))?;
    Ok(match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("xl/{target}"),
    })
}

/// The workbook's shared strings (rich text runs joined; phonetic
/// guides, `rPh`, left out).
fn shared_strings(parts: &[Part]) -> Result<Vec<String>, RosterError> {
    let Some(strings) = part(parts, "xl/sharedStrings.xml") else {
        return Ok(Vec::new());
    };
    let mut all = Vec::new();
    let mut current = String::new();
    let (mut in_item, mut in_text, mut phonetic_depth) = (false, false, 0usize);
    walk(&strings.name, &strings.bytes, |node| {
        match node {
            Node::Start { local: "si", .. } => {
                in_item = true;
                current.clear();
            }
            Node::Start { local: "rPh", .. } => phonetic_depth += 1,
            Node::Start { local: "t", .. } => in_text = true,
            Node::Text(text)
                if in_item
                    && in_text
                    && phonetic_depth == 0
                    && current.chars().count() < MAX_CELL_CHARS =>
            {
                current.push_str(text);
            }
            Node::End { local: "t", .. } => in_text = false,
            Node::End { local: "rPh", .. } => phonetic_depth = phonetic_depth.saturating_sub(1),
            Node::End { local: "si", .. } => {
                in_item = false;
                all.push(std::mem::take(&mut current));
            }
            _ => {}
        }
        Ok(())
    })
    .map_err(rejected)?;
    Ok(all)
}

/// The column index (0 for A) of a cell reference such as `C12`.
fn column_of_reference(reference: &str) -> Option<usize> {
    let letters: Vec<u8> = reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .collect();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut index = 0usize;
    for letter in letters {
        index = index * 26 + usize::from(letter.to_ascii_uppercase() - b'A') + 1;
    }
    Some(index - 1)
}

/// A cell being read.
#[derive(Default)]
struct Cell {
    column: usize,
    kind: String,
    value: String,
    reading: bool,
}

pub fn read(bytes: &[u8]) -> Result<Table, RosterError> {
    let parts = read_package(bytes, LIMITS).map_err(rejected)?;
    let sheet_name = first_sheet(&parts)?;
    let sheet = part(&parts, &sheet_name).ok_or_else(|| broken(format!("no {sheet_name}")))?;
    let strings = shared_strings(&parts)?;

    let mut table = Table::new();
    let mut row: Option<TableRow> = None;
    let mut cell: Option<Cell> = None;
    let mut next_line: u32 = 1;
    let mut next_column = 0usize;
    let mut row_elements = 0usize;
    walk(&sheet.name, &sheet.bytes, |node| {
        match node {
            Node::Start {
                local: "row",
                attributes,
                ..
            } => {
                row_elements += 1;
                if row_elements > MAX_ROW_ELEMENTS {
                    return Err(UploadRejection::ZipBomb);
                }
                let line = attributes
                    .iter()
                    .find(|a| a.local == "r")
                    .and_then(|a| a.value.parse::<u32>().ok())
                    .unwrap_or(next_line);
                next_line = line.saturating_add(1);
                next_column = 0;
                row = Some(TableRow {
                    line,
                    cells: Vec::new(),
                });
            }
            Node::Start {
                local: "c",
                attributes,
                ..
            } => {
                let value = |name: &str| {
                    attributes
                        .iter()
                        .find(|a| a.namespace.is_empty() && a.local == name)
                        .map(|a| a.value.as_str())
                };
                // A reference we cannot read puts the cell out of reach.
                let column = match value("r") {
                    Some(reference) => column_of_reference(reference).unwrap_or(usize::MAX),
                    None => next_column,
                };
                next_column = column.saturating_add(1);
                cell = Some(Cell {
                    column,
                    kind: value("t").unwrap_or("n").to_owned(),
                    ..Cell::default()
                });
            }
            Node::Start {
                local: "v" | "t", ..
            } => {
                if let Some(cell) = cell.as_mut() {
                    cell.reading = true;
                }
            }
            Node::Text(text) => {
                if let Some(cell) = cell.as_mut().filter(|cell| cell.reading) {
                    if cell.value.chars().count() < MAX_CELL_CHARS {
                        cell.value.push_str(text);
                    }
                }
            }
            Node::End {
                local: "v" | "t", ..
            } => {
                if let Some(cell) = cell.as_mut() {
                    cell.reading = false;
                }
            }
            Node::End { local: "c", .. } => {
                if let (Some(done), Some(row)) = (cell.take(), row.as_mut()) {
                    if done.column < MAX_COLUMNS {
                        let text = match done.kind.as_str() {
                            "s" => done
                                .value
                                .trim()
                                .parse::<usize>()
                                .ok()
                                .and_then(|index| strings.get(index))
                                .cloned()
                                .unwrap_or_default(),
                            "b" => if done.value.trim() == "1" {
                                "TRUE"
                            } else {
                                "FALSE"
                            }
                            .to_owned(),
                            _ => done.value,
                        };
                        if row.cells.len() <= done.column {
                            row.cells.resize(done.column + 1, String::new());
                        }
                        row.cells[done.column] = text;
                    }
                }
            }
            Node::End { local: "row", .. } => {
                if let Some(done) = row.take() {
                    if !done.is_blank() {
                        table.push(done);
                        if table.len() > MAX_ROWS + 1 {
                            // Not a zip bomb, but the walk stops the same
                            // way; told apart below.
                            return Err(UploadRejection::NestedTooDeep);
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    })
    .map_err(|rejection| match rejection {
        UploadRejection::NestedTooDeep => RosterError::TooManyRows,
        UploadRejection::ZipBomb if row_elements > MAX_ROW_ELEMENTS => RosterError::TooManyRows,
        other => rejected(other),
    })?;
    Ok(table)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A workbook with one sheet, from its sheet data and shared strings.
    fn workbook(sheet_data: &str, strings: &[&str]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        let mut add = |name: &str, text: String| {
            zip.start_file(name, options).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        };
        add("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#.to_owned());
        add(
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets><sheet name="Danh sách" sheetId="1" r:id="rId7"/></sheets></workbook>"#
            ),
        );
        add("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/data.xml"/></Relationships>"#.to_owned());
        let items: String = strings
            .iter()
            .map(|s| format!("<si><t>{s}</t></si>"))
            .collect();
        add(
            "xl/sharedStrings.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{items}</sst>"#),
        );
        add(
            "xl/worksheets/data.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>"#
            ),
        );
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn shared_inline_and_number_cells_are_read_at_their_columns() {
        let bytes = workbook(
            r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>
               <row r="3"><c r="A3" t="inlineStr"><is><t>Lê Văn Bình</t></is></c><c r="B3"><v>42</v></c><c r="C3" t="s"><v>2</v></c></row>"#,
            &["Họ tên", "Tên đăng nhập", "lvbinh"],
        );
        let table = read(&bytes).unwrap();
        assert_eq!(table.len(), 2);
        assert_eq!(table[0].cells, vec!["Họ tên", "", "Tên đăng nhập"]);
        assert_eq!(
            (table[1].line, table[1].cells.clone()),
            (
                3,
                vec![
                    "Lê Văn Bình".to_owned(),
                    "42".to_owned(),
                    "lvbinh".to_owned()
                ]
            )
        );
    }

    #[test]
    fn hostile_workbooks_are_refused_without_panicking() {
        assert!(matches!(
            read(b"PK\x03\x04not a zip at all"),
            Err(RosterError::BrokenWorkbook(_))
        ));
        let mut truncated = workbook("<row><c><v>1</v></c></row>", &[]);
        truncated.truncate(truncated.len() / 2);
        assert!(matches!(
            read(&truncated),
            Err(RosterError::BrokenWorkbook(_))
        ));
        // A shared string index past the end reads as an empty cell.
        let table = read(&workbook(
            r#"<row><c t="s"><v>99999999999</v></c><c r="ZZZZ1"><v>x</v></c></row>"#,
            &[],
        ))
        .unwrap();
        assert!(table.is_empty());
        let many: String = (1..=MAX_ROWS + 2)
            .map(|r| format!(r#"<row r="{r}"><c t="inlineStr"><is><t>x</t></is></c></row>"#))
            .collect();
        assert_eq!(
            read(&workbook(&many, &[])).unwrap_err(),
            RosterError::TooManyRows
        );
        let blank: String = (1..=MAX_ROW_ELEMENTS + 1)
            .map(|r| format!(r#"<row r="{r}"/>"#))
            .collect();
        assert_eq!(
            read(&workbook(&blank, &[])).unwrap_err(),
            RosterError::TooManyRows
        );
    }
}
