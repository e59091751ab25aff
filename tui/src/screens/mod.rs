//! Rendering: `impl Widget for &State` draws the chrome (tabs, status bar) and the current
//! screen, one file per screen (like ratatui's demo2 `tabs/`), then any dialog on top.
//! Rendering reads the state and writes cells; it has no side effects.
//!
//! Colours: the terminal's own foreground and background everywhere, a few named accents
//! (cyan, yellow, green, red) and reversed video for the selection, so the screens read on
//! dark and light terminals alike.

pub mod admin;
pub mod chat;
pub mod console;
pub mod dashboard;
pub mod dialog;
pub mod form;
pub mod help;
pub mod history;
pub mod offline;
pub mod password;
pub mod signin;
pub mod signup;
pub mod visitors;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget};
use unicode_width::UnicodeWidthChar;

use crate::app::{Level, Link, Presence, Screen, State};
use crate::sanitize;

/// Focus, titles, links.
pub fn accent() -> Style {
    Style::default().fg(Color::Cyan)
}

/// Offers, warnings, "reconnecting".
pub fn warn() -> Style {
    Style::default().fg(Color::Yellow)
}

/// Online, success.
pub fn good() -> Style {
    Style::default().fg(Color::Green)
}

/// Errors.
pub fn bad() -> Style {
    Style::default().fg(Color::Red)
}

/// Secondary text.
pub fn dim() -> Style {
    Style::default().add_modifier(Modifier::DIM)
}

/// Headings.
pub fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

/// The selected row: reversed video works on any background.
pub fn selected() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

/// A bordered pane; the focused one has an accented, thick border.
pub fn pane(title: &str, focused: bool) -> Block<'static> {
    let block = Block::bordered().title(Span::styled(
        format!(" {title} "),
        if focused {
            accent().add_modifier(Modifier::BOLD)
        } else {
            bold()
        },
    ));
    if focused {
        block.border_type(BorderType::Thick).border_style(accent())
    } else {
        block.border_style(dim())
    }
}

/// The colour of a presence.
pub fn presence_style(presence: Presence) -> Style {
    match presence {
        Presence::Online => good(),
        Presence::Away => warn(),
        Presence::Offline => dim(),
    }
}

/// A presence, coloured, with its dot.
pub fn presence_span(p: Presence) -> Span<'static> {
    Span::styled(format!("● {}", p.name()), presence_style(p))
}

/// Columns `text` takes on screen, counted character by character as the buffer lays them
/// out. (`str::width` counts Arabic lam-alef as one column, a ligature the terminal cell
/// grid does not make: measuring that way let right-to-left lines overflow their pane.)
pub fn cols(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Text cut to `width` columns, with `…` when cut.
pub fn clip(text: &str, width: usize) -> String {
    if cols(text) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// A server string for one line: sanitized and cut to `width`.
pub fn one_line(text: &str, width: usize) -> String {
    clip(&sanitize::line(text), width)
}

/// Wraps text to `width` columns by display width, breaking at spaces when it can. Line
/// breaks in the text are kept. The text must already be sanitized.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in paragraph.split_inclusive(' ') {
            let w = cols(word);
            // The space after a word may hang past the edge.
            if used + cols(word.trim_end()) > width && used > 0 {
                out.push(line.trim_end().to_string());
                line.clear();
                used = 0;
            }
            if w > width {
                // A word longer than the line: cut it by characters.
                for c in word.chars() {
                    let cw = c.width().unwrap_or(0);
                    if used + cw > width {
                        out.push(std::mem::take(&mut line));
                        used = 0;
                    }
                    line.push(c);
                    used += cw;
                }
            } else {
                line.push_str(word);
                used += w;
            }
        }
        out.push(line.trim_end().to_string());
    }
    out
}

/// A rectangle of at most `width` x `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// A form's error under its buttons, or a blank line that keeps the layout still.
pub fn error_line(error: Option<&str>) -> Line<'static> {
    match error {
        Some(error) => Line::from(Span::styled(one_line(error, 60), bad())),
        None => Line::from(""),
    }
}

/// The key list at the bottom of a pane: `key action · key action`.
pub fn hints(pairs: &[(&str, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (key, what)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", dim()));
        }
        spans.push(Span::styled(key.to_string(), accent()));
        spans.push(Span::raw(format!(" {what}")));
    }
    Line::from(spans)
}

impl Widget for &State {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [top, body, bottom] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(area);
        tabs(self, top, buf);
        match self.screen {
            Screen::SignIn => signin::View(self).render(body, buf),
            Screen::SignUp => signup::View(self).render(body, buf),
            Screen::Console => console::View(self).render(body, buf),
            Screen::Visitors => visitors::View(self).render(body, buf),
            Screen::Offline => offline::View(self).render(body, buf),
            Screen::History => history::View(self).render(body, buf),
            Screen::Dashboard => dashboard::View(self).render(body, buf),
            Screen::Admin => admin::View(self).render(body, buf),
        }
        status_bar(self, bottom, buf);
        long_note(self, body, buf);
        if let Some(overlay) = &self.overlay {
            dialog::View {
                state: self,
                overlay,
            }
            .render(body, buf);
        }
    }
}

