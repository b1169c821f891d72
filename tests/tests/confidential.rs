//! Confidential (mật) documents over real HTTP, read back with poppler's
//! `pdftotext` as anyone who received a copy would: every copy names its
//! reader (and no one else), every copy is in the audit log, remote points
//! get nothing, nothing is cacheable, and a document marked confidential
//! after it was downloaded is never served clean again. Also the login
//! throttle seen from two addresses (127.0.0.1 and 127.0.0.2, both on the
//! loopback).
//!
//! Needs `pdftotext` (Debian `poppler-utils`, installed by `.ci/setup`):
//! without it these tests fail, saying so.

use std::net::IpAddr;
use std::process::Command;

use phonghop_e2e::{demo_meeting_id, logged_in, Server, ServerOptions};
use serde_json::{json, Value};

const DEVICE_HEADER: &str = "x-phonghop-device";

/// The text of a PDF, by poppler's `pdftotext`.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|error| {
            panic!("pdftotext cannot run ({error}): install poppler-utils (bash .ci/setup)")
        });
    assert!(
        output.status.success(),
        "pdftotext refused the copy: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("pdftotext writes UTF-8")
}

/// Text of one page (1-based).
fn page_text(pdf: &[u8], page: u32) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext")
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn page_count(pdf: &[u8]) -> u32 {
    lopdf::Document::load_mem(pdf).unwrap().get_pages().len() as u32
}

async fn json_of(response: reqwest::Response, expected_status: u16) -> Value {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert_eq!(status, expected_status, "unexpected answer: {body}");
    if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).unwrap()
    }
}

struct Meeting {
    server: Server,
    _dir: tempfile::TempDir,
    meeting_id: String,
    secretary: reqwest::Client,
}

impl Meeting {
    async fn start() -> Meeting {
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
        Meeting {
            server,
            _dir: dir,
            meeting_id,
            secretary,
        }
    }

