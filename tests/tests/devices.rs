//! Devices per account and an administrator's remote wipe (issue 21), over
//! real HTTP: a device named at login is listed for administrators and for
//! its owner; a wipe is delivered at the device's next API call or live
//! join (401 `device_wipe_requested`), touches no other device, and ends
//! when the device confirms, which also ends its session.

use phonghop_e2e::{answer, browser_client, Server};
use serde_json::{json, Value};

/// Logs in as `username` (password `demo`) naming `device_id`.
async fn logged_in_on(server: &Server, username: &str, device_id: &str) -> reqwest::Client {
    let client = browser_client();
    let response = client
        .post(server.url("/api/v1/auth/login"))
        .header("User-Agent", "Tablet phong hop/1.0 (Android 13)")
        .json(&json!({ "username": username, "password": "demo", "device_id": device_id }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "login as {username}");
    client
}

async fn get(server: &Server, client: &reqwest::Client, path: &str) -> (u16, Value) {
    answer(client.get(server.url(path)).send().await.unwrap()).await
}

async fn post(server: &Server, client: &reqwest::Client, path: &str) -> (u16, Value) {
    answer(client.post(server.url(path)).send().await.unwrap()).await
}

#[tokio::test]
async fn a_remotely_wiped_device_is_told_at_its_next_call_and_confirms_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let tablet = logged_in_on(&server, "daibieu01", "tablet-07").await;
    let phone = logged_in_on(&server, "daibieu01", "phone-01").await;
    let other_delegate = logged_in_on(&server, "daibieu02", "tablet-08").await;
    let admin = logged_in_on(&server, "quantri", "admin-pc").await;
    let (_, me) = get(&server, &tablet, "/api/v1/auth/me").await;
    let devices_path = format!("/api/v1/users/{}/devices", me["id"].as_str().unwrap());

    // Listed for the owner and administrators, by the most recent first.
    let (status, own) = get(&server, &tablet, &devices_path).await;
    assert_eq!(status, 200, "{own}");
    let ids: Vec<&str> = own["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|device| device["device_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["phone-01", "tablet-07"]);
    assert_eq!(
        own["devices"][1]["user_agent"],
        "Tablet phong hop/1.0 (Android 13)"
    );
    assert_eq!(own["devices"][1]["address"], "127.0.0.1");
    assert_eq!(own["devices"][1]["wipe_pending"], false);
    assert_eq!(get(&server, &admin, &devices_path).await.0, 200);
    assert_eq!(
        get(&server, &other_delegate, &devices_path).await.0,
        403,
        "another delegate does not see them"
    );

    // Only administrators wipe, and only a device the account used.
    let wipe_path = format!("{devices_path}/tablet-07/wipe");
    assert_eq!(post(&server, &tablet, &wipe_path).await.0, 403);
    assert_eq!(
        post(&server, &admin, &format!("{devices_path}/never-seen/wipe"))
            .await
            .0,
        404
    );
    let (status, wiped) = post(&server, &admin, &wipe_path).await;
    assert_eq!(status, 200, "{wiped}");
    assert_eq!(wiped["wipe_pending"], true);
    assert!(wiped["wipe_requested_at_ms"].is_i64());
    assert!(wiped["wiped_at_ms"].is_null());

    // The tablet hears it at its next API call, ticket or live join.
    for (what, (status, body)) in [
        ("me", get(&server, &tablet, "/api/v1/auth/me").await),
        ("meetings", get(&server, &tablet, "/api/v1/meetings").await),
        (
            "ticket",
            post(&server, &tablet, "/api/v1/auth/ws-ticket").await,
        ),
        ("live", get(&server, &tablet, "/live").await),
    ] {
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(body["code"], "device_wipe_requested", "{what}");
    }
    // The same account's other device carries on.
    assert_eq!(get(&server, &phone, "/api/v1/auth/me").await.0, 200);
    // Confirming is only for the device being wiped.
    let (status, body) = post(&server, &phone, "/api/v1/auth/device-wiped").await;
    assert_eq!((status, &body["code"]), (409, &json!("conflict")));

    let (status, body) = post(&server, &tablet, "/api/v1/auth/device-wiped").await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = get(&server, &tablet, "/api/v1/auth/me").await;
    assert_eq!(
        (status, &body["code"]),
        (401, &json!("unauthenticated")),
        "the session ended with the confirmation"
    );
    let (_, listed) = get(&server, &admin, &devices_path).await;
    let tablet_row = listed["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|device| device["device_id"] == "tablet-07")
        .unwrap()
        .clone();
    assert_eq!(tablet_row["wipe_pending"], false);
    assert!(
        tablet_row["wiped_at_ms"].as_i64().unwrap()
            >= tablet_row["wipe_requested_at_ms"].as_i64().unwrap()
    );

    // The tablet is usable again by the next login.
    let again = logged_in_on(&server, "daibieu01", "tablet-07").await;
    assert_eq!(get(&server, &again, "/api/v1/auth/me").await.0, 200);
}

#[tokio::test]
async fn a_bad_device_id_at_login_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let response = browser_client()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "username": "daibieu01", "password": "demo", "device_id": "../x" }))
        .send()
        .await
        .unwrap();
    let (status, body) = answer(response).await;
    assert_eq!((status, &body["code"]), (400, &json!("bad_request")));
}
