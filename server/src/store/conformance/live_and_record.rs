//! The conformance suite, continued: fences, ballots, requests to the
//! secretary, the kept record and the audit checkpoints, on every backend.

use super::*;

#[tokio::test]
async fn a_write_with_a_token_older_than_the_meetings_newest_is_refused() {
    for (backend, store, _guard) in backends().await {
        let chair = user("chutri", OrgRole::User);
        let delegate_a = user("daibieu01", OrgRole::User);
        for u in [&chair, &delegate_a] {
            store.create_user(u).await.unwrap();
        }
        let m = meeting(&chair.id, "Họp", "2026-11-23T08:00:00+07:00");
        store.create_meeting(&m).await.unwrap();
        let old_owner = Fence {
            meeting_id: m.id.clone(),
            token: 7,
        };
        let new_owner = Fence {
            meeting_id: m.id.clone(),
            token: 12,
        };

        // The old owner writes twice in its term; then the new owner.
        for (key, fence) in [("a", &old_owner), ("b", &old_owner), ("c", &new_owner)] {
            store
                .chunk_put_fenced(key, key.as_bytes(), Some(fence))
                .await
                .unwrap_or_else(|e| panic!("{backend}: {key}: {e}"));
        }
        assert_eq!(store.meeting_fence(&m.id).await.unwrap(), Some(12));
        // The old owner wakes up: its chunk and its ballot are refused,
        // and nothing of either is stored.
        let refused = store
            .chunk_put_fenced("stale", b"stale", Some(&old_owner))
            .await;
        assert!(
            matches!(
                refused,
                Err(StoreError::Fenced {
                    token: 7,
                    highest: 12,
                    ..
                })
            ),
            "{backend}: {refused:?}"
        );
        assert_eq!(store.chunk_get("stale").await.unwrap(), None, "{backend}");
        let vote = vote_record(&m.id, &chair.id, false, false, &[&delegate_a.id]);
        store.insert_vote(&vote).await.unwrap();
        let stale_ballot = store
            .cast_ballot_fenced(&vote.id, &delegate_a.id, 0, None, Some(&old_owner))
            .await;
        assert!(
            matches!(
                stale_ballot,
                Err(BallotError::Store(StoreError::Fenced { .. }))
            ),
            "{backend}: {stale_ballot:?}"
        );
        assert_eq!(
            store.vote_ballots(&vote).await.unwrap().tallies,
            vec![0, 0, 0]
        );
        assert_eq!(
            store
                .cast_ballot_fenced(&vote.id, &delegate_a.id, 0, None, Some(&new_owner))
                .await
                .unwrap(),
            BallotOutcome::Counted,
            "{backend}"
        );
        assert_eq!(
            store.vote_ballots(&vote).await.unwrap().tallies,
            vec![1, 0, 0]
        );
        // Another meeting's fence is its own; unfenced writes pass.
        let other = Fence {
            meeting_id: "m_other".into(),
            token: 1,
        };
        store
            .chunk_put_fenced("d", b"d", Some(&other))
            .await
            .unwrap();
        store.chunk_put_fenced("e", b"e", None).await.unwrap();
    }
}

