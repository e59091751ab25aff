//! `update` for the console: offers, accepting, messages, canned responses, transfer,
//! close, and the results that fill a chat.

use crossterm::event::KeyCode;
use switchboard_api::{self as api, AuthorKind, OperatorEventData as E};

use super::*;
use crate::app::Level;
use crate::command::{Command, TransferTo};
use crate::screens::console::Pane;
use crate::screens::dialog::Overlay;

#[test]
fn server_offer_rings_flashes_and_lists_once() {
    let mut state = signed_in(alice());
    let commands = apply(&mut state, Action::Server(offer(7, "Maria Rossi", 12)));
    assert!(matches!(&commands[..], [Command::Bell]));
    assert!(state.flash_until > NOW);
    assert_eq!(state.console.offers.len(), 1);
    assert_eq!(state.console.offers[0].department.as_deref(), Some("Sales"));
    assert!(
        apply(&mut state, Action::Server(offer(7, "Maria Rossi", 12))).is_empty(),
        "a replayed offer is not shown twice"
    );
    assert_eq!(state.console.offers.len(), 1);
}

#[test]
fn server_withdrawn_removes_the_offer_with_a_note() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Server(offer(7, "Maria", 1)));
    apply(&mut state, Action::Server(E::Withdrawn { chat_id: 7 }));
    assert!(state.console.offers.is_empty());
    assert_eq!(state.note.as_ref().unwrap().level, Level::Warn);
}

#[test]
fn server_assigned_loads_a_chat_we_do_not_show() {
    let mut state = signed_in(alice());
    let commands = apply(&mut state, Action::Server(E::Assigned { chat_id: 9 }));
    assert!(matches!(
        &commands[..],
        [
            Command::Chat(9),
            Command::Transcript(9),
            Command::Routing(9)
        ]
    ));
}

#[test]
fn server_released_drops_the_chat() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    apply(&mut state, Action::Server(E::Released { chat_id: 7 }));
    assert!(state.console.chats.is_empty());
}

#[test]
fn server_message_counts_unread_unless_the_chat_is_shown() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    let msg = |seq| {
        Action::Server(E::Message {
            chat_id: 7,
            seq,
            author: AuthorKind::Visitor,
            name: String::new(),
            text: "hello?".into(),
            at: NOW,
        })
    };
    apply(&mut state, msg(5));
    assert_eq!(state.console.chats[0].unread, 0, "the chat is on screen");
    state.screen = Screen::Visitors;
    apply(&mut state, msg(6));
    apply(&mut state, msg(6));
    assert_eq!(
        state.console.chats[0].unread, 1,
        "a resent event counts once"
    );
    let commands = apply(
        &mut state,
        Action::Server(E::Message {
            chat_id: 99,
            seq: 1,
            author: AuthorKind::Visitor,
            name: String::new(),
            text: "x".into(),
            at: NOW,
        }),
    );
    assert!(matches!(
        &commands[..],
        [Command::Chat(99), Command::Transcript(99)]
    ));
}

#[test]
fn server_typing_shows_for_a_while() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    apply(&mut state, Action::Server(E::Typing { chat_id: 7 }));
    assert!(state.console.chats[0].typing_until > NOW);
}

#[test]
fn server_closed_marks_the_chat_ended() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    apply(
        &mut state,
        Action::Server(E::Closed {
            chat_id: 7,
            by: api::ClosedBy::Visitor,
        }),
    );
    assert_eq!(
        state.console.chats[0].closed,
        Some(Some(api::ClosedBy::Visitor))
    );
    state.console.focus = Pane::Input;
    type_text(&mut state, "still there?");
    assert!(
        apply(&mut state, key(KeyCode::Enter)).is_empty(),
        "an ended chat takes no message"
    );
}

#[test]
fn server_reset_clears_offers_until_the_stream_is_back() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Server(offer(7, "Maria", 1)));
    apply(&mut state, Action::Server(E::Reset));
    assert!(state.console.offers.is_empty());
    assert!(state.reload_on_live);
}

