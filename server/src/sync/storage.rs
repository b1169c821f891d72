//! Automerge documents in our `Store`'s chunk table.
//!
//! Keys (the layout samod 0.16 wrote, so data directories from before the
//! hub keep loading):
//! - `automerge/storage-adapter-id`: this server's storage id, told to
//!   clients in the handshake;
//! - `automerge/{document}/incremental/{first change hash}`: the changes of
//!   one batch, concatenated;
//! - `automerge/{document}/snapshot/{head hash}`: a whole document.
//!
//! A document is every chunk under `automerge/{document}/`, loaded in any
//! order (Automerge queues changes until their dependencies arrive, and a
//! change loaded twice is one change). So compaction is crash-safe without a
//! transaction: the snapshot is written first, the chunks it supersedes are
//! deleted after (in one transaction of their own: one commit, not one
//! each); a crash in between only leaves duplicates that the next load
//! merges. A document is compacted every `compact_after_increments` stored
//! batches (128 by default, `--sync-compact-after`).

use std::time::Duration;

use automerge::{Automerge, Change, ChangeHash};

use super::DocumentId;
use crate::store::{Store, StoreError};

const NAMESPACE: &str = "automerge/";
const STORAGE_ID_KEY: &str = "automerge/storage-adapter-id";
/// Attempts at a write before the document gives up (and its clients are
/// told to come back later: they keep their changes meanwhile).
const WRITE_ATTEMPTS: u32 = 3;
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(100);

#[derive(Clone)]
pub struct DocumentStorage {
    store: Store,
}

/// A document as loaded, and what it occupies in storage.
pub struct StoredDocument {
    pub document: Automerge,
    pub chunks: Vec<StoredChunk>,
}

pub use phonghop_sync_core::document::StoredChunk;

impl StoredDocument {
    pub fn bytes(&self) -> u64 {
        self.chunks.iter().map(|chunk| chunk.bytes).sum()
    }
}

fn document_prefix(document_id: &DocumentId) -> String {
    format!("{NAMESPACE}{document_id}/")
}

fn chunk_key(document_id: &DocumentId, kind: &str, hash: &ChangeHash) -> String {
    format!("{NAMESPACE}{document_id}/{kind}/{hash}")
}

