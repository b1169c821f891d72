//! `DocumentCore` in one process on injected time: no runtime, storage or
//! sleeps. Storage is played by the test (`store`), time by an `Instant`
//! the test moves along. Among them a seeded randomized run of writers and
//! a reader over a network that loses (ending the connection), duplicates
//! and reorders messages, which must converge.

use std::collections::VecDeque;

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

const ANSWER_WAIT: Duration = Duration::from_millis(250);

fn settings() -> DocumentSettings {
    DocumentSettings {
        max_document_bytes: 1 << 20,
        compact_after_increments: 2,
        answer_wait: ANSWER_WAIT,
    }
}

fn titled() -> Automerge {
    let mut document = Automerge::new();
    let mut tx = document.transaction();
    tx.put(ROOT, "title", "Biên bản").unwrap();
    tx.commit();
    document
}

fn core_with(document: Automerge, settings: DocumentSettings) -> DocumentCore {
    let bytes = document.save().len() as u64;
    let chunk = StoredChunk {
        key: "snapshot".to_owned(),
        bytes,
        is_snapshot: true,
    };
    DocumentCore::new(DocumentId::random(), document, vec![chunk], settings)
}

/// What the test's storage did with one batch.
#[derive(Debug, Default, PartialEq, Eq)]
struct Stored {
    increments: usize,
    compactions: usize,
}

/// Plays the actor's store step: the batch's changes become one chunk,
/// and the document is compacted when due.
fn store(core: &mut DocumentCore, stored: &mut Stored) {
    let Some(changes) = core.changes_to_store() else {
        return;
    };
    let bytes: usize = changes.iter().map(|change| change.raw_bytes().len()).sum();
    let key = format!("increment/{}", changes[0].hash());
    stored.increments += 1;
    let chunk = StoredChunk {
        key,
        bytes: bytes as u64,
        is_snapshot: false,
    };
    if core.stored(Some(chunk)) {
        let (data, _heads) = core.save();
        stored.compactions += 1;
        core.compacted(StoredChunk {
            key: "snapshot".to_owned(),
            bytes: data.len() as u64,
            is_snapshot: true,
        });
    }
}

/// One batch of peers' messages, stored, then ended at `now`.
fn batch(
    core: &mut DocumentCore,
    messages: &[(PeerKey, Vec<u8>, bool)],
    now: Instant,
    stored: &mut Stored,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    core.begin_batch();
    for (from, data, writable) in messages {
        core.receive(*from, data, *writable, &mut effects);
    }
    assert!(
        !effects
            .iter()
            .any(|effect| matches!(effect, Effect::Sync { .. })),
        "no message before the batch is stored: {effects:?}"
    );
    store(core, stored);
    core.end_batch(now, &mut effects);
    effects
}

/// A client of the core: its document and its sync state.
struct Client {
    key: PeerKey,
    document: Automerge,
    state: State,
    writable: bool,
}

impl Client {
    fn new(key: PeerKey, writable: bool) -> Self {
        Self {
            key,
            document: Automerge::new(),
            state: State::new(),
            writable,
        }
    }

    fn message(&mut self) -> Option<(PeerKey, Vec<u8>, bool)> {
        let message = self.document.generate_sync_message(&mut self.state)?;
        Some((self.key, message.encode(), self.writable))
    }

    fn take(&mut self, data: &[u8]) {
        let message = Message::decode(data).unwrap();
        self.document
            .receive_sync_message(&mut self.state, message)
            .unwrap();
    }

    fn write(&mut self, key: &str, value: i64) {
        let mut tx = self.document.transaction();
        tx.put(ROOT, key, value).unwrap();
        tx.commit();
    }
}

fn messages_to(effects: &[Effect], key: PeerKey) -> Vec<EncodedMessage> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Sync { to, data } if *to == key => Some(data.clone()),
            _ => None,
        })
        .collect()
}

