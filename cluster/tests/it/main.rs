//! The cluster's building blocks against a real three-server NATS JetStream cluster on
//! loopback: heartbeats, leases, and the fenced shard log.

mod nats;

use std::time::{Duration, Instant};

use bytes::Bytes;
use switchboard_cluster::{rendezvous, Cluster, Config, Error, Node};

use nats::NatsCluster;

/// The longest any awaited change may take on a loaded machine.
const WITHIN: Duration = Duration::from_secs(60);

/// Node `id` joined to `servers`, retried while the NATS cluster settles (a request can go
/// unanswered while its routes are still connecting).
async fn join(servers: &NatsCluster, id: &str, heartbeat_ms: u64, lease_ms: u64) -> Cluster {
    let config = Config {
        servers: servers.urls(),
        node_id: id.to_owned(),
        replicas: 3,
        heartbeat_ms,
        lease_ms,
    };
    let deadline = Instant::now() + WITHIN;
    loop {
        match Cluster::connect(&config).await {
            Ok(cluster) => return cluster,
            Err(e) if Instant::now() < deadline => {
                eprintln!("not ready yet: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await; // NATS electing, bounded
            }
            Err(e) => panic!(
                "cannot join the cluster within {WITHIN:?}: {e}\n{}",
                servers.log(0)
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_see_each_other_and_a_silent_one_drops_out() {
    let servers = NatsCluster::start(3);
    // Gone after three missed beats: 3 s, so a loaded machine does not drop a as well.
    let a = join(&servers, "node-a", 1_000, 3_000).await;
    let b = join(&servers, "node-b", 1_000, 3_000).await;
    a.heartbeat().await.unwrap();
    b.heartbeat().await.unwrap();
    assert_eq!(a.live_nodes().await.unwrap(), ["node-a", "node-b"]);
    assert_eq!(b.live_nodes().await.unwrap(), ["node-a", "node-b"]);

    // b goes quiet; a keeps beating and sees b leave once three beats are missed.
    let deadline = Instant::now() + WITHIN;
    loop {
        a.heartbeat().await.unwrap();
        let live = a.live_nodes().await.unwrap();
        if live == ["node-a"] {
            break;
        }
        assert_eq!(live, ["node-a", "node-b"], "only b may leave");
        assert!(Instant::now() < deadline, "b never dropped out");
        tokio::time::sleep(Duration::from_millis(100)).await; // a's heartbeat period
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_has_one_holder_and_passes_on_only_once_it_lapses() {
    let servers = NatsCluster::start(3);
    let a = join(&servers, "node-a", 1_000, 1_500).await;
    let b = join(&servers, "node-b", 1_000, 1_500).await;

    let mut lease = a.acquire(7).await.unwrap().expect("a free shard is taken");
    assert_eq!(b.acquire(7).await.unwrap(), None, "a held lease is refused");
    assert_eq!(b.holder(7).await.unwrap().as_deref(), Some("node-a"));
    a.renew(&mut lease).await.unwrap();
    assert_eq!(
        a.acquire(7).await.unwrap().map(|l| l.shard),
        Some(7),
        "the holder takes its own lease back (a restart within the lease)"
    );
    let mut lease = a.acquire(7).await.unwrap().unwrap();

    // a stops renewing: b gets the shard once the lease lapses, not before.
    let started = Instant::now();
    let taken = loop {
        if let Some(taken) = b.acquire(7).await.unwrap() {
            break taken;
        }
        assert!(started.elapsed() < WITHIN, "the lease never lapsed");
        tokio::time::sleep(Duration::from_millis(100)).await; // polling the bucket, bounded
    };
    assert!(
        started.elapsed() >= Duration::from_millis(1_000),
        "taken {:?} after a's last renewal, within its 1.5 s lease",
        started.elapsed()
    );
    assert_eq!(b.holder(7).await.unwrap().as_deref(), Some("node-b"));
    assert!(matches!(
        a.renew(&mut lease).await,
        Err(Error::LeaseLost(7))
    ));

    // A clean release frees the shard at once.
    b.release(taken).await.unwrap();
    assert_eq!(a.holder(7).await.unwrap(), None);
    assert!(a.acquire(7).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_owner_cannot_write_once_a_new_one_has() {
    let servers = NatsCluster::start(3);
    let a = join(&servers, "node-a", 1_000, 3_000).await;
    let b = join(&servers, "node-b", 1_000, 3_000).await;

    let mut old = a.open_log(12).await.unwrap();
    assert_eq!(old.last, 0, "an empty shard");
    let first = a.append(&mut old, Bytes::from_static(b"r1")).await.unwrap();
    let second = a.append(&mut old, Bytes::from_static(b"r2")).await.unwrap();
    assert!(second > first);

    // b takes the shard over: its first append fences a, which has not noticed anything.
    let mut new = b.open_log(12).await.unwrap();
    assert_eq!(new.last, second);
    b.append(&mut new, Bytes::from_static(b"takeover"))
        .await
        .unwrap();
    assert!(matches!(
        a.append(&mut old, Bytes::from_static(b"stale")).await,
        Err(Error::Fenced(12))
    ));
    let after = b.append(&mut new, Bytes::from_static(b"r3")).await.unwrap();
    assert_eq!(b.open_log(12).await.unwrap().last, after);

    // What a node replays: every record that was acknowledged, in order, the refused one not.
    let texts = |records: Vec<(u64, Bytes)>| {
        records
            .into_iter()
            .map(|(_, r)| String::from_utf8(r.to_vec()).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        texts(b.read_log(12, 0).await.unwrap()),
        ["r1", "r2", "takeover", "r3"]
    );
    assert_eq!(
        texts(b.read_log(12, second).await.unwrap()),
        ["takeover", "r3"]
    );
    assert!(b.read_log(12, after).await.unwrap().is_empty());

    // Other shards are untouched by the takeover.
    let mut other = a.open_log(13).await.unwrap();
    a.append(&mut other, Bytes::from_static(b"x"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_record_survives_a_killed_nats_server() {
    let mut servers = NatsCluster::start(3);
    let a = join(&servers, "node-a", 1_000, 3_000).await;
    let mut log = a.open_log(3).await.unwrap();
    let acked = a
        .append(&mut log, Bytes::from_static(b"kept"))
        .await
        .unwrap();
    drop(a);

    servers.kill(0);
    // A node connecting now, through the two servers left, finds the record.
    let b = join(&servers, "node-b", 1_000, 3_000).await;
    let deadline = Instant::now() + WITHIN;
    let (last, records) = loop {
        let replayed = match b.open_log(3).await {
            Ok(writer) => b.read_log(3, 0).await.map(|r| (writer.last, r)),
            Err(e) => Err(e),
        };
        match replayed {
            Ok(replayed) => break replayed,
            // The stream's leader may have been on the killed server: a new one is elected.
            Err(e) if Instant::now() < deadline => {
                eprintln!("stream not ready: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await; // bounded
            }
            Err(e) => panic!("the stream did not recover: {e}"),
        }
    };
    assert_eq!(last, acked);
    assert_eq!(records, [(acked, Bytes::from_static(b"kept"))]);
}

/// Waits until each of `nodes` (with its id) owns exactly its rendezvous share among them —
/// together every shard, each once — and returns how long that took.
async fn until_shares_settle(nodes: &[(&str, &Node)], shards: u16) -> Duration {
    let ids: Vec<String> = nodes.iter().map(|(id, _)| id.to_string()).collect();
    let started = Instant::now();
    loop {
        let settled = nodes.iter().all(|(id, node)| {
            node.status()
                .borrow()
                .owned
                .iter()
                .copied()
                .collect::<Vec<_>>()
                == rendezvous::owned(id, &ids, shards)
        });
        if settled {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < WITHIN,
            "shares not settled: {:?}",
            nodes
                .iter()
                .map(|(id, n)| (id, n.status().borrow().owned.len()))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await; // polling the nodes' status, bounded
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_nodes_shards_are_taken_over_and_given_back_when_it_returns() {
    const SHARDS: u16 = 1024;
    let servers = NatsCluster::start(3);
    let beat = Duration::from_millis(500);
    let start = |id: &'static str| {
        let servers = &servers;
        async move { Node::start(join(servers, id, 500, 1_500).await, SHARDS, beat) }
    };
    let (a, b, c) = (
        start("node-a").await,
        start("node-b").await,
        start("node-c").await,
    );
    until_shares_settle(&[("node-a", &a), ("node-b", &b), ("node-c", &c)], SHARDS).await;
    let c_shards = c.status().borrow().owned.clone();
    assert!(
        (290..=390).contains(&c_shards.len()),
        "about a third each, c has {}",
        c_shards.len()
    );

    // c dies without a word: a and b take its shards once its heartbeat and leases lapse.
    drop(c);
    let took = until_shares_settle(&[("node-a", &a), ("node-b", &b)], SHARDS).await;
    eprintln!("takeover of {} shards: {took:?}", c_shards.len());
    assert_eq!(a.status().borrow().lost + b.status().borrow().lost, 0);

    // c comes back and gets its own shards back, from a and b handing them over.
    let c = start("node-c").await;
    until_shares_settle(&[("node-a", &a), ("node-b", &b), ("node-c", &c)], SHARDS).await;
    assert_eq!(c.status().borrow().owned, c_shards);

    // A node leaving cleanly hands its shards over at once, without waiting for a lapse.
    c.leave().await;
    let handed = until_shares_settle(&[("node-a", &a), ("node-b", &b)], SHARDS).await;
    eprintln!("hand-over of a leaving node's shards: {handed:?}");
}

/// Ids are not needed by the stores below: they write with keys they make themselves.
struct NoIds;

impl switchboard_storage::replica::IdSource for NoIds {
    fn next(&self, _tenant: u64) -> Result<u64, String> {
        Err("no ids in this test".into())
    }

    fn next_tenant(&self) -> Result<u64, String> {
        Err("no ids in this test".into())
    }

    fn event_base(&self) -> Result<u64, String> {
        Err("no ids in this test".into())
    }
}

/// A node's local view: a real sled store whose writes go to `cluster`'s shard logs.
fn view(
    cluster: &Cluster,
) -> (
    switchboard_storage::Store,
    switchboard_cluster::ShardLog,
    tokio::sync::mpsc::UnboundedReceiver<u16>,
) {
    let store = switchboard_storage::Store::temporary_with(switchboard_storage::Config {
        durability: switchboard_storage::Durability::Relaxed,
        ..Default::default()
    })
    .unwrap();
    let (log, given_up) =
        switchboard_cluster::ShardLog::new(cluster.clone(), tokio::runtime::Handle::current());
    store.replicate_to(std::sync::Arc::new(log.clone()), std::sync::Arc::new(NoIds));
    (store, log, given_up)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partitioned_owner_is_fenced_and_its_unacknowledged_write_is_nowhere() {
    use switchboard_storage::records::DepartmentRecord;
    use switchboard_storage::replica::shard;
    use switchboard_storage::Key;
    let servers = NatsCluster::start(3);
    let a = join(&servers, "node-a", 1_000, 3_000).await;
    let b = join(&servers, "node-b", 1_000, 3_000).await;
    let (store_a, log_a, mut given_up_a) = view(&a);
    let (store_b, log_b, _) = view(&b);
    let tenant = (1..).find(|t| shard(*t) == 77).unwrap();
    let key = |id: u64| Key::new().u64(tenant).u64(id).finish();
    let department = |name: &str| DepartmentRecord {
        id: 1,
        name: name.to_owned(),
    };

    // A writes while it serves the shard: acknowledged once the log holds it.
    let table_a = store_a.table::<DepartmentRecord>().unwrap();
    let refused = table_a.insert(&key(1), &department("before")).unwrap();
    assert!(
        refused.durable().await.is_err(),
        "a shard not taken over refuses writes"
    );
    log_a.take(77, &store_a, || true).await.unwrap();
    table_a
        .insert(&key(1), &department("acked by a"))
        .unwrap()
        .durable()
        .await
        .unwrap();

    // B takes the shard over while A, cut off from the leases, still thinks it is its own:
    // B's store now holds what A acknowledged.
    let replayed = log_b.take(77, &store_b, || true).await.unwrap();
    assert!(replayed >= 2, "A's fence and write: {replayed}");
    let table_b = store_b.table::<DepartmentRecord>().unwrap();
    assert_eq!(
        table_b.get(&key(1)).unwrap().map(|d| d.name),
        Some("acked by a".to_owned())
    );

    // A's next write is refused by the log, so it is never acknowledged, and A gives the
    // shard up at once.
    let fenced = table_a
        .insert(&key(2), &department("written by a after the takeover"))
        .unwrap()
        .durable()
        .await;
    assert!(
        matches!(fenced, Err(switchboard_storage::Error::Replication(_))),
        "{fenced:?}"
    );
    assert_eq!(given_up_a.recv().await, Some(77));

    // B writes on; a third node replaying the shard finds A's acknowledged write and B's,
    // and not the one A was refused.
    table_b
        .insert(&key(3), &department("acked by b"))
        .unwrap()
        .durable()
        .await
        .unwrap();
    let c = join(&servers, "node-c", 1_000, 3_000).await;
    let (store_c, log_c, _) = view(&c);
    log_c.take(77, &store_c, || true).await.unwrap();
    let table_c = store_c.table::<DepartmentRecord>().unwrap();
    let names: Vec<String> = table_c
        .scan_prefix(&Key::new().u64(tenant).finish())
        .map(|r| r.unwrap().1.name)
        .collect();
    assert_eq!(names, ["acked by a", "acked by b"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compacted_log_replays_to_the_same_records() {
    use switchboard_storage::records::DepartmentRecord;
    use switchboard_storage::replica::shard;
    use switchboard_storage::Key;
    let servers = NatsCluster::start(3);
    let a = join(&servers, "node-a", 1_000, 3_000).await;
    let (store_a, log_a, _) = view(&a);
    let tenant = (1..).find(|t| shard(*t) == 9).unwrap();
    let key = |id: u64| Key::new().u64(tenant).u64(id).finish();
    log_a.take(9, &store_a, || true).await.unwrap();
    let table = store_a.table::<DepartmentRecord>().unwrap();
    // Forty writes: every id written twice, and every third id removed again.
    for round in 0..2 {
        for id in 1..=20u64 {
            let name = format!("department {id}, round {round}");
            let record = DepartmentRecord { id, name };
            table
                .insert(&key(id), &record)
                .unwrap()
                .durable()
                .await
                .unwrap();
        }
    }
    for id in (3..=20u64).step_by(3) {
        table.remove(&key(id)).unwrap().durable().await.unwrap();
    }
    let before = a.read_log(9, 0).await.unwrap().len();
    log_a.compact(9).await.unwrap();
    let after = a.read_log(9, 0).await.unwrap().len();
    assert!(before >= 46 && after <= 2, "records {before} -> {after}");
    table
        .insert(
            &key(21),
            &DepartmentRecord {
                id: 21,
                name: "after the snapshot".into(),
            },
        )
        .unwrap()
        .durable()
        .await
        .unwrap();

    // Another node replays the snapshot and the records after it: the same records.
    let b = join(&servers, "node-b", 1_000, 3_000).await;
    let (store_b, log_b, _) = view(&b);
    log_b.take(9, &store_b, || true).await.unwrap();
    let listed = |store: &switchboard_storage::Store| -> Vec<(u64, String)> {
        store
            .table::<DepartmentRecord>()
            .unwrap()
            .scan_prefix(&Key::new().u64(tenant).finish())
            .map(|r| r.unwrap().1)
            .map(|d| (d.id, d.name))
            .collect()
    };
    let expected = listed(&store_a);
    assert_eq!(expected.len(), 20 - 6 + 1);
    assert_eq!(listed(&store_b), expected);
}
