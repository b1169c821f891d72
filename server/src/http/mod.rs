//! The HTTP surface: [`app`] builds the router from the handlers in the
//! sibling modules (one file per resource) and the cross-cutting layers
//! (security headers, the origin check of `origin`, error localization,
//! request counting).

mod account;
mod admin;
mod auth;
mod document_reads;
mod documents;
mod editing;
mod health;
mod live;
mod meetings;
mod moderation;
mod openapi;
mod origin;
mod record;
mod record_signing;
mod sync;
mod user_import;
mod users;
mod web;
mod wire;

use std::sync::atomic::Ordering;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, patch, post, put};
use axum::Router;

use crate::error::AppError;
use crate::state::AppState;

/// The Content-Security-Policy of every response: nothing from outside the
/// server, no JavaScript `eval` (pdf.js runs with `isEvalSupported:
/// false`), WebAssembly allowed (`'wasm-unsafe-eval'` compiles wasm only:
/// pdf.js decodes JBIG2 scans with it, and the web client's Automerge is
/// wasm), no framing by other sites.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
worker-src 'self' blob:; connect-src 'self'; frame-src 'self'; object-src 'none'; \
base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Builds the whole application.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/auth/ws-ticket", post(auth::ws_ticket))
        .route("/auth/device-wiped", post(auth::device_wiped))
        .route("/auth/password", post(account::change_password))
        .route("/auth/sessions", get(account::sessions))
        .route(
            "/auth/sessions/{session_id}",
            axum::routing::delete(account::end_session),
        )
        .route("/users", get(users::list).post(users::create))
        .route("/admin/backup", get(admin::backup_status))
        .route("/users/{user_id}/password", post(users::reset_password))
        .route("/users/{user_id}/role", post(users::set_role))
        .route("/users/{user_id}/devices", get(users::devices))
        .route(
            "/users/{user_id}/devices/{device_id}/wipe",
            post(users::wipe_device),
        )
        .route("/users/{user_id}/{action}", post(users::set_disabled))
        .route(
            "/meetings",
            get(meetings::list).post(editing::create_meeting),
        )
        .route(
            "/meetings/{meeting_id}",
            get(meetings::one).patch(editing::update_meeting),
        )
        .route("/meetings/{meeting_id}/audit", get(meetings::audit))
        .route(
            "/meetings/{meeting_id}/document-reads",
            get(document_reads::document_reads),
        )
        .route("/meetings/{meeting_id}/record.pdf", get(record::record_pdf))
        .route(
            "/meetings/{meeting_id}/record",
            get(record_signing::record_status),
        )
        .route(
            "/meetings/{meeting_id}/record/sign",
            post(record_signing::sign_record),
        )
        .route(
            "/meetings/{meeting_id}/record/external/prepare",
            post(record_signing::prepare_external),
        )
        .route(
            "/meetings/{meeting_id}/record/external/complete",
            post(record_signing::complete_external),
        )
        .route(
            "/meetings/{meeting_id}/participants",
            get(editing::participants),
        )
        .route(
            "/meetings/{meeting_id}/hidden-annotations",
            put(moderation::set_hidden),
        )
        .route(
            "/meetings/{meeting_id}/participants/{user_id}",
            put(editing::set_participant).delete(editing::remove_participant),
        )
        .route(
            "/meetings/{meeting_id}/agenda",
            post(editing::create_agenda_item),
        )
        .route(
            "/meetings/{meeting_id}/agenda/order",
            put(editing::reorder_agenda),
        )
        .route(
            "/meetings/{meeting_id}/agenda/{item_id}",
            patch(editing::update_agenda_item).delete(editing::delete_agenda_item),
        )
        .route("/meetings/{meeting_id}/{action}", post(editing::transition))
        .route(
            "/documents/{document_id}",
            patch(documents::update).delete(documents::remove),
        )
        .route(
            "/documents/{document_id}/file",
            get(documents::current_file),
        )
        .route(
            "/documents/{document_id}/versions/{version}/file",
            get(documents::version_file),
        )
        .route(
            "/documents/{document_id}/versions/{version}/confidential",
            get(documents::confidential_version_file),
        )
        .layer(DefaultBodyLimit::max(1024 * 1024));
    // Uploads get their own, larger body limit.
    let uploads = Router::new()
        .route(
            "/meetings/{meeting_id}/agenda/{item_id}/documents",
            post(documents::upload),
        )
        // The list of versions shares the path (a GET carries no body).
        .route(
            "/documents/{document_id}/versions",
            get(documents::versions).post(documents::replace),
        )
        .layer(DefaultBodyLimit::max(
            state.settings.max_upload_bytes + 64 * 1024,
        ));
    // A list of officials to import: its own limit, answered in the
    // import's words (`import_too_large`).
    let imports = Router::new()
        .route("/users/import/preview", post(user_import::preview))
        .route("/users/import", post(user_import::import))
        .layer(DefaultBodyLimit::max(crate::roster::MAX_FILE_BYTES + 1));
    let api = api
        .merge(uploads)
        .merge(imports)
        .fallback(api_not_found)
        .layer(middleware::from_fn(api_answers_not_stored));

    Router::new()
        .nest("/api/v1", api)
        .route("/api/openapi.json", get(openapi::document))
        .route("/sync", get(sync::upgrade))
        .route("/live", get(live::upgrade))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/ca.pem", get(health::ca_certificate))
        .fallback(web::static_files)
        .layer(middleware::from_fn(crate::error::localize))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            origin::check_origin,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            common_headers,
        ))
        .with_state(state)
}

async fn api_not_found() -> AppError {
    AppError::not_found()
}

/// API answers are an account's data (meetings, agendas, names), and the
/// browser's HTTP cache is the one store on a tablet that the web client
/// cannot empty when its user logs out or the device is wiped (issue 21):
/// every answer under `/api/v1` is `no-store` unless its handler chose its
/// own caching (document files, whose rules `documents` sets).
async fn api_answers_not_stored(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Sets the security headers on every response and counts requests.
async fn common_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    state.metrics.http_requests.fetch_add(1, Ordering::Relaxed);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if state.settings.tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_forbids_eval_and_remote_origins() {
        assert!(!CONTENT_SECURITY_POLICY.contains("'unsafe-eval'"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
        assert!(!CONTENT_SECURITY_POLICY.contains("http:"));
    }
}
