//! One node's view of one meeting's lease, as a pure state machine: the
//! caller feeds the current time and the outcome of each key-value write
//! in, and polls out the next write to make. No clock, socket or runtime
//! inside, so the tests below drive several nodes against a simulated
//! bucket on a fake clock, deterministically from a seed.
//!
//! The bucket does the deciding (see the module above): a create succeeds
//! only while no live value is under the key, an update only when the
//! caller names the revision the key has now, and every value expires a
//! time-to-live after the bucket stored it. What this machine adds is the
//! holder's side of the bargain: it counts the lease valid from the moment
//! it *sent* the write that succeeded, minus a safety margin, never from
//! the moment the answer came back. The bucket stored the value later than
//! that, so it expires it later than the holder stops believing in it, and
//! two nodes never both believe they hold the lease (given clocks that run
//! at about the same rate: the margin covers the difference).
//!
//! The fencing token of a term is the revision of the write that acquired
//! it. Revisions are the bucket's sequence numbers, so a later term always
//! has a larger token; renewals change the revision, not the token.

use std::time::{Duration, Instant};

/// How long a lease lives and how often it is renewed and sought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseTimings {
    /// The bucket's time-to-live for a value (its `max_age`).
    pub ttl: Duration,
    /// How long after a successful write the holder renews.
    pub renew_every: Duration,
    /// How long a node that does not hold the lease waits between tries.
    pub retry_every: Duration,
    /// Subtracted from `ttl` when the holder decides until when it holds:
    /// room for clocks that drift apart and for the scheduler's delay.
    pub safety_margin: Duration,
}

impl LeaseTimings {
    /// Timings derived from the bucket's time-to-live: renew three times
    /// per lifetime, keep a sixth of it as margin, try every tenth when
    /// the lease is someone else's. With a 3 s ttl a dead holder's lease
    /// is free after 3 s and taken within 0.3 s more.
    pub fn for_ttl(ttl: Duration) -> LeaseTimings {
        LeaseTimings {
            ttl,
            renew_every: ttl / 3,
            retry_every: ttl / 10,
            safety_margin: ttl / 6,
        }
    }
}

/// The write a node asks the bucket for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseWrite {
    /// Create the key: succeeds only when no live value is under it.
    Acquire,
    /// Replace the value, only if the key's revision is still this one.
    Renew { expected_revision: u64 },
}

/// What came of a [`LeaseWrite`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Stored, with this revision.
    Written { revision: u64 },
    /// The bucket refused: another value is there, or the revision moved.
    Refused,
    /// No answer (network, timeout): the write may or may not be stored.
    Unreachable,
}

/// A change in whether this node holds the lease, for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseChange {
    Acquired { token: u64 },
    Lost { token: u64, reason: LossReason },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossReason {
    /// The bucket refused a renewal: the key expired or another node has it.
    Refused,
    /// No renewal succeeded in time; the lease may have passed to another
    /// node already.
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not holding; the next acquire is due at `next_attempt`.
    Free { next_attempt: Instant },
    Held {
        /// The revision of the acquiring write: the fencing token.
        token: u64,
        /// The revision the key has after our last write.
        revision: u64,
        /// Until when we hold it, measured from when that write was sent.
        valid_until: Instant,
        next_renew: Instant,
    },
}

#[derive(Debug, Clone, Copy)]
struct InFlight {
    write: LeaseWrite,
    sent_at: Instant,
}

/// One node's lease on one key.
#[derive(Debug)]
pub struct Lease {
    timings: LeaseTimings,
    state: State,
    /// The one write awaiting its outcome; a node never has two.
    in_flight: Option<InFlight>,
    /// Changes not yet polled.
    changes: Vec<LeaseChange>,
}

impl Lease {
    /// A lease not held, whose first acquire is due at once.
    pub fn new(timings: LeaseTimings, now: Instant) -> Lease {
        Lease {
            timings,
            state: State::Free { next_attempt: now },
            in_flight: None,
            changes: Vec::new(),
        }
    }

    pub fn timings(&self) -> LeaseTimings {
        self.timings
    }

    /// The fencing token, when this node holds the lease at `now`. A write
    /// for the meeting made with this token is the owner's.
    pub fn token(&self, now: Instant) -> Option<u64> {
        match self.state {
            State::Held {
                token, valid_until, ..
            } if now < valid_until => Some(token),
            _ => None,
        }
    }

