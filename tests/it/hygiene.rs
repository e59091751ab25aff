//! Security hygiene: sessions end when credentials change, tokens stay out of URLs, sign-up
//! does not tell who has an account, stored text is free of control characters, every answer
//! carries the browser hardening headers, `/metrics` is private, and admin changes are
//! audited. Each test is named after what was broken.

use reqwest::Method;
use serde_json::json;

use crate::support::{
    engine_config, http_config, start_demo_server, start_server, start_server_with, PASSWORD, WAIT,
};

// Regression: an admin changing an operator's email left the operator's sessions working, so
// whoever held one kept acting under the old identity.
#[tokio::test]
async fn an_email_change_by_the_admin_ends_the_operators_sessions() {
    let server = start_server().await;
    let company = server.new_company("Mailco").await;
    let operator = server.new_operator(&company, "201", json!({})).await;
    server
        .get("/v1/me", Some(&operator.token))
        .await
        .expect(200);

    let new_email = format!("renamed@{}.example", company.key);
    server
        .put(
            "/v1/operators/201",
            Some(&company.admin),
            json!({ "email": new_email }),
        )
        .await
        .expect(200);

    server
        .get("/v1/me", Some(&operator.token))
        .await
        .expect_error(401, "unauthorized");
    server.get("/v1/me", Some(&company.admin)).await.expect(200);
    // The new email signs in; the old one no longer does.
    server.login(&new_email, PASSWORD).await;
    server
        .post(
            "/v1/login",
            None,
            json!({ "email": operator.email, "password": PASSWORD }),
        )
        .await
        .expect_error(401, "bad_credentials");

    // A change that keeps the email (a new name) ends nothing.
    let token = server.login(&new_email, PASSWORD).await;
    server
        .put(
            "/v1/operators/201",
            Some(&company.admin),
            json!({ "email": new_email, "name": "Renamed" }),
        )
        .await
        .expect(200);
    server.get("/v1/me", Some(&token)).await.expect(200);
}

// Regression: `?token=` worked on every endpoint (`PUT /v1/company?token=...` changed the
// company), putting session tokens in URLs where only the event streams need them.
#[tokio::test]
async fn a_query_token_is_refused_outside_event_streams() {
    let server = start_server().await;
    let company = server.new_company("Querytok").await;
    let token = &company.admin;

    let reply = server
        .put(
            &format!("/v1/company?token={token}"),
            None,
            json!({ "name": "Hijacked" }),
        )
        .await;
    let message = reply.expect_error(400, "token_in_query");
    assert!(message.contains("Authorization"), "{message}");
    server
        .get(&format!("/v1/company?token={token}"), None)
        .await
        .expect_error(400, "token_in_query");
    let name = server.get("/v1/company", Some(token)).await.expect(200)["name"].clone();
    assert_eq!(name, "Querytok", "the refused change did not happen");

    // The event streams still take it, as EventSource needs.
    let response = server
        .client
        .get(server.url(&format!("/v1/me/events?token={token}")))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let chat = server
        .start_chat(&company.key, json!({ "name": "Vera" }))
        .await;
    // `chat_events` sends `?token=` and asserts a 200 event stream.
    server.chat_events(chat.id, &chat.token, None).await;
}

// Regression: sign-up with a taken email answered 409 `email_taken`, "x already has an
// account", telling anyone which addresses are customers.
#[tokio::test]
async fn sign_up_does_not_say_whether_an_email_has_an_account() {
    let server = start_server().await;
    let company = server.new_company("Known").await;
    let taken = server
        .post(
            "/v1/signup",
            None,
            json!({ "company": "Probe", "email": company.email, "password": PASSWORD }),
        )
        .await;
    assert_eq!(taken.status, 409, "{}", taken.text);
    assert_eq!(taken.body["code"], "signup_refused");
    let message = taken.body["message"].as_str().expect("a message");
    assert!(
        !message.contains(&company.email) && !message.contains("already has"),
        "the refusal names no account: {message}"
    );
    // No other refusal of the same request tells more: the same code and words in any case.
    let upper = server
        .post(
            "/v1/signup",
            None,
            json!({ "company": "Probe", "email": company.email.to_uppercase(), "password": "another password" }),
        )
        .await;
    assert_eq!(upper.status, 409);
    assert_eq!(upper.body, taken.body);
    // A free address still signs up at once.
    server
        .signup("Fresh", "someone@fresh.example", PASSWORD)
        .await;
}

