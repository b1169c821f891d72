//! The built web client (`client-web/dist`): files as they are, and
//! `index.html` for any other path so the app's own routes work on reload.
//! Vite's hashed assets are cached for good; the shell is revalidated.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::state::AppState;

pub async fn static_files(State(state): State<AppState>, request: Request) -> Response {
    let web_dir = &state.settings.web_dir;
    let index = web_dir.join("index.html");
    if !index.exists() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(
                "<!doctype html><meta charset=utf-8><title>phonghop</title>\
                 <h1>Giao diện web chưa được xây dựng</h1>\
                 <p>Chạy <code>make run</code> (hoặc <code>npm run build</code> trong \
                 <code>client-web</code>), rồi tải lại trang.</p>\
                 <p lang=en>The web client is not built: run <code>make run</code>, then reload.</p>",
            ),
        )
            .into_response();
    }
    let immutable = request.uri().path().starts_with("/assets/");
    let service = ServeDir::new(web_dir).fallback(ServeFile::new(&index));
    let mut response = match service.oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(error) => return crate::error::AppError::internal(error).into_response(),
    };
    let cache = if immutable && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
