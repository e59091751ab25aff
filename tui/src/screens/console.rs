//! The operator console: offers waiting (name, department, page, waiting time), the chats
//! held with unread counts, the selected chat's messages and the input line.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, StatefulWidget, Widget};
use switchboard_http::api::{self, AuthorKind, OperatorEventData};

use super::chat::{self, OpenChat, Pending};
use super::dialog::Overlay;
use super::{accent, dim, hints, one_line, pane, selected, warn};
use crate::app::{batch, run, Action, Level, Screen, State, FLASH_MS};
use crate::client::Failure;
use crate::command::{Command, TransferTo};
use crate::input::TextInput;

/// The console's panes, in Tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    /// Offers waiting.
    Offers,
    /// Chats held.
    Chats,
    /// The input line (typing mode: keys are text).
    Input,
}

/// A chat offered to this operator.
#[derive(Clone, Debug, PartialEq)]
pub struct Offer {
    /// The chat.
    pub chat_id: u64,
    /// Visitor's name.
    pub name: String,
    /// Visitor's email.
    pub email: String,
    /// Department asked for.
    pub department: Option<String>,
    /// Page the visitor is on.
    pub page_url: String,
    /// Unix ms the chat started (waiting time).
    pub created_at: u64,
    /// Who had the chat before (a transfer, or an operator who went away).
    pub previous_operator: Option<String>,
    /// An accept is on its way (a second key press sends nothing).
    pub accepting: bool,
}

/// The console's state.
#[derive(Clone, Debug, PartialEq)]
pub struct Console {
    /// Focused pane.
    pub focus: Pane,
    /// Offers, oldest first.
    pub offers: Vec<Offer>,
    /// Selected offer.
    pub offer_sel: usize,
    /// Chats held, in the order they came.
    pub chats: Vec<OpenChat>,
    /// Selected chat.
    pub chat_sel: usize,
    /// What the operator is typing.
    pub input: TextInput,
    /// Lines the message pane is scrolled up.
    pub scroll: u16,
}

impl Default for Console {
    fn default() -> Self {
        Console {
            focus: Pane::Offers,
            offers: Vec::new(),
            offer_sel: 0,
            chats: Vec::new(),
            chat_sel: 0,
            input: TextInput::multiline(),
            scroll: 0,
        }
    }
}

impl Console {
    /// The selected chat.
    pub fn selected(&self) -> Option<&OpenChat> {
        self.chats.get(self.chat_sel)
    }

    /// A chat by id.
    pub fn chat_mut(&mut self, id: u64) -> Option<&mut OpenChat> {
        self.chats.iter_mut().find(|c| c.id == id)
    }

    /// Esc/q: nothing to back out of inside the console.
    pub fn back(&mut self) -> bool {
        false
    }
}

/// Keys of this screen, for the help overlay.
pub const KEYS: &[(&str, &str)] = &[
    ("Tab / Shift-Tab", "next / previous pane (offers, chats, input)"),
    ("↑↓ or j k", "select an offer or a chat"),
    ("Enter or a", "accept the selected offer"),
    ("Enter or i", "on a chat: write in it"),
    ("Enter", "in the input: send (a lone #shortcut expands instead)"),
    ("Alt-Enter or Ctrl-J", "new line in the input (pastes never send)"),
    ("#shortcut Tab", "expand a canned response"),
    ("Ctrl-R", "pick a canned response"),
    ("Esc", "leave the input"),
    ("t", "transfer the chat to an operator or a department"),
    ("c", "close the chat (or dismiss an ended one)"),
    ("R", "retry messages that failed"),
    ("PgUp PgDn", "scroll the messages"),
];

