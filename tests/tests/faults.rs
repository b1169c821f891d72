//! Faults of what the server stands on, made real: a PostgreSQL cluster of
//! the test's own stopped abruptly and started again, and a data directory
//! on a small tmpfs that fills up. In both the server must keep running,
//! refuse what it cannot do with a stable error code within seconds, lose
//! nothing it acknowledged, and recover by itself.
//!
//! Each test needs something of the machine (PostgreSQL's binaries; the
//! right to mount a tmpfs). Without it the test says so loudly, and fails
//! under `CI=true`.

#[path = "support/postgres_cluster.rs"]
mod postgres_cluster;
#[path = "support/small_disk.rs"]
mod small_disk;

use std::path::Path;
use std::time::{Duration, Instant};

use phonghop_e2e::{browser_client, logged_in, run_command, Server, ServerOptions};
use postgres_cluster::{postgres_binaries, PostgresCluster};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use small_disk::SmallDisk;

/// Fails under `CI=true`, otherwise says loudly that the test did not run.
fn cannot_run(test: &str, why: &str) {
    eprintln!("!!! {test} NOT RUN: {why}");
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true requires {test} to run: {why}"
    );
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

/// Checks a refusal: its status, its stable code, a message for people
/// that carries no internal detail, and returns the response's
/// `Retry-After`, if any.
async fn assert_refused(
    server: &Server,
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> Option<String> {
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let answered = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert!(
        answered == status && text.contains(&format!("\"code\":\"{code}\"")),
        "expected {status} {code}, got {answered} {text}; the server's log ends:\n{}",
        log_tail(server)
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    let message = body["message"].as_str().unwrap();
    for internal in [
        "sqlx",
        "sqlite",
        "postgres",
        "pool",
        "error returned",
        "os error",
    ] {
        assert!(
            !message.to_lowercase().contains(internal),
            "the message leaks internal detail ({internal}): {message}"
        );
    }
    retry_after
}

/// The last lines of the server's log, for failure messages.
fn log_tail(server: &Server) -> String {
    let log = server.log_text();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

async fn create_meeting(client: &reqwest::Client, server: &Server, title: &str) -> String {
    let meeting = json_of(
        client
            .post(server.url("/api/v1/meetings"))
            .json(&json!({
                "title": title,
                "starts_at": "2026-12-01T08:00:00+07:00",
                "place": "Hội trường UBND huyện",
            }))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    meeting["id"].as_str().unwrap().to_owned()
}

async fn meeting(client: &reqwest::Client, server: &Server, meeting_id: &str) -> Value {
    json_of(
        client
            .get(server.url(&format!("/api/v1/meetings/{meeting_id}")))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

fn agenda_titles(meeting: &Value) -> Vec<String> {
    meeting["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap().to_owned())
        .collect()
}

fn add_agenda_item(
    client: &reqwest::Client,
    server: &Server,
    meeting_id: &str,
    title: &str,
) -> reqwest::RequestBuilder {
    client
        .post(server.url(&format!("/api/v1/meetings/{meeting_id}/agenda")))
        .json(&json!({ "title": title, "presenter": "Chánh Văn phòng" }))
}

fn demo_pdf() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../server/demo/bao-cao-cai-cach-hanh-chinh-lang-son.pdf");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn pdf_form(file_name: &str, bytes: Vec<u8>) -> Form {
    Form::new().part(
        "file",
        Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str("application/pdf")
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_restart_is_answered_storage_unavailable_then_the_server_catches_up_by_itself()
{
    let Some(bin) = postgres_binaries() else {
        cannot_run(
            "the PostgreSQL restart test",
            "no PostgreSQL binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)",
        );
        return;
    };
    let cluster = PostgresCluster::start(&bin);
    let data_dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(
        data_dir.path(),
        ServerOptions {
            demo: true,
            extra_args: vec![
                "--database-url".into(),
                cluster.url(),
                "--demo-delegates".into(),
                "2".into(),
            ],
            ..ServerOptions::default()
        },
    );

    // Writes before the fault: a meeting, an agenda item, a change.
    let secretary = logged_in(&server, "thuky", "demo").await;
    let meeting_id = create_meeting(&secretary, &server, "Họp trước sự cố").await;
    json_of(
        add_agenda_item(&secretary, &server, &meeting_id, "Nội dung trước sự cố")
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    json_of(
        secretary
            .patch(server.url(&format!("/api/v1/meetings/{meeting_id}")))
            .json(&json!({ "place": "Phòng họp số 2" }))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let audit_before = json_of(
        secretary
            .get(server.url(&format!("/api/v1/meetings/{meeting_id}/audit")))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await["entries"]
        .as_array()
        .unwrap()
        .len();
    assert!(audit_before >= 3, "create, agenda, change are audited");
    let readyz = browser_client().get(server.url("/readyz")).send().await;
    assert_eq!(readyz.unwrap().status(), 200);

    // The database goes away.
    cluster.stop_immediately();

    // A read that needs the database (the session itself is in it).
    let started = Instant::now();
    let response = secretary
        .get(server.url(&format!("/api/v1/meetings/{meeting_id}")))
        .send()
        .await
        .unwrap();
    let retry_after = assert_refused(&server, response, 503, "storage_unavailable").await;
    let read_refused_after = started.elapsed();
    assert_eq!(retry_after.as_deref(), Some("5"));
    // A write, and a login, in English this time.
    let started = Instant::now();
    let response = secretary
        .post(server.url("/api/v1/meetings"))
        .header("accept-language", "en")
        .json(&json!({
            "title": "Họp trong lúc mất cơ sở dữ liệu",
            "starts_at": "2026-12-02T08:00:00+07:00",
            "place": "Hội trường",
        }))
        .send()
        .await
        .unwrap();
    let english = response.headers().get("retry-after").is_some();
    let body = json_of(response, 503).await;
    let write_refused_after = started.elapsed();
    assert!(english, "Retry-After on every storage_unavailable");
    assert_eq!(body["code"], "storage_unavailable");
    assert!(
        body["message"].as_str().unwrap().contains("database"),
        "{body}"
    );
    let response = browser_client()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "username": "chutri", "password": "demo" }))
        .send()
        .await
        .unwrap();
    assert_refused(&server, response, 503, "storage_unavailable").await;
    eprintln!(
        "database stopped: a read was refused after {read_refused_after:?}, a write after {write_refused_after:?}"
    );
    for elapsed in [read_refused_after, write_refused_after] {
        assert!(
            elapsed < Duration::from_secs(8),
            "refusing took {elapsed:?}: a client must not hang"
        );
    }
    // The process answers, says it is not ready, and is still running.
    let healthz = browser_client().get(server.url("/healthz")).send().await;
    assert_eq!(healthz.unwrap().status(), 200);
    let readyz = browser_client()
        .get(server.url("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(readyz.status(), 503);
    assert!(server.is_running(), "{}", server.log_text());

    // The database comes back; the server catches up without a restart.
    cluster.pg_ctl_start();
    let back = Instant::now();
    let recovered_after = loop {
        let response = secretary
            .patch(server.url(&format!("/api/v1/meetings/{meeting_id}")))
            .json(&json!({ "title": "Họp sau sự cố" }))
            .send()
            .await
            .unwrap();
        if response.status() == 200 {
            break back.elapsed();
        }
        assert_refused(&server, response, 503, "storage_unavailable").await;
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "no write succeeded within 30 s of the database's return; log:\n{}",
            server.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let ready_after = loop {
        let readyz = browser_client().get(server.url("/readyz")).send().await;
        if readyz.unwrap().status() == 200 {
            break back.elapsed();
        }
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "/readyz stays 503"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!(
        "database back: the first write succeeded after {recovered_after:?}, /readyz was 200 after {ready_after:?}"
    );

    // Everything from before is there, nothing from the outage, and new
    // writes (a new session, a new item) work.
    let chair = logged_in(&server, "chutri", "demo").await;
    drop(chair);
    json_of(
        add_agenda_item(&secretary, &server, &meeting_id, "Nội dung sau sự cố")
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let after = meeting(&secretary, &server, &meeting_id).await;
    assert_eq!(after["title"], "Họp sau sự cố");
    assert_eq!(after["place"], "Phòng họp số 2");
    assert_eq!(
        agenda_titles(&after),
        ["Nội dung trước sự cố", "Nội dung sau sự cố"]
    );
    let listed = json_of(
        secretary
            .get(server.url("/api/v1/meetings"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
    .to_string();
    assert!(
        !listed.contains("mất cơ sở dữ liệu"),
        "a refused write was kept"
    );
    let audit_after = json_of(
        secretary
            .get(server.url(&format!("/api/v1/meetings/{meeting_id}/audit")))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await["entries"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        audit_after,
        audit_before + 2,
        "one change and one item since"
    );
    assert!(server.is_running());
    let log = server.log_text();
    assert!(!log.contains("panicked"), "{log}");
    assert!(log.contains("storage unavailable"), "the fault is logged");

    // The audit chain is intact across the crash recovery.
    let (status, stdout, stderr) = run_command(
        &[
            "audit",
            "verify",
            "--data-dir",
            data_dir.path().to_str().unwrap(),
            "--database-url",
            &cluster.url(),
        ],
        None,
    );
    assert!(status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("intact"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_storage_full_keeps_reads_and_loses_nothing() {
    let disk = match SmallDisk::mount(24) {
        Ok(disk) => disk,
        Err(why) => {
            cannot_run("the full-disk test", &why);
            return;
        }
    };
    let data_dir = disk.path().join("data");
    std::fs::create_dir(&data_dir).unwrap();
    let filler = disk.path().join("filler");
    let mut server = Server::start(
        &data_dir,
        ServerOptions {
            demo: true,
            extra_args: vec!["--demo-delegates".into(), "2".into()],
            ..ServerOptions::default()
        },
    );

    // Writes while there is room: a meeting, an item, a document.
    let secretary = logged_in(&server, "thuky", "demo").await;
    let meeting_id = create_meeting(&secretary, &server, "Họp khi đĩa đầy").await;
    let item = json_of(
        add_agenda_item(&secretary, &server, &meeting_id, "Nội dung có tài liệu")
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let item_id = item["id"].as_str().unwrap().to_owned();
    let pdf = demo_pdf();
    let uploaded = json_of(
        secretary
            .post(server.url(&format!(
                "/api/v1/meetings/{meeting_id}/agenda/{item_id}/documents"
            )))
            .multipart(pdf_form("bao-cao.pdf", pdf.clone()))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let document_id = uploaded["id"].as_str().unwrap().to_owned();

    // The disk fills up. The server keeps writing what fits (SQLite reuses
    // its WAL's space), so write until it refuses; every write it
    // acknowledged must survive.
    let filled = disk.fill(&filler);
    eprintln!(
        "filler holds {filled} bytes; {} bytes free",
        disk.free_bytes()
    );
    let mut acknowledged = Vec::new();
    let refused_at = loop {
        let title = format!(
            "Nội dung {} {}",
            acknowledged.len(),
            "được ghi khi đĩa gần đầy ".repeat(15)
        );
        let response = add_agenda_item(&secretary, &server, &meeting_id, &title)
            .send()
            .await
            .unwrap();
        match response.status().as_u16() {
            201 => acknowledged.push(title),
            _ => {
                assert_refused(&server, response, 507, "storage_full").await;
                break acknowledged.len();
            }
        }
        assert!(
            acknowledged.len() < 5000,
            "5000 writes fitted on a full disk"
        );
        // Whatever the server freed (a checkpoint) is taken again.
        disk.fill(&filler);
    };
    eprintln!(
        "the disk refused write number {refused_at} (the ones before fitted in space the database already had)"
    );

    // More refusals, each a clean storage_full: a change, a login, an
    // upload (which must leave no document and no stray file behind).
    let response = secretary
        .patch(server.url(&format!("/api/v1/meetings/{meeting_id}")))
        .json(&json!({ "place": "Phòng họp khi đĩa đầy" }))
        .send()
        .await
        .unwrap();
    assert_refused(&server, response, 507, "storage_full").await;
    let response = browser_client()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "username": "chutri", "password": "demo" }))
        .send()
        .await
        .unwrap();
    assert_refused(&server, response, 507, "storage_full").await;
    let blob_files_before = files_under(&data_dir.join("blobs"));
    let mut other_pdf = demo_pdf();
    // Different bytes after %%EOF: a new blob, still a valid PDF.
    other_pdf.extend_from_slice(b"\n% another copy\n");
    let response = secretary
        .post(server.url(&format!(
            "/api/v1/meetings/{meeting_id}/agenda/{item_id}/documents"
        )))
        .multipart(pdf_form("ban-khac.pdf", other_pdf.clone()))
        .send()
        .await
        .unwrap();
    assert_refused(&server, response, 507, "storage_full").await;
    assert_eq!(
        files_under(&data_dir.join("blobs")),
        blob_files_before,
        "a refused upload left a file behind"
    );
    // The same bytes as the first document: the file is there already, so
    // it is the database that refuses, and the document's rows and audit
    // entry go together or not at all.
    let response = secretary
        .post(server.url(&format!(
            "/api/v1/meetings/{meeting_id}/agenda/{item_id}/documents"
        )))
        .multipart(pdf_form("ban-sao.pdf", pdf.clone()))
        .send()
        .await
        .unwrap();
    assert_refused(&server, response, 507, "storage_full").await;

    // Reads still work, and the server is running.
    let during = meeting(&secretary, &server, &meeting_id).await;
    let documents = &during["agenda"][0]["documents"];
    assert_eq!(documents.as_array().unwrap().len(), 1, "{during}");
    let file = secretary
        .get(server.url(&format!("/api/v1/documents/{document_id}/file")))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), pdf.as_slice());
    assert!(server.is_running(), "{}", server.log_text());

    // Space comes back: writes work at once, without a restart.
    std::fs::remove_file(&filler).unwrap();
    let freed = Instant::now();
    json_of(
        secretary
            .patch(server.url(&format!("/api/v1/meetings/{meeting_id}")))
            .json(&json!({ "place": "Phòng họp sau khi dọn đĩa" }))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    eprintln!(
        "space freed: the next write succeeded after {:?}",
        freed.elapsed()
    );
    logged_in(&server, "chutri", "demo").await;
    json_of(
        secretary
            .post(server.url(&format!(
                "/api/v1/meetings/{meeting_id}/agenda/{item_id}/documents"
            )))
            .multipart(pdf_form("ban-khac.pdf", other_pdf))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;

    // Everything acknowledged is there, the refused upload is not.
    let after = meeting(&secretary, &server, &meeting_id).await;
    assert_eq!(after["place"], "Phòng họp sau khi dọn đĩa");
    let titles = agenda_titles(&after);
    assert_eq!(titles[0], "Nội dung có tài liệu");
    assert_eq!(titles[1..], acknowledged[..], "acknowledged items lost");
    let file_names: Vec<&str> = after["agenda"][0]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(file_names, ["bao-cao.pdf", "ban-khac.pdf"]);
    let log = server.log_text();
    assert!(!log.contains("panicked"), "{log}");
    // Both kinds of refusal were met: the document file that did not fit,
    // and the database that could not grow.
    assert!(log.contains("blob store disk is full"), "{log}");
    assert!(log.contains("database's disk is full"), "{log}");

    // Stopped cleanly, the database is intact and so is the audit chain.
    server.signal("TERM");
    let status = server.wait_exit(Duration::from_secs(30));
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "{}",
        server.log_text()
    );
    let database = data_dir.join("phonghop.db");
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(integrity, "ok");
    let (status, stdout, stderr) = run_command(
        &["audit", "verify", "--data-dir", data_dir.to_str().unwrap()],
        None,
    );
    assert!(status.success(), "{stdout}{stderr}");
    drop(server);
    drop(disk);
}

/// Every file under `dir`, as sorted paths.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
