//! `update` for the admin panels: company, chat window, graphics, departments,
//! operators, canned responses, chat buttons.

use crossterm::event::KeyCode;
use switchboard_api as api;

use super::*;
use crate::client::{ButtonCode, GraphicsSlot};
use crate::command::{Command, Part};
use crate::screens::dialog::Overlay;

#[test]
fn company_loads_saves_changes_and_follows_the_time_zone() {
    let mut state = signed_in(admin());
    apply(&mut state, key(KeyCode::Char('6')));
    apply(&mut state, Action::Company(screens::company()));
    update(&mut state, key(KeyCode::Enter));
    for _ in 0..7 {
        update(&mut state, key(KeyCode::Down));
    }
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, ctrl('u'));
    type_text(&mut state, "Asia/Tokyo");
    update(&mut state, key(KeyCode::Enter));
    let commands = apply(&mut state, key(KeyCode::Char('w')));
    let [Command::SaveCompany(patch)] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!(patch.keys(), ["time_zone"], "only what changed is sent");
    let patch: api::CompanyPatch = patch.to().unwrap();
    assert_eq!(patch.time_zone.as_deref(), Some("Asia/Tokyo"));
    let saved = api::Company {
        time_zone: "Asia/Tokyo".into(),
        ..screens::company()
    };
    apply(&mut state, Action::CompanySaved(saved));
    assert_eq!(crate::time::clock(NOW, &state.tz), "21:30");
    // An unknown zone is refused before it is sent.
    update(&mut state, key(KeyCode::Enter));
    type_text(&mut state, "x");
    update(&mut state, key(KeyCode::Enter));
    assert!(apply(&mut state, key(KeyCode::Char('w'))).is_empty());
    assert!(state.admin.error.is_some());
}

#[test]
fn window_saves_and_shows_the_servers_refusal() {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.panel = crate::screens::admin::Panel::Window;
    state.admin.menu = false;
    apply(&mut state, Action::Window(screens::window()));
    for _ in 0..5 {
        update(&mut state, key(KeyCode::Char(']')));
    }
    assert_eq!(state.admin.window.section, 5, "Invitations");
    update(&mut state, key(KeyCode::Down));
    update(&mut state, key(KeyCode::Enter));
    type_text(&mut state, "30");
    update(&mut state, key(KeyCode::Enter));
    let commands = apply(&mut state, key(KeyCode::Char('w')));
    let [Command::SaveWindow(patch)] = &commands[..] else {
        panic!("{commands:?}")
    };
    let patch: api::ChatWindowPatch = patch.to().unwrap();
    assert_eq!(patch.invitation_delay_secs, Some(Some(30)));
    let message = "automatic invitations need visitor tracking: turn tracking on first";
    apply(
        &mut state,
        failed(
            commands[0].clone(),
            failure(400, "invalid_invitation_delay_secs", message),
        ),
    );
    assert_eq!(state.admin.error.as_deref(), Some(message));
    apply(&mut state, Action::WindowSaved(screens::window()));
    assert!(state.admin.error.is_none());
}

#[test]
fn graphics_slots_upload_and_activate() {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.panel = crate::screens::admin::Panel::Window;
    state.admin.menu = false;
    apply(&mut state, Action::Window(screens::window()));
    state.admin.window.section = 2;
    apply(&mut state, Action::Graphics(screens::slots()));
    assert!(matches!(
        &apply(&mut state, key(KeyCode::Char('n')))[..],
        [Command::CreateSlot]
    ));
    update(&mut state, key(KeyCode::Char('H')));
    type_text(&mut state, "/tmp/header.png");
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(&commands[..], [Command::Upload { slot: 1, part: Part::Header, path }] if path == "/tmp/header.png")
    );
    update(&mut state, key(KeyCode::Down));
    assert!(matches!(
        &apply(&mut state, key(KeyCode::Char('a')))[..],
        [Command::Activate(Some(2))]
    ));
    assert!(matches!(
        &apply(&mut state, key(KeyCode::Char('D')))[..],
        [Command::Activate(None)]
    ));
}

