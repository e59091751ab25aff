//! `update` for every action: what it changes and which command it asks for.

use crossterm::event::KeyCode;
use switchboard_http::api::{self, AuthorKind, OperatorEventData as E};

use super::*;
use crate::app::{Level, Link, LinkEvent};
use crate::client::{ButtonCode, Failure, GraphicsSlot};
use crate::command::{Command, Part, TransferTo};
use crate::screens::console::Pane;
use crate::screens::dialog::Overlay;

fn failure(status: u16, code: &str, message: &str) -> Failure {
    Failure { status: Some(status), code: code.into(), message: message.into() }
}

fn failed(command: Command, error: Failure) -> Action {
    Action::Failed { command: Box::new(command), error }
}

#[test]
fn sign_in_with_command_line_credentials_starts_at_once() {
    let state = State::new("http://x", Some("alice@demo.example".into()), Some("pw".into()), NOW);
    assert!(matches!(state.start(), Some(Action::Run(Command::Login { ref email, .. })) if email == "alice@demo.example"));
    let state = State::new("http://x", Some("alice@demo.example".into()), None, NOW);
    assert!(state.start().is_none(), "without a password the screen asks for it");
    assert_eq!(state.signin.focus, 1, "the password field has the focus");
}

#[test]
fn key_typing_and_enter_on_the_sign_in_screen_logs_in() {
    let mut state = State::new("http://x", None, None, NOW);
    type_text(&mut state, "alice@demo.example");
    update(&mut state, key(KeyCode::Tab));
    type_text(&mut state, "demo-10001");
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(matches!(&commands[..], [Command::Login { email, password }] if email == "alice@demo.example" && password == "demo-10001"));
    assert!(state.signin.busy);
    assert!(apply(&mut state, key(KeyCode::Enter)).is_empty(), "a second Enter sends nothing");
}

#[test]
fn signed_in_loads_the_account() {
    let mut state = State::new("http://x", None, None, NOW);
    let commands = apply(&mut state, Action::SignedIn(api::LoginResponse { token: "t".into(), role: "operator".into() }));
    assert!(matches!(&commands[..], [Command::Me]));
}

#[test]
fn signed_up_says_the_key_and_loads_the_account() {
    let mut state = State::new("http://x", None, None, NOW);
    let commands = apply(&mut state, Action::SignedUp(api::SignupResponse { key: "k123".into(), token: "t".into() }));
    assert!(matches!(&commands[..], [Command::Me]));
    assert!(state.note.as_ref().unwrap().text.contains("k123"));
}

#[test]
fn me_opens_the_console_connects_and_loads() {
    let mut state = State::new("http://x", Some("alice@demo.example".into()), Some("pw".into()), NOW);
    let commands = apply(&mut state, Action::Me(alice()));
    assert_eq!(state.screen, Screen::Console);
    assert_eq!(state.link, Link::Connecting);
    assert!(state.signin.password.text.is_empty(), "the password is not kept");
    assert!(matches!(commands[0], Command::Connect));
    assert!(commands.iter().any(|c| matches!(c, Command::Chats)));
    assert_eq!(crate::time::clock(NOW, &state.tz), "12:30", "Dublin is on UTC in January");
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
    state.link = Link::Reconnecting { attempt: 2, reason: "x".into(), since_ms: NOW - 5000 };
    let commands = apply(&mut state, Action::Link(LinkEvent::Live));
    assert!(matches!(&commands[..], [Command::SetStatus(Presence::Online)]));
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
    apply(&mut state, Action::Link(LinkEvent::Reconnecting { attempt: 1, reason: "gone\x1b[2J".into() }));
    state.now_ms += 3000;
    apply(&mut state, Action::Link(LinkEvent::Reconnecting { attempt: 2, reason: "gone".into() }));
    assert_eq!(state.link, Link::Reconnecting { attempt: 2, reason: "gone".into(), since_ms: NOW });
}

