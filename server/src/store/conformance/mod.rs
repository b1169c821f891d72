//! One conformance suite for [`Store`], run against every backend: SQLite
//! always, PostgreSQL when `PHONGHOP_TEST_DATABASE_URL` names a server
//! (each run creates and drops a database of its own there).

use super::*;
use phonghop_protocol::rules::MeetingRules;

/// A store on a fresh database of each available backend, with a guard
/// that removes it afterwards.
pub(crate) async fn backends() -> Vec<(String, Store, Option<TestDatabase>)> {
    let mut stores = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("conformance.db").display());
    let store = Store::open(&url).await.expect("open sqlite");
    stores.push(("sqlite".to_owned(), store, Some(TestDatabase::Sqlite(dir))));
    match std::env::var("PHONGHOP_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let (store, guard) = fresh_postgres(&admin_url).await;
            stores.push(("postgres".to_owned(), store, Some(guard)));
        }
        _ => {
            eprintln!(
                "!!! PostgreSQL conformance NOT RUN: set PHONGHOP_TEST_DATABASE_URL=postgres://… to run it"
            );
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true requires PHONGHOP_TEST_DATABASE_URL so the PostgreSQL backend is tested"
            );
        }
    }
    stores
}

pub(crate) enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let admin_url = admin_url.clone();
            let name = name.clone();
            // Dropping needs async; do it on a thread of its own so it works
            // from inside or outside a runtime.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    if let Ok(pool) = AnyPoolOptions::new().connect(&admin_url).await {
                        let _ = pool
                            .execute(
                                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                            )
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

pub(crate) async fn fresh_postgres(admin_url: &str) -> (Store, TestDatabase) {
    sqlx::any::install_default_drivers();
    let name = format!("phonghop_test_{}", uuid::Uuid::new_v4().simple());
    let admin = AnyPoolOptions::new()
        .max_connections(1)
        .connect(admin_url)
        .await
        .expect("PHONGHOP_TEST_DATABASE_URL must name a reachable PostgreSQL server");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    admin.close().await;
    let url = with_database_name(admin_url, &name);
    let store = Store::open(&url).await.expect("open postgres");
    (
        store,
        TestDatabase::Postgres {
            admin_url: admin_url.to_owned(),
            name,
        },
    )
}

/// `postgres://user@host:5432/db?x=y` with `db` replaced by `name`.
fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], name);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

pub(crate) fn user(username: &str, role: OrgRole) -> UserRecord {
    UserRecord {
        id: new_id("u"),
        username: username.to_owned(),
        display_name: format!("Người dùng {username}"),
        org_role: role,
        password_hash: "$argon2id$fake".to_owned(),
        disabled: false,
        created_at: now_millis(),
    }
}

/// A secretary ("thuky") and a draft meeting of theirs, both stored.
async fn stored_secretary_and_meeting(store: &Store) -> (UserRecord, MeetingRecord) {
    let secretary = user("thuky", OrgRole::Secretary);
    store.create_user(&secretary).await.unwrap();
    let meeting = meeting(&secretary.id, "Họp tháng 12", "2026-12-01T08:00:00+07:00");
    store.create_meeting(&meeting).await.unwrap();
    (secretary, meeting)
}

/// A first agenda item ("Báo cáo") of `meeting_id`, stored.
async fn stored_agenda_item(store: &Store, meeting_id: &str) -> AgendaItemRecord {
    let item = AgendaItemRecord {
        id: new_id("a"),
        meeting_id: meeting_id.to_owned(),
        parent_id: None,
        position: 0,
        title: "Báo cáo".into(),
        presenter: None,
        duration_minutes: None,
        updated_at: 0,
    };
    store.create_agenda_item(&item).await.unwrap();
    item
}

pub(crate) fn meeting(created_by: &str, title: &str, starts_at: &str) -> MeetingRecord {
    MeetingRecord {
        id: new_id("m"),
        title: title.to_owned(),
        starts_at: starts_at.to_owned(),
        place: "Hội trường UBND huyện".to_owned(),
        state: MeetingState::Draft,
        video_link: None,
        created_by: created_by.to_owned(),
        created_at: now_millis(),
        updated_at: now_millis(),
        published_at: None,
    }
}

