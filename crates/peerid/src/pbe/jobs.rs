//! Running independent key derivations of one PFX side by side, on several
//! threads: the MAC key under each password form first, then, once the MAC
//! has verified, every bag key (docs/design.md §4 step 4).
//!
//! Each derivation is a pure function of its parameters and a password form,
//! so duplicates (the same PBES2 bag under two PKCS#12 password forms) are
//! computed once.

use zeroize::Zeroizing;

use super::scheme::Scheme;
use crate::error::{Error, Result};
use crate::format::pfx::mac::MacParams;

/// Threads used for derivations, unless the machine has more cores.
const MAX_THREADS: usize = 8;

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

    fn derive(self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        match self {
            Work::Mac(m) => m.derive(password),
            Work::Bag(s) => s.derive(password),
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
    keys: Vec<Zeroizing<Vec<u8>>>,
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
        // One thread per job up to a cap, even past the core count: with
        // three equal jobs on two cores, three threads finish in 1.5 job
        // times where two threads would take 2.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // Under cfg(fuzzing) derivations are one round each, so spawning
        // threads would cost more than the work; one thread also keeps runs
        // reproducible.
        let threads = if cfg!(fuzzing) {
            1
        } else {
            self.jobs.len().min(cores.max(MAX_THREADS)).max(1)
        };
        #[cfg(test)]
        log::record(self.jobs.iter().map(|j| j.work.describe()));
        let jobs = &self.jobs;
        let run_share = move |t: usize| -> Vec<(usize, Result<Zeroizing<Vec<u8>>>)> {
            jobs.iter()
                .enumerate()
                .skip(t)
                .step_by(threads)
                .map(|(i, j)| (i, j.work.derive(j.password)))
                .collect()
        };
        let mut results: Vec<(usize, Result<Zeroizing<Vec<u8>>>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (1..threads)
                .map(|t| s.spawn(move || run_share(t)))
                .collect();
            let mut all = run_share(0);
            for h in handles {
                match h.join() {
                    Ok(r) => all.extend(r),
                    Err(_) => all.push((
                        usize::MAX,
                        Err(Error::failed("deriving PFX keys", "worker thread panicked")),
                    )),
                }
            }
            all
        });
        results.sort_by_key(|(i, _)| *i);
        let keys = results
            .into_iter()
            .map(|(_, r)| r)
            .collect::<Result<Vec<_>>>()?;
        Ok(Derived {
            jobs: self.jobs,
            keys,
        })
    }
}

impl Derived<'_> {
    /// The key derived for `work` with `password`, if that job was run.
    pub fn get(&self, work: Work<'_>, password: &[u8]) -> Option<&[u8]> {
        let i = self
            .jobs
            .iter()
            .position(|j| j.work.same(work) && j.password == password)?;
        self.keys.get(i).map(|k| k.as_slice())
    }
}

/// A record, per test thread, of every derivation [`Jobs::run`] started, in
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
