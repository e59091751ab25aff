//! Cards and invoices. The billing worker ([`crate::actors::billing`]) is the only writer;
//! anyone reads.

use switchboard_storage::records::{
    AccountRecord, CardRecord, InvoicePeriod, InvoiceRecord, TenantRecord,
};
use switchboard_storage::{Key, Ticket};

use super::Repo;
use crate::billing::Period;
use crate::model::TenantId;
use crate::{Error, Result};

impl Repo {
    /// The company's invoices, newest first.
    pub fn invoices(&self, tenant: TenantId) -> Result<Vec<(u64, InvoiceRecord)>> {
        self.tables()
            .invoices
            .scan_prefix_back(&Key::new().u64(tenant).finish(), None)
            .map(|r| {
                let (key, record) = r?;
                Ok((number_of(&key), record))
            })
            .collect()
    }

    /// One invoice of the company.
    pub fn invoice(&self, tenant: TenantId, number: u64) -> Result<InvoiceRecord> {
        self.tables()
            .invoices
            .get(&invoice_key(tenant, number))?
            .ok_or(Error::NotFound("invoice"))
    }

    /// The company's saved cards, oldest first.
    pub fn cards(&self, tenant: TenantId) -> Result<Vec<(u64, CardRecord)>> {
        self.tables()
            .cards
            .scan_prefix(&Key::new().u64(tenant).finish())
            .map(|r| {
                let (key, record) = r?;
                Ok((number_of(&key), record))
            })
            .collect()
    }

    /// The invoice billing `period`, if one was issued.
    pub fn invoiced(&self, tenant: TenantId, period: Period) -> Result<Option<u64>> {
        Ok(self
            .tables()
            .invoice_periods
            .get(&period_key(tenant, period))?
            .map(|InvoicePeriod(n)| n))
    }

    /// Every company, as stored.
    pub fn companies(&self) -> Result<Vec<TenantRecord>> {
        self.tables()
            .tenants
            .scan_prefix(&[])
            .map(|r| Ok(r?.1))
            .collect()
    }

    /// The company's operator seats: accounts that take chats (with a SIP username), at
    /// least one.
    pub fn seats(&self, tenant: TenantId) -> Result<u32> {
        let mut seats = 0u32;
        for entry in self
            .tables()
            .accounts
            .scan_prefix(&Key::new().u64(tenant).finish())
        {
            let (_, AccountRecord { sip, .. }) = entry?;
            seats += u32::from(sip.is_some());
        }
        Ok(seats.max(1))
    }

    /// Stores `invoice` as the company's next number, billing `period`; `None` when the
    /// period already has an invoice. Only the billing worker calls it, one call at a time,
    /// so the numbers have no gap.
    pub(crate) fn insert_invoice(
        &self,
        tenant: TenantId,
        period: Period,
        invoice: &InvoiceRecord,
    ) -> Result<Option<(u64, Ticket)>> {
        let t = self.tables();
        let last = t
            .invoices
            .last_with_prefix(&Key::new().u64(tenant).finish())?
            .map_or(0, |(key, _)| number_of(&key));
        let number = last + 1;
        let Some(claimed) = t
            .invoice_periods
            .insert_new(&period_key(tenant, period), &InvoicePeriod(number))?
        else {
            return Ok(None);
        };
        let written = t.invoices.insert(&invoice_key(tenant, number), invoice)?;
        Ok(Some((number, claimed.and(written))))
    }

    /// Rewrites an issued invoice (its payment status).
    pub(crate) fn update_invoice(
        &self,
        tenant: TenantId,
        number: u64,
        invoice: &InvoiceRecord,
    ) -> Result<Ticket> {
        Ok(self
            .tables()
            .invoices
            .insert(&invoice_key(tenant, number), invoice)?)
    }

    /// Stores a card under `id`.
    pub(crate) fn put_card(&self, tenant: TenantId, id: u64, card: &CardRecord) -> Result<Ticket> {
        Ok(self.tables().cards.insert(&card_key(tenant, id), card)?)
    }

    /// Removes a card.
    pub(crate) fn remove_card(&self, tenant: TenantId, id: u64) -> Result<Ticket> {
        Ok(self.tables().cards.remove(&card_key(tenant, id))?)
    }
}

fn invoice_key(tenant: TenantId, number: u64) -> Vec<u8> {
    Key::new().u64(tenant).u64(number).finish()
}

fn card_key(tenant: TenantId, id: u64) -> Vec<u8> {
    Key::new().u64(tenant).u64(id).finish()
}

fn period_key(tenant: TenantId, period: Period) -> Vec<u8> {
    Key::new()
        .u64(tenant)
        .u64(period.year as u64)
        .u64(period.month as u64)
        .finish()
}

/// The second part of a `(tenant, n)` key.
fn number_of(key: &[u8]) -> u64 {
    switchboard_storage::key_u64(key, 1).unwrap_or(0)
}
