//! [`AppError`]: the one error type of the HTTP layer, and its mapping to
//! the wire's stable codes and localized messages.
//!
//! A handler returns `Result<_, AppError>`. The response carries the code
//! and a Vietnamese message; the [`localize`] middleware swaps in the
//! English one when the request asked for English. Internal detail goes to
//! the log, never to the client.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use phonghop_protocol::api::{ApiError, ErrorCode};

use crate::blobs::BlobError;
use crate::fault::StorageFault;
use crate::store::StoreError;

/// A message in both languages the product speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Localized {
    pub vi: String,
    pub en: String,
}

impl Localized {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Localized {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

/// The language a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Vietnamese,
    English,
}

impl Language {
    /// Picks the language from an `Accept-Language` header: English when it
    /// ranks English above Vietnamese, Vietnamese otherwise.
    pub fn from_accept_language(header: Option<&str>) -> Language {
        let Some(header) = header else {
            return Language::Vietnamese;
        };
        let mut best: Option<(f32, Language)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let language = if tag == "en" || tag.starts_with("en-") {
                Language::English
            } else if tag == "vi" || tag.starts_with("vi-") {
                Language::Vietnamese
            } else {
                continue;
            };
            if best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, language));
            }
        }
        best.map(|(_, language)| language)
            .unwrap_or(Language::Vietnamese)
    }

    pub fn from_headers(headers: &HeaderMap) -> Language {
        Language::from_accept_language(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    }

    pub fn pick<'a>(&self, text: &'a Localized) -> &'a str {
        match self {
            Language::Vietnamese => &text.vi,
            Language::English => &text.en,
        }
    }
}

/// An error a handler returns.
#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    /// A specific message; the code's general message when `None`.
    pub message: Option<Localized>,
    /// Seconds to wait before retrying (for `too_many_attempts` and
    /// `storage_unavailable`).
    pub retry_after_seconds: Option<u64>,
}

impl AppError {
    pub fn new(code: ErrorCode) -> Self {
        AppError {
            code,
            message: None,
            retry_after_seconds: None,
        }
    }

    pub fn with_message(code: ErrorCode, vi: impl Into<String>, en: impl Into<String>) -> Self {
        AppError {
            code,
            message: Some(Localized::new(vi, en)),
            retry_after_seconds: None,
        }
    }

    pub fn unauthenticated() -> Self {
        AppError::new(ErrorCode::Unauthenticated)
    }

    pub fn forbidden() -> Self {
        AppError::new(ErrorCode::Forbidden)
    }

    pub fn not_found() -> Self {
        AppError::new(ErrorCode::NotFound)
    }

    pub fn bad_request(vi: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::with_message(ErrorCode::BadRequest, vi, en)
    }

    /// Logs `detail` and answers with a generic internal error.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        AppError::new(ErrorCode::Internal)
    }

    fn message(&self) -> Localized {
        self.message
            .clone()
            .unwrap_or_else(|| general_message(self.code))
    }
}

/// The HTTP status of each wire code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthenticated
        | ErrorCode::InvalidCredentials
        | ErrorCode::DeviceWipeRequested => StatusCode::UNAUTHORIZED,
        ErrorCode::AccountDisabled | ErrorCode::Forbidden | ErrorCode::PasswordChangeRequired => {
            StatusCode::FORBIDDEN
        }
        ErrorCode::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::UnsupportedDocument
        | ErrorCode::ToolMissing
        | ErrorCode::ConversionUnavailable
        | ErrorCode::SigningCertificateMissing
        | ErrorCode::SignatureInvalid
        | ErrorCode::ImportFileUnreadable
        | ErrorCode::ImportRowsInvalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ImportTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::StorageUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What each code says when the handler gave nothing more specific. Each
