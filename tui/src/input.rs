//! A text field: the chat's input line, the forms' fields and the prompts.
//!
//! Editing is plain data (a string and a cursor); rendering wraps by display width and marks
//! the cursor with a reversed cell, so a screen shows a field without moving the terminal's
//! own cursor.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// An editable text with a cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextInput {
    /// The text typed so far.
    pub text: String,
    /// Byte offset of the cursor, always on a character boundary.
    pub cursor: usize,
    /// Accepts line breaks (the chat input); a one-line field ignores them.
    pub multiline: bool,
    /// Shows `•` instead of the text (passwords).
    pub secret: bool,
    /// A card number: only its last four digits show ([`mask_card`]).
    pub card: bool,
}

/// Where the last four digits of a card number begin (a byte offset); 0 when there are
/// four or fewer.
fn last_four(text: &str) -> usize {
    text.char_indices()
        .filter(|(_, c)| c.is_ascii_digit())
        .map(|(i, _)| i)
        .rev()
        .nth(3)
        .unwrap_or(0)
}

/// Whether a card number's character at byte `at` shows as `•`: everything before its last
/// four digits but the spaces and dashes that group them.
fn masked(at: usize, c: char, cut: usize) -> bool {
    at < cut && !matches!(c, ' ' | '-')
}

/// A card number as it may be shown: `•••• •••• •••• 4242`, only the last four digits
/// (and the spaces or dashes between groups) as typed.
pub fn mask_card(text: &str) -> String {
    let cut = last_four(text);
    text.char_indices()
        .map(|(i, c)| if masked(i, c, cut) { '•' } else { c })
        .collect()
}

impl TextInput {
    /// A one-line field holding `text`, the cursor at its end.
    pub fn with(text: &str) -> Self {
        TextInput {
            text: text.to_string(),
            cursor: text.len(),
            ..Self::default()
        }
    }

    /// An empty password field.
    pub fn secret() -> Self {
        TextInput {
            secret: true,
            ..Self::default()
        }
    }

    /// An empty multi-line field.
    pub fn multiline() -> Self {
        TextInput {
            multiline: true,
            ..Self::default()
        }
    }