#[test]
fn accept_key_asks_once_and_accepted_selects_the_chat() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Server(offer(7, "Maria", 1)));
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(matches!(&commands[..], [Command::Accept(7)]));
    assert!(
        apply(&mut state, key(KeyCode::Char('a'))).is_empty(),
        "no second accept"
    );
    let commands = apply(
        &mut state,
        Action::Accepted(chat(7, "Maria", "connected", Some(2), NOW)),
    );
    assert!(matches!(
        &commands[..],
        [
            Command::Transcript(7),
            Command::Routing(7),
            Command::VisitorProfile(7)
        ]
    ));
    assert!(state.console.offers.is_empty());
    assert_eq!(state.console.focus, Pane::Chats);
    assert_eq!(state.console.selected().unwrap().id, 7);
    assert_eq!(state.console.chats[0].department.as_deref(), Some("Sales"));
}

// Regression: accepting moved the focus into the message box, so pressing `a` five times
// left "aaaa" in the draft.
#[test]
fn accepting_does_not_move_focus_into_the_message_box() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Server(offer(7, "Maria", 1)));
    assert!(matches!(
        &apply(&mut state, key(KeyCode::Char('a')))[..],
        [Command::Accept(7)]
    ));
    apply(
        &mut state,
        Action::Accepted(chat(7, "Maria", "connected", Some(2), NOW)),
    );
    for _ in 0..4 {
        assert!(apply(&mut state, key(KeyCode::Char('a'))).is_empty());
    }
    assert_ne!(state.console.focus, Pane::Input);
    assert_eq!(draft(&state), "", "no stray letters in the draft");
    update(&mut state, key(KeyCode::Char('i')));
    assert_eq!(state.console.focus, Pane::Input, "i writes in the chat");
}

// Regression: a refused dialog form lost what was typed; it comes back with the reason.
#[test]
fn a_refused_form_keeps_what_was_typed_and_shows_why() {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.panel = crate::screens::admin::Panel::Canned;
    state.admin.menu = false;
    update(&mut state, key(KeyCode::Char('n')));
    update(&mut state, key(KeyCode::Char('j')));
    update(&mut state, key(KeyCode::Enter));
    type_text(&mut state, "Thank you!");
    update(&mut state, key(KeyCode::Enter));
    // Refused here: no shortcut.
    assert!(apply(&mut state, key(KeyCode::Char('w'))).is_empty());
    let Some(Overlay::Form { error, .. }) = &state.overlay else {
        panic!("the form stays")
    };
    assert_eq!(error.as_deref(), Some("Give a shortcut and a text"));
    update(&mut state, key(KeyCode::Char('k')));
    update(&mut state, key(KeyCode::Enter));
    type_text(&mut state, "hello");
    update(&mut state, key(KeyCode::Enter));
    let commands = apply(&mut state, key(KeyCode::Char('w')));
    assert!(state.overlay.is_none(), "sent: the form closes");
    // Refused by the server: the form comes back as it was, with the server's sentence.
    apply(
        &mut state,
        failed(
            commands[0].clone(),
            failure(409, "duplicate_shortcut", "#hello is already taken"),
        ),
    );
    let Some(Overlay::Form { form, error, .. }) = &state.overlay else {
        panic!("the form is back")
    };
    assert_eq!(form.value("text"), "Thank you!");
    assert_eq!(form.value("shortcut"), "hello");
    assert_eq!(error.as_deref(), Some("#hello is already taken"));
    let screen = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(screen.contains("#hello is already taken"), "{screen}");
}

#[test]
fn failed_accept_of_a_taken_chat_drops_the_offer_with_a_note() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Server(offer(7, "Maria", 1)));
    apply(&mut state, key(KeyCode::Enter));
    apply(
        &mut state,
        failed(
            Command::Accept(7),
            failure(
                409,
                "chat_taken",
                "another operator has already taken this chat",
            ),
        ),
    );
    assert!(state.console.offers.is_empty());
    assert!(state
        .note
        .as_ref()
        .unwrap()
        .text
        .contains("another operator took"));
}

