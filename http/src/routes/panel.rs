//! The panel's settings and lists: company profile, chat window, departments, operators,
//! canned responses, offline messages. Reads need a session; changes need an admin.

use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use switchboard_engine::engine::normalize_email;
use switchboard_engine::engine::{SaveOperator, TenantView};
use switchboard_engine::model::{self, Field, Role, Status};
use switchboard_engine::settings::{CompanyPatch, SettingsEdit, WindowPatch};
use switchboard_engine::text::{multi_line, one_line};
use switchboard_engine::Error;

use super::visitor::short_text;
use super::{account, admin, audit_target, json, query_param, read_json, Reply};
use crate::api;
use crate::convert;
use crate::error::ApiError;
use crate::server::App;

fn company_wire(c: &model::Company) -> api::Company {
    api::Company {
        name: c.name.clone(),
        key: c.key.clone(),
        address: api::Address {
            street: c.address.street.clone(),
            city: c.address.city.clone(),
            postcode: c.address.postcode.clone(),
        },
        country: c.country.clone(),
        currency: c.currency.clone(),
        vat_number: c.vat_number.clone(),
        time_zone: c.time_zone.clone(),
    }
}

/// `GET /v1/company`.
pub async fn company(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    json(
        StatusCode::OK,
        &company_wire(&app.engine.view(tenant)?.tenant.company),
    )
}

/// `PUT /v1/company`.
pub async fn update_company(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let patch: api::CompanyPatch = read_json(app, req).await?;
    // Texts are cleaned here; every rule on them is the engine's (settings::apply).
    let edit = SettingsEdit::Company(CompanyPatch {
        name: patch.name.map(|n| one_line(&n)),
        address: patch.address.map(|a| model::Address {
            street: one_line(&a.street),
            city: one_line(&a.city),
            postcode: one_line(&a.postcode),
        }),
        country: patch.country.map(|c| c.trim().to_ascii_uppercase()),
        currency: patch.currency.map(|c| c.trim().to_ascii_uppercase()),
        vat_number: patch.vat_number.map(|v| one_line(&v)),
        time_zone: patch.time_zone.map(|z| one_line(&z)),
    });
    let (updated, ticket) = app.engine.update_settings(tenant, edit).await?;
    ticket.durable().await?;
    json(StatusCode::OK, &company_wire(&updated.company))
}

fn window_wire(w: &model::ChatWindow) -> api::ChatWindow {
    let field = |f: Field| api::FormField {
        enabled: f.enabled,
        required: f.required,
    };
    api::ChatWindow {
        language: w.language.clone(),
        distribution: convert::distribution(w.distribution),
        connection_timeout_secs: w.connection_timeout.as_secs_f64(),
        offer_timeout_secs: w.offer_timeout.as_secs_f64(),
        auto_canned_response: w.auto_canned,
        welcome_screen: w.welcome_screen,
        welcome_message: w.welcome_message.clone(),
        name_field: field(w.name_field),
        email_field: field(w.email_field),
        offline_message: w.offline_message.clone(),
        offline_thanks: w.offline_thanks.clone(),
        tracking: w.tracking,
        invitation_delay_secs: w.invitation_delay.map(|d| d.as_secs() as u32),
        fairness: convert::fairness(w.fairness),
        requested_operator_timeout_secs: w.requested_operator_timeout.as_secs_f64(),
        department_timeout_secs: w.department_timeout.as_secs_f64(),
        fallback_department: w.fallback_department,
        max_queue: w.max_queue,
        max_wait_secs: w.max_wait.as_secs_f64(),
    }
}

/// `GET /v1/chat-window`.
pub async fn chat_window(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    json(
        StatusCode::OK,
        &window_wire(&app.engine.view(tenant)?.tenant.window),
    )
}

/// Seconds as a duration; the engine checks the range, this only refuses what is not a
/// duration at all (negative, not finite).
fn seconds(field: &'static str, value: Option<f64>) -> Result<Option<Duration>, ApiError> {
    value
        .map(|s| {
            Duration::try_from_secs_f64(s)
                .map_err(|_| ApiError::invalid(field, "use a number of seconds, 0 or more"))
        })
        .transpose()
}

