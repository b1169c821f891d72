//! The administrators' accounts over real HTTP (issue 26): an account
//! added without a password gets a one-time one the user must replace; a
//! role changes, not one's own; a list of officials (CSV or XLSX) is
//! previewed with every bad row named and nothing changed, then imported
//! all at once or not at all, each account with its audit entry; hostile
//! files get clear codes. Who may call these routes is in
//! `access_matrix.rs`.

use std::io::Write;

use phonghop_e2e::{answer, browser_client, logged_in, run_command, Server};
use serde_json::{json, Value};

async fn send_file(
    client: &reqwest::Client,
    server: &Server,
    path: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    answer(
        client
            .post(server.url(path))
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn usernames(admin: &reqwest::Client, server: &Server) -> Vec<String> {
    let (status, users) =
        answer(admin.get(server.url("/api/v1/users")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["username"].as_str().unwrap().to_owned())
        .collect()
}

/// An XLSX workbook whose first sheet holds `rows` (inline strings), made
/// the way a spreadsheet writes one: workbook, its relationships, a sheet.
fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut sheet_data = String::new();
    for (index, row) in rows.iter().enumerate() {
        let line = index + 1;
        sheet_data.push_str(&format!(r#"<row r="{line}">"#));
        for (column, cell) in row.iter().enumerate() {
            let letter = char::from(b'A' + column as u8);
            sheet_data.push_str(&format!(
                r#"<c r="{letter}{line}" t="inlineStr"><is><t>{}</t></is></c>"#,
                escape(cell)
            ));
        }
        sheet_data.push_str("</row>");
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let mut add = |name: &str, text: String| {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    };
    add("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#.to_owned());
    add(
        "xl/workbook.xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Cán bộ" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        ),
    );
    add("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned());
    add(
        "xl/worksheets/sheet1.xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>"#
        ),
    );
    zip.finish().unwrap().into_inner()
}

/// The number of `account.create` entries in the audit log (read from the
/// database file once the server has stopped).
async fn account_creations(data_dir: &std::path::Path) -> i64 {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", data_dir.join("phonghop.db").display());
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'account.create'")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    count
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_added_without_a_password_must_replace_its_one_time_one() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let admin = logged_in(&server, "quantri", "demo").await;
    let (status, created) = answer(
        admin
            .post(server.url("/api/v1/users"))
            .json(&json!({ "username": "PCT.Nam", "display_name": "Trần Văn Nam", "role": "user" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["username"], "pct.nam");
    let one_time = created["one_time_password"].as_str().unwrap().to_owned();
    assert_eq!(one_time.chars().count(), 12);

    let user = browser_client();
    let (status, login) = answer(
        user.post(server.url("/api/v1/auth/login"))
            .json(&json!({ "username": "pct.nam", "password": one_time }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(login["user"]["must_change_password"], true);

    // A password given by the caller (scripts) answers none back.
    let (status, scripted) = answer(
        admin
            .post(server.url("/api/v1/users"))
            .json(&json!({ "username": "kichban", "display_name": "Kịch bản", "role": "user", "password": "mat-khau-kich-ban" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &scripted["one_time_password"]),
        (201, &Value::Null)
    );
    // A taken username says so.
    let (status, taken) = answer(
        admin
            .post(server.url("/api/v1/users"))
            .json(&json!({ "username": "thuky", "display_name": "Ai đó", "role": "user" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, taken["code"].as_str()), (409, Some("conflict")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_changes_but_not_ones_own() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let admin = logged_in(&server, "quantri", "demo").await;
    let (_, users) = answer(admin.get(server.url("/api/v1/users")).send().await.unwrap()).await;
    let id_of = |username: &str| {
        users["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|user| user["username"] == username)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let delegate = logged_in(&server, "daibieu02", "demo").await;
    assert_eq!(
        delegate
            .get(server.url("/api/v1/users"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let (status, changed) = answer(
        admin
            .post(server.url(&format!("/api/v1/users/{}/role", id_of("daibieu02"))))
            .json(&json!({ "role": "secretary" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &changed["role"]), (200, &json!("secretary")));
    // The new role holds at once: a secretary lists the accounts.
    assert_eq!(
        delegate
            .get(server.url("/api/v1/users"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let (status, refused) = answer(
        admin
            .post(server.url(&format!("/api/v1/users/{}/role", id_of("quantri"))))
            .json(&json!({ "role": "user" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("bad_request"))
    );
    let (status, _) = answer(
        admin
            .post(server.url(&format!("/api/v1/users/{}/role", id_of("daibieu03"))))
            .json(&json!({ "role": "root" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_preview_names_every_bad_row_and_nothing_is_imported_until_all_are_good() {
    let dir = tempfile::tempdir().unwrap();
    let created_by_demo;
    {
        let server = Server::start_demo(dir.path());
        let admin = logged_in(&server, "quantri", "demo").await;
        let before = usernames(&admin, &server).await;
        let mut rows = vec![vec![
            "STT",
            "Họ và tên",
            "Chức vụ",
            "Tên đăng nhập",
            "Vai trò",
        ]];
        let names: Vec<(String, String)> = (1..=6)
            .map(|n| (format!("Cán bộ số {n}"), format!("canbo{n:02}")))
            .collect();
        for (name, username) in &names {
            rows.push(vec!["", name, "Chuyên viên", username, "Đại biểu"]);
        }
        rows.push(vec!["", "", "", "khongten", ""]); // line 8: no name
        rows.push(vec!["", "Sai Tên", "", "sai ten", "thư ký"]); // 9: a space
        rows.push(vec!["", "Trùng Một", "", "trung", ""]); // 10
        rows.push(vec!["", "Trùng Hai", "", "TRUNG", ""]); // 11
        rows.push(vec!["", "Đã Có", "", "thuky", ""]); // 12: exists
        rows.push(vec!["", "Vai Lạ", "", "vaila", "giám đốc"]); // 13
        let bad_file = xlsx(&rows);

        let (status, preview) = send_file(
            &admin,
            &server,
            "/api/v1/users/import/preview",
            bad_file.clone(),
        )
        .await;
        assert_eq!(status, 200, "{preview}");
        assert_eq!(preview["ignored_columns"], json!(["STT", "Chức vụ"]));
        assert_eq!(preview["rows_with_errors"], 6);
        let codes: Vec<(u64, Vec<String>)> = preview["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|row| !row["errors"].as_array().unwrap().is_empty())
            .map(|row| {
                (
                    row["line"].as_u64().unwrap(),
                    row["errors"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|e| e["code"].as_str().unwrap().to_owned())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            codes,
            vec![
                (8, vec!["missing_name".to_owned()]),
                (9, vec!["invalid_username".to_owned()]),
                (10, vec!["duplicate_username".to_owned()]),
                (11, vec!["duplicate_username".to_owned()]),
                (12, vec!["username_taken".to_owned()]),
                (13, vec!["unknown_role".to_owned()]),
            ]
        );
        let first_error = &preview["rows"][6]["errors"][0]["message"];
        assert_eq!(first_error, "Thiếu họ tên.");

        // Committing the bad file imports nothing, not even the good rows.
        let (status, refused) = send_file(&admin, &server, "/api/v1/users/import", bad_file).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (422, Some("import_rows_invalid"))
        );
        assert_eq!(usernames(&admin, &server).await, before);

        // The fixed file: every account, each with a one-time password.
        let mut fixed = vec![vec!["Họ tên", "Tên đăng nhập", "Vai trò"]];
        for (name, username) in &names {
            fixed.push(vec![name, username, "dai bieu"]);
        }
        fixed.push(vec!["Thư Ký Phường", "thukyphuong", "Thư ký"]);
        let fixed_file = xlsx(&fixed);
        let (status, preview) = send_file(
            &admin,
            &server,
            "/api/v1/users/import/preview",
            fixed_file.clone(),
        )
        .await;
        assert_eq!((status, &preview["rows_with_errors"]), (200, &json!(0)));
        assert_eq!(
            usernames(&admin, &server).await,
            before,
            "a preview changes nothing"
        );
        let (status, imported) =
            send_file(&admin, &server, "/api/v1/users/import", fixed_file.clone()).await;
        assert_eq!(status, 201, "{imported}");
        let accounts = imported["accounts"].as_array().unwrap();
        assert_eq!(accounts.len(), 7);
        assert_eq!(accounts[6]["role"], "secretary");
        let after = usernames(&admin, &server).await;
        assert_eq!(after.len(), before.len() + 7);

        let password = accounts[0]["one_time_password"].as_str().unwrap();
        let (status, login) = answer(
            browser_client()
                .post(server.url("/api/v1/auth/login"))
                .json(&json!({ "username": "canbo01", "password": password }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, &login["user"]["must_change_password"]),
            (200, &json!(true))
        );

        // The same file again: every row is taken now, and nothing changes.
        let (status, again) = send_file(&admin, &server, "/api/v1/users/import", fixed_file).await;
        assert_eq!(
            (status, again["code"].as_str()),
            (422, Some("import_rows_invalid"))
        );
        assert_eq!(usernames(&admin, &server).await, after);
        created_by_demo = before.len() as i64;
    }
    // One audit entry per imported account, none for the refused attempts
    // (the demo's own accounts are seeded without entries).
    let entries = account_creations(dir.path()).await;
    assert_eq!(entries, 7, "demo accounts: {created_by_demo}");
    let (status, stdout, _) = run_command(
        &[
            "audit",
            "verify",
            "--data-dir",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert!(status.success(), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_or_wrong_files_get_clear_codes_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let admin = logged_in(&server, "quantri", "demo").await;
    let before = usernames(&admin, &server).await;
    let preview = "/api/v1/users/import/preview";

    let mut truncated = xlsx(&[vec!["Họ tên", "Tên đăng nhập"], vec!["A", "aa"]]);
    truncated.truncate(truncated.len() / 2);
    let mut zip_bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip_bomb
        .start_file(
            "xl/worksheets/sheet1.xml",
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
    zip_bomb.write_all(&vec![b' '; 64 * 1024 * 1024]).unwrap();
    let zip_bomb = zip_bomb.finish().unwrap().into_inner();
    let mut many = String::from("Họ tên,Tên đăng nhập\n");
    for n in 0..600 {
        many.push_str(&format!("Cán bộ {n},cb{n}\n"));
    }
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "a truncated workbook",
            truncated,
            422,
            "import_file_unreadable",
        ),
        ("a zip bomb", zip_bomb, 422, "import_file_unreadable"),
        (
            "an old .xls",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
            422,
            "import_file_unreadable",
        ),
        (
            "a CSV in Windows-1258",
            b"H\xe4 t\xean,T\xean\n".to_vec(),
            422,
            "import_file_unreadable",
        ),
        (
            "no username column",
            "Họ tên,Vai trò\nA,\n".as_bytes().to_vec(),
            422,
            "import_file_unreadable",
        ),
        ("600 rows", many.into_bytes(), 413, "import_too_large"),
        ("3 MB", vec![b'a'; 3 * 1024 * 1024], 413, "import_too_large"),
        ("nothing", Vec::new(), 422, "import_file_unreadable"),
    ];
    for (what, bytes, status, code) in cases {
        let (got, body) = send_file(&admin, &server, preview, bytes.clone()).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, Some(code)),
            "{what}: {body}"
        );
        assert!(!body["message"].as_str().unwrap().is_empty(), "{what}");
        let (got, body) = send_file(&admin, &server, "/api/v1/users/import", bytes).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, Some(code)),
            "{what} (import): {body}"
        );
    }
    assert_eq!(usernames(&admin, &server).await, before);
    // The server is still up and answering.
    assert_eq!(
        admin
            .get(server.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