/// Plays clients against the core until nobody has more to say, time
/// moving `step` per round.
fn settle(core: &mut DocumentCore, clients: &mut [&mut Client], now: &mut Instant, step: Duration) {
    let mut stored = Stored::default();
    for _ in 0..200 {
        let messages: Vec<_> = clients.iter_mut().filter_map(|c| c.message()).collect();
        let effects = if messages.is_empty() {
            if !core.owes_messages() {
                return;
            }
            let mut effects = Vec::new();
            core.tick(*now, &mut effects);
            effects
        } else {
            batch(core, &messages, *now, &mut stored)
        };
        for client in clients.iter_mut() {
            for data in messages_to(&effects, client.key) {
                client.take(&data);
            }
        }
        *now += step;
    }
    panic!("the clients and the core still talk after 200 rounds");
}

#[test]
fn a_writers_change_reaches_a_follower_once_stored_and_not_before() {
    let mut core = core_with(titled(), settings());
    let mut now = Instant::now();
    let mut writer = Client::new(1, true);
    let mut follower = Client::new(2, true);
    settle(
        &mut core,
        &mut [&mut writer, &mut follower],
        &mut now,
        ANSWER_WAIT,
    );
    assert_eq!(follower.document.get_heads(), core.document().get_heads());

    writer.write("stroke-1", 1);
    let message = writer.message().unwrap();
    let mut effects = Vec::new();
    core.begin_batch();
    core.receive(1, &message.1, true, &mut effects);
    assert!(effects.is_empty(), "nothing goes out before the store");
    let changes = core.changes_to_store().expect("the stroke is to store");
    assert_eq!(changes.len(), 1);
    store(&mut core, &mut Stored::default());
    core.end_batch(now, &mut effects);
    let to_follower = messages_to(&effects, 2);
    assert_eq!(to_follower.len(), 1);
    follower.take(&to_follower[0]);
    assert_eq!(follower.document.get_heads(), writer.document.get_heads());
}

#[test]
fn a_follower_that_has_not_answered_waits_until_it_does_or_the_answer_wait_passes() {
    let mut core = core_with(titled(), settings());
    let mut now = Instant::now();
    let mut writer = Client::new(1, true);
    let mut follower = Client::new(2, true);
    settle(
        &mut core,
        &mut [&mut writer, &mut follower],
        &mut now,
        ANSWER_WAIT,
    );
    let mut stored = Stored::default();
    let start = now;

    // Stroke 1 goes to the follower, which does not answer.
    writer.write("stroke-1", 1);
    let effects = batch(&mut core, &[writer.message().unwrap()], now, &mut stored);
    let first = messages_to(&effects, 2);
    assert_eq!(first.len(), 1);
    for data in messages_to(&effects, 1) {
        writer.take(&data);
    }
    // Strokes 2 and 3, 100 ms later: held back.
    now += Duration::from_millis(100);
    for stroke in [2, 3] {
        writer.write(&format!("stroke-{stroke}"), stroke);
        let effects = batch(&mut core, &[writer.message().unwrap()], now, &mut stored);
        assert!(messages_to(&effects, 2).is_empty(), "held back");
        for data in messages_to(&effects, 1) {
            writer.take(&data);
        }
    }
    assert!(core.owes_messages());
    let mut effects = Vec::new();
    core.tick(start + ANSWER_WAIT - Duration::from_millis(1), &mut effects);
    assert!(messages_to(&effects, 2).is_empty(), "not yet overdue");
    // The answer wait passed: both strokes in one message.
    core.tick(start + ANSWER_WAIT, &mut effects);
    let owed = messages_to(&effects, 2);
    assert_eq!(owed.len(), 1);
    assert!(!core.owes_messages());
    follower.take(&first[0]);
    follower.take(&owed[0]);
    assert_eq!(follower.document.get_heads(), writer.document.get_heads());
}