/// `PUT /v1/chat-window`: any subset of the settings.
pub async fn update_chat_window(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let p: api::ChatWindowPatch = read_json(app, req).await?;
    if let Some(lang) = &p.language {
        if !crate::api::languages::CODES.contains(&lang.as_str()) {
            return Err(ApiError::invalid(
                "language",
                format!("\"{lang}\" is not one of the 52 language codes"),
            ));
        }
    }
    let distribution = convert::parse_distribution(p.distribution.as_deref())
        .map_err(|why| ApiError::invalid("distribution", why))?;
    let fairness = convert::parse_fairness(p.fairness.as_deref())
        .map_err(|why| ApiError::invalid("fairness", why))?;
    let field = |f: api::FormField| Field {
        enabled: f.enabled,
        required: f.required,
    };
    // Settings texts are shown in the window and the terminal: line breaks stay, control
    // characters do not. Every other rule is the engine's (settings::apply).
    let edit = SettingsEdit::Window(WindowPatch {
        language: p.language,
        distribution,
        connection_timeout: seconds("connection_timeout_secs", p.connection_timeout_secs)?,
        offer_timeout: seconds("offer_timeout_secs", p.offer_timeout_secs)?,
        auto_canned: p.auto_canned_response,
        welcome_screen: p.welcome_screen,
        welcome_message: p.welcome_message.map(|t| multi_line(&t)),
        name_field: p.name_field.map(field),
        email_field: p.email_field.map(field),
        offline_message: p.offline_message.map(|t| multi_line(&t)),
        offline_thanks: p.offline_thanks.map(|t| multi_line(&t)),
        tracking: p.tracking,
        invitation_delay: p
            .invitation_delay_secs
            .map(|v| v.map(|s| Duration::from_secs(s.into()))),
        fairness,
        requested_operator_timeout: seconds(
            "requested_operator_timeout_secs",
            p.requested_operator_timeout_secs,
        )?,
        department_timeout: seconds("department_timeout_secs", p.department_timeout_secs)?,
        fallback_department: p.fallback_department,
        max_queue: p.max_queue,
        max_wait: seconds("max_wait_secs", p.max_wait_secs)?,
        active_graphics: None,
        custom_buttons: None,
    });
    let (updated, ticket) = app.engine.update_settings(tenant, edit).await?;
    ticket.durable().await?;
    json(StatusCode::OK, &window_wire(&updated.window))
}

/// `GET /v1/departments`.
pub async fn departments(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let list: Vec<api::Department> = app
        .engine
        .view(tenant)?
        .departments
        .iter()
        .map(|d| api::Department {
            id: d.id,
            name: d.name.clone(),
        })
        .collect();
    json(StatusCode::OK, &list)
}

/// `POST /v1/departments` (201) and `PUT /v1/departments/{id}` (200).
pub async fn save_department(app: &Arc<App>, req: Request<Incoming>, id: Option<u64>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let body: api::DepartmentRequest = read_json(app, req).await?;
    let (d, ticket) = app
        .engine
        .save_department(tenant, id, one_line(&body.name))
        .await?;
    ticket.durable().await?;
    audit_target(d.id.to_string());
    let status = if id.is_none() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    json(
        status,
        &api::Department {
            id: d.id,
            name: d.name,
        },
    )
}

/// `DELETE /v1/departments/{id}`.
pub async fn delete_department(app: &Arc<App>, req: Request<Incoming>, id: u64) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let ticket = app.engine.delete_department(tenant, id).await?;
    ticket.durable().await?;
    json(StatusCode::OK, &serde_json::json!({ "deleted": id }))
}

