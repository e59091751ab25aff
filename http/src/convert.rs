//! Engine values to their wire names and shapes.

use switchboard_engine::events;
use switchboard_engine::model::{self, Author, ChatState, Distribution, Role, Status};
use switchboard_engine::routing::Fairness;
use switchboard_storage::records::RoutingRecord;

use crate::api;
use crate::error::ApiError;

/// An account's role on the wire.
pub fn role(role: Role) -> api::Role {
    match role {
        Role::Admin => api::Role::Admin,
        Role::Operator => api::Role::Operator,
    }
}

/// A role from the wire.
pub fn role_from(role: api::Role) -> Role {
    match role {
        api::Role::Admin => Role::Admin,
        api::Role::Operator => Role::Operator,
    }
}

/// An operator's status on the wire.
pub fn status(status: Status) -> api::Status {
    match status {
        Status::Online => api::Status::Online,
        Status::Away => api::Status::Away,
        Status::Offline => api::Status::Offline,
    }
}

/// A status from the wire.
pub fn status_from(status: api::Status) -> Status {
    match status {
        api::Status::Online => Status::Online,
        api::Status::Away => Status::Away,
        api::Status::Offline => Status::Offline,
    }
}

/// A chat window's distribution on the wire.
pub fn distribution(distribution: Distribution) -> api::Distribution {
    match distribution {
        Distribution::Single => api::Distribution::Single,
        Distribution::All => api::Distribution::All,
    }
}

/// A distribution from the wire.
pub fn distribution_from(distribution: api::Distribution) -> Distribution {
    match distribution {
        api::Distribution::Single => Distribution::Single,
        api::Distribution::All => Distribution::All,
    }
}

/// A chat window's fairness on the wire.
pub fn fairness(fairness: Fairness) -> api::Fairness {
    match fairness {
        Fairness::LeastBusy => api::Fairness::LeastBusy,
        Fairness::RoundRobin => api::Fairness::RoundRobin,
    }
}

/// A fairness from the wire.
pub fn fairness_from(fairness: api::Fairness) -> Fairness {
    match fairness {
        api::Fairness::LeastBusy => Fairness::LeastBusy,
        api::Fairness::RoundRobin => Fairness::RoundRobin,
    }
}

/// A window patch's distribution, read with the wire enum's names; Err carries the words
/// for `invalid_distribution`.
pub fn parse_distribution(name: Option<&str>) -> Result<Option<Distribution>, String> {
    name.map(|n| {
        api::Distribution::parse(n)
            .map(distribution_from)
            .ok_or_else(|| format!("use {}", one_of(&api::Distribution::ALL.map(|d| d.name()))))
    })
    .transpose()
}

/// A window patch's fairness, read with the wire enum's names; Err carries the words for
/// `invalid_fairness`.
pub fn parse_fairness(name: Option<&str>) -> Result<Option<Fairness>, String> {
    name.map(|n| {
        api::Fairness::parse(n)
            .map(fairness_from)
            .ok_or_else(|| format!("use {}", one_of(&api::Fairness::ALL.map(|f| f.name()))))
    })
    .transpose()
}

/// A button style named in a query or an address; Err is the `invalid_style` answer.
pub fn button_style(name: &str) -> Result<api::ButtonStyle, ApiError> {
    api::ButtonStyle::parse(name).ok_or_else(|| {
        ApiError::invalid(
            "style",
            format!(
                "\"{name}\" is not a button style: use {}",
                one_of(&api::ButtonStyle::ALL.map(|s| s.name()))
            ),
        )
    })
}

/// "a or b" (or "a, b or c"), for an error's words.
pub fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Who closed a chat on the wire: an operator (the closing account), or the visitor (None).
pub fn closed_by(by: Option<model::AccountId>) -> api::ClosedBy {
    match by {
        Some(_) => api::ClosedBy::Operator,
        None => api::ClosedBy::Visitor,
    }
}

/// A stored routing decision on the wire, with its operator's name. The engine stores the
/// kind by its name (`routing::note_name`, the same as the wire's, as the tests below
/// check); an entry of a kind this server does not know is left out, with a warning.
pub fn routing_entry(
    record: RoutingRecord,
    operator_name: impl Fn(u64) -> Option<String>,
) -> Option<api::RoutingEntry> {
    let Some(kind) = api::RoutingKind::parse(&record.kind) else {
        tracing::warn!(kind = %record.kind, "a routing-log entry of an unknown kind");
        return None;
    };
    Some(api::RoutingEntry {
        at: record.at,
        kind,
        operator_name: record.operator.and_then(operator_name),
        operator: record.operator,
        detail: record.detail,
    })
}

/// A chat's state on the wire.
pub fn state(state: ChatState) -> api::ChatState {
    match state {
        ChatState::Waiting => api::ChatState::Waiting,
        ChatState::Connected => api::ChatState::Connected,
        ChatState::Closed => api::ChatState::Closed,
        ChatState::Offline => api::ChatState::Offline,
    }
}

/// The author's kind and name.
pub fn author(author: &Author) -> (api::AuthorKind, String) {
    match author {
        Author::Visitor => (api::AuthorKind::Visitor, String::new()),
        Author::Operator { name, .. } => (api::AuthorKind::Operator, name.clone()),
        Author::Company => (api::AuthorKind::Company, String::new()),
    }
}

