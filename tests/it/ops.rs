//! Operations endpoints: health, metrics, the API description.

use crate::support::start_server;

/// The Prometheus metrics `/metrics` promises, with their types and whether a fresh server
/// shows zero (its start already writes, so it has flushed).
const METRICS: [(&str, &str, bool); 8] = [
    ("switchboard_chats_started_total", "counter", true),
    ("switchboard_chats_routed_total", "counter", true),
    ("switchboard_chats_timed_out_total", "counter", true),
    ("switchboard_chats_offline_total", "counter", true),
    ("switchboard_messages_total", "counter", true),
    ("switchboard_storage_flushes_total", "counter", false),
    ("switchboard_open_streams", "gauge", true),
    ("switchboard_queue_length", "gauge", true),
];

/// The value of metric `name` in Prometheus text `text`, if present.
pub fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (n, v) = l.split_once(' ')?;
        (n == name).then(|| v.trim().parse().ok())?
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_ok_as_json() {
    let server = start_server().await;
    let reply = server.get("/healthz", None).await;
    assert!(reply.content_type.starts_with("application/json"));
    assert_eq!(reply.expect(200), serde_json::json!({ "status": "ok" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_lists_every_metric_with_a_value() {
    let server = start_server().await;
    let reply = server.get("/metrics", None).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.content_type.starts_with("text/plain"),
        "Prometheus text, got {:?}",
        reply.content_type
    );
    for (name, kind, zero) in METRICS {
        assert!(
            reply.text.contains(&format!("# TYPE {name} {kind}\n")),
            "{name} is declared a {kind}:\n{}",
            reply.text
        );
        assert!(
            reply.text.contains(&format!("# HELP {name} ")),
            "{name} has help text"
        );
        let value = metric(&reply.text, name)
            .unwrap_or_else(|| panic!("{name} has a numeric value:\n{}", reply.text));
        if zero {
            assert_eq!(value, 0.0, "{name} starts at zero on a fresh server");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_is_json_with_an_openapi_field() {
    let server = start_server().await;
    let reply = server.get("/openapi.json", None).await;
    assert!(reply.content_type.starts_with("application/json"));
    let text = reply.text.clone();
    assert!(
        text == switchboard_http::openapi::json(),
        "the server sends the document the code declares (run `cargo test -p switchboard-http` \
         to regenerate http/openapi.json)"
    );
    let doc = reply.expect(200);
    let version = doc["openapi"]
        .as_str()
        .unwrap_or_else(|| panic!("an `openapi` version string: {text}"));
    assert!(version.starts_with('3'), "OpenAPI 3.x, got {version}");
    assert!(doc["info"]["title"].is_string(), "info.title: {text}");
    assert!(doc["paths"].is_object(), "paths: {text}");
}