#[test]
fn departments_operators_and_canned_lists() {
    let mut state = signed_in(admin());
    apply(
        &mut state,
        Action::Departments(vec![api::Department {
            id: 12,
            name: "Billing".into(),
        }]),
    );
    assert_eq!(state.departments.len(), 1);
    apply(
        &mut state,
        Action::Operators(vec![operator(5, Some("20001"), "Carol", "online", 0, 3)]),
    );
    assert_eq!(state.operators[0].name, "Carol");
    apply(&mut state, Action::Canned(vec![]));
    assert!(state.canned.is_empty());
}

#[test]
fn new_operator_form_sends_every_field_and_names_departments() {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.panel = crate::screens::admin::Panel::Operators;
    state.admin.menu = false;
    update(&mut state, key(KeyCode::Char('n')));
    let fill = |state: &mut State, text: &str| {
        update(state, key(KeyCode::Enter));
        type_text(state, text);
        update(state, key(KeyCode::Enter));
        update(state, key(KeyCode::Down));
    };
    fill(&mut state, "20001");
    fill(&mut state, "Carol");
    fill(&mut state, "carol@acme.example");
    fill(&mut state, "carol-secret");
    update(&mut state, key(KeyCode::Down));
    fill(&mut state, "sales, 11");
    let commands = apply(&mut state, key(KeyCode::Char('w')));
    let [Command::SaveOperator { sip, request }] = &commands[..] else {
        panic!("{commands:?} {:?}", state.note)
    };
    assert_eq!(sip, "20001");
    let request: api::OperatorRequest = request.to().unwrap();
    assert_eq!(request.departments, Some(vec![10, 11]));
    assert_eq!(request.max_chats, Some(4));
    assert!(state.overlay.is_none());
}

#[test]
fn canned_form_and_department_prompt() {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.menu = false;
    state.admin.panel = crate::screens::admin::Panel::Canned;
    update(&mut state, key(KeyCode::Char('n')));
    update(&mut state, key(KeyCode::Enter));
    type_text(&mut state, "#thanks");
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, key(KeyCode::Down));
    update(&mut state, key(KeyCode::Enter));
    type_text(&mut state, "Thank you!");
    update(&mut state, key(KeyCode::Enter));
    let commands = apply(&mut state, key(KeyCode::Char('w')));
    assert!(
        matches!(&commands[..], [Command::SaveCanned { id: None, request }] if request.shortcut == "thanks")
    );
    state.admin.panel = crate::screens::admin::Panel::Departments;
    update(&mut state, key(KeyCode::Char('n')));
    type_text(&mut state, "Billing");
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(&commands[..], [Command::SaveDepartment { id: None, name }] if name == "Billing")
    );
}

#[test]
fn button_code_follows_language_and_style_and_copies() {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.menu = false;
    state.admin.panel = crate::screens::admin::Panel::Buttons;
    let commands = apply(&mut state, key(KeyCode::Right));
    assert!(
        matches!(&commands[..], [Command::ButtonCode { lang, style }] if lang == "et" && *style == api::ButtonStyle::Standard)
    );
    apply(&mut state, Action::ButtonCode(screens::code("en")));
    assert!(
        state.admin.buttons.code.is_none(),
        "a stale answer is ignored"
    );
    apply(&mut state, Action::ButtonCode(screens::code("et")));
    let commands = apply(&mut state, key(KeyCode::Char('c')));
    assert!(matches!(&commands[..], [Command::Copy(html)] if html.contains("window.open")));
    update(&mut state, key(KeyCode::Char('w')));
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(&commands[..], [Command::SaveFile { path, .. }] if path == "chat-button-et-standard.html")
    );
}

