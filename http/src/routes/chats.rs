//! Chats: history, accept, messages both ways, typing, close, and the visitor's event stream.
//! Operators act with their session token; a visitor with the chat's token, on that chat only.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use switchboard_engine::engine::Transfer;
use switchboard_engine::engine::{MAX_CLIENT_ID_CHARS, MAX_MESSAGE_CHARS};
use switchboard_engine::events::{ChatEvent, LogEvents, Sequenced};
use switchboard_engine::model::{Author, ChatId, TenantId};
use switchboard_engine::{Error, Principal};

use super::{
    account, event_stream, json, last_event_id, no_content, principal, query_param, read_json,
    token, Reply,
};
use crate::api;
use crate::convert::{self, author};
use crate::error::ApiError;
use crate::server::App;
use crate::sse::{frame, SseBody};

/// Most chats one history page lists.
use super::{Page, MAX_LIST};

/// Longest history search, in characters: longer is not a search for words.
const MAX_QUERY_CHARS: usize = 200;

/// Earlier chats shown beside a chat: enough to recognise a returning visitor.
const PREVIOUS_CHATS: usize = 20;

/// The chat's company, checking the caller may see it (another company's chat is a 404).
fn authorize(
    app: &App,
    req: &Request<Incoming>,
    chat: ChatId,
) -> Result<(TenantId, Principal), ApiError> {
    let who = principal(app, req)?;
    match who {
        Principal::Visitor { chat: own, .. } if own != chat => {
            Err(ApiError::from(Error::NotFound("chat")))
        }
        _ => {
            app.engine.chat(who.tenant(), chat)?;
            Ok((who.tenant(), who))
        }
    }
}

