//! `phonghop backup` and `phonghop restore` against the real binary: a
//! backup taken while clients write (REST edits and `/sync` changes)
//! restores into a new directory where a server finds the same meetings,
//! files, sync documents and an intact audit chain; damaged, truncated and
//! wrongly unlocked backups are refused with nothing written.

#[path = "support/sync_client.rs"]
mod sync_client;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::ReadDoc;
use phonghop_e2e::{demo_meeting_id, logged_in, run_command, Server, ServerOptions};
use serde_json::{json, Value};
use sync_client::{writable_document, SyncClient};

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

async fn json_get(client: &reqwest::Client, url: String) -> Value {
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.unwrap()
}

/// Every document of the meeting as (title, bytes; empty for a
/// confidential one).
async fn meeting_files(
    client: &reqwest::Client,
    server: &Server,
    meeting_id: &str,
) -> Vec<(String, Vec<u8>)> {
    let meeting = json_get(
        client,
        server.url(&format!("/api/v1/meetings/{meeting_id}")),
    )
    .await;
    let mut files = Vec::new();
    for item in meeting["agenda"].as_array().unwrap() {
        for document in item["documents"].as_array().unwrap() {
            let title = document["title"].as_str().unwrap().to_owned();
            // A confidential copy is stamped with its reader and the time:
            // no two downloads are alike, so only its presence is compared.
            if document["confidential"] == true {
                files.push((title, Vec::new()));
                continue;
            }
            let url = document["url"].as_str().unwrap();
            let bytes = client
                .get(server.url(url))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            files.push((
                document["title"].as_str().unwrap().to_owned(),
                bytes.to_vec(),
            ));
        }
    }
    files
}

/// The titles of the agenda items of `meeting_id`, in order.
async fn agenda_titles(client: &reqwest::Client, server: &Server, meeting_id: &str) -> Vec<String> {
    let meeting = json_get(
        client,
        server.url(&format!("/api/v1/meetings/{meeting_id}")),
    )
    .await;
    meeting["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_backup_taken_while_clients_write_restores_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start_demo(&data);
    let secretary = logged_in(&server, "thuky", "demo").await;
    let delegate = logged_in(&server, "daibieu02", "demo").await;
    let demo_meeting = demo_meeting_id(&delegate, &server).await;
    let meeting: Value = secretary
        .post(server.url("/api/v1/meetings"))
        .json(&json!({
            "title": "Họp sao lưu",
            "starts_at": "2026-12-08T08:00:00+07:00",
            "place": "Phòng họp số 2"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let meeting_id = meeting["id"].as_str().unwrap().to_owned();
    let notebook = writable_document(&delegate, &server, &demo_meeting, "notebook").await;

    // Writers: the secretary adds agenda items one after another; the
    // delegate writes numbered notes into their notebook over /sync.
    let stop = Arc::new(AtomicBool::new(false));
    let rest_writer = {
        let stop = stop.clone();
        let secretary = secretary.clone();
        let url = server.url(&format!("/api/v1/meetings/{meeting_id}/agenda"));
        tokio::spawn(async move {
            let mut written = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let response = secretary
                    .post(&url)
                    .json(&json!({ "title": format!("Mục {written:04}") }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 201);
                written += 1;
            }
            written
        })
    };
    let mut sync_writer = SyncClient::connect(&delegate, &server, "backup-writer").await;
    let mut doc = automerge::Automerge::new();
    assert!(sync_writer.sync_document(&notebook, &mut doc).await);
    let mut notes_before_backup = 0u32;
    for _ in 0..3 {
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(
                automerge::ROOT,
                format!("note{notes_before_backup:04}"),
                "trước",
            )
        })
        .unwrap();
        assert!(sync_writer.sync_document(&notebook, &mut doc).await);
        notes_before_backup += 1;
    }
    let items_before_backup = agenda_titles(&secretary, &server, &meeting_id).await.len();
    let files_before = meeting_files(&delegate, &server, &demo_meeting).await;
    assert!(!files_before.is_empty(), "the demo meeting has documents");

    let backup_file = dir.path().join("sao-luu.phbak");
    let backup = {
        let (data, backup_file) = (data.clone(), backup_file.clone());
        tokio::task::spawn_blocking(move || {
            run_command(
                &[
                    "backup",
                    "--data-dir",
                    path_str(&data),
                    "--output",
                    path_str(&backup_file),
                ],
                None,
            )
        })
    };
    // Sync writes go on while the backup runs.
    let mut notes_written = notes_before_backup;
    while !backup.is_finished() {
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(
                automerge::ROOT,
                format!("note{notes_written:04}"),
                "trong lúc sao lưu",
            )
        })
        .unwrap();
        sync_writer.sync_document(&notebook, &mut doc).await;
        notes_written += 1;
    }
    let (status, stdout, stderr) = backup.await.unwrap();
    assert!(status.success(), "backup failed: {stdout}{stderr}");
    assert!(stdout.contains("backup written"), "{stdout}");
    stop.store(true, Ordering::Relaxed);
    let items_written = rest_writer.await.unwrap();
    assert!(items_written > 0);

    // Restore into a new directory and serve it.
    let restored_dir = dir.path().join("restored");
    let (status, stdout, stderr) = run_command(
        &[
            "restore",
            "--data-dir",
            path_str(&restored_dir),
            "--input",
            path_str(&backup_file),
        ],
        None,
    );
    assert!(status.success(), "restore failed: {stdout}{stderr}");
    let (status, stdout, _) = run_command(
        &["audit", "verify", "--data-dir", path_str(&restored_dir)],
        None,
    );
    assert!(
        status.success(),
        "audit verify on the restored data: {stdout}"
    );
    let restored = Server::start(&restored_dir, ServerOptions::default());
    let restored_secretary = logged_in(&restored, "thuky", "demo").await;
    let restored_delegate = logged_in(&restored, "daibieu02", "demo").await;

    // The same files, byte for byte.
    assert_eq!(
        meeting_files(&restored_delegate, &restored, &demo_meeting).await,
        files_before
    );
    // One consistent moment: the agenda items up to some point, none
    // missing in between, at least all that existed before the backup.
    let titles = agenda_titles(&restored_secretary, &restored, &meeting_id).await;
    assert!(titles.len() >= items_before_backup, "{titles:?}");
    assert!(titles.len() <= items_written as usize);
    let expected: Vec<String> = (0..titles.len()).map(|i| format!("Mục {i:04}")).collect();
    assert_eq!(titles, expected);
    // The notebook: every note synced before the backup, and a gapless run.
    let mut reader = SyncClient::connect(&restored_delegate, &restored, "reader").await;
    let mut copy = automerge::Automerge::new();
    assert!(reader.sync_document(&notebook, &mut copy).await);
    // The notebook's own fields (`notes`, `strokes`) aside.
    let notes: Vec<String> = copy
        .keys(automerge::ROOT)
        .filter(|key| key.starts_with("note0"))
        .collect();
    assert!(notes.len() >= notes_before_backup as usize, "{notes:?}");
    let expected: Vec<String> = (0..notes.len()).map(|i| format!("note{i:04}")).collect();
    assert_eq!(notes, expected);
    eprintln!(
        "backup while writing: {items_written} agenda items and {notes_written} notes written, \
         {} and {} in the backup",
        titles.len(),
        notes.len()
    );
}

