//! Switchboard's terminal client for operators and admins (`switchboard tui`).
//!
//! # Layout
//! - `lib.rs`: [`run`] — the terminal setup, and the event loop that merges crossterm
//!   events (an input thread), server events (the stream task) and ticks into [`Action`]s,
//!   dispatches them, draws, and writes terminal effects.
//! - [`app`] (`app.rs` grew into `app/`: `mod.rs` with [`State`] and [`app::update`],
//!   `action.rs` with [`Action`], `keys.rs`, `kinds.rs`): the pure core (Elm shape). Side
//!   effects leave it as [`Action::Run`] with a [`Command`].
//! - [`command`]: the [`Command`] enum and [`command::execute`], which turns one into HTTP
//!   calls and its result back into an action.
//! - [`client`]: [`Client`], one typed async method per endpoint, over the wire types of
//!   `switchboard_api`. It takes one server address or several (`--server a,b`, the nodes
//!   of a cluster): it uses one at a time and moves to the next, round robin, when a call
//!   or the stream cannot reach it; a `503` with `Retry-After` is asked again after the
//!   delay (bounded); each answer's address and `switchboard-node` header make a
//!   [`client::Route`].
//! - [`stream`]: the operator event-stream task (`GET /v1/me/events`) with reconnect and
//!   resume by last event id (on the next address when the one in use is gone), parsed
//!   with `switchboard_api::sse::Parser`.
//! - [`driver`]: [`Driver`], the core without a terminal (state, channel, command
//!   execution, and the client's route changes as [`Action::Served`]); the loop and the
//!   end-to-end tests drive it.
//! - `terminal`: raw mode, alternate screen, bracketed paste, the panic hook and `Drop`
//!   that restore them, the input thread, OSC 52 and the bell.
//! - [`sanitize`]: the one function every server string passes through before a widget.
//! - [`time`]: times in the company's zone with jiff's bundled tz database.
//! - [`input`]: the text field (chat input, forms, prompts).
//! - [`languages`]: how the pickers label the 52 languages (own and English name, from
//!   `switchboard_api::languages`).
//! - [`patch`]: [`patch::Patch`], a settings `PUT` holding only the changed fields.
//! - [`screens`]: each screen's state, keys and rendering, one file per screen: `signin`,
//!   `signup`, `console/` (`mod.rs` state and view, `events.rs` server events and
//!   results, `keys.rs`) with `chat` (one chat and its message pane), `visitors`,
//!   `offline`, `history`, `dashboard` (with the address in use and the node serving the
//!   company), `admin/{company,window,departments,operators,canned,buttons,tracking,
//!   payments}`, `password`, `help`, plus `dialog` (confirm, prompt, picker, form) and
//!   `form` (the settings form).
//! - `tests/` (unit tests): `update` for every action, `insta` snapshots of every screen
//!   on a fixed-size `TestBackend`, escape sequences rendered inert. `tests/it` (the
//!   integration binary): the core against a real server in-process, and (`failover`)
//!   against several addresses: a dead one, fronts of one engine posing as cluster nodes.
//!
//! Nothing in `app` or `screens` performs I/O or reads the clock: time arrives as
//! [`Action::Tick`], and rendering is `impl Widget for &State`.

#![deny(missing_docs)]

pub mod app;
pub mod client;
pub mod command;
pub mod driver;
pub mod input;
pub mod languages;
pub mod patch;
pub mod sanitize;
pub mod screens;
pub mod stream;
mod terminal;
pub mod time;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use app::{Action, State};
pub use client::Client;
pub use command::Command;
pub use driver::Driver;

/// How often time moves on screen (waiting times, the clock, "reconnecting… 12s").
const TICK: Duration = Duration::from_secs(1);

/// Runs the client against `server` (one base URL, or several comma-separated: the nodes of
/// a cluster, tried in turn) until the user quits. The password is asked on screen, or read
/// from `SWITCHBOARD_PASSWORD` when set.
pub fn run(server: &str, email: Option<String>) -> anyhow::Result<()> {
    let password = std::env::var("SWITCHBOARD_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(event_loop(server, email, password))
}

/// The loop: draw, wait for an action, dispatch it and whatever else is waiting, write the
/// terminal effects, until the user quits.
async fn event_loop(
    server: &str,
    email: Option<String>,
    password: Option<String>,
) -> anyhow::Result<()> {
    let mut terminal = terminal::Guard::enter()?;
    let mut driver = Driver::new(server, email, password, driver::now_ms());
    let _input = terminal::spawn_input(driver.sender());
    driver.spawn_ticker(TICK);
    if let Ok((width, height)) = crossterm::terminal::size() {
        driver.dispatch(Action::Resize(width, height));
    }
    driver.start();
    while !driver.state.quit {
        terminal.draw(&driver.state)?;
        let Some(action) = driver.next().await else {
            break;
        };
        driver.dispatch(action);
        // Everything already waiting is applied before the next frame.
        while let Some(more) = driver.try_next() {
            driver.dispatch(more);
        }
        terminal.effects(driver.take_effects())?;
    }
    driver.shutdown().await;
    Ok(())
}
