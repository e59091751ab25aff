//! Switchboard's engine: the domain model, the pure rules (routing, validation) and the
//! actors that apply them.
//!
//! # Layout
//! - [`model`]: companies, accounts, chats and their logs; conversions to storage's records.
//! - [`routing`]: who is offered which chat — a pure state machine, tested with tables.
//! - [`events`]: what the visitor's and the operator's event streams carry.
//! - [`placement`]: company -> one of 1,024 shards (a stable hash) -> an arbiter.
//! - [`auth`]: argon2id passwords, random tokens stored as digests.
//! - [`engine`]: the [`Engine`] handle — actor system, tenant placement and activation, and
//!   the work that needs no actor (sign-up, sign-in, offline messages, history).
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
//!
//! The engine knows nothing of HTTP or JSON; storage knows nothing of the engine's types.

#![deny(missing_docs)]

pub mod actors;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod demo;
pub mod engine;
mod error;
pub mod events;
pub mod model;
pub mod placement;
pub mod routing;
pub mod settings;
pub mod text;
pub mod visitor_ids;

pub use engine::{Config, Engine, Metrics, Principal};
pub use error::{Error, Result};
