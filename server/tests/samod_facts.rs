//! Behaviours of samod 0.16.0 that the sync module depends on or works
//! around. When samod is upgraded, a failure here says which assumption in
//! `src/sync` to revisit.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use automerge::{transaction::Transactable, Automerge, ROOT};
use futures::StreamExt;
use samod::storage::{InMemoryStorage, Storage, StorageKey};
use samod::{Repo, Transport};
use tokio::sync::Semaphore;
use tokio::time::timeout;

/// In-memory storage whose document puts wait for permits.
#[derive(Clone)]
struct GatedStorage {
    inner: InMemoryStorage,
    permits: Arc<Semaphore>,
}

impl Storage for GatedStorage {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        self.inner.load(key)
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        self.inner.load_range(prefix)
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        let this = self.clone();
        async move {
            // The repository's own storage id is written while loading.
            if (&key).into_iter().count() == 3 {
                this.permits.acquire().await.unwrap().forget();
            }
            this.inner.put(key, data).await
        }
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        self.inner.delete(key)
    }
}

fn small_document() -> Automerge {
    let mut doc = Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "title", "minutes"))
        .unwrap();
    doc
}

#[tokio::test]
async fn create_resolves_before_the_document_is_stored_and_stop_waits_for_it() {
    let permits = Arc::new(Semaphore::new(0));
    let repo = Repo::build_tokio()
        .with_storage(GatedStorage {
            inner: InMemoryStorage::new(),
            permits: permits.clone(),
        })
        .load()
        .await;
    let created = timeout(Duration::from_secs(2), repo.create(small_document())).await;
    assert!(
        created.is_ok(),
        "create returned although no put could complete"
    );

    let mut stop = Box::pin(repo.stop());
    assert!(
        timeout(Duration::from_millis(300), &mut stop)
            .await
            .is_err(),
        "stop waits for pending puts"
    );
    permits.add_permits(100);
    timeout(Duration::from_secs(2), stop).await.unwrap();
}

#[tokio::test]
async fn accepting_a_connection_after_stop_panics() {
    let repo = Repo::build_tokio().load().await;
    let acceptor = repo
        .make_acceptor(url::Url::parse("test:facts").unwrap())
        .unwrap();
    repo.stop().await;
    let (_to_repo, from_test) = futures::channel::mpsc::channel::<Vec<u8>>(1);
    let (to_test, _from_repo) = futures::channel::mpsc::channel::<Vec<u8>>(1);
    let transport = Transport::new(from_test.map(Ok::<_, std::io::Error>), to_test);
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| acceptor.accept(transport)));
    assert!(
        outcome.is_err(),
        "samod 0.16 panics here; SyncService guards accept"
    );
}
