//! The chat window's 52 languages by name for the language pickers: each in its own language
//! (what a speaker looks for) with the English name beside it (what an admin may type), both
//! from `switchboard_api::languages`, the table the server reads too.

use switchboard_api::languages::{self, CODES};

/// How a picker lists a language: "Deutsch · German (de)", "English (en)"; an unknown code
/// as itself.
pub fn label(code: &str) -> String {
    match languages::find(code) {
        Some(l) if l.name == l.english => format!("{} ({code})", l.english),
        Some(l) => format!("{} · {} ({code})", l.name, l.english),
        None => code.to_string(),
    }
}

/// Every language code, in the server's order.
pub fn codes() -> &'static [&'static str] {
    &CODES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_names_the_language_in_itself_and_in_english() {
        assert_eq!(label("ar"), "العربية · Arabic (ar)");
        assert_eq!(label("de"), "Deutsch · German (de)");
        assert_eq!(label("en"), "English (en)");
        assert_eq!(label("xx"), "xx");
    }
}
