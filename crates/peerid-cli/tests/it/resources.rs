//! Resource bounds of `peerid import` (docs/design.md §4: every bound is
//! checked before work is spent on what it bounds):
//! for worst-case inputs up to the 1 MiB limit, the peak resident set stays
//! under 64 MiB; larger input, even an endless stream, is refused before
//! parsing with a message that says so, and memory stays small.
//!
//! The peak is the child's ru_maxrss from wait4(2), read by
//! tests/it/support/maxrss.py; the two worst-case PFX files are written by
//! Python's cryptography package (tests/it/support/big_pfx.py).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{PASSWORD, Scratch, peerid_bin};
use base64::Engine as _;
use serde_json::Value;

const LIMIT: usize = 1 << 20;
const MAX_RSS_KIB: u64 = 64 * 1024;
/// An input refused by size must not be read into memory: a few MiB at most.
const REFUSED_RSS_KIB: u64 = 16 * 1024;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn support_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/support")
        .join(name)
}

fn envelope(peer_name: &str, base64: &str) -> Vec<u8> {
    format!(
        "<PEERIDENTITYEXPORT VERSION=\"1.0\">\n   <IDENTITY>{peer_name}</IDENTITY>\n   \
         <IDENTITYDATA xmlns:dt=\"urn:schemas-microsoft-com:datatypes\" dt:dt=\"bin.base64\">{base64}</IDENTITYDATA>\n\
         </PEERIDENTITYEXPORT>\n"
    )
    .into_bytes()
}

/// Runs `peerid import -` with stdin from `source` (a path, or `stream:N`).
fn measure(s: &Scratch, source: &str) -> Value {
    let store = s.path("store");
    let out = Command::new("python3")
        .arg(support_script("maxrss.py"))
        .arg(source)
        .arg("--")
        .arg(peerid_bin())
        .arg("--store")
        .arg(&store)
        .args(["import", "-", "--password-file", s.pw.to_str().unwrap()])
        .env_remove("PEERID_STORE")
        .output()
        .expect("python3 is needed (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "maxrss.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs python3 (the PFX files, and the peak RSS from wait4), a Linux program a Windows process under Wine cannot start"
)]
fn import_memory_is_bounded() {
    let s = Scratch::new();
    let name = "0123456789abcdef0123456789abcdef01234567.worst";
    let mut inputs: Vec<(&str, Vec<u8>)> = Vec::new();

    // 1 MiB of base64 that decodes to junk.
    let room = LIMIT - envelope(name, "").len();
    inputs.push((
        "1 MiB of base64 junk",
        envelope(name, &"QUJD".repeat(room / 4)),
    ));
    // 1 MiB of nested tags.
    inputs.push(("1 MiB of nested tags", b"<a>".repeat(LIMIT / 3)));
    // 1 MiB of one text node.
    inputs.push(("1 MiB peer name", envelope(&"a".repeat(room - 8), "QUJD")));
    // Two PFX files written by Python's cryptography, MAC'd with the password.
    let made_pfx = Command::new("python3")
        .arg(support_script("big_pfx.py"))
        .arg(s.tmp.path())
        .arg(PASSWORD)
        .output()
        .expect("python3 is needed (scripts/test.sh installs it)");
    assert!(
        made_pfx.status.success(),
        "big_pfx.py (needs Python's cryptography; scripts/test.sh installs it): {}",
        String::from_utf8_lossy(&made_pfx.stderr)
    );
    for (label, file) in [
        ("PFX with 64 bags", "pfx_64_bags.p12"),
        ("PFX with 65 bags", "pfx_65_bags.p12"),
        ("max-size valid PFX (736 KB, 64 bags)", "pfx_max_size.p12"),
    ] {
        let pfx = std::fs::read(s.path(file)).unwrap();
        inputs.push((label, envelope(name, &B64.encode(&pfx))));
    }
    // The real thing, as large as peerid makes it.
    let real = s.path("rsa4096");
    let made = s.ok(&real, &["create", "--key", "rsa4096"]);
    let doc = s.ok(
        &real,
        &[
            "export",
            made.trim(),
            "--iterations",
            "1000",
            "--password-file",
            s.pw.to_str().unwrap(),
        ],
    );
    inputs.push(("real RSA-4096 export", doc.into_bytes()));

    let mut table = String::new();
    for (label, bytes) in &inputs {
        assert!(bytes.len() <= LIMIT, "{label}: {} bytes", bytes.len());
        let path = s.path("input");
        std::fs::write(&path, bytes).unwrap();
        let r = measure(&s, path.to_str().unwrap());
        let rss = r["maxrss_kib"].as_u64().unwrap();
        let status = r["status"].as_i64().unwrap();
        let stderr = r["stderr"].as_str().unwrap();
        assert!(
            status >= 0 && status != 101,
            "{label}: status {status}: {stderr}"
        );
        assert!(rss < MAX_RSS_KIB, "{label}: peak RSS {rss} KiB");
        table.push_str(&format!(
            "  {label:<40} {:>8} bytes  exit {status}  peak RSS {rss:>6} KiB  {}\n",
            bytes.len(),
            stderr.lines().next().unwrap_or("")
        ));
    }

    // Over the limit: one byte over, from a file; and a 100 MiB stream.
    let over = s.path("over");
    std::fs::write(&over, vec![b'<'; LIMIT + 1]).unwrap();
    for (label, source) in [
        ("1 MiB + 1 byte", over.to_str().unwrap().to_owned()),
        ("100 MiB stream on stdin", format!("stream:{}", 100 << 20)),
    ] {
        let r = measure(&s, &source);
        let rss = r["maxrss_kib"].as_u64().unwrap();
        let stderr = r["stderr"].as_str().unwrap();
        assert_eq!(r["status"].as_i64(), Some(5), "{label}: {stderr}");
        assert!(stderr.contains("-byte limit"), "{label}: {stderr}");
        assert!(rss < REFUSED_RSS_KIB, "{label}: peak RSS {rss} KiB");
        table.push_str(&format!(
            "  {label:<40} {:>8} sent   exit 5  peak RSS {rss:>6} KiB  {}\n",
            r["sent"],
            stderr.trim()
        ));
    }
    eprintln!("import peak RSS (limit {MAX_RSS_KIB} KiB):\n{table}");
}
