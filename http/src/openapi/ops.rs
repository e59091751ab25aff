//! Operations tagged `operations`: health, metrics, this document.

use super::schemas::{Document, Health, OneDay, Svg, Text};
use crate::api::ErrorBody;

/// Health check: the server answers and storage reads.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "getHealthz",
    tag = "operations",
    responses(
        (status = 200, description = "Healthy.", body = inline(Health)),
    ),
    security(()),
)]
pub(super) fn get_healthz() {}

/// Prometheus metrics.
///
/// Answers a client on loopback that is not relayed by a proxy (no `Forwarded`, `X-Forwarded-For`
/// or `X-Real-IP` header), or any client sending the configured `[http] metrics_token` as
/// `Authorization: Bearer`; anyone else gets 403 `metrics_forbidden`.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "getMetrics",
    tag = "operations",
    responses(
        (
            status = 200,
            description = "Prometheus text format 0.0.4. Counters: \
                           switchboard_chats_started_total, switchboard_chats_routed_total, \
                           switchboard_chats_timed_out_total, switchboard_chats_offline_total, \
                           switchboard_messages_total, switchboard_storage_flushes_total. Gauges: switchboard_open_streams, \
                           switchboard_queue_length, switchboard_tenant_actors, \
                           switchboard_operator_actors, switchboard_visitor_actors.",
            body = inline(Text),
            content_type = "text/plain; version=0.0.4",
        ),
        (
            status = 403,
            description = "`metrics_forbidden`: not on loopback and no (or a wrong) metrics token.",
            body = ErrorBody,
        ),
    ),
    security(()),
)]
pub(super) fn get_metrics() {}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "getOpenapiJson",
    tag = "operations",
    responses(
        (
            status = 200,
            description = "The OpenAPI 3.1 description of the API.",
            body = inline(Document),
        ),
    ),
    security(()),
)]
pub(super) fn get_openapi_json() {}

/// The site icon (SVG).
#[utoipa::path(
    get,
    path = "/favicon.ico",
    operation_id = "getFavicon",
    tag = "operations",
    responses(
        (
            status = 200,
            description = "The icon.",
            body = inline(Svg),
            content_type = "image/svg+xml",
            headers(("Cache-Control" = inline(OneDay))),
        ),
    ),
    security(()),
)]
pub(super) fn get_favicon() {}
