//! The chat window's 52 languages by name: each in its own language (what a speaker looks
//! for, from the chat window's own translations) with the English name beside it (what an
//! admin may type), for the language pickers.

use switchboard_http::LANGUAGES;

/// Code and English name, in the order of [`switchboard_http::LANGUAGES`].
const NAMES: [(&str, &str); 52] = [
    ("sq", "Albanian"),
    ("ar", "Arabic"),
    ("az", "Azerbaijani"),
    ("eu", "Basque"),
    ("be", "Belarusian"),
    ("bg", "Bulgarian"),
    ("ca", "Catalan"),
    ("zh", "Chinese"),
    ("hr", "Croatian"),
    ("cs", "Czech"),
    ("da", "Danish"),
    ("nl", "Dutch"),
    ("en", "English"),
    ("et", "Estonian"),
    ("fi", "Finnish"),
    ("fr", "French"),
    ("gl", "Galician"),
    ("ka", "Georgian"),
    ("de", "German"),
    ("el", "Greek"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("hu", "Hungarian"),
    ("is", "Icelandic"),
    ("id", "Indonesian"),
    ("ga", "Irish"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("lv", "Latvian"),
    ("lt", "Lithuanian"),
    ("mk", "Macedonian"),
    ("ms", "Malay"),
    ("mt", "Maltese"),
    ("no", "Norwegian"),
    ("fa", "Persian"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("sr", "Serbian"),
    ("sk", "Slovak"),
    ("sl", "Slovenian"),
    ("es", "Spanish"),
    ("sv", "Swedish"),
    ("th", "Thai"),
    ("tr", "Turkish"),
    ("uk", "Ukrainian"),
    ("ur", "Urdu"),
    ("vi", "Vietnamese"),
    ("cy", "Welsh"),
    ("yi", "Yiddish"),
];

/// The language's own name ("Deutsch"), as the chat window names it.
pub fn name(code: &str) -> String {
    switchboard_http::i18n::language_name(code)
}

/// How a picker lists a language: "Deutsch · German (de)", "English (en)".
pub fn label(code: &str) -> String {
    match NAMES.iter().find(|(c, _)| *c == code) {
        Some((_, english)) if name(code) == *english => format!("{english} ({code})"),
        Some((_, english)) => format!("{} · {english} ({code})", name(code)),
        None => code.to_string(),
    }
}

/// Every language code, in the server's order.
pub fn codes() -> &'static [&'static str] {
    &LANGUAGES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_of_the_server_has_a_name() {
        let codes: Vec<&str> = NAMES.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, LANGUAGES.to_vec());
        assert_eq!(name("ar"), "العربية");
        assert_eq!(label("de"), "Deutsch · German (de)");
        assert_eq!(label("en"), "English (en)");
    }
}