fn operator_wire(a: &model::Account, s: &TenantView) -> api::Operator {
    let load = s.load.iter().find(|l| l.account == a.id);
    api::Operator {
        id: a.id,
        sip: a.sip.clone(),
        name: a.name.clone(),
        email: a.email.clone(),
        role: convert::role(a.role),
        max_chats: a.max_chats,
        departments: a.departments.clone(),
        status: convert::status(load.map_or(Status::Offline, |l| l.status)),
        open_chats: load.map_or(0, |l| l.open),
        available: load.is_some_and(|l| l.available),
    }
}

/// `GET /v1/operators`: every account, admins included.
pub async fn operators(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let s = app.engine.view(tenant)?;
    let list: Vec<api::Operator> = s.accounts.iter().map(|a| operator_wire(a, &s)).collect();
    json(StatusCode::OK, &list)
}

/// `GET /v1/operators/{sip}`.
pub async fn operator(app: &Arc<App>, req: Request<Incoming>, sip: &str) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let s = app.engine.view(tenant)?;
    let found = s
        .accounts
        .iter()
        .find(|a| a.sip.as_deref() == Some(sip))
        .ok_or(Error::NotFound("operator"))?;
    json(StatusCode::OK, &operator_wire(found, &s))
}

/// Checks a SIP username: what visitors type after `operator=`.
fn check_sip(sip: &str) -> Result<(), ApiError> {
    if sip.is_empty()
        || sip.len() > 32
        || !sip
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(ApiError::invalid(
            "sip",
            "use 1 to 32 letters, digits, '.', '_' or '-'",
        ));
    }
    Ok(())
}

/// `PUT /v1/operators/{sip}`: creates (201) or changes (200) an operator.
pub async fn save_operator(app: &Arc<App>, req: Request<Incoming>, sip: &str) -> Reply {
    let (tenant, admin_id) = admin(app, &req)?;
    check_sip(sip)?;
    // The admin's own session survives a change they make to their own account.
    let session = super::token(&req).expect("admin() found a token");
    let body: api::OperatorRequest = read_json(app, req).await?;
    let before = app
        .engine
        .view(tenant)?
        .accounts
        .iter()
        .find(|a| a.sip.as_deref() == Some(sip))
        .cloned();
    let existed = before.is_some();
    let email = body.email.map(|e| normalize_email(&e)).transpose()?;
    let new_email = before
        .as_ref()
        .zip(email.as_ref())
        .is_some_and(|(b, e)| b.email != *e);
    let password_hash = match body.password {
        Some(p) => Some(app.engine.hash_password(&p).await?),
        None => None,
    };
    let name = body
        .name
        .map(|n| short_text("name", Some(n), 100))
        .transpose()?
        .filter(|n| !n.is_empty());
    let role = match body.role.as_deref().map(api::Role::parse) {
        None => None,
        Some(Some(role)) => Some(convert::role_from(role)),
        Some(None) => return Err(ApiError::invalid("role", "use admin or operator")),
    };
    let new_password = password_hash.is_some();
    let msg = SaveOperator {
        sip: sip.to_string(),
        name,
        email,
        password_hash,
        max_chats: body.max_chats,
        departments: body.departments,
        role,
    };
    let (account, ticket) = app.engine.save_operator(tenant, msg).await?;
    ticket.durable().await?;
    if existed && (new_password || new_email) {
        // A password or an email set by the admin signs the operator out everywhere: whoever
        // held a session under the old credentials loses it.
        let keep = (account.id == admin_id).then_some(session.as_str());
        app.engine.end_sessions(tenant, account.id, keep).await?;
    }
    let s = app.engine.view(tenant)?;
    json(
        if existed {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        &operator_wire(&account, &s),
    )
}

/// `DELETE /v1/operators/{sip}`.
pub async fn delete_operator(app: &Arc<App>, req: Request<Incoming>, sip: &str) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let (account, ticket) = app.engine.delete_operator(tenant, sip.to_string()).await?;
    ticket.durable().await?;
    app.engine.end_sessions(tenant, account, None).await?;
    json(StatusCode::OK, &serde_json::json!({ "deleted": sip }))
}

