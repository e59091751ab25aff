//! End-to-end tests: real servers on 127.0.0.1:0 driven over real HTTP (one test binary, as
//! ripgrep and matklad advise, so the link happens once).
//!
//! Layout:
//! - `support`: the one `start_server()` helper, small client helpers and an SSE reader;
//! - `process`: the real binary as a child process (kills, signals, full disks, memory);
//! - `routing`: who is offered which chat, offer and connection timeouts, the automatic
//!   canned response;
//! - `messages`: messages both ways, resuming event streams, idempotent resends, offline
//!   messages;
//! - `tenancy`: one company's tokens never reach another's chats, roles;
//! - `errors`: every refusal is a 4xx with a stable code, and leaves good data intact;
//! - `durability`: the real binary killed with SIGKILL keeps every acknowledged message;
//! - `ops`: `/healthz`, `/metrics`, `/openapi.json`;
//! - `faults`: the real binary under SIGTERM, a full disk and leftover files;
//! - `visitor_web`: buttons, graphics, tracking and invitations over HTTP;
//! - `lifecycle`: idle actors passivate and come back from storage;
//! - `browser`: the chat window, the demo shop and invitations in headless Chromium;
//! - `window_layout`: every screen of the chat window in every language fits, reads (contrast)
//!   and suits phones (run by `browser`'s test, over its browser);
//! - `guarantees`: routing limits, queue order and positions under a burst, presence grace,
//!   transfers and the routing log;
//! - `bounds`: every list a client can grow is a page; idle visitors leave;
//! - `shell`: an unreadable record fails the request and is never overwritten;
//! - `hygiene`: sessions, tokens in URLs, sign-up answers, stored text, response headers,
//!   `/metrics` access, the access and audit logs;
//! - `defects`: regression tests for what users met, each named after the behaviour;
//! - `billing`: the profile's rules, cards, invoices once a month without gaps, PDFs, the card
//!   number nowhere;
//! - `abuse`: floods, password guessing and slow clients (memory, rate limits, timeouts);
//! - `window_servers`: the chat window across a cluster's servers: CORS on its chat calls,
//!   the live nodes in its settings and policy, moving when its server dies (in `browser`);
//! - `cluster`: three real nodes on a three-server NATS JetStream cluster: a chat across
//!   nodes, its node killed mid-chat, the node back (`nats`: the NATS servers, shared with
//!   the cluster crate's tests).

mod process;
mod support;
// The NATS JetStream cluster the cluster crate's own tests start.
#[path = "../../cluster/tests/it/nats.rs"]
mod nats;

mod abuse;
mod billing;
mod bounds;
mod browser;
mod cluster;
mod defects;
mod durability;
mod errors;
mod faults;
mod guarantees;
mod hygiene;
mod lifecycle;
mod messages;
mod ops;
mod routing;
mod shell;
mod tenancy;
mod visitor_web;
mod window_layout;
mod window_servers;
