//! Which live node owns a shard: rendezvous (highest-random-weight) hashing. Every node
//! scores every (shard, node) pair with the same stable hash and the highest score wins, so
//! all nodes agree from the same list of live nodes, with no table to share. A node that
//! joins takes only the shards it now scores highest on (about 1/n of them), and a node
//! that leaves gives away only its own.

/// The owner of `shard` among `nodes` (node ids), or `None` when there is no node.
pub fn owner(shard: u16, nodes: &[String]) -> Option<&str> {
    nodes
        .iter()
        .max_by_key(|node| (score(shard, node), node.as_str()))
        .map(String::as_str)
}

/// The shards of `0..shards` that `node` owns among `nodes`.
pub fn owned(node: &str, nodes: &[String], shards: u16) -> Vec<u16> {
    (0..shards)
        .filter(|&shard| owner(shard, nodes) == Some(node))
        .collect()
}

/// FNV-1a over the shard's big-endian bytes and the node id, then a 64-bit finaliser
/// (from SplitMix64) so that ids differing in one character score independently. Written
/// out, not `DefaultHasher`, because every node and every release must compute the same.
fn score(shard: u16, node: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = shard
        .to_be_bytes()
        .iter()
        .chain(node.as_bytes())
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME));
    let mut z = hash.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARDS: u16 = 1024;

    fn nodes(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn owners_are_stable_across_releases() {
        // A promise to every node of a running cluster: these may never change (the same hash
        // in a few lines of Python gives them).
        let three = nodes(&["a", "b", "c"]);
        let known: Vec<_> = [0u16, 1, 512, 1023]
            .iter()
            .map(|&s| owner(s, &three).unwrap())
            .collect();
        assert_eq!(known, ["a", "a", "c", "c"], "computed independently");
        assert_eq!(owner(7, &[]), None);
    }

    #[test]
    fn the_order_of_the_list_does_not_matter() {
        let one = nodes(&["n1", "n2", "n3", "n4"]);
        let other = nodes(&["n3", "n1", "n4", "n2"]);
        assert!((0..SHARDS).all(|s| owner(s, &one) == owner(s, &other)));
    }

    #[test]
    fn shards_spread_evenly_over_the_nodes() {
        let three = nodes(&["node-1", "node-2", "node-3"]);
        for node in &three {
            let mine = owned(node, &three, SHARDS).len();
            assert!(
                (290..=390).contains(&mine),
                "{node} owns {mine} of {SHARDS} shards; about 341 expected"
            );
        }
    }

    #[test]
    fn a_joining_node_takes_only_its_share_and_a_leaving_one_gives_only_its_own() {
        let three = nodes(&["node-1", "node-2", "node-3"]);
        let four = nodes(&["node-1", "node-2", "node-3", "node-4"]);
        let mut moved = 0;
        for shard in 0..SHARDS {
            let (before, after) = (owner(shard, &three), owner(shard, &four));
            if before != after {
                assert_eq!(
                    after,
                    Some("node-4"),
                    "shard {shard} moved between old nodes"
                );
                moved += 1;
            }
        }
        assert!(
            (200..=320).contains(&moved),
            "{moved} shards moved to the fourth node; about 256 expected"
        );
        // node-2 leaves: only its shards move, each to one of the others.
        let without = nodes(&["node-1", "node-3"]);
        for shard in 0..SHARDS {
            if owner(shard, &three) != Some("node-2") {
                assert_eq!(owner(shard, &three), owner(shard, &without));
            }
        }
    }
}
