//! Dialogs over the screen: help, a yes/no question, a one-line prompt, a picker, a form.
//! While one is open it has every key but Ctrl-C and F2.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, ListState, Paragraph, StatefulWidget, Widget};

use super::form::{Form, Outcome};
use super::{admin, centered, dim, error_line, hints, pane, selected};
use crate::app::{Action, State};
use crate::command::Part;
use crate::input::TextInput;

/// What a prompt or a form is for; its answer is turned into a command by the admin panel
/// that asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Upload an image file into a graphics slot.
    Upload {
        /// Slot id.
        slot: u64,
        /// Header or sidebar.
        part: Part,
    },
    /// Save the chat button's code to a file.
    SaveCode,
    /// Save the tracking snippet to a file.
    SaveTracking,
    /// Upload a custom button GIF from a file.
    UploadButton(crate::command::ButtonState),
    /// Change one's own password.
    ChangePassword,
    /// A new department's name.
    NewDepartment,
    /// A department's new name.
    RenameDepartment(u64),
    /// A new operator.
    NewOperator,
    /// Changes to an operator, by SIP username.
    EditOperator(String),
    /// A new canned response.
    NewCanned,
    /// Changes to a canned response.
    EditCanned(u64),
    /// Save an invoice's PDF to a file, by invoice number.
    SaveInvoice(u64),
    /// A new card.
    NewCard,
}

/// An open dialog.
#[derive(Clone, Debug)]
pub enum Overlay {
    /// Every key of the current screen.
    Help {
        /// Lines scrolled down (the list can be longer than a small terminal).
        scroll: usize,
    },
    /// A yes/no question; yes runs `then`.
    Confirm {
        /// The question.
        question: String,
        /// What yes does.
        then: Box<Action>,
    },
    /// One line of text.
    Prompt {
        /// What to type.
        title: String,
        /// The text.
        input: TextInput,
        /// What the answer is for.
        purpose: Purpose,
        /// Why the last answer was refused (shown under the field).
        error: Option<String>,
    },
    /// A list to pick from, narrowed by typing; each item carries its action.
    Pick(Pick),
    /// Several fields.
    Form {
        /// What the form is.
        title: String,
        /// Its fields.
        form: Form,
        /// What saving does.
        purpose: Purpose,
        /// Why the last save was refused (shown under the fields).
        error: Option<String>,
    },
}

/// A list to pick from.
#[derive(Clone, Debug)]
pub struct Pick {
    /// What is picked.
    pub title: String,
    /// Label and action of each item.
    pub items: Vec<(String, Action)>,
    /// Selected item, among those the filter leaves.
    pub selected: usize,
    /// What was typed: only items whose label holds every word show (52 languages are not
    /// stepped through).
    pub filter: TextInput,
    /// Rebuilt when the data it lists changes (the transfer list follows presence).
    pub source: PickSource,
}

/// Where a picker's items come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickSource {
    /// Fixed when opened.
    Fixed,
    /// Operators and departments to transfer this chat to.
    Transfer(u64),
}

impl Pick {
    /// A picker of `items`.
    pub fn new(title: &str, items: Vec<(String, Action)>) -> Self {
        Pick {
            title: title.into(),
            items,
            selected: 0,
            filter: TextInput::default(),
            source: PickSource::Fixed,
        }
    }

    /// The items the filter leaves, with their labels.
    pub fn shown(&self) -> Vec<&(String, Action)> {
        let words: Vec<String> = self
            .filter
            .text
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        self.items
            .iter()
            .filter(|(label, _)| {
                let label = label.to_lowercase();
                words.iter().all(|w| label.contains(w.as_str()))
            })
            .collect()
    }

