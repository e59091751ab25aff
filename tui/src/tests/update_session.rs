//! `update` for the session and the screens around the console: signing in, the link,
//! presence, time, quitting, help, visitors, offline messages, history.

use crossterm::event::KeyCode;
use switchboard_api::{self as api, OperatorEventData as E};

use super::*;
use crate::app::{Level, Link, LinkEvent};
use crate::client::Route;
use crate::command::Command;
use crate::screens::dialog::Overlay;

#[test]
fn sign_in_with_command_line_credentials_starts_at_once() {
    let state = State::new(
        "http://x",
        Some("alice@demo.example".into()),
        Some("pw".into()),
        NOW,
    );
    assert!(
        matches!(state.start(), Some(Action::Run(Command::Login { ref email, .. })) if email == "alice@demo.example")
    );
    let state = State::new("http://x", Some("alice@demo.example".into()), None, NOW);
    assert!(
        state.start().is_none(),
        "without a password the screen asks for it"
    );
    assert_eq!(state.signin.focus, 1, "the password field has the focus");
}

#[test]
fn key_typing_and_enter_on_the_sign_in_screen_logs_in() {
    let mut state = State::new("http://x", None, None, NOW);
    type_text(&mut state, "alice@demo.example");
    update(&mut state, key(KeyCode::Tab));
    type_text(&mut state, "demo-10001");
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(&commands[..], [Command::Login { email, password }] if email == "alice@demo.example" && password == "demo-10001")
    );
    assert!(state.signin.busy);
    assert!(
        apply(&mut state, key(KeyCode::Enter)).is_empty(),
        "a second Enter sends nothing"
    );
}

#[test]
fn signed_in_loads_the_account() {
    let mut state = State::new("http://x", None, None, NOW);
    let commands = apply(
        &mut state,
        Action::SignedIn(api::LoginResponse {
            token: "t".into(),
            role: switchboard_api::Role::Operator,
        }),
    );
    assert!(matches!(&commands[..], [Command::Me]));
}

#[test]
fn signed_up_says_the_key_and_loads_the_account() {
    let mut state = State::new("http://x", None, None, NOW);
    let commands = apply(
        &mut state,
        Action::SignedUp(api::SignupResponse {
            key: "k123".into(),
            token: "t".into(),
        }),
    );
    assert!(matches!(&commands[..], [Command::Me]));
    assert!(state.note.as_ref().unwrap().text.contains("k123"));
}

#[test]
fn me_opens_the_console_connects_and_loads() {
    let mut state = State::new(
        "http://x",
        Some("alice@demo.example".into()),
        Some("pw".into()),
        NOW,
    );
    let commands = apply(&mut state, Action::Me(alice()));
    assert_eq!(state.screen, Screen::Console);
    assert_eq!(state.link, Link::Connecting);
    assert!(
        state.signin.password.text.is_empty(),
        "the password is not kept"
    );
    assert!(matches!(commands[0], Command::Connect));
    assert!(commands.iter().any(|c| matches!(c, Command::Chats)));
    assert_eq!(
        crate::time::clock(NOW, &state.tz),
        "12:30",
        "Dublin is on UTC in January"
    );
}

#[test]
fn me_as_an_admin_opens_the_admin_screen() {
    let mut state = State::new("http://x", None, None, NOW);
    let commands = apply(&mut state, Action::Me(admin()));
    assert_eq!(state.screen, Screen::Admin);
    assert!(commands.iter().any(|c| matches!(c, Command::Company)));
}

#[test]
fn signed_out_returns_to_the_sign_in_screen() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::SignedOut);
    assert!(state.me.is_none());
    assert_eq!(state.screen, Screen::SignIn);
}

#[test]
fn link_live_asserts_the_chosen_status_and_reloads_after_a_reset() {
    let mut state = signed_in(alice());
    state.link = Link::Reconnecting {
        attempt: 2,
        reason: "x".into(),
        since_ms: NOW - 5000,
    };
    let commands = apply(&mut state, Action::Link(LinkEvent::Live));
    assert!(matches!(
        &commands[..],
        [Command::SetStatus(Presence::Online)]
    ));
    assert_eq!(state.link, Link::Live);
    assert_eq!(state.note.as_ref().unwrap().text, "Reconnected");
    apply(&mut state, Action::Server(E::Reset));
    let commands = apply(&mut state, Action::Link(LinkEvent::Live));
    assert!(commands.iter().any(|c| matches!(c, Command::Chats)));
    assert!(commands.iter().any(|c| matches!(c, Command::Visitors)));
}

