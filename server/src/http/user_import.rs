//! `/api/v1/users/import*` (administrators): a list of officials, CSV or
//! XLSX, made into accounts. `preview` reads the file and says what each
//! row would become and what is wrong with it, changing nothing; `import`
//! reads the same file again and makes every account in one transaction,
//! or none when any row has a problem. The file is sent as the request
//! body, as it is; the server never keeps it.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
#[allow(unused_imports)]
use phonghop_protocol::api::*;
use phonghop_protocol::api::{
    ErrorCode, ImportPreview, ImportResult, ImportRow, ImportRowError, ImportRowErrorCode,
    ImportedAccount,
};

use super::users::require_admin;
use crate::auth::AuthenticatedUser;
use crate::error::{AppError, Language, Localized};
use crate::roster::{self, Column, Roster, RosterError, MAX_FILE_BYTES, MAX_ROWS};
use crate::state::AppState;
use crate::store::{new_id, now_millis, OrgRole, StoreError, UserRecord};

/// What a row's problem says, in both languages.
pub fn row_problem_message(code: ImportRowErrorCode) -> Localized {
    let (vi, en) = match code {
        ImportRowErrorCode::MissingName => ("Thiếu họ tên.", "The full name is missing."),
        ImportRowErrorCode::NameTooLong => (
            "Họ tên dài quá 200 ký tự.",
            "The full name is longer than 200 characters.",
        ),
        ImportRowErrorCode::MissingUsername => {
            ("Thiếu tên đăng nhập.", "The username is missing.")
        }
        ImportRowErrorCode::InvalidUsername => (
            "Tên đăng nhập chỉ dùng chữ a-z (không dấu), số, '.', '_', '-' (2–64 ký tự).",
            "A username uses only letters a-z, digits, '.', '_' or '-' (2 to 64 characters).",
        ),
        ImportRowErrorCode::DuplicateUsername => (
            "Tên đăng nhập này có ở dòng khác của tệp.",
            "Another row of the file has this username.",
        ),
        ImportRowErrorCode::UsernameTaken => (
            "Đã có tài khoản với tên đăng nhập này.",
            "An account with this username already exists.",
        ),
        ImportRowErrorCode::UnknownRole => (
            "Vai trò không hợp lệ: dùng “Đại biểu”, “Thư ký” hoặc “Quản trị” (để trống là Đại biểu).",
            "Unknown role: use “user”, “secretary” or “admin” (empty means user).",
        ),
    };
    Localized::new(vi, en)
}

fn unreadable(vi: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::with_message(ErrorCode::ImportFileUnreadable, vi, en)
}

impl From<RosterError> for AppError {
    fn from(error: RosterError) -> AppError {
        match error {
            RosterError::Empty => unreadable("Tệp trống.", "The file is empty."),
            RosterError::LegacyWorkbook => unreadable(
                "Tệp Excel 97-2003 (.xls) không được hỗ trợ. Hãy lưu lại dưới dạng .xlsx hoặc CSV UTF-8.",
                "Excel 97-2003 workbooks (.xls) are not supported. Save it as .xlsx or CSV UTF-8.",
            ),
            RosterError::NotUtf8 => unreadable(
                "Tệp CSV không ở mã UTF-8. Trong Excel, chọn Lưu thành “CSV UTF-8”, hoặc dùng tệp .xlsx.",
                "The CSV file is not UTF-8. In Excel, save as “CSV UTF-8”, or use an .xlsx file.",
            ),
            RosterError::BrokenWorkbook(detail) => {
                tracing::info!(%detail, "an import workbook was refused");
                unreadable(
                    "Tệp Excel bị hỏng hoặc không đọc được. Hãy mở và lưu lại tệp rồi thử lại.",
                    "The Excel file is damaged or cannot be read. Open it, save it again and retry.",
                )
            }
            RosterError::NoHeader => unreadable(
                "Tệp không có dòng tiêu đề (Họ tên, Tên đăng nhập, Vai trò).",
                "The file has no header row (full name, username, role).",
            ),
            RosterError::MissingColumn(column) => {
                let (vi, en) = match column {
                    Column::Name => ("Họ tên", "full name (Họ tên)"),
                    Column::Username => ("Tên đăng nhập", "username (Tên đăng nhập)"),
                    Column::Role => ("Vai trò", "role (Vai trò)"),
                };
                unreadable(
                    format!("Dòng tiêu đề thiếu cột “{vi}”."),
                    format!("The header row has no {en} column."),
                )
            }
            RosterError::TooManyRows => AppError::with_message(
                ErrorCode::ImportTooLarge,
                format!("Tệp có quá {MAX_ROWS} dòng hoặc lớn quá {} MB. Hãy chia thành nhiều tệp.", MAX_FILE_BYTES / (1024 * 1024)),
                format!("The file has more than {MAX_ROWS} rows or is larger than {} MB. Please split it.", MAX_FILE_BYTES / (1024 * 1024)),
            ),
        }
    }
}

