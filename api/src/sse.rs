//! The client side of an event stream: [`Parser`] turns the bytes of a `text/event-stream`
//! body into [`ReadEvent`]s, whatever the chunking. The server's side (the body with replay and
//! keep-alive) is `switchboard-http`'s `sse` module.

/// One event as a client reads it off a stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadEvent {
    /// The `id:` field, if any.
    pub id: Option<String>,
    /// The `event:` field ("message" when absent, as browsers do).
    pub event: String,
    /// The `data:` lines, joined with newlines.
    pub data: String,
}

/// The client side: turns the bytes of an event stream into events, whatever the chunking.
/// Shared by the terminal client, the load generator and the tests.
#[derive(Debug, Default)]
pub struct Parser {
    /// Bytes of an unfinished line.
    line: Vec<u8>,
    /// Fields of the event being read.
    current: ReadEvent,
    /// Whether `current` has any field yet.
    started: bool,
}

impl Parser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the events they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<ReadEvent> {
        let mut done = Vec::new();
        for &byte in bytes {
            if byte != b'\n' {
                self.line.push(byte);
                continue;
            }
            let line = std::mem::take(&mut self.line);
            let line =
                String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(&line)).into_owned();
            if line.is_empty() {
                if self.started {
                    let mut event = std::mem::take(&mut self.current);
                    if event.event.is_empty() {
                        event.event = "message".into();
                    }
                    done.push(event);
                    self.started = false;
                }
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((&line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "id" => self.current.id = Some(value.to_string()),
                "event" => self.current.event = value.to_string(),
                "data" => {
                    if !self.current.data.is_empty() {
                        self.current.data.push('\n');
                    }
                    self.current.data.push_str(value);
                }
                _ => continue,
            }
            self.started = true;
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_parse_whatever_the_chunking() {
        let stream = b"retry: 1000\n\n: keep-alive\n\nid: 7\r\nevent: offer\r\ndata: {\"a\":1}\r\n\r\ndata: one\ndata: two\n\n";
        for chunk in [1, 2, 5, stream.len()] {
            let mut parser = Parser::new();
            let events: Vec<ReadEvent> =
                stream.chunks(chunk).flat_map(|c| parser.feed(c)).collect();
            assert_eq!(
                events,
                [
                    ReadEvent {
                        id: Some("7".into()),
                        event: "offer".into(),
                        data: "{\"a\":1}".into(),
                    },
                    ReadEvent {
                        id: None,
                        event: "message".into(),
                        data: "one\ntwo".into(),
                    },
                ],
                "chunk size {chunk}"
            );
        }
    }
}
