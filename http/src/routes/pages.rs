//! HTML pages: the chat window, the demo shop, and the error pages a browser is shown.
//!
//! Pages are templates under `assets/` with `{{name}}` holes, filled here. Every value put in a
//! hole is HTML-escaped, except the few documented ones that are HTML made by this server
//! (the demo's button and tracking snippet) or JSON made safe for a `<script>` block.

use bytes::Bytes;
use hyper::header::{HeaderValue, CONTENT_SECURITY_POLICY};
use hyper::{Response, StatusCode};
use serde::Serialize;

use super::{respond, Body, Reply};
use crate::api::WindowSettings;
use crate::chat_url::{ChatUrl, ChatUrlError};

/// The chat window's template.
const CHAT_HTML: &str = include_str!("../../assets/chat.html");

/// The demo shop's template.
const DEMO_HTML: &str = include_str!("../../assets/demo.html");

/// The chat window and the error pages load only this server's script, styles and images, and
/// talk only to it; nothing inline ever runs, so an injected tag could do nothing.
const STRICT_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'";

/// Escapes text for HTML (and SVG/XML) content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` are written
/// as `\u003c` and so on, so no value can close the element or open a comment.
pub fn script_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value)
        .expect("page data always serializes")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Fills the `{{name}}` holes of `template`. `hole` returns the (already safe) text of a hole;
