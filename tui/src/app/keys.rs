//! Keys and pastes: the global keys (help, screens, status, back), then the open dialog,
//! then the screen shown.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::{batch, run, Action, Level, Presence, Screen, State};
use crate::command::Command;
use crate::screens::dialog::Overlay;
use crate::screens::{admin, console, dialog, history, offline, signin, signup, visitors};

/// Pastes go to whichever text field has the focus; they never send.
pub(super) fn paste(state: &mut State, text: &str) -> Option<Action> {
    if let Some(overlay) = &mut state.overlay {
        dialog::paste(overlay, text);
        return None;
    }
    match state.screen {
        Screen::SignIn => state.signin.paste(text),
        Screen::SignUp => state.signup.paste(text),
        Screen::Console => console::paste(state, text),
        Screen::History => state.history.paste(text),
        Screen::Admin => admin::paste(state, text),
        Screen::Visitors | Screen::Offline | Screen::Dashboard => {}
    }
    None
}

/// Whether the screen is taking text (so letters and digits are not commands).
fn typing(state: &State) -> bool {
    match state.screen {
        Screen::SignIn | Screen::SignUp => true,
        Screen::Console => state.console.focus == console::Pane::Input,
        Screen::History => state.history.searching,
        Screen::Admin => admin::typing(state),
        Screen::Visitors | Screen::Offline | Screen::Dashboard => false,
    }
}

/// A key: global keys first (unless a text field has it), then the overlay, then the
/// screen.
pub(super) fn on_key(state: &mut State, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        // A second Ctrl-C while the question is open quits.
        if matches!(&state.overlay, Some(Overlay::Confirm { then, .. }) if matches!(**then, Action::Quit))
        {
            return Some(Action::Quit);
        }
        return quit(state);
    }
    match state.screen {
        Screen::SignIn => return signin::key(state, key),
        Screen::SignUp => return signup::key(state, key),
        _ => {}
    }
    if key.code == KeyCode::F(2) {
        return toggle_presence(state);
    }
    if state.overlay.is_some() {
        return dialog::key(state, key);
    }
    if !typing(state) && !ctrl {
        match key.code {
            KeyCode::Char('?') => {
                state.overlay = Some(Overlay::Help { scroll: 0 });
                return None;
            }
            KeyCode::Char('s') => return toggle_presence(state),
            KeyCode::Char('P') => {
                state.overlay = Some(crate::screens::password::open());
                return None;
            }
            KeyCode::Char('q') => return back(state, true),
            KeyCode::Esc => return back(state, false),
            KeyCode::Char(c @ '1'..='9') => {
                let tabs = Screen::tabs(state.is_admin());
                let index = usize::from(c as u8 - b'1');
                if let Some(&screen) = tabs.get(index) {
                    return go(state, screen);
                }
                return None;
            }
            _ => {}
        }
    }
    match state.screen {
        Screen::Console => console::key(state, key),
        Screen::Visitors => visitors::key(state, key),
        Screen::Offline => offline::key(state, key),
        Screen::History => history::key(state, key),
        Screen::Dashboard => None,
        Screen::Admin => admin::key(state, key),
        Screen::SignIn | Screen::SignUp => None,
    }
}

/// The next presence, asked of the server (operators only). Going offline hands the open
/// chats back to the queue, so it asks first when there are any.
fn toggle_presence(state: &mut State) -> Option<Action> {
    if !state.takes_chats() {
        state.say(Level::Warn, "Only operators with a SIP username take chats");
        return None;
    }
    let next = super::kinds::next(state.presence);
    let open = state.console.open_count();
    if next == Presence::Offline && open > 0 {
        state.overlay = Some(Overlay::Confirm {
            question: format!(
                "Going offline hands {} back to the queue. Go offline?",
                chats(open)
            ),
            then: Box::new(Action::SetPresence(next)),
        });
        return None;
    }
    Some(Action::SetPresence(next))
}

/// "1 open chat", "3 open chats".
fn chats(n: usize) -> String {
    format!("{n} open chat{}", if n == 1 { "" } else { "s" })
}

/// Quitting hands the open chats back to the queue (the client goes offline): it asks first
/// when there are any.
fn quit(state: &mut State) -> Option<Action> {
    let open = state.console.open_count();
    if open == 0 {
        return Some(Action::Quit);
    }
    state.overlay = Some(Overlay::Confirm {
        question: format!("Quitting hands {} back to the queue. Quit?", chats(open)),
        then: Box::new(Action::Quit),
    });
    None
}

/// `q`/Esc: the screen backs out one level, else back to the console, else (`q` only) quit.
fn back(state: &mut State, may_quit: bool) -> Option<Action> {
    let consumed = match state.screen {
        Screen::History => state.history.back(),
        Screen::Admin => state.admin.back(),
        Screen::Console => state.console.back(),
        _ => false,
    };
    if consumed {
        return None;
    }
    if state.screen != Screen::Console {
        state.screen = Screen::Console;
        return None;
    }
    // Esc never quits: it is pressed by habit to leave the input, sometimes twice.
    if !may_quit {
        return None;
    }
    quit(state)
}

/// Shows a screen and loads what it shows.
pub fn go(state: &mut State, screen: Screen) -> Option<Action> {
    state.screen = screen;
    match screen {
        Screen::Console => {
            console::seen(state);
            None
        }
        Screen::Visitors => run(Command::Visitors),
        Screen::Offline => run(Command::OfflineMessages),
        Screen::History => {
            let query = state.history.query.clone();
            history::search(state, query)
        }
        Screen::Dashboard => batch(vec![Command::Chats, Command::Operators, Command::Visitors]),
        Screen::Admin => admin::enter(state),
        Screen::SignIn | Screen::SignUp => None,
    }
}
