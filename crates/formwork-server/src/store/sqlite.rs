//! The embedded SQLite store (WAL). Submissions, their outbox rows and API tokens live in
//! `submissions.sqlite3` with `synchronous=FULL`, so a reference is shown only after a durable
//! commit of the submission and its outbox rows; sessions live in `sessions.sqlite3` with
//! `synchronous=NORMAL`.
//!
//! Submissions are written by one committer thread in group commits: submissions that arrive
//! while a commit is being made durable wait and go together in the next transaction, so many
//! residents share one fsync. Each still gets its reference only after its own commit.

use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};

use super::{
    Delivery, DeliveryCounts, DeliveryStatus, NewSubmission, RetrySelector, SessionLookup, Store,
    StoreError, StoredSubmission, SubmissionQuery, new_delivery_id, new_reference,
};

/// Migrations of `sessions.sqlite3`, by version.
const SESSION_MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE IF NOT EXISTS sessions (
         id TEXT PRIMARY KEY,
         data TEXT NOT NULL,
         updated_at INTEGER NOT NULL,
         expires_at INTEGER NOT NULL
     );
     CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);",
)];

/// Migrations of `submissions.sqlite3`, by version.
const SUBMISSION_MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE IF NOT EXISTS submissions (
             reference TEXT PRIMARY KEY,
             form_id TEXT NOT NULL,
             form_version TEXT NOT NULL,
             journey_key TEXT NOT NULL UNIQUE,
             answers TEXT NOT NULL,
             created_at INTEGER NOT NULL
         );
         CREATE INDEX IF NOT EXISTS submissions_form_created ON submissions (form_id, created_at);",
    ),
    (
        2,
        "CREATE TABLE outbox (
             id TEXT PRIMARY KEY,
             reference TEXT NOT NULL REFERENCES submissions (reference),
             webhook TEXT NOT NULL,
             url TEXT NOT NULL,
             secret_env TEXT NOT NULL,
             status TEXT NOT NULL DEFAULT 'pending',
             attempts INTEGER NOT NULL DEFAULT 0,
             next_attempt_at INTEGER NOT NULL,
             lease_owner TEXT,
             lease_until INTEGER,
             last_error TEXT,
             created_at INTEGER NOT NULL,
             delivered_at INTEGER
         );
         CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
         CREATE INDEX outbox_reference ON outbox (reference);
         CREATE TABLE api_tokens (
             hash TEXT PRIMARY KEY,
             form_id TEXT NOT NULL,
             created_at INTEGER NOT NULL
         );",
    ),
];

/// Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction.
fn migrate(conn: &mut Connection, migrations: &[(i64, &str)]) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY);",
    )?;
    for (version, sql) in migrations {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = ?1)",
            params![version],
            |r| r.get(0),
        )?;
        if !done {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES (?1)",
                params![version],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// The embedded SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    sessions: Mutex<Connection>,
    submissions: Arc<Mutex<Connection>>,
    committer: Sender<Job>,
}

/// The most submissions one group commit takes.
const MAX_GROUP: usize = 256;

/// A submission waiting for the committer, and where its reference goes.
struct Job {
    submission: NewSubmission,
    reply: SyncSender<Result<String, StoreError>>,
}

/// The committer thread: takes every submission waiting, stores each under its own savepoint
/// (one failing does not sink the others), commits once, then answers each.
fn run_committer(conn: &Mutex<Connection>, jobs: &Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let outcome = match conn.lock() {
            Ok(mut conn) => commit_group(&mut conn, &group),
            Err(_) => Err(StoreError::Poisoned),
        };
        match outcome {
            Ok(results) => {
                for (job, result) in group.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                // Nothing in the group was stored: every resident is told so, none gets a reference.
                let message = e.to_string();
                let mut first = Some(e);
                for job in group {
                    let err = first
                        .take()
                        .unwrap_or_else(|| StoreError::Commit(message.clone()));
                    let _ = job.reply.send(Err(err));
                }
            }
        }
    }
}

