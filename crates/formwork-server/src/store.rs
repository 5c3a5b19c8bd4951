//! Storage: sessions and submissions in embedded SQLite (WAL), behind the `Store` trait so
//! other databases can follow.
//!
//! Submissions live in their own database file with `synchronous=FULL`, so a reference is
//! shown only after a durable commit; sessions use `synchronous=NORMAL` in another file.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

/// A storage failure (infrastructure, never user input).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// A lock was poisoned by a panic elsewhere.
    #[error("the store is unavailable")]
    Poisoned,
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// A submission to store.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// The form's id.
    pub form_id: String,
    /// The form version's content hash.
    pub form_version: String,
    /// One key per journey: retries with the same key return the first reference.
    pub journey_key: String,
    /// Normalised answers as JSON.
    pub answers_json: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

/// A stored submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSubmission {
    /// The reference shown to the resident.
    pub reference: String,
    /// The form's id.
    pub form_id: String,
    /// The form version's content hash.
    pub form_version: String,
    /// Normalised answers as JSON.
    pub answers_json: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

/// What a session lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionLookup {
    /// A live session's data.
    Found(String),
    /// No such session, or it has expired (its answers are gone).
    Gone,
}

/// Sessions and submissions.
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Loads a live session.
    ///
    /// # Errors
    /// On database failure.
    fn load_session(&self, id: &str, now: i64) -> Result<SessionLookup, StoreError>;
    /// Creates or replaces a session.
    ///
    /// # Errors
    /// On database failure.
    fn save_session(
        &self,
        id: &str,
        data: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    /// Deletes a session.
    ///
    /// # Errors
    /// On database failure.
    fn delete_session(&self, id: &str) -> Result<(), StoreError>;
    /// Stores a submission durably, once per journey key, and returns its reference.
    ///
    /// # Errors
    /// On database failure.
    fn submit(&self, submission: &NewSubmission) -> Result<String, StoreError>;
    /// Looks a submission up by reference.
    ///
    /// # Errors
    /// On database failure.
    fn submission(&self, reference: &str) -> Result<Option<StoredSubmission>, StoreError>;
    /// Deletes expired sessions; returns how many.
    ///
    /// # Errors
    /// On database failure.
    fn purge_sessions(&self, now: i64) -> Result<usize, StoreError>;
    /// Checks the store answers.
    ///
    /// # Errors
    /// When it does not.
    fn ping(&self) -> Result<(), StoreError>;
}

/// The embedded SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    sessions: Mutex<Connection>,
    submissions: Mutex<Connection>,
}

const REFERENCE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";

/// A new reference: 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U), in groups of four.
#[must_use]
pub fn new_reference() -> String {
    let mut bytes = [0u8; 12];
    crate::session::fill_random(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(REFERENCE_ALPHABET[usize::from(*b) % REFERENCE_ALPHABET.len()]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

impl SqliteStore {
    /// Opens (creating on first run) the store in `dir`.
    ///
    /// # Errors
    /// When the directory or databases cannot be created.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
        let sessions = Connection::open(dir.join("sessions.sqlite3"))?;
        sessions.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY);
             CREATE TABLE IF NOT EXISTS sessions (
                 id TEXT PRIMARY KEY,
                 data TEXT NOT NULL,
                 updated_at INTEGER NOT NULL,
                 expires_at INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);
             INSERT OR IGNORE INTO schema_migrations (version) VALUES (1);",
        )?;
        let submissions = Connection::open(dir.join("submissions.sqlite3"))?;
        submissions.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY);
             CREATE TABLE IF NOT EXISTS submissions (
                 reference TEXT PRIMARY KEY,
                 form_id TEXT NOT NULL,
                 form_version TEXT NOT NULL,
                 journey_key TEXT NOT NULL UNIQUE,
                 answers TEXT NOT NULL,
                 created_at INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS submissions_form_created ON submissions (form_id, created_at);
             INSERT OR IGNORE INTO schema_migrations (version) VALUES (1);",
        )?;
        Ok(Self {
            sessions: Mutex::new(sessions),
            submissions: Mutex::new(submissions),
        })
    }
}

