//! Issue 11: `peerid peer add|list|show|remove` as a user runs them, and
//! hostile documents refused with nothing stored.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Stdio;

use peerid::testkit::{self, identity_info};
use peerid::{KeyType, PrivateKey};

use crate::support::env::{Env, is_authority};

/// A document file of `env`, holding `doc`.
fn file(env: &Env, name: &str, doc: &[u8]) -> PathBuf {
    let p = env.path(name);
    std::fs::write(&p, doc).unwrap();
    p
}

/// Bob's identity in a store of his own, and his PEERIDENTITYINFO document.
fn bob(key: &str) -> (Env, String, String) {
    let env = Env::new();
    let name = env.create(&["--classifier", "bob", "--key", key]);
    let doc = env.ok(&["xml", &name]);
    (env, name, doc)
}

fn stdin_add(env: &Env, doc: &[u8], extra: &[&str]) -> std::process::Output {
    let mut child = env
        .cmd()
        .args(["peer", "add"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may refuse before it has read everything.
    let _ = child.stdin.take().unwrap().write_all(doc);
    child.wait_with_output().unwrap()
}

#[test]
fn add_list_show_remove() {
    let (_bob_env, bob_name, bob_doc) = bob("p256");
    let (_carol_env, carol_name, carol_doc) = bob("ed25519");
    let alice = Env::new();
    let f = file(&alice, "bob.xml", bob_doc.as_bytes());
    let printed = alice.ok(&[
        "peer",
        "add",
        f.to_str().unwrap(),
        "--friendly-name",
        "Bob\u{202E}",
    ]);
    assert_eq!(printed, format!("{bob_name}\n"));

    let out = stdin_add(&alice, carol_doc.as_bytes(), &["-", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = added
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "added_at",
            "authority",
            "classifier",
            "friendly_name",
            "key_type",
            "peer_name"
        ]
    );
    assert_eq!(added["peer_name"], carol_name.as_str());
    assert_eq!(
        added["friendly_name"],
        carol_name.as_str(),
        "defaults to the peer name"
    );
    assert_eq!(added["key_type"], "ed25519");
    assert_eq!(added["classifier"], "bob");
    assert!(is_authority(added["authority"].as_str().unwrap()));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(added["added_at"].as_u64().unwrap().abs_diff(now) < 60);

    let mut rows = [
        format!("{bob_name}\tBob\\u{{202e}}"),
        format!("{carol_name}\t{carol_name}"),
    ];
    rows.sort();
    assert_eq!(
        alice.ok(&["peer", "list"]),
        format!("{}\n", rows.join("\n"))
    );
    let listed = alice.json(&["peer", "list"]);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let bob_json = listed
        .iter()
        .find(|p| p["peer_name"] == bob_name.as_str())
        .unwrap();
    assert_eq!(
        bob_json["friendly_name"], "Bob\u{202E}",
        "JSON has the exact text"
    );
    assert_eq!(bob_json["key_type"], "p256");

    let show = alice.ok(&["peer", "show", &bob_name]);
    for line in [
        format!("peer name:     {bob_name}\n"),
        "friendly name: Bob\\u{202e}\n".to_owned(),
        "key type:      p256\n".to_owned(),
        format!("authority:     {}\n", &bob_name[..40]),
        "classifier:    bob\n".to_owned(),
    ] {
        assert!(show.contains(&line), "{show:?} lacks {line:?}");
    }
    assert!(show.contains("added:         20"), "{show}");
    assert_eq!(alice.json(&["peer", "show", &bob_name]), *bob_json);
    assert!(alice.ok(&["list"]).is_empty(), "peers are not identities");

    assert_eq!(alice.ok(&["peer", "remove", &bob_name]), "");
    assert_eq!(
        alice.json(&["peer", "remove", &carol_name]),
        serde_json::json!({"peer_name": carol_name, "removed": true})
    );
    assert_eq!(alice.ok(&["peer", "list"]), "");
    assert_eq!(alice.json(&["peer", "list"]), serde_json::json!([]));
    let (code, stderr, doc) = alice.fails(&["peer", "remove", &bob_name]);
    assert_eq!(code, 3);
    assert_eq!(
        stderr,
        format!(
            "peerid: error: no peer named {bob_name:?} in the peer book (see `peerid peer list`)\n"
        )
    );
    assert_eq!(doc["error"]["code"], "PEER_E_NOT_FOUND");
    let (code, _, _) = alice.fails(&["peer", "show", &bob_name]);
    assert_eq!(code, 3);
    // Any text may be a friendly name: what names no peer is not found (3).
    let (code, _, _) = alice.fails(&["peer", "show", "not a peer name"]);
    assert_eq!(code, 3);
}

/// PEER takes what NAME takes (docs/design.md §7): a unique beginning of
/// the peer name, in any case, or a friendly name; several matches are
/// refused with the candidates.
#[test]
fn peer_arguments_are_resolved_like_names() {
    let (_b, bob_name, bob_doc) = bob("ed25519");
    let (_c, carol_name, carol_doc) = bob("p256");
    let alice = Env::new();
    let fb = file(&alice, "bob.xml", bob_doc.as_bytes());
    let fc = file(&alice, "carol.xml", carol_doc.as_bytes());
    alice.ok(&[
        "peer",
        "add",
        fb.to_str().unwrap(),
        "--friendly-name",
        "Bob",
    ]);
    alice.ok(&[
        "peer",
        "add",
        fc.to_str().unwrap(),
        "--friendly-name",
        "Carol",
    ]);
    let json_name = |arg: &str| {
        let doc: serde_json::Value =
            serde_json::from_str(&alice.ok(&["--json", "peer", "show", arg])).unwrap();
        doc["peer_name"].as_str().unwrap().to_owned()
    };
    assert_eq!(json_name("Bob"), bob_name);
    assert_eq!(json_name(&bob_name[..8].to_uppercase()), bob_name);
    assert_eq!(json_name(&carol_name[..40]), carol_name);
    // An identity of the same friendly name is not a peer.
    alice.create(&["--friendly-name", "Dave"]);
    let (code, _, _) = alice.fails(&["peer", "show", "Dave"]);
    assert_eq!(code, 3);
    // The dot form: a beginning of the authority, a dot, a beginning of
    // the classifier.
    assert_eq!(json_name(&format!("{}.b", &bob_name[..6])), bob_name);
    alice.ok(&["peer", "remove", "Carol"]);
    assert_eq!(alice.ok(&["peer", "list"]), format!("{bob_name}\tBob\n"));
}

#[test]
fn same_name_twice_is_refused_and_the_first_kept() {
    let (_bob_env, bob_name, bob_doc) = bob("ed25519");
    let alice = Env::new();
    let f = file(&alice, "bob.xml", bob_doc.as_bytes());
    let f = f.to_str().unwrap();
    alice.ok(&["peer", "add", f, "--friendly-name", "First"]);
    let (code, stderr, doc) = alice.fails(&["peer", "add", f, "--friendly-name", "Second"]);
    assert_eq!(code, 4);
    assert!(stderr.contains("is already in the peer book"), "{stderr}");
    assert_eq!(doc["error"]["code"], "PEER_E_ALREADY_EXISTS");
    assert_eq!(alice.ok(&["peer", "list"]), format!("{bob_name}\tFirst\n"));
}

/// `delete` of an identity leaves the peers; `peer remove` leaves the
/// identities; our own identity may be a peer too.
#[test]
fn identities_and_peers_are_apart() {
    let env = Env::new();
    let mine = env.create(&[]);
    let doc = env.ok(&["xml", &mine]);
    let f = file(&env, "mine.xml", doc.as_bytes());
    env.ok(&["peer", "add", f.to_str().unwrap()]);
    env.ok(&["delete", "--yes", &mine]);
    assert_eq!(env.ok(&["peer", "list"]), format!("{mine}\t{mine}\n"));
    let other = env.create(&[]);
    let f = file(&env, "other.xml", env.ok(&["xml", &other]).as_bytes());
    env.ok(&["peer", "add", f.to_str().unwrap()]);
    env.ok(&["peer", "remove", &other]);
    assert_eq!(env.ok(&["list"]), format!("{other}\t{other}\n"));
}

/// Every hostile document: exit 5 (E_INVALIDARG), no panic, nothing stored.
#[test]
fn hostile_documents_store_nothing() {
    let (_bob_env, bob_name, good) = bob("ed25519");
    let alice = Env::new();
    let der = identity_info::parse(good.as_bytes())
        .unwrap()
        .as_der()
        .to_vec();
    let mut tampered = der.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x80;
    let mallory = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let impostor = testkit::idc_naming(&mallory, &bob_name).unwrap();
    let wrong_name = testkit::idc_naming(&mallory, "0.mallory").unwrap();
    let rsa = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../peerid/tests/vectors/peers/rsa8704-selfsigned.der"),
    )
    .unwrap();
    let mut oversized = good.clone().into_bytes();
    oversized.resize(peerid::peer::MAX_INFO_BYTES + 1, b' ');
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "tampered",
            identity_info::emit(&tampered).into_bytes(),
            "self-signature",
        ),
        (
            "impostor",
            identity_info::emit(&impostor).into_bytes(),
            "peer name mismatch",
        ),
        (
            "wrong name",
            identity_info::emit(&wrong_name).into_bytes(),
            "peer name",
        ),
        ("rsa", identity_info::emit(&rsa).into_bytes(), "RSA-8704"),
        ("oversized", oversized, ""),
        (
            "truncated",
            good.as_bytes()[..good.len() / 2].to_vec(),
            "PEERIDENTITYINFO",
        ),
        ("not xml", b"\xff\xfe\x00garbage".to_vec(), "UTF-8"),
    ];
    for (what, doc, says) in &cases {
        let f = file(&alice, "hostile.xml", doc);
        let (code, stderr, json) = alice.fails(&["peer", "add", f.to_str().unwrap()]);
        assert_eq!(code, 5, "{what}: {stderr}");
        assert!(stderr.contains(says), "{what}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert_eq!(json["error"]["code"], "E_INVALIDARG", "{what}");
        let out = stdin_add(&alice, doc, &[]);
        assert_eq!(out.status.code(), Some(5), "{what} on stdin");
        assert_eq!(
            alice.ok(&["peer", "list"]),
            "",
            "{what}: something was stored"
        );
    }
    let f = file(&alice, "bob.xml", good.as_bytes());
    alice.ok(&["peer", "add", f.to_str().unwrap()]);
}

