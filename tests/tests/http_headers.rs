//! The security headers on every kind of response, read as a browser would:
//! the Content-Security-Policy lets the page load nothing from outside the
//! server and run no JavaScript `eval`, `nosniff`, no framing by other
//! sites, and HSTS on every response served over TLS.
//! (`api_access.rs` checks a few of these on four paths; this file checks
//! the policy's every source, on successes and errors alike.)

use phonghop_e2e::{
    browser_client, demo_meeting_id, logged_in, run_command, Server, ServerOptions,
};
use reqwest::header::HeaderMap;

/// Sources a directive may list. Anything else (a host, `*`, `http:`,
/// `https:`, `ws:`, `wss:`, `'unsafe-eval'`, a nonce for remote script) is
/// a way for the page to reach outside the server or to run strings as code.
/// `'wasm-unsafe-eval'` compiles WebAssembly only (pdf.js' image decoders,
/// Automerge); `'unsafe-inline'` is allowed for styles only.
const ALLOWED_SOURCES: &[&str] = &["'self'", "'none'", "data:", "blob:"];

fn check_policy(headers: &HeaderMap, what: &str) {
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    let mut directives = std::collections::BTreeMap::new();
    for directive in csp.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let mut words = directive.split_whitespace();
        let name = words.next().unwrap().to_owned();
        let sources: Vec<String> = words.map(str::to_owned).collect();
        for source in &sources {
            let allowed = ALLOWED_SOURCES.contains(&source.as_str())
                || (name == "script-src" && source == "'wasm-unsafe-eval'")
                || (name == "style-src" && source == "'unsafe-inline'");
            assert!(
                allowed,
                "{what}: `{name}` allows {source}, which reaches outside the server or runs code from strings\n{csp}"
            );
        }
        directives.insert(name, sources);
    }
    for (name, expected) in [
        ("default-src", vec!["'self'"]),
        ("object-src", vec!["'none'"]),
        ("frame-ancestors", vec!["'none'"]),
        ("base-uri", vec!["'self'"]),
        ("form-action", vec!["'self'"]),
    ] {
        assert_eq!(
            directives
                .get(name)
                .map(|s| s.iter().map(String::as_str).collect::<Vec<_>>()),
            Some(expected),
            "{what}: {name}\n{csp}"
        );
    }
    assert!(
        directives.contains_key("script-src"),
        "{what}: script-src\n{csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
}

#[tokio::test]
async fn every_kind_of_response_forbids_remote_origins_eval_sniffing_and_framing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            ..ServerOptions::default()
        },
    );
    let delegate = logged_in(&server, "daibieu01", "demo").await;
    let meeting_id = demo_meeting_id(&delegate, &server).await;
    let meeting: serde_json::Value = delegate
        .get(server.url(&format!("/api/v1/meetings/{meeting_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let document_url = meeting["agenda"][0]["documents"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let anonymous = browser_client();
    let mut responses = vec![
        (
            "the app",
            anonymous.get(server.url("/")).send().await.unwrap(),
        ),
        (
            "a client route (SPA fallback)",
            anonymous
                .get(server.url("/meetings/x"))
                .send()
                .await
                .unwrap(),
        ),
        (
            "API JSON",
            delegate
                .get(server.url("/api/v1/meetings"))
                .send()
                .await
                .unwrap(),
        ),
        (
            "a PDF download",
            delegate
                .get(server.url(&document_url))
                .send()
                .await
                .unwrap(),
        ),
        (
            "401",
            anonymous
                .get(server.url("/api/v1/auth/me"))
                .send()
                .await
                .unwrap(),
        ),
        (
            "404",
            delegate
                .get(server.url("/api/v1/nothing"))
                .send()
                .await
                .unwrap(),
        ),
        (
            "403 for a foreign origin",
            delegate
                .post(server.url("/api/v1/auth/logout"))
                .header("Origin", "https://evil.example")
                .send()
                .await
                .unwrap(),
        ),
        (
            "400 for a bad body",
            anonymous
                .post(server.url("/api/v1/auth/login"))
                .header("content-type", "application/json")
                .body("{")
                .send()
                .await
                .unwrap(),
        ),
        (
            "a refused websocket",
            anonymous.get(server.url("/live")).send().await.unwrap(),
        ),
        (
            "the OpenAPI document",
            anonymous
                .get(server.url("/api/openapi.json"))
                .send()
                .await
                .unwrap(),
        ),
        (
            "metrics",
            anonymous.get(server.url("/metrics")).send().await.unwrap(),
        ),
    ];
    for (what, response) in responses.drain(..) {
        check_policy(response.headers(), what);
        // Over plain HTTP a Strict-Transport-Security header means nothing
        // to a browser; the server sends it only over TLS.
        assert!(
            !response.headers().contains_key("strict-transport-security"),
            "{what}"
        );
    }
}

/// A shared tablet forgets its user (issue 21): the browser's HTTP cache,
/// which the web client cannot empty at logout or on a remote wipe, never
/// keeps an API answer, successful or not.
#[tokio::test]
async fn api_answers_are_never_kept_in_the_browser_cache() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            ..ServerOptions::default()
        },
    );
    let delegate = logged_in(&server, "daibieu01", "demo").await;
    let meeting_id = demo_meeting_id(&delegate, &server).await;
    let anonymous = browser_client();
    for (what, response) in [
        (
            "the meetings list",
            delegate
                .get(server.url("/api/v1/meetings"))
                .send()
                .await
                .unwrap(),
        ),
        (
            "a meeting",
            delegate
                .get(server.url(&format!("/api/v1/meetings/{meeting_id}")))
                .send()
                .await
                .unwrap(),
        ),
        (
            "who is logged in",
            delegate
                .get(server.url("/api/v1/auth/me"))
                .send()
                .await
                .unwrap(),
        ),
        (
            "401",
            anonymous
                .get(server.url("/api/v1/auth/me"))
                .send()
                .await
                .unwrap(),
        ),
        (
            "404",
            delegate
                .get(server.url("/api/v1/nothing"))
                .send()
                .await
                .unwrap(),
        ),
    ] {
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|value| value.to_str().unwrap()),
            Some("no-store"),
            "{what}"
        );
    }
}

