//! The operator console: offers waiting (name, department, page, waiting time), the
//! company's queue, the chats held with unread counts, the selected chat's messages and its
//! own draft in the input line, and on wide terminals who the chat's visitor is.
//!
//! - `mod.rs`: the console's state and its view;
//! - `events.rs`: server events and the results of the console's commands;
//! - `keys.rs`: keys, pastes, canned responses, sending.

mod events;
mod keys;

pub use events::{failed, result, server_event, sync_chats};
pub use keys::{key, paste, refresh_transfer, suggestions, transfer_items};

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, StatefulWidget, Widget};

use super::chat::{self, OpenChat};
use super::{accent, bold, dim, hints, one_line, pane, selected, warn};
use switchboard_api as api;

use crate::app::State;
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
    /// An accept or a decline is on its way (a second key press sends nothing).
    pub accepting: bool,
}

/// Waiting chats the queue pane asks for: more than fit, few enough to be cheap.
pub const QUEUE_SHOWN: usize = 20;

/// The console's state.
#[derive(Clone, Debug)]
pub struct Console {
    /// Focused pane.
    pub focus: Pane,
    /// Offers, oldest first.
    pub offers: Vec<Offer>,
    /// Selected offer.
    pub offer_sel: usize,
    /// Chats waiting in the company's queue, head first (`GET /v1/queue`).
    pub queue: Vec<api::Chat>,
    /// Chats held, in the order they came.
    pub chats: Vec<OpenChat>,
    /// Selected chat.
    pub chat_sel: usize,
    /// The whole routing log is shown (else its last entries).
    pub routing_full: bool,
}

impl Default for Console {
    fn default() -> Self {
        Console {
            focus: Pane::Offers,
            offers: Vec::new(),
            offer_sel: 0,
            queue: Vec::new(),
            chats: Vec::new(),
            chat_sel: 0,
            routing_full: false,
        }
    }
}

impl Console {
    /// The selected chat.
    pub fn selected(&self) -> Option<&OpenChat> {
        self.chats.get(self.chat_sel)
    }

    /// The selected chat's draft (the input line shows it).
    pub fn draft(&self) -> Option<&TextInput> {
        self.selected().map(|c| &c.draft)
    }

    /// The selected chat's draft, to edit.
    pub fn draft_mut(&mut self) -> Option<&mut TextInput> {
        self.chats.get_mut(self.chat_sel).map(|c| &mut c.draft)
    }

    /// A chat by id.
    pub fn chat_mut(&mut self, id: u64) -> Option<&mut OpenChat> {
        self.chats.iter_mut().find(|c| c.id == id)
    }

    /// Chats still going on (not ended): the ones going offline or quitting hands back.
    pub fn open_count(&self) -> usize {
        self.chats.iter().filter(|c| c.closed.is_none()).count()
    }

    /// Esc/q: nothing to back out of inside the console.
    pub fn back(&mut self) -> bool {
        false
    }
}

/// Keys of this screen, for the help overlay.
pub const KEYS: &[(&str, &str)] = &[
    (
        "Tab / Shift-Tab",
        "next / previous pane (offers, chats, input)",
    ),
    ("↑↓ or j k", "select an offer or a chat"),
    ("Enter or a", "accept the selected offer"),
    ("x", "decline the selected offer (it moves on)"),
    ("Enter or i", "on a chat (i anywhere): write in it"),
    (
        "Enter",
        "in the input: send (a lone #shortcut expands instead; an unknown one is refused)",
    ),
    (
        "Alt-Enter or Ctrl-J",
        "new line in the input (pastes never send)",
    ),
    ("#shortcut Tab", "expand a canned response"),
    ("Ctrl-R", "pick a canned response"),
    ("Esc", "leave the input"),
    ("t", "transfer the chat to an operator or a department"),
    ("c", "close the chat (or dismiss an ended one)"),
    ("R", "retry messages that failed"),
    ("L", "the whole routing log, or its last entries"),
    ("PgUp PgDn", "scroll the messages by a page"),
    (
        "Home End",
        "oldest / newest message (Ctrl-Home Ctrl-End in the input)",
    ),
];

/// The console is shown: the selected chat's messages count as read.
pub fn seen(state: &mut State) {
    let index = state.console.chat_sel;
    if let Some(chat) = state.console.chats.get_mut(index) {
        chat.unread = 0;
    }
}

/// Terminals at least this wide show the visitor panel beside the messages: below it, the
/// messages would get too narrow to read.
pub const VISITOR_PANEL_FROM: u16 = 130;

/// Width of the visitor panel.
const VISITOR_PANEL_WIDTH: u16 = 36;

/// Where the console's parts go.
struct Areas {
    /// Offers.
    offers: Rect,
    /// The company's waiting chats (empty for admins, who take none).
    queue: Rect,
    /// Chats held.
    chats: Rect,
    /// The selected chat's messages.
    messages: Rect,
    /// Canned-response suggestions.
    suggest: Rect,
    /// The input.
    input: Rect,
    /// The visitor panel (empty on narrow terminals).
    visitor: Rect,
    /// Width of the left column.
    left_width: u16,
}