#[test]
fn sending_is_pending_until_sent_and_failures_can_be_retried() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    type_text(&mut state, "On its way");
    let commands = apply(&mut state, key(KeyCode::Enter));
    let [Command::Send {
        chat: 7,
        text,
        client_id,
    }] = &commands[..]
    else {
        panic!("{commands:?}")
    };
    assert_eq!(text, "On its way");
    assert!(draft(&state).is_empty());
    assert_eq!(state.console.chats[0].pending.len(), 1);
    apply(
        &mut state,
        failed(
            commands[0].clone(),
            failure(503, "unavailable", "try again"),
        ),
    );
    assert_eq!(
        state.console.chats[0].pending[0].failed.as_deref(),
        Some("try again")
    );
    update(&mut state, key(KeyCode::Esc));
    let retried = apply(&mut state, key(KeyCode::Char('R')));
    assert!(
        matches!(&retried[..], [Command::Send { client_id: again, .. }] if again == client_id),
        "same client id"
    );
    apply(
        &mut state,
        Action::Sent {
            chat: 7,
            client_id: client_id.clone(),
            seq: 5,
        },
    );
    assert!(state.console.chats[0].pending.is_empty());
    assert!(state.console.chats[0].entries.contains_key(&5));
}

#[test]
fn a_lone_shortcut_expands_and_tab_completes() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    type_text(&mut state, "#hello");
    assert!(
        apply(&mut state, key(KeyCode::Enter)).is_empty(),
        "expanding sends nothing"
    );
    assert_eq!(draft(&state), "Hello! How can I help you today?");
    state.console.draft_mut().unwrap().take();
    type_text(&mut state, "#by");
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(draft(&state), "Thanks for chatting with us.");
}

#[test]
fn paste_never_sends_and_keeps_lines() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    assert!(apply(&mut state, Action::Paste("line one\nline two\n".into())).is_empty());
    assert_eq!(draft(&state), "line one\nline two\n");
}

#[test]
fn insert_canned_from_the_picker() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    update(&mut state, ctrl('r'));
    let Some(Overlay::Pick(crate::screens::dialog::Pick { items, .. })) = &state.overlay else {
        panic!("no picker")
    };
    assert_eq!(items.len(), 2);
    let next = update(&mut state, key(KeyCode::Enter));
    assert!(matches!(next, Some(Action::InsertCanned { chat: 7, .. })));
    update(&mut state, next.unwrap());
    assert_eq!(draft(&state), "Hello! How can I help you today?");
}

#[test]
fn transfer_picks_an_operator_or_a_department() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    update(&mut state, key(KeyCode::Esc));
    let commands = apply(&mut state, key(KeyCode::Char('t')));
    assert!(matches!(
        &commands[..],
        [Command::Operators, Command::Departments]
    ));
    let Some(Overlay::Pick(crate::screens::dialog::Pick { items, .. })) = &state.overlay else {
        panic!("no picker")
    };
    assert_eq!(
        items.len(),
        3,
        "Bob, Sales, Support (not Alice herself, not the admin)"
    );
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(&commands[..], [Command::Transfer { chat: 7, to: TransferTo::Operator(sip) }] if sip == "10002")
    );
    apply(
        &mut state,
        failed(
            commands[0].clone(),
            failure(404, "not_found", "path not found"),
        ),
    );
    assert!(
        state.note.as_ref().unwrap().text.contains("path not found"),
        "the server's message is shown"
    );
    assert_eq!(state.console.chats.len(), 1);
}

#[test]
fn transferred_removes_the_chat() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    apply(
        &mut state,
        Action::Transferred {
            chat: 7,
            to: TransferTo::Department(11),
        },
    );
    assert!(state.console.chats.is_empty());
    assert!(state.note.as_ref().unwrap().text.contains("Support"));
}

#[test]
fn close_asks_first_and_closed_by_me_removes_the_chat() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    update(&mut state, key(KeyCode::Esc));
    assert!(apply(&mut state, key(KeyCode::Char('c'))).is_empty());
    assert!(matches!(state.overlay, Some(Overlay::Confirm { .. })));
    let commands = apply(&mut state, key(KeyCode::Char('y')));
    assert!(matches!(&commands[..], [Command::Close(7)]));
    apply(&mut state, Action::ClosedByMe(7));
    assert!(state.console.chats.is_empty());
}

#[test]
fn chat_info_for_our_chat_adds_it() {
    let mut state = signed_in(alice());
    let commands = apply(
        &mut state,
        Action::ChatInfo(chat(9, "Li", "connected", Some(2), NOW)),
    );
    assert!(matches!(
        &commands[..],
        [
            Command::Transcript(9),
            Command::Routing(9),
            Command::VisitorProfile(9)
        ]
    ));
    apply(
        &mut state,
        Action::ChatInfo(chat(10, "Other", "connected", Some(3), NOW)),
    );
    assert_eq!(
        state.console.chats.len(),
        1,
        "someone else's chat is not ours"
    );
}