#[test]
fn link_unauthorized_ends_the_session() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Link(LinkEvent::Unauthorized));
    assert_eq!(state.screen, Screen::SignIn);
    assert!(state.signin.error.as_ref().unwrap().contains("sign in again"));
}

#[test]
fn server_offer_rings_flashes_and_lists_once() {
    let mut state = signed_in(alice());
    let commands = apply(&mut state, Action::Server(offer(7, "Maria Rossi", 12)));
    assert!(matches!(&commands[..], [Command::Bell]));
    assert!(state.flash_until > NOW);
    assert_eq!(state.console.offers.len(), 1);
    assert_eq!(state.console.offers[0].department.as_deref(), Some("Sales"));
    assert!(apply(&mut state, Action::Server(offer(7, "Maria Rossi", 12))).is_empty(), "a replayed offer is not shown twice");
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
    assert!(matches!(&commands[..], [Command::Chat(9), Command::Transcript(9), Command::Routing(9)]));
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
    let msg = |seq| Action::Server(E::Message { chat_id: 7, seq, author: AuthorKind::Visitor, name: String::new(), text: "hello?".into(), at: NOW });
    apply(&mut state, msg(5));
    assert_eq!(state.console.chats[0].unread, 0, "the chat is on screen");
    state.screen = Screen::Visitors;
    apply(&mut state, msg(6));
    apply(&mut state, msg(6));
    assert_eq!(state.console.chats[0].unread, 1, "a resent event counts once");
    let commands = apply(&mut state, Action::Server(E::Message { chat_id: 99, seq: 1, author: AuthorKind::Visitor, name: String::new(), text: "x".into(), at: NOW }));
    assert!(matches!(&commands[..], [Command::Chat(99), Command::Transcript(99)]));
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
    apply(&mut state, Action::Server(E::Closed { chat_id: 7, by: "visitor".into() }));
    assert_eq!(state.console.chats[0].closed.as_deref(), Some("visitor"));
    state.console.focus = Pane::Input;
    type_text(&mut state, "still there?");
    assert!(apply(&mut state, key(KeyCode::Enter)).is_empty(), "an ended chat takes no message");
}

#[test]
fn server_queue_and_visitor_events_feed_the_dashboard_and_list() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Server(E::Queue { length: 3 }));
    assert_eq!(state.dashboard.queue_len, 3);
    let v = screens::visitor(5, "https://shop.example/", NOW - 5000);
    apply(&mut state, Action::Server(E::Visitor { visitor: v.clone() }));
    apply(&mut state, Action::Server(E::Visitor { visitor: v }));
    assert_eq!(state.visitors.list.len(), 1);
    apply(&mut state, Action::Server(E::VisitorLeft { visitor_id: 5 }));
    assert!(state.visitors.list.is_empty());
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
fn accept_key_asks_once_and_accepted_opens_the_chat_for_typing() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Server(offer(7, "Maria", 1)));
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(matches!(&commands[..], [Command::Accept(7)]));
    assert!(apply(&mut state, key(KeyCode::Char('a'))).is_empty(), "no second accept");
    let commands = apply(&mut state, Action::Accepted(chat(7, "Maria", "connected", Some(2), NOW)));
    assert!(matches!(&commands[..], [Command::Transcript(7), Command::Routing(7)]));
    assert!(state.console.offers.is_empty());
    assert_eq!(state.console.focus, Pane::Input);
    assert_eq!(state.console.chats[0].department.as_deref(), Some("Sales"));
}

#[test]
fn failed_accept_of_a_taken_chat_drops_the_offer_with_a_note() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Server(offer(7, "Maria", 1)));
    apply(&mut state, key(KeyCode::Enter));
    apply(&mut state, failed(Command::Accept(7), failure(409, "chat_taken", "another operator has already taken this chat")));
    assert!(state.console.offers.is_empty());
    assert!(state.note.as_ref().unwrap().text.contains("another operator took"));
}