#[test]
fn link_reconnecting_keeps_when_it_was_lost() {
    let mut state = signed_in(alice());
    apply(
        &mut state,
        Action::Link(LinkEvent::Reconnecting {
            attempt: 1,
            reason: "gone\x1b[2J".into(),
        }),
    );
    state.now_ms += 3000;
    apply(
        &mut state,
        Action::Link(LinkEvent::Reconnecting {
            attempt: 2,
            reason: "gone".into(),
        }),
    );
    assert_eq!(
        state.link,
        Link::Reconnecting {
            attempt: 2,
            reason: "gone".into(),
            since_ms: NOW
        }
    );
}

#[test]
fn link_unauthorized_ends_the_session() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Link(LinkEvent::Unauthorized));
    assert_eq!(state.screen, Screen::SignIn);
    assert!(state
        .signin
        .error
        .as_ref()
        .unwrap()
        .contains("sign in again"));
}

/// What an answer told about where it came from.
fn seen(address: &str, node: Option<&str>) -> Action {
    Action::Served(Route {
        address: address.into(),
        node: node.map(str::to_string),
    })
}

#[test]
fn the_route_starts_at_the_first_of_several_servers() {
    let state = State::new(
        "http://127.0.0.1:8081, http://127.0.0.1:8082",
        None,
        None,
        NOW,
    );
    assert_eq!(state.server, "http://127.0.0.1:8081, http://127.0.0.1:8082");
    assert_eq!(
        state.route,
        Route {
            address: "http://127.0.0.1:8081".into(),
            node: None
        }
    );
}

#[test]
fn served_keeps_the_address_in_use_and_the_latest_node_named() {
    let mut state = signed_in(alice());
    let commands = apply(&mut state, seen("http://127.0.0.1:8081", Some("n1")));
    assert!(commands.is_empty(), "nothing to call: {commands:?}");
    assert_eq!(state.route.address, "http://127.0.0.1:8081");
    assert_eq!(state.route.node.as_deref(), Some("n1"));
    // The company moved to another node: forwarded answers name it.
    apply(&mut state, seen("http://127.0.0.1:8081", Some("n2")));
    assert_eq!(state.route.node.as_deref(), Some("n2"));
    // An answer without the header changes the address, not the node last named.
    apply(&mut state, seen("http://127.0.0.1:8082", None));
    assert_eq!(
        state.route,
        Route {
            address: "http://127.0.0.1:8082".into(),
            node: Some("n2".into())
        }
    );
}

#[test]
fn without_a_node_header_no_node_is_known() {
    let mut state = signed_in(alice());
    apply(&mut state, seen("http://127.0.0.1:8080", None));
    assert_eq!(state.route.node, None);
}

#[test]
fn signing_out_or_expiring_keeps_where_the_client_is_connected() {
    let mut state = signed_in(alice());
    apply(&mut state, seen("http://127.0.0.1:8082", Some("n2")));
    apply(&mut state, Action::SignedOut);
    assert_eq!(state.screen, Screen::SignIn);
    assert_eq!(state.route.address, "http://127.0.0.1:8082");
    assert_eq!(state.route.node.as_deref(), Some("n2"));
    let mut state = signed_in(alice());
    apply(&mut state, seen("http://127.0.0.1:8082", None));
    apply(&mut state, Action::Link(LinkEvent::Unauthorized));
    assert_eq!(state.route.address, "http://127.0.0.1:8082");
}

#[test]
fn server_queue_and_visitor_events_feed_the_dashboard_and_list() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Server(E::Queue { length: 3 }));
    assert_eq!(state.dashboard.queue_len, 3);
    let v = screens::visitor(5, "https://shop.example/", NOW - 5000);
    apply(
        &mut state,
        Action::Server(E::Visitor { visitor: v.clone() }),
    );
    apply(&mut state, Action::Server(E::Visitor { visitor: v }));
    assert_eq!(state.visitors.list.len(), 1);
    apply(&mut state, Action::Server(E::VisitorLeft { visitor_id: 5 }));
    assert!(state.visitors.list.is_empty());
}