#[test]
fn transcript_fills_the_log_once() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    let before = state.console.chats[0].entries.len();
    apply(
        &mut state,
        Action::Transcript {
            chat: 7,
            entries: vec![message(
                2,
                AuthorKind::Visitor,
                "",
                "Hi, is the blue kettle in stock?",
                NOW,
            )],
        },
    );
    assert_eq!(state.console.chats[0].entries.len(), before);
}

#[test]
fn routing_shows_lines_or_nothing() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    let lines = state.console.chats[0].routing.clone().unwrap();
    assert_eq!(
        lines[1],
        "at: 12:25, kind: offered, operator: Alice, detail: least busy"
    );
    apply(
        &mut state,
        Action::Routing {
            chat: 7,
            entries: None,
        },
    );
    assert!(state.console.chats[0].routing.is_none());
    apply(
        &mut state,
        failed(Command::Routing(7), failure(500, "internal", "x")),
    );
    assert!(state.note.is_none() || !state.note.as_ref().unwrap().text.contains('x'));
}

#[test]
fn chats_fill_history_and_restore_held_chats() {
    let mut state = signed_in(alice());
    let commands = apply(
        &mut state,
        Action::Chats(vec![
            chat(7, "Maria", "connected", Some(2), NOW - 1000),
            chat(8, "Bob's visitor", "connected", Some(3), NOW - 2000),
            chat(6, "Old", "closed", Some(2), NOW - 9000),
        ]),
    );
    assert_eq!(state.dashboard.chats.len(), 3);
    assert_eq!(state.console.chats.len(), 1, "only our open chat");
    assert!(commands.iter().any(|c| matches!(c, Command::Transcript(7))));
}

// Regression: one draft was shared by every chat, so text typed for chat A went to visitor B.
#[test]
fn a_draft_belongs_to_its_chat() {
    let mut state = signed_in(alice());
    apply(
        &mut state,
        Action::Accepted(chat(7, "Anna", "connected", Some(2), NOW)),
    );
    apply(
        &mut state,
        Action::Accepted(chat(8, "Ben", "connected", Some(2), NOW)),
    );
    update(&mut state, key(KeyCode::Esc));
    state.console.focus = Pane::Chats;
    update(&mut state, key(KeyCode::Char('k')));
    assert_eq!(state.console.selected().unwrap().id, 7);
    update(&mut state, key(KeyCode::Char('i')));
    type_text(&mut state, "For Anna only");
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char('j')));
    assert_eq!(state.console.selected().unwrap().id, 8);
    update(&mut state, key(KeyCode::Char('i')));
    assert_eq!(draft(&state), "", "Ben's draft is his own");
    assert!(
        apply(&mut state, key(KeyCode::Enter)).is_empty(),
        "nothing goes to Ben"
    );
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char('k')));
    update(&mut state, key(KeyCode::Char('i')));
    assert_eq!(draft(&state), "For Anna only");
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(&commands[..], [Command::Send { chat: 7, text, .. }] if text == "For Anna only"),
        "{commands:?}"
    );
    // The input's title names the chat the text goes to.
    let screen = format!("{:?}", draw(&state, 100, 24).backend());
    assert!(screen.contains("To #7 Anna"), "{screen}");
}

// Regression: canned responses were loaded only at sign-in, so newer ones could not be used.
#[test]
fn canned_responses_reload_when_changed() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    let commands = apply(
        &mut state,
        Action::Server(E::Changed {
            resource: api::Resource::CannedResponses,
        }),
    );
    assert!(matches!(&commands[..], [Command::Canned]));
    let mut list = state.canned.clone();
    list.push(api::Canned {
        id: 22,
        shortcut: "ship".into(),
        text: "We ship within 2 days.".into(),
    });
    apply(&mut state, Action::Canned(list));
    type_text(&mut state, "#ship");
    assert!(apply(&mut state, key(KeyCode::Enter)).is_empty());
    assert_eq!(draft(&state), "We ship within 2 days.");
}

