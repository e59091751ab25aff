//! Operators (`/v1/operators`): SIP usernames, names, chat limits, departments, roles; add
//! and change with `PUT /v1/operators/{sip}`, delete.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, StatefulWidget, Table, TableState, Widget};
use switchboard_api as api;

use crate::app::{run, Action, State};
use crate::command::Command;
use crate::patch::Patch;
use crate::screens::dialog::{Overlay, Purpose};
use crate::screens::form::{Field, Form, Kind};
use crate::screens::{bold, dim, hints, one_line, presence_span, selected};

/// The server's own bounds on `max_chats`.
const MAX_CHATS: std::ops::RangeInclusive<u32> = 1..=100;

/// Keys of this panel.
pub const KEYS: &[(&str, &str)] = &[
    ("↑↓ or j k", "choose an operator"),
    ("n", "new operator (SIP username, email, password...)"),
    (
        "e or Enter",
        "change name, email, password, limit, departments",
    ),
    ("d", "delete"),
    ("r", "reload"),
    ("Tab or Esc", "back to the menu"),
];

/// Keys of the operators panel.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let len = state.operators.len();
    let sel = &mut state.admin.operator;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => *sel = (*sel + 1).min(len.saturating_sub(1)),
        KeyCode::Up | KeyCode::Char('k') => *sel = sel.saturating_sub(1),
        KeyCode::Char('r') => return run(Command::Operators),
        KeyCode::Char('n') => {
            let mut fields = vec![Field::new("sip", "SIP username", Kind::Text, "")];
            fields.extend(common(state, None));
            state.overlay = Some(Overlay::Form {
                title: "New operator".into(),
                form: Form::new(fields),
                purpose: Purpose::NewOperator,
                error: None,
            });
        }
        KeyCode::Char('e') | KeyCode::Enter => {
            let o = state.operators.get(*sel)?.clone();
            let Some(sip) = o.sip.clone() else {
                state.say(
                    crate::app::Level::Warn,
                    "An admin without a SIP username is changed on the server only",
                );
                return None;
            };
            let form = Form::new(common(state, Some(&o)));
            state.overlay = Some(Overlay::Form {
                title: format!("Operator {}", one_line(&sip, 20)),
                form,
                purpose: Purpose::EditOperator(sip),
                error: None,
            });
        }
        KeyCode::Char('d') => {
            let o = state.operators.get(*sel)?;
            let sip = o.sip.clone()?;
            state.overlay = Some(Overlay::Confirm {
                question: format!(
                    "Delete operator {} ({})?",
                    one_line(&o.name, 30),
                    one_line(&sip, 12)
                ),
                then: Box::new(Action::Run(Command::DeleteOperator(sip))),
            });
        }
        _ => {}
    }
    None
}

/// The fields a new and an existing operator share, filled from `o`.
fn common(state: &State, o: Option<&api::Operator>) -> Vec<Field> {
    let departments = o.map_or(String::new(), |o| {
        o.departments
            .iter()
            .filter_map(|id| state.department_name(Some(*id)))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let role = o.map_or(api::Role::Operator, |o| o.role).name();
    vec![
        Field::new("name", "Name", Kind::Text, o.map_or("", |o| &o.name)),
        Field::new("email", "Email", Kind::Text, o.map_or("", |o| &o.email)),
        Field::new("password", "Password", Kind::Secret, "")
            .hint("empty keeps the current password"),
        Field::new(
            "max_chats",
            "Max chats",
            Kind::Number,
            o.map_or("4".to_string(), |o| o.max_chats.to_string()),
        )
        .hint("1 to 100 chats at once"),
        Field::new("departments", "Departments", Kind::Text, departments)
            .hint("names or ids, comma-separated; empty = all departments"),
        Field::new(
            "role",
            "Role",
            Kind::Choice(vec![
                api::Role::Operator.name().into(),
                api::Role::Admin.name().into(),
            ]),
            role,
        ),
    ]
}

/// Department names or ids as ids.
fn department_ids(state: &State, text: &str) -> Result<Vec<u64>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<u64>()
                .ok()
                .filter(|id| state.departments.iter().any(|d| d.id == *id))
                .or_else(|| {
                    state
                        .departments
                        .iter()
                        .find(|d| d.name.eq_ignore_ascii_case(t))
                        .map(|d| d.id)
                })
                .ok_or_else(|| format!("no department \"{}\"", one_line(t, 30)))
        })
        .collect()
}

