//! `restart`: how long the server takes to come back with a full database. On the
//! generator's own server only: it fills the database with `messages` chat messages (sent by
//! the visitors of `chats` chats as fast as they are acknowledged), stops the server
//! (SIGTERM, or SIGKILL with `--kill`), starts it again on the same data folder and address,
//! and times the new process from its start to the first `200` from `GET /healthz`. Then it
//! reads every chat's transcript back: an acknowledged message missing there is lost.
//!
//! Its baseline is the same restart of the same server before the fill (the demo company
//! only), so the ratio is what the stored messages cost the start.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::future::{join_all, try_join_all};
use switchboard_api::{AuthorKind, ChatEventData, ChatState};
use tokio::sync::oneshot;

use super::chat::follow_chat;
use super::{Company, Ctx, Outcome};
use crate::metrics::{Count, Latency};
use crate::operator::Behaviour;
use crate::server::OwnServer;

/// Transcript entries per page (the most the server gives).
const PAGE: usize = 500;

/// How long a restarted server may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// The scenario's settings.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Messages to store before the restart.
    pub messages: u64,
    /// Chats they are spread over (one sender each).
    pub chats: usize,
    /// Stop with SIGKILL instead of SIGTERM.
    pub kill: bool,
    /// The longest the fill may take.
    pub duration: Duration,
}

/// What the restart measured.
#[derive(Clone, Copy, Debug, Default)]
pub struct Figures {
    /// The restart before the fill: process start -> first `200`.
    pub empty_start: Duration,
    /// Messages acknowledged by the fill.
    pub messages: u64,
    /// How long the fill took.
    pub fill: Duration,
    /// The database folder's size before the restart.
    pub database_bytes: u64,
    /// The signal -> the process gone.
    pub stop: Duration,
    /// Process start -> first `200`.
    pub start: Duration,
    /// Acknowledged messages missing from the transcripts after the restart.
    pub missing: u64,
}

/// Runs `restart` on `server`.
pub async fn run(ctx: Arc<Ctx>, server: &mut OwnServer, options: Options) -> Result<Outcome> {
    let mut figures = Figures {
        empty_start: restart(&ctx, server, options.kill).await?.1,
        ..Figures::default()
    };

    let behaviour = Behaviour {
        max_chats: options.chats.div_ceil(4).clamp(1, 100) as u32,
        hold: None,
        close_delay: Duration::ZERO,
        reply_every: 0,
    };
    let company = Company::new(&ctx, &ctx.run, 4, behaviour).await?;
    let chats = try_join_all((0..options.chats.max(1)).map(|n| {
        let (ctx, key) = (ctx.clone(), company.key.clone());
        async move {
            let chat = ctx.clients.start_chat(&key, &format!("f{n}")).await?;
            if chat.state != ChatState::Waiting {
                bail!("the chat was answered offline");
            }
            let (joined, is_joined) = oneshot::channel();
            let stream = follow_chat(&ctx, chat.chat_id, &chat.token, joined);
            tokio::time::timeout(Duration::from_secs(30), is_joined)
                .await
                .context("no operator joined")??;
            stream.abort();
            Ok((chat.chat_id, chat.token))
        }
    }))
    .await
    .context("opening the chats to fill")?;

    ctx.begin();
    let fill = Instant::now();
    let deadline = fill + options.duration;
    let next = Arc::new(AtomicU64::new(0));
    let senders = chats.iter().cloned().map(|(chat, token)| {
        let (ctx, next) = (ctx.clone(), next.clone());
        tokio::spawn(async move {
            let mut acked = 0;
            while next.fetch_add(1, Ordering::Relaxed) < options.messages
                && Instant::now() < deadline
            {
                let sent = Instant::now();
                let text = format!("f{chat}-{acked}");
                match ctx.clients.message(chat, &token, &text).await {
                    Ok(_) => {
                        ctx.metrics.record(Latency::Ack, sent);
                        ctx.metrics.count(Count::MessagesAcked, 1);
                        acked += 1;
                    }
                    Err(failure) => ctx.metrics.error(&failure),
                }
            }
            acked
        })
    });
    let acked: Vec<u64> = join_all(senders.collect::<Vec<_>>())
        .await
        .into_iter()
        .map(|sent| sent.unwrap_or(0))
        .collect();
    figures.fill = fill.elapsed();
    figures.messages = acked.iter().sum();
    figures.database_bytes = folder_size(&server.data());
    let admin = company.admin.clone();
    drop(company);

    let (stop, start) = restart(&ctx, server, options.kill).await?;
    figures.stop = stop;
    figures.start = start;

    // Every acknowledged message is in its chat's transcript.
    for ((chat, _), acked) in chats.iter().zip(&acked) {
        let stored = transcript(&ctx, &admin, *chat)
            .await
            .with_context(|| format!("reading chat {chat} back"))?;
        figures.missing += (0..*acked)
            .filter(|n| !stored.contains(&format!("f{chat}-{n}")))
            .count() as u64;
    }
    Ok(Outcome {
        measured: figures.fill,
        restart: Some(figures),
        ..Outcome::default()
    })
}

/// Stops the server and starts it again on the same data and address: (stop, start ->
/// first `200`).
async fn restart(ctx: &Ctx, server: &mut OwnServer, kill: bool) -> Result<(Duration, Duration)> {
    // Signals and process waits block: off the runtime's worker for their few milliseconds.
    let (stop, started) = tokio::task::block_in_place(|| -> Result<_> {
        let stop = server.stop(kill)?;
        let listen = server.listen().to_string();
        Ok((stop, server.spawn(&listen)?))
    })?;
    ctx.server_pid
        .store(server.pid().unwrap_or(0), Ordering::Relaxed);
    let deadline = started + START_TIMEOUT;
    loop {
        if ctx.clients.healthz().await.is_ok() {
            return Ok((stop, started.elapsed()));
        }
        if Instant::now() > deadline {
            bail!(
                "the restarted server did not answer within {START_TIMEOUT:?}:\n{}",
                server.log()
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The texts of the visitor's messages in a chat's transcript, read page by page.
async fn transcript(ctx: &Ctx, token: &str, chat: u64) -> Result<HashSet<String>> {
    let mut texts = HashSet::new();
    let mut after = None;
    loop {
        let page = match after {
            Some(seq) => format!("/v1/chats/{chat}/messages?limit={PAGE}&after={seq}"),
            None => format!("/v1/chats/{chat}/messages?limit={PAGE}"),
        };
        let entries: Vec<ChatEventData> = ctx
            .clients
            .call(reqwest::Method::GET, &page, Some(token), None::<&()>)
            .await?;
        for entry in &entries {
            if let ChatEventData::Message {
                author: AuthorKind::Visitor,
                text,
                ..
            } = entry
            {
                texts.insert(text.clone());
            }
        }
        match entries.last().and_then(ChatEventData::seq) {
            Some(last) if entries.len() == PAGE => after = Some(last),
            _ => return Ok(texts),
        }
    }
}

/// The bytes of every file under `path`.
fn folder_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => folder_size(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}
