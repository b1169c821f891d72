//! Slowing down password guessing without letting a stranger lock anyone
//! out. Pure state, fed the current time; the login handler
//! (`http/auth.rs`) holds it behind a mutex.
//!
//! Three allowances, each with its own record:
//! - **per (account, address)**: [`FREE_PAIR_FAILURES`] failures, then a
//!   wait before each further attempt that doubles from 1 s up to
//!   [`MAX_WAIT`]. One address guessing one account meets this, and only
//!   that address waits: the owner elsewhere logs in as usual.
//! - **per address**, whatever the account: [`FREE_ADDRESS_FAILURES`],
//!   then the same doubling. An address trying many accounts (password
//!   spraying) meets this. An office behind one NAT shares it, hence the
//!   larger allowance. IPv6 addresses count by their /64, which one
//!   attacker typically holds whole.
//! - **per account, under a distributed attack**: once failures for one
//!   (existing) account come from [`DISTRIBUTED_ADDRESSES`] different
//!   addresses within [`MEMORY`], attempts on it from addresses it never
//!   logged in from get one turn per [`DISTRIBUTED_SPACING`], shared by all
//!   of them, for as long as the failures keep coming. Addresses the
//!   owner logged in from in the last [`KNOWN_FOR`] are not paced. No
//!   single address can start this.
//!
//! For a pair, an attempt is counted as a failure when it is admitted,
//! before the password is checked (argon2 takes tens of milliseconds), and
//! the count is given back if the password was right: a burst of parallel
//! requests cannot all slip in before the first failure is recorded. For an
//! address, attempts still being checked are counted apart (at most
//! [`MAX_PENDING_PER_ADDRESS`] at once) and only decided failures use up its
//! allowance: a hall of tablets behind one NAT logs in at once at the
//! start of a meeting, and right passwords must not lock it out. Records
//! are forgotten [`MEMORY`] after their last failure.
//!
//! **What this gives**, with the constants below (SECURITY.md repeats
//! it): one address against one account, about 18 guesses in the first
//! hour and 96 a day after; one address against every account, about 130
//! a day; a botnet of N addresses against one account, at most 7 x 107 a
//! day until the 8th address fails, then at most 1,440 a day however large
//! N is (one per minute), while the owner's own tablets and PCs are never
//! paced. Memory: at most [`MAX_PAIRS`] + [`MAX_ADDRESSES`] records (about
//! 150 bytes each, so some 20 MB when full) plus one per existing account;
//! when a table is full its oldest eighth is forgotten.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Failures allowed per (account, address) before waits begin.
pub const FREE_PAIR_FAILURES: u32 = 5;
/// Failures allowed per address (all accounts) before waits begin.
pub const FREE_ADDRESS_FAILURES: u32 = 30;
/// The longest wait one record imposes.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// A record is forgotten this long after its last failure.
pub const MEMORY: Duration = Duration::from_secs(24 * 3600);
/// Different failing addresses that put an account under distributed
/// attack.
pub const DISTRIBUTED_ADDRESSES: usize = 8;
/// Under distributed attack: the time between two attempts from unknown
/// addresses.
pub const DISTRIBUTED_SPACING: Duration = Duration::from_secs(60);
/// How long an address the owner logged in from stays known.
pub const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Known addresses kept per account (the most recent).
pub const KNOWN_PER_ACCOUNT: usize = 8;
/// Attempts from one address whose passwords are being checked at once;
/// one more waits a second. Sized for a hall of tablets behind one NAT.
pub const MAX_PENDING_PER_ADDRESS: u32 = 128;
/// An attempt admitted this long ago without an outcome (its request
/// failed for another reason) no longer counts as pending.
pub const PENDING_FOR: Duration = Duration::from_secs(60);
/// Bounds on the tables.
pub const MAX_PAIRS: usize = 65_536;
pub const MAX_ADDRESSES: usize = 65_536;

/// An address as it is counted: IPv4 whole, IPv6 by its /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Network(u128);

