//! Switchboard's front door: hyper 1 serving the visitor pages and API, the panel API and the
//! event streams, and the wire types every client shares.
//!
//! # Layout
//! - [`server`]: the accept loop, connection limits, graceful shutdown, [`server::App`].
//! - [`limits`]: rate limits per address and per company, sign-in lockout.
//! - `routes`: dispatch and one file per group of endpoints (`account`, `panel`, `chats`,
//!   `visitor`, `pages`, `ops`).
//! - [`api`]: the wire types (JSON bodies and event data), shared with the terminal client.
//! - `convert`: engine values to wire names.
//! - [`error`]: [`error::ApiError`] and the one mapping from engine errors to status codes.
//! - [`sse`]: event-stream bodies with replay, keep-alive and shutdown.
//! - [`chat_url`]: the chat URL parser.
//! - [`i18n`]: the chat window's 52 Fluent translations, compiled in.
//!
//! Only this crate speaks HTTP and JSON.

#![deny(missing_docs)]

pub mod api;
pub mod chat_url;
mod convert;
pub mod error;
pub mod i18n;
pub mod limits;
mod routes;
pub mod server;
pub mod sse;

pub use server::{serve, start, App, Config, Running};

/// The chat window's languages, as they appear in chat URLs.
pub const LANGUAGES: [&str; 52] = [
    "sq", "ar", "az", "eu", "be", "bg", "ca", "zh", "hr", "cs", "da", "nl", "en", "et", "fi", "fr",
    "gl", "ka", "de", "el", "he", "hi", "hu", "is", "id", "ga", "it", "ja", "ko", "lv", "lt", "mk",
    "ms", "mt", "no", "fa", "pl", "pt", "ro", "ru", "sr", "sk", "sl", "es", "sv", "th", "tr", "uk",
    "ur", "vi", "cy", "yi",
];

/// Languages written right to left.
pub const RTL_LANGUAGES: [&str; 5] = ["ar", "fa", "he", "ur", "yi"];
