//! `update` for the payments panel: loading the plan, invoices and cards; saving an
//! invoice's PDF; adding a card without its number or code ever showing or staying; the
//! warning; dates in the company's time zone; the profile's refusals.

use crossterm::event::KeyCode;
use switchboard_api as api;
use switchboard_api::OperatorEventData as E;

use super::screens::{admin_on, billing, cards, company, payments_on, NEW_YEAR};
use super::*;
use crate::command::Command;
use crate::screens::admin::payments::Section;
use crate::screens::admin::Panel;
use crate::screens::dialog::{Overlay, Purpose};

/// A card number the sandbox gateway accepts, and its first twelve digits.
const NUMBER: &str = "4000 0566 5566 5556";
const HIDDEN: [&str; 3] = ["4000", "0566", "5566"];

/// Everything drawn on an 80x24 terminal, as text.
fn screen(state: &State) -> String {
    format!("{:?}", draw(state, 80, 24).backend())
}

/// Fills the selected field of the open form and moves to the next.
fn fill(state: &mut State, text: &str) {
    update(state, key(KeyCode::Enter));
    update(state, ctrl('u'));
    type_text(state, text);
    update(state, key(KeyCode::Enter));
    update(state, key(KeyCode::Down));
}

/// The open form, or a panic.
fn open_form(state: &State) -> (&crate::screens::form::Form, Option<&str>) {
    match &state.overlay {
        Some(Overlay::Form { form, error, .. }) => (form, error.as_deref()),
        other => panic!("no form: {other:?}"),
    }
}

#[test]
fn the_payments_panel_loads_the_plan_invoices_cards_and_profile() {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.panel = Panel::Tracking;
    let commands = apply(&mut state, key(KeyCode::Down));
    assert_eq!(state.admin.panel, Panel::Payments);
    assert_eq!(
        format!("{commands:?}"),
        "[Billing, Invoices, Cards, Company]"
    );
    // Reloaded with r, from inside the panel.
    update(&mut state, key(KeyCode::Enter));
    let commands = apply(&mut state, key(KeyCode::Char('r')));
    assert_eq!(commands.len(), 4);
    // The help lists the panel's keys.
    update(&mut state, key(KeyCode::Char('?')));
    let shown = screen(&state);
    assert!(shown.contains("Admin › Payments"), "{shown}");
    assert!(
        shown.contains("save the invoice's PDF to a file"),
        "{shown}"
    );
}

#[test]
fn invoices_show_their_amounts_vat_and_status() {
    let state = payments_on(Section::Invoices);
    let shown = screen(&state);
    for expected in [
        "2024-12  issued 2025-01-01",
        "€143.91  unpaid",
        "€143.91  paid",
        "net €117.00 + VAT 23 % €26.91",
        // The selected (newest) invoice's reason, in full.
        "the card was declined: insufficient funds",
    ] {
        assert!(shown.contains(expected), "{expected}: {shown}");
    }
    // The overview's sums and dates come from the plan.
    let mut state = state;
    update(&mut state, key(KeyCode::Char('[')));
    let shown = screen(&state);
    for expected in [
        "3 operator seats × €39.00 a month",
        "2025-01, €117.00 before VAT",
        "issued and charged on 2025-02-01",
        "visa •••• 4242 (2 cards saved)",
        "1 Demo Street",
    ] {
        assert!(shown.contains(expected), "{expected}: {shown}");
    }
}

#[test]
fn overview_links_to_the_company_profile() {
    let mut state = payments_on(Section::Overview);
    let commands = apply(&mut state, key(KeyCode::Char('p')));
    assert_eq!(state.admin.panel, Panel::Company);
    assert!(!state.admin.menu, "the profile has the keys");
    assert!(matches!(&commands[..], [Command::Company]));
}

