//! The console's keys: moving between panes, accepting, transferring, closing, and the
//! input line (sending, `#shortcut`s, the canned-response picker).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard_api as api;

use super::events::remove_chat;
use super::{seen, Pane};
use crate::app::{batch, run, Action, Level, State};
use crate::command::{Command, TransferTo};
use crate::screens::chat::Pending;
use crate::screens::dialog::{Overlay, Pick, PickSource};
use crate::screens::one_line;

/// A paste goes into the input (focusing it) when a chat is selected.
pub fn paste(state: &mut State, text: &str) {
    if let Some(draft) = state.console.draft_mut() {
        draft.insert(text);
        state.console.focus = Pane::Input;
    }
}

/// The canned response whose shortcut is `word` (with or without `#`).
fn canned_for<'a>(state: &'a State, word: &str) -> Option<&'a api::Canned> {
    let word = word.trim().trim_start_matches('#');
    state.canned.iter().find(|c| {
        c.shortcut
            .trim_start_matches('#')
            .eq_ignore_ascii_case(word)
    })
}

/// Canned responses whose shortcut starts with what follows `#` in the input.
pub fn suggestions(state: &State) -> Vec<&api::Canned> {
    let Some(text) = state.console.draft().map(|d| &d.text) else {
        return Vec::new();
    };
    let Some(prefix) = text
        .strip_prefix('#')
        .filter(|p| !p.contains(char::is_whitespace))
    else {
        return Vec::new();
    };
    let prefix = prefix.to_lowercase();
    state
        .canned
        .iter()
        .filter(|c| {
            c.shortcut
                .trim_start_matches('#')
                .to_lowercase()
                .starts_with(&prefix)
        })
        .collect()
}

/// Keys of the console.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let typing = state.console.focus == Pane::Input;
    let to = match key.code {
        KeyCode::PageUp => Some(Scroll::PageUp),
        KeyCode::PageDown => Some(Scroll::PageDown),
        KeyCode::Home if ctrl || !typing => Some(Scroll::Oldest),
        KeyCode::End if ctrl || !typing => Some(Scroll::Newest),
        _ => None,
    };
    if let Some(to) = to {
        scroll(state, to);
        return None;
    }
    let c = &mut state.console;
    if key.code == KeyCode::BackTab {
        c.focus = match c.focus {
            Pane::Offers => Pane::Input,
            Pane::Chats => Pane::Offers,
            Pane::Input => Pane::Chats,
        };
        return None;
    }
    if c.focus == Pane::Input {
        return input_key(state, key);
    }
    if key.code == KeyCode::Tab {
        c.focus = match c.focus {
            Pane::Offers => Pane::Chats,
            Pane::Chats if !c.chats.is_empty() => Pane::Input,
            _ => Pane::Offers,
        };
        return None;
    }
    if ctrl {
        return None;
    }
    match (c.focus, key.code) {
        (_, KeyCode::Down | KeyCode::Char('j')) => {
            move_selection(state, 1);
            None
        }
        (_, KeyCode::Up | KeyCode::Char('k')) => {
            move_selection(state, -1);
            None
        }
        (Pane::Offers, KeyCode::Enter | KeyCode::Char('a')) => accept(state),
        (_, KeyCode::Char('x')) => decline(state),
        (Pane::Chats, KeyCode::Enter) if !c.chats.is_empty() => {
            c.focus = Pane::Input;
            None
        }
        // From any pane: an operator who accepted and goes straight to writing must not
        // have the words taken as commands while the accept's answer is on its way.
        (_, KeyCode::Char('i')) if !c.chats.is_empty() => {
            c.focus = Pane::Input;
            None
        }
        (_, KeyCode::Char('a')) => accept(state),
        (_, KeyCode::Char('t')) => transfer(state),
        (_, KeyCode::Char('c')) => close(state),
        (_, KeyCode::Char('R')) => retry(state),
        (_, KeyCode::Char('L')) => {
            c.routing_full = !c.routing_full;
            None
        }
        (_, KeyCode::Char('#')) if !c.chats.is_empty() => {
            c.focus = Pane::Input;
            if let Some(draft) = c.draft_mut() {
                draft.insert("#");
            }
            None
        }
        _ => None,
    }
}

/// Where the message pane moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scroll {
    /// A page back (keeping one line of the page before).
    PageUp,
    /// A page on.
    PageDown,
    /// The first line.
    Oldest,
    /// The newest line, following new messages again.
    Newest,
}

