//! Signed audit checkpoints against the real binary: the server signs the
//! audit log's head (at start, when a meeting closes, when the record is
//! signed, at shutdown) into `audit-checkpoints.log` and the database;
//! `phonghop audit verify` then finds an edited entry and a cut tail, even
//! when the database's own checkpoint rows were deleted with it.

use std::time::Duration;

use phonghop_e2e::{demo_meeting_id, logged_in, run_command, Server, ServerOptions};

/// Runs `phonghop audit verify` on `data_dir`: (exit code, stdout).
fn audit_verify(data_dir: &str) -> (Option<i32>, String) {
    let (status, stdout, stderr) = run_command(&["audit", "verify", "--data-dir", data_dir], None);
    (status.code(), format!("{stdout}{stderr}"))
}

async fn sqlite_pool(dir: &std::path::Path) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.join("phonghop.db").display());
    sqlx::AnyPool::connect(&url).await.unwrap()
}

#[tokio::test]
async fn audit_verify_holds_after_real_use_and_names_the_entry_edited_or_cut_behind_the_servers_back(
) {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let mut server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            ..ServerOptions::default()
        },
    );
    // Audited changes: the secretary edits, starts and closes the demo
    // meeting; the chair signs its record.
    let secretary = logged_in(&server, "thuky", "demo").await;
    let meeting_id = demo_meeting_id(&secretary, &server).await;
    let renamed = secretary
        .patch(server.url(&format!("/api/v1/meetings/{meeting_id}")))
        .json(&serde_json::json!({ "place": "Phòng họp số 2" }))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    for step in ["start", "close"] {
        let response = secretary
            .post(server.url(&format!("/api/v1/meetings/{meeting_id}/{step}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{step}");
    }
    let chair = logged_in(&server, "chutri", "demo").await;
    let signed = chair
        .post(server.url(&format!("/api/v1/meetings/{meeting_id}/record/sign")))
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200, "{}", signed.text().await.unwrap());
    let record = chair
        .get(server.url(&format!("/api/v1/meetings/{meeting_id}/record.pdf")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    server.signal("TERM");
    let status = server
        .wait_exit(Duration::from_secs(15))
        .unwrap_or_else(|| panic!("no exit after SIGTERM:\n{}", server.log_text()));
    assert!(status.success(), "{}", server.log_text());
    drop(server);

    // The key: private, 0600; its public half for auditors.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("audit-key.p8"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let public = std::fs::read_to_string(dir.path().join("audit-key.pub")).unwrap();
    let (status, printed, _) = run_command(&["audit", "public-key", "--data-dir", data_dir], None);
    assert!(status.success());
    assert_eq!(printed.trim(), public.trim());

    // Checkpoints at start, at the close, at rendering and signing the
    // record, at shutdown: each a line in the file and a row.
    let file = std::fs::read_to_string(dir.path().join("audit-checkpoints.log")).unwrap();
    let lines: Vec<&str> = file.lines().collect();
    assert!(lines.len() >= 3, "{file}");
    let pool = sqlite_pool(dir.path()).await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_checkpoints")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows as usize, lines.len());
    let last_seq: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    // The shutdown checkpoint covers the whole log.
    let newest: Vec<&str> = lines.last().unwrap().split(' ').collect();
    assert_eq!(newest[3], last_seq.to_string(), "{file}");

    // The signed record names a checkpointed head.
    let text = pdf_text(&record);
    let anchor = text
        .split("phonghop-audit-head:")
        .nth(1)
        .unwrap_or_else(|| panic!("no audit head in the record's text:\n{text}"));
    let anchor: Vec<&str> = anchor.split_whitespace().take(2).collect();
    assert!(
        lines.iter().any(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            fields[3] == anchor[0] && fields[4] == anchor[1]
        }),
        "the record's head {anchor:?} is no checkpoint of:\n{file}"
    );

    // `record verify` reads the same anchor from the file alone.
    let record_path = dir.path().join("record-copy.pdf");
    std::fs::write(&record_path, &record).unwrap();
    let (status, out, _) = run_command(&["record", "verify", record_path.to_str().unwrap()], None);
    assert!(status.success(), "{out}");
    assert!(
        out.contains(&format!("audit anchor: {} {}", anchor[0], anchor[1])),
        "{out}"
    );
    std::fs::remove_file(&record_path).unwrap();

    let (code, out) = audit_verify(data_dir);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("audit log intact"), "{out}");
    assert!(out.contains("nguyên vẹn"), "{out}");

    // 1. An entry edited in place.
    let target = last_seq / 2;
    let original: String = sqlx::query_scalar("SELECT details FROM audit_log WHERE seq = $1")
        .bind(target)
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET details = '{\"edited\":true}' WHERE seq = $1")
        .bind(target)
        .execute(&pool)
        .await
        .unwrap();
    let (code, out) = audit_verify(data_dir);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("first at entry {target}")), "{out}");
    assert!(
        out.contains(&format!("entry {target} was changed")),
        "{out}"
    );
    assert!(out.contains(&format!("mục {target} đã bị sửa")), "{out}");
    sqlx::query("UPDATE audit_log SET details = $1 WHERE seq = $2")
        .bind(&original)
        .bind(target)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(audit_verify(data_dir).0, Some(0));

    // 2. The tail cut, and the checkpoint rows that would betray it
    // deleted too: the file still holds them.
    let keep = last_seq - 3;
    sqlx::query("DELETE FROM audit_log WHERE seq > $1")
        .bind(keep)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_checkpoints WHERE seq > $1")
        .bind(keep)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (code, out) = audit_verify(data_dir);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!("first at entry {}", keep + 1)),
        "{out}"
    );
    assert!(out.contains("its row was deleted"), "{out}");
    assert!(out.contains("were deleted"), "{out}");

    // 3. A corrupt line in the file is reported, not a crash.
    let mut damaged = file.clone();
    damaged.push_str("v1 \u{0}\u{fffd}garbage\n");
    std::fs::write(dir.path().join("audit-checkpoints.log"), damaged).unwrap();
    let (code, out) = audit_verify(data_dir);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "line {} of audit-checkpoints.log cannot be read",
            lines.len() + 1
        )),
        "{out}"
    );
}

#[tokio::test]
async fn a_key_file_others_can_read_stops_the_server_with_a_clear_line() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    drop(Server::start(dir.path(), ServerOptions::default()));
    let key = dir.path().join("audit-key.p8");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut child = std::process::Command::new(phonghop_e2e::binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started with a key file of mode 0644");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
    assert!(stderr.contains("0644"), "{stderr}");
    assert!(stderr.contains("người dùng khác"), "{stderr}");
}

/// The text of a PDF, by poppler's `pdftotext`.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("record.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}
