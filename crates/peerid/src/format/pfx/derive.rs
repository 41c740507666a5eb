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
use crate::pbe::jobs::{self, Cancel, Stopped, Task};
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
        self.run_until(|_, _| false)
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
