//! The billing worker: the single writer of every company's invoices and cards. It issues
//! each company's invoice when a month ends in the company's time zone (and, at start-up,
//! every one that came due while the server was down), charges it to the default card, and
//! charges unpaid invoices again when a card is saved or made the default.
//!
//! It is a task with a mailbox rather than an actix actor: a payment gateway's calls are
//! blocking I/O, which run on the blocking pool while the worker waits, never on an arbiter
//! thread's turn. One call at a time, so invoice numbers have no gap and a month is invoiced
//! once even when issue attempts race (the period index is written only where absent, too).

use std::sync::Arc;
use std::time::Duration;

use switchboard_storage::records::{
    CardRecord, InvoiceRecord, InvoiceStatusRecord, PartyRecord, TenantRecord,
};
use switchboard_storage::Ticket;
use tokio::sync::{mpsc, oneshot};

use crate::billing::gateway::{GatewayError, PaymentGateway, SavedCard};
use crate::billing::period::{date_in, zone};
use crate::billing::vat::{self, Supply, VatRule};
use crate::billing::Period;
use crate::model::{now_ms, TenantId};
use crate::repo::Repo;
use crate::{Error, Result};

/// How often the worker looks for months that ended.
const TICK: Duration = Duration::from_secs(60);

/// Told when a company's invoices or cards changed (its terminals reload them).
pub type Notify = Box<dyn Fn(TenantId) + Send + Sync>;

/// What the worker is asked to do.
enum Call {
    /// Issue every invoice due at `now` (Unix ms).
    Due {
        now: u64,
        reply: oneshot::Sender<Result<Vec<Issued>>>,
    },
    /// Issue `period`'s invoice for every company that has none.
    Period {
        period: Period,
        reply: oneshot::Sender<Result<Vec<Issued>>>,
    },
    /// Save a card the gateway tokenised.
    SaveCard {
        tenant: TenantId,
        card: SavedCard,
        holder: String,
        reply: oneshot::Sender<Result<u64>>,
    },
    /// Make a card the default.
    DefaultCard {
        tenant: TenantId,
        id: u64,
        reply: oneshot::Sender<Result<()>>,
    },
    /// Delete a card.
    DeleteCard {
        tenant: TenantId,
        id: u64,
        reply: oneshot::Sender<Result<()>>,
    },
}

/// An invoice the worker issued, and whether it was paid at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// The company.
    pub tenant: TenantId,
    /// Its number.
    pub number: u64,
    /// The month billed.
    pub period: Period,
    /// Whether the charge went through.
    pub paid: bool,
}

/// The worker's address: cheap to clone.
#[derive(Clone)]
pub struct Billing {
    calls: mpsc::Sender<Call>,
}

impl Billing {
    /// Starts the worker on `runtime`, an arbiter of its own (it ticks every minute, the
    /// first time at once).
    pub fn start(
        repo: Repo,
        gateway: Arc<dyn PaymentGateway>,
        notify: Notify,
        runtime: &actix::ArbiterHandle,
    ) -> Billing {
        let (calls, mailbox) = mpsc::channel(64);
        let worker = Worker {
            repo,
            gateway,
            notify,
        };
        runtime.spawn(worker.run(mailbox));
        Billing { calls }
    }

    async fn call<T>(&self, call: impl FnOnce(oneshot::Sender<Result<T>>) -> Call) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        self.calls
            .send(call(reply))
            .await
            .map_err(|_| Error::Unavailable)?;
        answer.await.map_err(|_| Error::Unavailable)?
    }

    /// Issues (and charges) every invoice due at `now`, Unix ms.
    pub async fn due(&self, now: u64) -> Result<Vec<Issued>> {
        self.call(|reply| Call::Due { now, reply }).await
    }

    /// Issues `period`'s invoice for every company that has none.
    pub async fn period(&self, period: Period) -> Result<Vec<Issued>> {
        self.call(|reply| Call::Period { period, reply }).await
    }

    /// Saves a tokenised card (the default if it is the company's first) and charges the
    /// unpaid invoices to the default card; answers the card's id.
    pub async fn save_card(
        &self,
        tenant: TenantId,
        card: SavedCard,
        holder: String,
    ) -> Result<u64> {
        self.call(|reply| Call::SaveCard {
            tenant,
            card,
            holder,
            reply,
        })
        .await
    }

    /// Makes a card the default and charges the unpaid invoices to it.
    pub async fn default_card(&self, tenant: TenantId, id: u64) -> Result<()> {
        self.call(|reply| Call::DefaultCard { tenant, id, reply })
            .await
    }

    /// Deletes a card; the oldest card left becomes the default if it was.
    pub async fn delete_card(&self, tenant: TenantId, id: u64) -> Result<()> {
        self.call(|reply| Call::DeleteCard { tenant, id, reply })
            .await
    }
}

