//! Side effects. `update` never calls the server; it returns an [`Action::Run`] holding a
//! [`Command`], the loop runs it with [`execute`], and the result comes back as an
//! [`Action`]. Terminal effects (bell, clipboard) and the event stream are carried out by the
//! driver itself.

use switchboard_api as api;

use crate::app::{Action, Presence};
use crate::client::{Client, Failure, HISTORY_LIMIT, HISTORY_PAGE};
use crate::patch::Patch;
use crate::screens::console::QUEUE_SHOWN;

/// Where a chat is transferred.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferTo {
    /// An operator, by SIP username.
    Operator(String),
    /// A department, by id.
    Department(u64),
}

/// A graphics slot's image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The 290x80 header.
    Header,
    /// The 90x367 sidebar.
    Sidebar,
}

impl Part {
    /// The path segment and the word shown.
    pub fn name(self) -> &'static str {
        match self {
            Part::Header => "header",
            Part::Sidebar => "sidebar",
        }
    }
}

/// Which custom button image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ButtonState {
    /// Shown while someone can take a chat.
    Online,
    /// Shown while nobody can.
    Offline,
}

impl ButtonState {
    /// The path segment and the word shown.
    pub fn name(self) -> &'static str {
        match self {
            ButtonState::Online => "online",
            ButtonState::Offline => "offline",
        }
    }
}