#[test]
fn a_follower_that_answers_is_sent_what_was_held_back_at_once() {
    let mut core = core_with(titled(), settings());
    let mut now = Instant::now();
    let mut writer = Client::new(1, true);
    let mut follower = Client::new(2, true);
    settle(
        &mut core,
        &mut [&mut writer, &mut follower],
        &mut now,
        ANSWER_WAIT,
    );
    let mut stored = Stored::default();
    writer.write("stroke-1", 1);
    let effects = batch(&mut core, &[writer.message().unwrap()], now, &mut stored);
    follower.take(&messages_to(&effects, 2)[0]);
    writer.write("stroke-2", 2);
    let effects = batch(&mut core, &[writer.message().unwrap()], now, &mut stored);
    assert!(messages_to(&effects, 2).is_empty());
    // The follower's answer, no time later.
    let answer = follower.message().unwrap();
    let effects = batch(&mut core, &[answer], now, &mut stored);
    let sent = messages_to(&effects, 2);
    assert_eq!(sent.len(), 1);
    follower.take(&sent[0]);
    assert_eq!(follower.document.get_heads(), writer.document.get_heads());
}

#[test]
fn a_readers_changes_are_neither_applied_nor_stored() {
    let document = titled();
    let mut core = core_with(document.clone(), settings());
    let mut now = Instant::now();
    let mut reader = Client::new(1, false);
    reader.document = document.clone();
    settle(&mut core, &mut [&mut reader], &mut now, ANSWER_WAIT);
    let mut tx = reader.document.transaction();
    tx.put(ROOT, "title", "forged").unwrap();
    tx.commit();
    let message = reader.message().unwrap();
    let mut stored = Stored::default();
    let effects = batch(&mut core, &[message], now, &mut stored);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Stop { .. })));
    assert_eq!(stored, Stored::default(), "nothing stored");
    assert_eq!(core.document().get_heads(), document.get_heads());
}

#[test]
fn malformed_sync_data_stops_its_peer_only() {
    let mut core = core_with(titled(), settings());
    let mut now = Instant::now();
    let mut follower = Client::new(2, true);
    settle(&mut core, &mut [&mut follower], &mut now, ANSWER_WAIT);
    let effects = batch(
        &mut core,
        &[(3, b"not a sync message".to_vec(), true)],
        now,
        &mut Stored::default(),
    );
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Stop {
                to: 3,
                reason: PeerStop::ProtocolViolation { .. }
            }]
        ),
        "{effects:?}"
    );
    assert_eq!(core.peers().collect::<Vec<_>>(), vec![2]);
}

#[test]
fn a_change_past_the_size_cap_stops_its_writer_and_is_not_applied() {
    let document = titled();
    let cap = document.save().len() as u64 + 64;
    let mut core = core_with(
        document,
        DocumentSettings {
            max_document_bytes: cap,
            ..settings()
        },
    );
    let mut now = Instant::now();
    let mut writer = Client::new(1, true);
    settle(&mut core, &mut [&mut writer], &mut now, ANSWER_WAIT);
    let heads = core.document().get_heads();
    let mut tx = writer.document.transaction();
    tx.put(ROOT, "big", "x".repeat(1000)).unwrap();
    tx.commit();
    let message = writer.message().unwrap();
    let mut stored = Stored::default();
    let effects = batch(&mut core, &[message], now, &mut stored);
    let id = core.id();
    assert!(
        matches!(effects.as_slice(), [Effect::Stop { to: 1, reason: PeerStop::DocumentTooLarge(too_large) }] if *too_large == id),
        "{effects:?}"
    );
    assert_eq!(core.document().get_heads(), heads);
    assert_eq!(stored, Stored::default());
}

#[test]
fn increments_are_compacted_when_due() {
    let mut core = core_with(titled(), settings());
    let mut now = Instant::now();
    let mut writer = Client::new(1, true);
    settle(&mut core, &mut [&mut writer], &mut now, ANSWER_WAIT);
    let mut stored = Stored::default();
    for stroke in 0..5 {
        writer.write(&format!("stroke-{stroke}"), stroke);
        let effects = batch(&mut core, &[writer.message().unwrap()], now, &mut stored);
        for data in messages_to(&effects, 1) {
            writer.take(&data);
        }
        now += ANSWER_WAIT;
    }
    assert_eq!(stored.increments, 5);
    assert_eq!(stored.compactions, 2, "every second increment");
    assert!(core.chunks().len() <= 2);
}

