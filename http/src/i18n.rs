//! The chat window's translations: the 52 Fluent files of `locales/`, compiled into the binary
//! and parsed once into thread-safe bundles.
//!
//! Text is formatted without Unicode isolation marks (they would leak into HTML attributes and
//! the script's strings). An unknown language falls back to English, and so does a message a
//! translation lacks (the tests below make sure none does).
//!
//! [`texts`] hands the page's script every message at once. Placeholders stay in them as
//! `{$name}` (for example `You are number {$position} in the queue.`); the script replaces the
//! marker with the live value.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The language every other one falls back to, and whose message ids are the full set.
pub const FALLBACK: &str = "en";

/// Every translation, keyed by its code in chat URLs (the codes of
/// [`crate::api::languages::CODES`]). A language's own name is not a message here: it is in
/// [`crate::api::languages::LANGUAGES`].
const SOURCES: [(&str, &str); 52] = [
    ("sq", include_str!("../locales/sq.ftl")),
    ("ar", include_str!("../locales/ar.ftl")),
    ("az", include_str!("../locales/az.ftl")),
    ("eu", include_str!("../locales/eu.ftl")),
    ("be", include_str!("../locales/be.ftl")),
    ("bg", include_str!("../locales/bg.ftl")),
    ("ca", include_str!("../locales/ca.ftl")),
    ("zh", include_str!("../locales/zh.ftl")),
    ("hr", include_str!("../locales/hr.ftl")),
    ("cs", include_str!("../locales/cs.ftl")),
    ("da", include_str!("../locales/da.ftl")),
    ("nl", include_str!("../locales/nl.ftl")),
    ("en", include_str!("../locales/en.ftl")),
    ("et", include_str!("../locales/et.ftl")),
    ("fi", include_str!("../locales/fi.ftl")),
    ("fr", include_str!("../locales/fr.ftl")),
    ("gl", include_str!("../locales/gl.ftl")),
    ("ka", include_str!("../locales/ka.ftl")),
    ("de", include_str!("../locales/de.ftl")),
    ("el", include_str!("../locales/el.ftl")),
    ("he", include_str!("../locales/he.ftl")),
    ("hi", include_str!("../locales/hi.ftl")),
    ("hu", include_str!("../locales/hu.ftl")),
    ("is", include_str!("../locales/is.ftl")),
    ("id", include_str!("../locales/id.ftl")),
    ("ga", include_str!("../locales/ga.ftl")),
    ("it", include_str!("../locales/it.ftl")),
    ("ja", include_str!("../locales/ja.ftl")),
    ("ko", include_str!("../locales/ko.ftl")),
    ("lv", include_str!("../locales/lv.ftl")),
    ("lt", include_str!("../locales/lt.ftl")),
    ("mk", include_str!("../locales/mk.ftl")),
    ("ms", include_str!("../locales/ms.ftl")),
    ("mt", include_str!("../locales/mt.ftl")),
    ("no", include_str!("../locales/no.ftl")),
    ("fa", include_str!("../locales/fa.ftl")),
    ("pl", include_str!("../locales/pl.ftl")),
    ("pt", include_str!("../locales/pt.ftl")),
    ("ro", include_str!("../locales/ro.ftl")),
    ("ru", include_str!("../locales/ru.ftl")),
    ("sr", include_str!("../locales/sr.ftl")),
    ("sk", include_str!("../locales/sk.ftl")),
    ("sl", include_str!("../locales/sl.ftl")),
    ("es", include_str!("../locales/es.ftl")),
    ("sv", include_str!("../locales/sv.ftl")),
    ("th", include_str!("../locales/th.ftl")),
    ("tr", include_str!("../locales/tr.ftl")),
    ("uk", include_str!("../locales/uk.ftl")),
    ("ur", include_str!("../locales/ur.ftl")),
    ("vi", include_str!("../locales/vi.ftl")),
    ("cy", include_str!("../locales/cy.ftl")),
    ("yi", include_str!("../locales/yi.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

/// The parsed bundles, built on first use.
static BUNDLES: LazyLock<BTreeMap<&'static str, Bundle>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(code, source)| (*code, bundle(code, source)))
        .collect()
});

/// The English message ids, in file order: the set every language must have.
static MESSAGE_IDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let (_, english) = SOURCES
        .iter()
        .find(|(code, _)| *code == FALLBACK)
        .expect("SOURCES has an English row");
    message_ids(english)
});

/// One language's bundle. A file with syntax errors keeps the messages Fluent could recover;
/// the unit tests make sure no shipped file has any.
fn bundle(code: &str, source: &str) -> Bundle {
    let resource =
        FluentResource::try_new(source.to_string()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(lang = code, ?errors, "translation file has syntax errors");
            partial
        });
    let langid = code.parse().unwrap_or_else(|_| {
        tracing::error!(lang = code, "not a valid language identifier");
        unic_langid::LanguageIdentifier::default()
    });
    let mut bundle = Bundle::new_concurrent(vec![langid]);
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(lang = code, ?errors, "translation file repeats message ids");
    }
    bundle
}