#[test]
fn visitors_invite_and_invited() {
    let mut state = signed_in(alice());
    update(&mut state, key(KeyCode::Char('2')));
    assert_eq!(state.screen, Screen::Visitors);
    apply(
        &mut state,
        Action::Visitors(vec![
            screens::visitor(5, "https://shop.example/a", NOW - 1000),
            screens::visitor(6, "https://shop.example/b", NOW - 500),
        ]),
    );
    assert_eq!(state.visitors.list[0].id, 6, "most recent first");
    let commands = apply(&mut state, key(KeyCode::Char('i')));
    assert!(matches!(&commands[..], [Command::Invite(6)]));
    apply(&mut state, Action::Invited(6));
    assert_eq!(state.note.as_ref().unwrap().text, "Invitation sent");
}

#[test]
fn offline_messages_newest_first() {
    let mut state = signed_in(alice());
    let m = |id, at| api::OfflineMessage {
        id,
        name: "N".into(),
        email: "e@x".into(),
        message: "m".into(),
        department: None,
        operator: None,
        at,
        done: false,
    };
    apply(
        &mut state,
        Action::OfflineMessages(vec![m(1, NOW - 10), m(2, NOW)]),
    );
    assert_eq!(state.offline.list[0].id, 2);
}

// Regression: the history searched only the chats loaded, by name and email, so words of
// the conversation found nothing; it asks the server now, a page at a time.
#[test]
fn history_search_asks_the_server_and_pages_through_the_results() {
    let mut state = signed_in(alice());
    let commands = apply(&mut state, key(KeyCode::Char('4')));
    assert!(
        matches!(&commands[..], [Command::SearchChats { query, after: None }] if query.is_empty())
    );
    update(&mut state, key(KeyCode::Char('/')));
    type_text(&mut state, "kettle warranty");
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(&commands[..], [Command::SearchChats { query, after: None }] if query == "kettle warranty"),
        "{commands:?}"
    );
    // A late answer for the empty search is dropped.
    apply(
        &mut state,
        Action::ChatPage {
            query: String::new(),
            after: None,
            chats: vec![chat(1, "Old", "closed", None, NOW)],
        },
    );
    assert!(state.history.chats.is_empty());
    let page = |from: u64| -> Vec<api::Chat> {
        (0..crate::client::HISTORY_PAGE as u64)
            .map(|i| chat(from - i, "Maria", "closed", Some(2), NOW - i))
            .collect()
    };
    apply(
        &mut state,
        Action::ChatPage {
            query: "kettle warranty".into(),
            after: None,
            chats: page(500),
        },
    );
    assert_eq!(state.history.chats.len(), 50);
    for _ in 0..49 {
        assert!(apply(&mut state, key(KeyCode::Char('j'))).is_empty());
    }
    // Past the last row: the next page after the last id.
    let commands = apply(&mut state, key(KeyCode::Char('j')));
    assert!(
        matches!(&commands[..], [Command::SearchChats { query, after: Some(451) }] if query == "kettle warranty"),
        "{commands:?}"
    );
    apply(
        &mut state,
        Action::ChatPage {
            query: "kettle warranty".into(),
            after: Some(451),
            chats: vec![chat(12, "Li Wei", "closed", Some(3), NOW - 9_000_000)],
        },
    );
    assert_eq!(state.history.chats.len(), 51);
    assert!(!state.history.more, "a short page is the last");
    update(&mut state, key(KeyCode::Char('j')));
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(matches!(&commands[..], [Command::Transcript(12)]));
    apply(
        &mut state,
        Action::Transcript {
            chat: 12,
            entries: vec![],
        },
    );
    assert!(state.history.transcript.is_some());
    update(&mut state, key(KeyCode::Esc));
    assert!(
        state.history.transcript.is_none(),
        "Esc closes the transcript first"
    );
    assert_eq!(state.screen, Screen::History);
}

#[test]
fn status_key_cycles_and_status_set_confirms() {
    let mut state = signed_in(alice());
    let commands = apply(&mut state, key(KeyCode::Char('s')));
    assert!(matches!(
        &commands[..],
        [Command::SetStatus(Presence::Away)]
    ));
    apply(&mut state, Action::StatusSet(Presence::Away));
    assert_eq!(state.presence, Presence::Away);
    // F2 works while typing, too (going offline with a chat open asks first).
    with_chat(&mut state);
    assert!(apply(&mut state, key(KeyCode::F(2))).is_empty());
    let commands = apply(&mut state, key(KeyCode::Char('y')));
    assert!(matches!(
        &commands[..],
        [Command::SetStatus(Presence::Offline)]
    ));
    assert_eq!(state.wanted, Presence::Offline);
}

