//! The C ABI on a sealed store: `tests/c/test_sealed.c` run on a store this
//! test made and sealed with the library (`Store::seal`, work factor 10, no
//! keyring). Without a passphrase every public call works and every call
//! that needs a private key is `PEER_E_NO_KEY_ACCESS` (natively and under
//! valgrind); with a wrong one in `$PEERID_PASSPHRASE_FILE` too; with the
//! right one the export succeeds and its document imports into an unsealed
//! store, and what the C program made is stored sealed.

use std::path::Path;
use std::process::{Command, Output};

use peerid::secrecy::SecretString;
use peerid::{
    Classifier, CreateOptions, ExportParams, FriendlyName, ImportOptions, SealOptions, Store,
};

use crate::c_abi::{Scratch, compile, libdir, show};
use crate::support::one_at_a_time;

const PASSPHRASE: &str = "correct horse";

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn create(store: &Store, classifier: &str, friendly: &str) -> peerid::PeerName {
    store
        .create(&CreateOptions {
            classifier: Classifier::new(classifier).unwrap(),
            friendly_name: FriendlyName::new(friendly).unwrap(),
            ..CreateOptions::default()
        })
        .unwrap()
}

/// Runs the C program in `mode` on the store in `dir`, with the passphrase
/// file `passphrase` (none: the variable unset), under valgrind if asked.
fn run(exe: &Path, dir: &Path, passphrase: Option<&Path>, valgrind: bool, args: &[&str]) -> Output {
    let mut cmd = if valgrind {
        let mut c = Command::new("valgrind");
        c.args([
            "--quiet",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--error-exitcode=1",
        ])
        .arg(exe);
        c
    } else {
        Command::new(exe)
    };
    cmd.args(args)
        .env("LD_LIBRARY_PATH", libdir())
        .env("PEERID_STORE", dir)
        .env_remove("PEERID_PASSPHRASE_FILE");
    if let Some(p) = passphrase {
        cmd.env("PEERID_PASSPHRASE_FILE", p);
    }
    let out = cmd.output().expect("the C test (or valgrind) runs");
    show(&format!("{args:?} valgrind={valgrind}"), &out);
    out
}

#[test]
#[cfg_attr(
    windows,
    ignore = "builds test_sealed.c with cc against the Linux library and runs valgrind"
)]
fn key_calls_on_a_sealed_store_need_the_passphrase_public_ones_do_not() {
    let scratch = Scratch::new("c_sealed");
    let dir = scratch.0.join("store");
    let exe = scratch.0.join("test_sealed");
    compile("test_sealed.c", &exe);

    // The store: an identity, one to delete, the default; then sealed.
    let (id, doomed) = {
        let mut store = Store::open(&dir).unwrap();
        let id = create(&store, "chat", "Sealed");
        let doomed = create(&store, "doomed", "");
        store.default_identity().unwrap();
        store
            .seal(
                &secret(PASSPHRASE),
                &SealOptions {
                    work_factor: Some(10),
                    keyring: false,
                },
            )
            .unwrap();
        (id, doomed)
    };
    // A document to import, from another (unsealed) store.
    let elsewhere = Store::open(scratch.0.join("elsewhere")).unwrap();
    let stranger = create(&elsewhere, "stranger", "");
    let doc = scratch.0.join("stranger.xml");
    let params = ExportParams {
        iterations: 1000,
        ..ExportParams::default()
    };
    std::fs::write(
        &doc,
        elsewhere.export(&stranger, &secret("pw"), &params).unwrap(),
    )
    .unwrap();
    let right = scratch.0.join("right");
    std::fs::write(&right, format!("{PASSPHRASE}\n")).unwrap();
    let wrong = scratch.0.join("wrong");
    std::fs::write(&wrong, "not it\n").unwrap();
    let out = scratch.0.join("exported.xml");
    let (id_s, doomed_s, doc_s, out_s) = (
        id.to_string(),
        doomed.to_string(),
        doc.to_str().unwrap().to_owned(),
        out.to_str().unwrap().to_owned(),
    );

    one_at_a_time(|| {
        let locked = run(
            &exe,
            &dir,
            None,
            false,
            &["locked", &id_s, &doomed_s, &doc_s],
        );
        assert!(locked.status.success(), "locked: the C test failed");
        // Under valgrind the same calls again (DOOMED is gone: the wrong
        // passphrase run, which also goes through the scrypt of unlocking).
        let wrong_vg = run(
            &exe,
            &dir,
            Some(&wrong),
            true,
            &["wrong", &id_s, &doomed_s, &doc_s],
        );
        assert!(
            wrong_vg.status.success(),
            "wrong passphrase: failed under valgrind"
        );
        let locked_vg = run(
            &exe,
            &dir,
            Some(Path::new("/nonexistent/pw")),
            true,
            &["wrong", &id_s, &doomed_s, &doc_s],
        );
        assert!(
            locked_vg.status.success(),
            "missing passphrase file: failed under valgrind"
        );
        let unlocked = run(
            &exe,
            &dir,
            Some(&right),
            false,
            &["unlocked", &id_s, &doomed_s, &doc_s, &out_s],
        );
        assert!(unlocked.status.success(), "unlocked: the C test failed");
    });

    // What the locked run did without the key: renamed, deleted.
    let mut store = Store::open(&dir).unwrap();
    assert!(store.is_sealed().unwrap() && store.is_locked().unwrap());
    assert_eq!(store.friendly_name(&id).unwrap(), "Renamed");
    assert!(store.show(&doomed).is_err(), "DOOMED was deleted");
    // What the unlocked run made is stored sealed: locked, no key; then
    // unlocked, every key reads.
    let names: Vec<_> = store
        .list()
        .unwrap()
        .into_iter()
        .map(|s| s.peer_name)
        .collect();
    assert_eq!(
        names.len(),
        5,
        "ID, the default, other, fresh, stranger: {names:?}"
    );
    assert!(names.contains(&stranger));
    for name in &names {
        assert!(
            matches!(store.get(name), Err(peerid::Error::StoreLocked { .. })),
            "{name} is stored sealed"
        );
    }
    store.unlock(&secret(PASSPHRASE)).unwrap();
    for name in &names {
        store.get(name).unwrap();
    }

    // The exported document imports into an unsealed store.
    let xml = std::fs::read(&out).unwrap();
    let fresh = Store::open(scratch.0.join("fresh")).unwrap();
    let imported = fresh
        .import(&xml, &secret(PASSPHRASE), &ImportOptions::default())
        .unwrap();
    assert_eq!(imported, id);
    assert_eq!(
        fresh.public_key(&id).unwrap().to_openssh(),
        store.public_key(&id).unwrap().to_openssh()
    );
    fresh.get(&id).unwrap();
}
