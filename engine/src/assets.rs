//! A company's uploaded assets: chat-window graphics slots (a header and a sidebar image each,
//! at most one slot active) and the two custom GIF chat buttons.
//!
//! The images arrive here already checked and resized: decoding belongs to the HTTP layer,
//! which does it on a blocking thread. This module keeps the stored records and the tenant's
//! `active_graphics` / `custom_buttons` settings in step: every change takes the company's
//! asset lock, writes the record, changes the setting through the tenant actor's
//! [`UpdateTenant`] when it must, and returns once all of it is durable.

use switchboard_storage::records::{ButtonsRecord, GraphicsRecord};
use switchboard_storage::Key;
use tokio::sync::{Mutex, MutexGuard};

use crate::actors::tenant::UpdateTenant;
use crate::engine::Engine;
use crate::model::{now_ms, TenantId};
use crate::settings::{SettingsEdit, WindowPatch};
use crate::{Error, Result};

/// Size of the chat window's header image, in pixels (the reference product's size).
pub const HEADER_SIZE: (u32, u32) = (290, 80);

/// Size of the chat window's sidebar image, in pixels (the reference product's size).
pub const SIDEBAR_SIZE: (u32, u32) = (90, 367);

/// Most graphics slots a company keeps: each holds two small PNGs, and a panel list of more
/// than this is no longer a choice anyone makes.
pub const MAX_GRAPHICS_SLOTS: usize = 50;

/// Stripes of the asset lock. Asset changes are rare admin actions, so a few stripes shared by
/// all companies keep the lock table bounded without making companies wait on each other often.
const LOCK_STRIPES: usize = 16;

/// Serialises a company's asset changes: a record's read-modify-write and the tenant setting
/// that must agree with it (slot deleted while activated, buttons deleted while uploaded).
/// The tenant actor never takes it, so holding it across an actor call cannot deadlock.
static ASSET_LOCKS: [Mutex<()>; LOCK_STRIPES] = [const { Mutex::const_new(()) }; LOCK_STRIPES];

/// One of the two images of a graphics slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphicsPart {
    /// Across the top of the chat window.
    Header,
    /// Down the side of the chat window.
    Sidebar,
}

impl GraphicsPart {
    /// The part named in a URL: `header` or `sidebar`.
    pub fn parse(name: &str) -> Option<GraphicsPart> {
        match name {
            "header" => Some(GraphicsPart::Header),
            "sidebar" => Some(GraphicsPart::Sidebar),
            _ => None,
        }
    }

    /// Width and height every stored image of this part has.
    pub fn size(self) -> (u32, u32) {
        match self {
            GraphicsPart::Header => HEADER_SIZE,
            GraphicsPart::Sidebar => SIDEBAR_SIZE,
        }
    }
}

/// A custom graphics slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphicsSlot {
    /// Slot id, unique in the whole database.
    pub id: u64,
    /// Header PNG (exactly [`HEADER_SIZE`]), once uploaded.
    pub header: Option<Vec<u8>>,
    /// Sidebar PNG (exactly [`SIDEBAR_SIZE`]), once uploaded.
    pub sidebar: Option<Vec<u8>>,
    /// Unix milliseconds the slot was made.
    pub created_at: u64,
}

impl GraphicsSlot {
    /// The stored image of `part`, if uploaded.
    pub fn image(&self, part: GraphicsPart) -> Option<&[u8]> {
        match part {
            GraphicsPart::Header => self.header.as_deref(),
            GraphicsPart::Sidebar => self.sidebar.as_deref(),
        }
    }
}

impl From<GraphicsRecord> for GraphicsSlot {
    fn from(r: GraphicsRecord) -> Self {
        GraphicsSlot {
            id: r.id,
            header: r.header,
            sidebar: r.sidebar,
            created_at: r.created_at,
        }
    }
}

impl From<&GraphicsSlot> for GraphicsRecord {
    fn from(s: &GraphicsSlot) -> Self {
        GraphicsRecord {
            id: s.id,
            header: s.header.clone(),
            sidebar: s.sidebar.clone(),
            created_at: s.created_at,
        }
    }
}

/// Which custom button image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ButtonState {
    /// Shown while at least one operator is online.
    Online,
    /// Shown while nobody is online.
    Offline,
}

impl ButtonState {
    /// The state named in a URL: `online` or `offline`.
    pub fn parse(name: &str) -> Option<ButtonState> {
        match name {
            "online" => Some(ButtonState::Online),
            "offline" => Some(ButtonState::Offline),
            _ => None,
        }
    }
}

