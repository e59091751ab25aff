//! InvitationTimer: one per page view while automatic invitations are on. It fires after the
//! company's delay unless stopped first (a page change, a chat start or a decline stop it).

use std::time::Duration;

use actix::prelude::*;

/// Told to the visitor actor when a page view lasted the whole delay.
#[derive(Message, Clone, Copy, Debug, PartialEq, Eq)]
#[rtype(result = "()")]
pub struct InvitationDue {
    /// The page view the timer was started for; a later page view makes it stale.
    pub page_view: u64,
}

/// Waits `delay`, then tells `visitor` the page view is due an invitation.
pub struct InvitationTimer {
    /// Who to tell.
    visitor: Recipient<InvitationDue>,
    /// Which page view.
    page_view: u64,
    /// How long.
    delay: Duration,
}

impl InvitationTimer {
    /// A timer for `page_view`; start it with `.start()`.
    pub fn new(visitor: Recipient<InvitationDue>, page_view: u64, delay: Duration) -> Self {
        InvitationTimer {
            visitor,
            page_view,
            delay,
        }
    }
}

impl Actor for InvitationTimer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_later(self.delay, |act, ctx| {
            act.visitor.do_send(InvitationDue {
                page_view: act.page_view,
            });
            ctx.stop();
        });
    }
}

/// Stops the timer before it fires.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Cancel;

impl Handler<Cancel> for InvitationTimer {
    type Result = ();

    fn handle(&mut self, _: Cancel, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Records what it is told.
    struct Probe(Arc<Mutex<Vec<InvitationDue>>>);

    impl Actor for Probe {
        type Context = Context<Self>;
    }

    impl Handler<InvitationDue> for Probe {
        type Result = ();
        fn handle(&mut self, msg: InvitationDue, _: &mut Context<Self>) {
            self.0.lock().unwrap().push(msg);
        }
    }

    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[test]
    fn fires_after_the_delay_and_not_before_and_never_once_cancelled() {
        actix_rt::System::new().block_on(async {
            tokio::time::pause();
            let seen = Arc::new(Mutex::new(Vec::new()));
            let probe = Probe(seen.clone()).start();
            let _due =
                InvitationTimer::new(probe.clone().recipient(), 7, Duration::from_secs(30)).start();
            let cancelled =
                InvitationTimer::new(probe.recipient(), 8, Duration::from_secs(30)).start();
            settle().await;
            tokio::time::advance(Duration::from_secs(29)).await;
            settle().await;
            assert!(seen.lock().unwrap().is_empty(), "nothing before the delay");
            cancelled.do_send(Cancel);
            settle().await;
            tokio::time::advance(Duration::from_secs(2)).await;
            settle().await;
            assert_eq!(*seen.lock().unwrap(), vec![InvitationDue { page_view: 7 }]);
        });
    }
}