    /// Lets time pass: a lease not renewed in time is lost.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let State::Held {
            token, valid_until, ..
        } = self.state
        {
            if now >= valid_until {
                self.lose(token, LossReason::Expired, now);
            }
        }
    }

    /// The write to send now, if one is due and none is awaiting its
    /// outcome. The caller sends it and reports with [`Self::handle_outcome`].
    pub fn poll_write(&mut self, now: Instant) -> Option<LeaseWrite> {
        self.handle_timeout(now);
        if self.in_flight.is_some() {
            return None;
        }
        let write = match self.state {
            State::Free { next_attempt } if now >= next_attempt => LeaseWrite::Acquire,
            State::Held {
                revision,
                next_renew,
                ..
            } if now >= next_renew => LeaseWrite::Renew {
                expected_revision: revision,
            },
            _ => return None,
        };
        self.in_flight = Some(InFlight {
            write,
            sent_at: now,
        });
        Some(write)
    }

    /// The outcome of the write [`Self::poll_write`] gave last.
    pub fn handle_outcome(&mut self, now: Instant, outcome: WriteOutcome) {
        self.handle_timeout(now);
        let Some(InFlight { write, sent_at }) = self.in_flight.take() else {
            return;
        };
        let valid_until = sent_at + self.timings.ttl.saturating_sub(self.timings.safety_margin);
        match (write, self.state, outcome) {
            (LeaseWrite::Acquire, State::Free { .. }, WriteOutcome::Written { revision }) => {
                // A late answer whose validity already ran out acquires
                // nothing: the value expires in the bucket by itself.
                if now < valid_until {
                    self.state = State::Held {
                        token: revision,
                        revision,
                        valid_until,
                        next_renew: (sent_at + self.timings.renew_every).max(now),
                    };
                    self.changes.push(LeaseChange::Acquired { token: revision });
                } else {
                    self.retry_later(now);
                }
            }
            (
                LeaseWrite::Renew { expected_revision },
                State::Held {
                    token, revision, ..
                },
                WriteOutcome::Written {
                    revision: new_revision,
                },
            ) if revision == expected_revision => {
                self.state = State::Held {
                    token,
                    revision: new_revision,
                    valid_until,
                    // Renewals keep their rhythm from when each was sent,
                    // however slow the answer.
                    next_renew: (sent_at + self.timings.renew_every).max(now),
                };
            }
            (LeaseWrite::Renew { .. }, State::Held { token, .. }, WriteOutcome::Refused) => {
                self.lose(token, LossReason::Refused, now);
            }
            (LeaseWrite::Renew { .. }, State::Held { .. }, WriteOutcome::Unreachable) => {
                // Still ours until `valid_until`: try again soon.
                if let State::Held { next_renew, .. } = &mut self.state {
                    *next_renew = now + self.timings.retry_every;
                }
            }
            // An acquire refused or unanswered, or the answer to a renewal
            // of a term that already ended: try again later.
            (_, State::Free { .. }, _) => self.retry_later(now),
            // A renewal answered for a revision we no longer expect cannot
            // happen with one write in flight; keep the state as it is.
            (_, State::Held { .. }, _) => {}
        }
    }

    /// The next change in holding, oldest first.
    pub fn poll_change(&mut self) -> Option<LeaseChange> {
        if self.changes.is_empty() {
            None
        } else {
            Some(self.changes.remove(0))
        }
    }

    /// When the caller should next call [`Self::poll_write`] or
    /// [`Self::handle_timeout`], if no outcome arrives before.
    pub fn next_deadline(&self) -> Instant {
        match self.state {
            State::Free { next_attempt } => next_attempt,
            State::Held {
                valid_until,
                next_renew,
                ..
            } => {
                if self.in_flight.is_some() {
                    valid_until
                } else {
                    next_renew.min(valid_until)
                }
            }
        }
    }

    fn lose(&mut self, token: u64, reason: LossReason, now: Instant) {
        self.changes.push(LeaseChange::Lost { token, reason });
        self.retry_later(now);
    }

    fn retry_later(&mut self, now: Instant) {
        self.state = State::Free {
            next_attempt: now + self.timings.retry_every,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const TTL: Duration = Duration::from_millis(3000);

    fn timings() -> LeaseTimings {
        LeaseTimings::for_ttl(TTL)
    }

    #[test]
    fn a_free_lease_is_acquired_with_the_revision_as_token() {
        let start = Instant::now();
        let mut lease = Lease::new(timings(), start);
        assert_eq!(lease.poll_write(start), Some(LeaseWrite::Acquire));
        assert_eq!(lease.poll_write(start), None, "one write in flight");
        lease.handle_outcome(start, WriteOutcome::Written { revision: 7 });
        assert_eq!(
            lease.poll_change(),
            Some(LeaseChange::Acquired { token: 7 })
        );
        assert_eq!(lease.token(start), Some(7));
    }

    #[test]
    fn renewals_keep_the_token_and_follow_the_revision() {
        let start = Instant::now();
        let mut lease = Lease::new(timings(), start);
        lease.poll_write(start);
        lease.handle_outcome(start, WriteOutcome::Written { revision: 7 });
        let renew_at = start + timings().renew_every;
        assert_eq!(lease.poll_write(renew_at - Duration::from_millis(1)), None);
        assert_eq!(
            lease.poll_write(renew_at),
            Some(LeaseWrite::Renew {
                expected_revision: 7
            })
        );
        lease.handle_outcome(renew_at, WriteOutcome::Written { revision: 12 });
        let next = renew_at + timings().renew_every;
        assert_eq!(
            lease.poll_write(next),
            Some(LeaseWrite::Renew {
                expected_revision: 12
            })
        );
        assert_eq!(lease.token(next), Some(7));
    }

    #[test]
    fn validity_counts_from_when_the_write_was_sent_not_answered() {
        let start = Instant::now();
        let mut lease = Lease::new(timings(), start);
        lease.poll_write(start);
        // The answer took two seconds: only the rest of the term is ours.
        let answered = start + Duration::from_secs(2);
        lease.handle_outcome(answered, WriteOutcome::Written { revision: 3 });
        let valid_until = start + TTL - timings().safety_margin;
        assert_eq!(lease.token(valid_until - Duration::from_millis(1)), Some(3));
        assert_eq!(lease.token(valid_until), None);
    }

    #[test]
    fn an_answer_later_than_the_term_acquires_nothing() {
        let start = Instant::now();
        let mut lease = Lease::new(timings(), start);
        lease.poll_write(start);
        lease.handle_outcome(start + TTL, WriteOutcome::Written { revision: 3 });
        assert_eq!(lease.poll_change(), None);
        assert_eq!(lease.token(start + TTL), None);
    }

    #[test]
    fn a_refused_renewal_loses_the_lease() {
        let start = Instant::now();
        let mut lease = Lease::new(timings(), start);
        lease.poll_write(start);
        lease.handle_outcome(start, WriteOutcome::Written { revision: 1 });
        lease.poll_change();
        let renew_at = start + timings().renew_every;
        lease.poll_write(renew_at);
        lease.handle_outcome(renew_at, WriteOutcome::Refused);
        assert_eq!(
            lease.poll_change(),
            Some(LeaseChange::Lost {
                token: 1,
                reason: LossReason::Refused
            })
        );
        assert_eq!(lease.token(renew_at), None);
    }

    #[test]
    fn a_holder_that_cannot_reach_the_bucket_loses_the_lease_when_its_term_ends() {
        let start = Instant::now();
        let mut lease = Lease::new(timings(), start);
        lease.poll_write(start);
        lease.handle_outcome(start, WriteOutcome::Written { revision: 1 });
        lease.poll_change();
        let mut now = start + timings().renew_every;
        while lease.token(now).is_some() {
            if lease.poll_write(now).is_some() {
                lease.handle_outcome(now, WriteOutcome::Unreachable);
            }
            now = lease.next_deadline();
            lease.handle_timeout(now);
        }
        assert_eq!(now, start + TTL - timings().safety_margin);
        assert_eq!(
            lease.poll_change(),
            Some(LeaseChange::Lost {
                token: 1,
                reason: LossReason::Expired
            })
        );
    }

    /// The bucket as the lease sees it: one key, a revision counter shared
    /// by every write (the stream's sequence), values that expire `ttl`
    /// after they were stored.
    struct SimulatedBucket {
        last_sequence: u64,
        value: Option<(u64, Instant)>,
    }

    impl SimulatedBucket {
        fn apply(&mut self, write: LeaseWrite, now: Instant) -> WriteOutcome {
            if matches!(self.value, Some((_, stored)) if now >= stored + TTL) {
                self.value = None;
            }
            let allowed = match write {
                LeaseWrite::Acquire => self.value.is_none(),
                LeaseWrite::Renew { expected_revision } => {
                    matches!(self.value, Some((revision, _)) if revision == expected_revision)
                }
            };
            if !allowed {
                return WriteOutcome::Refused;
            }
            self.last_sequence += 1;
            self.value = Some((self.last_sequence, now));
            WriteOutcome::Written {
                revision: self.last_sequence,
            }
        }
    }

    /// A write on its way: reaches the bucket at `arrives`, its answer
    /// reaches the node at `answered` (either may be lost).
    struct Message {
        node: usize,
        write: LeaseWrite,
        arrives: Instant,
        answered: Instant,
        outcome: Option<WriteOutcome>,
        request_lost: bool,
        answer_lost: bool,
    }

    /// Runs `nodes` leases for `steps` milliseconds against one bucket with
    /// random delays, lost messages and paused nodes; checks at every
    /// millisecond that at most one node holds the lease and that each
    /// new term's token is larger than every earlier one. Returns how many
    /// terms there were.
    fn simulate(seed: u64, nodes: usize, steps: u64) -> usize {
        let mut rng = StdRng::seed_from_u64(seed);
        let start = Instant::now();
        let mut bucket = SimulatedBucket {
            last_sequence: 0,
            value: None,
        };
        let mut leases: Vec<Lease> = (0..nodes).map(|_| Lease::new(timings(), start)).collect();
        let mut paused_until = vec![start; nodes];
        let mut messages: Vec<Message> = Vec::new();
        let mut terms: Vec<(usize, u64)> = Vec::new();
        for step in 0..steps {
            let now = start + Duration::from_millis(step);
            // Now and then a node stops (a long pause, a stopped process)
            // for up to twice the ttl, sending and hearing nothing.
            for paused in paused_until.iter_mut() {
                if now >= *paused && rng.gen_ratio(1, 4000) {
                    *paused = now + Duration::from_millis(rng.gen_range(0..6000));
                }
            }
            // Writes reach the bucket and answers reach their node.
            for message in messages.iter_mut() {
                if message.outcome.is_none() && now >= message.arrives {
                    message.outcome = Some(if message.request_lost {
                        WriteOutcome::Unreachable
                    } else {
                        bucket.apply(message.write, message.arrives)
                    });
                }
            }
            let mut still_going = Vec::new();
            for message in messages.drain(..) {
                let delivered = message.outcome.is_some()
                    && now >= message.answered
                    && now >= paused_until[message.node];
                if delivered {
                    let outcome = if message.answer_lost {
                        WriteOutcome::Unreachable
                    } else {
                        message.outcome.unwrap_or(WriteOutcome::Unreachable)
                    };
                    leases[message.node].handle_outcome(now, outcome);
                } else {
                    still_going.push(message);
                }
            }
            messages = still_going;
            for node in 0..nodes {
                if now < paused_until[node] {
                    continue;
                }
                if let Some(write) = leases[node].poll_write(now) {
                    let to_bucket = Duration::from_millis(rng.gen_range(0..400));
                    let back = Duration::from_millis(rng.gen_range(0..400));
                    messages.push(Message {
                        node,
                        write,
                        arrives: now + to_bucket,
                        answered: now + to_bucket + back,
                        outcome: None,
                        request_lost: rng.gen_ratio(1, 20),
                        answer_lost: rng.gen_ratio(1, 20),
                    });
                }
                while let Some(change) = leases[node].poll_change() {
                    if let LeaseChange::Acquired { token } = change {
                        if let Some((_, last)) = terms.last() {
                            assert!(
                                token > *last,
                                "seed {seed}: token {token} after {last} at {step} ms"
                            );
                        }
                        terms.push((node, token));
                    }
                }
            }
            let holders: Vec<usize> = (0..nodes)
                .filter(|node| leases[*node].token(now).is_some())
                .collect();
            assert!(
                holders.len() <= 1,
                "seed {seed}: nodes {holders:?} all hold the lease at {step} ms"
            );
        }
        terms.len()
    }

    #[test]
    fn randomized_interleavings_of_several_nodes_never_give_two_owners() {
        let mut total_terms = 0;
        for seed in 0..40 {
            let nodes = 2 + (seed as usize % 4);
            total_terms += simulate(seed, nodes, 60_000);
        }
        // The test means something only if the lease changed hands often.
        assert!(total_terms > 200, "only {total_terms} terms in 40 runs");
    }

    #[test]
    fn a_holder_that_stops_is_replaced_within_the_ttl_and_a_retry() {
        let start = Instant::now();
        let mut bucket = SimulatedBucket {
            last_sequence: 0,
            value: None,
        };
        let mut holder = Lease::new(timings(), start);
        let mut other = Lease::new(timings(), start + Duration::from_millis(1));
        let mut stopped_at = None;
        let mut taken_at = None;
        for step in 0..20_000u64 {
            let now = start + Duration::from_millis(step);
            if stopped_at.is_none() {
                if let Some(write) = holder.poll_write(now) {
                    let outcome = bucket.apply(write, now);
                    holder.handle_outcome(now, outcome);
                }
                if step == 5_000 {
                    stopped_at = Some(now);
                }
            }
            if let Some(write) = other.poll_write(now) {
                let outcome = bucket.apply(write, now);
                other.handle_outcome(now, outcome);
            }
            if other.token(now).is_some() && taken_at.is_none() {
                taken_at = Some(now);
            }
        }
        let (Some(stopped_at), Some(taken_at)) = (stopped_at, taken_at) else {
            panic!("the other node never took the lease");
        };
        assert!(taken_at - stopped_at <= TTL + timings().retry_every);
    }
}