#[test]
fn ephemeral_messages_go_to_every_peer_but_the_sender() {
    let mut core = core_with(titled(), settings());
    let mut now = Instant::now();
    let mut clients: Vec<Client> = (1..=3).map(|key| Client::new(key, true)).collect();
    let mut refs: Vec<&mut Client> = clients.iter_mut().collect();
    settle(&mut core, &mut refs, &mut now, ANSWER_WAIT);
    let relay = Arc::new(EphemeralRelay {
        sender_id: "a".to_owned(),
        session_id: "s".to_owned(),
        count: 1,
        data: b"ink".to_vec(),
    });
    let mut effects = Vec::new();
    core.relay(2, &relay, &mut effects);
    let mut to: Vec<PeerKey> = effects
        .iter()
        .map(|effect| match effect {
            Effect::Ephemeral { to, .. } => *to,
            other => panic!("{other:?}"),
        })
        .collect();
    to.sort_unstable();
    assert_eq!(to, vec![1, 3]);
}

#[test]
fn a_server_change_that_panics_keeps_the_core_usable() {
    let mut core = core_with(titled(), settings());
    core.begin_batch();
    let result = core.change(|document| {
        let mut tx = document.transaction();
        tx.put(ROOT, "title", "Biên bản (sửa)").unwrap();
        tx.commit();
        panic!("a change that fails half-way");
    });
    assert_eq!(result, Err(ChangePanicked));
    assert!(core.changes_to_store().is_some(), "what it did is stored");
    let title = core.document().get(ROOT, "title").unwrap().unwrap().0;
    assert_eq!(title.to_string(), "\"Biên bản (sửa)\"");
}

/// A network between clients and the core that drops, duplicates and
/// reorders: messages of different connections arrive in any order, a
/// message may arrive twice, and a lost message ends its connection (as a
/// websocket does: the client comes back with a fresh sync session).
struct Network {
    rng: StdRng,
    /// Per client: messages to the core, messages from it.
    up: Vec<VecDeque<Vec<u8>>>,
    down: Vec<VecDeque<EncodedMessage>>,
    /// Messages lost, and delivered twice.
    drops: u32,
    duplicates: u32,
}

#[test]
fn seeded_random_peers_converge_despite_drops_duplicates_and_reorders() {
    let (mut drops, mut duplicates, mut strokes) = (0, 0, 0);
    for seed in 0..12u64 {
        let network = converge(seed);
        drops += network.0;
        duplicates += network.1;
        strokes += network.2;
    }
    eprintln!("12 seeds: {strokes} strokes, {drops} drops, {duplicates} duplicates");
    // The seeds do exercise what the test is about.
    assert!(drops >= 10, "{drops} drops");
    assert!(duplicates >= 10, "{duplicates} duplicates");
    assert!(strokes >= 100, "{strokes} strokes");
}

