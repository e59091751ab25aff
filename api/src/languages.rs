//! The chat window's languages: one table of code, own name, English name and writing
//! direction. The server (its translations, the window's language picker, button images) and
//! the terminal client (its language pickers) both read it, so no name is written twice.

use serde::{Deserialize, Serialize};

/// Which way a language is written; on the wire (and in HTML's `dir`) `"ltr"` or `"rtl"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Left to right.
    Ltr,
    /// Right to left: the window mirrors its layout, a button image its text.
    Rtl,
}

impl Direction {
    /// The HTML `dir` attribute's value: `"ltr"` or `"rtl"`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }
}

/// One language the chat window speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Language {
    /// Its code in chat URLs and settings (ISO 639-1, lower case).
    pub code: &'static str,
    /// Its name in itself ("Deutsch"): what a speaker looks for in a picker.
    pub name: &'static str,
    /// Its name in English ("German"): what an admin may type to find it.
    pub english: &'static str,
    /// Which way it is written.
    pub dir: Direction,
}

use Direction::{Ltr, Rtl};

const fn lang(
    code: &'static str,
    name: &'static str,
    english: &'static str,
    dir: Direction,
) -> Language {
    Language {
        code,
        name,
        english,
        dir,
    }
}

/// Every language, in the order pickers list them (by English name).
pub const LANGUAGES: [Language; 52] = [
    lang("sq", "Shqip", "Albanian", Ltr),
    lang("ar", "العربية", "Arabic", Rtl),
    lang("az", "Azərbaycan dili", "Azerbaijani", Ltr),
    lang("eu", "Euskara", "Basque", Ltr),
    lang("be", "Беларуская", "Belarusian", Ltr),
    lang("bg", "Български", "Bulgarian", Ltr),
    lang("ca", "Català", "Catalan", Ltr),
    lang("zh", "中文", "Chinese", Ltr),
    lang("hr", "Hrvatski", "Croatian", Ltr),
    lang("cs", "Čeština", "Czech", Ltr),
    lang("da", "Dansk", "Danish", Ltr),
    lang("nl", "Nederlands", "Dutch", Ltr),
    lang("en", "English", "English", Ltr),
    lang("et", "Eesti", "Estonian", Ltr),
    lang("fi", "Suomi", "Finnish", Ltr),
    lang("fr", "Français", "French", Ltr),
    lang("gl", "Galego", "Galician", Ltr),
    lang("ka", "ქართული", "Georgian", Ltr),
    lang("de", "Deutsch", "German", Ltr),
    lang("el", "Ελληνικά", "Greek", Ltr),
    lang("he", "עברית", "Hebrew", Rtl),
    lang("hi", "हिन्दी", "Hindi", Ltr),
    lang("hu", "Magyar", "Hungarian", Ltr),
    lang("is", "Íslenska", "Icelandic", Ltr),
    lang("id", "Bahasa Indonesia", "Indonesian", Ltr),
    lang("ga", "Gaeilge", "Irish", Ltr),
    lang("it", "Italiano", "Italian", Ltr),
    lang("ja", "日本語", "Japanese", Ltr),
    lang("ko", "한국어", "Korean", Ltr),
    lang("lv", "Latviešu", "Latvian", Ltr),
    lang("lt", "Lietuvių", "Lithuanian", Ltr),
    lang("mk", "Македонски", "Macedonian", Ltr),
    lang("ms", "Bahasa Melayu", "Malay", Ltr),
    lang("mt", "Malti", "Maltese", Ltr),
    lang("no", "Norsk", "Norwegian", Ltr),
    lang("fa", "فارسی", "Persian", Rtl),
    lang("pl", "Polski", "Polish", Ltr),
    lang("pt", "Português", "Portuguese", Ltr),
    lang("ro", "Română", "Romanian", Ltr),
    lang("ru", "Русский", "Russian", Ltr),
    lang("sr", "Српски", "Serbian", Ltr),
    lang("sk", "Slovenčina", "Slovak", Ltr),
    lang("sl", "Slovenščina", "Slovenian", Ltr),
    lang("es", "Español", "Spanish", Ltr),
    lang("sv", "Svenska", "Swedish", Ltr),
    lang("th", "ไทย", "Thai", Ltr),
    lang("tr", "Türkçe", "Turkish", Ltr),
    lang("uk", "Українська", "Ukrainian", Ltr),
    lang("ur", "اردو", "Urdu", Rtl),
    lang("vi", "Tiếng Việt", "Vietnamese", Ltr),
    lang("cy", "Cymraeg", "Welsh", Ltr),
    lang("yi", "ייִדיש", "Yiddish", Rtl),
];

/// The codes of [`LANGUAGES`], in the same order.
pub const CODES: [&str; LANGUAGES.len()] = {
    let mut codes = [""; LANGUAGES.len()];
    let mut i = 0;
    while i < LANGUAGES.len() {
        codes[i] = LANGUAGES[i].code;
        i += 1;
    }
    codes
};

/// The language of `code` (exact, lower case); None when the window does not speak it.
pub fn find(code: &str) -> Option<&'static Language> {
    LANGUAGES.iter().find(|l| l.code == code)
}

/// Which way `code` is written; left to right for an unknown code.
pub fn direction(code: &str) -> Direction {
    find(code).map_or(Ltr, |l| l.dir)
}

/// Whether `code` is written right to left; false for an unknown code.
pub fn is_rtl(code: &str) -> bool {
    find(code).is_some_and(|l| l.dir == Rtl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique() {
        let mut codes = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for l in LANGUAGES {
            assert!(codes.insert(l.code), "{} twice", l.code);
            assert!(names.insert(l.name), "\"{}\" names two languages", l.name);
            assert_eq!(l.code, l.code.to_ascii_lowercase());
        }
        assert_eq!(CODES.len(), LANGUAGES.len());
        assert_eq!(find("de").map(|l| l.name), Some("Deutsch"));
        assert_eq!(find("ar").map(|l| l.name), Some("العربية"));
        assert!(find("xx").is_none());
    }

    #[test]
    fn right_to_left_languages() {
        let rtl: Vec<&str> = CODES.into_iter().filter(|c| is_rtl(c)).collect();
        assert_eq!(rtl, ["ar", "he", "fa", "ur", "yi"]);
        assert_eq!(Ltr.name(), "ltr");
        assert_eq!(Rtl.name(), "rtl");
    }
}
