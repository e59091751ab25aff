//! Text hygiene: what a stored name or text may contain, and which page URLs are kept.
//!
//! Everything a visitor, an operator or an admin types is stored, then shown in a browser, a
//! terminal, a transcript or a log. Escaping on display protects HTML, but a terminal, a log
//! file or a program reading the API sees the raw text: `ESC [2J` clears a screen, a NUL cuts
//! a C string short. So control characters never reach storage. [`one_line`] is for names,
//! titles and other single-line fields; [`multi_line`] keeps the line breaks and tabs of a
//! chat message or a settings text. Escape sequences are removed whole, so `ESC [31m` does not
//! leave `[31m` behind. Both are pure: the HTTP handlers call them before validating lengths.

/// ESC, which starts every escape sequence.
const ESC: char = '\u{1b}';
/// BEL, which ends an OSC string in xterm's dialect.
const BEL: char = '\u{7}';
/// The 8-bit CSI (C1), honoured by some terminals like `ESC [`.
const CSI8: char = '\u{9b}';
/// The 8-bit string terminator (C1).
const ST8: char = '\u{9c}';

/// A single-line text: escape sequences and control characters removed, tabs and line breaks
/// turned into one space each, surrounding whitespace trimmed.
pub fn one_line(text: &str) -> String {
    clean(text, |c| match c {
        '\t' | '\n' | '\r' => Some(' '),
        _ => None,
    })
    .trim()
    .to_string()
}

/// A multi-line text: escape sequences and control characters removed except line breaks
/// and tabs; `\r\n` and a lone `\r` become `\n`. Leading and trailing whitespace is left to
/// the caller (a message's indentation may matter).
pub fn multi_line(text: &str) -> String {
    clean(&text.replace("\r\n", "\n"), |c| match c {
        '\t' | '\n' => Some(c),
        '\r' => Some('\n'),
        _ => None,
    })
}

/// Whether `url` is an absolute `http:` or `https:` URL with a host: the only page URLs kept.
/// `javascript:`, `data:`, `file:` and relative URLs are not, since an operator's panel shows
/// page URLs as links.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with(['/', '?', '#'])
            && !url.chars().any(|c| c.is_control() || c == ' ')
    })
}

/// Removes escape sequences and control characters; `keep` says what a kept control
/// character becomes.
fn clean(text: &str, keep: impl Fn(char) -> Option<char>) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_texts_lose_every_control_character() {
        let cases = [
            ("Ada Lovelace", "Ada Lovelace"),
            ("  Ada  ", "Ada"),
            ("Ada\u{0}Lovelace", "AdaLovelace"),
            ("\u{1b}[2JAda", "Ada"),
            ("\u{1b}[1;31mred\u{1b}[0m", "red"),
            ("\u{1b}]52;c;ZXZpbA==\u{7}Ada", "Ada"),
            ("\u{1b}]0;title\u{1b}\\Ada", "Ada"),
            ("\u{9b}31mAda", "Ada"),
            ("Ada\tLove\nlace\r\n", "Ada Love lace"),
            ("\u{7f}\u{85}Ada\u{8}", "Ada"),
            ("Zoë 李 مرحبا", "Zoë 李 مرحبا"),
            ("\u{1b}cAda", "Ada"),
            ("\u{1b}(BAda", "Ada"),
        ];
        for (input, want) in cases {
            assert_eq!(one_line(input), want, "one_line({input:?})");
        }
    }

    #[test]
    fn multi_line_texts_keep_line_breaks_and_tabs_only() {
        let cases = [
            ("Hello\nworld", "Hello\nworld"),
            ("a\tb", "a\tb"),
            ("a\r\nb\rc", "a\nb\nc"),
            ("\u{1b}[2J\u{1b}[Hgone?", "gone?"),
            ("NUL\u{0}here", "NULhere"),
            ("bell\u{7}", "bell"),
            ("  indented\n", "  indented\n"),
            (
                "\u{1b}]8;;http://evil/\u{1b}\\link\u{1b}]8;;\u{1b}\\",
                "link",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(multi_line(input), want, "multi_line({input:?})");
        }
    }

    #[test]
    fn only_absolute_http_urls_are_web_urls() {
        let cases = [
            ("https://shop.example/p/1?color=red", true),
            ("http://127.0.0.1:8080/demo", true),
            ("HTTPS://SHOP.EXAMPLE/", true),
            ("javascript:alert(1)", false),
            ("JavaScript:alert(1)", false),
            ("data:text/html,<script>", false),
            ("file:///etc/passwd", false),
            ("vbscript:x", false),
            ("/relative/path", false),
            ("//shop.example/", false),
            ("https://", false),
            ("https:///path", false),
            ("https://a b/", false),
            ("https://shop.example/\u{0}", false),
            ("", false),
        ];
        for (input, want) in cases {
            assert_eq!(is_web_url(input), want, "is_web_url({input:?})");
        }
    }
}
