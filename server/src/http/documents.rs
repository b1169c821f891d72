//! `/api/v1/documents/{id}/…/file`: the PDFs, and the cache rules that
//! keep a confidential (mật) document off every device.
//!
//! - A document that is not confidential is its stored file, with ETag and
//!   Range requests (resumable downloads on a flaky link); each version's
//!   URL names the version and the confidentiality state (`version_url`),
//!   so a version is cached for good under `…/versions/{n}/file` and that
//!   URL answers `not_found` once the document is marked confidential.
//! - A confidential document is never the stored file: every response (from
//!   `…/versions/{n}/confidential` or the current `…/file`) is a copy
//!   stamped for its reader (`crate::stamp`), `no-store`, without ETag or
//!   ranges, refused to remote points, and recorded (who, when, which
//!   version, which device) in `document_reads` and the audit log before a
//!   byte is sent.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::wire::{bad_json, document_to_wire, version_url};
use crate::access::{self, MeetingViewer};
use crate::auth::AuthenticatedUser;
use crate::error::AppError;
use crate::stamp::StampError;
use crate::state::AppState;
use crate::store::{DocumentReadRecord, DocumentRecord, DocumentVersionRecord, MeetingRecord};
use axum::extract::Multipart;
#[allow(unused_imports)]
use phonghop_protocol::api::*;
use phonghop_protocol::api::{
    DocumentInfo, DocumentVersionDetails, DocumentVersionList, ErrorCode, UpdateDocumentRequest,
};

use crate::convert::ConversionError;
use crate::http::editing::{editable_meeting, store_change};
use crate::page_text::{self, PageLayout};
use crate::pdf::PdfError;
use crate::store::{editing, new_id, now_millis, NewAuditEntry};
use crate::upload::{self, UploadKind, UploadRejection};

/// The header a client names its device in, for the record of reads.
pub const DEVICE_HEADER: &str = "x-phonghop-device";

/// A document the caller may read, with what serving it needs.
struct ReadableDocument {
    document: DocumentRecord,
    current: DocumentVersionRecord,
    meeting: MeetingRecord,
}

