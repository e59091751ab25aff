//! Rate limits and sign-in lockout: how often one address, one company and one account may
//! do the things a flood or a password guesser would repeat.
//!
//! Each limited [`Action`] has a per-address and a per-company budget (governor's keyed GCRA
//! limiters: a burst of the per-minute figure, refilled evenly over the minute). Sign-in also
//! locks an account out after repeated wrong passwords, for a time that doubles with each
//! further failure ([`lockout_for`]). Refusals are 429 with `Retry-After`. Keyed state is
//! pruned by [`Limits::prune`], which the server runs every [`PRUNE_EVERY`], so memory
//! follows the recent clients, not all clients ever seen.
//!
//! The client's address is the socket's peer ([`Peer`]), or the right-most `X-Forwarded-For`
//! entry when `trust_forwarded_for` says a proxy in front sets it.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use hyper::body::Incoming;
use hyper::{HeaderMap, Method, Request};
use serde::{Deserialize, Serialize};
use switchboard_engine::model::TenantId;

use crate::error::ApiError;
use crate::server::App;

/// How often keyed state untouched for a whole window is dropped.
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// A longest lockout: past it, doubling only hurts the owner, not a guesser (who is held to
/// a few guesses an hour by then).
const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// An account's failure count is forgotten after this long without a new failure.
const FORGET_FAILURES_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Accounts (emails, known or not) whose failures are tracked at most; about 100 bytes each.
/// When full, new emails are not tracked (the per-address limit still holds them).
const MAX_TRACKED_ACCOUNTS: usize = 100_000;

/// The `[http.limits]` section: budgets per minute (also the burst), 0 = unlimited.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Off: no rate limit or lockout applies (a proxy in front enforces its own).
    pub enabled: bool,
    /// Take the client's address from the right-most `X-Forwarded-For` entry (the one the
    /// proxy in front added). Only behind such a proxy: otherwise clients choose their
    /// address.
    pub trust_forwarded_for: bool,
    /// Sign-ins from one address; an office behind one address signs its shift in at once.
    pub sign_in_per_ip: u32,
    /// Sign-ins into one company's accounts, from anywhere (credential stuffing).
    pub sign_in_per_company: u32,
    /// Consecutive wrong passwords an account may have before it is locked out.
    pub lockout_after_failures: u32,
    /// The first lockout, in seconds; each further failure doubles it (up to 15 minutes).
    pub lockout_secs: u64,
    /// Companies signed up from one address.
    pub sign_up_per_ip: u32,
    /// Chats started from one address (a visitor starts one, maybe a few).
    pub chat_starts_per_ip: u32,
    /// Chats started on one company's site.
    pub chat_starts_per_company: u32,
    /// Chat messages from one address (visitors behind one address typing at once).
    pub messages_per_ip: u32,
    /// Chat messages in one company, visitors and operators together.
    pub messages_per_company: u32,
    /// Page views tracked from one address.
    pub page_views_per_ip: u32,
    /// Page views tracked on one company's site.
    pub page_views_per_company: u32,
    /// Off-line messages left from one address.
    pub offline_messages_per_ip: u32,
    /// Off-line messages left for one company.
    pub offline_messages_per_company: u32,
    /// Invitations sent from one address.
    pub invitations_per_ip: u32,
    /// Invitations one company's operators send.
    pub invitations_per_company: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            trust_forwarded_for: false,
            sign_in_per_ip: 30,
            sign_in_per_company: 120,
            lockout_after_failures: 5,
            lockout_secs: 5,
            sign_up_per_ip: 5,
            chat_starts_per_ip: 20,
            chat_starts_per_company: 600,
            messages_per_ip: 300,
            messages_per_company: 6000,
            page_views_per_ip: 120,
            page_views_per_company: 6000,
            offline_messages_per_ip: 5,
            offline_messages_per_company: 120,
            invitations_per_ip: 60,
            invitations_per_company: 600,
        }
    }
}

