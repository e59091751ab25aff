//! Server events (offers, withdrawals, messages, closings...) and the results of the
//! console's commands.

use switchboard_api::{self as api, AuthorKind, OperatorEventData};

use super::{seen, Offer, Pane};
use crate::app::{batch, run, Action, Level, Screen, State, FLASH_MS};
use crate::client::Failure;
use crate::command::{Command, TransferTo};
use crate::screens::chat::{self, OpenChat};
use crate::screens::one_line;

/// A server event (the operator's stream).
pub fn server_event(state: &mut State, event: OperatorEventData) -> Option<Action> {
    use OperatorEventData as E;
    match event {
        E::Offer {
            chat_id,
            name,
            email,
            department,
            page_url,
            created_at,
            previous_operator,
        } => {
            let known = state.console.offers.iter().any(|o| o.chat_id == chat_id)
                || state
                    .console
                    .chats
                    .iter()
                    .any(|c| c.id == chat_id && c.closed.is_none());
            if known {
                return None;
            }
            state.say(
                Level::Warn,
                format!("New chat from {}", one_line(&name, 30)),
            );
            state.console.offers.push(Offer {
                chat_id,
                name,
                email,
                department: department.map(|d| d.name),
                page_url,
                created_at,
                previous_operator,
                accepting: false,
            });
            state.flash_until = state.now_ms + FLASH_MS;
            run(Command::Bell)
        }
        E::Withdrawn { chat_id } => {
            if let Some(offer) = take_offer(state, chat_id) {
                state.say(
                    Level::Warn,
                    format!(
                        "The chat from {} was taken or withdrawn",
                        one_line(&offer.name, 30)
                    ),
                );
            }
            None
        }
        E::Released { chat_id } => {
            let name = state
                .console
                .chats
                .iter()
                .find(|c| c.id == chat_id)
                .map(|c| one_line(&c.name, 30));
            remove_chat(state, chat_id);
            if let Some(name) = name {
                state.say(
                    Level::Warn,
                    format!("The chat with {name} is no longer yours"),
                );
            }
            None
        }
        E::Assigned { chat_id } => {
            take_offer(state, chat_id);
            if state.console.chats.iter().any(|c| c.id == chat_id) {
                return None;
            }
            batch(vec![
                Command::Chat(chat_id),
                Command::Transcript(chat_id),
                Command::Routing(chat_id),
            ])
        }
        E::Message {
            chat_id,
            seq,
            author,
            name,
            text,
            at,
        } => {
            let visible = state.screen == Screen::Console
                && state.console.selected().is_some_and(|c| c.id == chat_id);
            if state.console.chat_mut(chat_id).is_none() {
                // A chat we do not show yet (assigned while we were away): load it.
                return batch(vec![Command::Chat(chat_id), Command::Transcript(chat_id)]);
            }
            let from_visitor = author == AuthorKind::Visitor;
            let added = keep_place(state, chat_id, |chat| {
                chat.message(seq, author, &name, &text, at)
            });
            if let Some(chat) = state.console.chat_mut(chat_id) {
                if added && chat.scroll > 0 {
                    chat.new_below += 1;
                }
                if added && from_visitor && !visible {
                    chat.unread += 1;
                }
            }
            None
        }
        E::Typing { chat_id } => {
            let until = state.now_ms + 6_000;
            if let Some(chat) = state.console.chat_mut(chat_id) {
                chat.typing_until = until;
            }
            None
        }
        E::Closed { chat_id, by } => {
            take_offer(state, chat_id);
            let chat = state.console.chat_mut(chat_id)?;
            if chat.closed.is_none() && by == api::ClosedBy::Visitor {
                let name = one_line(&chat.name, 30);
                chat.closed = Some(Some(by));
                state.say(Level::Warn, format!("{name} left the chat"));
            } else {
                chat.closed = Some(Some(by));
            }
            // The event has no log position: the transcript brings the closing entry.
            run(Command::Transcript(chat_id))
        }
        E::Queue { length } => {
            crate::screens::dashboard::queue(state, length);
            // The queue pane is the operators' (admins without a SIP take no chats).
            state.takes_chats().then_some(Action::Run(Command::Queue))
        }
        E::Visitor { .. } | E::VisitorLeft { .. } => crate::screens::visitors::event(state, event),
        E::Changed { resource } => crate::app::changed(state, resource),
        E::OfflineMessage { message } => crate::screens::offline::arrived(state, message),
        E::VisitorPresence { chat_id, present } => {
            let chat = state.console.chat_mut(chat_id)?;
            let changed = chat.visitor_left == present;
            chat.visitor_left = !present;
            if changed && !present {
                let name = one_line(&chat.name, 30);
                state.say(Level::Warn, format!("{name} closed the chat window"));
            }
            None
        }
        E::Reset => {
            // Missed events: the stream reconnects fresh (replaying open offers) and the
            // chats are reloaded once it is live.
            state.console.offers.clear();
            state.reload_on_live = true;
            None
        }
    }
}

