//! Running independent key derivations side by side, on several threads,
//! with cancellation: a PFX derives its MAC key under each password form
//! first, then, once the MAC has verified, every bag key (docs/design.md §4
//! step 4); a sealed key would derive one key, or several candidates.
//!
//! Each derivation is a task that returns its key or stops early when the
//! run is cancelled. A run is cancelled when a task fails (its error is the
//! run's), or when the caller's `done` says that a finished key is the one
//! it wanted (the other candidates are then not needed).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Threads used for derivations, unless the machine has more cores.
const MAX_THREADS: usize = 8;

/// How many iterations the derivation loops run between two looks at their
/// [`Cancel`]: at about 60 ns an iteration, a cancelled derivation stops
/// within a quarter of a millisecond, and the check costs nothing
/// measurable.
pub(crate) const CHECK_EVERY: u32 = 4096;

/// A flag that asks running derivations to stop.
#[derive(Debug, Default)]
pub(crate) struct Cancel(AtomicBool);

impl Cancel {
    /// A flag that is not set.
    pub(crate) const fn new() -> Self {
        Self(AtomicBool::new(false))
    }

    /// Ask every derivation that watches this flag to stop.
    pub(crate) fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::set`] was called.
    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A derivation stopped because its [`Cancel`] was set; its output holds
/// nothing derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cancelled;

/// Why a task returned no key.
#[derive(Debug)]
pub(crate) enum Stopped {
    /// The run was cancelled.
    Cancelled,
    /// The derivation failed.
    Failed(Error),
}

impl From<Cancelled> for Stopped {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

impl From<Error> for Stopped {
    fn from(e: Error) -> Self {
        Self::Failed(e)
    }
}

/// One derivation: a pure function of its parameters that watches the
/// run's [`Cancel`].
pub(crate) type Task<'a> =
    Box<dyn Fn(&Cancel) -> std::result::Result<Zeroizing<Vec<u8>>, Stopped> + Send + Sync + 'a>;

/// The number of cores this process may use, read once (the standard
/// library reads the cgroup's CPU quota files on every call).
pub(crate) fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Run every task, one thread each (up to a cap), and return their keys in
/// task order: `None` for a task cancelled because `done` returned true for
/// another task's key. `done(i, key)` is called on the thread that derived
/// the key, as soon as task `i` finishes.
///
/// One thread per task, even past the core count: with three equal tasks on
/// two cores, three threads finish in 1.5 task times where two threads
/// would take 2.
///
/// # Errors
/// The first error of any task (the others are cancelled).
pub(crate) fn run(
    tasks: &[Task<'_>],
    done: &(dyn Fn(usize, &[u8]) -> bool + Sync),
) -> Result<Vec<Option<Zeroizing<Vec<u8>>>>> {
    run_on(tasks.len().min(cores().max(MAX_THREADS)), tasks, done)
}

/// [`run`] on `threads` threads: thread `t` runs tasks `t`, `t + threads`,
/// `t + 2 × threads`, ... in that order, so that a caller can plan which
/// tasks share a thread (a task may wait for another one's result).
///
/// # Errors
/// The first error of any task (the others are cancelled).
pub(crate) fn run_on(
    threads: usize,
    tasks: &[Task<'_>],
    done: &(dyn Fn(usize, &[u8]) -> bool + Sync),
) -> Result<Vec<Option<Zeroizing<Vec<u8>>>>> {
    // Under cfg(fuzzing) derivations are one round each, so spawning
    // threads would cost more than the work; one thread also keeps runs
    // reproducible.
    let threads = if cfg!(fuzzing) { 1 } else { threads.max(1) };
    let cancel = Cancel::new();
    type Outcome = std::result::Result<Zeroizing<Vec<u8>>, Stopped>;
    let run_share = |t: usize| -> Vec<(usize, Outcome)> {
        let mut out = Vec::new();
        for (i, task) in tasks.iter().enumerate().skip(t).step_by(threads) {
            let outcome = if cancel.is_set() {
                Err(Stopped::Cancelled)
            } else {
                task(&cancel)
            };
            match &outcome {
                Ok(key) if done(i, key) => cancel.set(),
                Err(Stopped::Failed(_)) => cancel.set(),
                _ => {}
            }
            out.push((i, outcome));
        }
        out
    };
    let mut results: Vec<(usize, Outcome)> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads)
            .map(|t| s.spawn(move || run_share(t)))
            .collect();
        let mut all = run_share(0);
        for h in handles {
            match h.join() {
                Ok(r) => all.extend(r),
                Err(_) => all.push((
                    usize::MAX,
                    Err(Stopped::Failed(Error::failed(
                        "deriving keys",
                        "worker thread panicked",
                    ))),
                )),
            }
        }
        all
    });
    results.sort_by_key(|(i, _)| *i);
    let mut keys = Vec::with_capacity(tasks.len());
    for (_, outcome) in results {
        match outcome {
            Ok(key) => keys.push(Some(key)),
            Err(Stopped::Cancelled) => keys.push(None),
            Err(Stopped::Failed(e)) => return Err(e),
        }
    }
    Ok(keys)
}

/// A value one task hands to another that may run on another thread (a
/// chain part-way along, continued elsewhere). If the giving side ends
/// without giving (an error, a cancellation, a panic), the taking side
/// sees that instead of waiting forever.
#[derive(Default)]
pub(crate) struct Handoff {
    slot: std::sync::Mutex<Slot>,
    changed: std::sync::Condvar,
}

#[derive(Default)]
enum Slot {
    #[default]
    Pending,
    Given(Zeroizing<Vec<u8>>),
    Abandoned,
}

/// The giving side of a [`Handoff`]: abandons it when dropped ungiven.
pub(crate) struct Giver<'h>(&'h Handoff);

impl Handoff {
    fn set(&self, value: Slot) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(*slot, Slot::Pending) {
            *slot = value;
        }
        self.changed.notify_all();
    }

    /// The giving side; call it once.
    pub(crate) fn giver(&self) -> Giver<'_> {
        Giver(self)
    }

    /// Wait for the value, looking at `cancel` every few milliseconds.
    ///
    /// # Errors
    /// [`Cancelled`] if the run is cancelled or the giver ended without
    /// giving.
    pub(crate) fn take(
        &self,
        cancel: &Cancel,
    ) -> std::result::Result<Zeroizing<Vec<u8>>, Cancelled> {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match std::mem::take(&mut *slot) {
                Slot::Given(value) => return Ok(value),
                Slot::Abandoned => {
                    *slot = Slot::Abandoned;
                    return Err(Cancelled);
                }
                Slot::Pending if cancel.is_set() => return Err(Cancelled),
                Slot::Pending => {}
            }
            let wait = std::time::Duration::from_millis(5);
            slot = match self.changed.wait_timeout(slot, wait) {
                Ok((s, _)) => s,
                Err(e) => e.into_inner().0,
            };
        }
    }
}

impl Giver<'_> {
    /// Give the value to the taking side.
    pub(crate) fn give(self, value: Zeroizing<Vec<u8>>) {
        self.0.set(Slot::Given(value));
    }
}

impl Drop for Giver<'_> {
    fn drop(&mut self) {
        // After give() the slot is no longer pending and this does nothing.
        self.0.set(Slot::Abandoned);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task<'a>(
        f: impl Fn(&Cancel) -> std::result::Result<Vec<u8>, Stopped> + Send + Sync + 'a,
    ) -> Task<'a> {
        Box::new(move |c| f(c).map(Zeroizing::new))
    }

    #[test]
    fn keys_come_back_in_task_order() {
        let tasks: Vec<Task<'_>> = (0..5u8).map(|i| task(move |_| Ok(vec![i]))).collect();
        let keys = run(&tasks, &|_, _| false).expect("run");
        let keys: Vec<Vec<u8>> = keys.into_iter().map(|k| k.expect("key").to_vec()).collect();
        assert_eq!(keys, vec![vec![0], vec![1], vec![2], vec![3], vec![4]]);
    }

    #[test]
    fn a_failure_cancels_the_others_and_is_the_result() {
        let tasks: Vec<Task<'_>> = vec![
            task(|_| Err(Stopped::Failed(Error::MissingMac))),
            // Runs until cancelled: without cancellation this test would hang.
            task(|c| {
                loop {
                    if c.is_set() {
                        return Err(Stopped::Cancelled);
                    }
                    std::thread::yield_now();
                }
            }),
        ];
        assert!(matches!(run(&tasks, &|_, _| false), Err(Error::MissingMac)));
    }

    #[test]
    fn a_handoff_passes_a_value_or_says_it_never_will() {
        let handoff = Handoff::default();
        let tasks: Vec<Task<'_>> = vec![
            task(|_| {
                handoff.giver().give(Zeroizing::new(vec![1, 2]));
                Ok(vec![])
            }),
            task(|c| Ok(handoff.take(c)?.to_vec())),
        ];
        let keys = run_on(2, &tasks, &|_, _| false).expect("run");
        assert_eq!(keys[1].as_deref().map(|k| k.to_vec()), Some(vec![1, 2]));
        // A giver that ends without giving: the taker does not wait forever.
        let handoff = Handoff::default();
        drop(handoff.giver());
        assert_eq!(handoff.take(&Cancel::new()), Err(Cancelled));
    }

    #[test]
    fn done_cancels_the_other_candidates() {
        let tasks: Vec<Task<'_>> = vec![
            task(|_| Ok(vec![7])),
            task(|c| {
                loop {
                    if c.is_set() {
                        return Err(Stopped::Cancelled);
                    }
                    std::thread::yield_now();
                }
            }),
        ];
        let keys = run(&tasks, &|_, key| key == [7]).expect("run");
        assert_eq!(keys[0].as_deref().map(|k| k.to_vec()), Some(vec![7]));
        assert!(keys[1].is_none());
    }
}
