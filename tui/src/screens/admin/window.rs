//! Chat window (`GET/PUT /v1/chat-window`), in the reference product's sections: General
//! (language, distribution, timeouts, automatic canned response), Graphics (slots of header
//! and sidebar images: upload from a file, activate), Welcome screen, Off-line message and
//! Invitations (tracking and the invitation delay; the server refuses invitations without
//! tracking, and its sentence is shown).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget};
use switchboard_api as api;

use crate::app::{run, Action, Level, State};
use crate::client::GraphicsSlot;
use crate::command::{Command, Part};
use crate::input::TextInput;
use crate::patch::Patch;
use crate::screens::admin::{language_picker, LanguageFor};
use crate::screens::dialog::{Overlay, Purpose};
use crate::screens::form::{yes, Field, Form, Kind, Outcome};
use crate::screens::{accent, bold, dim, good, hints, selected};

/// The sections, in the reference product's order.
pub const SECTIONS: [&str; 6] = [
    "General",
    "Routing",
    "Graphics",
    "Welcome",
    "Off-line",
    "Invitations",
];

/// Index of the graphics section (the one without a form).
const GRAPHICS: usize = 2;

/// The chat-window panel's state.
#[derive(Clone, Debug, Default)]
pub struct WindowPanel {
    /// Settings as last loaded.
    pub loaded: Option<api::ChatWindow>,
    /// Section shown (index into [`SECTIONS`]).
    pub section: usize,
    /// One form per section; the graphics section's is empty.
    pub forms: [Form; 6],
    /// Graphics slots, oldest first.
    pub slots: Vec<GraphicsSlot>,
    /// Selected slot.
    pub slot: usize,
}

impl WindowPanel {
    /// The section's form, if it has one.
    pub fn form_mut(&mut self) -> Option<&mut Form> {
        (self.section != GRAPHICS).then(|| &mut self.forms[self.section])
    }

    /// Whether a field is being typed into.
    pub fn typing(&self) -> bool {
        self.forms[self.section].typing()
    }
}

/// Keys of this panel.
pub const KEYS: &[(&str, &str)] = &[
    ("[ ]", "previous / next section"),
    ("↑↓ or j k", "choose a field (a slot in Graphics)"),
    ("Enter ← →", "edit, switch or cycle the field"),
    ("w", "save the changes (every section)"),
    ("u", "undo the changes"),
    ("n", "Graphics: new slot"),
    ("H / S", "Graphics: upload the header / sidebar from a file"),
    ("a or Enter", "Graphics: make the slot the active one"),
    ("D", "Graphics: go back to the default images"),
    ("x", "Graphics: delete the slot"),
    ("Tab or Esc", "back to the menu"),
];

