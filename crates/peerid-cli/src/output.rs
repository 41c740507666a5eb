//! What a command prints: plain text for people, or one JSON document.

use std::borrow::Cow;
use std::fmt::Write;

use peerid::store::IdentitySummary;
use serde_json::{Value, json};

/// A command's result, in both forms.
pub struct Reply {
    /// Printed as is (a trailing newline is added when missing and non-empty).
    pub text: String,
    /// Printed with `--json`.
    pub json: Value,
}

/// What `main` prints: a reply in both forms, or output a command already
/// rendered in the one form asked for (so a 100,000-line `list` is not
/// built twice).
pub enum Output {
    /// Choose text or JSON when printing.
    Reply(Reply),
    /// Print as is.
    Rendered(String),
}

impl From<Reply> for Output {
    fn from(r: Reply) -> Output {
        Output::Reply(r)
    }
}

impl Reply {
    /// A reply that is one peer name.
    pub fn peer_name(name: &peerid::PeerName) -> Reply {
        Reply {
            text: terminal_safe(&name.to_string()).into_owned(),
            json: json!({ "peer_name": name.to_string() }),
        }
    }
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

/// The JSON object of one identity.
pub fn identity_json(s: &IdentitySummary) -> Value {
    json!({
        "peer_name": s.peer_name.to_string(),
        "friendly_name": s.friendly_name,
        "key_type": s.key_type,
        "authority": s.peer_name.authority().to_string(),
        "classifier": s.peer_name.classifier().as_str(),
        "is_default": s.is_default,
    })
}

/// The JSON error object of docs/design.md §7.
pub fn error_json(code: &str, hresult: i32, message: &str) -> Value {
    json!({ "error": { "code": code, "hresult": format!("0x{:08X}", hresult as u32), "message": message } })
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

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