impl Config {
    /// The per-minute budgets of `action`: (per address, per company).
    fn budgets(&self, action: Action) -> (u32, u32) {
        match action {
            Action::SignIn => (self.sign_in_per_ip, self.sign_in_per_company),
            Action::SignUp => (self.sign_up_per_ip, 0),
            Action::ChatStart => (self.chat_starts_per_ip, self.chat_starts_per_company),
            Action::Message => (self.messages_per_ip, self.messages_per_company),
            Action::PageView => (self.page_views_per_ip, self.page_views_per_company),
            Action::OfflineMessage => (
                self.offline_messages_per_ip,
                self.offline_messages_per_company,
            ),
            Action::Invitation => (self.invitations_per_ip, self.invitations_per_company),
        }
    }
}

/// What is limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `POST /v1/login`.
    SignIn,
    /// `POST /v1/signup`.
    SignUp,
    /// `POST /v1/visitor/{key}/chats`.
    ChatStart,
    /// `POST /v1/chats/{id}/messages`.
    Message,
    /// `POST /v1/visitor/{key}/page-views`.
    PageView,
    /// `POST /v1/visitor/{key}/offline-messages`.
    OfflineMessage,
    /// `POST /v1/visitors/{id}/invite`.
    Invitation,
}

impl Action {
    /// Every action, in the order of the limiter tables.
    const ALL: [Action; 7] = [
        Action::SignIn,
        Action::SignUp,
        Action::ChatStart,
        Action::Message,
        Action::PageView,
        Action::OfflineMessage,
        Action::Invitation,
    ];

    /// The action in words, for refusals.
    fn words(self) -> &'static str {
        match self {
            Action::SignIn => "sign-ins",
            Action::SignUp => "sign-ups",
            Action::ChatStart => "chats started",
            Action::Message => "messages",
            Action::PageView => "page views",
            Action::OfflineMessage => "off-line messages",
            Action::Invitation => "invitations",
        }
    }
}

/// The socket's peer address, put on each request by the server.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// A keyed limiter on clock `C`.
type Keyed<K, C> =
    RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// An account's recent wrong passwords.
#[derive(Debug)]
struct Failures<I> {
    /// Consecutive wrong passwords.
    count: u32,
    /// The last one.
    last: I,
    /// No sign-in is checked before this.
    locked_until: Option<I>,
}

/// The limiters of one server, on clock `C` (a fake one in tests).
pub struct Limits<C: Clock + Clone = DefaultClock> {
    config: Config,
    clock: C,
    /// Per address, one per [`Action::ALL`] entry; `None` when unlimited.
    per_ip: Vec<Option<Keyed<IpAddr, C>>>,
    /// Per company, likewise.
    per_company: Vec<Option<Keyed<TenantId, C>>>,
    /// Wrong passwords by normalized email, known or not (so answers reveal nothing).
    failures: Mutex<HashMap<String, Failures<C::Instant>>>,
}

impl Limits {
    /// The limits of `config` on the real clock.
    pub fn new(config: Config) -> Self {
        Self::with_clock(config, DefaultClock::default())
    }
}

impl<C: Clock + Clone> Limits<C> {
    /// The limits of `config` on `clock`.
    pub fn with_clock(config: Config, clock: C) -> Self {
        let budgets = Action::ALL.map(|a| config.budgets(a));
        let on = |per_minute: u32| NonZeroU32::new(per_minute).filter(|_| config.enabled);
        Limits {
            per_ip: budgets.iter().map(|b| limiter(on(b.0), &clock)).collect(),
            per_company: budgets.iter().map(|b| limiter(on(b.1), &clock)).collect(),
            failures: Mutex::default(),
            clock,
            config,
        }
    }

    /// Whether `action` from `ip` is within its per-address budget (and takes one from it).
    pub fn check_ip(&self, action: Action, ip: IpAddr) -> Result<(), ApiError> {
        self.take(&self.per_ip, action, &ip_key(ip), || {
            format!("too many {} from this address", action.words())
        })
    }

