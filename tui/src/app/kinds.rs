//! The small types every screen shares: presence, screens, the link to the server, notes.

/// An operator's presence: the wire's status, whose names live in `switchboard_api`.
pub use switchboard_api::Status as Presence;

/// The next presence in the toggle: online, away, offline, online...
pub fn next(p: Presence) -> Presence {
    match p {
        Presence::Online => Presence::Away,
        Presence::Away => Presence::Offline,
        Presence::Offline => Presence::Online,
    }
}

/// The screens, in tab order after the two sign-in screens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Email and password.
    SignIn,
    /// A new company.
    SignUp,
    /// Offers, open chats, messages.
    Console,
    /// Who is on the site.
    Visitors,
    /// Messages left while nobody was online.
    Offline,
    /// Past chats and transcripts.
    History,
    /// Charts.
    Dashboard,
    /// Company settings (admins only).
    Admin,
}

impl Screen {
    /// The tabs a signed-in account sees, with their number keys.
    pub fn tabs(admin: bool) -> &'static [Screen] {
        const ALL: [Screen; 6] = [
            Screen::Console,
            Screen::Visitors,
            Screen::Offline,
            Screen::History,
            Screen::Dashboard,
            Screen::Admin,
        ];
        if admin {
            &ALL
        } else {
            &ALL[..5]
        }
    }

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Screen::SignIn => "Sign in",
            Screen::SignUp => "New company",
            Screen::Console => "Console",
            Screen::Visitors => "Visitors",
            Screen::Offline => "Offline messages",
            Screen::History => "History",
            Screen::Dashboard => "Dashboard",
            Screen::Admin => "Admin",
        }
    }
}

/// The event stream's state, shown in the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// Not signed in.
    Idle,
    /// First connection under way.
    Connecting,
    /// Events are flowing.
    Live,
    /// Lost; trying again.
    Reconnecting {
        /// Attempts so far.
        attempt: u32,
        /// Why the last one ended.
        reason: String,
        /// Unix ms the link was lost (the status bar shows for how long).
        since_ms: u64,
    },
}

/// How a note is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Something happened.
    Info,
    /// Something to look at (a taken offer).
    Warn,
    /// Something failed.
    Error,
}

/// A one-line message in the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// What to say (already sanitized when it came from the server).
    pub text: String,
    /// Colour.
    pub level: Level,
    /// Unix ms it disappears.
    pub until_ms: u64,
}

/// How long a note stays, in ms.
pub(super) const NOTE_MS: u64 = 6_000;

/// How long the screen flashes on a new offer, in ms.
pub const FLASH_MS: u64 = 1_500;
