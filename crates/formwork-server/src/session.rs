//! Session state kept server-side: one journey per form, the CSRF token, and the cookie that
//! carries only a random id.

use std::collections::BTreeMap;

use base64::Engine;
use formwork_core::Answers;
use serde::{Deserialize, Serialize};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "formwork_session";

/// Fills `buf` from the operating system's CSPRNG.
pub fn fill_random(buf: &mut [u8]) {
    // getrandom only fails if the OS has no entropy source at all; a zeroed id would then be
    // caught as a collision by the store, so there is no silent weakness to fall back to.
    if getrandom::fill(buf).is_err() {
        tracing::error!("the operating system's random source failed");
    }
}

/// A random URL-safe token with `bytes` bytes of entropy.
#[must_use]
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    fill_random(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Everything stored for one browser.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SessionData {
    /// The token every POST must carry.
    pub csrf: String,
    /// Journeys by form id.
    #[serde(default)]
    pub journeys: BTreeMap<String, Journey>,
}

/// One resident's progress through one form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Journey {
    /// The form version the journey started on.
    pub version: String,
    /// Answers so far.
    #[serde(default)]
    pub answers: Answers,
    /// The idempotency key for the submission.
    pub key: String,
    /// The reference, once sent; the answers are gone by then.
    #[serde(default)]
    pub reference: Option<String>,
}

impl Journey {
    /// A fresh journey on a form version.
    #[must_use]
    pub fn new(version: &str) -> Self {
        Self {
            version: version.to_owned(),
            answers: Answers::default(),
            key: random_token(16),
            reference: None,
        }
    }
}

impl SessionData {
    /// A new session with a fresh CSRF token.
    #[must_use]
    pub fn new() -> Self {
        Self {
            csrf: random_token(32),
            journeys: BTreeMap::new(),
        }
    }
}

/// Reads the session id from a `Cookie` header.
#[must_use]
pub fn session_id_from_cookies(header: &str) -> Option<String> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE_NAME
            && !value.is_empty()
            && value.len() <= 128
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| value.to_owned())
    })
}

/// The `Set-Cookie` value for a session id.
#[must_use]
pub fn session_cookie(id: &str, secure: bool) -> String {
    format!(
        "{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Compares tokens in constant time.
#[must_use]
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_parse_strictly() {
        assert_eq!(
            session_id_from_cookies("a=b; formwork_session=abc_DEF-1").as_deref(),
            Some("abc_DEF-1")
        );
        assert_eq!(session_id_from_cookies("formwork_session=../etc"), None);
        assert_eq!(session_id_from_cookies("other=1"), None);
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert_eq!(random_token(32).len(), 43);
    }
}