/// The document as the caller may read it, or `not_found` (also for a
/// confidential document and a caller who may not read those).
async fn readable_document(
    state: &AppState,
    caller: &AuthenticatedUser,
    document_id: &str,
) -> Result<ReadableDocument, AppError> {
    let (document, current) = state
        .store
        .document(document_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let meeting = state
        .store
        .meeting(&document.meeting_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let viewer = MeetingViewer {
        org_role: caller.user.org_role,
        meeting_role: state
            .store
            .participant_role(&meeting.id, caller.user_id())
            .await?,
    };
    if !access::can_read_documents(viewer, meeting.state) {
        return Err(AppError::not_found());
    }
    if document.confidential && !access::can_read_confidential(viewer) {
        return Err(AppError::not_found());
    }
    Ok(ReadableDocument {
        document,
        current,
        meeting,
    })
}

/// The current version; revalidated on each use (its URL outlives versions).
#[utoipa::path(get, path = "/api/v1/documents/{document_id}/file", tag = "documents", params(("document_id" = String, Path, description = "Document id (d_…)"), ("x-phonghop-device" = Option<String>, Header, description = "This device's id, recorded with each copy of a confidential document")), responses((status = 200, description = "The current PDF (ETag, Range); for a confidential document a copy stamped for the reader (no-store)", content_type = "application/pdf"), (status = 206, description = "Part of it"), (status = 304, description = "Unchanged"), (status = 400, description = "A device id that is not 1-64 characters of [A-Za-z0-9_-]", body = ApiError), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible (confidential documents to remote points)", body = ApiError), (status = 422, description = "A confidential document that cannot be stamped", body = ApiError)))]
pub async fn current_file(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(document_id): Path<String>,
    request: Request,
) -> Result<Response, AppError> {
    let readable = readable_document(&state, &caller, &document_id).await?;
    if readable.document.confidential {
        let current = readable.current.clone();
        return serve_stamped_copy(
            &state,
            &caller,
            &readable,
            &current,
            request.method(),
            request.headers(),
        )
        .await;
    }
    serve_pdf(
        &state,
        &readable.document,
        &readable.current,
        false,
        request,
    )
    .await
}

/// One version by number, while the document is not confidential:
/// immutable, so cached for good.
#[utoipa::path(get, path = "/api/v1/documents/{document_id}/versions/{version}/file", tag = "documents", params(("document_id" = String, Path, description = "Document id (d_…)"), ("version" = i64, Path, description = "Version number")), responses((status = 200, description = "That version's PDF (immutable)", content_type = "application/pdf"), (status = 206, description = "Part of it"), (status = 304, description = "Unchanged"), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found, not visible, or the document is confidential now", body = ApiError)))]
pub async fn version_file(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path((document_id, version)): Path<(String, i64)>,
    request: Request,
) -> Result<Response, AppError> {
    serve_version(&state, &caller, &document_id, version, false, request).await
}

/// One version by number, while the document is confidential: a copy
/// stamped for the caller, never cached (`no-store`).
#[utoipa::path(get, path = "/api/v1/documents/{document_id}/versions/{version}/confidential", tag = "documents", params(("document_id" = String, Path, description = "Document id (d_…)"), ("version" = i64, Path, description = "Version number"), ("x-phonghop-device" = Option<String>, Header, description = "This device's id, recorded with each copy of a confidential document")), responses((status = 200, description = "That version as a copy stamped for the reader, recorded in the audit log (no-store, no ETag, no ranges)", content_type = "application/pdf"), (status = 400, description = "A device id that is not 1-64 characters of [A-Za-z0-9_-]", body = ApiError), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found, not visible (remote points), or the document is not confidential", body = ApiError), (status = 422, description = "A confidential document that cannot be stamped", body = ApiError)))]
pub async fn confidential_version_file(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path((document_id, version)): Path<(String, i64)>,
    request: Request,
) -> Result<Response, AppError> {
    serve_version(&state, &caller, &document_id, version, true, request).await
}

/// Serves a version from the URL of one confidentiality state; the other
/// state's URL does not exist for this document (`not_found`).
async fn serve_version(
    state: &AppState,
    caller: &AuthenticatedUser,
    document_id: &str,
    version: i64,
    confidential_url: bool,
    request: Request,
) -> Result<Response, AppError> {
    let readable = readable_document(state, caller, document_id).await?;
    if readable.document.confidential != confidential_url {
        return Err(AppError::not_found());
    }
    let version = state
        .store
        .document_version(document_id, version)
        .await?
        .ok_or_else(AppError::not_found)?;
    if readable.document.confidential {
        return serve_stamped_copy(
            state,
            caller,
            &readable,
            &version,
            request.method(),
            request.headers(),
        )
        .await;
    }
    serve_pdf(state, &readable.document, &version, true, request).await
}

/// The device a request names, if any; a malformed name is refused.
fn device_of(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get(DEVICE_HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(device) if crate::auth::valid_device_id(device) => Ok(Some(device.to_owned())),
        _ => Err(AppError::bad_request(
            "Mã thiết bị không hợp lệ: dùng 1-64 chữ cái không dấu, chữ số, \"-\" hoặc \"_\".",
            "The device id is not valid: use 1-64 letters, digits, \"-\" or \"_\".",
        )),
    }
}

/// A copy of a confidential document for `caller`: stamped on every page
/// with their name, account, the time and the meeting, recorded, then
/// sent, never to be stored (`no-store`, no ETag, no ranges: each request
/// is a new copy and a new record). A `HEAD` request gets the headers
/// only and records nothing: no copy left.
async fn serve_stamped_copy(
    state: &AppState,
    caller: &AuthenticatedUser,
    readable: &ReadableDocument,
    version: &DocumentVersionRecord,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let device_id = device_of(headers)?;
    let document = &readable.document;
    if *method == Method::HEAD {
        return Ok(stamped_response(Body::empty(), version));
    }
    let started = std::time::Instant::now();
    let issued_at = now_millis();
    let text = crate::stamp::stamp_text(
        &caller.user.display_name,
        &caller.user.username,
        &readable.meeting.title,
        crate::stamp::meeting_local_time(issued_at, &readable.meeting.starts_at),
    );
    let path = state
        .blobs
        .path_of(&version.blob_sha256)
        .map_err(AppError::internal)?;
    let copy = state
        .stamps
        .stamped_copy(&version.blob_sha256, move || std::fs::read(path), text)
        .await
        .map_err(|error| stamp_error(error, document))?;
    // Recorded before a byte leaves: a read that cannot be recorded (the
    // database gone, a full disk) is not served.
    state
        .store
        .record_document_read_audited(
            &DocumentReadRecord {
                document_id: document.id.clone(),
                version: version.version,
                meeting_id: document.meeting_id.clone(),
                user_id: caller.user_id().to_owned(),
                device_id: device_id.clone(),
                at: issued_at,
            },
            NewAuditEntry {
                actor_user_id: Some(caller.user_id()),
                meeting_id: Some(&document.meeting_id),
                action: "document.read",
                details: serde_json::json!({
                    "document_id": document.id,
                    "version": version.version,
                    "device_id": device_id,
                    "sha256": version.blob_sha256,
                    "bytes": copy.len(),
                }),
            },
        )
        .await?;
    state
        .metrics
        .stamped_copies
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tracing::info!(
        document = %document.id,
        version = version.version,
        user = %caller.user_id(),
        millis = started.elapsed().as_millis() as u64,
        "stamped a confidential copy"
    );
    let length = copy.len();
    let mut response = stamped_response(Body::from(copy), version);
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    Ok(response)
}

fn stamped_response(body: Body, version: &DocumentVersionRecord) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("none"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        header_value(&format!(
            "inline; filename=\"document.pdf\"; filename*=UTF-8''{}",
            percent_encode(&version.file_name)
        )),
    );
    response
}

fn stamp_error(error: StampError, document: &DocumentRecord) -> AppError {
    match error {
        StampError::Io(error) => AppError::internal(format!(
            "the file of confidential document {} cannot be read: {error}",
            document.id
        )),
        StampError::Font(detail) => AppError::internal(detail),
        other => {
            tracing::warn!(document = %document.id, error = %other, "a confidential document cannot be stamped");
            AppError::with_message(
                ErrorCode::UnsupportedDocument,
                "Không đóng dấu được tên người đọc lên tài liệu mật này nên không cấp bản được. Thư ký hãy xuất lại tệp PDF rồi tải lên phiên bản mới.",
                "The reader's name cannot be stamped on this confidential document, so no copy can be given. The secretary should export the PDF again and upload it as a new version.",
            )
        }
    }
}

/// A stored file as it is (never a confidential one: those go through
/// `serve_stamped_copy`): ETag, Range, immutable under a version's URL,
/// revalidated under the current one.
async fn serve_pdf(
    state: &AppState,
    document: &DocumentRecord,
    version: &DocumentVersionRecord,
    immutable: bool,
    request: Request,
) -> Result<Response, AppError> {
    let etag = format!("\"{}\"", version.blob_sha256);
    let cache_control = if immutable {
        "private, max-age=31536000, immutable"
    } else {
        "private, no-cache"
    };
    let not_modified = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    if not_modified {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response
            .headers_mut()
            .insert(header::ETAG, header_value(&etag));
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        );
        return Ok(response);
    }
    let path = state
        .blobs
        .path_of(&version.blob_sha256)
        .map_err(AppError::internal)?;
    if !path.exists() {
        return Err(AppError::internal(format!(
            "blob {} of document {} is missing",
            version.blob_sha256, document.id
        )));
    }
    let response = ServeFile::new(path)
        .oneshot(request)
        .await
        .map_err(AppError::internal)?;
    let (mut parts, body) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    parts.headers.insert(header::ETAG, header_value(&etag));
    parts.headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    parts.headers.insert(
        header::CONTENT_DISPOSITION,
        header_value(&format!(
            "inline; filename=\"document.pdf\"; filename*=UTF-8''{}",
            percent_encode(&version.file_name)
        )),
    );
    Ok(Response::from_parts(parts, Body::new(body)))
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// RFC 5987 encoding of a file name for `filename*`.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ----- uploads ---------------------------------------------------------------

/// What a multipart upload carried.
struct UploadForm {
    file_name: String,
    bytes: Vec<u8>,
    title: Option<String>,
    confidential: bool,
}

async fn read_upload_form(
    state: &AppState,
    mut multipart: Multipart,
) -> Result<UploadForm, AppError> {
    let too_large = || {
        let megabytes = state.settings.max_upload_bytes / (1024 * 1024);
        AppError::with_message(
            ErrorCode::PayloadTooLarge,
            format!("Tệp quá lớn: tối đa {megabytes} MB."),
            format!("The file is too large: at most {megabytes} MB."),
        )
    };
    let broken = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            AppError::bad_request(
                format!("Không đọc được tệp gửi lên: {}", e.body_text()),
                format!("The upload could not be read: {}", e.body_text()),
            )
        }
    };
    let mut form = UploadForm {
        file_name: String::new(),
        bytes: Vec::new(),
        title: None,
        confidential: false,
    };
    let mut has_file = false;
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        match field.name().unwrap_or("") {
            "file" => {
                has_file = true;
                form.file_name = upload::check_file_name(field.file_name().unwrap_or(""))
                    .map_err(|rejection| {
                        tracing::info!(%rejection, "upload refused");
                        AppError::bad_request(
                            "Tên tệp không hợp lệ (chứa đường dẫn, ký tự điều khiển, ký tự ẩn hoặc ký tự đổi chiều chữ). Hãy đổi tên tệp rồi tải lên lại.",
                            "The file name is not acceptable (it contains a path, control characters, invisible or text-direction characters). Rename the file and upload again.",
                        )
                    })?;
                while let Some(chunk) = field.chunk().await.map_err(broken)? {
                    if form.bytes.len() + chunk.len() > state.settings.max_upload_bytes {
                        return Err(too_large());
                    }
                    form.bytes.extend_from_slice(&chunk);
                }
            }
            "title" => {
                let text = field.text().await.map_err(broken)?;
                let text = text.trim();
                if !text.is_empty() {
                    form.title = Some(text.chars().take(300).collect());
                }
            }
            "confidential" => {
                let text = field.text().await.map_err(broken)?;
                form.confidential = matches!(text.trim(), "true" | "1" | "on" | "yes");
            }
            _ => {}
        }
    }
    if !has_file {
        return Err(AppError::bad_request(
            "Chưa chọn tệp tài liệu để tải lên.",
            "No document file was chosen for upload.",
        ));
    }
    Ok(form)
}

