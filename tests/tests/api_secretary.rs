//! The secretary's whole flow over real HTTP against the real binary:
//! create a meeting, add participants, build the agenda, upload a PDF and a
//! DOCX (converted by the real LibreOffice), publish; and each role's view.
//! Then the upload table: hostile files get a clear 4xx and leave nothing.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use phonghop_e2e::{browser_client, logged_in, Server, ServerOptions};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn soffice_available() -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("soffice").is_file()));
    if !found {
        eprintln!("!!! LibreOffice is missing: DOCX conversion is checked for the 422 answer only. Install: apt-get install libreoffice-writer-nogui");
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true requires LibreOffice (soffice)"
        );
    }
    found
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

fn upload_form(file_name: &str, bytes: Vec<u8>, content_type: &str) -> Form {
    Form::new().part(
        "file",
        Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str(content_type)
            .unwrap(),
    )
}

struct Prepared {
    server: Server,
    secretary: reqwest::Client,
    meeting_id: String,
    item_ids: Vec<String>,
    user_ids: std::collections::HashMap<String, String>,
    _dir: tempfile::TempDir,
}

/// A demo server (for its accounts) with a new draft meeting built by the
/// secretary: participants and three agenda items.
async fn prepare(extra_args: Vec<String>) -> Prepared {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            extra_args,
            ..ServerOptions::default()
        },
    );
    let secretary = logged_in(&server, "thuky", "demo").await;
    let meeting = json_of(
        secretary
            .post(server.url("/api/v1/meetings"))
            .json(&json!({
                "title": "Họp thường kỳ tháng 12",
                "starts_at": "2026-12-01T08:00:00+07:00",
                "place": "Hội trường UBND huyện",
                "video_link": "https://hoinghi.ubnd.local/phong/12"
            }))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(meeting["state"], "draft");
    assert_eq!(meeting["my_role"], "secretary");
    let meeting_id = meeting["id"].as_str().unwrap().to_owned();

    let users = json_of(
        secretary
            .get(server.url("/api/v1/users"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let user_ids: std::collections::HashMap<String, String> = users["users"]
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
    for (username, role) in [
        ("chutri", "chair"),
        ("daibieu01", "delegate"),
        ("daibieu02", "observer"),
        ("diemcau01", "remote_point"),
    ] {
        let response = secretary
            .put(server.url(&format!(
                "/api/v1/meetings/{meeting_id}/participants/{}",
                user_ids[username]
            )))
            .json(&json!({ "role": role }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204, "{username}");
    }
    let mut item_ids = Vec::new();
    for title in ["Báo cáo kinh tế - xã hội", "Cải cách hành chính"] {
        let item = json_of(
            secretary
                .post(server.url(&format!("/api/v1/meetings/{meeting_id}/agenda")))
                .json(&json!({ "title": title, "presenter": "Chánh Văn phòng", "duration_minutes": 20 }))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        item_ids.push(item["id"].as_str().unwrap().to_owned());
    }
    let sub_item = json_of(
        secretary
            .post(server.url(&format!("/api/v1/meetings/{meeting_id}/agenda")))
            .json(&json!({ "title": "Thảo luận", "parent_id": item_ids[1] }))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(sub_item["parent_id"], item_ids[1].as_str());
    item_ids.push(sub_item["id"].as_str().unwrap().to_owned());
    Prepared {
        server,
        secretary,
        meeting_id,
        item_ids,
        user_ids,
        _dir: dir,
    }
}

#[tokio::test]
async fn secretary_builds_uploads_and_publishes_and_each_role_sees_its_view() {
    let Prepared {
        server,
        secretary,
        meeting_id,
        item_ids,
        ..
    } = prepare(vec![]).await;
    let delegate = logged_in(&server, "daibieu01", "demo").await;
    let chair = logged_in(&server, "chutri", "demo").await;
    let outsider = logged_in(&server, "daibieu09", "demo").await;
    let meeting_path = format!("/api/v1/meetings/{meeting_id}");

    // A draft: the chair sees it, the delegate does not.
    assert_eq!(
        chair
            .get(server.url(&meeting_path))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        delegate
            .get(server.url(&meeting_path))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let listed = json_of(
        delegate
            .get(server.url("/api/v1/meetings"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(!listed["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == meeting_id.as_str()));

    // A PDF, marked confidential.
    let pdf = fixture("bao-cao-cai-cach-hanh-chinh-lang-son.pdf");
    let form = upload_form("Báo cáo Lạng Sơn.pdf", pdf.clone(), "application/pdf")
        .text("title", "Báo cáo của tỉnh Lạng Sơn")
        .text("confidential", "true");
    let uploaded = json_of(
        secretary
            .post(server.url(&format!("{meeting_path}/agenda/{}/documents", item_ids[0])))
            .multipart(form)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(uploaded["page_count"], 5);
    assert_eq!(uploaded["confidential"], true);
    assert_eq!(uploaded["file_name"], "Báo cáo Lạng Sơn.pdf");
    assert_eq!(uploaded["size_bytes"].as_u64().unwrap() as usize, pdf.len());

    // A DOCX, converted to PDF by LibreOffice.
    let docx = fixture("chuyen-bien-cai-cach-hanh-chinh-bac-giang.docx");
    let response = secretary
        .post(server.url(&format!("{meeting_path}/agenda/{}/documents", item_ids[1])))
        .multipart(upload_form(
            "chuyen-bien.docx",
            docx,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ))
        .send()
        .await
        .unwrap();
    if soffice_available() {
        let converted = json_of(response, 201).await;
        assert_eq!(converted["page_count"], 7, "the fixture's PDF has 7 pages");
        assert_eq!(converted["title"], "chuyen-bien");
    } else {
        let refused = json_of(response, 422).await;
        assert_eq!(refused["code"], "tool_missing");
    }

    // Publish: now the delegate sees it, with its documents.
    let published = json_of(
        secretary
            .post(server.url(&format!("{meeting_path}/publish")))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(published["state"], "published");
    let seen = json_of(
        delegate
            .get(server.url(&meeting_path))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(seen["my_role"], "delegate");
    assert_eq!(seen["video_link"], "https://hoinghi.ubnd.local/phong/12");
    assert_eq!(seen["agenda"].as_array().unwrap().len(), 3);
    assert_eq!(
        seen["agenda"][0]["documents"][0]["title"],
        "Báo cáo của tỉnh Lạng Sơn"
    );
    assert_eq!(seen["agenda"][0]["updated"], false);
    let document_url = seen["agenda"][0]["documents"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let downloaded = delegate
        .get(server.url(&document_url))
        .send()
        .await
        .unwrap();
    // It is confidential: the delegate gets a copy stamped for them
    // (confidential.rs reads the stamp), never the stored file.
    assert_eq!(downloaded.headers()["cache-control"], "no-store");
    let copy = downloaded.bytes().await.unwrap();
    assert!(copy.starts_with(b"%PDF-"));
    assert_ne!(copy.as_ref(), pdf.as_slice());

    // Delegates and outsiders cannot edit; outsiders cannot see.
    let attempt = delegate
        .patch(server.url(&meeting_path))
        .json(&json!({ "title": "Đổi tên" }))
        .send()
        .await
        .unwrap();
    assert_eq!(attempt.status(), 403);
    assert_eq!(
        outsider
            .get(server.url(&meeting_path))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // Replacing a document keeps the old version and marks the item updated.
    let document_id = seen["agenda"][0]["documents"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let replacement = fixture("tham-luan-trung-tam-hanh-chinh-cong.pdf");
    let replaced = json_of(
        secretary
            .post(server.url(&format!("/api/v1/documents/{document_id}/versions")))
            .multipart(upload_form("ban-moi.pdf", replacement, "application/pdf"))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(replaced["version"], 2);
    assert_eq!(replaced["page_count"], 9);
    let after = json_of(
        delegate
            .get(server.url(&meeting_path))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(after["agenda"][0]["updated"], true);
    assert_eq!(after["agenda"][0]["documents"][0]["version"], 2);
    let old_version = delegate
        .get(server.url(&document_url))
        .send()
        .await
        .unwrap();
    // Version 1 is kept (a stamped copy of it: 5 pages, version 2 has 9).
    let old_copy = old_version.bytes().await.unwrap();
    assert_eq!(
        lopdf::Document::load_mem(&old_copy)
            .unwrap()
            .get_pages()
            .len(),
        5,
        "version 1 is kept"
    );
    // Both versions are listed, the first first, with their URLs.
    let listed = after["agenda"][0]["documents"][0]["versions"]
        .as_array()
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["version"], 1);
    assert_eq!(listed[0]["url"], document_url.as_str());
    assert_eq!(listed[1]["page_count"], 9);
    // Each page of each version has a fingerprint; no page of the new
    // document reads like a page of the old one.
    let versions = json_of(
        delegate
            .get(server.url(&format!("/api/v1/documents/{document_id}/versions")))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(versions["current_version"], 2);
    let fingerprints = |index: usize| -> Vec<String> {
        versions["versions"][index]["page_fingerprints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().expect("every page readable").to_owned())
            .collect()
    };
    let (first, second) = (fingerprints(0), fingerprints(1));
    assert_eq!(
        first.len() as i64,
        versions["versions"][0]["page_count"].as_i64().unwrap()
    );
    assert_eq!(second.len(), 9);
    assert!(first.iter().all(|f| !second.contains(f)));

    // Reorder: the second item first, its sub-item under it.
    let reordered = json_of(
        secretary
            .put(server.url(&format!("{meeting_path}/agenda/order")))
            .json(&json!({ "items": [
                { "id": item_ids[1], "parent_id": null },
                { "id": item_ids[2], "parent_id": item_ids[1] },
                { "id": item_ids[0], "parent_id": null },
            ]}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let order: Vec<&str> = reordered["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            item_ids[1].as_str(),
            item_ids[2].as_str(),
            item_ids[0].as_str()
        ]
    );

    // A document taken off the agenda is gone with its versions.
    let extra = json_of(
        secretary
            .post(server.url(&format!("{meeting_path}/agenda/{}/documents", item_ids[0])))
            .multipart(upload_form(
                "phu-luc.pdf",
                fixture("tham-luan-trung-tam-hanh-chinh-cong.pdf"),
                "application/pdf",
            ))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let extra_id = extra["id"].as_str().unwrap();
    let removed = secretary
        .delete(server.url(&format!("/api/v1/documents/{extra_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    let gone = delegate
        .get(server.url(extra["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);

    // The lifecycle moves forward only.
    json_of(
        secretary
            .post(server.url(&format!("{meeting_path}/start")))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let back = secretary
        .post(server.url(&format!("{meeting_path}/publish")))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(back, 409).await["code"], "conflict");
    json_of(
        chair
            .post(server.url(&format!("{meeting_path}/close")))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let late_edit = secretary
        .post(server.url(&format!("{meeting_path}/agenda")))
        .json(&json!({ "title": "Muộn" }))
        .send()
        .await
        .unwrap();
    assert_eq!(late_edit.status(), 409);

    // Every step is in the audit log.
    let audit = json_of(
        secretary
            .get(server.url(&format!("{meeting_path}/audit")))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "meeting.create",
        "participant.set",
        "agenda.create",
        "document.upload",
        "meeting.publish",
        "document.replace",
        "document.remove",
        "agenda.reorder",
        "meeting.start",
        "meeting.close",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
}

#[tokio::test]
async fn removed_participant_loses_the_meeting_and_bad_fields_get_clear_errors() {
    let Prepared {
        server,
        secretary,
        meeting_id,
        user_ids,
        ..
    } = prepare(vec![]).await;
    let meeting_path = format!("/api/v1/meetings/{meeting_id}");
    json_of(
        secretary
            .post(server.url(&format!("{meeting_path}/publish")))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let delegate = logged_in(&server, "daibieu01", "demo").await;
    assert_eq!(
        delegate
            .get(server.url(&meeting_path))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let removed = secretary
        .delete(server.url(&format!(
            "{meeting_path}/participants/{}",
            user_ids["daibieu01"]
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    assert_eq!(
        delegate
            .get(server.url(&meeting_path))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let bad_time = secretary
        .patch(server.url(&meeting_path))
        .header("Accept-Language", "en")
        .json(&json!({ "starts_at": "thứ hai tuần sau" }))
        .send()
        .await
        .unwrap();
    let body = json_of(bad_time, 400).await;
    assert_eq!(body["code"], "bad_request");
    assert!(
        body["message"].as_str().unwrap().contains("start time"),
        "{body}"
    );
    let bad_link = secretary
        .patch(server.url(&meeting_path))
        .json(&json!({ "video_link": "javascript:alert(1)" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_link.status(), 400);
    // https only: the meeting screens would hide an http:// link.
    let plain_http_link = secretary
        .patch(server.url(&meeting_path))
        .header("Accept-Language", "en")
        .json(&json!({ "video_link": "http://hoinghi.ubnd.local/phong/12" }))
        .send()
        .await
        .unwrap();
    let body = json_of(plain_http_link, 400).await;
    assert_eq!(body["code"], "bad_request");
    assert!(
        body["message"].as_str().unwrap().contains("https://"),
        "{body}"
    );
    let delegate_creates = delegate
        .post(server.url("/api/v1/meetings"))
        .json(&json!({ "title": "x", "starts_at": "2026-12-01T08:00:00+07:00", "place": "y" }))
        .send()
        .await
        .unwrap();
    assert_eq!(delegate_creates.status(), 403);
}

#[tokio::test]
async fn administrator_creates_disables_and_resets_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            ..ServerOptions::default()
        },
    );
    let admin = logged_in(&server, "quantri", "demo").await;
    let created = json_of(
        admin
            .post(server.url("/api/v1/users"))
            .json(&json!({ "username": "PhoChuTich", "display_name": "Phó Chủ tịch UBND", "role": "user", "password": "mat-khau-moi-1" }))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(created["username"], "phochutich");
    let user_id = created["id"].as_str().unwrap().to_owned();
    let user = logged_in(&server, "phochutich", "mat-khau-moi-1").await;

    let disabled = json_of(
        admin
            .post(server.url(&format!("/api/v1/users/{user_id}/disable")))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(disabled["disabled"], true);
    assert_eq!(
        user.get(server.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let refused = browser_client()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "username": "phochutich", "password": "mat-khau-moi-1" }))
        .send()
        .await
        .unwrap();
    // A disabled account answers exactly like a wrong password: nobody
    // learns that the password was right.
    let wrong = browser_client()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "username": "phochutich", "password": "not-the-password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(refused, 401).await,
        json_of(wrong, 401).await,
        "a disabled account must answer like a wrong password"
    );

    json_of(
        admin
            .post(server.url(&format!("/api/v1/users/{user_id}/enable")))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let reset = admin
        .post(server.url(&format!("/api/v1/users/{user_id}/password")))
        .json(&json!({ "password": "mat-khau-thu-hai" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    logged_in(&server, "phochutich", "mat-khau-thu-hai").await;

    // Only administrators manage accounts.
    let secretary = logged_in(&server, "thuky", "demo").await;
    let attempt = secretary
        .post(server.url("/api/v1/users"))
        .json(&json!({ "username": "x1", "display_name": "x", "role": "admin", "password": "12345678" }))
        .send()
        .await
        .unwrap();
    assert_eq!(attempt.status(), 403);
    let duplicate = admin
        .post(server.url("/api/v1/users"))
        .json(&json!({ "username": "thuky", "display_name": "x", "role": "user", "password": "12345678" }))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(duplicate, 409).await["code"], "conflict");
}

/// A DOCX built from the real fixture with one relationship file replaced.
fn docx_with_relationships(rels: &str) -> Vec<u8> {
    let original = fixture("bao-cao-cai-cach-hanh-chinh-lang-son.docx");
    let mut archive = zip::ZipArchive::new(Cursor::new(original)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.start_file(name.as_str(), options).unwrap();
        if name == "word/_rels/document.xml.rels" {
            out.write_all(rels.as_bytes()).unwrap();
        } else {
            out.write_all(&data).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

fn zip_bomb_docx() -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    out.start_file("[Content_Types].xml", options).unwrap();
    out.write_all(b"<Types/>").unwrap();
    out.start_file("word/document.xml", options).unwrap();
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..64 {
        out.write_all(&zeros).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn files_under(dir: &Path) -> usize {
    walk(dir).len()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// One row of the upload table: case, file name, bytes, Content-Type,
/// expected status, expected code.
type UploadCase = (
    &'static str,
    String,
    Vec<u8>,
    &'static str,
    u16,
    &'static str,
);

#[tokio::test]
async fn hostile_uploads_get_a_clear_4xx_and_leave_nothing_behind() {
    let Prepared {
        server,
        secretary,
        meeting_id,
        item_ids,
        ..
    } = prepare(vec!["--max-upload-mb".into(), "2".into()]).await;
    let upload_path = format!(
        "/api/v1/meetings/{meeting_id}/agenda/{}/documents",
        item_ids[0]
    );
    let external = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="file:///etc/shadow" TargetMode="External"/></Relationships>"#;
    let encrypted =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/encrypted.pdf"))
            .unwrap();
    let pdf = fixture("bao-cao-cai-cach-hanh-chinh-lang-son.pdf");

    let cases: Vec<UploadCase> = vec![
        (
            "spoofed content type",
            "bao-cao.pdf".into(),
            b"just some text, not a pdf".to_vec(),
            "application/pdf",
            422,
            "unsupported_document",
        ),
        (
            "wrong extension",
            "anh-chup.docx".into(),
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            422,
            "unsupported_document",
        ),
        (
            "direction override in the name",
            "bao-cao\u{202E}fdp.exe".into(),
            pdf.clone(),
            "application/pdf",
            400,
            "bad_request",
        ),
        (
            "zero bytes",
            "trong.pdf".into(),
            Vec::new(),
            "application/pdf",
            422,
            "unsupported_document",
        ),
        (
            "over the size cap",
            "lon.pdf".into(),
            {
                // Just over the 2 MB cap, within the body limit's slack, so
                // the server reads it all and the answer cannot race the
                // upload (a body far over the limit is cut off mid-write,
                // and the client may see the broken pipe before the 413).
                let mut big = pdf.clone();
                big.resize(2 * 1024 * 1024 + 16 * 1024, b' ');
                big
            },
            "application/pdf",
            413,
            "payload_too_large",
        ),
        (
            "encrypted pdf",
            "mat.pdf".into(),
            encrypted,
            "application/pdf",
            422,
            "unsupported_document",
        ),
        (
            "zip bomb disguised as docx",
            "bom.docx".into(),
            zip_bomb_docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            422,
            "unsupported_document",
        ),
        (
            "docx linking an external file",
            "lien-ket.docx".into(),
            docx_with_relationships(external),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            422,
            "unsupported_document",
        ),
    ];
    let blobs = server.data_dir.join("blobs");
    let blob_count = files_under(&blobs);
    let data_files = files_under(&server.data_dir);
    for (case, name, bytes, content_type, status, code) in cases {
        let response = secretary
            .post(server.url(&upload_path))
            .multipart(upload_form(&name, bytes, content_type))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            status,
            "{case}; server log:\n{}",
            server.log_text()
        );
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(body["code"], code, "{case}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| m.len() > 10),
            "{case}: a message that says what to do"
        );
        assert_eq!(files_under(&blobs), blob_count, "{case} left a blob behind");
    }
    // Nothing was stored, nothing escaped the data directory.
    let meeting = json_of(
        secretary
            .get(server.url(&format!("/api/v1/meetings/{meeting_id}")))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(meeting["agenda"][0]["documents"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(!Path::new("/tmp/phonghop-escape.pdf").exists());
    assert!(
        files_under(&server.data_dir) <= data_files + 2,
        "only the database's own files may change"
    );

    // A Vietnamese file name with a good PDF is welcome.
    let accepted = secretary
        .post(server.url(&upload_path))
        .multipart(upload_form(
            "Tờ trình số 12-TTr.pdf",
            pdf,
            "application/octet-stream",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(accepted, 201).await["file_name"],
        "Tờ trình số 12-TTr.pdf"
    );
}
