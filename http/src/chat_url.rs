//! The chat URL: `/chat/{lang}/{key}[,name=..,email=..,operator=..]/{page URL}`.
//!
//! The button code appends `document.location.href` raw, so the page URL is everything after
//! the key segment's slash plus the query string. Variable values use `+` for spaces and
//! percent-escapes, as the reference manual's example (`name=Visitor+Name`) shows.

use percent_encoding::percent_decode_str;

/// Longest variable value accepted; names and emails are short.
const MAX_VALUE_CHARS: usize = 200;

/// A parsed chat URL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatUrl {
    /// Language segment as given (may be unknown: the company default applies then).
    pub lang: String,
    /// The company's public key.
    pub key: String,
    /// `name=`: pre-fills the welcome form.
    pub name: Option<String>,
    /// `email=`: pre-fills the welcome form.
    pub email: Option<String>,
    /// `operator=`: SIP username the chat goes to, bypassing routing.
    pub operator: Option<String>,
    /// `visitor=`: the tracked visitor's id, added by the tracking script so the chat is
    /// linked to the visitor list (an extension of the reference product's three variables).
    pub visitor: Option<u64>,
    /// The page the visitor was on.
    pub page_url: String,
}

/// Why a path is not a usable chat URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChatUrlError {
    /// No language or key segment.
    Incomplete,
    /// The custom variables are malformed; the text says how.
    Variables(String),
}

/// Parses the path (without the query) and the query of a request under `/chat/`.
pub fn parse(path: &str, query: Option<&str>) -> Result<ChatUrl, ChatUrlError> {
    let rest = path
        .strip_prefix("/chat/")
        .ok_or(ChatUrlError::Incomplete)?;
    let (lang, rest) = rest.split_once('/').ok_or(ChatUrlError::Incomplete)?;
    let (key_and_vars, page) = rest.split_once('/').unwrap_or((rest, ""));
    if lang.is_empty() || key_and_vars.is_empty() {
        return Err(ChatUrlError::Incomplete);
    }
    let mut parts = key_and_vars.split(',');
    let key = parts.next().unwrap_or_default().to_string();
    let mut url = ChatUrl {
        lang: lang.to_ascii_lowercase(),
        key,
        ..ChatUrl::default()
    };
    for part in parts {
        let (name, raw) = part
            .split_once('=')
            .ok_or_else(|| ChatUrlError::Variables(format!("\"{part}\" is not name=value")))?;
        let value = decode(raw).ok_or_else(|| {
            ChatUrlError::Variables(format!(
                "the value of {name} is not valid percent-encoded UTF-8"
            ))
        })?;
        if value.chars().count() > MAX_VALUE_CHARS || value.chars().any(char::is_control) {
            return Err(ChatUrlError::Variables(format!(
                "the value of {name} must be at most {MAX_VALUE_CHARS} printable characters"
            )));
        }
        if name == "visitor" {
            let id = value
                .parse::<u64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| {
                    ChatUrlError::Variables(
                        "visitor must be the id the tracking script keeps".into(),
                    )
                })?;
            if url.visitor.replace(id).is_some() {
                return Err(ChatUrlError::Variables("visitor is given twice".into()));
            }
            continue;
        }
        let slot = match name {
            "name" => &mut url.name,
            "email" => &mut url.email,
            "operator" => &mut url.operator,
            other => {
                return Err(ChatUrlError::Variables(format!(
                    "unknown variable \"{other}\" (use name, email or operator)"
                )))
            }
        };
        if slot.replace(value).is_some() {
            return Err(ChatUrlError::Variables(format!("{name} is given twice")));
        }
    }
    url.page_url = match query {
        Some(q) => format!("{page}?{q}"),
        None => page.to_string(),
    };
    Ok(url)
}

/// `+` is a space, then percent-escapes.
fn decode(raw: &str) -> Option<String> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manuals_example_link_parses() {
        let url = parse(
            "/chat/en/abcdef0123456789,name=Visitor+Name,email=visitor@email.com,operator=10002/https://shop.example/p/1",
            Some("color=red&size=9"),
        )
        .unwrap();
        assert_eq!(
            url,
            ChatUrl {
                lang: "en".into(),
                key: "abcdef0123456789".into(),
                name: Some("Visitor Name".into()),
                email: Some("visitor@email.com".into()),
                operator: Some("10002".into()),
                visitor: None,
                page_url: "https://shop.example/p/1?color=red&size=9".into(),
            }
        );
    }

    /// What a URL parses to: language, key, name and page URL.
    type Parsed<'a> = Result<(&'a str, &'a str, Option<&'a str>, &'a str), ChatUrlError>;

    #[test]
    fn table_of_urls() {
        let cases: &[(&str, Option<&str>, Parsed)] = &[
            (
                "/chat/en/abcdef0123456789/",
                None,
                Ok(("en", "abcdef0123456789", None, "")),
            ),
            (
                "/chat/en/abcdef0123456789",
                None,
                Ok(("en", "abcdef0123456789", None, "")),
            ),
            (
                "/chat/FR/k/http://x.example/a/b",
                None,
                Ok(("fr", "k", None, "http://x.example/a/b")),
            ),
            (
                "/chat/de/k,name=J%C3%BCrgen%20M/p",
                None,
                Ok(("de", "k", Some("Jürgen M"), "p")),
            ),
            (
                "/chat/en/k,name=a%2Bb/",
                None,
                Ok(("en", "k", Some("a+b"), "")),
            ),
            ("/chat/en/", None, Err(ChatUrlError::Incomplete)),
            ("/chat/en", None, Err(ChatUrlError::Incomplete)),
            ("/chat//k/", None, Err(ChatUrlError::Incomplete)),
        ];
        for (path, query, expected) in cases {
            let got = parse(path, *query).map(|u| (u.lang, u.key, u.name, u.page_url));
            let expected = expected.clone().map(|(l, k, n, p)| {
                (
                    l.to_string(),
                    k.to_string(),
                    n.map(String::from),
                    p.to_string(),
                )
            });
            assert_eq!(got, expected, "{path}");
        }
    }

    #[test]
    fn malformed_variables_say_what_is_wrong() {
        for (path, needle) in [
            ("/chat/en/k,name/", "is not name=value"),
            ("/chat/en/k,colour=red/", "unknown variable \"colour\""),
            ("/chat/en/k,name=a,name=b/", "name is given twice"),
            ("/chat/en/k,name=%FF/", "not valid percent-encoded UTF-8"),
            ("/chat/en/k,name=a%0Ab/", "printable"),
            (
                "/chat/en/k,visitor=abc/",
                "the id the tracking script keeps",
            ),
        ] {
            match parse(path, None) {
                Err(ChatUrlError::Variables(why)) => assert!(why.contains(needle), "{path}: {why}"),
                other => panic!("{path}: {other:?}"),
            }
        }
    }
}
