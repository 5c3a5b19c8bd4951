//! The submissions API, webhook delivery and retention, each on SQLite and (when
//! `FORMWORK_TEST_DATABASE_URL` is set) PostgreSQL: bearer tokens (401/403), JSON and CSV with
//! formulas escaped, every sent journey valid against its form's JSON Schema, the OpenAPI
//! description, signed at-least-once delivery with backoff and dead letters, and purges after
//! each form's retention with an injected clock.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use formwork_server::api::{new_token, token_hash};
use formwork_server::delivery::{DeliveryConfig, Worker, secret_key, signature};
use formwork_server::store::NewSubmission;

use crate::journeys::{End, JOURNEYS, url, walk};
use crate::support::{TestEnv, reference_on, root};

/// SQLite always; PostgreSQL (a fresh schema) when available.
fn databases() -> Vec<(&'static str, Option<String>)> {
    let mut out = vec![("sqlite", None)];
    if let Some(base) = crate::db::postgres_url() {
        out.push(("postgres", Some(crate::db::fresh_schema(&base))));
    }
    out
}

fn env_on(forms: &Path, database: Option<&String>) -> TestEnv {
    TestEnv::with(forms, database.map(String::as_str))
}

/// Makes a token for a form, straight in the store (as `formwork token create` does).
async fn token(env: &TestEnv, form: &str) -> String {
    let t = new_token();
    let hash = token_hash(&t);
    let form = form.to_owned();
    env.store(move |s| s.create_token(&hash, &form, 1).unwrap())
        .await;
    t
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Stores a submission directly, with a given time and answers.
async fn insert(
    env: &TestEnv,
    form: &str,
    key: &str,
    at: i64,
    answers: serde_json::Value,
) -> String {
    let s = NewSubmission {
        form_id: form.into(),
        form_version: "v-test".into(),
        journey_key: key.into(),
        answers_json: answers.to_string(),
        created_at: at,
        deliveries: Vec::new(),
    };
    env.store(move |st| st.submit(&s).unwrap()).await
}

#[tokio::test]
async fn every_sent_journey_is_served_by_the_api_and_valid_against_its_schema() {
    for (db, url_) in databases() {
        let env = env_on(&root().join("forms"), url_.as_ref());
        let mut tokens = BTreeMap::new();
        let mut sent: Vec<(&str, String)> = Vec::new();
        for j in JOURNEYS {
            let End::Sent { stored, .. } = &j.end else {
                continue;
            };
            let mut client = env.client();
            walk(&mut client, j.form, j.steps).await;
            client.get(&url(j.form, "check-answers")).await.assert_ok();
            let res = client.post(&url(j.form, "check-answers"), &[]).await;
            let reference = reference_on(&client.follow(&res).await);
            if !tokens.contains_key(j.form) {
                tokens.insert(j.form, token(&env, j.form).await);
            }
            let mut api = env.client();
            let res = api
                .api(
                    &format!("/api/submissions/{reference}"),
                    Some(&tokens[j.form]),
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{db} {}: {}", j.name, res.body);
            assert_eq!(res.header(axum::http::header::CACHE_CONTROL), "no-store");
            let body = json(&res.body);
            assert_eq!(body["reference"], reference.as_str());
            assert_eq!(body["form"], j.form);
            assert_eq!(
                body["formVersion"],
                env.state.form(j.form).unwrap().version.as_str()
            );
            assert!(body["submittedAt"].as_str().unwrap().ends_with('Z'));
            for (pointer, want) in *stored {
                let want: serde_json::Value = serde_json::from_str(want).unwrap();
                assert_eq!(
                    body["answers"].pointer(pointer),
                    Some(&want),
                    "{db} {}: {pointer}",
                    j.name
                );
            }
            assert_eq!(body["deliveries"], serde_json::json!([]));
            sent.push((j.form, reference));
        }
        assert!(sent.len() >= 5, "journeys that send: {}", sent.len());
        // Every stored submission validates against its form's published schema.
        let mut api = env.client();
        for (form, t) in &tokens {
            let schema = api
                .api(&format!("/api/forms/{form}/schema.json"), Some(t))
                .await;
            assert_eq!(schema.status, StatusCode::OK, "{}", schema.body);
            let schema = json(&schema.body);
            let validator = jsonschema::validator_for(&schema)
                .unwrap_or_else(|e| panic!("{db} {form}: schema does not compile: {e}"));
            let list = api
                .api(&format!("/api/forms/{form}/submissions?limit=500"), Some(t))
                .await;
            assert_eq!(list.status, StatusCode::OK, "{}", list.body);
            let list = json(&list.body);
            let items = list["submissions"].as_array().unwrap();
            let want: Vec<&String> = sent
                .iter()
                .filter(|(f, _)| f == form)
                .map(|(_, r)| r)
                .collect();
            assert_eq!(items.len(), want.len(), "{db} {form}");
            for item in items {
                let errors: Vec<String> = validator
                    .iter_errors(&item["answers"])
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                assert!(
                    errors.is_empty(),
                    "{db} {form} {}: {errors:?}",
                    item["reference"]
                );
            }
            // The schema is strict enough to catch a wrong answer.
            let first_key = schema["properties"]
                .as_object()
                .unwrap()
                .keys()
                .next()
                .unwrap()
                .clone();
            let bad = serde_json::json!({ first_key: {"not": "valid"}, "no-such-question": 1 });
            assert!(!validator.is_valid(&bad), "{form}: {bad}");
        }
    }
}

/// Who asks: no token, a made-up one, another form's, or the form's own.
#[derive(Clone, Copy, Debug)]
enum Who {
    Nobody,
    Unknown,
    OtherForm,
    Owner,
}

#[tokio::test]
async fn tokens_gate_every_endpoint() {
    const FORM: &str = "over-18-check";
    let cases: &[(&str, Who, StatusCode)] = &[
        (
            "/api/forms/over-18-check/submissions",
            Who::Nobody,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "/api/forms/over-18-check/submissions",
            Who::Unknown,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "/api/forms/over-18-check/submissions",
            Who::OtherForm,
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/forms/over-18-check/submissions",
            Who::Owner,
            StatusCode::OK,
        ),
        (
            "/api/forms/over-18-check/submissions.csv",
            Who::Nobody,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "/api/forms/over-18-check/submissions.csv",
            Who::OtherForm,
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/forms/over-18-check/submissions.csv",
            Who::Owner,
            StatusCode::OK,
        ),
        (
            "/api/forms/over-18-check/schema.json",
            Who::Nobody,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "/api/forms/over-18-check/schema.json",
            Who::OtherForm,
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/forms/over-18-check/schema.json",
            Who::Owner,
            StatusCode::OK,
        ),
        (
            "/api/submissions/{ref}",
            Who::Nobody,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "/api/submissions/{ref}",
            Who::Unknown,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "/api/submissions/{ref}",
            Who::OtherForm,
            StatusCode::FORBIDDEN,
        ),
        ("/api/submissions/{ref}", Who::Owner, StatusCode::OK),
        (
            "/api/submissions/ABCD-EFGH-JKMN",
            Who::Owner,
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/forms/over-18-check/submissions?from=2026-13-01",
            Who::Owner,
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/forms/over-18-check/submissions?cursor=junk",
            Who::Owner,
            StatusCode::BAD_REQUEST,
        ),
        ("/api/openapi.json", Who::Nobody, StatusCode::OK),
    ];
    for (db, url_) in databases() {
        let env = env_on(&root().join("forms"), url_.as_ref());
        let own = token(&env, FORM).await;
        let other = token(&env, "self-build-register").await;
        let reference = insert(&env, FORM, "k", 1_772_236_800, serde_json::json!({})).await;
        let mut api = env.client();
        for (path, who, want) in cases {
            let path = path.replace("{ref}", &reference);
            let t = match who {
                Who::Nobody => None,
                Who::Unknown => Some("fwk_made-up"),
                Who::OtherForm => Some(other.as_str()),
                Who::Owner => Some(own.as_str()),
            };
            let res = api.api(&path, t).await;
            assert_eq!(res.status, *want, "{db} {path} as {who:?}: {}", res.body);
            if *want == StatusCode::UNAUTHORIZED {
                assert!(
                    res.header(axum::http::header::WWW_AUTHENTICATE)
                        .starts_with("Bearer")
                );
            }
            assert!(api.cookie.is_none(), "the API sets no session cookie");
        }
    }
}

#[tokio::test]
async fn openapi_describes_every_api_route() {
    let env = TestEnv::new();
    let res = env.client().api("/api/openapi.json", None).await;
    assert_eq!(res.status, StatusCode::OK);
    let doc = json(&res.body);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for p in [
        "/api/forms/{form}/submissions",
        "/api/forms/{form}/submissions.csv",
        "/api/forms/{form}/schema.json",
        "/api/submissions/{reference}",
    ] {
        assert!(paths.contains(&p), "{p} in {paths:?}");
    }
}

#[tokio::test]
async fn lists_paginate_and_filter_by_date() {
    const FORM: &str = "over-18-check";
    const DAY: i64 = 86_400;
    // 2026-02-26T00:00:00Z
    let t0 = 1_772_064_000;
    for (db, url_) in databases() {
        let env = env_on(&root().join("forms"), url_.as_ref());
        let t = token(&env, FORM).await;
        let mut want = Vec::new();
        for i in 0..7 {
            let at = t0 + (i / 2) * DAY + i;
            let r = insert(
                &env,
                FORM,
                &format!("k{i}"),
                at,
                serde_json::json!({"email": format!("{i}@example.com")}),
            )
            .await;
            want.push(r);
        }
        let mut api = env.client();
        let mut got = Vec::new();
        let mut path = format!("/api/forms/{FORM}/submissions?limit=3");
        loop {
            let page = json(&api.api(&path, Some(&t)).await.body);
            got.extend(
                page["submissions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["reference"].as_str().unwrap().to_owned()),
            );
            match page["nextCursor"].as_str() {
                Some(c) => path = format!("/api/forms/{FORM}/submissions?limit=3&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(got, want, "{db}: every submission once, oldest first");
        for (query, count) in [
            ("from=2026-02-26&to=2026-02-26", 2),
            ("from=2026-02-27", 5),
            ("to=2026-02-27", 4),
            ("from=2026-03-01", 1),
            ("from=2026-03-02", 0),
        ] {
            let page = json(
                &api.api(&format!("/api/forms/{FORM}/submissions?{query}"), Some(&t))
                    .await
                    .body,
            );
            assert_eq!(
                page["submissions"].as_array().unwrap().len(),
                count,
                "{db} {query}"
            );
        }
    }
}

fn csv_records(text: &str) -> Vec<Vec<String>> {
    // A small RFC 4180 reader, enough for the tests.
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if cell.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\r', false) if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            _ => cell.push(c),
        }
    }
    rows
}

#[tokio::test]
async fn csv_exports_stream_every_row_with_formulas_escaped() {
    const FORM: &str = "over-18-check";
    for (db, url_) in databases() {
        let env = env_on(&root().join("forms"), url_.as_ref());
        let t = token(&env, FORM).await;
        let nasty = [
            "=HYPERLINK(\"http://x\")",
            "@SUM(1+1)",
            "+44 7700 900000",
            "-1",
            "\tTab",
            "\rReturn",
            "Comma, \"quoted\"",
        ];
        for (i, first) in nasty.iter().enumerate() {
            insert(
                &env,
                FORM,
                &format!("n{i}"),
                1_000 + i64::try_from(i).unwrap(),
                serde_json::json!({
                    "date-of-birth": "2000-01-31",
                    "full-name": {"first-names": first, "last-name": "Smith"},
                    "email": "sam@example.com",
                }),
            )
            .await;
        }
        // More rows than one batch, to cross batch boundaries.
        let store = env.state.0.store.clone();
        tokio::task::spawn_blocking(move || {
            for i in 0..1_203 {
                store
                    .submit(&NewSubmission {
                        form_id: FORM.into(),
                        form_version: "v".into(),
                        journey_key: format!("bulk{i}"),
                        answers_json: format!(r#"{{"email":"{i}@example.com"}}"#),
                        created_at: 2_000 + i,
                        deliveries: Vec::new(),
                    })
                    .unwrap();
            }
        })
        .await
        .unwrap();
        let res = env
            .client()
            .api(&format!("/api/forms/{FORM}/submissions.csv"), Some(&t))
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            res.header(axum::http::header::CONTENT_TYPE)
                .starts_with("text/csv")
        );
        let rows = csv_records(&res.body);
        let header = &rows[0];
        assert_eq!(&header[..3], ["reference", "submitted_at", "form_version"]);
        let first = header
            .iter()
            .position(|h| h == "full-name.first-names")
            .unwrap();
        let email = header.iter().position(|h| h == "email").unwrap();
        let dob = header.iter().position(|h| h == "date-of-birth").unwrap();
        assert_eq!(rows.len(), 1 + nasty.len() + 1_203, "{db}");
        for (row, input) in rows[1..].iter().zip(nasty) {
            let cell = &row[first];
            if input.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                assert_eq!(cell, &format!("'{input}"), "{db}");
            } else {
                assert_eq!(cell, input);
            }
            assert_eq!(row[dob], "2000-01-31");
        }
        assert_eq!(rows.last().unwrap()[email], "1202@example.com");
        assert!(rows.iter().all(|r| r.len() == header.len()));
    }
}

/// A local webhook receiver: fails the first `fail_first` attempts of each delivery with 500,
/// answers 410 for ids it is told to, and records every request.
/// A request the receiver saw: (webhook-id, webhook-timestamp, webhook-signature, body).
type Hit = (String, String, String, String);

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Hit>>>,
    fail_first: usize,
    gone: bool,
    /// Answer 429 with `Retry-After: 2`.
    too_many: bool,
}

async fn start_receiver(r: Receiver) -> String {
    use axum::extract::State;
    use axum::http::HeaderMap;
    async fn hook(
        State(r): State<Receiver>,
        headers: HeaderMap,
        body: String,
    ) -> axum::response::Response {
        use axum::response::IntoResponse as _;
        let h = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let id = h("webhook-id");
        let mut seen = r.seen.lock().unwrap();
        let before = seen.iter().filter(|s| s.0 == id).count();
        seen.push((id, h("webhook-timestamp"), h("webhook-signature"), body));
        if r.too_many {
            (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "2")]).into_response()
        } else if r.gone {
            StatusCode::GONE.into_response()
        } else if before < r.fail_first {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        } else {
            StatusCode::NO_CONTENT.into_response()
        }
    }
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(r);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/hook")
}