/// The forms for a window's settings; `canned` names the automatic response's choices.
fn forms(
    w: &api::ChatWindow,
    canned: &[api::Canned],
    departments: &[api::Department],
) -> [Form; 6] {
    let mut responses = vec!["none".to_string()];
    responses.extend(
        canned
            .iter()
            .map(|c| format!("#{}", c.shortcut.trim_start_matches('#'))),
    );
    let auto = w
        .auto_canned_response
        .and_then(|id| canned.iter().find(|c| c.id == id))
        .map_or("none".to_string(), |c| {
            format!("#{}", c.shortcut.trim_start_matches('#'))
        });
    let seconds = |s: f64| format!("{s}");
    let names = |all: &[&str]| all.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let mut fallbacks = vec!["none".to_string()];
    fallbacks.extend(departments.iter().map(|d| crate::sanitize::line(&d.name)));
    let fallback = w
        .fallback_department
        .and_then(|id| departments.iter().find(|d| d.id == id))
        .map_or("none".to_string(), |d| crate::sanitize::line(&d.name));
    [
        Form::new(vec![
            Field::new("language", "Default language", Kind::Language, &w.language).hint("Enter: find by typing; a page can override it in the chat URL"),
            Field::new("distribution", "Call distribution", Kind::Choice(names(&api::Distribution::ALL.map(api::Distribution::name))), w.distribution.name())
                .hint("single: one operator at a time; all: every available operator, first to accept wins"),
            Field::new("connection_timeout_secs", "Connection timeout (s)", Kind::Number, seconds(w.connection_timeout_secs))
                .hint("how long the visitor sees \"Connecting...\" before the off-line form"),
            Field::new("offer_timeout_secs", "Offer timeout (s)", Kind::Number, seconds(w.offer_timeout_secs)).hint("single mode: how long one operator holds an offer"),
            Field::new("auto_canned_response", "Automatic response", Kind::Choice(responses), auto).hint("single mode only: sent to the visitor at once"),
        ]),
        Form::new(vec![
            Field::new("fairness", "Fairness (single mode)", Kind::Choice(names(&api::Fairness::ALL.map(api::Fairness::name))), w.fairness.name())
                .hint("least_busy: fewest open chats, then idle longest; round_robin: in turn"),
            Field::new("requested_operator_timeout_secs", "Asked-for operator (s)", Kind::Number, seconds(w.requested_operator_timeout_secs))
                .hint("how long a chat waits for the operator its link asked for"),
            Field::new("department_timeout_secs", "Department wait (s)", Kind::Number, seconds(w.department_timeout_secs))
                .hint("how long a chat waits for its department before the fallback"),
            Field::new("fallback_department", "Fallback department", Kind::Choice(fallbacks), fallback),
            Field::new("max_queue", "Max queue", Kind::Number, w.max_queue.to_string()).hint("chats waiting for one department or operator; 0 = no limit"),
            Field::new("max_wait_secs", "Max estimated wait (s)", Kind::Number, seconds(w.max_wait_secs)).hint("0 = no limit"),
        ]),
        Form::default(),
        Form::new(vec![
            Field::new("welcome_screen", "Welcome screen", Kind::Toggle, yes(w.welcome_screen)).hint("off: the chat starts at once and the visitor is \"Guest\""),
            Field::new("welcome_message", "Welcome message", Kind::Text, &w.welcome_message).hint("empty = the translated default"),
            Field::new("name_enabled", "Name field", Kind::Toggle, yes(w.name_field.enabled)),
            Field::new("name_required", "Name required", Kind::Toggle, yes(w.name_field.required)),
            Field::new("email_enabled", "Email field", Kind::Toggle, yes(w.email_field.enabled)),
            Field::new("email_required", "Email required", Kind::Toggle, yes(w.email_field.required)),
        ]),
        Form::new(vec![
            Field::new("offline_message", "When nobody is online", Kind::Text, &w.offline_message).hint("empty = the translated default"),
            Field::new("offline_thanks", "After a message is left", Kind::Text, &w.offline_thanks).hint("empty = the translated default"),
        ]),
        Form::new(vec![
            Field::new("tracking", "Visitor tracking", Kind::Toggle, yes(w.tracking)),
            Field::new("invitation_delay_secs", "Invite after (s)", Kind::Number, w.invitation_delay_secs.map_or(String::new(), |s| s.to_string()))
                .hint("seconds on one page before an invitation; empty = no automatic invitations"),
        ]),
    ]
}

/// `GET /v1/chat-window` (or a save's answer) arrived.
pub fn loaded(state: &mut State, window: api::ChatWindow, saved: bool) -> Option<Action> {
    let p = &mut state.admin.window;
    // A change from elsewhere (a `changed` event) leaves the admin's edits alone: only the
    // changed fields are sent, so the others keep what the server has.
    if !saved && p.forms.iter().any(Form::dirty) {
        p.loaded = Some(window);
        return None;
    }
    let keep: Vec<usize> = p.forms.iter().map(|f| f.selected).collect();
    p.forms = forms(&window, &state.canned, &state.departments);
    for (form, at) in p.forms.iter_mut().zip(keep) {
        form.selected = at.min(form.fields.len().saturating_sub(1));
    }
    p.loaded = Some(window);
    if saved {
        state.admin.error = None;
        state.say(Level::Info, "Chat window saved");
    }
    None
}

/// `GET /v1/chat-window/graphics` arrived.
pub fn slots(state: &mut State, slots: Vec<GraphicsSlot>) -> Option<Action> {
    let p = &mut state.admin.window;
    p.slot = p.slot.min(slots.len().saturating_sub(1));
    p.slots = slots;
    None
}

/// Keys of the chat-window panel.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let p = &mut state.admin.window;
    if !p.typing() {
        match key.code {
            KeyCode::Char(']') => {
                p.section = (p.section + 1) % SECTIONS.len();
                state.admin.error = None;
                return None;
            }
            KeyCode::Char('[') => {
                p.section = (p.section + SECTIONS.len() - 1) % SECTIONS.len();
                state.admin.error = None;
                return None;
            }
            _ => {}
        }
    }
    if p.section == GRAPHICS {
        return graphics_key(state, key);
    }
    match p.forms[p.section].key(key) {
        Outcome::Save => save(state),
        Outcome::PickLanguage => {
            let current = p.forms[p.section].value("language").to_string();
            state.overlay = Some(language_picker(
                "Default language",
                LanguageFor::Window,
                &current,
            ));
            None
        }
        Outcome::Used | Outcome::Pass => None,
    }
}

