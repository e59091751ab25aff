//! Tracking code (`GET /v1/tracking/code`): the `<script>` tag that reports page views for
//! the visitor list and automatic invitations; copy it to the clipboard (OSC 52) or save it
//! to a file, as with the button code.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use switchboard_api as api;

use crate::app::{run, Action, Level, State};
use crate::command::Command;
use crate::input::TextInput;
use crate::sanitize::sanitize;
use crate::screens::dialog::{Overlay, Purpose};
use crate::screens::{dim, good, hints, warn, wrap};

/// The file name offered when saving.
const FILE: &str = "tracking-code.html";

/// Keys of this panel.
pub const KEYS: &[(&str, &str)] = &[
    ("c", "copy the code to the clipboard (OSC 52)"),
    ("w", "save the code to a file"),
    ("r", "reload"),
    ("Tab or Esc", "back to the menu"),
];

/// The snippet arrived.
pub fn loaded(state: &mut State, code: api::TrackingCode) -> Option<Action> {
    state.admin.tracking = Some(code);
    None
}

/// Keys of the tracking panel.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Char('r') => run(Command::TrackingCode),
        KeyCode::Char('c') => {
            let html = state.admin.tracking.as_ref()?.html.clone();
            state.say(
                Level::Info,
                "Code copied to the clipboard (if the terminal allows OSC 52)",
            );
            run(Command::Copy(html))
        }
        KeyCode::Char('w') => {
            state.admin.tracking.as_ref()?;
            state.overlay = Some(Overlay::Prompt {
                title: "Save the tracking code to the file".into(),
                input: TextInput::with(FILE),
                purpose: Purpose::SaveTracking,
                error: None,
            });
            None
        }
        _ => None,
    }
}

/// A path was typed to save the snippet to.
pub fn save(state: &mut State, path: String) -> Option<Action> {
    let code = state.admin.tracking.as_ref()?;
    if path.is_empty() {
        return None;
    }
    run(Command::SaveFile {
        path,
        contents: format!("{}\n", code.html),
    })
}

/// The tracking panel.
pub fn render(state: &State, area: Rect, buf: &mut Buffer, _focused: bool) {
    let [status, body, hint] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let Some(code) = &state.admin.tracking else {
        Paragraph::new(Span::styled("Loading…", dim())).render(area, buf);
        return;
    };
    let line = if code.tracking {
        Line::from(Span::styled("● Visitor tracking is on", good()))
    } else {
        Line::from(Span::styled(
            "Visitor tracking is off: the script records nothing until it is turned on \
             (Chat window › Invitations)",
            warn(),
        ))
    };
    Paragraph::new(line).render(status, buf);
    let lines: Vec<Line> = wrap(&sanitize(&code.html), usize::from(body.width))
        .into_iter()
        .map(Line::from)
        .collect();
    Paragraph::new(lines).render(body, buf);
    hints(&[("c", "copy"), ("w", "save to file"), ("r", "reload")]).render(hint, buf);
}