/// A company's uploaded GIF buttons, as uploaded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomButtons {
    /// The online GIF.
    pub online: Option<Vec<u8>>,
    /// The offline GIF.
    pub offline: Option<Vec<u8>>,
}

impl CustomButtons {
    /// Whether both images exist, so the custom style can be used.
    pub fn complete(&self) -> bool {
        self.online.is_some() && self.offline.is_some()
    }

    /// The GIF of `state`, if uploaded.
    pub fn image(&self, state: ButtonState) -> Option<&[u8]> {
        match state {
            ButtonState::Online => self.online.as_deref(),
            ButtonState::Offline => self.offline.as_deref(),
        }
    }
}

fn slot_key(tenant: TenantId, slot: u64) -> Vec<u8> {
    Key::new().u64(tenant).u64(slot).finish()
}

fn buttons_key(tenant: TenantId) -> Vec<u8> {
    Key::new().u64(tenant).finish()
}

async fn asset_lock(tenant: TenantId) -> MutexGuard<'static, ()> {
    ASSET_LOCKS[(tenant % LOCK_STRIPES as u64) as usize]
        .lock()
        .await
}

impl Engine {
    /// The company's graphics slots, oldest first.
    pub fn graphics_slots(&self, tenant: TenantId) -> Result<Vec<GraphicsSlot>> {
        self.tables()
            .graphics
            .scan_prefix(&Key::new().u64(tenant).finish())
            .map(|r| r.map(|(_, g)| GraphicsSlot::from(g)).map_err(Error::from))
            .collect()
    }

    /// One graphics slot of the company.
    pub fn graphics_slot(&self, tenant: TenantId, id: u64) -> Result<GraphicsSlot> {
        self.tables()
            .graphics
            .get(&slot_key(tenant, id))?
            .map(GraphicsSlot::from)
            .ok_or(Error::NotFound("graphics slot"))
    }

    /// Makes a new empty slot; returns once it is durable.
    pub async fn create_slot(&self, tenant: TenantId) -> Result<GraphicsSlot> {
        let _guard = asset_lock(tenant).await;
        let count = self
            .tables()
            .graphics
            .len_prefix(&Key::new().u64(tenant).finish());
        if count >= MAX_GRAPHICS_SLOTS {
            return Err(Error::Conflict {
                code: "too_many_slots",
                message: format!(
                    "a company keeps at most {MAX_GRAPHICS_SLOTS} graphics slots: delete one first"
                ),
            });
        }
        let slot = GraphicsSlot {
            id: self.store().next_id(tenant)?,
            header: None,
            sidebar: None,
            created_at: now_ms(),
        };
        self.tables()
            .graphics
            .insert(&slot_key(tenant, slot.id), &GraphicsRecord::from(&slot))?
            .durable()
            .await?;
        Ok(slot)
    }

    /// Stores `png` (already resized to `part.size()`) as the slot's `part`, replacing the old
    /// image; returns the slot once the write is durable.
    pub async fn save_slot_image(
        &self,
        tenant: TenantId,
        id: u64,
        part: GraphicsPart,
        png: Vec<u8>,
    ) -> Result<GraphicsSlot> {
        let _guard = asset_lock(tenant).await;
        let mut slot = self.graphics_slot(tenant, id)?;
        match part {
            GraphicsPart::Header => slot.header = Some(png),
            GraphicsPart::Sidebar => slot.sidebar = Some(png),
        }
        self.tables()
            .graphics
            .insert(&slot_key(tenant, id), &GraphicsRecord::from(&slot))?
            .durable()
            .await?;
        Ok(slot)
    }

    /// Makes `slot` the one active slot, or shows the default images when `None`.
    pub async fn activate_slot(&self, tenant: TenantId, slot: Option<u64>) -> Result<()> {
        let _guard = asset_lock(tenant).await;
        if let Some(id) = slot {
            // Held under the lock, so the slot cannot be deleted before it is activated.
            self.graphics_slot(tenant, id)?;
        }
        self.edit_tenant(
            tenant,
            WindowPatch {
                active_graphics: Some(slot),
                ..Default::default()
            },
        )
        .await
    }

    /// Deletes a slot; deleting the active slot brings back the default images.
    pub async fn delete_slot(&self, tenant: TenantId, id: u64) -> Result<()> {
        let _guard = asset_lock(tenant).await;
        self.graphics_slot(tenant, id)?;
        let removed = self.tables().graphics.remove(&slot_key(tenant, id))?;
        // Under the asset lock nothing else changes the active slot meanwhile.
        let active = self.view(tenant)?.tenant.window.active_graphics;
        if active == Some(id) {
            let defaults = WindowPatch {
                active_graphics: Some(None),
                ..Default::default()
            };
            self.edit_tenant(tenant, defaults).await?;
        }
        removed.durable().await?;
        Ok(())
    }

