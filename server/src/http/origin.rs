//! The `Origin` check: a browser sends `Origin` on cross-site requests and
//! websocket handshakes, and the session cookie goes with them, so a
//! foreign page could otherwise act as the user. [`check_origin`] guards
//! every state-changing request; `/sync` and `/live` call
//! [`origin_allowed`] before their upgrades (defence in depth beside the
//! SameSite=Strict cookie).

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;

/// Refuses state-changing requests from a foreign `Origin` (defence in
/// depth beside the SameSite=Strict cookie).
pub async fn check_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !origin_allowed(request.headers(), &state.settings.allowed_origins) {
        tracing::warn!(
            origin = ?request.headers().get(header::ORIGIN),
            path = %request.uri().path(),
            "refused a request from a foreign origin"
        );
        return AppError::forbidden().into_response();
    }
    next.run(request).await
}

/// True when the request has no `Origin` (not a browser's cross-site
/// request), or its `Origin` is the server's own (same host, either
/// scheme: a TLS-terminating proxy may sit in front) or in `allowed`.
pub fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if allowed.iter().any(|a| a.trim_end_matches('/') == origin) {
        return true;
    }
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    origin == format!("http://{host}") || origin == format!("https://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, host.parse().unwrap());
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, origin.parse().unwrap());
        }
        headers
    }

    #[test]
    fn same_origin_and_listed_origins_are_allowed() {
        assert!(origin_allowed(&headers(None, "10.0.0.2:8080"), &[]));
        assert!(origin_allowed(
            &headers(Some("http://10.0.0.2:8080"), "10.0.0.2:8080"),
            &[]
        ));
        assert!(origin_allowed(
            &headers(Some("https://hop.ubnd.local"), "10.0.0.2:8080"),
            &["https://hop.ubnd.local".into()]
        ));
    }

    #[test]
    fn foreign_origin_is_refused() {
        assert!(!origin_allowed(
            &headers(Some("https://evil.example"), "10.0.0.2:8080"),
            &[]
        ));
        assert!(!origin_allowed(
            &headers(Some("http://10.0.0.2:8081"), "10.0.0.2:8080"),
            &[]
        ));
    }
}
