//! The company's settings as data: a change is a patch (every field optional: `None` keeps
//! the value, `Some(None)` clears a nullable one), and one pure function checks it against
//! the rules and applies it. The tenant actor runs it as the single writer; nothing else
//! changes settings, and a patch travels as plain data (to another node, later).

use std::time::Duration;

use crate::billing::profile::{self, Profile};
use crate::model::{CannedId, DepartmentId, Distribution, Field, Tenant};
use crate::routing::Fairness;
use crate::{Error, Result};

/// Longest settings text (welcome and off-line texts), in characters.
pub const MAX_SETTING_CHARS: usize = 2000;

/// A change to the company profile; the texts are already cleaned of control characters.
/// Its rules are billing's ([`crate::billing::profile`]): the profile is what invoices print.
pub use crate::billing::profile::ProfilePatch as CompanyPatch;

/// A change to the chat-window settings (and the assets' switches).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WindowPatch {
    /// Default language code (checked against the 52 by the caller, which knows them).
    pub language: Option<String>,
    /// Single or all.
    pub distribution: Option<Distribution>,
    /// 0.1 s to an hour.
    pub connection_timeout: Option<Duration>,
    /// 0.1 s to an hour.
    pub offer_timeout: Option<Duration>,
    /// The automatic canned response, or none.
    pub auto_canned: Option<Option<CannedId>>,
    /// Welcome form before routing.
    pub welcome_screen: Option<bool>,
    /// Welcome text.
    pub welcome_message: Option<String>,
    /// Name field of the welcome form.
    pub name_field: Option<Field>,
    /// Email field of the welcome form.
    pub email_field: Option<Field>,
    /// Off-line text.
    pub offline_message: Option<String>,
    /// Text after an off-line message.
    pub offline_thanks: Option<String>,
    /// Visitor tracking.
    pub tracking: Option<bool>,
    /// Automatic invitation delay (1 s to an hour), or off.
    pub invitation_delay: Option<Option<Duration>>,
    /// How single mode picks.
    pub fairness: Option<Fairness>,
    /// Escalation: the requested operator's turn (0.1 s to an hour).
    pub requested_operator_timeout: Option<Duration>,
    /// Escalation: the department's turn (0.1 s to an hour).
    pub department_timeout: Option<Duration>,
    /// Escalation: the fallback department, or none.
    pub fallback_department: Option<Option<DepartmentId>>,
    /// Most chats waiting for one target, 0 (no limit) to 10,000.
    pub max_queue: Option<u32>,
    /// Longest estimated wait queued for, 0 (no limit) to a day.
    pub max_wait: Option<Duration>,
    /// The graphics slot the window shows, or the defaults.
    pub active_graphics: Option<Option<u64>>,
    /// The custom button style works (both GIFs uploaded).
    pub custom_buttons: Option<bool>,
}

/// A change to the company's settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum SettingsEdit {
    /// The profile.
    Company(CompanyPatch),
    /// The chat window.
    Window(WindowPatch),
}

/// What a patch may refer to: the company's departments and canned responses now.
pub struct Known<'a> {
    /// Department ids.
    pub departments: &'a dyn Fn(DepartmentId) -> bool,
    /// Canned-response ids.
    pub canned: &'a dyn Fn(CannedId) -> bool,
    /// The currencies a company may choose (billing's configuration).
    pub currencies: &'a [String],
}

/// Checks `edit` and applies it to `tenant`; on an error `tenant` may be half changed, so
/// callers apply it to a copy.
pub fn apply(tenant: &mut Tenant, edit: SettingsEdit, known: &Known) -> Result<()> {
    match edit {
        SettingsEdit::Company(p) => apply_company(tenant, p, known),
        SettingsEdit::Window(p) => apply_window(tenant, p, known),
    }
}

fn apply_company(tenant: &mut Tenant, p: CompanyPatch, known: &Known) -> Result<()> {
    let next = profile::apply(&Profile::from(&tenant.company), p, known.currencies)?;
    next.write_to(&mut tenant.company);
    Ok(())
}

/// A timeout between 0.1 s and an hour.
fn timeout(field: &'static str, value: Option<Duration>) -> Result<Option<Duration>> {
    match value {
        Some(d) if d < Duration::from_millis(100) || d > Duration::from_secs(3600) => {
            Err(Error::invalid(field, "use 0.1 to 3600 seconds"))
        }
        other => Ok(other),
    }
}