#[test]
fn sending_is_pending_until_sent_and_failures_can_be_retried() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    type_text(&mut state, "On its way");
    let commands = apply(&mut state, key(KeyCode::Enter));
    let [Command::Send { chat: 7, text, client_id }] = &commands[..] else { panic!("{commands:?}") };
    assert_eq!(text, "On its way");
    assert!(state.console.input.text.is_empty());
    assert_eq!(state.console.chats[0].pending.len(), 1);
    apply(&mut state, failed(commands[0].clone(), failure(503, "unavailable", "try again")));
    assert_eq!(state.console.chats[0].pending[0].failed.as_deref(), Some("try again"));
    update(&mut state, key(KeyCode::Esc));
    let retried = apply(&mut state, key(KeyCode::Char('R')));
    assert!(matches!(&retried[..], [Command::Send { client_id: again, .. }] if again == client_id), "same client id");
    apply(&mut state, Action::Sent { chat: 7, client_id: client_id.clone(), seq: 5 });
    assert!(state.console.chats[0].pending.is_empty());
    assert!(state.console.chats[0].entries.contains_key(&5));
}

#[test]
fn a_lone_shortcut_expands_and_tab_completes() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    type_text(&mut state, "#hello");
    assert!(apply(&mut state, key(KeyCode::Enter)).is_empty(), "expanding sends nothing");
    assert_eq!(state.console.input.text, "Hello! How can I help you today?");
    state.console.input.take();
    type_text(&mut state, "#by");
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.console.input.text, "Thanks for chatting with us.");
}

#[test]
fn paste_never_sends_and_keeps_lines() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    assert!(apply(&mut state, Action::Paste("line one\nline two\n".into())).is_empty());
    assert_eq!(state.console.input.text, "line one\nline two\n");
}

#[test]
fn insert_canned_from_the_picker() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    update(&mut state, ctrl('r'));
    let Some(Overlay::Pick { items, .. }) = &state.overlay else { panic!("no picker") };
    assert_eq!(items.len(), 2);
    let next = update(&mut state, key(KeyCode::Enter));
    assert!(matches!(next, Some(Action::InsertCanned(_))));
    update(&mut state, next.unwrap());
    assert_eq!(state.console.input.text, "Hello! How can I help you today?");
}

#[test]
fn transfer_picks_an_operator_or_a_department() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    update(&mut state, key(KeyCode::Esc));
    let commands = apply(&mut state, key(KeyCode::Char('t')));
    assert!(matches!(&commands[..], [Command::Operators, Command::Departments]));
    let Some(Overlay::Pick { items, .. }) = &state.overlay else { panic!("no picker") };
    assert_eq!(items.len(), 3, "Bob, Sales, Support (not Alice herself, not the admin)");
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(matches!(&commands[..], [Command::Transfer { chat: 7, to: TransferTo::Operator(sip) }] if sip == "10002"));
    apply(&mut state, failed(commands[0].clone(), failure(404, "not_found", "path not found")));
    assert!(state.note.as_ref().unwrap().text.contains("path not found"), "the server's message is shown");
    assert_eq!(state.console.chats.len(), 1);
}

#[test]
fn transferred_removes_the_chat() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    apply(&mut state, Action::Transferred { chat: 7, to: TransferTo::Department(11) });
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
    let commands = apply(&mut state, Action::ChatInfo(chat(9, "Li", "connected", Some(2), NOW)));
    assert!(matches!(&commands[..], [Command::Transcript(9), Command::Routing(9)]));
    apply(&mut state, Action::ChatInfo(chat(10, "Other", "connected", Some(3), NOW)));
    assert_eq!(state.console.chats.len(), 1, "someone else's chat is not ours");
}

