//! The live visitor list: who is on the site, which page, for how long, from where, how many
//! pages; a manual invitation to chat.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget};
use switchboard_api::{self as api, OperatorEventData};

use super::{accent, bold, dim, hints, one_line, pane, selected, warn};
use crate::app::{run, Action, State};
use crate::command::Command;
use crate::time::{since, span, stamp};

/// The visitor screen's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Visitors {
    /// Visitors on the site, most recently active first.
    pub list: Vec<api::Visitor>,
    /// Selected row.
    pub selected: usize,
}

/// Keys of this screen.
pub const KEYS: &[(&str, &str)] = &[
    ("↑↓ or j k", "select a visitor"),
    ("i or Enter", "invite the visitor to chat"),
    ("r", "reload the list"),
];

/// `GET /v1/visitors` arrived.
pub fn loaded(state: &mut State, list: Vec<api::Visitor>) -> Option<Action> {
    state.visitors.list = list;
    sort(&mut state.visitors);
    None
}

/// Most recently active first (the newest page view), then by id for a stable order.
fn sort(v: &mut Visitors) {
    v.list
        .sort_by(|a, b| b.on_page_since.cmp(&a.on_page_since).then(a.id.cmp(&b.id)));
    v.selected = v.selected.min(v.list.len().saturating_sub(1));
}

/// A `visitor` or `visitor_left` event.
pub fn event(state: &mut State, event: OperatorEventData) -> Option<Action> {
    let v = &mut state.visitors;
    match event {
        OperatorEventData::Visitor { visitor } => {
            match v.list.iter_mut().find(|x| x.id == visitor.id) {
                Some(slot) => *slot = visitor,
                None => v.list.push(visitor),
            }
            sort(v);
        }
        OperatorEventData::VisitorLeft { visitor_id } => {
            v.list.retain(|x| x.id != visitor_id);
            sort(v);
        }
        _ => {}
    }
    None
}

/// Keys of the visitor list.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let v = &mut state.visitors;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => {
            v.selected = (v.selected + 1).min(v.list.len().saturating_sub(1));
            None
        }
        KeyCode::Up | KeyCode::Char('k') => {
            v.selected = v.selected.saturating_sub(1);
            None
        }
        KeyCode::Char('i') | KeyCode::Enter => {
            let visitor = v.list.get(v.selected)?;
            if visitor.chat_id.is_some() {
                state.say(crate::app::Level::Warn, "This visitor is already chatting");
                return None;
            }
            run(Command::Invite(visitor.id))
        }
        KeyCode::Char('r') => run(Command::Visitors),
        _ => None,
    }
}

/// The visitor screen: a table and the selected visitor's pages.
pub struct View<'a>(pub &'a State);

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = self.0;
        let v = &state.visitors;
        let detail_height = if area.height >= 20 { 8 } else { 6 };
        let [table_area, detail_area] =
            Layout::vertical([Constraint::Min(4), Constraint::Length(detail_height)]).areas(area);
        let page_width = usize::from(table_area.width.saturating_sub(40)).max(10);
        let rows: Vec<Row> = v
            .list
            .iter()
            .map(|x| {
                let page = if x.title.is_empty() {
                    &x.page_url
                } else {
                    &x.title
                };
                let on_page = span(since(x.on_page_since, state.now_ms));
                let chat = match (x.chat_id, x.declined) {
                    (Some(id), _) => Span::styled(format!("chat #{id}"), accent()),
                    (None, true) => Span::styled("declined", dim()),
                    (None, false) => Span::raw(""),
                };
                Row::new(vec![
                    Cell::from(one_line(page, page_width)),
                    Cell::from(on_page),
                    Cell::from(one_line(&x.referrer, 16)),
                    Cell::from(x.pages_seen.to_string()),
                    Cell::from(chat),
                ])
            })
            .collect();
        let header = Row::new(["Page", "On page", "Referrer", "Pages", "Chat"]).style(bold());
        let widths = [
            Constraint::Min(10),
            Constraint::Length(8),
            Constraint::Length(16),
            Constraint::Length(5),
            Constraint::Length(10),
        ];
        let title = format!("Visitors on the site ({})", v.list.len());
        let table = Table::new(rows, widths)
            .header(header)
            .block(pane(&title, true))
            .row_highlight_style(selected());
        let mut ts =
            TableState::default().with_selected((!v.list.is_empty()).then_some(v.selected));
        StatefulWidget::render(table, table_area, buf, &mut ts);

        let block = pane("Visitor", false);
        let inner = block.inner(detail_area);
        block.render(detail_area, buf);
        let width = usize::from(inner.width);
        let mut lines = Vec::new();
        match v.list.get(v.selected) {
            Some(x) => {
                lines.push(Line::from(vec![
                    Span::styled(format!("#{} ", x.id), dim()),
                    Span::styled(one_line(&x.page_url, width.saturating_sub(8)), accent()),
                ]));
                let referrer = if x.referrer.is_empty() { "direct".to_string() } else { one_line(&x.referrer, 40) };
                lines.push(Line::from(format!(
                    "first seen {} · {} page{} · from {referrer}",
                    stamp(x.first_seen, &state.tz, state.now_ms),
                    x.pages_seen,
                    if x.pages_seen == 1 { "" } else { "s" }
                )));
                for p in x.pages.iter().take(usize::from(inner.height).saturating_sub(3)) {
                    let title = if p.title.is_empty() { &p.url } else { &p.title };
                    lines.push(Line::from(vec![
                        Span::styled(format!("{} ", stamp(p.at, &state.tz, state.now_ms)), dim()),
                        Span::raw(one_line(title, width.saturating_sub(8))),
                    ]));
                }
            }
            None => lines.push(Line::from(Span::styled(
                "Nobody on the site (visitor tracking must be on: Admin › Chat window › Invitations)",
                warn(),
            ))),
        }
        let hint_row = usize::from(inner.height).saturating_sub(1);
        lines.truncate(hint_row);
        while lines.len() < hint_row {
            lines.push(Line::from(""));
        }
        lines.push(hints(&[("i", "invite"), ("r", "reload"), ("?", "keys")]));
        Paragraph::new(lines).render(inner, buf);
    }
}