impl Store for SqliteStore {
    fn load_session(&self, id: &str, now: i64) -> Result<SessionLookup, StoreError> {
        let conn = self.sessions.lock().map_err(|_| StoreError::Poisoned)?;
        let data: Option<String> = conn
            .query_row(
                "SELECT data FROM sessions WHERE id = ?1 AND expires_at > ?2",
                params![id, now],
                |r| r.get(0),
            )
            .optional()?;
        Ok(data.map_or(SessionLookup::Gone, SessionLookup::Found))
    }

    fn save_session(
        &self,
        id: &str,
        data: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let conn = self.sessions.lock().map_err(|_| StoreError::Poisoned)?;
        conn.execute(
            "INSERT INTO sessions (id, data, updated_at, expires_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, expires_at = excluded.expires_at",
            params![id, data, now, expires_at],
        )?;
        Ok(())
    }

    fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        let conn = self.sessions.lock().map_err(|_| StoreError::Poisoned)?;
        conn.execute("DELETE FROM sessions WHERE id = ?1", params![id])?;
        Ok(())
    }

    fn submit(&self, s: &NewSubmission) -> Result<String, StoreError> {
        let mut conn = self.submissions.lock().map_err(|_| StoreError::Poisoned)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT reference FROM submissions WHERE journey_key = ?1",
                params![s.journey_key],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(reference) = existing {
            return Ok(reference);
        }
        // A clash of random references is astronomically unlikely, but never fatal.
        let mut reference = new_reference();
        for _ in 0..5 {
            let taken: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM submissions WHERE reference = ?1)",
                params![reference],
                |r| r.get(0),
            )?;
            if !taken {
                break;
            }
            reference = new_reference();
        }
        tx.execute(
            "INSERT INTO submissions (reference, form_id, form_version, journey_key, answers, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![reference, s.form_id, s.form_version, s.journey_key, s.answers_json, s.created_at],
        )?;
        tx.commit()?;
        Ok(reference)
    }

    fn submission(&self, reference: &str) -> Result<Option<StoredSubmission>, StoreError> {
        let conn = self.submissions.lock().map_err(|_| StoreError::Poisoned)?;
        Ok(conn
            .query_row(
                "SELECT reference, form_id, form_version, answers, created_at FROM submissions WHERE reference = ?1",
                params![reference],
                |r| {
                    Ok(StoredSubmission {
                        reference: r.get(0)?,
                        form_id: r.get(1)?,
                        form_version: r.get(2)?,
                        answers_json: r.get(3)?,
                        created_at: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    fn purge_sessions(&self, now: i64) -> Result<usize, StoreError> {
        let conn = self.sessions.lock().map_err(|_| StoreError::Poisoned)?;
        Ok(conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", params![now])?)
    }

    fn ping(&self) -> Result<(), StoreError> {
        for db in [&self.sessions, &self.submissions] {
            let conn = db.lock().map_err(|_| StoreError::Poisoned)?;
            conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submissions_are_idempotent_per_journey() {
        let dir = std::env::temp_dir().join(format!("formwork-store-{}", std::process::id()));
        let store = SqliteStore::open(&dir).unwrap();
        let s = NewSubmission {
            form_id: "f".into(),
            form_version: "v".into(),
            journey_key: "k1".into(),
            answers_json: "{}".into(),
            created_at: 1,
        };
        let a = store.submit(&s).unwrap();
        let b = store.submit(&s).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 14);
        assert!(
            a.chars()
                .all(|c| c == '-' || REFERENCE_ALPHABET.contains(&(c as u8)))
        );
        assert_eq!(store.submission(&a).unwrap().unwrap().form_id, "f");
        std::fs::remove_dir_all(dir).ok();
    }
}
