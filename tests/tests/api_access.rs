//! The REST API over real HTTP: who sees what, the error shape, security
//! headers, and document downloads (ETag, Range, confidential rules).

use phonghop_e2e::{browser_client, demo_meeting_id, logged_in, run_command, Server};

#[tokio::test]
async fn delegate_sees_the_published_meeting_with_agenda_and_documents() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let delegate = logged_in(&server, "daibieu07", "demo").await;
    let meeting_id = demo_meeting_id(&delegate, &server).await;
    let meeting: serde_json::Value = delegate
        .get(server.url(&format!("/api/v1/meetings/{meeting_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meeting["my_role"], "delegate");
    assert_eq!(meeting["state"], "published");
    let agenda = meeting["agenda"].as_array().unwrap();
    assert_eq!(agenda.len(), 5);
    // The sub-item follows its parent.
    assert_eq!(agenda[2]["parent_id"], agenda[1]["id"]);
    let documents: Vec<_> = agenda
        .iter()
        .flat_map(|item| item["documents"].as_array().unwrap().clone())
        .collect();
    assert_eq!(documents.len(), 3);
    assert_eq!(documents[0]["page_count"], 5);
    assert!(documents.iter().any(|d| d["confidential"] == true));
}

#[tokio::test]
async fn outsider_sees_nothing_of_the_meeting_and_its_documents() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let (status, _, stderr) = run_command(
        &[
            "user",
            "add",
            "nguoingoai",
            "--password-stdin",
            "--data-dir",
            dir.path().to_str().unwrap(),
        ],
        Some("khong-phai-dai-bieu\n"),
    );
    assert!(status.success(), "{stderr}");
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

    let outsider = logged_in(&server, "nguoingoai", "khong-phai-dai-bieu").await;
    let list: serde_json::Value = outsider
        .get(server.url("/api/v1/meetings"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list["meetings"].as_array().unwrap().is_empty());
    for path in [
        format!("/api/v1/meetings/{meeting_id}"),
        format!("/api/v1/meetings/{meeting_id}/audit"),
        document_url.clone(),
    ] {
        let response = outsider.get(server.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "not_found");
    }
    // Without a session: 401 with the error shape, in Vietnamese by default.
    let anonymous = browser_client()
        .get(server.url(&document_url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: serde_json::Value = anonymous.json().await.unwrap();
    assert_eq!(body["code"], "unauthenticated");
    assert!(body["message"].as_str().unwrap().contains("đăng nhập"));
}

#[tokio::test]
async fn delegates_cannot_read_the_audit_log_but_the_secretary_can() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let delegate = logged_in(&server, "daibieu02", "demo").await;
    let meeting_id = demo_meeting_id(&delegate, &server).await;
    let path = format!("/api/v1/meetings/{meeting_id}/audit");
    assert_eq!(
        delegate
            .get(server.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let secretary = logged_in(&server, "thuky", "demo").await;
    let log: serde_json::Value = secretary
        .get(server.url(&path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["entries"][0]["action"], "demo.seed");
}

#[tokio::test]
async fn documents_download_with_etag_range_and_confidential_rules() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let delegate = logged_in(&server, "daibieu03", "demo").await;
    let meeting_id = demo_meeting_id(&delegate, &server).await;
    let meeting: serde_json::Value = delegate
        .get(server.url(&format!("/api/v1/meetings/{meeting_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documents: Vec<serde_json::Value> = meeting["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|item| item["documents"].as_array().unwrap().clone())
        .collect();
    let open = documents
        .iter()
        .find(|d| d["confidential"] == false)
        .unwrap();
    let secret = documents
        .iter()
        .find(|d| d["confidential"] == true)
        .unwrap();

    let full = delegate
        .get(server.url(open["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(full.status(), 200);
    assert_eq!(full.headers()["content-type"], "application/pdf");
    assert!(full.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let etag = full.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", open["sha256"].as_str().unwrap()));
    let bytes = full.bytes().await.unwrap();
    assert_eq!(bytes.len() as i64, open["size_bytes"].as_i64().unwrap());
    assert!(bytes.starts_with(b"%PDF-"));

    // A second download of an unchanged document transfers nothing.
    let again = delegate
        .get(server.url(open["url"].as_str().unwrap()))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // A resumed download gets just the missing part.
    let tail = delegate
        .get(server.url(open["url"].as_str().unwrap()))
        .header("Range", "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), 206);
    assert_eq!(tail.bytes().await.unwrap().as_ref(), &bytes[1000..2000]);

    // Mật: a copy for this reader, never stored by the browser.
    let confidential = delegate
        .get(server.url(secret["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(confidential.status(), 200);
    assert_eq!(confidential.headers()["cache-control"], "no-store");
    let secret_url = secret["url"].as_str().unwrap();
    assert!(
        secret_url.ends_with("/versions/1/confidential"),
        "{secret_url}"
    );
    // Its public (immutable) URL does not exist.
    let public_url = secret_url.replace("/confidential", "/file");
    let refused = delegate.get(server.url(&public_url)).send().await.unwrap();
    assert_eq!(refused.status(), 404);

    // Marked confidential later: the URL a browser cached for good stops
    // answering at once, and the meeting names the new one.
    let secretary = logged_in(&server, "thuky", "demo").await;
    let document_id = open["id"].as_str().unwrap();
    let marked: serde_json::Value = secretary
        .patch(server.url(&format!("/api/v1/documents/{document_id}")))
        .json(&serde_json::json!({ "confidential": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let old_url = open["url"].as_str().unwrap();
    assert_eq!(
        marked["url"].as_str().unwrap(),
        old_url.replace("/file", "/confidential")
    );
    let gone = delegate.get(server.url(old_url)).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    let stamped = delegate
        .get(server.url(marked["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(stamped.status(), 200);
    assert_eq!(stamped.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let client = browser_client();
    for path in ["/", "/healthz", "/api/v1/meetings", "/api/v1/no-such-route"] {
        let response = client.get(server.url(path)).send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(!csp.contains("'unsafe-eval'"), "{path}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    }
}

#[tokio::test]
async fn foreign_origin_cannot_log_in_even_with_right_password() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let response = browser_client()
        .post(server.url("/api/v1/auth/login"))
        .header("Origin", "https://evil.example")
        .json(&serde_json::json!({"username": "thuky", "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn repeated_wrong_passwords_are_slowed_down_and_errors_follow_accept_language() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let client = browser_client();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = client
            .post(server.url("/api/v1/auth/login"))
            .header("Accept-Language", "en-US,en;q=0.9")
            .json(&serde_json::json!({"username": "chutri", "password": "guess"}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            assert!(response.headers().contains_key("retry-after"));
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["code"], "too_many_attempts");
            assert!(body["message"].as_str().unwrap().contains("Too many"));
        }
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    // Even the right password waits until the pause is over.
    let blocked = client
        .post(server.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "chutri", "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.status(), 429);
    assert!(server.log_text().contains("repeated failed logins"));
}

#[tokio::test]
async fn malformed_login_body_is_a_clear_400() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let response = browser_client()
        .post(server.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "bad_request");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let client = logged_in(&server, "daibieu04", "demo").await;
    let ticket: serde_json::Value = client
        .post(server.url("/api/v1/auth/ws-ticket"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(ticket["ticket"].as_str().unwrap().len() >= 32);
    let out = client
        .post(server.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let me = client
        .get(server.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
}

#[tokio::test]
async fn the_openapi_document_is_served_and_names_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let document: serde_json::Value = browser_client()
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/meetings/{meeting_id}",
        "/live",
        "/sync",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(document["components"]["schemas"].get("Meeting").is_some());
}