fn rejection_error(rejection: UploadRejection) -> AppError {
    let (vi, en) = match &rejection {
        UploadRejection::Empty => ("Tệp rỗng (0 byte). Hãy chọn lại tệp.".to_owned(), "The file is empty (0 bytes). Please choose the file again.".to_owned()),
        UploadRejection::UnknownKind => (
            "Tệp không phải PDF, DOCX, XLSX, PPTX, ODT, ODS hay ODP (kiểm tra theo nội dung, không theo tên tệp).".to_owned(),
            "The file is not a PDF, DOCX, XLSX, PPTX, ODT, ODS or ODP (checked by content, not by name).".to_owned(),
        ),
        UploadRejection::BrokenArchive(_) => (
            "Tệp Office bị hỏng, không mở được. Hãy lưu lại tệp rồi tải lên lần nữa.".to_owned(),
            "The Office file is damaged. Save it again and re-upload.".to_owned(),
        ),
        UploadRejection::ZipBomb => (
            "Tệp bị từ chối: khi giải nén quá lớn bất thường.".to_owned(),
            "The file was refused: it unpacks to an abnormally large size.".to_owned(),
        ),
        UploadRejection::UnsafeEntryName(_) => (
            "Tệp bị từ chối: chứa đường dẫn không an toàn.".to_owned(),
            "The file was refused: it contains an unsafe path.".to_owned(),
        ),
        UploadRejection::UnsafeFileName(_) => (
            "Tên tệp không hợp lệ.".to_owned(),
            "The file name is not acceptable.".to_owned(),
        ),
        UploadRejection::DuplicateEntry(_) | UploadRejection::AmbiguousPackage | UploadRejection::UnsafeXml(_) => (
            "Tệp bị từ chối: cấu trúc tệp Office bất thường. Hãy mở tệp bằng Word hoặc LibreOffice, lưu lại rồi tải lên.".to_owned(),
            "The file was refused: its Office structure is abnormal. Open it in Word or LibreOffice, save it again and re-upload.".to_owned(),
        ),
        UploadRejection::ExternalLink(target) => (
            format!("Tệp bị từ chối: liên kết tới tài nguyên bên ngoài ({target}). Hãy nhúng nội dung vào tệp rồi tải lên lại."),
            format!("The file was refused: it links an external resource ({target}). Embed the content and re-upload."),
        ),
        UploadRejection::LinkingField(field) => (
            format!("Tệp bị từ chối: có trường (field) {field} lấy nội dung từ bên ngoài tệp. Hãy chọn toàn bộ văn bản, nhấn Ctrl+Shift+F9 để chuyển trường thành nội dung thường, lưu rồi tải lên lại."),
            format!("The file was refused: a {field} field pulls content from outside the file. Select all, press Ctrl+Shift+F9 to turn fields into plain content, save and re-upload."),
        ),
        UploadRejection::ImportedContent(_) => (
            "Tệp bị từ chối: có nội dung nhập từ tệp khác (altChunk). Hãy mở tệp bằng Word, lưu lại rồi tải lên.".to_owned(),
            "The file was refused: it imports content from another file (altChunk). Open it in Word, save it again and re-upload.".to_owned(),
        ),
        UploadRejection::DataConnection => (
            "Tệp bị từ chối: bảng tính có kết nối dữ liệu bên ngoài. Hãy xóa kết nối (Data > Connections) rồi tải lên lại.".to_owned(),
            "The file was refused: the workbook connects to outside data. Remove the connections (Data > Connections) and re-upload.".to_owned(),
        ),
        UploadRejection::Macros => (
            "Tệp bị từ chối: có chứa macro. Hãy lưu thành DOCX, XLSX hoặc PPTX thông thường (không macro) rồi tải lên.".to_owned(),
            "The file was refused: it contains macros. Save it as a plain DOCX, XLSX or PPTX (without macros) and re-upload.".to_owned(),
        ),
        UploadRejection::Encrypted => (
            "Tệp Office có mật khẩu. Hãy gỡ mật khẩu rồi tải lên lại.".to_owned(),
            "The Office file is password-protected. Remove the password and re-upload.".to_owned(),
        ),
        UploadRejection::NestedTooDeep => (
            "Tệp bị từ chối: tài liệu nhúng lồng nhiều cấp. Hãy dán nội dung trực tiếp vào tệp rồi tải lên.".to_owned(),
            "The file was refused: it embeds documents within embedded documents. Paste the content in directly and re-upload.".to_owned(),
        ),
        UploadRejection::LegacyFormat(kind) => {
            let modern = kind.modern_equivalent();
            let old = kind.extension().to_uppercase();
            (
                format!("Máy chủ không nhận định dạng cũ {old} (Office 97-2003). Hãy mở tệp và chọn Lưu thành (Save As) {modern}, rồi tải lên tệp {modern}."),
                format!("This server does not accept the old {old} format (Office 97-2003). Open the file, Save As {modern}, and upload the {modern} file."),
            )
        }
    };
    tracing::info!(%rejection, "upload refused");
    AppError::with_message(ErrorCode::UnsupportedDocument, vi, en)
}

