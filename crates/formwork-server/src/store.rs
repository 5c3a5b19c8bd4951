//! Storage behind one `Store` trait: sessions, submissions with their outbox rows (written in
//! one transaction), API tokens (by hash) and the delivery outbox, in embedded SQLite
//! (`sqlite`, the default) or PostgreSQL (`postgres`, for several instances).
//!
//! Both backends apply versioned migrations at startup (`schema_migrations`). Times of
//! submissions are Unix seconds; outbox times are Unix milliseconds.

pub mod postgres;
pub mod sqlite;

use std::path::Path;
use std::sync::Arc;

pub use self::postgres::PostgresStore;
pub use self::sqlite::SqliteStore;

/// A storage failure (infrastructure, never user input).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// PostgreSQL reported an error.
    #[error("database error: {0}")]
    Postgres(#[from] ::postgres::Error),
    /// No PostgreSQL connection could be had from the pool.
    #[error("database unavailable: {0}")]
    Pool(#[from] r2d2::Error),
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
    /// The database URL is not one Formwork understands.
    #[error(
        "unsupported --database {0:?}: use postgres://user@host:port/db (or leave it out for SQLite in --data)"
    )]
    Url(String),
    /// A durability setting is wrong (DUR-01): the server refuses to start.
    #[error("unsafe database setting: {0}")]
    Durability(String),
    /// A group commit failed (the first submission of the batch carries the database's error).
    #[error("the submission was not stored: {0}")]
    Commit(String),
}

/// A webhook target captured with a submission (its outbox row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// The target's name in the form definition.
    pub webhook: String,
    /// The URL to POST to.
    pub url: String,
    /// The environment variable holding the signing secret (never the secret).
    pub secret_env: String,
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
    /// Outbox rows written in the same transaction as the submission.
    pub deliveries: Vec<NewDelivery>,
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

/// Where a page of submissions starts: after this (time, reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// The reference.
    pub reference: String,
}

/// A page of one form's submissions, oldest first, by (created_at, reference).
#[derive(Debug, Clone)]
pub struct SubmissionQuery {
    /// The form.
    pub form_id: String,
    /// Only submissions at or after this time (seconds).
    pub from: Option<i64>,
    /// Only submissions before this time (seconds).
    pub until: Option<i64>,
    /// Only submissions after this cursor.
    pub after: Option<Cursor>,
    /// At most this many.
    pub limit: u32,
}

impl SubmissionQuery {
    pub(crate) fn bounds(&self) -> (i64, i64, i64, String) {
        let (c_at, c_ref) = self.after.as_ref().map_or((i64::MIN, String::new()), |c| {
            (c.created_at, c.reference.clone())
        });
        (
            self.from.unwrap_or(i64::MIN),
            self.until.unwrap_or(i64::MAX),
            c_at,
            c_ref,
        )
    }
}

/// An outbox row claimed for delivery, with what is needed to build the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The delivery id: the idempotency key (`webhook-id`), stable across retries.
    pub id: String,
    /// The submission's reference.
    pub reference: String,
    /// The form.
    pub form_id: String,
    /// The form version.
    pub form_version: String,
    /// The webhook's name.
    pub webhook: String,
    /// The URL.
    pub url: String,
    /// The environment variable holding the secret.
    pub secret_env: String,
    /// Attempts so far, including this one.
    pub attempts: u32,
    /// The submission's answers as JSON.
    pub answers_json: String,
    /// When the submission was made (seconds).
    pub submitted_at: i64,
    /// When the row was written (milliseconds).
    pub created_at_ms: i64,
}

/// A delivery's state for the API.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryStatus {
    /// The delivery id (idempotency key).
    pub id: String,
    /// The submission's reference.
    pub reference: String,
    /// The webhook's name.
    pub webhook: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last failure, if any (status code or transport error; never the body).
    pub last_error: Option<String>,
    /// When the row was written (milliseconds).
    pub created_at_ms: i64,
    /// When it is next tried (pending only).
    pub next_attempt_at_ms: Option<i64>,
    /// When it was delivered.
    pub delivered_at_ms: Option<i64>,
}

/// Which dead letters to retry.
#[derive(Debug, Clone, Default)]
pub struct RetrySelector {
    /// Only this delivery id.
    pub id: Option<String>,
    /// Only this form's.
    pub form_id: Option<String>,
}

/// What a session lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionLookup {
    /// A live session's data.
    Found(String),
    /// No such session, or it has expired (its answers are gone).
    Gone,
}