/// Logging out asks the browser to empty its HTTP cache too (a shared
/// tablet forgets its user): only the cache, since the web client keeps the
/// device id and language in its own storage.
#[tokio::test]
async fn logout_asks_the_browser_to_empty_its_cache() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            ..ServerOptions::default()
        },
    );
    let delegate = logged_in(&server, "daibieu01", "demo").await;
    let response = delegate
        .post(server.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        response
            .headers()
            .get("clear-site-data")
            .map(|value| value.to_str().unwrap()),
        Some("\"cache\"")
    );
    let after = delegate
        .get(server.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401, "the session ended");
}

#[tokio::test]
async fn over_tls_every_response_carries_hsts_for_a_year() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let (status, stdout, stderr) = run_command(
        &["cert", "--host", "127.0.0.1", "--data-dir", data_dir],
        None,
    );
    assert!(status.success(), "{stdout}{stderr}");
    let tls = dir.path().join("tls");
    let server = Server::start(
        dir.path(),
        ServerOptions {
            https: true,
            demo: true,
            extra_args: vec![
                "--tls-cert".into(),
                tls.join("server.pem").to_str().unwrap().into(),
                "--tls-key".into(),
                tls.join("server-key.pem").to_str().unwrap().into(),
            ],
            ..ServerOptions::default()
        },
    );
    let ca = std::fs::read(tls.join("ca.pem")).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .cookie_store(true)
        .build()
        .unwrap();
    for (path, expected) in [
        ("/", None),
        ("/healthz", Some(200)),
        ("/api/v1/auth/me", Some(401)),
        ("/api/v1/nothing", Some(404)),
        ("/live", Some(401)),
    ] {
        let response = client.get(server.url(path)).send().await.unwrap();
        if let Some(expected) = expected {
            assert_eq!(response.status(), expected, "{path}");
        }
        check_policy(response.headers(), path);
        let hsts = response
            .headers()
            .get("strict-transport-security")
            .unwrap_or_else(|| panic!("{path}: no HSTS over TLS"))
            .to_str()
            .unwrap();
        let max_age: u64 = hsts
            .split(';')
            .find_map(|part| part.trim().strip_prefix("max-age="))
            .expect("max-age")
            .parse()
            .unwrap();
        assert!(max_age >= 31_536_000, "{path}: {hsts}");
    }
    // The session cookie is Secure over TLS (and HttpOnly, SameSite=Strict).
    let login = client
        .post(server.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": "daibieu01", "password": "demo" }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
}
