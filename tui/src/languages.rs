//! The chat window's 52 languages by name: each in its own language (what a speaker looks
//! for) with the English name beside it (what an admin may type), for the language pickers.

use switchboard_http::LANGUAGES;

/// Code, name in the language itself, English name; in the order of
/// [`switchboard_http::LANGUAGES`].
const NAMES: [(&str, &str, &str); 52] = [
    ("sq", "Shqip", "Albanian"),
    ("ar", "العربية", "Arabic"),
    ("az", "Azərbaycan dili", "Azerbaijani"),
    ("eu", "Euskara", "Basque"),
    ("be", "Беларуская", "Belarusian"),
    ("bg", "Български", "Bulgarian"),
    ("ca", "Català", "Catalan"),
    ("zh", "中文", "Chinese"),
    ("hr", "Hrvatski", "Croatian"),
    ("cs", "Čeština", "Czech"),
    ("da", "Dansk", "Danish"),
    ("nl", "Nederlands", "Dutch"),
    ("en", "English", "English"),
    ("et", "Eesti", "Estonian"),
    ("fi", "Suomi", "Finnish"),
    ("fr", "Français", "French"),
    ("gl", "Galego", "Galician"),
    ("ka", "ქართული", "Georgian"),
    ("de", "Deutsch", "German"),
    ("el", "Ελληνικά", "Greek"),
    ("he", "עברית", "Hebrew"),
    ("hi", "हिन्दी", "Hindi"),
    ("hu", "Magyar", "Hungarian"),
    ("is", "Íslenska", "Icelandic"),
    ("id", "Bahasa Indonesia", "Indonesian"),
    ("ga", "Gaeilge", "Irish"),
    ("it", "Italiano", "Italian"),
    ("ja", "日本語", "Japanese"),
    ("ko", "한국어", "Korean"),
    ("lv", "Latviešu", "Latvian"),
    ("lt", "Lietuvių", "Lithuanian"),
    ("mk", "Македонски", "Macedonian"),
    ("ms", "Bahasa Melayu", "Malay"),
    ("mt", "Malti", "Maltese"),
    ("no", "Norsk", "Norwegian"),
    ("fa", "فارسی", "Persian"),
    ("pl", "Polski", "Polish"),
    ("pt", "Português", "Portuguese"),
    ("ro", "Română", "Romanian"),
    ("ru", "Русский", "Russian"),
    ("sr", "Српски", "Serbian"),
    ("sk", "Slovenčina", "Slovak"),
    ("sl", "Slovenščina", "Slovenian"),
    ("es", "Español", "Spanish"),
    ("sv", "Svenska", "Swedish"),
    ("th", "ไทย", "Thai"),
    ("tr", "Türkçe", "Turkish"),
    ("uk", "Українська", "Ukrainian"),
    ("ur", "اردو", "Urdu"),
    ("vi", "Tiếng Việt", "Vietnamese"),
    ("cy", "Cymraeg", "Welsh"),
    ("yi", "ייִדיש", "Yiddish"),
];

/// The language's own name ("Deutsch"), or the code when unknown.
pub fn name(code: &str) -> &str {
    NAMES
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or(code, |(_, name, _)| name)
}

/// How a picker lists a language: "Deutsch · German (de)", "English (en)".
pub fn label(code: &str) -> String {
    match NAMES.iter().find(|(c, ..)| *c == code) {
        Some((_, own, english)) if own == english => format!("{own} ({code})"),
        Some((_, own, english)) => format!("{own} · {english} ({code})"),
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
        let codes: Vec<&str> = NAMES.iter().map(|(c, ..)| *c).collect();
        assert_eq!(codes, LANGUAGES.to_vec());
        assert_eq!(name("ar"), "العربية");
        assert_eq!(label("de"), "Deutsch · German (de)");
        assert_eq!(label("en"), "English (en)");
    }
}
