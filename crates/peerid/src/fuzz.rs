//! The entry points of the fuzz targets (`fuzz/fuzz_targets/*.rs` call them
//! through `fuzz/src/lib.rs`), compiled only for `cfg(fuzzing)` and for this
//! crate's unit tests, which replay every file of `fuzz/regressions/`
//! through them: a crash file is replayed through exactly the code the
//! fuzzer ran. Not part of the API.
//!
//! Each function takes arbitrary bytes, may return an error, and panics only
//! when an assertion about the library's behaviour fails.

use secrecy::SecretString;

use crate::format::{export_document, identity_info, pfx};
use crate::transfer::{self, ImportOptions};
use crate::{Classifier, FriendlyName, PeerName};

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
/// ([`transfer::import`]), plus the envelope's emit/parse round trip.
///
/// # Errors
/// As [`transfer::import`].
pub fn export_document(data: &[u8]) -> crate::Result<()> {
    if let Ok(doc) = export_document::parse(data) {
        // Whatever parses must survive being written and read again.
        let again = export_document::emit(&doc.peer_name, &doc.pfx);
        let reparsed = export_document::parse(again.as_bytes());
        assert_eq!(reparsed.ok().as_ref(), Some(&doc), "envelope round trip");
    }
    let opts = ImportOptions {
        max_iterations: MAX_ITERATIONS,
    };
    let imported = transfer::import(data, &password(), &opts)?;
    assert_eq!(
        imported.identity.private_key().authority(),
        *imported.identity.peer_name().authority(),
        "an import's name is its key's"
    );
    Ok(())
}

/// `pfx_decode`: the PFX decoder alone.
///
/// # Errors
/// As the PFX decoder.
pub fn pfx_decode(data: &[u8]) -> crate::Result<()> {
    let contents = pfx::decode(data, &password(), MAX_ITERATIONS)?;
    assert_eq!(contents.keys.len(), 1, "decode returns exactly one key");
    Ok(())
}

/// `identity_info`: the `PEERIDENTITYINFO` parser, and its emit/parse round
/// trip on what it accepts.
///
/// # Errors
/// As [`Idc::from_info_xml`](crate::Idc::from_info_xml).
pub fn identity_info(data: &[u8]) -> crate::Result<()> {
    let parsed = identity_info::parse(data)?;
    let again = identity_info::parse(identity_info::emit(parsed.as_der()).as_bytes());
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

/// Replays every file under `fuzz/regressions/<target>/` through the entry
/// point of that fuzz target (built here without `cfg(fuzzing)`, so MACs are
/// checked and derivations run in full). Each must return, Ok or Err, without
/// panicking. A crash the fuzzer finds is fixed in the library and its input
/// added there (fuzz/README.md).
#[cfg(test)]
mod regressions {
    use std::path::{Path, PathBuf};

    fn regressions(target: &str) -> Vec<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/regressions")
            .join(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("directory entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        assert!(
            !files.is_empty(),
            "no regression files in {}",
            dir.display()
        );
        files
    }

    /// Runs `entry` on each file, naming the file if it panics. Files named
    /// `ok-*` are valid inputs that must also be accepted: they show that the
    /// seeds reach the end of the path being fuzzed.
    fn replay(target: &str, entry: fn(&[u8]) -> crate::Result<()>) {
        for path in regressions(target) {
            let data = std::fs::read(&path).expect("read regression file");
            let outcome = std::panic::catch_unwind(|| entry(&data));
            let Ok(result) = outcome else {
                panic!("{} panicked", path.display());
            };
            let must_pass = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("ok-"));
            if must_pass {
                assert!(result.is_ok(), "{}: {:?}", path.display(), result.err());
            }
        }
    }

    #[test]
    fn export_document() {
        replay("export_document", super::export_document);
    }

    #[test]
    fn pfx_decode() {
        replay("pfx_decode", super::pfx_decode);
    }

    #[test]
    fn identity_info() {
        replay("identity_info", super::identity_info);
    }

    #[test]
    fn peer_name() {
        replay("peer_name", |data| {
            super::peer_name(data);
            Ok(())
        });
    }
}