/// A chat as listed.
pub fn chat(chat: &model::Chat) -> api::Chat {
    api::Chat {
        id: chat.id,
        state: state(chat.state),
        name: chat.name.clone(),
        email: chat.email.clone(),
        department: chat.department,
        operator: chat.operator,
        page_url: chat.page_url.clone(),
        lang: chat.lang.clone(),
        created_at: chat.created_at,
        ended_at: chat.ended_at,
        visitor_id: Some(chat.visitor),
    }
}

/// A visitor as the live list shows them.
pub fn visitor(v: &switchboard_engine::events::VisitorSummary) -> api::Visitor {
    let page = |p: &switchboard_engine::events::PageSeen| api::Page {
        url: p.url.clone(),
        title: p.title.clone(),
        at: p.at,
    };
    api::Visitor {
        id: v.id,
        page_url: v.page.url.clone(),
        title: v.page.title.clone(),
        referrer: v.referrer.clone(),
        on_page_since: v.page.at,
        time_on_page_secs: model::now_ms().saturating_sub(v.page.at) / 1000,
        pages_seen: v.pages_seen,
        pages: v.recent.iter().map(page).collect(),
        first_seen: v.first_seen,
        chat_id: v.chat,
        declined: v.declined,
    }
}

/// The wire name of a panel resource.
pub fn resource(r: events::Resource) -> api::Resource {
    use events::Resource as R;
    match r {
        R::Company => api::Resource::Company,
        R::ChatWindow => api::Resource::ChatWindow,
        R::Departments => api::Resource::Departments,
        R::Operators => api::Resource::Operators,
        R::CannedResponses => api::Resource::CannedResponses,
        R::OfflineMessages => api::Resource::OfflineMessages,
        R::Billing => api::Resource::Billing,
    }
}

/// The wire form of an offline message; `operator` is the SIP username it asks for.
pub fn offline_message(m: &model::OfflineMessage, operator: Option<String>) -> api::OfflineMessage {
    api::OfflineMessage {
        id: m.id,
        name: m.name.clone(),
        email: m.email.clone(),
        message: m.message.clone(),
        department: m.department,
        operator,
        at: m.at,
        done: m.done,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_engine::routing::{note_name, NoteKind};

    /// A routing-log note's kind on the wire: exhaustive, so a new note kind fails to
    /// compile here until the wire has it.
    fn note_kind(kind: NoteKind) -> api::RoutingKind {
        use api::RoutingKind as K;
        match kind {
            NoteKind::Arrived => K::Arrived,
            NoteKind::Offered => K::Offered,
            NoteKind::Withdrawn => K::Withdrawn,
            NoteKind::Declined => K::Declined,
            NoteKind::OfferExpired => K::OfferExpired,
            NoteKind::Queued => K::Queued,
            NoteKind::Accepted => K::Accepted,
            NoteKind::Escalated => K::Escalated,
            NoteKind::Transferred => K::Transferred,
            NoteKind::Requeued => K::Requeued,
            NoteKind::TimedOut => K::TimedOut,
            NoteKind::Offline => K::Offline,
            NoteKind::Closed => K::Closed,
        }
    }

    #[test]
    fn the_engine_stores_routing_kinds_by_their_wire_names() {
        let kinds = [
            NoteKind::Arrived,
            NoteKind::Offered,
            NoteKind::Withdrawn,
            NoteKind::Declined,
            NoteKind::OfferExpired,
            NoteKind::Queued,
            NoteKind::Accepted,
            NoteKind::Escalated,
            NoteKind::Transferred,
            NoteKind::Requeued,
            NoteKind::TimedOut,
            NoteKind::Offline,
            NoteKind::Closed,
        ];
        for kind in kinds {
            assert_eq!(note_kind(kind).name(), note_name(kind));
        }
        let wire: Vec<_> = kinds.map(note_kind).to_vec();
        assert_eq!(
            wire,
            api::RoutingKind::ALL.to_vec(),
            "one wire kind per note"
        );
    }

    #[test]
    fn a_routing_record_of_an_unknown_kind_is_left_out() {
        let record = |kind: &str| RoutingRecord {
            at: 1,
            kind: kind.into(),
            operator: Some(7),
            detail: "least busy".into(),
        };
        let entry = routing_entry(record("offer_expired"), |_| Some("Ann".into()));
        assert_eq!(
            entry,
            Some(api::RoutingEntry {
                at: 1,
                kind: api::RoutingKind::OfferExpired,
                operator: Some(7),
                detail: "least busy".into(),
                operator_name: Some("Ann".into()),
            })
        );
        assert_eq!(routing_entry(record("pondered"), |_| None), None);
    }

    #[test]
    fn window_patch_names_are_the_wire_enums() {
        assert_eq!(parse_distribution(None), Ok(None));
        assert_eq!(parse_distribution(Some("all")), Ok(Some(Distribution::All)));
        assert_eq!(
            parse_distribution(Some("round-robin")),
            Err("use single or all".to_string())
        );
        assert_eq!(
            parse_fairness(Some("round_robin")),
            Ok(Some(Fairness::RoundRobin))
        );
        assert_eq!(
            parse_fairness(Some("fair")),
            Err("use least_busy or round_robin".to_string())
        );
        assert_eq!(one_of(&["a", "b", "c"]), "a, b or c");
        assert_eq!(button_style("custom").ok(), Some(api::ButtonStyle::Custom));
        let refused = button_style("fancy").expect_err("not a style");
        assert_eq!(refused.code, "invalid_style");
        assert_eq!(
            refused.message,
            "style: \"fancy\" is not a button style: use standard or custom"
        );
    }
}