#[tokio::test]
async fn ballots_are_counted_once_changed_only_when_allowed_and_only_by_the_eligible() {
    for (backend, store, _guard) in backends().await {
        let chair = user("chutri", OrgRole::User);
        let delegate_a = user("daibieu01", OrgRole::User);
        let delegate_b = user("daibieu02", OrgRole::User);
        for u in [&chair, &delegate_a, &delegate_b] {
            store.create_user(u).await.unwrap();
        }
        let m = meeting(&chair.id, "Họp", "2026-11-23T08:00:00+07:00");
        store.create_meeting(&m).await.unwrap();

        // Fixed ballots: a second one is refused; b was not present.
        let fixed = vote_record(&m.id, &chair.id, false, false, &[&delegate_a.id]);
        store.insert_vote(&fixed).await.unwrap();
        assert_eq!(
            store
                .cast_ballot(&fixed.id, &delegate_a.id, 0, None)
                .await
                .unwrap(),
            BallotOutcome::Counted,
            "{backend}"
        );
        assert!(matches!(
            store.cast_ballot(&fixed.id, &delegate_a.id, 1, None).await,
            Err(BallotError::AlreadyVoted)
        ));
        assert!(matches!(
            store.cast_ballot(&fixed.id, &delegate_b.id, 1, None).await,
            Err(BallotError::NotEligible)
        ));

        // A named vote that allows changes: the tally moves, the count stays.
        let named = vote_record(
            &m.id,
            &chair.id,
            false,
            true,
            &[&delegate_a.id, &delegate_b.id],
        );
        store.insert_vote(&named).await.unwrap();
        store
            .cast_ballot(&named.id, &delegate_a.id, 0, None)
            .await
            .unwrap();
        store
            .cast_ballot(&named.id, &delegate_b.id, 0, None)
            .await
            .unwrap();
        assert_eq!(
            store
                .cast_ballot(&named.id, &delegate_a.id, 2, None)
                .await
                .unwrap(),
            BallotOutcome::Changed
        );
        store
            .cast_ballot(&named.id, &delegate_a.id, 1, None)
            .await
            .unwrap();
        let (stored, ballots) = store
            .votes_of(&m.id)
            .await
            .unwrap()
            .into_iter()
            .find(|(v, _)| v.id == named.id)
            .unwrap();
        assert_eq!(stored, named, "{backend}: the vote round-trips");
        assert_eq!(ballots.tallies, vec![1, 1, 0], "{backend}");
        assert_eq!(ballots.voters.len(), 2);
        assert!(ballots.named_choices.contains(&(delegate_a.id.clone(), 1)));

        // A secret vote that allows changes: only the device's key changes it,
        // and no stored row names the choice.
        let secret = vote_record(
            &m.id,
            &chair.id,
            true,
            true,
            &[&delegate_a.id, &delegate_b.id],
        );
        store.insert_vote(&secret).await.unwrap();
        let key = "0123456789abcdef0123456789abcdef";
        store
            .cast_ballot(&secret.id, &delegate_a.id, 0, Some(key))
            .await
            .unwrap();
        store
            .cast_ballot(&secret.id, &delegate_b.id, 2, None)
            .await
            .unwrap();
        assert!(matches!(
            store
                .cast_ballot(
                    &secret.id,
                    &delegate_a.id,
                    1,
                    Some("ffffffffffffffffffffffffffffffff")
                )
                .await,
            Err(BallotError::KeyMismatch)
        ));
        assert!(
            matches!(
                store
                    .cast_ballot(&secret.id, &delegate_b.id, 1, Some(key))
                    .await,
                Err(BallotError::KeyMismatch)
            ),
            "no key on the first ballot: it cannot be changed"
        );
        assert_eq!(
            store
                .cast_ballot(&secret.id, &delegate_a.id, 1, Some(key))
                .await
                .unwrap(),
            BallotOutcome::Changed
        );
        let (_, ballots) = store
            .votes_of(&m.id)
            .await
            .unwrap()
            .into_iter()
            .find(|(v, _)| v.id == secret.id)
            .unwrap();
        assert_eq!(ballots.tallies, vec![0, 1, 1], "{backend}");
        assert!(
            ballots.named_choices.is_empty(),
            "{backend}: a secret vote names no choice"
        );
        let commitment: Option<String> = sqlx::query_scalar(
            "SELECT ballot_commitment FROM vote_receipts WHERE vote_id = $1 AND user_id = $2",
        )
        .bind(&secret.id)
        .bind(&delegate_a.id)
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!(
            commitment,
            Some(ballot_commitment(&secret.id, &delegate_a.id, key, 1)),
            "{backend}: only the commitment, which needs the key to open"
        );

        store.close_vote(&secret.id).await.unwrap();
        assert!(matches!(
            store
                .cast_ballot(&secret.id, &delegate_a.id, 2, Some(key))
                .await,
            Err(BallotError::VoteClosed)
        ));
    }
}