// Regression: names and texts were stored with their control characters (an ANSI escape in a
// visitor's name cleared the operator's terminal wherever a client forgot to strip it; a NUL
// cut C strings short), and `javascript:` page URLs were stored to be shown as links.
#[tokio::test]
async fn control_characters_never_reach_storage_and_page_urls_are_web_urls() {
    let server = start_server().await;
    let company = server.new_company("Cleanco").await;
    let admin = company.admin.as_str();
    let operator = server.new_operator(&company, "301", json!({})).await;

    // Panel settings: names lose every control character, texts keep line breaks and tabs.
    let saved = server
        .put(
            "/v1/company",
            Some(admin),
            json!({
                "name": "Clean\u{1b}[2Jco\u{0}",
                "address": { "street": "1 Main St\r\nBack\u{7}", "city": "Dub\u{1b}[1mlin" }
            }),
        )
        .await
        .expect(200);
    assert_eq!(saved["name"], "Cleanco");
    assert_eq!(saved["address"]["street"], "1 Main St  Back");
    assert_eq!(saved["address"]["city"], "Dublin");
    let window = server
        .chat_window(
            admin,
            json!({ "welcome_message": "Hi!\n\tAsk us\u{1b}]0;pwned\u{7}", "tracking": true }),
        )
        .await;
    assert_eq!(window["welcome_message"], "Hi!\n\tAsk us");
    let department = server
        .post(
            "/v1/departments",
            Some(admin),
            json!({ "name": "Sa\u{1b}[31mles\n" }),
        )
        .await
        .expect(201);
    assert_eq!(department["name"], "Sales");
    let canned = server
        .post(
            "/v1/canned-responses",
            Some(admin),
            json!({ "shortcut": "hi", "text": "Hello\u{0}!\nHow can I help?" }),
        )
        .await
        .expect(201);
    assert_eq!(canned["text"], "Hello!\nHow can I help?");
    let renamed = server
        .put(
            "/v1/operators/301",
            Some(admin),
            json!({ "name": "Op\u{9b}2Jerator\u{7f}" }),
        )
        .await
        .expect(200);
    assert_eq!(renamed["name"], "Operator");

    // The visitor side: a chat's name and messages, an offline message, a page view.
    let mut events = server.go_online(&operator).await;
    let chat = server
        .start_chat(
            &company.key,
            json!({ "name": "\u{1b}[2J\u{1b}[HEve\u{0}", "page_url": "https://shop.example/p" }),
        )
        .await;
    let offer = events.wait_for_offer(chat.id).await;
    assert_eq!(offer["name"], "Eve");
    server.accept(chat.id, &operator.token).await.expect(200);
    server
        .send(
            chat.id,
            &chat.token,
            "line one\nline\ttwo\u{1b}[1A\u{1b}[2K\u{0}",
            "m1",
        )
        .await;
    let transcript = server.transcript(chat.id, &operator.token).await;
    let texts: Vec<&str> = transcript
        .iter()
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert_eq!(texts, ["line one\nline\ttwo"]);
    server
        .post(
            &format!("/v1/visitor/{}/offline-messages", company.key),
            None,
            json!({ "name": "Ola\u{1b}[5m", "email": "ola@example.com", "message": "Call\u{0} me\nplease" }),
        )
        .await
        .expect(201);
    let inbox = server
        .get("/v1/offline-messages", Some(admin))
        .await
        .expect(200);
    assert_eq!(inbox[0]["name"], "Ola");
    assert_eq!(inbox[0]["message"], "Call me\nplease");

    // Page URLs: only absolute http(s) URLs; a foreign referrer is dropped, not the view.
    let views = format!("/v1/visitor/{}/page-views", company.key);
    for bad in [
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "/relative",
    ] {
        server
            .post(&views, None, json!({ "url": bad }))
            .await
            .expect_error(400, "invalid_url");
        server
            .post(
                &format!("/v1/visitor/{}/chats", company.key),
                None,
                json!({ "name": "Mallory", "page_url": bad }),
            )
            .await
            .expect_error(400, "invalid_page_url");
    }
    // The list learns of a page view through the visitor's actor: wait for the operators'
    // event rather than reading the list before it arrives.
    let mut events = server.operator_events(admin).await;
    let seen = server
        .post(
            &views,
            None,
            json!({ "url": "https://shop.example/mugs", "title": "Mugs\u{1b}[2J\u{0}", "referrer": "android-app://com.example/" }),
        )
        .await
        .expect(200);
    let visitor = seen["visitor_id"].as_u64().expect("a visitor id");
    events
        .wait_for_where("visitor", |d| d["visitor"]["id"] == visitor, WAIT)
        .await;
    let visitors = server.get("/v1/visitors", Some(admin)).await.expect(200);
    let me = visitors
        .as_array()
        .expect("a list")
        .iter()
        .find(|v| v["id"] == visitor)
        .expect("the visitor is listed");
    assert_eq!(me["title"], "Mugs");
    assert_eq!(me["referrer"], "");
}