// Regression: an unknown `#shortcut` was sent to the visitor as literal text.
#[test]
fn an_unknown_shortcut_is_refused_with_a_hint() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    type_text(&mut state, "#shiping");
    assert!(
        apply(&mut state, key(KeyCode::Enter)).is_empty(),
        "nothing is sent"
    );
    assert_eq!(draft(&state), "#shiping", "the text stays to be corrected");
    assert!(state.console.chats[0].pending.is_empty());
    let note = state.note.as_ref().unwrap();
    assert!(
        note.text.contains("No canned response #shiping"),
        "{note:?}"
    );
    assert!(note.text.contains("Ctrl-R"));
}

#[test]
fn changed_events_fetch_the_resource_again() {
    let mut state = signed_in(admin());
    for (resource, expected) in [
        // An admin's plan follows the currency and the seats.
        (api::Resource::Company, "Company, Billing"),
        (api::Resource::ChatWindow, "Window"),
        (api::Resource::Departments, "Departments"),
        (api::Resource::Operators, "Operators, Billing"),
        (api::Resource::OfflineMessages, "OfflineMessages"),
    ] {
        let commands = apply(&mut state, Action::Server(E::Changed { resource }));
        assert_eq!(format!("{commands:?}"), format!("[{expected}]"));
    }
}

/// A chat with `n` visitor messages, one line each, on an 80x24 terminal.
fn long_chat(n: u64) -> State {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    update(&mut state, key(KeyCode::Esc));
    let entries = (10..10 + n)
        .map(|seq| {
            message(
                seq,
                AuthorKind::Visitor,
                "",
                &format!("line {seq}"),
                NOW - 50_000 + seq,
            )
        })
        .collect();
    apply(&mut state, Action::Transcript { chat: 7, entries });
    state
}

// Regression: PgUp/PgDn moved 5 lines whatever the pane's height, and there was no Home/End.
#[test]
fn long_chats_scroll_by_a_page_and_home_end_reach_both_ends() {
    let mut state = long_chat(60);
    let (_, height) = crate::screens::console::message_size(&state);
    assert!(height > 5, "{height}");
    update(&mut state, key(KeyCode::PageUp));
    assert_eq!(state.console.chats[0].scroll, height - 1);
    update(&mut state, key(KeyCode::PageUp));
    assert_eq!(state.console.chats[0].scroll, 2 * (height - 1));
    update(&mut state, key(KeyCode::PageDown));
    assert_eq!(state.console.chats[0].scroll, height - 1);
    update(&mut state, key(KeyCode::Home));
    let top = state.console.chats[0].scroll;
    let screen = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(
        screen.contains("blue kettle"),
        "the first message shows: {screen}"
    );
    update(&mut state, key(KeyCode::PageUp));
    assert_eq!(state.console.chats[0].scroll, top, "nothing above the top");
    update(&mut state, key(KeyCode::End));
    assert_eq!(state.console.chats[0].scroll, 0);
    let screen = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(screen.contains("line 69"), "the newest shows: {screen}");
    // A bigger terminal has bigger pages.
    apply(&mut state, Action::Resize(120, 50));
    update(&mut state, key(KeyCode::PageUp));
    assert!(state.console.chats[0].scroll > height);
}

// Regression: a message arriving while the operator read back moved the text under them,
// and nothing said it had come.
#[test]
fn new_messages_while_scrolled_up_keep_the_place_and_show_a_marker() {
    let mut state = long_chat(60);
    update(&mut state, key(KeyCode::PageUp));
    let before = format!("{:?}", draw(&state, 80, 24).backend());
    let scroll = state.console.chats[0].scroll;
    apply(
        &mut state,
        Action::Server(E::Message {
            chat_id: 7,
            seq: 200,
            author: AuthorKind::Visitor,
            name: String::new(),
            text: "are you there?".into(),
            at: NOW,
        }),
    );
    assert_eq!(state.console.chats[0].new_below, 1);
    assert!(state.console.chats[0].scroll > scroll, "the view stays put");
    let after = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(after.contains("1 new message below"), "{after}");
    assert!(!after.contains("are you there?"));
    // The lines read stay where they were.
    let row = |s: &str| {
        s.lines()
            .find(|l| l.contains("line 40"))
            .map(str::to_string)
    };
    assert_eq!(row(&before), row(&after));
    update(&mut state, key(KeyCode::End));
    assert_eq!(state.console.chats[0].new_below, 0);
    let end = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(end.contains("are you there?") && !end.contains("below"));
}