/// A server event (the operator's stream).
pub fn server_event(state: &mut State, event: OperatorEventData) -> Option<Action> {
    use OperatorEventData as E;
    match event {
        E::Offer { chat_id, name, email, department, page_url, created_at, previous_operator } => {
            let known = state.console.offers.iter().any(|o| o.chat_id == chat_id)
                || state.console.chats.iter().any(|c| c.id == chat_id && c.closed.is_none());
            if known {
                return None;
            }
            state.say(Level::Warn, format!("New chat from {}", one_line(&name, 30)));
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
                    format!("The chat from {} was taken or withdrawn", one_line(&offer.name, 30)),
                );
            }
            None
        }
        E::Released { chat_id } => {
            let name = state.console.chats.iter().find(|c| c.id == chat_id).map(|c| one_line(&c.name, 30));
            remove_chat(state, chat_id);
            if let Some(name) = name {
                state.say(Level::Warn, format!("The chat with {name} is no longer yours"));
            }
            None
        }
        E::Assigned { chat_id } => {
            take_offer(state, chat_id);
            if state.console.chats.iter().any(|c| c.id == chat_id) {
                return None;
            }
            batch(vec![Command::Chat(chat_id), Command::Transcript(chat_id), Command::Routing(chat_id)])
        }
        E::Message { chat_id, seq, author, name, text, at } => {
            let visible = state.screen == Screen::Console
                && state.console.selected().is_some_and(|c| c.id == chat_id);
            let Some(chat) = state.console.chat_mut(chat_id) else {
                // A chat we do not show yet (assigned while we were away): load it.
                return batch(vec![Command::Chat(chat_id), Command::Transcript(chat_id)]);
            };
            let from_visitor = author == AuthorKind::Visitor;
            if chat.message(seq, author, &name, &text, at) && from_visitor && !visible {
                chat.unread += 1;
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
            if let Some(chat) = state.console.chat_mut(chat_id) {
                if chat.closed.is_none() && by == "visitor" {
                    let name = one_line(&chat.name, 30);
                    chat.closed = Some(by);
                    state.say(Level::Warn, format!("{name} left the chat"));
                } else {
                    chat.closed = Some(by);
                }
            }
            None
        }
        E::Queue { length } => {
            super::dashboard::queue(state, length);
            None
        }
        E::Visitor { .. } | E::VisitorLeft { .. } => super::visitors::event(state, event),
        E::Reset => {
            // Missed events: the stream reconnects fresh (replaying open offers) and the
            // chats are reloaded once it is live.
            state.console.offers.clear();
            state.reload_on_live = true;
            None
        }
    }
}

/// Removes an offer; returns it when it was there.
fn take_offer(state: &mut State, chat_id: u64) -> Option<Offer> {
    let index = state.console.offers.iter().position(|o| o.chat_id == chat_id)?;
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
    batch(vec![Command::Transcript(chat.id), Command::Routing(chat.id)])
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
            state.console.chat_sel = state.console.chats.len().saturating_sub(1);
            state.console.focus = Pane::Input;
            state.console.scroll = 0;
            follow
        }
        Action::ChatInfo(chat) => {
            let mine = state.me.as_ref().is_some_and(|m| chat.operator == Some(m.id));
            if mine && chat.state == "connected" {
                return hold(state, &chat, None);
            }
            None
        }
        Action::Sent { chat, client_id, seq } => {
            let me = state.me.as_ref().map(|m| m.name.clone()).unwrap_or_default();
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
                    TransferTo::Department(d) => state.department_name(Some(*d)).unwrap_or_default(),
                };
                state.say(Level::Info, format!("Chat transferred to {}", one_line(&to, 30)));
            } else {
                state.say(Level::Info, "Chat closed");
            }
            remove_chat(state, id);
            None
        }
        Action::Transcript { chat, entries } => {
            if let Some(open) = state.console.chat_mut(chat) {
                for entry in &entries {
                    open.apply(entry);
                }
            }
            None
        }
        Action::Routing { chat, entries } => {
            let lines = entries.map(|e| chat::routing_lines(&e, state));
            if let Some(open) = state.console.chat_mut(chat) {
                open.routing = lines;
            }
            None
        }
        Action::InsertCanned(text) => {
            state.console.focus = Pane::Input;
            state.console.input.insert(&text);
            None
        }
        _ => None,
    }
}

