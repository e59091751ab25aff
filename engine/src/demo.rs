//! The demo company of `switchboard serve --demo`: the reference manual's own example key,
//! two departments, an admin and two operators with SIP usernames.

use crate::actors::tenant::{SaveDepartment, SaveOperator};
use crate::engine::Engine;
use crate::model::*;
use crate::Result;

/// The manual's example chat key.
pub const KEY: &str = "abcdef0123456789";

/// The demo logins: (email, password, SIP username or none for the admin, name).
pub const LOGINS: [(&str, &str, Option<&str>, &str); 3] = [
    ("admin@demo.example", "demo-admin", None, "Demo Admin"),
    ("alice@demo.example", "demo-10001", Some("10001"), "Alice"),
    ("bob@demo.example", "demo-10002", Some("10002"), "Bob"),
];

/// Creates the demo company unless it exists; returns true when it was created.
pub async fn seed(engine: &Engine) -> Result<bool> {
    if engine.tenant_by_key(KEY).is_ok() {
        return Ok(false);
    }
    let (admin_email, admin_password, _, admin_name) = LOGINS[0];
    let tenant = Tenant {
        company: Company {
            id: engine.store().next_tenant_id()?,
            key: KEY.into(),
            name: "Demo Shop".into(),
            address: Address {
                street: "1 Demo Street".into(),
                city: "Dublin".into(),
                postcode: "D02 X285".into(),
            },
            country: "IE".into(),
            currency: "EUR".into(),
            vat_number: String::new(),
            time_zone: "Europe/Dublin".into(),
            created_at: now_ms(),
        },
        window: ChatWindow {
            connection_timeout: std::time::Duration::from_secs(90),
            ..ChatWindow::default()
        },
    };
    let admin = Account {
        id: engine.store().next_id(tenant.company.id)?,
        email: admin_email.into(),
        name: admin_name.into(),
        sip: None,
        password_hash: engine.hash_password(admin_password).await?,
        role: Role::Admin,
        max_chats: engine.config().default_max_chats,
        departments: Vec::new(),
    };
    engine.create_company(&tenant, &admin)?.durable().await?;
    let actor = engine.tenant(tenant.company.id)?;
    let mut departments = Vec::new();
    for name in ["Sales", "Support"] {
        let (department, _) = actor
            .send(SaveDepartment {
                id: None,
                name: name.into(),
            })
            .await??;
        departments.push(department.id);
    }
    let mut last = None;
    for (email, password, sip, name) in &LOGINS[1..] {
        let (_, ticket) = actor
            .send(SaveOperator {
                sip: sip.expect("operators have SIP usernames").into(),
                name: Some((*name).into()),
                email: Some((*email).into()),
                password_hash: Some(engine.hash_password(password).await?),
                max_chats: None,
                departments: Some(departments.clone()),
                role: None,
            })
            .await??;
        last = Some(ticket);
    }
    if let Some(ticket) = last {
        ticket.durable().await?;
    }
    Ok(true)
}