#[tokio::test]
async fn secretary_requests_round_trip_and_are_handled_once() {
    for (backend, store, _guard) in backends().await {
        let secretary = user("thuky", OrgRole::Secretary);
        let delegate = user("daibieu01", OrgRole::User);
        store.create_user(&secretary).await.unwrap();
        store.create_user(&delegate).await.unwrap();
        let m = meeting(&secretary.id, "Họp", "2026-11-23T08:00:00+07:00");
        store.create_meeting(&m).await.unwrap();
        let paper = SecretaryRequestRecord {
            id: new_id("r"),
            meeting_id: m.id.clone(),
            user_id: delegate.id.clone(),
            kind: live::SecretaryRequestKind::PaperCopy,
            document_id: Some("d_1".into()),
            text: None,
            created_at: 1_000,
            handled_at: None,
            handled_by: None,
        };
        let other = SecretaryRequestRecord {
            id: new_id("r"),
            kind: live::SecretaryRequestKind::Other,
            document_id: None,
            text: Some("Xin thêm một chai nước.".into()),
            created_at: 2_000,
            ..paper.clone()
        };
        store.insert_secretary_request(&other).await.unwrap();
        store.insert_secretary_request(&paper).await.unwrap();
        assert_eq!(
            store.secretary_requests_of(&m.id).await.unwrap(),
            vec![paper.clone(), other.clone()],
            "{backend}: oldest first"
        );
        assert!(store
            .mark_secretary_request_handled(&paper.id, &secretary.id, 3_000)
            .await
            .unwrap());
        assert!(
            !store
                .mark_secretary_request_handled(&paper.id, &delegate.id, 4_000)
                .await
                .unwrap(),
            "{backend}: the first handling stands"
        );
        let stored = store.secretary_requests_of(&m.id).await.unwrap();
        assert_eq!(stored[0].handled_at, Some(3_000));
        assert_eq!(stored[0].handled_by.as_deref(), Some(secretary.id.as_str()));
        assert_eq!(stored[1].handled_at, None);
    }
}

#[tokio::test]
async fn the_first_unsigned_record_kept_is_returned_to_every_later_caller() {
    for (backend, store, _guard) in backends().await {
        let secretary = user("thuky", OrgRole::Secretary);
        store.create_user(&secretary).await.unwrap();
        let closed = meeting(&secretary.id, "Họp tháng 12", "2026-12-07T08:00:00+07:00");
        store.create_meeting(&closed).await.unwrap();
        let first = "a".repeat(64);
        let second = "b".repeat(64);
        let (kept_first, kept_second) = tokio::join!(
            store.keep_unsigned_record(&closed.id, &first),
            store.keep_unsigned_record(&closed.id, &second)
        );
        let (kept_first, kept_second) = (kept_first.unwrap(), kept_second.unwrap());
        assert_eq!(
            kept_first, kept_second,
            "{backend}: one file for both callers"
        );
        assert!(kept_first == first || kept_first == second, "{backend}");
        assert_eq!(
            store
                .keep_unsigned_record(&closed.id, &"c".repeat(64))
                .await
                .unwrap(),
            kept_first,
            "{backend}: a later candidate never replaces the kept file"
        );
        assert_eq!(
            store.unsigned_record(&closed.id).await.unwrap(),
            Some(kept_first),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn audit_checkpoints_are_kept_per_key_in_number_order_and_never_twice() {
    for (backend, store, _guard) in backends().await {
        assert_eq!(store.audit_head().await.unwrap(), None, "{backend}");
        for n in 0..3 {
            store
                .append_audit(NewAuditEntry {
                    actor_user_id: None,
                    meeting_id: None,
                    action: "test.append",
                    details: serde_json::json!({ "n": n }),
                })
                .await
                .unwrap();
        }
        let entries = store.audit_entries(None).await.unwrap();
        let head = store.audit_head().await.unwrap().unwrap();
        assert_eq!(head.seq, 3, "{backend}");
        assert_eq!(head.hash, entries[2].hash, "{backend}");

        let checkpoint = |key: &str, number: i64, seq: i64| AuditCheckpointRecord {
            key_id: key.repeat(16),
            number,
            seq,
            hash: entries[(seq - 1) as usize].hash.clone(),
            at: 1_796_094_000_000 + number,
            signature: "cd".repeat(64),
        };
        for record in [
            checkpoint("b", 1, 3),
            checkpoint("a", 2, 3),
            checkpoint("a", 1, 2),
        ] {
            store.insert_audit_checkpoint(&record).await.unwrap();
        }
        assert!(
            store
                .insert_audit_checkpoint(&checkpoint("a", 2, 1))
                .await
                .is_err(),
            "{backend}: a number is used once per key"
        );
        assert_eq!(
            store.audit_checkpoints().await.unwrap(),
            [
                checkpoint("a", 1, 2),
                checkpoint("a", 2, 3),
                checkpoint("b", 1, 3)
            ],
            "{backend}"
        );
        assert_eq!(
            store
                .latest_audit_checkpoint(&"a".repeat(16))
                .await
                .unwrap(),
            Some(checkpoint("a", 2, 3)),
            "{backend}"
        );
        assert_eq!(
            store
                .latest_audit_checkpoint(&"c".repeat(16))
                .await
                .unwrap(),
            None
        );
    }
}
