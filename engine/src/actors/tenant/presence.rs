//! Operators' status and presence: the status they choose, their terminals connecting and
//! leaving (with the grace period), their event hubs, and telling every terminal.

use super::*;

/// Sets an operator's status.
#[derive(Message)]
#[rtype(result = "Result<()>")]
pub struct SetStatus {
    /// The operator.
    pub account: AccountId,
    /// New status.
    pub status: Status,
}

impl Handler<SetStatus> for TenantActor {
    type Result = Result<()>;

    fn handle(&mut self, msg: SetStatus, ctx: &mut Context<Self>) -> Self::Result {
        if self.account(msg.account)?.sip.is_none() {
            return Err(Error::Forbidden(
                "this account has no SIP username, so it takes no chats",
            ));
        }
        self.hub(msg.account, ctx);
        let effects = self.router.set_status(msg.account, msg.status, now_ms());
        self.apply(effects, ctx);
        self.broadcast(OperatorEvent::Changed(Resource::Operators));
        Ok(())
    }
}

/// The operator's event hub (started if needed), for their terminal's stream.
#[derive(Message)]
#[rtype(result = "Result<Addr<OperatorActor>>")]
pub struct Hub(pub AccountId);

impl Handler<Hub> for TenantActor {
    type Result = Result<Addr<OperatorActor>>;

    fn handle(&mut self, Hub(account): Hub, ctx: &mut Context<Self>) -> Self::Result {
        self.account(account)?;
        Ok(self.hub(account, ctx))
    }
}

/// An operator's first terminal connected, or their last one left.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Presence {
    /// The operator.
    pub account: AccountId,
    /// True when a terminal connected.
    pub connected: bool,
}

impl Handler<Presence> for TenantActor {
    type Result = ();

    /// Connecting counts at once; leaving counts only if no terminal is back by the end of
    /// the grace period, when the operator's offers move on and their chats are re-queued.
    fn handle(&mut self, msg: Presence, ctx: &mut Context<Self>) {
        let generation = self.presence.entry(msg.account).or_default();
        *generation += 1;
        let generation = *generation;
        if msg.connected {
            let effects = self.router.set_connected(msg.account, true, now_ms());
            self.apply(effects, ctx);
            self.broadcast(OperatorEvent::Changed(Resource::Operators));
            return;
        }
        let grace = Duration::from_millis(self.repo.config().presence_grace_ms);
        ctx.run_later(grace, move |act, ctx| {
            if act.presence.get(&msg.account) == Some(&generation) {
                let effects = act.router.set_connected(msg.account, false, now_ms());
                act.apply(effects, ctx);
                act.broadcast(OperatorEvent::Changed(Resource::Operators));
            }
        });
    }
}

/// Tells every connected terminal of the company (an off-line message, a change made outside
/// this actor).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Broadcast(pub OperatorEvent);

impl Handler<Broadcast> for TenantActor {
    type Result = ();

    fn handle(&mut self, Broadcast(event): Broadcast, _: &mut Context<Self>) {
        self.broadcast(event);
    }
}
