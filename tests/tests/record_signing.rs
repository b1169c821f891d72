//! Signing the meeting record, against the real binary and real
//! LibreOffice: the demo meeting is started and closed, then its chair and
//! secretary sign.

use phonghop_e2e::{demo_meeting_id, logged_in, Server, ServerOptions};
use serde_json::{json, Value};

/// Starts the demo server and closes the demo meeting; returns the server,
/// its data directory, the secretary's client and the meeting's id.
async fn closed_demo_meeting() -> (Server, tempfile::TempDir, reqwest::Client, String) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            ..ServerOptions::default()
        },
    );
    let secretary = logged_in(&server, "thuky", "demo").await;
    let meeting_id = demo_meeting_id(&secretary, &server).await;
    for step in ["start", "close"] {
        let response = secretary
            .post(server.url(&format!("/api/v1/meetings/{meeting_id}/{step}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{step}");
    }
    (server, dir, secretary, meeting_id)
}

#[tokio::test]
async fn concurrent_first_signing_requests_share_one_rendered_record_and_get_no_false_conflict() {
    let (server, _dir, secretary, meeting_id) = closed_demo_meeting().await;
    let chair = logged_in(&server, "chutri", "demo").await;
    let prepare_url = server.url(&format!(
        "/api/v1/meetings/{meeting_id}/record/external/prepare"
    ));
    // Nobody has signed, so every one of these renders the record for the
    // first time unless the server renders it once for all of them.
    let callers = [&secretary, &chair, &secretary, &chair];
    let responses = futures::future::join_all(
        callers
            .iter()
            .map(|client| client.post(&prepare_url).send()),
    )
    .await;
    let mut handles = Vec::new();
    for response in responses {
        let response = response.unwrap();
        assert_eq!(response.status(), 200);
        let prepared: Value = response.json().await.unwrap();
        handles.push(prepared["handle"].as_str().unwrap().to_owned());
    }
    let base_files: Vec<&str> = handles
        .iter()
        .map(|handle| handle.split_once('.').unwrap().0)
        .collect();
    assert!(
        base_files.iter().all(|sha256| *sha256 == base_files[0]),
        "every caller is given the one kept file: {base_files:?}"
    );

    // Each handle is still current: completing it is judged on the
    // signature (here a wrong one, 422), never refused as stale (409).
    let complete_url = server.url(&format!(
        "/api/v1/meetings/{meeting_id}/record/external/complete"
    ));
    for (client, handle) in callers.iter().zip(&handles) {
        let response = client
            .post(&complete_url)
            .json(&json!({ "handle": handle, "signature": "AAAA" }))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["code"], "signature_invalid", "{body}");
    }
}