/// a hole it does not know is a bug in the template, left visible as `{{name}}` so the tests
/// see it.
fn fill(template: &str, hole: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let name = &after[..end];
        match hole(name) {
            Some(text) => out.push_str(&text),
            None => {
                out.push_str("{{");
                out.push_str(name);
                out.push_str("}}");
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// An HTML response.
fn html(status: StatusCode, body: String, csp: Option<&'static str>) -> Response<Body> {
    let mut response = respond(status, "text/html; charset=utf-8", Bytes::from(body));
    if let Some(csp) = csp {
        response
            .headers_mut()
            .insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    }
    response
}

/// What the page's script starts from: the settings and the chat URL's parts.
#[derive(Serialize)]
struct Boot<'a> {
    /// Everything from `GET /v1/visitor/{key}/window`.
    settings: &'a WindowSettings,
    /// `name=` of the chat URL ("" when absent).
    name: &'a str,
    /// `email=` of the chat URL.
    email: &'a str,
    /// `operator=` of the chat URL.
    operator: &'a str,
    /// The page the visitor was on.
    page_url: &'a str,
    /// `visitor=` of the chat URL: the tracked visitor's id, so the chat joins their visit.
    visitor: Option<u64>,
}

/// The chat window page for `settings` and the chat URL `url`.
pub fn chat_page(settings: &WindowSettings, url: &ChatUrl) -> Reply {
    let boot = Boot {
        settings,
        name: url.name.as_deref().unwrap_or(""),
        email: url.email.as_deref().unwrap_or(""),
        operator: url.operator.as_deref().unwrap_or(""),
        page_url: &url.page_url,
        visitor: url.visitor,
    };
    let page = fill(CHAT_HTML, |hole| {
        Some(match hole {
            "lang" => escape(&settings.lang),
            "dir" => settings.dir.name().to_string(),
            "company" => escape(&settings.company),
            "header" => escape(&settings.header_url),
            "sidebar" => escape(&settings.sidebar_url),
            "welcome_message" => escape(&settings.welcome_message),
            "offline_message" => escape(&settings.offline_message),
            "offline_thanks" => escape(&settings.offline_thanks),
            "boot" => script_json(&boot),
            _ => escape(settings.texts.get(hole.strip_prefix("t:")?)?),
        })
    });
    Ok(html(StatusCode::OK, page, Some(STRICT_CSP)))
}

/// The demo shop, with the chat button's HTML and the tracking snippet (both made by this
/// server, so put in as they are).
pub fn demo_page(button: &str, tracking: &str) -> Reply {
    let page = fill(DEMO_HTML, |hole| match hole {
        "button" => Some(button.to_string()),
        "tracking" => Some(tracking.to_string()),
        _ => None,
    });
    Ok(html(StatusCode::OK, page, None))
}

/// A styled error page. It is in English whatever the link's language: the link is broken, so
/// its language may be too, and the big status code reads the same everywhere.
pub fn error_page(status: StatusCode, title: &str, detail: &str) -> Reply {
    let page = format!(
        "<!doctype html><html lang=\"en\" dir=\"ltr\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/static/chat.css\"></head>\
         <body class=\"error-page\"><main class=\"error-card\" data-testid=\"error-page\">\
         <div class=\"error-code\" aria-hidden=\"true\">{code}</div>\
         <h1 id=\"error-title\">{title}</h1><p id=\"error-detail\">{detail}</p></main></body></html>",
        code = status.as_u16(),
        title = escape(title),
        detail = escape(detail),
    );
    Ok(html(status, page, Some(STRICT_CSP)))
}

/// The page for a chat URL the parser refused.
pub fn bad_link(error: &ChatUrlError) -> Reply {
    match error {
        ChatUrlError::Incomplete => error_page(
            StatusCode::NOT_FOUND,
            "Chat not found",
            "This chat link is incomplete: it needs a language and a company key.",
        ),
        ChatUrlError::Variables(why) => error_page(
            StatusCode::BAD_REQUEST,
            "Bad chat link",
            &format!("The chat link's variables are malformed: {why}."),
        ),
    }
}

/// The page for a chat key no company uses.
pub fn unknown_company() -> Reply {
    error_page(
        StatusCode::NOT_FOUND,
        "Chat not found",
        "No company uses this chat key. Please check the chat button's code.",
    )
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;
    use switchboard_engine::model::ChatWindow;

    use super::super::window::tests::tenant;
    use super::*;
    use crate::chat_url;

    async fn body(reply: Reply) -> (StatusCode, String, Response<()>) {
        let response = reply.expect("a page");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("whole body").to_bytes();
        let head = Response::from_parts(parts, ());
        (
            head.status(),
            String::from_utf8(bytes.to_vec()).expect("utf-8"),
            head,
        )
    }

    fn settings(window: ChatWindow, lang: &str) -> WindowSettings {
        super::super::window::window_settings(&tenant(window), &[], false, Some(lang))
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(f)
    }

    #[test]
    fn escape_covers_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("Jürgen ✓"), "Jürgen ✓");
    }

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let json = script_json(&serde_json::json!({ "n": "</script><!-- & " }));
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["n"], "</script><!-- & ");
    }

    #[test]
    fn fill_replaces_known_holes_and_keeps_unknown_ones() {
        let out = fill("a {{x}} b {{y}} c {{", |h| {
            (h == "x").then(|| "X".to_string())
        });
        assert_eq!(out, "a X b {{y}} c {{");
    }

    #[test]
    fn the_chat_page_is_complete_in_every_language() {
        for lang in crate::api::languages::CODES {
            let url = chat_url::parse(&format!("/chat/{lang}/abcdef0123456789/"), None).unwrap();
            let (status, page, head) = block_on(body(chat_page(
                &settings(ChatWindow::default(), lang),
                &url,
            )));
            assert_eq!(status, StatusCode::OK);
            assert!(!page.contains("{{"), "{lang}: an unfilled hole");
            let dir = if crate::api::languages::is_rtl(lang) {
                "rtl"
            } else {
                "ltr"
            };
            assert!(
                page.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\">")),
                "{lang}"
            );
            assert!(head.headers().contains_key("content-security-policy"));
        }
    }

    #[test]
    fn the_chat_page_escapes_what_companies_and_visitors_typed() {
        let window = ChatWindow {
            welcome_message: "<img src=x onerror=alert(1)>".into(),
            ..ChatWindow::default()
        };
        let url = chat_url::parse(
            "/chat/en/abcdef0123456789,name=%3C%2Fscript%3E%3Cb%3E,email=a%22b@x.example/http://x/<p>",
            Some("q=\"'"),
        )
        .unwrap();
        let (_, page, _) = block_on(body(chat_page(&settings(window, "en"), &url)));
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!page.contains("<img src=x"));
        assert!(!page.contains("</script><b>"));
        assert!(!page.contains("<p>"));
        assert!(page.contains("Shop &amp; Co"));
        // The boot JSON still carries the values intact for the script.
        let start = page.find("id=\"boot\">").unwrap() + "id=\"boot\">".len();
        let end = start + page[start..].find("</script>").unwrap();
        let boot: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
        assert_eq!(boot["name"], "</script><b>");
        assert_eq!(boot["email"], "a\"b@x.example");
        assert_eq!(boot["page_url"], "http://x/<p>?q=\"'");
        assert_eq!(
            boot["settings"]["welcome_message"],
            "<img src=x onerror=alert(1)>"
        );
    }

    #[test]
    fn the_page_has_the_ids_the_browser_tests_use() {
        let url = chat_url::parse("/chat/ja/abcdef0123456789/", None).unwrap();
        let (_, page, _) = block_on(body(chat_page(
            &settings(ChatWindow::default(), "ja"),
            &url,
        )));
        for id in [
            "welcome-form",
            "name",
            "email",
            "department",
            "start",
            "connecting",
            "queue",
            "reconnecting",
            "messages",
            "typing",
            "input",
            "send",
            "end-chat",
            "closed",
            "offline-form",
            "offline-name",
            "offline-email",
            "offline-department",
            "offline-message",
            "offline-submit",
            "offline-thanks",
        ] {
            assert!(page.contains(&format!("id=\"{id}\"")), "no #{id}");
        }
        assert!(
            page.contains("src=\"/graphics/abcdef0123456789/header\" width=\"290\" height=\"80\"")
        );
        assert!(
            page.contains("src=\"/graphics/abcdef0123456789/sidebar\" width=\"90\" height=\"367\"")
        );
        assert!(page.contains(">送信</button>"));
    }

    #[test]
    fn error_pages_are_styled_html_with_the_status() {
        let (status, page, _) = block_on(body(bad_link(&ChatUrlError::Variables(
            "unknown variable \"<x>\"".into(),
        ))));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("/static/chat.css"));
        assert!(page.contains("unknown variable &quot;&lt;x&gt;&quot;"));
        let (status, page, _) = block_on(body(unknown_company()));
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(page.contains(">404<"));
    }

    #[test]
    fn the_demo_page_embeds_the_button_and_the_snippet() {
        let (status, page, head) =
            block_on(body(demo_page("<img id=b>", "<script id=s></script>")));
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("<img id=b>") && page.contains("<script id=s></script>"));
        assert!(!page.contains("{{"));
        assert!(!head.headers().contains_key("content-security-policy"));
    }
}
