//! Where a company's actors run: company -> one of [`SHARDS`] shards -> an arbiter (a thread)
//! here, and later a node of a cluster. The hash is written out (FNV-1a over the id's
//! big-endian bytes), not `DefaultHasher`, whose output may change between Rust releases and
//! differs between machines: a shard is a name that must mean the same thing everywhere.

use crate::model::TenantId;

/// How many shards companies are spread over: fixed, because changing it moves companies.
pub const SHARDS: u16 = 1024;

/// The shard of a company: stable across releases, builds and machines.
pub fn shard(tenant: TenantId) -> u16 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = tenant
        .to_be_bytes()
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME));
    (hash % u64::from(SHARDS)) as u16
}

/// Which of `slots` places (arbiters, nodes) holds `shard`.
pub fn slot(shard: u16, slots: usize) -> usize {
    usize::from(shard) % slots.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The mapping is a promise to every node of a cluster and every later release: these
    // values (FNV-1a 64 of the id's big-endian bytes, mod 1024, computed independently) may
    // never change.
    #[test]
    fn shards_are_stable() {
        let known = [(1, shard(1)), (2, shard(2)), (1_000_000, shard(1_000_000))];
        assert_eq!(
            [(1, 18), (2, 607), (1_000_000, 274)],
            known,
            "the shard of a company changed: every cluster would move its companies"
        );
        assert!((0..10_000).all(|t| shard(t) < SHARDS));
    }

    #[test]
    fn shards_spread_companies_evenly() {
        let mut counts = vec![0u32; usize::from(SHARDS)];
        for tenant in 1..=102_400u64 {
            counts[usize::from(shard(tenant))] += 1;
        }
        let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        assert!(
            *min >= 50 && *max <= 150,
            "100 per shard expected, saw {min}..{max}"
        );
        assert_eq!(slot(1023, 2), 1);
        assert_eq!(slot(7, 0), 0, "no slots is one slot");
    }
}
