//! Sign-up, sign-in and the signed-in operator's own resources: status and event stream.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use switchboard_engine::events::{OperatorEvent, Sequenced};
use switchboard_engine::model::Status;

use super::{account, event_stream, json, last_event_id, read_json, token, Reply};
use crate::api;
use crate::convert::{self, author};
use crate::error::ApiError;
use crate::limits::{request_ip, Action};
use crate::server::App;
use crate::sse::{frame, SseBody};

/// `POST /v1/signup`: a new company and its first admin.
pub async fn signup(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let body: api::SignupRequest = read_json(app, req).await?;
    let signed = app
        .engine
        .signup(&body.company, &body.email, &body.password)
        .await?;
    json(
        StatusCode::CREATED,
        &api::SignupResponse {
            key: signed.key,
            token: signed.token,
        },
    )
}

/// `POST /v1/login`: limited per address, per company and per account (a lockout that
/// grows with each wrong password), all before the slow hash.
pub async fn login(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let limits = &app.limits;
    limits.check_ip(Action::SignIn, request_ip(app, &req))?;
    let body: api::LoginRequest = read_json(app, req).await?;
    limits.check_account(&body.email)?;
    if let Some(company) = app.engine.tenant_of_email(&body.email)? {
        limits.check_company(Action::SignIn, company)?;
    }
    let (token, role, _) = app
        .engine
        .login(&body.email, &body.password)
        .await
        .map_err(|e| match e {
            switchboard_engine::Error::Unauthorized => {
                limits.sign_in_failed(&body.email);
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "bad_credentials",
                    "the email or the password is wrong",
                )
            }
            other => other.into(),
        })?;
    limits.sign_in_succeeded(&body.email);
    json(
        StatusCode::OK,
        &api::LoginResponse {
            token,
            role: convert::role(role),
        },
    )
}

/// `POST /v1/logout`: the token stops working.
pub async fn logout(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    account(app, &req)?;
    let token = token(&req).expect("account() found a token");
    app.engine.logout(&token).await?;
    json(StatusCode::OK, &serde_json::json!({ "logged_out": true }))
}

/// `GET /v1/me`.
pub async fn me(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, id) = account(app, &req)?;
    let me = app.engine.account(tenant, id)?;
    let snapshot = app.engine.view(tenant)?;
    let status = snapshot
        .load
        .iter()
        .find(|l| l.account == id)
        .map_or(Status::Offline, |l| l.status);
    json(
        StatusCode::OK,
        &api::Me {
            id,
            email: me.email,
            name: me.name,
            sip: me.sip,
            role: convert::role(me.role),
            status: convert::status(status),
            company: snapshot.tenant.company.name.clone(),
            key: snapshot.tenant.company.key.clone(),
            time_zone: snapshot.tenant.company.time_zone.clone(),
        },
    )
}

/// `PUT /v1/me/status`.
pub async fn set_status(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, id) = account(app, &req)?;
    let body: api::StatusBody = read_json(app, req).await?;
    let Some(status) = api::Status::parse(&body.status) else {
        return Err(ApiError::invalid("status", "use online, away or offline"));
    };
    let status = convert::status_from(status);
    app.engine.set_status(tenant, id, status).await?;
    json(StatusCode::OK, &body)
}

/// `GET /v1/me/events`: the operator's event stream.
pub async fn events(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, id) = account(app, &req)?;
    let slot = app
        .streams
        .open(&token(&req).expect("account() found a token"))?;
    let after = last_event_id(&req)?;
    let (subscription, end) = app.engine.operator_events(tenant, id, after).await?;
    // The hub learns at once that a terminal went away: presence and its grace start there.
    let body = SseBody::new(
        subscription,
        encode_operator_event,
        app.metrics.clone(),
        app.shutdown.clone(),
    )
    .on_close(Box::new(move || {
        end();
        drop(slot);
    }));
    Ok(event_stream(body))
}

fn encode_operator_event(event: &Sequenced<OperatorEvent>) -> bytes::Bytes {
    let data = operator_event(&event.event);
    let name = data.name();
    frame(event.seq, name, &data)
}

/// The wire form of an operator event.
pub fn operator_event(event: &OperatorEvent) -> api::OperatorEventData {
    use api::OperatorEventData as D;
    match event {
        OperatorEvent::Offer(o) => D::Offer {
            chat_id: o.chat,
            name: o.name.clone(),
            email: o.email.clone(),
            department: o.department.as_ref().map(|(id, name)| api::DepartmentRef {
                id: *id,
                name: name.clone(),
            }),
            page_url: o.page_url.clone(),
            created_at: o.created_at,
            previous_operator: o.previous_operator.clone(),
        },
        OperatorEvent::Withdrawn { chat } => D::Withdrawn { chat_id: *chat },
        OperatorEvent::Assigned { chat } => D::Assigned { chat_id: *chat },
        OperatorEvent::Released { chat } => D::Released { chat_id: *chat },
        OperatorEvent::Message {
            chat,
            seq,
            author: a,
            text,
            at,
        } => {
            let (author, name) = author(a);
            D::Message {
                chat_id: *chat,
                seq: *seq,
                author,
                name,
                text: text.clone(),
                at: *at,
            }
        }
        OperatorEvent::Typing { chat } => D::Typing { chat_id: *chat },
        OperatorEvent::Closed { chat, by } => D::Closed {
            chat_id: *chat,
            by: convert::closed_by(*by),
        },
        OperatorEvent::Queue { length } => D::Queue { length: *length },
        OperatorEvent::Visitor(v) => D::Visitor {
            visitor: crate::convert::visitor(v),
        },
        OperatorEvent::VisitorLeft { visitor } => D::VisitorLeft {
            visitor_id: *visitor,
        },
        OperatorEvent::Changed(resource) => D::Changed {
            resource: crate::convert::resource(*resource),
        },
        OperatorEvent::OfflineMessage {
            message,
            operator_sip,
        } => D::OfflineMessage {
            message: crate::convert::offline_message(message, operator_sip.clone()),
        },
        OperatorEvent::VisitorPresence { chat, present } => D::VisitorPresence {
            chat_id: *chat,
            present: *present,
        },
        OperatorEvent::Reset => D::Reset,
    }
}

/// `PUT /v1/me/password`: checks the current password, sets the new one and ends the
/// account's other sessions; 204 once durable.
pub async fn change_password(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, id) = account(app, &req)?;
    let session = token(&req).expect("account() found a token");
    let body: api::PasswordChange = read_json(app, req).await?;
    app.engine
        .change_password(tenant, id, &body.current, &body.new, &session)
        .await
        .map_err(|e| match e {
            switchboard_engine::Error::Forbidden(message) => {
                ApiError::new(StatusCode::FORBIDDEN, "wrong_password", message)
            }
            other => other.into(),
        })?;
    Ok(super::no_content())
}
