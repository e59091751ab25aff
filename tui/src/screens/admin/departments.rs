//! Departments (`/v1/departments`): list, add, rename, delete.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{List, ListItem, ListState, StatefulWidget, Widget};

use crate::app::{run, Action, State};
use crate::command::Command;
use crate::input::TextInput;
use crate::screens::dialog::{Overlay, Purpose};
use crate::screens::{dim, hints, one_line, selected};

/// Keys of this panel.
pub const KEYS: &[(&str, &str)] = &[
    ("↑↓ or j k", "choose a department"),
    ("n", "new department"),
    ("e or Enter", "rename"),
    ("d", "delete"),
    ("Tab or Esc", "back to the menu"),
];

/// Keys of the departments panel.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let len = state.departments.len();
    let sel = &mut state.admin.department;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => *sel = (*sel + 1).min(len.saturating_sub(1)),
        KeyCode::Up | KeyCode::Char('k') => *sel = sel.saturating_sub(1),
        KeyCode::Char('n') => {
            state.overlay = Some(Overlay::Prompt {
                title: "New department's name".into(),
                input: TextInput::default(),
                purpose: Purpose::NewDepartment,
                error: None,
            })
        }
        KeyCode::Char('e') | KeyCode::Enter => {
            let d = state.departments.get(*sel)?;
            state.overlay = Some(Overlay::Prompt {
                title: format!("Rename {}", one_line(&d.name, 40)),
                input: TextInput::with(&crate::sanitize::line(&d.name)),
                purpose: Purpose::RenameDepartment(d.id),
                error: None,
            });
        }
        KeyCode::Char('d') => {
            let d = state.departments.get(*sel)?;
            state.overlay = Some(Overlay::Confirm {
                question: format!("Delete the department {}?", one_line(&d.name, 40)),
                then: Box::new(Action::Run(Command::DeleteDepartment(d.id))),
            });
        }
        _ => {}
    }
    None
}

/// A name was typed for a new or renamed department.
pub fn submit(_state: &mut State, purpose: Purpose, name: String) -> Option<Action> {
    if name.is_empty() {
        return None;
    }
    let id = match purpose {
        Purpose::RenameDepartment(id) => Some(id),
        _ => None,
    };
    run(Command::SaveDepartment { id, name })
}

/// The departments panel.
pub fn render(state: &State, area: Rect, buf: &mut Buffer, focused: bool) {
    let [list_area, hint] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let items: Vec<ListItem> = state
        .departments
        .iter()
        .map(|d| {
            ListItem::new(vec![ratatui::text::Line::from(vec![
                Span::styled(format!("{:>4}  ", d.id), dim()),
                Span::raw(one_line(&d.name, 40)),
            ])])
        })
        .collect();
    if items.is_empty() {
        Span::styled("No departments. n adds one.", dim()).render(list_area, buf);
    }
    let list = List::new(items).highlight_style(if focused {
        selected()
    } else {
        Default::default()
    });
    let mut ls = ListState::default()
        .with_selected((!state.departments.is_empty()).then_some(state.admin.department));
    StatefulWidget::render(list, list_area, buf, &mut ls);
    hints(&[("n", "new"), ("e", "rename"), ("d", "delete")]).render(hint, buf);
}
