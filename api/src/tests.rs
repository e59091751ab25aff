//! Names are written once: each event's SSE name is the `type` its JSON carries, and each
//! closed set's JSON is its `name()`.

use crate::*;

fn json_type<T: serde::Serialize>(data: &T) -> String {
    let value = serde_json::to_value(data).expect("wire types serialize");
    value["type"].as_str().expect("a type").to_string()
}

#[test]
fn chat_event_names_are_their_json_types() {
    let events = [
        ChatEventData::Queued {
            position: 1,
            wait_secs: None,
        },
        ChatEventData::Requeued {
            seq: 1,
            name: String::new(),
        },
        ChatEventData::Transferred { seq: 1 },
        ChatEventData::Joined {
            seq: 1,
            name: "Ann".into(),
        },
        ChatEventData::Message {
            seq: 1,
            author: AuthorKind::Visitor,
            name: String::new(),
            text: "hi".into(),
            at: 0,
            client_id: "c".into(),
        },
        ChatEventData::Typing { who: "Ann".into() },
        ChatEventData::Timeout { seq: 1 },
        ChatEventData::Closed {
            seq: 1,
            by: ClosedBy::Visitor,
        },
    ];
    for event in events {
        assert_eq!(event.name(), json_type(&event));
    }
}

#[test]
fn visitor_event_names_are_their_json_types() {
    for event in [
        VisitorEventData::Invitation { by: None },
        VisitorEventData::Availability { online: true },
    ] {
        assert_eq!(event.name(), json_type(&event));
    }
}

#[test]
fn operator_event_names_are_their_json_types() {
    let events = [
        OperatorEventData::Offer {
            chat_id: 1,
            name: String::new(),
            email: String::new(),
            department: None,
            page_url: String::new(),
            created_at: 0,
            previous_operator: None,
        },
        OperatorEventData::Withdrawn { chat_id: 1 },
        OperatorEventData::Released { chat_id: 1 },
        OperatorEventData::Assigned { chat_id: 1 },
        OperatorEventData::Message {
            chat_id: 1,
            seq: 1,
            author: AuthorKind::Operator,
            name: String::new(),
            text: String::new(),
            at: 0,
        },
        OperatorEventData::Typing { chat_id: 1 },
        OperatorEventData::Closed {
            chat_id: 1,
            by: ClosedBy::Operator,
        },
        OperatorEventData::Queue { length: 0 },
        OperatorEventData::VisitorLeft { visitor_id: 1 },
        OperatorEventData::Changed {
            resource: Resource::Company,
        },
        OperatorEventData::VisitorPresence {
            chat_id: 1,
            present: true,
        },
        OperatorEventData::Reset,
    ];
    for event in events {
        assert_eq!(event.name(), json_type(&event));
    }
}

fn json_string<T: serde::Serialize>(value: &T) -> String {
    let value = serde_json::to_value(value).expect("wire types serialize");
    value.as_str().expect("a string").to_string()
}

#[test]
fn closed_sets_serialize_as_their_names() {
    for s in Status::ALL {
        assert_eq!(json_string(&s), s.name());
        assert_eq!(Status::parse(s.name()), Some(s));
    }
    for r in Role::ALL {
        assert_eq!(json_string(&r), r.name());
        assert_eq!(Role::parse(r.name()), Some(r));
    }
    for c in ChatState::ALL {
        assert_eq!(json_string(&c), c.name());
        assert_eq!(ChatState::parse(c.name()), Some(c));
    }
    for d in [languages::Direction::Ltr, languages::Direction::Rtl] {
        assert_eq!(json_string(&d), d.name());
    }
    assert_eq!(Status::parse("busy"), None);
    assert_eq!(Role::parse("Admin"), None);
}

/// Each value's JSON is its `name()`, reads back as itself, and `parse()` finds it.
fn round_trips<T>(all: &[T], name: fn(T) -> &'static str, parse: fn(&str) -> Option<T>)
where
    T: Copy + PartialEq + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned,
{
    for &value in all {
        assert_eq!(json_string(&value), name(value));
        let back: T = serde_json::from_value(serde_json::Value::from(name(value)))
            .expect("a name reads back");
        assert_eq!(back, value);
        assert_eq!(parse(name(value)), Some(value));
    }
    assert_eq!(parse(""), None);
}

#[test]
fn settings_sets_serialize_as_their_names() {
    round_trips(&Distribution::ALL, Distribution::name, Distribution::parse);
    round_trips(&Fairness::ALL, Fairness::name, Fairness::parse);
    round_trips(&ClosedBy::ALL, ClosedBy::name, ClosedBy::parse);
    round_trips(&RoutingKind::ALL, RoutingKind::name, RoutingKind::parse);
    round_trips(&ButtonStyle::ALL, ButtonStyle::name, ButtonStyle::parse);
    let names = |all: &[&'static str]| all.to_vec();
    assert_eq!(
        Distribution::ALL.map(Distribution::name).to_vec(),
        names(&["single", "all"])
    );
    assert_eq!(
        Fairness::ALL.map(Fairness::name).to_vec(),
        names(&["least_busy", "round_robin"])
    );
    assert_eq!(
        ClosedBy::ALL.map(ClosedBy::name).to_vec(),
        names(&["visitor", "operator"])
    );
    assert_eq!(
        RoutingKind::ALL.map(RoutingKind::name).to_vec(),
        names(&[
            "arrived",
            "offered",
            "withdrawn",
            "declined",
            "offer_expired",
            "queued",
            "accepted",
            "escalated",
            "transferred",
            "requeued",
            "timed_out",
            "offline",
            "closed",
        ])
    );
    assert_eq!(
        ButtonStyle::ALL.map(ButtonStyle::name).to_vec(),
        names(&["standard", "custom"])
    );
}