/// Changes a chat's log without moving what a scrolled-up reader sees: the lines added
/// below raise the scroll by as much. Returns what `change` returned.
fn keep_place(state: &mut State, id: u64, change: impl FnOnce(&mut OpenChat) -> bool) -> bool {
    let (width, _) = super::message_size(state);
    let full = state.console.routing_full;
    let count = |state: &State| {
        state
            .console
            .chats
            .iter()
            .find(|c| c.id == id)
            .filter(|c| c.scroll > 0)
            .map(|c| chat::lines(state, c, width, full).len())
    };
    let before = count(state);
    let Some(open) = state.console.chat_mut(id) else {
        return false;
    };
    let changed = change(open);
    if let (Some(before), Some(after)) = (before, count(state)) {
        if let Some(open) = state.console.chat_mut(id) {
            open.scroll += after.saturating_sub(before);
        }
    }
    changed
}

/// Removes an offer; returns it when it was there.
fn take_offer(state: &mut State, chat_id: u64) -> Option<Offer> {
    let index = state
        .console
        .offers
        .iter()
        .position(|o| o.chat_id == chat_id)?;
    let offer = state.console.offers.remove(index);
    let len = state.console.offers.len();
    state.console.offer_sel = state.console.offer_sel.min(len.saturating_sub(1));
    Some(offer)
}

/// Adds a chat to the held list (once) and loads its log and routing.
fn hold(state: &mut State, chat: &api::Chat, department: Option<String>) -> Option<Action> {
    take_offer(state, chat.id);
    if state.console.chats.iter().any(|c| c.id == chat.id) {
        return None;
    }
    let department = department.or_else(|| state.department_name(chat.department));
    state.console.chats.push(OpenChat::new(chat, department));
    batch(vec![
        Command::Transcript(chat.id),
        Command::Routing(chat.id),
        Command::VisitorProfile(chat.id),
    ])
}

/// Results of the console's commands.
pub fn result(state: &mut State, action: Action) -> Option<Action> {
    match action {
        Action::Accepted(chat) => {
            let department = state
                .console
                .offers
                .iter()
                .find(|o| o.chat_id == chat.id)
                .and_then(|o| o.department.clone());
            let follow = hold(state, &chat, department);
            // The new chat is selected, but keys stay commands: an impatient second `a`
            // must not become the start of a message (`i` or Enter writes). Someone already
            // writing keeps writing to the chat they chose.
            if state.console.focus != Pane::Input {
                if let Some(at) = state.console.chats.iter().position(|c| c.id == chat.id) {
                    state.console.chat_sel = at;
                }
                state.console.focus = Pane::Chats;
                seen(state);
            }
            follow
        }
        Action::Declined(id) => {
            if let Some(offer) = take_offer(state, id) {
                state.say(
                    Level::Info,
                    format!(
                        "Declined the chat from {}; it moves on",
                        one_line(&offer.name, 30)
                    ),
                );
            }
            None
        }
        Action::Queue(chats) => {
            state.console.queue = chats;
            None
        }
        Action::Profile { chat, profile } => {
            if let Some(open) = state.console.chat_mut(chat) {
                open.profile = Some(profile);
            }
            None
        }
        Action::ChatInfo(chat) => {
            let mine = state
                .me
                .as_ref()
                .is_some_and(|m| chat.operator == Some(m.id));
            if mine && chat.state == api::ChatState::Connected {
                return hold(state, &chat, None);
            }
            None
        }
        Action::Sent {
            chat,
            client_id,
            seq,
        } => {
            let me = state
                .me
                .as_ref()
                .map(|m| m.name.clone())
                .unwrap_or_default();
            let now = state.now_ms;
            if let Some(open) = state.console.chat_mut(chat) {
                open.sent(&client_id, seq, &me, now);
            }
            None
        }
        Action::ClosedByMe(id) | Action::Transferred { chat: id, .. } => {
            if let Action::Transferred { to, .. } = &action {
                let to = match to {
                    TransferTo::Operator(sip) => format!("operator {sip}"),
                    TransferTo::Department(d) => {
                        state.department_name(Some(*d)).unwrap_or_default()
                    }
                };
                state.say(
                    Level::Info,
                    format!("Chat transferred to {}", one_line(&to, 30)),
                );
            } else {
                state.say(Level::Info, "Chat closed");
            }
            remove_chat(state, id);
            None
        }
        Action::Transcript { chat, entries } => {
            keep_place(state, chat, |open| {
                // Every entry is applied; the answer says whether any was new.
                let mut added = false;
                for entry in &entries {
                    added |= open.apply(entry);
                }
                added
            });
            None
        }
        Action::Routing { chat, entries } => {
            let lines = entries.map(|e| chat::routing_lines(&e, state));
            if let Some(open) = state.console.chat_mut(chat) {
                open.routing = lines;
            }
            None
        }
        Action::InsertCanned { chat, text } => {
            // Into the draft of the chat the picker was opened on.
            if let Some(open) = state.console.chat_mut(chat) {
                open.draft.insert(&text);
                state.console.focus = Pane::Input;
            }
            None
        }
        _ => None,
    }
}