    /// The active slot's image of `part`; `None` means the default image applies (no slot
    /// active, or the active slot has no such image yet).
    ///
    /// Reads the stored tenant record rather than asking the tenant actor: the actor writes
    /// the record on every settings change, and a public image fetch should not wake a
    /// passivated company.
    pub fn active_graphics_image(
        &self,
        tenant: TenantId,
        part: GraphicsPart,
    ) -> Result<Option<Vec<u8>>> {
        let record = self
            .tables()
            .tenants
            .get(&Key::new().u64(tenant).finish())?
            .ok_or(Error::NotFound("company"))?;
        let Some(active) = record.window.active_graphics else {
            return Ok(None);
        };
        Ok(self
            .tables()
            .graphics
            .get(&slot_key(tenant, active))?
            .and_then(|slot| match part {
                GraphicsPart::Header => slot.header,
                GraphicsPart::Sidebar => slot.sidebar,
            }))
    }

    /// The company's uploaded button GIFs (both `None` when nothing was uploaded).
    pub fn custom_buttons(&self, tenant: TenantId) -> Result<CustomButtons> {
        Ok(self
            .tables()
            .buttons
            .get(&buttons_key(tenant))?
            .map(|r| CustomButtons {
                online: r.online,
                offline: r.offline,
            })
            .unwrap_or_default())
    }

    /// Stores one custom button GIF (already validated) as uploaded. Once both exist the
    /// company's `custom_buttons` setting is turned on, so the custom code works at once.
    pub async fn save_custom_button(
        &self,
        tenant: TenantId,
        state: ButtonState,
        gif: Vec<u8>,
    ) -> Result<CustomButtons> {
        let _guard = asset_lock(tenant).await;
        let mut buttons = self.custom_buttons(tenant)?;
        match state {
            ButtonState::Online => buttons.online = Some(gif),
            ButtonState::Offline => buttons.offline = Some(gif),
        }
        let record = ButtonsRecord {
            online: buttons.online.clone(),
            offline: buttons.offline.clone(),
        };
        let written = self
            .tables()
            .buttons
            .insert(&buttons_key(tenant), &record)?;
        if buttons.complete() {
            let on = WindowPatch {
                custom_buttons: Some(true),
                ..Default::default()
            };
            self.edit_tenant(tenant, on).await?;
        }
        written.durable().await?;
        Ok(buttons)
    }

    /// Deletes both custom buttons and turns the custom style off.
    pub async fn delete_custom_buttons(&self, tenant: TenantId) -> Result<()> {
        let _guard = asset_lock(tenant).await;
        let removed = self.tables().buttons.remove(&buttons_key(tenant))?;
        let off = WindowPatch {
            custom_buttons: Some(false),
            ..Default::default()
        };
        self.edit_tenant(tenant, off).await?;
        removed.durable().await?;
        Ok(())
    }