/// A forms folder like the repository's, with a webhook on the over-18 check.
fn forms_with_webhook(url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join("forms")).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.file_name().unwrap() == "over-18-check.json" {
            let mut def: serde_json::Value = serde_json::from_str(&text).unwrap();
            def["webhooks"] =
                serde_json::json!([{ "name": "crm", "url": url, "secretEnv": "CRM_SECRET" }]);
            text = serde_json::to_string_pretty(&def).unwrap();
        }
        std::fs::write(dir.path().join(path.file_name().unwrap()), text).unwrap();
    }
    dir
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn worker(env: &TestEnv, max_attempts: u32) -> Worker {
    Worker::new(
        env.state.0.store.clone(),
        DeliveryConfig {
            max_attempts,
            backoff_ms: 5,
            backoff_max_ms: 20,
            timeout_ms: 5_000,
            poll_ms: 5,
            batch: 8,
            allow_http: true,
        },
    )
    .with_secrets(Arc::new(|name| {
        (name == "CRM_SECRET").then(|| SECRET.to_owned())
    }))
}

/// Sends the adult over-18 journey; returns the reference.
async fn send_adult(env: &TestEnv) -> String {
    let mut client = env.client();
    walk(&mut client, "over-18-check", crate::journeys::ADULT_STEPS).await;
    client
        .get(&url("over-18-check", "check-answers"))
        .await
        .assert_ok();
    let res = client
        .post(&url("over-18-check", "check-answers"), &[])
        .await;
    reference_on(&client.follow(&res).await)
}