impl DocumentStorage {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// This server's storage id, created on first use.
    pub async fn storage_id(&self) -> Result<String, StoreError> {
        if let Some(bytes) = self.store.chunk_get(STORAGE_ID_KEY).await? {
            if let Ok(id) = String::from_utf8(bytes) {
                return Ok(id);
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        self.store.chunk_put(STORAGE_ID_KEY, id.as_bytes()).await?;
        Ok(id)
    }

    /// The stored document, or `None` when nothing is stored under its id.
    /// A chunk Automerge cannot read is logged and skipped: the rest of
    /// the document still loads.
    pub async fn load(
        &self,
        document_id: &DocumentId,
    ) -> Result<Option<StoredDocument>, StoreError> {
        let rows = self
            .store
            .chunk_list_prefix(&document_prefix(document_id))
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut document = Automerge::new();
        let mut chunks = Vec::with_capacity(rows.len());
        for (key, data) in rows {
            let is_snapshot = key.contains("/snapshot/");
            if let Err(error) = document.load_incremental(&data) {
                tracing::error!(%error, key, "skipping a stored chunk automerge cannot load");
            }
            chunks.push(StoredChunk {
                key,
                bytes: data.len() as u64,
                is_snapshot,
            });
        }
        Ok(Some(StoredDocument { document, chunks }))
    }

    /// Writes a new document whole. Returns once it is durable.
    pub async fn create(
        &self,
        document_id: &DocumentId,
        document: &mut Automerge,
    ) -> Result<StoredChunk, StoreError> {
        self.write_snapshot(document_id, document).await
    }

    /// Appends `changes` (new since the last write). Returns once durable.
    pub async fn append(
        &self,
        document_id: &DocumentId,
        changes: &[Change],
    ) -> Result<Option<StoredChunk>, StoreError> {
        let Some(first) = changes.first() else {
            return Ok(None);
        };
        let mut data = Vec::new();
        for change in changes {
            data.extend_from_slice(change.raw_bytes());
        }
        let key = chunk_key(document_id, "incremental", &first.hash());
        self.put_retrying(&key, &data).await?;
        Ok(Some(StoredChunk {
            key,
            bytes: data.len() as u64,
            is_snapshot: false,
        }))
    }

    /// Replaces `superseded` by one snapshot (`data`, a saved document
    /// whose heads are `heads`). The snapshot is durable before anything is
    /// deleted; a failed delete only leaves a duplicate behind.
    pub async fn compact(
        &self,
        document_id: &DocumentId,
        data: &[u8],
        heads: &[ChangeHash],
        superseded: &[StoredChunk],
    ) -> Result<StoredChunk, StoreError> {
        let snapshot = self.write_saved(document_id, data, heads).await?;
        let superseded: Vec<&str> = superseded
            .iter()
            .map(|chunk| chunk.key.as_str())
            .filter(|key| *key != snapshot.key)
            .collect();
        if let Err(error) = self.store.chunk_delete_all(&superseded).await {
            tracing::warn!(%error, chunks = superseded.len(), "cannot delete compacted chunks; they stay as duplicates");
        }
        Ok(snapshot)
    }

    /// The key and bytes `create` would store for a new document, for a
    /// batch of new documents stored in one transaction
    /// (`Store::create_sync_documents`).
    pub fn first_chunk(document_id: &DocumentId, document: &mut Automerge) -> (String, Vec<u8>) {
        let data = document.save();
        let name = document
            .get_heads()
            .first()
            .copied()
            .unwrap_or(ChangeHash([0; 32]));
        (chunk_key(document_id, "snapshot", &name), data)
    }

    async fn write_snapshot(
        &self,
        document_id: &DocumentId,
        document: &mut Automerge,
    ) -> Result<StoredChunk, StoreError> {
        let data = document.save();
        self.write_saved(document_id, &data, &document.get_heads())
            .await
    }

    async fn write_saved(
        &self,
        document_id: &DocumentId,
        data: &[u8],
        heads: &[ChangeHash],
    ) -> Result<StoredChunk, StoreError> {
        // An empty document has no heads; its id names it well enough.
        let name = heads.first().copied().unwrap_or(ChangeHash([0; 32]));
        let key = chunk_key(document_id, "snapshot", &name);
        self.put_retrying(&key, data).await?;
        Ok(StoredChunk {
            key,
            bytes: data.len() as u64,
            is_snapshot: true,
        })
    }

    async fn put_retrying(&self, key: &str, data: &[u8]) -> Result<(), StoreError> {
        let mut delay = FIRST_RETRY_DELAY;
        let mut attempt = 1;
        loop {
            match self.store.chunk_put(key, data).await {
                Ok(()) => return Ok(()),
                Err(error) if attempt >= WRITE_ATTEMPTS => {
                    tracing::error!(%error, key, attempt, "cannot store a document chunk, giving up");
                    return Err(error);
                }
                Err(error) => {
                    tracing::warn!(%error, key, attempt, "cannot store a document chunk, retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 4;
                    attempt += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::ROOT;

    use super::*;

    fn change(document: &mut Automerge, value: i64) {
        let mut tx = document.transaction();
        tx.put(ROOT, "value", value).unwrap();
        tx.commit();
    }

    #[tokio::test]
    async fn a_document_loads_from_its_snapshot_and_increments_and_survives_compaction() {
        let (_dir, store) = crate::sync::test_store().await;
        let storage = DocumentStorage::new(store.clone());
        let id = DocumentId::random();
        let neighbour = DocumentId::random();
        let mut document = Automerge::new();
        change(&mut document, 1);
        let snapshot = storage.create(&id, &mut document).await.unwrap();
        let mut other = Automerge::new();
        change(&mut other, 99);
        storage.create(&neighbour, &mut other).await.unwrap();

        let before = document.get_heads();
        change(&mut document, 2);
        change(&mut document, 3);
        let new: Vec<Change> = document.get_changes(&before);
        let increment = storage.append(&id, &new).await.unwrap().unwrap();

        let loaded = storage.load(&id).await.unwrap().unwrap();
        assert_eq!(loaded.document.get_heads(), document.get_heads());
        assert_eq!(loaded.chunks.len(), 2);
        assert_eq!(loaded.bytes(), snapshot.bytes + increment.bytes);

        let data = document.save();
        storage
            .compact(&id, &data, &document.get_heads(), &loaded.chunks)
            .await
            .unwrap();
        let compacted = storage.load(&id).await.unwrap().unwrap();
        assert_eq!(compacted.chunks.len(), 1);
        assert!(compacted.chunks[0].is_snapshot);
        assert_eq!(compacted.document.get_heads(), document.get_heads());
        // The neighbour is untouched, and an unknown id has nothing stored.
        assert_eq!(
            storage
                .load(&neighbour)
                .await
                .unwrap()
                .unwrap()
                .document
                .get_heads(),
            other.get_heads()
        );
        assert!(storage.load(&DocumentId::random()).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn the_storage_id_is_stable() {
        let (_dir, store) = crate::sync::test_store().await;
        let storage = DocumentStorage::new(store);
        let first = storage.storage_id().await.unwrap();
        assert_eq!(storage.storage_id().await.unwrap(), first);
    }
}
