//! Peer names, their authority and classifier, and friendly names
//! (docs/design.md §1).
//!
//! A peer name is `authority "." classifier`. The secure authority is the
//! SHA-1 of the public key bits (the contents of the `subjectPublicKey` BIT
//! STRING, RFC 5280 §4.2.1.2 method 1) in 40 lowercase hex digits; the
//! unsecured authority is `0`. Lengths are counted in UTF-16 code units, as
//! Windows counts them.

use std::fmt;
use std::str::FromStr;

use sha1::{Digest, Sha1};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};

/// Longest classifier, in UTF-16 code units (150 with the terminating NUL).
pub const MAX_CLASSIFIER_UTF16: usize = 149;
/// Longest friendly name, in UTF-16 code units.
pub const MAX_FRIENDLY_NAME_UTF16: usize = 255;
/// Number of hex digits in a secure authority.
pub const AUTHORITY_HEX_LEN: usize = 40;
/// Longest peer name, in UTF-16 code units: authority, dot, classifier.
pub const MAX_PEER_NAME_UTF16: usize = AUTHORITY_HEX_LEN + 1 + MAX_CLASSIFIER_UTF16;

/// The part of a peer name before the first dot.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Authority {
    /// SHA-1 of the public key bits.
    Secure([u8; 20]),
    /// The unsecured authority `0`.
    Unsecured,
}

impl Authority {
    /// The secure authority of a public key, from the contents of its
    /// `subjectPublicKey` BIT STRING.
    pub fn from_public_key_bits(bits: &[u8]) -> Self {
        Authority::Secure(Sha1::digest(bits).into())
    }

    /// The 20 hash bytes, or `None` for the unsecured authority.
    pub fn as_bytes(&self) -> Option<&[u8; 20]> {
        match self {
            Authority::Secure(b) => Some(b),
            Authority::Unsecured => None,
        }
    }

    /// Whether this is a secure (key-derived) authority.
    pub fn is_secure(&self) -> bool {
        matches!(self, Authority::Secure(_))
    }
}

impl fmt::Display for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Authority::Secure(bytes) => {
                for b in bytes {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
            Authority::Unsecured => f.write_str("0"),
        }
    }
}

impl fmt::Debug for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Authority({self})")
    }
}

impl FromStr for Authority {
    type Err = Error;

    /// Parses `0` or 40 hex digits; uppercase hex is accepted and lowercased.
    ///
    /// # Errors
    /// [`Error::InvalidPeerName`] for anything else.
    fn from_str(s: &str) -> Result<Self> {
        if s == "0" {
            return Ok(Authority::Unsecured);
        }
        let bad = |reason: &str| Error::InvalidPeerName {
            reason: reason.to_owned(),
        };
        if s.len() != AUTHORITY_HEX_LEN {
            return Err(bad(
                "the authority must be 40 hex digits (or 0 for an unsecured name)",
            ));
        }
        let mut out = [0u8; 20];
        for (i, pair) in s.as_bytes().chunks_exact(2).enumerate() {
            let hi = hex_val(pair[0]);
            let lo = hex_val(pair[1]);
            match (hi, lo) {
                (Some(h), Some(l)) => out[i] = (h << 4) | l,
                _ => {
                    return Err(bad(
                        "the authority must be 40 hex digits (or 0 for an unsecured name)",
                    ));
                }
            }
        }
        Ok(Authority::Secure(out))
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Number of UTF-16 code units `s` takes (an emoji counts 2).
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// The part of a peer name after the first dot: 0 to 149 UTF-16 code units,
/// no NUL, in Unicode Normalization Form C.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Classifier(String);

impl Classifier {
    /// Validates `s` and normalises it to NFC.
    ///
    /// # Errors
    /// [`Error::InvalidClassifier`] if it contains NUL or is longer than 149
    /// UTF-16 code units after normalisation.
    pub fn new(s: &str) -> Result<Self> {
        if s.contains('\0') {
            return Err(Error::InvalidClassifier {
                reason: "it contains a NUL character".into(),
            });
        }
        // ASCII, and most stored text, is already NFC: skip the rebuild.
        let nfc: String = if unicode_normalization::is_nfc_quick(s.chars())
            == unicode_normalization::IsNormalized::Yes
        {
            s.to_owned()
        } else {
            s.nfc().collect()
        };
        let len = utf16_len(&nfc);
        if len > MAX_CLASSIFIER_UTF16 {
            return Err(Error::InvalidClassifier {
                reason: format!(
                    "it is {len} UTF-16 code units long; the limit is {MAX_CLASSIFIER_UTF16}"
                ),
            });
        }
        Ok(Classifier(nfc))
    }

    /// The empty classifier.
    pub fn empty() -> Self {
        Classifier(String::new())
    }

    /// The classifier text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the classifier is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Classifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Classifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Classifier({:?})", self.0)
    }
}

/// A peer name: `authority "." classifier`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerName {
    authority: Authority,
    classifier: Classifier,
}