/// `GET /v1/chats?q=&limit=&after=`: the company's chats, newest first; `q` keeps those whose
/// visitor name, email or any message contains it (any case, any script); `after` is the
/// last id of the previous page.
pub async fn list(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let Page { limit, after } = Page::of(&req)?;
    let q = query_param(&req, "q");
    if q.as_ref()
        .is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS)
    {
        return Err(ApiError::invalid(
            "q",
            format!("search for at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let chats: Vec<api::Chat> = app
        .engine
        .chats(tenant, after, limit, q.as_deref())?
        .iter()
        .map(convert::chat)
        .collect();
    json(StatusCode::OK, &chats)
}

/// `GET /v1/queue?limit=`: chats waiting with no offer, head of the queue first.
pub async fn queue(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let Page { limit, .. } = Page::of(&req)?;
    let chats: Vec<api::Chat> = app
        .engine
        .queue(tenant, limit)
        .await?
        .iter()
        .map(convert::chat)
        .collect();
    json(StatusCode::OK, &chats)
}

/// `POST /v1/chats/{id}/decline`: the operator turns an offer down; it moves on at once.
pub async fn decline(app: &Arc<App>, req: Request<Incoming>, id: ChatId) -> Reply {
    let (tenant, account) = account(app, &req)?;
    app.engine.decline(tenant, id, account).await?;
    Ok(no_content())
}

/// `GET /v1/chats/{id}/visitor`: who the chat's visitor is: the pages they saw and their
/// earlier chats (same visitor id, or same email).
pub async fn visitor(app: &Arc<App>, req: Request<Incoming>, id: ChatId) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let chat = app.engine.chat(tenant, id)?;
    let snapshot = app.engine.snapshot(tenant).await?;
    let tracked = snapshot.visitors.iter().find(|v| v.id == chat.visitor);
    let previous = app.engine.chats_where(tenant, None, PREVIOUS_CHATS, |c| {
        Ok(c.id != chat.id
            && (c.visitor == chat.visitor || (!chat.email.is_empty() && c.email == chat.email)))
    })?;
    json(
        StatusCode::OK,
        &api::VisitorProfile {
            name: chat.name.clone(),
            email: chat.email.clone(),
            visitor: tracked.map(|v| convert::visitor(v)),
            previous_chats: previous.iter().map(convert::chat).collect(),
        },
    )
}

/// `GET /v1/chats/{id}`.
pub async fn get(app: &Arc<App>, req: Request<Incoming>, id: ChatId) -> Reply {
    let (tenant, _) = authorize(app, &req, id)?;
    json(
        StatusCode::OK,
        &convert::chat(&app.engine.chat(tenant, id)?),
    )
}

/// `POST /v1/chats/{id}/accept`: 200, or 409 when another operator took it.
pub async fn accept(app: &Arc<App>, req: Request<Incoming>, id: ChatId) -> Reply {
    let (tenant, account) = account(app, &req)?;
    let chat = app.engine.accept(tenant, id, account).await?;
    json(StatusCode::OK, &convert::chat(&chat))
}

/// `GET /v1/chats/{id}/messages?after=&limit=`: the transcript, log entries in order after
/// the `seq` given (a page of at most [`MAX_LIST`]).
pub async fn transcript(app: &Arc<App>, req: Request<Incoming>, id: ChatId) -> Reply {
    authorize(app, &req, id)?;
    let Page { limit, after } = Page::of_up_to(&req, MAX_LIST, MAX_LIST)?;
    let mut events = LogEvents::default();
    let entries: api::Transcript = app
        .engine
        .log_page(id, after.unwrap_or(0), limit)?
        .iter()
        .map(|e| {
            chat_event(&Sequenced {
                seq: e.seq,
                event: events.event(e),
            })
        })
        .collect();
    json(StatusCode::OK, &entries)
}

/// `POST /v1/chats/{id}/messages`: 201 `{seq}` once the message is durable.
pub async fn post(app: &Arc<App>, req: Request<Incoming>, id: ChatId) -> Reply {
    let (tenant, who) = authorize(app, &req, id)?;
    let body: api::MessageRequest = read_json(app, req).await?;
    let text = switchboard_engine::text::multi_line(&body.text)
        .trim_end()
        .to_string();
    if text.trim().is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::invalid(
            "text",
            format!("give 1 to {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    if body.client_id.is_empty() || body.client_id.chars().count() > MAX_CLIENT_ID_CHARS {
        return Err(ApiError::invalid(
            "client_id",
            format!("give 1 to {MAX_CLIENT_ID_CHARS} characters"),
        ));
    }
    let author = match who {
        Principal::Visitor { .. } => Author::Visitor,
        Principal::Account { account, .. } => Author::Operator {
            id: account,
            name: app.engine.account(tenant, account)?.name,
        },
    };
    let seq = app
        .engine
        .post_message(tenant, id, author, text, body.client_id)
        .await?;
    json(StatusCode::CREATED, &api::MessageResponse { seq })
}

/// `POST /v1/chats/{id}/typing`: tells the other side.
pub async fn typing(app: &Arc<App>, req: Request<Incoming>, id: ChatId) -> Reply {
    let (tenant, who) = authorize(app, &req, id)?;
    let operator = match who {
        Principal::Visitor { .. } => None,
        Principal::Account { account, .. } => {
            Some((account, app.engine.account(tenant, account)?.name))
        }
    };
    app.engine.typing(tenant, id, operator).await?;
    json(StatusCode::OK, &serde_json::json!({ "typing": true }))
}

/// `POST /v1/chats/{id}/close`: by the visitor, the holding operator or an admin.
pub async fn close(app: &Arc<App>, req: Request<Incoming>, id: ChatId) -> Reply {
    let (tenant, who) = authorize(app, &req, id)?;
    let by = match who {
        Principal::Visitor { .. } => None,
        Principal::Account { account, .. } => Some(account),
    };
    app.engine.close(tenant, id, by).await?;
    json(
        StatusCode::OK,
        &convert::chat(&app.engine.chat(tenant, id)?),
    )
}

/// `GET /v1/chats/{id}/events`: the chat's event stream, resuming after `Last-Event-ID`.
pub async fn events(app: &Arc<App>, req: Request<Incoming>, id: ChatId) -> Reply {
    let (tenant, who) = authorize(app, &req, id)?;
    let slot = app
        .streams
        .open(&token(&req).expect("authorize() found a token"))?;
    let after = last_event_id(&req)?.unwrap_or(0);
    let window = matches!(who, Principal::Visitor { .. });
    let (subscription, end) = app.engine.chat_events(tenant, id, after, window).await?;
    let body = SseBody::new(
        subscription,
        encode_chat_event,
        app.metrics.clone(),
        app.shutdown.clone(),
    );
    // Only the visitor's own windows count for "the visitor left"; an operator reading the
    // chat's stream does not.
    let body = body.on_close(Box::new(move || {
        drop(slot);
        end();
    }));
    Ok(event_stream(body))
}

fn encode_chat_event(event: &Sequenced<ChatEvent>) -> bytes::Bytes {
    let data = chat_event(event);
    frame(event.seq, data.name(), &data)
}

/// The wire form of a chat event.
pub fn chat_event(event: &Sequenced<ChatEvent>) -> api::ChatEventData {
    use api::ChatEventData as D;
    let seq = event.seq;
    match &event.event {
        ChatEvent::Requeued { name } => D::Requeued {
            seq,
            name: name.clone(),
        },
        ChatEvent::Transferred => D::Transferred { seq },
        ChatEvent::Queued {
            position,
            wait_secs,
        } => D::Queued {
            wait_secs: *wait_secs,
            position: *position,
        },
        ChatEvent::Joined { name } => D::Joined {
            seq,
            name: name.clone(),
        },
        ChatEvent::Message {
            author: a,
            text,
            at,
            client_id,
        } => {
            let (author, name) = author(a);
            D::Message {
                seq,
                author,
                name,
                text: text.clone(),
                at: *at,
                client_id: client_id.clone(),
            }
        }
        ChatEvent::Typing { who } => D::Typing { who: who.clone() },
        ChatEvent::Timeout => D::Timeout { seq },
        ChatEvent::Closed { by } => D::Closed {
            seq,
            by: convert::closed_by(*by),
        },
    }
}

/// `POST /v1/chats/{id}/transfer`: the holding operator (or an admin) hands the chat to an
/// operator (`{"operator": sip}`) or a department (`{"department": id}`).
pub async fn transfer(app: &Arc<App>, req: Request<Incoming>, id: ChatId) -> Reply {
    let (tenant, by) = account(app, &req)?;
    app.engine.chat(tenant, id)?;
    let body: api::TransferRequest = read_json(app, req).await?;
    let msg = Transfer {
        chat: id,
        by,
        operator: body.operator.filter(|o| !o.is_empty()),
        department: body.department,
    };
    app.engine.transfer(tenant, msg).await?;
    json(
        StatusCode::OK,
        &convert::chat(&app.engine.chat(tenant, id)?),
    )
}

/// `GET /v1/chats/{id}/routing`: every routing decision for the chat, oldest first.
pub async fn routing(app: &Arc<App>, req: Request<Incoming>, id: ChatId) -> Reply {
    let (tenant, _) = account(app, &req)?;
    app.engine.chat(tenant, id)?;
    let view = app.engine.view(tenant)?;
    let accounts = &view.accounts;
    let name_of = |op: u64| accounts.iter().find(|a| a.id == op).map(|a| a.name.clone());
    let entries: Vec<api::RoutingEntry> = app
        .engine
        .routing_log(id)?
        .into_iter()
        .filter_map(|r| convert::routing_entry(r, name_of))
        .collect();
    json(StatusCode::OK, &entries)
}
