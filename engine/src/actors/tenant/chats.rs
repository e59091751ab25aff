//! A chat's way through the company: started (the one admission path), offered, accepted or
//! declined, transferred, closed; the queue as the console shows it.

use super::*;

/// A visitor asks to chat.
#[derive(Message, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[rtype(result = "Result<Started>")]
pub struct StartChat {
    /// The visitor's id, when the browser has one.
    pub visitor: Option<VisitorId>,
    /// Name ("Guest" when empty).
    pub name: String,
    /// Email.
    pub email: String,
    /// Department chosen.
    pub department: Option<DepartmentId>,
    /// SIP username asked for.
    pub operator: Option<String>,
    /// Page the window was opened from.
    pub page_url: String,
    /// Window language.
    pub lang: String,
}

/// A started chat.
#[derive(Debug)]
pub struct Started {
    /// The chat.
    pub chat: Chat,
    /// The visitor's bearer token for this chat (shown once).
    pub token: String,
    /// Completes when the chat and token are durable.
    pub ticket: Ticket,
}

impl Handler<StartChat> for TenantActor {
    type Result = Result<Started>;

    fn handle(&mut self, msg: StartChat, ctx: &mut Context<Self>) -> Self::Result {
        if let Some(d) = msg.department {
            if !self.departments.contains_key(&d) {
                return Err(Error::invalid(
                    "department",
                    format!("no department has id {d}"),
                ));
            }
        }
        let window = &self.tenant.window;
        if window.welcome_screen {
            for (field, value, rule) in [
                ("name", &msg.name, window.name_field),
                ("email", &msg.email, window.email_field),
            ] {
                if rule.enabled && rule.required && value.trim().is_empty() {
                    return Err(Error::invalid(field, format!("the {field} is required")));
                }
            }
        }
        // A link naming an operator who does not exist still reaches the department: the
        // ladder's next rung, with the reason in the routing log.
        let (requested, unknown_sip) =
            match operator_by_sip(self.accounts.values(), msg.operator.as_deref()) {
                Ok(found) => (found, None),
                Err(_) => (None, msg.operator.clone()),
            };
        let store = self.repo.store();
        let mut chat = Chat {
            id: store.next_id(self.id())?,
            tenant: self.id(),
            visitor: match msg.visitor {
                Some(v) if self.repo.visitor_ids().check(self.id(), v) => v,
                _ => self.repo.visitor_ids().issue(self.id()),
            },
            name: if msg.name.trim().is_empty() {
                "Guest".into()
            } else {
                msg.name.trim().to_string()
            },
            email: msg.email,
            department: msg.department,
            requested,
            page_url: msg.page_url,
            lang: msg.lang,
            created_at: now_ms(),
            state: ChatState::Waiting,
            operator: None,
            ended_at: None,
        };
        let request = Request {
            department: chat.department,
            operator: requested,
        };
        self.repo
            .metrics()
            .chats_started
            .fetch_add(1, Ordering::Relaxed);
        // The router is the one admission path: nobody serving, a full queue or a wait over
        // the limit all answer Offline first.
        let mut effects = self.router.arrive(chat.id, request);
        if let Some(sip) = unknown_sip {
            let note = crate::routing::Note {
                kind: crate::routing::NoteKind::Arrived,
                operator: None,
                detail: format!(
                    "no operator has SIP username {sip}; the link's request is skipped"
                ),
            };
            effects.insert(
                0,
                Effect::Log {
                    chat: chat.id,
                    note,
                },
            );
        }
        let admitted = !effects.iter().any(|e| matches!(e, Effect::Offline { .. }));
        if !admitted {
            chat.state = ChatState::Offline;
            chat.ended_at = Some(chat.created_at);
        }
        let saved = self.repo.save_chat(&chat)?;
        let (token, session) = self.repo.open_session(
            self.id(),
            SubjectRecord::Chat(chat.id),
            auth::CHAT_TOKEN_TTL_MS,
        )?;
        let ticket = saved.and(session);
        if !admitted {
            self.apply(effects, ctx);
        } else {
            let visitor = self.activate(chat.clone(), ctx);
            if self.tenant.window.distribution == Distribution::Single {
                if let Some(canned) = self
                    .tenant
                    .window
                    .auto_canned
                    .and_then(|id| self.canned.get(&id))
                {
                    visitor.do_send(visitor::Post {
                        chat: chat.id,
                        author: Author::Company,
                        text: canned.text.clone(),
                        client_id: "auto-canned".into(),
                    });
                }
            }
            self.apply(effects, ctx);
        }
        Ok(Started {
            chat,
            token,
            ticket,
        })
    }
}

