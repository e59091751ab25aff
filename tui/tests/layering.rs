//! The terminal client uses only the wire types: its normal dependency tree (what the client
//! links; dev-dependencies such as the end-to-end tests' server are left out) reaches none of
//! the server's crates. Read from `cargo metadata`'s resolved graph, so a dependency that
//! brings the server in by a side road fails here too.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Crates a client may not link: the server, the engine, storage and what only they need.
const SERVER_ONLY: [&str; 6] = [
    "switchboard-http",
    "switchboard-engine",
    "switchboard-storage",
    "sled",
    "actix",
    "argon2",
];

/// Features that build hyper's server; a client needs hyper's client only (reqwest).
const SERVER_FEATURES: [&str; 3] = ["server", "server-auto", "server-graceful"];

/// The resolved graph of the workspace.
struct Graph {
    /// Package id to its name.
    names: BTreeMap<String, String>,
    /// Package id to the names of the dependencies it declares with a feature of
    /// [`SERVER_FEATURES`] (for hyper and hyper-util).
    asks_for_server: BTreeMap<String, BTreeSet<String>>,
    /// Package id to the ids it depends on other than as a dev-dependency.
    edges: BTreeMap<String, Vec<String>>,
}

impl Graph {
    fn load() -> Graph {
        let output = Command::new(env!("CARGO"))
            .args(["metadata", "--format-version", "1", "--offline"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
        let mut graph = Graph {
            names: BTreeMap::new(),
            asks_for_server: BTreeMap::new(),
            edges: BTreeMap::new(),
        };
        for package in metadata["packages"].as_array().expect("packages") {
            let id = package["id"].as_str().expect("id").to_string();
            let server: BTreeSet<String> = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|d| d["kind"].as_str() != Some("dev"))
                .filter(|d| matches!(d["name"].as_str(), Some("hyper" | "hyper-util")))
                .filter(|d| {
                    d["features"]
                        .as_array()
                        .expect("features")
                        .iter()
                        .any(|f| SERVER_FEATURES.contains(&f.as_str().unwrap_or("")))
                })
                .map(|d| d["name"].as_str().expect("name").to_string())
                .collect();
            graph.asks_for_server.insert(id.clone(), server);
            let name = package["name"].as_str().expect("name").to_string();
            graph.names.insert(id, name);
        }
        for node in metadata["resolve"]["nodes"].as_array().expect("resolve") {
            let deps = node["deps"]
                .as_array()
                .expect("deps")
                .iter()
                // `kind` is null for a normal dependency, "build" or "dev" otherwise.
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .expect("dep_kinds")
                        .iter()
                        .any(|k| k["kind"].as_str() != Some("dev"))
                })
                .map(|d| d["pkg"].as_str().expect("pkg").to_string())
                .collect();
            graph
                .edges
                .insert(node["id"].as_str().expect("id").to_string(), deps);
        }
        graph
    }

    /// What `package` links, each with the path that brings it in; and what asks for
    /// hyper's server on the way.
    fn violations(&self, package: &str, forbidden: &[&str]) -> Vec<String> {
        let root = self
            .names
            .iter()
            .find(|(_, name)| *name == package)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("{package} is in the workspace"));
        let mut path_to: BTreeMap<String, String> = BTreeMap::new();
        path_to.insert(root.clone(), package.to_string());
        let mut todo = vec![root];
        let mut found = Vec::new();
        while let Some(id) = todo.pop() {
            let path = path_to[&id].clone();
            for dep in &self.asks_for_server[&id] {
                found.push(format!("{path} asks for {dep}'s server"));
            }
            for next in &self.edges[&id] {
                if path_to.contains_key(next) {
                    continue;
                }
                let name = &self.names[next];
                let next_path = format!("{path} -> {name}");
                if forbidden.contains(&name.as_str()) {
                    found.push(next_path.clone());
                }
                path_to.insert(next.clone(), next_path);
                todo.push(next.clone());
            }
        }
        found
    }
}

#[test]
fn the_terminal_client_links_none_of_the_server() {
    let graph = Graph::load();
    let found = graph.violations("switchboard-tui", &SERVER_ONLY);
    assert!(found.is_empty(), "the terminal client links: {found:#?}");

    // The load generator is a client of the wire as well; it benches storage, so only storage
    // is allowed there.
    let found = graph.violations("switchboard-benches", &SERVER_ONLY[..2]);
    assert!(found.is_empty(), "the load generator links: {found:#?}");

    // The walk itself finds what it looks for: the server's crate has all of it.
    let found = graph.violations("switchboard-http", &SERVER_ONLY);
    for name in [
        "switchboard-engine",
        "sled",
        "actix",
        "argon2",
        "hyper-util's server",
    ] {
        assert!(
            found.iter().any(|f| f.contains(name)),
            "{name} not found under switchboard-http: {found:#?}"
        );
    }
}
