//! `tenants`: the `chat` load spread over `tenants` companies, each with its own operators,
//! so one company's actor is no longer the only writer: the chats go round the companies,
//! and each replacement chat starts in the company of the chat it replaces.
//!
//! Reports what `chat` reports; set against a `chat` run at the same rate it shows what
//! spreading the same work over more tenant actors costs or saves.

use std::sync::Arc;

use anyhow::Result;

use super::chat::{self, Options};
use super::{Ctx, Outcome};

/// Runs `chat` over `options.tenants` companies.
pub async fn run(ctx: Arc<Ctx>, options: Options) -> Result<Outcome> {
    chat::run(ctx, options).await
}
