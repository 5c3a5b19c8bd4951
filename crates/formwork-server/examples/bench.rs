//! Measurements (not timed tests), run by `scripts/bench.sh`:
//!
//! - `bench delivery [--n 1000] [--workers 2] [--database URL]`: stores N submissions with one
//!   webhook each; a local receiver on 127.0.0.1 fails the first 3 attempts of every delivery
//!   and is slow (400 ms) on every tenth; `--workers` delivery workers share the outbox (as
//!   instances would). Reports deliveries per idempotency key (exactly once?), signatures, and
//!   latency percentiles from commit to the first accepted attempt.
//! - `bench csv --formwork PATH [--n 100000] [--database URL]`: seeds N submissions, starts
//!   `formwork serve` and streams `/api/forms/over-18-check/submissions.csv`, sampling the
//!   server's resident memory; reports rows, bytes, time and peak RSS before and during.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a measurement tool"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use formwork_server::delivery::{DeliveryConfig, Worker, secret_key, signature};
use formwork_server::store::{NewDelivery, NewSubmission, Store};
use http_body_util::BodyExt as _;

type Error = Box<dyn std::error::Error + Send + Sync>;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a short list"
    )]
    let i = ((p / 100.0) * (sorted.len() as f64)).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

fn answers(i: usize) -> String {
    serde_json::json!({
        "date-of-birth": format!("{}-0{}-1{}", 1950 + i % 50, 1 + i % 9, i % 10),
        "full-name": { "first-names": format!("Person {i}"), "last-name": "Smith, \"Jr\"" },
        "email": format!("person{i}@example.com"),
    })
    .to_string()
}

/// A fresh schema on PostgreSQL, or none (SQLite).
fn database(args: &[String]) -> Result<Option<String>, Error> {
    let Some(base) = arg(args, "--database") else {
        return Ok(None);
    };
    let schema = format!("bench_{}", std::process::id());
    let b = base.clone();
    let s = schema.clone();
    std::thread::spawn(move || -> Result<(), postgres::Error> {
        let mut c = postgres::Client::connect(&b, postgres::NoTls)?;
        c.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s}"
        ))
    })
    .join()
    .map_err(|_| "schema thread")??;
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok(Some(format!("{base}{sep}options=-csearch_path%3D{schema}")))
}

#[derive(Default)]
struct Seen {
    /// Attempts by webhook-id.
    attempts: BTreeMap<String, u32>,
    /// Accepted (2xx) deliveries by webhook-id: (count, reference, when).
    accepted: BTreeMap<String, (u32, String, Instant)>,
    bad_signatures: u32,
}

