//! A microbenchmark of the derivation loops against this machine's SHA-256
//! and SHA-512, printed, not asserted (a benchmark, not a timed test). Run
//! it in a release build, on an idle machine:
//!
//! ```text
//! cargo test --release -p peerid --lib pbe::speed -- --ignored --nocapture
//! ```
//!
//! It prints nanoseconds per compression of PBKDF2-HMAC-SHA256 and -SHA512,
//! the PKCS#12 KDF with SHA-256 and SHA-1, and of `sha2`'s compression
//! function over many blocks in one call (its own speed, the floor for these
//! loops), then `openssl speed -evp sha256` for comparison when `openssl`
//! is on the path. The best of several runs is kept, each timed by the
//! CPU time of its thread (`/proc/thread-self/schedstat`, so that other work
//! on the machine does not count) where Linux gives it, else by the clock.

use std::hint::black_box;
use std::time::Instant;

use super::engine::{Engine, Sha1, Sha256, Sha512};
use super::jobs::Cancel;
use super::pbkdf2::pbkdf2_hmac;
use super::pkcs12_kdf::{Purpose, derive};

const RUNS: usize = 7;

/// Nanoseconds this thread has run on a CPU, if Linux says. The kernel
/// brings the count up to date only when the thread is switched out or at
/// a timer tick, so the thread sleeps first: the value is then exact.
fn thread_cpu_ns() -> Option<u64> {
    std::thread::sleep(std::time::Duration::from_millis(1));
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// The best time of `f` over [`RUNS`] runs, per compression (`f` does
/// `compressions` of them).
fn best(compressions: u64, mut f: impl FnMut()) -> f64 {
    (0..RUNS)
        .map(|_| {
            let (cpu, wall) = (thread_cpu_ns(), Instant::now());
            f();
            let ns = match (cpu, thread_cpu_ns()) {
                (Some(a), Some(b)) => (b - a) as f64,
                _ => wall.elapsed().as_nanos() as f64,
            };
            ns / compressions as f64
        })
        .fold(f64::MAX, f64::min)
}

/// `sha2`'s compression function over 64 blocks a call: the hash's own
/// speed, with the state kept in registers from block to block.
fn blocks256(n: usize) -> f64 {
    let blocks = vec![[0u8; 64]; 64];
    best((n * 64) as u64, || {
        let mut state = Sha256::iv();
        for _ in 0..n {
            sha2::block_api::compress256(&mut state, black_box(&blocks));
        }
        black_box(&state);
    })
}

/// [`blocks256`] for SHA-512.
fn blocks512(n: usize) -> f64 {
    let blocks = vec![[0u8; 128]; 64];
    best((n * 64) as u64, || {
        let mut state = Sha512::iv();
        for _ in 0..n {
            sha2::block_api::compress512(&mut state, black_box(&blocks));
        }
        black_box(&state);
    })
}

#[test]
#[ignore = "a benchmark: run it in release mode with --ignored --nocapture"]
fn ns_per_compression() {
    let n: u32 = 300_000;
    let never = Cancel::new();
    type Pbkdf2 = fn(&[u8], &[u8], u32, &mut [u8], &Cancel) -> Result<(), super::Cancelled>;
    let pbkdf2 = |f: Pbkdf2| {
        best(2 * u64::from(n), || {
            let mut out = [0u8; 32];
            f(b"password", b"salt", black_box(n), &mut out, &never).expect("not cancelled");
            black_box(out);
        })
    };
    let sha256_pbkdf2 = pbkdf2(pbkdf2_hmac::<Sha256>);
    let sha512_pbkdf2 = pbkdf2(pbkdf2_hmac::<Sha512>);
    let sha256_p12 = best(u64::from(n), || {
        let key = derive::<Sha256>(
            b"\0p\0w\0\0",
            b"salt",
            Purpose::Mac,
            black_box(n),
            32,
            &never,
        );
        black_box(key.expect("not cancelled"));
    });
    let sha1_p12 = best(u64::from(n), || {
        let key = derive::<Sha1>(
            b"\0p\0w\0\0",
            b"salt",
            Purpose::Key,
            black_box(n),
            20,
            &never,
        );
        black_box(key.expect("not cancelled"));
    });
    let clock = if thread_cpu_ns().is_some() {
        "thread CPU time"
    } else {
        "wall time"
    };
    println!("ns per compression (best of {RUNS}, {n} iterations, {clock}):");
    println!("  PBKDF2-HMAC-SHA256 {sha256_pbkdf2:.1}");
    println!("  PKCS#12 KDF SHA-256 {sha256_p12:.1}");
    println!(
        "  sha2 compress256, 64 blocks a call {:.1}",
        blocks256(5000)
    );
    println!("  PBKDF2-HMAC-SHA512 {sha512_pbkdf2:.1}");
    println!(
        "  sha2 compress512, 64 blocks a call {:.1}",
        blocks512(3000)
    );
    println!("  PKCS#12 KDF SHA-1 {sha1_p12:.1}");
    let openssl = std::process::Command::new("openssl")
        .args([
            "speed", "-mr", "-evp", "sha256", "-bytes", "16384", "-seconds", "1",
        ])
        .output();
    if let Ok(out) = openssl {
        // +R:<count>:sha256:<seconds>; one compression per 64 bytes and one
        // for the padding.
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        for line in text.lines().filter(|l| l.starts_with("+R:")) {
            let f: Vec<&str> = line.split(':').collect();
            if let (Some(Ok(count)), Some(Ok(secs))) = (
                f.get(1).map(|c| c.parse::<f64>()),
                f.get(3).map(|s| s.parse::<f64>()),
            ) {
                println!(
                    "  openssl speed -evp sha256 {:.1}",
                    secs * 1e9 / (count * 257.0)
                );
            }
        }
    }
}