/// One seeded run: (drops, duplicates, strokes).
fn converge(seed: u64) -> (u32, u32, i64) {
    const WRITERS: usize = 3;
    const READERS: usize = 1;
    let mut core = core_with(titled(), settings());
    let mut now = Instant::now();
    let mut network = Network {
        rng: StdRng::seed_from_u64(seed),
        up: vec![VecDeque::new(); WRITERS + READERS],
        down: vec![VecDeque::new(); WRITERS + READERS],
        drops: 0,
        duplicates: 0,
    };
    // Key = client * 1000 + session: a reconnection is a new peer.
    let mut sessions = vec![0u64; WRITERS + READERS];
    let mut clients: Vec<Client> = (0..WRITERS + READERS)
        .map(|c| Client::new(c as u64 * 1000, c < WRITERS))
        .collect();
    let mut stored = Stored::default();
    let mut written = 0;
    let reconnect = |client: &mut Client,
                     sessions: &mut [u64],
                     network: &mut Network,
                     core: &mut DocumentCore,
                     c: usize| {
        core.detach(client.key);
        sessions[c] += 1;
        client.key = c as u64 * 1000 + sessions[c];
        client.state = State::new();
        network.drops += 1;
        network.up[c].clear();
        network.down[c].clear();
    };
    for _step in 0..120 {
        let c = network.rng.gen_range(0..clients.len());
        match network.rng.gen_range(0..10) {
            // A writer draws.
            0..=2 if clients[c].writable => {
                written += 1;
                clients[c].write(&format!("stroke-{seed}-{written}"), written);
                if let Some((_, data, _)) = clients[c].message() {
                    network.up[c].push_back(data);
                }
            }
            // Messages reach the core, one batch from up to three
            // connections in random order.
            3..=5 => {
                let mut messages = Vec::new();
                for _ in 0..network.rng.gen_range(1..=3) {
                    let c = network.rng.gen_range(0..clients.len());
                    let Some(data) = network.up[c].pop_front() else {
                        continue;
                    };
                    let fate = network.rng.gen_range(0..20);
                    if fate == 0 {
                        // Lost: the connection ends.
                        reconnect(&mut clients[c], &mut sessions, &mut network, &mut core, c);
                        continue;
                    }
                    if fate == 1 {
                        network.duplicates += 1;
                        network.up[c].push_front(data.clone());
                    }
                    messages.push((clients[c].key, data, clients[c].writable));
                }
                let effects = batch(&mut core, &messages, now, &mut stored);
                deliver(&effects, &clients, &mut network);
            }
            // Messages reach a client, which answers.
            6..=8 => {
                let Some(data) = network.down[c].pop_front() else {
                    continue;
                };
                let fate = network.rng.gen_range(0..20);
                if fate == 0 {
                    reconnect(&mut clients[c], &mut sessions, &mut network, &mut core, c);
                    continue;
                }
                if fate == 1 {
                    network.duplicates += 1;
                    network.down[c].push_front(data.clone());
                }
                clients[c].take(&data);
                if let Some((_, data, _)) = clients[c].message() {
                    network.up[c].push_back(data);
                }
            }
            // Time passes; peers owed a message get it.
            _ => {
                now += Duration::from_millis(network.rng.gen_range(0..400));
                let mut effects = Vec::new();
                core.tick(now, &mut effects);
                deliver(&effects, &clients, &mut network);
            }
        }
    }
    // Then the network heals: whatever is in flight arrives, once.
    for _ in 0..400 {
        let mut quiet = true;
        let mut messages = Vec::new();
        for (c, client) in clients.iter_mut().enumerate() {
            while let Some(data) = network.down[c].pop_front() {
                client.take(&data);
                quiet = false;
            }
            while let Some(data) = network.up[c].pop_front() {
                messages.push((client.key, data, client.writable));
            }
            if let Some(message) = client.message() {
                messages.push(message);
            }
        }
        quiet &= messages.is_empty() && !core.owes_messages();
        if quiet {
            break;
        }
        let effects = batch(&mut core, &messages, now, &mut stored);
        deliver(&effects, &clients, &mut network);
        let mut effects = Vec::new();
        now += ANSWER_WAIT;
        core.tick(now, &mut effects);
        deliver(&effects, &clients, &mut network);
    }
    let heads = core.document().get_heads();
    for (c, client) in clients.iter().enumerate() {
        assert_eq!(
            client.document.get_heads(),
            heads,
            "seed {seed}: client {c} has converged"
        );
    }
    for k in 1..=written {
        let key = format!("stroke-{seed}-{k}");
        assert!(
            core.document().get(ROOT, &key).unwrap().is_some(),
            "seed {seed}: {key} reached the core"
        );
    }
    assert!(stored.increments > 0, "seed {seed}: something was stored");
    (network.drops, network.duplicates, written)
}

fn deliver(effects: &[Effect], clients: &[Client], network: &mut Network) {
    for effect in effects {
        match effect {
            Effect::Sync { to, data } => {
                if let Some(c) = clients.iter().position(|client| client.key == *to) {
                    network.down[c].push_back(data.clone());
                }
            }
            other => panic!("an honest client is never stopped: {other:?}"),
        }
    }
}