async fn run_until_settled(w: &Worker, env: &TestEnv) {
    for _ in 0..400 {
        w.run_once().await;
        let c = env.store(|s| s.delivery_counts().unwrap()).await;
        if c.pending == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("deliveries did not settle");
}

#[tokio::test]
async fn webhooks_are_signed_retried_with_one_id_and_delivered_once() {
    for (db, url_) in databases() {
        let receiver = Receiver {
            fail_first: 3,
            ..Receiver::default()
        };
        let hook = start_receiver(receiver.clone()).await;
        let forms = forms_with_webhook(&hook);
        let env = env_on(forms.path(), url_.as_ref());
        let reference = send_adult(&env).await;
        let w = worker(&env, 10);
        run_until_settled(&w, &env).await;
        let seen = receiver.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 4, "{db}: 500 ×3 then 2xx");
        let id = &seen[0].0;
        assert!(id.starts_with("msg_"));
        for (sid, ts, sig, body) in &seen {
            assert_eq!(sid, id, "the id is stable across retries");
            assert_eq!(body, &seen[0].3, "the body is stable across retries");
            let want = signature(&secret_key(SECRET), sid, ts.parse().unwrap(), body);
            assert_eq!(sig, &want, "{db}: signature verifies");
        }
        let body = json(&seen[0].3);
        assert_eq!(body["data"]["reference"], reference.as_str());
        assert_eq!(body["data"]["answers"]["date-of-birth"], "2008-02-28");
        let t = token(&env, "over-18-check").await;
        let res = env
            .client()
            .api(&format!("/api/submissions/{reference}"), Some(&t))
            .await;
        let d = &json(&res.body)["deliveries"][0];
        assert_eq!(d["status"], "delivered", "{db}: {d}");
        assert_eq!(d["attempts"], 4);
        assert_eq!(d["id"], id.as_str());
    }
}

