//! Operations: health, Prometheus metrics, the OpenAPI document.

use std::fmt::Write;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};

use super::{json, respond, Peer, Reply};
use crate::server::App;

/// The API document as checked in: generated from the code by [`crate::openapi`], whose test
/// keeps the file up to date, so nothing is generated at start-up.
const OPENAPI: &str = include_str!("../../openapi.json");

/// `GET /healthz`: 200 `{"status":"ok"}` when the server answers, storage reads and takes
/// writes; 503 `disk_full` while the disk is full (reads still work, writes are refused until
/// space is freed and the store has reopened the database), 503 `storage_unavailable` when
/// storage does not read.
pub fn healthz(app: &Arc<App>) -> Reply {
    if app.engine.store().health() == switchboard_storage::Health::DiskFull {
        return Err(crate::error::ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "disk_full",
            "the disk holding the database is full: writes are refused until space is freed",
        ));
    }
    // A key no company has: the lookup reads the store and finds nothing.
    match app.engine.tenant_by_key("0000000000000000") {
        Ok(_) | Err(switchboard_engine::Error::NotFound(_)) => match app.peers() {
            None => json(StatusCode::OK, &serde_json::json!({ "status": "ok" })),
            Some(peers) => json(
                StatusCode::OK,
                &serde_json::json!({ "status": "ok", "cluster": peers.report() }),
            ),
        },
        Err(e) => {
            tracing::error!("health check: storage does not read: {e}");
            Err(crate::error::ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "storage does not answer",
            ))
        }
    }
}

/// The site icon: a speech bubble in the chat button's green.
const FAVICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M4 4h24a2 2 0 0 1 2 2v15a2 2 0 0 1-2 2H13l-7 6v-6H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" fill="#1a7f37"/><circle cx="10" cy="13.5" r="2" fill="#fff"/><circle cx="16" cy="13.5" r="2" fill="#fff"/><circle cx="22" cy="13.5" r="2" fill="#fff"/></svg>"##;

/// `GET /favicon.ico`: an SVG icon, so browsers stop asking and logs stop showing 404s.
pub fn favicon() -> Reply {
    let mut response = respond(
        StatusCode::OK,
        "image/svg+xml",
        Bytes::from_static(FAVICON.as_bytes()),
    );
    response.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(response)
}

/// Headers a proxy adds when it relays a request: such a request comes from loopback (the
/// proxy) but not from this host's operator.
const PROXY_HEADERS: [&str; 3] = ["forwarded", "x-forwarded-for", "x-real-ip"];