    /// Replaces the text; the cursor goes to the end.
    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = self.text.len();
    }

    /// Takes the text out, leaving the field empty.
    pub fn take(&mut self) -> String {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }

    /// Inserts text at the cursor (typing or a paste). Control characters are dropped; line
    /// breaks stay in a multi-line field and become spaces elsewhere.
    pub fn insert(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let mut clean = crate::sanitize::sanitize(&text);
        if !self.multiline {
            clean = clean.replace('\n', " ");
        }
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
    }

    /// Applies an editing key; false when the key is not an editing key (the caller decides
    /// what it means: send, next field, leave).
    pub fn key(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('u') if ctrl => {
                self.text.replace_range(..self.cursor, "");
                self.cursor = 0;
            }
            KeyCode::Char('w') if ctrl => self.delete_word(),
            KeyCode::Char('a') if ctrl => self.cursor = self.line_start(),
            KeyCode::Char('e') if ctrl => self.cursor = self.line_end(),
            KeyCode::Char('j') if ctrl && self.multiline => self.insert("\n"),
            KeyCode::Enter if alt && self.multiline => self.insert("\n"),
            KeyCode::Char(c) if !ctrl && !alt => self.insert(c.encode_utf8(&mut [0; 4])),
            KeyCode::Backspace => {
                if let Some(prev) = self.prev() {
                    self.text.replace_range(prev..self.cursor, "");
                    self.cursor = prev;
                }
            }
            KeyCode::Delete => {
                if let Some(next) = self.next() {
                    self.text.replace_range(self.cursor..next, "");
                }
            }
            KeyCode::Left => self.cursor = self.prev().unwrap_or(0),
            KeyCode::Right => self.cursor = self.next().unwrap_or(self.text.len()),
            KeyCode::Home => self.cursor = self.line_start(),
            KeyCode::End => self.cursor = self.line_end(),
            _ => return false,
        }
        true
    }

    /// Byte offset of the character before the cursor.
    fn prev(&self) -> Option<usize> {
        self.text[..self.cursor]
            .char_indices()
            .last()
            .map(|(i, _)| i)
    }

    /// Byte offset after the character at the cursor.
    fn next(&self) -> Option<usize> {
        self.text[self.cursor..]
            .chars()
            .next()
            .map(|c| self.cursor + c.len_utf8())
    }

    /// Start of the cursor's line.
    fn line_start(&self) -> usize {
        self.text[..self.cursor].rfind('\n').map_or(0, |i| i + 1)
    }

    /// End of the cursor's line.
    fn line_end(&self) -> usize {
        self.text[self.cursor..]
            .find('\n')
            .map_or(self.text.len(), |i| self.cursor + i)
    }

    /// Deletes the word before the cursor (Ctrl-W).
    fn delete_word(&mut self) {
        let before = &self.text[..self.cursor];
        let trimmed = before.trim_end();
        let start = trimmed.rfind(|c: char| c.is_whitespace()).map_or(0, |i| {
            i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
        });
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// The field as lines wrapped to `width` columns, the cursor as a reversed cell when
    /// `focused`, and the row the cursor is on (to scroll it into view).
    pub fn lines(&self, width: u16, focused: bool) -> (Vec<Line<'static>>, usize) {
        let width = usize::from(width.max(2));
        let mut lines = Vec::new();
        let mut row: Vec<Span<'static>> = Vec::new();
        let mut used = 0;
        let mut cursor_row = 0;
        // Every character, then the cell after the end where the cursor may sit.
        let mut cells: Vec<(usize, char)> = self.text.char_indices().collect();
        cells.push((self.text.len(), ' '));
        let cut = if self.card { last_four(&self.text) } else { 0 };
        for (i, c) in cells {
            let end = i == self.text.len();
            let at = i == self.cursor && focused;
            if end && !at {
                break;
            }
            let shown = match c {
                '\n' => ' ',
                _ if self.secret && !end => '•',
                c if self.card && masked(i, c, cut) => '•',
                c => c,
            };
            let w = shown.width().unwrap_or(0);
            if used + w > width {
                lines.push(Line::from(std::mem::take(&mut row)));
                used = 0;
            }
            if at {
                cursor_row = lines.len();
            }
            if c != '\n' || at {
                let style = if at {
                    Style::default().add_modifier(Modifier::REVERSED)
                } else {
                    Style::default()
                };
                row.push(Span::styled(shown.to_string(), style));
                used += w;
            }
            if c == '\n' {
                lines.push(Line::from(std::mem::take(&mut row)));
                used = 0;
            }
        }
        lines.push(Line::from(row));
        (lines, cursor_row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(input: &mut TextInput, code: KeyCode, modifiers: KeyModifiers) -> bool {
        input.key(KeyEvent::new(code, modifiers))
    }

    #[test]
    fn typing_and_editing_keep_the_cursor_on_characters() {
        let mut input = TextInput::default();
        for c in "héllo wörld".chars() {
            press(&mut input, KeyCode::Char(c), KeyModifiers::NONE);
        }
        press(&mut input, KeyCode::Left, KeyModifiers::NONE);
        press(&mut input, KeyCode::Backspace, KeyModifiers::NONE);
        assert_eq!(input.text, "héllo wörd");
        press(&mut input, KeyCode::Char('w'), KeyModifiers::CONTROL);
        assert_eq!(input.text, "héllo d");
        press(&mut input, KeyCode::Home, KeyModifiers::NONE);
        press(&mut input, KeyCode::Delete, KeyModifiers::NONE);
        assert_eq!(input.text, "éllo d");
        assert!(!press(&mut input, KeyCode::Enter, KeyModifiers::NONE));
        press(&mut input, KeyCode::Char('u'), KeyModifiers::CONTROL);
        assert_eq!(input.text, "éllo d", "nothing before the cursor to delete");
    }

    #[test]
    fn pastes_keep_lines_only_where_lines_are_allowed() {
        let mut one = TextInput::default();
        one.insert("a\r\nb\u{1b}[2J");
        assert_eq!(one.text, "a b");
        let mut many = TextInput::multiline();
        many.insert("a\r\nb");
        press(&mut many, KeyCode::Enter, KeyModifiers::ALT);
        assert_eq!(many.text, "a\nb\n");
    }

    #[test]
    fn lines_wrap_and_find_the_cursor() {
        let mut input = TextInput::multiline();
        input.insert("abcdef\nxy");
        let (lines, row) = input.lines(4, true);
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(text, ["abcd", "ef", "xy "]);
        assert_eq!(row, 2);
        let secret = TextInput {
            secret: true,
            ..TextInput::with("pw")
        };
        assert_eq!(secret.lines(10, false).0[0].to_string(), "••");
    }

    #[test]
    fn card_numbers_show_only_their_last_four_digits() {
        assert_eq!(mask_card("4242 4242 4242 1881"), "•••• •••• •••• 1881");
        assert_eq!(mask_card("5555-5555-5555-4444"), "••••-••••-••••-4444");
        assert_eq!(mask_card("378282246310005"), "•••••••••••0005");
        assert_eq!(mask_card("123"), "123");
        let mut card = TextInput {
            card: true,
            ..TextInput::default()
        };
        card.insert("4000 0566 5566 5556");
        let (lines, _) = card.lines(40, true);
        assert_eq!(lines[0].to_string(), "•••• •••• •••• 5556 ");
        assert_eq!(
            card.text, "4000 0566 5566 5556",
            "the value is kept as typed"
        );
    }
}
