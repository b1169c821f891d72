//! The meeting's record (biên bản) as a PDF, against the real binary and
//! real LibreOffice: a meeting is run over `/live` (check-in, absent with a
//! reason, late, a speaking turn, a named and a secret vote), closed, and
//! the downloaded PDF's text is read back with lopdf.

use phonghop_e2e::{demo_meeting_id, logged_in, Server, ServerOptions};
use serde_json::{json, Value};

#[path = "support/live_client.rs"]
mod live_client;

use live_client::LiveClient;

/// Logs `username` in and joins the meeting's `/live` from their tablet.
async fn join(server: &Server, username: &str, meeting_id: &str) -> (LiveClient, Value) {
    let client = logged_in(server, username, "demo").await;
    LiveClient::join(server, &client, &format!("{username}-tablet"), meeting_id).await
}

fn user_id(welcome: &Value, display_name: &str) -> String {
    welcome["state"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["display_name"] == display_name)
        .unwrap_or_else(|| panic!("{display_name} is a participant"))["user_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn soffice_available() -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("soffice").is_file()));
    if !found {
        eprintln!(
            "!!! LibreOffice (soffice) is missing: the record PDF is NOT checked, only that the server says the tool is missing. apt-get install libreoffice-writer-nogui"
        );
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true requires LibreOffice (soffice)"
        );
    }
    found
}

/// All the PDF's text, with whitespace removed: LibreOffice places words
/// and table cells as separate runs, so spacing and line breaks in the
/// extracted text say nothing about the record.
fn pdf_text_without_spaces(pdf: &[u8]) -> String {
    let document = lopdf::Document::load_mem(pdf).expect("a valid PDF");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let text = document.extract_text(&pages).expect("text extracted");
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The text between two headings (both given with spaces; `text` has none).
fn section<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text
        .find(&squeeze(from))
        .unwrap_or_else(|| panic!("{from:?} in {text}"));
    let rest = &text[start..];
    let end = rest
        .find(&squeeze(to))
        .unwrap_or_else(|| panic!("{to:?} after {from:?} in {text}"));
    &rest[..end]
}

