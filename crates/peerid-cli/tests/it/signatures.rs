//! `sign`, `verify`, `ssh-key`, `allowed-signers` (docs/design.md §9),
//! checked against OpenSSH's `ssh-keygen` both ways: it accepts what
//! `peerid sign` makes given `peerid allowed-signers`, and `peerid verify`
//! accepts what it signs with the key taken out of a peerid export with
//! `openssl pkcs12`. Without ssh-keygen or openssl these tests fail.
//!
//! On Windows the tests that run those Linux programs (through bash) are
//! left out: a Windows process under Wine cannot start them. The rest, the
//! command against itself, runs there too.

use std::fs;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
#[cfg(unix)]
use std::path::Path;
use std::process::{Command as Proc, Stdio};

#[cfg(unix)]
use base64::Engine as _;

use crate::support::env::Env;
#[cfg(unix)]
use crate::support::interop::{B64, openssl_pkcs12_of_export};
use crate::support::peerid_bin;

#[cfg(unix)]
const TYPES: [&str; 3] = ["ed25519", "p256", "rsa2048"];

#[cfg(unix)]
/// `bash -c SCRIPT` in the scratch directory, with `$PEERID` the binary
/// and `$STORE` the store; returns (success, stdout, stderr).
fn bash(env: &Env, script: &str, stdin: &[u8]) -> (bool, String, String) {
    let mut c = Proc::new("bash");
    c.arg("-c")
        .arg(script)
        .current_dir(env.path(""))
        .env("PEERID", peerid_bin())
        .env("STORE", &env.store)
        .env("HOME", &env.home)
        .env_remove("PEERID_STORE");
    fed(c, stdin)
}

