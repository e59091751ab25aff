//! Chat buttons: pick a language and a style, see the HTML from
//! `GET /v1/buttons/code?lang=&style=`, copy it to the clipboard (OSC 52) or save it to a
//! file.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use switchboard_api::{self as api, languages::CODES as LANGUAGES};

use crate::app::{run, Action, Level, State};
use crate::client::ButtonCode;
use crate::command::{ButtonState, Command};
use crate::input::TextInput;
use crate::sanitize::sanitize;
use crate::screens::admin::{language_picker, LanguageFor};
use crate::screens::dialog::{Overlay, Purpose};
use crate::screens::{accent, dim, good, hints, one_line, selected, wrap};

/// The buttons panel's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ButtonsPanel {
    /// Language code chosen.
    pub lang: String,
    /// Style chosen.
    pub style: api::ButtonStyle,
    /// The code for them, once loaded.
    pub code: Option<ButtonCode>,
    /// Which custom GIFs the server has, as its last upload or delete answered (there is no
    /// endpoint to ask; the custom style's code answers 409 while one is missing).
    pub custom: Option<api::CustomButtons>,
}

impl Default for ButtonsPanel {
    fn default() -> Self {
        ButtonsPanel {
            lang: "en".into(),
            style: api::ButtonStyle::Standard,
            code: None,
            custom: None,
        }
    }
}

/// Keys of this panel.
pub const KEYS: &[(&str, &str)] = &[
    (
        "Enter or /",
        "choose the language by name (type to find it)",
    ),
    (
        "← → or h l",
        "previous / next language (52, right-to-left ones marked)",
    ),
    ("t", "standard or custom style"),
    ("c", "copy the code to the clipboard (OSC 52)"),
    (
        "o / f",
        "upload the custom online / offline GIF from a file",
    ),
    ("X", "delete the custom GIFs (back to the standard buttons)"),
    ("w", "save the code to a file"),
    ("Tab or Esc", "back to the menu"),
];

/// Asks for the code of the chosen language and style.
pub fn fetch(state: &mut State) -> Option<Action> {
    let b = &state.admin.buttons;
    run(Command::ButtonCode {
        lang: b.lang.clone(),
        style: b.style,
    })
}

/// The code arrived (only kept when it is still the one chosen).
pub fn loaded(state: &mut State, code: ButtonCode) -> Option<Action> {
    let b = &mut state.admin.buttons;
    if code.lang == b.lang && code.style == b.style {
        b.code = Some(code);
        state.admin.error = None;
    }
    None
}

/// Keys of the buttons panel.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let b = &mut state.admin.buttons;
    let at = LANGUAGES.iter().position(|l| *l == b.lang).unwrap_or(0);
    match key.code {
        KeyCode::Right | KeyCode::Char('l') | KeyCode::Down | KeyCode::Char('j') => {
            b.lang = LANGUAGES[(at + 1) % LANGUAGES.len()].into();
        }
        KeyCode::Left | KeyCode::Char('h') | KeyCode::Up | KeyCode::Char('k') => {
            b.lang = LANGUAGES[(at + LANGUAGES.len() - 1) % LANGUAGES.len()].into();
        }
        KeyCode::Enter | KeyCode::Char('/') => {
            let current = b.lang.clone();
            state.overlay = Some(language_picker(
                "Button language",
                LanguageFor::Buttons,
                &current,
            ));
            return None;
        }
        KeyCode::Char('o') | KeyCode::Char('f') => {
            let which = if key.code == KeyCode::Char('o') {
                ButtonState::Online
            } else {
                ButtonState::Offline
            };
            state.overlay = Some(Overlay::Prompt {
                title: format!("Upload the {} button (a GIF) from the file", which.name()),
                input: TextInput::default(),
                purpose: Purpose::UploadButton(which),
                error: None,
            });
            return None;
        }
        KeyCode::Char('X') => {
            state.overlay = Some(Overlay::Confirm {
                question: "Delete both custom GIFs and show the standard buttons?".into(),
                then: Box::new(Action::Run(Command::DeleteButtons)),
            });
            return None;
        }
        KeyCode::Char('t') => {
            let all = api::ButtonStyle::ALL;
            let at = all.iter().position(|s| *s == b.style).unwrap_or(0);
            b.style = all[(at + 1) % all.len()];
        }
        KeyCode::Char('c') => {
            let html = b.code.as_ref()?.html.clone();
            state.say(
                Level::Info,
                "Code copied to the clipboard (if the terminal allows OSC 52)",
            );
            return run(Command::Copy(html));
        }
        KeyCode::Char('w') => {
            let code = b.code.as_ref()?;
            state.overlay = Some(Overlay::Prompt {
                title: "Save the code to the file".into(),
                input: TextInput::with(&format!(
                    "chat-button-{}-{}.html",
                    code.lang,
                    code.style.name()
                )),
                purpose: Purpose::SaveCode,
                error: None,
            });
            return None;
        }
        _ => return None,
    }
    b.code = None;
    fetch(state)
}