/// A backup of a fresh demo server, plain or sealed with `passphrase_file`.
fn make_backup(data: &Path, output: &Path, passphrase_file: Option<&Path>) {
    let mut args = vec![
        "backup",
        "--data-dir",
        path_str(data),
        "--output",
        path_str(output),
    ];
    if let Some(file) = passphrase_file {
        args.extend(["--passphrase-file", path_str(file)]);
    }
    let (status, stdout, stderr) = run_command(&args, None);
    assert!(status.success(), "backup failed: {stdout}{stderr}");
}

fn restore(input: &Path, target: &Path, passphrase_file: Option<&Path>) -> (bool, String) {
    let mut args = vec![
        "restore",
        "--data-dir",
        path_str(target),
        "--input",
        path_str(input),
    ];
    if let Some(file) = passphrase_file {
        args.extend(["--passphrase-file", path_str(file)]);
    }
    let (status, stdout, stderr) = run_command(&args, None);
    (status.success(), format!("{stdout}{stderr}"))
}

/// Nothing at `target`, and no staging folder left beside it.
fn nothing_written(target: &Path) {
    assert!(!target.exists(), "{} was created", target.display());
    let parent = target.parent().unwrap();
    for entry in std::fs::read_dir(parent).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name.starts_with(".phonghop-restore-"),
            "left behind: {name}"
        );
    }
}

