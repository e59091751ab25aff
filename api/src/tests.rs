//! Each event's SSE name is the `type` its JSON carries, so a client can read either.

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
            by: "visitor".into(),
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
            by: "operator".into(),
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
