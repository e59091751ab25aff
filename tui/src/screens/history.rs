//! Chat history with search: the company's chats (newest first), searched on the server
//! (`GET /v1/chats?q=`: names, emails and message text) for what is typed after `/`, a page
//! at a time, and the selected chat's transcript.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget};
use switchboard_api as api;

use super::{accent, bold, dim, hints, one_line, pane, selected, warn};
use crate::app::{run, Action, State};
use crate::command::Command;
use crate::input::TextInput;
use crate::time::stamp;

/// The history screen's state.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// The chats found so far, newest first (the pages loaded).
    pub chats: Vec<api::Chat>,
    /// The search text being typed.
    pub search: TextInput,
    /// What the chats shown were searched for (answers for anything else are stale).
    pub query: String,
    /// The search field has the keys.
    pub searching: bool,
    /// Selected row.
    pub selected: usize,
    /// The last page was full: older chats may follow.
    pub more: bool,
    /// A page is on its way.
    pub loading: bool,
    /// The transcript shown, with its chat id.
    pub transcript: Option<(u64, api::Transcript)>,
    /// Lines the transcript is scrolled down.
    pub scroll: u16,
}

impl History {
    /// The chats shown (the server did the searching).
    pub fn matches(&self) -> Vec<&api::Chat> {
        self.chats.iter().collect()
    }

    /// A paste goes into the search field while it is open.
    pub fn paste(&mut self, text: &str) {
        if self.searching {
            self.search.insert(text);
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
        "search names, emails and messages; Enter searches, Esc leaves",
    ),
    ("↑↓ or j k", "select a chat (older ones load past the last)"),
    ("Enter", "show the transcript"),
    ("PgUp PgDn", "scroll the transcript"),
    ("r", "search again"),
];

/// The first page of a search for `query`.
pub fn search(state: &mut State, query: String) -> Option<Action> {
    let h = &mut state.history;
    h.query = query.trim().to_string();
    h.loading = true;
    run(Command::SearchChats {
        query: h.query.clone(),
        after: None,
    })
}

/// A page arrived: the first replaces the list, the next ones extend it. Pages for another
/// search than the one shown are dropped.
pub fn page(
    state: &mut State,
    query: &str,
    after: Option<u64>,
    chats: Vec<api::Chat>,
) -> Option<Action> {
    let h = &mut state.history;
    if query != h.query {
        return None;
    }
    let next = after.is_some();
    if next && h.chats.last().map(|c| c.id) != after {
        return None;
    }
    h.loading = false;
    h.more = chats.len() >= crate::client::HISTORY_PAGE;
    if next {
        h.chats.extend(chats);
    } else {
        h.chats = chats;
        h.selected = 0;
        h.transcript = None;
    }
    h.selected = h.selected.min(h.chats.len().saturating_sub(1));
    None
}

/// Keys of the history.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let h = &mut state.history;
    if h.searching {
        match key.code {
            KeyCode::Enter => {
                h.searching = false;
                let query = h.search.text.clone();
                return search(state, query);
            }
            KeyCode::Esc => h.searching = false,
            _ => {
                h.search.key(key);
            }
        }
        return None;
    }
    let len = h.chats.len();
    match key.code {
        KeyCode::Char('/') => h.searching = true,
        KeyCode::Down | KeyCode::Char('j') => {
            // Past the last row: the next page, from the last id shown.
            if h.selected + 1 >= len && h.more && !h.loading {
                h.loading = true;
                return run(Command::SearchChats {
                    query: h.query.clone(),
                    after: h.chats.last().map(|c| c.id),
                });
            }
            h.selected = (h.selected + 1).min(len.saturating_sub(1))
        }
        KeyCode::Up | KeyCode::Char('k') => h.selected = h.selected.saturating_sub(1),
        KeyCode::PageDown => h.scroll = h.scroll.saturating_add(5),
        KeyCode::PageUp => h.scroll = h.scroll.saturating_sub(5),
        KeyCode::Char('r') => {
            let query = h.query.clone();
            return search(state, query);
        }
        KeyCode::Enter => {
            let id = h.chats.get(h.selected)?.id;
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
                let state_style = match c.state {
                    api::ChatState::Connected => accent(),
                    api::ChatState::Waiting => warn(),
                    _ => dim(),
                };
                let mut cells = vec![
                    Cell::from(stamp(c.created_at, &state.tz, state.now_ms)),
                    Cell::from(one_line(&c.name, 20)),
                    Cell::from(Span::styled(c.state.name(), state_style)),
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
        let found = if h.query.is_empty() {
            "Chats".to_string()
        } else {
            format!("Chats with \"{}\"", one_line(&h.query, 20))
        };
        let more = match (h.loading, h.more) {
            (true, _) => ", loading…",
            (false, true) => ", more below",
            (false, false) => "",
        };
        let title = format!("{found} ({}{more})", matches.len());
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