// Regression: every message repeated its author's header, halving what a pane could show.
#[test]
fn consecutive_messages_of_one_author_share_one_header() {
    use crate::screens::chat::{entry_lines, Entry};
    let state = signed_in(alice());
    let say = |author: AuthorKind, name: &str, text: &str, at: u64| Entry::Message {
        author,
        name: name.into(),
        text: text.into(),
        at,
    };
    let log = [
        say(AuthorKind::Visitor, "", "hi", NOW - 300_000),
        say(AuthorKind::Visitor, "", "anyone?", NOW - 290_000),
        say(AuthorKind::Operator, "Alice", "Hello!", NOW - 280_000),
        say(
            AuthorKind::Operator,
            "Alice",
            "How can I help?",
            NOW - 270_000,
        ),
        say(AuthorKind::Operator, "Bob", "I can take it", NOW - 260_000),
        Entry::Joined { name: "Bob".into() },
        say(AuthorKind::Operator, "Bob", "Here now", NOW - 250_000),
        // Long after: the time is shown again.
        say(AuthorKind::Operator, "Bob", "Still there?", NOW + 600_000),
    ];
    let text: Vec<String> = entry_lines(&log, "Maria", 60, &state)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(
        text,
        [
            "12:25 Maria",
            "  hi",
            "  anyone?",
            "12:25 Alice",
            "  Hello!",
            "  How can I help?",
            "12:25 Bob",
            "  I can take it",
            "— Bob joined",
            "12:25 Bob",
            "  Here now",
            "12:40 Bob",
            "  Still there?",
        ]
    );
}

// Requeued entries say who went away.
#[test]
fn requeued_entries_name_the_operator() {
    use crate::screens::chat::{entry_lines, Entry};
    let state = signed_in(alice());
    let log = [
        Entry::Requeued {
            name: "Bob\x1b[2J".into(),
        },
        Entry::Requeued {
            name: String::new(),
        },
    ];
    let text: Vec<String> = entry_lines(&log, "Maria", 60, &state)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(
        text,
        [
            "— back in the queue: Bob went away",
            "— back in the queue: the operator went away"
        ]
    );
}

// Regression: the transfer list showed who was "online" even without a terminal, and went
// stale while open.
#[test]
fn transfer_list_shows_who_is_available_and_follows_presence() {
    let mut state = signed_in(alice());
    state
        .operators
        .push(operator(4, Some("10003"), "Carol", "online", 0, 4));
    state.operators[3].available = false;
    with_chat(&mut state);
    update(&mut state, key(KeyCode::Esc));
    apply(&mut state, key(KeyCode::Char('t')));
    let labels = |state: &State| match &state.overlay {
        Some(Overlay::Pick(pick)) => pick.items.iter().map(|i| i.0.clone()).collect::<Vec<_>>(),
        _ => panic!("no picker"),
    };
    assert_eq!(
        labels(&state)[..2],
        [
            "Bob (10002) · away · 3/4 chats",
            "Carol (10003) · online, no terminal · 0/4 chats"
        ]
    );
    // Bob comes online with a terminal: the open list follows, available first.
    let commands = apply(
        &mut state,
        Action::Server(E::Changed {
            resource: api::Resource::Operators,
        }),
    );
    assert!(matches!(&commands[..], [Command::Operators]));
    let mut list = state.operators.clone();
    list[2].status = switchboard_api::Status::Online;
    list[2].available = true;
    apply(&mut state, Action::Operators(list));
    assert_eq!(labels(&state)[0], "Bob (10002) · available · 3/4 chats");
    // Typing narrows the list.
    type_text(&mut state, "sup");
    let Some(Overlay::Pick(pick)) = &state.overlay else {
        panic!()
    };
    assert_eq!(pick.shown().len(), 1);
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(matches!(
        &commands[..],
        [Command::Transfer {
            chat: 7,
            to: TransferTo::Department(11)
        }]
    ));
}

// A visitor who closed their window is shown as having left; coming back clears it.
#[test]
fn visitor_presence_marks_the_chat_left() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    apply(
        &mut state,
        Action::Server(E::VisitorPresence {
            chat_id: 7,
            present: false,
        }),
    );
    assert!(state.console.chats[0].visitor_left);
    let screen = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(screen.contains("Maria Rossi left"), "{screen}");
    assert!(screen.contains("closed the chat window"));
    apply(
        &mut state,
        Action::Server(E::VisitorPresence {
            chat_id: 7,
            present: true,
        }),
    );
    assert!(!state.console.chats[0].visitor_left);
}

