//! The panel's settings and lists: company profile, chat window, departments, operators,
//! canned responses, offline messages. Reads need a session; changes need an admin.

use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use switchboard_engine::actors::tenant::{
    DeleteCanned, DeleteDepartment, DeleteOperator, GetSnapshot, SaveCanned, SaveDepartment,
    SaveOperator, Snapshot, UpdateTenant,
};
use switchboard_engine::engine::normalize_email;
use switchboard_engine::model::{self, Distribution, Field, Role, Status};
use switchboard_engine::routing::Fairness;
use switchboard_engine::text::{multi_line, one_line};
use switchboard_engine::Error;

use super::visitor::short_text;
use super::{account, admin, audit_target, json, query_param, read_json, Reply};
use crate::api;
use crate::convert::{self, distribution_name};
use crate::error::ApiError;
use crate::server::App;

/// Overwrites `target` when a patch gives a value.
fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

/// Longest settings text (welcome, offline texts).
const MAX_SETTING_CHARS: usize = 2000;

fn company_wire(c: &model::Company) -> api::Company {
    api::Company {
        name: c.name.clone(),
        key: c.key.clone(),
        address: c.address.clone(),
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
        &company_wire(&app.engine.ask(tenant, GetSnapshot).await?.tenant.company),
    )
}

/// `PUT /v1/company`.
pub async fn update_company(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let patch: api::CompanyPatch = read_json(app, req).await?;
    if let Some(name) = &patch.name {
        if name.trim().is_empty() {
            return Err(ApiError::invalid("name", "the company needs a name"));
        }
    }
    let name = patch
        .name
        .map(|n| short_text("name", Some(n), 200))
        .transpose()?;
    let address = patch.address.map(|a| multi_line(&a).trim().to_string());
    if address.as_ref().is_some_and(|a| a.chars().count() > 500) {
        return Err(ApiError::invalid("address", "use at most 500 characters"));
    }
    let country = patch.country.map(|c| c.trim().to_ascii_uppercase());
    if country.as_ref().is_some_and(|c| {
        !(c.is_empty() || (c.len() == 2 && c.chars().all(|x| x.is_ascii_uppercase())))
    }) {
        return Err(ApiError::invalid(
            "country",
            "use a two-letter ISO country code such as IE",
        ));
    }
    let currency = patch.currency.map(|c| c.trim().to_ascii_uppercase());
    if currency
        .as_ref()
        .is_some_and(|c| !["GBP", "EUR", "USD"].contains(&c.as_str()))
    {
        return Err(ApiError::invalid("currency", "use GBP, EUR or USD"));
    }
    let vat = patch
        .vat_number
        .map(|v| short_text("vat_number", Some(v), 20))
        .transpose()?;
    let zone = patch.time_zone.map(|z| one_line(&z));
    if zone
        .as_ref()
        .is_some_and(|z| z.is_empty() || z.len() > 64 || z.contains(char::is_whitespace))
    {
        return Err(ApiError::invalid(
            "time_zone",
            "use an IANA time zone such as Europe/Dublin",
        ));
    }
    let edit = Box::new(move |t: &mut model::Tenant, _: &Snapshot| {
        let c = &mut t.company;
        set(&mut c.name, name);
        set(&mut c.address, address);
        set(&mut c.country, country);
        set(&mut c.currency, currency);
        set(&mut c.vat_number, vat);
        set(&mut c.time_zone, zone);
        Ok(())
    });
    let (updated, ticket) = app.engine.ask(tenant, UpdateTenant(edit)).await??;
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
        distribution: distribution_name(w.distribution).into(),
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
        fairness: match w.fairness {
            Fairness::LeastBusy => "least_busy",
            Fairness::RoundRobin => "round_robin",
        }
        .into(),
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
        &window_wire(&app.engine.ask(tenant, GetSnapshot).await?.tenant.window),
    )
}

/// A timeout in seconds: 0.1 s to an hour.
fn seconds(field: &'static str, value: f64) -> Result<Duration, ApiError> {
    if !(0.1..=3600.0).contains(&value) {
        return Err(ApiError::invalid(field, "use 0.1 to 3600 seconds"));
    }
    Ok(Duration::from_secs_f64(value))
}

