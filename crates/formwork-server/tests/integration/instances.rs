//! Stateless instances: two `formwork serve` processes on different ports share one PostgreSQL
//! database. A resident's requests alternate between them on every step and the journey still
//! ends with exactly one submission (a double send, one POST to each instance, included); both
//! instances' delivery workers share the outbox and each submission reaches the webhook exactly
//! once; the API answers on either; and no answer ever reaches either server's logs.
//! Runs only with PostgreSQL (`FORMWORK_TEST_DATABASE_URL`; required on CI).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::journeys::{JOURNEYS, Step, url};
use crate::support::{Res, attribute, encode, input_tag, reference_on, root};

/// A `formwork serve` child process, killed when dropped.
struct Instance {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("address").port()
}

fn start(database: &str, forms: &Path, data: &Path, log_dir: &Path, n: usize) -> Instance {
    let port = free_port();
    let log = log_dir.join(format!("instance-{n}.log"));
    let out = std::fs::File::create(&log).expect("log file");
    let err = out.try_clone().expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_formwork"))
        .current_dir(root())
        .env("FORMWORK_TODAY", "2026-02-28")
        .env("CRM_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .env("RUST_LOG", "info")
        .args(["serve", "--port", &port.to_string(), "--database", database])
        .arg("--data")
        .arg(data)
        .arg("--forms")
        .arg(forms)
        .args([
            "--delivery-backoff-ms",
            "50",
            "--delivery-poll-ms",
            "50",
            "--allow-http-webhooks",
        ])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("formwork serve starts");
    Instance {
        child,
        base: format!("http://127.0.0.1:{port}"),
        log,
    }
}

/// A browser stand-in over real sockets: one cookie jar and CSRF token, any instance.
struct Browser {
    client: Client<HttpConnector, Full<Bytes>>,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl Browser {
    fn new() -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
            cookie: None,
            csrf: None,
        }
    }

    async fn send(&mut self, req: hyper::Request<Full<Bytes>>) -> Res {
        let res = tokio::time::timeout(Duration::from_secs(30), self.client.request(req))
            .await
            .expect("no timeout")
            .expect("request");
        let (parts, body) = res.into_parts();
        let body = body.collect().await.expect("body").to_bytes();
        let res = Res {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8(body.to_vec()).expect("UTF-8"),
        };
        for v in res.headers.get_all(header::SET_COOKIE) {
            if let Some(pair) = v.to_str().ok().and_then(|v| v.split(';').next())
                && pair.starts_with("formwork_session=")
            {
                self.cookie = Some(pair.to_owned());
            }
        }
        if let Some(t) = input_tag(&res.body, "csrf-token").and_then(|t| attribute(t, "value")) {
            self.csrf = Some(t);
        }
        res
    }

    fn request(&self, method: &str, uri: String) -> hyper::http::request::Builder {
        let mut b = hyper::Request::builder().method(method).uri(uri);
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        b
    }

    async fn get(&mut self, base: &str, path: &str) -> Res {
        let req = self
            .request("GET", format!("{base}{path}"))
            .body(Full::default())
            .expect("request");
        self.send(req).await
    }

    fn post_request(
        &self,
        base: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> hyper::Request<Full<Bytes>> {
        let csrf = self.csrf.clone().unwrap_or_default();
        let mut all = vec![("csrf-token", csrf.as_str())];
        all.extend_from_slice(fields);
        self.request("POST", format!("{base}{path}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(encode(&all))))
            .expect("request")
    }

    async fn post(&mut self, base: &str, path: &str, fields: &[(&str, &str)]) -> Res {
        let req = self.post_request(base, path, fields);
        self.send(req).await
    }

    async fn api(&mut self, base: &str, path: &str, token: &str) -> Res {
        let req = hyper::Request::get(format!("{base}{path}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Full::default())
            .expect("request");
        self.send(req).await
    }
}

fn location(h: &HeaderMap) -> &str {
    h.get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Distinctive answers that must never appear in a log line.
const CANARY_EMAIL: &str = "canary-4e1d9@example.com";
const CANARY_NAME: &str = "Canarysurname";

/// Swaps recognisable test answers for canaries.
fn canaried(fields: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    fields
        .iter()
        .map(|(k, v)| match *k {
            "email" => (*k, CANARY_EMAIL),
            "full-name-last-name" => (*k, CANARY_NAME),
            _ => (*k, *v),
        })
        .collect()
}

#[tokio::test]
async fn journeys_hop_between_two_instances_and_end_with_one_submission() {
    let Some(base) = crate::db::postgres_url() else {
        return;
    };
    let database = crate::db::fresh_schema(&base);
    // A webhook receiver that records successful deliveries by id.
    let delivered: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let recv = delivered.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap| {
            let recv = recv.clone();
            async move {
                let id = headers
                    .get("webhook-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                *recv.lock().unwrap().entry(id).or_default() += 1;
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let tmp = tempfile::tempdir().unwrap();
    let forms = tmp.path().join("forms");
    std::fs::create_dir_all(&forms).unwrap();
    for entry in std::fs::read_dir(root().join("forms")).unwrap() {
        let path = entry.unwrap().path();
        let mut def: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        def["webhooks"] =
            serde_json::json!([{ "name": "crm", "url": hook, "secretEnv": "CRM_SECRET" }]);
        std::fs::write(forms.join(path.file_name().unwrap()), def.to_string()).unwrap();
    }
    let instances: Vec<Instance> = (0..2)
        .map(|n| {
            start(
                &database,
                &forms,
                &tmp.path().join(format!("data-{n}")),
                tmp.path(),
                n,
            )
        })
        .collect();
    let mut probe = Browser::new();
    for i in &instances {
        let mut ready = false;
        for _ in 0..300 {
            if let Ok(Ok(res)) = tokio::time::timeout(
                Duration::from_secs(2),
                probe.client.request(
                    hyper::Request::get(format!("{}/readyz", i.base))
                        .body(Full::default())
                        .unwrap(),
                ),
            )
            .await
                && res.status() == StatusCode::OK
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            ready,
            "instance {} did not start: {}",
            i.base,
            std::fs::read_to_string(&i.log).unwrap_or_default()
        );
    }
    let bases: Vec<String> = instances.iter().map(|i| i.base.clone()).collect();

    let mut references = Vec::new();
    for j in JOURNEYS
        .iter()
        .filter(|j| matches!(j.end, crate::journeys::End::Sent { .. }))
    {
        let mut b = Browser::new();
        let mut hop = 0usize;
        let mut next = || {
            hop += 1;
            bases[hop % 2].clone()
        };
        b.get(&next(), &format!("/forms/{}", j.form)).await;
        for Step {
            page,
            fields,
            next: to,
        } in j.steps
        {
            let page_res = b.get(&next(), &url(j.form, page)).await;
            assert_eq!(page_res.status, StatusCode::OK, "{}: {page}", j.name);
            let res = b.post(&next(), &url(j.form, page), &canaried(fields)).await;
            assert_eq!(
                (res.status, location(&res.headers)),
                (StatusCode::SEE_OTHER, url(j.form, to).as_str()),
                "{}: {page} on a hop",
                j.name
            );
        }
        b.get(&next(), &url(j.form, "check-answers")).await;
        // Send twice at once, one POST to each instance: one submission.
        let (r1, r2) = (
            b.post_request(&bases[0], &url(j.form, "check-answers"), &[]),
            b.post_request(&bases[1], &url(j.form, "check-answers"), &[]),
        );
        let (c1, c2) = (b.client.clone(), b.client.clone());
        let (a, c) = tokio::join!(c1.request(r1), c2.request(r2));
        for res in [a.unwrap(), c.unwrap()] {
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", j.name);
        }
        let confirmation = b.get(&next(), &url(j.form, "confirmation")).await;
        let reference = reference_on(&confirmation);
        let again = b.get(&next(), &url(j.form, "confirmation")).await;
        assert_eq!(
            reference_on(&again),
            reference,
            "{}: the same reference on both",
            j.name
        );
        references.push((j.form, reference));
    }

    // Exactly one submission per journey, counted straight from PostgreSQL.
    let db = database.clone();
    let count: i64 = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
        c.query_one("SELECT COUNT(*) FROM submissions", &[])
            .unwrap()
            .get(0)
    })
    .join()
    .unwrap();
    assert_eq!(usize::try_from(count).unwrap(), references.len());

    // Both workers share the outbox: every submission delivered, each id exactly once.
    for _ in 0..200 {
        if delivered.lock().unwrap().len() >= references.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give a duplicate a chance to show up before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = delivered.lock().unwrap().clone();
    assert_eq!(seen.len(), references.len(), "{seen:?}");
    assert!(
        seen.values().all(|n| *n == 1),
        "a delivery arrived twice: {seen:?}"
    );

    // The API answers the same on either instance.
    let out = Command::new(env!("CARGO_BIN_EXE_formwork"))
        .current_dir(root())
        .args([
            "token",
            "create",
            "--form",
            references[0].0,
            "--database",
            &database,
        ])
        .arg("--forms")
        .arg(&forms)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    for base in &bases {
        let res = probe
            .api(
                base,
                &format!("/api/submissions/{}", references[0].1),
                &token,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains("\"delivered\""), "{}", res.body);
    }

    // LOG-01: no answers in either instance's log; the references are there.
    drop(instances);
    let logs: String = (0..2)
        .map(|n| std::fs::read_to_string(tmp.path().join(format!("instance-{n}.log"))).unwrap())
        .collect();
    for canary in [CANARY_EMAIL, CANARY_NAME] {
        assert!(!logs.contains(canary), "{canary} in the logs:\n{logs}");
    }
    assert!(logs.contains(&references[0].1), "{logs}");
    assert!(logs.contains("delivered"));
}