async fn delivery(args: &[String]) -> Result<(), Error> {
    let n: usize = arg(args, "--n").map_or(Ok(1000), |v| v.parse())?;
    let workers: usize = arg(args, "--workers").map_or(Ok(2), |v| v.parse())?;
    let tmp = tempfile::tempdir()?;
    let url = database(args)?;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let recv = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let recv = recv.clone();
            async move {
                let h = |k: &str| {
                    headers
                        .get(k)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let id = h("webhook-id");
                let ts: i64 = h("webhook-timestamp").parse().unwrap_or_default();
                let good = signature(&secret_key(SECRET), &id, ts, &body) == h("webhook-signature");
                let slow = id.bytes().map(u32::from).sum::<u32>() % 10 == 0;
                let attempt = {
                    let mut s = recv.lock().unwrap();
                    if !good {
                        s.bad_signatures += 1;
                    }
                    let a = s.attempts.entry(id.clone()).or_default();
                    *a += 1;
                    *a
                };
                if slow {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                }
                if attempt <= 3 {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                let reference = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|b| b["data"]["reference"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                let mut s = recv.lock().unwrap();
                let e = s
                    .accepted
                    .entry(id)
                    .or_insert((0, reference, Instant::now()));
                e.0 += 1;
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let config = DeliveryConfig {
        max_attempts: 10,
        backoff_ms: 100,
        backoff_max_ms: 5_000,
        timeout_ms: 5_000,
        poll_ms: 20,
        batch: 32,
        allow_http: true,
    };
    let open = |u: Option<&str>| formwork_server::store::open(tmp.path(), u);
    let store = open(url.as_deref())?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut handles = Vec::new();
    for _ in 0..workers {
        // On PostgreSQL each worker has its own pool, as separate instances would.
        let s: Arc<dyn Store> = if url.is_some() {
            open(url.as_deref())?
        } else {
            store.clone()
        };
        let w = Worker::new(s, config.clone()).with_secrets(Arc::new(|_| Some(SECRET.to_owned())));
        handles.push(tokio::spawn(w.run(stop_rx.clone())));
    }
    let started = Instant::now();
    let committed: Arc<Mutex<BTreeMap<String, Instant>>> = Arc::default();
    let st = store.clone();
    let com = committed.clone();
    let hook2 = hook.clone();
    tokio::task::spawn_blocking(move || {
        for i in 0..n {
            let s = NewSubmission {
                form_id: "over-18-check".into(),
                form_version: "bench".into(),
                journey_key: format!("bench-{i}"),
                answers_json: answers(i),
                created_at: formwork_server::clock::unix_now(),
                deliveries: vec![NewDelivery {
                    webhook: "crm".into(),
                    url: hook2.clone(),
                    secret_env: "CRM_SECRET".into(),
                }],
            };
            let r = st.submit(&s).unwrap();
            com.lock().unwrap().insert(r, Instant::now());
        }
    })
    .await?;
    let submitted_in = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(600);
    while seen.lock().unwrap().accepted.len() < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all_in = started.elapsed();
    // Let any duplicate arrive before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop_tx.send(true);
    for h in handles {
        let _ = h.await;
    }
    let counts = {
        let st = store.clone();
        tokio::task::spawn_blocking(move || st.delivery_counts()).await??
    };
    let s = seen.lock().unwrap();
    let committed = committed.lock().unwrap();
    let mut latencies: Vec<f64> = s
        .accepted
        .values()
        .filter_map(|(_, r, at)| {
            committed
                .get(r)
                .map(|c| at.saturating_duration_since(*c).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let duplicates = s.accepted.values().filter(|(c, _, _)| *c > 1).count();
    let distinct_refs: std::collections::BTreeSet<&String> =
        s.accepted.values().map(|(_, r, _)| r).collect();
    let mut attempts_hist: BTreeMap<u32, usize> = BTreeMap::new();
    for a in s.attempts.values() {
        *attempts_hist.entry(*a).or_default() += 1;
    }
    println!(
        "delivery benchmark ({}, {workers} worker(s), receiver fails attempts 1-3 of every delivery with 503, sleeps 400 ms on ~1 in 10 ids; backoff {} ms doubling ±20%)",
        store.backend(),
        config.backoff_ms
    );
    println!(
        "  submissions stored:        {n} in {:.2} s",
        submitted_in.as_secs_f64()
    );
    println!("  distinct webhook-ids seen: {}", s.attempts.len());
    println!(
        "  accepted (2xx) ids:        {} for {} distinct references",
        s.accepted.len(),
        distinct_refs.len()
    );
    println!("  ids accepted more than once: {duplicates}");
    println!("  bad signatures:            {}", s.bad_signatures);
    println!("  attempts per id:           {attempts_hist:?}");
    println!(
        "  outbox:                    pending {}, delivered {}, dead {}",
        counts.pending, counts.delivered, counts.dead
    );
    println!("  all delivered after:       {:.2} s", all_in.as_secs_f64());
    println!(
        "  latency commit→accepted:   p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        percentile(&latencies, 50.0),
        percentile(&latencies, 95.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    let ok = s.accepted.len() == n
        && duplicates == 0
        && s.bad_signatures == 0
        && counts.delivered == n as u64;
    println!("  exactly once: {}", if ok { "yes" } else { "NO" });
    if ok {
        Ok(())
    } else {
        Err("not every submission was delivered exactly once".into())
    }
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn seed(store: &Arc<dyn Store>, n: usize) {
    // Through the store, in parallel batches; the store's own commit path.
    // Recent times: older ones would be purged by retention when the server starts.
    let now = formwork_server::clock::unix_now();
    let per = n.div_ceil(4);
    std::thread::scope(|scope| {
        for t in 0..4 {
            let store = store.clone();
            scope.spawn(move || {
                for i in (t * per)..((t + 1) * per).min(n) {
                    store
                        .submit(&NewSubmission {
                            form_id: "over-18-check".into(),
                            form_version: "bench".into(),
                            journey_key: format!("csv-{i}"),
                            answers_json: answers(i),
                            created_at: now - i64::try_from(n - i).unwrap_or_default(),
                            deliveries: Vec::new(),
                        })
                        .unwrap();
                }
            });
        }
    });
}

async fn csv(args: &[String]) -> Result<(), Error> {
    let n: usize = arg(args, "--n").map_or(Ok(100_000), |v| v.parse())?;
    let formwork = PathBuf::from(arg(args, "--formwork").ok_or("--formwork PATH is needed")?);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tmp = tempfile::tempdir_in(
        arg(args, "--tmp").unwrap_or_else(|| std::env::temp_dir().display().to_string()),
    )?;
    let url = database(args)?;
    let store = formwork_server::store::open(tmp.path(), url.as_deref())?;
    let t = Instant::now();
    {
        let st = store.clone();
        tokio::task::spawn_blocking(move || seed(&st, n)).await?;
    }
    let seeded_in = t.elapsed();
    let token = formwork_server::api::new_token();
    {
        let st = store.clone();
        let hash = formwork_server::api::token_hash(&token);
        tokio::task::spawn_blocking(move || st.create_token(&hash, "over-18-check", 0)).await??;
    }
    drop(store);
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut cmd = std::process::Command::new(&formwork);
    cmd.current_dir(&root)
        .args(["serve", "--no-deliveries", "--port", &port.to_string()])
        .arg("--data")
        .arg(tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if let Some(u) = &url {
        cmd.args(["--database", u]);
    }
    let mut child = cmd.spawn()?;
    let pid = child.id();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..300 {
        let ready = client
            .get(format!("{base}/readyz").parse()?)
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK);
        if ready {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before_rss = rss_kib(pid, "VmRSS:");
    let before_hwm = rss_kib(pid, "VmHWM:");
    let max_rss = Arc::new(Mutex::new(before_rss));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (max_rss, sampling) = (max_rss.clone(), sampling.clone());
        std::thread::spawn(move || {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                let r = rss_kib(pid, "VmRSS:");
                let mut m = max_rss.lock().unwrap();
                *m = (*m).max(r);
                drop(m);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let t = Instant::now();
    let req = hyper::Request::get(format!("{base}/api/forms/over-18-check/submissions.csv"))
        .header("authorization", format!("Bearer {token}"))
        .body(http_body_util::Empty::new())?;
    let res = client.request(req).await?;
    let status = res.status();
    let mut body = res.into_body();
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            bytes += data.len();
            lines += data.iter().filter(|b| **b == b'\n').count();
        }
    }
    let took = t.elapsed();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.join();
    let after_hwm = rss_kib(pid, "VmHWM:");
    let _ = child.kill();
    let _ = child.wait();
    let rows = lines.saturating_sub(1);
    #[allow(clippy::cast_precision_loss, reason = "a rate")]
    let rate = rows as f64 / took.as_secs_f64();
    println!(
        "CSV export benchmark ({}, {n} submissions seeded through the store in {:.1} s)",
        if url.is_some() { "postgres" } else { "sqlite" },
        seeded_in.as_secs_f64()
    );
    println!(
        "  HTTP {status}, {rows} rows, {bytes} bytes in {:.2} s ({rate:.0} rows/s)",
        took.as_secs_f64()
    );
    println!("  server RSS before export:  {before_rss} KiB (peak so far {before_hwm} KiB)");
    println!(
        "  server RSS max during:     {} KiB (sampled every 20 ms)",
        *max_rss.lock().unwrap()
    );
    println!(
        "  server peak RSS (VmHWM) after: {after_hwm} KiB; growth {} KiB",
        after_hwm.saturating_sub(before_hwm)
    );
    if rows == n {
        Ok(())
    } else {
        Err(format!("expected {n} rows, got {rows}").into())
    }
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.first().map(String::as_str) {
        Some("delivery") => runtime.block_on(delivery(&args)),
        Some("csv") => runtime.block_on(csv(&args)),
        _ => Err("usage: bench delivery [--n N] [--workers W] [--database URL] | bench csv --formwork PATH [--n N] [--database URL] [--tmp DIR]".into()),
    }
}
