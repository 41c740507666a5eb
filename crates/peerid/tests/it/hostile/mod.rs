//! Issue 3: hostile input through `Store::import`, one test per case.
//!
//! Each case checks the specific [`Error`] variant, that it is `E_INVALIDARG`,
//! that the store is logically exactly as before (same list, same IDC, same
//! key and friendly name for every identity), that an identity the document
//! names and the store lacks is still absent, and (once per test, after all
//! its refusals) that the genuine document still imports: nothing was left
//! behind that blocks it.

//!
//! The cases are split by what they attack: the PFX inside the document
//! (`pfx_contents.rs`), the XML document around it (`document.rs`), and the names,
//! certificates and friendly names an import takes from it (`names.rs`).
//! They need PFX files no honest encoder writes and, in places, the exact
//! bytes the store holds: both come from the library's unstable
//! `peerid::testkit` (the crate's `testkit` feature, on only for its own
//! tests).

mod document;
mod names;
mod pfx_contents;

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tempfile::TempDir;

use peerid::testkit::{self, export_document, pfx};
use peerid::{Authority, Classifier, Error, ErrorKind, FriendlyName, PeerName};
use peerid::{
    CreateOptions, ExportParams, IdentitySummary, ImportNotice, ImportOptions, KeyType, PfxProfile,
    PrivateKey, Store,
};

use crate::support::{self, secret as pw};

const PASSWORD: &str = "correct horse battery staple";
const ITERATIONS: u32 = 2_048;
const PROFILES: [PfxProfile; 2] = [PfxProfile::Modern, PfxProfile::Legacy];

fn params(profile: PfxProfile) -> ExportParams {
    ExportParams {
        profile,
        iterations: ITERATIONS,
    }
}

/// A source store holding the identity that travels (and a donor of a
/// foreign certificate), and a target store holding two residents of its own.
struct World {
    _tmp: TempDir,
    source: Store,
    target: Store,
    traveller: PeerName,
    donor: PeerName,
    residents: Vec<PeerName>,
}

fn create(store: &Store, classifier: &str, friendly: &str, key_type: KeyType) -> PeerName {
    store
        .create(&CreateOptions {
            classifier: Classifier::new(classifier).expect("classifier"),
            friendly_name: FriendlyName::new(friendly).expect("friendly name"),
            key_type,
        })
        .expect("create")
}

fn world() -> World {
    let tmp = support::tempdir();
    let source = Store::open(tmp.path().join("source")).expect("source store");
    let target = Store::open(tmp.path().join("target")).expect("target store");
    let traveller = create(
        &source,
        "travelling laptop",
        "Ålice's laptop ☃",
        KeyType::Ed25519,
    );
    let donor = create(&source, "donor", "", KeyType::P256);
    let residents = vec![
        create(&target, "home", "Home", KeyType::Ed25519),
        create(&target, "work", "", KeyType::P256),
    ];
    target.set_default(&residents[1]).expect("default");
    World {
        _tmp: tmp,
        source,
        target,
        traveller,
        donor,
        residents,
    }
}

impl World {
    fn export(&self, profile: PfxProfile) -> String {
        self.source
            .export(&self.traveller, &pw(PASSWORD), &params(profile))
            .expect("export")
    }

    /// The PFX inside the traveller's genuine export.
    fn traveller_pfx(&self, profile: PfxProfile) -> Vec<u8> {
        export_document::parse(self.export(profile).as_bytes())
            .expect("parse")
            .pfx
    }

    /// Import `document`, expect a refusal that `check` accepts, and check
    /// that the target store did not change and the traveller is absent.
    fn refused(&self, document: &[u8], password: &str, check: impl Fn(&Error) -> bool) -> Error {
        self.refused_with(document, password, &ImportOptions::default(), check)
    }

    fn refused_with(
        &self,
        document: &[u8],
        password: &str,
        opts: &ImportOptions,
        check: impl Fn(&Error) -> bool,
    ) -> Error {
        let before = snapshot(&self.target);
        let err = match self.target.import(document, &pw(password), opts) {
            Err(e) => e,
            Ok(name) => panic!("hostile document imported as {name}"),
        };
        assert!(check(&err), "unexpected error: {err:?} ({err})");
        assert_eq!(err.kind(), ErrorKind::InvalidArg, "{err:?}");
        assert_eq!(err.code_name(), "E_INVALIDARG");
        assert_eq!(snapshot(&self.target), before, "the store changed");
        assert!(
            matches!(
                self.target.show(&self.traveller),
                Err(Error::NotFound { .. })
            ),
            "the traveller is in the store after a refused import"
        );
        self.target.check_integrity().expect("integrity");
        err
    }

    /// After the refusals: the genuine document (either profile) imports.
    fn genuine_still_imports(&self, profile: PfxProfile) {
        let name = self
            .target
            .import(
                self.export(profile).as_bytes(),
                &pw(PASSWORD),
                &ImportOptions::default(),
            )
            .expect("the genuine document imports after the refusals");
        assert_eq!(name, self.traveller);
        assert_eq!(
            self.target.info_xml(Some(&name)).expect("info"),
            self.source.info_xml(Some(&name)).expect("info")
        );
        assert_eq!(
            self.target.friendly_name(&name).expect("friendly"),
            "Ålice's laptop ☃"
        );
        let all: Vec<PeerName> = snapshot(&self.target)
            .into_iter()
            .map(|s| s.summary.peer_name)
            .collect();
        let mut expected = self.residents.clone();
        expected.push(self.traveller.clone());
        expected.sort();
        assert_eq!(all, expected);
    }
}

/// Everything an identity is, as the public API shows it.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    summary: IdentitySummary,
    info_xml: String,
    key_pkcs8: Vec<u8>,
}

fn snapshot(store: &Store) -> Vec<Snapshot> {
    store
        .list()
        .expect("list")
        .into_iter()
        .map(|summary| Snapshot {
            info_xml: store.info_xml(Some(&summary.peer_name)).expect("info"),
            key_pkcs8: store
                .private_key(&summary.peer_name)
                .expect("key")
                .to_pkcs8_der()
                .to_vec(),
            summary,
        })
        .collect()
}

/// The genuine document with the first occurrence of `from` replaced by `to`.
fn edit(document: &str, from: &str, to: &str) -> Vec<u8> {
    assert!(document.contains(from), "{from:?} not in the document");
    document.replacen(from, to, 1).into_bytes()
}
