//! Session state kept server-side: one journey per form, the CSRF token, and the cookie that
//! carries only a random id. Also the in-memory cache of sessions for a single-process store.
//!
//! A visitor who has not answered anything yet has a *provisional* session: a random id in the
//! cookie and nothing stored. Its CSRF token is derived from the id, so a page view writes
//! nothing, and a flood of page views cannot fill the store. The first accepted answer stores
//! the session under a new id (so an id chosen by someone else never holds answers).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use base64::Engine;
use formwork_core::Answers;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

/// The prefix that marks a provisional (unstored) session id.
const PROVISIONAL_PREFIX: &str = "pv_";

/// A session id from a cookie, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionId {
    /// A stored session.
    Stored(String),
    /// A visitor who has not answered anything yet: nothing is stored.
    Provisional(String),
}

impl SessionId {
    /// A new stored-session id.
    #[must_use]
    pub fn new_stored() -> String {
        loop {
            let id = random_token(32);
            if !id.starts_with(PROVISIONAL_PREFIX) {
                return id;
            }
        }
    }

    /// A new provisional id.
    #[must_use]
    pub fn new_provisional() -> String {
        format!("{PROVISIONAL_PREFIX}{}", random_token(32))
    }

    /// Classifies a cookie value.
    #[must_use]
    pub fn parse(value: String) -> Self {
        if value.starts_with(PROVISIONAL_PREFIX) {
            Self::Provisional(value)
        } else {
            Self::Stored(value)
        }
    }
}

/// The CSRF token of a provisional session: a hash of its id. Unkeyed on purpose: every
/// instance sharing a database must accept it, and a provisional session holds nothing, so
/// the token only has to prove the page was read by this browser (the cookie is `HttpOnly`).
#[must_use]
pub fn provisional_csrf(id: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"formwork provisional csrf v1\0")
        .chain_update(id.as_bytes())
        .finalize();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// Live sessions kept in memory in front of a store that only this process writes (SQLite),
/// so that reading a session does not wait for a blocking-pool thread. Bounded: when full,
/// a slice of entries is dropped (they are still in the store).
#[derive(Debug)]
pub struct SessionCache {
    capacity: usize,
    entries: Mutex<HashMap<String, (String, i64)>>,
}

impl SessionCache {
    /// A cache holding at most `capacity` sessions.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The session's JSON, if cached and live.
    #[must_use]
    pub fn get(&self, id: &str, now: i64) -> Option<String> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(id)
            .filter(|(_, expires)| *expires > now)
            .map(|(json, _)| json.clone())
    }

    /// Remembers a session as stored.
    pub fn put(&self, id: &str, json: &str, expires: i64) {
        if self.capacity == 0 {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.capacity && !entries.contains_key(id) {
            let drop_n = (self.capacity / 8).max(1);
            let victims: Vec<String> = entries.keys().take(drop_n).cloned().collect();
            for v in victims {
                entries.remove(&v);
            }
        }
        entries.insert(id.to_owned(), (json.to_owned(), expires));
    }

    /// Forgets a session.
    pub fn remove(&self, id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(id);
        }
    }

    /// Forgets expired sessions.
    pub fn purge(&self, now: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (_, expires)| *expires > now);
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

    #[test]
    fn provisional_ids_are_told_apart_and_their_tokens_are_stable() {
        let p = SessionId::new_provisional();
        assert!(session_id_from_cookies(&format!("{COOKIE_NAME}={p}")).is_some());
        assert_eq!(
            SessionId::parse(p.clone()),
            SessionId::Provisional(p.clone())
        );
        let s = SessionId::new_stored();
        assert_eq!(SessionId::parse(s.clone()), SessionId::Stored(s));
        assert_eq!(provisional_csrf(&p), provisional_csrf(&p));
        assert_ne!(
            provisional_csrf(&p),
            provisional_csrf(&SessionId::new_provisional())
        );
    }

    #[test]
    fn the_cache_is_bounded_and_honours_expiry() {
        let cache = SessionCache::new(16);
        for i in 0..100 {
            cache.put(&format!("id{i}"), "{}", 10);
        }
        assert!(cache.entries.lock().map(|e| e.len()).unwrap_or(0) <= 16);
        cache.put("live", "{\"a\":1}", 10);
        assert_eq!(cache.get("live", 5).as_deref(), Some("{\"a\":1}"));
        assert_eq!(cache.get("live", 10), None);
        cache.purge(10);
        assert!(cache.entries.lock().map(|e| e.is_empty()).unwrap_or(false));
    }
}
