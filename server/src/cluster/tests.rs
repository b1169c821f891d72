//! Leases against the real NATS server (`PHONGHOP_TEST_NATS_URL`, by
//! default nats://127.0.0.1:4222, with JetStream) and fencing against the
//! real PostgreSQL (`PHONGHOP_TEST_DATABASE_URL`). Under `CI=true` a
//! missing server fails the test; elsewhere it says loudly that it did
//! not run.

use std::time::{Duration, Instant};

use super::*;
use crate::store::conformance::{fresh_postgres, meeting, user, vote_record, TestDatabase};
use crate::store::{BallotError, BallotOutcome, OrgRole, Store, StoreError};

fn nats_url() -> String {
    std::env::var("PHONGHOP_TEST_NATS_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "nats://127.0.0.1:4222".into())
}

fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Two nodes joined to the test NATS server, or `None` (outside CI)
/// when it cannot be reached.
async fn two_nodes() -> Option<(Cluster, Cluster)> {
    let url = nats_url();
    let node_a = match Cluster::join(&url, "test-node-a").await {
        Ok(node) => node,
        // NATS answers but the bucket cannot be had: a real failure.
        Err(error @ ClusterError::Bucket(_)) => panic!("{error}"),
        Err(error) => {
            eprintln!(
                "!!! CLUSTER LEASE TESTS NOT RUN: {error}. Start nats-server -js -a 127.0.0.1 -p 4222 (.ci/setup does)"
            );
            assert!(
                !in_ci(),
                "CI=true requires a NATS server with JetStream at {url}: {error}"
            );
            return None;
        }
    };
    let node_b = Cluster::join(&url, "test-node-b")
        .await
        .expect("the second node joins where the first did");
    Some((node_a, node_b))
}

/// A PostgreSQL store on a fresh database, or `None` (outside CI) when
/// `PHONGHOP_TEST_DATABASE_URL` is not set.
async fn postgres() -> Option<(Store, TestDatabase)> {
    match std::env::var("PHONGHOP_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(fresh_postgres(&url).await),
        _ => {
            eprintln!(
                "!!! FENCING AGAINST POSTGRESQL NOT RUN: set PHONGHOP_TEST_DATABASE_URL=postgres://…"
            );
            assert!(!in_ci(), "CI=true requires PHONGHOP_TEST_DATABASE_URL");
            None
        }
    }
}

async fn wait_for_holder(leases: &[&MeetingLease], within: Duration) -> Option<usize> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(index) = leases.iter().position(|lease| lease.fence().is_some()) {
            return Some(index);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

#[tokio::test]
async fn a_joined_node_reports_itself_joined() {
    let Some((node_a, _node_b)) = two_nodes().await else {
        return;
    };
    assert_eq!(node_a.status().await, ClusterStatus::Joined);
    assert!(node_a.timings().ttl > Duration::ZERO);
}

#[tokio::test]
async fn when_the_holder_stops_renewing_the_other_node_takes_over_and_the_stale_write_is_refused() {
    let Some((node_a, node_b)) = two_nodes().await else {
        return;
    };
    let Some((store, _database)) = postgres().await else {
        return;
    };
    let chair = user("chutri", OrgRole::User);
    let delegate_a = user("daibieu01", OrgRole::User);
    for u in [&chair, &delegate_a] {
        store.create_user(u).await.unwrap();
    }
    let m = meeting(&chair.id, "Họp", "2026-12-07T08:00:00+07:00");
    store.create_meeting(&m).await.unwrap();

    // Both nodes contend for the meeting: exactly one gets it, and keeps
    // it while it renews (two whole lease lifetimes, checked throughout).
    let lease_a = node_a.lease_meeting(&m.id);
    let lease_b = node_b.lease_meeting(&m.id);
    let first = wait_for_holder(&[&lease_a, &lease_b], Duration::from_secs(5))
        .await
        .expect("one node acquires a free lease");
    let watch_until = Instant::now() + node_a.timings().ttl * 2;
    while Instant::now() < watch_until {
        let holders = [lease_a.fence(), lease_b.fence()];
        let held: Vec<usize> = (0..2).filter(|i| holders[*i].is_some()).collect();
        assert_eq!(
            held,
            vec![first],
            "one owner, the same one, while it renews"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (holder, other, other_node) = if first == 0 {
        (lease_a, lease_b, &node_b)
    } else {
        (lease_b, lease_a, &node_a)
    };
    let stale = holder.fence().expect("the holder holds");
    store
        .chunk_put_fenced("cluster-test/before", b"owner", Some(&stale))
        .await
        .expect("the owner's write is stored");

    // The holder dies: it stops renewing (and its fence is kept, as a
    // paused process would keep it in memory).
    let stopped_at = Instant::now();
    holder.stop();
    let taken = wait_for_holder(&[&other], Duration::from_secs(10)).await;
    let takeover = stopped_at.elapsed();
    assert_eq!(taken, Some(0), "the other node never took the lease");
    eprintln!("lease takeover after the holder stopped: {takeover:?}");
    assert!(
        takeover < Duration::from_secs(5),
        "takeover took {takeover:?}"
    );
    let fresh = other.fence().expect("the new owner holds");
    assert!(fresh.token > stale.token, "{fresh:?} after {stale:?}");
    let (_, acquired, _) = other_node.lease_counts();
    assert!(acquired >= 1);

    // The new owner writes; the stale owner's writes with its old token
    // are refused by PostgreSQL, chunk and ballot alike.
    store
        .chunk_put_fenced("cluster-test/after", b"new owner", Some(&fresh))
        .await
        .expect("the new owner's write is stored");
    let refused = store
        .chunk_put_fenced("cluster-test/stale", b"stale", Some(&stale))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Fenced { .. })),
        "{refused:?}"
    );
    assert_eq!(store.chunk_get("cluster-test/stale").await.unwrap(), None);
    let vote = vote_record(&m.id, &chair.id, false, false, &[&delegate_a.id]);
    store.insert_vote(&vote).await.unwrap();
    let stale_ballot = store
        .cast_ballot_fenced(&vote.id, &delegate_a.id, 0, None, Some(&stale))
        .await;
    assert!(
        matches!(
            stale_ballot,
            Err(BallotError::Store(StoreError::Fenced { .. }))
        ),
        "{stale_ballot:?}"
    );
    assert_eq!(
        store
            .cast_ballot_fenced(&vote.id, &delegate_a.id, 0, None, Some(&fresh))
            .await
            .unwrap(),
        BallotOutcome::Counted
    );
    assert_eq!(store.meeting_fence(&m.id).await.unwrap(), Some(fresh.token));
}

#[tokio::test]
async fn leases_on_different_meetings_are_independent() {
    let Some((node_a, node_b)) = two_nodes().await else {
        return;
    };
    let first = node_a.lease_meeting(&crate::store::new_id("m"));
    let second = node_b.lease_meeting(&crate::store::new_id("m"));
    assert_eq!(
        wait_for_holder(&[&first], Duration::from_secs(5)).await,
        Some(0)
    );
    assert_eq!(
        wait_for_holder(&[&second], Duration::from_secs(5)).await,
        Some(0)
    );
    let (held, _, _) = node_a.lease_counts();
    assert_eq!(held, 1);
    drop(first);
    assert_eq!(node_a.lease_counts().0, 0, "a dropped lease is not held");
}