    /// Applies `patch` to the company's window settings through its tenant actor (the single
    /// writer of settings) and waits until the change is durable.
    async fn edit_tenant(&self, tenant: TenantId, patch: WindowPatch) -> Result<()> {
        let edit = UpdateTenant(SettingsEdit::Window(patch));
        let (_, ticket) = self.ask(tenant, edit).await??;
        ticket.durable().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tenant;

    #[test]
    fn parts_and_states_parse_only_their_names() {
        assert_eq!(GraphicsPart::parse("header"), Some(GraphicsPart::Header));
        assert_eq!(GraphicsPart::parse("sidebar"), Some(GraphicsPart::Sidebar));
        assert_eq!(GraphicsPart::parse("Header"), None);
        assert_eq!(GraphicsPart::Header.size(), (290, 80));
        assert_eq!(GraphicsPart::Sidebar.size(), (90, 367));
        assert_eq!(ButtonState::parse("online"), Some(ButtonState::Online));
        assert_eq!(ButtonState::parse("offline"), Some(ButtonState::Offline));
        assert_eq!(ButtonState::parse("away"), None);
    }

    #[test]
    fn custom_buttons_are_complete_only_with_both_images() {
        let mut b = CustomButtons::default();
        assert!(!b.complete());
        b.online = Some(vec![1]);
        assert!(!b.complete());
        b.offline = Some(vec![2]);
        assert!(b.complete());
        assert_eq!(b.image(ButtonState::Offline), Some(&[2u8][..]));
    }

    /// An engine over a temporary store with one company, which has no operators.
    fn engine_with_company() -> (Engine, TenantId) {
        let store = switchboard_storage::Store::temporary().expect("a temporary store opens");
        let config = crate::Config {
            arbiters: 1,
            ..crate::Config::default()
        };
        let engine = Engine::start(store, config).expect("the engine starts");
        let id = engine.store().next_tenant_id().expect("ids are available");
        let tenant = Tenant {
            company: crate::model::Company {
                id,
                key: "0123456789abcdef".into(),
                name: "Assets Ltd".into(),
                address: crate::model::Address::default(),
                country: String::new(),
                currency: "EUR".into(),
                vat_number: String::new(),
                time_zone: "UTC".into(),
                created_at: now_ms(),
            },
            window: crate::model::ChatWindow::default(),
        };
        let admin = crate::model::Account {
            id: engine.store().next_id(id).expect("ids are available"),
            email: "admin@assets.example".into(),
            name: "Admin".into(),
            sip: None,
            password_hash: "not used".into(),
            role: crate::model::Role::Admin,
            max_chats: 4,
            departments: Vec::new(),
        };
        // Durability does not matter here: the test reads through the same database.
        let _ = engine
            .create_company(&tenant, &admin)
            .expect("the company is stored");
        (engine, id)
    }

    fn active(engine: &Engine, tenant: TenantId) -> Option<u64> {
        engine
            .tables()
            .tenants
            .get(&Key::new().u64(tenant).finish())
            .expect("the tenant record reads")
            .expect("the tenant exists")
            .window
            .active_graphics
    }

    #[tokio::test]
    async fn one_slot_is_active_and_deleting_it_brings_back_the_defaults() {
        let (engine, tenant) = engine_with_company();
        let first = engine.create_slot(tenant).await.unwrap();
        let second = engine.create_slot(tenant).await.unwrap();
        engine
            .save_slot_image(tenant, first.id, GraphicsPart::Header, vec![1, 2, 3])
            .await
            .unwrap();
        assert_eq!(
            engine
                .active_graphics_image(tenant, GraphicsPart::Header)
                .unwrap(),
            None,
            "nothing is active until a slot is activated"
        );

        engine.activate_slot(tenant, Some(first.id)).await.unwrap();
        assert_eq!(active(&engine, tenant), Some(first.id));
        assert_eq!(
            engine
                .active_graphics_image(tenant, GraphicsPart::Header)
                .unwrap(),
            Some(vec![1, 2, 3])
        );
        assert_eq!(
            engine
                .active_graphics_image(tenant, GraphicsPart::Sidebar)
                .unwrap(),
            None,
            "a part the slot lacks falls back to the default"
        );

        engine.activate_slot(tenant, Some(second.id)).await.unwrap();
        assert_eq!(active(&engine, tenant), Some(second.id));
        engine.delete_slot(tenant, first.id).await.unwrap();
        assert_eq!(
            active(&engine, tenant),
            Some(second.id),
            "another slot's deletion"
        );
        engine.delete_slot(tenant, second.id).await.unwrap();
        assert_eq!(active(&engine, tenant), None, "the active slot's deletion");
        assert!(engine.graphics_slots(tenant).unwrap().is_empty());

        assert!(matches!(
            engine.activate_slot(tenant, Some(second.id)).await,
            Err(Error::NotFound("graphics slot"))
        ));
        assert!(matches!(
            engine
                .save_slot_image(tenant, second.id, GraphicsPart::Sidebar, vec![9])
                .await,
            Err(Error::NotFound("graphics slot"))
        ));
        engine.stop();
    }

    #[tokio::test]
    async fn custom_buttons_turn_on_with_both_gifs_and_off_when_deleted() {
        let (engine, tenant) = engine_with_company();
        let custom = |engine: &Engine| {
            engine
                .tables()
                .tenants
                .get(&Key::new().u64(tenant).finish())
                .unwrap()
                .unwrap()
                .window
                .custom_buttons
        };
        engine
            .save_custom_button(tenant, ButtonState::Online, vec![1])
            .await
            .unwrap();
        assert!(!custom(&engine), "one GIF is not enough");
        let both = engine
            .save_custom_button(tenant, ButtonState::Offline, vec![2])
            .await
            .unwrap();
        assert!(both.complete());
        assert!(custom(&engine));
        assert_eq!(engine.custom_buttons(tenant).unwrap(), both);

        engine.delete_custom_buttons(tenant).await.unwrap();
        assert!(!custom(&engine));
        assert_eq!(
            engine.custom_buttons(tenant).unwrap(),
            CustomButtons::default()
        );
        engine.stop();
    }
}