#[test]
fn graphics_slot_list_shape() {
    let slot: GraphicsSlot = serde_json::from_str(
        r#"{"id":1,"header":true,"sidebar":false,"active":true,"created_at":5}"#,
    )
    .unwrap();
    assert!(slot.header && slot.active);
    let code: ButtonCode = serde_json::from_str(
        r#"{"lang":"en","style":"standard","html":"<img>","image_url":"u","chat_url":"c"}"#,
    )
    .unwrap();
    assert_eq!(code.lang, "en");
}

/// Changes the selected field of a form through its keys: toggles flip, choices move on,
/// texts and numbers get `typed`.
fn change_field(state: &mut State, kind: &crate::screens::form::Kind, typed: &str) {
    use crate::screens::form::Kind;
    match kind {
        Kind::Toggle => update(state, key(KeyCode::Char(' '))),
        Kind::Choice(_) | Kind::Language => update(state, key(KeyCode::Right)),
        Kind::Text | Kind::Number | Kind::Secret | Kind::CardNumber => {
            update(state, key(KeyCode::Enter));
            update(state, ctrl('u'));
            type_text(state, typed);
            update(state, key(KeyCode::Enter))
        }
    };
}

/// A value each text or number field accepts that differs from the test data.
fn typed_for(key: &str) -> &'static str {
    match key {
        "max_queue" | "max_chats" => "7",
        k if k.ends_with("_secs") => "42",
        "time_zone" => "Asia/Tokyo",
        "country" => "de",
        "email" => "robert@demo.example",
        "password" => "a-new-secret",
        "departments" => "Sales",
        _ => "Something else",
    }
}

/// The wire field a form field is saved in.
fn wire_key(key: &str) -> &str {
    match key {
        "name_enabled" | "name_required" => "name_field",
        "email_enabled" | "email_required" => "email_field",
        "street" | "city" | "postcode" => "address",
        other => other,
    }
}

// Regression: saving one chat-window field sent `null` for the automatic response, the
// fallback department and the invitation delay, clearing them.
#[test]
fn saving_one_chat_window_field_sends_only_that_field() {
    let sections = [0usize, 1, 3, 4, 5];
    let mut checked = 0;
    for section in sections {
        let fields = {
            let mut state = signed_in(admin());
            apply(&mut state, Action::Window(screens::window()));
            state.admin.window.forms[section].fields.clone()
        };
        for (i, field) in fields.iter().enumerate() {
            let mut state = signed_in(admin());
            state.screen = Screen::Admin;
            state.admin.panel = crate::screens::admin::Panel::Window;
            state.admin.menu = false;
            apply(&mut state, Action::Window(screens::window()));
            state.admin.window.section = section;
            for _ in 0..i {
                update(&mut state, key(KeyCode::Down));
            }
            change_field(&mut state, &field.kind, typed_for(field.key));
            let commands = apply(&mut state, key(KeyCode::Char('w')));
            let [Command::SaveWindow(patch)] = &commands[..] else {
                panic!("{}: {commands:?} {:?}", field.key, state.admin.error)
            };
            assert_eq!(patch.keys(), [wire_key(field.key)], "{}", field.key);
            patch
                .to::<api::ChatWindowPatch>()
                .unwrap_or_else(|e| panic!("{}: {e}", field.key));
            checked += 1;
        }
    }
    assert_eq!(checked, 21, "every field of every section");
}

// Regression: a settings save must never send fields the user did not touch.
#[test]
fn saving_one_company_field_sends_only_that_field() {
    let fields = crate::screens::admin::company::form(&screens::company()).fields;
    for (i, field) in fields.iter().enumerate() {
        let mut state = signed_in(admin());
        state.screen = Screen::Admin;
        state.admin.menu = false;
        apply(&mut state, Action::Company(screens::company()));
        for _ in 0..i {
            update(&mut state, key(KeyCode::Down));
        }
        change_field(&mut state, &field.kind, typed_for(field.key));
        let commands = apply(&mut state, key(KeyCode::Char('w')));
        let [Command::SaveCompany(patch)] = &commands[..] else {
            panic!("{}: {commands:?} {:?}", field.key, state.admin.error)
        };
        assert_eq!(patch.keys(), [wire_key(field.key)]);
        patch.to::<api::CompanyPatch>().unwrap();
    }
    assert_eq!(fields.len(), 8);
}