/// Drops a chat from the list, keeping the selection in range.
fn remove_chat(state: &mut State, id: u64) {
    state.console.chats.retain(|c| c.id != id);
    let len = state.console.chats.len();
    state.console.chat_sel = state.console.chat_sel.min(len.saturating_sub(1));
    if len == 0 && state.console.focus == Pane::Input {
        state.console.focus = Pane::Offers;
    }
}

/// The console's failed commands.
pub fn failed(state: &mut State, command: &Command, error: &Failure, message: &str) -> Option<Action> {
    match command {
        Command::Accept(id) => {
            let offer = take_offer(state, *id);
            let name = offer.map_or_else(String::new, |o| one_line(&o.name, 30));
            match error.code.as_str() {
                "chat_taken" => state.say(Level::Warn, format!("Too late: another operator took the chat from {name}")),
                _ => state.say(Level::Error, format!("Could not accept: {message}")),
            }
        }
        Command::Send { chat, client_id, .. } => {
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
    let Some(me) = state.me.as_ref().map(|m| m.id) else {
        return None;
    };
    let mut commands = Vec::new();
    for chat in chats {
        let shown = state.console.chats.iter().position(|c| c.id == chat.id);
        match shown {
            None if chat.state == "connected" && chat.operator == Some(me) => {
                if let Some(Action::Run(Command::Batch(more))) = hold(state, chat, None) {
                    commands.extend(more);
                }
            }
            Some(i) if chat.state == "closed" && state.console.chats[i].closed.is_none() => {
                state.console.chats[i].closed = Some("—".into());
            }
            // Still ours and shown: reload its log in case messages were missed.
            Some(_) if state.reload_on_live || chat.state == "connected" => {
                commands.push(Command::Transcript(chat.id));
            }
            _ => {}
        }
    }
    batch(commands)
}

/// The console is shown: the selected chat's messages count as read.
pub fn seen(state: &mut State) {
    let index = state.console.chat_sel;
    if let Some(chat) = state.console.chats.get_mut(index) {
        chat.unread = 0;
    }
}

/// A paste goes into the input (focusing it) when a chat is selected.
pub fn paste(state: &mut State, text: &str) {
    if state.console.selected().is_some() {
        state.console.focus = Pane::Input;
        state.console.input.insert(text);
    }
}

/// The canned response whose shortcut is `word` (with or without `#`).
fn canned_for<'a>(state: &'a State, word: &str) -> Option<&'a api::Canned> {
    let word = word.trim().trim_start_matches('#');
    state
        .canned
        .iter()
        .find(|c| c.shortcut.trim_start_matches('#').eq_ignore_ascii_case(word))
}

/// Canned responses whose shortcut starts with what follows `#` in the input.
pub fn suggestions(state: &State) -> Vec<&api::Canned> {
    let text = &state.console.input.text;
    let Some(prefix) = text.strip_prefix('#').filter(|p| !p.contains(char::is_whitespace)) else {
        return Vec::new();
    };
    let prefix = prefix.to_lowercase();
    state
        .canned
        .iter()
        .filter(|c| c.shortcut.trim_start_matches('#').to_lowercase().starts_with(&prefix))
        .collect()
}

