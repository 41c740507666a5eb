//! OpenSSH's `allowed_signers` file (ssh-keygen(1), ALLOWED SIGNERS), as
//! `ssh-keygen -Y verify -f` reads it, for the ssh-keygen calls git makes of
//! `gpg.ssh.program` (src/ssh_keygen.rs):
//!
//! ```text
//! # comment
//! principals [options] keytype base64 [comment]
//! ```
//!
//! `principals` is a comma-separated list of patterns (`*`, `?`, `!` as in
//! ssh_config), optionally in double quotes. Options, comma-separated:
//! `cert-authority`, `namespaces="pattern,list"`,
//! `valid-after="YYYYMMDD[HHMM[SS]][Z]"`, `valid-before=...`.
//!
//! Bounded: the file, each line and the number of lines are capped before
//! any work is spent on them.

use peerid::PublicKey;

use crate::error::{Error, Result};

/// The largest allowed_signers file read.
pub const MAX_FILE_LEN: usize = 4 * 1024 * 1024;
/// The longest line.
pub const MAX_LINE_LEN: usize = 32 * 1024;
/// The most lines.
pub const MAX_LINES: usize = 100_000;

/// One line of the file.
#[derive(Debug)]
pub struct Entry {
    /// The principals pattern list, unquoted.
    pub principals: String,
    /// `cert-authority`: the key signs certificates, not messages.
    pub cert_authority: bool,
    /// `namespaces=`: the pattern list of namespaces allowed.
    pub namespaces: Option<String>,
    /// `valid-after=`.
    pub valid_after: Option<Time>,
    /// `valid-before=`.
    pub valid_before: Option<Time>,
    /// The key, or the reason it is not one peerid reads (an unsupported
    /// key type is skipped, as a line that cannot match).
    pub key: std::result::Result<PublicKey, String>,
}

/// A time as ssh-keygen takes it: `YYYYMMDD[HHMM[SS]]`, local or UTC (`Z`).
/// Kept as the 14 digits, so two times of the same kind compare as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Time {
    /// `YYYYMMDDHHMMSS`.
    pub digits: String,
    /// A trailing `Z`: UTC; else the local time zone.
    pub utc: bool,
}

impl Time {
    /// Parses ssh-keygen's time format.
    ///
    /// # Errors
    /// [`Error::AllowedSigners`] for anything else.
    pub fn parse(s: &str) -> Result<Time> {
        let (body, utc) = match s.strip_suffix('Z') {
            Some(b) => (b, true),
            None => (s, false),
        };
        let bad = || Error::AllowedSigners {
            line: 0,
            reason: format!("{s:?} is not a time of the form YYYYMMDD[HHMM[SS]][Z]"),
        };
        if !body.bytes().all(|b| b.is_ascii_digit()) || ![8, 12, 14].contains(&body.len()) {
            return Err(bad());
        }
        let mut digits = body.to_owned();
        while digits.len() < 14 {
            digits.push('0');
        }
        // As OpenSSH's parse_absolute_time (strptime): a real calendar field
        // each, so that no impossible date compares as text.
        let field = |r: std::ops::Range<usize>| digits[r].parse::<u32>().unwrap_or(u32::MAX);
        let (month, day, hour, minute, second) = (
            field(4..6),
            field(6..8),
            field(8..10),
            field(10..12),
            field(12..14),
        );
        if !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return Err(bad());
        }
        Ok(Time { digits, utc })
    }

    /// Now, in UTC.
    pub fn now_utc() -> Time {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let (y, m, d) = crate::output::civil_from_days(secs / 86_400);
        let rem = secs % 86_400;
        Time {
            digits: format!(
                "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
                rem / 3600,
                rem % 3600 / 60,
                rem % 60
            ),
            utc: true,
        }
    }
}

/// Parses a whole file.
///
/// # Errors
/// [`Error::AllowedSigners`] naming the line that is malformed, or a limit.
pub fn parse(text: &str) -> Result<Vec<Entry>> {
    if text.len() > MAX_FILE_LEN {
        return Err(Error::AllowedSigners {
            line: 0,
            reason: format!("the file is larger than {MAX_FILE_LEN} bytes"),
        });
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if n > MAX_LINES {
            return Err(Error::AllowedSigners {
                line: n,
                reason: format!("more than {MAX_LINES} lines"),
            });
        }
        if line.len() > MAX_LINE_LEN {
            return Err(Error::AllowedSigners {
                line: n,
                reason: format!("longer than {MAX_LINE_LEN} bytes"),
            });
        }
        let line = line.trim_matches([' ', '\t', '\r']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        out.push(parse_line(line).map_err(|reason| Error::AllowedSigners { line: n, reason })?);
    }
    Ok(out)
}

/// One field: up to the next space or tab outside double quotes.
fn field(s: &str) -> std::result::Result<(&str, &str), String> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => return Ok((&s[..i], s[i..].trim_start_matches([' ', '\t']))),
            _ => {}
        }
    }
    if quoted {
        return Err("a double quote is not closed".to_owned());
    }
    Ok((s, ""))
}

