//! samod's `Storage` over our `Store` chunk table.
//!
//! samod 0.16 writes three kinds of keys (`samod-core` `storage_key.rs`):
//! `["storage-adapter-id"]` once per repository, and per document
//! `[document_id, "incremental", change_hash]` and
//! `[document_id, "snapshot", compaction_hash]`. It reads documents with
//! `load_range([document_id, "snapshot"])` and
//! `load_range([document_id, "incremental"])`, and deletes superseded chunks
//! only after the compacted snapshot's put has completed.
//!
//! A key becomes the string `automerge/` + components joined by `/`.
//! `StorageKey` guarantees no component is empty or contains `/`, so the
//! mapping is reversible and a range prefix always ends in `/` (no document
//! id can match as a prefix of another).
//!
//! The trait has no error channel: `put` returns `()`. A failed put would be
//! silently lost data, so puts retry until the store accepts them (and the
//! durability gate holds that document's outgoing messages meanwhile).
//! Loads retry too: answering "nothing stored" would make samod treat a
//! stored document as absent for the rest of the process.
//!
//! The adapter also keeps the size of each document's stored chunks
//! (`DocumentSizes`), which is what the document size cap is checked against.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use samod::storage::{Storage, StorageKey};

use super::durability::DurabilityTracker;
use crate::store::{Store, StoreError};

const NAMESPACE: &str = "automerge/";
const SEPARATOR: char = '/';
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(100);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(5);
/// A delete that keeps failing only leaves superseded data behind, which the
/// next load merges harmlessly; give up rather than retry forever.
const DELETE_ATTEMPTS: u32 = 5;

#[derive(Clone)]
pub struct SyncStorage {
    store: Store,
    /// Told about every put, so outgoing messages can wait for theirs.
    durability: Arc<DurabilityTracker>,
    /// Told about every chunk loaded, written and deleted.
    sizes: Arc<DocumentSizes>,
}

impl SyncStorage {
    pub fn new(
        store: Store,
        durability: Arc<DurabilityTracker>,
        sizes: Arc<DocumentSizes>,
    ) -> Self {
        Self {
            store,
            durability,
            sizes,
        }
    }
}

/// The bytes each document occupies in storage (its snapshot and
/// incremental chunks), as far as this process has seen them: a document is
/// known once it has been loaded or written.
#[derive(Default)]
pub struct DocumentSizes {
    documents: Mutex<HashMap<String, HashMap<String, u64>>>,
}

impl DocumentSizes {
    fn record(&self, key: &StorageKey, bytes: Option<usize>) {
        let parts: Vec<&String> = key.into_iter().collect();
        let [document_id, kind, name] = parts.as_slice() else {
            return;
        };
        let mut documents = self.documents.lock().expect("sizes lock");
        let chunks = documents.entry(document_id.to_string()).or_default();
        let chunk = format!("{kind}/{name}");
        match bytes {
            Some(bytes) => {
                chunks.insert(chunk, bytes as u64);
            }
            None => {
                chunks.remove(&chunk);
            }
        }
    }

    /// The stored size of a document; 0 when it was never loaded here.
    pub fn bytes(&self, document_id: &str) -> u64 {
        self.documents
            .lock()
            .expect("sizes lock")
            .get(document_id)
            .map_or(0, |chunks| chunks.values().sum())
    }
}

pub fn key_to_string(key: &StorageKey) -> String {
    let mut out = String::from(NAMESPACE);
    for (index, part) in key.into_iter().enumerate() {
        if index > 0 {
            out.push(SEPARATOR);
        }
        out.push_str(part);
    }
    out
}

fn prefix_to_string(prefix: &StorageKey) -> String {
    let mut out = key_to_string(prefix);
    if out.len() > NAMESPACE.len() {
        out.push(SEPARATOR);
    }
    out
}

pub fn string_to_key(stored: &str) -> Option<StorageKey> {
    let rest = stored.strip_prefix(NAMESPACE)?;
    StorageKey::from_parts(rest.split(SEPARATOR)).ok()
}

