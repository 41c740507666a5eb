//! Prints how long encoding and decoding a PFX takes, to compare with
//! `openssl pkcs12`. Run it in release mode:
//!
//! ```text
//! cargo run --release -p peerid --example pfx_timing -- KEY.der CERT.der OUT.pfx [ITERATIONS]
//! time openssl pkcs12 -in OUT.pfx -nokeys -passin pass:x -out /dev/null
//! ```
//!
//! The password is `x`.

use std::time::Instant;

use peerid::testkit::pfx;
use peerid::{ExportParams, PfxProfile};
use secrecy::SecretString;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, key, cert, out, rest @ ..] = args.as_slice() else {
        return Err("usage: pfx_timing KEY.der CERT.der OUT.pfx [ITERATIONS]".into());
    };
    let iterations = rest
        .first()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(600_000);
    let password = SecretString::from("x".to_owned());
    let params = ExportParams {
        profile: PfxProfile::Modern,
        iterations,
    };
    let start = Instant::now();
    let der = pfx::encode(
        &std::fs::read(key)?,
        &std::fs::read(cert)?,
        Some("timing"),
        &password,
        &params,
    )?;
    let encode = start.elapsed();
    std::fs::write(out, &der)?;
    let start = Instant::now();
    let contents = pfx::decode(&der, &password, iterations.max(pfx::DEFAULT_MAX_ITERATIONS))?;
    let decode = start.elapsed();
    println!("| iterations | encode | decode |");
    println!("|---|---|---|");
    println!(
        "| {iterations} | {:.3} s | {:.3} s |",
        encode.as_secs_f64(),
        decode.as_secs_f64()
    );
    assert_eq!(contents.keys.len(), 1);
    Ok(())
}
