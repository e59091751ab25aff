//! The chat window: its page at the chat URL, its static assets, its settings for the page's
//! script (and the tracking script's invitation), and the demo shop page.
//!
//! The page is rendered by `pages`; this file gathers what it shows. Both the page and
//! `GET /v1/visitor/{key}/window` carry the same [`WindowSettings`], so the script reads one
//! shape whichever way it got it.

use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_SECURITY_POLICY,
};
use hyper::{Request, StatusCode};
use switchboard_engine::engine::{TenantView, MAX_MESSAGE_CHARS};
use switchboard_engine::model::{Department, Tenant};
use switchboard_engine::Error;

use super::{json, pages, query_param, respond, Reply};
use crate::api::{self, LanguageChoice, WindowSettings};
use crate::chat_url;
use crate::error::ApiError;
use crate::i18n;
use crate::server::App;

/// How long browsers and proxies may keep an asset: short, so a deploy shows within minutes
/// even though the file names carry no version.
const ASSET_CACHE: &str = "public, max-age=300";

/// The files under `/static/`: name, content type, bytes. The page templates (`chat.html`,
/// `demo.html`) are not here: they are filled in by `pages`, never served raw.
const ASSETS: [(&str, &str, &str); 3] = [
    (
        "chat.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/chat.js"),
    ),
    (
        "chat.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/chat.css"),
    ),
    (
        "demo.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/demo.css"),
    ),
];