fn commit_group(
    conn: &mut Connection,
    group: &[Job],
) -> Result<Vec<Result<String, StoreError>>, StoreError> {
    let mut tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(group.len());
    for job in group {
        let sp = tx.savepoint()?;
        match insert_submission(&sp, &job.submission) {
            Ok(reference) => {
                sp.commit()?;
                results.push(Ok(reference));
            }
            // Dropping the savepoint rolls back this submission only.
            Err(e) => results.push(Err(e)),
        }
    }
    tx.commit()?;
    Ok(results)
}

/// Stores one submission and its outbox rows (inside the caller's transaction), once per
/// journey key: a repeated key returns the first reference.
fn insert_submission(tx: &Connection, s: &NewSubmission) -> Result<String, StoreError> {
    let existing: Option<String> = tx
        .prepare_cached("SELECT reference FROM submissions WHERE journey_key = ?1")?
        .query_row(params![s.journey_key], |r| r.get(0))
        .optional()?;
    if let Some(reference) = existing {
        return Ok(reference);
    }
    // A clash of random references is astronomically unlikely, but never fatal.
    let mut reference = new_reference();
    for _ in 0..5 {
        let taken: bool = tx
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM submissions WHERE reference = ?1)")?
            .query_row(params![reference], |r| r.get(0))?;
        if !taken {
            break;
        }
        reference = new_reference();
    }
    tx.prepare_cached(
        "INSERT INTO submissions (reference, form_id, form_version, journey_key, answers, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![reference, s.form_id, s.form_version, s.journey_key, s.answers_json, s.created_at])?;
    let created_ms = s.created_at.saturating_mul(1000);
    for d in &s.deliveries {
        tx.prepare_cached(
            "INSERT INTO outbox (id, reference, webhook, url, secret_env, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        )?
        .execute(params![new_delivery_id(), reference, d.webhook, d.url, d.secret_env, created_ms])?;
    }
    Ok(reference)
}

fn open_db(path: &Path, synchronous: &str, want: i64) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=5000;"
    ))?;
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") || sync != want {
        return Err(StoreError::Durability(format!(
            "{}: journal_mode={mode}, synchronous={sync} (want wal, {want})",
            path.display()
        )));
    }
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating on first run) the store in `dir`, applying migrations.
    ///
    /// # Errors
    /// When the directory or databases cannot be created, or WAL/FULL cannot be set.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
        let mut sessions = open_db(&dir.join("sessions.sqlite3"), "NORMAL", 1)?;
        migrate(&mut sessions, SESSION_MIGRATIONS)?;
        let mut submissions = open_db(&dir.join("submissions.sqlite3"), "FULL", 2)?;
        // Deleted answers are overwritten, not left in free pages (PRIV-01).
        submissions.execute_batch("PRAGMA secure_delete=ON;")?;
        migrate(&mut submissions, SUBMISSION_MIGRATIONS)?;
        let submissions = Arc::new(Mutex::new(submissions));
        let (committer, jobs) = std::sync::mpsc::channel();
        let conn = Arc::clone(&submissions);
        // The thread ends when the store (the only sender) is dropped.
        std::thread::Builder::new()
            .name("formwork-commit".into())
            .spawn(move || run_committer(&conn, &jobs))
            .map_err(|e| StoreError::Commit(format!("cannot start the committer thread: {e}")))?;
        Ok(Self {
            sessions: Mutex::new(sessions),
            submissions,
            committer,
        })
    }

    fn subs(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.submissions.lock().map_err(|_| StoreError::Poisoned)
    }
}

fn submission_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredSubmission> {
    Ok(StoredSubmission {
        reference: r.get(0)?,
        form_id: r.get(1)?,
        form_version: r.get(2)?,
        answers_json: r.get(3)?,
        created_at: r.get(4)?,
    })
}

