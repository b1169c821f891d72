//! Counters for `GET /metrics`, in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Process-wide counters. Atomic, so any task may bump them.
#[derive(Debug, Default)]
pub struct Metrics {
    /// HTTP requests answered.
    pub http_requests: AtomicU64,
    /// Websocket connections open now.
    pub websocket_connections: AtomicU64,
    /// Websocket messages received from clients.
    pub websocket_messages_in: AtomicU64,
    /// Websocket messages sent to clients.
    pub websocket_messages_out: AtomicU64,
    /// Failed logins.
    pub failed_logins: AtomicU64,
    /// Copies of confidential documents stamped and handed out.
    pub stamped_copies: AtomicU64,
}

/// A snapshot of values that are not counters of this struct.
#[derive(Debug, Default)]
pub struct Gauges {
    pub uptime_seconds: f64,
    pub documents: i64,
    pub storage_operations: u64,
    pub storage_seconds_total: f64,
    pub storage_ping_seconds: Option<f64>,
    /// Automerge documents loaded for `/sync` now.
    pub sync_documents_loaded: u64,
    /// Sync state transitions computed, and shared (looked up for a peer
    /// in a state another peer was already in).
    pub sync_transitions_computed: u64,
    pub sync_transitions_shared: u64,
    /// On a cluster node: meeting leases held now, acquired and lost
    /// since start.
    pub cluster_leases: Option<(i64, u64, u64)>,
}

impl Metrics {
    /// Renders every metric in the Prometheus text exposition format.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {value}");
        };
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed).to_string();
        metric(
            "phonghop_uptime_seconds",
            "gauge",
            "Seconds since the server started.",
            format!("{:.3}", gauges.uptime_seconds),
        );
        metric(
            "phonghop_http_requests_total",
            "counter",
            "HTTP requests answered.",
            load(&self.http_requests),
        );
        metric(
            "phonghop_websocket_connections",
            "gauge",
            "Websocket connections open now.",
            load(&self.websocket_connections),
        );
        metric(
            "phonghop_websocket_messages_received_total",
            "counter",
            "Websocket messages received.",
            load(&self.websocket_messages_in),
        );
        metric(
            "phonghop_websocket_messages_sent_total",
            "counter",
            "Websocket messages sent.",
            load(&self.websocket_messages_out),
        );
        metric(
            "phonghop_failed_logins_total",
            "counter",
            "Failed login attempts.",
            load(&self.failed_logins),
        );
        metric(
            "phonghop_stamped_copies_total",
            "counter",
            "Copies of confidential documents stamped for their reader and handed out.",
            load(&self.stamped_copies),
        );
        metric(
            "phonghop_documents",
            "gauge",
            "Agenda documents stored.",
            gauges.documents.to_string(),
        );
        metric(
            "phonghop_storage_operations_total",
            "counter",
            "Timed storage operations.",
            gauges.storage_operations.to_string(),
        );
        metric(
            "phonghop_storage_seconds_total",
            "counter",
            "Time spent in timed storage operations.",
            format!("{:.6}", gauges.storage_seconds_total),
        );
        metric(
            "phonghop_sync_documents_loaded",
            "gauge",
            "Automerge documents loaded for /sync.",
            gauges.sync_documents_loaded.to_string(),
        );
        metric(
            "phonghop_sync_transitions_computed_total",
            "counter",
            "Sync state transitions computed by Automerge.",
            gauges.sync_transitions_computed.to_string(),
        );
        metric(
            "phonghop_sync_transitions_shared_total",
            "counter",
            "Sync state transitions looked up for a peer in a state another peer was in.",
            gauges.sync_transitions_shared.to_string(),
        );
        if let Some((held, acquired, lost)) = gauges.cluster_leases {
            metric(
                "phonghop_cluster_leases_held",
                "gauge",
                "Meeting ownership leases this node holds now.",
                held.to_string(),
            );
            metric(
                "phonghop_cluster_lease_acquisitions_total",
                "counter",
                "Meeting ownership leases this node acquired.",
                acquired.to_string(),
            );
            metric(
                "phonghop_cluster_leases_lost_total",
                "counter",
                "Meeting ownership leases this node held and lost (renewal refused or expired).",
                lost.to_string(),
            );
        }
        if let Some(ping) = gauges.storage_ping_seconds {
            metric(
                "phonghop_storage_ping_seconds",
                "gauge",
                "Latency of a trivial storage query.",
                format!("{ping:.6}"),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_help_type_and_a_value() {
        let metrics = Metrics::default();
        metrics.http_requests.fetch_add(3, Ordering::Relaxed);
        let text = metrics.render(&Gauges {
            storage_ping_seconds: Some(0.001),
            cluster_leases: Some((1, 3, 2)),
            ..Gauges::default()
        });
        assert!(text.contains("phonghop_cluster_leases_held 1\n"));
        assert!(text.contains("phonghop_cluster_lease_acquisitions_total 3\n"));
        assert!(text.contains("phonghop_cluster_leases_lost_total 2\n"));
        assert!(text.contains("phonghop_http_requests_total 3\n"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, value) = line.split_once(' ').unwrap();
            assert!(
                text.contains(&format!("# TYPE {name} ")),
                "{name} lacks TYPE"
            );
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
