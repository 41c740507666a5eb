//! What a NAME or PEER argument names (docs/design.md §7), worked out in this
//! one place for every command.
//!
//! In order:
//!
//! 1. A full peer name (it has the dot, and parses as a secure name) names
//!    that identity and nothing else: when it is not there the answer is
//!    "not found", never a guess at a neighbour.
//! 2. Otherwise every candidate it matches counts, in two ways at once:
//!    - as an abbreviation: hex digits (any case) that begin the authority,
//!      or the whole authority, optionally followed by a dot and the
//!      beginning of the classifier (`fd2f`, `FD2F`, `fd2f1c9a.lap`);
//!    - as a friendly name exactly one identity has (case and all).
//!
//!    One identity matched (however many ways) is the answer. A friendly
//!    name that is also another identity's abbreviation is refused as
//!    ambiguous rather than ranked: a name that came in someone else's
//!    export must not capture what the user meant as a prefix (`verify -I
//!    fd2f` checking the wrong key), and the candidates shown tell the user
//!    what to type instead.
//! 3. Nothing matched: "not found", with a "did you mean" when exactly one
//!    candidate is a near miss (two edits or fewer).
//!
//! `--json` output and the library always use the exact peer name.

use peerid::{PeerName, Store};

use crate::error::{Error, Result};

/// Most candidates an ambiguity lists.
pub const MAX_SHOWN: usize = 10;

/// Longest argument worth comparing: no peer name or friendly name is
/// longer than this many bytes (190 UTF-16 units and 255 UTF-16 units of at
/// most 3 bytes each, with room).
const MAX_ARG_BYTES: usize = 1024;

/// Most edits a near miss may be from the argument.
const MAX_EDITS: usize = 2;

/// What the candidates are, for the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// The store's own identities (`peerid list`).
    Identity,
    /// The peer book's entries (`peerid peer list`), for the peer commands.
    Peer,
    /// Identities and peers together: the signer `verify -I` names.
    Signer,
}

impl What {
    /// The noun in messages.
    pub fn noun(self) -> &'static str {
        match self {
            What::Identity => "identity",
            What::Peer => "peer",
            What::Signer => "identity or peer",
        }
    }

    /// The plural noun in messages.
    pub fn plural(self) -> &'static str {
        match self {
            What::Identity => "identities",
            What::Peer => "peers",
            What::Signer => "identities and peers",
        }
    }

    /// Where they are kept, in messages.
    pub fn place(self) -> &'static str {
        match self {
            What::Identity => "store",
            What::Peer => "peer book",
            What::Signer => "store or its peer book",
        }
    }

    /// The command that lists the candidates.
    pub fn list_command(self) -> &'static str {
        match self {
            What::Identity => "peerid list",
            What::Peer => "peerid peer list",
            What::Signer => "peerid list` or `peerid peer list",
        }
    }
}

/// One candidate as an ambiguity or a suggestion shows it: the exact peer
/// name and, when set, the friendly name (escaped only when printed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The peer name.
    pub peer_name: String,
    /// The friendly name, `None` when it is the peer name.
    pub friendly_name: Option<String>,
}

impl Shown {
    fn new(name: &PeerName, friendly: &str) -> Shown {
        let peer_name = name.to_string();
        let friendly_name =
            (!friendly.is_empty() && friendly != peer_name).then(|| friendly.into());
        Shown {
            peer_name,
            friendly_name,
        }
    }
}

/// The identity `arg` names in `store`.
///
/// # Errors
/// As [`resolve`], and store errors.
pub fn identity(store: &Store, arg: &str) -> Result<PeerName> {
    if let Some(name) = full_name(arg) {
        // One indexed look-up; the list is walked only for abbreviations.
        store.show(&name)?;
        return Ok(name);
    }
    let mut candidates = Vec::new();
    store.list_each(|s| {
        candidates.push((s.peer_name, s.friendly_name.as_str().to_owned()));
        Ok(())
    })?;
    resolve(arg, candidates, What::Identity)
}