fn pdf_error(error: PdfError) -> AppError {
    let (vi, en) = match error {
        PdfError::Encrypted => (
            "Tệp PDF có mật khẩu hoặc bị mã hóa. Hãy gỡ mật khẩu rồi tải lên lại.",
            "The PDF is password-protected or encrypted. Remove the password and re-upload.",
        ),
        PdfError::NoPages => ("Tệp PDF không có trang nào.", "The PDF has no pages."),
        PdfError::NotPdf | PdfError::Broken(_) => (
            "Tệp PDF bị hỏng, không mở được. Hãy xuất lại PDF rồi tải lên.",
            "The PDF is damaged and cannot be opened. Export it again and re-upload.",
        ),
    };
    AppError::with_message(ErrorCode::UnsupportedDocument, vi, en)
}

fn conversion_error(error: ConversionError) -> AppError {
    match error {
        ConversionError::NotInstalled => AppError::with_message(
            ErrorCode::ToolMissing,
            "Máy chủ chưa cài LibreOffice nên chưa chuyển được tệp Office sang PDF. Quản trị viên cài bằng lệnh: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui. Hoặc tải lên bản PDF.",
            "LibreOffice is not installed on the server, so Office files cannot be converted. The administrator installs it with: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui. Or upload a PDF.",
        ),
        ConversionError::SandboxUnavailable(reason) => {
            tracing::warn!(%reason, "office upload refused: no conversion sandbox");
            AppError::new(ErrorCode::ConversionUnavailable)
        }
        ConversionError::TimedOut(seconds) => AppError::with_message(
            ErrorCode::UnsupportedDocument,
            format!("Chuyển đổi sang PDF quá {seconds} giây nên đã dừng. Hãy tải lên bản PDF của tài liệu."),
            format!("Converting to PDF took over {seconds} seconds and was stopped. Please upload a PDF of the document."),
        ),
        ConversionError::Failed(detail) => {
            tracing::warn!(%detail, "conversion failed");
            AppError::with_message(
                ErrorCode::UnsupportedDocument,
                "LibreOffice không chuyển được tệp này sang PDF. Hãy mở tệp, lưu lại rồi tải lên, hoặc tải lên bản PDF.",
                "LibreOffice could not convert this file to PDF. Open and save it again, or upload a PDF.",
            )
        }
        ConversionError::Io(error) => AppError::internal(error),
    }
}

