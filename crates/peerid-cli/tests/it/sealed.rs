//! A sealed store (docs/design.md §12) as a user meets it: no private key
//! left in any of the store's files after `store seal`, the wrapped store
//! key opened by the real `age -d`, a wrong passphrase refused after one
//! scrypt run, everything public working with no passphrase while what
//! needs a key fails with the hint, new identities stored sealed, unseal
//! and passphrase change. All at work factor 10 but the one test of age's
//! default.

use std::fs;
use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use crate::support::env::Env;
use crate::support::seal::{
    PASSPHRASE, Row, age_decrypt, is_sealed_row, key_rows, open_row, passphrase_file, seal, with_pp,
};

/// The hint of a locked store.
const HINT: &str =
    "unlock it with --passphrase-file FILE or PEERID_PASSPHRASE_FILE, or run in a terminal";

/// A store with one identity of each key type: what `create` makes, and a
/// P-384 key (which peerid only imports) made by OpenSSL and put in through
/// the library.
fn store_of_every_type(env: &Env) -> Vec<String> {
    let mut names: Vec<String> = ["ed25519", "p256", "rsa2048"]
        .iter()
        .map(|kt| env.create(&["--key", kt, "-c", kt]))
        .collect();
    // genpkey writes a traditional EC key; pkcs8 -topk8 makes it PKCS#8.
    let der = std::process::Command::new("sh")
        .args([
            "-c",
            "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \\
             | openssl pkcs8 -topk8 -nocrypt -outform DER",
        ])
        .output()
        .expect("openssl");
    assert!(der.status.success());
    let key = peerid::PrivateKey::from_pkcs8_der(&der.stdout).unwrap();
    let store = peerid::Store::open(&env.store).unwrap();
    let name = store
        .create_with_key(
            &key,
            &peerid::Classifier::new("p384").unwrap(),
            &peerid::FriendlyName::default(),
        )
        .unwrap();
    names.push(name.to_string());
    names
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut all = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            all.extend(files_under(&p));
        } else {
            all.push(p);
        }
    }
    all
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The private pieces of a PKCS#8 key worth searching for: the whole DER,
/// and the 32-byte Ed25519 seed, the P-256 or P-384 private scalar, or 32
/// bytes from the middle of an RSA key (inside its private exponent and
/// primes).
fn secrets_of(key_type: &str, der: &[u8]) -> Vec<Vec<u8>> {
    let mut s = vec![der.to_vec()];
    // ECPrivateKey: version 1, then the scalar as an OCTET STRING.
    let scalar = |len: u8| {
        let head = [0x02, 0x01, 0x01, 0x04, len];
        let at = der
            .windows(head.len())
            .position(|w| w == head)
            .unwrap_or_else(|| panic!("{key_type}: no ECPrivateKey scalar"));
        der[at + head.len()..at + head.len() + usize::from(len)].to_vec()
    };
    match key_type {
        "ed25519" => {
            assert_eq!(&der[14..16], [0x04, 0x20], "Ed25519 PKCS#8 layout");
            s.push(der[16..48].to_vec());
        }
        "p256" => s.push(scalar(32)),
        "p384" => s.push(scalar(48)),
        _ => {
            assert!(key_type.starts_with("rsa"), "{key_type}");
            let mid = der.len() / 2;
            s.push(der[mid - 16..mid + 16].to_vec());
        }
    }
    s
}