/// Scrolls the selected chat's messages, by the page the terminal shows.
fn scroll(state: &mut State, to: Scroll) {
    let (width, height) = super::message_size(state);
    let routing_full = state.console.routing_full;
    let Some(chat) = state.console.selected() else {
        return;
    };
    let total = crate::screens::chat::lines(state, chat, width, routing_full).len();
    let top = total.saturating_sub(height);
    let page = height.saturating_sub(1).max(1);
    let index = state.console.chat_sel;
    let Some(chat) = state.console.chats.get_mut(index) else {
        return;
    };
    chat.scroll = match to {
        Scroll::PageUp => (chat.scroll + page).min(top),
        Scroll::PageDown => chat.scroll.saturating_sub(page),
        Scroll::Oldest => top,
        Scroll::Newest => 0,
    };
    if chat.scroll == 0 {
        chat.new_below = 0;
    }
}

/// Moves the selection in the focused list.
fn move_selection(state: &mut State, by: isize) {
    let c = &mut state.console;
    let (sel, len) = match c.focus {
        Pane::Offers => (&mut c.offer_sel, c.offers.len()),
        _ => (&mut c.chat_sel, c.chats.len()),
    };
    if len > 0 {
        *sel = sel.saturating_add_signed(by).min(len - 1);
    }
    if c.focus != Pane::Offers {
        seen(state);
    }
}

/// Accepts the selected offer.
fn accept(state: &mut State) -> Option<Action> {
    let index = state.console.offer_sel;
    let offer = state.console.offers.get_mut(index)?;
    if offer.accepting {
        return None;
    }
    offer.accepting = true;
    run(Command::Accept(offer.chat_id))
}

/// Declines the selected offer: the server offers it to someone else.
fn decline(state: &mut State) -> Option<Action> {
    let index = state.console.offer_sel;
    let offer = state.console.offers.get_mut(index)?;
    if offer.accepting {
        return None;
    }
    offer.accepting = true;
    run(Command::Decline(offer.chat_id))
}

/// Opens the transfer picker for the selected chat.
fn transfer(state: &mut State) -> Option<Action> {
    let chat = state.console.selected()?;
    if chat.closed.is_some() {
        state.say(Level::Warn, "This chat has ended");
        return None;
    }
    let id = chat.id;
    let mut pick = Pick::new("Transfer to", transfer_items(state, id));
    pick.source = PickSource::Transfer(id);
    state.overlay = Some(Overlay::Pick(pick));
    // Fresh loads so the list shows who can take the chat now.
    batch(vec![Command::Operators, Command::Departments])
}

/// Whom a chat can go to: operators who can take it now first (online with a terminal),
/// then the others with their state, then the departments.
pub fn transfer_items(state: &State, chat: u64) -> Vec<(String, Action)> {
    let me = state.me.as_ref().and_then(|m| m.sip.clone());
    let mut operators: Vec<&api::Operator> = state
        .operators
        .iter()
        .filter(|o| o.sip.is_some() && o.sip != me)
        .collect();
    operators.sort_by_key(|o| !o.available);
    let mut items = Vec::new();
    for o in operators {
        let sip = o.sip.clone().unwrap_or_default();
        let how = if o.available {
            "available".to_string()
        } else if o.status == api::Status::Online {
            "online, no terminal".to_string()
        } else {
            o.status.name().to_string()
        };
        let label = format!(
            "{} ({}) · {how} · {}/{} chats",
            one_line(&o.name, 20),
            one_line(&sip, 10),
            o.open_chats,
            o.max_chats
        );
        items.push((
            label,
            Action::Run(Command::Transfer {
                chat,
                to: TransferTo::Operator(sip),
            }),
        ));
    }
    for d in &state.departments {
        let label = format!("Department: {}", one_line(&d.name, 30));
        items.push((
            label,
            Action::Run(Command::Transfer {
                chat,
                to: TransferTo::Department(d.id),
            }),
        ));
    }
    items
}

/// The operators or departments changed: an open transfer list follows (what was typed
/// stays).
pub fn refresh_transfer(state: &mut State) {
    let Some(Overlay::Pick(pick)) = &state.overlay else {
        return;
    };
    let PickSource::Transfer(chat) = pick.source else {
        return;
    };
    let items = transfer_items(state, chat);
    if let Some(Overlay::Pick(pick)) = &mut state.overlay {
        pick.items = items;
        pick.selected = pick.selected.min(pick.shown().len().saturating_sub(1));
    }
}