    /// Keys: typing narrows, ↑↓ move, Enter picks. Returns the picked action, or `None`
    /// with `done` false while the picker stays.
    fn key(&mut self, key: KeyEvent) -> (bool, Option<Action>) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let len = self.shown().len();
        match key.code {
            KeyCode::Down => self.selected = (self.selected + 1).min(len.saturating_sub(1)),
            KeyCode::Char('n') if ctrl => {
                self.selected = (self.selected + 1).min(len.saturating_sub(1))
            }
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Char('p') if ctrl => self.selected = self.selected.saturating_sub(1),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(len.saturating_sub(1)),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::Enter => {
                let action = self.shown().get(self.selected).map(|(_, a)| a.clone());
                return (action.is_some(), action);
            }
            // Esc clears what was typed first, then closes.
            KeyCode::Esc if !self.filter.text.is_empty() => {
                self.filter.take();
                self.selected = 0;
            }
            KeyCode::Esc => return (true, None),
            _ => {
                let before = self.filter.text.clone();
                self.filter.key(key);
                if self.filter.text != before {
                    self.selected = 0;
                }
            }
        }
        (false, None)
    }
}

impl Overlay {
    /// Shows why the answer was refused, keeping what was typed.
    pub fn refused(&mut self, why: &str) {
        if let Overlay::Prompt { error, .. } | Overlay::Form { error, .. } = self {
            *error = Some(why.to_string());
        }
    }
}

/// Keys of the open dialog.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let overlay = state.overlay.as_mut()?;
    match overlay {
        Overlay::Help { scroll } => {
            match key.code {
                KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
                KeyCode::PageDown | KeyCode::Char(' ') => *scroll += 10,
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                _ => state.overlay = None,
            }
            None
        }
        Overlay::Confirm { then, .. } => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                let then = (**then).clone();
                state.overlay = None;
                Some(then)
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                state.overlay = None;
                None
            }
            _ => None,
        },
        Overlay::Prompt { input, purpose, .. } => match key.code {
            KeyCode::Esc => {
                state.overlay = None;
                None
            }
            KeyCode::Enter => {
                let (text, purpose) = (input.text.trim().to_string(), purpose.clone());
                let asked = state.overlay.take();
                let next = admin::submit_prompt(state, purpose, text);
                remember(state, asked, &next);
                next
            }
            _ => {
                input.key(key);
                None
            }
        },
        Overlay::Pick(pick) => {
            let (done, action) = pick.key(key);
            if done {
                state.overlay = None;
            }
            action
        }
        Overlay::Form { form, purpose, .. } => match form.key(key) {
            Outcome::Used | Outcome::PickLanguage => None,
            Outcome::Save => {
                let (form, purpose) = (form.clone(), purpose.clone());
                match admin::submit_form(state, purpose, &form) {
                    Ok(next) => {
                        let asked = state.overlay.take();
                        remember(state, asked, &next);
                        next
                    }
                    // Refused here: the form stays, with the reason under it.
                    Err(problem) => {
                        if let Some(overlay) = &mut state.overlay {
                            overlay.refused(&problem);
                        }
                        None
                    }
                }
            }
            Outcome::Pass => {
                if matches!(key.code, KeyCode::Esc | KeyCode::Char('q')) {
                    state.overlay = None;
                }
                None
            }
        },
    }
}

/// A dialog whose answer went to the server is kept, so a refusal can bring it back with
/// what was typed, except the fields kept only until sent (a card's number and security
/// code), which are emptied now.
fn remember(state: &mut State, mut asked: Option<Overlay>, next: &Option<Action>) {
    if let Some(Overlay::Form { form, .. }) = &mut asked {
        form.sent();
    }
    state.reopen = match next {
        Some(Action::Run(_)) => asked,
        _ => None,
    };
}

/// A command from a dialog failed: the dialog comes back as it was, with the reason.
/// False when there is no dialog to bring back (or another one is open).
pub fn reopen(state: &mut State, why: &str) -> bool {
    if state.overlay.is_some() {
        return false;
    }
    let Some(mut overlay) = state.reopen.take() else {
        return false;
    };
    overlay.refused(why);
    state.overlay = Some(overlay);
    true
}

