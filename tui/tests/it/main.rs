//! End-to-end: a real server in-process on `127.0.0.1:0` and the client's core ([`Driver`])
//! against it, without a terminal. One test binary (the style of the workspace's own
//! `tests/it`).
//!
//! - `e2e`: sign in, receive an offer, accept it, exchange messages, change a setting; a
//!   taken offer; a server restart the client rides out. Its server and helpers serve the
//!   other modules too.
//! - `failover`: several addresses: a dead first one skipped, a node that goes away left
//!   for the next, a company moving waited for, the serving node read from the header.

mod e2e;
mod failover;
