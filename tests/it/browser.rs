//! The chat window in a real browser: headless Chromium driven over WebDriver (chromedriver),
//! against a real server with the demo company. Without chromedriver and Chromium the test
//! prints that it was skipped and why, except under CI (`CI` set), where it fails: `.ci/run`
//! installs both.
//!
//! One test runs the scenarios in turn over one browser, so the two cores never carry two
//! browsers at once.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::support::*;

/// The demo company's key (the reference manual's example).
pub const KEY: &str = "abcdef0123456789";

/// chromedriver in a process group of its own, which is killed whole when dropped: a
/// failing test leaves neither chromedriver nor the Chromium it started behind.
struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

/// Starts chromedriver, or says why it cannot.
async fn driver() -> Result<Driver, String> {
    for needed in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
        if !std::path::Path::new(needed).exists() {
            return Err(format!(
                "{needed} is missing (apt-get install chromium chromium-driver)"
            ));
        }
    }
    // Port 0: chromedriver binds a free port itself and says which, so no port is picked
    // and released before it binds.
    let mut child = Command::new("/usr/bin/chromedriver")
        .arg("--port=0")
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("chromedriver does not start: {e}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let port = line
                .strip_prefix("ChromeDriver was started successfully on port ")
                .and_then(|rest| rest.trim_end_matches('.').parse::<u16>().ok());
            if let Some(port) = port {
                let _ = tx.send(port);
            }
        }
    });
    let port = tokio::task::spawn_blocking(move || rx.recv_timeout(WAIT))
        .await
        .map_err(|e| format!("the waiting thread failed: {e}"))?;
    match port {
        Ok(port) => Ok(Driver(child, port)),
        Err(_) => {
            // Dropping a Driver kills its process group.
            drop(Driver(child, 0));
            Err("chromedriver did not say which port it listens on".into())
        }
    }
}

/// A headless Chromium session, started as this machine allows (no sandbox as root, no
/// background networking on a closed network).
async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1024,768"
            ]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.1))
        .await
        .expect("a Chromium session starts")
}

