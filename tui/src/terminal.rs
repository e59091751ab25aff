//! The terminal: raw mode, the alternate screen and bracketed paste on the way in; all of it
//! undone on the way out by [`Guard`]'s `Drop` and by a panic hook, so a crash never leaves
//! the shell unusable. Also the input thread and the terminal effects (bell, OSC 52).

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyEventKind};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::{Action, State};
use crate::driver::Effect;

/// How often the input thread looks at its stop flag.
const POLL: Duration = Duration::from_millis(100);

/// Owns the terminal while the client runs.
pub struct Guard {
    /// ratatui over crossterm on stdout.
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Guard {
    /// Takes over the terminal.
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        terminal::enable_raw_mode()?;
        crossterm::execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
        let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        terminal.clear()?;
        Ok(Guard { terminal })
    }

    /// Draws the state.
    pub fn draw(&mut self, state: &State) -> io::Result<()> {
        self.terminal
            .draw(|frame| frame.render_widget(state, frame.area()))?;
        Ok(())
    }

    /// Writes terminal effects.
    pub fn effects(&mut self, effects: Vec<Effect>) -> io::Result<()> {
        if effects.is_empty() {
            return Ok(());
        }
        let out = self.terminal.backend_mut();
        for effect in effects {
            match effect {
                Effect::Bell => out.write_all(b"\x07")?,
                Effect::Copy(text) => out.write_all(osc52(&text).as_bytes())?,
            }
        }
        out.flush()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Gives the terminal back: cooked mode, main screen, no bracketed paste, cursor shown.
pub fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = crossterm::execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Restores the terminal before the panic message prints, so it is readable.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// The OSC 52 sequence that puts `text` on the system clipboard.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Standard base64 with padding (OSC 52's encoding).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The thread reading the terminal's input; stops when dropped.
pub struct Input {
    /// Set to stop the thread.
    stop: Arc<AtomicBool>,
}

impl Drop for Input {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Reads keys, pastes and resizes on a thread and sends them as actions. Pastes arrive
/// whole thanks to bracketed paste (a terminal without it types them as keys, Enter
/// included: guessing would turn typed-ahead Enters into line breaks, so it is not done).
pub fn spawn_input(tx: UnboundedSender<Action>) -> Input {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::spawn(move || {
        while !flag.load(Ordering::Relaxed) {
            match event::poll(POLL) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(_) => return,
            }
            let action = match event::read() {
                Ok(Event::Key(key)) if key.kind == KeyEventKind::Release => continue,
                Ok(Event::Key(key)) => Action::Key(key),
                Ok(Event::Paste(text)) => Action::Paste(text),
                Ok(Event::Resize(width, height)) => Action::Resize(width, height),
                Ok(_) => continue,
                Err(_) => return,
            };
            if tx.send(action).is_err() {
                return;
            }
        }
    });
    Input { stop }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"<img src=x>"), "PGltZyBzcmM9eD4=");
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