/// A default language was picked: the form's field takes it (saved with `w`).
pub fn set_language(state: &mut State, code: String) {
    let forms = &mut state.admin.window.forms;
    if let Some(field) = forms
        .iter_mut()
        .flat_map(|f| f.fields.iter_mut())
        .find(|f| f.key == "language")
    {
        field.value = code;
    }
}

/// Keys of the graphics section.
fn graphics_key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let p = &mut state.admin.window;
    let slot = p.slots.get(p.slot).map(|s| s.id);
    let prompt = |part: Part, slot: u64| Overlay::Prompt {
        title: format!("Upload the {} of slot {slot} from the file", part.name()),
        input: TextInput::default(),
        purpose: Purpose::Upload { slot, part },
        error: None,
    };
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => {
            p.slot = (p.slot + 1).min(p.slots.len().saturating_sub(1))
        }
        KeyCode::Up | KeyCode::Char('k') => p.slot = p.slot.saturating_sub(1),
        KeyCode::Char('n') => return run(Command::CreateSlot),
        KeyCode::Char('H') => state.overlay = Some(prompt(Part::Header, slot?)),
        KeyCode::Char('S') => state.overlay = Some(prompt(Part::Sidebar, slot?)),
        KeyCode::Char('a') | KeyCode::Enter => return run(Command::Activate(Some(slot?))),
        KeyCode::Char('D') => return run(Command::Activate(None)),
        KeyCode::Char('x') => {
            let slot = slot?;
            state.overlay = Some(Overlay::Confirm {
                question: format!("Delete graphics slot {slot} and its images?"),
                then: Box::new(Action::Run(Command::DeleteSlot(slot))),
            });
        }
        _ => {}
    }
    None
}

/// A file path was typed for an upload.
pub fn upload(_state: &mut State, slot: u64, part: Part, path: String) -> Option<Action> {
    if path.is_empty() {
        return None;
    }
    run(Command::Upload {
        slot,
        part,
        path: home(path),
    })
}

/// `~/` at the start of a typed path is the home folder, as in a shell.
pub fn home(path: String) -> String {
    match path.strip_prefix("~/") {
        Some(rest) => std::env::var("HOME").map_or(path.clone(), |home| format!("{home}/{rest}")),
        None => path,
    }
}

/// A number of seconds typed in `label`'s field.
fn seconds(value: &str, label: &str) -> Result<f64, String> {
    value
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("{label} must be a number of seconds"))
}

/// The fields whose values are sent as they are (choices and texts).
const PLAIN: [&str; 6] = [
    "language",
    "distribution",
    "fairness",
    "welcome_message",
    "offline_message",
    "offline_thanks",
];

/// Every section's changes as one `PUT /v1/chat-window`: only the fields changed, so a
/// save never touches the others.
fn patch(state: &State) -> Result<Patch, String> {
    let p = &state.admin.window;
    let mut patch = Patch::default();
    let [general, routing, _, welcome, offline, invitations] = &p.forms;
    for form in [general, routing, welcome, offline, invitations] {
        for f in form.fields.iter().filter(|f| f.value != f.original) {
            let (key, v) = (f.key, f.value.as_str());
            match key {
                _ if PLAIN.contains(&key) => patch.set(key, v),
                "connection_timeout_secs" => patch.set(key, seconds(v, "The connection timeout")?),
                "offer_timeout_secs" => patch.set(key, seconds(v, "The offer timeout")?),
                "requested_operator_timeout_secs" => {
                    patch.set(key, seconds(v, "The asked-for operator's wait")?)
                }
                "department_timeout_secs" => patch.set(key, seconds(v, "The department wait")?),
                "max_wait_secs" => patch.set(key, seconds(v, "The longest estimated wait")?),
                "max_queue" => patch.set(
                    key,
                    v.trim()
                        .parse::<u32>()
                        .map_err(|_| "Max queue is a whole number".to_string())?,
                ),
                "auto_canned_response" => {
                    let shortcut = v.trim_start_matches('#');
                    match state
                        .canned
                        .iter()
                        .find(|c| c.shortcut.trim_start_matches('#') == shortcut)
                    {
                        Some(c) => patch.set(key, c.id),
                        None => patch.clear(key),
                    }
                }
                "fallback_department" => {
                    match state
                        .departments
                        .iter()
                        .find(|d| crate::sanitize::line(&d.name) == v)
                    {
                        Some(d) => patch.set(key, d.id),
                        None => patch.clear(key),
                    }
                }
                "invitation_delay_secs" if v.trim().is_empty() => patch.clear(key),
                "invitation_delay_secs" => patch.set(
                    key,
                    v.trim().parse::<u32>().map_err(|_| {
                        "The invitation delay is a whole number of seconds".to_string()
                    })?,
                ),
                "welcome_screen" | "tracking" => patch.set(key, v == "yes"),
                // The two toggles of a form field travel as one object.
                "name_enabled" | "name_required" => patch.set(
                    "name_field",
                    api::FormField {
                        enabled: welcome.on("name_enabled"),
                        required: welcome.on("name_required"),
                    },
                ),
                "email_enabled" | "email_required" => patch.set(
                    "email_field",
                    api::FormField {
                        enabled: welcome.on("email_enabled"),
                        required: welcome.on("email_required"),
                    },
                ),
                other => return Err(format!("the field {other} cannot be saved")),
            }
        }
    }
    Ok(patch)
}