// Regression: answers carried no `X-Content-Type-Options` nor any framing policy, so a
// browser could sniff an upload into HTML and any site could frame the chat window or the
// API's answers (clickjacking).
#[tokio::test]
async fn every_answer_forbids_sniffing_and_framing() {
    let server = start_demo_server().await;
    let paths = [
        "/healthz",
        "/openapi.json",
        "/static/track.js",
        "/chat/en/abcdef0123456789/https://shop.example/",
        "/demo",
        "/v1/company",
        "/no/such/path",
        "/button/abcdef0123456789/en/default",
    ];
    for path in paths {
        let response = server
            .client
            .get(server.url(path))
            .send()
            .await
            .expect("the server answers");
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
    // The CORS preflight of the visitor API too.
    let preflight = server
        .client
        .request(
            Method::OPTIONS,
            server.url("/v1/visitor/abcdef0123456789/chats"),
        )
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("the server answers");
    assert_eq!(preflight.headers()["x-content-type-options"], "nosniff");
}

// Regression: `/metrics` answered anyone, including through a reverse proxy on the same host.
#[tokio::test]
async fn metrics_answer_only_loopback_or_the_metrics_token() {
    let http = switchboard_http::Config {
        metrics_token: Some("scrape-me-please".into()),
        ..http_config()
    };
    let server = start_server_with(engine_config(), http).await;
    let get = |proxied: bool, token: Option<&str>| {
        let mut request = server.client.get(server.url("/metrics"));
        if proxied {
            request = request.header("x-forwarded-for", "203.0.113.9");
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let local = get(false, None).await.expect("the server answers");
    assert_eq!(local.status(), 200, "loopback reads the metrics");
    let proxied = get(true, None).await.expect("the server answers");
    assert_eq!(proxied.status(), 403, "a relayed request is not local");
    let body: serde_json::Value = proxied.json().await.expect("a JSON error");
    assert_eq!(body["code"], "metrics_forbidden");
    assert_eq!(
        get(true, Some("wrong")).await.expect("answers").status(),
        403
    );
    let with_token = get(true, Some("scrape-me-please")).await.expect("answers");
    assert_eq!(with_token.status(), 200);
    assert!(with_token
        .text()
        .await
        .expect("text")
        .contains("switchboard_chats_started_total"));
}

// Regression: nothing recorded who changed a company's settings, operators, departments or
// canned responses: an admin's change could not be traced to anyone.
#[tokio::test]
async fn admin_changes_are_in_the_audit_log_for_that_companys_admins_only() {
    let server = start_server().await;
    let company = server.new_company("Auditco").await;
    let admin = company.admin.clone();
    let operator = server.new_operator(&company, "401", json!({})).await;
    server
        .put(
            "/v1/company",
            Some(&admin),
            json!({ "name": "Auditco Ltd" }),
        )
        .await
        .expect(200);
    server
        .chat_window(&admin, json!({ "offer_timeout_secs": 30 }))
        .await;
    let department = server
        .post("/v1/departments", Some(&admin), json!({ "name": "Sales" }))
        .await
        .expect(201);
    server
        .put(
            "/v1/operators/401",
            Some(&admin),
            json!({ "password": "a brand new password" }),
        )
        .await
        .expect(200);
    // Neither an operator's own status, a refused change nor a read is an admin change.
    let operator = server.login(&operator.email, "a brand new password").await;
    server.set_status(&operator, "away").await;
    server
        .put("/v1/company", Some(&operator), json!({ "name": "Mine" }))
        .await
        .expect_error(403, "forbidden");
    server.get("/v1/company", Some(&admin)).await.expect(200);

    let log = server.get("/v1/audit-log", Some(&admin)).await.expect(200);
    let entries = log["entries"].as_array().expect("entries");
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["target"].as_str().unwrap()))
        .collect();
    let department_id = department["id"].to_string();
    assert_eq!(
        actions,
        [
            ("operator.updated", "401"),
            ("department.created", department_id.as_str()),
            ("chat_window.updated", ""),
            ("company.updated", ""),
            ("operator.created", "401"),
        ],
        "newest first"
    );
    assert!(entries.iter().all(|e| e["actor"] == company.email.as_str()));
    assert_eq!(
        entries[0]["fields"],
        json!(["password"]),
        "names, never values"
    );
    assert!(!log.to_string().contains("a brand new password"));
    assert_eq!(entries[3]["fields"], json!(["name"]));
    assert!(entries[0]["at"].as_u64().unwrap() >= entries[4]["at"].as_u64().unwrap());
    assert_eq!(log["next"], serde_json::Value::Null);

    // Pages: `next` resumes after the last entry of the page.
    let page = server
        .get("/v1/audit-log?limit=2", Some(&admin))
        .await
        .expect(200);
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    let next = page["next"].as_str().expect("a next page");
    let rest = server
        .get(&format!("/v1/audit-log?limit=2&after={next}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(rest["entries"][0]["action"], "chat_window.updated");
    server
        .get("/v1/audit-log?limit=0", Some(&admin))
        .await
        .expect_error(400, "invalid_limit");
    server
        .get("/v1/audit-log?after=yesterday", Some(&admin))
        .await
        .expect_error(400, "invalid_after");

    // Operators may not read it; another company's admin sees only their own (none).
    server
        .get("/v1/audit-log", Some(&operator))
        .await
        .expect_error(403, "forbidden");
    let other = server.new_company("Otherco").await;
    let theirs = server
        .get("/v1/audit-log", Some(&other.admin))
        .await
        .expect(200);
    assert_eq!(theirs["entries"], json!([]));

    // Stored durably: a restart keeps every entry.
    let server = server.restart().await;
    let admin = server.login(&company.email, PASSWORD).await;
    let after = server.get("/v1/audit-log", Some(&admin)).await.expect(200);
    assert_eq!(after["entries"].as_array().unwrap().len(), 5);
}

/// Everything `tracing` writes in this test binary, for the access-log test.
static LOGGED: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

/// Writes log lines into [`LOGGED`].
struct Capture;

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGGED
            .lock()
            .expect("no test panics holding it")
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber once for the whole binary.
fn capture_logs() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(|| Capture)
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other test installs a global subscriber");
    });
}