/// The peer-book entry `arg` names in `store` (the same rules as
/// [`identity`], over `peerid peer list`).
///
/// # Errors
/// As [`resolve`] (an unknown full peer name is
/// [`Error::PeerNotFound`]), and store errors.
pub fn peer(store: &Store, arg: &str) -> Result<PeerName> {
    if let Some(name) = full_name(arg) {
        return match store.peer(&name) {
            Ok(_) => Ok(name),
            Err(peerid::Error::NotFound { peer_name }) => Err(Error::PeerNotFound { peer_name }),
            Err(e) => Err(e.into()),
        };
    }
    let candidates = store
        .peers()?
        .into_iter()
        .map(|p| (p.peer_name().clone(), p.friendly_name().as_str().to_owned()));
    resolve(arg, candidates, What::Peer)
}

/// The signer `verify -I` names: a full peer name as it is, known or not
/// (a peer name is self-certifying, docs/design.md §9); otherwise a unique
/// beginning or friendly name among the identities and the peers together.
///
/// # Errors
/// As [`resolve`], and store errors.
pub fn signer(store: &Store, arg: &str) -> Result<PeerName> {
    if let Some(name) = full_name(arg) {
        return Ok(name);
    }
    let mut candidates = Vec::new();
    store.list_each(|s| {
        candidates.push((s.peer_name, s.friendly_name.as_str().to_owned()));
        Ok(())
    })?;
    for p in store.peers()? {
        if !candidates.iter().any(|(n, _)| n == p.peer_name()) {
            candidates.push((p.peer_name().clone(), p.friendly_name().as_str().to_owned()));
        }
    }
    resolve(arg, candidates, What::Signer)
}

/// The one candidate `arg` names among `(peer name, friendly name)` pairs
/// (a friendly name that is unset may be given empty or as the peer name).
///
/// # Errors
/// [`Error::NameNotFound`] (exit 3) when nothing matches, with a suggestion
/// when one candidate is close; [`Error::AmbiguousName`] (exit 5) with up to
/// [`MAX_SHOWN`] candidates when several match.
pub fn resolve<F: AsRef<str>>(
    arg: &str,
    candidates: impl IntoIterator<Item = (PeerName, F)>,
    what: What,
) -> Result<PeerName> {
    let not_found = |suggestion| Error::NameNotFound {
        what,
        arg: arg.to_owned(),
        suggestion,
    };
    if let Some(name) = full_name(arg) {
        return candidates
            .into_iter()
            .any(|(c, _)| c == name)
            .then_some(name)
            .ok_or_else(|| not_found(None));
    }
    if arg.is_empty() || arg.len() > MAX_ARG_BYTES {
        return Err(not_found(None));
    }
    let pattern = Abbreviation::of(arg);
    let mut found: Option<PeerName> = None;
    let mut shown: Vec<Shown> = Vec::new();
    let mut matches = 0usize;
    let mut near: Option<Shown> = None;
    let mut near_count = 0usize;
    for (name, friendly) in candidates {
        let friendly = friendly.as_ref();
        let hit = pattern.as_ref().is_some_and(|p| p.matches(&name)) || friendly == arg;
        if hit {
            if found.as_ref() == Some(&name) {
                continue;
            }
            matches += 1;
            if shown.len() < MAX_SHOWN {
                shown.push(Shown::new(&name, friendly));
            }
            found.get_or_insert(name);
        } else if matches == 0 && near_count < 2 && is_near(arg, &name, friendly) {
            near_count += 1;
            near = Some(Shown::new(&name, friendly));
        }
    }
    match (matches, found) {
        (1, Some(name)) => Ok(name),
        (0, _) => Err(not_found(if near_count == 1 { near } else { None })),
        _ => Err(Error::AmbiguousName {
            what,
            arg: arg.to_owned(),
            total: matches,
            candidates: shown,
        }),
    }
}

/// `arg` as a full peer name: it has the dot, and a secure authority. The
/// authority alone (no dot) is an abbreviation of every name it begins.
fn full_name(arg: &str) -> Option<PeerName> {
    if !arg.contains('.') {
        return None;
    }
    PeerName::parse_secure(arg).ok()
}

/// Hex digits that begin the authority, and perhaps the beginning of the
/// classifier after a dot.
struct Abbreviation<'a> {
    /// Lowercase hex, 1 to 40 digits.
    authority: String,
    /// What the classifier must begin with, exactly; `None` with no dot.
    classifier: Option<&'a str>,
}