// Regression: a settings save must never send fields the user did not touch.
#[test]
fn saving_one_operator_field_sends_only_that_field() {
    let count = 6;
    for i in 0..count {
        let mut state = signed_in(admin());
        state.screen = Screen::Admin;
        state.admin.panel = crate::screens::admin::Panel::Operators;
        state.admin.menu = false;
        update(&mut state, key(KeyCode::Down));
        update(&mut state, key(KeyCode::Down));
        update(&mut state, key(KeyCode::Char('e')));
        let Some(Overlay::Form { form, .. }) = &state.overlay else {
            panic!("no form")
        };
        let field = form.fields[i].clone();
        for _ in 0..i {
            update(&mut state, key(KeyCode::Down));
        }
        change_field(&mut state, &field.kind, typed_for(field.key));
        let commands = apply(&mut state, key(KeyCode::Char('w')));
        let [Command::SaveOperator { sip, request }] = &commands[..] else {
            panic!("{}: {commands:?} {:?}", field.key, state.note)
        };
        assert_eq!(sip, "10002");
        assert_eq!(request.keys(), [field.key]);
        request.to::<api::OperatorRequest>().unwrap();
    }
}

// Regression: language pickers stepped through 52 bare codes; they list the languages by
// their own names and find one by typing.
#[test]
fn language_pickers_show_names_and_find_by_typing() {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.menu = false;
    state.admin.panel = crate::screens::admin::Panel::Buttons;
    update(&mut state, key(KeyCode::Enter));
    let Some(Overlay::Pick(pick)) = &state.overlay else {
        panic!("no picker")
    };
    assert_eq!(pick.items.len(), 52);
    assert!(pick.items.iter().any(|(l, _)| l == "العربية · Arabic (ar)"));
    type_text(&mut state, "deut");
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(&commands[..], [Command::ButtonCode { lang, .. }] if lang == "de"),
        "{commands:?}"
    );
    let screen = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(screen.contains("Deutsch"), "{screen}");
    // The chat window's default language, found by its English name, saved alone.
    state.admin.panel = crate::screens::admin::Panel::Window;
    apply(&mut state, Action::Window(screens::window()));
    update(&mut state, key(KeyCode::Enter));
    type_text(&mut state, "arabic");
    apply(&mut state, key(KeyCode::Enter));
    let screen = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(screen.contains("العربية"), "{screen}");
    let commands = apply(&mut state, key(KeyCode::Char('w')));
    let [Command::SaveWindow(patch)] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!(patch.keys(), ["language"]);
    assert_eq!(patch.get("language"), Some(&serde_json::json!("ar")));
}

// A graphics slot can be deleted, after a question.
#[test]
fn a_graphics_slot_can_be_deleted() {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.panel = crate::screens::admin::Panel::Window;
    state.admin.menu = false;
    apply(&mut state, Action::Window(screens::window()));
    state.admin.window.section = 2;
    apply(&mut state, Action::Graphics(screens::slots()));
    update(&mut state, key(KeyCode::Down));
    assert!(apply(&mut state, key(KeyCode::Char('x'))).is_empty());
    assert!(matches!(
        &apply(&mut state, key(KeyCode::Char('y')))[..],
        [Command::DeleteSlot(2)]
    ));
}

