//! The chat half of the visitor actor: each of the visitor's chat sessions with its state
//! (waiting -> connected -> closed, or -> offline), the chat's durable log and sequence
//! numbers, the client ids that make resends idempotent, and the chat window's subscribers
//! (operators hear through their own actor).
//!
//! Every log entry is written, waited for until a flush covers it, and only then published
//! and acknowledged, so nobody ever sees a message that a crash could take back. Handlers that
//! append run atomically (`AtomicResponse` / `ctx.wait`), so entries are published in log order.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::mpsc;

use super::VisitorActor;
use crate::actors::operator::{OperatorActor, Push};
use crate::actors::{publish, Subscriber, Subscription};
use crate::events::{ChatEvent, LogEvents, OperatorEvent, Sequenced};
use crate::model::*;
use crate::{Error, Result};

/// Longest message accepted, in characters; a chat line, not a document.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// Longest client id accepted.
pub const MAX_CLIENT_ID_CHARS: usize = 100;

/// One chat of the visitor.
pub(super) struct Session {
    /// The chat's metadata as stored.
    pub(super) chat: Chat,
    /// Sequence number of the last log entry.
    last_seq: u64,
    /// (author key, client id) -> sequence number, for idempotent resends.
    client_ids: ClientIds,
    /// The visitor's open chat windows.
    pub(super) subscribers: Vec<Subscriber<ChatEvent>>,
    /// The holding operator's hub, for relaying.
    operator: Option<Addr<OperatorActor>>,
    /// Last queue position (and estimated wait) told, for a window that connects while queued.
    position: Option<(usize, Option<u64>)>,
    /// Turns new log entries into events (it has seen the log so far).
    log_events: LogEvents,
    /// Why the last unanswered append failed, until a [`Settled`] reports it.
    failed_write: Option<String>,
    /// The visitor's open chat windows (event streams), counted by open and close.
    windows: usize,
    /// Bumped whenever `windows` changes, so a stale absence timer is ignored.
    windows_generation: u64,
    /// The operator was told the visitor left (no window for `visitor_gone_secs`).
    gone: bool,
}

/// Client ids kept per chat for idempotent resends: a client resends within seconds, so the
/// latest thousand cover it, and a long chat does not grow the actor without bound.
const CLIENT_IDS_KEPT: usize = 1024;

/// The latest client ids of a chat's messages, by (author key, client id).
#[derive(Default)]
struct ClientIds {
    /// Their sequence numbers.
    seqs: HashMap<(AccountId, String), u64>,
    /// Oldest first, to forget the oldest past [`CLIENT_IDS_KEPT`].
    order: std::collections::VecDeque<(AccountId, String)>,
}

impl ClientIds {
    fn get(&self, key: &(AccountId, String)) -> Option<&u64> {
        self.seqs.get(key)
    }

    fn insert(&mut self, key: (AccountId, String), seq: u64) {
        if self.seqs.insert(key.clone(), seq).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > CLIENT_IDS_KEPT {
            if let Some(oldest) = self.order.pop_front() {
                self.seqs.remove(&oldest);
            }
        }
    }
}

/// The author key used for idempotency: 0 for the visitor and the company, else the account.
fn author_key(author: &Author) -> AccountId {
    match author {
        Author::Operator { id, .. } => *id,
        Author::Visitor | Author::Company => 0,
    }
}

impl VisitorActor {
    fn session(&mut self, chat: ChatId) -> Result<&mut Session> {
        self.last_active = Instant::now();
        if !self.sessions.contains_key(&chat) && !self.unreadable.contains_key(&chat) {
            // An ended chat of this visitor whose session was dropped comes back from storage.
            let stored = self.repo.chat(self.tenant_id, chat)?;
            let ended = matches!(stored.state, ChatState::Closed | ChatState::Offline);
            if stored.visitor == self.visitor && ended {
                self.attach(stored, None);
            }
        }
        if let Some(why) = self.unreadable.get(&chat) {
            return Err(Error::Internal(format!(
                "the chat's log cannot be read: {why}"
            )));
        }
        self.sessions.get_mut(&chat).ok_or(Error::NotFound("chat"))
    }

