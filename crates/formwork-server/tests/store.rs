//! The store conformance suite: one table of cases, each run against SQLite and (when
//! `FORMWORK_TEST_DATABASE_URL` is set, as scripts/test.sh does) PostgreSQL. Both backends must
//! behave identically: sessions, idempotent submissions with their outbox rows, pagination and
//! date filters, tokens, outbox claims and leases, dead letters and retries, retention purges
//! and migrations.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

#[path = "support/db.rs"]
mod db;

use std::sync::Arc;

use formwork_server::store::{
    Cursor, NewDelivery, NewSubmission, RetrySelector, SessionLookup, Store, SubmissionQuery,
};

fn hook(name: &str) -> NewDelivery {
    NewDelivery {
        webhook: name.into(),
        url: format!("http://127.0.0.1:9/{name}"),
        secret_env: "HOOK_SECRET".into(),
    }
}

fn sub(form: &str, key: &str, at: i64, hooks: &[&str]) -> NewSubmission {
    NewSubmission {
        form_id: form.into(),
        form_version: "v1".into(),
        journey_key: key.into(),
        answers_json: format!(r#"{{"key":"{key}"}}"#),
        created_at: at,
        deliveries: hooks.iter().map(|h| hook(h)).collect(),
    }
}

fn query(form: &str, limit: u32) -> SubmissionQuery {
    SubmissionQuery {
        form_id: form.into(),
        from: None,
        until: None,
        after: None,
        limit,
    }
}

/// Runs each case against every backend, naming the backend on failure.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {$(
        #[test]
        fn $case() {
            for b in db::backends() {
                eprintln!("{}: {}", stringify!($case), b.name);
                super_cases::$case(&b);
            }
        }
    )*};
}

conformance!(
    sessions_live_expire_and_purge,
    submissions_are_idempotent_with_outbox_rows_in_the_same_transaction,
    concurrent_submits_of_one_journey_make_one_row,
    many_concurrent_submits_are_each_stored_once,
    pages_follow_the_cursor_and_filter_by_time,
    tokens_are_found_by_hash_only,
    claims_lease_rows_to_one_owner,
    failures_back_off_then_dead_letter_and_retry,
    retention_purges_submissions_and_their_outbox_rows,
    migrations_are_recorded_and_reopening_is_safe,
);

mod super_cases {
    use super::*;
    use crate::db::Backend;

    pub fn sessions_live_expire_and_purge(b: &Backend) {
        let s = &b.store;
        assert_eq!(s.load_session("a", 100).unwrap(), SessionLookup::Gone);
        s.save_session("a", "{\"x\":1}", 100, 200).unwrap();
        s.save_session("b", "{}", 100, 150).unwrap();
        for (id, now, want) in [
            ("a", 199, Some("{\"x\":1}")),
            ("a", 200, None),
            ("b", 120, Some("{}")),
            ("c", 120, None),
        ] {
            let got = s.load_session(id, now).unwrap();
            let want = want.map_or(SessionLookup::Gone, |w| SessionLookup::Found(w.into()));
            assert_eq!(got, want, "{} {id} at {now}", b.name);
        }
        s.save_session("a", "{\"x\":2}", 150, 300).unwrap();
        assert_eq!(
            s.load_session("a", 250).unwrap(),
            SessionLookup::Found("{\"x\":2}".into())
        );
        assert_eq!(s.purge_sessions(160).unwrap(), 1, "b expired");
        s.delete_session("a").unwrap();
        assert_eq!(s.load_session("a", 250).unwrap(), SessionLookup::Gone);
    }