fn status_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeliveryStatus> {
    let status: String = r.get(3)?;
    let next: i64 = r.get(7)?;
    Ok(DeliveryStatus {
        id: r.get(0)?,
        reference: r.get(1)?,
        webhook: r.get(2)?,
        attempts: r.get(4)?,
        last_error: r.get(5)?,
        created_at_ms: r.get(6)?,
        next_attempt_at_ms: (status == "pending").then_some(next),
        delivered_at_ms: r.get(8)?,
        status,
    })
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn load_session(&self, id: &str, now: i64) -> Result<SessionLookup, StoreError> {
        let conn = self.sessions.lock().map_err(|_| StoreError::Poisoned)?;
        let data: Option<String> = conn
            .prepare_cached("SELECT data FROM sessions WHERE id = ?1 AND expires_at > ?2")?
            .query_row(params![id, now], |r| r.get(0))
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
        // Cached: parsing the statement cost as much as running it.
        conn.prepare_cached(
            "INSERT INTO sessions (id, data, updated_at, expires_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, expires_at = excluded.expires_at",
        )?
        .execute(params![id, data, now, expires_at])?;
        Ok(())
    }

    fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        let conn = self.sessions.lock().map_err(|_| StoreError::Poisoned)?;
        conn.execute("DELETE FROM sessions WHERE id = ?1", params![id])?;
        Ok(())
    }

    fn submit(&self, s: &NewSubmission) -> Result<String, StoreError> {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        self.committer
            .send(Job {
                submission: s.clone(),
                reply,
            })
            .map_err(|_| StoreError::Poisoned)?;
        answer.recv().map_err(|_| StoreError::Poisoned)?
    }

    fn submission(&self, reference: &str) -> Result<Option<StoredSubmission>, StoreError> {
        let conn = self.subs()?;
        Ok(conn
            .query_row(
                "SELECT reference, form_id, form_version, answers, created_at FROM submissions WHERE reference = ?1",
                params![reference],
                submission_row,
            )
            .optional()?)
    }

    fn list_submissions(&self, q: &SubmissionQuery) -> Result<Vec<StoredSubmission>, StoreError> {
        let (from, until, c_at, c_ref) = q.bounds();
        let conn = self.subs()?;
        let mut stmt = conn.prepare_cached(
            "SELECT reference, form_id, form_version, answers, created_at FROM submissions
             WHERE form_id = ?1 AND created_at >= ?2 AND created_at < ?3
               AND (created_at > ?4 OR (created_at = ?4 AND reference > ?5))
             ORDER BY created_at, reference LIMIT ?6",
        )?;
        let rows = stmt.query_map(
            params![q.form_id, from, until, c_at, c_ref, q.limit],
            submission_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn count_sessions(&self, now: i64) -> Result<u64, StoreError> {
        let conn = self.sessions.lock().map_err(|_| StoreError::Poisoned)?;
        let n: i64 = conn.query_row(
            "SELECT COUNT(*) FROM sessions WHERE expires_at > ?1",
            params![now],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn purge_sessions(&self, now: i64) -> Result<usize, StoreError> {
        let conn = self.sessions.lock().map_err(|_| StoreError::Poisoned)?;
        Ok(conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", params![now])?)
    }

    fn purge_submissions(&self, cutoff: &dyn Fn(&str) -> i64) -> Result<usize, StoreError> {
        let mut conn = self.subs()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let forms: Vec<String> = {
            let mut stmt = tx.prepare("SELECT DISTINCT form_id FROM submissions")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        let mut deleted = 0;
        for form in forms {
            let before = cutoff(&form);
            tx.execute(
                "DELETE FROM outbox WHERE reference IN (SELECT reference FROM submissions WHERE form_id = ?1 AND created_at < ?2)",
                params![form, before],
            )?;
            deleted += tx.execute(
                "DELETE FROM submissions WHERE form_id = ?1 AND created_at < ?2",
                params![form, before],
            )?;
        }
        tx.commit()?;
        if deleted > 0 {
            // Copy the overwritten pages back and empty the WAL, so no old page image with the
            // deleted answers is left in it.
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(deleted)
    }

    fn create_token(&self, hash: &str, form_id: &str, now: i64) -> Result<(), StoreError> {
        self.subs()?.execute(
            "INSERT INTO api_tokens (hash, form_id, created_at) VALUES (?1, ?2, ?3)",
            params![hash, form_id, now],
        )?;
        Ok(())
    }

    fn token_form(&self, hash: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .subs()?
            .query_row(
                "SELECT form_id FROM api_tokens WHERE hash = ?1",
                params![hash],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn claim_deliveries(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut conn = self.subs()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let claimed = {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET lease_owner = ?1, lease_until = ?2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?3
                              AND (lease_until IS NULL OR lease_until < ?3)
                              ORDER BY next_attempt_at LIMIT ?4)
                 RETURNING id",
            )?;
            let ids: Vec<String> = stmt
                .query_map(params![owner, now_ms + lease_ms, now_ms, limit], |r| {
                    r.get(0)
                })?
                .collect::<Result<_, _>>()?;
            let mut out = Vec::with_capacity(ids.len());
            let mut get = tx.prepare_cached(
                "SELECT o.id, o.reference, s.form_id, s.form_version, o.webhook, o.url, o.secret_env,
                        o.attempts, s.answers, s.created_at, o.created_at
                 FROM outbox o JOIN submissions s ON s.reference = o.reference WHERE o.id = ?1",
            )?;
            for id in ids {
                out.push(get.query_row(params![id], |r| {
                    Ok(Delivery {
                        id: r.get(0)?,
                        reference: r.get(1)?,
                        form_id: r.get(2)?,
                        form_version: r.get(3)?,
                        webhook: r.get(4)?,
                        url: r.get(5)?,
                        secret_env: r.get(6)?,
                        attempts: r.get(7)?,
                        answers_json: r.get(8)?,
                        submitted_at: r.get(9)?,
                        created_at_ms: r.get(10)?,
                    })
                })?);
            }
            out
        };
        tx.commit()?;
        Ok(claimed)
    }

    fn complete_delivery(&self, id: &str, owner: &str, now_ms: i64) -> Result<bool, StoreError> {
        Ok(self.subs()?.execute(
            "UPDATE outbox SET status = 'delivered', delivered_at = ?3, lease_owner = NULL, lease_until = NULL, last_error = NULL
             WHERE id = ?1 AND lease_owner = ?2 AND status = 'pending'",
            params![id, owner, now_ms],
        )? == 1)
    }

    fn fail_delivery(
        &self,
        id: &str,
        owner: &str,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> Result<bool, StoreError> {
        let n = match retry_at_ms {
            Some(at) => self.subs()?.execute(
                "UPDATE outbox SET next_attempt_at = ?3, last_error = ?4, lease_owner = NULL, lease_until = NULL
                 WHERE id = ?1 AND lease_owner = ?2 AND status = 'pending'",
                params![id, owner, at, error],
            )?,
            None => self.subs()?.execute(
                "UPDATE outbox SET status = 'dead', last_error = ?3, lease_owner = NULL, lease_until = NULL
                 WHERE id = ?1 AND lease_owner = ?2 AND status = 'pending'",
                params![id, owner, error],
            )?,
        };
        Ok(n == 1)
    }

    fn release_leases(&self, owner: &str) -> Result<usize, StoreError> {
        Ok(self.subs()?.execute(
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?1",
            params![owner],
        )?)
    }

    fn deliveries(&self, reference: &str) -> Result<Vec<DeliveryStatus>, StoreError> {
        let conn = self.subs()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, reference, webhook, status, attempts, last_error, created_at, next_attempt_at, delivered_at
             FROM outbox WHERE reference = ?1 ORDER BY webhook, id",
        )?;
        let rows = stmt.query_map(params![reference], status_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn retry_dead(&self, sel: &RetrySelector, now_ms: i64) -> Result<usize, StoreError> {
        Ok(self.subs()?.execute(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?1, lease_owner = NULL, lease_until = NULL
             WHERE status = 'dead' AND (?2 IS NULL OR id = ?2)
               AND (?3 IS NULL OR reference IN (SELECT reference FROM submissions WHERE form_id = ?3))",
            params![now_ms, sel.id, sel.form_id],
        )?)
    }

    fn delivery_counts(&self) -> Result<DeliveryCounts, StoreError> {
        let conn = self.subs()?;
        let mut stmt =
            conn.prepare_cached("SELECT status, COUNT(*) FROM outbox GROUP BY status")?;
        let mut counts = DeliveryCounts::default();
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (status, n) = row?;
            let n = u64::try_from(n).unwrap_or_default();
            match status.as_str() {
                "pending" => counts.pending = n,
                "delivered" => counts.delivered = n,
                _ => counts.dead += n,
            }
        }
        Ok(counts)
    }

    fn ping(&self) -> Result<(), StoreError> {
        for db in [&self.sessions, &self.submissions] {
            let conn = db.lock().map_err(|_| StoreError::Poisoned)?;
            conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
        }
        Ok(())
    }
}