struct Worker {
    repo: Repo,
    gateway: Arc<dyn PaymentGateway>,
    notify: Notify,
}

impl Worker {
    async fn run(self, mut mailbox: mpsc::Receiver<Call>) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                call = mailbox.recv() => match call {
                    Some(call) => self.handle(call).await,
                    None => return,
                },
                _ = tick.tick() => {
                    if let Err(e) = self.due(now_ms()).await {
                        tracing::error!("cannot issue the invoices due: {e}");
                    }
                }
            }
        }
    }

    async fn handle(&self, call: Call) {
        // A caller that went away no longer wants the answer; the work is done either way.
        match call {
            Call::Due { now, reply } => {
                let _ = reply.send(self.due(now).await);
            }
            Call::Period { period, reply } => {
                let _ = reply.send(self.period(period).await);
            }
            Call::SaveCard {
                tenant,
                card,
                holder,
                reply,
            } => {
                let _ = reply.send(self.save_card(tenant, card, holder).await);
            }
            Call::DefaultCard { tenant, id, reply } => {
                let _ = reply.send(self.default_card(tenant, id).await);
            }
            Call::DeleteCard { tenant, id, reply } => {
                let _ = reply.send(self.delete_card(tenant, id).await);
            }
        }
    }

    /// Every company's months that ended by `now` and have no invoice yet, from the month
    /// after its sign-up (the sign-up month is free).
    async fn due(&self, now: u64) -> Result<Vec<Issued>> {
        let mut issued = Vec::new();
        for company in self.repo.companies()? {
            let tz = zone(&company.time_zone);
            let mut period = Period::of(company.created_at, &tz).next();
            while period.end(&tz) <= now {
                if self.repo.invoiced(company.id, period)?.is_none() {
                    issued.extend(self.issue(&company, period, now).await?);
                }
                period = period.next();
            }
        }
        Ok(issued)
    }

    async fn period(&self, period: Period) -> Result<Vec<Issued>> {
        let mut issued = Vec::new();
        let now = now_ms();
        for company in self.repo.companies()? {
            issued.extend(self.issue(&company, period, now).await?);
        }
        Ok(issued)
    }

    /// Issues `company`'s invoice for `period` (none when it has one), durably, then charges
    /// it to the default card.
    async fn issue(
        &self,
        company: &TenantRecord,
        period: Period,
        now: u64,
    ) -> Result<Option<Issued>> {
        let config = &self.repo.config().billing;
        let tz = zone(&company.time_zone);
        let issued_on = date_in(now, &tz);
        // A company that has not given its country yet is billed as one in the seller's.
        let country = if company.country.is_empty() {
            config.seller_country.as_str()
        } else {
            company.country.as_str()
        };
        let treatment = vat::treatment(
            &Supply {
                seller_country: &config.seller_country,
                customer_country: country,
                customer_has_vat_number: !company.vat_number.is_empty(),
                date: issued_on,
            },
            &config.vat_rates,
        )
        .map_err(|e| Error::Internal(format!("no VAT rule for company {}: {e}", company.id)))?;
        let currency = company.currency.clone();
        let unit_minor = *config.seat_price.get(&currency).ok_or_else(|| {
            Error::Internal(format!("billing.seat_price has no price in {currency}"))
        })?;
        let seats = self.repo.seats(company.id)?;
        let net_minor = unit_minor * i64::from(seats);
        let vat_minor = vat::vat_amount(net_minor, treatment.rate_bp);
        let invoice = InvoiceRecord {
            year: period.year as u16,
            month: period.month as u8,
            issued_at: now,
            time_zone: company.time_zone.clone(),
            seller: PartyRecord {
                name: config.seller_name.clone(),
                address: (&config.seller_address).into(),
                country: config.seller_country.clone(),
                vat_number: config.seller_vat_number.clone(),
            },
            customer: PartyRecord {
                name: company.name.clone(),
                address: company.address.clone(),
                country: company.country.clone(),
                vat_number: company.vat_number.clone(),
            },
            seats,
            unit_minor,
            currency,
            net_minor,
            vat_rule: rule_code(treatment.rule),
            vat_rate_bp: treatment.rate_bp,
            vat_minor,
            gross_minor: net_minor + vat_minor,
            status: InvoiceStatusRecord::Unpaid {
                attempts: 0,
                reason: String::new(),
            },
        };
        let Some((number, ticket)) = self.repo.insert_invoice(company.id, period, &invoice)? else {
            return Ok(None);
        };
        ticket.durable().await?;
        tracing::info!(
            "issued invoice {number} of company {} for {period}",
            company.id
        );
        let paid = self.charge(company.id, number, invoice).await?;
        (self.notify)(company.id);
        Ok(Some(Issued {
            tenant: company.id,
            number,
            period,
            paid,
        }))
    }

    /// Charges an unpaid invoice to the company's default card; answers whether it is paid.
    /// A decline or a gateway outage leaves it unpaid with the reason.
    async fn charge(
        &self,
        tenant: TenantId,
        number: u64,
        mut invoice: InvoiceRecord,
    ) -> Result<bool> {
        let InvoiceStatusRecord::Unpaid { attempts, .. } = invoice.status else {
            return Ok(true);
        };
        let Some((card_id, card)) = self
            .repo
            .cards(tenant)?
            .into_iter()
            .find(|(_, c)| c.default)
        else {
            return Ok(false);
        };
        let gateway = self.gateway.clone();
        // One key per invoice and card: a retry after a crash cannot charge twice.
        let key = format!("invoice-{tenant}-{number}-card-{card_id}");
        let (amount, currency) = (invoice.gross_minor, invoice.currency.clone());
        let charged = tokio::task::spawn_blocking(move || {
            gateway.charge(&card.token, amount, &currency, &key)
        })
        .await
        .map_err(|e| Error::Internal(format!("the payment call failed: {e}")))?;
        let paid = charged.is_ok();
        invoice.status = match charged {
            Ok(charge) => InvoiceStatusRecord::Paid {
                charge: charge.0,
                at: now_ms(),
            },
            Err(e) => {
                if let GatewayError::Rejected { .. } = e {
                    tracing::error!("the gateway refused the charge of invoice {number}: {e}");
                }
                InvoiceStatusRecord::Unpaid {
                    attempts: attempts + 1,
                    reason: e.to_string(),
                }
            }
        };
        self.repo
            .update_invoice(tenant, number, &invoice)?
            .durable()
            .await?;
        Ok(paid)
    }

    /// Charges every unpaid invoice of the company, oldest first.
    async fn charge_unpaid(&self, tenant: TenantId) -> Result<()> {
        let mut invoices = self.repo.invoices(tenant)?;
        invoices.reverse();
        for (number, invoice) in invoices {
            if matches!(invoice.status, InvoiceStatusRecord::Unpaid { .. }) {
                self.charge(tenant, number, invoice).await?;
            }
        }
        Ok(())
    }

    async fn save_card(&self, tenant: TenantId, card: SavedCard, holder: String) -> Result<u64> {
        let first = self.repo.cards(tenant)?.is_empty();
        let id = self.repo.store().next_id(tenant)?;
        let record = CardRecord {
            token: card.token,
            brand: card.brand.name().to_string(),
            last4: card.last4,
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            holder,
            added_at: now_ms(),
            default: first,
        };
        self.repo.put_card(tenant, id, &record)?.durable().await?;
        if first {
            self.charge_unpaid(tenant).await?;
        }
        (self.notify)(tenant);
        Ok(id)
    }

    async fn default_card(&self, tenant: TenantId, id: u64) -> Result<()> {
        let cards = self.repo.cards(tenant)?;
        if !cards.iter().any(|(c, _)| *c == id) {
            return Err(Error::NotFound("card"));
        }
        let mut written = Ticket::ready();
        for (card_id, mut card) in cards {
            if card.default != (card_id == id) {
                card.default = card_id == id;
                written = written.and(self.repo.put_card(tenant, card_id, &card)?);
            }
        }
        written.durable().await?;
        self.charge_unpaid(tenant).await?;
        (self.notify)(tenant);
        Ok(())
    }

    async fn delete_card(&self, tenant: TenantId, id: u64) -> Result<()> {
        let cards = self.repo.cards(tenant)?;
        let Some((_, gone)) = cards.iter().find(|(c, _)| *c == id) else {
            return Err(Error::NotFound("card"));
        };
        let mut written = self.repo.remove_card(tenant, id)?;
        if gone.default {
            if let Some((next, card)) = cards.iter().find(|(c, _)| *c != id) {
                let card = CardRecord {
                    default: true,
                    ..card.clone()
                };
                written = written.and(self.repo.put_card(tenant, *next, &card)?);
            }
        }
        written.durable().await?;
        (self.notify)(tenant);
        Ok(())
    }
}

/// A rule as stored in [`InvoiceRecord::vat_rule`].
pub(crate) fn rule_code(rule: VatRule) -> u8 {
    match rule {
        VatRule::Domestic => 0,
        VatRule::ReverseCharge => 1,
        VatRule::DestinationRate => 2,
        VatRule::OutsideScope => 3,
    }
}

/// The rule an [`InvoiceRecord::vat_rule`] names.
pub(crate) fn rule_of(code: u8) -> VatRule {
    match code {
        0 => VatRule::Domestic,
        1 => VatRule::ReverseCharge,
        2 => VatRule::DestinationRate,
        _ => VatRule::OutsideScope,
    }
}