/// The message ids a Fluent source defines: lines that start `id =` (terms start with `-`,
/// comments with `#`, continuation lines with spaces, so none of them matches).
fn message_ids(source: &str) -> Vec<&str> {
    source
        .lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once('='))
        .map(|(id, _)| id.trim())
        .filter(|id| {
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .collect()
}

/// Whether the chat window speaks `lang`.
pub fn supported(lang: &str) -> bool {
    BUNDLES.contains_key(lang)
}

/// Whether `lang` is written right to left.
pub fn is_rtl(lang: &str) -> bool {
    crate::api::languages::is_rtl(lang)
}

/// The HTML `dir` of `lang`: `"rtl"` or `"ltr"` (an unknown code is left to right).
pub fn dir(lang: &str) -> &'static str {
    crate::api::languages::direction(lang).name()
}

/// The bundle of `lang`, or English's.
fn bundle_of(lang: &str) -> &'static Bundle {
    BUNDLES
        .get(lang)
        .or_else(|| BUNDLES.get(FALLBACK))
        .expect("SOURCES has an English row")
}

/// Formats message `id` in `lang` with `args`. Falls back to English for an unknown language
/// or a missing message, and to the id itself when English lacks it too.
pub fn text(lang: &str, id: &str, args: &[(&str, FluentValue)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    format(lang, id, (!args.is_empty()).then_some(&fluent_args))
}

fn format(lang: &str, id: &str, args: Option<&FluentArgs>) -> String {
    let found = [bundle_of(lang), bundle_of(FALLBACK)]
        .into_iter()
        .find_map(|b| Some((b, b.get_message(id)?.value()?)));
    let Some((bundle, pattern)) = found else {
        return id.to_string();
    };
    // A variable without a value is written back as `{$name}`, the marker `texts` promises;
    // that is the only error formatting reports for these files.
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned()
}

/// Every message of `lang` (English for an unknown one), formatted without arguments: each
/// placeholder is left as `{$name}` for the script to fill in.
pub fn texts(lang: &str) -> BTreeMap<String, String> {
    MESSAGE_IDS
        .iter()
        .map(|id| (id.to_string(), format(lang, id, None)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_covers_every_language_once() {
        let codes: Vec<&str> = SOURCES.iter().map(|(code, _)| *code).collect();
        assert_eq!(codes, crate::api::languages::CODES.to_vec());
        assert!(message_ids(SOURCES[12].1).contains(&"queue-position"));
    }

    #[test]
    fn every_file_parses_without_errors() {
        for (code, source) in SOURCES {
            if let Err((_, errors)) = FluentResource::try_new(source.to_string()) {
                panic!("{code}.ftl has syntax errors: {errors:?}");
            }
            let resource = FluentResource::try_new(source.to_string()).expect("checked above");
            let mut bundle = Bundle::new_concurrent(vec![code.parse().expect("valid code")]);
            if let Err(errors) = bundle.add_resource(resource) {
                panic!("{code}.ftl repeats message ids: {errors:?}");
            }
            assert!(
                code.parse::<unic_langid::LanguageIdentifier>().is_ok(),
                "{code} is not a language identifier"
            );
        }
    }

    #[test]
    fn every_language_has_every_english_message() {
        assert!(MESSAGE_IDS.len() > 30, "English ids: {:?}", *MESSAGE_IDS);
        for code in crate::api::languages::CODES {
            let bundle = &BUNDLES[code];
            for id in MESSAGE_IDS.iter() {
                let has_value = bundle.get_message(id).and_then(|m| m.value()).is_some();
                assert!(has_value, "{code}.ftl has no message \"{id}\"");
            }
        }
    }

    #[test]
    fn translations_use_the_english_placeholders() {
        let markers = |text: &str| -> Vec<String> {
            text.split("{$")
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
                .collect()
        };
        let english = texts(FALLBACK);
        for code in crate::api::languages::CODES {
            for (id, text) in texts(code) {
                assert_eq!(
                    markers(&text),
                    markers(&english[&id]),
                    "{code}.ftl \"{id}\" uses other placeholders than English"
                );
            }
        }
    }

    #[test]
    fn a_placeholder_is_substituted() {
        for code in ["en", "de", "ja", "ar", "ru", "zh", "he"] {
            let line = text(
                code,
                "queue-position",
                &[("position", FluentValue::from(3))],
            );
            assert!(line.contains('3'), "{code}: {line}");
            assert!(!line.contains("{$"), "{code}: {line}");
            assert!(
                !line.contains('\u{2068}'),
                "{code}: isolation mark in {line}"
            );
        }
        let joined = text(
            "fr",
            "operator-joined",
            &[("name", FluentValue::from("Alice"))],
        );
        assert!(joined.starts_with("Alice"), "{joined}");
    }

    #[test]
    fn texts_leave_placeholders_as_markers() {
        let en = texts("en");
        assert_eq!(
            en["queue-position"],
            "You are number {$position} in the queue."
        );
        assert_eq!(en["operator-typing"], "{$name} is typing...");
        assert_eq!(en.len(), MESSAGE_IDS.len());
        assert_eq!(texts("ja")["send"], "送信");
    }

    #[test]
    fn unknown_languages_and_ids_fall_back() {
        assert_eq!(text("xx", "send", &[]), "Send");
        assert_eq!(texts("xx"), texts("en"));
        assert_eq!(text("de", "no-such-message", &[]), "no-such-message");
        assert!(!supported("xx"));
        assert!(supported("yi"));
    }

    #[test]
    fn right_to_left_languages() {
        for code in crate::api::languages::CODES {
            let expected = matches!(code, "ar" | "fa" | "he" | "ur" | "yi");
            assert_eq!(is_rtl(code), expected, "{code}");
            assert_eq!(dir(code), if expected { "rtl" } else { "ltr" });
        }
    }
}