async fn get_record(
    server: &Server,
    client: &reqwest::Client,
    meeting_id: &str,
) -> reqwest::Response {
    client
        .get(server.url(&format!("/api/v1/meetings/{meeting_id}/record.pdf")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn record_pdf_has_attendance_speakers_and_vote_results_and_keeps_secret_ballots_secret() {
    let has_soffice = soffice_available();
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
    // Loading the meeting makes its minutes draft (seeded with the agenda).
    let meeting: Value = secretary
        .get(server.url(&format!("/api/v1/meetings/{meeting_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first_item = meeting["agenda"][0]["title"].as_str().unwrap().to_owned();

    // Before the meeting starts there is nothing to record.
    let too_early = get_record(&server, &secretary, &meeting_id).await;
    assert_eq!(too_early.status(), 409);
    assert_eq!(too_early.json::<Value>().await.unwrap()["code"], "conflict");
    let started = secretary
        .post(server.url(&format!("/api/v1/meetings/{meeting_id}/start")))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);

    let (mut chair, welcome) = join(&server, "chutri", &meeting_id).await;
    let (mut delegate_01, _) = join(&server, "daibieu01", &meeting_id).await;
    let (mut delegate_03, _) = join(&server, "daibieu03", &meeting_id).await;
    let id_01 = user_id(&welcome, "Đại biểu 01");
    let id_02 = user_id(&welcome, "Đại biểu 02");
    let id_03 = user_id(&welcome, "Đại biểu 03");

    delegate_01.ok(json!({ "type": "check_in" })).await;
    chair
        .ok(json!({ "type": "set_attendance", "user_id": id_02, "status": "absent", "reason": "Đi công tác tại xã Mường Khến" }))
        .await;
    chair
        .ok(json!({ "type": "set_attendance", "user_id": id_03, "status": "late" }))
        .await;

    delegate_01.ok(json!({ "type": "request_floor" })).await;
    chair
        .ok(json!({ "type": "give_floor", "user_id": id_01 }))
        .await;
    delegate_01.ok(json!({ "type": "end_turn" })).await;

    chair
        .ok(json!({ "type": "open_vote", "question": "Thông qua kế hoạch chuyển đổi số năm 2027?", "secret": false }))
        .await;
    let named = chair.event("vote_opened").await["vote"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    delegate_01
        .ok(json!({ "type": "cast_ballot", "vote_id": named, "choice": 0 }))
        .await;
    delegate_03
        .ok(json!({ "type": "cast_ballot", "vote_id": named, "choice": 1 }))
        .await;
    chair
        .ok(json!({ "type": "close_vote", "vote_id": named }))
        .await;

    chair
        .ok(json!({ "type": "open_vote", "question": "Bầu tổ trưởng tổ công tác?", "secret": true }))
        .await;
    let secret = chair.event("vote_opened").await;
    let secret = if secret["vote"]["id"] == json!(named) {
        chair.event("vote_opened").await
    } else {
        secret
    };
    let secret = secret["vote"]["id"].as_str().unwrap().to_owned();
    // Đại biểu 03 is the only one to choose "Không biểu quyết" in the
    // secret vote: the record must not say so anywhere.
    delegate_03
        .ok(json!({ "type": "cast_ballot", "vote_id": secret, "choice": 2 }))
        .await;
    chair
        .ok(json!({ "type": "close_vote", "vote_id": secret }))
        .await;

    let closed = secretary
        .post(server.url(&format!("/api/v1/meetings/{meeting_id}/close")))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 200);

    // Who may export: the secretary, the chair and an administrator; a
    // delegate gets `forbidden`, someone not logged in `unauthenticated`.
    let delegate = logged_in(&server, "daibieu01", "demo").await;
    let refused = get_record(&server, &delegate, &meeting_id).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.json::<Value>().await.unwrap()["code"], "forbidden");
    let anonymous = get_record(&server, &reqwest::Client::new(), &meeting_id).await;
    assert_eq!(anonymous.status(), 401);
    let unknown = get_record(&server, &secretary, "m_does_not_exist").await;
    assert_eq!(unknown.status(), 404);

    if !has_soffice {
        let missing = get_record(&server, &secretary, &meeting_id).await;
        assert_eq!(missing.status(), 422);
        assert_eq!(
            missing.json::<Value>().await.unwrap()["code"],
            "tool_missing"
        );
        return;
    }

    let response = get_record(&server, &secretary, &meeting_id).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"bien-ban-"));
    let pdf = response.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text_without_spaces(&pdf);

    for expected in [
        // Header and agenda.
        "BIÊN BẢN CUỘC HỌP",
        "Họp giao ban UBND huyện (demo)",
        first_item.as_str(),
        // Attendance: present, absent with its reason, late.
        "THÀNH PHẦN THAM DỰ",
        "Đại biểu 01 Đại biểu Có mặt",
        "Đại biểu 02 Đại biểu Vắng mặt Đi công tác tại xã Mường Khến",
        "Đại biểu 03 Đại biểu Đến muộn",
        "Ý KIẾN PHÁT BIỂU",
        // The named vote: counts and who chose what.
        "Thông qua kế hoạch chuyển đổi số năm 2027?",
        "Biểu quyết công khai",
        "Tán thành 1",
        "Không tán thành 1",
        "Đại biểu 01 Tán thành",
        "Đại biểu 03 Không tán thành",
        // The secret vote: counts only.
        "Bầu tổ trưởng tổ công tác?",
        "Bỏ phiếu kín",
        "Không biểu quyết 1",
        // The minutes draft, read from its Automerge document.
        "DIỄN BIẾN VÀ KẾT LUẬN",
        "Kết luận:",
        // Signature lines.
        "THƯ KÝ",
        "CHỦ TRÌ",
        "(Ký, ghi rõ họ tên)",
    ] {
        assert!(
            text.contains(&squeeze(expected)),
            "the record lacks {expected:?}; its text:\n{text}"
        );
    }
    // The speakers' table: Đại biểu 01, with a duration in seconds.
    let speakers = section(&text, "Ý KIẾN PHÁT BIỂU", "KẾT QUẢ BIỂU QUYẾT");
    assert!(
        speakers.contains(&squeeze("1 Đại biểu 01")) && speakers.contains("giây"),
        "speakers: {speakers}"
    );
    // One "Danh sách biểu quyết" (the named vote's); the secret vote has none.
    assert_eq!(
        text.matches(&squeeze("Danh sách biểu quyết")).count(),
        1,
        "{text}"
    );
    let secret_section = section(&text, "Bầu tổ trưởng", "DIỄN BIẾN");
    assert!(
        !secret_section.contains(&squeeze("Đại biểu 03")),
        "the secret vote names a voter: {secret_section}"
    );

    // The chair and an administrator may export too; every export is audited.
    let chair_client = logged_in(&server, "chutri", "demo").await;
    assert_eq!(
        get_record(&server, &chair_client, &meeting_id)
            .await
            .status(),
        200
    );
    let admin = logged_in(&server, "quantri", "demo").await;
    assert_eq!(get_record(&server, &admin, &meeting_id).await.status(), 200);
    let audit: Value = secretary
        .get(server.url(&format!("/api/v1/meetings/{meeting_id}/audit")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let exports = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == "meeting.record_export")
        .count();
    assert_eq!(exports, 3);
}