// Regression: `s` to go offline re-queued every open chat at once, without a word.
#[test]
fn going_offline_with_open_chats_asks_first_and_says_how_many() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    apply(
        &mut state,
        Action::Accepted(chat(8, "Ben", "connected", Some(2), NOW)),
    );
    update(&mut state, key(KeyCode::Esc));
    apply(&mut state, Action::StatusSet(Presence::Away));
    assert!(
        apply(&mut state, key(KeyCode::Char('s'))).is_empty(),
        "nothing is sent before the answer"
    );
    let Some(Overlay::Confirm { question, .. }) = &state.overlay else {
        panic!("no question")
    };
    assert!(question.contains("2 open chats"), "{question}");
    assert!(apply(&mut state, key(KeyCode::Char('n'))).is_empty());
    assert_eq!(state.wanted, Presence::Online, "no answer, no change");
    apply(&mut state, key(KeyCode::Char('s')));
    assert!(matches!(
        &apply(&mut state, key(KeyCode::Char('y')))[..],
        [Command::SetStatus(Presence::Offline)]
    ));
}

// Regression: Ctrl-C quit at once, handing every open chat back to the queue.
#[test]
fn ctrl_c_with_open_chats_asks_first_and_a_second_one_quits() {
    let mut state = signed_in(alice());
    assert!(
        matches!(update(&mut state, ctrl('c')), Some(Action::Quit)),
        "no chats: quits at once"
    );
    with_chat(&mut state);
    assert!(update(&mut state, ctrl('c')).is_none());
    let Some(Overlay::Confirm { question, .. }) = &state.overlay else {
        panic!("no question")
    };
    assert!(question.contains("1 open chat back"), "{question}");
    assert!(matches!(update(&mut state, ctrl('c')), Some(Action::Quit)));
}

#[test]
fn tick_moves_time_expires_notes_and_refreshes_the_dashboard() {
    let mut state = signed_in(alice());
    state.say(Level::Info, "hi");
    apply(&mut state, Action::Tick(NOW + 10_000));
    assert!(state.note.is_none());
    let commands = apply(&mut state, key(KeyCode::Char('5')));
    assert!(matches!(
        &commands[..],
        [Command::Chats, Command::Operators, Command::Visitors]
    ));
    let commands = apply(&mut state, Action::Tick(NOW + 16_000));
    assert!(matches!(&commands[..], [Command::Operators]));
    assert!(!state.dashboard.visitors.is_empty());
}

#[test]
fn run_quit_noop_note_done() {
    let mut state = signed_in(alice());
    assert!(matches!(
        update(&mut state, Action::Run(Command::Chats)),
        Some(Action::Run(Command::Chats))
    ));
    assert!(update(&mut state, Action::Noop).is_none());
    update(&mut state, Action::Note("Saved to x.html".into()));
    assert_eq!(state.note.as_ref().unwrap().text, "Saved to x.html");
    let next = update(
        &mut state,
        Action::Done("Slot 3 created".into(), Box::new(Command::Graphics)),
    );
    assert!(matches!(next, Some(Action::Run(Command::Graphics))));
    update(&mut state, Action::Quit);
    assert!(state.quit);
}

#[test]
fn q_on_the_console_asks_when_chats_are_open() {
    let mut state = signed_in(alice());
    assert!(matches!(
        update(&mut state, key(KeyCode::Char('q'))),
        Some(Action::Quit)
    ));
    with_chat(&mut state);
    update(&mut state, key(KeyCode::Esc));
    assert!(update(&mut state, key(KeyCode::Char('q'))).is_none());
    assert!(matches!(state.overlay, Some(Overlay::Confirm { .. })));
    assert!(matches!(
        update(&mut state, key(KeyCode::Char('y'))),
        Some(Action::Quit)
    ));
}

#[test]
fn help_opens_and_any_key_closes_it() {
    let mut state = signed_in(alice());
    update(&mut state, key(KeyCode::Char('?')));
    assert!(matches!(state.overlay, Some(Overlay::Help { .. })));
    update(&mut state, key(KeyCode::Char('x')));
    assert!(state.overlay.is_none());
}

#[test]
fn failed_calls_elsewhere_become_notes_and_401_ends_the_session() {
    let mut state = signed_in(alice());
    apply(
        &mut state,
        failed(
            Command::Visitors,
            failure(500, "internal", "boom\x1b]52;c;x\x07"),
        ),
    );
    assert_eq!(
        state.note.as_ref().unwrap().text,
        "boom",
        "server text is sanitized"
    );
    apply(
        &mut state,
        failed(Command::Typing(7), failure(500, "internal", "typing")),
    );
    assert_eq!(
        state.note.as_ref().unwrap().text,
        "boom",
        "typing failures are quiet"
    );
    apply(
        &mut state,
        failed(
            Command::Login {
                email: "a".into(),
                password: "b".into(),
            },
            failure(401, "bad_credentials", "the email or the password is wrong"),
        ),
    );
    assert!(state.signin.error.is_some());
    apply(
        &mut state,
        failed(Command::Chats, failure(401, "unauthorized", "no")),
    );
    assert_eq!(state.screen, Screen::SignIn);
}