    pub fn submissions_are_idempotent_with_outbox_rows_in_the_same_transaction(b: &Backend) {
        let s = &b.store;
        let first = s.submit(&sub("f", "k1", 1_000, &["crm", "email"])).unwrap();
        let again = s.submit(&sub("f", "k1", 2_000, &["crm", "email"])).unwrap();
        assert_eq!(first, again, "{}", b.name);
        let other = s.submit(&sub("f", "k2", 1_000, &[])).unwrap();
        assert_ne!(first, other);
        let stored = s.submission(&first).unwrap().unwrap();
        assert_eq!(
            (
                stored.form_id.as_str(),
                stored.created_at,
                stored.answers_json.as_str()
            ),
            ("f", 1_000, r#"{"key":"k1"}"#)
        );
        let d = s.deliveries(&first).unwrap();
        assert_eq!(
            d.iter().map(|d| d.webhook.as_str()).collect::<Vec<_>>(),
            ["crm", "email"]
        );
        assert!(d.iter().all(|d| d.status == "pending" && d.attempts == 0));
        assert!(d[0].id.starts_with("msg_") && d[0].id != d[1].id);
        assert_eq!(d[0].next_attempt_at_ms, Some(1_000_000));
        assert!(s.deliveries(&other).unwrap().is_empty());
        assert_eq!(s.submission("NOPE-NOPE-NOPE").unwrap(), None);
        assert_eq!(s.delivery_counts().unwrap().pending, 2);
    }

    /// 64 threads submit at once (SQLite groups them into shared commits), every other one
    /// repeating a key another thread also sends: one row per key, each with its outbox row,
    /// and both senders of a key get the same reference.
    pub fn many_concurrent_submits_are_each_stored_once(b: &Backend) {
        let refs: Vec<(usize, String)> = std::thread::scope(|scope| {
            let joins: Vec<_> = (0..64)
                .map(|i| {
                    let store = b.store.clone();
                    scope.spawn(move || {
                        let key = format!("group-{}", i / 2);
                        (
                            i / 2,
                            store.submit(&sub("group", &key, 7, &["crm"])).unwrap(),
                        )
                    })
                })
                .collect();
            joins.into_iter().map(|j| j.join().unwrap()).collect()
        });
        let mut by_key = std::collections::BTreeMap::<usize, Vec<String>>::new();
        for (k, r) in refs {
            by_key.entry(k).or_default().push(r);
        }
        assert_eq!(by_key.len(), 32);
        for (k, rs) in &by_key {
            assert_eq!(rs[0], rs[1], "{}: key {k}", b.name);
            assert_eq!(b.store.deliveries(&rs[0]).unwrap().len(), 1, "{}", b.name);
        }
        assert_eq!(
            b.store
                .list_submissions(&query("group", 100))
                .unwrap()
                .len(),
            32,
            "{}",
            b.name
        );
    }

    pub fn concurrent_submits_of_one_journey_make_one_row(b: &Backend) {
        // Each thread opens its own handle on PostgreSQL, like separate instances would.
        let handles: Vec<Arc<dyn Store>> = (0..6)
            .map(|i| {
                if i % 2 == 0 || b.url.is_none() {
                    b.store.clone()
                } else {
                    b.reopen()
                }
            })
            .collect();
        let refs: Vec<String> = std::thread::scope(|scope| {
            let joins: Vec<_> = handles
                .iter()
                .map(|h| {
                    scope.spawn(move || h.submit(&sub("race", "same-key", 5, &["crm"])).unwrap())
                })
                .collect();
            joins.into_iter().map(|j| j.join().unwrap()).collect()
        });
        assert!(
            refs.windows(2).all(|w| w[0] == w[1]),
            "{}: {refs:?}",
            b.name
        );
        assert_eq!(
            b.store.list_submissions(&query("race", 10)).unwrap().len(),
            1
        );
        assert_eq!(b.store.deliveries(&refs[0]).unwrap().len(), 1);
    }

    pub fn pages_follow_the_cursor_and_filter_by_time(b: &Backend) {
        let s = &b.store;
        // 23 submissions to "p", three at each time, plus noise on another form.
        let mut want = Vec::new();
        for i in 0..23 {
            let at = 10_000 + (i / 3) * 100;
            let r = s.submit(&sub("p", &format!("p{i}"), at, &[])).unwrap();
            want.push((at, r));
            s.submit(&sub("q", &format!("q{i}"), at, &[])).unwrap();
        }
        want.sort();
        for limit in [1, 5, 7, 23, 100] {
            let mut q = query("p", limit);
            let mut got = Vec::new();
            loop {
                let page = s.list_submissions(&q).unwrap();
                assert!(page.len() <= limit as usize);
                got.extend(page.iter().map(|x| (x.created_at, x.reference.clone())));
                let Some(last) = page.last() else { break };
                q.after = Some(Cursor {
                    created_at: last.created_at,
                    reference: last.reference.clone(),
                });
            }
            assert_eq!(got, want, "{} limit {limit}", b.name);
        }
        for (from, until, expected) in [
            (Some(10_100), None, 20),
            (None, Some(10_100), 3),
            (Some(10_200), Some(10_400), 6),
            (Some(99_999), None, 0),
        ] {
            let q = SubmissionQuery {
                from,
                until,
                ..query("p", 500)
            };
            assert_eq!(
                s.list_submissions(&q).unwrap().len(),
                expected,
                "{} {from:?}..{until:?}",
                b.name
            );
        }
    }

    pub fn tokens_are_found_by_hash_only(b: &Backend) {
        let s = &b.store;
        s.create_token("hash-1", "form-a", 1).unwrap();
        s.create_token("hash-2", "form-b", 1).unwrap();
        assert_eq!(s.token_form("hash-1").unwrap().as_deref(), Some("form-a"));
        assert_eq!(s.token_form("hash-2").unwrap().as_deref(), Some("form-b"));
        assert_eq!(s.token_form("hash-3").unwrap(), None);
        assert!(
            s.create_token("hash-1", "form-b", 2).is_err(),
            "hashes are unique"
        );
    }

    pub fn claims_lease_rows_to_one_owner(b: &Backend) {
        let s = &b.store;
        let r = s.submit(&sub("c", "c1", 1, &["a", "b", "c"])).unwrap();
        let now = 10_000;
        let a = s.claim_deliveries("A", now, 1_000, 2).unwrap();
        assert_eq!(a.len(), 2, "{}", b.name);
        assert!(
            a.iter()
                .all(|d| d.attempts == 1 && d.reference == r && d.form_id == "c")
        );
        assert_eq!(a[0].answers_json, r#"{"key":"c1"}"#);
        let other = if b.url.is_some() {
            b.reopen()
        } else {
            s.clone()
        };
        let bb = other.claim_deliveries("B", now + 10, 1_000, 10).unwrap();
        assert_eq!(bb.len(), 1, "only the unclaimed row");
        assert!(a.iter().all(|d| d.id != bb[0].id));
        assert!(
            other
                .claim_deliveries("B", now + 999, 1_000, 10)
                .unwrap()
                .is_empty()
        );
        // A's lease runs out: B takes A's rows over, and A can no longer record a result.
        let taken = other.claim_deliveries("B", now + 1_001, 1_000, 10).unwrap();
        assert_eq!(taken.len(), 2);
        assert!(taken.iter().all(|d| d.attempts == 2));
        assert!(!s.complete_delivery(&a[0].id, "A", now + 1_002).unwrap());
        assert!(other.complete_delivery(&a[0].id, "B", now + 1_003).unwrap());
        assert!(
            !other.complete_delivery(&a[0].id, "B", now + 1_004).unwrap(),
            "once"
        );
        assert_eq!(other.release_leases("B").unwrap(), 2);
        let again = s.claim_deliveries("A", now + 1_005, 1_000, 10).unwrap();
        assert_eq!(again.len(), 2, "released rows are claimable at once");
        let status = s.deliveries(&r).unwrap();
        let delivered: Vec<_> = status.iter().filter(|d| d.status == "delivered").collect();
        assert_eq!(delivered.len(), 1);
        assert_eq!(delivered[0].delivered_at_ms, Some(now + 1_003));
        assert_eq!(delivered[0].next_attempt_at_ms, None);
    }

    pub fn failures_back_off_then_dead_letter_and_retry(b: &Backend) {
        let s = &b.store;
        let r = s.submit(&sub("d", "d1", 1, &["x"])).unwrap();
        let d = s
            .claim_deliveries("W", 5_000, 1_000, 1)
            .unwrap()
            .pop()
            .unwrap();
        assert!(
            s.fail_delivery(&d.id, "W", "HTTP 500", Some(8_000))
                .unwrap()
        );
        assert!(
            s.claim_deliveries("W", 7_999, 1_000, 1).unwrap().is_empty(),
            "{}",
            b.name
        );
        let st = &s.deliveries(&r).unwrap()[0];
        assert_eq!(
            (
                st.status.as_str(),
                st.attempts,
                st.last_error.as_deref(),
                st.next_attempt_at_ms
            ),
            ("pending", 1, Some("HTTP 500"), Some(8_000))
        );
        let d = s
            .claim_deliveries("W", 8_000, 1_000, 1)
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(d.attempts, 2);
        assert!(s.fail_delivery(&d.id, "W", "HTTP 410", None).unwrap());
        assert!(
            s.claim_deliveries("W", 99_999_999, 1_000, 5)
                .unwrap()
                .is_empty()
        );
        assert_eq!(s.delivery_counts().unwrap().dead, 1);
        assert_eq!(s.deliveries(&r).unwrap()[0].status, "dead");
        for (sel, n) in [
            (
                RetrySelector {
                    id: Some("msg_other".into()),
                    form_id: None,
                },
                0,
            ),
            (
                RetrySelector {
                    id: None,
                    form_id: Some("other-form".into()),
                },
                0,
            ),
            (
                RetrySelector {
                    id: Some(d.id),
                    form_id: Some("d".into()),
                },
                1,
            ),
            (RetrySelector::default(), 0),
        ] {
            assert_eq!(s.retry_dead(&sel, 9_000).unwrap(), n, "{} {sel:?}", b.name);
        }
        let d = s
            .claim_deliveries("W", 9_000, 1_000, 1)
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(d.attempts, 1, "a retried dead letter starts counting again");
    }

    pub fn retention_purges_submissions_and_their_outbox_rows(b: &Backend) {
        let s = &b.store;
        let old = s.submit(&sub("short", "s-old", 1_000, &["x"])).unwrap();
        let young = s.submit(&sub("short", "s-young", 5_000, &["x"])).unwrap();
        let long = s.submit(&sub("long", "l-old", 1_000, &["x"])).unwrap();
        let cutoff = |form: &str| if form == "short" { 2_000 } else { 0 };
        assert_eq!(s.purge_submissions(&cutoff).unwrap(), 1, "{}", b.name);
        assert_eq!(s.submission(&old).unwrap(), None);
        assert!(s.deliveries(&old).unwrap().is_empty(), "outbox rows go too");
        for r in [&young, &long] {
            assert!(s.submission(r).unwrap().is_some());
            assert_eq!(s.deliveries(r).unwrap().len(), 1);
        }
        assert_eq!(s.purge_submissions(&cutoff).unwrap(), 0);
    }

    pub fn migrations_are_recorded_and_reopening_is_safe(b: &Backend) {
        let r = b.store.submit(&sub("m", "m1", 1, &["x"])).unwrap();
        let again = b.reopen();
        assert_eq!(again.submission(&r).unwrap().unwrap().form_id, "m");
        assert_eq!(again.deliveries(&r).unwrap().len(), 1);
        again.ping().unwrap();
        assert_eq!(again.backend(), b.name);
    }
}

/// DUR-01: a database that would acknowledge commits before they are durable is refused.
#[test]
fn postgres_with_asynchronous_commit_is_refused() {
    let Some(base) = db::postgres_url() else {
        return;
    };
    let url = format!("{}%20-csynchronous_commit%3Doff", db::fresh_schema(&base));
    let dir = tempfile::tempdir().unwrap();
    let err = formwork_server::store::open(dir.path(), Some(&url)).unwrap_err();
    assert!(err.to_string().contains("synchronous_commit=off"), "{err}");
}

#[test]
fn unknown_database_urls_are_refused_without_their_password() {
    let dir = tempfile::tempdir().unwrap();
    let err =
        formwork_server::store::open(dir.path(), Some("mysql://me:hunter2@db/x")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("unsupported --database"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

/// A data folder made by the previous release (migration 1 only, recorded the old way) is
/// migrated in place: its submissions stay and the outbox and tokens appear.
#[test]
fn sqlite_data_from_before_the_outbox_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let old = rusqlite::Connection::open(dir.path().join("submissions.sqlite3")).unwrap();
    old.execute_batch(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY);
         CREATE TABLE submissions (reference TEXT PRIMARY KEY, form_id TEXT NOT NULL, form_version TEXT NOT NULL,
             journey_key TEXT NOT NULL UNIQUE, answers TEXT NOT NULL, created_at INTEGER NOT NULL);
         INSERT INTO schema_migrations (version) VALUES (1);
         INSERT INTO submissions VALUES ('AAAA-BBBB-CCCC', 'f', 'v', 'k', '{}', 5);",
    )
    .unwrap();
    drop(old);
    let store = formwork_server::store::open(dir.path(), None).unwrap();
    assert_eq!(
        store.submission("AAAA-BBBB-CCCC").unwrap().unwrap().form_id,
        "f"
    );
    let r = store.submit(&sub("f", "k2", 6, &["crm"])).unwrap();
    assert_eq!(store.deliveries(&r).unwrap().len(), 1);
    store.create_token("h", "f", 1).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("submissions.sqlite3")).unwrap();
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions, [1, 2]);
}

/// PRIV-01 on SQLite: after a purge no byte of the deleted answers is left in the database
/// files (secure_delete, then a truncating checkpoint). Checked by another process: reading the
/// files in this one would drop SQLite's locks.
#[test]
fn purged_answers_leave_no_trace_in_sqlite_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = formwork_server::store::open(dir.path(), None).unwrap();
    let canary = "canary-8c1f2-answer";
    let mut s = sub("gone", "g1", 1, &["crm"]);
    s.answers_json = format!(r#"{{"email":"{canary}"}}"#);
    store.submit(&s).unwrap();
    store.submit(&sub("kept", "k1", 1, &[])).unwrap();
    let grep = || {
        std::process::Command::new("grep")
            .args(["-rc", canary])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let before = String::from_utf8_lossy(&grep().stdout).into_owned();
    assert!(before.lines().any(|l| !l.ends_with(":0")), "{before}");
    let cutoff = |form: &str| if form == "gone" { 2 } else { 0 };
    assert_eq!(store.purge_submissions(&cutoff).unwrap(), 1);
    let after = String::from_utf8_lossy(&grep().stdout).into_owned();
    assert!(after.lines().all(|l| l.ends_with(":0")), "{after}");
}
