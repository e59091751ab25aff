//! The operator's event stream (`GET /v1/me/events`) as a task: it reads server-sent events
//! with `switchboard_api::sse::Parser`, sends each one into the loop's channel as an
//! [`Action::Server`], and when the connection drops (a server restart, a network cut, a
//! silent half-open socket) it says so with [`Action::Link`] and reconnects with the last
//! event id it saw, so nothing is missed or repeated. A reconnect goes through
//! [`Client::events`]: when the address in use no longer answers (its node died), the
//! client moves to the next of its addresses and the stream resumes there with the same id
//! (in a cluster any node serves any company's stream).

use std::time::Duration;

use futures_util::StreamExt;
use switchboard_api::sse::Parser;
use switchboard_api::OperatorEventData;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::{Action, LinkEvent};
use crate::client::Client;

/// The server sends a keep-alive every 15 s; this much silence means the connection is dead
/// even if the socket has not noticed (a laptop lid, a NAT dropping state).
const SILENCE: Duration = Duration::from_secs(40);

/// First wait before reconnecting; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// Longest wait between attempts: a restarted server is found within this.
const MAX_BACKOFF: Duration = Duration::from_secs(4);

/// Starts the stream task. It ends when the loop's channel closes or the session is refused
/// (401), and is aborted by the driver on sign-out.
pub fn spawn(client: Client, tx: UnboundedSender<Action>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(client, tx))
}

/// How one connection ended.
enum End {
    /// The loop is gone: stop.
    Closed,
    /// The token is refused: stop, the user must sign in again.
    Unauthorized,
    /// The server asked for a fresh start (`reset`): reconnect at once without an id.
    Reset,
    /// Dropped, for this reason: reconnect after a pause.
    Dropped(String),
}

/// Connects, reads, reconnects.
async fn run(client: Client, tx: UnboundedSender<Action>) {
    let mut last_id: Option<u64> = None;
    let mut attempt: u32 = 0;
    loop {
        match connect_once(&client, &tx, &mut last_id, &mut attempt).await {
            End::Closed => return,
            End::Unauthorized => {
                let _ = tx.send(Action::Link(LinkEvent::Unauthorized));
                return;
            }
            End::Reset => {
                // The server no longer has what we missed (it restarted, or we were away
                // too long). A fresh subscription replays the offers still open; the loop
                // reloads chats and visitors when it sees the stream live again.
                last_id = None;
                continue;
            }
            End::Dropped(reason) => {
                attempt += 1;
                if tx
                    .send(Action::Link(LinkEvent::Reconnecting { attempt, reason }))
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(backoff(attempt)).await;
            }
        }
    }
}

/// Wait before attempt number `attempt` (1 = the first retry).
fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1 << attempt.saturating_sub(1).min(8))
        .min(MAX_BACKOFF)
}

/// One connection, from the request to its end.
async fn connect_once(
    client: &Client,
    tx: &UnboundedSender<Action>,
    last_id: &mut Option<u64>,
    attempt: &mut u32,
) -> End {
    let response = match client.events(*last_id).await {
        Ok(response) => response,
        Err(f) if f.status == Some(401) => return End::Unauthorized,
        Err(f) => return End::Dropped(f.message),
    };
    *attempt = 0;
    if tx.send(Action::Link(LinkEvent::Live)).is_err() {
        return End::Closed;
    }
    let mut body = response.bytes_stream();
    let mut parser = Parser::new();
    loop {
        let chunk = match tokio::time::timeout(SILENCE, body.next()).await {
            Err(_) => return End::Dropped("the server went silent".into()),
            Ok(None) => return End::Dropped("the server closed the stream".into()),
            Ok(Some(Err(e))) => return End::Dropped(format!("the stream broke: {e}")),
            Ok(Some(Ok(chunk))) => chunk,
        };
        for event in parser.feed(&chunk) {
            if let Some(id) = event.id.as_deref().and_then(|id| id.trim().parse().ok()) {
                *last_id = Some(id);
            }
            // An event this client does not know (a newer server) is skipped, not fatal.
            let Ok(data) = serde_json::from_str::<OperatorEventData>(&event.data) else {
                continue;
            };
            let reset = data == OperatorEventData::Reset;
            if tx.send(Action::Server(data)).is_err() {
                return End::Closed;
            }
            if reset {
                return End::Reset;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(backoff(1), Duration::from_millis(250));
        assert_eq!(backoff(2), Duration::from_millis(500));
        assert_eq!(backoff(5), MAX_BACKOFF);
        assert_eq!(backoff(500), MAX_BACKOFF);
    }
}
