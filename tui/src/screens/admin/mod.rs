//! The admin screens, mirroring the reference product's panels: a menu on the left
//! (company, chat window, departments, operators, canned responses, chat buttons, tracking
//! code, payments), the chosen panel on the right, one file per panel. While something
//! needs doing about payments, a line above both says what.

pub mod buttons;
pub mod canned;
pub mod company;
pub mod departments;
pub mod operators;
pub mod payments;
pub mod tracking;
pub mod window;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, StatefulWidget, Widget};

use switchboard_api as api;

use super::dialog::{Overlay, Pick, Purpose};
use super::form::Form;
use super::{bad, dim, pane, selected};
use crate::app::{batch, run, Action, Level, State};
use crate::command::Command;

/// The admin panels, in menu order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    /// Company profile.
    Company,
    /// Chat-window settings and graphics.
    Window,
    /// Departments.
    Departments,
    /// Operators.
    Operators,
    /// Canned responses.
    Canned,
    /// Chat button code and custom button images.
    Buttons,
    /// The tracking snippet.
    Tracking,
    /// The plan, invoices and cards.
    Payments,
}

/// Every panel, in menu order.
pub const PANELS: [Panel; 8] = [
    Panel::Company,
    Panel::Window,
    Panel::Departments,
    Panel::Operators,
    Panel::Canned,
    Panel::Buttons,
    Panel::Tracking,
    Panel::Payments,
];

impl Panel {
    /// The menu entry.
    pub fn title(self) -> &'static str {
        match self {
            Panel::Company => "Company profile",
            Panel::Window => "Chat window",
            Panel::Departments => "Departments",
            Panel::Operators => "Operators",
            Panel::Canned => "Canned responses",
            Panel::Buttons => "Chat buttons",
            Panel::Tracking => "Tracking code",
            Panel::Payments => "Payments",
        }
    }
}

/// What a language picked in the language picker is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LanguageFor {
    /// The chat window's default language (a form field).
    Window,
    /// The chat button's code.
    Buttons,
}

/// The language picker: every language by its own name, found by typing, the current one
/// selected.
pub fn language_picker(title: &str, target: LanguageFor, current: &str) -> Overlay {
    let codes = crate::languages::codes();
    let items = codes
        .iter()
        .map(|code| {
            (
                crate::languages::label(code),
                Action::Language {
                    target,
                    code: code.to_string(),
                },
            )
        })
        .collect();
    let mut pick = Pick::new(title, items);
    pick.selected = codes.iter().position(|c| *c == current).unwrap_or(0);
    Overlay::Pick(pick)
}

/// A language was picked.
pub fn language(state: &mut State, target: LanguageFor, code: String) -> Option<Action> {
    match target {
        LanguageFor::Window => {
            window::set_language(state, code);
            None
        }
        LanguageFor::Buttons => buttons::set_language(state, code),
    }
}

/// The admin screens' state.
#[derive(Clone, Debug)]
pub struct Admin {
    /// Panel shown.
    pub panel: Panel,
    /// The menu has the keys (else the panel has them).
    pub menu: bool,
    /// Company profile.
    pub company: company::CompanyPanel,
    /// Chat window.
    pub window: window::WindowPanel,
    /// Selected department.
    pub department: usize,
    /// Selected operator.
    pub operator: usize,
    /// Selected canned response.
    pub canned: usize,
    /// Chat buttons.
    pub buttons: buttons::ButtonsPanel,
    /// The tracking snippet, once loaded.
    pub tracking: Option<api::TrackingCode>,
    /// Plan, invoices and cards.
    pub payments: payments::PaymentsPanel,
    /// The server's last refusal of a save (or of a load of the payments panel), shown
    /// above the panel until the next save.
    pub error: Option<String>,
}

impl Default for Admin {
    fn default() -> Self {
        Admin {
            panel: Panel::Company,
            menu: true,
            company: company::CompanyPanel::default(),
            window: window::WindowPanel::default(),
            department: 0,
            operator: 0,
            canned: 0,
            buttons: buttons::ButtonsPanel::default(),
            tracking: None,
            payments: payments::PaymentsPanel::default(),
            error: None,
        }
    }
}

impl Admin {
    /// Esc/q in a panel goes back to the menu.
    pub fn back(&mut self) -> bool {
        if self.menu {
            return false;
        }
        self.menu = true;
        true
    }