#[tokio::test]
async fn failing_webhooks_dead_letter_and_can_be_retried() {
    for (receiver, attempts, want_seen) in [
        // Always 500: dead after the configured attempts.
        (
            Receiver {
                fail_first: usize::MAX,
                ..Receiver::default()
            },
            3,
            3,
        ),
        // 410 Gone: dead at once.
        (
            Receiver {
                gone: true,
                ..Receiver::default()
            },
            10,
            1,
        ),
    ] {
        for (db, url_) in databases() {
            let receiver = Receiver {
                seen: Arc::default(),
                ..receiver.clone()
            };
            let hook = start_receiver(receiver.clone()).await;
            let forms = forms_with_webhook(&hook);
            let env = env_on(forms.path(), url_.as_ref());
            let reference = send_adult(&env).await;
            run_until_settled(&worker(&env, attempts), &env).await;
            assert_eq!(receiver.seen.lock().unwrap().len(), want_seen, "{db}");
            let r = reference.clone();
            let status = env.store(move |s| s.deliveries(&r).unwrap()).await;
            assert_eq!(status[0].status, "dead", "{db}");
            assert!(status[0].last_error.as_deref().unwrap().starts_with("HTTP"));
            let retried = env
                .store(|s| {
                    s.retry_dead(&formwork_server::store::RetrySelector::default(), 0)
                        .unwrap()
                })
                .await;
            assert_eq!(retried, 1);
            let r = reference.clone();
            let status = env.store(move |s| s.deliveries(&r).unwrap()).await;
            assert_eq!(
                (status[0].status.as_str(), status[0].attempts),
                ("pending", 0)
            );
        }
    }
}

