//! One open chat: its log (by sequence number, so a resumed stream or a reloaded transcript
//! never shows a message twice), the operator's messages still on their way, unread count,
//! routing log; and the message pane that shows it.

use std::collections::BTreeMap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use switchboard_api::{self as api, AuthorKind, ChatEventData};

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
    Requeued {
        /// The operator who left ("" when unknown).
        name: String,
    },
    /// The chat was transferred.
    Transferred,
    /// The chat ended.
    Closed {
        /// Who ended it.
        by: api::ClosedBy,
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
#[derive(Clone, Debug)]
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
    /// Once the chat ended: who ended it, None when that is not known (it had ended when
    /// loaded).
    pub closed: Option<Option<api::ClosedBy>>,
    /// Unix ms until which "typing…" shows.
    pub typing_until: u64,
    /// The routing log as lines; none when the server has none (404).
    pub routing: Option<Vec<String>>,
    /// Unix ms a typing notice was last sent (they are throttled).
    pub typing_sent: u64,
    /// What the operator is writing to this chat: each chat keeps its own, so switching
    /// chats never sends one visitor's answer to another.
    pub draft: TextInput,
    /// Lines the message pane is scrolled up from the newest (0 = following new messages).
    pub scroll: usize,
    /// Messages that arrived while the pane was scrolled up, not yet scrolled to.
    pub new_below: usize,
    /// The visitor closed the chat window (`visitor_presence`); the chat is still open.
    pub visitor_left: bool,
    /// Who the visitor is (pages, earlier chats), once loaded; wide terminals show it.
    pub profile: Option<api::VisitorProfile>,
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
            closed: chat.state.ended().then_some(None),
            typing_until: 0,
            routing: None,
            typing_sent: 0,
            draft: TextInput::multiline(),
            scroll: 0,
            new_below: 0,
            visitor_left: false,
            profile: None,
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
            ChatEventData::Requeued { seq, name } => (*seq, Entry::Requeued { name: name.clone() }),
            ChatEventData::Transferred { seq } => (*seq, Entry::Transferred),
            ChatEventData::Closed { seq, by } => {
                self.closed = Some(Some(*by));
                (*seq, Entry::Closed { by: *by })
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
                // The server names the operator; the id is only the fallback.
                let named = fields
                    .get("operator_name")
                    .and_then(serde_json::Value::as_str)
                    .filter(|n| !n.is_empty());
                let mut fields: Vec<_> = fields
                    .iter()
                    .filter(|(key, _)| *key != "operator_name")
                    .collect();
                fields.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(a.0.cmp(b.0)));
                fields
                    .iter()
                    .map(|(key, value)| match named {
                        Some(name) if *key == "operator" => format!("operator: {name}"),
                        _ => format!("{key}: {}", field(key, value, state)),
                    })
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
        // Only when the server sent no name (an older server): the roster's, else the id.
        serde_json::Value::Number(n) if key == "operator" => state
            .operator_name(n.as_u64())
            .unwrap_or_else(|| n.to_string()),
        serde_json::Value::Null => "—".into(),
        other => other.to_string(),
    }
}

/// Consecutive messages of one author share a header unless this much time passed
/// between them: after a pause, the time is worth seeing again.
const GROUP_GAP_MS: u64 = 10 * 60_000;

/// A log's entries as lines (the console's chats and the history's transcripts): each
/// author's run of messages under one header (time and name), events as dim notes.
/// `visitor` names the visitor.
pub fn entry_lines<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    visitor: &str,
    width: usize,
    state: &State,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    // The author and time of the message just drawn, while a run goes on.
    let mut run: Option<(&AuthorKind, &str, u64)> = None;
    for entry in entries {
        let Entry::Message {
            author,
            name,
            text,
            at,
        } = entry
        else {
            run = None;
            lines.push(event_line(entry));
            continue;
        };
        let same = run.is_some_and(|(a, n, t)| {
            a == author && n == name && at.saturating_sub(t) < GROUP_GAP_MS
        });
        if !same {
            let who = match author {
                AuthorKind::Visitor => Span::styled(one_line(visitor, 24), warn()),
                AuthorKind::Operator => Span::styled(one_line(name, 24), accent()),
                AuthorKind::Company => Span::styled("automatic", dim()),
            };
            let time = crate::time::stamp(*at, &state.tz, state.now_ms);
            lines.push(Line::from(vec![
                Span::styled(format!("{time} "), dim()),
                who,
            ]));
        }
        run = Some((author, name, *at));
        for l in wrap(&sanitize(text), width.saturating_sub(2)) {
            lines.push(Line::from(format!("  {l}")));
        }
    }
    lines
}