/// The console's layout in `area`. Keys use it too (a page is the message pane's height).
fn areas(state: &State, area: Rect) -> Areas {
    let c = &state.console;
    let left_width = (area.width / 3).clamp(24, 40);
    let visitor_width = if area.width >= VISITOR_PANEL_FROM {
        VISITOR_PANEL_WIDTH
    } else {
        0
    };
    let [left, right, visitor] = Layout::horizontal([
        Constraint::Length(left_width),
        Constraint::Min(20),
        Constraint::Length(visitor_width),
    ])
    .areas(area);
    let offers_height = (c.offers.len() as u16 * 2 + 2).clamp(4, left.height / 3);
    let queue_height = if state.takes_chats() {
        (c.queue.len() as u16 + 2).clamp(3, left.height / 4)
    } else {
        0
    };
    let [offers, queue, chats] = Layout::vertical([
        Constraint::Length(offers_height),
        Constraint::Length(queue_height),
        Constraint::Min(3),
    ])
    .areas(left);
    let input_lines = c.draft().map_or(0, |d| d.text.matches('\n').count()) as u16 + 1;
    let input_height = input_lines.clamp(1, 4) + 2;
    let [messages, suggest, input] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(suggestions(state).len().min(3) as u16),
        Constraint::Length(input_height),
    ])
    .areas(right);
    Areas {
        offers,
        queue,
        chats,
        messages,
        suggest,
        input,
        visitor,
        left_width,
    }
}

/// The waiting chats, head first: who and for how long.
fn queue_pane(state: &State, area: Rect, buf: &mut Buffer) {
    if area.height == 0 {
        return;
    }
    let c = &state.console;
    let inner = usize::from(area.width.saturating_sub(2));
    let mut lines: Vec<Line> = c
        .queue
        .iter()
        .map(|q| {
            let waited = crate::time::span(crate::time::since(q.created_at, state.now_ms));
            let dept = state
                .department_name(q.department)
                .map_or(String::new(), |d| format!(" · {}", one_line(&d, 10)));
            let name = one_line(&q.name, inner.saturating_sub(waited.len() + dept.len() + 1));
            Line::from(vec![
                Span::raw(name),
                Span::styled(dept, dim()),
                Span::styled(format!(" {waited}"), dim()),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("nobody waiting", dim())));
    }
    let title = format!("Queue ({})", state.dashboard.queue_len.max(c.queue.len()));
    Paragraph::new(lines)
        .block(pane(&title, false))
        .render(area, buf);
}

/// The visitor panel: who the selected chat's visitor is, the pages they saw, their earlier
/// chats.
fn visitor_pane(state: &State, area: Rect, buf: &mut Buffer) {
    if area.width == 0 {
        return;
    }
    let block = pane("Visitor", false);
    let inner = block.inner(area);
    block.render(area, buf);
    let width = usize::from(inner.width);
    let Some(chat) = state.console.selected() else {
        return;
    };
    let mut lines = Vec::new();
    let Some(p) = &chat.profile else {
        lines.push(Line::from(Span::styled("Loading…", dim())));
        Paragraph::new(lines).render(inner, buf);
        return;
    };
    lines.push(Line::from(Span::styled(one_line(&p.name, width), bold())));
    if !p.email.is_empty() {
        lines.push(Line::from(Span::styled(
            one_line(&p.email, width),
            accent(),
        )));
    }
    if chat.visitor_left && chat.closed.is_none() {
        lines.push(Line::from(Span::styled("closed the chat window", warn())));
    }
    lines.push(Line::from(""));
    match &p.visitor {
        Some(v) => {
            lines.push(Line::from(Span::styled(
                format!("Pages ({} seen)", v.pages_seen),
                bold(),
            )));
            for page in &v.pages {
                let when = crate::time::stamp(page.at, &state.tz, state.now_ms);
                let title = if page.title.is_empty() {
                    &page.url
                } else {
                    &page.title
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{when} "), dim()),
                    Span::raw(one_line(title, width.saturating_sub(when.len() + 1))),
                ]));
            }
        }
        None => lines.push(Line::from(Span::styled("not tracked", dim()))),
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!("Earlier chats ({})", p.previous_chats.len()),
        bold(),
    )));
    if p.previous_chats.is_empty() {
        lines.push(Line::from(Span::styled("none", dim())));
    }
    for earlier in &p.previous_chats {
        let when = crate::time::stamp(earlier.created_at, &state.tz, state.now_ms);
        let who = state
            .operator_name(earlier.operator)
            .map_or(String::new(), |n| format!(" · {}", one_line(&n, 12)));
        lines.push(Line::from(vec![
            Span::styled(format!("{when} "), dim()),
            Span::raw(one_line(
                &format!("#{}{who}", earlier.id),
                width.saturating_sub(when.len() + 1),
            )),
        ]));
    }
    Paragraph::new(lines).render(inner, buf);
}

