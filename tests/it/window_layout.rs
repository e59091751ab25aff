//! The chat window's layout in every language, in the real browser of `browser`: each screen
//! (welcome, queue and chat, off-line form, thanks) at the popup's 300x400, checked for text
//! that does not fit, text below WCAG AA contrast, and inputs too small for a phone.
//!
//! One page per language: the screens are switched in the page by showing their elements, as
//! the window's script does, with the longest texts each screen can hold filled in.

use fantoccini::Client;
use serde_json::json;

use crate::browser::{devtools, until, KEY};
use crate::support::*;

/// The chat window's size as the chat button opens it.
const POPUP: (u32, u32) = (300, 400);

/// Shows each screen in turn and returns what is wrong on it, one line per problem.
const CHECK_SCREENS: &str = r#"
const S = JSON.parse(document.querySelector('#boot').textContent).settings;
const t = (id, vars) => Object.entries(vars || {}).reduce(
    (text, [k, v]) => text.split('{$' + k + '}').join(String(v)), S.texts[id]);
const $ = (id) => document.getElementById(id);
const problems = [];

function rgba(css) {
    const m = css.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 1];
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
function background(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
        const c = rgba(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((under, layer) => over(layer, under), [255, 255, 255, 1]);
}
function opacity(el) {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
}
function luminance(c) {
    const f = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
}
function contrast(colour, el) {
    const bg = background(el);
    const fg = over([colour[0], colour[1], colour[2], colour[3] * opacity(el)], bg);
    const [a, b] = [luminance(fg), luminance(bg)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
function name(el) {
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
        ' "' + (el.value || el.textContent || el.placeholder || '').trim().slice(0, 30) + '"';
}

function check(screen) {
    const all = [...document.querySelectorAll('#app *')].filter(visible);
    for (const el of all) {
        const style = getComputedStyle(el);
        // Text that does not fit: cut off or spilling out of its box or the window.
        if (el.matches('button, input, select, textarea, label, h1, p, .error, .count, .status > span, .closed > span, .msg, .thanks') && style.display !== 'inline') {
            if (el.scrollWidth > el.clientWidth + 1) problems.push(`${screen}: ${name(el)} is too wide (${el.scrollWidth} > ${el.clientWidth})`);
            if (el.matches('button') && el.scrollHeight > el.clientHeight + 1) problems.push(`${screen}: ${name(el)} is cut off (${el.scrollHeight} > ${el.clientHeight} high)`);
            const r = el.getBoundingClientRect();
            if (r.left < -0.5 || r.right > innerWidth + 0.5) problems.push(`${screen}: ${name(el)} leaves the window (${Math.round(r.left)}..${Math.round(r.right)})`);
        }
        // Contrast (WCAG AA, 4.5:1 for text this size); disabled controls are exempt.
        if (el.closest(':disabled')) continue;
        const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        const control = el.matches('input, textarea, select');
        if (ownText || (control && el.value)) {
            const ratio = contrast(rgba(style.color), el);
            if (ratio < 4.5) problems.push(`${screen}: ${name(el)} has contrast ${ratio.toFixed(2)}`);
        }
        if (el.matches('input, textarea') && el.placeholder && !el.value) {
            const ratio = contrast(rgba(getComputedStyle(el, '::placeholder').color), el);
            if (ratio < 4.5) problems.push(`${screen}: placeholder of ${name(el)} has contrast ${ratio.toFixed(2)}`);
        }
        // Phones zoom into inputs under 16px, and the page never zooms back.
        if (control && innerWidth <= 480 && parseFloat(style.fontSize) < 16) {
            problems.push(`${screen}: ${name(el)} has ${style.fontSize} text on a narrow screen`);
        }
    }
}

function screen(id) {
    for (const s of ['welcome', 'chat', 'offline']) $(s).hidden = s !== id;
}
function say(id, text) {
    $(id).textContent = text;
    $(id).hidden = false;
}

// The welcome form, every field and its errors shown.
screen('welcome');
for (const row of ['name-row', 'email-row', 'department-row', 'name-required', 'email-required']) $(row).hidden = false;
say('name-error', t('required-field'));
say('email-error', t('invalid-email'));
say('start-error', t('error-generic'));
check('welcome');

// Waiting in the queue, then chatting: every status line and kind of message at once.
screen('chat');
say('queue', t('queue-position', { position: 128 }) + ' ' + t('estimated-wait', { minutes: 45 }));
for (const id of ['connecting', 'reconnecting', 'error', 'closed']) $(id).hidden = false;
say('typing', t('operator-typing', { name: 'Alexandra' }));
say('input-count', t('message-too-long', { count: 4321, max: 4000 }));
$('input-count').classList.add('over');
const line = (cls, who, text) => {
    const li = document.createElement('li');
    li.className = 'msg ' + cls;
    if (who !== null) {
        const head = document.createElement('span');
        head.className = 'who';
        head.textContent = who;
        const time = document.createElement('span');
        time.className = 'time';
        time.textContent = '12:34';
        head.appendChild(time);
        const body = document.createElement('span');
        body.className = 'text';
        body.textContent = text;
        li.append(head, body);
    } else {
        li.textContent = text;
    }
    $('messages').appendChild(li);
};
line('msg-system', null, t('operator-joined', { name: 'Alexandra' }));
line('msg-operator', 'Alexandra', t('welcome-default-message'));
line('msg-visitor', t('you'), t('offline-default-message'));
line('msg-company', S.company, t('invitation-text'));
line('msg-system', null, t('chat-transferred'));
line('msg-system', null, t('operator-left', { name: 'Alexandra' }));
line('msg-system', null, t('operator-left-unnamed'));
check('chat');

// The off-line form with its errors, then the thanks.
screen('offline');
$('offline-department-row').hidden = false;
say('offline-name-error', t('required-field'));
say('offline-email-error', t('invalid-email'));
say('offline-message-error', t('required-field'));
say('offline-message-count', t('message-too-long', { count: 12345, max: 10000 }));
$('offline-message-count').classList.add('over');
say('offline-error', t('error-generic'));
check('offline');
$('offline-form').hidden = true;
$('offline-thanks').hidden = false;
check('thanks');
return problems;
"#;

/// Regression: the Ukrainian off-line "Send" button was cut off, some texts were too faint to
/// read (WCAG AA asks 4.5:1), and inputs were small enough for phones to zoom into them. Every
/// screen of every language is checked at the popup's size.
pub async fn every_screen_fits_in_every_language(server: &Server, browser: &Client) {
    let (width, height) = POPUP;
    devtools(
        browser,
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
    )
    .await;
    let mut problems = Vec::new();
    for lang in switchboard_http::api::languages::CODES {
        browser
            .goto(&server.url(&format!("/chat/{lang}/{KEY}/https://shop.example/")))
            .await
            .expect("the chat window opens");
        until(
            browser,
            "document.querySelector('#app').dataset.state === 'welcome'",
            "the welcome form",
        )
        .await;
        let found = browser
            .execute(CHECK_SCREENS, vec![])
            .await
            .unwrap_or_else(|e| panic!("{lang}: the check runs: {e}"));
        let width = browser
            .execute("return innerWidth", vec![])
            .await
            .expect("the page answers");
        assert_eq!(width, json!(POPUP.0), "the emulated popup size holds");
        for problem in found.as_array().expect("a list of problems") {
            problems.push(format!("{lang}: {}", problem.as_str().unwrap_or_default()));
        }
    }
    devtools(browser, "Emulation.clearDeviceMetricsOverride", json!({})).await;
    assert!(
        problems.is_empty(),
        "{} layout problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