/// message says what happened and what to do.
pub fn general_message(code: ErrorCode) -> Localized {
    let (vi, en) = match code {
        ErrorCode::BadRequest => (
            "Yêu cầu không hợp lệ. Vui lòng kiểm tra lại thông tin.",
            "The request is not valid. Please check what you entered.",
        ),
        ErrorCode::Unauthenticated => (
            "Bạn chưa đăng nhập hoặc phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.",
            "You are not logged in, or your session has expired. Please log in again.",
        ),
        ErrorCode::InvalidCredentials => (
            "Tên đăng nhập hoặc mật khẩu không đúng. Vui lòng thử lại.",
            "Wrong username or password. Please try again.",
        ),
        ErrorCode::AccountDisabled => (
            "Tài khoản đã bị khóa. Vui lòng liên hệ quản trị viên.",
            "This account is disabled. Please contact the administrator.",
        ),
        ErrorCode::TooManyAttempts => (
            "Đăng nhập sai quá nhiều lần. Vui lòng đợi một lát rồi thử lại.",
            "Too many failed logins. Please wait a moment and try again.",
        ),
        ErrorCode::Forbidden => (
            "Bạn không có quyền thực hiện thao tác này.",
            "You are not allowed to do this.",
        ),
        ErrorCode::NotFound => ("Không tìm thấy nội dung yêu cầu.", "Not found."),
        ErrorCode::Conflict => (
            "Dữ liệu đã tồn tại hoặc đã thay đổi. Vui lòng tải lại và thử lại.",
            "This already exists or has changed. Please reload and try again.",
        ),
        ErrorCode::PayloadTooLarge => ("Tệp quá lớn.", "The file is too large."),
        ErrorCode::UnsupportedDocument => (
            "Tệp không phải là tài liệu được hỗ trợ (PDF, DOCX, DOC, ODT, XLSX, PPTX).",
            "The file is not a supported document (PDF, DOCX, DOC, ODT, XLSX, PPTX).",
        ),
        ErrorCode::ToolMissing => (
            "Máy chủ thiếu công cụ cần thiết. Vui lòng liên hệ quản trị viên.",
            "The server is missing a tool it needs. Please contact the administrator.",
        ),
        ErrorCode::ConversionUnavailable => (
            "Máy chủ hiện không chuyển được tệp Office sang PDF vì chưa có môi trường cách ly an toàn cho LibreOffice. Hãy tải lên bản PDF của tài liệu, và báo quản trị viên.",
            "This server cannot convert Office files to PDF right now: the sandbox that isolates LibreOffice is not available. Upload a PDF of the document, and tell the administrator.",
        ),
        ErrorCode::StorageUnavailable => (
            "Máy chủ tạm thời không kết nối được cơ sở dữ liệu. Thao tác chưa được thực hiện; vui lòng thử lại sau ít phút.",
            "The server cannot reach its database right now. Nothing was changed; please try again in a few minutes.",
        ),
        ErrorCode::StorageFull => (
            "Ổ đĩa của máy chủ đã đầy nên chưa lưu được. Thao tác chưa được thực hiện; vẫn xem được tài liệu. Vui lòng báo quản trị viên giải phóng dung lượng.",
            "The server's disk is full, so nothing could be saved. Nothing was changed; reading still works. Please ask the administrator to free some space.",
        ),
        ErrorCode::DeviceWipeRequested => (
            "Quản trị viên đã yêu cầu xoá dữ liệu của tài khoản trên máy này. Ghi chú chưa gửi sẽ được gửi lên máy chủ trước khi xoá.",
            "An administrator asked for this account's data to be removed from this device. Notes not yet sent are sent to the server before they are removed.",
        ),
        ErrorCode::PasswordChangeRequired => (
            "Quản trị viên đã đặt mật khẩu cho tài khoản này. Hãy đổi sang mật khẩu của riêng bạn trước khi tiếp tục.",
            "An administrator set this account's password. Please choose your own password before going on.",
        ),
        ErrorCode::SigningCertificateMissing => (
            "Tài khoản của bạn chưa có chứng thư số để ký. Vui lòng liên hệ quản trị viên để đăng ký chứng thư số.",
            "Your account has no signing certificate. Please ask the administrator to register one.",
        ),
        ErrorCode::SignatureInvalid => (
            "Chữ ký không hợp lệ với chứng thư số đã đăng ký (hoặc mã PIN sai). Biên bản chưa được ký; vui lòng thử lại.",
            "The signature does not verify with the registered certificate (or the PIN is wrong). The record was not signed; please try again.",
        ),
        ErrorCode::ImportFileUnreadable => (
            "Không đọc được tệp danh sách. Hãy dùng tệp Excel (.xlsx) hoặc CSV (UTF-8) có dòng tiêu đề: Họ tên, Tên đăng nhập, Vai trò.",
            "The list cannot be read. Use an Excel (.xlsx) or CSV (UTF-8) file with a header row: full name, username, role.",
        ),
        ErrorCode::ImportTooLarge => (
            "Tệp danh sách quá lớn. Hãy chia thành nhiều tệp nhỏ hơn.",
            "The list is too large. Please split it into smaller files.",
        ),
        ErrorCode::ImportRowsInvalid => (
            "Danh sách có dòng lỗi nên chưa nhập tài khoản nào. Hãy sửa các dòng được đánh dấu rồi tải tệp lên lại.",
            "Some rows of the list have errors, so no account was imported. Fix the marked rows and upload the file again.",
        ),
        ErrorCode::Internal => (
            "Máy chủ gặp lỗi. Vui lòng thử lại sau ít phút.",
            "The server hit an error. Please try again in a few minutes.",
        ),
    };
    Localized::new(vi, en)
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let message = self.message();
        let body = ApiError {
            code: self.code,
            message: message.vi.clone(),
        };
        let mut response = (status_of(self.code), axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after_seconds {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
            .extensions_mut()
            .insert(LocalizableError(self.code, message));
        response
    }
}

/// Seconds a client is asked to wait before retrying after
/// `storage_unavailable`.
const STORAGE_RETRY_AFTER_SECONDS: u64 = 5;

impl AppError {
    /// The answer to a storage fault (see [`crate::fault`]); the detail
    /// goes to the log.
    pub fn storage_fault(fault: StorageFault, detail: impl std::fmt::Display) -> Self {
        match fault {
            StorageFault::Unavailable => {
                tracing::warn!(error = %detail, "storage unavailable");
                AppError {
                    retry_after_seconds: Some(STORAGE_RETRY_AFTER_SECONDS),
                    ..AppError::new(ErrorCode::StorageUnavailable)
                }
            }
            StorageFault::Full => {
                tracing::error!(error = %detail, "storage full");
                AppError::new(ErrorCode::StorageFull)
            }
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(_) => AppError::not_found(),
            StoreError::Conflict(_) => AppError::new(ErrorCode::Conflict),
            // This node lost the meeting's lease: nothing was written, and
            // the client should try again (the owner takes it then).
            StoreError::Unavailable(_) | StoreError::Fenced { .. } => {
                AppError::storage_fault(StorageFault::Unavailable, error)
            }
            StoreError::Full(_) => AppError::storage_fault(StorageFault::Full, error),
            other => AppError::internal(other),
        }
    }
}

impl From<BlobError> for AppError {
    fn from(error: BlobError) -> Self {
        match error {
            BlobError::Full(_) => AppError::storage_fault(StorageFault::Full, error),
            other => AppError::internal(other),
        }
    }
}

/// Marks a response as an error whose message may be re-rendered in the
/// request's language.
#[derive(Debug, Clone)]
struct LocalizableError(ErrorCode, Localized);

/// Middleware: renders error bodies in the language the request asked for.
pub async fn localize(request: Request, next: Next) -> Response {
    let language = Language::from_headers(request.headers());
    let mut response = next.run(request).await;
    if language == Language::English {
        if let Some(LocalizableError(code, message)) =
            response.extensions_mut().remove::<LocalizableError>()
        {
            let status = response.status();
            let mut headers = response.headers().clone();
            headers.remove(header::CONTENT_LENGTH);
            let body = ApiError {
                code,
                message: message.en,
            };
            let mut localized = (status, axum::Json(body)).into_response();
            for (name, value) in headers.iter() {
                if name != header::CONTENT_TYPE {
                    localized.headers_mut().insert(name.clone(), value.clone());
                }
            }
            return localized;
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_is_the_default_language() {
        assert_eq!(Language::from_accept_language(None), Language::Vietnamese);
        assert_eq!(
            Language::from_accept_language(Some("fr-FR,de")),
            Language::Vietnamese
        );
    }

    #[test]
    fn english_is_chosen_when_ranked_above_vietnamese() {
        assert_eq!(
            Language::from_accept_language(Some("en-US,en;q=0.9")),
            Language::English
        );
        assert_eq!(
            Language::from_accept_language(Some("vi;q=0.5, en;q=0.8")),
            Language::English
        );
        assert_eq!(
            Language::from_accept_language(Some("vi-VN, en;q=0.8")),
            Language::Vietnamese
        );
    }

    #[test]
    fn every_code_has_a_message_in_both_languages() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::Unauthenticated,
            ErrorCode::InvalidCredentials,
            ErrorCode::AccountDisabled,
            ErrorCode::TooManyAttempts,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedDocument,
            ErrorCode::ToolMissing,
            ErrorCode::ConversionUnavailable,
            ErrorCode::StorageUnavailable,
            ErrorCode::StorageFull,
            ErrorCode::DeviceWipeRequested,
            ErrorCode::PasswordChangeRequired,
            ErrorCode::SigningCertificateMissing,
            ErrorCode::SignatureInvalid,
            ErrorCode::ImportFileUnreadable,
            ErrorCode::ImportTooLarge,
            ErrorCode::ImportRowsInvalid,
            ErrorCode::Internal,
        ] {
            let message = general_message(code);
            assert!(!message.vi.is_empty() && !message.en.is_empty());
            assert_ne!(message.vi, message.en, "{code:?} is not translated");
            assert!(status_of(code).as_u16() >= 400);
        }
    }
}
