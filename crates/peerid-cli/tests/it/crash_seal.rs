//! Crashes of `store seal`, `store unseal` and `store passphrase`: each is
//! killed with SIGKILL at a random moment (docs/design.md §6 and §12: each is
//! one transaction). After every round the store passes SQLite's integrity
//! check and is in the arrangement before or after the command, never
//! between: unsealed, or sealed under exactly one of the two passphrases;
//! every identity's key is readable under it and exports to a document that
//! imports elsewhere as the same identity.
//!
//! `PEERID_TEST_SEED` repeats a run; `PEERID_CRASH_SEAL_ROUNDS` changes the
//! number of rounds (default 150).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use peerid::{Error, ExportParams, ImportOptions, Store};
use secrecy::SecretString;

use crate::support::seal::WORK_FACTOR;
use crate::support::{Rng, Scratch, kill_now, names, password, tmpfs_tempdir};

const DEFAULT_ROUNDS: usize = 150;
const PASSPHRASES: [&str; 2] = ["first passphrase", "second passphrase"];

/// What the store is: unsealed, or sealed under passphrase 0 or 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Unsealed,
    Sealed(usize),
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Seal(usize),
    Unseal(usize),
    Passphrase(usize, usize),
}

struct Harness {
    s: Scratch,
    pp: [PathBuf; 2],
}

impl Harness {
    fn cmd(&self, dir: &Path, op: Op) -> Command {
        let mut c = self.s.cmd(dir);
        match op {
            Op::Seal(p) => c.arg("--passphrase-file").arg(&self.pp[p]).args([
                "store",
                "seal",
                "--work-factor",
                WORK_FACTOR,
            ]),
            Op::Unseal(p) => c
                .arg("--passphrase-file")
                .arg(&self.pp[p])
                .args(["store", "unseal"]),
            Op::Passphrase(from, to) => c
                .arg("--passphrase-file")
                .arg(&self.pp[from])
                .args(["store", "passphrase", "--new-passphrase-file"])
                .arg(&self.pp[to])
                .args(["--work-factor", WORK_FACTOR]),
        };
        c.stdout(Stdio::null()).stderr(Stdio::null());
        c
    }
}

fn secret(i: usize) -> SecretString {
    SecretString::from(PASSPHRASES[i].to_owned())
}

/// The store's arrangement, checked whole: integrity, exactly one of
/// the passphrases (if sealed) unlocks it, and every identity exports and
/// imports into `check` as itself.
fn arrangement(dir: &Path, check: &Path, expected: &[String], what: &str) -> State {
    let mut store =
        Store::open(dir).unwrap_or_else(|e| panic!("{what}: the store does not open: {e}"));
    store
        .check_integrity()
        .unwrap_or_else(|e| panic!("{what}: integrity: {e}"));
    let state = if store.is_sealed().unwrap() {
        let opens: Vec<usize> = (0..2)
            .filter(|&i| {
                let mut probe = Store::open(dir).unwrap();
                match probe.unlock(&secret(i)) {
                    Ok(()) => true,
                    Err(Error::WrongPassphrase) => false,
                    Err(e) => panic!("{what}: unlock: {e}"),
                }
            })
            .collect();
        assert_eq!(
            opens.len(),
            1,
            "{what}: passphrases that open it: {opens:?}"
        );
        store.unlock(&secret(opens[0])).unwrap();
        State::Sealed(opens[0])
    } else {
        State::Unsealed
    };
    let listed: Vec<String> = names(&store).iter().map(ToString::to_string).collect();
    assert_eq!(listed, expected, "{what}: the identities changed");
    let _ = std::fs::remove_dir_all(check);
    let other = Store::open(check).unwrap();
    let params = ExportParams {
        iterations: 1,
        ..ExportParams::default()
    };
    for name in names(&store) {
        let doc = store
            .export(&name, &password(), &params)
            .unwrap_or_else(|e| panic!("{what}: {name} does not export ({state:?}): {e}"));
        let back = other
            .import(doc.as_bytes(), &password(), &ImportOptions::default())
            .unwrap_or_else(|e| panic!("{what}: {name}'s export does not import: {e}"));
        assert_eq!(back, name, "{what}");
    }
    state
}

