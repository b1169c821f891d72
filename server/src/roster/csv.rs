//! CSV as spreadsheets save it: UTF-8 (with or without a byte order
//! mark), fields separated by commas, semicolons (Excel in a locale whose
//! decimal mark is a comma) or tabs, quoted with `"` and `""` inside.

use super::{RosterError, Table, TableRow, MAX_COLUMNS, MAX_ROWS};

/// The separator the header line uses most, outside quotes.
fn separator_of(text: &str) -> char {
    let mut counts = [(',', 0usize), (';', 0), ('\t', 0)];
    let mut quoted = false;
    for character in text.chars() {
        match character {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            other if !quoted => {
                for (separator, count) in &mut counts {
                    if *separator == other {
                        *count += 1;
                    }
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .fold((',', 0), |best, &(separator, count)| {
            if count > best.1 {
                (separator, count)
            } else {
                best
            }
        })
        .0
}

pub fn read(bytes: &[u8]) -> Result<Table, RosterError> {
    if bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xFF\xFE") {
        return Err(RosterError::NotUtf8);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| RosterError::NotUtf8)?;
    if text.contains('\0') {
        return Err(RosterError::NotUtf8);
    }
    let separator = separator_of(text);
    let mut table = Table::new();
    let mut cells: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut characters = text.chars().peekable();
    let mut line: u32 = 1;
    let mut finish_row = |cells: &mut Vec<String>, line: &mut u32| -> Result<(), RosterError> {
        let row = TableRow {
            line: *line,
            cells: std::mem::take(cells),
        };
        *line += 1;
        if !row.is_blank() {
            // The header and MAX_ROWS rows.
            if table.len() > MAX_ROWS {
                return Err(RosterError::TooManyRows);
            }
            table.push(row);
        }
        Ok(())
    };
    let push_cell = |cells: &mut Vec<String>, cell: &mut String| {
        if cells.len() < MAX_COLUMNS {
            cells.push(std::mem::take(cell));
        } else {
            cell.clear();
        }
    };
    while let Some(character) = characters.next() {
        if quoted {
            if character == '"' {
                if characters.peek() == Some(&'"') {
                    characters.next();
                    cell.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cell.push(character);
            }
            continue;
        }
        match character {
            '"' if cell.is_empty() => quoted = true,
            '\r' => {}
            '\n' => {
                push_cell(&mut cells, &mut cell);
                finish_row(&mut cells, &mut line)?;
            }
            other if other == separator => push_cell(&mut cells, &mut cell),
            other => cell.push(other),
        }
    }
    if !cell.is_empty() || !cells.is_empty() {
        push_cell(&mut cells, &mut cell);
        finish_row(&mut cells, &mut line)?;
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(table: &Table) -> Vec<(u32, Vec<&str>)> {
        table
            .iter()
            .map(|row| (row.line, row.cells.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn quotes_separators_and_line_ends_are_read_as_spreadsheets_write_them() {
        let table =
            read("\u{feff}a;b\r\n\"x;\"\"y\"\"\";z\r\n\r\n\"two\nlines\";w".as_bytes()).unwrap();
        assert_eq!(
            cells(&table),
            vec![
                (1, vec!["a", "b"]),
                (2, vec!["x;\"y\"", "z"]),
                (4, vec!["two\nlines", "w"]),
            ]
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_refused() {
        assert_eq!(read(b"H\xe4 t\xean\n").unwrap_err(), RosterError::NotUtf8);
        assert_eq!(read(b"\xFF\xFEa\0").unwrap_err(), RosterError::NotUtf8);
    }

    #[test]
    fn more_rows_than_allowed_are_refused() {
        let mut text = String::from("name,username\n");
        for index in 0..=MAX_ROWS {
            text.push_str(&format!("N,u{index}\n"));
        }
        assert_eq!(read(text.as_bytes()).unwrap_err(), RosterError::TooManyRows);
    }
}