impl PeerName {
    /// Joins an authority and a classifier.
    pub fn new(authority: Authority, classifier: Classifier) -> Self {
        PeerName {
            authority,
            classifier,
        }
    }

    /// Parses a peer name. The first dot separates authority and classifier;
    /// a lone authority (no dot) means an empty classifier.
    ///
    /// # Errors
    /// [`Error::InvalidPeerName`] for a bad authority,
    /// [`Error::InvalidClassifier`] for a bad classifier.
    pub fn parse(s: &str) -> Result<Self> {
        let (auth, class) = match s.split_once('.') {
            Some((a, c)) => (a, c),
            None => (s, ""),
        };
        let authority: Authority = auth.parse()?;
        let classifier = Classifier::new(class)?;
        Ok(PeerName {
            authority,
            classifier,
        })
    }

    /// Parses a peer name that must have a secure authority (an identity's name).
    ///
    /// # Errors
    /// As [`PeerName::parse`], and [`Error::InvalidPeerName`] for an
    /// unsecured name.
    pub fn parse_secure(s: &str) -> Result<Self> {
        let name = Self::parse(s)?;
        if !name.authority.is_secure() {
            return Err(Error::InvalidPeerName {
                reason: "an identity's name has a secure authority (40 hex digits), not 0".into(),
            });
        }
        Ok(name)
    }

    /// The authority.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// The classifier.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }
}

impl FromStr for PeerName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        PeerName::parse(s)
    }
}

impl fmt::Display for PeerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.authority, self.classifier)
    }
}

impl fmt::Debug for PeerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerName({self})")
    }
}

/// A friendly name: 0 to 255 UTF-16 code units, no NUL. Stored as given;
/// an empty friendly name means "unset" (the peer name is shown instead).
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct FriendlyName(String);

impl FriendlyName {
    /// Validates a friendly name.
    ///
    /// # Errors
    /// [`Error::InvalidFriendlyName`] if it contains NUL or is longer than 255
    /// UTF-16 code units.
    pub fn new(s: &str) -> Result<Self> {
        if s.contains('\0') {
            return Err(Error::InvalidFriendlyName {
                reason: "it contains a NUL character".into(),
            });
        }
        let len = utf16_len(s);
        if len > MAX_FRIENDLY_NAME_UTF16 {
            return Err(Error::InvalidFriendlyName {
                reason: format!(
                    "it is {len} UTF-16 code units long; the limit is {MAX_FRIENDLY_NAME_UTF16}"
                ),
            });
        }
        Ok(FriendlyName(s.to_owned()))
    }

