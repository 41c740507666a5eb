//! Exhaustive tampering: every single-bit change of an export's PFX is
//! refused, and a refused import writes nothing (docs/design.md §4: "an import
//! either adds exactly one identity or changes nothing").
//!
//! The exports use one iteration, so each attempt costs a parse and a few
//! hashes; a 1-2 KB PFX gives 8,000-16,000 attempts per profile.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

use std::collections::BTreeMap;

use peerid::testkit::export_document;
use peerid::{
    Classifier, CreateOptions, Error, ExportParams, FriendlyName, ImportOptions, PeerName,
    PfxProfile, Store,
};
use secrecy::SecretString;

/// How often the store is listed in full while flipping; it is listed, and
/// the identity looked up, after every attempt that is not refused, and at
/// the end.
const FULL_CHECK_EVERY: usize = 512;

fn flip_every_bit(profile: PfxProfile) {
    let tmp = crate::support::tempdir();
    let source = Store::open(tmp.path().join("source")).unwrap();
    let name = source
        .create(&CreateOptions {
            classifier: Classifier::new("tamper").unwrap(),
            friendly_name: FriendlyName::new("bit flips").unwrap(),
            ..CreateOptions::default()
        })
        .unwrap();
    let password = SecretString::from("tamper test".to_owned());
    let params = ExportParams {
        profile,
        iterations: 1,
    };
    let doc = source.export(&name, &password, &params).unwrap();
    let pfx = export_document::parse(doc.as_bytes()).unwrap().pfx;
    let peer_name = name.to_string();

    // A bystander identity, so "nothing written" also means "nothing else
    // changed".
    let target = Store::open(tmp.path().join("target")).unwrap();
    target.create(&CreateOptions::default()).unwrap();
    let before = target.list().unwrap();
    let opts = ImportOptions::default();

    // The untouched document imports: the refusals below are the flips'.
    let control = Store::open(tmp.path().join("control")).unwrap();
    assert_eq!(
        control.import(doc.as_bytes(), &password, &opts).unwrap(),
        name
    );

    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    let mut accepted = Vec::new();
    let bits = pfx.len() * 8;
    let mut tampered = pfx.clone();
    for bit in 0..bits {
        let (byte, mask) = (bit / 8, 1u8 << (bit % 8));
        tampered[byte] ^= mask;
        let document = export_document::emit(&peer_name, &tampered);
        match target.import(document.as_bytes(), &password, &opts) {
            Ok(got) => {
                eprintln!("bit {bit} (byte {byte}) was imported as {got}");
                accepted.push((bit, got));
            }
            Err(e) => *refusals.entry(variant(&e)).or_default() += 1,
        }
        tampered[byte] ^= mask;
        if bit % FULL_CHECK_EVERY == 0 || accepted.last().is_some_and(|(b, _)| *b == bit) {
            assert_untouched(&target, &before, &name, bit);
        }
    }
    assert_untouched(&target, &before, &name, bits);
    target.check_integrity().unwrap();
    eprintln!(
        "{profile:?}: {bits} single-bit flips of a {} byte PFX; refusals by error: {refusals:?}",
        pfx.len()
    );
    assert!(
        accepted.is_empty(),
        "{} of {bits} tampered PFXs were imported, first at bits {:?}",
        accepted.len(),
        accepted.iter().take(10).map(|(b, _)| b).collect::<Vec<_>>()
    );
    assert_eq!(refusals.values().sum::<usize>(), bits);
}

fn assert_untouched(
    store: &Store,
    before: &[peerid::IdentitySummary],
    name: &PeerName,
    bit: usize,
) {
    assert_eq!(
        store.list().unwrap(),
        before,
        "the store changed at bit {bit}"
    );
    assert!(
        matches!(store.show(name), Err(Error::NotFound { .. })),
        "the identity is present after bit {bit}"
    );
}

/// The variant name of an error, for the tally.
fn variant(e: &Error) -> String {
    let debug = format!("{e:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn every_bit_of_a_modern_pfx() {
    flip_every_bit(PfxProfile::Modern);
}

#[test]
fn every_bit_of_a_legacy_pfx() {
    flip_every_bit(PfxProfile::Legacy);
}