    /// Whether `action` in `company` is within its per-company budget (and takes one).
    pub fn check_company(&self, action: Action, company: TenantId) -> Result<(), ApiError> {
        self.take(&self.per_company, action, &company, || {
            format!("too many {} for this company right now", action.words())
        })
    }

    fn take<K: Hash + Eq + Clone>(
        &self,
        table: &[Option<Keyed<K, C>>],
        action: Action,
        key: &K,
        what: impl FnOnce() -> String,
    ) -> Result<(), ApiError> {
        let index = Action::ALL
            .iter()
            .position(|a| *a == action)
            .expect("every action is in ALL");
        let Some(limiter) = &table[index] else {
            return Ok(());
        };
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            refusal("rate_limited", what(), wait)
        })
    }

    /// Whether the account of `email` may try a password now (not locked out).
    pub fn check_account(&self, email: &str) -> Result<(), ApiError> {
        let now = self.clock.now();
        let failures = self.failures.lock().expect("no code panics holding it");
        match failures
            .get(&account_key(email))
            .and_then(|f| f.locked_until)
        {
            Some(until) if until > now => Err(refusal(
                "locked_out",
                "too many wrong passwords for this account".into(),
                until.duration_since(now).into(),
            )),
            _ => Ok(()),
        }
    }

    /// Counts a wrong password for `email`; locks the account once there are too many.
    pub fn sign_in_failed(&self, email: &str) {
        if !self.config.enabled {
            return;
        }
        let now = self.clock.now();
        let mut failures = self.failures.lock().expect("no code panics holding it");
        let key = account_key(email);
        if !failures.contains_key(&key) && failures.len() >= MAX_TRACKED_ACCOUNTS {
            self.forget_old_failures(&mut failures, now);
            if failures.len() >= MAX_TRACKED_ACCOUNTS {
                return;
            }
        }
        let entry = failures.entry(key).or_insert(Failures {
            count: 0,
            last: now,
            locked_until: None,
        });
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
        let first = Duration::from_secs(self.config.lockout_secs);
        entry.locked_until = lockout_for(entry.count, self.config.lockout_after_failures, first)
            .map(|lock| now + lock.into());
    }

    /// A right password: the account's failures are forgotten.
    pub fn sign_in_succeeded(&self, email: &str) {
        self.failures
            .lock()
            .expect("no code panics holding it")
            .remove(&account_key(email));
    }

    /// Drops state that no longer limits anyone: limiter keys whose budget is full again,
    /// failures forgotten and not locked. Keeps memory proportional to recent clients.
    pub fn prune(&self) {
        for limiter in self.per_ip.iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        for limiter in self.per_company.iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        let mut failures = self.failures.lock().expect("no code panics holding it");
        self.forget_old_failures(&mut failures, self.clock.now());
        failures.shrink_to_fit();
    }

    fn forget_old_failures(
        &self,
        failures: &mut HashMap<String, Failures<C::Instant>>,
        now: C::Instant,
    ) {
        failures.retain(|_, f| {
            let locked = f.locked_until.is_some_and(|until| until > now);
            let recent = Duration::from(now.duration_since(f.last)) < FORGET_FAILURES_AFTER;
            locked || recent
        });
    }

    /// Keys held by the limiters and the failure table (for tests of pruning).
    pub fn tracked(&self) -> usize {
        let limiters = self.per_ip.iter().flatten().map(|l| l.len()).sum::<usize>()
            + self
                .per_company
                .iter()
                .flatten()
                .map(|l| l.len())
                .sum::<usize>();
        limiters
            + self
                .failures
                .lock()
                .expect("no code panics holding it")
                .len()
    }
}