/// The operator form was saved: the `PUT` body, or what is wrong.
pub fn submit(state: &State, purpose: &Purpose, form: &Form) -> Result<Option<Action>, String> {
    let new = *purpose == Purpose::NewOperator;
    let sip = match purpose {
        Purpose::EditOperator(sip) => sip.clone(),
        _ => form.value("sip").trim().to_string(),
    };
    if sip.is_empty() {
        return Err("Give the operator's SIP username".into());
    }
    // A new operator sends every field; a change sends what changed.
    let pick = |key: &str| {
        let v = if new {
            Some(form.value(key))
        } else {
            form.changed(key)
        };
        v.map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty() || key == "departments")
    };
    let max_chats = match pick("max_chats") {
        Some(v) => Some(
            v.parse::<u32>()
                .ok()
                .filter(|n| MAX_CHATS.contains(n))
                .ok_or("Max chats is a number from 1 to 100")?,
        ),
        None => None,
    };
    let departments = pick("departments")
        .map(|v| department_ids(state, &v))
        .transpose()?;
    let password = Some(form.value("password").to_string()).filter(|p| !p.is_empty());
    if new && (pick("email").is_none() || password.is_none()) {
        return Err("A new operator needs an email and a password".into());
    }
    let mut request = Patch::default();
    for key in ["name", "email", "role"] {
        if let Some(v) = pick(key) {
            request.set(key, v);
        }
    }
    if let Some(password) = password {
        request.set("password", password);
    }
    if let Some(n) = max_chats {
        request.set("max_chats", n);
    }
    if let Some(ids) = departments {
        request.set("departments", ids);
    }
    if request.is_empty() {
        return Err("Nothing changed".into());
    }
    Ok(run(Command::SaveOperator { sip, request }))
}

/// The operators panel.
pub fn render(state: &State, area: Rect, buf: &mut Buffer, focused: bool) {
    let [table_area, hint] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    // Role and email only where they fit; the edit form shows them always.
    let wide = area.width >= 90;
    let rows: Vec<Row> = state
        .operators
        .iter()
        .map(|o| {
            let departments = if o.departments.is_empty() {
                "all".to_string()
            } else {
                o.departments
                    .iter()
                    .filter_map(|id| state.department_name(Some(*id)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut cells = vec![
                Cell::from(o.sip.as_deref().map_or("—".into(), |s| one_line(s, 8))),
                Cell::from(one_line(&o.name, 16)),
                Cell::from(presence_span(o.status)),
                Cell::from(format!("{}/{}", o.open_chats, o.max_chats)),
                Cell::from(one_line(&departments, 30)),
            ];
            if wide {
                cells.push(Cell::from(Span::styled(one_line(o.role.name(), 8), dim())));
                cells.push(Cell::from(Span::styled(one_line(&o.email, 40), dim())));
            }
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(6),
        Constraint::Length(12),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Min(10),
    ];
    let mut header = vec!["SIP", "Name", "Status", "Chats", "Departments"];
    if wide {
        widths.extend([Constraint::Length(8), Constraint::Min(10)]);
        header.extend(["Role", "Email"]);
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(bold()))
        .row_highlight_style(if focused {
            selected()
        } else {
            Default::default()
        });
    let mut ts = TableState::default()
        .with_selected((!state.operators.is_empty()).then_some(state.admin.operator));
    StatefulWidget::render(table, table_area, buf, &mut ts);
    hints(&[("n", "new"), ("e", "edit"), ("d", "delete")]).render(hint, buf);
}
