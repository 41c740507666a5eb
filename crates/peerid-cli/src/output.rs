//! What a command prints: plain text for people, or one JSON document.

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
            text: name.to_string(),
            json: json!({ "peer_name": name.to_string() }),
        }
    }
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

/// The JSON error object of DESIGN.md §7.
pub fn error_json(code: &str, hresult: i32, message: &str) -> Value {
    json!({ "error": { "code": code, "hresult": format!("0x{:08X}", hresult as u32), "message": message } })
}