/// A paste goes into the dialog's text field, if it has one.
pub fn paste(overlay: &mut Overlay, text: &str) {
    match overlay {
        Overlay::Prompt { input, .. } => input.insert(text),
        Overlay::Form { form, .. } => form.paste(text),
        Overlay::Pick(pick) => {
            pick.filter.insert(text);
            pick.selected = 0;
        }
        _ => {}
    }
}

/// The open dialog, drawn over the screen.
pub struct View<'a> {
    /// For the help overlay's key list.
    pub state: &'a State,
    /// The dialog.
    pub overlay: &'a Overlay,
}

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        match self.overlay {
            Overlay::Help { scroll } => super::help::View {
                state: self.state,
                scroll: *scroll,
            }
            .render(area, buf),
            Overlay::Confirm { question, .. } => {
                let width = (question.chars().count() as u16 + 6).clamp(30, area.width);
                let rect = centered(area, width, 5);
                Clear.render(rect, buf);
                let lines = vec![
                    Line::from(question.clone()),
                    Line::from(""),
                    hints(&[("y", "yes"), ("n", "no")]),
                ];
                Paragraph::new(lines)
                    .block(pane("Confirm", true))
                    .render(rect, buf);
            }
            Overlay::Prompt {
                title,
                input,
                error,
                ..
            } => {
                let rect = centered(area, 70, 6);
                Clear.render(rect, buf);
                let block = pane(title, true);
                let inner = block.inner(rect);
                block.render(rect, buf);
                let (lines, _) = input.lines(inner.width, true);
                let mut shown: Vec<Line> = lines.into_iter().last().into_iter().collect();
                shown.push(error_line(error.as_deref()));
                shown.push(Line::from(""));
                shown.push(hints(&[("Enter", "ok"), ("Esc", "cancel")]));
                Paragraph::new(shown).render(inner, buf);
            }
            Overlay::Pick(pick) => {
                let shown = pick.shown();
                let height = (pick.items.len() as u16 + 4).clamp(6, area.height);
                let rect = centered(area, 64, height);
                Clear.render(rect, buf);
                let block = pane(&pick.title, true);
                let inner = block.inner(rect);
                block.render(rect, buf);
                let [filter, list_area, hint] = Layout::vertical([
                    Constraint::Length(1),
                    Constraint::Min(1),
                    Constraint::Length(1),
                ])
                .areas(inner);
                let (typed, _) = pick.filter.lines(filter.width.saturating_sub(7), true);
                let mut spans = vec![Span::styled("Find: ", dim())];
                spans.extend(
                    typed
                        .into_iter()
                        .next()
                        .map(|l| l.spans)
                        .unwrap_or_default(),
                );
                Line::from(spans).render(filter, buf);
                if shown.is_empty() {
                    let text = if pick.items.is_empty() {
                        "Nothing to pick."
                    } else {
                        "Nothing matches."
                    };
                    Paragraph::new(Span::styled(text, dim())).render(list_area, buf);
                }
                let list = List::new(shown.iter().map(|(label, _)| ListItem::new(label.clone())))
                    .highlight_style(selected());
                let mut ls = ListState::default()
                    .with_selected((!shown.is_empty()).then_some(pick.selected));
                StatefulWidget::render(list, list_area, buf, &mut ls);
                hints(&[
                    ("type", "find"),
                    ("↑↓", "move"),
                    ("Enter", "pick"),
                    ("Esc", "cancel"),
                ])
                .render(hint, buf);
            }
            Overlay::Form {
                title, form, error, ..
            } => {
                let height = (form.fields.len() as u16 + 7).min(area.height);
                let rect = centered(area, 72, height);
                Clear.render(rect, buf);
                let block = pane(title, true);
                let inner = block.inner(rect);
                block.render(rect, buf);
                let [fields, problem, hint] = Layout::vertical([
                    Constraint::Min(1),
                    Constraint::Length(1),
                    Constraint::Length(1),
                ])
                .areas(inner);
                form.render(fields, buf, true);
                error_line(error.as_deref()).render(problem, buf);
                hints(&[("Enter", "edit"), ("w", "save"), ("Esc", "cancel")]).render(hint, buf);
            }
        }
    }
}