fn status(env: &Env) -> Value {
    env.json(&["store", "status"])
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs sh and openssl (the keys to look for), Linux programs a Windows process under Wine cannot start"
)]
fn after_seal_no_file_of_the_store_holds_any_private_key() {
    let env = Env::new();
    let names = store_of_every_type(&env);
    let before = key_rows(&env.store);
    assert_eq!(before.len(), 4);
    let types: Vec<&str> = before.iter().map(|(_, t, _)| t.as_str()).collect();
    for t in ["ed25519", "p256", "p384"] {
        assert!(types.contains(&t), "{types:?}");
    }
    let pieces: Vec<(String, Vec<u8>)> = before
        .iter()
        .flat_map(|(n, t, der)| {
            assert_eq!(der[0], 0x30, "{n}: PKCS#8 before sealing");
            secrets_of(t, der).into_iter().map(move |p| (n.clone(), p))
        })
        .collect();
    // Make old row versions: rename and show, so pages are rewritten.
    for n in &names {
        env.ok(&["friendly-name", n, "renamed"]);
    }
    // The search finds them while they are there.
    let all_bytes: Vec<Vec<u8>> = files_under(&env.store)
        .iter()
        .map(|f| fs::read(f).unwrap())
        .collect();
    for (name, piece) in &pieces {
        assert!(
            all_bytes.iter().any(|b| contains(b, piece)),
            "{name}: the search does not find its key before sealing"
        );
    }
    let pp = passphrase_file(&env, "pp", PASSPHRASE);
    seal(&env, &pp, &[]);
    let files = files_under(&env.store);
    assert!(!files.is_empty());
    for f in &files {
        let bytes = fs::read(f).unwrap();
        for (name, piece) in &pieces {
            assert!(
                !contains(&bytes, piece),
                "{} holds {} bytes of {name}'s private key after seal",
                f.display(),
                piece.len()
            );
        }
    }
    for (name, _, row) in key_rows(&env.store) {
        assert!(is_sealed_row(&row), "{name}: not a sealed row");
    }
    // And every key is still there behind the passphrase.
    for n in &names {
        let out = with_pp(&env, &pp)
            .args(["export", n, "--iterations", "1000", "--password-file"])
            .arg(&env.s.pw)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs sh, openssl and age, Linux programs a Windows process under Wine cannot start"
)]
fn the_wrapped_store_key_opens_with_the_real_age_to_the_key_of_the_rows() {
    let env = Env::new();
    store_of_every_type(&env);
    let pp = passphrase_file(&env, "pp", PASSPHRASE);
    seal(&env, &pp, &[]);
    let wrapped = env.path("store-key.age");
    let doc = env.json(&[
        "store",
        "status",
        "--export-wrapped-key",
        wrapped.to_str().unwrap(),
    ]);
    assert_eq!(doc["wrapped_key_file"], wrapped.to_str().unwrap());
    assert_eq!(doc["work_factor"], 10);
    // Mode 0600 on Unix; on Windows the private DACL, which Wine cannot show.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&wrapped).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(
        fs::read(&wrapped)
            .unwrap()
            .starts_with(b"age-encryption.org/v1\n")
    );
    // Not replaced without --force.
    let (code, stderr, _) = env.fails(&[
        "store",
        "status",
        "--export-wrapped-key",
        wrapped.to_str().unwrap(),
    ]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");

    let key = age_decrypt(&env, &wrapped, PASSPHRASE);
    assert_eq!(key.len(), 32);
    let rows: Vec<Row> = key_rows(&env.store);
    for row in &rows {
        let der = open_row(&key, row)
            .unwrap_or_else(|| panic!("{}: the store key does not open it", row.0));
        assert_eq!(der[0], 0x30, "{}: PKCS#8", row.0);
        // Moved to another peer name, the row does not open.
        let mut moved = row.clone();
        moved.0 = rows.iter().find(|r| r.0 != row.0).unwrap().0.clone();
        assert!(open_row(&key, &moved).is_none(), "the aad names the peer");
    }
    // A wrong key opens nothing.
    let mut wrong = key.clone();
    wrong[0] ^= 1;
    assert!(open_row(&wrong, &rows[0]).is_none());
}

