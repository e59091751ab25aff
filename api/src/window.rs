//! The chat window's settings: what its script reads, from the page or from
//! `GET /v1/visitor/{key}/window`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::languages::Direction;
use crate::{Department, FormField};

/// What the chat window's script needs, in the resolved language: the answer of
/// `GET /v1/visitor/{key}/window` and the `settings` of the JSON the page carries inline.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowSettings {
    /// The company's public chat key.
    pub key: String,
    /// The company's name (the page title, and the author shown on automatic messages).
    pub company: String,
    /// The language the window speaks: the one asked for if supported (any case), else the
    /// company's default, else English.
    pub lang: String,
    /// Which way `lang` is written: `"ltr"`, or `"rtl"` (ar, fa, he, ur, yi).
    pub dir: Direction,
    /// Every translated message by id (e.g. `send`, `invitation-accept`); placeholders are left
    /// as `{$name}` for the script to fill in.
    pub texts: BTreeMap<String, String>,
    /// Whether the visitor fills in the welcome form before the chat is routed.
    pub welcome_screen: bool,
    /// The welcome text to show: the company's, or the translated default.
    pub welcome_message: String,
    /// The welcome form's name field (a hidden field is never required).
    pub name_field: FormField,
    /// The welcome form's email field (a hidden field is never required).
    pub email_field: FormField,
    /// Departments to choose from, by id; empty unless the company has at least two, since
    /// the drop-down appears only then.
    pub departments: Vec<Department>,
    /// The text above the offline form: the company's, or the translated default.
    pub offline_message: String,
    /// The text after an offline message was sent: the company's, or the translated default.
    pub offline_thanks: String,
    /// Whether an operator is online right now (the window may still go offline: an online
    /// operator can be full or not answer in time).
    pub online: bool,
    /// Seconds on one page before the tracking script invites the visitor; null when off.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub invitation_delay_secs: Option<u32>,
    /// Whether page views are tracked.
    pub tracking: bool,
    /// The header image (290x80), a path on this server: `/graphics/{key}/header`.
    pub header_url: String,
    /// The sidebar image (90x367), a path on this server: `/graphics/{key}/sidebar`.
    pub sidebar_url: String,
    /// Longest chat message the server takes, in characters (Unicode scalar values): the
    /// window counts down to it instead of cutting a paste short.
    pub max_message_chars: usize,
    /// Longest off-line message the server takes, in characters, counted down the same way.
    pub max_offline_chars: usize,
    /// Every language the window speaks, in the order of the language table
    /// (`languages::LANGUAGES`), each named in itself, for the visitor's language picker.
    pub languages: Vec<LanguageChoice>,
    /// The base URLs (`http://host:port`, no trailing slash) of the cluster's live nodes, any
    /// of which answers for this company: the window moves to the next one when the node it
    /// talks to stops answering. Empty when the server runs alone.
    pub servers: Vec<String>,
}

/// One language a visitor can pick.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LanguageChoice {
    /// Its code in chat URLs.
    pub code: String,
    /// Its name in itself ("Deutsch"), so a visitor finds it whatever the window speaks now.
    pub name: String,
    /// `"ltr"` or `"rtl"`, so the name is laid out in its own direction.
    pub dir: Direction,
}
