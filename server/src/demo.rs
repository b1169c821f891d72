//! `phonghop serve --demo`: seeds, once, a demo meeting with its agenda,
//! real Vietnamese PDF documents (shipped inside the binary) and accounts
//! for every role, all with the password `demo`.

use phonghop_protocol::api::{MeetingRole, MeetingState, OrgRole};

use crate::blobs::BlobStore;
use crate::store::{
    new_id, now_millis, AgendaItemRecord, DocumentRecord, DocumentVersionRecord, MeetingRecord,
    NewAuditEntry, Store, UserRecord,
};

/// The demo meeting's title.
pub const DEMO_MEETING_TITLE: &str = "Họp giao ban UBND huyện (demo)";
/// Every demo account's password.
pub const DEMO_PASSWORD: &str = "demo";
/// How many delegate and remote-point accounts the demo has.
pub const DEMO_DELEGATES: usize = 26;
pub const DEMO_REMOTE_POINTS: usize = 16;

const SEEDED_SETTING: &str = "demo_seeded";

/// A PDF shipped with the demo.
#[derive(Debug)]
pub struct DemoPdf {
    pub file_name: &'static str,
    pub title: &'static str,
    pub bytes: &'static [u8],
    pub page_count: i64,
}

/// The demo's documents: public reports on administrative reform.
pub const DEMO_PDFS: [DemoPdf; 3] = [
    DemoPdf {
        file_name: "bao-cao-cai-cach-hanh-chinh-lang-son.pdf",
        title: "Báo cáo cải cách hành chính tỉnh Lạng Sơn",
        bytes: include_bytes!("../demo/bao-cao-cai-cach-hanh-chinh-lang-son.pdf"),
        page_count: 5,
    },
    DemoPdf {
        file_name: "chuyen-bien-cai-cach-hanh-chinh-bac-giang.pdf",
        title: "Chuyển biến trong cải cách hành chính ở Bắc Giang",
        bytes: include_bytes!("../demo/chuyen-bien-cai-cach-hanh-chinh-bac-giang.pdf"),
        page_count: 7,
    },
    DemoPdf {
        file_name: "tham-luan-trung-tam-hanh-chinh-cong.pdf",
        title: "Tham luận về Trung tâm Phục vụ hành chính công",
        bytes: include_bytes!("../demo/tham-luan-trung-tam-hanh-chinh-cong.pdf"),
        page_count: 9,
    },
];

/// The demo accounts: (username, display name, organization role, role in
/// the demo meeting).
pub fn demo_accounts(delegates: usize) -> Vec<(String, String, OrgRole, Option<MeetingRole>)> {
    let mut accounts = vec![
        (
            "quantri".to_owned(),
            "Quản trị hệ thống".to_owned(),
            OrgRole::Admin,
            None,
        ),
        (
            "thuky".to_owned(),
            "Thư ký Văn phòng UBND".to_owned(),
            OrgRole::Secretary,
            Some(MeetingRole::Secretary),
        ),
        (
            "chutri".to_owned(),
            "Chủ tịch UBND huyện".to_owned(),
            OrgRole::User,
            Some(MeetingRole::Chair),
        ),
    ];
    for n in 1..=delegates {
        accounts.push((
            format!("daibieu{n:02}"),
            format!("Đại biểu {n:02}"),
            OrgRole::User,
            Some(MeetingRole::Delegate),
        ));
    }
    for n in 1..=DEMO_REMOTE_POINTS {
        accounts.push((
            format!("diemcau{n:02}"),
            format!("Điểm cầu xã {n:02}"),
            OrgRole::User,
            Some(MeetingRole::RemotePoint),
        ));
    }
    accounts
}

/// One demo agenda item: title, presenter, minutes, index into
/// [`DEMO_PDFS`], and whether it is a sub-item of the item before it.
type DemoAgendaItem = (
    &'static str,
    Option<&'static str>,
    Option<i64>,
    Option<usize>,
    bool,
);

