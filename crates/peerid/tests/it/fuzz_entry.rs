//! The entry points of the fuzz targets, shared by the cargo-fuzz crate
//! (`fuzz/src/lib.rs` includes this file) and the regression replay
//! (`tests/it/fuzz_regressions.rs`), so that a crash file is replayed through
//! exactly the code the fuzzer ran.
//!
//! Each function takes arbitrary bytes, may return an error, and panics only
//! when an assertion about the library's behaviour fails.

use peerid::format::{envelope, info, pfx};
use peerid::store::{ImportOptions, verify_export_document};
use peerid::{Classifier, FriendlyName, PeerName};
use secrecy::SecretString;

/// The password every seed is exported with (`fuzz/seed.sh`).
pub const PASSWORD: &str = "fuzz";

/// The iteration cap of the PFX targets. Low, so that a replay without
/// `cfg(fuzzing)` (where derivations run in full) stays fast; the Windows
/// fixtures (2,000) and the seeds (1) are under it.
pub const MAX_ITERATIONS: u32 = 2_048;

fn password() -> SecretString {
    SecretString::from(PASSWORD.to_owned())
}

/// `export_document`: the whole import path minus the insert
/// ([`verify_export_document`]), plus the envelope's emit/parse round trip.
pub fn export_document(data: &[u8]) -> peerid::Result<()> {
    if let Ok(doc) = envelope::parse(data) {
        // Whatever parses must survive being written and read again.
        let again = envelope::emit(&doc.peer_name, &doc.pfx);
        let reparsed = envelope::parse(again.as_bytes());
        assert_eq!(reparsed.ok().as_ref(), Some(&doc), "envelope round trip");
    }
    let opts = ImportOptions {
        max_iterations: MAX_ITERATIONS,
    };
    let verified = verify_export_document(data, &password(), &opts)?;
    assert_eq!(
        verified.key.authority(),
        *verified.peer_name.authority(),
        "an import's name is its key's"
    );
    Ok(())
}

/// `pfx_decode`: the PFX decoder alone.
pub fn pfx_decode(data: &[u8]) -> peerid::Result<()> {
    let contents = pfx::decode(data, &password(), MAX_ITERATIONS)?;
    assert_eq!(contents.keys.len(), 1, "decode returns exactly one key");
    Ok(())
}

/// `identity_info`: the `PEERIDENTITYINFO` parser, and its emit/parse round
/// trip on what it accepts.
pub fn identity_info(data: &[u8]) -> peerid::Result<()> {
    let parsed = info::parse(data)?;
    let again = info::parse(info::emit(&parsed.der).as_bytes());
    assert_eq!(again.ok().as_ref(), Some(&parsed), "info round trip");
    Ok(())
}

/// `peer_name`: peer names, classifiers and friendly names from arbitrary
/// UTF-8, with their round trips.
pub fn peer_name(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = PeerName::parse(text);
    if let Ok(name) = &parsed {
        let printed = name.to_string();
        assert_eq!(
            PeerName::parse(&printed).as_ref().ok(),
            Some(name),
            "peer name round trip"
        );
        assert_eq!(
            printed.parse::<PeerName>().ok().as_ref(),
            Some(name),
            "FromStr agrees with parse"
        );
        assert!(!printed.contains('\0'));
    }
    let secure = PeerName::parse_secure(text);
    assert_eq!(
        secure.is_ok(),
        parsed.as_ref().is_ok_and(|n| n.authority().is_secure()),
        "parse_secure is parse plus a secure authority"
    );
    if let Ok(classifier) = Classifier::new(text) {
        // NFC is idempotent: a classifier is its own normal form.
        let again = Classifier::new(classifier.as_str());
        assert_eq!(
            again.ok().as_ref(),
            Some(&classifier),
            "classifier round trip"
        );
    }
    if let Ok(friendly) = FriendlyName::new(text) {
        assert_eq!(
            friendly.as_str(),
            text,
            "friendly names are stored as given"
        );
    }
}