#[tokio::test]
async fn retention_purges_each_form_after_its_days() {
    const DAY: i64 = 86_400;
    let t0 = 1_772_236_800;
    for (db, url_) in databases() {
        let env = env_on(&root().join("forms"), url_.as_ref());
        // over-18-check keeps 30 days (the default), resident-parking-permit 60, self-build-register 90.
        let mut refs = BTreeMap::new();
        for form in [
            "over-18-check",
            "resident-parking-permit",
            "self-build-register",
            "gone-form",
        ] {
            refs.insert(
                form,
                insert(&env, form, &format!("{form}-k"), t0, serde_json::json!({})).await,
            );
        }
        let catalog = env.state.catalog();
        for (now, gone) in [
            (t0 + 30 * DAY - 1, vec![]),
            (t0 + 30 * DAY + 1, vec!["over-18-check", "gone-form"]),
            (t0 + 60 * DAY, vec!["over-18-check", "gone-form"]),
            (
                t0 + 60 * DAY + 1,
                vec!["over-18-check", "gone-form", "resident-parking-permit"],
            ),
            (
                t0 + 90 * DAY + 1,
                vec![
                    "over-18-check",
                    "gone-form",
                    "resident-parking-permit",
                    "self-build-register",
                ],
            ),
        ] {
            let c = catalog.clone();
            env.store(move |s| formwork_server::retention::purge(s, &c, now).unwrap())
                .await;
            for (form, r) in &refs {
                let r = r.clone();
                let present = env
                    .store(move |s| s.submission(&r).unwrap().is_some())
                    .await;
                assert_eq!(
                    present,
                    !gone.contains(form),
                    "{db} {form} at t0+{}s",
                    now - t0
                );
            }
        }
    }
}