/// Runs `attempt` until it succeeds, or `max_attempts` is used up.
async fn retry<T, F, Fut>(
    what: &str,
    key: &str,
    max_attempts: Option<u32>,
    mut attempt: F,
) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut delay = FIRST_RETRY_DELAY;
    let mut attempts = 0u32;
    loop {
        match attempt().await {
            Ok(value) => return Some(value),
            Err(error) => {
                attempts += 1;
                if max_attempts.is_some_and(|max| attempts >= max) {
                    tracing::error!(%error, key, attempts, "sync storage {what} failed, giving up");
                    return None;
                }
                tracing::error!(%error, key, attempts, "sync storage {what} failed, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_RETRY_DELAY);
            }
        }
    }
}

impl Storage for SyncStorage {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        let store = self.store.clone();
        async move {
            let key = key_to_string(&key);
            retry("load", &key, None, || store.chunk_get(&key))
                .await
                .flatten()
        }
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        let store = self.store.clone();
        let durability = self.durability.clone();
        let sizes = self.sizes.clone();
        async move {
            let prefix_string = prefix_to_string(&prefix);
            let rows = retry("load_range", &prefix_string, None, || {
                store.chunk_list_prefix(&prefix_string)
            })
            .await
            .unwrap_or_default();
            let mut chunks = HashMap::with_capacity(rows.len());
            for (stored_key, data) in rows {
                let Some(key) = string_to_key(&stored_key).filter(|key| prefix.is_prefix_of(key))
                else {
                    tracing::warn!(stored_key, "ignoring a chunk key samod did not write");
                    continue;
                };
                durability.record_loaded(&key, &data);
                sizes.record(&key, Some(data.len()));
                chunks.insert(key, data);
            }
            chunks
        }
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        // Numbered now, while samod is calling us in issue order; see
        // durability.rs.
        let ticket = self.durability.begin_put(&key, &data);
        self.sizes.record(&key, Some(data.len()));
        let store = self.store.clone();
        let durability = self.durability.clone();
        async move {
            let key = key_to_string(&key);
            retry("put", &key, None, || store.chunk_put(&key, &data)).await;
            if let Some(ticket) = ticket {
                durability.finish_put(ticket);
            }
        }
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        self.sizes.record(&key, None);
        let store = self.store.clone();
        async move {
            let key = key_to_string(&key);
            retry("delete", &key, Some(DELETE_ATTEMPTS), || {
                store.chunk_delete(&key)
            })
            .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_prefixes_end_with_the_separator() {
        let key = StorageKey::from_parts(["2bfZ7", "incremental", "ab12"]).unwrap();
        assert_eq!(key_to_string(&key), "automerge/2bfZ7/incremental/ab12");
        assert_eq!(string_to_key("automerge/2bfZ7/incremental/ab12"), Some(key));
        let prefix = StorageKey::from_parts(["2bfZ7", "snapshot"]).unwrap();
        assert_eq!(prefix_to_string(&prefix), "automerge/2bfZ7/snapshot/");
        let storage_id = StorageKey::from_parts(["storage-adapter-id"]).unwrap();
        assert_eq!(key_to_string(&storage_id), "automerge/storage-adapter-id");
        assert_eq!(string_to_key("other/thing"), None);
        assert_eq!(string_to_key("automerge/a//b"), None);
    }

    #[tokio::test]
    async fn a_document_written_is_read_back_by_prefix_only() {
        let (_dir, store) = crate::sync::test_store().await;
        let sizes = Arc::new(DocumentSizes::default());
        let storage = SyncStorage::new(store, Arc::default(), sizes.clone());
        let doc_a = StorageKey::from_parts(["docA", "incremental", "01"]).unwrap();
        let doc_ab = StorageKey::from_parts(["docAB", "incremental", "02"]).unwrap();
        storage.put(doc_a.clone(), vec![1]).await;
        storage.put(doc_ab, vec![2, 2]).await;
        assert_eq!(sizes.bytes("docA"), 1);
        assert_eq!(sizes.bytes("docAB"), 2);
        let prefix = StorageKey::from_parts(["docA", "incremental"]).unwrap();
        let loaded = storage.load_range(prefix).await;
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded.get(&doc_a), Some(&vec![1]));
        storage.delete(doc_a.clone()).await;
        assert_eq!(storage.load(doc_a).await, None);
        assert_eq!(sizes.bytes("docA"), 0);
    }
}
