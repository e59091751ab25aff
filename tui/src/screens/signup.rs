//! The sign-up screen: a new company and its first admin (`POST /v1/signup`).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};
use switchboard_api as api;

use super::signin::{button, field_line};
use super::{centered, dim, error_line, hints, one_line, pane};
use crate::app::{run, Action, Screen, State};
use crate::command::Command;
use crate::input::TextInput;

/// The server refuses shorter passwords; saying so here saves a round trip.
const MIN_PASSWORD: usize = 8;

/// The sign-up form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignUp {
    /// Company name.
    pub company: TextInput,
    /// The admin's email.
    pub email: TextInput,
    /// Password.
    pub password: TextInput,
    /// Password again, to catch typos.
    pub again: TextInput,
    /// Focused row: 0-3 the fields, 4 "Create", 5 "Back".
    pub focus: usize,
    /// A sign-up is on its way.
    pub busy: bool,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

impl Default for SignUp {
    fn default() -> Self {
        SignUp {
            company: TextInput::default(),
            email: TextInput::default(),
            password: TextInput::secret(),
            again: TextInput::secret(),
            focus: 0,
            busy: false,
            error: None,
        }
    }
}

impl SignUp {
    /// The focused field.
    fn field(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            0 => Some(&mut self.company),
            1 => Some(&mut self.email),
            2 => Some(&mut self.password),
            3 => Some(&mut self.again),
            _ => None,
        }
    }

    /// A paste goes into the focused field.
    pub fn paste(&mut self, text: &str) {
        if let Some(field) = self.field() {
            field.insert(text);
        }
    }

    /// What is wrong with the form, if anything.
    fn problem(&self) -> Option<&'static str> {
        if self.company.text.trim().is_empty() {
            Some("Give the company's name")
        } else if !self.email.text.contains('@') {
            Some("Give the admin's email")
        } else if self.password.text.chars().count() < MIN_PASSWORD {
            Some("The password needs at least 8 characters")
        } else if self.password.text != self.again.text {
            Some("The two passwords differ")
        } else {
            None
        }
    }
}

/// Keys of this screen.
pub const KEYS: &[(&str, &str)] = &[
    ("Tab ↑↓", "move between fields"),
    ("Enter", "create the company (or the chosen button)"),
    ("Esc", "back to sign in"),
];

/// Keys of the sign-up screen.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let s = &mut state.signup;
    match key.code {
        KeyCode::Esc => state.screen = Screen::SignIn,
        KeyCode::Enter if s.focus == 5 => state.screen = Screen::SignIn,
        KeyCode::Tab | KeyCode::Down => s.focus = (s.focus + 1) % 6,
        KeyCode::BackTab | KeyCode::Up => s.focus = (s.focus + 5) % 6,
        KeyCode::Enter if s.focus < 3 => s.focus += 1,
        KeyCode::Enter => {
            if s.busy {
                return None;
            }
            if let Some(problem) = s.problem() {
                s.error = Some(problem.into());
                return None;
            }
            s.busy = true;
            s.error = None;
            state.signin.email.set(s.email.text.trim());
            return run(Command::Signup(api::SignupRequest {
                company: s.company.text.trim().to_string(),
                email: s.email.text.trim().to_string(),
                password: s.password.text.clone(),
            }));
        }
        _ => {
            if let Some(field) = s.field() {
                field.key(key);
            }
        }
    }
    None
}

/// The sign-up screen.
pub struct View<'a>(pub &'a State);

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let s = &self.0.signup;
        let box_area = centered(area, 64, 14);
        Clear.render(box_area, buf);
        let block = pane("New company", true);
        let inner = block.inner(box_area);
        block.render(box_area, buf);
        let w = inner.width;
        let mut lines = vec![
            Line::from(Span::styled(
                format!("Server {}", one_line(&self.0.server, 50)),
                dim(),
            )),
            Line::from(""),
            field_line("Company", &s.company, s.focus == 0, w),
            field_line("Email", &s.email, s.focus == 1, w),
            field_line("Password", &s.password, s.focus == 2, w),
            field_line("Again", &s.again, s.focus == 3, w),
            Line::from(""),
            Line::from(vec![
                Span::raw("           "),
                button(if s.busy { "Creating…" } else { "Create" }, s.focus == 4),
                Span::raw("  "),
                button("Back", s.focus == 5),
            ]),
            Line::from(""),
        ];
        lines.push(error_line(s.error.as_deref()));
        lines.push(hints(&[
            ("Tab", "next field"),
            ("Enter", "create"),
            ("Esc", "back"),
        ]));
        Paragraph::new(lines).render(inner, buf);
    }
}
