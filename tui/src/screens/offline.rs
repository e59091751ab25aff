//! The off-line messages inbox: what visitors left while nobody was online, newest first,
//! the selected one in full. New ones arrive live (`offline_message` events); the tab counts
//! the ones nobody has handled, and `d` marks one done for everyone.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, StatefulWidget, Widget};
use switchboard_api as api;

use super::{accent, bold, dim, one_line, pane, selected, wrap};
use crate::app::{run, Action, State};
use crate::command::Command;
use crate::sanitize::sanitize;
use crate::time::stamp;

/// The inbox's state.
#[derive(Clone, Debug, Default)]
pub struct Offline {
    /// Messages, newest first.
    pub list: Vec<api::OfflineMessage>,
    /// Selected message.
    pub selected: usize,
    /// Lines the message is scrolled down.
    pub scroll: u16,
}

/// Keys of this screen.
pub const KEYS: &[(&str, &str)] = &[
    ("↑↓ or j k", "select a message"),
    ("PgUp PgDn", "scroll the message"),
    ("d", "mark the message done (handled)"),
    ("r", "reload"),
];

/// Messages nobody has marked done: the tab's badge.
pub fn unhandled(state: &State) -> usize {
    state.offline.list.iter().filter(|m| !m.done).count()
}

/// Newest first, then by id, so live arrivals and reloads agree.
fn sort(list: &mut [api::OfflineMessage]) {
    list.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
}

/// A new off-line message arrived (`offline_message`): it joins the inbox at once.
pub fn arrived(state: &mut State, message: api::OfflineMessage) -> Option<Action> {
    let o = &mut state.offline;
    // The selection stays on the message it was on.
    let selected = o.list.get(o.selected).map(|m| m.id);
    let name = crate::screens::one_line(&message.name, 30);
    match o.list.iter_mut().find(|m| m.id == message.id) {
        Some(old) => *old = message,
        None => {
            o.list.push(message);
            state.say(
                crate::app::Level::Info,
                format!("New off-line message from {name}"),
            );
        }
    }
    let o = &mut state.offline;
    sort(&mut o.list);
    if let Some(id) = selected {
        o.selected = o.list.iter().position(|m| m.id == id).unwrap_or(0);
    }
    None
}

/// `POST /v1/offline-messages/{id}/done` succeeded.
pub fn done(state: &mut State, id: u64) -> Option<Action> {
    if let Some(m) = state.offline.list.iter_mut().find(|m| m.id == id) {
        m.done = true;
    }
    None
}

/// `GET /v1/offline-messages` arrived.
pub fn loaded(state: &mut State, mut list: Vec<api::OfflineMessage>) -> Option<Action> {
    sort(&mut list);
    state.offline.selected = state.offline.selected.min(list.len().saturating_sub(1));
    state.offline.list = list;
    None
}

/// Keys of the inbox.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let o = &mut state.offline;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => {
            o.selected = (o.selected + 1).min(o.list.len().saturating_sub(1));
            o.scroll = 0;
        }
        KeyCode::Up | KeyCode::Char('k') => {
            o.selected = o.selected.saturating_sub(1);
            o.scroll = 0;
        }
        KeyCode::PageDown => o.scroll = o.scroll.saturating_add(5),
        KeyCode::PageUp => o.scroll = o.scroll.saturating_sub(5),
        KeyCode::Char('r') => return run(Command::OfflineMessages),
        KeyCode::Char('d') => {
            let m = o.list.get(o.selected)?;
            if m.done {
                return None;
            }
            return run(Command::OfflineDone(m.id));
        }
        _ => {}
    }
    None
}

/// The inbox: a list and the selected message.
pub struct View<'a>(pub &'a State);

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = self.0;
        let o = &state.offline;
        let list_width = (area.width * 2 / 5).clamp(26, 50);
        let [left, right] =
            Layout::horizontal([Constraint::Length(list_width), Constraint::Min(20)]).areas(area);
        let inner = usize::from(list_width.saturating_sub(2));
        let items: Vec<ListItem> = o
            .list
            .iter()
            .map(|m| {
                let when = stamp(m.at, &state.tz, state.now_ms);
                let (mark, style) = if m.done {
                    ("✓ ", dim())
                } else {
                    ("● ", accent())
                };
                let name = one_line(&m.name, inner.saturating_sub(when.len() + 3));
                ListItem::new(vec![
                    Line::from(vec![
                        Span::styled(mark, style),
                        Span::styled(name, if m.done { dim() } else { bold() }),
                        Span::styled(format!(" {when}"), dim()),
                    ]),
                    Line::from(Span::styled(one_line(&m.message, inner), dim())),
                ])
            })
            .collect();
        let title = format!("Off-line: {} new of {}", unhandled(state), o.list.len());
        let list = List::new(items)
            .block(pane(&title, true))
            .highlight_style(selected());
        let mut ls = ListState::default().with_selected((!o.list.is_empty()).then_some(o.selected));
        StatefulWidget::render(list, left, buf, &mut ls);

        let block = pane("Message", false);
        let text_area = block.inner(right);
        block.render(right, buf);
        let Some(m) = o.list.get(o.selected) else {
            Paragraph::new(Span::styled("No off-line messages.", dim())).render(text_area, buf);
            return;
        };
        let width = usize::from(text_area.width);
        let mut lines = vec![
            Line::from(vec![
                Span::raw(one_line(&m.name, width / 2)),
                Span::styled(format!(" <{}>", one_line(&m.email, width / 2)), accent()),
            ]),
            Line::from(Span::styled(
                crate::time::stamp(m.at, &state.tz, state.now_ms),
                dim(),
            )),
        ];
        let mut about = Vec::new();
        if let Some(d) = state.department_name(m.department) {
            about.push(format!("department {}", one_line(&d, 20)));
        }
        if let Some(op) = &m.operator {
            about.push(format!("for operator {}", one_line(op, 12)));
        }
        if !about.is_empty() {
            lines.push(Line::from(Span::styled(about.join(" · "), dim())));
        }
        lines.push(Line::from(""));
        lines.extend(
            wrap(&sanitize(&m.message), width)
                .into_iter()
                .map(Line::from),
        );
        Paragraph::new(lines)
            .scroll((o.scroll, 0))
            .render(text_area, buf);
    }
}
