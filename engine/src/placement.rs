//! Where a company's actors run: company -> one of [`SHARDS`] shards -> an arbiter (a thread)
//! here, and later a node of a cluster. The hash lives with the records
//! (`switchboard_storage::replica::shard`), which need it to find a record's shard log.

use std::sync::atomic::{AtomicBool, Ordering};

pub use switchboard_storage::replica::{shard, SHARDS};

/// Which shards this process serves. A single node serves them all; in cluster mode a node
/// serves a shard once it holds its lease and has replayed its log, and stops the moment it
/// lets it go or learns another node took it.
#[derive(Debug)]
pub struct Serving {
    shards: Vec<AtomicBool>,
}

impl Serving {
    /// Serving no shard yet (a cluster node before its first takeover).
    pub fn none() -> Serving {
        Serving {
            shards: (0..SHARDS).map(|_| AtomicBool::new(false)).collect(),
        }
    }

    /// Whether companies of `shard` are served here.
    pub fn serves(&self, shard: u16) -> bool {
        self.shards
            .get(usize::from(shard))
            .is_some_and(|s| s.load(Ordering::Acquire))
    }

    /// Starts or stops serving `shard`.
    pub fn set(&self, shard: u16, serving: bool) {
        if let Some(flag) = self.shards.get(usize::from(shard)) {
            flag.store(serving, Ordering::Release);
        }
    }

    /// How many shards are served here.
    pub fn count(&self) -> usize {
        self.shards
            .iter()
            .filter(|s| s.load(Ordering::Acquire))
            .count()
    }
}

/// Which of `slots` places (arbiters, nodes) holds `shard`.
pub fn slot(shard: u16, slots: usize) -> usize {
    usize::from(shard) % slots.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_spread_over_slots() {
        assert_eq!(slot(1023, 2), 1);
        assert_eq!(slot(7, 0), 0, "no slots is one slot");
        assert!((0..SHARDS).all(|s| slot(s, 3) < 3));
    }

    #[test]
    fn a_node_serves_the_shards_it_was_given() {
        let serving = Serving::none();
        assert_eq!(serving.count(), 0);
        serving.set(7, true);
        serving.set(SHARDS, true);
        assert!(serving.serves(7) && !serving.serves(8) && !serving.serves(SHARDS));
        assert_eq!(serving.count(), 1);
    }
}