// Regression: a routing-log line showed "operator: #6" for an operator the client did not
// list; the server's `operator_name` names them.
#[test]
fn routing_log_lines_name_operators() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    let routing = vec![serde_json::json!({
        "at": NOW - 1000, "kind": "offered", "operator": 6,
        "detail": "least busy", "operator_name": "Dave\u{1b}[2J"
    })];
    apply(
        &mut state,
        Action::Routing {
            chat: 7,
            entries: Some(routing),
        },
    );
    let lines = state.console.chats[0].routing.clone().unwrap();
    assert_eq!(
        lines,
        ["at: 12:29, kind: offered, operator: Dave, detail: least busy"]
    );
}

// The console shows the company's waiting queue, refreshed on `queue` events.
#[test]
fn the_console_shows_the_waiting_queue() {
    let mut state = signed_in(alice());
    let commands = apply(&mut state, Action::Server(E::Queue { length: 2 }));
    assert!(matches!(&commands[..], [Command::Queue]));
    apply(
        &mut state,
        Action::Queue(vec![
            chat(30, "Zoe", "waiting", None, NOW - 95_000),
            chat(31, "Yann", "waiting", None, NOW - 5_000),
        ]),
    );
    let screen = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(screen.contains("Queue (2)"), "{screen}");
    assert!(screen.contains("Zoe · Sales 1m 35s"), "{screen}");
    // An older server without the endpoint: the pane stays empty, no error note.
    apply(
        &mut state,
        failed(Command::Queue, failure(404, "not_found", "path not found")),
    );
    assert!(state.note.is_none());
    // Admins take no chats and get no queue pane.
    let mut admin_state = signed_in(admin());
    assert!(apply(&mut admin_state, Action::Server(E::Queue { length: 2 })).is_empty());
}

// An operator can decline an offer; it leaves the list once the server took the decline.
#[test]
fn declining_an_offer_sends_decline_once_and_drops_it() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Server(offer(7, "Maria", 1)));
    let commands = apply(&mut state, key(KeyCode::Char('x')));
    assert!(matches!(&commands[..], [Command::Decline(7)]));
    assert!(
        apply(&mut state, key(KeyCode::Char('x'))).is_empty(),
        "no second decline"
    );
    apply(&mut state, Action::Declined(7));
    assert!(state.console.offers.is_empty());
    assert!(state.note.as_ref().unwrap().text.contains("Declined"));
}

// Wide terminals show who the selected chat's visitor is: pages, earlier chats, email.
#[test]
fn wide_terminals_show_the_visitor_panel() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    let profile = api::VisitorProfile {
        name: "Maria Rossi".into(),
        email: "maria@example.com".into(),
        visitor: Some(screens::visitor(
            3,
            "https://shop.example/kettles",
            NOW - 60_000,
        )),
        previous_chats: vec![chat(
            2,
            "Maria Rossi",
            "closed",
            Some(3),
            NOW - 86_400_000 * 3,
        )],
    };
    apply(&mut state, Action::Profile { chat: 7, profile });
    let narrow = format!("{:?}", draw(&state, 120, 30).backend());
    assert!(!narrow.contains("Earlier chats"), "no room at 120 columns");
    let wide = format!("{:?}", draw(&state, 160, 30).backend());
    assert!(wide.contains("Pages (3 seen)"), "{wide}");
    assert!(wide.contains("Blue kettle · page 3"), "{wide}");
    assert!(wide.contains("Earlier chats (1)"), "{wide}");
    assert!(wide.contains("#2 · Bob"), "{wide}");
}

// Broke: an operator who accepted an offer and went straight to writing had `i` ignored
// while the offers pane still had the focus (the accept's answer not yet back), and the
// words that followed were taken as commands (`t` transfer, `c` close...).
#[test]
fn i_writes_in_the_selected_chat_from_any_pane() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    state.console.focus = Pane::Offers;
    apply(&mut state, key(KeyCode::Char('i')));
    assert_eq!(state.console.focus, Pane::Input);
    for c in "ct".chars() {
        apply(&mut state, key(KeyCode::Char(c)));
    }
    assert_eq!(
        state.console.draft().map(|d| d.text.to_string()).as_deref(),
        Some("ct"),
        "letters are text, not commands"
    );
}
