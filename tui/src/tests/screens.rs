//! Snapshots of every screen on a fixed-size `TestBackend` (80x24, the smallest supported
//! terminal, and one larger size to show the layout scales).

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use switchboard_api as api;

use super::*;
use crate::client::{ButtonCode, GraphicsSlot};
use crate::screens::admin::payments::Section;
use crate::screens::admin::Panel;
use crate::screens::dialog::Overlay;

/// A visitor on the site.
pub fn visitor(id: u64, url: &str, since: u64) -> api::Visitor {
    api::Visitor {
        id,
        page_url: url.into(),
        title: format!("Blue kettle · page {id}"),
        referrer: if id & 1 == 0 {
            "https://search.example/?q=kettle".into()
        } else {
            String::new()
        },
        on_page_since: since,
        time_on_page_secs: NOW.saturating_sub(since) / 1000,
        pages_seen: id,
        pages: vec![
            api::Page {
                url: url.into(),
                title: format!("Blue kettle · page {id}"),
                at: since,
            },
            api::Page {
                url: "https://shop.example/".into(),
                title: "Home".into(),
                at: since - 60_000,
            },
        ],
        first_seen: since - 60_000,
        chat_id: (id == 3).then_some(7),
        declined: id == 4,
    }
}

/// The demo company's profile.
pub fn company() -> api::Company {
    api::Company {
        name: "Demo Shop".into(),
        key: "abcdef0123456789".into(),
        address: api::Address {
            street: "1 Demo Street".into(),
            city: "Dublin".into(),
            postcode: String::new(),
        },
        country: "IE".into(),
        currency: "EUR".into(),
        vat_number: String::new(),
        time_zone: "Europe/Dublin".into(),
    }
}

/// 2025-01-01 00:30 in Dublin (and UTC): still New Year's Eve in New York.
pub const NEW_YEAR: u64 = 1_735_691_400_000;

/// The demo company's plan: three seats at €39.00, January billed on 1 February; `warning`
/// as the server words what needs doing.
pub fn billing(warning: Option<&str>) -> api::billing::Billing {
    api::billing::Billing {
        currency: "EUR".into(),
        seats: 3,
        seat_price_minor: 3900,
        next_period: "2025-01".into(),
        next_invoice_at: 1_738_368_000_000,
        cards: 2,
        unpaid: 1,
        warning: warning.map(str::to_string),
    }
}

/// An invoice for three seats at €39.00 with Irish VAT (23 %).
pub fn invoice(number: u64, period: &str, issued_at: u64, paid: bool) -> api::billing::Invoice {
    api::billing::Invoice {
        number,
        period: period.into(),
        issued_at,
        issued: crate::time::date(issued_at, &crate::time::zone("Europe/Dublin")),
        seats: 3,
        unit_minor: 3900,
        net_minor: 11_700,
        vat_rule: api::billing::VatRule::Domestic,
        vat_rate_bp: 2300,
        vat_minor: 2691,
        gross_minor: 14_391,
        currency: "EUR".into(),
        status: if paid {
            api::billing::InvoiceStatus::Paid
        } else {
            api::billing::InvoiceStatus::Unpaid
        },
        paid_at: paid.then_some(issued_at + 60_000),
        failure: (!paid).then(|| "the card was declined: insufficient funds".into()),
        pdf: format!("/v1/invoices/{number}.pdf"),
    }
}

/// The demo company's invoices, newest first: December unpaid, November paid.
pub fn invoices() -> Vec<api::billing::Invoice> {
    vec![
        invoice(2, "2024-12", NEW_YEAR, false),
        invoice(1, "2024-11", 1_733_013_000_000, true),
    ]
}

/// A saved card.
pub fn card(
    id: u64,
    brand: &str,
    last4: &str,
    exp: (u8, u16),
    default: bool,
) -> api::billing::Card {
    api::billing::Card {
        id,
        brand: brand.into(),
        last4: last4.into(),
        exp_month: exp.0,
        exp_year: exp.1,
        holder: "Ada Lovelace".into(),
        default,
        added_at: 1_733_216_400_000,
    }
}

/// The demo company's cards: a Visa charged, and a Mastercard that expired in November.
pub fn cards() -> Vec<api::billing::Card> {
    vec![
        card(5, "visa", "4242", (12, 2030), true),
        card(6, "mastercard", "4444", (11, 2024), false),
    ]
}