    /// Writes a log entry (and the chat record when `chat_changed`), then, once durable,
    /// publishes it to the visitor and the operator. Resolves to the entry's sequence number.
    fn append(
        &mut self,
        chat: ChatId,
        kind: LogKind,
        chat_changed: bool,
    ) -> ResponseActFuture<Self, Result<u64>> {
        let written = (|| {
            let repo = self.repo.clone();
            let session = self.session(chat)?;
            let entry = LogEntry {
                seq: session.last_seq + 1,
                at: now_ms(),
                kind,
            };
            let tables = repo.tables();
            let mut ticket = tables.log.insert(
                &switchboard_storage::Key::new()
                    .u64(chat)
                    .u64(entry.seq)
                    .finish(),
                &entry.to_record(),
            )?;
            if chat_changed {
                ticket = repo.save_chat(&session.chat)?;
            }
            session.last_seq = entry.seq;
            if let LogKind::Message {
                author, client_id, ..
            } = &entry.kind
            {
                session
                    .client_ids
                    .insert((author_key(author), client_id.clone()), entry.seq);
                repo.metrics()
                    .messages
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok::<_, Error>((entry, ticket))
        })();
        let (entry, ticket) = match written {
            Ok(w) => w,
            Err(e) => return Box::pin(fut::ready(Err(e))),
        };
        Box::pin(
            async move { ticket.durable().await.map(|_| entry) }
                .into_actor(self)
                .map(move |durable, act, _| {
                    let entry = durable?;
                    act.deliver(chat, &entry);
                    Ok(entry.seq)
                }),
        )
    }

    /// Appends an entry nobody waits on directly (joined, ended, released): a failure is
    /// logged and kept for the next [`Settled`] of the chat, so the request that caused it
    /// fails instead of answering without its entry.
    fn append_unanswered(&mut self, chat: ChatId, kind: LogKind, ctx: &mut Context<Self>) {
        ctx.wait(self.append(chat, kind, true).map(move |written, act, _| {
            if let Err(e) = written {
                tracing::error!(chat, "cannot write the chat's log: {e}");
                if let Some(session) = act.sessions.get_mut(&chat) {
                    session.failed_write = Some(e.to_string());
                }
            }
        }));
    }

    /// Publishes a durable log entry to the chat window and to the holding operator.
    fn deliver(&mut self, chat: ChatId, entry: &LogEntry) {
        let Some(session) = self.sessions.get_mut(&chat) else {
            return;
        };
        let event = session.log_events.event(entry);
        publish(
            &mut session.subscribers,
            Sequenced {
                seq: entry.seq,
                event,
            },
        );
        let for_operator = match &entry.kind {
            LogKind::Message { author, text, .. } => Some(OperatorEvent::Message {
                chat,
                seq: entry.seq,
                author: author.clone(),
                text: text.clone(),
                at: entry.at,
            }),
            LogKind::Closed { by } => Some(OperatorEvent::Closed { chat, by: *by }),
            LogKind::TimedOut
            | LogKind::Joined { .. }
            | LogKind::Requeued { .. }
            | LogKind::Transferred { .. } => None,
        };
        if let (Some(event), Some(operator)) = (for_operator, &session.operator) {
            operator.do_send(Push(event));
        }
    }

    /// Sends a passing event (not in the log) to the chat window.
    fn tell(&mut self, chat: ChatId, event: ChatEvent) {
        if let Some(session) = self.sessions.get_mut(&chat) {
            let seq = session.last_seq;
            publish(&mut session.subscribers, Sequenced { seq, event });
        }
    }
}

/// Makes a chat active here, reading its log to learn the sequence and the client ids.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Attach {
    /// The chat.
    pub chat: Chat,
    /// Its operator's hub, when connected.
    pub operator: Option<Addr<OperatorActor>>,
}

impl Handler<Attach> for VisitorActor {
    type Result = ();

    fn handle(&mut self, msg: Attach, _: &mut Context<Self>) {
        if self.sessions.contains_key(&msg.chat.id) {
            return;
        }
        self.attach(msg.chat, msg.operator);
        self.last_active = Instant::now();
        // A chat start ends any pending invitation and shows in the visitor list.
        self.cancel_invitation();
        self.report();
    }
}

