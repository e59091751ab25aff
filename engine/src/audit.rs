//! The audit log: who changed which of a company's settings, operators, departments, canned
//! responses, graphics, buttons or cards, and when. One entry per change, stored durably in
//! the `audit` tree under the company's id, read newest first by the company's admins.
//!
//! What counts as a change is a closed set ([`Subject`] × [`Change`]); its names are given
//! once, by [`Action::name`], and stored as they are.

use switchboard_storage::records::AuditRecord;
use switchboard_storage::Key;

use crate::model::{now_ms, AccountId, TenantId};
use crate::{Engine, Error, Result};

/// What was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The company profile (`/v1/company`).
    Company,
    /// The chat-window settings (`/v1/chat-window`).
    ChatWindow,
    /// A graphics slot or its images.
    Graphics,
    /// The custom chat buttons.
    Buttons,
    /// A department.
    Department,
    /// An operator or admin account.
    Operator,
    /// A canned response.
    CannedResponse,
    /// A payment card.
    Card,
    /// An account's own password.
    Password,
}

/// How it was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Added.
    Created,
    /// Changed in place (a patch, an upload, an activation).
    Updated,
    /// Removed.
    Deleted,
}

/// One kind of audited change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action {
    /// What.
    pub subject: Subject,
    /// How.
    pub change: Change,
}

impl Action {
    /// The stored and wire name, `<subject>.<change>`, e.g. `canned_response.deleted`.
    pub fn name(self) -> String {
        let subject = match self.subject {
            Subject::Company => "company",
            Subject::ChatWindow => "chat_window",
            Subject::Graphics => "graphics",
            Subject::Buttons => "buttons",
            Subject::Department => "department",
            Subject::Operator => "operator",
            Subject::CannedResponse => "canned_response",
            Subject::Card => "card",
            Subject::Password => "password",
        };
        let change = match self.change {
            Change::Created => "created",
            Change::Updated => "updated",
            Change::Deleted => "deleted",
        };
        format!("{subject}.{change}")
    }
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Increasing id; also the cursor of the next page.
    pub id: u64,
    /// Unix milliseconds of the change.
    pub at: u64,
    /// The account that made it.
    pub account: AccountId,
    /// That account's email at the time.
    pub actor: String,
    /// [`Action::name`] of the change.
    pub action: String,
    /// Which one (SIP username, record id, slot and part); empty for company-wide settings.
    pub target: String,
    /// Names of the fields the request gave; never their values.
    pub fields: Vec<String>,
}

/// A change to record, as the HTTP layer saw it.
#[derive(Clone, Debug)]
pub struct NewEntry {
    /// Who.
    pub account: AccountId,
    /// Their email now.
    pub actor: String,
    /// What.
    pub action: Action,
    /// Which one.
    pub target: String,
    /// Fields given.
    pub fields: Vec<String>,
}

impl Engine {
    /// Appends an entry to the company's audit log; returns once it is durable.
    pub async fn audit(&self, tenant: TenantId, entry: NewEntry) -> Result<()> {
        let id = self.store().next_id(tenant)?;
        let record = AuditRecord {
            at: now_ms(),
            account: entry.account,
            actor: entry.actor,
            action: entry.action.name(),
            target: entry.target,
            fields: entry.fields,
        };
        self.tables()
            .audit
            .insert(&Key::new().u64(tenant).u64(id).finish(), &record)?
            .durable()
            .await?;
        Ok(())
    }

    /// The company's audit entries older than `before` (all when None), newest first, at
    /// most `limit`. Only the company's own entries: the key starts with its id.
    pub fn audit_log(
        &self,
        tenant: TenantId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>> {
        let before = before.map(|b| Key::new().u64(tenant).u64(b).finish());
        self.tables()
            .audit
            .scan_prefix_back(&Key::new().u64(tenant).finish(), before.as_deref())
            .take(limit)
            .map(|entry| {
                let (key, r) = entry?;
                // Every key was written by `audit` as (tenant, id).
                let id = switchboard_storage::key_u64(&key, 1)
                    .ok_or_else(|| Error::Internal("an audit key without an id".into()))?;
                Ok(AuditEntry {
                    id,
                    at: r.at,
                    account: r.account,
                    actor: r.actor,
                    action: r.action,
                    target: r.target,
                    fields: r.fields,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_storage::Store;

    fn entry(target: &str) -> NewEntry {
        NewEntry {
            account: 7,
            actor: "admin@a.example".into(),
            action: Action {
                subject: Subject::Department,
                change: Change::Created,
            },
            target: target.into(),
            fields: vec!["name".into()],
        }
    }

    #[test]
    fn the_audit_log_reads_newest_first_in_pages_and_per_company() {
        let engine = Engine::start(Store::temporary().unwrap(), Default::default()).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            for t in ["1", "2", "3"] {
                engine.audit(1, entry(t)).await.unwrap();
            }
            engine.audit(2, entry("other")).await.unwrap();
        });
        let first = engine.audit_log(1, None, 2).unwrap();
        let targets: Vec<&str> = first.iter().map(|e| e.target.as_str()).collect();
        assert_eq!(targets, ["3", "2"]);
        assert_eq!(first[0].action, "department.created");
        let rest = engine.audit_log(1, Some(first[1].id), 2).unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].target, "1");
        let other = engine.audit_log(2, None, 10).unwrap();
        assert_eq!(other.len(), 1, "another company sees only its own");
        assert_eq!(other[0].target, "other");
        engine.stop();
    }
}