#[tokio::test]
async fn webhook_urls_must_be_https_unless_http_is_allowed() {
    // (url, allow_http, status after one attempt, error starts with)
    let cases: &[(&str, bool, &str, &str)] = &[
        (
            "http://127.0.0.1:9/hook",
            false,
            "dead",
            "http:// webhooks are refused",
        ),
        ("https://127.0.0.1:9/hook", false, "pending", "transport"),
        ("http://127.0.0.1:9/hook", true, "pending", "transport"),
    ];
    for (hook, allow_http, status, error) in cases {
        let forms = forms_with_webhook(hook);
        let env = TestEnv::with(forms.path(), None);
        let reference = send_adult(&env).await;
        let w = Worker::new(
            env.state.0.store.clone(),
            DeliveryConfig {
                allow_http: *allow_http,
                backoff_ms: 60_000,
                ..DeliveryConfig::default()
            },
        )
        .with_secrets(Arc::new(|_| Some(SECRET.to_owned())));
        assert_eq!(w.run_once().await, 1);
        let r = reference.clone();
        let d = env.store(move |s| s.deliveries(&r).unwrap()).await;
        assert_eq!(d[0].status, *status, "{hook}: {d:?}");
        let last = d[0].last_error.clone().unwrap_or_default();
        assert!(last.starts_with(error), "{hook}: {last}");
    }
}

/// DLV-04: a 429 with `Retry-After` is waited out even when the backoff is shorter.
#[tokio::test]
async fn retry_after_is_honoured() {
    let receiver = Receiver {
        too_many: true,
        ..Receiver::default()
    };
    let hook = start_receiver(receiver.clone()).await;
    let forms = forms_with_webhook(&hook);
    let env = TestEnv::with(forms.path(), None);
    let reference = send_adult(&env).await;
    let before = formwork_server::delivery::now_ms();
    assert_eq!(worker(&env, 10).run_once().await, 1);
    let d = env.store(move |s| s.deliveries(&reference).unwrap()).await;
    assert_eq!(d[0].status, "pending");
    assert_eq!(d[0].last_error.as_deref(), Some("HTTP 429"));
    let wait = d[0].next_attempt_at_ms.unwrap() - before;
    assert!(
        wait >= 2_000,
        "retried after {wait} ms, not the 2 s asked for"
    );
    assert_eq!(receiver.seen.lock().unwrap().len(), 1);
}