#[test]
fn transcript_fills_the_log_once() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    let before = state.console.chats[0].entries.len();
    apply(&mut state, Action::Transcript { chat: 7, entries: vec![message(2, AuthorKind::Visitor, "", "Hi, is the blue kettle in stock?", NOW)] });
    assert_eq!(state.console.chats[0].entries.len(), before);
}

#[test]
fn routing_shows_lines_or_nothing() {
    let mut state = signed_in(alice());
    with_chat(&mut state);
    let lines = state.console.chats[0].routing.clone().unwrap();
    assert_eq!(lines[1], "at: 12:25, kind: offered, operator: Alice, detail: least busy");
    apply(&mut state, Action::Routing { chat: 7, entries: None });
    assert!(state.console.chats[0].routing.is_none());
    apply(&mut state, failed(Command::Routing(7), failure(500, "internal", "x")));
    assert!(state.note.is_none() || !state.note.as_ref().unwrap().text.contains('x'));
}

#[test]
fn chats_fill_history_and_restore_held_chats() {
    let mut state = signed_in(alice());
    let commands = apply(&mut state, Action::Chats(vec![
        chat(7, "Maria", "connected", Some(2), NOW - 1000),
        chat(8, "Bob's visitor", "connected", Some(3), NOW - 2000),
        chat(6, "Old", "closed", Some(2), NOW - 9000),
    ]));
    assert_eq!(state.history.chats.len(), 3);
    assert_eq!(state.console.chats.len(), 1, "only our open chat");
    assert!(commands.iter().any(|c| matches!(c, Command::Transcript(7))));
}

#[test]
fn visitors_invite_and_invited() {
    let mut state = signed_in(alice());
    update(&mut state, key(KeyCode::Char('2')));
    assert_eq!(state.screen, Screen::Visitors);
    apply(&mut state, Action::Visitors(vec![screens::visitor(5, "https://shop.example/a", NOW - 1000), screens::visitor(6, "https://shop.example/b", NOW - 500)]));
    assert_eq!(state.visitors.list[0].id, 6, "most recent first");
    let commands = apply(&mut state, key(KeyCode::Char('i')));
    assert!(matches!(&commands[..], [Command::Invite(6)]));
    apply(&mut state, Action::Invited(6));
    assert_eq!(state.note.as_ref().unwrap().text, "Invitation sent");
}

#[test]
fn offline_messages_newest_first() {
    let mut state = signed_in(alice());
    let m = |id, at| api::OfflineMessage { id, name: "N".into(), email: "e@x".into(), message: "m".into(), department: None, operator: None, at };
    apply(&mut state, Action::OfflineMessages(vec![m(1, NOW - 10), m(2, NOW)]));
    assert_eq!(state.offline.list[0].id, 2);
}

#[test]
fn history_search_filters_and_enter_loads_the_transcript() {
    let mut state = signed_in(alice());
    apply(&mut state, Action::Chats(vec![chat(7, "Maria", "closed", Some(2), NOW), chat(8, "Li Wei", "closed", Some(3), NOW)]));
    update(&mut state, key(KeyCode::Char('4')));
    update(&mut state, key(KeyCode::Char('/')));
    type_text(&mut state, "li");
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.history.matches().len(), 1);
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(matches!(&commands[..], [Command::Transcript(8)]));
    apply(&mut state, Action::Transcript { chat: 8, entries: vec![] });
    assert!(state.history.transcript.is_some());
    update(&mut state, key(KeyCode::Esc));
    assert!(state.history.transcript.is_none(), "Esc closes the transcript first");
    assert_eq!(state.screen, Screen::History);
}

#[test]
fn status_key_cycles_and_status_set_confirms() {
    let mut state = signed_in(alice());
    let commands = apply(&mut state, key(KeyCode::Char('s')));
    assert!(matches!(&commands[..], [Command::SetStatus(Presence::Away)]));
    apply(&mut state, Action::StatusSet(Presence::Away));
    assert_eq!(state.presence, Presence::Away);
    // F2 works while typing, too.
    with_chat(&mut state);
    let commands = apply(&mut state, key(KeyCode::F(2)));
    assert!(matches!(&commands[..], [Command::SetStatus(Presence::Offline)]));
}

