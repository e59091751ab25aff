//! One open chat: its log (by sequence number, so a resumed stream or a reloaded transcript
//! never shows a message twice), the operator's messages still on their way, unread count,
//! routing log; and the message pane that shows it.

use std::collections::BTreeMap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use switchboard_http::api::{self, AuthorKind, ChatEventData};

use super::{accent, bad, dim, one_line, pane, warn, wrap};
use crate::app::State;
use crate::input::TextInput;
use crate::sanitize::{line, sanitize};

/// An entry of the chat's log.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    /// A message.
    Message {
        /// Writer.
        author: AuthorKind,
        /// Writer's name ("" for the visitor).
        name: String,
        /// Text (raw; sanitized when shown).
        text: String,
        /// Unix ms.
        at: u64,
    },
    /// An operator joined.
    Joined {
        /// Operator's name.
        name: String,
    },
    /// Nobody answered in time.
    Timeout,
    /// The chat went back to the queue (its operator went away).
    Requeued,
    /// The chat was transferred.
    Transferred,
    /// The chat ended.
    Closed {
        /// "visitor" or "operator".
        by: String,
    },
}

/// A message the operator sent that the server has not confirmed yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Its idempotency key (a retry reuses it).
    pub client_id: String,
    /// Text.
    pub text: String,
    /// Why the last attempt failed; `R` retries.
    pub failed: Option<String>,
}

/// A chat the operator holds (or held, until dismissed).
#[derive(Clone, Debug, PartialEq)]
pub struct OpenChat {
    /// Chat id.
    pub id: u64,
    /// Visitor's name.
    pub name: String,
    /// Visitor's email.
    pub email: String,
    /// Department's name.
    pub department: Option<String>,
    /// Page the chat started from.
    pub page_url: String,
    /// Unix ms the chat started.
    pub created_at: u64,
    /// The log by sequence number.
    pub entries: BTreeMap<u64, Entry>,
    /// Messages on their way.
    pub pending: Vec<Pending>,
    /// Visitor messages not seen yet.
    pub unread: usize,
    /// Who ended the chat, once it ended.
    pub closed: Option<String>,
    /// Unix ms until which "typing…" shows.
    pub typing_until: u64,
    /// The routing log as lines; none when the server has none (404).
    pub routing: Option<Vec<String>>,
    /// Unix ms a typing notice was last sent (they are throttled).
    pub typing_sent: u64,
    /// What the operator is writing to this chat: each chat keeps its own, so switching
    /// chats never sends one visitor's answer to another.
    pub draft: TextInput,
}

impl OpenChat {
    /// A chat from its history record.
    pub fn new(chat: &api::Chat, department: Option<String>) -> Self {
        OpenChat {
            id: chat.id,
            name: chat.name.clone(),
            email: chat.email.clone(),
            department,
            page_url: chat.page_url.clone(),
            created_at: chat.created_at,
            entries: BTreeMap::new(),
            pending: Vec::new(),
            unread: 0,
            closed: (chat.state == "closed" || chat.state == "offline").then(|| "—".to_string()),
            typing_until: 0,
            routing: None,
            typing_sent: 0,
            draft: TextInput::multiline(),
        }
    }

    /// Puts a transcript entry (or a streamed one) in the log. Returns true when it was new.
    pub fn apply(&mut self, entry: &ChatEventData) -> bool {
        let (seq, entry) = match entry {
            ChatEventData::Message {
                seq,
                author,
                name,
                text,
                at,
                ..
            } => (
                *seq,
                Entry::Message {
                    author: author.clone(),
                    name: name.clone(),
                    text: text.clone(),
                    at: *at,
                },
            ),
            ChatEventData::Joined { seq, name } => (*seq, Entry::Joined { name: name.clone() }),
            ChatEventData::Timeout { seq } => (*seq, Entry::Timeout),
            ChatEventData::Requeued { seq, .. } => (*seq, Entry::Requeued),
            ChatEventData::Transferred { seq } => (*seq, Entry::Transferred),
            ChatEventData::Closed { seq, by } => {
                self.closed = Some(by.clone());
                (*seq, Entry::Closed { by: by.clone() })
            }
            ChatEventData::Queued { .. } | ChatEventData::Typing { .. } => return false,
        };
        self.entries.insert(seq, entry).is_none()
    }

    /// A message from the operator's stream. Returns true when it was new.
    pub fn message(
        &mut self,
        seq: u64,
        author: AuthorKind,
        name: &str,
        text: &str,
        at: u64,
    ) -> bool {
        if author == AuthorKind::Visitor {
            self.typing_until = 0;
        }
        let entry = Entry::Message {
            author,
            name: name.to_string(),
            text: text.to_string(),
            at,
        };
        self.entries.insert(seq, entry).is_none()
    }

    /// The server stored our message at `seq`: it leaves the pending list (the stream may
    /// have delivered it already).
    pub fn sent(&mut self, client_id: &str, seq: u64, me: &str, now_ms: u64) {
        let Some(index) = self.pending.iter().position(|p| p.client_id == client_id) else {
            return;
        };
        let pending = self.pending.remove(index);
        self.entries.entry(seq).or_insert(Entry::Message {
            author: AuthorKind::Operator,
            name: me.to_string(),
            text: pending.text,
            at: now_ms,
        });
    }
}

/// Fields of a routing entry shown first, in this order; any others follow by name.
const ROUTING_ORDER: [&str; 4] = ["at", "kind", "operator", "detail"];

