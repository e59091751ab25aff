//! Switchboard's front door: hyper 1 serving the visitor pages and API, the panel API and the
//! event streams. The wire types every client shares are `switchboard-api`'s.
//!
//! # Layout
//! - [`server`]: the accept loop, connection limits, graceful shutdown, [`server::App`].
//! - [`limits`]: rate limits per address and per company, sign-in lockout.
//! - `routes`: dispatch and one file per group of endpoints (`account`, `panel`, `chats`,
//!   `visitor`, `pages`, `ops`).
//! - [`api`]: `switchboard-api`, the wire types (JSON bodies, event data, languages).
//! - `convert`: engine values to wire names.
//! - [`error`]: [`error::ApiError`] and the one mapping from engine errors to status codes.
//! - [`sse`]: event-stream bodies with replay, keep-alive and shutdown (the client's parser
//!   is `switchboard-api`'s).
//! - [`chat_url`]: the chat URL parser.
//! - [`i18n`]: the chat window's 52 Fluent translations, compiled in.
//!
//! Only this crate speaks HTTP and JSON.

#![deny(missing_docs)]

pub mod chat_url;
mod convert;
pub mod error;
pub mod i18n;
pub mod limits;
mod routes;
pub mod server;
pub mod sse;

/// The wire types, from `switchboard-api`; server code names them `crate::api::...`.
pub use switchboard_api as api;

pub use server::{serve, start, App, Config, Running};