#[test]
fn tick_moves_time_expires_notes_and_refreshes_the_dashboard() {
    let mut state = signed_in(alice());
    state.say(Level::Info, "hi");
    apply(&mut state, Action::Tick(NOW + 10_000));
    assert!(state.note.is_none());
    let commands = apply(&mut state, key(KeyCode::Char('5')));
    assert!(matches!(&commands[..], [Command::Chats, Command::Operators, Command::Visitors]));
    let commands = apply(&mut state, Action::Tick(NOW + 16_000));
    assert!(matches!(&commands[..], [Command::Operators]));
    assert!(!state.dashboard.visitors.is_empty());
}

#[test]
fn run_quit_noop_note_done() {
    let mut state = signed_in(alice());
    assert!(matches!(update(&mut state, Action::Run(Command::Chats)), Some(Action::Run(Command::Chats))));
    assert!(update(&mut state, Action::Noop).is_none());
    update(&mut state, Action::Note("Saved to x.html".into()));
    assert_eq!(state.note.as_ref().unwrap().text, "Saved to x.html");
    let next = update(&mut state, Action::Done("Slot 3 created".into(), Box::new(Command::Graphics)));
    assert!(matches!(next, Some(Action::Run(Command::Graphics))));
    update(&mut state, Action::Quit);
    assert!(state.quit);
}

#[test]
fn q_on_the_console_asks_when_chats_are_open() {
    let mut state = signed_in(alice());
    assert!(matches!(update(&mut state, key(KeyCode::Char('q'))), Some(Action::Quit)));
    with_chat(&mut state);
    update(&mut state, key(KeyCode::Esc));
    assert!(update(&mut state, key(KeyCode::Char('q'))).is_none());
    assert!(matches!(state.overlay, Some(Overlay::Confirm { .. })));
    assert!(matches!(update(&mut state, key(KeyCode::Char('y'))), Some(Action::Quit)));
}

#[test]
fn help_opens_and_any_key_closes_it() {
    let mut state = signed_in(alice());
    update(&mut state, key(KeyCode::Char('?')));
    assert!(matches!(state.overlay, Some(Overlay::Help)));
    update(&mut state, key(KeyCode::Char('x')));
    assert!(state.overlay.is_none());
}

#[test]
fn company_loads_saves_changes_and_follows_the_time_zone() {
    let mut state = signed_in(admin());
    apply(&mut state, key(KeyCode::Char('6')));
    apply(&mut state, Action::Company(screens::company()));
    update(&mut state, key(KeyCode::Enter));
    for _ in 0..5 {
        update(&mut state, key(KeyCode::Down));
    }
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, ctrl('u'));
    type_text(&mut state, "Asia/Tokyo");
    update(&mut state, key(KeyCode::Enter));
    let commands = apply(&mut state, key(KeyCode::Char('w')));
    let [Command::SaveCompany(patch)] = &commands[..] else { panic!("{commands:?}") };
    assert_eq!(patch.time_zone.as_deref(), Some("Asia/Tokyo"));
    assert!(patch.name.is_none(), "only what changed is sent");
    let saved = api::Company { time_zone: "Asia/Tokyo".into(), ..screens::company() };
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
    let [Command::SaveWindow(patch)] = &commands[..] else { panic!("{commands:?}") };
    assert_eq!(patch.invitation_delay_secs, Some(Some(30)));
    let message = "automatic invitations need visitor tracking: turn tracking on first";
    apply(&mut state, failed(commands[0].clone(), failure(400, "invalid_invitation_delay_secs", message)));
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
    assert!(matches!(&apply(&mut state, key(KeyCode::Char('n')))[..], [Command::CreateSlot]));
    update(&mut state, key(KeyCode::Char('H')));
    type_text(&mut state, "/tmp/header.png");
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(matches!(&commands[..], [Command::Upload { slot: 1, part: Part::Header, path }] if path == "/tmp/header.png"));
    update(&mut state, key(KeyCode::Down));
    assert!(matches!(&apply(&mut state, key(KeyCode::Char('a')))[..], [Command::Activate(Some(2))]));
    assert!(matches!(&apply(&mut state, key(KeyCode::Char('D')))[..], [Command::Activate(None)]));
}

