//! Text hygiene: what a stored name or text may contain, and which page URLs are kept.
//!
//! Everything a visitor, an operator or an admin types is stored, then shown in a browser, a
//! terminal, a transcript or a log. Escaping on display protects HTML, but a terminal, a log
//! file or a program reading the API sees the raw text: `ESC [2J` clears a screen, a NUL cuts
//! a C string short. So control characters never reach storage. [`one_line`] is for names,
//! titles and other single-line fields; [`multi_line`] keeps the line breaks and tabs of a
//! chat message or a settings text. Escape sequences are removed whole, so `ESC [31m` does not
//! leave `[31m` behind. Both are pure: the HTTP handlers call them before validating lengths.

use switchboard_api::text::strip_controls;

/// A single-line text: escape sequences and control characters removed, tabs and line breaks
/// turned into one space each, surrounding whitespace trimmed.
pub fn one_line(text: &str) -> String {
    strip_controls(text, |c| match c {
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
    strip_controls(&text.replace("\r\n", "\n"), |c| match c {
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
