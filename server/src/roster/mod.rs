//! A list of officials to import as accounts (`/users/import`), read from
//! the bytes of a CSV or XLSX file. Pure: bytes (and the usernames that
//! already exist) in, rows with their problems out; the HTTP layer words
//! the problems and the store writes the accounts.
//!
//! `table` turns a file into rows of cells (`csv` and `xlsx`, each with
//! the limits hostile input meets: bytes, rows, columns, what a zip may
//! unpack to); this module finds the columns by their header (Vietnamese
//! with or without diacritics, or English) and checks every row.

mod csv;
mod table;
mod xlsx;

use std::collections::{HashMap, HashSet};

use phonghop_protocol::api::{ImportRowErrorCode, OrgRole};
use unicode_normalization::UnicodeNormalization;

pub use table::{read_table, Table, TableRow};

/// The largest file the server reads: a district's officials fit in a
/// few tens of kilobytes.
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;
/// The most rows (besides the header) one file may have: more than any
/// district has officials, and what argon2 hashes in seconds.
pub const MAX_ROWS: usize = 500;
/// Columns past this one are not read.
pub const MAX_COLUMNS: usize = 64;
/// The longest full name an account takes.
pub const MAX_NAME_CHARS: usize = 200;

/// Why a file cannot be read at all (rows with problems are not this).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is a legacy excel workbook (.xls)")]
    LegacyWorkbook,
    #[error("the csv file is not utf-8")]
    NotUtf8,
    #[error("the workbook cannot be read: {0}")]
    BrokenWorkbook(String),
    #[error("the file has no header row")]
    NoHeader,
    #[error("the header has no {0:?} column")]
    MissingColumn(Column),
    #[error("the file has more than {MAX_ROWS} rows")]
    TooManyRows,
}

/// A column the import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// Họ tên.
    Name,
    /// Tên đăng nhập.
    Username,
    /// Vai trò (optional: an empty or missing one is `user`).
    Role,
}

/// One row as read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// The row's number in the file (the header's is 1 when it is first).
    pub line: u32,
    pub display_name: String,
    /// Trimmed and lowercased.
    pub username: String,
    pub role: Option<OrgRole>,
    pub problems: Vec<ImportRowErrorCode>,
}

/// A whole list, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub rows: Vec<RosterRow>,
    /// Headers of the columns not read, as the file wrote them.
    pub ignored_columns: Vec<String>,
}

impl Roster {
    pub fn rows_with_problems(&self) -> usize {
        self.rows
            .iter()
            .filter(|row| !row.problems.is_empty())
            .count()
    }
}

/// Lowercase, without diacritics (đ as d), words separated by one space:
/// "Tên đăng nhập", "TEN DANG NHAP" and "ten_dang_nhap" all read
/// "ten dang nhap".
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for character in text.nfd() {
        if ('\u{300}'..='\u{36f}').contains(&character) {
            continue;
        }
        let character = match character {
            'đ' | 'Đ' => 'd',
            other => other,
        };
        if character.is_alphanumeric() {
            folded.extend(character.to_lowercase());
        } else if !folded.is_empty() && !folded.ends_with(' ') {
            folded.push(' ');
        }
    }
    folded.trim_end().to_owned()
}

/// The column a header names, if the import reads it.
pub fn column_of(header: &str) -> Option<Column> {
    match fold(header).as_str() {
        "ho ten" | "ho va ten" | "hoten" | "ten dai bieu" | "ten can bo" | "full name" | "name"
        | "display name" => Some(Column::Name),
        "ten dang nhap" | "tendangnhap" | "tai khoan" | "ten tai khoan" | "username"
        | "user name" | "login" => Some(Column::Username),
        "vai tro" | "vaitro" | "quyen" | "role" => Some(Column::Role),
        _ => None,
    }
}

/// The role a cell names; an empty cell is `user`.
pub fn role_of(cell: &str) -> Option<OrgRole> {
    match fold(cell).as_str() {
        "" | "nguoi dung" | "dai bieu" | "user" | "delegate" | "can bo" => Some(OrgRole::User),
        "thu ky" | "secretary" => Some(OrgRole::Secretary),
        "quan tri" | "quan tri vien" | "admin" | "administrator" => Some(OrgRole::Admin),
        _ => None,
    }
}