/// Closes the selected chat after a confirmation; an ended chat is just dismissed.
fn close(state: &mut State) -> Option<Action> {
    let chat = state.console.selected()?;
    let id = chat.id;
    if chat.closed.is_some() {
        remove_chat(state, id);
        return None;
    }
    state.overlay = Some(Overlay::Confirm {
        question: format!("Close the chat with {}?", one_line(&chat.name, 30)),
        then: Box::new(Action::Run(Command::Close(id))),
    });
    None
}

/// Sends again the selected chat's failed messages, with their client ids.
fn retry(state: &mut State) -> Option<Action> {
    let index = state.console.chat_sel;
    let chat = state.console.chats.get_mut(index)?;
    let id = chat.id;
    let mut commands = Vec::new();
    for p in chat.pending.iter_mut().filter(|p| p.failed.is_some()) {
        p.failed = None;
        commands.push(Command::Send {
            chat: id,
            text: p.text.clone(),
            client_id: p.client_id.clone(),
        });
    }
    batch(commands)
}

/// Keys while the input has the focus.
fn input_key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {
            state.console.focus = Pane::Chats;
            None
        }
        KeyCode::Char('r') if ctrl => {
            let id = state.console.selected()?.id;
            let items = state
                .canned
                .iter()
                .map(|c| {
                    (
                        format!(
                            "#{} {}",
                            one_line(c.shortcut.trim_start_matches('#'), 20),
                            one_line(&c.text, 50)
                        ),
                        Action::InsertCanned {
                            chat: id,
                            text: c.text.clone(),
                        },
                    )
                })
                .collect();
            state.overlay = Some(Overlay::Pick(Pick::new("Canned responses", items)));
            None
        }
        KeyCode::Tab => {
            let text = suggestions(state).first().map(|c| c.text.clone());
            match text {
                Some(text) => {
                    if let Some(draft) = state.console.draft_mut() {
                        draft.set(&text);
                    }
                }
                None => state.console.focus = Pane::Offers,
            }
            None
        }
        KeyCode::Enter if key.modifiers.is_empty() => send(state),
        _ => {
            let draft = state.console.draft_mut()?;
            let before = draft.text.len();
            draft.key(key);
            let typed = draft.text.len() > before;
            let chat = state.console.selected()?;
            if typed && chat.closed.is_none() && state.now_ms >= chat.typing_sent + 3_000 {
                let id = chat.id;
                let now = state.now_ms;
                if let Some(open) = state.console.chat_mut(id) {
                    open.typing_sent = now;
                }
                return run(Command::Typing(id));
            }
            None
        }
    }
}

/// Enter in the input: a lone `#shortcut` expands; anything else is sent.
fn send(state: &mut State) -> Option<Action> {
    let text = state.console.draft()?.text.trim_end().to_string();
    if text.trim().is_empty() {
        return None;
    }
    if text.starts_with('#') && !text.contains(char::is_whitespace) {
        let Some(canned) = canned_for(state, &text) else {
            // A mistyped shortcut is not something to send the visitor.
            state.say(
                Level::Warn,
                format!(
                    "No canned response {}: Ctrl-R lists them",
                    one_line(&text, 30)
                ),
            );
            return None;
        };
        let expanded = canned.text.clone();
        if let Some(draft) = state.console.draft_mut() {
            draft.set(&expanded);
        }
        return None;
    }
    let chat = state.console.selected()?;
    if chat.closed.is_some() {
        state.say(Level::Warn, "This chat has ended; c dismisses it");
        return None;
    }
    let id = chat.id;
    if let Some(draft) = state.console.draft_mut() {
        draft.take();
    }
    state.sent_count += 1;
    let me = state.me.as_ref().map_or(0, |m| m.id);
    let client_id = format!("tui-{me}-{}-{}", state.now_ms, state.sent_count);
    if let Some(open) = state.console.chat_mut(id) {
        open.pending.push(Pending {
            client_id: client_id.clone(),
            text: text.clone(),
            failed: None,
        });
    }
    if let Some(open) = state.console.chat_mut(id) {
        open.scroll = 0;
        open.new_below = 0;
    }
    run(Command::Send {
        chat: id,
        text,
        client_id,
    })
}
