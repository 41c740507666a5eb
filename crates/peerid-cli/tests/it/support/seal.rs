//! What the sealed-store tests share (docs/design.md §12): passphrase files,
//! sealing at the lowest work factor, the key rows as the sqlite3 shell reads
//! them, and the real `age -d` on a pseudo-terminal.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::env::Env;

pub const PASSPHRASE: &str = "sealing wax and string";
/// The lowest work factor the library takes: the tests' seals are cheap.
pub const WORK_FACTOR: &str = "10";

/// Writes `passphrase` and a line end to `name` in the scratch directory.
pub fn passphrase_file(env: &Env, name: &str, passphrase: &str) -> PathBuf {
    let f = env.path(name);
    fs::write(&f, format!("{passphrase}\n")).unwrap();
    f
}

/// `peerid --passphrase-file PP store seal --work-factor 10 EXTRA...`.
pub fn seal(env: &Env, pp: &Path, extra: &[&str]) {
    let mut args = vec![
        "--passphrase-file",
        pp.to_str().unwrap(),
        "store",
        "seal",
        "--work-factor",
        WORK_FACTOR,
    ];
    args.extend_from_slice(extra);
    env.ok(&args);
}

/// `env.cmd()` with `PEERID_PASSPHRASE_FILE` set.
pub fn with_pp(env: &Env, pp: &Path) -> Command {
    let mut c = env.cmd();
    c.env("PEERID_PASSPHRASE_FILE", pp);
    c
}

/// One identity row: (peer name, key type, private_key bytes).
pub type Row = (String, String, Vec<u8>);

/// The identity rows of the store in `dir`, read by the sqlite3 shell.
pub fn key_rows(dir: &Path) -> Vec<Row> {
    let db = dir.join("peerid.sqlite3");
    let out = Command::new("sqlite3")
        .arg("-readonly")
        .arg(&db)
        .arg("SELECT peer_name, key_type, hex(private_key) FROM identity ORDER BY peer_name")
        .output()
        .expect("the sqlite3 shell (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "sqlite3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut f = l.split('|');
            let (n, t, k) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
            (n.to_owned(), t.to_owned(), unhex(k))
        })
        .collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim();
    assert!(s.len().is_multiple_of(2), "odd hex {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether a row is a sealed key (`0x01 || nonce || ciphertext`), not PKCS#8.
pub fn is_sealed_row(row: &[u8]) -> bool {
    row.first() == Some(&0x01) && row.len() > 1 + 12 + 16 + 32
}

/// Runs `line` under `script` on a pseudo-terminal, typing `answer` and a
/// line end once `prompt` shows; returns (exit code, screen).
pub fn on_pty(line: &str, prompt: &str, answer: &str) -> (i32, String) {
    use std::io::{Read, Write};
    use std::sync::mpsc;
    let mut child = Command::new("script")
        .args(["-qec", line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux)");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !screen.contains(prompt) {
        let wait = deadline.saturating_duration_since(Instant::now());
        let chunk = rx
            .recv_timeout(wait)
            .unwrap_or_else(|_| panic!("no prompt {prompt:?} from {line}: {screen}"));
        screen.push_str(&String::from_utf8_lossy(&chunk));
    }
    std::thread::sleep(Duration::from_millis(100));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{answer}\n").as_bytes()).unwrap();
    // Kept open until the command ends: script stops at its stdin's end.
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{line} hangs");
        std::thread::sleep(Duration::from_millis(10));
    };
    drop(stdin);
    while let Ok(chunk) = rx.recv_timeout(Duration::from_secs(1)) {
        screen.push_str(&String::from_utf8_lossy(&chunk));
    }
    (status.code().unwrap_or(-1), screen)
}

/// The real `age -d` of `wrapped` with `passphrase` (age reads it from the
/// terminal only): the 32 bytes of the store key.
pub fn age_decrypt(env: &Env, wrapped: &Path, passphrase: &str) -> Vec<u8> {
    let out = env.path("store-key.bin");
    let _ = fs::remove_file(&out);
    let line = format!("age -d -o '{}' '{}'", out.display(), wrapped.display());
    let (code, screen) = on_pty(&line, "passphrase", passphrase);
    assert_eq!(code, 0, "age -d: {screen}");
    fs::read(&out).unwrap()
}

/// Decrypts a sealed row with `store_key` as docs/design.md §12 says
/// (ChaCha20-Poly1305, aad "peerid sealed key v1\0" peer name "\0" key
/// type), with Python's `cryptography`; returns the PKCS#8 DER or None.
pub fn open_row(store_key: &[u8], row: &Row) -> Option<Vec<u8>> {
    let (name, key_type, data) = row;
    let script = "import sys\n\
        from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305\n\
        key, row, aad = (bytes.fromhex(a) for a in sys.argv[1:4])\n\
        assert row[0] == 1\n\
        try:\n    print(ChaCha20Poly1305(key).decrypt(row[1:13], row[13:], aad).hex())\n\
        except Exception:\n    sys.exit(3)\n";
    let aad = [
        b"peerid sealed key v1\0".as_slice(),
        name.as_bytes(),
        b"\0",
        key_type.as_bytes(),
    ]
    .concat();
    let out = Command::new("python3")
        .args(["-c", script, &hex(store_key), &hex(data), &hex(&aad)])
        .output()
        .expect("python3 with cryptography (scripts/test.sh installs it)");
    match out.status.code() {
        Some(0) => Some(unhex(&String::from_utf8(out.stdout).unwrap())),
        Some(3) => None,
        _ => panic!("python3: {}", String::from_utf8_lossy(&out.stderr)),
    }
}