#[tokio::test]
async fn damaged_truncated_or_wrongly_unlocked_backups_are_refused_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start_demo(&data);
    let plain = dir.path().join("plain.phbak");
    make_backup(&data, &plain, None);
    let passphrase = dir.path().join("passphrase.txt");
    std::fs::write(&passphrase, "một câu mật khẩu dài\n").unwrap();
    let sealed = dir.path().join("sealed.phbak");
    make_backup(&data, &sealed, Some(&passphrase));
    drop(server);
    let target = dir.path().join("target");

    let bytes = std::fs::read(&plain).unwrap();
    // A flipped byte in the middle of the file.
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    let damaged = dir.path().join("damaged.phbak");
    std::fs::write(&damaged, flipped).unwrap();
    let (ok, output) = restore(&damaged, &target, None);
    assert!(!ok);
    assert!(
        output.contains("damaged") && output.contains("nothing was written"),
        "{output}"
    );
    nothing_written(&target);

    // Cut short, at several places.
    for keep in [bytes.len() / 3, bytes.len() - 600, bytes.len() - 2000] {
        let truncated = dir.path().join(format!("truncated-{keep}.phbak"));
        std::fs::write(&truncated, &bytes[..keep]).unwrap();
        let (ok, output) = restore(&truncated, &target, None);
        assert!(!ok, "a file cut at {keep} of {} was accepted", bytes.len());
        assert!(output.contains("nothing was written"), "{output}");
        nothing_written(&target);
    }

    // Sealed: the wrong passphrase, a flipped byte, a cut.
    let wrong = dir.path().join("wrong.txt");
    std::fs::write(&wrong, "không phải mật khẩu này\n").unwrap();
    let (ok, output) = restore(&sealed, &target, Some(&wrong));
    assert!(!ok);
    assert!(output.contains("passphrase is wrong"), "{output}");
    nothing_written(&target);
    let sealed_bytes = std::fs::read(&sealed).unwrap();
    assert!(sealed_bytes.starts_with(b"phonghop-sealed\n"));
    let mut flipped = sealed_bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 1;
    std::fs::write(&damaged, flipped).unwrap();
    let (ok, output) = restore(&damaged, &target, Some(&passphrase));
    assert!(!ok);
    assert!(output.contains("damaged"), "{output}");
    nothing_written(&target);
    std::fs::write(&damaged, &sealed_bytes[..sealed_bytes.len() - 100]).unwrap();
    let (ok, output) = restore(&damaged, &target, Some(&passphrase));
    assert!(!ok);
    assert!(output.contains("damaged or truncated"), "{output}");
    nothing_written(&target);

    // A non-empty directory is refused and left as it was.
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("keep.txt"), "x").unwrap();
    let (ok, output) = restore(&plain, &target, None);
    assert!(!ok);
    assert!(output.contains("is not empty"), "{output}");
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 1);
    std::fs::remove_dir_all(&target).unwrap();

    // The good ones restore (an empty directory is fine), and serve.
    std::fs::create_dir_all(&target).unwrap();
    let (ok, output) = restore(&sealed, &target, Some(&passphrase));
    assert!(ok, "{output}");
    let restored = Server::start(&target, ServerOptions::default());
    logged_in(&restored, "daibieu02", "demo").await;
}