impl<'a> Abbreviation<'a> {
    fn of(arg: &'a str) -> Option<Abbreviation<'a>> {
        let (hex, classifier) = match arg.split_once('.') {
            Some((h, c)) => (h, Some(c)),
            None => (arg, None),
        };
        let is_hex = !hex.is_empty()
            && hex.len() <= peerid::AUTHORITY_HEX_LEN
            && hex.bytes().all(|b| b.is_ascii_hexdigit());
        // A classifier can only be abbreviated after the whole authority or
        // a prefix of it; `fd2f.` alone asks for an empty classifier prefix,
        // which every name has.
        is_hex.then(|| Abbreviation {
            authority: hex.to_ascii_lowercase(),
            classifier,
        })
    }

    fn matches(&self, name: &PeerName) -> bool {
        let authority = name.authority().to_string();
        authority.starts_with(&self.authority)
            && self
                .classifier
                .is_none_or(|c| name.classifier().as_str().starts_with(c))
    }
}

/// Whether a candidate is a near miss for `arg`: its friendly name (ignoring
/// case), or the beginning of its peer name as long as `arg`, at most
/// [`MAX_EDITS`] edits away. Short arguments are near everything, so none
/// under four characters is compared.
fn is_near(arg: &str, name: &PeerName, friendly: &str) -> bool {
    let arg_chars: Vec<char> = arg.to_lowercase().chars().collect();
    if arg_chars.len() < 4 {
        return false;
    }
    let friendly: Vec<char> = friendly.to_lowercase().chars().collect();
    if within_edits(&arg_chars, &friendly, MAX_EDITS) {
        return true;
    }
    let peer: Vec<char> = name.to_string().chars().take(arg_chars.len()).collect();
    within_edits(&arg_chars, &peer, MAX_EDITS)
}

/// Whether `a` and `b` are at most `k` insertions, deletions or
/// substitutions apart: Levenshtein distance in a band of width `2k + 1`,
/// so the work is linear in the length however long the strings are.
fn within_edits(a: &[char], b: &[char], k: usize) -> bool {
    if a.len().abs_diff(b.len()) > k {
        return false;
    }
    let big = k + 1;
    let m = b.len();
    // prev[j] is the distance between a[..i-1] and b[..j], capped at k + 1;
    // only the band |i - j| <= k is computed, and the cells just outside
    // it that the next row reads are set to k + 1.
    let mut prev: Vec<usize> = (0..=m).map(|j| j.min(big)).collect();
    let mut cur = vec![big; m + 1];
    for i in 1..=a.len() {
        let lo = i.saturating_sub(k).max(1);
        let hi = (i + k).min(m);
        cur[lo - 1] = if lo == 1 { i.min(big) } else { big };
        let mut best = cur[lo - 1];
        for j in lo..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let v = (prev[j - 1] + cost)
                .min(prev[j] + 1)
                .min(cur[j - 1] + 1)
                .min(big);
            cur[j] = v;
            best = best.min(v);
        }
        if hi < m {
            cur[hi + 1] = big;
        }
        if best > k {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m] <= k
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "fd2f1c9a00000000000000000000000000000001";
    const B: &str = "fd2f77770000000000000000000000000000000b";
    const C: &str = "0abc000000000000000000000000000000000000";

    fn name(s: &str) -> PeerName {
        PeerName::parse_secure(s).unwrap()
    }

    fn store() -> Vec<(PeerName, &'static str)> {
        vec![
            (name(&format!("{A}.laptop")), "Work laptop"),
            (name(&format!("{A}.chat")), "beef"),
            (name(&format!("{B}.laptop")), "cafe"),
            (name(&format!("{C}.")), ""),
        ]
    }

    fn one(arg: &str) -> Result<PeerName> {
        resolve(arg, store(), What::Identity)
    }

    #[test]
    fn abbreviations_and_friendly_names_that_name_one() {
        let cases = [
            (format!("{A}.laptop"), format!("{A}.laptop")),
            ("fd2f1c9a.lap".to_owned(), format!("{A}.laptop")),
            ("FD2F1C9A.LAP".to_owned(), String::new()),
            ("FD2F1C9A.c".to_owned(), format!("{A}.chat")),
            ("fd2f7".to_owned(), format!("{B}.laptop")),
            ("0a".to_owned(), format!("{C}.")),
            (C.to_owned(), format!("{C}.")),
            (C.to_uppercase(), format!("{C}.")),
            (B.to_owned(), format!("{B}.laptop")),
            ("Work laptop".to_owned(), format!("{A}.laptop")),
        ];
        for (arg, want) in cases {
            match one(&arg) {
                Ok(got) => assert_eq!(got.to_string(), want, "{arg}"),
                // The classifier is compared exactly: LAP is not lap.
                Err(Error::NameNotFound { .. }) => assert!(want.is_empty(), "{arg}"),
                Err(e) => panic!("{arg}: {e}"),
            }
        }
    }

    #[test]
    fn several_matches_are_refused_with_the_candidates() {
        for (arg, total) in [("fd2f", 3), ("fd2f1c9a", 2), (A, 2), ("f", 3)] {
            match one(arg) {
                Err(Error::AmbiguousName {
                    total: t,
                    candidates,
                    ..
                }) => {
                    assert_eq!(t, total, "{arg}");
                    assert_eq!(candidates.len(), total, "{arg}");
                }
                other => panic!("{arg}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_friendly_name_that_is_another_ones_prefix_is_ambiguous() {
        // "cafe" is B's friendly name and no authority begins with it: B.
        assert_eq!(one("cafe").unwrap().to_string(), format!("{B}.laptop"));
        // "0abc" could be C's prefix; give A.chat that friendly name too.
        let mut s = store();
        s[1].1 = "0abc";
        let err = resolve("0abc", s, What::Identity).unwrap_err();
        assert!(
            matches!(&err, Error::AmbiguousName { total: 2, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_full_name_not_there_is_not_found_without_guessing() {
        let err = one(&format!("{A}.lapto")).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::NameNotFound {
                    suggestion: None,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.exit_code(), 3);
    }

    #[test]
    fn unknown_names_suggest_one_near_miss() {
        let err = one("Work lapotp").unwrap_err();
        match &err {
            Error::NameNotFound {
                suggestion: Some(s),
                ..
            } => assert_eq!(s.peer_name, format!("{A}.laptop")),
            other => panic!("{other:?}"),
        }
        assert_eq!(err.exit_code(), 3);
        // Near two: no suggestion.
        let mut s = store();
        s[1].1 = "Work laptop2";
        let err = resolve("Work laptpo", s, What::Identity).unwrap_err();
        assert!(matches!(
            err,
            Error::NameNotFound {
                suggestion: None,
                ..
            }
        ));
        for arg in ["", "zz", "g", ".", "fd2f.", "x".repeat(5000).as_str()] {
            let e = one(arg);
            if arg == "fd2f." {
                assert!(matches!(e, Err(Error::AmbiguousName { .. })), "{arg}");
            } else {
                assert!(matches!(e, Err(Error::NameNotFound { .. })), "{arg}");
            }
        }
    }

    #[test]
    fn at_most_ten_candidates_are_kept() {
        let many: Vec<(PeerName, String)> = (0..25)
            .map(|i| (name(&format!("{:040x}.n", i + 1)), String::new()))
            .collect();
        match resolve("0", many, What::Peer) {
            Err(Error::AmbiguousName {
                total, candidates, ..
            }) => {
                assert_eq!(total, 25);
                assert_eq!(candidates.len(), MAX_SHOWN);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn edit_distance_in_a_band() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        let cases = [
            ("laptop", "laptop", 0),
            ("laptop", "lapto", 1),
            ("laptop", "laptpo", 2),
            ("laptop", "lptpo", 3),
            ("", "ab", 2),
            ("abc", "", 3),
            ("kitten", "sitting", 3),
            ("flaw", "lawn", 2),
        ];
        for (a, b, d) in cases {
            for k in 0..4 {
                assert_eq!(within_edits(&c(a), &c(b), k), d <= k, "{a} {b} {k}");
                assert_eq!(within_edits(&c(b), &c(a), k), d <= k, "{b} {a} {k}");
            }
        }
    }
}