#[test]
fn sigkill_during_seal_unseal_and_passphrase() {
    let rounds = crate::support::rounds("PEERID_CRASH_SEAL_ROUNDS", DEFAULT_ROUNDS);
    let mut rng = Rng::from_env("crash_seal");
    let s = Scratch::new();
    let pp = [s.path("pp0"), s.path("pp1")];
    for (f, p) in pp.iter().zip(PASSPHRASES) {
        std::fs::write(f, format!("{p}\n")).unwrap();
    }
    let h = Harness { s, pp };
    let dir = h.s.path("store");
    for kt in ["ed25519", "p256", "ed25519"] {
        h.s.ok(&dir, &["create", "--key", kt]);
    }
    let expected: Vec<String> = names(&Store::open(&dir).unwrap())
        .iter()
        .map(ToString::to_string)
        .collect();
    let check_tmp = tmpfs_tempdir();
    let check = check_tmp.path().join("check");

    let windows = calibrate(&h);
    eprintln!("crash_seal: kill windows (seal, passphrase, unseal) {windows:?}; {rounds} rounds");
    let mut state = State::Unsealed;
    let (mut killed, mut changed, mut kept) = (0, 0, 0);
    for round in 0..rounds {
        let op = match state {
            State::Unsealed => Op::Seal(rng.below(2) as usize),
            State::Sealed(p) if rng.below(2) == 0 => Op::Unseal(p),
            State::Sealed(p) => Op::Passphrase(p, 1 - p),
        };
        let after = match op {
            Op::Seal(p) => State::Sealed(p),
            Op::Unseal(_) => State::Unsealed,
            Op::Passphrase(_, to) => State::Sealed(to),
        };
        let mut child = h.cmd(&dir, op).spawn().unwrap();
        let window = windows[op.index()];
        let delay = Duration::from_micros(rng.below(window.as_micros() as u64 + 1));
        std::thread::sleep(delay);
        let (was_killed, status) = kill_now(&mut child);
        if was_killed {
            killed += 1;
        } else {
            assert_eq!(
                status.code(),
                Some(0),
                "round {round}: {op:?} failed on its own"
            );
        }
        let what = format!("round {round} ({op:?} from {state:?}, killed after {delay:?})");
        let now = arrangement(&dir, &check, &expected, &what);
        assert!(now == state || now == after, "{what}: now {now:?}");
        if !was_killed {
            assert_eq!(now, after, "{what}: it finished but did not take effect");
        }
        if now == after {
            changed += 1;
        } else {
            kept += 1;
        }
        state = now;
    }
    eprintln!(
        "crash_seal: {rounds} rounds: {killed} killed while running; {changed} left the new arrangement, {kept} the old one"
    );
    assert!(
        killed > 0,
        "no child was killed while running: the window is wrong"
    );
}

impl Op {
    fn index(self) -> usize {
        match self {
            Op::Seal(_) => 0,
            Op::Passphrase(..) => 1,
            Op::Unseal(_) => 2,
        }
    }
}

/// The kill window of each command (by [`Op::index`]): 1.2 x the quickest
/// of a few uninterrupted runs.
fn calibrate(h: &Harness) -> [Duration; 3] {
    let dir = h.s.path("calibrate");
    h.s.ok(&dir, &["create"]);
    h.s.ok(&dir, &["create", "--key", "p256"]);
    let mut quickest = [Duration::MAX; 3];
    for _ in 0..3 {
        for op in [Op::Seal(0), Op::Passphrase(0, 1), Op::Unseal(1)] {
            let t = Instant::now();
            let status = h.cmd(&dir, op).status().unwrap();
            assert!(status.success(), "calibration: {op:?}");
            quickest[op.index()] = quickest[op.index()].min(t.elapsed());
        }
    }
    quickest.map(|q| q * 6 / 5)
}
