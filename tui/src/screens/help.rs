//! The help overlay (`?`): every key of the current screen, then the keys that work
//! everywhere.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::{accent, bold, centered, dim, pane};
use crate::app::{Screen, State};

/// Keys that work on every screen once signed in (unless a text field has the keys).
pub const GLOBAL: &[(&str, &str)] = &[
    ("1-6", "switch screen (6 Admin: admins only)"),
    (
        "s or F2",
        "status: online → away → offline (F2 also while typing)",
    ),
    ("?", "this help"),
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

/// The help overlay.
pub struct View<'a>(pub &'a State);

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let keys = screen_keys(self.0);
        let title = match self.0.screen {
            Screen::Admin => format!("Keys · Admin › {}", self.0.admin.panel.title()),
            screen => format!("Keys · {}", screen.title()),
        };
        let mut lines = Vec::new();
        let row = |(key, what): &(&str, &str)| {
            Line::from(vec![
                Span::styled(format!("{key:>20}  "), accent()),
                Span::raw(what.to_string()),
            ])
        };
        lines.extend(keys.iter().map(row));
        lines.push(Line::from(vec![
            Span::styled("Everywhere", bold()),
            Span::styled("  (any key closes this help)", dim()),
        ]));
        lines.extend(GLOBAL.iter().map(row));
        let height = (lines.len() as u16 + 2).min(area.height);
        let rect = centered(area, 78, height);
        Clear.render(rect, buf);
        Paragraph::new(lines)
            .block(pane(&title, true))
            .render(rect, buf);
    }
}