/// An operator accepts an offered chat.
#[derive(Message)]
#[rtype(result = "Result<Chat>")]
pub struct Accept {
    /// The chat.
    pub chat: ChatId,
    /// The operator.
    pub account: AccountId,
}

impl Handler<Accept> for TenantActor {
    type Result = ResponseFuture<Result<Chat>>;

    /// Answers once the chat's "joined" entry is durable, so a read right after sees it.
    fn handle(&mut self, msg: Accept, ctx: &mut Context<Self>) -> Self::Result {
        let accepted = (|| {
            self.account(msg.account)?;
            let Some(live) = self.chats.get(&msg.chat) else {
                // Not active here: either another company's chat or one that ended.
                let chat = self.repo.chat(self.id(), msg.chat)?;
                return Err(taken(&chat));
            };
            let chat = live.chat.clone();
            match self.router.accept(msg.chat, msg.account, now_ms()) {
                Ok(effects) => {
                    self.apply(effects, ctx);
                    let live = self.chats.get(&msg.chat).ok_or(Error::NotFound("chat"))?;
                    Ok((live.chat.clone(), live.visitor.clone()))
                }
                Err(Refused::Taken | Refused::NobodyServes) => Err(taken(&chat)),
                Err(Refused::NotOffered) => Err(Error::Conflict {
                    code: "not_offered",
                    message: "this chat is not offered to you (it is waiting for another operator)"
                        .into(),
                }),
            }
        })();
        settled(accepted)
    }
}

/// Resolves to the chat once its visitor actor has made every write it was sent so far
/// durable (its appends hold the mailbox until then, so a `Settled` queued behind them
/// answers after them).
fn settled(result: Result<(Chat, Addr<VisitorActor>)>) -> ResponseFuture<Result<Chat>> {
    Box::pin(async move {
        let (chat, visitor) = result?;
        visitor.send(visitor::Settled(chat.id)).await??;
        Ok(chat)
    })
}

fn taken(chat: &Chat) -> Error {
    match chat.state {
        ChatState::Closed | ChatState::Offline => Error::Conflict {
            code: "chat_ended",
            message: "the chat has already ended".into(),
        },
        _ => Error::Conflict {
            code: "chat_taken",
            message: "another operator has already taken this chat".into(),
        },
    }
}

/// Closes a chat: by the visitor (`by` None) or an operator.
#[derive(Message)]
#[rtype(result = "Result<Chat>")]
pub struct Close {
    /// The chat.
    pub chat: ChatId,
    /// The closing operator.
    pub by: Option<AccountId>,
    /// Closed because the visitor's window stayed closed (`abandoned_chat_secs`).
    pub abandoned: bool,
}

impl Handler<Close> for TenantActor {
    type Result = ResponseFuture<Result<Chat>>;

    /// Answers once the "closed" entry is durable, with the chat as it is then.
    fn handle(&mut self, msg: Close, ctx: &mut Context<Self>) -> Self::Result {
        let closed = (|| {
            let mut chat = match self.chats.get(&msg.chat) {
                Some(live) => live.chat.clone(),
                None => self.repo.chat(self.id(), msg.chat)?,
            };
            if let Some(by) = msg.by {
                let admin = self.account(by)?.role == Role::Admin;
                if chat.operator != Some(by) && !admin {
                    return Err(Error::Forbidden(
                        "only the operator holding the chat or an admin can close it",
                    ));
                }
            }
            let visitor = self.activate(chat.clone(), ctx);
            if matches!(chat.state, ChatState::Closed | ChatState::Offline) {
                return Ok((chat, visitor));
            }
            chat.state = ChatState::Closed;
            chat.ended_at = Some(now_ms());
            if let Some(live) = self.chats.get_mut(&msg.chat) {
                live.chat = chat.clone();
            }
            visitor.do_send(visitor::End {
                chat: msg.chat,
                timed_out: false,
                by: msg.by,
            });
            if msg.abandoned {
                let secs = self.repo.config().abandoned_chat_secs;
                self.log(
                    msg.chat,
                    crate::routing::Note {
                        kind: crate::routing::NoteKind::Closed,
                        operator: None,
                        detail: format!("the visitor had no chat window open for {secs} s"),
                    },
                );
            }
            let effects = self.router.close(msg.chat, now_ms());
            self.apply(effects, ctx);
            Ok((chat, visitor))
        })();
        settled(closed)
    }
}

