//! A settings form: labelled fields (text, secret, card number, number, choice, toggle), one
//! selected, edited in place; `w` saves what changed. The admin panels and the dialogs use
//! it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{accent, dim, one_line, selected, warn};
use crate::input::TextInput;

/// What a field holds and how it is edited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Free text, edited with Enter.
    Text,
    /// Text shown as dots.
    Secret,
    /// A card number: only its last four digits show, the rest as dots, also while typed.
    CardNumber,
    /// A number (checked when saved).
    Number,
    /// One of these values, cycled with Enter/Space/←→.
    Choice(Vec<String>),
    /// On or off ("yes"/"no"), flipped with Enter/Space.
    Toggle,
    /// A language code, shown by name; Enter opens a picker that finds it by typing
    /// (←→ still step through the 52).
    Language,
}

/// One field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Name the screen reads it by.
    pub key: &'static str,
    /// What the user sees.
    pub label: String,
    /// How it is edited.
    pub kind: Kind,
    /// Current value ("yes"/"no" for toggles).
    pub value: String,
    /// Value as loaded, to tell what changed.
    pub original: String,
    /// A hint shown under the form when the field is selected.
    pub hint: &'static str,
    /// Kept only until the form is sent: a form brought back after a refusal has it empty
    /// (a card's number and security code).
    pub once: bool,
}

impl Field {
    /// A field of `kind` holding `value`.
    pub fn new(key: &'static str, label: &str, kind: Kind, value: impl Into<String>) -> Self {
        let value = value.into();
        Field {
            key,
            label: label.into(),
            kind,
            original: value.clone(),
            value,
            hint: "",
            once: false,
        }
    }

    /// The same field with a hint.
    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    /// The same field, emptied once the form is sent ([`Form::sent`]).
    pub fn once(mut self) -> Self {
        self.once = true;
        self
    }
}

/// What a key did to the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The form used it.
    Used,
    /// `w`: save.
    Save,
    /// Enter on a language: the screen opens the language picker for the selected field.
    PickLanguage,
    /// Not a form key.
    Pass,
}

/// A form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form {
    /// The fields, in order.
    pub fields: Vec<Field>,
    /// Selected field.
    pub selected: usize,
    /// The selected field being edited as text.
    pub editing: Option<TextInput>,
}

/// "yes"/"no" for a toggle's value.
pub fn yes(on: bool) -> &'static str {
    if on {
        "yes"
    } else {
        "no"
    }
}

impl Form {
    /// A form of these fields.
    pub fn new(fields: Vec<Field>) -> Self {
        Form {
            fields,
            selected: 0,
            editing: None,
        }
    }

    /// A field's value ("" when there is no such field).
    pub fn value(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map_or("", |f| f.value.as_str())
    }

    /// A toggle's value.
    pub fn on(&self, key: &str) -> bool {
        self.value(key) == "yes"
    }