/// A keyed limiter allowing `per_minute` (as a burst, refilled evenly), or none.
fn limiter<K, C>(per_minute: Option<NonZeroU32>, clock: &C) -> Option<Keyed<K, C>>
where
    K: Hash + Eq + Clone,
    C: Clock + Clone,
{
    let quota = Quota::per_minute(per_minute?);
    Some(RateLimiter::dashmap_with_clock(quota, clock.clone()))
}

/// Event streams open per token, so one token cannot hold many connections (each a file
/// descriptor and a subscriber buffer).
pub struct Streams {
    /// Streams one token may hold.
    max: usize,
    /// Open streams by token; a token with none has no entry.
    open: Mutex<HashMap<String, usize>>,
}

/// One open event stream of a token; dropping it (the stream ended) frees the slot.
pub struct StreamSlot {
    streams: Arc<Streams>,
    token: String,
}

/// How soon an over-the-cap stream is worth retrying: a window closing frees a slot.
const STREAM_RETRY: Duration = Duration::from_secs(5);

impl Streams {
    /// At most `max` streams per token.
    pub fn new(max: usize) -> Self {
        Streams {
            max,
            open: Mutex::default(),
        }
    }

    /// A slot for one more stream of `token`, or 429 when it holds `max` already.
    pub fn open(self: &Arc<Self>, token: &str) -> Result<StreamSlot, ApiError> {
        let mut open = self.open.lock().expect("no code panics holding it");
        let count = open.entry(token.to_string()).or_default();
        if *count >= self.max {
            let message = format!(
                "this token has {} event streams open already; close one first",
                self.max
            );
            return Err(ApiError::too_many(
                "too_many_streams",
                message,
                STREAM_RETRY,
            ));
        }
        *count += 1;
        Ok(StreamSlot {
            streams: self.clone(),
            token: token.to_string(),
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.open.lock().expect("no code panics holding it");
        if let Some(count) = open.get_mut(&self.token) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.token);
            }
        }
    }
}

/// How long an account is locked after its `failures`-th consecutive wrong password: not at
/// all before `after` failures, then `first`, doubling with each further failure up to
/// [`MAX_LOCKOUT`]. `after` = 0 turns lockout off.
pub fn lockout_for(failures: u32, after: u32, first: Duration) -> Option<Duration> {
    if after == 0 || failures < after {
        return None;
    }
    // 2^20 times any first lockout is past the cap already.
    let doublings = (failures - after).min(20);
    Some(first.saturating_mul(1 << doublings).min(MAX_LOCKOUT))
}

/// A 429 with `Retry-After`.
fn refusal(code: &str, what: String, wait: Duration) -> ApiError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let message = format!("{what}; try again in {} s", secs.max(1));
    ApiError::too_many(code, message, wait)
}

/// The key failures are counted under: the email as sign-in compares it.
fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The key an address is limited under: IPv4 as is, IPv6 by its /64 (one subscriber's
/// network: anyone holding one has 2^64 addresses).
fn ip_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & (u128::MAX << 64);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
        v4 => v4,
    }
}

