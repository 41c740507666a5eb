//! What a command prints: plain text for people, or one JSON document.

use std::borrow::Cow;
use std::fmt::Write;

use peerid::IdentitySummary;
use peerid::PeerName;
use serde::Serialize;

use crate::error::{Error, Result};

/// A command's result, in both forms.
pub struct Reply {
    /// Printed as is (a trailing newline is added when missing and non-empty).
    pub text: String,
    /// Printed with `--json`.
    pub json: Json,
}

/// What `main` prints: a reply in both forms, or output a command already
/// rendered in the one form asked for (so a 100,000-line `list` is not
/// built twice).
pub enum Output {
    /// Choose text or JSON when printing.
    Reply(Reply),
    /// Print as is.
    Rendered(Vec<u8>),
}

impl From<Reply> for Output {
    fn from(r: Reply) -> Output {
        Output::Reply(r)
    }
}

impl Output {
    /// The bytes to print on stdout: the JSON document and a line end with
    /// `--json`, else the text, ending in a line end unless empty.
    ///
    /// # Errors
    /// [`Error::FormattingJson`], which derived `Serialize` on these types
    /// never gives; it is reported rather than assumed away.
    pub fn into_bytes(self, json: bool) -> Result<Vec<u8>> {
        match self {
            Output::Rendered(bytes) => Ok(bytes),
            Output::Reply(reply) if json => {
                let mut bytes = to_json(&reply.json)?;
                bytes.push(b'\n');
                Ok(bytes)
            }
            Output::Reply(Reply { mut text, .. }) => {
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                Ok(text.into_bytes())
            }
        }
    }
}

impl Reply {
    /// A reply that is one peer name.
    pub fn peer_name(name: &PeerName) -> Reply {
        Reply {
            text: terminal_safe(&name.to_string()).into_owned(),
            json: Json::PeerName(PeerNameJson {
                peer_name: name.to_string(),
            }),
        }
    }
}

/// The JSON document of each command's success (docs/design.md §7), with
/// snake_case fields.
///
/// Fields are declared in alphabetical order: that is the order
/// `serde_json::json!` maps printed them in before these types existed, and
/// the bytes stay the same.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Json {
    /// `create`, `default`, `import`, `peer-name`.
    PeerName(PeerNameJson),
    /// `show`.
    Identity(IdentityJson),
    /// `delete`.
    Deleted(DeletedJson),
    /// `friendly-name`.
    FriendlyName(FriendlyNameJson),
    /// `xml`.
    Xml(XmlJson),
    /// `export` to standard output.
    Exported(ExportedJson),
    /// `export -o FILE`.
    ExportedTo(ExportedToJson),
    /// `sign`.
    Signed(crate::commands::SignedJson),
    /// `verify`.
    Verified(crate::commands::VerifiedJson),
    /// `ssh-key`.
    SshKey(crate::commands::SshKeyJson),
    /// `allowed-signers`.
    AllowedSigners(Vec<crate::commands::AllowedSignerJson>),
    /// `store seal`, `store unseal`, `store passphrase`, `store status`.
    SealStatus(crate::commands::SealStatusJson),
}

/// `{"peer_name": "…"}`
#[derive(Debug, Serialize)]
pub struct PeerNameJson {
    /// The peer name.
    pub peer_name: String,
}

/// One identity: `show`, and each element of `list`'s array.
///
/// `{"authority", "classifier", "friendly_name", "is_default", "key_type", "peer_name"}`
#[derive(Debug, Serialize)]
pub struct IdentityJson {
    /// The 40 hex digits before the dot.
    pub authority: String,
    /// The part after the dot, exactly (never escaped).
    pub classifier: String,
    /// The friendly name, exactly (never escaped).
    pub friendly_name: String,
    /// Whether it is the store's default identity.
    pub is_default: bool,
    /// The key type as `--key` names it.
    pub key_type: String,
    /// The peer name.
    pub peer_name: String,
}

impl From<&IdentitySummary> for IdentityJson {
    fn from(s: &IdentitySummary) -> IdentityJson {
        IdentityJson {
            authority: s.peer_name.authority().to_string(),
            classifier: s.peer_name.classifier().as_str().to_owned(),
            friendly_name: s.friendly_name.as_str().to_owned(),
            is_default: s.is_default,
            key_type: s.key_type.name(),
            peer_name: s.peer_name.to_string(),
        }
    }
}

/// `{"deleted": true, "peer_name": "…"}`
#[derive(Debug, Serialize)]
pub struct DeletedJson {
    /// Always true: a failed delete is an error object.
    pub deleted: bool,
    /// The identity deleted.
    pub peer_name: String,
}