fn apply_window(tenant: &mut Tenant, p: WindowPatch, known: &Known) -> Result<()> {
    let connection = timeout("connection_timeout_secs", p.connection_timeout)?;
    let offer = timeout("offer_timeout_secs", p.offer_timeout)?;
    let requested = timeout(
        "requested_operator_timeout_secs",
        p.requested_operator_timeout,
    )?;
    let department = timeout("department_timeout_secs", p.department_timeout)?;
    for (field, text) in [
        ("welcome_message", &p.welcome_message),
        ("offline_message", &p.offline_message),
        ("offline_thanks", &p.offline_thanks),
    ] {
        if text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_SETTING_CHARS)
        {
            return Err(Error::invalid(
                field,
                format!("use at most {MAX_SETTING_CHARS} characters"),
            ));
        }
    }
    if let Some(Some(delay)) = p.invitation_delay {
        if delay < Duration::from_secs(1) || delay > Duration::from_secs(3600) {
            return Err(Error::invalid(
                "invitation_delay_secs",
                "use 1 to 3600 seconds, or null to turn invitations off",
            ));
        }
    }
    if p.max_queue.is_some_and(|q| q > 10_000) {
        return Err(Error::invalid("max_queue", "use 0 (no limit) to 10000"));
    }
    if p.max_wait.is_some_and(|w| w > Duration::from_secs(86_400)) {
        return Err(Error::invalid(
            "max_wait_secs",
            "use 0 (no limit) to 86400 seconds",
        ));
    }
    if let Some(Some(d)) = p.fallback_department {
        if !(known.departments)(d) {
            return Err(Error::invalid(
                "fallback_department",
                format!("no department has id {d}"),
            ));
        }
    }
    if let Some(Some(id)) = p.auto_canned {
        if !(known.canned)(id) {
            return Err(Error::invalid(
                "auto_canned_response",
                "no canned response has that id",
            ));
        }
    }
    let w = &mut tenant.window;
    set(&mut w.language, p.language);
    set(&mut w.distribution, p.distribution);
    set(&mut w.connection_timeout, connection);
    set(&mut w.offer_timeout, offer);
    set(&mut w.auto_canned, p.auto_canned);
    set(&mut w.welcome_screen, p.welcome_screen);
    set(&mut w.welcome_message, p.welcome_message);
    // A field that is not shown cannot be required.
    let shown = |f: Field| Field {
        enabled: f.enabled,
        required: f.enabled && f.required,
    };
    set(&mut w.name_field, p.name_field.map(shown));
    set(&mut w.email_field, p.email_field.map(shown));
    set(&mut w.offline_message, p.offline_message);
    set(&mut w.offline_thanks, p.offline_thanks);
    set(&mut w.tracking, p.tracking);
    set(&mut w.invitation_delay, p.invitation_delay);
    set(&mut w.fairness, p.fairness);
    set(&mut w.requested_operator_timeout, requested);
    set(&mut w.department_timeout, department);
    set(&mut w.fallback_department, p.fallback_department);
    set(&mut w.max_queue, p.max_queue);
    set(&mut w.max_wait, p.max_wait);
    set(&mut w.active_graphics, p.active_graphics);
    set(&mut w.custom_buttons, p.custom_buttons);
    if w.invitation_delay.is_some() && !w.tracking {
        return Err(Error::invalid(
            "invitation_delay_secs",
            "automatic invitations need visitor tracking: turn tracking on first",
        ));
    }
    Ok(())
}