fn unquote(s: &str) -> std::result::Result<String, String> {
    match s.strip_prefix('"') {
        Some(inner) => match inner.strip_suffix('"') {
            Some(v) if !v.contains('"') => Ok(v.to_owned()),
            _ => Err(format!("badly quoted value {s:?}")),
        },
        None if s.contains('"') => Err(format!("badly quoted value {s:?}")),
        None => Ok(s.to_owned()),
    }
}

/// Whether a field is a key type, where the options end.
fn is_key_type(s: &str) -> bool {
    s.starts_with("ssh-") || s.starts_with("ecdsa-sha2-") || s.starts_with("sk-")
}

fn parse_line(line: &str) -> std::result::Result<Entry, String> {
    let (principals, rest) = field(line)?;
    let principals = unquote(principals)?;
    if principals.is_empty() {
        return Err("no principals".to_owned());
    }
    let (mut next, mut rest) = field(rest)?;
    let mut entry = Entry {
        principals,
        cert_authority: false,
        namespaces: None,
        valid_after: None,
        valid_before: None,
        key: Err(String::new()),
    };
    if !is_key_type(next) {
        parse_options(next, &mut entry)?;
        (next, rest) = field(rest)?;
    }
    if next.is_empty() {
        return Err("no key".to_owned());
    }
    let (blob, _comment) = field(rest)?;
    if blob.is_empty() {
        return Err("no key data after the key type".to_owned());
    }
    entry.key = PublicKey::from_openssh(&format!("{next} {blob}")).map_err(|e| e.to_string());
    Ok(entry)
}

fn parse_options(opts: &str, entry: &mut Entry) -> std::result::Result<(), String> {
    // Split on commas outside quotes.
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in opts.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&opts[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&opts[start..]);
    for part in parts {
        let (name, value) = match part.split_once('=') {
            Some((n, v)) => (n, Some(unquote(v)?)),
            None => (part, None),
        };
        let time = |v: Option<String>| -> std::result::Result<Time, String> {
            let v = v.ok_or_else(|| format!("{name} needs a value"))?;
            Time::parse(&v).map_err(|_| format!("{name}={v:?} is not YYYYMMDD[HHMM[SS]][Z]"))
        };
        match name.to_ascii_lowercase().as_str() {
            "cert-authority" if value.is_none() => entry.cert_authority = true,
            "namespaces" => {
                entry.namespaces = Some(value.ok_or("namespaces needs a value")?);
            }
            "valid-after" => entry.valid_after = Some(time(value)?),
            "valid-before" => entry.valid_before = Some(time(value)?),
            _ => return Err(format!("unknown option {part:?}")),
        }
    }
    Ok(())
}

/// OpenSSH's `match_pattern`: `*` any run, `?` any one character.
fn match_pattern(s: &[char], p: &[char]) -> bool {
    // Iterative with one backtrack point: linear in practice, and bounded
    // by the line length limit in the worst case.
    let (mut si, mut pi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            si += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// OpenSSH's `match_pattern_list`: true when some pattern matches and no
/// negated (`!`) one does.
pub fn match_list(s: &str, list: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let mut matched = false;
    for pat in list.split(',') {
        let (neg, pat) = match pat.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pat),
        };
        let pat: Vec<char> = pat.chars().collect();
        if match_pattern(&s, &pat) {
            if neg {
                return false;
            }
            matched = true;
        }
    }
    matched
}