/// `GET /v1/canned-responses`.
pub async fn canned(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let list: Vec<api::Canned> = app
        .engine
        .view(tenant)?
        .canned
        .iter()
        .map(|c| api::Canned {
            id: c.id,
            shortcut: c.shortcut.clone(),
            text: c.text.clone(),
        })
        .collect();
    json(StatusCode::OK, &list)
}

/// `POST /v1/canned-responses` (201) and `PUT /v1/canned-responses/{id}` (200).
pub async fn save_canned(app: &Arc<App>, req: Request<Incoming>, id: Option<u64>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let body: api::CannedRequest = read_json(app, req).await?;
    let (c, ticket) = app
        .engine
        .save_canned(tenant, id, body.shortcut, multi_line(&body.text))
        .await?;
    ticket.durable().await?;
    audit_target(c.id.to_string());
    let status = if id.is_none() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    json(
        status,
        &api::Canned {
            id: c.id,
            shortcut: c.shortcut,
            text: c.text,
        },
    )
}

/// `DELETE /v1/canned-responses/{id}`.
pub async fn delete_canned(app: &Arc<App>, req: Request<Incoming>, id: u64) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let ticket = app.engine.delete_canned(tenant, id).await?;
    ticket.durable().await?;
    json(StatusCode::OK, &serde_json::json!({ "deleted": id }))
}

/// The wire form of an offline message.
pub fn offline_message_wire(m: &model::OfflineMessage, s: &TenantView) -> api::OfflineMessage {
    let sip = m
        .operator
        .and_then(|id| s.accounts.iter().find(|a| a.id == id))
        .and_then(|a| a.sip.clone());
    crate::convert::offline_message(m, sip)
}

/// `GET /v1/offline-messages`: newest first.
pub async fn offline_messages(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let page = super::Page::of(&req)?;
    let s = app.engine.view(tenant)?;
    let list: Vec<api::OfflineMessage> = app
        .engine
        .offline_messages(tenant, page.after, page.limit)?
        .iter()
        .map(|m| offline_message_wire(m, &s))
        .collect();
    json(StatusCode::OK, &list)
}

/// `POST /v1/offline-messages/{id}/done`: an operator handled it; 204 once durable.
pub async fn offline_done(app: &Arc<App>, req: Request<Incoming>, id: u64) -> Reply {
    let (tenant, _) = account(app, &req)?;
    app.engine.mark_offline_done(tenant, id).await?;
    Ok(super::no_content())
}

/// Largest page of the audit log; the default is [`AUDIT_PAGE`].
const MAX_AUDIT_PAGE: usize = 200;

/// Audit entries per page when `?limit=` is absent.
const AUDIT_PAGE: usize = 50;

/// `GET /v1/audit-log?limit=&after=`: the company's admin changes, newest first, for its
/// admins only; `after` is the previous page's `next`.
pub async fn audit_log(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, id) = account(app, &req)?;
    if app.engine.account(tenant, id)?.role != Role::Admin {
        return Err(Error::Forbidden("only an admin can read the audit log").into());
    }
    let limit = match query_param(&req, "limit") {
        None => AUDIT_PAGE,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_AUDIT_PAGE).contains(l))
            .ok_or_else(|| ApiError::invalid("limit", format!("use 1 to {MAX_AUDIT_PAGE}")))?,
    };
    let after = query_param(&req, "after")
        .map(|raw| {
            raw.parse::<u64>()
                .map_err(|_| ApiError::invalid("after", "use the `next` of the previous page"))
        })
        .transpose()?;
    // One more than asked says whether another page follows.
    let mut entries = app.engine.audit_log(tenant, after, limit + 1)?;
    let next = if entries.len() > limit {
        entries.truncate(limit);
        entries.last().map(|e| e.id.to_string())
    } else {
        None
    };
    let entries = entries
        .into_iter()
        .map(|e| api::AuditEntry {
            id: e.id,
            at: e.at,
            account_id: e.account,
            actor: e.actor,
            action: e.action,
            target: e.target,
            fields: e.fields,
        })
        .collect();
    json(StatusCode::OK, &api::AuditLog { entries, next })
}
