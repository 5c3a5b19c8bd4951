//! The PostgreSQL store, for several `formwork serve` instances sharing one database. The sync
//! `postgres` client behind an `r2d2` pool: every call must run off the async workers
//! (`spawn_blocking`). Outbox claims use `FOR UPDATE SKIP LOCKED` with a lease, so one delivery
//! is attempted by one instance at a time.

use postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;

use super::{
    Delivery, DeliveryCounts, DeliveryStatus, NewSubmission, RetrySelector, SessionLookup, Store,
    StoreError, StoredSubmission, SubmissionQuery, new_delivery_id, new_reference,
};

/// Migrations, by version. Applied under an advisory lock so instances starting together agree.
const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE sessions (
         id TEXT PRIMARY KEY,
         data TEXT NOT NULL,
         updated_at BIGINT NOT NULL,
         expires_at BIGINT NOT NULL
     );
     CREATE INDEX sessions_expires_at ON sessions (expires_at);
     CREATE TABLE submissions (
         reference TEXT PRIMARY KEY,
         form_id TEXT NOT NULL,
         form_version TEXT NOT NULL,
         journey_key TEXT NOT NULL UNIQUE,
         answers TEXT NOT NULL,
         created_at BIGINT NOT NULL
     );
     CREATE INDEX submissions_form_created ON submissions (form_id, created_at, reference);
     CREATE TABLE outbox (
         id TEXT PRIMARY KEY,
         reference TEXT NOT NULL REFERENCES submissions (reference),
         webhook TEXT NOT NULL,
         url TEXT NOT NULL,
         secret_env TEXT NOT NULL,
         status TEXT NOT NULL DEFAULT 'pending',
         attempts INTEGER NOT NULL DEFAULT 0,
         next_attempt_at BIGINT NOT NULL,
         lease_owner TEXT,
         lease_until BIGINT,
         last_error TEXT,
         created_at BIGINT NOT NULL,
         delivered_at BIGINT
     );
     CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
     CREATE INDEX outbox_reference ON outbox (reference);
     CREATE TABLE api_tokens (
         hash TEXT PRIMARY KEY,
         form_id TEXT NOT NULL,
         created_at BIGINT NOT NULL
     );",
)];

/// An arbitrary key for `pg_advisory_xact_lock` while migrating.
const MIGRATION_LOCK: i64 = 0x466f_726d_776f_726b;

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

/// The PostgreSQL store.
pub struct PostgresStore {
    /// Always `Some` until dropped.
    pool: Option<Pool>,
}

impl Drop for PostgresStore {
    /// Closing a sync client blocks on its own runtime, which panics on an async thread: the
    /// last handle may be dropped anywhere, so the pool is closed on a thread of its own.
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

fn count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn attempts(n: i32) -> u32 {
    u32::try_from(n).unwrap_or_default()
}

impl PostgresStore {
    /// Connects, checks durability settings (`fsync`, `synchronous_commit`) and migrates.
    /// Blocks: never call it on an async worker thread (`store::open` does it on its own thread).
    ///
    /// # Errors
    /// When the URL is bad, the database is unreachable, or a setting is unsafe.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let config: postgres::Config = url
            .parse()
            .map_err(|_| StoreError::Url(super::redact(url)))?;
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(1))
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(manager)?;
        let store = Self { pool: Some(pool) };
        store.check_durability()?;
        store.migrate()?;
        Ok(store)
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>, StoreError> {
        Ok(self.pool.as_ref().ok_or(StoreError::Poisoned)?.get()?)
    }

