//! Makes server text safe to put on a terminal.
//!
//! Everything a visitor, an operator or the server wrote is untrusted: a chat message could
//! carry `ESC [2J` (clear the screen), `ESC ]52;c;…` (write the operator's clipboard) or a
//! bidi override that reorders the layout around it. [`sanitize`] is the one function every
//! server string goes through before it reaches a widget; [`line()`] is the same for places
//! that show one line.

/// ESC, which starts every escape sequence.
const ESC: char = '\u{1b}';
/// BEL, which ends an OSC string in xterm's dialect.
const BEL: char = '\u{7}';
/// The 8-bit CSI (C1), honoured by some terminals like `ESC [`.
const CSI8: char = '\u{9b}';
/// The 8-bit string terminator (C1).
const ST8: char = '\u{9c}';

/// Removes escape sequences, control characters and bidi formatting characters; keeps line
/// breaks (`\n`), turns tabs into a space and drops carriage returns.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            ESC => skip_escape(&mut chars),
            CSI8 => skip_csi(&mut chars),
            // 8-bit DCS, SOS, OSC, PM and APC open a string that runs to its terminator.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// [`sanitize`], then line breaks become spaces: for lists, titles and status lines.
pub fn line(text: &str) -> String {
    sanitize(text).replace('\n', " ")
}

/// Characters that change the direction of the text around them. A terminal that applies
/// them would move the columns of everything after them; plain right-to-left letters stay.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Skips what follows an ESC: a CSI, a string (OSC, DCS, SOS, PM, APC) or a short sequence.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
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
        // Two-character sequences (ESC c resets the terminal, ESC 7 saves the cursor...).
        _ => {}
    }
}

/// Skips a CSI's parameters and intermediates (0x20-0x3F) and its final character.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while chars
        .next_if(|c| ('\u{20}'..='\u{3f}').contains(c))
        .is_some()
    {}
    // The final byte is 0x40-0x7E; anything else ends the sequence and is kept for the
    // main loop to judge.
    chars.next_if(|c| ('\u{40}'..='\u{7e}').contains(c));
}

/// Skips a control string up to BEL, ST or `ESC \`.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_controls_are_removed() {
        let cases = [
            ("plain", "plain"),
            ("a\u{1b}[2Jb", "ab"),
            ("a\u{1b}[38;5;196mred\u{1b}[0m", "ared"),
            ("x\u{1b}]52;c;aGVsbG8=\u{7}y", "xy"),
            ("x\u{1b}]0;title\u{1b}\\y", "xy"),
            ("x\u{1b}Pdcs\u{1b}\\y", "xy"),
            ("x\u{9b}31my", "xy"),
            ("x\u{9d}52;c;zz\u{9c}y", "xy"),
            ("bell\u{7}", "bell"),
            ("cr\r\nlf", "cr\nlf"),
            ("tab\there", "tab here"),
            ("del\u{7f}", "del"),
            ("reset\u{1b}c!", "reset!"),
            ("charset\u{1b}(0q", "charsetq"),
            ("unterminated \u{1b}]52;c;abc", "unterminated "),
            ("trailing esc\u{1b}", "trailing esc"),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize(input), expected, "{input:?}");
        }
    }

    #[test]
    fn right_to_left_letters_stay_and_overrides_go() {
        assert_eq!(sanitize("שלום \u{202e}abc\u{202c}"), "שלום abc");
        assert_eq!(sanitize("مرحبا\u{2067}x\u{2069}"), "مرحباx");
    }

    #[test]
    fn line_joins_lines() {
        assert_eq!(line("one\ntwo\u{1b}[A"), "one two");
    }
}