#[test]
fn a_wrong_passphrase_is_exit_6_after_one_scrypt_run() {
    let env = Env::new();
    let name = env.create(&[]);
    let pp = passphrase_file(&env, "pp", PASSPHRASE);
    env.ok(&[
        "--passphrase-file",
        pp.to_str().unwrap(),
        "store",
        "seal",
        "--work-factor",
        "16",
    ]);
    let wrong = passphrase_file(&env, "wrong", "not it");
    let args = ["ssh-key", &name];
    env.ok(&args);
    let export = |f: &Path| {
        let t = Instant::now();
        let out = env
            .cmd()
            .args([
                "--passphrase-file",
                f.to_str().unwrap(),
                "sign",
                &name,
                "-n",
                "file",
            ])
            .output()
            .unwrap();
        (out, t.elapsed())
    };
    let (right, right_time) = export(&pp);
    assert!(
        right.status.success(),
        "{}",
        String::from_utf8_lossy(&right.stderr)
    );
    let (out, wrong_time) = export(&wrong);
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("wrong passphrase"), "{stderr}");
    assert!(out.stdout.is_empty());
    // One scrypt run, as the right one costs (loosely: the machine is shared).
    assert!(
        wrong_time < right_time * 3,
        "wrong passphrase took {wrong_time:?}, the right one {right_time:?}"
    );
    // An empty PEERID_PASSPHRASE_FILE is no source (not a usage error).
    let out = env
        .cmd()
        .env("PEERID_PASSPHRASE_FILE", "")
        .args(["sign", &name, "-n", "file"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains(HINT));
    // The environment variable too, and the flag wins over it.
    let out = with_pp(&env, &wrong)
        .args(["sign", &name, "-n", "file"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    let out = with_pp(&env, &wrong)
        .args([
            "--passphrase-file",
            pp.to_str().unwrap(),
            "sign",
            &name,
            "-n",
            "file",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs the sqlite3 shell (the rows), a Linux program a Windows process under Wine cannot start"
)]
fn public_commands_need_no_passphrase_and_key_commands_give_the_hint() {
    let env = Env::new();
    let a = env.create(&["-c", "a", "-f", "Alice"]);
    let b = env.create(&["-c", "b"]);
    env.ok(&["default", "--set", &a]);
    let data = env.path("data");
    fs::write(&data, "signed\n").unwrap();
    let sig = env.path("data.sig");
    env.ok(&[
        "sign",
        &a,
        "-n",
        "file",
        data.to_str().unwrap(),
        "-o",
        sig.to_str().unwrap(),
    ]);
    let peer_xml = {
        let other = Env::new();
        let p = other.create(&["-c", "bob"]);
        let f = env.path("bob.xml");
        fs::write(&f, other.ok(&["xml", &p])).unwrap();
        f
    };
    let pp = passphrase_file(&env, "pp", PASSPHRASE);
    seal(&env, &pp, &[]);
    let st = status(&env);
    assert_eq!(st["sealed"], true);
    assert_eq!(st["unlocked"], false);

    // Public: no passphrase source at all.
    assert!(env.ok(&["list"]).contains(&a));
    assert!(env.ok(&["show", "Alice"]).contains(&a));
    assert!(!env.ok(&["xml", &a]).is_empty());
    env.ok(&["xml"]);
    env.ok(&["ssh-key", &a]);
    env.ok(&["allowed-signers"]);
    env.ok(&["peer", "add", peer_xml.to_str().unwrap(), "-f", "Bob"]);
    env.ok(&["peer", "list"]);
    env.ok(&["peer", "show", "Bob"]);
    let v = env.ok(&[
        "verify",
        "-I",
        &a,
        "-n",
        "file",
        "-s",
        sig.to_str().unwrap(),
        data.to_str().unwrap(),
    ]);
    assert!(v.contains("Good signature"), "{v}");
    env.ok(&["friendly-name", &b, "Bee"]);
    assert_eq!(env.ok(&["default"]).trim(), a);
    env.ok(&["delete", "--yes", &b]);

    // Needing a key: exit 6 and the hint, nothing done.
    let doc = env.path("doc.xml");
    let other = Env::new();
    let theirs = other.create(&[]);
    fs::write(&doc, other.export(&theirs)).unwrap();
    let out_file = env.path("out.peerid");
    let cases: Vec<Vec<&str>> = vec![
        vec!["export", &a, "--password-file", env.s.pw.to_str().unwrap()],
        vec![
            "export",
            &a,
            "-o",
            out_file.to_str().unwrap(),
            "--password-file",
            env.s.pw.to_str().unwrap(),
        ],
        vec!["sign", &a, "-n", "file", data.to_str().unwrap()],
        vec!["create"],
        vec![
            "import",
            doc.to_str().unwrap(),
            "--password-file",
            env.s.pw.to_str().unwrap(),
        ],
        vec!["store", "unseal"],
    ];
    let listed = env.ok(&["list"]);
    for args in cases {
        let (code, stderr, json) = env.fails(&args);
        assert_eq!(code, 6, "{args:?}: {stderr}");
        assert!(
            stderr.contains("is sealed and locked"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(HINT), "{args:?}: {stderr}");
        assert_eq!(json["error"]["code"], "PEER_E_NO_KEY_ACCESS", "{args:?}");
    }
    // tls says its errors on stderr only (its stdout is the peer's data).
    let out = env.run(&["tls", "serve", &a, "--listen", "127.0.0.1:0", "--once"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains(HINT));
    assert!(!out_file.exists());
    assert_eq!(
        env.ok(&["list"]),
        listed,
        "a refused command changed the store"
    );
    // default, once there is no default identity, must create one: a key.
    env.ok(&["delete", "--yes", &a]);
    let (code, stderr, _) = env.fails(&["default"]);
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains(HINT), "{stderr}");
    let (code, _, _) = env.fails(&["xml"]);
    assert_eq!(code, 6);
    assert_eq!(env.ok(&["list"]), "");
    // With the passphrase it does.
    let out = with_pp(&env, &pp).arg("default").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (name, _, row) in key_rows(&env.store) {
        assert!(is_sealed_row(&row), "{name}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs the sqlite3 shell (the rows), a Linux program a Windows process under Wine cannot start"
)]
fn created_and_imported_identities_are_stored_sealed_and_export() {
    let env = Env::new();
    env.create(&[]);
    let pp = passphrase_file(&env, "pp", PASSPHRASE);
    seal(&env, &pp, &[]);
    let pp_arg = pp.to_str().unwrap();
    let made = env.ok(&["--passphrase-file", pp_arg, "create", "--key", "p256"]);
    let made = made.trim();
    let other = Env::new();
    let theirs = other.create(&["--key", "rsa2048"]);
    let doc = other.export(&theirs);
    let f = env.path("theirs.xml");
    fs::write(&f, &doc).unwrap();
    let pw = env.pw_arg();
    let imported = env.ok(&[
        "--passphrase-file",
        pp_arg,
        "import",
        f.to_str().unwrap(),
        "--password-file",
        &pw,
    ]);
    assert_eq!(imported.trim(), theirs);
    let rows = key_rows(&env.store);
    assert_eq!(rows.len(), 3);
    for (name, _, row) in &rows {
        assert!(is_sealed_row(row), "{name}: stored in the clear");
        assert_ne!(row[0], 0x30, "{name}: PKCS#8");
    }
    // Both export, and the exports import as the same identities elsewhere.
    for name in [made, theirs.as_str()] {
        let exported = env.ok(&[
            "--passphrase-file",
            pp_arg,
            "export",
            name,
            "--iterations",
            "1000",
            "--password-file",
            &pw,
        ]);
        let fresh = Env::new();
        let (code, out, err) = fresh.import(exported.as_bytes(), &env.s.pw);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.trim(), name);
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs sh, openssl and the sqlite3 shell, Linux programs a Windows process under Wine cannot start"
)]
fn unseal_gives_back_the_same_keys_and_a_new_passphrase_leaves_the_rows() {
    let env = Env::new();
    store_of_every_type(&env);
    let plain = key_rows(&env.store);
    let pp = passphrase_file(&env, "pp", PASSPHRASE);
    seal(&env, &pp, &[]);
    let sealed = key_rows(&env.store);
    let new = passphrase_file(&env, "new", "a new passphrase");
    let doc = env.json(&[
        "--passphrase-file",
        pp.to_str().unwrap(),
        "store",
        "passphrase",
        "--new-passphrase-file",
        new.to_str().unwrap(),
        "--work-factor",
        "11",
    ]);
    assert_eq!(doc["work_factor"], 11);
    assert_eq!(
        key_rows(&env.store),
        sealed,
        "passphrase touched the key rows"
    );
    let (code, stderr, _) =
        env.fails(&["--passphrase-file", pp.to_str().unwrap(), "store", "unseal"]);
    assert_eq!(code, 6, "the old passphrase still opens: {stderr}");
    assert!(stderr.contains("wrong passphrase"), "{stderr}");
    let doc = env.json(&[
        "--passphrase-file",
        new.to_str().unwrap(),
        "store",
        "unseal",
    ]);
    assert_eq!(doc["sealed"], false);
    assert_eq!(
        key_rows(&env.store),
        plain,
        "unseal did not give back the PKCS#8 rows"
    );
    let st = status(&env);
    assert_eq!(st["sealed"], false);
    assert_eq!(st["work_factor"], Value::Null);
    // Unsealed: everything works with no passphrase, and unseal again says so.
    env.export(&plain[0].0);
    let (code, stderr, _) = env.fails(&["store", "unseal"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("is not sealed"), "{stderr}");
    // Seal twice is refused, the store unchanged.
    seal(&env, &pp, &[]);
    let rows = key_rows(&env.store);
    let (code, stderr, _) =
        env.fails(&["--passphrase-file", pp.to_str().unwrap(), "store", "seal"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("already sealed"), "{stderr}");
    assert_eq!(key_rows(&env.store), rows);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs the sqlite3 shell (the rows), a Linux program a Windows process under Wine cannot start"
)]
fn an_empty_passphrase_or_none_at_all_is_refused_and_changes_nothing() {
    let env = Env::new();
    env.create(&[]);
    let rows = key_rows(&env.store);
    let empty = passphrase_file(&env, "empty", "");
    let (code, stderr, _) = env.fails(&[
        "--passphrase-file",
        empty.to_str().unwrap(),
        "store",
        "seal",
    ]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("empty passphrase"), "{stderr}");
    // No source and no terminal.
    let (code, stderr, _) = env.fails(&["store", "seal"]);
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("--passphrase-file"), "{stderr}");
    let missing = env.path("no-such-file");
    let (code, stderr, _) = env.fails(&[
        "--passphrase-file",
        missing.to_str().unwrap(),
        "store",
        "seal",
    ]);
    assert_eq!(code, 5, "{stderr}");
    assert!(
        stderr.contains("cannot read the passphrase file"),
        "{stderr}"
    );
    assert_eq!(key_rows(&env.store), rows);
    assert_eq!(status(&env)["sealed"], false);
}

#[test]
fn the_default_work_factor_is_ages() {
    let env = Env::new();
    env.create(&[]);
    let pp = passphrase_file(&env, "pp", PASSPHRASE);
    env.ok(&["--passphrase-file", pp.to_str().unwrap(), "store", "seal"]);
    let n = status(&env)["work_factor"].as_u64().unwrap();
    assert!((14..=22).contains(&n), "work factor {n}");
    let text = env.ok(&["store", "status"]);
    assert!(text.contains(&format!("work factor {n}")), "{text}");
}

#[test]
#[cfg_attr(windows, ignore = "needs a Unix pseudo-terminal: util-linux script(1)")]
fn on_a_terminal_seal_asks_twice_and_a_key_command_asks_again_after_a_wrong_one() {
    use crate::support::terminal::on_terminal;
    let env = Env::new();
    let name = env.create(&[]);
    let (code, screen) = on_terminal(
        &env,
        &["store", "seal", "--work-factor", "10"],
        &[
            ("New passphrase for the identity store: ", PASSPHRASE),
            ("Same passphrase again: ", "not the same"),
            ("New passphrase for the identity store: ", PASSPHRASE),
            ("Same passphrase again: ", PASSPHRASE),
        ],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("passphrases differ"), "{screen}");
    assert!(
        !screen.contains(PASSPHRASE),
        "the passphrase was echoed: {screen}"
    );
    assert_eq!(status(&env)["sealed"], true);
    let out = env.path("out.peerid");
    let (code, screen) = on_terminal(
        &env,
        &[
            "export",
            &name,
            "-o",
            out.to_str().unwrap(),
            "--iterations",
            "1000",
        ],
        &[
            ("Passphrase for the identity store: ", "a wrong one"),
            ("Passphrase for the identity store: ", PASSPHRASE),
            ("New password for the export: ", "pw"),
            ("Same password again: ", "pw"),
        ],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("wrong passphrase; try again"), "{screen}");
    assert!(out.exists());
}

#[test]
#[cfg_attr(windows, ignore = "needs a Unix pseudo-terminal: util-linux script(1)")]
fn ctrl_d_at_the_unlock_prompt_leaves_the_store_locked_exit_6() {
    use crate::support::terminal::typing;
    let env = Env::new();
    let name = env.create(&[]);
    let pp = passphrase_file(&env, "pp", PASSPHRASE);
    seal(&env, &pp, &[]);
    let out = env.path("out.peerid");
    let (code, screen) = typing(
        &env,
        &["export", &name, "-o", out.to_str().unwrap()],
        &[("Passphrase for the identity store: ", "\x04")],
    );
    assert_eq!(code, 6, "{screen}");
    assert!(screen.contains("no passphrase was typed"), "{screen}");
    assert!(!out.exists());
}