/// The routing log's entries as lines: each entry's fields as `key: value`, times in the
/// company's zone.
pub fn routing_lines(entries: &[serde_json::Value], state: &State) -> Vec<String> {
    let rank = |key: &str| {
        ROUTING_ORDER
            .iter()
            .position(|k| *k == key)
            .unwrap_or(ROUTING_ORDER.len())
    };
    entries
        .iter()
        .map(|entry| match entry {
            serde_json::Value::Object(fields) => {
                let mut fields: Vec<_> = fields.iter().collect();
                fields.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(a.0.cmp(b.0)));
                fields
                    .iter()
                    .map(|(key, value)| format!("{key}: {}", field(key, value, state)))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
            other => field("", other, state),
        })
        .map(|l| line(&l))
        .collect()
}

/// One routing-log value: strings bare, millisecond times as clock times.
fn field(key: &str, value: &serde_json::Value, state: &State) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) if key == "at" || key.ends_with("_at") => {
            n.as_u64().map_or(n.to_string(), |ms| {
                crate::time::stamp(ms, &state.tz, state.now_ms)
            })
        }
        serde_json::Value::Number(n) if key == "operator" => state
            .operator_name(n.as_u64())
            .unwrap_or_else(|| n.to_string()),
        serde_json::Value::Null => "—".into(),
        other => other.to_string(),
    }
}

/// The message pane of one chat.
pub struct View<'a> {
    /// For the time zone and now.
    pub state: &'a State,
    /// The chat.
    pub chat: &'a OpenChat,
    /// Lines scrolled up from the bottom.
    pub scroll: u16,
    /// Whether the pane has the focus.
    pub focused: bool,
    /// Show every routing entry (else the last [`ROUTING_SHOWN`]).
    pub routing_full: bool,
}

/// Routing entries shown when the log is folded: the latest decisions matter most.
pub const ROUTING_SHOWN: usize = 3;

impl View<'_> {
    /// Every line of the pane, oldest first.
    fn lines(&self, width: usize) -> Vec<Line<'static>> {
        let (state, chat) = (self.state, self.chat);
        let mut lines = Vec::new();
        let waited = crate::time::span(crate::time::since(chat.created_at, state.now_ms));
        let mut about = vec![Span::styled(one_line(&chat.email, 30), dim())];
        if let Some(department) = &chat.department {
            about.push(Span::raw(format!("  {}", one_line(department, 16))));
        }
        about.push(Span::styled(format!("  started {waited} ago"), dim()));
        lines.push(Line::from(about));
        lines.push(Line::from(Span::styled(
            one_line(&chat.page_url, width),
            accent(),
        )));
        if let Some(routing) = &chat.routing {
            let hidden = if self.routing_full {
                0
            } else {
                routing.len().saturating_sub(ROUTING_SHOWN)
            };
            let title = match hidden {
                0 => "Routing log".to_string(),
                n => format!("Routing log ({n} earlier, L shows all)"),
            };
            lines.push(Line::from(Span::styled(title, dim())));
            for entry in &routing[hidden..] {
                for l in wrap(entry, width.saturating_sub(2)) {
                    lines.push(Line::from(Span::styled(format!("  {l}"), dim())));
                }
            }
        }
        lines.push(Line::from(Span::styled("─".repeat(width), dim())));
        for entry in chat.entries.values() {
            match entry {
                Entry::Message {
                    author,
                    name,
                    text,
                    at,
                } => {
                    let who = match author {
                        AuthorKind::Visitor => Span::styled(one_line(&chat.name, 24), warn()),
                        AuthorKind::Operator => Span::styled(one_line(name, 24), accent()),
                        AuthorKind::Company => Span::styled("automatic", dim()),
                    };
                    let time = crate::time::stamp(*at, &state.tz, state.now_ms);
                    lines.push(Line::from(vec![
                        Span::styled(format!("{time} "), dim()),
                        who,
                    ]));
                    for l in wrap(&sanitize(text), width.saturating_sub(2)) {
                        lines.push(Line::from(format!("  {l}")));
                    }
                }
                Entry::Joined { name } => lines.push(Line::from(Span::styled(
                    format!("— {} joined", line(name)),
                    dim(),
                ))),
                Entry::Timeout => {
                    lines.push(Line::from(Span::styled("— nobody answered in time", dim())))
                }
                Entry::Requeued => lines.push(Line::from(Span::styled(
                    "— back in the queue: the operator went away",
                    dim(),
                ))),
                Entry::Transferred => lines.push(Line::from(Span::styled("— transferred", dim()))),
                Entry::Closed { by } => lines.push(Line::from(Span::styled(
                    format!("— closed by the {}", line(by)),
                    warn(),
                ))),
            }
        }
        for p in &chat.pending {
            let status = match &p.failed {
                Some(why) => Span::styled(format!("not sent: {why} (R retries)"), bad()),
                None => Span::styled("sending…", dim()),
            };
            lines.push(Line::from(vec![Span::styled("      ", dim()), status]));
            for l in wrap(&sanitize(&p.text), width.saturating_sub(2)) {
                lines.push(Line::from(Span::styled(format!("  {l}"), dim())));
            }
        }
        if chat.typing_until > state.now_ms {
            lines.push(Line::from(Span::styled(
                format!("{} is typing…", one_line(&chat.name, 24)),
                dim(),
            )));
        }
        lines
    }
}

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let title = format!("#{} {}", self.chat.id, one_line(&self.chat.name, 30));
        let block = pane(&title, self.focused);
        let inner = block.inner(area);
        block.render(area, buf);
        let lines = self.lines(usize::from(inner.width));
        let height = usize::from(inner.height);
        let end = lines.len().saturating_sub(usize::from(self.scroll));
        let start = end.saturating_sub(height);
        let shown: Vec<Line> = lines[start..end.max(start)].to_vec();
        Paragraph::new(shown).render(inner, buf);
    }
}