/// One side effect for the loop to carry out.
#[derive(Clone, Debug)]
pub enum Command {
    /// Several effects, run independently.
    Batch(Vec<Command>),
    /// `POST /v1/login`.
    Login {
        /// Email.
        email: String,
        /// Password.
        password: String,
    },
    /// `POST /v1/signup`.
    Signup(api::SignupRequest),
    /// `POST /v1/logout`.
    Logout,
    /// `GET /v1/me`.
    Me,
    /// Starts (or restarts) the event-stream task.
    Connect,
    /// `PUT /v1/me/status`.
    SetStatus(Presence),
    /// `POST /v1/chats/{id}/accept`.
    Accept(u64),
    /// `POST /v1/chats/{id}/decline`: the offer moves on to someone else.
    Decline(u64),
    /// `GET /v1/queue?limit=`: the chats waiting, head first.
    Queue,
    /// `GET /v1/chats/{id}/visitor`: the visitor panel.
    VisitorProfile(u64),
    /// `POST /v1/chats/{id}/messages`; run in order with other sends.
    Send {
        /// The chat.
        chat: u64,
        /// Text.
        text: String,
        /// Idempotency key: a retry with it is not stored twice.
        client_id: String,
    },
    /// `POST /v1/chats/{id}/typing`.
    Typing(u64),
    /// `POST /v1/chats/{id}/close`.
    Close(u64),
    /// `POST /v1/chats/{id}/transfer`.
    Transfer {
        /// The chat.
        chat: u64,
        /// To whom.
        to: TransferTo,
    },
    /// `GET /v1/chats/{id}`.
    Chat(u64),
    /// `GET /v1/chats/{id}/messages`.
    Transcript(u64),
    /// `GET /v1/chats/{id}/routing`.
    Routing(u64),
    /// `GET /v1/chats`.
    Chats,
    /// `GET /v1/chats?q=&limit=&after=`: a page of the history's search.
    SearchChats {
        /// Words to find in names, emails and messages ("" for every chat).
        query: String,
        /// The last chat of the page before (none for the first page).
        after: Option<u64>,
    },
    /// `GET /v1/visitors`.
    Visitors,
    /// `POST /v1/visitors/{id}/invite`.
    Invite(u64),
    /// `GET /v1/offline-messages`.
    OfflineMessages,
    /// `POST /v1/offline-messages/{id}/done`.
    OfflineDone(u64),
    /// `GET /v1/company`.
    Company,
    /// `PUT /v1/company` with the changed fields.
    SaveCompany(Patch),
    /// `GET /v1/chat-window`.
    Window,
    /// `PUT /v1/chat-window` with the changed fields.
    SaveWindow(Patch),
    /// `GET /v1/chat-window/graphics`.
    Graphics,
    /// `POST /v1/chat-window/graphics`.
    CreateSlot,
    /// Reads a file and `PUT`s it as a slot's image.
    Upload {
        /// Slot id.
        slot: u64,
        /// Which image.
        part: Part,
        /// File to read.
        path: String,
    },
    /// `POST /v1/chat-window/graphics/{id|default}/activate`.
    Activate(Option<u64>),
    /// `GET /v1/departments`.
    Departments,
    /// Creates (`id` none) or renames a department.
    SaveDepartment {
        /// Id to rename.
        id: Option<u64>,
        /// Name.
        name: String,
    },
    /// `DELETE /v1/departments/{id}`.
    DeleteDepartment(u64),
    /// `GET /v1/operators`.
    Operators,
    /// `PUT /v1/operators/{sip}`.
    SaveOperator {
        /// SIP username.
        sip: String,
        /// Fields to set: every one for a new operator, the changed ones otherwise.
        request: Patch,
    },
    /// `DELETE /v1/operators/{sip}`.
    DeleteOperator(String),
    /// `GET /v1/canned-responses`.
    Canned,
    /// Creates (`id` none) or changes a canned response.
    SaveCanned {
        /// Id to change.
        id: Option<u64>,
        /// Shortcut and text.
        request: api::CannedRequest,
    },
    /// `DELETE /v1/canned-responses/{id}`.
    DeleteCanned(u64),
    /// `GET /v1/buttons/code?lang=&style=`.
    ButtonCode {
        /// Language code.
        lang: String,
        /// The button's look.
        style: api::ButtonStyle,
    },
    /// `DELETE /v1/chat-window/graphics/{id}`.
    DeleteSlot(u64),
    /// Reads a GIF and `PUT`s it as the custom online or offline button.
    UploadButton {
        /// `online` or `offline`.
        state: ButtonState,
        /// File to read.
        path: String,
    },
    /// `DELETE /v1/buttons/custom`: back to the standard buttons.
    DeleteButtons,
    /// `GET /v1/tracking/code`.
    TrackingCode,
    /// `PUT /v1/me/password` (204; the account's other sessions end).
    ChangePassword(api::PasswordChange),
    /// `GET /v1/billing`.
    Billing,
    /// `GET /v1/invoices`.
    Invoices,
    /// `GET /v1/invoices/{number}.pdf`, written to a file.
    SaveInvoice {
        /// Invoice number.
        number: u64,
        /// Path to write.
        path: String,
    },
    /// `GET /v1/cards`.
    Cards,
    /// `POST /v1/cards`. Its number and security code leave with the request: a failure
    /// comes back without them ([`Command::kept`]).
    AddCard(api::billing::CardRequest),
    /// `DELETE /v1/cards/{id}`.
    DeleteCard(u64),
    /// `POST /v1/cards/{id}/default`.
    DefaultCard(u64),
    /// Writes text to a file.
    SaveFile {
        /// Path.
        path: String,
        /// Contents.
        contents: String,
    },
    /// Puts text on the clipboard with OSC 52 (a terminal effect).
    Copy(String),
    /// Rings the terminal bell (a terminal effect).
    Bell,
}

impl Command {
    /// The command as it may be kept once it has run (a failure carries it back to
    /// `update`): a card's number and security code are dropped.
    pub fn kept(&self) -> Command {
        match self {
            Command::AddCard(request) => Command::AddCard(api::billing::CardRequest {
                number: String::new(),
                cvc: String::new(),
                ..request.clone()
            }),
            other => other.clone(),
        }
    }
}