/// An endless input is refused after the cap, not read into memory.
#[test]
fn endless_input_is_refused_at_the_cap() {
    let alice = Env::new();
    let (code, stderr, _) = alice.fails(&["peer", "add", "/dev/zero"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("1048576"), "{stderr}");
    assert_eq!(alice.ok(&["peer", "list"]), "");
}

/// A store of the previous release (schema 1) on a read-only file system
/// cannot be migrated: it is served as it is, with an empty peer book, and
/// `peer add` says why it cannot. Writable again, it is migrated.
// Unix modes make the read-only directory; Wine cannot show a read-only
// volume (design §6, "On Windows").
#[cfg(unix)]
#[test]
fn an_old_store_on_a_read_only_file_system_is_served() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let src = env.path("src");
    let store = src.join("store");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o700)).unwrap();
    let db = store.join(peerid::Store::DB_FILE);
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../peerid/tests/vectors/store-v1")
            .join(peerid::Store::DB_FILE),
        &db,
    )
    .unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    let before = std::fs::read(&db).unwrap();
    let (_bob_env, _, bob_doc) = bob("ed25519");
    let f = file(&env, "bob.xml", bob_doc.as_bytes());
    {
        let mount = crate::store_sharing::ReadOnlyMount::new(&src, &env.path("ro"));
        let ro = mount.at.join("store");
        assert_eq!(env.s.ok(&ro, &["list"]).lines().count(), 2);
        assert_eq!(env.s.ok(&ro, &["peer", "list"]), "");
        let out = env.s.run(&ro, &["peer", "add", f.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(6));
        assert!(String::from_utf8_lossy(&out.stderr).contains("read-only file system"));
    }
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "nothing changed underneath"
    );
    env.s.ok(&store, &["peer", "add", f.to_str().unwrap()]);
    assert_eq!(env.s.ok(&store, &["list"]).lines().count(), 2);
    assert_eq!(env.s.ok(&store, &["peer", "list"]).lines().count(), 1);
}