/// `w`: sends the changes.
fn save(state: &mut State) -> Option<Action> {
    let p = &state.admin.window;
    p.loaded.as_ref()?;
    if !p.forms.iter().any(Form::dirty) {
        state.say(Level::Info, "Nothing changed");
        return None;
    }
    match patch(state) {
        Ok(patch) => run(Command::SaveWindow(patch)),
        Err(problem) => {
            state.admin.error = Some(problem);
            None
        }
    }
}

/// The chat-window panel: the section bar, then the section.
pub fn render(state: &State, area: Rect, buf: &mut Buffer, focused: bool) {
    let p = &state.admin.window;
    if p.loaded.is_none() {
        Paragraph::new(Span::styled("Loading…", dim())).render(area, buf);
        return;
    }
    let [bar, body, hint] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut spans = Vec::new();
    for (i, name) in SECTIONS.iter().enumerate() {
        let style = if i == p.section { selected() } else { dim() };
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(name.to_string(), style));
    }
    Paragraph::new(Line::from(spans)).render(bar, buf);
    if p.section == GRAPHICS {
        graphics(state, body, buf, focused);
        hints(&[
            ("n", "new"),
            ("H", "header"),
            ("S", "sidebar"),
            ("a", "activate"),
            ("D", "defaults"),
            ("x", "delete"),
        ])
        .render(hint, buf);
    } else {
        p.forms[p.section].render(body, buf, focused);
        hints(&[
            ("[ ]", "section"),
            ("Enter", "edit"),
            ("w", "save"),
            ("u", "undo"),
        ])
        .render(hint, buf);
    }
}

/// The graphics slots.
fn graphics(state: &State, area: Rect, buf: &mut Buffer, focused: bool) {
    let p = &state.admin.window;
    let mark = |on: bool| {
        if on {
            Span::styled("uploaded", good())
        } else {
            Span::styled("—", dim())
        }
    };
    let rows: Vec<Row> = p
        .slots
        .iter()
        .map(|s| {
            Row::new(vec![
                Cell::from(format!("{}", s.id)),
                Cell::from(mark(s.header)),
                Cell::from(mark(s.sidebar)),
                Cell::from(if s.active {
                    Span::styled("● active", accent())
                } else {
                    Span::raw("")
                }),
                Cell::from(crate::time::stamp(s.created_at, &state.tz, state.now_ms)),
            ])
        })
        .collect();
    let any_active = p.slots.iter().any(|s| s.active);
    let [table_area, note] =
        Layout::vertical([Constraint::Min(2), Constraint::Length(2)]).areas(area);
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(9),
            Constraint::Min(8),
        ],
    )
    .header(Row::new(["Slot", "Header", "Sidebar", "", "Created"]).style(bold()))
    .row_highlight_style(if focused {
        selected()
    } else {
        Default::default()
    });
    let mut ts = TableState::default().with_selected((!p.slots.is_empty()).then_some(p.slot));
    StatefulWidget::render(table, table_area, buf, &mut ts);
    let text = if any_active {
        "Header 290x80, sidebar 90x367: uploads are resized to fit."
    } else {
        "The chat window shows the default images. Header 290x80, sidebar 90x367."
    };
    Paragraph::new(Span::styled(text, dim())).render(note, buf);
}