#[test]
fn saving_an_invoice_pdf_asks_for_a_path_and_the_driver_writes_it() {
    let mut state = payments_on(Section::Invoices);
    update(&mut state, key(KeyCode::Down));
    update(&mut state, key(KeyCode::Char('w')));
    let Some(Overlay::Prompt { input, purpose, .. }) = &state.overlay else {
        panic!("no prompt")
    };
    assert_eq!(
        input.text, "invoice-1.pdf",
        "named after the selected invoice"
    );
    assert_eq!(*purpose, Purpose::SaveInvoice(1));
    update(&mut state, ctrl('u'));
    type_text(&mut state, "/tmp/invoices/november.pdf");
    let commands = apply(&mut state, key(KeyCode::Enter));
    let [Command::SaveInvoice { number, path }] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!((*number, path.as_str()), (1, "/tmp/invoices/november.pdf"));
    // Written: the driver says so.
    apply(
        &mut state,
        Action::Note("Invoice 1 saved to /tmp/invoices/november.pdf".into()),
    );
    assert!(state.note.as_ref().unwrap().text.contains("november.pdf"));
    // Not written: a note, and the path back to correct.
    apply(
        &mut state,
        failed(
            commands[0].clone(),
            crate::client::Failure::local(
                "file",
                "cannot write /tmp/invoices/november.pdf: No such file or directory",
            ),
        ),
    );
    let note = state.note.as_ref().unwrap();
    assert_eq!(note.level, crate::app::Level::Error);
    assert!(
        note.text.starts_with("Invoice 1 not saved: cannot write"),
        "{note:?}"
    );
    let Some(Overlay::Prompt { input, error, .. }) = &state.overlay else {
        panic!("the prompt is back")
    };
    assert_eq!(input.text, "/tmp/invoices/november.pdf");
    assert!(error.as_deref().unwrap().contains("No such file"));
}

#[test]
fn saving_a_pdf_runs_through_the_driver_against_a_server() {
    // What the driver does with the command: the bytes fetched land in the file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("invoice-2.pdf");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0; 4096];
            let n = socket.read(&mut request).await.unwrap();
            let line = String::from_utf8_lossy(&request[..n]).lines().next().unwrap_or_default().to_string();
            let body = b"%PDF-1.7 invoice";
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/pdf\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            socket.write_all(head.as_bytes()).await.unwrap();
            socket.write_all(body).await.unwrap();
            line
        });
        let client = crate::client::Client::new(&base);
        let command = Command::SaveInvoice {
            number: 2,
            path: path.display().to_string(),
        };
        let result = crate::command::execute(&client, command).await;
        assert!(
            matches!(&result, Some(Action::Note(note)) if note.starts_with("Invoice 2 saved to")),
            "{result:?}"
        );
        assert_eq!(server.await.unwrap(), "GET /v1/invoices/2.pdf HTTP/1.1");
    });
    assert_eq!(std::fs::read(&path).unwrap(), b"%PDF-1.7 invoice");
}

#[test]
fn a_card_number_shows_only_its_last_four_digits_and_leaves_with_the_request() {
    let mut state = payments_on(Section::Cards);
    update(&mut state, key(KeyCode::Char('n')));
    // While typed, and once typed: only the last four digits.
    update(&mut state, key(KeyCode::Enter));
    type_text(&mut state, NUMBER);
    let frames = [screen(&state), {
        update(&mut state, key(KeyCode::Enter));
        screen(&state)
    }];
    for frame in &frames {
        assert!(frame.contains("•••• •••• •••• 5556"), "{frame}");
        for group in HIDDEN {
            assert!(!frame.contains(group), "{group} shown: {frame}");
        }
        assert!(!frame.contains(&NUMBER.replace(' ', "")));
    }
    update(&mut state, key(KeyCode::Down));
    fill(&mut state, "12");
    fill(&mut state, "2030");
    fill(&mut state, "737");
    let frame = screen(&state);
    assert!(!frame.contains("737"), "the code never shows: {frame}");
    fill(&mut state, "Ada Lovelace");
    let commands = apply(&mut state, key(KeyCode::Char('w')));
    let [Command::AddCard(request)] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!(request.number, NUMBER);
    assert_eq!((request.exp_month, request.exp_year), (12, 2030));
    assert_eq!(
        (request.cvc.as_str(), request.holder.as_str()),
        ("737", "Ada Lovelace")
    );
    // Sent: neither the number nor the code stays anywhere in the state.
    assert!(state.overlay.is_none());
    let kept = format!("{state:?}");
    for secret in ["5556", "0566", "737"] {
        assert!(!kept.contains(secret), "{secret} kept: {kept}");
    }
    assert!(!screen(&state).contains("5556"));
    // Nor in what a failure carries back.
    let Command::AddCard(back) = commands[0].kept() else {
        panic!()
    };
    assert!(back.number.is_empty() && back.cvc.is_empty());
    assert_eq!(back.holder, "Ada Lovelace");
}

