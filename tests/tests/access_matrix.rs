//! Who may do what, as two tables checked against the real binary:
//! every REST operation the server's OpenAPI document lists × every kind of
//! caller, and every `/live` request type × every role that can join.
//!
//! The lists of routes and message types come from the server itself
//! (`GET /api/openapi.json`, and `ClientMessage`'s schema), so a new route
//! or message cannot escape: without a row here the test fails and prints
//! the row to add.

#[path = "support/live_client.rs"]
mod live_client;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use live_client::{closed_code, live_url, ticket, LiveClient};
use phonghop_e2e::{
    browser_client, demo_meeting_id, logged_in, run_command, Server, ServerOptions,
};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

/// The kinds of caller, in the order of every row's statuses.
const CALLERS: [&str; 8] = [
    "anonymous",
    "admin quantri",
    "secretary thuky",
    "chair chutri",
    "delegate daibieu01",
    "remote point diemcau01",
    "delegate not in the meeting",
    "disabled account",
];
/// Their logins (`None`: no session at all).
const LOGINS: [Option<(&str, &str)>; 8] = [
    None,
    Some(("quantri", "demo")),
    Some(("thuky", "demo")),
    Some(("chutri", "demo")),
    Some(("daibieu01", "demo")),
    Some(("diemcau01", "demo")),
    Some((OUTSIDER, OUTSIDER_PASSWORD)),
    Some(("daibieu26", "demo")),
];
const OUTSIDER: &str = "nguoingoai";
const OUTSIDER_PASSWORD: &str = "khong-phai-dai-bieu";
/// An account the administrators' routes act on (enable, password).
const SPARE: &str = "nhanvien";
const SPARE_PASSWORD: &str = "tai-khoan-du-phong";
/// The device the spare account logged in from.
const SPARE_DEVICE: &str = "may-tinh-bang-07";