    /// A new delegate of the demo meeting with a Vietnamese name.
    async fn add_delegate(&self, username: &str, display_name: &str) -> (reqwest::Client, String) {
        let admin = logged_in(&self.server, "quantri", "demo").await;
        let user = json_of(
            admin
                .post(self.server.url("/api/v1/users"))
                .json(&json!({
                    "username": username,
                    "display_name": display_name,
                    "role": "user",
                    "password": "mat-khau-rieng-1",
                }))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        let user_id = user["id"].as_str().unwrap().to_owned();
        let added = self
            .secretary
            .put(self.server.url(&format!(
                "/api/v1/meetings/{}/participants/{user_id}",
                self.meeting_id
            )))
            .json(&json!({ "role": "delegate" }))
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), 204);
        (
            logged_in(&self.server, username, "mat-khau-rieng-1").await,
            user_id,
        )
    }

    async fn meeting_as(&self, client: &reqwest::Client) -> Value {
        json_of(
            client
                .get(
                    self.server
                        .url(&format!("/api/v1/meetings/{}", self.meeting_id)),
                )
                .send()
                .await
                .unwrap(),
            200,
        )
        .await
    }

    async fn documents_as(&self, client: &reqwest::Client) -> Vec<Value> {
        self.meeting_as(client).await["agenda"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|item| item["documents"].as_array().unwrap().clone())
            .collect()
    }

    async fn audit(&self) -> Vec<Value> {
        json_of(
            self.secretary
                .get(
                    self.server
                        .url(&format!("/api/v1/meetings/{}/audit", self.meeting_id)),
                )
                .send()
                .await
                .unwrap(),
            200,
        )
        .await["entries"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn reads_report(&self) -> Value {
        json_of(
            self.secretary
                .get(self.server.url(&format!(
                    "/api/v1/meetings/{}/document-reads",
                    self.meeting_id
                )))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await
    }
}

#[tokio::test]
async fn each_copy_names_its_reader_on_every_page_and_every_read_is_audited() {
    let meeting = Meeting::start().await;
    let (ung, ung_id) = meeting.add_delegate("nguyenvanung", "Nguyễn Văn Ưng").await;
    let (huong, huong_id) = meeting.add_delegate("dangthihuong", "Đặng Thị Hương").await;
    let secret = meeting
        .documents_as(&ung)
        .await
        .into_iter()
        .find(|document| document["confidential"] == true)
        .expect("the demo has a confidential document");
    let url = meeting.server.url(secret["url"].as_str().unwrap());

    let mut copies = Vec::new();
    for (client, device) in [(&ung, "web-tablet-07"), (&huong, "web-tablet-12")] {
        let response = client
            .get(&url)
            .header(DEVICE_HEADER, device)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert!(response.headers().get("etag").is_none());
        assert_eq!(response.headers()["content-type"], "application/pdf");
        let bytes = response.bytes().await.unwrap().to_vec();
        assert!(bytes.starts_with(b"%PDF-"));
        copies.push(bytes);
    }

    let ung_text = pdf_text(&copies[0]);
    let huong_text = pdf_text(&copies[1]);
    assert!(ung_text.contains("Nguyễn Văn Ưng"), "{ung_text}");
    assert!(ung_text.contains("nguyenvanung"));
    assert!(ung_text.contains("TÀI LIỆU MẬT"));
    assert!(ung_text.contains("Họp giao ban UBND huyện"));
    assert!(!ung_text.contains("Đặng Thị Hương") && !ung_text.contains("dangthihuong"));
    assert!(huong_text.contains("Đặng Thị Hương"), "{huong_text}");
    assert!(!huong_text.contains("Nguyễn Văn Ưng") && !huong_text.contains("nguyenvanung"));
    // On every page, and the document's own text is still there.
    let pages = page_count(&copies[0]);
    assert_eq!(i64::from(pages), secret["page_count"].as_i64().unwrap());
    for page in 1..=pages {
        let text = page_text(&copies[0], page);
        assert!(
            text.contains("Bản cấp cho Nguyễn Văn Ưng"),
            "page {page}: {text}"
        );
    }
    assert!(ung_text.to_lowercase().contains("hành chính"), "{ung_text}");

    // Both reads are in the audit log, with version and device.
    let reads: Vec<Value> = meeting
        .audit()
        .await
        .into_iter()
        .filter(|entry| entry["action"] == "document.read")
        .collect();
    assert_eq!(reads.len(), 2);
    for (entry, (user_id, device)) in reads
        .iter()
        .zip([(&ung_id, "web-tablet-07"), (&huong_id, "web-tablet-12")])
    {
        assert_eq!(entry["actor_user_id"], user_id.as_str());
        assert_eq!(entry["details"]["document_id"], secret["id"]);
        assert_eq!(entry["details"]["version"], secret["version"]);
        assert_eq!(entry["details"]["device_id"], device);
    }

    // The secretary's list: 2 of the readers have it.
    let report = meeting.reads_report().await;
    let line = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["document_id"] == secret["id"])
        .unwrap();
    assert_eq!(line["readers"], 2);
    // The demo's 26 delegates, its chair and secretary, and our two.
    assert_eq!(line["expected_readers"], 30);
    let ung_line = line["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|participant| participant["user_id"] == ung_id.as_str())
        .unwrap();
    assert_eq!(ung_line["reads"][0]["device_id"], "web-tablet-07");
    assert!(!line["participants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|participant| participant["role"] == "remote_point"));

    // A malformed device name is refused, and leaves no record.
    let refused = ung
        .get(&url)
        .header(DEVICE_HEADER, "../../etc")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(meeting.reads_report().await["documents"][0]["readers"], 2);
}

#[tokio::test]
async fn remote_points_neither_see_nor_open_confidential_documents() {
    let meeting = Meeting::start().await;
    let delegate = logged_in(&meeting.server, "daibieu02", "demo").await;
    let secret = meeting
        .documents_as(&delegate)
        .await
        .into_iter()
        .find(|document| document["confidential"] == true)
        .unwrap();
    let secret_id = secret["id"].as_str().unwrap();
    let remote = logged_in(&meeting.server, "diemcau03", "demo").await;
    let seen = meeting.meeting_as(&remote).await;
    assert!(
        !seen.to_string().contains(secret_id),
        "the remote point's meeting mentions the confidential document"
    );
    // Other documents are still there for it (the agenda item the
    // confidential one belongs to is public, with its title).
    let visible = meeting.documents_as(&remote).await;
    assert!(!visible.is_empty());
    assert!(visible
        .iter()
        .all(|document| document["confidential"] == false));
    for path in [
        secret["url"].as_str().unwrap().to_owned(),
        format!("/api/v1/documents/{secret_id}/file"),
    ] {
        let response = remote.get(meeting.server.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    assert!(meeting
        .audit()
        .await
        .iter()
        .all(|entry| entry["action"] != "document.read"));
}

#[tokio::test]
async fn a_document_marked_confidential_after_it_was_downloaded_is_never_served_clean_again() {
    let meeting = Meeting::start().await;
    let delegate = logged_in(&meeting.server, "daibieu05", "demo").await;
    let open = meeting
        .documents_as(&delegate)
        .await
        .into_iter()
        .find(|document| document["confidential"] == false)
        .unwrap();
    let document_id = open["id"].as_str().unwrap();
    let old_url = meeting.server.url(open["url"].as_str().unwrap());
    let current_url = meeting
        .server
        .url(&format!("/api/v1/documents/{document_id}/file"));

    // Downloaded while public, as a browser and a resuming tablet would.
    let first = delegate.get(&old_url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let original = first.bytes().await.unwrap().to_vec();

    // The secretary marks it mật.
    let marked = json_of(
        meeting
            .secretary
            .patch(
                meeting
                    .server
                    .url(&format!("/api/v1/documents/{document_id}")),
            )
            .json(&json!({ "confidential": true }))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(marked["confidential"], true);
    let new_url = meeting.server.url(marked["url"].as_str().unwrap());
    assert_ne!(new_url, old_url);

    // Its old URL is gone, however it is asked for.
    for (name, value) in [("If-None-Match", etag.as_str()), ("Range", "bytes=0-999")] {
        let response = delegate
            .get(&old_url)
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{name}");
    }
    // Its new URL and the current-version URL give a whole stamped copy,
    // no-store, whatever a cache or a resumed download sends.
    for url in [&new_url, &current_url] {
        for (name, value) in [("If-None-Match", etag.as_str()), ("Range", "bytes=0-999")] {
            let response = delegate.get(url).header(name, value).send().await.unwrap();
            assert_eq!(response.status(), 200, "{url} {name}");
            assert_eq!(
                response.headers()["cache-control"],
                "no-store",
                "{url} {name}"
            );
            assert!(response.headers().get("etag").is_none(), "{url} {name}");
            let copy = response.bytes().await.unwrap().to_vec();
            assert_ne!(
                copy, original,
                "{url} {name}: the clean original was served"
            );
            assert!(
                pdf_text(&copy).contains("Bản cấp cho Đại biểu 05"),
                "{url} {name}"
            );
        }
    }
    // A HEAD request gets headers only, and no copy is recorded for it.
    let head = delegate.head(&new_url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["cache-control"], "no-store");
    let reads = meeting
        .audit()
        .await
        .into_iter()
        .filter(|entry| entry["action"] == "document.read")
        .count();
    assert_eq!(reads, 4);
}

/// A client whose connections leave from `address` (any 127.x address
/// reaches the server on the loopback).
fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().unwrap())
        .cookie_store(true)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_stranger_guessing_from_another_address_does_not_lock_the_owner_out() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            ..ServerOptions::default()
        },
    );
    let login = |client: &reqwest::Client, password: &str| {
        client
            .post(server.url("/api/v1/auth/login"))
            .json(&json!({ "username": "chutri", "password": password }))
            .send()
    };
    let stranger = client_from("127.0.0.2");
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(
            login(&stranger, "doan-bua")
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
    // The stranger waits even with the right password…
    assert_eq!(login(&stranger, "demo").await.unwrap().status(), 429);
    // …while the chair, at their own address, logs in at once.
    let owner = client_from("127.0.0.1");
    assert_eq!(login(&owner, "demo").await.unwrap().status(), 200);
    let me = owner
        .get(server.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}