/// Replaces `slot` when the patch gives a value.
fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> Tenant {
        Tenant {
            company: crate::model::Company {
                id: 1,
                key: "0123456789abcdef".into(),
                name: "Rules Ltd".into(),
                address: crate::model::Address::default(),
                country: String::new(),
                currency: "EUR".into(),
                vat_number: String::new(),
                time_zone: "UTC".into(),
                created_at: 0,
            },
            window: crate::model::ChatWindow::default(),
        }
    }

    static CURRENCIES: &[String] = &[];

    fn known() -> Known<'static> {
        Known {
            departments: &|d| d == 10,
            canned: &|c| c == 3,
            currencies: CURRENCIES,
        }
    }

    fn window(p: WindowPatch) -> Result<Tenant> {
        let mut t = tenant();
        apply(&mut t, SettingsEdit::Window(p), &known()).map(|()| t)
    }

    fn field_of(result: Result<Tenant>) -> &'static str {
        match result {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn each_window_rule_refuses_what_it_must_and_names_the_field() {
        let secs = Duration::from_secs_f64;
        let table: Vec<(WindowPatch, &str)> = vec![
            (
                WindowPatch {
                    connection_timeout: Some(secs(0.05)),
                    ..Default::default()
                },
                "connection_timeout_secs",
            ),
            (
                WindowPatch {
                    offer_timeout: Some(secs(3601.0)),
                    ..Default::default()
                },
                "offer_timeout_secs",
            ),
            (
                WindowPatch {
                    requested_operator_timeout: Some(secs(0.0)),
                    ..Default::default()
                },
                "requested_operator_timeout_secs",
            ),
            (
                WindowPatch {
                    department_timeout: Some(secs(7200.0)),
                    ..Default::default()
                },
                "department_timeout_secs",
            ),
            (
                WindowPatch {
                    welcome_message: Some("x".repeat(MAX_SETTING_CHARS + 1)),
                    ..Default::default()
                },
                "welcome_message",
            ),
            (
                WindowPatch {
                    invitation_delay: Some(Some(secs(0.5))),
                    tracking: Some(true),
                    ..Default::default()
                },
                "invitation_delay_secs",
            ),
            (
                WindowPatch {
                    invitation_delay: Some(Some(secs(30.0))),
                    tracking: Some(false),
                    ..Default::default()
                },
                "invitation_delay_secs",
            ),
            (
                WindowPatch {
                    max_queue: Some(10_001),
                    ..Default::default()
                },
                "max_queue",
            ),
            (
                WindowPatch {
                    max_wait: Some(secs(86_401.0)),
                    ..Default::default()
                },
                "max_wait_secs",
            ),
            (
                WindowPatch {
                    fallback_department: Some(Some(11)),
                    ..Default::default()
                },
                "fallback_department",
            ),
            (
                WindowPatch {
                    auto_canned: Some(Some(4)),
                    ..Default::default()
                },
                "auto_canned_response",
            ),
        ];
        for (patch, field) in table {
            assert_eq!(field_of(window(patch.clone())), field, "{patch:?}");
        }
    }

    #[test]
    fn a_window_patch_changes_only_what_it_gives_and_null_clears() {
        let mut t = window(WindowPatch {
            tracking: Some(true),
            invitation_delay: Some(Some(Duration::from_secs(30))),
            fallback_department: Some(Some(10)),
            auto_canned: Some(Some(3)),
            ..Default::default()
        })
        .unwrap();
        let before = t.clone();
        apply(
            &mut t,
            SettingsEdit::Window(WindowPatch {
                max_queue: Some(5),
                ..Default::default()
            }),
            &known(),
        )
        .unwrap();
        assert_eq!(t.window.max_queue, 5);
        assert_eq!(t.window.fallback_department, Some(10), "untouched");
        assert_eq!(t.window.auto_canned, Some(3), "untouched");
        assert_eq!(t.window.invitation_delay, before.window.invitation_delay);
        apply(
            &mut t,
            SettingsEdit::Window(WindowPatch {
                fallback_department: Some(None),
                ..Default::default()
            }),
            &known(),
        )
        .unwrap();
        assert_eq!(t.window.fallback_department, None, "null clears");
        let hidden = window(WindowPatch {
            name_field: Some(Field {
                enabled: false,
                required: true,
            }),
            ..Default::default()
        })
        .unwrap();
        assert!(
            !hidden.window.name_field.required,
            "a hidden field is never required"
        );
    }

    #[test]
    fn each_company_rule_refuses_what_it_must() {
        let company = |p: CompanyPatch| {
            let mut t = tenant();
            apply(&mut t, SettingsEdit::Company(p), &known()).map(|()| t)
        };
        let table: Vec<(CompanyPatch, &str)> = vec![
            (
                CompanyPatch {
                    name: Some("  ".into()),
                    ..Default::default()
                },
                "name",
            ),
            (
                CompanyPatch {
                    address: Some(crate::model::Address {
                        street: "a".repeat(201),
                        city: "Dublin".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                "address.street",
            ),
            (
                CompanyPatch {
                    country: Some("ZZZ".into()),
                    ..Default::default()
                },
                "country",
            ),
            (
                CompanyPatch {
                    currency: Some("JPY".into()),
                    ..Default::default()
                },
                "currency",
            ),
            (
                CompanyPatch {
                    time_zone: Some("Europe /Dublin".into()),
                    ..Default::default()
                },
                "time_zone",
            ),
            (
                CompanyPatch {
                    time_zone: Some("Mars/Olympus".into()),
                    ..Default::default()
                },
                "time_zone",
            ),
            (
                CompanyPatch {
                    country: Some("ZZ".into()),
                    ..Default::default()
                },
                "country",
            ),
            (
                CompanyPatch {
                    country: Some("DE".into()),
                    vat_number: Some("garbage!!".into()),
                    ..Default::default()
                },
                "vat_number",
            ),
            (
                CompanyPatch {
                    country: Some("GR".into()),
                    vat_number: Some("GR123456789".into()),
                    ..Default::default()
                },
                "vat_number",
            ),
            (
                CompanyPatch {
                    country: Some("US".into()),
                    vat_number: Some("123456789".into()),
                    ..Default::default()
                },
                "vat_number",
            ),
        ];
        for (patch, field) in table {
            assert_eq!(field_of(company(patch.clone())), field, "{patch:?}");
        }
        let t = company(CompanyPatch {
            country: Some("DE".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(t.company.country, "DE");
        assert_eq!(t.company.name, tenant().company.name, "untouched");
    }
}