/// Sessions, submissions, tokens and the outbox. Every method blocks: call it from
/// `spawn_blocking` (PostgreSQL's client must never run on an async worker thread).
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Which backend: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
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
    /// Stores a submission and its outbox rows durably in one transaction, once per journey
    /// key, and returns its reference (the first one for a repeated key).
    ///
    /// # Errors
    /// On database failure.
    fn submit(&self, submission: &NewSubmission) -> Result<String, StoreError>;
    /// Looks a submission up by reference.
    ///
    /// # Errors
    /// On database failure.
    fn submission(&self, reference: &str) -> Result<Option<StoredSubmission>, StoreError>;
    /// A page of a form's submissions, oldest first.
    ///
    /// # Errors
    /// On database failure.
    fn list_submissions(
        &self,
        query: &SubmissionQuery,
    ) -> Result<Vec<StoredSubmission>, StoreError>;
    /// Counts live sessions (for the session cap).
    ///
    /// # Errors
    /// On database failure.
    fn count_sessions(&self, now: i64) -> Result<u64, StoreError>;
    /// Deletes expired sessions; returns how many.
    ///
    /// # Errors
    /// On database failure.
    fn purge_sessions(&self, now: i64) -> Result<usize, StoreError>;
    /// Deletes submissions made before `cutoff(form_id)` (seconds), with their outbox rows;
    /// returns how many submissions.
    ///
    /// # Errors
    /// On database failure.
    fn purge_submissions(&self, cutoff: &dyn Fn(&str) -> i64) -> Result<usize, StoreError>;
    /// Stores an API token's hash for a form.
    ///
    /// # Errors
    /// On database failure.
    fn create_token(&self, hash: &str, form_id: &str, now: i64) -> Result<(), StoreError>;
    /// The form a token hash gives access to.
    ///
    /// # Errors
    /// On database failure.
    fn token_form(&self, hash: &str) -> Result<Option<String>, StoreError>;
    /// Claims up to `limit` due pending deliveries for `owner` until `now_ms + lease_ms`,
    /// counting an attempt on each. A row leased by another owner is never returned until its
    /// lease expires.
    ///
    /// # Errors
    /// On database failure.
    fn claim_deliveries(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError>;
    /// Marks a delivery delivered (if `owner` still holds it); returns whether it did.
    ///
    /// # Errors
    /// On database failure.
    fn complete_delivery(&self, id: &str, owner: &str, now_ms: i64) -> Result<bool, StoreError>;
    /// Records a failed attempt: retried at `retry_at_ms`, or dead-lettered when `None`.
    ///
    /// # Errors
    /// On database failure.
    fn fail_delivery(
        &self,
        id: &str,
        owner: &str,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> Result<bool, StoreError>;
    /// Releases every lease `owner` holds (graceful shutdown).
    ///
    /// # Errors
    /// On database failure.
    fn release_leases(&self, owner: &str) -> Result<usize, StoreError>;
    /// Every delivery of a submission.
    ///
    /// # Errors
    /// On database failure.
    fn deliveries(&self, reference: &str) -> Result<Vec<DeliveryStatus>, StoreError>;
    /// Puts dead letters back in the queue with a fresh attempt count; returns how many.
    ///
    /// # Errors
    /// On database failure.
    fn retry_dead(&self, selector: &RetrySelector, now_ms: i64) -> Result<usize, StoreError>;
    /// Counts deliveries by status (`pending`, `delivered`, `dead`).
    ///
    /// # Errors
    /// On database failure.
    fn delivery_counts(&self) -> Result<DeliveryCounts, StoreError>;
    /// Checks the store answers.
    ///
    /// # Errors
    /// When it does not.
    fn ping(&self) -> Result<(), StoreError>;
}

/// How many deliveries are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryCounts {
    /// Waiting or being tried.
    pub pending: u64,
    /// Delivered.
    pub delivered: u64,
    /// Dead letters.
    pub dead: u64,
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

/// A new delivery id (the idempotency key sent as `webhook-id`).
#[must_use]
pub fn new_delivery_id() -> String {
    format!("msg_{}", crate::session::random_token(16))
}

/// Opens the store: PostgreSQL when `database` is a `postgres://` URL, else SQLite in `data`.
/// Runs on its own thread, so it is safe to call from async code at startup.
///
/// # Errors
/// When the database cannot be opened or migrated, or a durability setting is unsafe.
pub fn open(data: &Path, database: Option<&str>) -> Result<Arc<dyn Store>, StoreError> {
    match database.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(Arc::new(SqliteStore::open(data)?)),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let url = url.to_owned();
            let opened = std::thread::scope(|s| s.spawn(|| PostgresStore::open(&url)).join());
            match opened {
                Ok(r) => Ok(Arc::new(r?)),
                Err(_) => Err(StoreError::Poisoned),
            }
        }
        Some(other) => Err(StoreError::Url(redact(other))),
    }
}

/// A database URL without its password, for messages.
#[must_use]
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}
