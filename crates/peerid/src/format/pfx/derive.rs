//! The key derivations of one PFX, run side by side by [`crate::pbe::jobs`]:
//! the MAC key under each password form first, then, once the MAC has
//! verified, every bag key (docs/design.md §4 step 4).
//!
//! Each derivation is a pure function of its parameters and a password form,
//! so duplicates (the same PBES2 bag under two PKCS#12 password forms) are
//! computed once.

use zeroize::Zeroizing;

use super::mac::MacParams;
use crate::error::Result;
use crate::pbe::jobs::{self, Cancel, Handoff, Stopped, Task};
use crate::pbe::scheme::Scheme;

/// What to derive a key for.
#[derive(Clone, Copy)]
pub(crate) enum Work<'a> {
    /// The MAC key (PKCS#12 KDF, ID 3).
    Mac(&'a MacParams),
    /// The key (and IV) of one encrypted bag or SafeContents.
    Bag(&'a Scheme),
}

impl Work<'_> {
    fn same(self, other: Self) -> bool {
        match (self, other) {
            (Work::Mac(a), Work::Mac(b)) => std::ptr::eq(a, b),
            (Work::Bag(a), Work::Bag(b)) => std::ptr::eq(a, b),
            _ => false,
        }
    }

    #[cfg(test)]
    fn describe(self) -> (&'static str, u64) {
        match self {
            Work::Mac(m) => ("mac", m.iterations),
            Work::Bag(s) => ("bag", s.iterations()),
        }
    }

    /// About how long the derivation takes, in SHA-256 compressions.
    fn cost(self) -> u64 {
        match self {
            Work::Mac(m) => m.iterations.saturating_mul(m.digest.weight()),
            Work::Bag(s) => s.iterations().saturating_mul(s.cost_per_iteration()),
        }
    }

    fn derive(
        self,
        password: &[u8],
        cancel: &Cancel,
    ) -> std::result::Result<Zeroizing<Vec<u8>>, Stopped> {
        match self {
            Work::Mac(m) => m.derive(password, cancel),
            Work::Bag(s) => s.derive(password, cancel),
        }
    }
}

struct Job<'a> {
    work: Work<'a>,
    password: &'a [u8],
}

/// A set of derivations to run.
#[derive(Default)]
pub(crate) struct Jobs<'a> {
    jobs: Vec<Job<'a>>,
}

/// The results of [`Jobs::run`].
pub(crate) struct Derived<'a> {
    jobs: Vec<Job<'a>>,
    keys: Vec<Option<Zeroizing<Vec<u8>>>>,
}

impl<'a> Jobs<'a> {
    /// Add one derivation, unless the same one is already there.
    pub fn add(&mut self, work: Work<'a>, password: &'a [u8]) {
        if !self
            .jobs
            .iter()
            .any(|j| j.work.same(work) && j.password == password)
        {
            self.jobs.push(Job { work, password });
        }
    }

