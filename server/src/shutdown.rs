//! [`Shutdown`]: how long-lived tasks (websockets) learn that the server is
//! stopping, and how the server waits for them to say goodbye.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

/// A cloneable shutdown signal plus a count of tasks still running.
#[derive(Clone)]
pub struct Shutdown {
    sender: Arc<watch::Sender<bool>>,
    running_tasks: Arc<AtomicUsize>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    pub fn new() -> Self {
        let (sender, _) = watch::channel(false);
        Shutdown {
            sender: Arc::new(sender),
            running_tasks: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Tells every listener the server is stopping.
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    pub fn is_triggered(&self) -> bool {
        *self.sender.borrow()
    }

    /// Completes once [`Shutdown::trigger`] has been called (at once if it
    /// already was).
    pub async fn triggered(&self) {
        let mut receiver = self.sender.subscribe();
        // An error means the sender is gone, which also means "stop".
        let _ = receiver.wait_for(|stopping| *stopping).await;
    }

    /// Registers a task that must finish before the server exits; the guard
    /// unregisters it when dropped.
    pub fn task_guard(&self) -> TaskGuard {
        self.running_tasks.fetch_add(1, Ordering::SeqCst);
        TaskGuard {
            running_tasks: self.running_tasks.clone(),
        }
    }

    pub fn running_tasks(&self) -> usize {
        self.running_tasks.load(Ordering::SeqCst)
    }

    /// Waits until every registered task has ended, or `limit` passes.
    pub async fn wait_for_tasks(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.running_tasks() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Keeps a task counted in [`Shutdown::running_tasks`] while alive.
pub struct TaskGuard {
    running_tasks: Arc<AtomicUsize>,
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.running_tasks.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn listeners_learn_of_a_trigger_even_if_they_subscribe_late() {
        let shutdown = Shutdown::new();
        assert!(!shutdown.is_triggered());
        shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(1), shutdown.triggered())
            .await
            .expect("already triggered completes at once");
    }

    #[tokio::test]
    async fn waiting_for_tasks_ends_when_guards_drop() {
        let shutdown = Shutdown::new();
        let guard = shutdown.task_guard();
        assert_eq!(shutdown.running_tasks(), 1);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            drop(guard);
        });
        shutdown.wait_for_tasks(Duration::from_secs(5)).await;
        assert_eq!(shutdown.running_tasks(), 0);
    }
}