/// The client's address: the peer, or the right-most `X-Forwarded-For` entry when trusted.
pub fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>, trust_forwarded: bool) -> IpAddr {
    let forwarded = || {
        // Only the last entry of the last header: anything before it the client wrote.
        headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|entry| entry.trim().parse::<IpAddr>().ok())
    };
    trust_forwarded
        .then(forwarded)
        .flatten()
        .or(peer.map(|p| p.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The address `req` came from, by the server's configuration.
pub fn request_ip(app: &App, req: &Request<Incoming>) -> IpAddr {
    let peer = req.extensions().get::<Peer>().map(|p| p.0);
    client_ip(req.headers(), peer, app.config.limits.trust_forwarded_for)
}

/// Where a limited call's company comes from.
enum CompanyOf<'a> {
    /// Nowhere: there is none yet (sign-up).
    None,
    /// The company's public key in the path (the visitor API).
    Key(&'a str),
    /// The bearer token's company.
    Token,
}

/// Applies the rate limits of the call `method path`, before its handler runs. Sign-in is
/// limited in its handler (it needs the email and the outcome).
pub fn before(
    app: &App,
    method: &Method,
    path: &[&str],
    req: &Request<Incoming>,
) -> Result<(), ApiError> {
    if method != Method::POST {
        return Ok(());
    }
    let (action, company) = match path {
        ["v1", "signup"] => (Action::SignUp, CompanyOf::None),
        ["v1", "visitor", key, "chats"] => (Action::ChatStart, CompanyOf::Key(key)),
        ["v1", "visitor", key, "page-views"] => (Action::PageView, CompanyOf::Key(key)),
        ["v1", "visitor", key, "offline-messages"] => (Action::OfflineMessage, CompanyOf::Key(key)),
        ["v1", "chats", _, "messages"] => (Action::Message, CompanyOf::Token),
        ["v1", "visitors", _, "invite"] => (Action::Invitation, CompanyOf::Token),
        _ => return Ok(()),
    };
    app.limits.check_ip(action, request_ip(app, req))?;
    // A company that cannot be found is the handler's to refuse (404, 401).
    let company = match company {
        CompanyOf::None => None,
        CompanyOf::Key(key) => app.engine.tenant_by_key(key).ok(),
        CompanyOf::Token => crate::routes::principal(app, req).ok().map(|p| p.tenant()),
    };
    match company {
        Some(company) => app.limits.check_company(action, company),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    #[test]
    fn a_token_holds_at_most_its_streams_and_a_closed_one_frees_a_slot() {
        let streams = Arc::new(Streams::new(2));
        let first = streams.open("a").unwrap();
        let _second = streams.open("a").unwrap();
        let refused = streams.open("a").err().expect("a third is refused");
        assert_eq!(
            (refused.status.as_u16(), refused.code.as_str()),
            (429, "too_many_streams")
        );
        let _other = streams.open("b").expect("another token has its own");
        drop(first);
        let _again = streams.open("a").expect("a closed stream frees its slot");
        drop(_again);
        drop(_second);
        assert!(
            !streams.open.lock().unwrap().contains_key("a"),
            "no entry for no stream"
        );
    }

    fn on_fake_clock(config: Config) -> (Limits<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (Limits::with_clock(config, clock.clone()), clock)
    }

    const HOME: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const AWAY: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));

    #[test]
    fn an_address_gets_its_burst_then_waits_for_the_refill() {
        let (limits, clock) = on_fake_clock(Config {
            sign_up_per_ip: 3,
            ..Config::default()
        });
        for _ in 0..3 {
            limits.check_ip(Action::SignUp, HOME).unwrap();
        }
        let refused = limits.check_ip(Action::SignUp, HOME).unwrap_err();
        assert_eq!(refused.status, 429);
        assert_eq!(refused.code, "rate_limited");
        // Three a minute: one comes back every 20 s.
        assert_eq!(refused.retry_after_secs(), Some(20));
        limits
            .check_ip(Action::SignUp, AWAY)
            .expect("another address has its own budget");
        clock.advance(Duration::from_secs(19));
        assert!(limits.check_ip(Action::SignUp, HOME).is_err());
        clock.advance(Duration::from_secs(1));
        limits
            .check_ip(Action::SignUp, HOME)
            .expect("refilled after 20 s");
    }

    #[test]
    fn companies_and_actions_have_separate_budgets() {
        let (limits, _) = on_fake_clock(Config {
            chat_starts_per_company: 1,
            ..Config::default()
        });
        limits.check_company(Action::ChatStart, 1).unwrap();
        assert!(limits.check_company(Action::ChatStart, 1).is_err());
        limits.check_company(Action::ChatStart, 2).unwrap();
        limits.check_company(Action::Message, 1).unwrap();
    }

    #[test]
    fn zero_or_disabled_means_unlimited() {
        let (limits, _) = on_fake_clock(Config {
            sign_up_per_ip: 0,
            ..Config::default()
        });
        for _ in 0..1000 {
            limits.check_ip(Action::SignUp, HOME).unwrap();
        }
        let (limits, _) = on_fake_clock(Config {
            enabled: false,
            ..Config::default()
        });
        for _ in 0..1000 {
            limits.check_ip(Action::SignIn, HOME).unwrap();
            limits.sign_in_failed("a@b.example");
        }
        limits.check_account("a@b.example").unwrap();
    }

    #[test]
    fn the_lockout_doubles_with_each_failure_up_to_its_cap() {
        let first = Duration::from_secs(5);
        let table = [
            (1, None),
            (4, None),
            (5, Some(5)),
            (6, Some(10)),
            (7, Some(20)),
            (12, Some(640)),
            (13, Some(900)),
            (u32::MAX, Some(900)),
        ];
        for (failures, secs) in table {
            let expected = secs.map(Duration::from_secs);
            assert_eq!(
                lockout_for(failures, 5, first),
                expected,
                "{failures} failures"
            );
        }
        assert_eq!(lockout_for(100, 0, first), None, "0 turns lockout off");
    }

    /// Regression: 60 wrong passwords in 1.15 s were followed by a successful sign-in.
    #[test]
    fn wrong_passwords_lock_the_account_with_a_growing_delay_until_a_right_one() {
        let (limits, clock) = on_fake_clock(Config::default());
        let email = "Alice@Demo.example";
        for _ in 0..4 {
            limits.check_account(email).unwrap();
            limits.sign_in_failed(email);
        }
        limits.check_account(email).expect("four failures are free");
        limits.sign_in_failed(email);
        let refused = limits.check_account("alice@demo.example ").unwrap_err();
        assert_eq!(refused.code, "locked_out");
        assert_eq!(refused.retry_after_secs(), Some(5));
        limits
            .check_account("bob@demo.example")
            .expect("only that account");
        clock.advance(Duration::from_secs(5));
        limits
            .check_account(email)
            .expect("the first lockout is over");
        limits.sign_in_failed(email);
        assert_eq!(
            limits.check_account(email).unwrap_err().retry_after_secs(),
            Some(10),
            "the next failure locks twice as long"
        );
        clock.advance(Duration::from_secs(10));
        limits.sign_in_succeeded(email);
        limits.sign_in_failed(email);
        limits
            .check_account(email)
            .expect("a success starts the count again");
    }

    #[test]
    fn pruning_forgets_clients_whose_budget_is_full_again() {
        let (limits, clock) = on_fake_clock(Config::default());
        for last in 0..=255u8 {
            let _ = limits.check_ip(Action::PageView, IpAddr::V4(Ipv4Addr::new(10, 0, 0, last)));
        }
        limits.sign_in_failed("someone@example.com");
        limits.prune();
        assert_eq!(limits.tracked(), 257, "recent clients are kept");
        // A page-view budget refills within the minute; failures are kept a day.
        clock.advance(Duration::from_secs(61));
        limits.prune();
        assert_eq!(limits.tracked(), 1);
        clock.advance(FORGET_FAILURES_AFTER);
        limits.prune();
        assert_eq!(limits.tracked(), 0);
    }

    #[test]
    fn the_address_is_the_peer_unless_a_trusted_proxy_names_it() {
        let peer = Some(SocketAddr::from(([127, 0, 0, 1], 4000)));
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.9".parse().unwrap());
        assert_eq!(client_ip(&headers, peer, false).to_string(), "127.0.0.1");
        // The right-most entry is the one the proxy added; those left of it the client chose.
        assert_eq!(client_ip(&headers, peer, true).to_string(), "203.0.113.9");
        assert_eq!(
            client_ip(&HeaderMap::new(), peer, true).to_string(),
            "127.0.0.1"
        );
    }

    #[test]
    fn ipv6_addresses_are_limited_by_their_64_bit_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
        assert_ne!(ip_key(a), ip_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(ip_key(mapped), HOME);
    }
}