impl VisitorActor {
    /// Makes `chat` a session of this actor, its log read from storage.
    fn attach(&mut self, chat: Chat, operator: Option<Addr<OperatorActor>>) {
        let msg = Attach { chat, operator };
        // A log that cannot be read leaves no session: carrying on with an empty one would
        // number new entries from 1 and overwrite the history. Every call fails instead.
        let log = match self.repo.log_after(msg.chat.id, 0) {
            Ok(log) => log,
            Err(e) => {
                tracing::error!(chat = msg.chat.id, "cannot read the chat log: {e}");
                self.unreadable.insert(msg.chat.id, e.to_string());
                return;
            }
        };
        self.unreadable.remove(&msg.chat.id);
        let mut client_ids = ClientIds::default();
        let mut log_events = LogEvents::default();
        for entry in &log {
            log_events.event(entry);
            if let LogKind::Message {
                author, client_id, ..
            } = &entry.kind
            {
                client_ids.insert((author_key(author), client_id.clone()), entry.seq);
            }
        }
        let session = Session {
            last_seq: log.last().map_or(0, |e| e.seq),
            chat: msg.chat,
            client_ids,
            subscribers: Vec::new(),
            operator: msg.operator,
            position: None,
            log_events,
            failed_write: None,
            windows: 0,
            windows_generation: 0,
            gone: false,
        };
        self.sessions.insert(session.chat.id, session);
    }

    /// Forgets the sessions of ended chats nobody is watching (they come back from storage
    /// when asked for), so a visitor's history does not grow the actor; answers their ids.
    pub(super) fn drop_ended_sessions(&mut self) -> Vec<ChatId> {
        let ended: Vec<ChatId> = self
            .sessions
            .iter()
            .filter(|(_, s)| {
                matches!(s.chat.state, ChatState::Closed | ChatState::Offline)
                    && s.subscribers.iter().all(|sub| sub.is_closed())
            })
            .map(|(id, _)| *id)
            .collect();
        for id in &ended {
            self.sessions.remove(id);
        }
        ended
    }
}

/// A message from the visitor, an operator or the company. Resolves to its sequence number
/// once durable; a resend with the same client id resolves to the first one's number.
#[derive(Message)]
#[rtype(result = "Result<u64>")]
pub struct Post {
    /// The chat.
    pub chat: ChatId,
    /// Writer.
    pub author: Author,
    /// Text.
    pub text: String,
    /// The client's id for the message.
    pub client_id: String,
}

impl Handler<Post> for VisitorActor {
    type Result = AtomicResponse<Self, Result<u64>>;

    fn handle(&mut self, msg: Post, _: &mut Context<Self>) -> Self::Result {
        let checked = (|| {
            let session = self.session(msg.chat)?;
            if let Some(seq) = session
                .client_ids
                .get(&(author_key(&msg.author), msg.client_id.clone()))
            {
                return Ok(Some(*seq));
            }
            match (&msg.author, session.chat.state) {
                (_, ChatState::Closed | ChatState::Offline) => Err(Error::Conflict {
                    code: "chat_ended",
                    message: "the chat has ended; no more messages can be sent".into(),
                }),
                (Author::Operator { id, .. }, _) if session.chat.operator != Some(*id) => Err(
                    Error::Forbidden("only the operator holding the chat can write in it"),
                ),
                _ => Ok(None),
            }
        })();
        match checked {
            Ok(Some(seq)) => AtomicResponse::new(Box::pin(fut::ready(Ok(seq)))),
            Ok(None) => {
                let kind = LogKind::Message {
                    author: msg.author,
                    text: msg.text,
                    client_id: msg.client_id,
                };
                AtomicResponse::new(self.append(msg.chat, kind, false))
            }
            Err(e) => AtomicResponse::new(Box::pin(fut::ready(Err(e)))),
        }
    }
}

/// Connects a chat window. It gets every log entry after `after`, then live events.
#[derive(Message)]
#[rtype(result = "Result<Subscription<ChatEvent>>")]
pub struct Subscribe {
    /// The chat.
    pub chat: ChatId,
    /// Last event id the window saw (0 for none).
    pub after: u64,
    /// The visitor's own chat window (counted for "the visitor left"), not an operator.
    pub window: bool,
}