impl Network {
    pub fn of(address: IpAddr) -> Network {
        match address {
            IpAddr::V4(v4) => Network(u128::from(u32::from(v4))),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Network(u128::from(u32::from(v4))),
                None => Network((u128::from(v6) >> 64 << 64) | (1 << 32)),
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    /// Addresses only: attempts admitted whose outcome is not known yet,
    /// and when the last was admitted.
    pending: u32,
    admitted_at: Instant,
}

impl Failures {
    fn new(now: Instant) -> Failures {
        Failures {
            count: 0,
            last: now,
            pending: 0,
            admitted_at: now,
        }
    }

    /// How long to wait from `now`, given `free` failures allowed.
    fn wait(&self, free: u32, now: Instant) -> Option<Duration> {
        if self.count < free {
            return None;
        }
        let exponent = (self.count - free).min(10);
        let wait = Duration::from_secs(1 << exponent).min(MAX_WAIT);
        let ready_at = self.last + wait;
        (ready_at > now).then(|| ready_at - now)
    }
}

#[derive(Debug, Default, Clone)]
struct AccountRecord {
    /// Addresses that failed on this account recently, with their last
    /// failure (at most `DISTRIBUTED_ADDRESSES`).
    failing: Vec<(Network, Instant)>,
    /// Addresses the owner logged in from, with the last success.
    known: Vec<(Network, Instant)>,
    /// The last attempt admitted from an unknown address while under
    /// distributed attack.
    last_paced_attempt: Option<Instant>,
}

impl AccountRecord {
    fn under_attack(&self, now: Instant) -> bool {
        self.failing
            .iter()
            .filter(|(_, last)| now.saturating_duration_since(*last) < MEMORY)
            .count()
            >= DISTRIBUTED_ADDRESSES
    }

    fn knows(&self, network: Network, now: Instant) -> bool {
        self.known
            .iter()
            .any(|(known, at)| *known == network && now.saturating_duration_since(*at) < KNOWN_FOR)
    }
}

/// An attempt that was let through: it counts as a failure until
/// [`LoginThrottle::succeeded`] says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    /// This attempt, if it fails, is the one that starts the waits for
    /// this pair or this account (worth reporting once; the address's are
    /// reported by [`LoginThrottle::failed`]).
    pub starts_throttling: bool,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    pairs: HashMap<(String, Network), Failures>,
    addresses: HashMap<Network, Failures>,
    /// Only accounts that exist: their number bounds this table.
    accounts: HashMap<String, AccountRecord>,
}

impl LoginThrottle {
    /// Lets an attempt at `account` from `address` through, counting it
    /// as a failure for now, or says how long to wait. `account_exists`
    /// says whether the account is real (only real accounts are watched
    /// for distributed attacks; unknown names are otherwise treated alike,
    /// so waits do not tell which names exist).
    pub fn admit(
        &mut self,
        account: &str,
        address: IpAddr,
        account_exists: bool,
        now: Instant,
    ) -> Result<Admitted, Duration> {
        let network = Network::of(address);
        let pair_key = (account.to_owned(), network);
        // Records a day old are forgotten, whatever their count.
        let stale = |record: &Failures| now.saturating_duration_since(record.last) >= MEMORY;
        if self.pairs.get(&pair_key).is_some_and(stale) {
            self.pairs.remove(&pair_key);
        }
        if self
            .addresses
            .get(&network)
            .is_some_and(|record| stale(record) && record.pending == 0)
        {
            self.addresses.remove(&network);
        }
        if let Some(record) = self.addresses.get_mut(&network) {
            if now.saturating_duration_since(record.admitted_at) >= PENDING_FOR {
                record.pending = 0;
            }
        }
        let too_many_pending = self
            .addresses
            .get(&network)
            .is_some_and(|record| record.pending >= MAX_PENDING_PER_ADDRESS)
            .then_some(Duration::from_secs(1));
        let waits = [
            self.pairs
                .get(&pair_key)
                .and_then(|record| record.wait(FREE_PAIR_FAILURES, now)),
            self.addresses
                .get(&network)
                .and_then(|record| record.wait(FREE_ADDRESS_FAILURES, now)),
            too_many_pending,
            self.paced_wait(account, network, now),
        ];
        if let Some(wait) = waits.into_iter().flatten().max() {
            return Err(wait);
        }

        self.forget_if_full(now);
        let pair = self
            .pairs
            .entry(pair_key)
            .or_insert_with(|| Failures::new(now));
        pair.count += 1;
        pair.last = now;
        let mut starts_throttling = pair.count == FREE_PAIR_FAILURES;
        let by_address = self
            .addresses
            .entry(network)
            .or_insert_with(|| Failures::new(now));
        by_address.pending += 1;
        by_address.admitted_at = now;
        if account_exists {
            let record = self.accounts.entry(account.to_owned()).or_default();
            let was_under_attack = record.under_attack(now);
            if was_under_attack && !record.knows(network, now) {
                record.last_paced_attempt = Some(now);
            }
            record
                .failing
                .retain(|(_, last)| now.saturating_duration_since(*last) < MEMORY);
            let known = record
                .failing
                .iter()
                .position(|(failing, _)| *failing == network);
            match known {
                Some(index) => record.failing[index].1 = now,
                None if record.failing.len() < DISTRIBUTED_ADDRESSES => {
                    record.failing.push((network, now))
                }
                None => {
                    // Keep the most recent ones.
                    if let Some(oldest) = record.failing.iter_mut().min_by_key(|(_, last)| *last) {
                        *oldest = (network, now);
                    }
                }
            }
            starts_throttling |= !was_under_attack && record.under_attack(now);
        }
        Ok(Admitted { starts_throttling })
    }