/// An upload made ready to store: a checked PDF with nothing a reader's
/// viewer could run or open (see [`crate::sanitize`]), with what each page
/// shows.
struct PreparedPdf {
    bytes: Vec<u8>,
    page_count: i64,
    layouts: Vec<PageLayout>,
    /// What the sanitizer removed (empty: stored as uploaded).
    removed: Vec<String>,
}

/// Turns an upload into a checked, sanitized PDF, its page count and page
/// layouts, writing nothing: an Office file is classified and filtered,
/// converted in the sandbox, and the result is checked like an uploaded
/// PDF.
async fn prepare_pdf(state: &AppState, bytes: Vec<u8>) -> Result<PreparedPdf, AppError> {
    let policy = state.settings.upload_policy;
    let (kind, bytes) = tokio::task::spawn_blocking(move || {
        let kind = upload::classify(&bytes, &policy);
        (kind, bytes)
    })
    .await
    .map_err(AppError::internal)?;
    let kind = kind.map_err(rejection_error)?;
    let pdf = if kind == UploadKind::Pdf {
        bytes
    } else {
        state
            .converter
            .to_pdf(&bytes, kind)
            .await
            .map_err(conversion_error)?
    };
    let (sanitized, layouts) = tokio::task::spawn_blocking(move || {
        let sanitized = crate::sanitize::sanitize_pdf(&pdf);
        // A PDF lopdf accepted can still have pages whose text cannot be
        // read: they get no fingerprint, and nothing is carried onto them.
        let layouts = match &sanitized {
            Ok(sanitized) => page_text::page_layouts(&sanitized.bytes).unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        (sanitized, layouts)
    })
    .await
    .map_err(AppError::internal)?;
    let sanitized = sanitized.map_err(pdf_error)?;
    if !sanitized.removed.is_empty() {
        tracing::info!(removed = ?sanitized.removed, "removed from an uploaded pdf before storing it");
    }
    Ok(PreparedPdf {
        bytes: sanitized.bytes,
        page_count: sanitized.info.page_count,
        layouts,
        removed: sanitized.removed,
    })
}

/// The document as the wire shows it, with its versions.
async fn document_info(
    state: &AppState,
    document: &DocumentRecord,
    current: &DocumentVersionRecord,
) -> Result<DocumentInfo, AppError> {
    let versions = state.store.document_versions(&document.id).await?;
    Ok(document_to_wire(document, current, &versions))
}

/// `POST /meetings/{id}/agenda/{item_id}/documents` (multipart: `file`,
/// optional `title`, optional `confidential`).
#[utoipa::path(post, path = "/api/v1/meetings/{meeting_id}/agenda/{item_id}/documents", tag = "documents", params(("meeting_id" = String, Path, description = "Meeting id (m_…)"), ("item_id" = String, Path, description = "Agenda item id (a_…)")), request_body(content = DocumentUploadForm, content_type = "multipart/form-data"), responses((status = 201, body = DocumentInfo), (status = 400, body = ApiError), (status = 413, body = ApiError), (status = 422, description = "Not a supported document, or LibreOffice missing", body = ApiError), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path((meeting_id, item_id)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    editable_meeting(&state, &caller, &meeting_id).await?;
    let item = state
        .store
        .agenda_item(&item_id)
        .await?
        .filter(|item| item.meeting_id == meeting_id)
        .ok_or_else(AppError::not_found)?;
    let form = read_upload_form(&state, multipart).await?;
    let pdf = prepare_pdf(&state, form.bytes).await?;
    let page_count = pdf.page_count;
    let sha256 = state.blobs.put(&pdf.bytes)?;
    let title = form.title.unwrap_or_else(|| {
        form.file_name
            .rsplit_once('.')
            .map(|(stem, _)| stem.to_owned())
            .unwrap_or_else(|| form.file_name.clone())
    });
    let document = DocumentRecord {
        id: new_id("d"),
        meeting_id: meeting_id.clone(),
        agenda_item_id: item.id.clone(),
        position: state.store.next_document_position(&item.id).await?,
        title,
        confidential: form.confidential,
        current_version: 1,
        created_at: now_millis(),
    };
    let version = DocumentVersionRecord {
        document_id: document.id.clone(),
        version: 1,
        file_name: form.file_name,
        blob_sha256: sha256,
        page_count,
        size_bytes: pdf.bytes.len() as i64,
        uploaded_by: caller.user_id().to_owned(),
        uploaded_at: now_millis(),
        page_fingerprints: page_text::fingerprints(&pdf.layouts),
    };
    // The rows and the audit entry in one transaction: a refused upload
    // (a full disk, the database gone) leaves no document registered. A
    // blob stored before a refused transaction stays unnamed until the
    // same bytes are uploaded again.
    state
        .store
        .create_document_audited(
            &document,
            &version,
            NewAuditEntry {
                actor_user_id: Some(caller.user_id()),
                meeting_id: Some(&meeting_id),
                action: "document.upload",
                details: serde_json::json!({ "document_id": document.id, "file_name": version.file_name, "sha256": version.blob_sha256, "pages": page_count, "confidential": document.confidential, "removed": pdf.removed }),
            },
        )
        .await?;
    state.live.meeting_changed(&state.store, &meeting_id).await;
    Ok((
        StatusCode::CREATED,
        axum::Json(document_to_wire(
            &document,
            &version,
            std::slice::from_ref(&version),
        )),
    )
        .into_response())
}