#[test]
fn a_refused_card_comes_back_with_the_servers_sentence_without_number_or_code() {
    let mut state = payments_on(Section::Cards);
    update(&mut state, key(KeyCode::Char('n')));
    fill(&mut state, NUMBER);
    fill(&mut state, "12");
    fill(&mut state, "2019");
    fill(&mut state, "737");
    fill(&mut state, "Ada Lovelace");
    let commands = apply(&mut state, key(KeyCode::Char('w')));
    assert_eq!(commands.len(), 1);
    let message = "the card expired in December 2019";
    apply(
        &mut state,
        failed(
            commands[0].kept(),
            failure(400, "invalid_exp_year", message),
        ),
    );
    let (form, error) = open_form(&state);
    assert_eq!(error, Some(message));
    assert_eq!(
        form.fields[form.selected].key, "exp_year",
        "on the field named"
    );
    assert_eq!(form.value("number"), "", "typed again");
    assert_eq!(form.value("cvc"), "");
    assert_eq!(form.value("exp_year"), "2019", "the rest stays");
    assert_eq!(form.value("holder"), "Ada Lovelace");
    assert!(screen(&state).contains(message));
    // A declined card: 402, said the same way.
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char('n')));
    fill(&mut state, "4000 0000 0000 0002");
    fill(&mut state, "12");
    fill(&mut state, "2030");
    fill(&mut state, "123");
    fill(&mut state, "Ada Lovelace");
    let commands = apply(&mut state, key(KeyCode::Char('w')));
    apply(
        &mut state,
        failed(
            commands[0].kept(),
            failure(402, "card_declined", "the card was declined"),
        ),
    );
    let (form, error) = open_form(&state);
    assert_eq!(error, Some("the card was declined"));
    assert_eq!(form.value("number"), "");
    assert_eq!(
        state.screen,
        Screen::Admin,
        "a refusal is not a lost session"
    );
    // Refused here before it is sent: the month is not a number.
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char('n')));
    fill(&mut state, NUMBER);
    fill(&mut state, "Dec");
    assert!(apply(&mut state, key(KeyCode::Char('w'))).is_empty());
    let (_, error) = open_form(&state);
    assert_eq!(error, Some("The expiry month is a number, 1 to 12"));
}

#[test]
fn cards_are_made_default_and_deleted_after_a_question() {
    let mut state = payments_on(Section::Cards);
    // The Visa is the default already.
    assert!(apply(&mut state, key(KeyCode::Char('a'))).is_empty());
    assert!(state
        .note
        .as_ref()
        .unwrap()
        .text
        .contains("already the default"));
    update(&mut state, key(KeyCode::Down));
    assert!(matches!(
        &apply(&mut state, key(KeyCode::Char('a')))[..],
        [Command::DefaultCard(6)]
    ));
    let mut now = cards();
    now[0].default = false;
    now[1].default = true;
    apply(
        &mut state,
        Action::Cards {
            cards: now,
            note: Some("Invoices are charged to mastercard •••• 4444".into()),
        },
    );
    assert!(screen(&state).contains("mastercard •••• 4444 11/2024 expired Ada Lovelace ● default"));
    assert!(apply(&mut state, key(KeyCode::Char('d'))).is_empty());
    let Some(Overlay::Confirm { question, .. }) = &state.overlay else {
        panic!("no question")
    };
    assert_eq!(question, "Delete mastercard •••• 4444?");
    assert!(matches!(
        &apply(&mut state, key(KeyCode::Char('y')))[..],
        [Command::DeleteCard(6)]
    ));
    // The last card: the question says what it means.
    apply(
        &mut state,
        Action::Cards {
            cards: cards()[..1].to_vec(),
            note: None,
        },
    );
    update(&mut state, key(KeyCode::Char('d')));
    let Some(Overlay::Confirm { question, .. }) = &state.overlay else {
        panic!("no question")
    };
    assert!(
        question.contains("Without a card invoices cannot be paid"),
        "{question}"
    );
}

#[test]
fn billing_loads_at_sign_in_and_on_billing_events() {
    let mut state = State::new("http://x", None, None, NOW);
    let commands = apply(&mut state, Action::Me(admin()));
    assert!(commands.iter().any(|c| matches!(c, Command::Billing)));
    // Elsewhere, only the plan (for its warning).
    let changed = || {
        Action::Server(E::Changed {
            resource: api::Resource::Billing,
        })
    };
    state.admin.panel = Panel::Company;
    assert_eq!(format!("{:?}", apply(&mut state, changed())), "[Billing]");
    // On the panel, what it shows.
    state.admin.panel = Panel::Payments;
    assert_eq!(
        format!("{:?}", apply(&mut state, changed())),
        "[Billing, Invoices, Cards]"
    );
    // Events were missed: reloaded once the stream is live again.
    state.reload_on_live = true;
    state.link = crate::app::Link::Connecting;
    let commands = apply(&mut state, Action::Link(crate::app::LinkEvent::Live));
    assert!(
        commands.iter().any(|c| matches!(c, Command::Invoices)),
        "{commands:?}"
    );
    // The plan follows the currency and the seats.
    for resource in [api::Resource::Company, api::Resource::Operators] {
        let commands = apply(&mut state, Action::Server(E::Changed { resource }));
        assert!(
            commands.iter().any(|c| matches!(c, Command::Billing)),
            "{resource:?}: {commands:?}"
        );
    }
    // Operators have no payments.
    let mut alice = signed_in(alice());
    assert!(apply(&mut alice, changed()).is_empty());
    let commands = apply(
        &mut alice,
        Action::Server(E::Changed {
            resource: api::Resource::Operators,
        }),
    );
    assert!(!commands.iter().any(|c| matches!(c, Command::Billing)));
    let commands = apply(&mut alice, Action::Me(super::alice()));
    assert!(!commands.iter().any(|c| matches!(c, Command::Billing)));
}