/// `PUT /v1/chat-window`: any subset of the settings.
pub async fn update_chat_window(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let mut p: api::ChatWindowPatch = read_json(app, req).await?;
    // Settings texts are shown in the window and the terminal: line breaks stay, control
    // characters do not.
    for text in [
        &mut p.welcome_message,
        &mut p.offline_message,
        &mut p.offline_thanks,
    ] {
        if let Some(t) = text.as_mut() {
            *t = multi_line(t);
        }
    }
    if let Some(lang) = &p.language {
        if !crate::api::languages::CODES.contains(&lang.as_str()) {
            return Err(ApiError::invalid(
                "language",
                format!("\"{lang}\" is not one of the 52 language codes"),
            ));
        }
    }
    let distribution = match p.distribution.as_deref() {
        None => None,
        Some("single") => Some(Distribution::Single),
        Some("all") => Some(Distribution::All),
        Some(_) => return Err(ApiError::invalid("distribution", "use single or all")),
    };
    let connection = p
        .connection_timeout_secs
        .map(|s| seconds("connection_timeout_secs", s))
        .transpose()?;
    let offer = p
        .offer_timeout_secs
        .map(|s| seconds("offer_timeout_secs", s))
        .transpose()?;
    for (field, text) in [
        ("welcome_message", &p.welcome_message),
        ("offline_message", &p.offline_message),
        ("offline_thanks", &p.offline_thanks),
    ] {
        if text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_SETTING_CHARS)
        {
            return Err(ApiError::invalid(
                field,
                format!("use at most {MAX_SETTING_CHARS} characters"),
            ));
        }
    }
    if let Some(Some(delay)) = p.invitation_delay_secs {
        if !(1..=3600).contains(&delay) {
            return Err(ApiError::invalid(
                "invitation_delay_secs",
                "use 1 to 3600 seconds, or null to turn invitations off",
            ));
        }
    }
    let fairness = match p.fairness.as_deref() {
        None => None,
        Some("least_busy") => Some(Fairness::LeastBusy),
        Some("round_robin") => Some(Fairness::RoundRobin),
        Some(_) => {
            return Err(ApiError::invalid(
                "fairness",
                "use least_busy or round_robin",
            ))
        }
    };
    let requested = p
        .requested_operator_timeout_secs
        .map(|s| seconds("requested_operator_timeout_secs", s))
        .transpose()?;
    let department = p
        .department_timeout_secs
        .map(|s| seconds("department_timeout_secs", s))
        .transpose()?;
    if p.max_queue.is_some_and(|q| q > 10_000) {
        return Err(ApiError::invalid("max_queue", "use 0 (no limit) to 10000"));
    }
    let max_wait = match p.max_wait_secs {
        Some(s) if !(0.0..=86_400.0).contains(&s) => {
            return Err(ApiError::invalid(
                "max_wait_secs",
                "use 0 (no limit) to 86400 seconds",
            ))
        }
        Some(s) => Some(Duration::from_secs_f64(s)),
        None => None,
    };
    let edit = Box::new(move |t: &mut model::Tenant, snapshot: &Snapshot| {
        let w = &mut t.window;
        set(&mut w.fairness, fairness);
        set(&mut w.requested_operator_timeout, requested);
        set(&mut w.department_timeout, department);
        set(&mut w.max_queue, p.max_queue);
        set(&mut w.max_wait, max_wait);
        if let Some(fallback) = p.fallback_department {
            if let Some(d) = fallback.filter(|d| !snapshot.departments.iter().any(|x| x.id == *d)) {
                return Err(Error::invalid(
                    "fallback_department",
                    format!("no department has id {d}"),
                ));
            }
            w.fallback_department = fallback;
        }
        let field = |f: api::FormField| Field {
            enabled: f.enabled,
            required: f.enabled && f.required,
        };
        set(&mut w.language, p.language);
        set(&mut w.distribution, distribution);
        set(&mut w.connection_timeout, connection);
        set(&mut w.offer_timeout, offer);
        set(&mut w.auto_canned, p.auto_canned_response);
        set(&mut w.welcome_screen, p.welcome_screen);
        set(&mut w.welcome_message, p.welcome_message);
        set(&mut w.name_field, p.name_field.map(field));
        set(&mut w.email_field, p.email_field.map(field));
        set(&mut w.offline_message, p.offline_message);
        set(&mut w.offline_thanks, p.offline_thanks);
        set(&mut w.tracking, p.tracking);
        set(
            &mut w.invitation_delay,
            p.invitation_delay_secs
                .map(|v| v.map(|s| Duration::from_secs(s.into()))),
        );
        if w.invitation_delay.is_some() && !w.tracking {
            return Err(Error::invalid(
                "invitation_delay_secs",
                "automatic invitations need visitor tracking: turn tracking on first",
            ));
        }
        Ok(())
    });
    let (updated, ticket) = app.engine.ask(tenant, UpdateTenant(edit)).await??;
    ticket.durable().await?;
    json(StatusCode::OK, &window_wire(&updated.window))
}