/// Runs `c` with `stdin` on its standard input; returns (success, stdout,
/// stderr). A command may end without reading its input (one that refuses
/// does): the broken pipe that leaves is no failure.
fn fed(mut c: Proc, stdin: &[u8]) -> (bool, String, String) {
    use std::io::Write;
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut i = child.stdin.take().unwrap();
    match i.write_all(stdin) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("writing its input: {e}"),
        _ => {}
    }
    drop(i);
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The identity's private key, out of `peerid export` through
/// `openssl pkcs12 -nodes`, in a file ssh-keygen signs with. What OpenSSH 9
/// reads differs by type: RSA and ECDSA keys as that PEM PKCS#8 `PRIVATE
/// KEY`, with the public key beside it in `FILE.pub` (`-Y sign` loads that
/// first; `ssh-keygen -y` derives it); an Ed25519 PKCS#8 key it cannot load
/// ("invalid format"), so that one is converted to OpenSSH's own format
/// with Python's cryptography package (scripts/test.sh installs it).
#[cfg(unix)]
pub fn key_from_export(env: &Env, name: &str, kt: &str, file: &str) -> String {
    let doc = env.export(name);
    let out = openssl_pkcs12_of_export(env, &doc, &["-nodes", "-nocerts"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let start = text.find("-----BEGIN PRIVATE KEY-----").unwrap();
    let path = env.path(file);
    let _ = fs::remove_file(env.path(&format!("{file}.pub")));
    fs::write(&path, &text[start..]).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let (ok, out, err) = if kt == "ed25519" {
        bash(
            env,
            &format!("python3 -c \"from cryptography.hazmat.primitives import serialization as s
k = s.load_pem_private_key(open('{file}', 'rb').read(), None)
open('{file}', 'wb').write(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.OpenSSH, s.NoEncryption()))\""),
            b"",
        )
    } else {
        bash(env, &format!("ssh-keygen -y -f {file} > {file}.pub"), b"")
    };
    assert!(ok, "{kt}: {out}{err}");
    path.to_str().unwrap().to_owned()
}

#[cfg(unix)] // ssh-keygen, openssl, python3
#[test]
fn ssh_keygen_verifies_peerid_signatures_and_refuses_others() {
    let env = Env::new();
    fs::write(env.path("msg"), b"the message\n").unwrap();
    fs::write(env.path("other"), b"another message\n").unwrap();
    for kt in TYPES {
        let a = env.create(&["--key", kt]);
        let b = env.create(&["--key", kt]);
        let sig = env.ok(&["sign", &a, "-n", "file", env.path("msg").to_str().unwrap()]);
        assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----\n"), "{sig}");
        fs::write(env.path("a.sig"), &sig).unwrap();
        env.ok(&[
            "sign",
            &b,
            "-n",
            "file",
            env.path("msg").to_str().unwrap(),
            "-o",
            env.path("b.sig").to_str().unwrap(),
            "--force",
        ]);
        let check = |peer: &str, ns: &str, msg: &str, sig: &str| {
            bash(
                &env,
                &format!(
                    "ssh-keygen -Y verify -f <(\"$PEERID\" --store \"$STORE\" allowed-signers) -I {peer} -n {ns} -s {sig} < {msg}"
                ),
                b"",
            )
        };
        let (ok, out, err) = check(&a, "file", "msg", "a.sig");
        assert!(ok, "{kt}: {err}");
        assert!(
            out.contains(&format!("Good \"file\" signature for {a}")),
            "{out}"
        );
        assert!(!check(&a, "git", "msg", "a.sig").0, "{kt}: other namespace");
        assert!(
            !check(&a, "file", "other", "a.sig").0,
            "{kt}: other message"
        );
        assert!(!check(&a, "file", "msg", "b.sig").0, "{kt}: other signer");
    }
}

#[cfg(unix)] // ssh-keygen, openssl, python3
#[test]
fn peerid_verifies_ssh_keygen_signatures_made_with_the_exported_key() {
    let env = Env::new();
    fs::write(env.path("msg"), b"signed by ssh-keygen\n").unwrap();
    for kt in TYPES {
        let name = env.create(&["--key", kt]);
        let key = key_from_export(&env, &name, kt, &format!("{kt}.pem"));
        let _ = fs::remove_file(env.path("msg.sig"));
        let (ok, _, err) = bash(
            &env,
            &format!("ssh-keygen -Y sign -n file -f {key} msg"),
            b"",
        );
        assert!(ok, "{kt}: {err}");
        let sig = env.path("msg.sig");
        let sig = sig.to_str().unwrap();
        let msg = env.path("msg");
        let msg = msg.to_str().unwrap();
        let out = env.ok(&["verify", "-I", &name, "-n", "file", "-s", sig, msg]);
        assert_eq!(out, format!("Good signature from {name}\n"));
        let doc = env.json(&["verify", "-I", &name, "-n", "file", "-s", sig, msg]);
        assert_eq!(doc["good"], true);
        assert_eq!(doc["peer_name"], name.as_str());
        assert_eq!(doc["namespace"], "file");
        assert_eq!(doc["key_type"], kt);
        // The message on stdin too.
        let out = env
            .cmd()
            .args(["verify", "-I", &name, "-n", "file", "-s", sig, "-"])
            .stdin(fs::File::open(env.path("msg")).unwrap())
            .output()
            .unwrap();
        assert!(out.status.success());

        let (code, _, doc) = env.fails(&["verify", "-I", &name, "-n", "git", "-s", sig, msg]);
        assert_eq!(code, 8, "{kt}: other namespace");
        assert_eq!(doc["error"]["code"], "TRUST_E_BAD_DIGEST");
        assert_eq!(doc["error"]["hresult"], "0x80096010");
        let other = env.create(&["--key", kt]);
        let (code, _, _) = env.fails(&["verify", "-I", &other, "-n", "file", "-s", sig, msg]);
        assert_eq!(code, 8, "{kt}: other peer");

        // Single-bit flips of the decoded blob, re-armoured: refused with
        // exit 8. (Every bit is flipped in the library's test of the same
        // signatures, crates/peerid/tests/it/sshsig_openssh.rs; here a
        // spread of them goes through the command.)
        let text = fs::read_to_string(sig).unwrap();
        let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        let blob = B64.decode(b64).unwrap();
        let bits = blob.len() * 8;
        for bit in (0..bits).step_by(bits / 40 + 1).chain([bits - 1]) {
            let mut b = blob.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            let flipped = env.path("flipped.sig");
            fs::write(
                &flipped,
                format!(
                    "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
                    B64.encode(&b)
                ),
            )
            .unwrap();
            let out = env.run(&[
                "verify",
                "-I",
                &name,
                "-n",
                "file",
                "-s",
                flipped.to_str().unwrap(),
                msg,
            ]);
            assert_eq!(
                out.status.code(),
                Some(8),
                "{kt} bit {bit}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[cfg(unix)] // ssh-keygen, openssl, python3
#[test]
fn ssh_key_line_is_read_by_ssh_keygen_with_the_identity_fingerprint() {
    let env = Env::new();
    for kt in TYPES {
        let name = env.create(&["--key", kt]);
        let line = env.ok(&["ssh-key", &name]);
        assert_eq!(line.lines().count(), 1);
        assert!(line.trim_end().ends_with(&format!(" {name}")), "{line}");
        let (ok, listed, err) = bash(&env, "ssh-keygen -l -f -", line.as_bytes());
        assert!(ok, "{kt}: {err}");
        let key = key_from_export(&env, &name, kt, "fp.pem");
        let (ok, from_private, err) = bash(&env, &format!("ssh-keygen -l -f {key}"), b"");
        assert!(ok, "{err}");
        let fp = |s: &str| s.split(' ').nth(1).unwrap().to_owned();
        assert_eq!(fp(&listed), fp(&from_private), "{kt}");
        let doc = env.json(&["ssh-key", &name]);
        assert_eq!(doc["fingerprint"], fp(&listed).as_str());
        assert_eq!(doc["ssh_key"], line.trim_end());
        assert!(listed.contains(&name), "{listed}");
    }
}

#[test]
fn allowed_signers_lists_every_identity() {
    let env = Env::new();
    let a = env.create(&["--key", "ed25519"]);
    let b = env.create(&["--key", "p256", "--classifier", "work"]);
    let text = env.ok(&["allowed-signers"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    for (name, kt) in [(&a, "ssh-ed25519 "), (&b, "ecdsa-sha2-nistp256 ")] {
        let line = lines.iter().find(|l| l.starts_with(name.as_str())).unwrap();
        assert_eq!(
            *line,
            format!(
                "{name} {}",
                env.ok(&["ssh-key", name])
                    .trim_end()
                    .rsplit_once(' ')
                    .unwrap()
                    .0
            )
        );
        assert!(line.contains(kt));
    }
    let doc = env.json(&["allowed-signers"]);
    assert_eq!(doc.as_array().unwrap().len(), 2);
}

#[test]
fn sign_and_verify_refuse_what_they_cannot_use() {
    let env = Env::new();
    let name = env.create(&[]);
    fs::write(env.path("msg"), b"m").unwrap();
    let msg = env.path("msg");
    let msg = msg.to_str().unwrap();
    // An empty namespace.
    let (code, _, _) = env.fails(&["sign", &name, "-n", "", msg]);
    assert_eq!(code, 5);
    // A signature file that is not one.
    let (code, _, doc) = env.fails(&["verify", "-I", &name, "-n", "file", "-s", msg, msg]);
    assert_eq!(code, 8);
    assert_eq!(doc["error"]["code"], "TRUST_E_BAD_DIGEST");
    // An unknown identity cannot sign.
    let (code, _, _) = env.fails(&[
        "sign",
        "0000000000000000000000000000000000000000.x",
        "-n",
        "file",
        msg,
    ]);
    assert_eq!(code, 3);
    // A signature made and checked entirely by peerid.
    let sig = env.path("m.sig");
    env.ok(&[
        "sign",
        &name,
        "-n",
        "file",
        msg,
        "-o",
        sig.to_str().unwrap(),
    ]);
    // Mode 0600 on Unix; on Windows the private DACL, which Wine cannot show.
    #[cfg(unix)]
    assert_eq!(
        fs::metadata(&sig).unwrap().permissions().mode() & 0o777,
        0o600
    );
    env.ok(&[
        "verify",
        "-I",
        &name,
        "-n",
        "file",
        "-s",
        sig.to_str().unwrap(),
        msg,
    ]);
    // Another store knows nothing of the peer, and the name still proves it.
    let other = Env::new();
    other.ok(&[
        "verify",
        "-I",
        &name,
        "-n",
        "file",
        "-s",
        sig.to_str().unwrap(),
        msg,
    ]);
}

/// A 1 GiB sparse file is signed and verified in constant memory: the
/// message is streamed, never held.
#[cfg(unix)] // /usr/bin/time
#[test]
fn a_1_gib_message_is_signed_and_verified_in_constant_memory() {
    let env = Env::new();
    let name = env.create(&[]);
    let big = env.path("big");
    let f = fs::File::create(&big).unwrap();
    f.set_len(1 << 30).unwrap();
    drop(f);
    let sig = env.path("big.sig");
    let rss = |args: &[&str]| -> u64 {
        let out = Proc::new("/usr/bin/time")
            .arg("-f")
            .arg("%M")
            .arg(peerid_bin())
            .arg("--store")
            .arg(&env.store)
            .args(args)
            .env("HOME", &env.home)
            .output()
            .expect("/usr/bin/time");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        err.lines().last().unwrap().trim().parse().unwrap()
    };
    let signing = rss(&[
        "sign",
        &name,
        "-n",
        "file",
        big.to_str().unwrap(),
        "-o",
        sig.to_str().unwrap(),
    ]);
    let verifying = rss(&[
        "verify",
        "-I",
        &name,
        "-n",
        "file",
        "-s",
        sig.to_str().unwrap(),
        big.to_str().unwrap(),
    ]);
    // Kilobytes: a held message would be over 1,000,000.
    assert!(
        signing < 40_000 && verifying < 40_000,
        "max RSS {signing} KiB, {verifying} KiB"
    );
    let _ = Path::new(&big);
}

/// A peer added from another store's `xml` output: its signatures verify,
/// with peerid and with ssh-keygen given `allowed-signers`, and the peer
/// book's entry is the key that counts for that name.
#[test]
fn a_peer_from_another_store_verifies_and_is_an_allowed_signer() {
    let bob = Env::new();
    let bob_name = bob.create(&["--key", "p256", "--classifier", "bob"]);
    let msg = bob.path("msg");
    fs::write(&msg, b"from bob\n").unwrap();
    let msg = msg.to_str().unwrap();
    let sig = bob.path("msg.sig");
    bob.ok(&[
        "sign",
        &bob_name,
        "-n",
        "file",
        msg,
        "-o",
        sig.to_str().unwrap(),
    ]);
    let sig = sig.to_str().unwrap();

    let alice = Env::new();
    let own = alice.create(&[]);
    let doc = alice.path("bob.xml");
    fs::write(&doc, bob.ok(&["xml", &bob_name])).unwrap();
    alice.ok(&[
        "peer",
        "add",
        doc.to_str().unwrap(),
        "--friendly-name",
        "Bob",
    ]);
    assert_eq!(
        alice.ok(&["verify", "-I", &bob_name, "-n", "file", "-s", sig, msg]),
        format!("Good signature from {bob_name}\n")
    );
    // allowed-signers: our identity, then the peer.
    let text = alice.ok(&["allowed-signers"]);
    let principals: Vec<&str> = text.lines().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(principals, [own.as_str(), bob_name.as_str()]);
    #[cfg(unix)] // ssh-keygen
    {
        let (ok, out, err) = bash(
            &alice,
            &format!(
                "ssh-keygen -Y verify -f <(\"$PEERID\" --store \"$STORE\" allowed-signers) -I {bob_name} -n file -s {sig} < {msg}"
            ),
            b"",
        );
        assert!(ok, "{err}");
        assert!(out.contains(&format!("Good \"file\" signature for {bob_name}")));
    }

    // Another key under Bob's name, in Alice's own store as an identity
    // signing: refused (exit 8), by the name and by the peer book's key.
    let empty = alice.path("empty");
    fs::write(&empty, b"").unwrap();
    let (code, _, doc) = alice.fails(&[
        "verify",
        "-I",
        &bob_name,
        "-n",
        "file",
        "-s",
        sig,
        empty.to_str().unwrap(),
    ]);
    assert_eq!(code, 8);
    assert_eq!(doc["error"]["code"], "TRUST_E_BAD_DIGEST");
    let mallory_sig = alice.path("m.sig");
    alice.ok(&[
        "sign",
        &own,
        "-n",
        "file",
        msg,
        "-o",
        mallory_sig.to_str().unwrap(),
    ]);
    let (code, stderr, _) = alice.fails(&[
        "verify",
        "-I",
        &bob_name,
        "-n",
        "file",
        "-s",
        mallory_sig.to_str().unwrap(),
        msg,
    ]);
    assert_eq!(code, 8, "{stderr}");
}

/// `sign NAME` and `verify -I PEER` take what every NAME takes (docs/design.md
/// §7): a friendly name or a unique beginning; `-I` looks among the
/// identities and the peer book together, and a full peer name is used as
/// it is, known or not.
#[test]
fn sign_and_verify_take_short_names() {
    let env = Env::new();
    let alice = env.create(&["--friendly-name", "Alice"]);
    fs::write(env.path("msg"), b"short names\n").unwrap();
    let msg = env.path("msg");
    let msg = msg.to_str().unwrap();
    let sig = env.ok(&["sign", "Alice", "-n", "file", msg]);
    fs::write(env.path("msg.sig"), &sig).unwrap();
    let sig_path = env.path("msg.sig");
    let sig_path = sig_path.to_str().unwrap();
    for peer in ["Alice", &alice[..6], &alice[..6].to_uppercase(), &alice] {
        let out = env.ok(&["verify", "-I", peer, "-n", "file", "-s", sig_path, msg]);
        assert_eq!(out, format!("Good signature from {alice}\n"), "-I {peer}");
    }
    // A full peer name that no store knows is still checked by its
    // authority alone: here it is another key's, so the signature is bad.
    let other = Env::new().create(&[]);
    let (code, _, _) = env.fails(&["verify", "-I", &other, "-n", "file", "-s", sig_path, msg]);
    assert_eq!(code, 8);
    let (code, _, _) = env.fails(&["verify", "-I", "Mallory", "-n", "file", "-s", sig_path, msg]);
    assert_eq!(code, 3);
}

/// `peerid -Y` as git calls it, where it must do what ssh-keygen does:
/// find-principals prints each principal of a matching line on a line of
/// its own and does not filter by namespace; a revoked-keys file with a
/// line that is not a bare public key refuses the signature (fails
/// closed), as ssh-keygen does; a principal that begins as a peer name but
/// is not a valid one is refused, not checked as a plain name.
#[test]
fn dash_y_does_what_ssh_keygen_does_for_git() {
    let env = Env::new();
    let name = env.create(&[]);
    let key = env.ok(&["ssh-key", &name]);
    let key = key.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    fs::write(env.path("msg"), b"commit\n").unwrap();
    let sig = env.ok(&[
        "sign",
        &name,
        "-n",
        "git",
        env.path("msg").to_str().unwrap(),
    ]);
    fs::write(env.path("msg.sig"), &sig).unwrap();
    fs::write(
        env.path("allowed"),
        format!("\"dev@example.com,{name}\" namespaces=\"file\" {key}\n"),
    )
    .unwrap();
    let (ok, out, err) = dash_y(
        &env,
        &["find-principals", "-f", "allowed", "-s", "msg.sig"],
        &[],
    );
    assert!(ok, "{err}");
    assert_eq!(out, format!("dev@example.com\n{name}\n"));

    fs::write(env.path("allowed"), format!("{name} {key}\n")).unwrap();
    let verify = |extra: &[&str], principal: &str| {
        let mut args = vec![
            "verify", "-n", "git", "-f", "allowed", "-I", principal, "-s", "msg.sig",
        ];
        args.extend_from_slice(extra);
        dash_y(&env, &args, b"commit\n")
    };
    let (ok, out, err) = verify(&[], &name);
    assert!(ok, "{err}");
    assert!(
        out.starts_with(&format!(
            "Good \"git\" signature for {name} with ED25519 key SHA256:"
        )),
        "{out}"
    );
    fs::write(env.path("revoked"), format!("mallory@example.com {key}\n")).unwrap();
    let (ok, _, err) = verify(&["-r", "revoked"], &name);
    assert!(
        !ok,
        "a revoked-keys line peerid cannot read let the key through"
    );
    assert!(err.contains("revoked keys file"), "{err}");
    fs::write(env.path("revoked"), "# nothing revoked\n").unwrap();
    assert!(verify(&["-r", "revoked"], &name).0);

    // The key's own authority with a classifier too long to be a peer name.
    let bad = format!("{}.{}", &name[..40], "x".repeat(200));
    fs::write(env.path("allowed"), format!("{}* {key}\n", &name[..40])).unwrap();
    let (ok, _, err) = verify(&[], &bad);
    assert!(!ok, "an invalid peer name was checked as a plain principal");
    assert!(err.contains("not a valid peer name"), "{err}");
}

/// `peerid -Y ARGS` as git runs it: in the scratch directory, the store from
/// `PEERID_STORE` (git passes no `--store`), `stdin` on its standard input;
/// returns (success, stdout, stderr).
fn dash_y(env: &Env, args: &[&str], stdin: &[u8]) -> (bool, String, String) {
    let mut c = Proc::new(peerid_bin());
    c.arg("-Y")
        .args(args)
        .current_dir(env.path(""))
        .env("PEERID_STORE", &env.store)
        .env("HOME", &env.home)
        .env_remove("PEERID_PASSPHRASE_FILE")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    fed(c, stdin)
}