#[test]
fn esc_on_the_console_never_quits() {
    let mut state = signed_in(alice());
    assert!(update(&mut state, key(KeyCode::Esc)).is_none());
    assert!(!state.quit && state.overlay.is_none());
    state.screen = Screen::Visitors;
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(
        state.screen,
        Screen::Console,
        "Esc backs out to the console"
    );
}

/// An off-line message.
fn offline_message(id: u64, name: &str, at: u64) -> api::OfflineMessage {
    api::OfflineMessage {
        id,
        name: name.into(),
        email: "e@x.example".into(),
        message: "Call me back".into(),
        department: None,
        operator: None,
        at,
        done: false,
    }
}

// Regression: new off-line messages only showed after a manual reload.
#[test]
fn offline_messages_arrive_live_with_a_badge_and_can_be_marked_done() {
    let mut state = signed_in(alice());
    apply(
        &mut state,
        Action::OfflineMessages(vec![offline_message(1, "Tom", NOW - 10_000)]),
    );
    apply(
        &mut state,
        Action::Server(E::OfflineMessage {
            message: offline_message(2, "Ana", NOW),
        }),
    );
    assert_eq!(state.offline.list[0].id, 2, "newest first");
    assert!(state.note.as_ref().unwrap().text.contains("Ana"));
    let screen = format!("{:?}", draw(&state, 100, 24).backend());
    assert!(screen.contains("Offline (2)"), "{screen}");
    update(&mut state, key(KeyCode::Char('3')));
    assert_eq!(state.offline.selected, 1, "the selection stayed on Tom's");
    update(&mut state, key(KeyCode::Char('k')));
    let commands = apply(&mut state, key(KeyCode::Char('d')));
    assert!(
        matches!(&commands[..], [Command::OfflineDone(2)]),
        "{commands:?} {:?}",
        state.screen
    );
    apply(&mut state, Action::OfflineDone(2));
    let screen = format!("{:?}", draw(&state, 100, 24).backend());
    assert!(screen.contains("Offline (1)"), "{screen}");
    assert!(
        apply(&mut state, key(KeyCode::Char('d'))).is_empty(),
        "done already"
    );
    // A changed event reloads the inbox (someone else marked one done).
    let commands = apply(
        &mut state,
        Action::Server(E::Changed {
            resource: api::Resource::OfflineMessages,
        }),
    );
    assert!(matches!(&commands[..], [Command::OfflineMessages]));
}

// Regression: a change of the company's time zone reached running clients only at sign-in.
#[test]
fn company_changes_reach_running_clients_and_times_follow_the_zone() {
    let mut state = signed_in(alice());
    let commands = apply(
        &mut state,
        Action::Server(E::Changed {
            resource: api::Resource::Company,
        }),
    );
    assert!(matches!(&commands[..], [Command::Company]));
    let company = api::Company {
        time_zone: "Asia/Tokyo".into(),
        ..screens::company()
    };
    apply(&mut state, Action::Company(company));
    let screen = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(
        screen.contains("21:30"),
        "the clock is in Tokyo time: {screen}"
    );
}

// Regression: help lines longer than the overlay were cut at its edge.
#[test]
fn help_lines_wrap_instead_of_being_cut() {
    let lines = crate::screens::help::rows(
        &[(
            "Enter",
            "in the input: send (a lone #shortcut expands instead; an unknown one is refused)",
        )],
        60,
    );
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    assert_eq!(text.len(), 3, "{text:?}");
    assert!(text.iter().all(|l| l.chars().count() <= 60), "{text:?}");
    assert!(text.last().unwrap().trim_end().ends_with("refused)"));
    // On the smallest terminal the overlay scrolls to its end.
    let mut state = signed_in(alice());
    update(&mut state, key(KeyCode::Char('?')));
    for _ in 0..40 {
        update(&mut state, key(KeyCode::Down));
    }
    let screen = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(screen.contains("twice quits"), "{screen}");
    update(&mut state, key(KeyCode::Char('x')));
    assert!(state.overlay.is_none());
}