/// `GET /v1/departments`.
pub async fn departments(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let list: Vec<api::Department> = app
        .engine
        .ask(tenant, GetSnapshot)
        .await?
        .departments
        .into_iter()
        .map(|d| api::Department {
            id: d.id,
            name: d.name,
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
        .ask(
            tenant,
            SaveDepartment {
                id,
                name: one_line(&body.name),
            },
        )
        .await??;
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
    let ticket = app.engine.ask(tenant, DeleteDepartment(id)).await??;
    ticket.durable().await?;
    json(StatusCode::OK, &serde_json::json!({ "deleted": id }))
}

fn operator_wire(a: &model::Account, s: &Snapshot) -> api::Operator {
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
    let s = app.engine.ask(tenant, GetSnapshot).await?;
    let list: Vec<api::Operator> = s.accounts.iter().map(|a| operator_wire(a, &s)).collect();
    json(StatusCode::OK, &list)
}

/// `GET /v1/operators/{sip}`.
pub async fn operator(app: &Arc<App>, req: Request<Incoming>, sip: &str) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let s = app.engine.ask(tenant, GetSnapshot).await?;
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
        .ask(tenant, GetSnapshot)
        .await?
        .accounts
        .into_iter()
        .find(|a| a.sip.as_deref() == Some(sip));
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
    let (account, ticket) = app.engine.ask(tenant, msg).await??;
    ticket.durable().await?;
    if existed && (new_password || new_email) {
        // A password or an email set by the admin signs the operator out everywhere: whoever
        // held a session under the old credentials loses it.
        let keep = (account.id == admin_id).then_some(session.as_str());
        app.engine.end_sessions(tenant, account.id, keep).await?;
    }
    let s = app.engine.ask(tenant, GetSnapshot).await?;
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
    let (account, ticket) = app
        .engine
        .ask(tenant, DeleteOperator(sip.to_string()))
        .await??;
    ticket.durable().await?;
    app.engine.end_sessions(tenant, account, None).await?;
    json(StatusCode::OK, &serde_json::json!({ "deleted": sip }))
}

/// `GET /v1/canned-responses`.
pub async fn canned(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let list: Vec<api::Canned> = app
        .engine
        .ask(tenant, GetSnapshot)
        .await?
        .canned
        .into_iter()
        .map(|c| api::Canned {
            id: c.id,
            shortcut: c.shortcut,
            text: c.text,
        })
        .collect();
    json(StatusCode::OK, &list)
}

/// `POST /v1/canned-responses` (201) and `PUT /v1/canned-responses/{id}` (200).
pub async fn save_canned(app: &Arc<App>, req: Request<Incoming>, id: Option<u64>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let body: api::CannedRequest = read_json(app, req).await?;
    let msg = SaveCanned {
        id,
        shortcut: body.shortcut,
        text: multi_line(&body.text),
    };
    let (c, ticket) = app.engine.ask(tenant, msg).await??;
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
    let ticket = app.engine.ask(tenant, DeleteCanned(id)).await??;
    ticket.durable().await?;
    json(StatusCode::OK, &serde_json::json!({ "deleted": id }))
}

/// The wire form of an offline message.
pub fn offline_message_wire(m: &model::OfflineMessage, s: &Snapshot) -> api::OfflineMessage {
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
    let s = app.engine.ask(tenant, GetSnapshot).await?;
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