#[test]
fn departments_operators_and_canned_lists() {
    let mut state = signed_in(admin());
    apply(&mut state, Action::Departments(vec![api::Department { id: 12, name: "Billing".into() }]));
    assert_eq!(state.departments.len(), 1);
    apply(&mut state, Action::Operators(vec![operator(5, Some("20001"), "Carol", "online", 0, 3)]));
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
    let [Command::SaveOperator { sip, request }] = &commands[..] else { panic!("{commands:?} {:?}", state.note) };
    assert_eq!(sip, "20001");
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
    assert!(matches!(&commands[..], [Command::SaveCanned { id: None, request }] if request.shortcut == "thanks"));
    state.admin.panel = crate::screens::admin::Panel::Departments;
    update(&mut state, key(KeyCode::Char('n')));
    type_text(&mut state, "Billing");
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(matches!(&commands[..], [Command::SaveDepartment { id: None, name }] if name == "Billing"));
}

#[test]
fn button_code_follows_language_and_style_and_copies() {
    let mut state = signed_in(admin());
    state.screen = Screen::Admin;
    state.admin.menu = false;
    state.admin.panel = crate::screens::admin::Panel::Buttons;
    let commands = apply(&mut state, key(KeyCode::Right));
    assert!(matches!(&commands[..], [Command::ButtonCode { lang, style }] if lang == "et" && style == "standard"));
    apply(&mut state, Action::ButtonCode(screens::code("en")));
    assert!(state.admin.buttons.code.is_none(), "a stale answer is ignored");
    apply(&mut state, Action::ButtonCode(screens::code("et")));
    let commands = apply(&mut state, key(KeyCode::Char('c')));
    assert!(matches!(&commands[..], [Command::Copy(html)] if html.contains("window.open")));
    update(&mut state, key(KeyCode::Char('w')));
    let commands = apply(&mut state, key(KeyCode::Enter));
    assert!(matches!(&commands[..], [Command::SaveFile { path, .. }] if path == "chat-button-et-standard.html"));
}

#[test]
fn failed_calls_elsewhere_become_notes_and_401_ends_the_session() {
    let mut state = signed_in(alice());
    apply(&mut state, failed(Command::Visitors, failure(500, "internal", "boom\x1b]52;c;x\x07")));
    assert_eq!(state.note.as_ref().unwrap().text, "boom", "server text is sanitized");
    apply(&mut state, failed(Command::Typing(7), failure(500, "internal", "typing")));
    assert_eq!(state.note.as_ref().unwrap().text, "boom", "typing failures are quiet");
    apply(&mut state, failed(Command::Login { email: "a".into(), password: "b".into() }, failure(401, "bad_credentials", "the email or the password is wrong")));
    assert!(state.signin.error.is_some());
    apply(&mut state, failed(Command::Chats, failure(401, "unauthorized", "no")));
    assert_eq!(state.screen, Screen::SignIn);
}

#[test]
fn graphics_slot_list_shape() {
    let slot: GraphicsSlot = serde_json::from_str(r#"{"id":1,"header":true,"sidebar":false,"active":true,"created_at":5}"#).unwrap();
    assert!(slot.header && slot.active);
    let code: ButtonCode = serde_json::from_str(r#"{"lang":"en","style":"standard","html":"<img>","image_url":"u","chat_url":"c"}"#).unwrap();
    assert_eq!(code.lang, "en");
}
