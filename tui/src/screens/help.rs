//! The help overlay (`?`): every key of the current screen, then the keys that work
//! everywhere.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::{accent, bold, centered, dim, pane, wrap};
use crate::app::{Screen, State};

/// Keys that work on every screen once signed in (unless a text field has the keys).
pub const GLOBAL: &[(&str, &str)] = &[
    ("1-6", "switch screen (6 Admin: admins only)"),
    (
        "s or F2",
        "status: online → away → offline (F2 also while typing)",
    ),
    ("?", "this help"),
    ("P", "change your password"),
    ("q or Esc", "back out (q on the console: quit)"),
    (
        "Ctrl-C",
        "quit (asks first when chats are open; twice quits)",
    ),
];

/// The keys of the screen shown now.
pub fn screen_keys(state: &State) -> &'static [(&'static str, &'static str)] {
    match state.screen {
        Screen::SignIn => super::signin::KEYS,
        Screen::SignUp => super::signup::KEYS,
        Screen::Console => super::console::KEYS,
        Screen::Visitors => super::visitors::KEYS,
        Screen::Offline => super::offline::KEYS,
        Screen::History => super::history::KEYS,
        Screen::Dashboard => &[],
        Screen::Admin => super::admin::keys(state),
    }
}

/// Columns of the key column (right-aligned) and the gap after it.
const KEY_COLUMN: usize = 20;

/// Help lines for `(key, what)` pairs, each description wrapped to `width` columns under
/// itself (a long one used to be cut at the edge).
pub fn rows(pairs: &[(&str, &str)], width: usize) -> Vec<Line<'static>> {
    let room = width.saturating_sub(KEY_COLUMN + 2).max(10);
    let mut lines = Vec::new();
    for (key, what) in pairs {
        for (i, part) in wrap(what, room).into_iter().enumerate() {
            let key = if i == 0 { *key } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("{key:>KEY_COLUMN$}  "), accent()),
                Span::raw(part),
            ]));
        }
    }
    lines
}

/// The help overlay.
pub struct View<'a> {
    /// For the screen's keys.
    pub state: &'a State,
    /// Lines scrolled down.
    pub scroll: usize,
}

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let keys = screen_keys(self.state);
        let title = match self.state.screen {
            Screen::Admin => format!("Keys · Admin › {}", self.state.admin.panel.title()),
            screen => format!("Keys · {}", screen.title()),
        };
        let rect_width = 78.min(area.width);
        let width = usize::from(rect_width.saturating_sub(2));
        let mut lines = rows(keys, width);
        lines.push(Line::from(vec![
            Span::styled("Everywhere", bold()),
            Span::styled("  (↑↓ scroll, any other key closes)", dim()),
        ]));
        lines.extend(rows(GLOBAL, width));
        let height = (lines.len() as u16 + 2).min(area.height);
        let rect = centered(area, rect_width, height);
        let room = usize::from(height.saturating_sub(2));
        let scroll = self.scroll.min(lines.len().saturating_sub(room));
        let title = if scroll + room < lines.len() {
            format!("{title} · ↓ more")
        } else {
            title
        };
        Clear.render(rect, buf);
        Paragraph::new(lines.into_iter().skip(scroll).collect::<Vec<_>>())
            .block(pane(&title, true))
            .render(rect, buf);
    }
}
