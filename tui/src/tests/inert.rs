//! Visitor text carrying escape sequences must reach the terminal as plain characters.
//! Drawn through the real crossterm backend into a byte buffer, so what is checked is what
//! a terminal would receive.

use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use switchboard_api::{AuthorKind, OperatorEventData};

use super::*;

/// Clears the screen, writes the clipboard with OSC 52, sets the window title, rings the
/// bell, moves the cursor home and reorders text with a bidi override.
const HOSTILE: &str =
    "hi\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x1b\\\x07\x1b[H\u{9b}31m\u{202e}evil\r\nthere";

/// A byte buffer the backend writes into and the test reads back.
#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_visitor_message_with_escape_sequences_is_rendered_inert() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    apply(
        &mut state,
        Action::Server(OperatorEventData::Message {
            chat_id: 7,
            seq: 9,
            author: AuthorKind::Visitor,
            name: "\x1b[31mMallory".into(),
            text: HOSTILE.into(),
            at: NOW,
        }),
    );
    apply(
        &mut state,
        Action::Server(offer(8, "\x1b]52;c;AAAA\x07Eve", 1)),
    );
    state.note = None;

    let written = Shared::default();
    let mut terminal = Terminal::with_options(
        CrosstermBackend::new(written.clone()),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 80, 24)),
        },
    )
    .unwrap();
    terminal
        .draw(|f| f.render_widget(&state, f.area()))
        .unwrap();
    let bytes = written.0.lock().unwrap().clone();
    let out = String::from_utf8_lossy(&bytes);

    for forbidden in [
        "\x1b]",
        "\x1b[2J",
        "\x07",
        "\u{9b}",
        "\u{202e}",
        "\r\n",
        "pwned\x1b",
    ] {
        assert!(
            !out.contains(forbidden),
            "{forbidden:?} reached the terminal"
        );
    }
    // Every escape the backend wrote is its own: cursor moves, colours and attributes (CSI
    // ... final letter), nothing else.
    for sequence in out.split('\x1b').skip(1) {
        assert!(sequence.starts_with('['), "a non-CSI escape: {sequence:?}");
    }
    // The words are still there, harmless.
    let screen = draw(&state, 80, 24);
    let text = format!("{}", screen.backend());
    assert!(text.contains("hievil"), "{text}");
    assert!(text.contains("there"));
}

#[test]
fn every_cell_holds_printable_text_only() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    apply(
        &mut state,
        Action::Server(OperatorEventData::Message {
            chat_id: 7,
            seq: 9,
            author: AuthorKind::Visitor,
            name: String::new(),
            text: HOSTILE.into(),
            at: NOW,
        }),
    );
    let terminal = draw(&state, 80, 24);
    for cell in terminal.backend().buffer().content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()),
            "control character in {:?}",
            cell.symbol()
        );
    }
}