impl Entry {
    /// Whether this line lets `key` sign in `namespace` at `time` (the
    /// principal is checked by the caller). `cert-authority` lines hold
    /// keys that sign certificates, which peerid does not read: they never
    /// match a plain key.
    ///
    /// # Errors
    /// [`Error::AllowedSigners`] when a validity bound cannot be judged: a
    /// local-time bound with no verify time, or bound and time in different
    /// zones (one UTC, one local).
    pub fn allows(&self, key: &PublicKey, namespace: Option<&str>, time: Option<&Time>) -> bool {
        if self.cert_authority || self.key.as_ref().ok() != Some(key) {
            return false;
        }
        if let (Some(ns), Some(namespace)) = (&self.namespaces, namespace)
            && !match_list(namespace, ns)
        {
            return false;
        }
        for (bound, after) in [(&self.valid_after, true), (&self.valid_before, false)] {
            let Some(bound) = bound else { continue };
            let now;
            let t = match time {
                Some(t) => t,
                None => {
                    now = Time::now_utc();
                    &now
                }
            };
            // A local time and a UTC one cannot be compared without the
            // local zone's offset, which peerid does not read: such a line
            // does not allow the key (it fails closed, and the next line
            // is tried), rather than being guessed.
            if t.utc != bound.utc {
                return false;
            }
            let ok = if after {
                t.digits >= bound.digits
            } else {
                t.digits <= bound.digits
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// The principals of this line, one by one, as OpenSSH's
    /// find-principals prints them (split at commas).
    pub fn principal_list(&self) -> impl Iterator<Item = &str> {
        self.principals.split(',').take_while(|p| !p.is_empty())
    }
}

// A failed unwrap in a test is the test failing, with its location.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    #[test]
    fn patterns() {
        assert!(match_list("a.b", "a.b"));
        assert!(match_list("abc.x", "*.x"));
        assert!(match_list("abc", "a?c"));
        assert!(!match_list("abc", "a?d"));
        assert!(!match_list("abc", "*,!abc"));
        assert!(match_list("abd", "*,!abc"));
        assert!(!match_list("x", ""));
        assert!(match_list("aaaaaaaaaaaaaaaaaaaab", "*a*a*a*a*a*b"));
    }

    #[test]
    fn lines_and_options() {
        let text = format!(
            "# c\n\n\"a.x,b.y\" namespaces=\"git,file\",valid-after=20200101 {KEY} comment\nc.z cert-authority {KEY}\nd.w {KEY}\n"
        );
        let e = parse(&text).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].principals, "a.x,b.y");
        assert_eq!(e[0].namespaces.as_deref(), Some("git,file"));
        assert_eq!(e[0].valid_after.as_ref().unwrap().digits, "20200101000000");
        assert!(e[1].cert_authority);
        let key = e[2].key.as_ref().unwrap().clone();
        assert!(e[2].allows(&key, Some("any"), None));
        assert!(!e[1].allows(&key, Some("git"), None));
        let t = Time::parse("20210101").unwrap();
        assert!(e[0].allows(&key, Some("git"), Some(&t)));
        assert!(!e[0].allows(&key, Some("mail"), Some(&t)));
        // find-principals does not look at the namespace (OpenSSH's neither).
        assert!(e[0].allows(&key, None, Some(&t)));
        let early = Time::parse("20191231").unwrap();
        assert!(!e[0].allows(&key, Some("git"), Some(&early)));
        // A local bound with a UTC time cannot be judged: that line does not
        // allow the key (fails closed), and is no error that would stop
        // the other lines from being tried.
        let utc = Time::parse("20210101Z").unwrap();
        assert!(!e[0].allows(&key, Some("git"), Some(&utc)));
        assert!(!e[0].allows(&key, Some("git"), None));
        assert_eq!(e[0].principal_list().collect::<Vec<_>>(), ["a.x", "b.y"]);
    }

    #[test]
    fn impossible_times_are_refused() {
        for bad in [
            "20201301",
            "20200100",
            "20200132",
            "202001012400",
            "202001010060",
            "20200101z",
            "2020010100000",
            "",
        ] {
            assert!(Time::parse(bad).is_err(), "{bad}");
        }
        for good in ["20200229", "202012312359", "20201231235960Z"] {
            assert!(Time::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn malformed_lines_are_refused() {
        for bad in [
            "a.b".to_owned(),
            format!("a.b bogus-option {KEY}"),
            format!("\"a.b {KEY}"),
            format!("a.b valid-after=2020 {KEY}"),
            "a.b ssh-ed25519".to_owned(),
        ] {
            assert!(parse(&bad).is_err(), "{bad}");
        }
        let long = "x".repeat(MAX_LINE_LEN + 1);
        assert!(parse(&long).is_err());
        let many = "# \n".repeat(MAX_LINES + 1);
        assert!(parse(&many).is_err());
    }

    #[test]
    fn now_is_a_plausible_utc_time() {
        let t = Time::now_utc();
        assert!(t.utc && t.digits.len() == 14 && t.digits.as_str() > "20250101000000");
    }
}
