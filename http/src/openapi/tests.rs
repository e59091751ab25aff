use std::collections::BTreeSet;
use std::path::Path;

/// `http/openapi.json` is the document the code declares. When it is not, the file is
/// rewritten and the test fails: commit the new file (a second run passes).
#[test]
fn openapi_json_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let generated = super::json();
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    if stored != generated {
        std::fs::write(&path, &generated).expect("openapi.json is writable");
        panic!(
            "{} was not up to date with the code and has been updated: review and commit it",
            path.display()
        );
    }
}

/// A path as a list of segments: a literal, `{}` for a variable, `..` for any rest.
type Shape = Vec<String>;

/// Every `METHOD shape` the router serves, read from the match in `routes/mod.rs`: each arm's
/// slice pattern with the methods its `methods!` names.
fn routed() -> BTreeSet<(String, Shape)> {
    let source = include_str!("../routes/mod.rs");
    let start = source.find("async fn route(").expect("the router's match");
    let end = start
        + source[start..]
            .find("_ => Err(")
            .expect("the match's last arm");
    let mut arms = &source[start..end];
    let mut routed = BTreeSet::new();
    while let Some(open) = arms.find("[\"") {
        let close = open + arms[open..].find(']').expect("a slice pattern ends");
        let shape: Shape = arms[open + 1..close]
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix('"') {
                Some(literal) => literal.trim_end_matches('"').to_string(),
                None if s == ".." => "..".to_string(),
                None => "{}".to_string(),
            })
            .collect();
        let body = &arms[close..];
        let methods = body
            .find("methods!(method, {")
            .expect("an arm names its methods");
        let body_end = methods + body[methods..].find("})").expect("methods! ends");
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if body[methods..body_end].contains(&format!("{method} =>")) {
                routed.insert((method.to_string(), shape.clone()));
            }
        }
        arms = &body[body_end..];
    }
    routed
}

/// Every `METHOD shape` the document declares; a path under a router arm that takes any
/// rest (`["chat", ..]`) is cut to that arm's shape.
fn documented(rests: &[Shape]) -> BTreeSet<(String, Shape)> {
    let document: serde_json::Value =
        serde_json::from_str(&super::json()).expect("the document is JSON");
    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        let mut shape: Shape = path
            .trim_start_matches('/')
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    "{}".to_string()
                } else {
                    s.to_string()
                }
            })
            .collect();
        for rest in rests {
            let prefix = &rest[..rest.len() - 1];
            if shape.starts_with(prefix) && shape[prefix.len()..].iter().all(|s| s == "{}") {
                shape = rest.clone();
            }
        }
        for method in item.as_object().expect("a path item").keys() {
            documented.insert((method.to_uppercase(), shape.clone()));
        }
    }
    documented
}

/// The document declares exactly what the router serves: every path and method of one is in
/// the other.
#[test]
fn the_document_and_the_router_agree() {
    let routed = routed();
    assert!(routed.len() > 50, "the router's arms were read: {routed:?}");
    let rests: Vec<Shape> = routed
        .iter()
        .map(|(_, shape)| shape.clone())
        .filter(|shape| shape.last().is_some_and(|s| s == ".."))
        .collect();
    let documented = documented(&rests);
    let show = |set: BTreeSet<&(String, Shape)>| {
        set.into_iter()
            .map(|(method, shape)| format!("{method} /{}", shape.join("/")))
            .collect::<Vec<_>>()
    };
    let undocumented = show(routed.difference(&documented).collect());
    let unrouted = show(documented.difference(&routed).collect());
    assert!(
        undocumented.is_empty(),
        "served but not in the document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "in the document but not served: {unrouted:?}"
    );
}