/// A Chrome DevTools command sent through chromedriver (`goog/cdp/execute`): WebDriver cannot
/// make a headless window narrower than 500 pixels, DevTools can emulate any viewport.
#[derive(Debug)]
pub struct DevTools {
    /// The DevTools method, e.g. `Emulation.setDeviceMetricsOverride`.
    pub cmd: &'static str,
    /// Its parameters.
    pub params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/goog/cdp/execute"))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// Sends a DevTools command to the current tab and returns its answer.
pub async fn devtools(browser: &Client, cmd: &'static str, params: Value) -> Value {
    browser
        .issue_cmd(DevTools { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("DevTools {cmd}: {e}"))
}

/// Waits until the JavaScript expression `condition` is true in the page.
pub async fn until(browser: &Client, condition: &str, what: &str) {
    until_within(browser, condition, what, WAIT).await
}

/// Waits until `condition` is true in the page, for up to `limit`.
pub async fn until_within(browser: &Client, condition: &str, what: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    let script = format!("return !!({condition});");
    loop {
        if browser.execute(&script, vec![]).await.ok() == Some(Value::Bool(true)) {
            return;
        }
        if Instant::now() > deadline {
            let state = browser
                .execute(
                    "return document.body ? document.body.innerText : ''",
                    vec![],
                )
                .await
                .unwrap_or_default();
            panic!("the browser never showed {what}; the page says: {state}");
        }
        // The page changes on its own (events, timers): look again shortly.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether the expression becomes true within `within` (for things that must not happen).
async fn becomes(browser: &Client, condition: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let script = format!("return !!({condition});");
    while Instant::now() < deadline {
        if browser.execute(&script, vec![]).await.ok() == Some(Value::Bool(true)) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn type_into(browser: &Client, css: &str, text: &str) {
    let field = browser
        .find(Locator::Css(css))
        .await
        .expect("the field is there");
    field.send_keys(text).await.expect("typing works");
}

async fn click(browser: &Client, css: &str) {
    let element = browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    element
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_window_works_in_a_real_browser() {
    let driver = match driver().await {
        Ok(driver) => driver,
        // CI always has a browser: there, a missing one is a failure, not a skip.
        Err(why) if std::env::var_os("CI").is_some() => panic!("no browser in CI: {why}"),
        Err(why) => {
            // Straight to stderr, past the test harness's capture, so the skip is seen.
            let _ = writeln!(std::io::stderr(), "browser test skipped: {why}");
            return;
        }
    };
    let server = start_demo_server().await;
    let admin = server.login("admin@demo.example", "demo-admin").await;
    let bob = server.login("bob@demo.example", "demo-10002").await;
    let browser = browser(&driver).await;

    chat_from_the_demo_shop(&server, &browser, &bob).await;
    offline_form_after_the_connection_timeout(&server, &browser, &admin).await;
    invitation_and_no_thanks(&server, &browser, &admin).await;
    the_button_follows_availability_events(&server, &browser).await;
    the_chat_button_follows_presence_live(&server, &browser, &bob).await;
    arabic_is_right_to_left(&server, &browser).await;
    a_nameless_visitor_is_a_guest_in_their_language(&server, &browser, &admin).await;
    crate::window_layout::every_screen_fits_in_every_language(&server, &browser).await;
    crate::window_servers::the_window_moves_to_another_server_when_its_own_dies(&browser).await;

    browser.close().await.expect("the session closes");
}

/// `/demo` -> the chat button -> the welcome form -> an operator over the API -> messages.
async fn chat_from_the_demo_shop(server: &Server, browser: &Client, bob: &str) {
    let mut bob_events = server.operator_events(bob).await;
    server.set_status(bob, "online").await;

    browser
        .goto(&server.url("/demo"))
        .await
        .expect("the demo page opens");
    open_popup(browser).await;
    until(
        browser,
        "document.querySelector('#welcome-form')",
        "the welcome form",
    )
    .await;
    type_into(browser, "#name", "Browser Visitor").await;
    click(browser, "#start").await;

    let offer = bob_events
        .wait_for_where("offer", |d| d["name"] == "Browser Visitor", WAIT)
        .await
        .0;
    let chat = offer["chat_id"].as_u64().expect("the offer names the chat");
    assert_eq!(
        offer["page_url"],
        server.url("/demo"),
        "the page URL travels with the chat"
    );
    server.accept(chat, bob).await.expect(200);
    until(
        browser,
        "document.querySelector('#app').dataset.state === 'chatting'",
        "the chat",
    )
    .await;

    type_into(browser, "#input", "Hello from the browser\u{E007}").await; // \u{E007} = Enter
    let (message, _) = bob_events
        .wait_for_where("message", |d| d["chat_id"] == chat, WAIT)
        .await;
    assert_eq!(message["text"], "Hello from the browser");
    assert_eq!(message["author"], "visitor");

    server
        .send(chat, bob, "<b>Hi!</b> How can I help?", "bob-1")
        .await;
    until(
        browser,
        "[...document.querySelectorAll('[data-author=operator]')].some(m => m.textContent.includes('<b>Hi!</b> How can I help?'))",
        "the operator's reply, as text",
    )
    .await;
    let bold = browser
        .execute(
            "return document.querySelectorAll('#messages b').length",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(
        bold,
        json!(0),
        "an operator's markup is shown as text, never as HTML"
    );

    // Regression: closing the popup and clicking the button again showed an empty welcome
    // form while the chat stayed open on the server. The new window goes back to the chat.
    close_popup(browser).await;
    open_popup(browser).await;
    until(
        browser,
        "document.querySelector('#app').dataset.state === 'chatting'",
        "the open chat in the reopened window",
    )
    .await;
    until(
        browser,
        "[...document.querySelectorAll('[data-author=visitor]')].some(m => m.textContent.includes('Hello from the browser')) \
         && [...document.querySelectorAll('[data-author=operator]')].some(m => m.textContent.includes('How can I help?'))",
        "the transcript rebuilt in the reopened window",
    )
    .await;
    server.send(chat, bob, "Still here?", "bob-2").await;
    until(
        browser,
        "[...document.querySelectorAll('[data-author=operator]')].some(m => m.textContent.includes('Still here?'))",
        "a reply reaching the reopened window",
    )
    .await;
    let repeats = browser
        .execute(
            "return document.querySelectorAll('#messages [data-author]').length",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(
        repeats,
        json!(4),
        "joined, two replies and the visitor's message, each once"
    );

    replies_are_noticed_in_the_background(server, browser, chat, bob).await;
    a_long_paste_is_counted_not_cut(browser).await;
    told_of_transfers_and_lost_operators(server, browser, chat, bob, &mut bob_events).await;

    let closed = server
        .call(
            reqwest::Method::POST,
            &format!("/v1/chats/{chat}/close"),
            Some(bob),
            None,
        )
        .await
        .expect(200);
    assert_eq!(closed["state"], "closed");
    until(
        browser,
        "document.querySelector('#app').dataset.state === 'closed'",
        "the chat closing",
    )
    .await;
    // An ended chat is not kept: the next window starts afresh.
    close_popup(browser).await;
    open_popup(browser).await;
    until(
        browser,
        "document.querySelector('#app').dataset.state === 'welcome'",
        "the welcome form after the chat ended",
    )
    .await;

    // A kept chat the server does not know (a wiped server, a stale token) is dropped too.
    browser
        .execute(
            "localStorage.setItem('switchboard.chat.' + arguments[0], JSON.stringify({id: 987654, token: 'stale', last: 3})); location.reload();",
            vec![json!(KEY)],
        )
        .await
        .expect("the page answers");
    until(
        browser,
        "document.querySelector('#app').dataset.state === 'welcome' && !localStorage.getItem('switchboard.chat.' + JSON.parse(document.querySelector('#boot').textContent).settings.key)",
        "the welcome form instead of an unknown chat",
    )
    .await;
    close_popup(browser).await;
    server.set_status(bob, "offline").await;
}

/// Makes the page believe it is in the background, and counts the notes the window plays
/// (every chime makes an oscillator).
const IN_THE_BACKGROUND: &str = "
    if (!window.chimes) {
        window.chimes = 0;
        const make = BaseAudioContext.prototype.createOscillator;
        BaseAudioContext.prototype.createOscillator = function () {
            window.chimes += 1;
            return make.apply(this, arguments);
        };
    }
    document.hasFocus = () => false;
    window.dispatchEvent(new Event('blur'));";

/// The visitor looks at the window again.
const IN_FRONT: &str = "delete document.hasFocus; window.dispatchEvent(new Event('focus'));";

/// Regression: an operator's reply to a window in the background went unnoticed. Now the
/// title flashes and a short sound plays, until the visitor looks; the sound can be muted, and
/// stays muted in the next window.
async fn replies_are_noticed_in_the_background(
    server: &Server,
    browser: &Client,
    chat: u64,
    bob: &str,
) {
    let title = browser.title().await.expect("the page has a title");
    browser
        .execute(IN_THE_BACKGROUND, vec![])
        .await
        .expect("the page answers");
    server.send(chat, bob, "Are you there?", "bob-3").await;
    until(
        browser,
        "document.querySelector('#app').dataset.unseen === '1' && window.chimes === 1",
        "a reply noticed in the background",
    )
    .await;
    until(
        browser,
        "document.title === '(1) New message'",
        "the title flashing",
    )
    .await;
    browser
        .execute(IN_FRONT, vec![])
        .await
        .expect("the page answers");
    until(
        browser,
        &format!(
            "document.querySelector('#app').dataset.unseen === '0' && document.title === {}",
            json!(title)
        ),
        "the title back once the visitor looks",
    )
    .await;

    click(browser, "#sound").await;
    until(
        browser,
        "document.querySelector('#sound').getAttribute('aria-pressed') === 'false'",
        "the sound off",
    )
    .await;
    browser
        .execute(IN_THE_BACKGROUND, vec![])
        .await
        .expect("the page answers");
    server.send(chat, bob, "Hello?", "bob-4").await;
    until(
        browser,
        "document.querySelector('#app').dataset.unseen === '1'",
        "a muted reply noticed",
    )
    .await;
    let chimes = browser
        .execute("return window.chimes", vec![])
        .await
        .expect("the page answers");
    assert_eq!(chimes, json!(1), "a muted window plays nothing");
    browser
        .execute(IN_FRONT, vec![])
        .await
        .expect("the page answers");
    browser.refresh().await.expect("the window reloads");
    until(
        browser,
        "document.querySelector('#app').dataset.state === 'chatting' \
         && document.querySelector('#sound').getAttribute('aria-pressed') === 'false'",
        "the sound still off after a reload",
    )
    .await;
    let replayed = browser
        .execute(
            "return document.querySelector('#app').dataset.unseen || '0'",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(replayed, json!("0"), "a rebuilt transcript is not news");
    click(browser, "#sound").await;
}

/// Regression: a paste past the 4000-character limit was cut short without a word. It stays
/// whole, a counter says it is too long, and nothing is sent until it fits.
async fn a_long_paste_is_counted_not_cut(browser: &Client) {
    browser
        .execute(
            "const input = document.querySelector('#input'); input.focus(); \
             document.execCommand('insertText', false, 'ü'.repeat(4001));",
            vec![],
        )
        .await
        .expect("the page answers");
    until(
        browser,
        "[...document.querySelector('#input').value].length === 4001 \
         && !document.querySelector('#input-count').hidden \
         && document.querySelector('#input-count').textContent === 'Message too long: 4001/4000'",
        "the whole paste and the counter saying it is too long",
    )
    .await;
    let before = browser
        .execute(
            "return document.querySelectorAll('[data-author=visitor]').length",
            vec![],
        )
        .await
        .expect("the page answers");
    type_into(browser, "#input", "\u{E007}").await;
    let after = browser
        .execute(
            "return [document.querySelectorAll('[data-author=visitor]').length, [...document.querySelector('#input').value].length]",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(
        after,
        json!([before, 4001]),
        "a message too long is not sent"
    );
    type_into(browser, "#input", "\u{E003}").await; // Backspace
    until(
        browser,
        "document.querySelector('#input-count').textContent === '4000/4000' \
         && document.querySelector('#input').getAttribute('aria-invalid') === 'false'",
        "the counter once the text fits",
    )
    .await;
    browser
        .execute(
            "const input = document.querySelector('#input'); input.value = ''; \
             input.dispatchEvent(new Event('input'));",
            vec![],
        )
        .await
        .expect("the page answers");
}

/// Regression: a transfer, or the operator going away, only showed "Connecting..." again with
/// no word of why. The visitor is now told: "Transferring you...", and "Alice left; finding
/// another operator..." (or, while the server does not name the operator yet, the nameless
/// line). Bob, who handed the chat on, takes it back at the end.
async fn told_of_transfers_and_lost_operators(
    server: &Server,
    browser: &Client,
    chat: u64,
    bob: &str,
    bob_events: &mut EventStream,
) {
    let alice = server.login("alice@demo.example", "demo-10001").await;
    let mut alice_events = server.operator_events(&alice).await;
    server.set_status(&alice, "online").await;
    server
        .post(
            &format!("/v1/chats/{chat}/transfer"),
            Some(bob),
            json!({ "operator": "10001" }),
        )
        .await
        .expect(200);
    until(
        browser,
        "[...document.querySelectorAll('[data-testid=system-message]')].some(m => m.textContent === 'Transferring you to another operator...')",
        "the visitor told of the transfer",
    )
    .await;
    alice_events.wait_for_offer(chat).await;
    server.accept(chat, &alice).await.expect(200);
    until(
        browser,
        "document.querySelector('#app').dataset.state === 'chatting'",
        "Alice taking the chat",
    )
    .await;

    server.set_status(&alice, "offline").await;
    until(
        browser,
        "[...document.querySelectorAll('[data-testid=system-message]')].some(m => \
           ['Alice left; finding another operator...', 'Your operator left; finding another operator...'].includes(m.textContent))",
        "the visitor told that the operator left",
    )
    .await;
    bob_events.wait_for_offer(chat).await;
    server.accept(chat, bob).await.expect(200);
    until(
        browser,
        "document.querySelector('#app').dataset.state === 'chatting'",
        "Bob taking the chat back",
    )
    .await;
}

/// Clicks the chat button on the shop page and switches to the popup it opens.
async fn open_popup(browser: &Client) {
    let before = browser.windows().await.expect("windows are listed");
    click(browser, "#chat-button img").await;
    let windows = browser.windows().await.expect("windows are listed");
    assert_eq!(
        windows.len(),
        before.len() + 1,
        "the button opens the chat window as a popup"
    );
    let popup = windows
        .into_iter()
        .find(|w| !before.contains(w))
        .expect("a new window");
    browser
        .switch_to_window(popup)
        .await
        .expect("the popup can be driven");
}

/// Closes the popup being driven and goes back to the shop page.
async fn close_popup(browser: &Client) {
    browser.close_window().await.expect("the popup closes");
    let windows = browser.windows().await.expect("windows are listed");
    browser
        .switch_to_window(windows[0].clone())
        .await
        .expect("back to the shop");
}

/// Nobody answers before the connection timeout: the off-line form, then the thank-you text.
/// Regression: what the visitor typed while waiting was lost on the way to the form; it now
/// becomes the form's message (what they sent, then the unsent draft).
async fn offline_form_after_the_connection_timeout(server: &Server, browser: &Client, admin: &str) {
    let alice = server.login("alice@demo.example", "demo-10001").await;
    let _alice_events = server.operator_events(&alice).await;
    server.set_status(&alice, "online").await;
    // Long enough to type two lines in even on a loaded machine (the suite once took over
    // five seconds here while other test binaries built).
    server
        .chat_window(admin, json!({ "connection_timeout_secs": 15.0, "offline_thanks": "Thanks, we will write back." }))
        .await;

    let link = format!("/chat/en/{KEY},name=Olga,email=olga@example.com/https://shop.example/cart");
    browser
        .goto(&server.url(&link))
        .await
        .expect("the chat window opens");
    until(
        browser,
        "document.querySelector('#app').dataset.state === 'connecting'",
        "Connecting...",
    )
    .await;
    type_into(browser, "#input", "Is the blue mug in stock?\u{E007}").await;
    type_into(browser, "#input", "Please call me back.").await;
    // The connection timeout (15 s) plus the usual margin.
    until_within(
        browser,
        "document.querySelector('#app').dataset.state === 'offline'",
        "the off-line form",
        Duration::from_secs(15) + WAIT,
    )
    .await;
    let carried = browser
        .execute(
            "return document.querySelector('#offline-message').value",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(
        carried,
        json!("Is the blue mug in stock?\n\nPlease call me back."),
        "what the visitor typed while waiting is in the form"
    );
    click(browser, "#offline-submit").await;
    until(
        browser,
        "document.querySelector('#offline-thanks') && document.querySelector('#offline-thanks').textContent.includes('Thanks, we will write back.')",
        "the company's thank-you text",
    )
    .await;
    let inbox = server
        .get("/v1/offline-messages", Some(admin))
        .await
        .expect(200);
    let left = &inbox[0];
    assert_eq!(
        left["name"], "Olga",
        "the URL's name pre-filled the form: {inbox}"
    );
    assert_eq!(left["email"], "olga@example.com");
    assert_eq!(
        left["message"],
        "Is the blue mug in stock?\n\nPlease call me back."
    );
    server.set_status(&alice, "offline").await;
    server
        .chat_window(admin, json!({ "connection_timeout_secs": 90.0 }))
        .await;
}

/// An invitation pops up after the delay; after "No thanks" it never comes again.
async fn invitation_and_no_thanks(server: &Server, browser: &Client, admin: &str) {
    server
        .chat_window(
            admin,
            json!({ "tracking": true, "invitation_delay_secs": 1 }),
        )
        .await;
    browser
        .goto(&server.url("/demo"))
        .await
        .expect("the demo page opens");
    until(
        browser,
        "document.querySelector('#switchboard-invitation')",
        "the invitation",
    )
    .await;
    // Regression: the invitation appeared silently where keyboard and screen-reader users
    // never found it. It is an announced dialog, named by its heading, with the focus in it.
    let dialog = browser
        .execute(
            "const box = document.querySelector('#switchboard-invitation'); \
             return [box.getAttribute('role'), box.getAttribute('aria-live'), \
                     document.getElementById(box.getAttribute('aria-labelledby')).textContent, \
                     document.getElementById(box.getAttribute('aria-describedby')).textContent, \
                     box.contains(document.activeElement)]",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(
        dialog,
        json!([
            "dialog",
            "polite",
            "Can we help you?",
            "Would you like to chat with one of our operators?",
            true
        ])
    );
    click(browser, "#switchboard-invitation-decline").await;
    until(
        browser,
        "!document.querySelector('#switchboard-invitation')",
        "the invitation closing",
    )
    .await;

    let visitors = server.get("/v1/visitors", Some(admin)).await.expect(200);
    let me = visitors
        .as_array()
        .and_then(|v| v.iter().find(|v| v["declined"] == true))
        .unwrap_or_else(|| panic!("the visitor who declined is listed: {visitors}"));
    assert_eq!(me["page_url"], server.url("/demo"));

    browser.refresh().await.expect("the page reloads");
    assert!(
        !becomes(
            browser,
            "document.querySelector('#switchboard-invitation')",
            Duration::from_secs(3)
        )
        .await,
        "a visitor who said No thanks is not invited again (waited three times the delay)"
    );
    server
        .chat_window(
            admin,
            json!({ "invitation_delay_secs": null, "tracking": false }),
        )
        .await;
}

/// Installed before a page's own scripts: keeps every EventSource the page opens in
/// `window.eventSources`, so a test can wait for a stream to open and hand it an event.
const RECORD_EVENT_SOURCES: &str = "
    (() => {
        const Real = window.EventSource;
        window.eventSources = [];
        window.EventSource = function (url, options) {
            const source = new Real(url, options);
            window.eventSources.push(source);
            return source;
        };
        window.EventSource.prototype = Real.prototype;
        Object.assign(window.EventSource, { CONNECTING: 0, OPEN: 1, CLOSED: 2 });
    })();";

/// True once the page's tracking stream is open.
const TRACKING_STREAM_OPEN: &str =
    "(window.eventSources || []).some(e => e.url.includes('/visitors/') && e.readyState === 1)";

/// Opens /demo with its EventSources recorded; returns the recorder's id for removing it.
async fn demo_with_recorded_streams(server: &Server, browser: &Client) -> Value {
    let recorder = devtools(
        browser,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": RECORD_EVENT_SOURCES }),
    )
    .await;
    browser
        .goto(&server.url("/demo"))
        .await
        .expect("the demo page opens");
    until(browser, TRACKING_STREAM_OPEN, "the tracking stream open").await;
    recorder["identifier"].clone()
}

/// The chat button follows presence without a reload: an `availability` event on the tracking
/// stream loads the image again under a new address (no cache can answer) and gives it the
/// new state as its text. Tracking is off here: a page with a button listens all the same.
///
/// The event is handed to the very stream the script opened, so this holds before the server
/// sends it; `the_chat_button_follows_presence_live` checks the server's own.
async fn the_button_follows_availability_events(server: &Server, browser: &Client) {
    let recorder = demo_with_recorded_streams(server, browser).await;
    let before = browser
        .execute(
            "return document.querySelector('#chat-button img').src",
            vec![],
        )
        .await
        .expect("the page answers");
    for (online, alt) in [(true, "Live chat: online"), (false, "Live chat: offline")] {
        let now = browser
            .execute(
                "return document.querySelector('#chat-button img').src",
                vec![],
            )
            .await
            .expect("the page answers");
        browser
            .execute(
                "window.eventSources.find(e => e.url.includes('/visitors/')).dispatchEvent( \
                   new MessageEvent('availability', { data: JSON.stringify({ type: 'availability', online: arguments[0] }) }));",
                vec![json!(online)],
            )
            .await
            .expect("the page answers");
        until(
            browser,
            &format!(
                "(img => img.src !== {now} && img.src.startsWith({before} + '?t=') && img.alt === {alt} \
                   && img.complete && img.naturalWidth > 0)(document.querySelector('#chat-button img'))",
                alt = json!(alt),
            ),
            "the button's image loaded again with its new state",
        )
        .await;
    }
    devtools(
        browser,
        "Page.removeScriptToEvaluateOnNewDocument",
        json!({ "identifier": recorder }),
    )
    .await;
}

/// The server's side of the live button: an operator going online turns the demo's button to
/// online without a reload, then offline again.
async fn the_chat_button_follows_presence_live(server: &Server, browser: &Client, bob: &str) {
    let _bob_events = server.operator_events(bob).await;
    server.set_status(bob, "offline").await;
    let recorder = demo_with_recorded_streams(server, browser).await;
    for (status, alt) in [
        ("online", "Live chat: online"),
        ("offline", "Live chat: offline"),
    ] {
        server.set_status(bob, status).await;
        until(
            browser,
            &format!(
                "(img => img.src.includes('?t=') && img.alt === {} && img.complete && img.naturalWidth > 0)(document.querySelector('#chat-button img'))",
                json!(alt)
            ),
            "the button following the operator",
        )
        .await;
    }
    devtools(
        browser,
        "Page.removeScriptToEvaluateOnNewDocument",
        json!({ "identifier": recorder }),
    )
    .await;
}

/// An Arabic chat window is laid out right to left; what the visitor types runs in its own
/// direction; languages are offered under their own names, and picking one reopens the window
/// in it.
async fn arabic_is_right_to_left(server: &Server, browser: &Client) {
    browser
        .goto(&server.url(&format!("/chat/ar/{KEY}/https://shop.example/")))
        .await
        .expect("the Arabic window opens");
    until(browser, "document.querySelector('#app')", "the window").await;
    let layout = browser
        .execute(
            "return [document.documentElement.lang, document.documentElement.dir, getComputedStyle(document.body).direction]",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(layout, json!(["ar", "rtl", "rtl"]));
    let boxes = browser
        .execute(
            "return ['#input', '#offline-message', '#name', '#offline-name'].map(s => document.querySelector(s).dir)",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(boxes, json!(["auto", "auto", "auto", "auto"]));

    // Regression: languages were listed by code or in English; each is named in itself.
    let names = browser
        .execute(
            "const o = [...document.querySelectorAll('#language option')]; \
             return [o.length, document.querySelector('#language').value, \
                     ...['de', 'ar', 'ja', 'uk'].map(c => o.find(x => x.value === c).textContent)]",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(
        names,
        json!([52, "ar", "Deutsch", "العربية", "日本語", "Українська"])
    );
    browser
        .execute(
            "const s = document.querySelector('#language'); s.value = 'de'; s.dispatchEvent(new Event('change'));",
            vec![],
        )
        .await
        .expect("the page answers");
    until(
        browser,
        "document.documentElement.lang === 'de' && location.pathname.startsWith('/chat/de/') \
         && location.pathname.endsWith('shop.example/') && document.querySelector('#start').textContent === 'Chat starten'",
        "the window in German",
    )
    .await;
}

/// Regression: a visitor who gave no name was "Guest" in English whatever their language.
/// The window names them in theirs, without putting that word in their own forms.
async fn a_nameless_visitor_is_a_guest_in_their_language(
    server: &Server,
    browser: &Client,
    admin: &str,
) {
    server
        .chat_window(admin, json!({ "welcome_screen": false }))
        .await;
    browser
        .goto(&server.url(&format!("/chat/de/{KEY}/https://shop.example/")))
        .await
        .expect("the German window opens");
    // Nobody is online: the chat is recorded, and the window offers the off-line form.
    until(
        browser,
        "document.querySelector('#app').dataset.state === 'offline'",
        "the off-line form",
    )
    .await;
    let name = browser
        .execute(
            "return document.querySelector('#offline-name').value",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(name, json!(""), "the visitor's form is left for their name");
    let chats = server.get("/v1/chats", Some(admin)).await.expect(200);
    assert_eq!(chats[0]["lang"], "de", "{chats}");
    assert_eq!(chats[0]["name"], "Gast", "{chats}");
    server
        .chat_window(admin, json!({ "welcome_screen": true }))
        .await;
}