/// Runs one HTTP or file command and returns what happened, as an action. `Batch`,
/// `Connect`, `Copy` and `Bell` belong to the driver and answer `None` here.
pub async fn execute(client: &Client, command: Command) -> Option<Action> {
    let failed = |error: Failure, command: &Command| Action::Failed {
        command: Box::new(command.kept()),
        error,
    };
    let c = &command;
    let result: Result<Action, Failure> = match c {
        Command::Batch(_) | Command::Connect | Command::Copy(_) | Command::Bell => return None,
        Command::Login { email, password } => {
            client.login(email, password).await.map(Action::SignedIn)
        }
        Command::Signup(body) => client.signup(body).await.map(Action::SignedUp),
        Command::Logout => client.logout().await.map(|()| Action::SignedOut),
        Command::Me => client.me().await.map(Action::Me),
        Command::SetStatus(p) => client
            .set_status(p.name())
            .await
            .map(|()| Action::StatusSet(*p)),
        Command::Accept(id) => client.accept(*id).await.map(Action::Accepted),
        Command::Decline(id) => client.decline(*id).await.map(|()| Action::Declined(*id)),
        Command::Queue => client.queue(QUEUE_SHOWN).await.map(Action::Queue),
        Command::VisitorProfile(id) => client
            .visitor_profile(*id)
            .await
            .map(|profile| Action::Profile { chat: *id, profile }),
        Command::Send {
            chat,
            text,
            client_id,
        } => {
            let body = api::MessageRequest {
                text: text.clone(),
                client_id: client_id.clone(),
            };
            client
                .post_message(*chat, &body)
                .await
                .map(|r| Action::Sent {
                    chat: *chat,
                    client_id: client_id.clone(),
                    seq: r.seq,
                })
        }
        Command::Typing(id) => client.typing(*id).await.map(|()| Action::Noop),
        Command::Close(id) => client.close(*id).await.map(|_| Action::ClosedByMe(*id)),
        Command::Transfer { chat, to } => {
            let body = match to {
                TransferTo::Operator(sip) => api::TransferRequest {
                    operator: Some(sip.clone()),
                    department: None,
                },
                TransferTo::Department(id) => api::TransferRequest {
                    operator: None,
                    department: Some(*id),
                },
            };
            client
                .transfer(*chat, &body)
                .await
                .map(|()| Action::Transferred {
                    chat: *chat,
                    to: to.clone(),
                })
        }
        Command::Chat(id) => client.chat(*id).await.map(Action::ChatInfo),
        Command::Transcript(id) => client
            .transcript(*id)
            .await
            .map(|entries| Action::Transcript { chat: *id, entries }),
        Command::Routing(id) => client
            .routing(*id)
            .await
            .map(|entries| Action::Routing { chat: *id, entries }),
        Command::Chats => client.chats(HISTORY_LIMIT).await.map(Action::Chats),
        Command::SearchChats { query, after } => client
            .search_chats(query, HISTORY_PAGE, *after)
            .await
            .map(|chats| Action::ChatPage {
                query: query.clone(),
                after: *after,
                chats,
            }),
        Command::Visitors => client.visitors().await.map(Action::Visitors),
        Command::Invite(id) => client.invite(*id).await.map(|()| Action::Invited(*id)),
        Command::OfflineMessages => client.offline_messages().await.map(Action::OfflineMessages),
        Command::OfflineDone(id) => client
            .offline_done(*id)
            .await
            .map(|()| Action::OfflineDone(*id)),
        Command::Company => client.company().await.map(Action::Company),
        Command::SaveCompany(patch) => client.save_company(patch).await.map(Action::CompanySaved),
        Command::Window => client.chat_window().await.map(Action::Window),
        Command::SaveWindow(patch) => client
            .save_chat_window(patch)
            .await
            .map(Action::WindowSaved),
        Command::Graphics => client.graphics().await.map(Action::Graphics),
        Command::CreateSlot => client.create_slot().await.map(|s| {
            Action::Done(
                format!("Slot {} created", s.id),
                Box::new(Command::Graphics),
            )
        }),
        Command::Upload { slot, part, path } => match tokio::fs::read(path).await {
            Ok(bytes) => client.upload(*slot, part.name(), bytes).await.map(|_| {
                Action::Done(
                    format!("Uploaded the {} of slot {slot}", part.name()),
                    Box::new(Command::Graphics),
                )
            }),
            Err(e) => Err(Failure::local("file", format!("cannot read {path}: {e}"))),
        },
        Command::Activate(slot) => client.activate(*slot).await.map(|()| {
            let what = slot.map_or("the default graphics".to_string(), |s| format!("slot {s}"));
            Action::Done(
                format!("The chat window now shows {what}"),
                Box::new(Command::Graphics),
            )
        }),
        Command::Departments => client.departments().await.map(Action::Departments),
        Command::SaveDepartment { id, name } => client.save_department(*id, name).await.map(|d| {
            Action::Done(
                format!("Department \"{}\" saved", d.name),
                Box::new(Command::Departments),
            )
        }),
        Command::DeleteDepartment(id) => client
            .delete_department(*id)
            .await
            .map(|()| Action::Done("Department deleted".into(), Box::new(Command::Departments))),
        Command::Operators => client.operators().await.map(Action::Operators),
        Command::SaveOperator { sip, request } => {
            client.save_operator(sip, request).await.map(|o| {
                Action::Done(
                    format!("Operator {} saved", o.name),
                    Box::new(Command::Operators),
                )
            })
        }
        Command::DeleteOperator(sip) => client.delete_operator(sip).await.map(|()| {
            Action::Done(
                format!("Operator {sip} deleted"),
                Box::new(Command::Operators),
            )
        }),
        Command::Canned => client.canned().await.map(Action::Canned),
        Command::SaveCanned { id, request } => client.save_canned(*id, request).await.map(|c| {
            Action::Done(
                format!(
                    "Canned response #{} saved",
                    c.shortcut.trim_start_matches('#')
                ),
                Box::new(Command::Canned),
            )
        }),
        Command::DeleteCanned(id) => client
            .delete_canned(*id)
            .await
            .map(|()| Action::Done("Canned response deleted".into(), Box::new(Command::Canned))),
        Command::ButtonCode { lang, style } => client
            .button_code(lang, *style)
            .await
            .map(Action::ButtonCode),
        Command::DeleteSlot(id) => client
            .delete_slot(*id)
            .await
            .map(|()| Action::Done(format!("Slot {id} deleted"), Box::new(Command::Graphics))),
        Command::UploadButton { state, path } => match tokio::fs::read(path).await {
            Ok(bytes) => client
                .upload_button(state.name(), bytes)
                .await
                .map(|buttons| Action::CustomButtons {
                    buttons,
                    note: format!("The {} button is uploaded", state.name()),
                }),
            Err(e) => Err(Failure::local("file", format!("cannot read {path}: {e}"))),
        },
        Command::DeleteButtons => {
            client
                .delete_buttons()
                .await
                .map(|buttons| Action::CustomButtons {
                    buttons,
                    note: "Custom buttons deleted: the standard ones show".into(),
                })
        }
        Command::TrackingCode => client.tracking_code().await.map(Action::TrackingCode),
        Command::ChangePassword(body) => client
            .change_password(body)
            .await
            .map(|()| Action::Note("Password changed; your other sessions have ended".into())),
        Command::Billing => client.billing().await.map(Action::Billing),
        Command::Invoices => client.invoices().await.map(Action::Invoices),
        Command::SaveInvoice { number, path } => match client.invoice_pdf(*number).await {
            Ok(pdf) => match tokio::fs::write(path, pdf).await {
                Ok(()) => Ok(Action::Note(format!("Invoice {number} saved to {path}"))),
                Err(e) => Err(Failure::local("file", format!("cannot write {path}: {e}"))),
            },
            Err(error) => Err(error),
        },
        Command::Cards => client
            .cards()
            .await
            .map(|cards| Action::Cards { cards, note: None }),
        // A saved card pays what was unpaid: the invoices may have changed too.
        Command::AddCard(request) => client.add_card(request).await.map(|card| {
            Action::Done(
                format!("Card {} saved", card_name(&card)),
                Box::new(Command::Batch(vec![
                    Command::Cards,
                    Command::Billing,
                    Command::Invoices,
                ])),
            )
        }),
        Command::DeleteCard(id) => client.delete_card(*id).await.map(|()| {
            Action::Done(
                "Card deleted".into(),
                Box::new(Command::Batch(vec![Command::Cards, Command::Billing])),
            )
        }),
        Command::DefaultCard(id) => client.default_card(*id).await.map(|cards| {
            let note = cards
                .iter()
                .find(|c| c.default)
                .map(|c| format!("Invoices are charged to {}", card_name(c)));
            Action::Cards { cards, note }
        }),
        Command::SaveFile { path, contents } => match tokio::fs::write(path, contents).await {
            Ok(()) => Ok(Action::Note(format!("Saved to {path}"))),
            Err(e) => Err(Failure::local("file", format!("cannot write {path}: {e}"))),
        },
    };
    Some(result.unwrap_or_else(|error| failed(error, c)))
}

/// A card as a note names it: `visa •••• 4242`.
fn card_name(card: &api::billing::Card) -> String {
    format!(
        "{} •••• {}",
        crate::sanitize::line(&card.brand),
        crate::sanitize::line(&card.last4)
    )
}