/// The [`WindowSettings`] of `tenant` in the language `requested` (when supported), for a
/// server running alone (`servers` empty; [`settings_from_view`] adds the cluster's nodes).
pub fn window_settings(
    tenant: &Tenant,
    departments: &[Department],
    online: bool,
    requested: Option<&str>,
) -> WindowSettings {
    let window = &tenant.window;
    let lang = resolve_lang(requested, &window.language);
    let or_default = |custom: &str, id: &str| {
        if custom.trim().is_empty() {
            i18n::text(lang, id, &[])
        } else {
            custom.to_string()
        }
    };
    let mut departments: Vec<api::Department> = if departments.len() >= 2 {
        departments
            .iter()
            .map(|d| api::Department {
                id: d.id,
                name: d.name.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    departments.sort_by_key(|d| d.id);
    let key = tenant.company.key.clone();
    WindowSettings {
        company: tenant.company.name.clone(),
        lang: lang.to_string(),
        dir: api::languages::direction(lang),
        texts: i18n::texts(lang),
        welcome_screen: window.welcome_screen,
        welcome_message: or_default(&window.welcome_message, "welcome-default-message"),
        name_field: field(window.name_field),
        email_field: field(window.email_field),
        departments,
        offline_message: or_default(&window.offline_message, "offline-default-message"),
        offline_thanks: or_default(&window.offline_thanks, "offline-default-thanks"),
        online,
        invitation_delay_secs: window.invitation_delay.map(|d| d.as_secs() as u32),
        tracking: window.tracking,
        header_url: format!("/graphics/{key}/header"),
        sidebar_url: format!("/graphics/{key}/sidebar"),
        max_message_chars: MAX_MESSAGE_CHARS,
        max_offline_chars: super::visitor::MAX_OFFLINE_CHARS,
        languages: api::languages::LANGUAGES
            .iter()
            .map(|l| LanguageChoice {
                code: l.code.to_string(),
                name: l.name.to_string(),
                dir: l.dir,
            })
            .collect(),
        servers: Vec::new(),
        key,
    }
}

/// The settings from a company's read model, with the live nodes when `app` is in a cluster.
fn settings_from_view(app: &App, view: &TenantView, requested: Option<&str>) -> WindowSettings {
    WindowSettings {
        servers: servers(app.peers().map(|p| p.report().addresses)),
        ..window_settings(&view.tenant, &view.departments, view.online, requested)
    }
}

/// The window's [`WindowSettings::servers`] from the live nodes' advertised addresses (none
/// when the server runs alone): each as an origin the window can prefix paths with and the
/// page's policy can name, so anything else (a path, a quote, a `;`) is left out.
fn servers(addresses: Option<Vec<String>>) -> Vec<String> {
    let mut servers: Vec<String> = Vec::new();
    for address in addresses.iter().flatten() {
        let address = address.trim_end_matches('/');
        if is_origin(address) && !servers.iter().any(|s| s == address) {
            servers.push(address.to_owned());
        }
    }
    servers
}

/// Whether `url` is `http://` or `https://` and a host with an optional port, nothing more.
fn is_origin(url: &str) -> bool {
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    host.is_some_and(|h| {
        !h.is_empty()
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    })
}

/// The window's content security policy with `servers` added to `connect-src`, so its calls
/// may go to the other nodes; unchanged when there are none.
fn connect_to(policy: &str, servers: &[String]) -> String {
    if servers.is_empty() {
        return policy.to_owned();
    }
    let extra = servers.join(" ");
    policy
        .split(';')
        .map(|directive| {
            let directive = directive.trim();
            if directive.starts_with("connect-src ") {
                format!("{directive} {extra}")
            } else {
                directive.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn field(f: switchboard_engine::model::Field) -> api::FormField {
    api::FormField {
        enabled: f.enabled,
        // A hidden field cannot be required: the visitor could never fill it in.
        required: f.enabled && f.required,
    }
}

/// The window's language: `requested` when the window speaks it (any case), else the
/// company's default, else English (a default saved before a language was dropped).
pub fn resolve_lang<'a>(requested: Option<&str>, company_default: &'a str) -> &'a str {
    let find = |code: &str| {
        let code = code.trim().to_ascii_lowercase();
        crate::api::languages::CODES
            .iter()
            .copied()
            .find(|l| *l == code)
    };
    requested
        .and_then(find)
        .or_else(|| find(company_default))
        .unwrap_or(i18n::FALLBACK)
}

/// `GET /chat/{lang}/{key}[,vars]/{page URL}`: the chat window page, or an HTML error page
/// (a browser shows it in the popup, so it is a page, not JSON).
pub async fn chat_window(app: &Arc<App>, req: &Request<Incoming>) -> Reply {
    let url = match chat_url::parse(req.uri().path(), req.uri().query()) {
        Ok(url) => url,
        Err(e) => return pages::bad_link(&e),
    };
    let tenant = match app.engine.tenant_by_key(&url.key) {
        Ok(tenant) => tenant,
        Err(Error::NotFound(_)) => return pages::unknown_company(),
        Err(e) => return Err(e.into()),
    };
    let snapshot = app.engine.view(tenant)?;
    let settings = settings_from_view(app, &snapshot, Some(&url.lang));
    let mut page = pages::chat_page(&settings, &url)?;
    let policy = page
        .headers()
        .get(CONTENT_SECURITY_POLICY)
        .and_then(|p| p.to_str().ok())
        .map(|p| connect_to(p, &settings.servers));
    if let Some(policy) = policy.and_then(|p| HeaderValue::from_str(&p).ok()) {
        page.headers_mut().insert(CONTENT_SECURITY_POLICY, policy);
    }
    Ok(page)
}

/// `GET /static/{file}`: the window's script and styles.
pub fn asset(file: &str) -> Reply {
    let (_, content_type, body) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or_else(|| ApiError::not_found("static file"))?;
    let mut response = respond(
        StatusCode::OK,
        content_type,
        Bytes::from_static(body.as_bytes()),
    );
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(ASSET_CACHE));
    Ok(response)
}

/// `GET /demo`: a small shop page with the chat button and the tracking script; 404 unless
/// the server was started with `--demo`.
pub async fn demo(app: &Arc<App>) -> Reply {
    use switchboard_engine::demo::KEY;
    match app.engine.tenant_by_key(KEY) {
        Ok(_) => {}
        Err(Error::NotFound(_)) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "demo_not_found",
                "the demo company does not exist; start the server with --demo",
            ))
        }
        Err(e) => return Err(e.into()),
    }
    pages::demo_page(
        &super::buttons::button_html(&app.base_url, KEY, "en", api::ButtonStyle::Standard),
        &super::tracking::snippet(&app.base_url, KEY, "en"),
    )
}

/// `GET /v1/visitor/{key}/window?lang=`: [`WindowSettings`] as JSON. Any origin may read it:
/// the tracking script fetches it from the company's own site for the invitation's texts, and
/// it holds nothing the chat window does not show anyway.
pub async fn settings(app: &Arc<App>, req: Request<Incoming>, key: &str) -> Reply {
    let tenant = app.engine.tenant_by_key(key)?;
    let requested = query_param(&req, "lang");
    let snapshot = app.engine.view(tenant)?;
    let mut response = json(
        StatusCode::OK,
        &settings_from_view(app, &snapshot, requested.as_deref()),
    )?;
    response
        .headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(response)
}

#[cfg(test)]
pub(super) mod tests {
    use std::time::Duration;

    use switchboard_engine::model::{ChatWindow, Company, Field};

    use super::*;

    pub(crate) fn tenant(window: ChatWindow) -> Tenant {
        Tenant {
            company: Company {
                id: 1,
                key: "abcdef0123456789".into(),
                name: "Shop & Co".into(),
                address: Default::default(),
                country: "IE".into(),
                currency: "EUR".into(),
                vat_number: String::new(),
                time_zone: "Europe/Dublin".into(),
                created_at: 0,
            },
            window,
        }
    }

    fn departments(names: &[&str]) -> Vec<Department> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| Department {
                id: 10 - i as u64,
                name: n.to_string(),
            })
            .collect()
    }

    #[test]
    fn language_resolution() {
        let cases = [
            (Some("de"), "en", "de"),
            (Some("DE"), "en", "de"),
            (Some("xx"), "fr", "fr"),
            (None, "ja", "ja"),
            (Some(""), "ar", "ar"),
            (Some("xx"), "zz", "en"),
            (Some("yi"), "en", "yi"),
        ];
        for (requested, default, expected) in cases {
            assert_eq!(resolve_lang(requested, default), expected, "{requested:?}");
        }
    }

    #[test]
    fn defaults_are_translated_and_custom_texts_kept() {
        let s = window_settings(&tenant(ChatWindow::default()), &[], false, Some("de"));
        assert_eq!(s.lang, "de");
        assert_eq!(s.dir.name(), "ltr");
        assert_eq!(
            s.welcome_message,
            i18n::text("de", "welcome-default-message", &[])
        );
        assert_eq!(
            s.offline_thanks,
            i18n::text("de", "offline-default-thanks", &[])
        );
        assert_eq!(s.texts["send"], i18n::text("de", "send", &[]));

        let custom = ChatWindow {
            welcome_message: "Hi <b>there</b>".into(),
            offline_message: "Back soon".into(),
            offline_thanks: "Thanks!".into(),
            ..ChatWindow::default()
        };
        let s = window_settings(&tenant(custom), &[], true, Some("he"));
        assert_eq!(s.dir.name(), "rtl");
        assert_eq!(
            s.welcome_message, "Hi <b>there</b>",
            "escaped by the page, not here"
        );
        assert_eq!(s.offline_message, "Back soon");
        assert_eq!(s.offline_thanks, "Thanks!");
        assert!(s.online);
    }

    #[test]
    fn the_department_list_needs_two_departments() {
        let t = tenant(ChatWindow::default());
        let one = window_settings(&t, &departments(&["Sales"]), false, None);
        assert!(one.departments.is_empty());
        let two = window_settings(&t, &departments(&["Sales", "Support"]), false, None);
        let names: Vec<&str> = two.departments.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["Support", "Sales"], "ordered by id");
    }

    #[test]
    fn a_hidden_field_is_never_required() {
        let window = ChatWindow {
            name_field: Field {
                enabled: false,
                required: true,
            },
            invitation_delay: Some(Duration::from_secs(30)),
            tracking: true,
            ..ChatWindow::default()
        };
        let s = window_settings(&tenant(window), &[], false, None);
        assert!(!s.name_field.required);
        assert!(s.email_field.enabled);
        assert_eq!(s.invitation_delay_secs, Some(30));
        assert!(s.tracking);
        assert_eq!(s.header_url, "/graphics/abcdef0123456789/header");
    }

    #[test]
    fn the_settings_json_has_the_documented_fields() {
        let s = window_settings(&tenant(ChatWindow::default()), &[], false, Some("ja"));
        let value = serde_json::to_value(&s).unwrap();
        for field in [
            "key",
            "company",
            "lang",
            "dir",
            "texts",
            "welcome_screen",
            "welcome_message",
            "name_field",
            "email_field",
            "departments",
            "offline_message",
            "offline_thanks",
            "online",
            "invitation_delay_secs",
            "tracking",
            "header_url",
            "sidebar_url",
            "max_message_chars",
            "max_offline_chars",
            "languages",
            "servers",
        ] {
            assert!(value.get(field).is_some(), "{field} missing");
        }
        assert_eq!(value["texts"]["invitation-accept"], "チャットする");
    }

    #[test]
    fn a_server_running_alone_names_no_servers() {
        let s = window_settings(&tenant(ChatWindow::default()), &[], true, None);
        assert!(s.servers.is_empty());
        assert!(servers(None).is_empty(), "no cluster, no other nodes");
        let policy = "default-src 'none'; connect-src 'self'; base-uri 'none'";
        assert_eq!(connect_to(policy, &[]), policy, "the policy is left alone");
    }

    #[test]
    fn servers_are_the_nodes_origins_and_the_policy_lets_the_window_reach_them() {
        let advertised = [
            "http://10.0.0.1:8080/",
            "https://chat.example",
            "http://10.0.0.1:8080",
            "http://[::1]:8081",
            "http://evil; script-src *",
            "http://host/path",
            "ftp://files.example",
            "http://",
            "",
        ];
        let servers = servers(Some(advertised.iter().map(|a| a.to_string()).collect()));
        assert_eq!(
            servers,
            [
                "http://10.0.0.1:8080",
                "https://chat.example",
                "http://[::1]:8081"
            ],
            "origins only, without a trailing slash, each once, in the advertised order"
        );
        let policy = "default-src 'none'; connect-src 'self'; base-uri 'none'";
        assert_eq!(
            connect_to(policy, &servers),
            "default-src 'none'; connect-src 'self' http://10.0.0.1:8080 https://chat.example \
             http://[::1]:8081; base-uri 'none'"
        );
    }

    #[test]
    fn assets_have_content_types_and_unknown_files_are_404() {
        let js = asset("chat.js").unwrap();
        assert_eq!(
            js.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(js.headers()["cache-control"], ASSET_CACHE);
        let css = asset("chat.css").unwrap();
        assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
        for missing in ["chat.html", "nope.js", "..", ""] {
            let err = asset(missing).unwrap_err();
            assert_eq!(err.status, StatusCode::NOT_FOUND, "{missing}");
        }
    }
}
