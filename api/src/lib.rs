//! Switchboard's wire: what a client and the server say to each other, and nothing of how
//! either does its work. The server (`switchboard-http`), the terminal client, the load
//! generator and the tests share these shapes; `/openapi.json` documents them.
//!
//! # Layout
//! - `wire`: every JSON body the API reads or writes, re-exported at the crate root
//!   ([`SignupRequest`], [`Me`], ...).
//! - `events`: the `data:` of every server-sent event ([`ChatEventData`],
//!   [`OperatorEventData`], [`VisitorEventData`]), each variant named once by `name()`.
//! - `kinds`: the closed sets, each a serde enum with one `name()`: [`Status`], [`Role`],
//!   [`ChatState`], [`Distribution`], [`Fairness`], [`ClosedBy`],
//!   [`RoutingKind`], [`ButtonStyle`] (and [`languages::Direction`]).
//! - `window`: [`WindowSettings`], what the chat window's script reads, with its
//!   [`LanguageChoice`]s.
//! - [`billing`]: the plan, invoices, saved cards, and how money and VAT rates are
//!   written ([`billing::format_money`]).
//! - [`sse`]: the client side of an event stream, [`sse::Parser`].
//! - [`languages`]: the chat window's languages — code, own name, English name, direction —
//!   the one table the server's translations and the terminal client's pickers read.
//! - [`text`]: the one scanner of terminal escape sequences and control characters, used by
//!   the server before storing text and by the terminal client before showing it.
//!
//! Depends on serde only: a client that builds on it brings nothing of the server (engine,
//! storage, hyper's server, actix, sled) with it. The feature `openapi` (the server's) adds
//! utoipa and derives `ToSchema` for every type the API document names; doc comments become
//! the schemas' descriptions.

#![deny(missing_docs)]

pub mod billing;
mod events;
mod kinds;
pub mod languages;
pub mod sse;
#[cfg(test)]
mod tests;
pub mod text;
mod window;
mod wire;

pub use events::*;
pub use kinds::{
    ButtonStyle, ChatState, ClosedBy, Distribution, Fairness, Role, RoutingKind, Status,
};
pub use window::{LanguageChoice, WindowSettings};
pub use wire::*;

/// The response header naming the node that served the company, in cluster mode (for a
/// request another node forwarded, the company's node).
pub const NODE_HEADER: &str = "switchboard-node";