    fn check_durability(&self) -> Result<(), StoreError> {
        let mut c = self.conn()?;
        let fsync: String = c.query_one("SHOW fsync", &[])?.get(0);
        let sync: String = c.query_one("SHOW synchronous_commit", &[])?.get(0);
        if fsync != "on" || !matches!(sync.as_str(), "on" | "remote_write" | "remote_apply") {
            return Err(StoreError::Durability(format!(
                "PostgreSQL fsync={fsync}, synchronous_commit={sync} (want on, on)"
            )));
        }
        Ok(())
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )?;
        for (version, sql) in MIGRATIONS {
            let done = tx
                .query_opt(
                    "SELECT 1 FROM schema_migrations WHERE version = $1",
                    &[version],
                )?
                .is_some();
            if !done {
                tx.batch_execute(sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version) VALUES ($1)",
                    &[version],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

fn submission_row(r: &postgres::Row) -> StoredSubmission {
    StoredSubmission {
        reference: r.get(0),
        form_id: r.get(1),
        form_version: r.get(2),
        answers_json: r.get(3),
        created_at: r.get(4),
    }
}

impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn load_session(&self, id: &str, now: i64) -> Result<SessionLookup, StoreError> {
        let row = self.conn()?.query_opt(
            "SELECT data FROM sessions WHERE id = $1 AND expires_at > $2",
            &[&id, &now],
        )?;
        Ok(row.map_or(SessionLookup::Gone, |r| SessionLookup::Found(r.get(0))))
    }

    fn save_session(
        &self,
        id: &str,
        data: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.conn()?.execute(
            "INSERT INTO sessions (id, data, updated_at, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, expires_at = excluded.expires_at",
            &[&id, &data, &now, &expires_at],
        )?;
        Ok(())
    }

    fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        self.conn()?
            .execute("DELETE FROM sessions WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn submit(&self, s: &NewSubmission) -> Result<String, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let mut inserted = None;
        // A clash of random references is astronomically unlikely, but never fatal.
        for _ in 0..5 {
            let reference = new_reference();
            let row = tx.query_opt(
                "INSERT INTO submissions (reference, form_id, form_version, journey_key, answers, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING reference",
                &[&reference, &s.form_id, &s.form_version, &s.journey_key, &s.answers_json, &s.created_at],
            )?;
            if let Some(r) = row {
                inserted = Some(r.get::<_, String>(0));
                break;
            }
            // Either the journey key is taken (a retry: return the first reference) or the
            // reference is (try another).
            if let Some(existing) = tx.query_opt(
                "SELECT reference FROM submissions WHERE journey_key = $1",
                &[&s.journey_key],
            )? {
                return Ok(existing.get(0));
            }
        }
        let Some(reference) = inserted else {
            return Err(StoreError::Durability(
                "could not find a free reference".into(),
            ));
        };
        let created_ms = s.created_at.saturating_mul(1000);
        for d in &s.deliveries {
            tx.execute(
                "INSERT INTO outbox (id, reference, webhook, url, secret_env, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
                &[&new_delivery_id(), &reference, &d.webhook, &d.url, &d.secret_env, &created_ms],
            )?;
        }
        tx.commit()?;
        Ok(reference)
    }

    fn submission(&self, reference: &str) -> Result<Option<StoredSubmission>, StoreError> {
        Ok(self
            .conn()?
            .query_opt(
                "SELECT reference, form_id, form_version, answers, created_at FROM submissions WHERE reference = $1",
                &[&reference],
            )?
            .as_ref()
            .map(submission_row))
    }

    fn list_submissions(&self, q: &SubmissionQuery) -> Result<Vec<StoredSubmission>, StoreError> {
        let (from, until, c_at, c_ref) = q.bounds();
        let limit = i64::from(q.limit);
        let rows = self.conn()?.query(
            "SELECT reference, form_id, form_version, answers, created_at FROM submissions
             WHERE form_id = $1 AND created_at >= $2 AND created_at < $3
               AND (created_at, reference) > ($4, $5)
             ORDER BY created_at, reference LIMIT $6",
            &[&q.form_id, &from, &until, &c_at, &c_ref, &limit],
        )?;
        Ok(rows.iter().map(submission_row).collect())
    }

    fn count_sessions(&self, now: i64) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()?
            .query_one(
                "SELECT COUNT(*) FROM sessions WHERE expires_at > $1",
                &[&now],
            )?
            .get(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn purge_sessions(&self, now: i64) -> Result<usize, StoreError> {
        Ok(count(self.conn()?.execute(
            "DELETE FROM sessions WHERE expires_at <= $1",
            &[&now],
        )?))
    }

    fn purge_submissions(&self, cutoff: &dyn Fn(&str) -> i64) -> Result<usize, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let forms: Vec<String> = tx
            .query("SELECT DISTINCT form_id FROM submissions", &[])?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut deleted = 0;
        for form in forms {
            let before = cutoff(&form);
            tx.execute(
                "DELETE FROM outbox WHERE reference IN (SELECT reference FROM submissions WHERE form_id = $1 AND created_at < $2)",
                &[&form, &before],
            )?;
            deleted += count(tx.execute(
                "DELETE FROM submissions WHERE form_id = $1 AND created_at < $2",
                &[&form, &before],
            )?);
        }
        tx.commit()?;
        Ok(deleted)
    }

    fn create_token(&self, hash: &str, form_id: &str, now: i64) -> Result<(), StoreError> {
        self.conn()?.execute(
            "INSERT INTO api_tokens (hash, form_id, created_at) VALUES ($1, $2, $3)",
            &[&hash, &form_id, &now],
        )?;
        Ok(())
    }

    fn token_form(&self, hash: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()?
            .query_opt("SELECT form_id FROM api_tokens WHERE hash = $1", &[&hash])?
            .map(|r| r.get(0)))
    }

    fn claim_deliveries(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let limit = i64::from(limit);
        let until = now_ms + lease_ms;
        let rows = self.conn()?.query(
            "WITH claimed AS (
                 UPDATE outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $3
                              AND (lease_until IS NULL OR lease_until < $3)
                              ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED)
                 RETURNING id, reference, webhook, url, secret_env, attempts, created_at)
             SELECT c.id, c.reference, s.form_id, s.form_version, c.webhook, c.url, c.secret_env,
                    c.attempts, s.answers, s.created_at, c.created_at
             FROM claimed c JOIN submissions s ON s.reference = c.reference",
            &[&owner, &until, &now_ms, &limit],
        )?;
        Ok(rows
            .iter()
            .map(|r| Delivery {
                id: r.get(0),
                reference: r.get(1),
                form_id: r.get(2),
                form_version: r.get(3),
                webhook: r.get(4),
                url: r.get(5),
                secret_env: r.get(6),
                attempts: attempts(r.get(7)),
                answers_json: r.get(8),
                submitted_at: r.get(9),
                created_at_ms: r.get(10),
            })
            .collect())
    }

    fn complete_delivery(&self, id: &str, owner: &str, now_ms: i64) -> Result<bool, StoreError> {
        Ok(self.conn()?.execute(
            "UPDATE outbox SET status = 'delivered', delivered_at = $3, lease_owner = NULL, lease_until = NULL, last_error = NULL
             WHERE id = $1 AND lease_owner = $2 AND status = 'pending'",
            &[&id, &owner, &now_ms],
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
            Some(at) => self.conn()?.execute(
                "UPDATE outbox SET next_attempt_at = $3, last_error = $4, lease_owner = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_owner = $2 AND status = 'pending'",
                &[&id, &owner, &at, &error],
            )?,
            None => self.conn()?.execute(
                "UPDATE outbox SET status = 'dead', last_error = $3, lease_owner = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_owner = $2 AND status = 'pending'",
                &[&id, &owner, &error],
            )?,
        };
        Ok(n == 1)
    }

    fn release_leases(&self, owner: &str) -> Result<usize, StoreError> {
        Ok(count(self.conn()?.execute(
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
            &[&owner],
        )?))
    }

    fn deliveries(&self, reference: &str) -> Result<Vec<DeliveryStatus>, StoreError> {
        let rows = self.conn()?.query(
            "SELECT id, reference, webhook, status, attempts, last_error, created_at, next_attempt_at, delivered_at
             FROM outbox WHERE reference = $1 ORDER BY webhook, id",
            &[&reference],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                let status: String = r.get(3);
                let next: i64 = r.get(7);
                DeliveryStatus {
                    id: r.get(0),
                    reference: r.get(1),
                    webhook: r.get(2),
                    attempts: attempts(r.get(4)),
                    last_error: r.get(5),
                    created_at_ms: r.get(6),
                    next_attempt_at_ms: (status == "pending").then_some(next),
                    delivered_at_ms: r.get(8),
                    status,
                }
            })
            .collect())
    }

    fn retry_dead(&self, sel: &RetrySelector, now_ms: i64) -> Result<usize, StoreError> {
        Ok(count(self.conn()?.execute(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_owner = NULL, lease_until = NULL
             WHERE status = 'dead' AND ($2::TEXT IS NULL OR id = $2)
               AND ($3::TEXT IS NULL OR reference IN (SELECT reference FROM submissions WHERE form_id = $3))",
            &[&now_ms, &sel.id, &sel.form_id],
        )?))
    }

    fn delivery_counts(&self) -> Result<DeliveryCounts, StoreError> {
        let rows = self
            .conn()?
            .query("SELECT status, COUNT(*) FROM outbox GROUP BY status", &[])?;
        let mut counts = DeliveryCounts::default();
        for r in &rows {
            let status: String = r.get(0);
            let n = u64::try_from(r.get::<_, i64>(1)).unwrap_or_default();
            match status.as_str() {
                "pending" => counts.pending = n,
                "delivered" => counts.delivered = n,
                _ => counts.dead += n,
            }
        }
        Ok(counts)
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.conn()?.query_one("SELECT 1", &[])?;
        Ok(())
    }
}