/// The top line: the product, the tabs with their number keys, and the offer flash.
fn tabs(state: &State, area: Rect, buf: &mut Buffer) {
    let flashing = state.now_ms < state.flash_until;
    let mut spans = vec![Span::styled(" Switchboard ", bold())];
    if state.me.is_some() {
        for (i, screen) in Screen::tabs(state.is_admin()).iter().enumerate() {
            let label = match screen {
                Screen::Offline => match offline::unhandled(state) {
                    0 => "Offline".to_string(),
                    n => format!("Offline ({n})"),
                },
                Screen::Console => {
                    let waiting = state.console.offers.len();
                    let unread: usize = state.console.chats.iter().map(|c| c.unread).sum();
                    match (waiting, unread) {
                        (0, 0) => "Console".into(),
                        (0, u) => format!("Console ({u})"),
                        (o, _) => format!("Console [{o} offer{}]", if o == 1 { "" } else { "s" }),
                    }
                }
                // Something needs doing about payments.
                Screen::Admin if admin::payments::warning(state).is_some() => "Admin!".into(),
                other => other.title().to_string(),
            };
            let mut style = if *screen == state.screen {
                selected().add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            if *screen == Screen::Admin && admin::payments::warning(state).is_some() {
                style = style.patch(warn());
            }
            spans.push(Span::raw(" "));
            spans.push(Span::styled(format!("{}", i + 1), accent()));
            spans.push(Span::styled(format!(" {label} "), style));
        }
    } else {
        spans.push(Span::styled(format!("· {}", state.screen.title()), dim()));
    }
    let mut line = Line::from(spans);
    if flashing {
        line = line.style(warn().add_modifier(Modifier::REVERSED));
    }
    Paragraph::new(line).render(area, buf);
}

/// The room the status bar leaves for a note.
fn note_room(state: &State, width: u16) -> usize {
    let (left, right) = bar_parts(state);
    let used: usize = left.iter().chain(&right).map(Span::width).sum();
    usize::from(width).saturating_sub(used + 2)
}

/// A note too long for the status bar gets the line above it, in full.
fn long_note(state: &State, body: Rect, buf: &mut Buffer) {
    let Some(note) = &state.note else { return };
    if cols(&note.text) <= note_room(state, body.width) || body.height < 2 {
        return;
    }
    let style = match note.level {
        Level::Info => accent(),
        Level::Warn => warn(),
        Level::Error => bad(),
    };
    let lines = wrap(&note.text, usize::from(body.width));
    let height = (lines.len() as u16).min(3).min(body.height);
    let area = Rect {
        y: body.bottom() - height,
        height,
        ..body
    };
    ratatui::widgets::Clear.render(area, buf);
    let lines: Vec<Line> = lines
        .into_iter()
        .take(3)
        .map(|l| Line::from(Span::styled(l, style.add_modifier(Modifier::REVERSED))))
        .collect();
    Paragraph::new(lines).render(area, buf);
}

/// The status bar's left part (presence, who) and right part (link, clock, help).
fn bar_parts(state: &State) -> (Vec<Span<'static>>, Vec<Span<'static>>) {
    let mut left = Vec::new();
    if let Some(me) = &state.me {
        if me.sip.is_some() {
            left.push(Span::styled(
                format!(" ● {} ", state.presence.name()),
                presence_style(state.presence).add_modifier(Modifier::BOLD),
            ));
            if state.wanted != state.presence {
                left.push(Span::styled(format!("→{} ", state.wanted.name()), dim()));
            }
            left.push(Span::styled("[s] ", dim()));
        } else {
            left.push(Span::styled(" admin ", bold()));
        }
        left.push(Span::raw(one_line(&me.name, 16)));
        if let Some(sip) = &me.sip {
            left.push(Span::styled(format!(" {}", one_line(sip, 8)), dim()));
        }
    }
    let mut right = Vec::new();
    match &state.link {
        Link::Idle => {}
        Link::Connecting => right.push(Span::styled("connecting… ", warn())),
        Link::Live => right.push(Span::styled("● live ", good())),
        Link::Reconnecting { since_ms, .. } => right.push(Span::styled(
            format!(
                "reconnecting… {} ",
                crate::time::span(crate::time::since(*since_ms, state.now_ms))
            ),
            warn().add_modifier(Modifier::BOLD),
        )),
    }
    if state.me.is_some() {
        right.push(Span::raw(crate::time::clock(state.now_ms, &state.tz)));
        right.push(Span::styled(" ?", accent()));
        right.push(Span::raw(" help "));
    }
    (left, right)
}

/// The bottom line: presence (always visible), who, the note, the link and the clock.
fn status_bar(state: &State, area: Rect, buf: &mut Buffer) {
    let (left, right) = bar_parts(state);
    let room = note_room(state, area.width);
    let mut spans = left;
    spans.push(Span::raw(" "));
    let note = match &state.note {
        Some(note) if cols(&note.text) > note_room(state, area.width) => Span::raw(""),
        Some(note) => {
            let style = match note.level {
                Level::Info => accent(),
                Level::Warn => warn(),
                Level::Error => bad(),
            };
            Span::styled(clip(&note.text, room), style)
        }
        None => Span::raw(""),
    };
    let pad = room.saturating_sub(cols(&note.content));
    spans.push(note);
    spans.push(Span::raw(" ".repeat(pad + 1)));
    spans.extend(right);
    Paragraph::new(Line::from(spans)).render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("hello big world", 9), ["hello big", "world"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\n\nb", 5), ["a", "", "b"]);
        assert_eq!(wrap("日本語テキスト", 6), ["日本語", "テキス", "ト"]);
        // Regression: lam-alef is two cells, though `str::width` says one.
        assert_eq!(wrap("الاستلام שלום", 12), ["الاستلام", "שלום"]);
    }

    #[test]
    fn clip_counts_columns() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("longer text", 6), "longe…");
        assert_eq!(clip("日本語", 4), "日…");
    }
}