    /// Run every derivation, spread over the available cores.
    ///
    /// # Errors
    /// The first error of any derivation.
    pub fn run(self) -> Result<Derived<'a>> {
        if jobs::cores() == 2
            && !cfg!(fuzzing)
            && let [a, b, m] = self.jobs.as_slice()
            && let (Work::Bag(_), Work::Bag(_), Work::Mac(mac)) = (a.work, b.work, m.work)
        {
            return self.run_split(mac);
        }
        self.run_until(|_, _| false)
    }

    /// An export's three derivations on two cores, in two equal shares:
    /// one thread derives the first part of the MAC key's chain and then
    /// the second bag's key; the other the first bag's key and then the
    /// rest of the MAC chain, handed over between them. Three threads on
    /// two cores do not share them out evenly: the scheduler tends to leave
    /// one bag alone on a core and the other two on the other, so that the
    /// export took a bag and the MAC one after the other (1.8 M SHA-256
    /// compressions at 600,000 iterations) instead of 1.5 M.
    fn run_split(self, mac: &MacParams) -> Result<Derived<'a>> {
        let rounds = mac.rounds()?;
        let [a, b, m] = self.jobs.as_slice() else {
            return self.run_until(|_, _| false);
        };
        if rounds == 0 {
            return self.run_until(|_, _| false);
        }
        #[cfg(test)]
        log::record(self.jobs.iter().map(|j| j.work.describe()));
        // The MAC rounds `first` (its chain's start included) on thread 0,
        // so that both threads do the same work: first + b = a + rest.
        let weight = mac.digest.weight().max(1);
        let (ca, cb) = (a.work.cost() / weight, b.work.cost() / weight);
        let first = (u64::from(rounds) + ca).saturating_sub(cb) / 2;
        let first = first.min(u64::from(rounds)).max(1) as u32;
        let handoff = Handoff::default();
        let tasks: Vec<Task<'_>> = vec![
            // Thread 0: the MAC chain's first part, then bag b.
            Box::new(|cancel| {
                let giver = handoff.giver();
                let mut chain = mac.chain_start(m.password)?;
                mac.chain_advance(&mut chain, first - 1, cancel)?;
                giver.give(chain);
                Ok(Zeroizing::new(Vec::new()))
            }),
            // Thread 1: bag a, then the rest of the MAC chain.
            Box::new(|cancel| a.work.derive(a.password, cancel)),
            Box::new(|cancel| b.work.derive(b.password, cancel)),
            Box::new(|cancel| {
                let mut chain = handoff.take(cancel)?;
                mac.chain_advance(&mut chain, rounds - first, cancel)?;
                Ok(chain)
            }),
        ];
        let mut keys = jobs::run_on(2, &tasks, &|_, _| false)?;
        drop(tasks);
        let mut key = |i: usize| keys.get_mut(i).and_then(Option::take);
        let keys = vec![key(1), key(2), key(3)];
        Ok(Derived {
            jobs: self.jobs,
            keys,
        })
    }

    /// [`Jobs::run`], stopping the derivations still running as soon as
    /// `done` returns true for one that finished: their keys are then
    /// missing from the result ([`Derived::get`] gives `None`).
    ///
    /// # Errors
    /// The first error of any derivation.
    pub fn run_until(self, done: impl Fn(Work<'_>, &[u8]) -> bool + Sync) -> Result<Derived<'a>> {
        #[cfg(test)]
        log::record(self.jobs.iter().map(|j| j.work.describe()));
        let tasks: Vec<Task<'_>> = self
            .jobs
            .iter()
            .map(|j| -> Task<'_> { Box::new(move |cancel| j.work.derive(j.password, cancel)) })
            .collect();
        let jobs = &self.jobs;
        let keys = jobs::run(&tasks, &|i, key| done(jobs[i].work, key))?;
        drop(tasks);
        Ok(Derived {
            jobs: self.jobs,
            keys,
        })
    }
}

impl Derived<'_> {
    /// The key derived for `work` with `password`, if that job was run to
    /// its end.
    pub fn get(&self, work: Work<'_>, password: &[u8]) -> Option<&[u8]> {
        let i = self
            .jobs
            .iter()
            .position(|j| j.work.same(work) && j.password == password)?;
        self.keys.get(i)?.as_deref().map(|k| k.as_slice())
    }
}

/// A record, per test thread, of every derivation [`Jobs::run`] was given, in
/// order, as (`"mac"` or `"bag"`, declared iteration count), so that tests
/// can check which work a decode did.
#[cfg(test)]
pub(crate) mod log {
    use std::cell::RefCell;

    type Run = Vec<(&'static str, u64)>;

    thread_local! {
        static DERIVATIONS: RefCell<Run> = const { RefCell::new(Vec::new()) };
        static RUNS: RefCell<Vec<Run>> = const { RefCell::new(Vec::new()) };
    }

    pub(super) fn record(jobs: impl Iterator<Item = (&'static str, u64)>) {
        let run: Run = jobs.collect();
        DERIVATIONS.with(|d| d.borrow_mut().extend(run.iter().copied()));
        RUNS.with(|r| r.borrow_mut().push(run));
    }

    /// The derivations started on this thread since the last call, one list
    /// per [`super::Jobs::run`]: the ones that ran side by side.
    pub(crate) fn take_runs() -> Vec<Run> {
        RUNS.with(|r| std::mem::take(&mut *r.borrow_mut()))
    }

    /// The derivations started on this thread since the last call.
    pub(crate) fn take() -> Vec<(&'static str, u64)> {
        DERIVATIONS.with(|d| std::mem::take(&mut *d.borrow_mut()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::pfx::mac::MacDigest;

    /// The split schedule (taken on two cores only) gives the keys that one
    /// derivation per thread gives, for uneven bags and every MAC digest.
    #[test]
    fn the_split_export_schedule_derives_the_same_keys() {
        let key_bag = Scheme::new_modern(3000).expect("scheme");
        let cert_bag = Scheme::new_legacy(700).expect("scheme");
        for digest in [MacDigest::Sha1, MacDigest::Sha256, MacDigest::Sha512] {
            for iterations in [1, 2, 5000] {
                let mac = MacParams::for_writing(digest, vec![3; 8], iterations);
                let jobs = || {
                    let mut jobs = Jobs::default();
                    jobs.add(Work::Bag(&key_bag), b"utf8");
                    jobs.add(Work::Bag(&cert_bag), b"\0b\0m\0p\0\0");
                    jobs.add(Work::Mac(&mac), b"\0b\0m\0p\0\0");
                    jobs
                };
                let split = jobs().run_split(&mac).expect("split");
                let plain = jobs().run_until(|_, _| false).expect("plain");
                for (work, password) in [
                    (Work::Bag(&key_bag), &b"utf8"[..]),
                    (Work::Bag(&cert_bag), b"\0b\0m\0p\0\0"),
                    (Work::Mac(&mac), b"\0b\0m\0p\0\0"),
                ] {
                    let (s, p) = (split.get(work, password), plain.get(work, password));
                    assert!(s.is_some_and(|k| !k.is_empty()));
                    assert_eq!(s, p, "{digest:?} {iterations}");
                }
            }
        }
    }
}