/// The message pane's inner width and height on the terminal as last measured.
pub fn message_size(state: &State) -> (usize, usize) {
    let (width, height) = state.size;
    // The tab line above and the status bar below.
    let body = Rect::new(0, 0, width, height.saturating_sub(2));
    let messages = areas(state, body).messages;
    (
        usize::from(messages.width.saturating_sub(2)),
        usize::from(messages.height.saturating_sub(2)),
    )
}

/// The console screen.
pub struct View<'a>(pub &'a State);

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = self.0;
        let c = &state.console;
        let Areas {
            offers: offers_area,
            queue,
            chats: chats_area,
            messages,
            suggest,
            input,
            visitor,
            left_width,
        } = areas(state, area);
        queue_pane(state, queue, buf);
        visitor_pane(state, visitor, buf);
        let inner = usize::from(left_width.saturating_sub(2));

        let offers: Vec<ListItem> = c
            .offers
            .iter()
            .map(|o| {
                let waited = crate::time::span(crate::time::since(o.created_at, state.now_ms));
                let dept = o
                    .department
                    .as_deref()
                    .map_or(String::new(), |d| format!(" · {}", one_line(d, 12)));
                let first = format!("{}{dept}", one_line(&o.name, inner.saturating_sub(8)));
                let state_note = if o.accepting {
                    "accepting…".to_string()
                } else {
                    waited
                };
                let second = match &o.previous_operator {
                    Some(from) => format!(
                        "from {} · {}",
                        one_line(from, 12),
                        one_line(&o.page_url, inner)
                    ),
                    None => one_line(&o.page_url, inner),
                };
                ListItem::new(vec![
                    Line::from(vec![
                        Span::styled(first, warn()),
                        Span::styled(format!(" {state_note}"), dim()),
                    ]),
                    Line::from(Span::styled(one_line(&second, inner), dim())),
                ])
            })
            .collect();
        let title = format!("Offers ({})", c.offers.len());
        let list = List::new(offers)
            .block(pane(&title, c.focus == Pane::Offers))
            .highlight_style(selected());
        let mut ls =
            ListState::default().with_selected((!c.offers.is_empty()).then_some(c.offer_sel));
        StatefulWidget::render(list, offers_area, buf, &mut ls);
        if c.offers.is_empty() && offers_area.height > 2 {
            let hint = if state.takes_chats() {
                "no offers"
            } else {
                "admins take no chats"
            };
            Paragraph::new(Span::styled(hint, dim()))
                .render(pane("", false).inner(offers_area), buf);
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
                } else if ch.visitor_left {
                    spans.push(Span::styled(" left", warn()));
                } else if ch.typing_until > state.now_ms {
                    spans.push(Span::styled(" ✎", dim()));
                }
                ListItem::new(Line::from(spans))
            })
            .collect();
        let title = format!("Chats ({})", c.chats.len());
        let list = List::new(chats)
            .block(pane(&title, c.focus == Pane::Chats))
            .highlight_style(selected());
        let mut ls =
            ListState::default().with_selected((!c.chats.is_empty()).then_some(c.chat_sel));
        StatefulWidget::render(list, chats_area, buf, &mut ls);

        let empty = TextInput::multiline();
        let draft = c.draft().unwrap_or(&empty);
        match c.selected() {
            Some(chat) => chat::View {
                state,
                chat,
                focused: false,
                routing_full: c.routing_full,
            }
            .render(messages, buf),
            None => {
                let block = pane("Messages", false);
                let text = vec![
                    Line::from(Span::styled("No chat selected.", dim())),
                    Line::from(""),
                    hints(&[
                        ("Enter", "accept an offer"),
                        ("Tab", "next pane"),
                        ("?", "all keys"),
                    ]),
                ];
                Paragraph::new(text).block(block).render(messages, buf);
            }
        }
        let lines: Vec<Line> = suggestions(state)
            .iter()
            .take(3)
            .map(|s| {
                Line::from(vec![
                    Span::styled(
                        format!("#{} ", s.shortcut.trim_start_matches('#')),
                        accent(),
                    ),
                    Span::styled(
                        one_line(&s.text, usize::from(suggest.width).saturating_sub(12)),
                        dim(),
                    ),
                ])
            })
            .collect();
        Paragraph::new(lines).render(suggest, buf);

        let focused = c.focus == Pane::Input;
        // The title names the chat the text goes to.
        let to = c.selected().map_or(String::new(), |ch| {
            format!("#{} {}", ch.id, one_line(&ch.name, 16))
        });
        let title = match (focused, to.is_empty()) {
            (true, _) => format!("To {to} · Enter sends · Esc leaves"),
            (false, true) => "Message".to_string(),
            (false, false) => format!("Message to {to}"),
        };
        let block = pane(&title, focused);
        let inner_area = block.inner(input);
        block.render(input, buf);
        let (lines, row) = draft.lines(inner_area.width, focused);
        let skip = (row + 1).saturating_sub(usize::from(inner_area.height));
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).render(inner_area, buf);
    }
}