/// An admin on the payments panel, in `section`, with the plan, invoices, cards and
/// profile loaded.
pub fn payments_on(section: crate::screens::admin::payments::Section) -> State {
    let mut state = admin_on(Panel::Payments);
    apply(&mut state, Action::Company(company()));
    apply(&mut state, Action::Billing(billing(None)));
    apply(&mut state, Action::Invoices(invoices()));
    apply(
        &mut state,
        Action::Cards {
            cards: cards(),
            note: None,
        },
    );
    state.admin.payments.section = section;
    state
}

/// Chat-window settings.
pub fn window() -> api::ChatWindow {
    api::ChatWindow {
        language: "en".into(),
        distribution: api::Distribution::Single,
        connection_timeout_secs: 90.0,
        offer_timeout_secs: 15.0,
        auto_canned_response: Some(20),
        welcome_screen: true,
        welcome_message: String::new(),
        name_field: api::FormField {
            enabled: true,
            required: true,
        },
        email_field: api::FormField {
            enabled: true,
            required: false,
        },
        offline_message: String::new(),
        offline_thanks: String::new(),
        tracking: false,
        invitation_delay_secs: None,
        fairness: api::Fairness::LeastBusy,
        requested_operator_timeout_secs: 30.0,
        department_timeout_secs: 60.0,
        fallback_department: Some(11),
        max_queue: 0,
        max_wait_secs: 0.0,
    }
}

/// Two graphics slots, the second active.
pub fn slots() -> Vec<GraphicsSlot> {
    vec![
        GraphicsSlot {
            id: 1,
            header: true,
            sidebar: false,
            active: false,
            created_at: NOW - 86_400_000,
        },
        GraphicsSlot {
            id: 2,
            header: true,
            sidebar: true,
            active: true,
            created_at: NOW - 3_600_000,
        },
    ]
}

/// The button code in `lang`.
pub fn code(lang: &str) -> ButtonCode {
    let base = "http://127.0.0.1:8080";
    let key = "abcdef0123456789";
    ButtonCode {
        lang: lang.into(),
        style: api::ButtonStyle::Standard,
        html: format!("<img src=\"{base}/button/{key}/{lang}/standard\" alt=\"Live chat\" style=\"cursor:pointer;border:0\" onclick=\"window.open('{base}/chat/{lang}/{key}/'+document.location.href,'','height=400,width=300,menubar=no, location=no,resizable=yes,scrollbars=no,status=yes');\">"),
        image_url: format!("{base}/button/{key}/{lang}/standard"),
        chat_url: format!("{base}/chat/{lang}/{key}/"),
    }
}

/// An admin on an admin panel, in the panel.
pub fn admin_on(panel: Panel) -> State {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.panel = panel;
    state.admin.menu = false;
    state
}

#[test]
fn sign_in() {
    let mut state = State::new(
        "http://127.0.0.1:8080",
        Some("alice@demo.example".into()),
        None,
        NOW,
    );
    type_text(&mut state, "secret");
    state.signin.error = Some("the email or the password is wrong".into());
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn sign_up() {
    let mut state = State::new("http://127.0.0.1:8080", None, None, NOW);
    state.screen = Screen::SignUp;
    type_text(&mut state, "Acme");
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn console_with_an_offer() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Server(offer(7, "Maria Rossi", 42)));
    apply(&mut state, Action::Server(offer(8, "Guest", 3)));
    state.flash_until = 0;
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn console_with_a_chat() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    apply(&mut state, Action::Server(offer(8, "Guest", 3)));
    apply(
        &mut state,
        Action::Server(api::OperatorEventData::Typing { chat_id: 7 }),
    );
    state.flash_until = 0;
    state.note = None;
    type_text(&mut state, "Yes, 2 years. #");
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn console_with_a_chat_large() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    update(&mut state, key(KeyCode::Esc));
    apply(
        &mut state,
        Action::Accepted(chat(9, "سارة", "connected", Some(2), NOW - 30_000)),
    );
    apply(
        &mut state,
        Action::Server(api::OperatorEventData::Message {
            chat_id: 9,
            seq: 2,
            author: api::AuthorKind::Visitor,
            name: String::new(),
            text: "مرحبا، هل يمكنني الدفع عند الاستلام؟".into(),
            at: NOW - 10_000,
        }),
    );
    update(&mut state, key(KeyCode::Esc));
    state.note = None;
    assert_snapshot!(draw(&state, 120, 36).backend());
}