    /// The form of the panel shown, if it has one.
    fn form_mut(&mut self) -> Option<&mut Form> {
        match self.panel {
            Panel::Company => Some(&mut self.company.form),
            Panel::Window => self.window.form_mut(),
            _ => None,
        }
    }
}

/// Keys of the menu (shown with each panel's own).
pub const MENU_KEYS: &[(&str, &str)] = &[
    ("↑↓ or j k", "in the menu: choose a panel"),
    ("Enter Tab →", "in the menu: go into the panel"),
    ("Esc or q", "in a panel: back to the menu"),
];

/// The keys of the panel shown (the menu's when it has the keys).
pub fn keys(state: &State) -> &'static [(&'static str, &'static str)] {
    if state.admin.menu {
        return MENU_KEYS;
    }
    match state.admin.panel {
        Panel::Company => company::KEYS,
        Panel::Window => window::KEYS,
        Panel::Departments => departments::KEYS,
        Panel::Operators => operators::KEYS,
        Panel::Canned => canned::KEYS,
        Panel::Buttons => buttons::KEYS,
        Panel::Tracking => tracking::KEYS,
        Panel::Payments => payments::KEYS,
    }
}

/// Shows the admin screen and loads the panel's data.
pub fn enter(state: &mut State) -> Option<Action> {
    load(state)
}

/// Loads what the panel shown needs.
fn load(state: &mut State) -> Option<Action> {
    state.admin.error = None;
    match state.admin.panel {
        Panel::Company => run(Command::Company),
        Panel::Window => batch(vec![Command::Window, Command::Graphics, Command::Canned]),
        Panel::Departments => run(Command::Departments),
        Panel::Operators => batch(vec![Command::Operators, Command::Departments]),
        Panel::Canned => run(Command::Canned),
        Panel::Buttons => buttons::fetch(state),
        Panel::Tracking => run(Command::TrackingCode),
        Panel::Payments => payments::load(),
    }
}

/// Whether a form field has the keys.
pub fn typing(state: &State) -> bool {
    let a = &state.admin;
    !a.menu
        && match a.panel {
            Panel::Company => a.company.form.typing(),
            Panel::Window => a.window.typing(),
            _ => false,
        }
}

/// A paste goes into the field being edited.
pub fn paste(state: &mut State, text: &str) {
    if let Some(form) = state.admin.form_mut() {
        form.paste(text);
    }
}

/// Keys of the admin screen.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let a = &mut state.admin;
    if a.menu {
        let at = PANELS.iter().position(|p| *p == a.panel).unwrap_or(0);
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => {
                a.panel = PANELS[(at + 1).min(PANELS.len() - 1)];
                return load(state);
            }
            KeyCode::Up | KeyCode::Char('k') => {
                a.panel = PANELS[at.saturating_sub(1)];
                return load(state);
            }
            KeyCode::Enter | KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') => a.menu = false,
            _ => {}
        }
        return None;
    }
    if key.code == KeyCode::Tab && !typing(state) {
        state.admin.menu = true;
        return None;
    }
    match state.admin.panel {
        Panel::Company => company::key(state, key),
        Panel::Window => window::key(state, key),
        Panel::Departments => departments::key(state, key),
        Panel::Operators => operators::key(state, key),
        Panel::Canned => canned::key(state, key),
        Panel::Buttons => buttons::key(state, key),
        Panel::Tracking => tracking::key(state, key),
        Panel::Payments => payments::key(state, key),
    }
}

/// Results for the admin panels.
pub fn result(state: &mut State, action: Action) -> Option<Action> {
    match action {
        Action::Company(c) => company::loaded(state, c, false),
        Action::CompanySaved(c) => company::loaded(state, c, true),
        Action::Window(w) => window::loaded(state, w, false),
        Action::WindowSaved(w) => window::loaded(state, w, true),
        Action::Graphics(slots) => window::slots(state, slots),
        Action::ButtonCode(code) => buttons::loaded(state, code),
        Action::CustomButtons { buttons, note } => buttons::custom(state, buttons, note),
        Action::TrackingCode(code) => tracking::loaded(state, code),
        Action::Billing(billing) => payments::billing(state, billing),
        Action::Invoices(list) => payments::invoices(state, list),
        Action::Cards { cards, note } => payments::cards(state, cards, note),
        _ => None,
    }
}