/// Finds the header (the first row with any text), reads every row after
/// it and checks it: against the rules of an account, the other rows, and
/// `existing` (usernames already taken, lowercase).
pub fn check(table: &Table, existing: &HashSet<String>) -> Result<Roster, RosterError> {
    let mut rows = table.iter().filter(|row| !row.is_blank());
    let header = rows.next().ok_or(RosterError::NoHeader)?;
    let mut columns: HashMap<Column, usize> = HashMap::new();
    let mut ignored_columns = Vec::new();
    for (index, cell) in header.cells.iter().enumerate() {
        match column_of(cell) {
            Some(column) if !columns.contains_key(&column) => {
                columns.insert(column, index);
            }
            _ if cell.trim().is_empty() => {}
            _ => ignored_columns.push(cell.trim().to_owned()),
        }
    }
    let name_at = *columns
        .get(&Column::Name)
        .ok_or(RosterError::MissingColumn(Column::Name))?;
    let username_at = *columns
        .get(&Column::Username)
        .ok_or(RosterError::MissingColumn(Column::Username))?;
    let role_at = columns.get(&Column::Role).copied();

    let cell = |row: &TableRow, at: usize| row.cells.get(at).map_or("", |c| c.trim()).to_owned();
    let mut checked: Vec<RosterRow> = Vec::new();
    for row in rows {
        let display_name: String = cell(row, name_at)
            .nfc()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let username = cell(row, username_at).to_lowercase();
        let role_cell = role_at.map(|at| cell(row, at)).unwrap_or_default();
        let role = role_of(&role_cell);
        let mut problems = Vec::new();
        if display_name.is_empty() {
            problems.push(ImportRowErrorCode::MissingName);
        } else if display_name.chars().count() > MAX_NAME_CHARS {
            problems.push(ImportRowErrorCode::NameTooLong);
        }
        if username.is_empty() {
            problems.push(ImportRowErrorCode::MissingUsername);
        } else if crate::console::validate_username(&username).is_err() {
            problems.push(ImportRowErrorCode::InvalidUsername);
        } else if existing.contains(&username) {
            problems.push(ImportRowErrorCode::UsernameTaken);
        }
        if role.is_none() {
            problems.push(ImportRowErrorCode::UnknownRole);
        }
        checked.push(RosterRow {
            line: row.line,
            display_name,
            username,
            role,
            problems,
        });
    }
    // Every row that shares a username with another is marked, the first
    // too: which one the administrator meant is theirs to say.
    let mut count: HashMap<String, usize> = HashMap::new();
    for row in &checked {
        if !row.username.is_empty() {
            *count.entry(row.username.clone()).or_default() += 1;
        }
    }
    for row in &mut checked {
        if count.get(&row.username).copied().unwrap_or(0) > 1 {
            row.problems.push(ImportRowErrorCode::DuplicateUsername);
        }
    }
    Ok(Roster {
        rows: checked,
        ignored_columns,
    })
}

/// Reads and checks a file in one step.
pub fn read(bytes: &[u8], existing: &HashSet<String>) -> Result<Roster, RosterError> {
    check(&read_table(bytes)?, existing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn existing(names: &[&str]) -> HashSet<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn headers_are_found_with_or_without_diacritics() {
        assert_eq!(column_of("Họ và tên"), Some(Column::Name));
        assert_eq!(column_of("HO TEN"), Some(Column::Name));
        assert_eq!(column_of(" Tên đăng nhập "), Some(Column::Username));
        assert_eq!(column_of("ten_dang_nhap"), Some(Column::Username));
        assert_eq!(column_of("Vai trò"), Some(Column::Role));
        assert_eq!(column_of("Chức vụ"), None);
        assert_eq!(fold("Đơn vị"), "don vi");
    }

    #[test]
    fn roles_are_read_in_vietnamese_and_english_and_empty_is_user() {
        assert_eq!(role_of(""), Some(OrgRole::User));
        assert_eq!(role_of("Đại biểu"), Some(OrgRole::User));
        assert_eq!(role_of("THƯ KÝ"), Some(OrgRole::Secretary));
        assert_eq!(role_of("quan tri vien"), Some(OrgRole::Admin));
        assert_eq!(role_of("giám đốc"), None);
    }

    #[test]
    fn every_problem_of_a_row_is_reported_and_nothing_else_is() {
        let csv = "STT,Họ tên,Tên đăng nhập,Vai trò,Chức vụ\n\
                   1,Nguyễn Văn An,nvan,,Phó Chủ tịch\n\
                   2,,tran b,đại biểu,\n\
                   3,Lê Thị Cúc,thuky,thư ký,\n\
                   4,Phạm Dũng,PDung,giám đốc,\n\
                   5,Hoàng Em,pdung,,\n\
                   ,,,,\n";
        let roster = read(csv.as_bytes(), &existing(&["thuky"])).unwrap();
        assert_eq!(roster.ignored_columns, vec!["STT", "Chức vụ"]);
        let problems: Vec<(u32, Vec<ImportRowErrorCode>)> = roster
            .rows
            .iter()
            .map(|row| (row.line, row.problems.clone()))
            .collect();
        use ImportRowErrorCode::*;
        assert_eq!(
            problems,
            vec![
                (2, vec![]),
                (3, vec![MissingName, InvalidUsername]),
                (4, vec![UsernameTaken]),
                (5, vec![UnknownRole, DuplicateUsername]),
                (6, vec![DuplicateUsername]),
            ]
        );
        assert_eq!(roster.rows[0].role, Some(OrgRole::User));
        assert_eq!(roster.rows[3].username, "pdung");
        assert_eq!(roster.rows_with_problems(), 4);
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let error = read("Họ tên,Vai trò\nA,\n".as_bytes(), &existing(&[])).unwrap_err();
        assert_eq!(error, RosterError::MissingColumn(Column::Username));
        assert_eq!(
            read(b",,\n,,\n", &existing(&[])).unwrap_err(),
            RosterError::NoHeader
        );
    }
}