/// Who may read `/metrics`: a client on loopback that is not a proxy relaying someone else,
/// or anyone presenting the configured `metrics_token` as a bearer token. The counters say
/// how busy the server is and how many companies are active: not for the public.
fn metrics_access(
    peer: Option<IpAddr>,
    proxied: bool,
    configured: Option<&str>,
    presented: Option<&str>,
) -> Result<(), crate::error::ApiError> {
    let local = peer.is_some_and(|ip| ip.to_canonical().is_loopback()) && !proxied;
    let token_ok = configured
        .filter(|c| !c.is_empty())
        .zip(presented)
        .is_some_and(|(c, p)| same_secret(c.as_bytes(), p.as_bytes()));
    if local || token_ok {
        return Ok(());
    }
    Err(crate::error::ApiError::new(
        StatusCode::FORBIDDEN,
        "metrics_forbidden",
        "/metrics answers on loopback, or with the metrics token as Authorization: Bearer",
    ))
}

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET /metrics`: Prometheus text format, for loopback or the metrics token only.
pub fn metrics(app: &Arc<App>, req: &Request<Incoming>) -> Reply {
    let presented = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    metrics_access(
        req.extensions().get::<Peer>().map(|p| p.0.ip()),
        PROXY_HEADERS.iter().any(|h| req.headers().contains_key(*h)),
        app.config.metrics_token.as_deref(),
        presented,
    )?;
    let m = app.engine.metrics();
    let mut out = String::new();
    let counters = [
        (
            "switchboard_chats_started_total",
            "Chats visitors started.",
            m.chats_started.load(Ordering::Relaxed),
        ),
        (
            "switchboard_chats_routed_total",
            "Chats an operator accepted.",
            m.chats_routed.load(Ordering::Relaxed),
        ),
        (
            "switchboard_chats_timed_out_total",
            "Chats that reached the connection timeout.",
            m.chats_timed_out.load(Ordering::Relaxed),
        ),
        (
            "switchboard_chats_offline_total",
            "Chats sent to the offline form at once.",
            m.chats_offline.load(Ordering::Relaxed),
        ),
        (
            "switchboard_messages_total",
            "Messages written to chat logs.",
            m.messages.load(Ordering::Relaxed),
        ),
        (
            "switchboard_storage_flushes_total",
            "Flushes to disk; many acknowledged writes share one.",
            app.engine.store().flush_count(),
        ),
    ];
    for (name, help, value) in counters {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
        );
    }
    let gauges = [
        (
            "switchboard_open_streams",
            "Open event streams.",
            m.open_streams.load(Ordering::Relaxed),
        ),
        (
            "switchboard_queue_length",
            "Chats waiting in queues.",
            m.queue_length.load(Ordering::Relaxed),
        ),
        (
            "switchboard_tenant_actors",
            "Companies active in memory.",
            m.tenant_actors.load(Ordering::Relaxed),
        ),
        (
            "switchboard_operator_actors",
            "Operator hubs running.",
            m.operator_actors.load(Ordering::Relaxed),
        ),
        (
            "switchboard_visitor_actors",
            "Visitor actors running.",
            m.visitor_actors.load(Ordering::Relaxed),
        ),
    ];
    for (name, help, value) in gauges {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
        );
    }
    if let Some(peers) = app.peers() {
        cluster_metrics(&mut out, &peers.report());
    }
    Ok(respond(
        StatusCode::OK,
        "text/plain; version=0.0.4",
        Bytes::from(out),
    ))
}

/// Cluster mode's lines of `/metrics`.
fn cluster_metrics(out: &mut String, report: &crate::forward::Report) {
    let lines = [
        (
            "switchboard_cluster_live_nodes",
            "gauge",
            "Nodes whose heartbeat is recent.",
            report.live_nodes.len() as u64,
        ),
        (
            "switchboard_cluster_leases",
            "gauge",
            "Shard leases this node holds.",
            report.leases as u64,
        ),
        (
            "switchboard_cluster_shards",
            "gauge",
            "Shards this node serves.",
            report.shards as u64,
        ),
        (
            "switchboard_cluster_takeovers_total",
            "counter",
            "Shards taken over.",
            report.takeovers,
        ),
        (
            "switchboard_cluster_last_takeover_ms",
            "gauge",
            "Milliseconds the last takeover took.",
            report.last_takeover_ms,
        ),
        (
            "switchboard_cluster_given_up_total",
            "counter",
            "Shards given up after a refused or failed append.",
            report.given_up,
        ),
        (
            "switchboard_cluster_leases_lost_total",
            "counter",
            "Leases lost without giving them up.",
            report.leases_lost,
        ),
        (
            "switchboard_cluster_log_pending",
            "gauge",
            "Writes not yet stored in their shard's log.",
            report.log_pending as u64,
        ),
    ];
    for (name, kind, help, value) in lines {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        );
    }
}

/// `GET /openapi.json`.
pub fn openapi() -> Reply {
    Ok(respond(
        StatusCode::OK,
        "application/json",
        Bytes::from_static(OPENAPI.as_bytes()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_answer_loopback_or_the_token_only() {
        let local: Option<IpAddr> = Some("127.0.0.1".parse().unwrap());
        let mapped: Option<IpAddr> = Some("::ffff:127.0.0.1".parse().unwrap());
        let v6: Option<IpAddr> = Some("::1".parse().unwrap());
        let remote: Option<IpAddr> = Some("203.0.113.9".parse().unwrap());
        let token = Some("s3cret-metrics");
        // (peer, proxied, configured, presented, allowed)
        let cases = [
            (local, false, None, None, true),
            (mapped, false, None, None, true),
            (v6, false, None, None, true),
            (local, true, None, None, false),
            (remote, false, None, None, false),
            (None, false, None, None, false),
            (remote, false, token, None, false),
            (remote, false, token, Some("wrong"), false),
            (remote, false, token, Some("s3cret-metric"), false),
            (remote, false, token, Some("s3cret-metrics"), true),
            (local, true, token, Some("s3cret-metrics"), true),
            (remote, false, Some(""), Some(""), false),
            (remote, false, None, Some("anything"), false),
        ];
        for (peer, proxied, configured, presented, allowed) in cases {
            assert_eq!(
                metrics_access(peer, proxied, configured, presented).is_ok(),
                allowed,
                "{peer:?} proxied={proxied} configured={configured:?} presented={presented:?}"
            );
        }
    }
}
