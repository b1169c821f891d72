//! Operational endpoints: `/healthz` (the process answers), `/readyz`
//! (storage answers and, on a cluster node, the node has joined: NATS
//! connected and the lease bucket answering; `degraded` when Office
//! conversion is off), `/metrics` (Prometheus text) and `/ca.pem` (the local
//! certificate authority tablets install).

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use phonghop_protocol::api::HealthStatus;

use crate::cluster::ClusterStatus;
use crate::error::AppError;
use crate::metrics::Gauges;
use crate::state::AppState;
#[allow(unused_imports)]
use phonghop_protocol::api::*;

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = HealthStatus)))]
pub async fn healthz() -> Json<HealthStatus> {
    Json(HealthStatus {
        status: "ok".into(),
        version: VERSION.into(),
        reason: None,
    })
}

#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, body = HealthStatus), (status = 503, body = HealthStatus)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.shutdown.is_triggered() {
        return unavailable("shutting down".into());
    }
    if !state.sync.is_healthy() {
        return unavailable("a sync document failed: restart the server".into());
    }
    if let Some(cluster) = &state.cluster {
        match cluster.status().await {
            ClusterStatus::Joined => {}
            ClusterStatus::Disconnected => {
                return unavailable(
                    "not joined to the cluster: NATS is not connected (reconnecting)".into(),
                )
            }
            ClusterStatus::BucketUnreachable(why) => {
                tracing::warn!(%why, "the lease bucket does not answer");
                return unavailable(
                    "not joined to the cluster: the lease bucket does not answer".into(),
                );
            }
        }
    }
    match tokio::time::timeout(std::time::Duration::from_secs(3), state.store.ping()).await {
        // Office conversion off (no LibreOffice, or no sandbox for it)
        // leaves meetings, PDFs and votes working: still ready (200), but
        // `degraded`, with the reason, for whoever watches.
        Ok(Ok(_)) => Json(HealthStatus {
            status: match state.converter.unavailable_reason() {
                None => "ok".into(),
                Some(_) => "degraded".into(),
            },
            version: VERSION.into(),
            reason: state
                .converter
                .unavailable_reason()
                .map(|reason| format!("office conversion is off: {reason}")),
        })
        .into_response(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "storage is not reachable");
            unavailable("storage is not reachable".into())
        }
        Err(_) => unavailable("storage did not answer within 3 s".into()),
    }
}

fn unavailable(reason: String) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(HealthStatus {
            status: "unavailable".into(),
            version: VERSION.into(),
            reason: Some(reason),
        }),
    )
        .into_response()
}

#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let storage = state.store.metrics();
    let (computed, shared) = state.sync.hub().transitions();
    let gauges = Gauges {
        uptime_seconds: state.started_at.elapsed().as_secs_f64(),
        documents: state.store.count_documents().await.unwrap_or(-1),
        storage_operations: storage.operations.load(Ordering::Relaxed),
        storage_seconds_total: storage.total_micros.load(Ordering::Relaxed) as f64 / 1e6,
        storage_ping_seconds: state.store.ping().await.ok().map(|d| d.as_secs_f64()),
        sync_documents_loaded: state.sync.hub().loaded_documents() as u64,
        sync_transitions_computed: computed,
        sync_transitions_shared: shared,
        cluster_leases: state.cluster.as_ref().map(|cluster| cluster.lease_counts()),
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&gauges),
    )
        .into_response()
}

/// The local CA certificate made by `phonghop cert`, for tablets to trust.
#[utoipa::path(get, path = "/ca.pem", tag = "operations", responses((status = 200, description = "The local CA certificate", content_type = "application/x-pem-file"), (status = 404, body = ApiError)))]
pub async fn ca_certificate(State(state): State<AppState>) -> Result<Response, AppError> {
    let Some(path) = &state.settings.ca_certificate_path else {
        return Err(AppError::not_found());
    };
    let pem = tokio::fs::read(path).await.map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-pem-file"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"phonghop-ca.pem\"",
            ),
        ],
        pem,
    )
        .into_response())
}