/// The file of the request; too large a body is `import_too_large`.
fn file_of(body: Result<Bytes, BytesRejection>) -> Result<Bytes, AppError> {
    match body {
        Ok(bytes) if bytes.len() > MAX_FILE_BYTES => Err(RosterError::TooManyRows.into()),
        Ok(bytes) => Ok(bytes),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Err(RosterError::TooManyRows.into())
        }
        Err(rejection) => Err(AppError::bad_request(
            "Không nhận được tệp. Vui lòng thử lại.",
            format!("The file did not arrive ({rejection}). Please retry."),
        )),
    }
}

/// Reads and checks the file against the accounts that exist now.
async fn read_roster(state: &AppState, bytes: Bytes) -> Result<Roster, AppError> {
    let existing: HashSet<String> = state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|user| user.username)
        .collect();
    // Unzipping and parsing is CPU work of up to a few hundred ms.
    tokio::task::spawn_blocking(move || roster::read(&bytes, &existing))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::from)
}

fn preview_of(roster: &Roster, language: Language) -> ImportPreview {
    let rows = roster
        .rows
        .iter()
        .map(|row| ImportRow {
            line: row.line,
            display_name: row.display_name.clone(),
            username: row.username.clone(),
            role: row.role,
            errors: row
                .problems
                .iter()
                .map(|&code| ImportRowError {
                    code,
                    message: language.pick(&row_problem_message(code)).to_owned(),
                })
                .collect(),
        })
        .collect();
    ImportPreview {
        rows,
        rows_with_errors: roster.rows_with_problems() as u32,
        ignored_columns: roster.ignored_columns.clone(),
    }
}

/// `POST /users/import/preview`: what importing the file would do.
#[utoipa::path(post, path = "/api/v1/users/import/preview", tag = "users", request_body(content = [u8], description = "The CSV (UTF-8) or XLSX file, as it is", content_type = "application/octet-stream"), responses((status = 200, body = ImportPreview), (status = 403, body = ApiError), (status = 413, body = ApiError), (status = 422, body = ApiError)))]
pub async fn preview(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportPreview>, AppError> {
    require_admin(&caller)?;
    let roster = read_roster(&state, file_of(body)?).await?;
    Ok(Json(preview_of(&roster, Language::from_headers(&headers))))
}

/// `POST /users/import`: every account of the file, each with a one-time
/// password (answered once) and the duty to choose its own at the first
/// login, in one transaction; nothing when any row has a problem
/// (`import_rows_invalid`) or a username was taken meanwhile.
#[utoipa::path(post, path = "/api/v1/users/import", tag = "users", request_body(content = [u8], description = "The CSV (UTF-8) or XLSX file, as it is", content_type = "application/octet-stream"), responses((status = 201, body = ImportResult), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 413, body = ApiError), (status = 422, body = ApiError)))]
pub async fn import(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ImportResult>), AppError> {
    require_admin(&caller)?;
    let roster = read_roster(&state, file_of(body)?).await?;
    let problems = roster.rows_with_problems();
    if problems > 0 {
        return Err(AppError::with_message(
            ErrorCode::ImportRowsInvalid,
            format!("{problems} dòng có lỗi nên chưa nhập tài khoản nào. Hãy sửa các dòng được đánh dấu rồi tải tệp lên lại."),
            format!("{problems} rows have errors, so no account was imported. Fix the marked rows and upload the file again."),
        ));
    }
    if roster.rows.is_empty() {
        return Err(unreadable(
            "Tệp không có dòng nào dưới dòng tiêu đề.",
            "The file has no rows under its header.",
        ));
    }
    // Hashes in parallel on the password threads.
    let passwords: Vec<String> = roster
        .rows
        .iter()
        .map(|_| crate::auth::one_time_password())
        .collect();
    let hashes = futures::future::join_all(passwords.iter().map(|password| {
        let password = password.clone();
        state
            .password_workers
            .run(move || crate::auth::hash_password(&password))
    }))
    .await;
    let created_at = now_millis();
    let mut users = Vec::with_capacity(roster.rows.len());
    for (row, hash) in roster.rows.iter().zip(hashes) {
        let password_hash = hash
            .ok_or_else(|| AppError::internal("the password threads are gone"))?
            .map_err(AppError::internal)?;
        users.push(UserRecord {
            id: new_id("u"),
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            org_role: row.role.unwrap_or(OrgRole::User),
            password_hash,
            disabled: false,
            created_at,
        });
    }
    match state
        .store
        .import_users_audited(&users, caller.user_id())
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::with_message(
                ErrorCode::Conflict,
                "Một tên đăng nhập trong tệp vừa được dùng cho tài khoản khác. Chưa nhập tài khoản nào; hãy xem lại rồi thử lại.",
                "A username of the file was just taken by another account. Nothing was imported; preview and try again.",
            ))
        }
        Err(error) => return Err(error.into()),
    }
    tracing::info!(accounts = users.len(), "imported a list of officials");
    let accounts = users
        .into_iter()
        .zip(passwords)
        .map(|(user, password)| ImportedAccount {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.org_role,
            one_time_password: password,
        })
        .collect();
    Ok((StatusCode::CREATED, Json(ImportResult { accounts })))
}