/// The canned responses changed: the chat window's automatic-response choices follow,
/// unless the admin is in the middle of changes.
pub fn canned_loaded(state: &mut State) -> Option<Action> {
    let w = &state.admin.window;
    match &w.loaded {
        Some(loaded) if !w.forms.iter().any(Form::dirty) => {
            window::loaded(state, loaded.clone(), false)
        }
        _ => None,
    }
}

/// A save was refused: the server's sentence stays above the panel.
pub fn failed(state: &mut State, message: &str) -> Option<Action> {
    state.admin.error = Some(message.to_string());
    state.say(Level::Error, format!("Not saved: {message}"));
    None
}

/// A prompt was answered.
pub fn submit_prompt(state: &mut State, purpose: Purpose, text: String) -> Option<Action> {
    match purpose {
        Purpose::Upload { slot, part } => window::upload(state, slot, part, text),
        Purpose::SaveCode => buttons::save(state, text),
        Purpose::SaveTracking => tracking::save(state, text),
        Purpose::UploadButton(which) => buttons::upload(which, text),
        Purpose::SaveInvoice(number) => payments::save_pdf(number, text),
        Purpose::NewDepartment | Purpose::RenameDepartment(_) => {
            departments::submit(state, purpose, text)
        }
        _ => None,
    }
}

/// A dialog form was saved: what to do, or why what was typed is refused here (the form
/// stays open with the reason).
pub fn submit_form(
    state: &mut State,
    purpose: Purpose,
    form: &Form,
) -> Result<Option<Action>, String> {
    match &purpose {
        Purpose::NewOperator | Purpose::EditOperator(_) => operators::submit(state, &purpose, form),
        Purpose::NewCanned | Purpose::EditCanned(_) => canned::submit(&purpose, form),
        Purpose::ChangePassword => super::password::submit(form),
        Purpose::NewCard => payments::submit(form),
        _ => Ok(None),
    }
}

/// The admin screen: menu and panel.
pub struct View<'a>(pub &'a State);

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = self.0;
        let a = &state.admin;
        let banner = payments::banner(state, area.width);
        let [banner_area, area] =
            Layout::vertical([Constraint::Length(banner.len() as u16), Constraint::Min(0)])
                .areas(area);
        Paragraph::new(banner).render(banner_area, buf);
        let [menu_area, panel_area] =
            Layout::horizontal([Constraint::Length(19), Constraint::Min(20)]).areas(area);
        let items: Vec<ListItem> = PANELS.iter().map(|p| ListItem::new(p.title())).collect();
        let at = PANELS.iter().position(|p| *p == a.panel).unwrap_or(0);
        let list = List::new(items)
            .block(pane("Admin", a.menu))
            .highlight_style(if a.menu {
                selected()
            } else {
                dim().add_modifier(ratatui::style::Modifier::REVERSED)
            });
        let mut ls = ListState::default().with_selected(Some(at));
        StatefulWidget::render(list, menu_area, buf, &mut ls);

        let block = pane(a.panel.title(), !a.menu);
        let inner = block.inner(panel_area);
        block.render(panel_area, buf);
        // The server's refusal, in full on up to two lines.
        let error_lines: Vec<String> = a
            .error
            .as_deref()
            .map_or(Vec::new(), |e| super::wrap(e, usize::from(inner.width)));
        let shown = error_lines.len().min(2);
        let [error_area, body] =
            Layout::vertical([Constraint::Length(shown as u16), Constraint::Min(1)]).areas(inner);
        let lines: Vec<Line> = error_lines
            .into_iter()
            .take(shown)
            .map(|l| Line::from(Span::styled(l, bad())))
            .collect();
        Paragraph::new(lines).render(error_area, buf);
        let focused = !a.menu;
        match a.panel {
            Panel::Company => company::render(state, body, buf, focused),
            Panel::Window => window::render(state, body, buf, focused),
            Panel::Departments => departments::render(state, body, buf, focused),
            Panel::Operators => operators::render(state, body, buf, focused),
            Panel::Canned => canned::render(state, body, buf, focused),
            Panel::Buttons => buttons::render(state, body, buf, focused),
            Panel::Tracking => tracking::render(state, body, buf, focused),
            Panel::Payments => payments::render(state, body, buf, focused),
        }
    }
}