/// The visitor actor holding `chat`'s session, activated from storage when needed.
#[derive(Message)]
#[rtype(result = "Result<Addr<VisitorActor>>")]
pub struct FindChat(pub ChatId);

impl Handler<FindChat> for TenantActor {
    type Result = Result<Addr<VisitorActor>>;

    fn handle(&mut self, FindChat(id): FindChat, ctx: &mut Context<Self>) -> Self::Result {
        if let Some(live) = self.chats.get(&id).filter(|l| l.visitor.connected()) {
            return Ok(live.visitor.clone());
        }
        let chat = self.repo.chat(self.id(), id)?;
        self.last_active = Instant::now();
        Ok(self.activate(chat, ctx))
    }
}

/// The holding operator (or an admin) hands a chat to another operator or a department.
#[derive(Message, Clone, Debug, serde::Serialize, serde::Deserialize)]
#[rtype(result = "Result<()>")]
pub struct Transfer {
    /// The chat.
    pub chat: ChatId,
    /// Who transfers it.
    pub by: AccountId,
    /// SIP username of the operator to hand it to.
    pub operator: Option<String>,
    /// Department to hand it to.
    pub department: Option<DepartmentId>,
}

impl Handler<Transfer> for TenantActor {
    type Result = Result<()>;

    fn handle(&mut self, msg: Transfer, ctx: &mut Context<Self>) -> Self::Result {
        let by = self.account(msg.by)?;
        let admin = by.role == Role::Admin;
        let chat = match self.chats.get(&msg.chat) {
            Some(live) => live.chat.clone(),
            None => self.repo.chat(self.id(), msg.chat)?,
        };
        if chat.operator != Some(msg.by) && !admin {
            return Err(Error::Forbidden(
                "only the operator holding the chat or an admin can transfer it",
            ));
        }
        let operator = operator_by_sip(self.accounts.values(), msg.operator.as_deref())?;
        if let Some(d) = msg.department {
            if !self.departments.contains_key(&d) {
                return Err(Error::invalid(
                    "department",
                    format!("no department has id {d}"),
                ));
            }
        }
        if operator.is_none() && msg.department.is_none() {
            return Err(Error::invalid(
                "operator",
                "give an operator's SIP username or a department id",
            ));
        }
        if operator.is_some() && operator == chat.operator {
            return Err(Error::invalid(
                "operator",
                "the chat is already with that operator",
            ));
        }
        let to = Request {
            department: msg.department,
            operator,
        };
        match self.router.transfer(msg.chat, to, now_ms()) {
            Ok(effects) => {
                self.apply(effects, ctx);
                Ok(())
            }
            Err(Refused::NobodyServes) => Err(Error::Conflict {
                code: "nobody_available",
                message: "nobody online can take the chat there; it stays with you".into(),
            }),
            Err(_) => Err(Error::Conflict {
                code: "chat_not_connected",
                message: "only a connected chat can be transferred".into(),
            }),
        }
    }
}

/// An operator turns an offer down; it moves on at once.
#[derive(Message)]
#[rtype(result = "Result<()>")]
pub struct Decline {
    /// The chat.
    pub chat: ChatId,
    /// The operator.
    pub account: AccountId,
}

impl Handler<Decline> for TenantActor {
    type Result = Result<()>;

    fn handle(&mut self, msg: Decline, ctx: &mut Context<Self>) -> Self::Result {
        let offered = self
            .router
            .agent(msg.account)
            .is_some_and(|a| a.offers.contains(&msg.chat));
        if !offered {
            // Another company's chat answers as if it did not exist.
            self.repo.chat(self.id(), msg.chat)?;
            return Err(Error::Conflict {
                code: "not_offered",
                message: "this chat is not offered to you".into(),
            });
        }
        let effects = self.router.decline(msg.chat, msg.account);
        self.apply(effects, ctx);
        Ok(())
    }
}

/// The chats waiting with no offer, head of the queue first, at most `limit`.
#[derive(Message)]
#[rtype(result = "Vec<Chat>")]
pub struct Queue {
    /// Most chats to list.
    pub limit: usize,
}

impl Handler<Queue> for TenantActor {
    type Result = MessageResult<Queue>;

    fn handle(&mut self, msg: Queue, _: &mut Context<Self>) -> Self::Result {
        MessageResult(
            self.router
                .queued()
                .into_iter()
                .filter_map(|id| self.chats.get(&id).map(|live| live.chat.clone()))
                .take(msg.limit)
                .collect(),
        )
    }
}
