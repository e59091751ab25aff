//! Text every side shares rules about: what a name or a message may contain. A terminal, a
//! log file or a program reading the API sees raw text, where `ESC [2J` clears a screen and
//! `ESC ]52;c;...` writes a clipboard; [`strip_controls`] removes escape sequences whole (so
//! `ESC [31m` leaves no `[31m` behind) and control characters. The server stores text
//! through it (`switchboard_engine::text`) and the terminal client shows text through it.

/// ESC, which starts every escape sequence.
const ESC: char = '\u{1b}';
/// BEL, which ends an OSC string in xterm's dialect.
const BEL: char = '\u{7}';
/// The 8-bit CSI (C1), honoured by some terminals like `ESC [`.
const CSI8: char = '\u{9b}';
/// The 8-bit string terminator (C1).
const ST8: char = '\u{9c}';

/// Removes escape sequences and control characters; `keep` says what a control character
/// becomes instead (`None`: nothing).
pub fn strip_controls(text: &str, keep: impl Fn(char) -> Option<char>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ESC => skip_escape(&mut chars),
            CSI8 => skip_csi(&mut chars),
            // 8-bit DCS, SOS, OSC, PM and APC open a string that runs to its terminator.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => out.extend(keep(c)),
            c => out.push(c),
        }
    }
    out
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Skips what follows an ESC: a CSI, a string (OSC, DCS, SOS, PM, APC) or a short sequence.
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // nF sequences: intermediates (0x20-0x2F), then one final character.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while chars
                .next_if(|c| ('\u{20}'..='\u{2f}').contains(c))
                .is_some()
            {}
            chars.next();
        }
        // Two-character sequences (ESC c, ESC 7, ...): the one character is gone already.
        _ => {}
    }
}

/// Skips a CSI's parameters and intermediates and its final character (0x40-0x7E).
fn skip_csi(chars: &mut Chars<'_>) {
    while chars
        .next_if(|c| ('\u{20}'..='\u{3f}').contains(c))
        .is_some()
    {}
    chars.next_if(|c| ('\u{40}'..='\u{7e}').contains(c));
}

/// Skips a control string up to its terminator: BEL, `ESC \` or the 8-bit ST.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            BEL | ST8 => return,
            ESC => {
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {}
        }
    }
}