/// The expected HTTP status of each REST operation, per caller (in the
/// order of `CALLERS`). The demo meeting is published; path parameters are
/// real ids of it (see `concrete_path`). Where the allowed answer is not a
/// success it says why: `POST …/{action}` asks to publish the meeting that
/// is already published, so 409 (the state machine) means the caller got
/// past the access check; `/sync` and `/live` are fetched without upgrade
/// headers, so 400 means "authenticated, but not a websocket".
#[rustfmt::skip]
const REST: &[(&str, [u16; 8])] = &[
    //                                                           anon admin secr chair deleg remote outsider disabled
    // A disabled account is answered like a wrong password, even with the right one.
    ("POST /api/v1/auth/login",                                   [401, 200, 200, 200, 200, 200, 200, 401]),
    ("POST /api/v1/auth/logout",                                  [204, 204, 204, 204, 204, 204, 204, 204]),
    ("GET /api/v1/auth/me",                                       [401, 200, 200, 200, 200, 200, 200, 401]),
    ("POST /api/v1/auth/ws-ticket",                               [401, 200, 200, 200, 200, 200, 200, 401]),
    // Confirming a wipe nobody asked for: 409 once past the session check.
    ("POST /api/v1/auth/device-wiped",                            [401, 409, 409, 409, 409, 409, 409, 401]),
    // Everyone's own account: a too-short new password is refused (400) once past the session check.
    ("POST /api/v1/auth/password",                                [401, 400, 400, 400, 400, 400, 400, 401]),
    ("GET /api/v1/auth/sessions",                                 [401, 200, 200, 200, 200, 200, 200, 401]),
    // A session id that is not the caller's looks absent.
    ("DELETE /api/v1/auth/sessions/{session_id}",                 [401, 404, 404, 404, 404, 404, 404, 401]),
    ("GET /api/v1/users",                                         [401, 200, 200, 403, 403, 403, 403, 401]),
    ("POST /api/v1/users",                                        [401, 201, 403, 403, 403, 403, 403, 401]),
    ("POST /api/v1/users/{user_id}/password",                     [401, 204, 403, 403, 403, 403, 403, 401]),
    ("POST /api/v1/users/{user_id}/{action}",                     [401, 200, 403, 403, 403, 403, 403, 401]),
    // The spare account's role set to what it is: 200 once past the check.
    ("POST /api/v1/users/{user_id}/role",                         [401, 200, 403, 403, 403, 403, 403, 401]),
    // A list of one official (CSV): read, or made into an account.
    ("POST /api/v1/users/import/preview",                         [401, 200, 403, 403, 403, 403, 403, 401]),
    ("POST /api/v1/users/import",                                 [401, 201, 403, 403, 403, 403, 403, 401]),
    // Another account's devices: administrators only (an owner sees their own: devices.rs).
    ("GET /api/v1/users/{user_id}/devices",                       [401, 200, 403, 403, 403, 403, 403, 401]),
    ("POST /api/v1/users/{user_id}/devices/{device_id}/wipe",     [401, 200, 403, 403, 403, 403, 403, 401]),
    ("GET /api/v1/admin/backup",                                  [401, 200, 403, 403, 403, 403, 403, 401]),
    ("GET /api/v1/meetings",                                      [401, 200, 200, 200, 200, 200, 200, 401]),
    ("POST /api/v1/meetings",                                     [401, 201, 201, 403, 403, 403, 403, 401]),
    ("GET /api/v1/meetings/{meeting_id}",                         [401, 200, 200, 200, 200, 200, 404, 401]),
    ("PATCH /api/v1/meetings/{meeting_id}",                       [401, 200, 200, 200, 403, 403, 404, 401]),
    ("POST /api/v1/meetings/{meeting_id}/{action}",               [401, 409, 409, 409, 403, 403, 404, 401]),
    ("GET /api/v1/meetings/{meeting_id}/audit",                   [401, 200, 200, 200, 403, 403, 404, 401]),
    // Who has read the confidential documents: as the audit log.
    ("GET /api/v1/meetings/{meeting_id}/document-reads",          [401, 200, 200, 200, 403, 403, 404, 401]),
    // The record exists once the meeting has started: 409 for who may have it.
    ("GET /api/v1/meetings/{meeting_id}/record.pdf",              [401, 409, 409, 409, 403, 403, 404, 401]),
    // Where the record's signatures stand: who may export the record.
    ("GET /api/v1/meetings/{meeting_id}/record",                  [401, 200, 200, 200, 403, 403, 404, 401]),
    // Signing: the meeting's chair and secretaries only (an administrator
    // is not one), and only once the meeting is closed: 409 here.
    ("POST /api/v1/meetings/{meeting_id}/record/sign",            [401, 403, 409, 409, 403, 403, 404, 401]),
    ("POST /api/v1/meetings/{meeting_id}/record/external/prepare", [401, 403, 409, 409, 403, 403, 404, 401]),
    ("POST /api/v1/meetings/{meeting_id}/record/external/complete", [401, 403, 409, 409, 403, 403, 404, 401]),
    // Participants see who else takes part (as the live welcome shows them).
    ("GET /api/v1/meetings/{meeting_id}/participants",            [401, 200, 200, 200, 200, 200, 404, 401]),
    ("PUT /api/v1/meetings/{meeting_id}/participants/{user_id}",  [401, 204, 204, 204, 403, 403, 404, 401]),
    // Hiding a shared annotation: the meeting's chair and secretary only
    // (an administrator manages accounts, not content).
    ("PUT /api/v1/meetings/{meeting_id}/hidden-annotations",      [401, 403, 204, 204, 403, 403, 404, 401]),
    ("DELETE /api/v1/meetings/{meeting_id}/participants/{user_id}", [401, 204, 204, 204, 403, 403, 404, 401]),
    ("POST /api/v1/meetings/{meeting_id}/agenda",                 [401, 201, 201, 201, 403, 403, 404, 401]),
    ("PUT /api/v1/meetings/{meeting_id}/agenda/order",            [401, 200, 200, 200, 403, 403, 404, 401]),
    ("PATCH /api/v1/meetings/{meeting_id}/agenda/{item_id}",      [401, 200, 200, 200, 403, 403, 404, 401]),
    ("DELETE /api/v1/meetings/{meeting_id}/agenda/{item_id}",     [401, 204, 204, 204, 403, 403, 404, 401]),
    ("POST /api/v1/meetings/{meeting_id}/agenda/{item_id}/documents", [401, 201, 201, 201, 403, 403, 404, 401]),
    ("PATCH /api/v1/documents/{document_id}",                     [401, 200, 200, 200, 403, 403, 404, 401]),
    ("DELETE /api/v1/documents/{document_id}",                    [401, 204, 204, 204, 403, 403, 404, 401]),
    ("GET /api/v1/documents/{document_id}/versions",              [401, 404, 200, 200, 200, 200, 404, 401]),
    ("GET /api/v1/documents/{document_id}/file",                  [401, 404, 200, 200, 200, 200, 404, 401]),
    ("GET /api/v1/documents/{document_id}/versions/{version}/file", [401, 404, 200, 200, 200, 200, 404, 401]),
    // The document of the table is not confidential: its confidential URL does not exist.
    ("GET /api/v1/documents/{document_id}/versions/{version}/confidential", [401, 404, 404, 404, 404, 404, 404, 401]),
    ("POST /api/v1/documents/{document_id}/versions",             [401, 201, 201, 201, 403, 403, 404, 401]),
    ("GET /healthz",                                              [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /readyz",                                               [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /metrics",                                              [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /ca.pem",                                               [404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET /sync",                                                 [401, 400, 400, 400, 400, 400, 400, 401]),
    ("GET /live",                                                 [401, 400, 400, 400, 400, 400, 400, 401]),
];

/// One demo server and a logged-in client per caller.
struct World {
    server: Server,
    _dir: tempfile::TempDir,
    /// Per caller, in the order of `CALLERS` (the anonymous one has no cookie).
    clients: Vec<reqwest::Client>,
    meeting_id: String,
    /// A non-confidential document of the demo meeting.
    document_id: String,
    /// An agenda item made for this test.
    item_id: String,
    spare_user_id: String,
    user_ids: BTreeMap<String, String>,
    pdf: Vec<u8>,
}

impl World {
    fn secretary(&self) -> &reqwest::Client {
        &self.clients[2]
    }

    async fn start() -> World {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::start(
            dir.path(),
            ServerOptions {
                demo: true,
                ..ServerOptions::default()
            },
        );
        for (username, password) in [(OUTSIDER, OUTSIDER_PASSWORD), (SPARE, SPARE_PASSWORD)] {
            let (status, _, stderr) = run_command(
                &[
                    "user",
                    "add",
                    username,
                    "--password-stdin",
                    "--data-dir",
                    dir.path().to_str().unwrap(),
                ],
                Some(&format!("{password}\n")),
            );
            assert!(status.success(), "{stderr}");
        }
        let mut clients = Vec::new();
        for login in LOGINS {
            clients.push(match login {
                None => browser_client(),
                Some((username, password)) => logged_in(&server, username, password).await,
            });
        }
        let admin = &clients[1];
        let users: Value = admin
            .get(server.url("/api/v1/users"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let user_ids: BTreeMap<String, String> = users["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["username"].as_str().unwrap().to_owned(),
                    u["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        // The spare account has used one device, the one the wipe route names.
        let spare_device = browser_client()
            .post(server.url("/api/v1/auth/login"))
            .json(&json!({ "username": SPARE, "password": SPARE_PASSWORD, "device_id": SPARE_DEVICE }))
            .send()
            .await
            .unwrap();
        assert_eq!(spare_device.status(), 200);
        // The disabled caller logged in first, then lost its account.
        let disabled = admin
            .post(server.url(&format!("/api/v1/users/{}/disable", user_ids["daibieu26"])))
            .send()
            .await
            .unwrap();
        assert_eq!(disabled.status(), 200);

        let secretary = &clients[2];
        let meeting_id = demo_meeting_id(secretary, &server).await;
        let meeting: Value = secretary
            .get(server.url(&format!("/api/v1/meetings/{meeting_id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let document = meeting["agenda"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|item| item["documents"].as_array().unwrap().clone())
            .find(|d| d["confidential"] == false)
            .expect("an open document");
        let pdf = secretary
            .get(server.url(document["url"].as_str().unwrap()))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        let mut world = World {
            spare_user_id: user_ids[SPARE].clone(),
            document_id: document["id"].as_str().unwrap().to_owned(),
            server,
            _dir: dir,
            clients,
            meeting_id,
            item_id: String::new(),
            user_ids,
            pdf,
        };
        world.item_id = world.new_agenda_item("Mục để thử quyền").await;
        world
    }

    async fn new_agenda_item(&self, title: &str) -> String {
        let created = self
            .secretary()
            .post(
                self.server
                    .url(&format!("/api/v1/meetings/{}/agenda", self.meeting_id)),
            )
            .json(&json!({ "title": title }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let item: Value = created.json().await.unwrap();
        item["id"].as_str().unwrap().to_owned()
    }

    fn upload_form(&self) -> Form {
        Form::new().part(
            "file",
            Part::bytes(self.pdf.clone())
                .file_name("thu-quyen.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        )
    }

    /// The route's path with real ids in place of its parameters.
    /// Uploads a document into the test's agenda item; returns its id.
    async fn new_document(&self) -> String {
        let uploaded = self
            .secretary()
            .post(self.server.url(&format!(
                "/api/v1/meetings/{}/agenda/{}/documents",
                self.meeting_id, self.item_id
            )))
            .multipart(self.upload_form())
            .send()
            .await
            .unwrap();
        assert_eq!(uploaded.status(), 201);
        let document: Value = uploaded.json().await.unwrap();
        document["id"].as_str().unwrap().to_owned()
    }

    fn concrete_path(&self, template: &str, item_id: &str, document_id: &str) -> String {
        let action = if template.starts_with("/api/v1/users/") {
            "enable"
        } else {
            "publish"
        };
        let path = template
            .replace("{meeting_id}", &self.meeting_id)
            .replace("{item_id}", item_id)
            .replace("{document_id}", document_id)
            .replace("{version}", "1")
            .replace("{user_id}", &self.spare_user_id)
            .replace("{device_id}", SPARE_DEVICE)
            .replace(
                "{session_id}",
                "0000000000000000000000000000000000000000000000000000000000000000",
            )
            .replace("{action}", action);
        assert!(
            !path.contains('{'),
            "{template}: a path parameter this test does not know; add it to concrete_path"
        );
        path
    }

    /// Sends `route` as caller `caller` and returns the status.
    async fn attempt(&self, route: &str, caller: usize) -> u16 {
        let (method, template) = route.split_once(' ').unwrap();
        let mut item_id = self.item_id.clone();
        let mut document_id = self.document_id.clone();
        let mut client = self.clients[caller].clone();
        // Operations that consume what they act on get a fresh target, and
        // logging out gets a fresh session, so every attempt is alike.
        match route {
            "DELETE /api/v1/meetings/{meeting_id}/agenda/{item_id}" => {
                item_id = self.new_agenda_item("Mục sẽ bị xóa").await;
            }
            "DELETE /api/v1/documents/{document_id}" => {
                document_id = self.new_document().await;
            }
            "DELETE /api/v1/meetings/{meeting_id}/participants/{user_id}" => {
                let put = self
                    .secretary()
                    .put(self.server.url(&format!(
                        "/api/v1/meetings/{}/participants/{}",
                        self.meeting_id, self.spare_user_id
                    )))
                    .json(&json!({ "role": "delegate" }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(put.status(), 204);
            }
            "POST /api/v1/auth/logout" => {
                if let (Some((username, password)), false) = (LOGINS[caller], caller == 7) {
                    client = logged_in(&self.server, username, password).await;
                }
            }
            _ => {}
        }
        let url = self
            .server
            .url(&self.concrete_path(template, &item_id, &document_id));
        let request = match method {
            "GET" => client.get(url),
            "POST" => client.post(url),
            "PUT" => client.put(url),
            "PATCH" => client.patch(url),
            "DELETE" => client.delete(url),
            other => panic!("{route}: method {other} not handled by this test"),
        };
        let request = match route {
            "POST /api/v1/auth/login" => match LOGINS[caller] {
                Some((username, password)) => {
                    request.json(&json!({ "username": username, "password": password }))
                }
                None => request.json(&json!({ "username": "daibieu01", "password": "doan-bua" })),
            },
            "POST /api/v1/auth/ws-ticket" => request.json(&json!({ "device_id": "matrix" })),
            "POST /api/v1/meetings/{meeting_id}/record/external/complete" => {
                request.json(&json!({ "handle": "0.0", "signature": "" }))
            }
            "POST /api/v1/users" => request.json(&json!({
                "username": format!("moi{caller}"),
                "display_name": "Người mới",
                "role": "user",
                "password": "mat-khau-du-dai-12",
            })),
            "POST /api/v1/users/{user_id}/password" => {
                request.json(&json!({ "password": SPARE_PASSWORD }))
            }
            "POST /api/v1/users/{user_id}/role" => request.json(&json!({ "role": "user" })),
            "POST /api/v1/users/import/preview" | "POST /api/v1/users/import" => {
                request.header("content-type", "text/csv").body(format!(
                    "Họ tên,Tên đăng nhập\nNgười được nhập,nhap{caller}\n"
                ))
            }
            "POST /api/v1/auth/password" => {
                request.json(&json!({ "current_password": "khong-dung", "new_password": "ngan" }))
            }
            "POST /api/v1/meetings" => request.json(&json!({
                "title": "Họp thử quyền",
                "starts_at": "2026-12-01T08:00:00+07:00",
                "place": "Phòng họp số 2",
            })),
            "PATCH /api/v1/meetings/{meeting_id}" => {
                request.json(&json!({ "place": "Phòng họp tầng 3" }))
            }
            "PUT /api/v1/meetings/{meeting_id}/participants/{user_id}" => {
                request.json(&json!({ "role": "delegate" }))
            }
            "PUT /api/v1/meetings/{meeting_id}/hidden-annotations" => request.json(&json!({
                "layer_url": self.shared_layer_url().await,
                "annotation_id": format!("stroke-{caller}"),
                "hidden": true,
            })),
            "POST /api/v1/meetings/{meeting_id}/agenda" => {
                request.json(&json!({ "title": "Mục mới" }))
            }
            "PUT /api/v1/meetings/{meeting_id}/agenda/order" => {
                request.json(&self.current_agenda_order().await)
            }
            "PATCH /api/v1/meetings/{meeting_id}/agenda/{item_id}" => {
                request.json(&json!({ "title": "Mục để thử quyền (sửa)" }))
            }
            "PATCH /api/v1/documents/{document_id}" => {
                request.json(&json!({ "title": "Báo cáo (sửa tên)" }))
            }
            "POST /api/v1/meetings/{meeting_id}/agenda/{item_id}/documents"
            | "POST /api/v1/documents/{document_id}/versions" => {
                request.multipart(self.upload_form())
            }
            _ => request,
        };
        request.send().await.unwrap().status().as_u16()
    }

    /// A shared layer of the demo meeting (the secretary's, of a document).
    async fn shared_layer_url(&self) -> String {
        let meeting: Value = self
            .secretary()
            .get(
                self.server
                    .url(&format!("/api/v1/meetings/{}", self.meeting_id)),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        meeting["sync_documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|document| document["kind"] == "shared_layer")
            .and_then(|document| document["url"].as_str())
            .expect("the demo meeting has shared layers")
            .to_owned()
    }

    async fn current_agenda_order(&self) -> Value {
        let meeting: Value = self
            .secretary()
            .get(
                self.server
                    .url(&format!("/api/v1/meetings/{}", self.meeting_id)),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items: Vec<Value> = meeting["agenda"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| json!({ "id": item["id"], "parent_id": item["parent_id"] }))
            .collect();
        json!({ "items": items })
    }
}

/// "METHOD /path" of every operation in the served OpenAPI document.
async fn documented_operations(world: &World) -> BTreeSet<String> {
    let document: Value = browser_client()
        .get(world.server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete", "head", "options"] {
            if item.get(method).is_some() {
                operations.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    operations
}

#[tokio::test]
async fn every_caller_against_every_rest_operation_gets_the_status_of_the_table() {
    let world = World::start().await;
    let documented = documented_operations(&world).await;
    let table: BTreeMap<&str, [u16; 8]> = REST.iter().copied().collect();
    assert_eq!(table.len(), REST.len(), "a route is listed twice in REST");

    let missing: Vec<&String> = documented
        .iter()
        .filter(|op| !table.contains_key(op.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "the server documents operations the access table has no row for; \
         decide who may call each and add to REST in tests/tests/access_matrix.rs:\n{}",
        missing
            .iter()
            .map(|op| format!(
                "    (\"{op}\", [anon, admin, secr, chair, deleg, remote, outsider, disabled]),"
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let stale: Vec<&&str> = table
        .keys()
        .filter(|route| !documented.contains(**route))
        .collect();
    assert!(
        stale.is_empty(),
        "rows for operations the server no longer documents: {stale:?}"
    );

    let mut wrong = Vec::new();
    for (route, expected) in REST {
        for (caller, expected) in expected.iter().enumerate() {
            let got = world.attempt(route, caller).await;
            if got != *expected {
                wrong.push(format!(
                    "{route} as {}: expected {expected}, got {got}",
                    CALLERS[caller]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} (operation, caller) pairs differ from the table:\n{}",
        wrong.len(),
        REST.len() * CALLERS.len(),
        wrong.join("\n")
    );
}

/// Ids from a meeting the caller has no part in are `not_found` even when
/// paired with a meeting where the caller is staff.
#[tokio::test]
async fn ids_from_another_meeting_are_not_found() {
    let world = World::start().await;
    let secretary = world.secretary();
    let server = &world.server;
    // Meeting B: only the secretary (its creator) is in it.
    let created = secretary
        .post(server.url("/api/v1/meetings"))
        .json(&json!({ "title": "Họp riêng", "starts_at": "2026-12-02T08:00:00+07:00", "place": "Phòng 5" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let other_meeting: Value = created.json().await.unwrap();
    let other_meeting_id = other_meeting["id"].as_str().unwrap().to_owned();
    let other_item: Value = secretary
        .post(server.url(&format!("/api/v1/meetings/{other_meeting_id}/agenda")))
        .json(&json!({ "title": "Mục riêng" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let other_item_id = other_item["id"].as_str().unwrap().to_owned();
    let uploaded = secretary
        .post(server.url(&format!(
            "/api/v1/meetings/{other_meeting_id}/agenda/{other_item_id}/documents"
        )))
        .multipart(world.upload_form())
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);
    let other_document: Value = uploaded.json().await.unwrap();
    let other_document_id = other_document["id"].as_str().unwrap().to_owned();
    let demo = &world.meeting_id;

    let chair = &world.clients[3];
    let delegate = &world.clients[4];
    let checks: Vec<(&str, reqwest::RequestBuilder)> = vec![
        (
            "a delegate of the demo reads B's document",
            delegate.get(server.url(&format!("/api/v1/documents/{other_document_id}/file"))),
        ),
        (
            "the demo's chair renames B's document",
            chair
                .patch(server.url(&format!("/api/v1/documents/{other_document_id}")))
                .json(&json!({ "title": "x" })),
        ),
        (
            "the demo's chair removes B's document",
            chair.delete(server.url(&format!("/api/v1/documents/{other_document_id}"))),
        ),
        (
            "a delegate of the demo lists the versions of B's document",
            delegate.get(server.url(&format!("/api/v1/documents/{other_document_id}/versions"))),
        ),
        (
            "the demo's chair replaces B's document",
            chair
                .post(server.url(&format!("/api/v1/documents/{other_document_id}/versions")))
                .multipart(world.upload_form()),
        ),
        (
            "the demo's chair uploads into B's item through the demo",
            chair
                .post(server.url(&format!(
                    "/api/v1/meetings/{demo}/agenda/{other_item_id}/documents"
                )))
                .multipart(world.upload_form()),
        ),
        (
            "the demo's chair edits B's item through the demo",
            chair
                .patch(server.url(&format!("/api/v1/meetings/{demo}/agenda/{other_item_id}")))
                .json(&json!({ "title": "x" })),
        ),
        (
            "the demo's chair deletes B's item through the demo",
            chair.delete(server.url(&format!("/api/v1/meetings/{demo}/agenda/{other_item_id}"))),
        ),
        (
            "the demo's chair reads B's audit log",
            chair.get(server.url(&format!("/api/v1/meetings/{other_meeting_id}/audit"))),
        ),
    ];
    for (what, request) in checks {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 404, "{what}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "not_found", "{what}");
    }
    // Nor may the demo's presenter point every tablet at B's document or
    // item: `set_follow` names only the meeting's own.
    let (mut presenter, _) = LiveClient::join(server, chair, "other-meeting-chair", demo).await;
    for (what, position) in [
        (
            "B's document",
            json!({ "document_id": other_document_id, "page": 1 }),
        ),
        (
            "B's agenda item",
            json!({ "agenda_item_id": other_item_id }),
        ),
        (
            "a document that does not exist",
            json!({ "document_id": "d_none", "page": 1 }),
        ),
    ] {
        let reply = presenter
            .request(json!({ "type": "set_follow", "position": position }))
            .await;
        assert_eq!(reply["type"], "error", "set_follow to {what}: {reply}");
        assert_eq!(reply["code"], "not_found", "set_follow to {what}");
    }
    // The meeting's own document is followed as before.
    let own = presenter
        .request(json!({ "type": "set_follow", "position": { "document_id": world.document_id, "page": 2 } }))
        .await;
    assert_eq!(own["type"], "ok", "{own}");

    // B's item and document are untouched.
    let still: Value = secretary
        .get(server.url(&format!("/api/v1/meetings/{other_meeting_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(still["agenda"][0]["title"], "Mục riêng");
    assert_eq!(still["agenda"][0]["documents"].as_array().unwrap().len(), 1);
    assert_eq!(
        still["agenda"][0]["documents"][0]["title"],
        other_document["title"]
    );
}

/// The `type` of every `ClientMessage` variant, from its schema.
fn client_message_types() -> BTreeSet<String> {
    use utoipa::PartialSchema;
    let schema = serde_json::to_value(phonghop_protocol::live::ClientMessage::schema()).unwrap();
    let variants = schema["oneOf"]
        .as_array()
        .expect("ClientMessage is a oneOf");
    variants
        .iter()
        .map(|variant| {
            let kind = &variant["properties"]["type"]["enum"][0];
            kind.as_str()
                .unwrap_or_else(|| panic!("a variant without a type tag: {variant}"))
                .to_owned()
        })
        .collect()
}

/// The roles that can join the live meeting, in the order of `LIVE`'s
/// columns.
const LIVE_ROLES: [&str; 4] = ["secretary", "chair", "delegate", "remote point"];

/// The answer to each `/live` request type per role: "ok" or the error
/// code. Every attempt starts from the same state (a queued speaker, an
/// open vote, … are prepared for it by another device of the chair and
/// undone after).
#[rustfmt::skip]
const LIVE: &[(&str, [&str; 4])] = &[
    // The secretary may do what the chair does with the floor and votes
    // (`room.rs`: "chair or secretary": the secretary often runs the
    // chair's console), but never votes; a remote point follows and
    // neither speaks from the queue nor votes.
    //                       secretary      chair         delegate       remote point
    ("hello",               ["bad_request", "bad_request", "bad_request", "bad_request"]),
    ("check_in",            ["ok",          "ok",          "ok",          "ok"]),
    ("set_attendance",      ["ok",          "ok",          "forbidden",   "forbidden"]),
    ("set_follow",          ["ok",          "ok",          "forbidden",   "forbidden"]),
    ("request_floor",       ["ok",          "ok",          "ok",          "forbidden"]),
    ("withdraw_floor",      ["ok",          "ok",          "ok",          "ok"]),
    ("give_floor",          ["ok",          "ok",          "forbidden",   "forbidden"]),
    ("end_turn",            ["ok",          "ok",          "forbidden",   "forbidden"]),
    ("reorder_speakers",    ["ok",          "ok",          "forbidden",   "forbidden"]),
    ("set_speaking_limit",  ["ok",          "ok",          "forbidden",   "forbidden"]),
    ("open_vote",           ["ok",          "ok",          "forbidden",   "forbidden"]),
    ("cast_ballot",         ["not_eligible", "ok",         "ok",          "not_eligible"]),
    ("close_vote",          ["ok",          "ok",          "forbidden",   "forbidden"]),
    ("announce",            ["ok",          "ok",          "forbidden",   "forbidden"]),
    ("send_secretary_request",   ["ok",     "ok",          "ok",          "ok"]),
    ("handle_secretary_request", ["ok",     "ok",          "forbidden",   "forbidden"]),
    ("report_readiness",    ["ok",          "ok",          "ok",          "ok"]),
    ("ping",                ["ok",          "ok",          "ok",          "ok"]),
];

/// The live meeting's actors: one device per role under test, and the
/// helpers that prepare each attempt.
struct LiveWorld {
    actors: Vec<LiveClient>,
    /// Another device of the chair: opens votes, gives the floor, cleans up.
    chair_helper: LiveClient,
    /// A delegate who queues to speak when an attempt needs a queue.
    speaker: LiveClient,
    speaker_id: String,
    /// Another delegate who asks the secretary for things.
    requester: LiveClient,
    /// A delegate whose attendance staff set.
    attendee_id: String,
    document_id: String,
    /// Votes opened by an attempt or its preparation, closed after it.
    open_votes: Vec<String>,
}

impl LiveWorld {
    /// What `kind` sends, and the preparation and clean-up around it.
    async fn attempt(&mut self, kind: &str, role: usize) -> Option<String> {
        let speaker_id = self.speaker_id.clone();
        let body = match kind {
            "hello" => {
                json!({ "type": "hello", "protocol_version": 1, "meeting_id": "m", "device_id": "x" })
            }
            "check_in" => json!({ "type": "check_in" }),
            "set_attendance" => {
                json!({ "type": "set_attendance", "user_id": self.attendee_id, "status": "present" })
            }
            "set_follow" => json!({
                "type": "set_follow",
                "position": { "document_id": self.document_id, "page": 2 }
            }),
            "request_floor" => json!({ "type": "request_floor" }),
            "withdraw_floor" => {
                self.actors[role]
                    .request(json!({ "type": "request_floor" }))
                    .await;
                json!({ "type": "withdraw_floor" })
            }
            "give_floor" => {
                self.queue_speaker().await;
                json!({ "type": "give_floor", "user_id": speaker_id })
            }
            "end_turn" => {
                self.queue_speaker().await;
                let given = self
                    .chair_helper
                    .outcome(json!({ "type": "give_floor", "user_id": speaker_id }))
                    .await;
                assert_eq!(given, "ok");
                json!({ "type": "end_turn" })
            }
            "reorder_speakers" => {
                self.queue_speaker().await;
                json!({ "type": "reorder_speakers", "user_ids": [speaker_id] })
            }
            "set_speaking_limit" => json!({ "type": "set_speaking_limit", "seconds": 300 }),
            "open_vote" => json!({ "type": "open_vote", "question": "Thông qua chương trình?" }),
            "cast_ballot" => {
                let vote_id = self.open_vote().await;
                json!({ "type": "cast_ballot", "vote_id": vote_id, "choice": 0 })
            }
            "close_vote" => {
                let vote_id = self.open_vote().await;
                json!({ "type": "close_vote", "vote_id": vote_id })
            }
            "announce" => json!({ "type": "announce", "text": "Nghỉ giải lao 10 phút." }),
            "send_secretary_request" => {
                json!({ "type": "send_secretary_request", "kind": "tech_help" })
            }
            "handle_secretary_request" => {
                // A participant may send three per minute: take turns.
                let requester = if role.is_multiple_of(2) {
                    &mut self.speaker
                } else {
                    &mut self.requester
                };
                let sent = requester
                    .outcome(json!({ "type": "send_secretary_request", "kind": "paper_copy", "document_id": self.document_id }))
                    .await;
                assert_eq!(sent, "ok", "the requester could not ask the secretary");
                let changed = requester.event("secretary_request_changed").await;
                json!({ "type": "handle_secretary_request", "request_id": changed["request"]["id"] })
            }
            "report_readiness" => {
                json!({ "type": "report_readiness", "held": [], "downloading": true })
            }
            "ping" => json!({ "type": "ping" }),
            _ => return None,
        };
        let outcome = if kind == "hello" {
            self.actors[role].outcome_unnumbered(body).await
        } else {
            self.actors[role].outcome(body).await
        };
        if kind == "open_vote" && outcome == "ok" {
            let opened = self.actors[role].event("vote_opened").await;
            self.open_votes
                .push(opened["vote"]["id"].as_str().unwrap().to_owned());
        }
        self.clean_up(role).await;
        // Each connection may send 20 requests a second: stay under it, or
        // the answers would be `rate_limited` instead of the ones tested.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        Some(outcome)
    }

    async fn queue_speaker(&mut self) {
        let queued = self
            .speaker
            .outcome(json!({ "type": "request_floor" }))
            .await;
        assert_eq!(queued, "ok", "the speaker could not queue");
    }

    async fn open_vote(&mut self) -> String {
        let opened = self
            .chair_helper
            .outcome(json!({ "type": "open_vote", "question": "Biểu quyết thử?" }))
            .await;
        assert_eq!(opened, "ok", "the chair's helper could not open a vote");
        let vote_id = self.chair_helper.event("vote_opened").await["vote"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        self.open_votes.push(vote_id.clone());
        vote_id
    }

    /// Back to the neutral state: no turn, nobody queued, no open vote.
    async fn clean_up(&mut self, role: usize) {
        self.chair_helper
            .request(json!({ "type": "end_turn" }))
            .await;
        self.speaker
            .request(json!({ "type": "withdraw_floor" }))
            .await;
        self.actors[role]
            .request(json!({ "type": "withdraw_floor" }))
            .await;
        // Closing a vote the attempt already closed is refused; harmless.
        for vote_id in std::mem::take(&mut self.open_votes) {
            self.chair_helper
                .request(json!({ "type": "close_vote", "vote_id": vote_id }))
                .await;
        }
        self.chair_helper.backlog.clear();
        for actor in &mut self.actors {
            actor.backlog.clear();
        }
        self.speaker.backlog.clear();
        self.requester.backlog.clear();
    }
}

#[tokio::test]
async fn every_role_against_every_live_request_gets_the_answer_of_the_table() {
    let world = World::start().await;
    let meeting_id = world.meeting_id.clone();
    let types = client_message_types();
    let table: BTreeMap<&str, [&str; 4]> = LIVE.iter().copied().collect();
    let missing: Vec<&String> = types
        .iter()
        .filter(|kind| !table.contains_key(kind.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "ClientMessage has request types the live access table has no row for; \
         decide who may send each and add to LIVE in tests/tests/access_matrix.rs:\n{}",
        missing
            .iter()
            .map(|kind| format!("    (\"{kind}\", [secretary, chair, delegate, remote point]),"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let stale: Vec<&&str> = table.keys().filter(|k| !types.contains(**k)).collect();
    assert!(
        stale.is_empty(),
        "rows for request types that no longer exist: {stale:?}"
    );

    let mut actors = Vec::new();
    for caller in 2..=5 {
        let (actor, _) = LiveClient::join(
            &world.server,
            &world.clients[caller],
            &format!("matrix-{caller}"),
            &meeting_id,
        )
        .await;
        actors.push(actor);
    }
    let (chair_helper, _) = LiveClient::join(
        &world.server,
        &world.clients[3],
        "chair-helper",
        &meeting_id,
    )
    .await;
    let speaker_login = logged_in(&world.server, "daibieu02", "demo").await;
    let (speaker, welcome) =
        LiveClient::join(&world.server, &speaker_login, "speaker", &meeting_id).await;
    let requester_login = logged_in(&world.server, "daibieu04", "demo").await;
    let (requester, _) =
        LiveClient::join(&world.server, &requester_login, "requester", &meeting_id).await;
    let mut live = LiveWorld {
        actors,
        chair_helper,
        speaker,
        requester,
        speaker_id: welcome["user_id"].as_str().unwrap().to_owned(),
        attendee_id: world.user_ids["daibieu03"].clone(),
        document_id: world.document_id.clone(),
        open_votes: Vec::new(),
    };
    let mut wrong = Vec::new();
    for (kind, expected) in LIVE {
        for (role, expected) in expected.iter().enumerate() {
            println!("{kind} as {}", LIVE_ROLES[role]);
            let got = live
                .attempt(kind, role)
                .await
                .unwrap_or_else(|| panic!("{kind}: no request body in LiveWorld::attempt"));
            if got != *expected {
                wrong.push(format!(
                    "{kind} as {}: expected {expected}, got {got}",
                    LIVE_ROLES[role]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} (request, role) pairs differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Those who cannot join: no session, a disabled account (refused before
/// the upgrade), an administrator or a delegate who is not in the meeting
/// (`hello_refused`, then closed).
#[tokio::test]
async fn who_cannot_join_the_live_meeting_is_refused() {
    let world = World::start().await;
    let url = format!("ws://127.0.0.1:{}/live", world.server.port);
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) =
        tokio_tungstenite::connect_async(url).await
    else {
        panic!("anonymous: refused before the upgrade expected")
    };
    assert_eq!(response.status(), 401);
    // The disabled account cannot even get a ticket.
    let refused = world.clients[7]
        .post(world.server.url("/api/v1/auth/ws-ticket"))
        .json(&json!({ "device_id": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    for caller in [1, 6] {
        let url = live_url(
            &world.server,
            &ticket(&world.server, &world.clients[caller]).await,
        );
        let mut socket = tokio_tungstenite::connect_async(url).await.unwrap().0;
        use futures::{SinkExt, StreamExt};
        socket
            .send(Message::text(
                json!({ "type": "hello", "protocol_version": 1, "meeting_id": world.meeting_id, "device_id": "t" })
                    .to_string(),
            ))
            .await
            .unwrap();
        let Some(Ok(Message::Text(text))) = socket.next().await else {
            panic!("{}: a refusal expected", CALLERS[caller])
        };
        let refusal: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(refusal["type"], "hello_refused", "{}", CALLERS[caller]);
        assert_eq!(refusal["code"], "not_found", "{}", CALLERS[caller]);
        assert_eq!(
            closed_code(&mut socket, Duration::from_secs(10)).await,
            Some(1008),
            "{}",
            CALLERS[caller]
        );
    }
}
