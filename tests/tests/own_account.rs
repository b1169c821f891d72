//! A user's own account over real HTTP (issue 26): after an administrator
//! sets a password (a one-time password the server makes, or one the
//! administrator chose) the user must choose their own before anything
//! else; changing it ends their other sessions; they see their own live
//! sessions and end one, never another account's.

use phonghop_e2e::{answer, browser_client, Server};
use serde_json::{json, Value};

/// Logs in; returns the client and the login answer's user.
async fn log_in(server: &Server, username: &str, password: &str) -> (reqwest::Client, Value) {
    let client = browser_client();
    let (status, body) = answer(
        client
            .post(server.url("/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "login as {username}: {body}");
    (client, body["user"].clone())
}

async fn get(client: &reqwest::Client, server: &Server, path: &str) -> (u16, Value) {
    answer(client.get(server.url(path)).send().await.unwrap()).await
}

async fn user_id(admin: &reqwest::Client, server: &Server, username: &str) -> String {
    let (_, users) = get(admin, server, "/api/v1/users").await;
    users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["username"] == username)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_an_administrator_set_must_be_replaced_before_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let (admin, _) = log_in(&server, "quantri", "demo").await;
    let delegate_id = user_id(&admin, &server, "daibieu01").await;
    let (delegate_before, _) = log_in(&server, "daibieu01", "demo").await;

    // No password given: the server makes a one-time one, shown once.
    let (status, made) = answer(
        admin
            .post(server.url(&format!("/api/v1/users/{delegate_id}/password")))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{made}");
    let one_time = made["password"].as_str().unwrap().to_owned();
    assert_eq!(one_time.chars().count(), 12);
    assert!(
        !one_time.contains(['0', 'O', '1', 'l', 'I']),
        "{one_time} has look-alike characters"
    );
    // The reset ended the session the delegate had.
    assert_eq!(
        get(&delegate_before, &server, "/api/v1/auth/me").await.0,
        401
    );

    let (delegate, user) = log_in(&server, "daibieu01", &one_time).await;
    assert_eq!(user["must_change_password"], true);
    let (status, me) = get(&delegate, &server, "/api/v1/auth/me").await;
    assert_eq!((status, &me["must_change_password"]), (200, &json!(true)));
    // Everything else waits for the user's own password.
    let (status, refused) = get(&delegate, &server, "/api/v1/meetings").await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("password_change_required"))
    );
    let (status, refused) = answer(
        delegate
            .post(server.url("/api/v1/auth/ws-ticket"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("password_change_required"))
    );

    let change = |current: &str, new: &str| {
        delegate
            .post(server.url("/api/v1/auth/password"))
            .json(&json!({ "current_password": current, "new_password": new }))
            .send()
    };
    let (status, wrong) = answer(change("not-it-at-all", "mat-khau-rieng-1").await.unwrap()).await;
    assert_eq!(
        (status, wrong["code"].as_str()),
        (401, Some("invalid_credentials"))
    );
    assert_eq!(
        answer(change(&one_time, "ngan").await.unwrap()).await.0,
        400
    );
    assert_eq!(
        answer(change(&one_time, &one_time).await.unwrap()).await.0,
        400
    );
    assert_eq!(
        answer(change(&one_time, "mat-khau-rieng-1").await.unwrap())
            .await
            .0,
        204
    );

    let (status, me) = get(&delegate, &server, "/api/v1/auth/me").await;
    assert_eq!((status, &me["must_change_password"]), (200, &json!(false)));
    assert_eq!(get(&delegate, &server, "/api/v1/meetings").await.0, 200);
    // The one-time password is gone; the user's own works.
    let refused = browser_client()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "username": "daibieu01", "password": one_time }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let (_, user) = log_in(&server, "daibieu01", "mat-khau-rieng-1").await;
    assert_eq!(user["must_change_password"], false);

    // A password the administrator chose must be replaced too.
    let set = admin
        .post(server.url(&format!("/api/v1/users/{delegate_id}/password")))
        .json(&json!({ "password": "mat-khau-quan-tri" }))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 204);
    let (again, user) = log_in(&server, "daibieu01", "mat-khau-quan-tri").await;
    assert_eq!(user["must_change_password"], true);
    assert_eq!(get(&again, &server, "/api/v1/meetings").await.0, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_sees_and_ends_their_own_sessions_and_a_new_password_ends_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let (tablet, _) = log_in(&server, "daibieu02", "demo").await;
    let (shared_pc, _) = log_in(&server, "daibieu02", "demo").await;
    let (phone, _) = log_in(&server, "daibieu02", "demo").await;
    let (someone_else, _) = log_in(&server, "daibieu03", "demo").await;

    let (status, listed) = get(&tablet, &server, "/api/v1/auth/sessions").await;
    assert_eq!(status, 200);
    let sessions = listed["sessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 3, "{listed}");
    assert_eq!(
        sessions.iter().filter(|s| s["current"] == true).count(),
        1,
        "exactly one is the session asking"
    );
    let (_, from_pc) = get(&shared_pc, &server, "/api/v1/auth/sessions").await;
    let pc_id = from_pc["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Another account cannot end it: it looks absent.
    let foreign = someone_else
        .delete(server.url(&format!("/api/v1/auth/sessions/{pc_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404);
    assert_eq!(get(&shared_pc, &server, "/api/v1/auth/me").await.0, 200);

    // The owner ends the session left open on the shared computer.
    let ended = tablet
        .delete(server.url(&format!("/api/v1/auth/sessions/{pc_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 204);
    assert_eq!(get(&shared_pc, &server, "/api/v1/auth/me").await.0, 401);
    let again = tablet
        .delete(server.url(&format!("/api/v1/auth/sessions/{pc_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        404,
        "an ended session cannot be ended twice"
    );
    let (_, listed) = get(&tablet, &server, "/api/v1/auth/sessions").await;
    assert_eq!(listed["sessions"].as_array().unwrap().len(), 2);

    // A new password ends every other session; this one stays.
    let changed = tablet
        .post(server.url("/api/v1/auth/password"))
        .json(&json!({ "current_password": "demo", "new_password": "mat-khau-moi-2" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 204);
    assert_eq!(get(&phone, &server, "/api/v1/auth/me").await.0, 401);
    assert_eq!(get(&tablet, &server, "/api/v1/auth/me").await.0, 200);
    assert_eq!(get(&someone_else, &server, "/api/v1/auth/me").await.0, 200);
}
