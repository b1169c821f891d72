//! What handlers share about the wire, below every handler module: store
//! rows as wire types (`user_to_wire`, `document_to_wire`, the URL of a
//! document version) and a request body that is not valid JSON as an
//! `ApiError` (`bad_json`).

use axum::extract::rejection::JsonRejection;
use phonghop_protocol::api::{DocumentInfo, DocumentVersionSummary, User};

use crate::error::AppError;
use crate::store::{DocumentRecord, DocumentVersionRecord, UserRecord};

/// Turns axum's JSON rejection into our error shape.
pub fn bad_json(rejection: JsonRejection) -> AppError {
    AppError::bad_request(
        format!("Dữ liệu gửi lên không hợp lệ: {}", rejection.body_text()),
        format!("The request body is not valid: {}", rejection.body_text()),
    )
}

pub fn user_to_wire(user: &UserRecord, must_change_password: bool) -> User {
    User {
        id: user.id.clone(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.org_role,
        must_change_password,
    }
}

/// Where version `version` of a document is served, in its current
/// confidentiality state.
///
/// **The URL names the version and the state.** A non-confidential
/// version's content never changes, so its URL (`…/versions/{n}/file`) is
/// cached for good. A confidential document is served only from
/// `…/versions/{n}/confidential`, never cached; the moment a document is
/// marked confidential its public URLs answer `not_found`, so no copy a
/// browser kept under them can be mistaken for the document's current
/// state, and the meeting JSON (and the live `meeting_changed`) name the new
/// URL. Unmarking goes back to the public URL (same content as before).
pub fn version_url(document_id: &str, version: i64, confidential: bool) -> String {
    if confidential {
        format!("/api/v1/documents/{document_id}/versions/{version}/confidential")
    } else {
        format!("/api/v1/documents/{document_id}/versions/{version}/file")
    }
}

/// A document as the wire shows it: its current version, and every
/// version (`versions`, the first first) for the list of earlier ones.
pub fn document_to_wire(
    document: &DocumentRecord,
    current: &DocumentVersionRecord,
    versions: &[DocumentVersionRecord],
) -> DocumentInfo {
    let url = |version: i64| version_url(&document.id, version, document.confidential);
    DocumentInfo {
        id: document.id.clone(),
        title: document.title.clone(),
        file_name: current.file_name.clone(),
        page_count: current.page_count,
        size_bytes: current.size_bytes,
        sha256: current.blob_sha256.clone(),
        confidential: document.confidential,
        version: current.version,
        url: url(current.version),
        versions: versions
            .iter()
            .filter(|version| version.document_id == document.id)
            .map(|version| DocumentVersionSummary {
                version: version.version,
                uploaded_at_ms: version.uploaded_at,
                page_count: version.page_count,
                size_bytes: version.size_bytes,
                sha256: version.blob_sha256.clone(),
                url: url(version.version),
            })
            .collect(),
    }
}