/// A language was picked for the button.
pub fn set_language(state: &mut State, code: String) -> Option<Action> {
    let b = &mut state.admin.buttons;
    if b.lang == code {
        return None;
    }
    b.lang = code;
    b.code = None;
    fetch(state)
}

/// A path was typed for a custom button's GIF.
pub fn upload(which: ButtonState, path: String) -> Option<Action> {
    if path.is_empty() {
        return None;
    }
    run(Command::UploadButton {
        state: which,
        path: crate::screens::admin::window::home(path),
    })
}

/// The server answered an upload or a delete with the custom buttons it has: the code of
/// the custom style may have changed, so it is asked again.
pub fn custom(state: &mut State, buttons: api::CustomButtons, note: String) -> Option<Action> {
    state.say(Level::Info, note);
    state.admin.buttons.custom = Some(buttons);
    state.admin.buttons.code = None;
    fetch(state)
}

/// A path was typed to save the code to.
pub fn save(state: &mut State, path: String) -> Option<Action> {
    let code = state.admin.buttons.code.as_ref()?;
    if path.is_empty() {
        return None;
    }
    run(Command::SaveFile {
        path,
        contents: format!("{}\n", code.html),
    })
}

/// The buttons panel.
pub fn render(state: &State, area: Rect, buf: &mut Buffer, _focused: bool) {
    let b = &state.admin.buttons;
    let [choice, body, hint] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let rtl = api::languages::is_rtl(&b.lang);
    let mut styles = Vec::new();
    for s in api::ButtonStyle::ALL {
        styles.push(Span::styled(
            format!(" {} ", s.name()),
            if s == b.style { selected() } else { dim() },
        ));
    }
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Language ", dim()),
            Span::styled(
                format!("‹ {} ›", crate::languages::label(&b.lang)),
                accent(),
            ),
            Span::styled(if rtl { "  right-to-left" } else { "" }, dim()),
        ]),
        Line::from([vec![Span::styled("Style    ", dim())], styles].concat()),
    ];
    let mark = |on: bool| {
        if on {
            Span::styled("uploaded", good())
        } else {
            Span::styled("—", dim())
        }
    };
    lines.push(match &b.custom {
        Some(c) => Line::from(vec![
            Span::styled("Custom   ", dim()),
            Span::raw("online "),
            mark(c.online),
            Span::raw("  offline "),
            mark(c.offline),
        ]),
        None => Line::from(Span::styled(
            "Custom   o / f upload GIFs, X deletes them",
            dim(),
        )),
    });
    Paragraph::new(lines).render(choice, buf);
    let width = usize::from(body.width);
    let lines: Vec<Line> = match &b.code {
        None => vec![Line::from(Span::styled("Loading…", dim()))],
        Some(code) => {
            let mut lines: Vec<Line> = wrap(&sanitize(&code.html), width)
                .into_iter()
                .map(Line::from)
                .collect();
            lines.push(Line::from(""));
            lines.push(Line::from(vec![
                Span::styled("Image ", dim()),
                Span::raw(one_line(&code.image_url, width.saturating_sub(6))),
            ]));
            lines.push(Line::from(vec![
                Span::styled("Chat  ", dim()),
                Span::raw(one_line(&code.chat_url, width.saturating_sub(6))),
            ]));
            lines
        }
    };
    Paragraph::new(lines).render(body, buf);
    hints(&[
        ("Enter", "language"),
        ("t", "style"),
        ("c", "copy"),
        ("w", "save"),
        ("o f", "GIFs"),
    ])
    .render(hint, buf);
}