/// `POST /documents/{id}/versions` (multipart `file`): replaces the
/// document, keeping earlier versions; its agenda item shows as updated.
#[utoipa::path(post, path = "/api/v1/documents/{document_id}/versions", tag = "documents", params(("document_id" = String, Path, description = "Document id (d_…)")), request_body(content = DocumentUploadForm, content_type = "multipart/form-data"), responses((status = 201, body = DocumentInfo), (status = 413, body = ApiError), (status = 422, body = ApiError), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn replace(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(document_id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let (document, current) = state
        .store
        .document(&document_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    editable_meeting(&state, &caller, &document.meeting_id).await?;
    let form = read_upload_form(&state, multipart).await?;
    let pdf = prepare_pdf(&state, form.bytes).await?;
    let sha256 = state.blobs.put(&pdf.bytes)?;
    let version = DocumentVersionRecord {
        document_id: document.id.clone(),
        version: current.version + 1,
        file_name: form.file_name,
        blob_sha256: sha256,
        page_count: pdf.page_count,
        size_bytes: pdf.bytes.len() as i64,
        uploaded_by: caller.user_id().to_owned(),
        uploaded_at: now_millis(),
        page_fingerprints: page_text::fingerprints(&pdf.layouts),
    };
    state
        .store
        .add_document_version_audited(
            &document,
            &version,
            NewAuditEntry {
                actor_user_id: Some(caller.user_id()),
                meeting_id: Some(&document.meeting_id),
                action: "document.replace",
                details: serde_json::json!({ "document_id": document.id, "version": version.version, "sha256": version.blob_sha256, "removed": pdf.removed }),
            },
        )
        .await?;
    state
        .live
        .meeting_changed(&state.store, &document.meeting_id)
        .await;
    let info = document_info(&state, &document, &version).await?;
    Ok((StatusCode::CREATED, axum::Json(info)).into_response())
}