/// Drops a chat from the list, keeping the selection in range.
pub(super) fn remove_chat(state: &mut State, id: u64) {
    state.console.chats.retain(|c| c.id != id);
    let len = state.console.chats.len();
    state.console.chat_sel = state.console.chat_sel.min(len.saturating_sub(1));
    if len == 0 && state.console.focus == Pane::Input {
        state.console.focus = Pane::Offers;
    }
}

/// The console's failed commands.
pub fn failed(
    state: &mut State,
    command: &Command,
    error: &Failure,
    message: &str,
) -> Option<Action> {
    match command {
        Command::Accept(id) => {
            let offer = take_offer(state, *id);
            let name = offer.map_or_else(String::new, |o| one_line(&o.name, 30));
            match error.code.as_str() {
                "chat_taken" => state.say(
                    Level::Warn,
                    format!("Too late: another operator took the chat from {name}"),
                ),
                _ => state.say(Level::Error, format!("Could not accept: {message}")),
            }
        }
        Command::Decline(id) => {
            if let Some(offer) = state.console.offers.iter_mut().find(|o| o.chat_id == *id) {
                offer.accepting = false;
            }
            state.say(Level::Error, format!("Could not decline: {message}"));
        }
        Command::Send {
            chat, client_id, ..
        } => {
            if let Some(open) = state.console.chat_mut(*chat) {
                if let Some(p) = open.pending.iter_mut().find(|p| &p.client_id == client_id) {
                    p.failed = Some(message.to_string());
                }
            }
        }
        Command::Transfer { .. } => state.say(Level::Error, format!("Transfer refused: {message}")),
        Command::Close(_) => state.say(Level::Error, format!("Could not close: {message}")),
        // A routing log the server cannot give is simply not shown.
        Command::Routing(_) => {}
        _ => state.say(Level::Error, message.to_string()),
    }
    None
}

/// `GET /v1/chats` arrived: chats this operator holds that the console does not show yet
/// (after a restart or a reset) are added; chats shown that have ended are marked.
pub fn sync_chats(state: &mut State, chats: &[api::Chat]) -> Option<Action> {
    let me = state.me.as_ref().map(|m| m.id)?;
    let mut commands = Vec::new();
    for chat in chats {
        let shown = state.console.chats.iter().position(|c| c.id == chat.id);
        match shown {
            None if chat.state == api::ChatState::Connected && chat.operator == Some(me) => {
                if let Some(Action::Run(Command::Batch(more))) = hold(state, chat, None) {
                    commands.extend(more);
                }
            }
            Some(i)
                if chat.state == api::ChatState::Closed
                    && state.console.chats[i].closed.is_none() =>
            {
                state.console.chats[i].closed = Some(None);
            }
            // Still ours and shown: reload its log in case messages were missed.
            Some(_) if state.reload_on_live || chat.state == api::ChatState::Connected => {
                commands.push(Command::Transcript(chat.id));
            }
            _ => {}
        }
    }
    batch(commands)
}
