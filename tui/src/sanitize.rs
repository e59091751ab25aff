//! Makes server text safe to put on a terminal.
//!
//! Everything a visitor, an operator or the server wrote is untrusted: a chat message could
//! carry `ESC [2J` (clear the screen), `ESC ]52;c;…` (write the operator's clipboard) or a
//! bidi override that reorders the layout around it. [`sanitize`] is the one function every
//! server string goes through before it reaches a widget; [`line()`] is the same for places
//! that show one line.

/// Removes escape sequences, control characters and bidi formatting characters; keeps line
/// breaks (`\n`), turns tabs into a space and drops carriage returns.
pub fn sanitize(text: &str) -> String {
    let kept = switchboard_api::text::strip_controls(text, |c| match c {
        '\n' => Some('\n'),
        '\t' => Some(' '),
        _ => None,
    });
    kept.chars().filter(|c| !is_bidi_control(*c)).collect()
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
