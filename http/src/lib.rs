//! Switchboard's front door: hyper 1 serving the visitor pages and API, the panel API and the
//! event streams. The wire types every client shares are `switchboard-api`'s.
//!
//! # Layout
//! - [`server`]: the accept loop, connection limits, graceful shutdown, [`server::App`].
//! - [`limits`]: rate limits per address and per company, sign-in lockout.
//! - `routes`: dispatch and one file per group of endpoints (`account`, `panel`, `chats`,
//!   `visitor`, `pages`, `ops`).
//! - [`openapi`]: the API document, generated from the wire types and the operations declared
//!   there; `GET /openapi.json` serves the checked-in `openapi.json`, which a test keeps equal
//!   to it.
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
pub mod forward;
pub mod i18n;
pub mod limits;
pub mod openapi;
mod routes;
pub mod server;
pub mod sse;

/// The wire types, from `switchboard-api`; server code names them `crate::api::...`.
pub use switchboard_api as api;

pub use server::{serve, start, App, Config, Running};

#[cfg(test)]
mod layering {
    /// Every source file of this crate, with its text.
    fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("the source folder reads") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file reads");
                out.push((path.display().to_string(), text));
            }
        }
    }

    // HTTP reaches a company only through `Engine` calls addressed by company and entity
    // (the seam where a cluster will forward a call to the owning node): it names no actor,
    // no actor message and no actor address.
    #[test]
    fn http_names_no_actor() {
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 10, "the sources were found");
        for (path, text) in files {
            // Spelled in pieces so this test does not find itself.
            let banned = [
                concat!("engine::", "actors"),
                concat!("act", "ix"),
                concat!("Addr", "<"),
                concat!(".ask", "("),
            ];
            for banned in banned {
                let used = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .any(|l| l.contains(banned));
                assert!(!used, "{path} uses {banned}");
            }
        }
    }
}