// Custom button GIFs are uploaded from a file path and deleted; a refused upload brings the
// path back with the reason.
#[test]
fn custom_button_gifs_upload_and_delete() {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.menu = false;
    state.admin.panel = crate::screens::admin::Panel::Buttons;
    update(&mut state, key(KeyCode::Char('o')));
    type_text(&mut state, "/tmp/online.gif");
    let commands = apply(&mut state, key(KeyCode::Enter));
    let [Command::UploadButton { state: which, path }] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!((which.name(), path.as_str()), ("online", "/tmp/online.gif"));
    apply(
        &mut state,
        failed(
            commands[0].clone(),
            failure(400, "invalid_gif", "the file is not a GIF"),
        ),
    );
    let Some(Overlay::Prompt { input, error, .. }) = &state.overlay else {
        panic!("the prompt is back")
    };
    assert_eq!(input.text, "/tmp/online.gif");
    assert_eq!(error.as_deref(), Some("the file is not a GIF"));
    update(&mut state, key(KeyCode::Esc));
    let commands = apply(
        &mut state,
        Action::CustomButtons {
            buttons: api::CustomButtons {
                online: true,
                offline: false,
                custom_buttons: false,
            },
            note: "The online button is uploaded".into(),
        },
    );
    assert!(matches!(&commands[..], [Command::ButtonCode { .. }]));
    let screen = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(screen.contains("online uploaded  offline —"), "{screen}");
    update(&mut state, key(KeyCode::Char('X')));
    assert!(matches!(
        &apply(&mut state, key(KeyCode::Char('y')))[..],
        [Command::DeleteButtons]
    ));
}

// The tracking snippet has its panel: shown, copied with OSC 52, saved to a file.
#[test]
fn tracking_code_panel_copies_and_saves() {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.menu = true;
    state.admin.panel = crate::screens::admin::Panel::Buttons;
    let commands = apply(&mut state, key(KeyCode::Down));
    assert!(matches!(&commands[..], [Command::TrackingCode]));
    update(&mut state, key(KeyCode::Enter));
    let html = "<script src=\"http://127.0.0.1:8080/static/track.js\" data-key=\"abcdef0123456789\"></script>";
    apply(
        &mut state,
        Action::TrackingCode(api::TrackingCode {
            html: html.into(),
            tracking: false,
        }),
    );
    let screen = format!("{:?}", draw(&state, 100, 24).backend());
    assert!(screen.contains("Visitor tracking is off"), "{screen}");
    assert!(screen.contains("track.js"), "{screen}");
    assert!(
        matches!(&apply(&mut state, key(KeyCode::Char('c')))[..], [Command::Copy(h)] if h == html)
    );
    update(&mut state, key(KeyCode::Char('w')));
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(&commands[..], [Command::SaveFile { path, contents }] if path == "tracking-code.html" && contents.starts_with("<script"))
    );
}

// Anyone signed in can change their own password; a wrong current password brings the form
// back with the server's sentence.
#[test]
fn changing_ones_password() {
    let mut state = signed_in(alice());
    update(&mut state, key(KeyCode::Char('P')));
    let fill = |state: &mut State, text: &str| {
        update(state, key(KeyCode::Enter));
        type_text(state, text);
        update(state, key(KeyCode::Enter));
        update(state, key(KeyCode::Down));
    };
    fill(&mut state, "old-secret");
    fill(&mut state, "new-secret-1");
    fill(&mut state, "new-secret-2");
    assert!(apply(&mut state, key(KeyCode::Char('w'))).is_empty());
    let Some(Overlay::Form { error, .. }) = &state.overlay else {
        panic!("the form stays")
    };
    assert_eq!(error.as_deref(), Some("The two new passwords differ"));
    // Still on the repeated one: type it again.
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, ctrl('u'));
    type_text(&mut state, "new-secret-1");
    update(&mut state, key(KeyCode::Enter));
    let commands = apply(&mut state, key(KeyCode::Char('w')));
    let [Command::ChangePassword(body)] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!(
        (body.current.as_str(), body.new.as_str()),
        ("old-secret", "new-secret-1")
    );
    apply(
        &mut state,
        failed(
            commands[0].clone(),
            failure(403, "wrong_password", "the current password is wrong"),
        ),
    );
    let Some(Overlay::Form { error, .. }) = &state.overlay else {
        panic!("the form is back")
    };
    assert_eq!(error.as_deref(), Some("the current password is wrong"));
    assert_eq!(state.screen, Screen::Console, "a 403 is not a lost session");
}