    /// The admitted attempt had a wrong password (or an unknown or
    /// disabled account): it uses up one of the address's free failures.
    /// True when this is the failure that starts the address's waits.
    pub fn failed(&mut self, address: IpAddr, now: Instant) -> bool {
        let record = self
            .addresses
            .entry(Network::of(address))
            .or_insert_with(|| Failures::new(now));
        record.pending = record.pending.saturating_sub(1);
        record.count += 1;
        record.last = now;
        record.count == FREE_ADDRESS_FAILURES
    }

    /// The admitted attempt had the right password (and an enabled
    /// account): its provisional failure is given back, the pair's record
    /// cleared, and the address remembered as the owner's. The address's
    /// failures stay: one right password must not hide a guessing
    /// campaign from there.
    pub fn succeeded(&mut self, account: &str, address: IpAddr, now: Instant) {
        let network = Network::of(address);
        self.pairs.remove(&(account.to_owned(), network));
        if let Some(record) = self.addresses.get_mut(&network) {
            record.pending = record.pending.saturating_sub(1);
            if record.count == 0 && record.pending == 0 {
                self.addresses.remove(&network);
            }
        }
        if let Some(record) = self.accounts.get_mut(account) {
            record.failing.retain(|(failing, _)| *failing != network);
            record.known.retain(|(known, at)| {
                *known != network && now.saturating_duration_since(*at) < KNOWN_FOR
            });
            record.known.push((network, now));
            if record.known.len() > KNOWN_PER_ACCOUNT {
                record.known.remove(0);
            }
        }
    }

    /// Under distributed attack, an unknown address waits for the
    /// account's next turn.
    fn paced_wait(&self, account: &str, network: Network, now: Instant) -> Option<Duration> {
        let record = self.accounts.get(account)?;
        if !record.under_attack(now) || record.knows(network, now) {
            return None;
        }
        let ready_at = record.last_paced_attempt? + DISTRIBUTED_SPACING;
        (ready_at > now).then(|| ready_at - now)
    }

    /// How many records the tables hold (for tests and the module's
    /// memory bound).
    pub fn records(&self) -> usize {
        self.pairs.len() + self.addresses.len() + self.accounts.len()
    }