/// Seeds the demo unless it was seeded before. Returns whether it seeded.
pub async fn seed(store: &Store, blobs: &BlobStore, delegates: usize) -> anyhow::Result<bool> {
    if store.setting(SEEDED_SETTING).await?.is_some() {
        return Ok(false);
    }
    // One hash for every demo account: the password is public anyway, and
    // hashing 45 times would slow every demo start by seconds.
    let password_hash = crate::auth::hash_password(DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?;
    let mut participants = Vec::new();
    let mut secretary_id = None;
    for (username, display_name, org_role, meeting_role) in demo_accounts(delegates) {
        let user = UserRecord {
            id: new_id("u"),
            username,
            display_name,
            org_role,
            password_hash: password_hash.clone(),
            disabled: false,
            created_at: now_millis(),
        };
        store.create_user(&user).await?;
        if meeting_role == Some(MeetingRole::Secretary) {
            secretary_id = Some(user.id.clone());
        }
        if let Some(role) = meeting_role {
            participants.push((user.id, role));
        }
    }
    let secretary_id = secretary_id.expect("the demo has a secretary");

    let meeting = MeetingRecord {
        id: new_id("m"),
        title: DEMO_MEETING_TITLE.to_owned(),
        starts_at: today_at_local("14:00:00"),
        place: "Phòng họp tầng 2, trụ sở UBND huyện".to_owned(),
        // Published once its agenda is in place (below), so no item shows
        // as changed after publication.
        state: MeetingState::Draft,
        video_link: None,
        created_by: secretary_id.clone(),
        created_at: now_millis(),
        updated_at: now_millis(),
        published_at: None,
    };
    store.create_meeting(&meeting).await?;
    for (user_id, role) in &participants {
        store.set_participant(&meeting.id, user_id, *role).await?;
    }

    let agenda: [DemoAgendaItem; 5] = [
        (
            "Báo cáo tình hình cải cách hành chính năm 2026",
            Some("Chánh Văn phòng HĐND và UBND huyện"),
            Some(20),
            Some(0),
            false,
        ),
        (
            "Kinh nghiệm chuyển biến cải cách hành chính",
            Some("Trưởng phòng Nội vụ"),
            Some(15),
            Some(1),
            false,
        ),
        (
            "Thảo luận: giải pháp cho các xã",
            None,
            Some(20),
            None,
            true,
        ),
        (
            "Tham luận về Trung tâm Phục vụ hành chính công",
            Some("Giám đốc Trung tâm Phục vụ hành chính công"),
            Some(15),
            Some(2),
            false,
        ),
        (
            "Kết luận của chủ trì",
            Some("Chủ tịch UBND huyện"),
            Some(10),
            None,
            false,
        ),
    ];
    let mut parent: Option<String> = None;
    let mut top_position = 0;
    for (title, presenter, duration, pdf_index, is_sub_item) in agenda {
        let (parent_id, position) = if is_sub_item {
            (parent.clone(), 0)
        } else {
            top_position += 1;
            (None, top_position - 1)
        };
        let item = AgendaItemRecord {
            id: new_id("a"),
            meeting_id: meeting.id.clone(),
            parent_id,
            position,
            title: title.to_owned(),
            presenter: presenter.map(str::to_owned),
            duration_minutes: duration,
            updated_at: now_millis(),
        };
        store.create_agenda_item(&item).await?;
        if !is_sub_item {
            parent = Some(item.id.clone());
        }
        if let Some(index) = pdf_index {
            let pdf = &DEMO_PDFS[index];
            let sha256 = blobs.put(pdf.bytes)?;
            let document = DocumentRecord {
                id: new_id("d"),
                meeting_id: meeting.id.clone(),
                agenda_item_id: item.id.clone(),
                position: 0,
                title: pdf.title.to_owned(),
                // One confidential document shows how "mật" looks.
                confidential: index == 2,
                current_version: 1,
                created_at: now_millis(),
            };
            let version = DocumentVersionRecord {
                document_id: document.id.clone(),
                version: 1,
                file_name: pdf.file_name.to_owned(),
                blob_sha256: sha256,
                page_count: pdf.page_count,
                size_bytes: pdf.bytes.len() as i64,
                uploaded_by: secretary_id.clone(),
                uploaded_at: now_millis(),
                page_fingerprints: crate::page_text::page_layouts(pdf.bytes)
                    .map(|layouts| crate::page_text::fingerprints(&layouts))
                    .unwrap_or_default(),
            };
            store.create_document(&document, &version).await?;
        }
    }
    store
        .transition_meeting(&meeting.id, MeetingState::Published)
        .await?;
    store
        .append_audit(NewAuditEntry {
            actor_user_id: None,
            meeting_id: Some(&meeting.id),
            action: "demo.seed",
            details: serde_json::json!({ "accounts": participants.len() + 1 }),
        })
        .await?;
    store
        .set_setting(SEEDED_SETTING, &now_millis().to_string())
        .await?;
    tracing::info!(meeting_id = %meeting.id, "demo meeting seeded");
    Ok(true)
}

/// Creates the demo meeting's minutes and the shared layers of its three
/// documents, if they are missing (idempotent: runs on every `--demo`
/// start, so a data directory seeded before sync existed gets them too).
pub async fn seed_sync_documents(
    store: &Store,
    sync: &crate::sync::SyncService,
) -> anyhow::Result<()> {
    for meeting in store.all_meetings().await? {
        if meeting.title == DEMO_MEETING_TITLE {
            crate::sync::documents::ensure_meeting_documents(sync, &meeting.id).await?;
        }
    }
    Ok(())
}

/// Today's date in Vietnam (UTC+7) at `time`, as RFC 3339.
fn today_at_local(time: &str) -> String {
    let offset = time::UtcOffset::from_hms(7, 0, 0).expect("valid offset");
    let today = time::OffsetDateTime::now_utc().to_offset(offset).date();
    format!("{today}T{time}+07:00")
}

/// The text `make run` prints: where to go and how to log in.
pub fn logins_text(url: &str, delegates: usize) -> String {
    format!(
        "\n  Mở trình duyệt / open: {url}\n\
         \n  Tài khoản demo (mật khẩu / password: {DEMO_PASSWORD}):\n\
         \x20   quantri                  quản trị / administrator\n\
         \x20   thuky                    thư ký / secretary\n\
         \x20   chutri                   chủ trì / chair\n\
         \x20   daibieu01 … daibieu{delegates:02}    đại biểu / delegates\n\
         \x20   diemcau01 … diemcau{DEMO_REMOTE_POINTS:02}    điểm cầu / remote points\n"
    )
}

/// The demo's signing certificates: a demo certificate authority issues
/// one for `chutri` and one for `thuky`, held without a PIN, so the demo
/// meeting's record can be signed once it is closed. Accounts that already
/// have a certificate keep it. Returns how many were issued.
pub async fn provision_signing(store: &Store) -> anyhow::Result<usize> {
    const SIGNERS: [(&str, &str); 2] = [
        ("chutri", "Chủ tịch UBND huyện"),
        ("thuky", "Chuyên viên Văn phòng HĐND và UBND huyện"),
    ];
    let mut missing = Vec::new();
    for (username, title) in SIGNERS {
        if let Some(user) = store.user_by_username(username).await? {
            if store.signing_credential(&user.id).await?.is_none() {
                missing.push((user, title));
            }
        }
    }
    if missing.is_empty() {
        return Ok(0);
    }
    let now = time::OffsetDateTime::now_utc();
    let authority = crate::signing::authority::Authority::new(
        "phonghop DEMO - không dùng cho văn bản thật",
        now,
    )?;
    let authority_certificate = authority.certificate()?;
    for (user, title) in &missing {
        let issued = authority.issue(&user.display_name, title, "UBND huyện (demo)", now)?;
        store
            .set_signing_credential(&crate::store::SigningCredential {
                user_id: user.id.clone(),
                certificate: issued.certificate.der.clone(),
                chain: vec![authority_certificate.der.clone()],
                key: crate::store::CredentialKey::UnprotectedPkcs8(issued.private_key_pkcs8),
                registered_at: now_millis(),
            })
            .await?;
    }
    Ok(missing.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_has_one_account_per_documented_login() {
        let accounts = demo_accounts(DEMO_DELEGATES);
        assert_eq!(accounts.len(), 3 + DEMO_DELEGATES + DEMO_REMOTE_POINTS);
        let names: Vec<_> = accounts.iter().map(|a| a.0.as_str()).collect();
        for expected in [
            "quantri",
            "thuky",
            "chutri",
            "daibieu01",
            "daibieu26",
            "diemcau01",
            "diemcau16",
        ] {
            assert!(names.contains(&expected), "{expected} missing");
        }
    }

    #[test]
    fn start_time_is_rfc3339_in_vietnam_time() {
        let text = today_at_local("14:00:00");
        assert!(
            time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
                .is_ok(),
            "{text}"
        );
        assert!(text.ends_with("T14:00:00+07:00"));
    }

    #[tokio::test]
    async fn seeding_twice_seeds_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("db").display()))
            .await
            .unwrap();
        let blobs = BlobStore::open(dir.path().join("blobs")).unwrap();
        assert!(seed(&store, &blobs, DEMO_DELEGATES).await.unwrap());
        assert!(!seed(&store, &blobs, DEMO_DELEGATES).await.unwrap());
        assert_eq!(store.all_meetings().await.unwrap().len(), 1);
        assert_eq!(store.count_documents().await.unwrap(), 3);
    }
}
