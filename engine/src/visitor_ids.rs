//! Visitor ids are issued by the server and carry their own proof: a random part and a keyed
//! hash of it (and of the company), together below 2^53 so a browser's JavaScript holds the
//! number exactly. An id a client made up fails the check and creates nothing.

use sha2::{Digest, Sha256};

use crate::model::{TenantId, VisitorId};

/// Bits of the random part: enough that two visitors of a company never share one.
const RANDOM_BITS: u32 = 29;

/// Bits of the keyed hash: a made-up id passes one time in sixteen million, which the rate
/// limits on page views turn into years of guessing per address.
const MAC_BITS: u32 = 24;

/// Issues and checks visitor ids with a secret key kept in the database.
#[derive(Clone)]
pub struct VisitorIds {
    /// The key; random, made once per database.
    key: [u8; 32],
}

impl VisitorIds {
    /// A signer with `key`.
    pub fn new(key: [u8; 32]) -> Self {
        VisitorIds { key }
    }

    /// A new id for a visitor of `tenant`.
    pub fn issue(&self, tenant: TenantId) -> VisitorId {
        loop {
            let random = rand::random::<u64>() >> (64 - RANDOM_BITS);
            let id = (random << MAC_BITS) | self.mac(tenant, random);
            if id != 0 {
                return id;
            }
        }
    }

    /// Whether `id` was issued for a visitor of `tenant`.
    pub fn check(&self, tenant: TenantId, id: VisitorId) -> bool {
        id >> (RANDOM_BITS + MAC_BITS) == 0
            && id & ((1 << MAC_BITS) - 1) == self.mac(tenant, id >> MAC_BITS)
    }

    fn mac(&self, tenant: TenantId, random: u64) -> u64 {
        let digest = Sha256::new()
            .chain_update(self.key)
            .chain_update(tenant.to_be_bytes())
            .chain_update(random.to_be_bytes())
            .finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) >> (64 - MAC_BITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_ids_pass_and_made_up_ones_fail() {
        let ids = VisitorIds::new([7; 32]);
        for _ in 0..1000 {
            let id = ids.issue(1);
            assert!(id < 1 << 53, "exact in JavaScript");
            assert!(ids.check(1, id));
            assert!(!ids.check(2, id), "another company's visitor");
            assert!(!ids.check(1, id ^ 1), "one bit changed");
        }
        assert!(
            !VisitorIds::new([8; 32]).check(1, ids.issue(1)),
            "another key"
        );
        let forged = (1..=100_000u64).filter(|id| ids.check(1, *id)).count();
        assert!(forged <= 1, "{forged} of 100,000 made-up ids passed");
        assert!(!ids.check(1, u64::MAX));
    }
}