    /// Forgets expired records when a table is full, and then, if it is
    /// still full, its oldest eighth.
    fn forget_if_full(&mut self, now: Instant) {
        fn trim<K: Clone + Eq + std::hash::Hash>(
            table: &mut HashMap<K, Failures>,
            limit: usize,
            now: Instant,
        ) {
            if table.len() < limit {
                return;
            }
            table.retain(|_, record| now.saturating_duration_since(record.last) < MEMORY);
            if table.len() < limit {
                return;
            }
            let mut ages: Vec<Instant> = table.values().map(|record| record.last).collect();
            let cut = ages.len() / 8;
            ages.select_nth_unstable(cut);
            let threshold = ages[cut];
            table.retain(|_, record| record.last > threshold);
        }
        trim(&mut self.pairs, MAX_PAIRS, now);
        trim(&mut self.addresses, MAX_ADDRESSES, now);
        if self.accounts.len() > 4 * MAX_PAIRS {
            // Only existing accounts get records, so this never happens
            // short of a quarter million accounts; the bound is kept anyway.
            self.accounts.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// Tries and fails once; returns the wait if refused.
    fn fail(
        throttle: &mut LoginThrottle,
        account: &str,
        from: &str,
        now: Instant,
    ) -> Result<Admitted, Duration> {
        let admitted = throttle.admit(account, address(from), true, now)?;
        throttle.failed(address(from), now);
        Ok(admitted)
    }

    #[test]
    fn five_failures_from_one_address_slow_down_the_sixth_attempt_there_only() {
        let mut throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 1..=FREE_PAIR_FAILURES {
            let admitted = fail(&mut throttle, "chutri", "10.0.0.7", now).unwrap();
            assert_eq!(admitted.starts_throttling, n == FREE_PAIR_FAILURES);
        }
        let wait = fail(&mut throttle, "chutri", "10.0.0.7", now).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        // The owner, at their own desk, is not affected.
        assert!(fail(&mut throttle, "chutri", "10.0.0.20", now).is_ok());
        throttle.succeeded("chutri", address("10.0.0.20"), now);
    }

    #[test]
    fn waits_double_up_to_fifteen_minutes_and_end_when_waited_out() {
        let mut throttle = LoginThrottle::default();
        let mut now = Instant::now();
        for _ in 0..FREE_PAIR_FAILURES {
            fail(&mut throttle, "a", "10.0.0.7", now).unwrap();
        }
        let mut waits = Vec::new();
        for _ in 0..14 {
            let wait = fail(&mut throttle, "a", "10.0.0.7", now).unwrap_err();
            waits.push(wait.as_secs());
            now += wait;
            fail(&mut throttle, "a", "10.0.0.7", now).unwrap();
        }
        assert_eq!(
            waits,
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900]
        );
    }

    #[test]
    fn a_day_without_failures_forgets_an_address() {
        let mut throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..FREE_PAIR_FAILURES + 3 {
            let _ = fail(&mut throttle, "a", "10.0.0.7", now);
        }
        // Waiting out the longest wait lets one attempt through, but the
        // count stands: the next one waits again.
        assert!(fail(&mut throttle, "a", "10.0.0.7", now + MAX_WAIT).is_ok());
        assert!(fail(&mut throttle, "a", "10.0.0.7", now + MAX_WAIT).is_err());
        // A day after the last failure the address starts over.
        let next_day = now + MAX_WAIT + MEMORY;
        for _ in 0..FREE_PAIR_FAILURES {
            fail(&mut throttle, "a", "10.0.0.7", next_day).unwrap();
        }
        assert!(fail(&mut throttle, "a", "10.0.0.7", next_day).is_err());
    }

    #[test]
    fn one_address_trying_many_accounts_is_slowed_down_after_thirty() {
        let mut throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..FREE_ADDRESS_FAILURES {
            fail(&mut throttle, &format!("user{n}"), "10.0.0.9", now).unwrap();
        }
        assert!(fail(&mut throttle, "someone-else", "10.0.0.9", now).is_err());
        // Another address is not.
        assert!(fail(&mut throttle, "someone-else", "10.0.0.10", now).is_ok());
    }

    #[test]
    fn ipv6_addresses_count_by_their_slash_64() {
        let mut throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..FREE_PAIR_FAILURES {
            let from = format!("2001:db8:1:2::{n:x}");
            fail(&mut throttle, "a", &from, now).unwrap();
        }
        assert!(fail(&mut throttle, "a", "2001:db8:1:2:ffff::1", now).is_err());
        assert!(fail(&mut throttle, "a", "2001:db8:1:3::1", now).is_ok());
        assert_eq!(
            Network::of(address("::ffff:10.0.0.7")),
            Network::of(address("10.0.0.7"))
        );
    }

    #[test]
    fn a_right_password_gives_its_attempt_back_and_clears_only_its_pair() {
        let mut throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..FREE_PAIR_FAILURES - 1 {
            fail(&mut throttle, "thuky", "10.0.0.7", now).unwrap();
        }
        throttle
            .admit("thuky", address("10.0.0.7"), true, now)
            .unwrap();
        throttle.succeeded("thuky", address("10.0.0.7"), now);
        // The pair starts over: five more tries before any wait.
        for _ in 0..FREE_PAIR_FAILURES {
            fail(&mut throttle, "thuky", "10.0.0.7", now).unwrap();
        }
        assert!(fail(&mut throttle, "thuky", "10.0.0.7", now).is_err());
        // The address keeps the earlier failures (4 + 5 = 9 counted).
        assert_eq!(
            throttle.addresses[&Network::of(address("10.0.0.7"))].count,
            9
        );
    }

    #[test]
    fn parallel_attempts_are_counted_before_their_passwords_are_checked() {
        // Ten requests arrive together: each is admitted or refused at
        // once, before any argon2 result is known.
        let mut throttle = LoginThrottle::default();
        let now = Instant::now();
        let admitted = (0..10)
            .filter(|_| fail(&mut throttle, "a", "10.0.0.7", now).is_ok())
            .count();
        assert_eq!(admitted as u32, FREE_PAIR_FAILURES);
    }

    #[test]
    fn a_hall_of_tablets_logging_in_at_once_behind_one_address_is_not_slowed() {
        // 100 delegates press "Đăng nhập" together from one NAT: all are
        // admitted while their passwords are checked, and all succeed.
        let mut throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..100 {
            throttle
                .admit(&format!("daibieu{n}"), address("10.0.0.7"), true, now)
                .unwrap();
        }
        for n in 0..100 {
            throttle.succeeded(&format!("daibieu{n}"), address("10.0.0.7"), now);
        }
        assert!(throttle.addresses.is_empty());
    }

    #[test]
    fn parallel_guesses_over_many_accounts_from_one_address_are_capped() {
        let mut throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..MAX_PENDING_PER_ADDRESS {
            throttle
                .admit(&format!("user{n}"), address("10.0.0.9"), false, now)
                .unwrap();
        }
        let wait = throttle
            .admit("one-more", address("10.0.0.9"), false, now)
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        // Once they are decided as failures, the address's allowance is
        // spent and the waits begin.
        for _ in 0..MAX_PENDING_PER_ADDRESS {
            throttle.failed(address("10.0.0.9"), now);
        }
        assert!(throttle
            .admit("one-more", address("10.0.0.9"), false, now)
            .is_err());
        // Attempts whose outcome never came stop counting after a minute.
        let mut stuck = LoginThrottle::default();
        for n in 0..MAX_PENDING_PER_ADDRESS {
            stuck
                .admit(&format!("user{n}"), address("10.0.0.8"), false, now)
                .unwrap();
        }
        assert!(stuck
            .admit("later", address("10.0.0.8"), false, now + PENDING_FOR)
            .is_ok());
    }

    #[test]
    fn a_botnet_paces_unknown_addresses_but_never_the_owners_known_one() {
        let mut throttle = LoginThrottle::default();
        let start = Instant::now();
        // The owner logged in from their PC yesterday.
        throttle
            .admit("chutri", address("10.1.0.1"), true, start)
            .unwrap();
        throttle.succeeded("chutri", address("10.1.0.1"), start);
        let now = start + Duration::from_secs(3600);
        // Seven addresses guess freely (each within its own allowance).
        for bot in 1..DISTRIBUTED_ADDRESSES {
            fail(&mut throttle, "chutri", &format!("192.0.2.{bot}"), now).unwrap();
        }
        assert!(throttle
            .paced_wait("chutri", Network::of(address("192.0.2.99")), now)
            .is_none());
        // The eighth starts the pacing.
        let eighth = fail(&mut throttle, "chutri", "192.0.2.8", now).unwrap();
        assert!(eighth.starts_throttling);
        let first = fail(&mut throttle, "chutri", "192.0.2.100", now).unwrap();
        assert!(!first.starts_throttling);
        // Now every unknown address shares one turn a minute.
        let wait = fail(&mut throttle, "chutri", "192.0.2.101", now).unwrap_err();
        assert_eq!(wait, DISTRIBUTED_SPACING);
        let later = now + DISTRIBUTED_SPACING;
        assert!(fail(&mut throttle, "chutri", "192.0.2.102", later).is_ok());
        assert!(fail(&mut throttle, "chutri", "192.0.2.103", later).is_err());
        // The owner's PC is never paced.
        for _ in 0..3 {
            let admitted = throttle.admit("chutri", address("10.1.0.1"), true, later);
            assert!(admitted.is_ok());
            throttle.succeeded("chutri", address("10.1.0.1"), later);
        }
        // Other accounts are not affected.
        assert!(fail(&mut throttle, "thuky", "192.0.2.104", later).is_ok());
    }

    #[test]
    fn a_botnet_gets_at_most_one_guess_a_minute_whatever_its_size() {
        // 10,000 addresses, each trying once every second for an hour.
        let mut throttle = LoginThrottle::default();
        let start = Instant::now();
        let mut admitted = 0u32;
        let mut seed: u64 = 2026;
        for second in 0..3600u64 {
            let now = start + Duration::from_secs(second);
            for _ in 0..3 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let bot = (seed >> 33) % 10_000;
                let from = IpAddr::from(std::net::Ipv4Addr::from(0x0A00_0000 + bot as u32));
                if throttle.admit("chutri", from, true, now).is_ok() {
                    admitted += 1;
                }
            }
        }
        // Seven free rounds before the eighth address, then one a minute.
        assert!(admitted <= 7 * FREE_PAIR_FAILURES + 61, "{admitted}");
    }

