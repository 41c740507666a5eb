//! Races between processes on one store (docs/design.md §6: "several processes
//! may use one store at once"): eight imports of one identity, eight
//! creates, and a reader beside them that must never see a half-written
//! identity.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

use std::io::Write;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use crate::support::{ITERATIONS, Scratch, assert_no_panic, assert_whole, names};
use peerid::Store;

const PROCESSES: usize = 8;
const IMPORT_REPEATS: usize = 20;
const CREATE_REPEATS: usize = 5;

/// Runs `peerid list` in a loop until told to stop and checks that every
/// listed identity shows and exports: a half-written identity would fail
/// one of them. Returns how many identities it checked.
fn reader(s: Arc<Scratch>, store: &Path, stop: Arc<AtomicBool>) -> JoinHandle<usize> {
    let store = store.to_owned();
    std::thread::spawn(move || {
        let mut checked = 0;
        while !stop.load(Ordering::Relaxed) {
            let list = s.run(&store, &["list"]);
            assert_no_panic(&list, "list");
            assert!(
                list.status.success(),
                "list: {}",
                String::from_utf8_lossy(&list.stderr)
            );
            for line in String::from_utf8(list.stdout).unwrap().lines() {
                let name = line.split('\t').next().unwrap();
                s.ok(&store, &["show", name]);
                s.ok(&store, &["xml", name]);
                s.ok(
                    &store,
                    &[
                        "export",
                        name,
                        "--iterations",
                        ITERATIONS,
                        "--password-file",
                        s.pw.to_str().unwrap(),
                    ],
                );
                checked += 1;
            }
        }
        checked
    })
}

#[test]
fn eight_imports_of_one_identity_one_wins() {
    let s = Arc::new(Scratch::new());
    let docs = s.make_documents(IMPORT_REPEATS);
    let store_dir = s.path("store");
    s.ok(&store_dir, &["create"]);
    let stop = Arc::new(AtomicBool::new(false));
    let reading = reader(s.clone(), &store_dir, stop.clone());

    for (rep, (name, doc)) in docs.iter().enumerate() {
        let document = std::fs::read(doc).unwrap();
        // Started first, then all fed at once: each waits on stdin, so the
        // eight reach the store together.
        let mut children: Vec<Child> = (0..PROCESSES)
            .map(|_| {
                s.cmd(&store_dir)
                    .args([
                        "--json",
                        "import",
                        "-",
                        "--password-file",
                        s.pw.to_str().unwrap(),
                    ])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in &mut children {
            c.stdin.take().unwrap().write_all(&document).unwrap();
        }
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let mut won = 0;
        for out in &outs {
            assert_no_panic(out, "import");
            let stdout = String::from_utf8_lossy(&out.stdout);
            match out.status.code() {
                Some(0) => {
                    won += 1;
                    assert!(stdout.contains(name.as_str()), "{stdout}");
                }
                Some(4) => assert!(stdout.contains("PEER_E_ALREADY_EXISTS"), "{stdout}"),
                other => panic!(
                    "rep {rep}: import exited {other:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                ),
            }
        }
        assert_eq!(won, 1, "rep {rep}: {won} of {PROCESSES} imports succeeded");
    }
    stop.store(true, Ordering::Relaxed);
    let checked = reading.join().unwrap();
    let listed = assert_whole(&store_dir, &s.path("check"));
    assert_eq!(listed.len(), IMPORT_REPEATS + 1);
    eprintln!(
        "race: {IMPORT_REPEATS} x {PROCESSES} simultaneous imports: one won each time; \
         the reader checked {checked} listed identities"
    );
}

#[test]
fn eight_creates_all_land() {
    let s = Arc::new(Scratch::new());
    let store_dir = s.path("store");
    s.ok(&store_dir, &["create"]);
    let stop = Arc::new(AtomicBool::new(false));
    let reading = reader(s.clone(), &store_dir, stop.clone());

    let mut expected = names(&Store::open(&store_dir).unwrap());
    for rep in 0..CREATE_REPEATS {
        let children: Vec<Child> = (0..PROCESSES)
            .map(|i| {
                s.cmd(&store_dir)
                    .args(["create", "--classifier", &format!("race{rep}-{i}")])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert_no_panic(&out, "create");
            assert!(
                out.status.success(),
                "rep {rep}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let name = String::from_utf8(out.stdout).unwrap();
            expected.push(peerid::PeerName::parse_secure(name.trim()).unwrap());
        }
    }
    stop.store(true, Ordering::Relaxed);
    let checked = reading.join().unwrap();
    let mut listed = assert_whole(&store_dir, &s.path("check"));
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);
    eprintln!(
        "race: {CREATE_REPEATS} x {PROCESSES} simultaneous creates: all landed; \
         the reader checked {checked} listed identities"
    );
}