/// `PATCH /documents/{id}`: title, confidential mark.
#[utoipa::path(patch, path = "/api/v1/documents/{document_id}", tag = "documents", params(("document_id" = String, Path, description = "Document id (d_…)")), request_body = UpdateDocumentRequest, responses((status = 200, body = DocumentInfo), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn update(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(document_id): Path<String>,
    payload: Result<axum::Json<UpdateDocumentRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<axum::Json<DocumentInfo>, AppError> {
    let axum::Json(request) = payload.map_err(bad_json)?;
    let (document, _) = state
        .store
        .document(&document_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    editable_meeting(&state, &caller, &document.meeting_id).await?;
    let title = request
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let (id, confidential) = (&document_id, request.confidential);
    store_change(
        &state,
        &caller,
        &document.meeting_id,
        "document.update",
        serde_json::json!({ "document_id": document_id, "title": title, "confidential": request.confidential }),
        |tx, _| Box::pin(editing::update_document_in(tx, id, title, confidential)),
    )
    .await?;
    if request.confidential.is_some() {
        // Sockets already granted the document's shared layer follow the
        // mark at once (a remote point loses it when it becomes confidential).
        state
            .sync
            .refresh_meeting_access(&document.meeting_id)
            .await;
    }
    let (document, version) = state
        .store
        .document(&document_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(axum::Json(
        document_info(&state, &document, &version).await?,
    ))
}

/// `DELETE /documents/{id}`: takes a document off the agenda with its
/// versions. Tablets drop it from their packs; annotations on it are kept.
#[utoipa::path(delete, path = "/api/v1/documents/{document_id}", tag = "documents", params(("document_id" = String, Path, description = "Document id (d_…)")), responses((status = 204, description = "Removed"), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError), (status = 409, description = "Closed or cancelled", body = ApiError)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(document_id): Path<String>,
) -> Result<StatusCode, AppError> {
    let (document, current) = state
        .store
        .document(&document_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    editable_meeting(&state, &caller, &document.meeting_id).await?;
    let id = &document_id;
    store_change(
        &state,
        &caller,
        &document.meeting_id,
        "document.remove",
        serde_json::json!({ "document_id": document_id, "title": document.title, "version": current.version, "sha256": current.blob_sha256 }),
        |tx, _| Box::pin(editing::delete_document_in(tx, id)),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /documents/{id}/versions`: every version of a document with its
/// page fingerprints (what the carry-over of annotations compares).
#[utoipa::path(get, path = "/api/v1/documents/{document_id}/versions", tag = "documents", params(("document_id" = String, Path, description = "Document id (d_…)")), responses((status = 200, body = DocumentVersionList), (status = 401, description = "Not logged in", body = ApiError), (status = 404, description = "Not found or not visible", body = ApiError)))]
pub async fn versions(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(document_id): Path<String>,
) -> Result<axum::Json<DocumentVersionList>, AppError> {
    let ReadableDocument {
        document, current, ..
    } = readable_document(&state, &caller, &document_id).await?;
    let versions = state
        .store
        .document_versions(&document_id)
        .await?
        .into_iter()
        .map(|version| DocumentVersionDetails {
            url: version_url(&document.id, version.version, document.confidential),
            version: version.version,
            uploaded_at_ms: version.uploaded_at,
            file_name: version.file_name,
            page_count: version.page_count,
            size_bytes: version.size_bytes,
            sha256: version.blob_sha256,
            page_fingerprints: version.page_fingerprints,
        })
        .collect();
    Ok(axum::Json(DocumentVersionList {
        document_id: document.id,
        current_version: current.version,
        versions,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_percent_encoded_for_headers() {
        assert_eq!(percent_encode("báo cáo.pdf"), "b%C3%A1o%20c%C3%A1o.pdf");
        assert_eq!(percent_encode("a\"b\r\n.pdf"), "a%22b%0D%0A.pdf");
    }
}