// Regression: requests left no trace (no access log at all), and a log that printed request
// lines as they came would have kept every `?token=` session token in clear.
#[tokio::test]
async fn the_access_log_has_every_request_and_no_token() {
    capture_logs();
    let server = start_server().await;
    let company = server.new_company("Logco").await;
    let token = company.admin.as_str();
    let stream = server
        .client
        .get(server.url(&format!("/v1/me/events?token={token}&last_event_id=0")))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(stream.status(), 200);
    server
        .put(
            &format!("/v1/company?token={token}"),
            None,
            json!({ "name": "x" }),
        )
        .await
        .expect_error(400, "token_in_query");
    server.get("/healthz", None).await.expect(200);

    let logged = String::from_utf8(LOGGED.lock().unwrap().clone()).expect("UTF-8 log");
    assert!(!logged.contains(token), "a token reached the log");
    let line = |needle: &str| {
        logged
            .lines()
            .find(|l| l.contains("switchboard::access") && l.contains(needle))
            .unwrap_or_else(|| panic!("no access line with {needle}:\n{logged}"))
            .to_string()
    };
    let events = line("path=/v1/me/events?token=[redacted]&last_event_id=0");
    assert!(events.contains("method=GET"), "{events}");
    assert!(events.contains("status=200"), "{events}");
    assert!(events.contains("duration_ms="), "{events}");
    assert!(
        events.contains("company="),
        "the token named the company: {events}"
    );
    let refused = line("path=/v1/company?token=[redacted]");
    assert!(
        refused.contains("method=PUT") && refused.contains("status=400"),
        "{refused}"
    );
    let health = line("path=/healthz");
    assert!(health.contains("status=200"), "{health}");
    assert!(
        !health.contains("company="),
        "no token, no company: {health}"
    );
}