impl Handler<Subscribe> for VisitorActor {
    type Result = Result<Subscription<ChatEvent>>;

    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) -> Self::Result {
        let repo = self.repo.clone();
        let session = self.session(msg.chat)?;
        let mut events = LogEvents::default();
        let mut replay: Vec<_> = repo
            .log_after(msg.chat, msg.after)?
            .iter()
            .map(|e| Sequenced {
                seq: e.seq,
                event: events.event(e),
            })
            .collect();
        if let (ChatState::Waiting, Some((position, wait_secs))) =
            (session.chat.state, session.position)
        {
            replay.push(Sequenced {
                seq: session.last_seq,
                event: ChatEvent::Queued {
                    position,
                    wait_secs,
                },
            });
        }
        let (tx, live) = mpsc::channel(repo.config().subscriber_buffer);
        session.subscribers.push(tx);
        if msg.window {
            session.windows += 1;
            session.windows_generation += 1;
            if std::mem::take(&mut session.gone) {
                session.tell_operator(msg.chat, true);
            }
        }
        Ok(Subscription { replay, live })
    }
}

/// A chat window's event stream ended. When the visitor has none left, the operator is told
/// after `visitor_gone_secs` and the chat closed after `abandoned_chat_secs`, unless a window
/// opens again.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WindowClosed {
    /// The chat.
    pub chat: ChatId,
}

impl Handler<WindowClosed> for VisitorActor {
    type Result = ();

    fn handle(&mut self, msg: WindowClosed, ctx: &mut Context<Self>) {
        let config = self.repo.config().clone();
        let Some(session) = self.sessions.get_mut(&msg.chat) else {
            return;
        };
        session.windows = session.windows.saturating_sub(1);
        session.windows_generation += 1;
        if session.windows > 0 {
            return;
        }
        let generation = session.windows_generation;
        let chat = msg.chat;
        let gone_after = Duration::from_secs(config.visitor_gone_secs);
        ctx.run_later(gone_after, move |act, _| {
            if let Some(session) = act.absent(chat, generation) {
                session.gone = true;
                session.tell_operator(chat, false);
            }
        });
        let abandon_after = Duration::from_secs(config.abandoned_chat_secs);
        ctx.run_later(abandon_after, move |act, _| {
            if act.absent(chat, generation).is_some() {
                act.tenant.do_send(crate::actors::tenant::Close {
                    chat,
                    by: None,
                    abandoned: true,
                });
            }
        });
    }
}

impl VisitorActor {
    /// The chat's session if it is still open and still without a window since the close
    /// numbered `generation`.
    fn absent(&mut self, chat: ChatId, generation: u64) -> Option<&mut Session> {
        self.sessions.get_mut(&chat).filter(|s| {
            s.windows_generation == generation
                && matches!(s.chat.state, ChatState::Waiting | ChatState::Connected)
        })
    }
}

impl Session {
    /// Tells the holding operator whether the visitor has a chat window open.
    fn tell_operator(&self, chat: ChatId, present: bool) {
        if let Some(operator) = &self.operator {
            operator.do_send(Push(OperatorEvent::VisitorPresence { chat, present }));
        }
    }
}

/// An operator accepted the chat.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Joined {
    /// The chat.
    pub chat: ChatId,
    /// The operator.
    pub operator: AccountId,
    /// Their name.
    pub name: String,
    /// Their hub, for relaying messages.
    pub hub: Addr<OperatorActor>,
}

impl Handler<Joined> for VisitorActor {
    type Result = ();

    fn handle(&mut self, msg: Joined, ctx: &mut Context<Self>) {
        let Ok(session) = self.session(msg.chat) else {
            return;
        };
        session.chat.state = ChatState::Connected;
        session.chat.operator = Some(msg.operator);
        session.operator = Some(msg.hub);
        session.position = None;
        let kind = LogKind::Joined {
            operator: msg.operator,
            name: msg.name,
        };
        self.append_unanswered(msg.chat, kind, ctx);
    }
}