/// `psql -c SQL` against `url`.
fn psql(url: &str, sql: &str) {
    let output = std::process::Command::new("psql")
        .arg("--no-psqlrc")
        .arg("--quiet")
        .arg(format!("--dbname={url}"))
        .arg("--command")
        .arg(sql)
        .output()
        .expect("psql is installed where PHONGHOP_TEST_DATABASE_URL is set");
    assert!(
        output.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `postgres://user@host:5432/db` with `db` replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let base = url.split('?').next().unwrap();
    let scheme_end = base.find("://").unwrap() + 3;
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    format!("{}/{name}", &base[..path_start])
}

/// Drops the test's databases however the test ends.
struct Databases {
    admin_url: String,
    names: Vec<String>,
}

impl Drop for Databases {
    fn drop(&mut self) {
        for name in &self.names {
            let _ = std::process::Command::new("psql")
                .arg(format!("--dbname={}", self.admin_url))
                .arg("--command")
                .arg(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .output();
        }
    }
}

#[tokio::test]
async fn a_postgresql_server_is_backed_up_with_pg_dump_and_restored_with_psql() {
    let admin_url = match std::env::var("PHONGHOP_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            eprintln!(
                "!!! PostgreSQL backup NOT TESTED: set PHONGHOP_TEST_DATABASE_URL=postgres://…"
            );
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true requires PHONGHOP_TEST_DATABASE_URL"
            );
            return;
        }
    };
    let suffix = format!("{}_{}", std::process::id(), rand::random::<u32>());
    let databases = Databases {
        admin_url: admin_url.clone(),
        names: vec![
            format!("phonghop_backup_source_{suffix}"),
            format!("phonghop_backup_target_{suffix}"),
        ],
    };
    for name in &databases.names {
        psql(&admin_url, &format!("CREATE DATABASE {name}"));
    }
    let source_url = with_database(&admin_url, &databases.names[0]);
    let target_url = with_database(&admin_url, &databases.names[1]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(
        &data,
        ServerOptions {
            demo: true,
            extra_args: vec!["--database-url".into(), source_url.clone()],
            ..ServerOptions::default()
        },
    );
    let delegate = logged_in(&server, "daibieu02", "demo").await;
    let meeting_id = demo_meeting_id(&delegate, &server).await;
    let files_before = meeting_files(&delegate, &server, &meeting_id).await;
    let backup_file = dir.path().join("postgres.phbak");
    let (status, stdout, stderr) = run_command(
        &[
            "backup",
            "--data-dir",
            path_str(&data),
            "--database-url",
            &source_url,
            "--output",
            path_str(&backup_file),
        ],
        None,
    );
    assert!(status.success(), "backup failed: {stdout}{stderr}");
    drop(server);

    // Without a target database the restore says what it needs.
    let restored_dir = dir.path().join("restored");
    let (ok, output) = restore(&backup_file, &restored_dir, None);
    assert!(!ok);
    assert!(output.contains("--database-url"), "{output}");
    nothing_written(&restored_dir);
    let (status, stdout, stderr) = run_command(
        &[
            "restore",
            "--data-dir",
            path_str(&restored_dir),
            "--input",
            path_str(&backup_file),
            "--database-url",
            &target_url,
        ],
        None,
    );
    assert!(status.success(), "restore failed: {stdout}{stderr}");
    assert!(!restored_dir.join(".postgresql.sql").exists());
    // Loading into a database that is no longer empty is refused whole.
    let again = dir.path().join("again");
    let (status, stdout, stderr) = run_command(
        &[
            "restore",
            "--data-dir",
            path_str(&again),
            "--input",
            path_str(&backup_file),
            "--database-url",
            &target_url,
        ],
        None,
    );
    assert!(!status.success());
    assert!(
        format!("{stdout}{stderr}").contains("nothing was written"),
        "{stdout}{stderr}"
    );
    nothing_written(&again);
    let (status, stdout, _) = run_command(
        &[
            "audit",
            "verify",
            "--data-dir",
            path_str(&restored_dir),
            "--database-url",
            &target_url,
        ],
        None,
    );
    assert!(status.success(), "audit verify: {stdout}");
    let restored = Server::start(
        &restored_dir,
        ServerOptions {
            extra_args: vec!["--database-url".into(), target_url.clone()],
            ..ServerOptions::default()
        },
    );
    let restored_delegate = logged_in(&restored, "daibieu02", "demo").await;
    assert_eq!(
        meeting_files(&restored_delegate, &restored, &meeting_id).await,
        files_before
    );
    drop(restored);
    drop(databases);
}

#[tokio::test]
async fn scheduled_backups_run_keep_the_newest_and_show_on_the_admin_status() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    std::fs::write(backups.join("ghi-chu.txt"), "not a backup").unwrap();
    let server = Server::start(
        &data,
        ServerOptions {
            demo: true,
            extra_args: [
                "--backup-every",
                "1s",
                "--backup-dir",
                path_str(&backups),
                "--backup-keep",
                "2",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            ..ServerOptions::default()
        },
    );
    let admin = logged_in(&server, "quantri", "demo").await;
    // File names carry the second: wait for four distinct backups made.
    let listed = || {
        let mut names: Vec<String> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".phbak"))
            .collect();
        names.sort();
        names
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut made = std::collections::BTreeSet::new();
    while made.len() < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "four scheduled backups within a minute; saw {made:?}; log:\n{}",
            server.log_text()
        );
        let names = listed();
        assert!(
            names.len() <= 3,
            "kept more than 2 (+1 being pruned): {names:?}"
        );
        made.extend(names);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let names = listed();
    assert!(names.len() <= 3, "{names:?}");
    assert!(
        backups.join("ghi-chu.txt").exists(),
        "other files are left alone"
    );
    let status = json_get(&admin, server.url("/api/v1/admin/backup")).await;
    assert_eq!(status["interval_seconds"], 1);
    assert_eq!(status["keep"], 2);
    assert_eq!(status["stale"], false, "{status}");
    assert!(status["last_backup_at"].as_str().is_some(), "{status}");
    assert!(status["last_failure"].is_null(), "{status}");
    // The newest backup restores.
    let newest = backups.join(names.last().unwrap());
    let target = dir.path().join("restored");
    let (ok, output) = restore(&newest, &target, None);
    assert!(ok, "{output}");
    assert!(target.join("phonghop.db").exists());
    assert!(
        !target.join("backups").exists(),
        "the backup folder is not inside the data directory here"
    );
}
