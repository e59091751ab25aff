//! The sign-in screen, and what follows a sign-in: loading the account, connecting the
//! event stream, going to the console. A session that ends (401) comes back here.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::{accent, centered, dim, error_line, hints, one_line, pane, selected};
use crate::app::{batch, run, Action, Level, Link, Presence, Screen, State};
use crate::command::Command;
use crate::input::TextInput;

/// The sign-in form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignIn {
    /// Email.
    pub email: TextInput,
    /// Password (shown as dots).
    pub password: TextInput,
    /// Focused row: 0 email, 1 password, 2 "Sign in", 3 "New company".
    pub focus: usize,
    /// A sign-in is on its way.
    pub busy: bool,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Email and password came from the command line and SWITCHBOARD_PASSWORD: sign in at
    /// once.
    pub auto: bool,
}

impl SignIn {
    /// The form, pre-filled from the command line.
    pub fn new(email: Option<String>, password: Option<String>) -> Self {
        let auto = email.is_some() && password.is_some();
        let focus = if email.is_some() { 1 } else { 0 };
        SignIn {
            email: TextInput::with(email.as_deref().unwrap_or_default()),
            password: TextInput {
                secret: true,
                ..TextInput::with(password.as_deref().unwrap_or_default())
            },
            focus,
            busy: false,
            error: None,
            auto,
        }
    }

    /// A paste goes into the focused field.
    pub fn paste(&mut self, text: &str) {
        match self.focus {
            0 => self.email.insert(text),
            1 => self.password.insert(text),
            _ => {}
        }
    }
}

/// Keys of this screen.
pub const KEYS: &[(&str, &str)] = &[
    ("Tab ↑↓", "move between fields"),
    ("Enter", "sign in (or open the chosen button)"),
    ("Esc", "quit"),
];

/// Signs in at start when the command line gave both email and password.
pub fn auto(state: &State) -> Option<Action> {
    let s = &state.signin;
    (s.auto && !s.email.text.is_empty()).then(|| {
        Action::Run(Command::Login {
            email: s.email.text.clone(),
            password: s.password.text.clone(),
        })
    })
}

/// Keys of the sign-in screen.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let s = &mut state.signin;
    match key.code {
        KeyCode::Esc => return Some(Action::Quit),
        KeyCode::Tab | KeyCode::Down => s.focus = (s.focus + 1) % 4,
        KeyCode::BackTab | KeyCode::Up => s.focus = (s.focus + 3) % 4,
        KeyCode::Enter if s.focus == 3 => {
            state.screen = Screen::SignUp;
            state.signup.email.set(&state.signin.email.text);
        }
        KeyCode::Enter if s.focus == 0 => s.focus = 1,
        KeyCode::Enter => {
            if s.busy {
                return None;
            }
            if s.email.text.trim().is_empty() || s.password.text.is_empty() {
                s.error = Some("Give your email and password".into());
                return None;
            }
            s.busy = true;
            s.error = None;
            return run(Command::Login {
                email: s.email.text.trim().to_string(),
                password: s.password.text.clone(),
            });
        }
        _ => {
            match s.focus {
                0 => s.email.key(key),
                1 => s.password.key(key),
                _ => false,
            };
        }
    }
    None
}

/// Results of signing in and loading the account.
pub fn result(state: &mut State, action: Action) -> Option<Action> {
    match action {
        Action::SignedIn(_) => run(Command::Me),
        Action::SignedUp(answer) => {
            state.say(
                Level::Info,
                format!(
                    "Company created; its chat key is {}",
                    one_line(&answer.key, 32)
                ),
            );
            run(Command::Me)
        }
        Action::SignedOut => {
            let email = state.signin.email.text.clone();
            fresh(state, email);
            None
        }
        Action::Me(me) => {
            state.signin.busy = false;
            state.signup.busy = false;
            state.signin.password.take();
            state.tz = crate::time::zone(&me.time_zone);
            state.presence = me.status;
            state.wanted = Presence::Online;
            state.link = Link::Connecting;
            let admin = me.role == switchboard_api::Role::Admin;
            let takes_chats = me.sip.is_some();
            state.me = Some(me);
            let mut commands = vec![
                Command::Connect,
                Command::Chats,
                Command::Visitors,
                Command::Departments,
                Command::Operators,
                Command::Canned,
                Command::OfflineMessages,
            ];
            if takes_chats {
                commands.push(Command::Queue);
            }
            // The plan's warning (no card before the first invoice...) shows at once.
            if admin {
                commands.push(Command::Billing);
            }
            if admin && !takes_chats {
                match crate::app::go(state, Screen::Admin) {
                    Some(Action::Run(Command::Batch(more))) => commands.extend(more),
                    Some(Action::Run(command)) => commands.push(command),
                    _ => {}
                }
            } else {
                state.screen = Screen::Console;
            }
            batch(commands)
        }
        _ => None,
    }
}

/// Sign-in, sign-up or loading the account failed.
pub fn failed(state: &mut State, command: &Command, message: &str) -> Option<Action> {
    state.signin.busy = false;
    state.signup.busy = false;
    match command {
        Command::Signup(_) => state.signup.error = Some(message.to_string()),
        _ => state.signin.error = Some(message.to_string()),
    }
    None
}

/// The server no longer takes our token: back to the sign-in screen.
pub fn expired(state: &mut State) -> Option<Action> {
    let email = state.signin.email.text.clone();
    fresh(state, email);
    state.signin.error = Some("Your session ended; sign in again".into());
    None
}

/// Back to the sign-in screen with `email` filled in and nothing else of the session,
/// except where the client is connected (it stays at the same address).
fn fresh(state: &mut State, email: String) {
    let route = std::mem::take(&mut state.route);
    *state = State::new(&state.server, Some(email), None, state.now_ms);
    state.route = route;
}

/// A labelled field line.
pub fn field_line(label: &str, input: &TextInput, focused: bool, width: u16) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!("{label:>10} "),
        if focused { accent() } else { dim() },
    )];
    let (lines, _) = input.lines(width.saturating_sub(12), focused);
    spans.extend(
        lines
            .into_iter()
            .next()
            .map(|l| l.spans)
            .unwrap_or_default(),
    );
    Line::from(spans)
}

/// A button.
pub fn button(text: &str, focused: bool) -> Span<'static> {
    Span::styled(
        format!("[ {text} ]"),
        if focused { selected() } else { accent() },
    )
}

/// The sign-in screen.
pub struct View<'a>(pub &'a State);

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let s = &self.0.signin;
        let box_area = centered(area, 64, 13);
        Clear.render(box_area, buf);
        let block = pane("Sign in", true);
        let inner = block.inner(box_area);
        block.render(box_area, buf);
        let mut lines = vec![
            Line::from(Span::styled(
                format!("Server {}", one_line(&self.0.server, 50)),
                dim(),
            )),
            Line::from(""),
            field_line("Email", &s.email, s.focus == 0, inner.width),
            field_line("Password", &s.password, s.focus == 1, inner.width),
            Line::from(""),
            Line::from(vec![
                Span::raw("           "),
                button(if s.busy { "Signing in…" } else { "Sign in" }, s.focus == 2),
                Span::raw("  "),
                button("New company", s.focus == 3),
            ]),
            Line::from(""),
        ];
        lines.push(error_line(s.error.as_deref()));
        lines.push(hints(&[
            ("Tab", "next field"),
            ("Enter", "sign in"),
            ("Esc", "quit"),
        ]));
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
    }
}
