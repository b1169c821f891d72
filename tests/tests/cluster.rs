//! A node started with `--nats-url` against the real binary: it refuses
//! SQLite, and with PostgreSQL and the NATS server at
//! `PHONGHOP_TEST_NATS_URL` (default nats://127.0.0.1:4222) its `/readyz`
//! says it joined and `/metrics` reports its leases. Under `CI=true` a
//! missing PostgreSQL or NATS fails the test.

use phonghop_e2e::{browser_client, run_command, Server, ServerOptions};

fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

fn nats_url() -> String {
    std::env::var("PHONGHOP_TEST_NATS_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "nats://127.0.0.1:4222".into())
}

/// A database of the test's own on the test server, dropped afterwards.
struct TestDatabase {
    admin_url: String,
    name: String,
}

impl TestDatabase {
    fn create(admin_url: &str) -> TestDatabase {
        let name = format!(
            "phonghop_cluster_{}_{}",
            std::process::id(),
            rand::random::<u32>()
        );
        let output = std::process::Command::new("psql")
            .arg("--no-psqlrc")
            .arg(format!("--dbname={admin_url}"))
            .arg("--command")
            .arg(format!("CREATE DATABASE {name}"))
            .output()
            .expect("psql is installed where PHONGHOP_TEST_DATABASE_URL is set");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        TestDatabase {
            admin_url: admin_url.to_owned(),
            name,
        }
    }

    fn url(&self) -> String {
        let base = self.admin_url.split('?').next().unwrap_or_default();
        let authority = base.find("://").map_or(0, |i| i + 3);
        let path = base[authority..]
            .find('/')
            .map_or(base.len(), |i| i + authority);
        format!("{}/{}", &base[..path], self.name)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .arg(format!("--dbname={}", self.admin_url))
            .arg("--command")
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .output();
    }
}

#[test]
fn a_cluster_node_refuses_sqlite_in_vietnamese_and_english() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let (status, _, stderr) = run_command(
        &[
            "serve",
            "--data-dir",
            data_dir.to_str().unwrap(),
            "--nats-url",
            "nats://127.0.0.1:4222",
        ],
        None,
    );
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--database-url postgres://"), "{stderr}");
    assert!(stderr.contains("dùng chung"), "{stderr}");
    assert!(stderr.contains("share one"), "{stderr}");
}

#[tokio::test]
async fn a_cluster_node_is_ready_once_joined_and_reports_its_leases() {
    let admin_url = match std::env::var("PHONGHOP_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            eprintln!("!!! CLUSTER NODE NOT TESTED: set PHONGHOP_TEST_DATABASE_URL=postgres://…");
            assert!(!in_ci(), "CI=true requires PHONGHOP_TEST_DATABASE_URL");
            return;
        }
    };
    let nats = nats_url();
    let reachable = nats
        .strip_prefix("nats://")
        .and_then(|address| std::net::TcpStream::connect(address).ok())
        .is_some();
    if !reachable {
        eprintln!(
            "!!! CLUSTER NODE NOT TESTED: nothing answers at {nats} (.ci/setup starts nats-server)"
        );
        assert!(!in_ci(), "CI=true requires a NATS server at {nats}");
        return;
    }
    let database = TestDatabase::create(&admin_url);
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        ServerOptions {
            extra_args: vec![
                "--database-url".into(),
                database.url(),
                "--nats-url".into(),
                nats,
                "--node-name".into(),
                "e2e-node-a".into(),
            ],
            ..ServerOptions::default()
        },
    );
    let client = browser_client();
    let readyz = client.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(readyz.status(), 200, "{}", readyz.text().await.unwrap());
    let metrics = client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "phonghop_cluster_leases_held 0",
        "phonghop_cluster_lease_acquisitions_total 0",
        "phonghop_cluster_leases_lost_total 0",
    ] {
        assert!(metrics.contains(line), "{line} missing from:\n{metrics}");
    }
    assert!(server.log_text().contains("joined the cluster"));
}