/// The chat ended: by timeout (`timed_out`) or closed by the visitor or an operator.
#[derive(Message)]
#[rtype(result = "()")]
pub struct End {
    /// The chat.
    pub chat: ChatId,
    /// True when the connection timeout passed with nobody answering.
    pub timed_out: bool,
    /// The closing operator (None for the visitor or a timeout).
    pub by: Option<AccountId>,
}

impl Handler<End> for VisitorActor {
    type Result = ();

    fn handle(&mut self, msg: End, ctx: &mut Context<Self>) {
        let Ok(session) = self.session(msg.chat) else {
            return;
        };
        if matches!(session.chat.state, ChatState::Closed | ChatState::Offline) {
            return;
        }
        session.chat.state = if msg.timed_out {
            ChatState::Offline
        } else {
            ChatState::Closed
        };
        session.chat.ended_at = Some(now_ms());
        self.report();
        let kind = if msg.timed_out {
            LogKind::TimedOut
        } else {
            LogKind::Closed { by: msg.by }
        };
        self.append_unanswered(msg.chat, kind, ctx);
    }
}

/// The chat's queue position changed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Queued {
    /// The chat.
    pub chat: ChatId,
    /// 1 = next.
    pub position: usize,
    /// Estimated wait in seconds.
    pub wait_secs: Option<u64>,
}

impl Handler<Queued> for VisitorActor {
    type Result = ();

    fn handle(&mut self, msg: Queued, _: &mut Context<Self>) {
        if let Ok(session) = self.session(msg.chat) {
            session.position = Some((msg.position, msg.wait_secs));
        }
        self.tell(
            msg.chat,
            ChatEvent::Queued {
                position: msg.position,
                wait_secs: msg.wait_secs,
            },
        );
    }
}

/// Someone is typing in the chat.
#[derive(Message)]
#[rtype(result = "Result<()>")]
pub struct Typing {
    /// The chat.
    pub chat: ChatId,
    /// The typing operator's name, or None for the visitor.
    pub operator: Option<(AccountId, String)>,
}

impl Handler<Typing> for VisitorActor {
    type Result = Result<()>;

    fn handle(&mut self, msg: Typing, _: &mut Context<Self>) -> Self::Result {
        let session = self.session(msg.chat)?;
        match msg.operator {
            Some((id, name)) => {
                if session.chat.operator != Some(id) {
                    return Err(Error::Forbidden(
                        "only the operator holding the chat can type in it",
                    ));
                }
                self.tell(msg.chat, ChatEvent::Typing { who: name });
            }
            None => {
                if let Some(operator) = &session.operator {
                    operator.do_send(Push(OperatorEvent::Typing { chat: msg.chat }));
                }
            }
        }
        Ok(())
    }
}

/// The operator left the chat (transferred it, or went away): it waits for another.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Released {
    /// The chat.
    pub chat: ChatId,
    /// The operator who held it.
    pub operator: AccountId,
    /// True for a transfer, false when the operator went away.
    pub transferred: bool,
}

impl Handler<Released> for VisitorActor {
    type Result = ();

    fn handle(&mut self, msg: Released, ctx: &mut Context<Self>) {
        let Ok(session) = self.session(msg.chat) else {
            return;
        };
        session.chat.state = ChatState::Waiting;
        session.chat.operator = None;
        session.operator = None;
        let operator = msg.operator;
        let kind = if msg.transferred {
            LogKind::Transferred { operator }
        } else {
            LogKind::Requeued { operator }
        };
        self.append_unanswered(msg.chat, kind, ctx);
    }
}

/// Answers once every write sent to this actor before it is durable (appends hold the
/// mailbox until their flush), for callers that must read their own writes; an error when
/// one of the chat's unanswered appends failed.
#[derive(Message)]
#[rtype(result = "Result<()>")]
pub struct Settled(pub ChatId);

impl Handler<Settled> for VisitorActor {
    type Result = Result<()>;

    fn handle(&mut self, Settled(chat): Settled, _: &mut Context<Self>) -> Self::Result {
        match self
            .sessions
            .get_mut(&chat)
            .and_then(|s| s.failed_write.take())
        {
            Some(why) => Err(Error::Internal(format!(
                "the chat's log could not be written: {why}"
            ))),
            None => Ok(()),
        }
    }
}