/// Keys of the console.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let c = &mut state.console;
    match key.code {
        KeyCode::PageUp => {
            c.scroll = c.scroll.saturating_add(5);
            return None;
        }
        KeyCode::PageDown => {
            c.scroll = c.scroll.saturating_sub(5);
            return None;
        }
        KeyCode::BackTab => {
            c.focus = match c.focus {
                Pane::Offers => Pane::Input,
                Pane::Chats => Pane::Offers,
                Pane::Input => Pane::Chats,
            };
            return None;
        }
        _ => {}
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
        (Pane::Chats, KeyCode::Enter | KeyCode::Char('i')) if !c.chats.is_empty() => {
            c.focus = Pane::Input;
            None
        }
        (_, KeyCode::Char('a')) => accept(state),
        (_, KeyCode::Char('t')) => transfer(state),
        (_, KeyCode::Char('c')) => close(state),
        (_, KeyCode::Char('R')) => retry(state),
        (_, KeyCode::Char('#')) if !c.chats.is_empty() => {
            c.focus = Pane::Input;
            c.input.insert("#");
            None
        }
        _ => None,
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
        c.scroll = 0;
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

/// Opens the transfer picker for the selected chat.
fn transfer(state: &mut State) -> Option<Action> {
    let chat = state.console.selected()?;
    if chat.closed.is_some() {
        state.say(Level::Warn, "This chat has ended");
        return None;
    }
    let id = chat.id;
    let me = state.me.as_ref().and_then(|m| m.sip.clone());
    let mut items = Vec::new();
    for o in state.operators.iter().filter(|o| o.sip.is_some() && o.sip != me) {
        let sip = o.sip.clone().unwrap_or_default();
        let label = format!("{} {} ({}, {}/{})", sip, one_line(&o.name, 20), o.status, o.open_chats, o.max_chats);
        items.push((label, Action::Run(Command::Transfer { chat: id, to: TransferTo::Operator(sip) })));
    }
    for d in &state.departments {
        let label = format!("Department: {}", one_line(&d.name, 30));
        items.push((label, Action::Run(Command::Transfer { chat: id, to: TransferTo::Department(d.id) })));
    }
    state.overlay = Some(Overlay::Pick { title: "Transfer to".into(), items, selected: 0 });
    // Fresh loads so the list shows who is online now.
    batch(vec![Command::Operators, Command::Departments])
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
        commands.push(Command::Send { chat: id, text: p.text.clone(), client_id: p.client_id.clone() });
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
            let items = state
                .canned
                .iter()
                .map(|c| (format!("#{} {}", c.shortcut.trim_start_matches('#'), one_line(&c.text, 50)), Action::InsertCanned(c.text.clone())))
                .collect();
            state.overlay = Some(Overlay::Pick { title: "Canned responses".into(), items, selected: 0 });
            None
        }
        KeyCode::Tab => {
            let text = suggestions(state).first().map(|c| c.text.clone());
            match text {
                Some(text) => state.console.input.set(&text),
                None => state.console.focus = Pane::Offers,
            }
            None
        }
        KeyCode::Enter if key.modifiers.is_empty() => send(state),
        _ => {
            let before = state.console.input.text.len();
            state.console.input.key(key);
            let typed = state.console.input.text.len() > before;
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
    let text = state.console.input.text.trim_end().to_string();
    if text.trim().is_empty() {
        return None;
    }
    if text.starts_with('#') && !text.contains(char::is_whitespace) {
        if let Some(canned) = canned_for(state, &text) {
            let expanded = canned.text.clone();
            state.console.input.set(&expanded);
            return None;
        }
    }
    let chat = state.console.selected()?;
    if chat.closed.is_some() {
        state.say(Level::Warn, "This chat has ended; c dismisses it");
        return None;
    }
    let id = chat.id;
    state.console.input.take();
    state.sent_count += 1;
    let me = state.me.as_ref().map_or(0, |m| m.id);
    let client_id = format!("tui-{me}-{}-{}", state.now_ms, state.sent_count);
    if let Some(open) = state.console.chat_mut(id) {
        open.pending.push(Pending { client_id: client_id.clone(), text: text.clone(), failed: None });
    }
    state.console.scroll = 0;
    run(Command::Send { chat: id, text, client_id })
}

/// The console screen.
pub struct View<'a>(pub &'a State);

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = self.0;
        let c = &state.console;
        let left_width = (area.width / 3).clamp(24, 40);
        let [left, right] = Layout::horizontal([Constraint::Length(left_width), Constraint::Min(20)]).areas(area);
        let offers_height = (c.offers.len() as u16 * 2 + 2).clamp(4, left.height / 2);
        let [offers_area, chats_area] = Layout::vertical([Constraint::Length(offers_height), Constraint::Min(3)]).areas(left);
        let inner = usize::from(left_width.saturating_sub(2));

        let offers: Vec<ListItem> = c
            .offers
            .iter()
            .map(|o| {
                let waited = crate::time::span(crate::time::since(o.created_at, state.now_ms));
                let dept = o.department.as_deref().map_or(String::new(), |d| format!(" · {}", one_line(d, 12)));
                let first = format!("{}{dept}", one_line(&o.name, inner.saturating_sub(8)));
                let state_note = if o.accepting { "accepting…".to_string() } else { waited };
                let second = match &o.previous_operator {
                    Some(from) => format!("from {} · {}", one_line(from, 12), one_line(&o.page_url, inner)),
                    None => one_line(&o.page_url, inner),
                };
                ListItem::new(vec![
                    Line::from(vec![Span::styled(first, warn()), Span::styled(format!(" {state_note}"), dim())]),
                    Line::from(Span::styled(one_line(&second, inner), dim())),
                ])
            })
            .collect();
        let title = format!("Offers ({})", c.offers.len());
        let list = List::new(offers).block(pane(&title, c.focus == Pane::Offers)).highlight_style(selected());
        let mut ls = ListState::default().with_selected((!c.offers.is_empty()).then_some(c.offer_sel));
        StatefulWidget::render(list, offers_area, buf, &mut ls);
        if c.offers.is_empty() && offers_area.height > 2 {
            let hint = if state.takes_chats() { "no offers" } else { "admins take no chats" };
            Paragraph::new(Span::styled(hint, dim())).render(pane("", false).inner(offers_area), buf);
        }

        let chats: Vec<ListItem> = c
            .chats
            .iter()
            .map(|ch| {
                let mut spans = vec![Span::raw(one_line(&ch.name, inner.saturating_sub(8)))];
                if ch.unread > 0 {
                    spans.push(Span::styled(format!(" ({})", ch.unread), accent()));
                }
                if ch.closed.is_some() {
                    spans.push(Span::styled(" ended", dim()));
                } else if ch.typing_until > state.now_ms {
                    spans.push(Span::styled(" ✎", dim()));
                }
                ListItem::new(Line::from(spans))
            })
            .collect();
        let title = format!("Chats ({})", c.chats.len());
        let list = List::new(chats).block(pane(&title, c.focus == Pane::Chats)).highlight_style(selected());
        let mut ls = ListState::default().with_selected((!c.chats.is_empty()).then_some(c.chat_sel));
        StatefulWidget::render(list, chats_area, buf, &mut ls);

        let input_lines = c.input.text.matches('\n').count() as u16 + 1;
        let input_height = input_lines.clamp(1, 4) + 2;
        let [messages, suggest, input] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(suggestions(state).len().min(3) as u16),
            Constraint::Length(input_height),
        ])
        .areas(right);
        match c.selected() {
            Some(chat) => chat::View { state, chat, scroll: c.scroll, focused: false }.render(messages, buf),
            None => {
                let block = pane("Messages", false);
                let text = vec![
                    Line::from(Span::styled("No chat selected.", dim())),
                    Line::from(""),
                    hints(&[("Enter", "accept an offer"), ("Tab", "next pane"), ("?", "all keys")]),
                ];
                Paragraph::new(text).block(block).render(messages, buf);
            }
        }
        let lines: Vec<Line> = suggestions(state)
            .iter()
            .take(3)
            .map(|s| Line::from(vec![
                Span::styled(format!("#{} ", s.shortcut.trim_start_matches('#')), accent()),
                Span::styled(one_line(&s.text, usize::from(suggest.width).saturating_sub(12)), dim()),
            ]))
            .collect();
        Paragraph::new(lines).render(suggest, buf);

        let focused = c.focus == Pane::Input;
        let title = if focused { "Message · Enter sends · Esc leaves" } else { "Message" };
        let block = pane(title, focused);
        let inner_area = block.inner(input);
        block.render(input, buf);
        let (lines, row) = c.input.lines(inner_area.width, focused);
        let skip = (row + 1).saturating_sub(usize::from(inner_area.height));
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).render(inner_area, buf);
    }
}