#[test]
fn reconnecting() {
    let mut state = signed_in(alice());
    state.link = crate::app::Link::Reconnecting {
        attempt: 3,
        reason: "cannot reach the server".into(),
        since_ms: NOW - 12_000,
    };
    state.say(crate::app::Level::Warn, "New chat from Maria Rossi");
    apply(&mut state, Action::Server(offer(7, "Maria Rossi", 42)));
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn visitor_list() {
    let mut state = signed_in(alice());
    state.screen = Screen::Visitors;
    apply(
        &mut state,
        Action::Visitors(
            (1..=4)
                .map(|i| {
                    visitor(
                        i,
                        &format!("https://shop.example/products/{i}"),
                        NOW - i * 37_000,
                    )
                })
                .collect(),
        ),
    );
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn offline_inbox() {
    let mut state = signed_in(alice());
    state.screen = Screen::Offline;
    let m = |id, name: &str, text: &str, at| api::OfflineMessage {
        id,
        name: name.into(),
        email: format!("{}@example.com", name.to_lowercase()),
        message: text.into(),
        department: Some(11),
        operator: None,
        at,
        done: false,
    };
    apply(
        &mut state,
        Action::OfflineMessages(vec![
            m(
                1,
                "Tom",
                "Do you ship to Norway? I could not find it in the FAQ.",
                NOW - 3 * 86_400_000,
            ),
            m(
                2,
                "Ana",
                "My order 1234 has not arrived yet.\nCould someone call me back?",
                NOW - 3_600_000,
            ),
        ]),
    );
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn history_with_a_transcript() {
    let mut state = signed_in(alice());
    state.screen = Screen::History;
    apply(
        &mut state,
        Action::ChatPage {
            query: String::new(),
            after: None,
            chats: vec![
                chat(8, "Li Wei", "closed", Some(2), NOW - 7_200_000),
                chat(6, "Maria Rossi", "closed", Some(3), NOW - 2 * 86_400_000),
            ],
        },
    );
    apply(
        &mut state,
        Action::Transcript {
            chat: 8,
            entries: vec![
                api::ChatEventData::Joined {
                    seq: 1,
                    name: "Alice".into(),
                },
                message(
                    2,
                    api::AuthorKind::Visitor,
                    "",
                    "Where is my parcel?",
                    NOW - 7_100_000,
                ),
                message(
                    3,
                    api::AuthorKind::Operator,
                    "Alice",
                    "It left our warehouse this morning.",
                    NOW - 7_000_000,
                ),
                api::ChatEventData::Closed {
                    seq: 4,
                    by: api::ClosedBy::Visitor,
                },
            ],
        },
    );
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn dashboard() {
    let state = dashboard_state();
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn dashboard_served_by_a_node_of_a_cluster() {
    let mut state = dashboard_state();
    apply(
        &mut state,
        Action::Served(crate::client::Route {
            address: "http://127.0.0.1:8081".into(),
            node: Some("n2".into()),
        }),
    );
    assert_snapshot!(draw(&state, 80, 24).backend());
}

/// The dashboard with a day of chats, a half hour of queue and visitors on the site.
fn dashboard_state() -> State {
    let mut state = signed_in(alice());
    state.screen = Screen::Dashboard;
    let chats: Vec<api::Chat> = (0..40u64)
        .map(|i| {
            chat(
                100 + i,
                "V",
                "closed",
                Some(2),
                NOW - (i * i * 97_000) % 86_000_000,
            )
        })
        .collect();
    apply(&mut state, Action::Chats(chats));
    for (minutes_ago, length) in [(25u64, 1usize), (18, 3), (12, 2), (5, 0), (2, 1)] {
        state.now_ms = NOW - minutes_ago * 60_000;
        crate::screens::dashboard::queue(&mut state, length);
    }
    state.now_ms = NOW;
    apply(
        &mut state,
        Action::Visitors(
            (1..=4)
                .map(|i| visitor(i, "https://shop.example/", NOW - i * 1000))
                .collect(),
        ),
    );
    for i in 0..30u64 {
        state
            .dashboard
            .visitors
            .push_back((NOW - (30 - i) * 60_000, ((i * 7) % 5) as usize));
    }
    state
}

#[test]
fn help_overlay() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    update(&mut state, key(KeyCode::Esc));
    state.note = None;
    update(&mut state, key(KeyCode::Char('?')));
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_company() {
    let mut state = admin_on(Panel::Company);
    apply(&mut state, Action::Company(company()));
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_window_general() {
    let mut state = admin_on(Panel::Window);
    apply(&mut state, Action::Window(window()));
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_window_graphics() {
    let mut state = admin_on(Panel::Window);
    apply(&mut state, Action::Window(window()));
    apply(&mut state, Action::Graphics(slots()));
    state.admin.window.section = 2;
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_window_invitations_refused() {
    let mut state = admin_on(Panel::Window);
    apply(&mut state, Action::Window(window()));
    state.admin.window.section = 5;
    state.admin.error =
        Some("automatic invitations need visitor tracking: turn tracking on first".into());
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_window_welcome_and_offline() {
    let mut state = admin_on(Panel::Window);
    apply(&mut state, Action::Window(window()));
    state.admin.window.section = 3;
    let welcome = draw(&state, 80, 24);
    state.admin.window.section = 4;
    let offline = draw(&state, 80, 24);
    state.admin.window.section = 1;
    let routing = draw(&state, 80, 24);
    assert_snapshot!("admin_window_welcome", welcome.backend());
    assert_snapshot!("admin_window_offline", offline.backend());
    assert_snapshot!("admin_window_routing", routing.backend());
}

#[test]
fn admin_departments() {
    let mut state = admin_on(Panel::Departments);
    update(&mut state, key(KeyCode::Char('e')));
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_operators() {
    let state = admin_on(Panel::Operators);
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_operator_form() {
    let mut state = admin_on(Panel::Operators);
    update(&mut state, key(KeyCode::Down));
    update(&mut state, key(KeyCode::Char('e')));
    assert!(matches!(state.overlay, Some(Overlay::Form { .. })));
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_canned() {
    let state = admin_on(Panel::Canned);
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_buttons() {
    let mut state = admin_on(Panel::Buttons);
    apply(&mut state, Action::ButtonCode(code("en")));
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_menu() {
    let mut state = admin_on(Panel::Company);
    state.admin.menu = true;
    apply(&mut state, Action::Company(company()));
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_payments_overview_with_a_warning() {
    let mut state = payments_on(Section::Overview);
    apply(
        &mut state,
        Action::Billing(billing(Some(
            "Invoice 2 is unpaid: the card was declined. Save another card or make another \
             one the default; it is charged again at once.",
        ))),
    );
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_payments_invoices() {
    let state = payments_on(Section::Invoices);
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_payments_cards() {
    let state = payments_on(Section::Cards);
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_payments_card_form() {
    let mut state = payments_on(Section::Cards);
    update(&mut state, key(KeyCode::Char('n')));
    update(&mut state, key(KeyCode::Enter));
    type_text(&mut state, "4000 0566 5566 5556");
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn admin_language_picker() {
    let mut state = admin_on(Panel::Buttons);
    apply(&mut state, Action::ButtonCode(code("en")));
    update(&mut state, key(KeyCode::Enter));
    type_text(&mut state, "a");
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn console_wide_with_queue_and_visitor_panel() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    update(&mut state, key(KeyCode::Esc));
    state.note = None;
    apply(
        &mut state,
        Action::Queue(vec![chat(30, "Zoe", "waiting", None, NOW - 95_000)]),
    );
    let profile = api::VisitorProfile {
        name: "Maria Rossi".into(),
        email: "maria.rossi@example.com".into(),
        visitor: Some(visitor(3, "https://shop.example/kettles", NOW - 60_000)),
        previous_chats: vec![chat(
            2,
            "Maria Rossi",
            "closed",
            Some(3),
            NOW - 3 * 86_400_000,
        )],
    };
    apply(&mut state, Action::Profile { chat: 7, profile });
    apply(
        &mut state,
        Action::Server(api::OperatorEventData::VisitorPresence {
            chat_id: 7,
            present: false,
        }),
    );
    state.note = None;
    assert_snapshot!(draw(&state, 160, 30).backend());
}
