//! The client's core without a terminal: the [`State`], the channel every action arrives
//! on, and the carrying out of commands (HTTP calls as tasks, messages in order, the event
//! stream). The terminal loop in `lib.rs` and the end-to-end tests both drive it.

use std::time::Duration;

use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;

use crate::app::{update, Action, Presence, State};
use crate::client::Client;
use crate::command::{self, Command};

/// Most follow-up actions one dispatch runs; a chain longer than this is a bug, and
/// stopping keeps the screen alive.
const MAX_CHAIN: usize = 64;

/// On quit, going offline may take this long before the client leaves anyway.
const GOODBYE: Duration = Duration::from_secs(2);

/// A terminal effect for the loop to write (the core has no terminal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Ring the bell.
    Bell,
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
}

/// The client's core.
pub struct Driver {
    /// Everything shown.
    pub state: State,
    /// The server (or the nodes of a cluster).
    client: Client,
    /// Where results, server events, keys and ticks are sent.
    tx: UnboundedSender<Action>,
    /// Where they are read.
    rx: UnboundedReceiver<Action>,
    /// The event-stream task, replaced on each connect.
    stream: Option<JoinHandle<()>>,
    /// Messages go through one task so they reach the server in the order typed.
    sends: UnboundedSender<Command>,
    /// Terminal effects waiting for the loop.
    effects: Vec<Effect>,
    /// The tick task, if started.
    ticker: Option<JoinHandle<()>>,
    /// The task turning the client's [`crate::client::Route`] changes into
    /// [`Action::Served`].
    routes: JoinHandle<()>,
}

impl Driver {
    /// A core for `server` (one base URL, or several comma-separated: see [`Client::new`]),
    /// on the sign-in screen. Needs a tokio runtime.
    pub fn new(server: &str, email: Option<String>, password: Option<String>, now_ms: u64) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let client = Client::new(server);
        let (sends, mut queue) = mpsc::unbounded_channel::<Command>();
        let (c, out) = (client.clone(), tx.clone());
        tokio::spawn(async move {
            while let Some(send) = queue.recv().await {
                if let Some(result) = command::execute(&c, send).await {
                    if out.send(result).is_err() {
                        return;
                    }
                }
            }
        });
        // Where answers come from reaches the state as actions, like everything else.
        let (mut routes, out) = (client.routes(), tx.clone());
        let routes = tokio::spawn(async move {
            while routes.changed().await.is_ok() {
                let seen = routes.borrow_and_update().clone();
                if out.send(Action::Served(seen)).is_err() {
                    return;
                }
            }
        });
        Driver {
            state: State::new(server, email, password, now_ms),
            client,
            tx,
            rx,
            stream: None,
            sends,
            effects: Vec::new(),
            ticker: None,
            routes,
        }
    }

    /// The HTTP client (signed in once the state is).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A sender for actions from outside (keys, ticks).
    pub fn sender(&self) -> UnboundedSender<Action> {
        self.tx.clone()
    }

    /// Sends [`Action::Tick`] with the wall clock every `every`.
    pub fn spawn_ticker(&mut self, every: Duration) {
        let tx = self.tx.clone();
        self.ticker = Some(tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                interval.tick().await;
                if tx.send(Action::Tick(now_ms())).is_err() {
                    return;
                }
            }
        }));
    }

    /// Runs the first action (signing in at once when the command line allows).
    pub fn start(&mut self) {
        if let Some(action) = self.state.start() {
            self.dispatch(action);
        }
    }

    /// Applies an action and its follow-ups; commands start and their results come back
    /// through [`Driver::next`].
    pub fn dispatch(&mut self, action: Action) {
        let mut next = Some(action);
        for _ in 0..MAX_CHAIN {
            let Some(action) = next.take() else { return };
            next = match action {
                Action::Run(command) => {
                    self.execute(command);
                    None
                }
                other => update(&mut self.state, other),
            };
        }
    }

    /// The next action to dispatch (waits).
    pub async fn next(&mut self) -> Option<Action> {
        self.rx.recv().await
    }

    /// The next action if one is waiting.
    pub fn try_next(&mut self) -> Option<Action> {
        self.rx.try_recv().ok()
    }

    /// Terminal effects asked since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Carries out one command.
    fn execute(&mut self, command: Command) {
        match command {
            Command::Batch(commands) => {
                for command in commands {
                    self.execute(command);
                }
            }
            Command::Connect => {
                if let Some(old) = self.stream.take() {
                    old.abort();
                }
                self.stream = Some(crate::stream::spawn(self.client.clone(), self.tx.clone()));
            }
            Command::Bell => self.effects.push(Effect::Bell),
            Command::Copy(text) => self.effects.push(Effect::Copy(text)),
            send @ Command::Send { .. } => {
                let _ = self.sends.send(send);
            }
            other => {
                let (client, tx) = (self.client.clone(), self.tx.clone());
                tokio::spawn(async move {
                    if let Some(result) = command::execute(&client, other).await {
                        let _ = tx.send(result);
                    }
                });
            }
        }
    }

    /// Leaving: the stream stops and an operator goes offline (best effort, bounded).
    pub async fn shutdown(&mut self) {
        if let Some(stream) = self.stream.take() {
            stream.abort();
        }
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
        if self.state.takes_chats() {
            let _ = tokio::time::timeout(GOODBYE, self.client.set_status(Presence::Offline.name()))
                .await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(stream) = self.stream.take() {
            stream.abort();
        }
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
        self.routes.abort();
    }
}

/// Unix ms now, from the wall clock (only the shell reads it).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
