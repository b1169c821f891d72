//! `/api/v1/documents/{id}/…/file`: the PDFs, with ETag, Range requests
//! (resumable downloads on a flaky link) and cache rules that depend on
//! whether the document is confidential.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::access::{self, MeetingViewer};
use crate::auth::AuthenticatedUser;
use crate::error::AppError;
use crate::store::{DocumentRecord, DocumentVersionRecord};
use crate::AppState;

/// The document as the caller may read it, or `not_found`.
async fn readable_document(
    state: &AppState,
    caller: &AuthenticatedUser,
    document_id: &str,
) -> Result<(DocumentRecord, DocumentVersionRecord), AppError> {
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
    Ok((document, current))
}

/// The current version; revalidated on each use (its URL outlives versions).
pub async fn current_file(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(document_id): Path<String>,
    request: Request,
) -> Result<Response, AppError> {
    let (document, current) = readable_document(&state, &caller, &document_id).await?;
    serve_pdf(&state, &document, &current, false, request).await
}

/// One version by number: immutable, so cached for good (unless
/// confidential).
pub async fn version_file(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path((document_id, version)): Path<(String, i64)>,
    request: Request,
) -> Result<Response, AppError> {
    let (document, _) = readable_document(&state, &caller, &document_id).await?;
    let version = state
        .store
        .document_version(&document_id, version)
        .await?
        .ok_or_else(AppError::not_found)?;
    serve_pdf(&state, &document, &version, true, request).await
}

async fn serve_pdf(
    state: &AppState,
    document: &DocumentRecord,
    version: &DocumentVersionRecord,
    immutable: bool,
    request: Request,
) -> Result<Response, AppError> {
    let etag = format!("\"{}\"", version.blob_sha256);
    let cache_control = if document.confidential {
        // Mật: never kept by the browser or the offline cache.
        "private, no-store"
    } else if immutable {
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
    if not_modified && !document.confidential {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_percent_encoded_for_headers() {
        assert_eq!(percent_encode("báo cáo.pdf"), "b%C3%A1o%20c%C3%A1o.pdf");
        assert_eq!(percent_encode("a\"b\r\n.pdf"), "a%22b%0D%0A.pdf");
    }
}
