//! Canned responses (`/v1/canned-responses`): `#shortcut` and text; add, change, delete.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, StatefulWidget, Widget};
use switchboard_api as api;

use crate::app::{run, Action, State};
use crate::command::Command;
use crate::screens::dialog::{Overlay, Purpose};
use crate::screens::form::{Field, Form, Kind};
use crate::screens::{accent, dim, hints, one_line, selected};

/// Keys of this panel.
pub const KEYS: &[(&str, &str)] = &[
    ("↑↓ or j k", "choose a response"),
    ("n", "new response"),
    ("e or Enter", "change it"),
    ("d", "delete"),
    ("Tab or Esc", "back to the menu"),
];

/// Keys of the canned-responses panel.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let len = state.canned.len();
    let sel = &mut state.admin.canned;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => *sel = (*sel + 1).min(len.saturating_sub(1)),
        KeyCode::Up | KeyCode::Char('k') => *sel = sel.saturating_sub(1),
        KeyCode::Char('n') => {
            state.overlay = Some(Overlay::Form {
                title: "New canned response".into(),
                form: form(None),
                purpose: Purpose::NewCanned,
                error: None,
            })
        }
        KeyCode::Char('e') | KeyCode::Enter => {
            let c = state.canned.get(*sel)?;
            state.overlay = Some(Overlay::Form {
                title: "Canned response".into(),
                form: form(Some(c)),
                purpose: Purpose::EditCanned(c.id),
                error: None,
            });
        }
        KeyCode::Char('d') => {
            let c = state.canned.get(*sel)?;
            state.overlay = Some(Overlay::Confirm {
                question: format!(
                    "Delete #{}?",
                    one_line(c.shortcut.trim_start_matches('#'), 30)
                ),
                then: Box::new(Action::Run(Command::DeleteCanned(c.id))),
            });
        }
        _ => {}
    }
    None
}

/// The form for a response.
fn form(c: Option<&api::Canned>) -> Form {
    Form::new(vec![
        Field::new(
            "shortcut",
            "Shortcut",
            Kind::Text,
            c.map_or("", |c| c.shortcut.trim_start_matches('#')),
        )
        .hint("letters, digits, - and _; typed as #shortcut in a chat"),
        Field::new("text", "Text", Kind::Text, c.map_or("", |c| &c.text)),
    ])
}

/// The form was saved.
pub fn submit(purpose: &Purpose, form: &Form) -> Result<Option<Action>, String> {
    let shortcut = form
        .value("shortcut")
        .trim()
        .trim_start_matches('#')
        .to_string();
    let text = form.value("text").trim().to_string();
    if shortcut.is_empty() || text.is_empty() {
        return Err("Give a shortcut and a text".into());
    }
    let id = match purpose {
        Purpose::EditCanned(id) => Some(*id),
        _ => None,
    };
    Ok(run(Command::SaveCanned {
        id,
        request: api::CannedRequest { shortcut, text },
    }))
}

/// The canned-responses panel.
pub fn render(state: &State, area: Rect, buf: &mut Buffer, focused: bool) {
    let [list_area, hint] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let width = usize::from(area.width);
    let items: Vec<ListItem> = state
        .canned
        .iter()
        .map(|c| {
            let shortcut = format!("#{:<12} ", one_line(c.shortcut.trim_start_matches('#'), 12));
            ListItem::new(Line::from(vec![
                Span::styled(shortcut, accent()),
                Span::raw(one_line(&c.text, width.saturating_sub(15))),
            ]))
        })
        .collect();
    if items.is_empty() {
        Span::styled("No canned responses. n adds one.", dim()).render(list_area, buf);
    }
    let list = List::new(items).highlight_style(if focused {
        selected()
    } else {
        Default::default()
    });
    let mut ls = ListState::default()
        .with_selected((!state.canned.is_empty()).then_some(state.admin.canned));
    StatefulWidget::render(list, list_area, buf, &mut ls);
    hints(&[("n", "new"), ("e", "edit"), ("d", "delete")]).render(hint, buf);
}