#[test]
fn a_server_without_billing_stays_quiet_until_the_panel_is_shown() {
    let mut state = signed_in(admin());
    let missing = || {
        failed(
            Command::Billing,
            failure(404, "not_found", "no such endpoint"),
        )
    };
    apply(&mut state, missing());
    assert!(state.note.is_none() && state.admin.error.is_none());
    let mut state = admin_on(Panel::Payments);
    apply(&mut state, missing());
    assert_eq!(state.admin.error.as_deref(), Some("no such endpoint"));
}

#[test]
fn the_warning_shows_above_the_admin_panels_and_marks_the_tab() {
    let warning =
        "No card is saved: save one before 1 February 2025, when your first invoice is due";
    let mut state = admin_on(Panel::Company);
    apply(&mut state, Action::Company(company()));
    apply(&mut state, Action::Billing(billing(Some(warning))));
    let shown = screen(&state);
    assert!(
        shown.contains("No card is saved: save one before 1 February 2025"),
        "{shown}"
    );
    assert!(shown.contains("6 Admin!"), "{shown}");
    // From the console, the tab says there is something to see.
    state.screen = Screen::Console;
    let shown = screen(&state);
    assert!(
        shown.contains("6 Admin!") && !shown.contains("No card is saved"),
        "{shown}"
    );
    // A card saved: the next plan has no warning, and both go.
    state.screen = Screen::Admin;
    apply(&mut state, Action::Billing(billing(None)));
    let shown = screen(&state);
    assert!(
        !shown.contains("No card") && !shown.contains("Admin!"),
        "{shown}"
    );
}

#[test]
fn invoice_dates_follow_a_change_of_the_company_time_zone() {
    let mut state = payments_on(Section::Invoices);
    assert!(screen(&state).contains("2024-12  issued 2025-01-01"));
    // Someone changes the profile's zone: the event, then the reload.
    let commands = apply(
        &mut state,
        Action::Server(E::Changed {
            resource: api::Resource::Company,
        }),
    );
    assert!(matches!(
        &commands[..],
        [Command::Company, Command::Billing]
    ));
    apply(
        &mut state,
        Action::Company(api::Company {
            time_zone: "America/New_York".into(),
            ..company()
        }),
    );
    // 00:30 on New Year's Day in Dublin is still the 31st in New York.
    let shown = screen(&state);
    assert!(shown.contains("2024-12  issued 2024-12-31"), "{shown}");
    assert!(!shown.contains("issued 2025-01-01"), "{shown}");
    assert_eq!(crate::time::date(NEW_YEAR, &state.tz), "2024-12-31");
}

#[test]
fn a_refused_profile_shows_the_servers_sentence_on_the_field() {
    let mut state = admin_on(Panel::Company);
    apply(&mut state, Action::Company(company()));
    for _ in 0..6 {
        update(&mut state, key(KeyCode::Down));
    }
    fill(&mut state, "IE123");
    let commands = apply(&mut state, key(KeyCode::Char('w')));
    let [Command::SaveCompany(patch)] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!(patch.keys(), ["vat_number"]);
    let message = "an Irish VAT number is IE and 8 or 9 characters: 7 digits and 1 or 2 letters";
    // The selection moved on to the time zone: the refusal brings it back.
    apply(
        &mut state,
        failed(
            commands[0].clone(),
            failure(400, "invalid_vat_number", message),
        ),
    );
    assert_eq!(state.admin.error.as_deref(), Some(message));
    let form = &state.admin.company.form;
    assert_eq!(form.fields[form.selected].key, "vat_number");
    let shown = screen(&state);
    assert!(
        shown.contains("an Irish VAT number is IE and 8 or 9"),
        "{shown}"
    );
    // The address's lines are named `address.<line>`.
    apply(
        &mut state,
        failed(
            commands[0].clone(),
            failure(400, "invalid_address.street", "give the street"),
        ),
    );
    let form = &state.admin.company.form;
    assert_eq!(form.fields[form.selected].key, "street");
}