#[tokio::test]
async fn users_round_trip_and_usernames_are_unique() {
    for (backend, store, _guard) in backends().await {
        let secretary = user("thuky", OrgRole::Secretary);
        store.create_user(&secretary).await.unwrap();
        let loaded = store.user_by_username("thuky").await.unwrap().unwrap();
        assert_eq!(loaded, secretary, "{backend}");
        assert_eq!(
            store.user_by_id(&secretary.id).await.unwrap(),
            Some(secretary.clone())
        );
        let duplicate = user("thuky", OrgRole::User);
        assert!(
            matches!(
                store.create_user(&duplicate).await,
                Err(StoreError::Conflict(_))
            ),
            "{backend}: duplicate username must be a conflict"
        );
        assert_eq!(store.count_users().await.unwrap(), 1, "{backend}");
        assert!(store.user_by_username("nobody").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions() {
    for (backend, store, _guard) in backends().await {
        let delegate = user("daibieu01", OrgRole::User);
        store.create_user(&delegate).await.unwrap();
        let session = SessionRecord {
            id: "session-hash".into(),
            user_id: delegate.id.clone(),
            created_at: now_millis(),
            expires_at: now_millis() + 60_000,
            device_id: None,
            wipe_pending: false,
            password_change_required: false,
        };
        store.create_session(&session).await.unwrap();
        let (live, live_user) = store
            .live_session("session-hash", now_millis())
            .await
            .unwrap()
            .expect("live session");
        assert_eq!(live, session, "{backend}");
        assert_eq!(live_user.id, delegate.id);

        store.set_user_disabled(&delegate.id, true).await.unwrap();
        assert!(store
            .live_session("session-hash", now_millis())
            .await
            .unwrap()
            .is_none());
        assert!(store
            .unrevoked_session_ids(&delegate.id)
            .await
            .unwrap()
            .is_empty());
        assert!(matches!(
            store.set_user_disabled("u_missing", true).await,
            Err(StoreError::NotFound(_))
        ));
    }
}

#[tokio::test]
async fn expired_and_revoked_sessions_are_not_live() {
    for (backend, store, _guard) in backends().await {
        let delegate = user("daibieu02", OrgRole::User);
        store.create_user(&delegate).await.unwrap();
        let now = now_millis();
        for (id, expires_at) in [("expired", now - 1), ("revoked", now + 60_000)] {
            store
                .create_session(&SessionRecord {
                    id: id.into(),
                    user_id: delegate.id.clone(),
                    created_at: now,
                    expires_at,
                    device_id: None,
                    wipe_pending: false,
                    password_change_required: false,
                })
                .await
                .unwrap();
        }
        store.revoke_session("revoked").await.unwrap();
        assert!(
            store.live_session("expired", now).await.unwrap().is_none(),
            "{backend}"
        );
        assert!(
            store.live_session("revoked", now).await.unwrap().is_none(),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn a_device_wipe_is_pending_for_its_sessions_until_the_device_confirms() {
    for (backend, store, _guard) in backends().await {
        let delegate = user("daibieu03", OrgRole::User);
        let admin = user("quantri", OrgRole::Admin);
        store.create_user(&delegate).await.unwrap();
        store.create_user(&admin).await.unwrap();
        let now = now_millis();
        let sighting = |device_id, at| DeviceSighting {
            user_id: &delegate.id,
            device_id,
            user_agent: Some("Tablet/1"),
            address: Some("10.0.0.7"),
            at,
        };
        store
            .device_seen(sighting("tablet-07", now), None)
            .await
            .unwrap();
        store
            .device_seen(
                DeviceSighting {
                    user_agent: None,
                    address: Some("10.0.0.8"),
                    ..sighting("tablet-07", now + 5)
                },
                None,
            )
            .await
            .unwrap();
        store
            .device_seen(sighting("tablet-08", now + 1), None)
            .await
            .unwrap();
        let devices = store.devices_of_user(&delegate.id).await.unwrap();
        assert_eq!(
            devices
                .iter()
                .map(|d| d.device_id.as_str())
                .collect::<Vec<_>>(),
            ["tablet-07", "tablet-08"],
            "{backend}: most recently seen first"
        );
        assert_eq!(devices[0].first_seen_at, now, "{backend}");
        assert_eq!(devices[0].last_seen_at, now + 5, "{backend}");
        assert_eq!(
            devices[0].user_agent.as_deref(),
            Some("Tablet/1"),
            "{backend}: kept when not sent"
        );
        assert_eq!(devices[0].address.as_deref(), Some("10.0.0.8"), "{backend}");

        // One session named its device at login, the other takes one later.
        for (id, device_id) in [("on-07", Some("tablet-07")), ("unnamed", None)] {
            store
                .create_session(&SessionRecord {
                    id: id.into(),
                    user_id: delegate.id.clone(),
                    created_at: now,
                    expires_at: now + 60_000,
                    device_id: device_id.map(str::to_owned),
                    wipe_pending: false,
                    password_change_required: false,
                })
                .await
                .unwrap();
        }
        store
            .device_seen(sighting("tablet-08", now + 6), Some("unnamed"))
            .await
            .unwrap();
        let entry = || NewAuditEntry {
            actor_user_id: Some(&admin.id),
            meeting_id: None,
            action: "device.wipe_requested",
            details: serde_json::json!({}),
        };
        let (_, sessions) = store
            .request_device_wipe_audited(&delegate.id, "tablet-07", &admin.id, now + 10, entry())
            .await
            .unwrap();
        assert_eq!(sessions, ["on-07"], "{backend}");
        let (on_07, _) = store
            .live_session("on-07", now)
            .await
            .unwrap()
            .expect("live");
        assert!(
            on_07.wipe_pending,
            "{backend}: the session stays live, with the wipe pending"
        );
        let (unnamed, _) = store
            .live_session("unnamed", now)
            .await
            .unwrap()
            .expect("live");
        assert_eq!(unnamed.device_id.as_deref(), Some("tablet-08"), "{backend}");
        assert!(
            !unnamed.wipe_pending,
            "{backend}: another device is not wiped"
        );
        assert!(matches!(
            store
                .request_device_wipe_audited(&delegate.id, "never-seen", &admin.id, now, entry())
                .await,
            Err(StoreError::NotFound(_))
        ));

        store
            .confirm_device_wipe_audited(&delegate.id, "tablet-07", "on-07", now + 20, entry())
            .await
            .unwrap();
        assert!(
            store.live_session("on-07", now).await.unwrap().is_none(),
            "{backend}: confirming ends the session"
        );
        let wiped = store
            .device(&delegate.id, "tablet-07")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(wiped.wiped_at, Some(now + 20), "{backend}");
        assert_eq!(
            wiped.wipe_requested_by.as_deref(),
            Some(admin.id.as_str()),
            "{backend}"
        );
        assert!(!wiped.wipe_pending(), "{backend}");
    }
}

#[tokio::test]
async fn meetings_agenda_and_documents_round_trip() {
    for (backend, store, _guard) in backends().await {
        let secretary = user("thuky", OrgRole::Secretary);
        let delegate = user("daibieu01", OrgRole::User);
        store.create_user(&secretary).await.unwrap();
        store.create_user(&delegate).await.unwrap();
        let older = meeting(&secretary.id, "Họp tháng 10", "2026-10-01T08:00:00+07:00");
        let newer = meeting(&secretary.id, "Họp tháng 11", "2026-11-23T08:00:00+07:00");
        store.create_meeting(&older).await.unwrap();
        store.create_meeting(&newer).await.unwrap();
        store
            .set_participant(&newer.id, &delegate.id, MeetingRole::Observer)
            .await
            .unwrap();
        store
            .set_participant(&newer.id, &delegate.id, MeetingRole::Delegate)
            .await
            .unwrap();
        let mine = store.meetings_of_participant(&delegate.id).await.unwrap();
        assert_eq!(mine.len(), 1, "{backend}");
        assert_eq!(mine[0].0, newer);
        assert_eq!(mine[0].1, MeetingRole::Delegate);
        let all = store.all_meetings().await.unwrap();
        assert_eq!(
            all.iter().map(|m| m.title.as_str()).collect::<Vec<_>>(),
            ["Họp tháng 11", "Họp tháng 10"],
            "{backend}: newest first"
        );
        store
            .set_meeting_state(&newer.id, MeetingState::Published)
            .await
            .unwrap();
        assert_eq!(
            store.meeting(&newer.id).await.unwrap().unwrap().state,
            MeetingState::Published
        );

        let item = AgendaItemRecord {
            id: new_id("a"),
            meeting_id: newer.id.clone(),
            parent_id: None,
            position: 0,
            title: "Báo cáo cải cách hành chính".into(),
            presenter: Some("Chánh Văn phòng".into()),
            duration_minutes: Some(20),
            updated_at: now_millis(),
        };
        let sub_item = AgendaItemRecord {
            id: new_id("a"),
            parent_id: Some(item.id.clone()),
            position: 0,
            title: "Thảo luận".into(),
            presenter: None,
            duration_minutes: None,
            ..item.clone()
        };
        store.create_agenda_item(&item).await.unwrap();
        store.create_agenda_item(&sub_item).await.unwrap();
        let items = store.agenda_items(&newer.id).await.unwrap();
        assert_eq!(items.len(), 2, "{backend}");
        assert!(items.contains(&sub_item));

        let document = DocumentRecord {
            id: new_id("d"),
            meeting_id: newer.id.clone(),
            agenda_item_id: item.id.clone(),
            position: 0,
            title: "Báo cáo".into(),
            confidential: true,
            current_version: 1,
            created_at: now_millis(),
        };
        let version = DocumentVersionRecord {
            document_id: document.id.clone(),
            version: 1,
            file_name: "bao-cao.pdf".into(),
            blob_sha256: "ab".repeat(32),
            page_count: 5,
            size_bytes: 47_833,
            uploaded_by: secretary.id.clone(),
            uploaded_at: now_millis(),
            page_fingerprints: vec![
                Some("f1".into()),
                None,
                Some("f3".into()),
                Some("f1".into()),
                None,
            ],
        };
        store.create_document(&document, &version).await.unwrap();
        let documents = store.documents_of_meeting(&newer.id).await.unwrap();
        assert_eq!(
            documents,
            vec![(document.clone(), version.clone())],
            "{backend}"
        );
        assert_eq!(
            store.document(&document.id).await.unwrap(),
            Some((document, version))
        );
        // Rules last: setting them moves the meeting's `updated_at`, which
        // the round trips above compare.
        assert_eq!(
            store.meeting_rules(&newer.id).await.unwrap(),
            MeetingRules::STANDARD,
            "{backend}: rules nobody set are the standard ones"
        );
        store
            .set_meeting_rules(&newer.id, &MeetingRules::PEOPLES_COMMITTEE)
            .await
            .unwrap();
        assert_eq!(
            store.meeting_rules(&newer.id).await.unwrap(),
            MeetingRules::PEOPLES_COMMITTEE,
            "{backend}"
        );
        assert!(store.meeting_rules("m_nobody").await.is_err());
    }
}

#[tokio::test]
async fn an_edit_and_its_audit_entry_are_stored_together_or_not_at_all() {
    for (backend, store, _guard) in backends().await {
        let (secretary, meeting) = stored_secretary_and_meeting(&store).await;
        let entry = |action| NewAuditEntry {
            actor_user_id: Some(&secretary.id),
            meeting_id: Some(&meeting.id),
            action,
            details: serde_json::json!({}),
        };
        let renamed = MeetingChanges {
            title: Some("Họp tháng 12 (đổi tên)".into()),
            ..MeetingChanges::default()
        };
        let (changed, audited) = store
            .with_audit(entry("meeting.update"), |tx, _| {
                Box::pin(editing::update_meeting_in(tx, &meeting.id, &renamed))
            })
            .await
            .unwrap();
        assert_eq!(changed.title, "Họp tháng 12 (đổi tên)", "{backend}");
        assert_eq!(audited.action, "meeting.update", "{backend}");

        // The edit is written, then something in the same change fails
        // (here: an agenda item that does not exist): neither the edit nor
        // the audit entry is stored.
        let again = MeetingChanges {
            title: Some("Không được lưu".into()),
            ..MeetingChanges::default()
        };
        let failed = store
            .with_audit(entry("meeting.update"), |tx, _| {
                Box::pin(async {
                    editing::update_meeting_in(tx, &meeting.id, &again).await?;
                    editing::delete_agenda_item_in(tx, "a_missing").await
                })
            })
            .await;
        assert!(
            matches!(failed, Err(StoreError::NotFound(_))),
            "{backend}: {failed:?}"
        );
        let stored = store.meeting(&meeting.id).await.unwrap().unwrap();
        assert_eq!(stored.title, "Họp tháng 12 (đổi tên)", "{backend}");
        let entries = store.audit_entries(None).await.unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["meeting.update"], "{backend}");
        assert_eq!(verify_audit_chain(&entries), Ok(1), "{backend}");
    }
}

#[tokio::test]
async fn a_document_and_its_audit_entry_are_stored_together_or_not_at_all() {
    for (backend, store, _guard) in backends().await {
        let (secretary, meeting) = stored_secretary_and_meeting(&store).await;
        let item = stored_agenda_item(&store, &meeting.id).await;
        let document = DocumentRecord {
            id: new_id("d"),
            meeting_id: meeting.id.clone(),
            agenda_item_id: item.id.clone(),
            position: 0,
            title: "Báo cáo".into(),
            confidential: false,
            current_version: 1,
            created_at: now_millis(),
        };
        let version = DocumentVersionRecord {
            document_id: document.id.clone(),
            version: 1,
            file_name: "bao-cao.pdf".into(),
            blob_sha256: "cd".repeat(32),
            page_count: 2,
            size_bytes: 1_000,
            uploaded_by: secretary.id.clone(),
            uploaded_at: now_millis(),
            page_fingerprints: Vec::new(),
        };
        let upload = |action| NewAuditEntry {
            actor_user_id: Some(&secretary.id),
            meeting_id: Some(&meeting.id),
            action,
            details: serde_json::json!({}),
        };
        let entry = store
            .create_document_audited(&document, &version, upload("document.upload"))
            .await
            .unwrap();
        assert_eq!(entry.action, "document.upload", "{backend}");
        assert_eq!(store.audit_entries(None).await.unwrap().len(), 1);
        let touched = store.agenda_items(&meeting.id).await.unwrap();
        assert!(
            touched[0].updated_at > 0,
            "{backend}: the item shows as updated"
        );

        // A write that fails (here: the same document id again) stores
        // neither the rows nor the audit entry.
        let failed = store
            .create_document_audited(&document, &version, upload("document.upload"))
            .await;
        assert!(failed.is_err(), "{backend}");
        assert_eq!(
            store.audit_entries(None).await.unwrap().len(),
            1,
            "{backend}"
        );

        let second = DocumentVersionRecord {
            version: 2,
            file_name: "bao-cao-sua.pdf".into(),
            ..version.clone()
        };
        store
            .add_document_version_audited(&document, &second, upload("document.replace"))
            .await
            .unwrap();
        let failed = store
            .add_document_version_audited(&document, &second, upload("document.replace"))
            .await;
        assert!(failed.is_err(), "{backend}");
        let entries = store.audit_entries(None).await.unwrap();
        assert_eq!(
            entries
                .iter()
                .map(|e| e.action.as_str())
                .collect::<Vec<_>>(),
            ["document.upload", "document.replace"],
            "{backend}"
        );
        assert_eq!(verify_audit_chain(&entries), Ok(2), "{backend}");
        assert_eq!(
            store.document(&document.id).await.unwrap().unwrap().1,
            second,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn versions_keep_their_page_fingerprints_and_a_removed_document_leaves_nothing() {
    for (backend, store, _guard) in backends().await {
        let (secretary, meeting) = stored_secretary_and_meeting(&store).await;
        let item = stored_agenda_item(&store, &meeting.id).await;
        let document = DocumentRecord {
            id: new_id("d"),
            meeting_id: meeting.id.clone(),
            agenda_item_id: item.id.clone(),
            position: 0,
            title: "Báo cáo".into(),
            confidential: false,
            current_version: 1,
            created_at: now_millis(),
        };
        let first = DocumentVersionRecord {
            document_id: document.id.clone(),
            version: 1,
            file_name: "bao-cao.pdf".into(),
            blob_sha256: "ef".repeat(32),
            page_count: 3,
            size_bytes: 1_000,
            uploaded_by: secretary.id.clone(),
            uploaded_at: 1_000,
            page_fingerprints: vec![Some("a".into()), None, Some("c".into())],
        };
        store.create_document(&document, &first).await.unwrap();
        let second = DocumentVersionRecord {
            version: 2,
            blob_sha256: "12".repeat(32),
            page_count: 2,
            uploaded_at: 2_000,
            page_fingerprints: vec![Some("c".into()), Some("d".into())],
            ..first.clone()
        };
        store
            .add_document_version(&document, &second)
            .await
            .unwrap();
        assert_eq!(
            store.document_versions(&document.id).await.unwrap(),
            [first.clone(), second.clone()],
            "{backend}"
        );
        assert_eq!(
            store
                .document_versions_of_meeting(&meeting.id)
                .await
                .unwrap(),
            [first.clone(), second.clone()],
            "{backend}"
        );
        assert_eq!(
            store.document_version(&document.id, 1).await.unwrap(),
            Some(first),
            "{backend}"
        );

        // A shared layer on it survives the document, unattached.
        let layer = SyncDocumentRecord {
            document_id: "layer-of-removed".into(),
            meeting_id: meeting.id.clone(),
            kind: SyncDocumentKind::SharedLayer,
            owner_user_id: None,
            agenda_document_id: Some(document.id.clone()),
        };
        store.register_sync_document(&layer).await.unwrap();
        let removed = store.delete_document(&document.id).await.unwrap();
        assert_eq!(removed.id, document.id, "{backend}");
        assert_eq!(
            store.document(&document.id).await.unwrap(),
            None,
            "{backend}"
        );
        assert!(store
            .document_versions(&document.id)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            store
                .sync_document("layer-of-removed")
                .await
                .unwrap()
                .unwrap()
                .agenda_document_id,
            None,
            "{backend}"
        );
        assert!(
            matches!(
                store.delete_document(&document.id).await,
                Err(StoreError::NotFound(_))
            ),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn authors_layers_are_stored_with_their_chunks_in_one_go_and_named_by_their_owners() {
    for (backend, store, _guard) in backends().await {
        let delegate_a = user("daibieu_a", OrgRole::User);
        let delegate_b = user("daibieu_b", OrgRole::User);
        store.create_user(&delegate_a).await.unwrap();
        store.create_user(&delegate_b).await.unwrap();
        let meeting = meeting(&delegate_a.id, "Họp tháng 12", "2026-12-01T08:00:00+07:00");
        store.create_meeting(&meeting).await.unwrap();
        let layer = |id: &str, owner: &UserRecord| {
            (
                SyncDocumentRecord {
                    document_id: id.into(),
                    meeting_id: meeting.id.clone(),
                    kind: SyncDocumentKind::SharedLayer,
                    owner_user_id: Some(owner.id.clone()),
                    agenda_document_id: None,
                },
                format!("automerge/{id}/snapshot/0"),
                id.as_bytes().to_vec(),
            )
        };
        let batch = [layer("layer-a", &delegate_a), layer("layer-b", &delegate_b)];
        store.create_sync_documents(&batch).await.unwrap();
        for (record, key, bytes) in &batch {
            assert_eq!(
                store.sync_document(&record.document_id).await.unwrap(),
                Some(record.clone()),
                "{backend}"
            );
            assert_eq!(
                store.chunk_get(key).await.unwrap(),
                Some(bytes.clone()),
                "{backend}"
            );
        }
        // All or none: a batch repeating a registered id stores nothing.
        let again = [layer("layer-c", &delegate_a), layer("layer-a", &delegate_a)];
        assert!(
            store.create_sync_documents(&again).await.is_err(),
            "{backend}"
        );
        assert_eq!(
            store.sync_document("layer-c").await.unwrap(),
            None,
            "{backend}"
        );
        assert_eq!(
            store
                .chunk_get("automerge/layer-c/snapshot/0")
                .await
                .unwrap(),
            None,
            "{backend}"
        );
        let mut names = store.sync_document_owner_names(&meeting.id).await.unwrap();
        names.sort();
        let mut expected = vec![
            (delegate_a.id.clone(), delegate_a.display_name.clone()),
            (delegate_b.id.clone(), delegate_b.display_name.clone()),
        ];
        expected.sort();
        assert_eq!(names, expected, "{backend}");
    }
}

#[tokio::test]
async fn chunks_put_get_list_by_prefix_and_delete() {
    for (backend, store, _guard) in backends().await {
        store.chunk_put("doc1/incremental/a", b"one").await.unwrap();
        store.chunk_put("doc1/snapshot/b", b"two").await.unwrap();
        store.chunk_put("doc10/snapshot/c", b"three").await.unwrap();
        store
            .chunk_put("doc1/snapshot/b", b"two again")
            .await
            .unwrap();
        assert_eq!(
            store.chunk_get("doc1/snapshot/b").await.unwrap().as_deref(),
            Some(&b"two again"[..]),
            "{backend}: put replaces"
        );
        let listed = store.chunk_list_prefix("doc1/").await.unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|(key, _)| key.as_str())
                .collect::<Vec<_>>(),
            ["doc1/incremental/a", "doc1/snapshot/b"],
            "{backend}: the prefix does not match doc10"
        );
        // Binary data with every byte value survives.
        let all_bytes: Vec<u8> = (0..=255).collect();
        store.chunk_put("bin", &all_bytes).await.unwrap();
        assert_eq!(store.chunk_get("bin").await.unwrap(), Some(all_bytes));
        store
            .chunk_delete_all(&["doc1/incremental/a", "never/stored"])
            .await
            .unwrap();
        assert_eq!(store.chunk_get("doc1/incremental/a").await.unwrap(), None);
        assert_eq!(store.chunk_list_prefix("").await.unwrap().len(), 3);
    }
}

#[tokio::test]
async fn many_chunks_are_deleted_in_one_call_and_the_others_stay() {
    for (backend, store, _guard) in backends().await {
        // More keys than one statement takes, so the batches are tested.
        let keys: Vec<String> = (0..1_001).map(|n| format!("gone/{n:05}")).collect();
        for key in &keys {
            store.chunk_put(key, b"x").await.unwrap();
        }
        store.chunk_put("kept/1", b"y").await.unwrap();
        let doomed: Vec<&str> = keys.iter().map(String::as_str).collect();
        store.chunk_delete_all(&doomed).await.unwrap();
        assert!(
            store.chunk_list_prefix("gone/").await.unwrap().is_empty(),
            "{backend}: every listed chunk is deleted"
        );
        assert_eq!(
            store.chunk_get("kept/1").await.unwrap().as_deref(),
            Some(&b"y"[..]),
            "{backend}: a chunk not listed stays"
        );
        store.chunk_delete_all(&[]).await.unwrap();
    }
}

#[tokio::test]
async fn audit_chain_verifies_and_detects_tampering() {
    for (backend, store, _guard) in backends().await {
        for action in ["auth.login", "meeting.create", "meeting.publish"] {
            store
                .append_audit(NewAuditEntry {
                    actor_user_id: None,
                    meeting_id: Some("m_1"),
                    action,
                    details: serde_json::json!({ "n": action }),
                })
                .await
                .unwrap();
        }
        let entries = store.audit_entries(None).await.unwrap();
        assert_eq!(verify_audit_chain(&entries), Ok(3), "{backend}");
        assert_eq!(store.audit_entries(Some("m_1")).await.unwrap().len(), 3);
        assert!(store.audit_entries(Some("m_2")).await.unwrap().is_empty());

        store
            .tamper_audit_details_for_tests(2, r#"{"n":"forged"}"#)
            .await
            .unwrap();
        let entries = store.audit_entries(None).await.unwrap();
        let broken = verify_audit_chain(&entries).unwrap_err();
        assert_eq!(broken.seq, 2, "{backend}");
    }
}

#[tokio::test]
async fn concurrent_audit_appends_keep_one_chain() {
    for (backend, store, _guard) in backends().await {
        let mut tasks = Vec::new();
        for n in 0..20 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .append_audit(NewAuditEntry {
                        actor_user_id: None,
                        meeting_id: None,
                        action: "test.append",
                        details: serde_json::json!({ "n": n }),
                    })
                    .await
                    .unwrap();
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let entries = store.audit_entries(None).await.unwrap();
        assert_eq!(verify_audit_chain(&entries), Ok(20), "{backend}");
    }
}

#[tokio::test]
async fn settings_are_upserted() {
    for (backend, store, _guard) in backends().await {
        assert_eq!(
            store.setting("demo_seeded").await.unwrap(),
            None,
            "{backend}"
        );
        store.set_setting("demo_seeded", "1").await.unwrap();
        store.set_setting("demo_seeded", "2").await.unwrap();
        assert_eq!(
            store.setting("demo_seeded").await.unwrap().as_deref(),
            Some("2")
        );
    }
}

#[tokio::test]
async fn reopening_a_database_keeps_data_and_skips_done_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("reopen.db").display());
    let store = Store::open(&url).await.unwrap();
    store
        .create_user(&user("quantri", OrgRole::Admin))
        .await
        .unwrap();
    store.close().await;
    let store = Store::open(&url).await.unwrap();
    assert!(store.user_by_username("quantri").await.unwrap().is_some());
}

#[test]
fn database_name_is_replaced_in_postgres_urls() {
    assert_eq!(
        with_database_name("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database_name("postgres://127.0.0.1/test?sslmode=disable", "x"),
        "postgres://127.0.0.1/x?sslmode=disable"
    );
    assert_eq!(
        with_database_name("postgres://localhost", "x"),
        "postgres://localhost/x"
    );
}

#[test]
fn prefix_upper_bound_is_the_next_string() {
    assert_eq!(prefix_upper_bound("doc1/").as_deref(), Some("doc10"));
    assert_eq!(prefix_upper_bound("").as_deref(), None);
}

pub(crate) fn vote_record(
    meeting_id: &str,
    opened_by: &str,
    secret: bool,
    allow_change: bool,
    eligible: &[&str],
) -> VoteRecord {
    VoteRecord {
        id: new_id("v"),
        meeting_id: meeting_id.to_owned(),
        agenda_item_id: None,
        question: "Thông qua báo cáo?".to_owned(),
        options: vec![
            "Tán thành".into(),
            "Không tán thành".into(),
            "Không biểu quyết".into(),
        ],
        secret,
        open: true,
        eligible: eligible.len() as i64,
        eligibility: Some(live::VoteEligibility::Present),
        eligible_voters: Some(eligible.iter().map(|v| (*v).to_owned()).collect()),
        allow_change,
        decision: Some((MeetingRules::PEOPLES_COMMITTEE.decision, 27)),
        opened_by: opened_by.to_owned(),
        opened_at: now_millis(),
        closed_at: None,
    }
}

mod live_and_record;
