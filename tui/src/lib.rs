//! Switchboard's terminal client.
//!
//! # Layout
//! - (being built)

/// Runs the client against `server` until the user quits.
pub fn run(server: &str, email: Option<String>) -> anyhow::Result<()> {
    let _ = (server, email);
    anyhow::bail!("the terminal client is not built yet")
}
