//! Switchboard's engine: the domain model, the pure rules (routing, validation) and the
//! actors that apply them.
//!
//! # Layout
//! - [`model`]: companies, accounts, chats and their logs; conversions to storage's records.
//! - [`routing`]: who is offered which chat — a pure state machine, tested with tables.
//! - [`events`]: what the visitor's and the operator's event streams carry.
//! - [`placement`]: company -> one of 1,024 shards (a stable hash) -> an arbiter.
//! - [`auth`]: argon2id passwords, random tokens stored as digests.
//! - [`repo`]: the [`Repo`] — the tables and what reads and writes them without an actor
//!   (chats, logs, history, tokens), with the settings, counters and id sources everything
//!   shares. Actors hold one; they never see the engine.
//! - [`engine`]: the [`Engine`] handle — actor system, tenant placement and activation, and
//!   the calls HTTP makes (sign-up, sign-in, chats, settings, streams), over the actors and
//!   the repository.
//! - [`actors`]: TenantActor (routing, settings), OperatorActor (an operator's event hub),
//!   VisitorActor (a visitor's chats, their logs and windows).
//! - [`demo`]: the demo company of `switchboard serve --demo`.
//! - [`assets`]: graphics slots (header and sidebar images, one slot active) and custom GIF
//!   buttons, kept in step with the company's settings.
//! - [`settings`]: settings changes as data (patches) and the one pure function that checks
//!   and applies them.
//! - [`text`]: text hygiene — control characters and escape sequences never reach storage;
//!   which page URLs are kept.
//! - [`audit`]: the audit log of admin changes, stored per company, newest first.
//! - [`visitor_ids`]: visitor ids the server issues, with a keyed check so made-up ones
//!   create nothing.
//! - [`billing`]: invoices; [`billing::pdf`] renders one as a printable A4 PDF.
//!
//! The engine knows nothing of HTTP or JSON; storage knows nothing of the engine's types.

#![deny(missing_docs)]

pub mod actors;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod billing;
mod config;
pub mod demo;
pub mod engine;
mod error;
pub mod events;
pub mod model;
pub mod placement;
pub mod repo;
pub mod routing;
pub mod settings;
pub mod text;
pub mod visitor_ids;

pub use config::{Config, Metrics};
pub use engine::{Engine, Principal};
pub use error::{Error, Result};
pub use repo::Repo;

#[cfg(test)]
mod layering {
    use std::path::{Path, PathBuf};

    /// The source files at `path` (a file or a folder, recursively), with their code lines
    /// (comments left out).
    fn code(path: &Path) -> Vec<(PathBuf, Vec<String>)> {
        if path.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(path)
                .expect("the source folder reads")
                .map(|e| e.expect("an entry").path())
                .collect();
            entries.sort();
            return entries.iter().flat_map(|p| code(p)).collect();
        }
        let text = std::fs::read_to_string(path).expect("a source file reads");
        let lines = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(String::from)
            .collect();
        vec![(path.to_owned(), lines)]
    }

    // The modules form layers — model and the pure rules, then the repository, then the
    // actors, then the engine over them — and a lower one never names a higher one: the
    // actors hold a `Repo`, never the `Engine`, so the engine can later carry a call to
    // another node without the actors knowing.
    #[test]
    fn lower_modules_never_name_higher_ones() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        // Spelled in pieces so this test does not find itself.
        let engine = [concat!("crate::", "engine"), concat!("Eng", "ine")];
        let actors = concat!("crate::", "actors");
        let rules: [(&str, Vec<&str>); 5] = [
            (
                "model.rs",
                vec![engine[0], engine[1], actors, concat!("crate::", "routing")],
            ),
            (
                "routing",
                vec![engine[0], engine[1], actors, concat!("crate::", "repo")],
            ),
            ("settings.rs", vec![engine[0], engine[1], actors]),
            ("repo", vec![engine[0], engine[1], actors]),
            ("actors", vec![engine[0], engine[1]]),
        ];
        for (module, banned) in rules {
            let files = code(&src.join(module));
            assert!(!files.is_empty(), "{module} was found");
            for (path, lines) in files {
                for banned in &banned {
                    let line = lines.iter().find(|l| l.contains(banned));
                    assert!(
                        line.is_none(),
                        "{} names {banned}: {}",
                        path.display(),
                        line.unwrap()
                    );
                }
            }
        }
    }
}