    /// The text, empty when unset.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is unset.
    pub fn is_unset(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for FriendlyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FriendlyName({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const AUTH: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn authority_of_key_bits_is_sha1_hex() {
        // SHA-1("abc"), FIPS 180 test vector.
        let a = Authority::from_public_key_bits(b"abc");
        assert_eq!(a.to_string(), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn uppercase_authority_is_lowercased_classifier_is_not() {
        let n = PeerName::parse(&format!("{}.MiXeD", AUTH.to_uppercase())).unwrap();
        assert_eq!(n.to_string(), format!("{AUTH}.MiXeD"));
    }

    #[test]
    fn lone_authority_gets_the_dot() {
        let n = PeerName::parse(AUTH).unwrap();
        assert_eq!(n.to_string(), format!("{AUTH}."));
        assert!(n.classifier().is_empty());
    }

    #[test]
    fn first_dot_separates() {
        let n = PeerName::parse(&format!("{AUTH}.a.b c.d")).unwrap();
        assert_eq!(n.classifier().as_str(), "a.b c.d");
    }

    #[test]
    fn unsecured_authority() {
        let n = PeerName::parse("0.printer").unwrap();
        assert_eq!(n.authority(), &Authority::Unsecured);
        assert_eq!(n.to_string(), "0.printer");
        assert!(PeerName::parse_secure("0.printer").is_err());
    }

    #[test]
    fn bad_authorities() {
        for bad in [
            "",
            "00",
            &AUTH[..39],
            &format!("{AUTH}0"),
            &AUTH.replace('a', "g"),
            "x.y",
        ] {
            assert!(
                matches!(
                    PeerName::parse(&format!("{bad}.c")),
                    Err(Error::InvalidPeerName { .. })
                ),
                "{bad:?}"
            );
        }
        // A multi-byte character in the authority must not panic on slicing.
        let odd = format!("é{}", &AUTH[2..]);
        assert!(PeerName::parse(&odd).is_err());
    }

    #[test]
    fn classifier_boundaries_in_utf16_units() {
        assert!(Classifier::new(&"a".repeat(149)).is_ok());
        assert!(matches!(
            Classifier::new(&"a".repeat(150)),
            Err(Error::InvalidClassifier { .. })
        ));
        // U+1F600 is two UTF-16 units: 74 emoji + 1 = 149 fits, 75 does not.
        assert!(Classifier::new(&format!("{}a", "😀".repeat(74))).is_ok());
        assert!(Classifier::new(&"😀".repeat(75)).is_err());
        // 149 three-byte characters: 447 bytes but 149 units.
        assert!(Classifier::new(&"€".repeat(149)).is_ok());
        assert!(Classifier::new("a\0b").is_err());
        assert!(Classifier::new("").unwrap().is_empty());
    }

    #[test]
    fn classifier_is_nfc_normalised() {
        let decomposed = "e\u{0301}"; // e + combining acute
        let c = Classifier::new(decomposed).unwrap();
        assert_eq!(c.as_str(), "\u{00e9}");
        // Length is checked after normalisation: 149 decomposed pairs are 298
        // units before and 149 after.
        assert!(Classifier::new(&decomposed.repeat(149)).is_ok());
    }

    #[test]
    fn friendly_name_boundaries() {
        assert!(FriendlyName::new(&"f".repeat(255)).is_ok());
        assert!(matches!(
            FriendlyName::new(&"f".repeat(256)),
            Err(Error::InvalidFriendlyName { .. })
        ));
        assert!(FriendlyName::new(&"😀".repeat(128)).is_err());
        assert!(FriendlyName::new(&format!("{}a", "😀".repeat(127))).is_ok());
        assert!(FriendlyName::new("a\0").is_err());
        assert!(FriendlyName::new("").unwrap().is_unset());
    }

    #[test]
    fn longest_peer_name() {
        let s = format!("{AUTH}.{}", "c".repeat(149));
        assert_eq!(utf16_len(&s), MAX_PEER_NAME_UTF16);
        assert_eq!(PeerName::parse(&s).unwrap().to_string(), s);
    }

    fn classifier_strategy() -> impl Strategy<Value = String> {
        proptest::collection::vec(any::<char>().prop_filter("no NUL", |c| *c != '\0'), 0..80)
            .prop_map(|v| v.into_iter().collect::<String>())
    }

    proptest! {
        #[test]
        fn parse_print_round_trip(bytes in any::<[u8; 20]>(), class in classifier_strategy()) {
            let nfc: String = class.nfc().collect();
            prop_assume!(utf16_len(&nfc) <= MAX_CLASSIFIER_UTF16);
            let name = PeerName::new(Authority::Secure(bytes), Classifier::new(&class).unwrap());
            let text = name.to_string();
            let back = PeerName::parse(&text).unwrap();
            prop_assert_eq!(&back, &name);
            prop_assert_eq!(back.to_string(), text);
        }

        #[test]
        fn parse_never_panics_and_is_idempotent(s in any::<String>()) {
            if let Ok(n) = PeerName::parse(&s) {
                let again = PeerName::parse(&n.to_string()).unwrap();
                prop_assert_eq!(again, n);
            }
        }

        #[test]
        fn classifier_limit_is_utf16_units(class in classifier_strategy()) {
            let nfc: String = class.nfc().collect();
            let ok = utf16_len(&nfc) <= MAX_CLASSIFIER_UTF16;
            prop_assert_eq!(Classifier::new(&class).is_ok(), ok);
        }

        #[test]
        fn friendly_name_limit_is_utf16_units(s in "[^\u{0}]{0,300}") {
            prop_assert_eq!(FriendlyName::new(&s).is_ok(), s.encode_utf16().count() <= 255);
        }
    }
}