/// An entry that is not a message, as one dim line.
fn event_line(entry: &Entry) -> Line<'static> {
    let text = match entry {
        Entry::Message { .. } => String::new(),
        Entry::Joined { name } => format!("— {} joined", line(name)),
        Entry::Timeout => "— nobody answered in time".into(),
        Entry::Requeued { name } if name.is_empty() => {
            "— back in the queue: the operator went away".into()
        }
        Entry::Requeued { name } => format!("— back in the queue: {} went away", line(name)),
        Entry::Transferred => "— transferred".into(),
        Entry::Closed { by } => {
            return Line::from(Span::styled(
                format!("— closed by the {}", by.name()),
                warn(),
            ))
        }
    };
    Line::from(Span::styled(text, dim()))
}

/// A transcript's entries as log entries (what the history shows).
pub fn entries(transcript: &[ChatEventData]) -> Vec<Entry> {
    let mut chat = OpenChat::new(
        &api::Chat {
            id: 0,
            state: api::ChatState::Waiting,
            name: String::new(),
            email: String::new(),
            department: None,
            operator: None,
            page_url: String::new(),
            lang: String::new(),
            created_at: 0,
            ended_at: None,
            visitor_id: None,
        },
        None,
    );
    for entry in transcript {
        chat.apply(entry);
    }
    chat.entries.into_values().collect()
}

/// Every line of a chat's message pane, oldest first: about the visitor, the routing log,
/// the messages, what is on its way, "typing…".
pub fn lines(
    state: &State,
    chat: &OpenChat,
    width: usize,
    routing_full: bool,
) -> Vec<Line<'static>> {
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
        let hidden = if routing_full {
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
    lines.extend(entry_lines(chat.entries.values(), &chat.name, width, state));
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
    if chat.visitor_left && chat.closed.is_none() {
        lines.push(Line::from(Span::styled(
            format!("{} closed the chat window", one_line(&chat.name, 24)),
            warn(),
        )));
    } else if chat.typing_until > state.now_ms {
        lines.push(Line::from(Span::styled(
            format!("{} is typing…", one_line(&chat.name, 24)),
            dim(),
        )));
    }
    lines
}

/// The message pane of one chat.
pub struct View<'a> {
    /// For the time zone and now.
    pub state: &'a State,
    /// The chat.
    pub chat: &'a OpenChat,
    /// Whether the pane has the focus.
    pub focused: bool,
    /// Show every routing entry (else the last [`ROUTING_SHOWN`]).
    pub routing_full: bool,
}

/// Routing entries shown when the log is folded: the latest decisions matter most.
pub const ROUTING_SHOWN: usize = 3;

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let chat = self.chat;
        let mut title = format!("#{} {}", chat.id, one_line(&chat.name, 30));
        if chat.visitor_left && chat.closed.is_none() {
            title.push_str(" · left");
        }
        let block = pane(&title, self.focused);
        let inner = block.inner(area);
        block.render(area, buf);
        let lines = lines(
            self.state,
            chat,
            usize::from(inner.width),
            self.routing_full,
        );
        let height = usize::from(inner.height);
        let scroll = chat.scroll.min(lines.len().saturating_sub(height));
        let end = lines.len() - scroll;
        let start = end.saturating_sub(height);
        let mut shown: Vec<Line> = lines[start..end].to_vec();
        // Scrolled up: the last row says what is below.
        if scroll > 0 && height > 1 {
            let marker = match chat.new_below {
                0 => Line::from(Span::styled(
                    format!("▼ {scroll} more lines below · End"),
                    dim().add_modifier(Modifier::REVERSED),
                )),
                n => Line::from(Span::styled(
                    format!(
                        "▼ {n} new message{} below · End",
                        if n == 1 { "" } else { "s" }
                    ),
                    warn().add_modifier(Modifier::REVERSED),
                )),
            };
            if shown.len() >= height {
                shown.pop();
            }
            shown.push(marker);
        }
        Paragraph::new(shown).render(inner, buf);
    }
}
