//! Prepared documents kept in memory, by the SHA-256 of their file, so
//! that each copy costs only its stamp.
//!
//! When 26 tablets open the same confidential document at once, one of
//! them prepares it (on a blocking thread) and the others wait for that
//! same preparation instead of repeating it. A failed preparation is not
//! kept: the next request tries again. The cache holds at most
//! `budget_bytes` of prepared documents and forgets the least recently
//! used beyond that.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::{prepare, PreparedPdf, StampError, StampFont, StampText};

/// The default memory for prepared documents: an 83-page report takes
/// about its file's size, so this holds a meeting's confidential papers
/// many times over.
pub const DEFAULT_BUDGET_BYTES: usize = 256 * 1024 * 1024;

type Slot = Arc<OnceCell<Arc<PreparedPdf>>>;

/// See the module documentation.
pub struct StampCache {
    font: Arc<StampFont>,
    budget_bytes: usize,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    slots: HashMap<String, (Slot, u64)>,
    clock: u64,
}

impl std::fmt::Debug for StampCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StampCache")
            .field("budget_bytes", &self.budget_bytes)
            .finish_non_exhaustive()
    }
}

impl StampCache {
    pub fn new(font: StampFont, budget_bytes: usize) -> StampCache {
        StampCache {
            font: Arc::new(font),
            budget_bytes,
            entries: Mutex::new(Entries::default()),
        }
    }

    /// The stamp's font (the signature stamp on a signed record uses it
    /// too).
    pub fn font(&self) -> Arc<StampFont> {
        self.font.clone()
    }

    /// A copy of the file `sha256` stamped with `text`. `read_file` gives
    /// the file's bytes when it has to be prepared.
    pub async fn stamped_copy(
        &self,
        sha256: &str,
        read_file: impl FnOnce() -> std::io::Result<Vec<u8>> + Send + 'static,
        text: StampText,
    ) -> Result<Vec<u8>, StampError> {
        let prepared = self.prepared(sha256, read_file).await?;
        let font = self.font.clone();
        tokio::task::spawn_blocking(move || prepared.stamp(&font, &text, super::new_copy_id()))
            .await
            .map_err(|error| StampError::Unreadable(format!("the stamping task failed: {error}")))
    }

    /// The prepared form of file `sha256`, prepared now if need be (once,
    /// however many ask at the same time).
    pub async fn prepared(
        &self,
        sha256: &str,
        read_file: impl FnOnce() -> std::io::Result<Vec<u8>> + Send + 'static,
    ) -> Result<Arc<PreparedPdf>, StampError> {
        let slot = self.slot(sha256);
        let font = self.font.clone();
        let prepared = slot
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || {
                    let bytes = read_file()?;
                    prepare(&bytes, &font).map(Arc::new)
                })
                .await
                .map_err(|error| {
                    StampError::Unreadable(format!("the preparing task failed: {error}"))
                })?
            })
            .await?
            .clone();
        self.evict_beyond_budget(sha256);
        Ok(prepared)
    }

    /// How many prepared documents are held, and their bytes.
    pub fn held(&self) -> (usize, usize) {
        let entries = self.entries.lock().expect("stamp cache lock");
        let sizes: Vec<usize> = entries
            .slots
            .values()
            .filter_map(|(slot, _)| slot.get().map(|prepared| prepared.memory_size()))
            .collect();
        (sizes.len(), sizes.iter().sum())
    }

    fn slot(&self, sha256: &str) -> Slot {
        let mut entries = self.entries.lock().expect("stamp cache lock");
        entries.clock += 1;
        let now = entries.clock;
        let (slot, used) = entries
            .slots
            .entry(sha256.to_owned())
            .or_insert_with(|| (Arc::new(OnceCell::new()), now));
        *used = now;
        slot.clone()
    }

    /// Forgets the least recently used prepared documents until the rest
    /// fit the budget; `keep` (the one just used) stays whatever its size.
    fn evict_beyond_budget(&self, keep: &str) {
        let mut entries = self.entries.lock().expect("stamp cache lock");
        loop {
            let total: usize = entries
                .slots
                .values()
                .filter_map(|(slot, _)| slot.get().map(|prepared| prepared.memory_size()))
                .sum();
            if total <= self.budget_bytes {
                return;
            }
            let oldest = entries
                .slots
                .iter()
                .filter(|(key, (slot, _))| key.as_str() != keep && slot.initialized())
                .min_by_key(|(_, (_, used))| *used)
                .map(|(key, _)| key.clone());
            match oldest {
                Some(key) => {
                    entries.slots.remove(&key);
                }
                None => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(name);
        std::fs::read(path).unwrap()
    }

    fn text(name: &str) -> StampText {
        super::super::stamp_text(
            name,
            "account",
            "Họp",
            time::macros::datetime!(2026-12-07 14:05 +7),
        )
    }

    #[tokio::test]
    async fn many_readers_at_once_share_one_preparation() {
        let cache = Arc::new(StampCache::new(
            StampFont::new().unwrap(),
            DEFAULT_BUDGET_BYTES,
        ));
        let reads = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for reader in 0..8 {
            let cache = cache.clone();
            let reads = reads.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .stamped_copy(
                        "lang-son",
                        move || {
                            reads.fetch_add(1, Ordering::SeqCst);
                            Ok(fixture("bao-cao-cai-cach-hanh-chinh-lang-son.pdf"))
                        },
                        text(&format!("Đại biểu {reader}")),
                    )
                    .await
                    .unwrap()
            }));
        }
        for task in tasks {
            assert!(task.await.unwrap().starts_with(b"%PDF-"));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert_eq!(cache.held().0, 1);
    }

    #[tokio::test]
    async fn a_failed_preparation_is_tried_again_next_time() {
        let cache = StampCache::new(StampFont::new().unwrap(), DEFAULT_BUDGET_BYTES);
        let failed = cache
            .prepared("x", || Err(std::io::Error::other("the disk said no")))
            .await;
        assert!(matches!(failed, Err(StampError::Io(_))));
        let prepared = cache
            .prepared("x", || {
                Ok(fixture("bao-cao-cai-cach-hanh-chinh-lang-son.pdf"))
            })
            .await
            .unwrap();
        assert_eq!(prepared.page_count(), 5);
    }

    #[tokio::test]
    async fn the_least_recently_used_documents_leave_beyond_the_budget() {
        // A budget smaller than two documents: the older one goes.
        let one = prepare(
            &fixture("bao-cao-cai-cach-hanh-chinh-lang-son.pdf"),
            &StampFont::new().unwrap(),
        )
        .unwrap()
        .memory_size();
        let cache = StampCache::new(StampFont::new().unwrap(), one + one / 2);
        for key in ["first", "second"] {
            cache
                .prepared(key, || {
                    Ok(fixture("bao-cao-cai-cach-hanh-chinh-lang-son.pdf"))
                })
                .await
                .unwrap();
        }
        let (held, bytes) = cache.held();
        assert_eq!(held, 1);
        assert!(bytes <= one + one / 2);
        assert!(cache.entries.lock().unwrap().slots.contains_key("second"));
    }
}
