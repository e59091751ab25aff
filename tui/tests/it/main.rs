//! End-to-end: a real server in-process on `127.0.0.1:0` and the client's core ([`Driver`])
//! against it, without a terminal. One test binary (the style of the workspace's own
//! `tests/it`).
//!
//! - `e2e`: sign in, receive an offer, accept it, exchange messages, change a setting; a
//!   taken offer; a server restart the client rides out.

mod e2e;