    #[test]
    fn one_address_alone_never_paces_an_account_for_others() {
        let mut throttle = LoginThrottle::default();
        let mut now = Instant::now();
        for _ in 0..500 {
            match fail(&mut throttle, "chutri", "192.0.2.1", now) {
                Ok(_) => {}
                Err(wait) => now += wait,
            }
        }
        assert!(throttle
            .admit("chutri", address("10.0.0.2"), true, now)
            .is_ok());
    }

    #[test]
    fn unknown_account_names_get_the_same_waits_as_real_ones() {
        let mut throttle = LoginThrottle::default();
        let now = Instant::now();
        let mut outcomes = Vec::new();
        for exists in [true, false] {
            let name = if exists { "real" } else { "made-up" };
            let waits: Vec<bool> = (0..8)
                .map(|_| {
                    throttle
                        .admit(name, address("10.0.0.1"), exists, now)
                        .is_ok()
                })
                .collect();
            outcomes.push(waits);
        }
        assert_eq!(outcomes[0], outcomes[1]);
        assert!(!throttle.accounts.contains_key("made-up"));
    }

    #[test]
    fn the_tables_stay_bounded_under_a_flood_of_addresses() {
        let mut throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..(MAX_ADDRESSES as u32 + 20_000) {
            let from = IpAddr::from(std::net::Ipv4Addr::from(0x0B00_0000 + n));
            let _ = throttle.admit("x", from, false, now + Duration::from_millis(u64::from(n)));
        }
        assert!(throttle.pairs.len() <= MAX_PAIRS);
        assert!(throttle.addresses.len() <= MAX_ADDRESSES);
    }
}