    /// The value when it differs from the loaded one.
    pub fn changed(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.key == key && f.value != f.original)
            .map(|f| f.value.as_str())
    }

    /// Whether anything changed.
    pub fn dirty(&self) -> bool {
        self.fields.iter().any(|f| f.value != f.original)
    }

    /// Whether a field is being typed into.
    pub fn typing(&self) -> bool {
        self.editing.is_some()
    }

    /// The form was sent: the fields kept only until then are emptied.
    pub fn sent(&mut self) {
        self.editing = None;
        for field in self.fields.iter_mut().filter(|f| f.once) {
            field.value.clear();
        }
    }

    /// A paste goes into the field being edited.
    pub fn paste(&mut self, text: &str) {
        if let Some(input) = &mut self.editing {
            input.insert(text);
        }
    }

    /// Applies a key.
    pub fn key(&mut self, key: KeyEvent) -> Outcome {
        if let Some(input) = &mut self.editing {
            match key.code {
                KeyCode::Enter => {
                    let text = input.text.clone();
                    self.editing = None;
                    if let Some(field) = self.fields.get_mut(self.selected) {
                        field.value = text;
                    }
                }
                KeyCode::Esc => self.editing = None,
                _ => {
                    input.key(key);
                }
            }
            return Outcome::Used;
        }
        let Some(field) = self.fields.get_mut(self.selected) else {
            return Outcome::Pass;
        };
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(self.fields.len() - 1)
            }
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Char('w') => return Outcome::Save,
            KeyCode::Char('u') => {
                for f in &mut self.fields {
                    f.value = f.original.clone();
                }
            }
            KeyCode::Enter
            | KeyCode::Char(' ')
            | KeyCode::Char('e')
            | KeyCode::Right
            | KeyCode::Left
            | KeyCode::Char('l')
            | KeyCode::Char('h') => {
                let back = matches!(key.code, KeyCode::Left | KeyCode::Char('h'));
                match &field.kind {
                    Kind::Toggle => field.value = yes(field.value != "yes").into(),
                    Kind::Language if matches!(key.code, KeyCode::Enter | KeyCode::Char('e')) => {
                        return Outcome::PickLanguage
                    }
                    Kind::Language => {
                        let codes = crate::languages::codes();
                        let at = codes.iter().position(|c| *c == field.value).unwrap_or(0);
                        let next = if back { at + codes.len() - 1 } else { at + 1 } % codes.len();
                        field.value = codes[next].to_string();
                    }
                    Kind::Choice(options) if !options.is_empty() => {
                        let at = options.iter().position(|o| *o == field.value).unwrap_or(0);
                        let next =
                            if back { at + options.len() - 1 } else { at + 1 } % options.len();
                        field.value = options[next].clone();
                    }
                    Kind::Text | Kind::Number | Kind::Secret | Kind::CardNumber
                        if !matches!(
                            key.code,
                            KeyCode::Left
                                | KeyCode::Right
                                | KeyCode::Char('h')
                                | KeyCode::Char('l')
                        ) =>
                    {
                        let mut input = TextInput::with(&field.value);
                        input.secret = field.kind == Kind::Secret;
                        input.card = field.kind == Kind::CardNumber;
                        self.editing = Some(input);
                    }
                    _ => return Outcome::Pass,
                }
            }
            _ => return Outcome::Pass,
        }
        Outcome::Used
    }

    /// Draws the form: `label  value`, the selected row reversed, changed values marked `*`.
    pub fn render(&self, area: Rect, buf: &mut Buffer, focused: bool) {
        let label_width = self
            .fields
            .iter()
            .map(|f| f.label.chars().count())
            .max()
            .unwrap_or(0)
            .min(28);
        let value_width = usize::from(area.width).saturating_sub(label_width + 4);
        let mut lines = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            let is_selected = focused && i == self.selected;
            let mark = if f.value != f.original {
                Span::styled("*", warn())
            } else {
                Span::raw(" ")
            };
            let label = Span::styled(
                format!("{:>label_width$} ", f.label),
                if is_selected { accent() } else { dim() },
            );
            let mut spans = vec![mark, label];
            match (&self.editing, is_selected) {
                (Some(input), true) => {
                    let (rows, _) = input.lines(value_width as u16, true);
                    spans.extend(rows.into_iter().last().map(|l| l.spans).unwrap_or_default());
                }
                _ => {
                    let shown = match &f.kind {
                        Kind::Secret if f.value.is_empty() => "—".to_string(),
                        Kind::Secret => "•".repeat(f.value.chars().count().min(20)),
                        Kind::CardNumber if f.value.is_empty() => "—".to_string(),
                        Kind::CardNumber => {
                            one_line(&crate::input::mask_card(&f.value), value_width)
                        }
                        Kind::Toggle => {
                            if f.value == "yes" {
                                "[x]".into()
                            } else {
                                "[ ]".into()
                            }
                        }
                        Kind::Choice(_) => {
                            format!("‹ {} ›", one_line(&f.value, value_width.saturating_sub(4)))
                        }
                        Kind::Language => format!(
                            "‹ {} ›",
                            one_line(
                                &crate::languages::label(&f.value),
                                value_width.saturating_sub(4)
                            )
                        ),
                        _ if f.value.is_empty() => "—".into(),
                        _ => one_line(&f.value, value_width),
                    };
                    spans.push(Span::styled(
                        shown,
                        if is_selected {
                            selected()
                        } else {
                            Default::default()
                        },
                    ));
                }
            }
            lines.push(Line::from(spans));
        }
        if let Some(f) = self
            .fields
            .get(self.selected)
            .filter(|f| focused && !f.hint.is_empty())
        {
            lines.push(Line::from(""));
            for part in super::wrap(f.hint, usize::from(area.width)) {
                lines.push(Line::from(Span::styled(part, dim())));
            }
        }
        Paragraph::new(lines).render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn press(form: &mut Form, code: KeyCode) -> Outcome {
        form.key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn fields_edit_toggle_cycle_and_save() {
        let mut form = Form::new(vec![
            Field::new("name", "Name", Kind::Text, "Acme"),
            Field::new("on", "On", Kind::Toggle, "no"),
            Field::new(
                "mode",
                "Mode",
                Kind::Choice(vec!["single".into(), "all".into()]),
                "single",
            ),
        ]);
        press(&mut form, KeyCode::Enter);
        assert!(form.typing());
        press(&mut form, KeyCode::Char('!'));
        press(&mut form, KeyCode::Enter);
        assert_eq!(form.changed("name"), Some("Acme!"));
        press(&mut form, KeyCode::Down);
        press(&mut form, KeyCode::Char(' '));
        assert!(form.on("on"));
        press(&mut form, KeyCode::Down);
        press(&mut form, KeyCode::Right);
        assert_eq!(form.value("mode"), "all");
        assert_eq!(press(&mut form, KeyCode::Char('w')), Outcome::Save);
        press(&mut form, KeyCode::Char('u'));
        assert!(!form.dirty());
    }

    #[test]
    fn fields_kept_once_are_emptied_when_sent() {
        let mut form = Form::new(vec![
            Field::new("number", "Card number", Kind::CardNumber, "").once(),
            Field::new("holder", "Name on the card", Kind::Text, ""),
        ]);
        for (at, text) in [(0, "4242 4242 4242 4242"), (1, "Ada")] {
            form.selected = at;
            press(&mut form, KeyCode::Enter);
            form.paste(text);
            press(&mut form, KeyCode::Enter);
        }
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 2));
        form.render(buf.area, &mut buf, false);
        let shown: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert!(shown.contains("•••• •••• •••• 4242"), "{shown}");
        form.sent();
        assert_eq!((form.value("number"), form.value("holder")), ("", "Ada"));
    }
}