/// `{"friendly_name": "…", "peer_name": "…"}`, the name after any change.
#[derive(Debug, Serialize)]
pub struct FriendlyNameJson {
    /// The friendly name, exactly.
    pub friendly_name: String,
    /// The identity.
    pub peer_name: String,
}

/// `{"peer_name": "…", "xml": "<PEERIDENTITYINFO …"}`
#[derive(Debug, Serialize)]
pub struct XmlJson {
    /// The identity.
    pub peer_name: String,
    /// Its PEERIDENTITYINFO document.
    pub xml: String,
}

/// `{"document": "<PEERIDENTITYEXPORT …", "peer_name": "…"}`
#[derive(Debug, Serialize)]
pub struct ExportedJson {
    /// The export document.
    pub document: String,
    /// The identity exported.
    pub peer_name: String,
}

/// `{"file": "…", "peer_name": "…"}`
#[derive(Debug, Serialize)]
pub struct ExportedToJson {
    /// The `-o` file written (non-UTF-8 bytes shown as U+FFFD).
    pub file: String,
    /// The identity exported.
    pub peer_name: String,
}

/// The error object of docs/design.md §7:
/// `{"error": {"code": "PEER_E_…", "hresult": "0x…", "message": "…"}}`.
#[derive(Debug, Serialize)]
pub struct ErrorJson<'a> {
    /// The error.
    pub error: ErrorBody<'a>,
}

/// The inside of [`ErrorJson`].
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    /// The HRESULT's symbolic name, or `USAGE`.
    pub code: &'a str,
    /// The HRESULT as `0x` and eight uppercase hex digits.
    pub hresult: String,
    /// The message, exactly as on stderr before its escaping.
    pub message: &'a str,
}

impl<'a> ErrorJson<'a> {
    /// The error object for a code, an HRESULT and a message.
    pub fn new(code: &'a str, hresult: i32, message: &'a str) -> ErrorJson<'a> {
        ErrorJson {
            error: ErrorBody {
                code,
                hresult: format!("0x{:08X}", hresult as u32),
                message,
            },
        }
    }
}

/// One value as compact JSON.
///
/// # Errors
/// [`Error::FormattingJson`] if serde_json refuses the value.
pub fn to_json(value: &impl Serialize) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|source| Error::FormattingJson { source })
}

/// A time as RFC 3339 in UTC, to the second: `2026-12-01T16:38:32Z`.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01: the date is
/// counted in 400-year eras of 146,097 days from 0000-03-01, so that the
/// leap day falls at the end of each counted year.
pub fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// Text from the store made safe to print for a person. A name may have come
/// from someone else's export, so it may hold characters that drive the
/// terminal (ESC and the other C0 and C1 controls) or that make one name look
/// like another (the bidirectional overrides and isolates, as in "Trojan
/// Source"); those are shown as `\u{..}` escapes, as are tab and line breaks,
/// which would break one-line-per-identity output. Every other character, in
/// any script, prints as it is. `--json` always gives the exact text.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(shown_escaped) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if shown_escaped(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn shown_escaped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::{rfc3339, terminal_safe};
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn times_in_rfc3339_utc() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (951_868_799, "2000-02-29T23:59:59Z"),
            (951_868_800, "2000-03-01T00:00:00Z"),
            (1_709_164_800, "2024-02-29T00:00:00Z"),
            (1_709_251_199, "2024-02-29T23:59:59Z"),
            (1_735_689_599, "2024-12-31T23:59:59Z"),
            (4_102_444_800, "2100-01-01T00:00:00Z"),
            (1_796_143_112, "2026-12-01T16:38:32Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
        ];
        for (secs, text) in cases {
            assert_eq!(
                rfc3339(UNIX_EPOCH + Duration::from_secs(secs)),
                text,
                "{secs}"
            );
        }
    }

    #[test]
    fn printable_text_in_any_script_is_unchanged() {
        for s in [
            "",
            "laptop",
            "Café",
            "Home ☃",
            "ノートパソコン",
            "a\\b",
            "😀",
            "a b",
        ] {
            assert_eq!(terminal_safe(s), s);
        }
    }

    #[test]
    fn controls_and_bidi_overrides_are_escaped() {
        let cases = [
            ("\x1b[2J", "\\u{1b}[2J"),
            ("a\tb\nc\r", "a\\u{9}b\\u{a}c\\u{d}"),
            ("\u{7f}\u{9b}31m", "\\u{7f}\\u{9b}31m"),
            ("txt.\u{202E}exe", "txt.\\u{202e}exe"),
            (
                "\u{2066}x\u{2069}\u{200F}\u{61C}",
                "\\u{2066}x\\u{2069}\\u{200f}\\u{61c}",
            ),
        ];
        for (raw, shown) in cases {
            assert_eq!(terminal_safe(raw), shown, "{raw:?}");
        }
    }
}
