//! `show` prints the creation time and the key's fingerprint as
//! `ssh-keygen -l` prints it; `list --long` is aligned columns for people,
//! and plain `list` stays one tab-separated line each for scripts.

use std::fs;
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::support::env::Env;

/// The line of `show` that begins with `label`, without it.
fn field(show: &str, label: &str) -> String {
    show.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label} in {show}"))
        .trim()
        .to_owned()
}

/// `ssh-keygen -l -E sha256` of an OpenSSH public key line.
fn ssh_keygen_fingerprint(env: &Env, line: &str) -> String {
    let file = env.path("key.pub");
    fs::write(&file, format!("{line}\n")).unwrap();
    let out = Command::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f"])
        .arg(&file)
        .output()
        .expect("ssh-keygen (openssh-client) prints the fingerprint");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "256 SHA256:... comment (ED25519)"
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned()
}

/// The identity's public key as an OpenSSH line, made without peerid's own
/// OpenSSH encoder: openssl reads the key out of the certificate, and
/// `ssh-keygen -i` converts it (for Ed25519, which OpenSSH 9.2 cannot
/// import, the line is built from the raw key by hand).
fn openssh_line(env: &Env, name: &str, key: &str) -> String {
    let store = peerid::Store::open(&env.store).unwrap();
    let idc = store
        .get(&peerid::PeerName::parse_secure(name).unwrap())
        .unwrap();
    let der = env.path("idc.der");
    fs::write(&der, idc.idc().as_der()).unwrap();
    let pem = env.path("pub.pem");
    let spki = env.path("pub.der");
    for (form, out) in [("PEM", &pem), ("DER", &spki)] {
        let ok = Command::new("openssl")
            .args(["x509", "-inform", "DER", "-noout", "-pubkey", "-in"])
            .arg(&der)
            .output()
            .unwrap();
        assert!(ok.status.success());
        let pem_text = ok.stdout;
        if form == "PEM" {
            fs::write(out, &pem_text).unwrap();
        } else {
            let conv = Command::new("openssl")
                .args(["pkey", "-pubin", "-outform", "DER", "-in"])
                .arg(&pem)
                .output()
                .unwrap();
            assert!(conv.status.success());
            fs::write(out, conv.stdout).unwrap();
        }
    }
    if key == "ed25519" {
        let spki = fs::read(&spki).unwrap();
        let raw = &spki[spki.len() - 32..];
        let mut blob = Vec::new();
        for part in [&b"ssh-ed25519"[..], raw] {
            blob.extend((part.len() as u32).to_be_bytes());
            blob.extend(part);
        }
        return format!("ssh-ed25519 {}", STANDARD.encode(blob));
    }
    let out = Command::new("ssh-keygen")
        .args(["-i", "-m", "PKCS8", "-f"])
        .arg(&pem)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs ssh-keygen, a Linux program a Windows process under Wine cannot start"
)]
fn show_gives_the_fingerprint_ssh_keygen_gives_and_the_creation_time() {
    let env = Env::new();
    for key in ["ed25519", "p256", "rsa2048"] {
        let before = std::time::SystemTime::now();
        let name = env.create(&["--key", key, "--classifier", key]);
        let show = env.ok(&["show", &name]);
        let fingerprint = field(&show, "fingerprint:");
        assert!(fingerprint.starts_with("SHA256:"), "{show}");
        let line = openssh_line(&env, &name, key);
        assert_eq!(fingerprint, ssh_keygen_fingerprint(&env, &line), "{key}");
        let created = field(&show, "created:");
        // RFC 3339 in UTC, to the second, and now.
        assert_eq!(created.len(), "2026-12-01T16:38:32Z".len(), "{created}");
        assert!(created.ends_with('Z') && created.as_bytes()[10] == b'T');
        let year = before
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 31_556_952
            + 1970;
        assert!(created.starts_with(&year.to_string()), "{created}");
    }
}

#[test]
fn list_long_is_aligned_and_plain_list_is_unchanged() {
    let env = Env::new();
    let a = env.create(&[
        "--classifier",
        "a-much-longer-classifier",
        "--friendly-name",
        "A",
    ]);
    let b = env.create(&["--key", "p256", "--friendly-name", "B\tb"]);
    env.ok(&["default", "--set", &b]);
    let plain = env.ok(&["list"]);
    let mut expected = [format!("{a}\tA"), format!("{b}\tB\\u{{9}}b")];
    expected.sort();
    assert_eq!(plain, format!("{}\n{}\n", expected[0], expected[1]));

    let long = env.ok(&["list", "--long"]);
    let lines: Vec<&str> = long.lines().collect();
    assert_eq!(lines.len(), 3, "{long}");
    assert!(lines[0].starts_with("PEER NAME"), "{long}");
    // Every column starts where its header does.
    for header in ["KEY", "DEFAULT", "CREATED", "FRIENDLY NAME"] {
        let at = lines[0].find(header).unwrap();
        for line in &lines[1..] {
            assert_eq!(&line[at - 2..at], "  ", "{header} not aligned:\n{long}");
            // Only the default mark may be blank.
            if header != "DEFAULT" {
                assert_ne!(line.as_bytes()[at], b' ', "{header}:\n{long}");
            }
        }
    }
    let b_line = lines.iter().find(|l| l.starts_with(&b)).unwrap();
    let a_line = lines.iter().find(|l| l.starts_with(&a)).unwrap();
    let default_at = lines[0].find("DEFAULT").unwrap();
    assert_eq!(&b_line[default_at..default_at + 1], "*", "{long}");
    assert_eq!(&a_line[default_at..default_at + 1], " ", "{long}");
    assert!(
        b_line.contains(" p256 ") && b_line.ends_with("B\\u{9}b"),
        "{long}"
    );
    // --json is unchanged by --long.
    assert_eq!(
        env.ok(&["--json", "list", "--long"]),
        env.ok(&["--json", "list"])
    );
}
