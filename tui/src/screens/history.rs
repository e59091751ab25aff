//! Chat history with search: the company's chats (newest first), filtered by what is typed
//! after `/`, and the selected chat's transcript.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget};
use switchboard_http::api;

use super::{accent, bold, dim, hints, one_line, pane, selected, warn};
use crate::app::{run, Action, State};
use crate::command::Command;
use crate::input::TextInput;
use crate::sanitize::line;
use crate::time::stamp;

/// The history screen's state.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Every chat loaded, newest first.
    pub chats: Vec<api::Chat>,
    /// The search text.
    pub search: TextInput,
    /// The search field has the keys.
    pub searching: bool,
    /// Selected row among the matches.
    pub selected: usize,
    /// The transcript shown, with its chat id.
    pub transcript: Option<(u64, api::Transcript)>,
    /// Lines the transcript is scrolled down.
    pub scroll: u16,
}

impl History {
    /// The chats matching the search: every word must appear in the name, email, page,
    /// state or id.
    pub fn matches(&self) -> Vec<&api::Chat> {
        let words: Vec<String> = self
            .search
            .text
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        self.chats
            .iter()
            .filter(|c| {
                let hay = format!(
                    "#{} {} {} {} {}",
                    c.id, c.name, c.email, c.page_url, c.state
                )
                .to_lowercase();
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .collect()
    }

    /// A paste goes into the search field while it is open.
    pub fn paste(&mut self, text: &str) {
        if self.searching {
            self.search.insert(text);
            self.selected = 0;
        }
    }

    /// Esc/q: close the transcript first.
    pub fn back(&mut self) -> bool {
        self.transcript.take().is_some()
    }
}

/// Keys of this screen.
pub const KEYS: &[(&str, &str)] = &[
    (
        "/",
        "search (name, email, page, state, #id); Enter or Esc ends",
    ),
    ("↑↓ or j k", "select a chat"),
    ("Enter", "show the transcript"),
    ("PgUp PgDn", "scroll the transcript"),
    ("r", "reload"),
];

/// `GET /v1/chats` arrived.
pub fn loaded(state: &mut State, chats: Vec<api::Chat>) {
    state.history.chats = chats;
    let len = state.history.matches().len();
    state.history.selected = state.history.selected.min(len.saturating_sub(1));
}

/// Keys of the history.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let h = &mut state.history;
    if h.searching {
        match key.code {
            KeyCode::Enter | KeyCode::Esc => h.searching = false,
            _ => {
                h.search.key(key);
                h.selected = 0;
            }
        }
        return None;
    }
    let len = h.matches().len();
    match key.code {
        KeyCode::Char('/') => h.searching = true,
        KeyCode::Down | KeyCode::Char('j') => {
            h.selected = (h.selected + 1).min(len.saturating_sub(1))
        }
        KeyCode::Up | KeyCode::Char('k') => h.selected = h.selected.saturating_sub(1),
        KeyCode::PageDown => h.scroll = h.scroll.saturating_add(5),
        KeyCode::PageUp => h.scroll = h.scroll.saturating_sub(5),
        KeyCode::Char('r') => return run(Command::Chats),
        KeyCode::Enter => {
            let id = h.matches().get(h.selected)?.id;
            h.scroll = 0;
            return run(Command::Transcript(id));
        }
        _ => {}
    }
    None
}

/// A transcript arrived for the history (the console keeps its own).
pub fn transcript(state: &mut State, chat: u64, entries: &api::Transcript) {
    let wanted = state
        .history
        .matches()
        .get(state.history.selected)
        .map(|c| c.id);
    if wanted == Some(chat) {
        state.history.transcript = Some((chat, entries.clone()));
    }
}

/// The history: search line, table, transcript.
pub struct View<'a>(pub &'a State);

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = self.0;
        let h = &state.history;
        let [search_area, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
        let (search, _) = h
            .search
            .lines(search_area.width.saturating_sub(10), h.searching);
        let mut spans = vec![Span::styled(
            " Search / ",
            if h.searching { accent() } else { dim() },
        )];
        spans.extend(
            search
                .into_iter()
                .next()
                .map(|l| l.spans)
                .unwrap_or_default(),
        );
        Paragraph::new(Line::from(spans)).render(search_area, buf);

        let matches = h.matches();
        let (table_area, transcript_area) = if h.transcript.is_some() {
            let [a, b] =
                Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                    .areas(body);
            (a, Some(b))
        } else {
            (body, None)
        };
        // Operator and page only where they fit beside the transcript.
        let wide = table_area.width >= 60;
        let rows: Vec<Row> = matches
            .iter()
            .map(|c| {
                let state_style = match c.state.as_str() {
                    "connected" => accent(),
                    "waiting" => warn(),
                    _ => dim(),
                };
                let mut cells = vec![
                    Cell::from(stamp(c.created_at, &state.tz, state.now_ms)),
                    Cell::from(one_line(&c.name, 20)),
                    Cell::from(Span::styled(line(&c.state), state_style)),
                ];
                if wide {
                    cells.push(Cell::from(
                        state
                            .operator_name(c.operator)
                            .map(|n| one_line(&n, 14))
                            .unwrap_or_default(),
                    ));
                    cells.push(Cell::from(one_line(&c.page_url, 60)));
                }
                Row::new(cells)
            })
            .collect();
        let mut widths = vec![
            Constraint::Length(12),
            Constraint::Min(10),
            Constraint::Length(9),
        ];
        let mut header = vec!["When", "Visitor", "State"];
        if wide {
            widths[1] = Constraint::Length(16);
            widths.extend([Constraint::Length(10), Constraint::Min(8)]);
            header.extend(["Operator", "Page"]);
        }
        let title = format!("Chats ({} of {})", matches.len(), h.chats.len());
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(bold()))
            .block(pane(&title, !h.searching))
            .row_highlight_style(selected());
        let mut ts =
            TableState::default().with_selected((!matches.is_empty()).then_some(h.selected));
        StatefulWidget::render(table, table_area, buf, &mut ts);

        let Some(area) = transcript_area else { return };
        let Some((id, entries)) = &h.transcript else {
            return;
        };
        let block = pane(&format!("Transcript #{id}"), false);
        let inner = block.inner(area);
        block.render(area, buf);
        let width = usize::from(inner.width);
        let name = matches
            .iter()
            .find(|c| c.id == *id)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let log = super::chat::entries(entries);
        let mut lines = super::chat::entry_lines(&log, &name, width, state);
        if lines.is_empty() {
            lines.push(Line::from(Span::styled("(no messages)", dim())));
        }
        lines.push(hints(&[("Esc", "close")]));
        Paragraph::new(lines)
            .scroll((h.scroll, 0))
            .render(inner, buf);
    }
}
