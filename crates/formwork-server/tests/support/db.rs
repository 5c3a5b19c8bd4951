//! The databases tests run against: SQLite in a temporary folder always, and PostgreSQL when
//! `FORMWORK_TEST_DATABASE_URL` is set (scripts/test.sh sets it; on CI its absence is a failure).
//! Each PostgreSQL use gets its own schema, so tests running in parallel never see each other.

#![allow(dead_code, reason = "each test binary uses a part")]

use std::sync::Arc;

use formwork_server::store::Store;

/// The environment variable with a PostgreSQL URL for tests.
pub const URL_VAR: &str = "FORMWORK_TEST_DATABASE_URL";

/// The PostgreSQL URL for tests, if there is one. On CI it must be set.
pub fn postgres_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(
                !matches!(std::env::var("CI").as_deref(), Ok("true" | "1")),
                "{URL_VAR} is not set on CI: run the tests with scripts/test.sh (it starts PostgreSQL)"
            );
            eprintln!("{URL_VAR} is not set: PostgreSQL tests skipped (scripts/test.sh sets it)");
            None
        }
    }
}

/// A fresh schema in the test database; returns a URL whose connections use it.
pub fn fresh_schema(base: &str) -> String {
    let schema = format!(
        "t_{}",
        formwork_server::session::random_token(9)
            .to_lowercase()
            .replace(['-', '_'], "x")
    );
    let owned = base.to_owned();
    let s = schema.clone();
    // The sync client runs its own runtime: keep it off any async test's thread.
    std::thread::spawn(move || {
        let mut c =
            postgres::Client::connect(&owned, postgres::NoTls).expect("connect to PostgreSQL");
        c.batch_execute(&format!("CREATE SCHEMA {s}"))
            .expect("create schema");
    })
    .join()
    .expect("schema thread");
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-csearch_path%3D{schema}")
}

/// A backend under test, with whatever keeps it alive.
pub struct Backend {
    /// `sqlite` or `postgres`.
    pub name: &'static str,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The SQLite data folder (also used for `--data` with PostgreSQL).
    pub dir: tempfile::TempDir,
    /// The PostgreSQL URL, when it is PostgreSQL.
    pub url: Option<String>,
}

impl Backend {
    /// Opens the same database again (a restart, or another instance).
    pub fn reopen(&self) -> Arc<dyn Store> {
        formwork_server::store::open(self.dir.path(), self.url.as_deref()).expect("store reopens")
    }
}

/// SQLite, and PostgreSQL when available.
pub fn backends() -> Vec<Backend> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().expect("temporary directory");
    out.push(Backend {
        name: "sqlite",
        store: formwork_server::store::open(dir.path(), None).expect("SQLite opens"),
        dir,
        url: None,
    });
    if let Some(base) = postgres_url() {
        let url = fresh_schema(&base);
        let dir = tempfile::tempdir().expect("temporary directory");
        out.push(Backend {
            name: "postgres",
            store: formwork_server::store::open(dir.path(), Some(&url)).expect("PostgreSQL opens"),
            dir,
            url: Some(url),
        });
    }
    out
}
