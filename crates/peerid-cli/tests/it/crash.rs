//! Crashes: `peerid import` and `peerid create` killed with SIGKILL at random
//! moments (docs/design.md §6: "a crash at any point leaves the store as it was
//! before or after the change, never between").
//!
//! After every round the store opens and passes SQLite's integrity check,
//! every listed identity shows, has its XML, exports and imports into
//! another store, the identity of a killed import is wholly present or
//! wholly absent, and importing its document again succeeds, or says
//! PEER_E_ALREADY_EXISTS only when the identity is wholly there.
//!
//! `PEERID_TEST_SEED` repeats a run; `PEERID_CRASH_ROUNDS` changes the
//! number of rounds (default 200).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{
    Rng, Scratch, absent_everywhere, assert_no_panic, assert_whole, kill_now, names, tmpfs_tempdir,
};
use peerid::PeerName;
use peerid::Store;

const DEFAULT_ROUNDS: usize = 200;
const DOCUMENTS: usize = 4;
/// The store is trimmed back when it holds more than this, to keep the
/// per-round check cheap.
const MAX_IDENTITIES: usize = 6;

#[test]
fn sigkill_during_import_and_create() {
    let rounds = crate::support::rounds("PEERID_CRASH_ROUNDS", DEFAULT_ROUNDS);
    let mut rng = Rng::from_env("crash");
    let s = Scratch::new();
    let docs = s.make_documents(DOCUMENTS);
    let store_dir = s.path("store");
    // The second store only checks exports; tmpfs spares it the fsyncs.
    let check_tmp = tmpfs_tempdir();
    let check_dir = check_tmp.path().join("check");
    s.ok(&store_dir, &["create", "--classifier", "bystander"]);

    // Kill anywhere from before exec to a little after a typical run ends:
    // 0 to 1.2 x the quickest of a few uninterrupted runs.
    let (import_window, create_window) = calibrate(&s, &docs[0].1);
    eprintln!(
        "crash: kill windows: import 0..{import_window:?}, create 0..{create_window:?}; {rounds} rounds"
    );

    let (mut killed, mut finished, mut present_after_kill, mut absent_after_kill) = (0, 0, 0, 0);
    for round in 0..rounds {
        let before = names(&Store::open(&store_dir).unwrap());
        let target = match rng.below(3) {
            0 => None,
            _ => Some(&docs[rng.below(DOCUMENTS as u64) as usize]),
        };
        let (mut cmd, window) = match target {
            Some(_) => (s.cmd(&store_dir), import_window),
            None => (s.cmd(&store_dir), create_window),
        };
        match target {
            Some((_, doc)) => cmd.args(s.import_args(doc)),
            None => cmd.args(["create", "--classifier", "crash"]),
        };
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = Duration::from_micros(rng.below(window.as_micros() as u64 + 1));
        std::thread::sleep(delay);
        let (was_killed, _) = kill_now(&mut child);
        if was_killed {
            killed += 1;
        } else {
            finished += 1;
        }
        let what = format!("round {round} ({target:?}, killed after {delay:?})");

        let listed = assert_whole(&store_dir, &check_dir);
        let store = Store::open(&store_dir).unwrap();
        assert!(
            before.iter().all(|n| listed.contains(n)),
            "{what}: an identity vanished"
        );
        match target {
            None => assert!(
                listed.len() == before.len() || listed.len() == before.len() + 1,
                "{what}: a create added {} identities",
                listed.len() - before.len()
            ),
            Some((name, doc)) => {
                let name = PeerName::parse_secure(name).unwrap();
                let present = listed.contains(&name);
                assert_eq!(present, !absent_everywhere(&store, &name), "{what}");
                if was_killed && !before.contains(&name) {
                    if present {
                        present_after_kill += 1;
                    } else {
                        absent_after_kill += 1;
                    }
                }
                // Nothing left behind blocks importing it again.
                let again = s.run(&store_dir, &s.import_args(doc));
                assert_no_panic(&again, &what);
                let expected = if present { 4 } else { 0 };
                assert_eq!(
                    again.status.code(),
                    Some(expected),
                    "{what}: re-import with the identity {}: {}",
                    if present { "present" } else { "absent" },
                    String::from_utf8_lossy(&again.stderr)
                );
                assert!(names(&store).contains(&name));
                // Usually remove it, so later rounds kill imports that insert.
                if rng.below(4) != 0 {
                    store.delete(&name).unwrap();
                }
            }
        }
        let mut now = names(&store);
        while now.len() > MAX_IDENTITIES {
            let victim = now.remove(rng.below(now.len() as u64) as usize);
            store.delete(&victim).unwrap();
        }
    }
    assert_whole(&store_dir, &check_dir);
    eprintln!(
        "crash: {rounds} rounds: {killed} killed while running, {finished} had already exited; \
         killed imports of an absent identity: {present_after_kill} left it present, \
         {absent_after_kill} left it absent; no round left a partial identity"
    );
    assert!(
        killed > 0,
        "no child was killed while running: the window is wrong"
    );
}

/// The kill windows of imports and creates: 1.2 x the quickest of a few
/// uninterrupted runs of each.
fn calibrate(s: &Scratch, doc: &std::path::Path) -> (Duration, Duration) {
    let dir = s.path("calibrate");
    let mut quickest = [Duration::MAX; 2];
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(&dir);
        s.ok(&dir, &["list"]);
        for (i, args) in [s.import_args(doc), vec!["create"]].into_iter().enumerate() {
            let t = Instant::now();
            s.ok(&dir, &args);
            quickest[i] = quickest[i].min(t.elapsed());
        }
    }
    (quickest[0] * 6 / 5, quickest[1] * 6 / 5)
}
