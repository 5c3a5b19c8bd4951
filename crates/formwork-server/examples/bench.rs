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
//! - `bench durable [--secs 10] [--writers 32] [--database URL] [--tmp DIR]`: `--writers`
//!   threads call `Store::submit` (a journey's submission: no webhooks) as fast as the store
//!   commits, for `--secs` after a one-second warm-up; reports durable submissions per second
//!   and commit latency. SQLite goes in a temporary folder under `--tmp`, which must be on a
//!   real disk (the file system type is reported; tmpfs is refused).
//! - `bench journey --base http://127.0.0.1:PORT [--concurrency 32] [--secs 10] [--warmup 2]
//!   [--pid PID]`: that many residents, each on its own keep-alive connection, complete the
//!   over-18 check from the start page to the confirmation (following the redirects, keeping
//!   the cookie and CSRF token, checking every status and the reference), again and again;
//!   reports journeys per second (each one a durable submission), journey and per-step latency,
//!   and with `--pid` the server's CPU per journey and its resident memory.
//! - `bench report --dir DIR [--peers RUN_DIR]`: the Markdown table of a `scripts/bench.sh`
//!   run: `DIR/results.tsv` (written by the modes above with `--tsv`, and by the script) and
//!   the shared peer harness's `runs.tsv`/`meta.tsv`, with ratios against DEFRA and nginx and
//!   each target met or not.
//!
//! `--tsv FILE` (every mode but `report`) appends machine-readable results, one
//! `key<TAB>value…` line each.

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

/// The environment every `formwork serve` started for a measurement gets (scripts/bench.sh and
/// scripts/peers/50-formwork.sh pass the same): limits enabled, but far above the load.
const SERVER_ENV: [(&str, &str); 4] = [
    ("FORMWORK_POST_RATE_LIMIT", "1000000000"),
    ("FORMWORK_MAX_SESSIONS", "10000000"),
    ("FORMWORK_TODAY", "2026-02-28"),
    ("RUST_LOG", "warn"),
];

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
        .envs(SERVER_ENV)
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

// ---------------------------------------------------------------------------------------------
// Shared helpers for the modes below.

/// Appends one `key<TAB>value…` line to `--tsv FILE`, if given.
fn tsv(args: &[String], fields: &[&str]) -> Result<(), Error> {
    use std::io::Write as _;
    if let Some(path) = arg(args, "--tsv") {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(f, "{}", fields.join("\t"))?;
    }
    Ok(())
}

fn num<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, Error>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    arg(args, name).map_or(Ok(default), |v| v.parse().map_err(Into::into))
}

/// `utime + stime` of a process (`self` or a PID), in clock ticks.
fn proc_ticks(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command name, which may contain spaces: state is index 0.
            let rest = s.rsplit_once(')')?.1.to_owned();
            let f: Vec<u64> = rest
                .split_whitespace()
                .map(|x| x.parse().unwrap_or(0))
                .collect();
            Some(f.get(11)? + f.get(12)?)
        })
        .unwrap_or(0)
}

/// Machine-wide CPU (all cores): total and idle clock ticks, and the number of cores.
fn cpu_snap() -> (u64, u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let cores = stat
        .lines()
        .filter(|l| l.starts_with("cpu") && !l.starts_with("cpu "))
        .count() as u64;
    let f: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let total = f.iter().sum();
    let idle = f.get(3).copied().unwrap_or(0) + f.get(4).copied().unwrap_or(0);
    (total, idle, cores.max(1))
}

/// CPU use over an interval, in cores: machine busy, a watched process, this process.
#[derive(Clone, Copy)]
struct CpuMark {
    machine: (u64, u64, u64),
    pid: u64,
    me: u64,
}

impl CpuMark {
    fn now(pid: Option<&str>) -> Self {
        Self {
            machine: cpu_snap(),
            pid: pid.map_or(0, proc_ticks),
            me: proc_ticks("self"),
        }
    }

    /// (busy, watched process, this process, everything else), in cores.
    #[allow(clippy::cast_precision_loss, reason = "tick counts")]
    fn since(self, later: Self) -> (f64, f64, f64, f64) {
        let total = later.machine.0.saturating_sub(self.machine.0).max(1) as f64;
        let idle = later.machine.1.saturating_sub(self.machine.1) as f64;
        let cores = later.machine.2 as f64;
        // Per-core elapsed ticks: /proc/stat counts every core, /proc/PID/stat one thread-sum.
        let elapsed = total / cores;
        let busy = (total - idle) / elapsed;
        let pid = later.pid.saturating_sub(self.pid) as f64 / elapsed;
        let me = later.me.saturating_sub(self.me) as f64 / elapsed;
        (busy, pid, me, busy - pid - me)
    }
}

/// The file system type holding `path` (from /proc/self/mounts, longest mount point prefix).
fn fs_type(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (dev, at, kind) = (f.next()?, f.next()?, f.next()?);
            path.starts_with(at)
                .then(|| (at.len(), format!("{kind} ({dev} on {at})")))
        })
        .max_by_key(|(n, _)| *n)
        .map_or_else(|| "unknown".into(), |(_, d)| d)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ---------------------------------------------------------------------------------------------
// durable: Store::submit from many writers.

async fn durable(args: &[String]) -> Result<(), Error> {
    let secs: f64 = num(args, "--secs", 10.0)?;
    let warmup: f64 = num(args, "--warmup", 1.0)?;
    let writers: usize = num(args, "--writers", 32)?;
    let tmp = tempfile::tempdir_in(
        arg(args, "--tmp").unwrap_or_else(|| std::env::temp_dir().display().to_string()),
    )?;
    let url = database(args)?;
    let store = formwork_server::store::open(tmp.path(), url.as_deref())?;
    let backend = store.backend();
    let place = if url.is_some() {
        "PostgreSQL server (its own data directory)".to_owned()
    } else {
        let kind = fs_type(tmp.path());
        if kind.starts_with("tmpfs") || kind.starts_with("ramfs") {
            return Err(format!(
                "{} is on {kind}: not a durable disk (use --tmp)",
                tmp.path().display()
            )
            .into());
        }
        format!("{} on {kind}", tmp.path().display())
    };
    let run = move || {
        let begin = Instant::now();
        let from = begin + Duration::from_secs_f64(warmup);
        let until = from + Duration::from_secs_f64(secs);
        let now = formwork_server::clock::unix_now();
        let mut marks = None;
        let latencies: Vec<Vec<f64>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..writers)
                .map(|w| {
                    let store = store.clone();
                    scope.spawn(move || {
                        let mut mine = Vec::new();
                        let mut i = 0usize;
                        loop {
                            let t = Instant::now();
                            if t >= until {
                                break;
                            }
                            store
                                .submit(&NewSubmission {
                                    form_id: "over-18-check".into(),
                                    form_version: "bench".into(),
                                    journey_key: format!("durable-{w}-{i}"),
                                    answers_json: answers(i * writers + w),
                                    created_at: now,
                                    deliveries: Vec::new(),
                                })
                                .unwrap();
                            let done = Instant::now();
                            if t >= from && done <= until {
                                mine.push(ms(done - t));
                            }
                            i += 1;
                        }
                        mine
                    })
                })
                .collect();
            std::thread::sleep(from.saturating_duration_since(Instant::now()));
            let a = CpuMark::now(None);
            std::thread::sleep(until.saturating_duration_since(Instant::now()));
            marks = Some(a.since(CpuMark::now(None)));
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        (latencies, marks)
    };
    let (latencies, marks) = tokio::task::spawn_blocking(run).await?;
    let mut all: Vec<f64> = latencies.into_iter().flatten().collect();
    all.sort_by(f64::total_cmp);
    #[allow(clippy::cast_precision_loss, reason = "a rate")]
    let rate = all.len() as f64 / secs;
    let (busy, _, me, other) = marks.unwrap_or_default();
    let (p50, p99, max) = (
        percentile(&all, 50.0),
        percentile(&all, 99.0),
        all.last().copied().unwrap_or(f64::NAN),
    );
    println!(
        "durable submissions ({backend}, {writers} writers calling Store::submit, {secs} s after {warmup} s warm-up; {place})"
    );
    println!("  committed: {} ({rate:.0}/s)", all.len());
    println!("  commit latency: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.1} ms");
    println!(
        "  CPU cores: machine busy {busy:.2}, this process {me:.2}, others (incl. the database server) {other:.2}"
    );
    let k = |s: &str| format!("durable.{backend}.{s}");
    for (key, value) in [
        ("rate", format!("{rate:.1}")),
        ("n", all.len().to_string()),
        ("p50_ms", format!("{p50:.3}")),
        ("p99_ms", format!("{p99:.3}")),
        ("max_ms", format!("{max:.3}")),
        ("writers", writers.to_string()),
        ("secs", secs.to_string()),
        ("place", place.clone()),
        ("other_cores", format!("{other:.2}")),
    ] {
        tsv(args, &[&k(key), &value])?;
    }
    drop(tmp);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// journey: residents completing the over-18 check end to end over HTTP.

/// One keep-alive HTTP/1.1 connection, reopened when the server closes it.
struct Conn {
    addr: std::net::SocketAddr,
    host: String,
    sender: Option<hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>>,
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    cookie: Option<String>,
    body: bytes::Bytes,
}

impl Conn {
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        form: Option<String>,
    ) -> Result<Reply, Error> {
        if self
            .sender
            .as_ref()
            .is_none_or(hyper::client::conn::http1::SendRequest::is_closed)
        {
            let stream = tokio::net::TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        if form.is_some() {
            req = req.header("content-type", "application/x-www-form-urlencoded");
        }
        let req = req.body(http_body_util::Full::new(bytes::Bytes::from(
            form.unwrap_or_default(),
        )))?;
        let sender = self.sender.as_mut().ok_or("no connection")?;
        let sent = async {
            sender.ready().await?;
            let res = sender.send_request(req).await?;
            let (parts, body) = res.into_parts();
            let body = body.collect().await?.to_bytes();
            Ok::<_, hyper::Error>((parts, body))
        }
        .await;
        let (parts, body) = match sent {
            Ok(r) => r,
            Err(e) => {
                self.sender = None;
                return Err(e.into());
            }
        };
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Ok(Reply {
            status: parts.status,
            location: header("location"),
            cookie: header("set-cookie").and_then(|c| c.split(';').next().map(str::to_owned)),
            body,
        })
    }
}

/// What a resident types on each page of the over-18 check.
fn answers_for(slug: &str) -> Option<&'static str> {
    Some(match slug {
        "date-of-birth" => "date-of-birth-day=15&date-of-birth-month=6&date-of-birth-year=1990",
        "name" => "full-name-first-names=Ada&full-name-last-name=Lovelace",
        "email" => "email=ada%40example.com",
        "check-answers" => "",
        _ => return None,
    })
}

/// The text between `before` and the next `after` in a page.
fn between<'a>(page: &'a str, before: &str, after: &str) -> Option<&'a str> {
    let start = page.find(before)? + before.len();
    let len = page[start..].find(after)?;
    Some(&page[start..start + len])
}

/// One request, its time recorded under `label`.
async fn timed(
    conn: &mut Conn,
    steps: &mut Vec<(String, f64)>,
    label: String,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<String>,
) -> Result<Reply, String> {
    let t = Instant::now();
    let r = conn
        .send(method, path, cookie, body)
        .await
        .map_err(|e| format!("{label}: {e}"))?;
    steps.push((label, ms(t.elapsed())));
    Ok(r)
}

/// One journey: start page, then each question (GET, POST, follow the redirect) to the
/// confirmation. Returns the reference, or what went wrong; step timings go to `steps`.
async fn one_journey(
    conn: &mut Conn,
    form: &str,
    steps: &mut Vec<(String, f64)>,
) -> Result<String, String> {
    let base = format!("/forms/{form}");
    let start = timed(conn, steps, "GET start".into(), "GET", &base, None, None).await?;
    if start.status != StatusCode::OK {
        return Err(format!("GET start: HTTP {}", start.status));
    }
    let page = String::from_utf8_lossy(&start.body);
    let first = between(&page, &format!("href=\"{base}/"), "\"")
        .ok_or("the start page links to no question")?;
    let mut path = format!("{base}/{first}");
    let mut cookie: Option<String> = None;
    for _ in 0..12 {
        let slug = path.rsplit('/').next().unwrap_or_default().to_owned();
        let got = timed(
            conn,
            steps,
            format!("GET {slug}"),
            "GET",
            &path,
            cookie.as_deref(),
            None,
        )
        .await?;
        if got.status != StatusCode::OK {
            return Err(format!("GET {slug}: HTTP {}", got.status));
        }
        if got.cookie.is_some() {
            cookie.clone_from(&got.cookie);
        }
        let page = String::from_utf8_lossy(&got.body);
        if slug == "confirmation" {
            return between(&page, "<strong>", "</strong>")
                .map(str::to_owned)
                .ok_or_else(|| "no reference on the confirmation page".into());
        }
        let csrf = between(&page, "name=\"csrf-token\" value=\"", "\"")
            .ok_or_else(|| format!("GET {slug}: no CSRF token"))?;
        let fields = answers_for(&slug).ok_or_else(|| format!("no answers for page {slug}"))?;
        let body = if fields.is_empty() {
            format!("csrf-token={csrf}")
        } else {
            format!("csrf-token={csrf}&{fields}")
        };
        let posted = timed(
            conn,
            steps,
            format!("POST {slug}"),
            "POST",
            &path,
            cookie.as_deref(),
            Some(body),
        )
        .await?;
        // The server may rotate the session id (e.g. once answers are stored): keep the newest.
        if posted.cookie.is_some() {
            cookie.clone_from(&posted.cookie);
        }
        if posted.status != StatusCode::SEE_OTHER {
            return Err(format!("POST {slug}: HTTP {}", posted.status));
        }
        let to = posted
            .location
            .ok_or_else(|| format!("POST {slug}: no Location"))?;
        // An absolute URL or a path.
        path = match to.find("://") {
            Some(i) => to[i + 3..]
                .find('/')
                .map_or_else(|| "/".into(), |j| to[i + 3 + j..].to_owned()),
            None => to,
        };
    }
    Err("no confirmation after 12 pages".into())
}

struct Finished {
    at: Instant,
    took: Duration,
    steps: Vec<(String, f64)>,
    outcome: Result<String, String>,
}

#[allow(clippy::too_many_lines, reason = "one measurement, printed")]
async fn journey(args: &[String]) -> Result<(), Error> {
    let base = arg(args, "--base").ok_or("--base http://127.0.0.1:PORT is needed")?;
    let form = arg(args, "--form").unwrap_or_else(|| "over-18-check".into());
    let concurrency: usize = num(args, "--concurrency", 32)?;
    let secs: f64 = num(args, "--secs", 10.0)?;
    let warmup: f64 = num(args, "--warmup", 2.0)?;
    let label = arg(args, "--label").unwrap_or_else(|| "sqlite".into());
    let pid = arg(args, "--pid");
    let host = base
        .strip_prefix("http://")
        .ok_or("--base must be http://HOST:PORT")?
        .trim_end_matches('/')
        .to_owned();
    let addr = tokio::net::lookup_host(&host)
        .await?
        .next()
        .ok_or("cannot resolve --base")?;
    let begin = Instant::now();
    let from = begin + Duration::from_secs_f64(warmup);
    let until = from + Duration::from_secs_f64(secs);
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (form, host) = (form.clone(), host.clone());
            tokio::spawn(async move {
                let mut conn = Conn {
                    addr,
                    host,
                    sender: None,
                };
                let mut done = Vec::new();
                while Instant::now() < until {
                    let t = Instant::now();
                    let mut steps = Vec::with_capacity(10);
                    let outcome = one_journey(&mut conn, &form, &mut steps).await;
                    if outcome.is_err() {
                        conn.sender = None;
                    }
                    let at = Instant::now();
                    done.push(Finished {
                        at,
                        took: at - t,
                        steps,
                        outcome,
                    });
                }
                done
            })
        })
        .collect();
    // CPU and memory over the measured window.
    tokio::time::sleep_until(from.into()).await;
    let mark = CpuMark::now(pid.as_deref());
    let mut rss_max = 0u64;
    while Instant::now() < until {
        if let Some(p) = pid.as_deref().and_then(|p| p.parse::<u32>().ok()) {
            rss_max = rss_max.max(rss_kib(p, "VmRSS:"));
        }
        tokio::time::sleep(
            Duration::from_millis(50).min(until.saturating_duration_since(Instant::now())),
        )
        .await;
    }
    let (busy, server, me, other) = mark.since(CpuMark::now(pid.as_deref()));
    let mut finished = Vec::new();
    for t in tasks {
        finished.extend(t.await?);
    }
    let hwm = pid
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .map_or(0, |p| rss_kib(p, "VmHWM:"));
    let window: Vec<&Finished> = finished
        .iter()
        .filter(|f| f.at >= from && f.at <= until)
        .collect();
    let ok: Vec<&Finished> = window
        .iter()
        .copied()
        .filter(|f| f.outcome.is_ok())
        .collect();
    let failed = window.len() - ok.len();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for f in &finished {
        if let Err(e) = &f.outcome {
            *errors.entry(e.clone()).or_default() += 1;
        }
    }
    let all_ok = finished.iter().filter(|f| f.outcome.is_ok()).count();
    let distinct: std::collections::BTreeSet<&String> = finished
        .iter()
        .filter_map(|f| f.outcome.as_ref().ok())
        .collect();
    let mut lat: Vec<f64> = ok.iter().map(|f| ms(f.took)).collect();
    lat.sort_by(f64::total_cmp);
    let mut by_step: Vec<(String, Vec<f64>)> = Vec::new();
    for f in &ok {
        for (name, t) in &f.steps {
            match by_step.iter_mut().find(|(n, _)| n == name) {
                Some((_, v)) => v.push(*t),
                None => by_step.push((name.clone(), vec![*t])),
            }
        }
    }
    let requests: usize = ok.iter().map(|f| f.steps.len()).sum();
    #[allow(clippy::cast_precision_loss, reason = "rates")]
    let (rate, req_rate, per_journey) = (
        ok.len() as f64 / secs,
        requests as f64 / secs,
        requests as f64 / ok.len().max(1) as f64,
    );
    let cpu_ms = |cores: f64, per: f64| {
        if per > 0.0 {
            cores * 1000.0 / per
        } else {
            f64::NAN
        }
    };
    let (p50, p90, p99, max) = (
        percentile(&lat, 50.0),
        percentile(&lat, 90.0),
        percentile(&lat, 99.0),
        lat.last().copied().unwrap_or(f64::NAN),
    );
    println!(
        "journey benchmark ({label}; {concurrency} residents, each on its own keep-alive connection, start page to confirmation; {secs} s after {warmup} s warm-up)"
    );
    println!(
        "  journeys completed: {} ({rate:.1}/s = end-to-end durable submissions/s), failed: {failed}",
        ok.len()
    );
    println!(
        "  references: {} distinct for {all_ok} completed journeys (warm-up included)",
        distinct.len()
    );
    for (e, n) in errors.iter().take(5) {
        println!("  error ×{n}: {e}");
    }
    println!(
        "  journey latency: p50 {p50:.1} ms, p90 {p90:.1} ms, p99 {p99:.1} ms, max {max:.1} ms"
    );
    println!("  requests: {per_journey:.1} per journey, {req_rate:.0}/s");
    if pid.is_some() {
        println!(
            "  server CPU: {server:.2} cores = {:.2} ms per journey, {:.3} ms per request; RSS max {rss_max} KiB during, peak (VmHWM) {hwm} KiB",
            cpu_ms(server, rate),
            cpu_ms(server, req_rate)
        );
    }
    println!("  CPU cores: machine busy {busy:.2}, this client {me:.2}, others {other:.2}");
    println!("  per step (ms):        p50      p99     mean");
    let mut step_rows = Vec::new();
    for (name, v) in &mut by_step {
        v.sort_by(f64::total_cmp);
        #[allow(clippy::cast_precision_loss, reason = "a mean")]
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let (a, b) = (percentile(v, 50.0), percentile(v, 99.0));
        println!("    {name:<20} {a:7.2}  {b:7.2}  {mean:7.2}");
        step_rows.push((name.clone(), a, b, mean));
    }
    let k = |s: &str| format!("journey.{label}.{s}");
    for (key, value) in [
        ("rate", format!("{rate:.2}")),
        ("completed", ok.len().to_string()),
        ("failed", failed.to_string()),
        ("distinct_ok", (distinct.len() == all_ok).to_string()),
        ("p50_ms", format!("{p50:.2}")),
        ("p90_ms", format!("{p90:.2}")),
        ("p99_ms", format!("{p99:.2}")),
        ("max_ms", format!("{max:.2}")),
        ("req_rate", format!("{req_rate:.1}")),
        ("req_per_journey", format!("{per_journey:.1}")),
        ("concurrency", concurrency.to_string()),
        ("secs", secs.to_string()),
        ("other_cores", format!("{other:.2}")),
        ("client_cores", format!("{me:.2}")),
    ] {
        tsv(args, &[&k(key), &value])?;
    }
    if pid.is_some() {
        for (key, value) in [
            ("server_cores", format!("{server:.2}")),
            (
                "server_ms_per_journey",
                format!("{:.3}", cpu_ms(server, rate)),
            ),
            (
                "server_ms_per_request",
                format!("{:.4}", cpu_ms(server, req_rate)),
            ),
            ("rss_max_kb", rss_max.to_string()),
            ("hwm_kb", hwm.to_string()),
        ] {
            tsv(args, &[&k(key), &value])?;
        }
    }
    for (name, a, b, mean) in step_rows {
        tsv(
            args,
            &[
                &k("step"),
                &name,
                &format!("{a:.3}"),
                &format!("{b:.3}"),
                &format!("{mean:.3}"),
            ],
        )?;
    }
    if ok.is_empty() || distinct.len() != all_ok {
        return Err("journeys failed or references repeated".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// report: the Markdown table of a scripts/bench.sh run.

/// `DIR/results.tsv`: `key<TAB>value…` lines; a key may repeat (one row each).
struct Results(BTreeMap<String, Vec<Vec<String>>>);

impl Results {
    fn read(path: &Path) -> Self {
        let mut map: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
        for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
            let mut f = line.split('\t').map(str::to_owned);
            if let Some(k) = f.next().filter(|k| !k.is_empty()) {
                map.entry(k).or_default().push(f.collect());
            }
        }
        Self(map)
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .and_then(|rows| rows.last())
            .and_then(|r| r.first())
            .map(String::as_str)
    }

    fn num(&self, key: &str) -> Option<f64> {
        self.text(key)
            .and_then(|v| v.parse().ok())
            .filter(|v: &f64| v.is_finite())
    }

    fn rows(&self, key: &str) -> &[Vec<String>] {
        self.0.get(key).map_or(&[], Vec::as_slice)
    }
}

/// One recorded wrk run of the peer harness.
#[derive(Debug, Default, Clone, Copy)]
struct WrkRun {
    rps: f64,
    p50: f64,
    p99: f64,
    bad: u64,
    server_cores: f64,
    other_cores: f64,
}

fn parse_wrk(text: &str) -> WrkRun {
    let latency = |pct: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(pct))
            .and_then(|v| {
                let v = v.trim();
                let split = v.find(|c: char| c.is_ascii_alphabetic())?;
                let (n, unit) = v.split_at(split);
                let n: f64 = n.parse().ok()?;
                Some(match unit {
                    "us" => n / 1000.0,
                    "ms" => n,
                    "s" => n * 1000.0,
                    "m" => n * 60_000.0,
                    _ => return None,
                })
            })
            .unwrap_or(f64::NAN)
    };
    let after = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    };
    let errors = after("Socket errors:").map_or(0, |v| {
        v.split(',')
            .filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok())
            .sum()
    });
    WrkRun {
        rps: after("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN),
        p50: latency("50%"),
        p99: latency("99%"),
        bad: after("Non-2xx or 3xx responses:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
            + errors,
        ..WrkRun::default()
    }
}

/// A run of the shared peer harness (`runs.tsv`, `meta.tsv`, `raw/`).
struct Peers {
    dir: PathBuf,
    runs: BTreeMap<(String, String), Vec<WrkRun>>,
    meta: BTreeMap<(String, String), String>,
    order: Vec<String>,
}

impl Peers {
    fn read(dir: &Path) -> Option<Self> {
        let lines = |f: &str| -> Option<Vec<Vec<String>>> {
            Some(
                std::fs::read_to_string(dir.join(f))
                    .ok()?
                    .lines()
                    .map(|l| l.split('\t').map(str::to_owned).collect())
                    .collect(),
            )
        };
        let mut peers = Self {
            dir: dir.to_owned(),
            runs: BTreeMap::new(),
            meta: BTreeMap::new(),
            order: Vec::new(),
        };
        for row in lines("meta.tsv")? {
            if let [peer, key, value @ ..] = row.as_slice() {
                if peer != "_" && !peers.order.contains(peer) {
                    peers.order.push(peer.clone());
                }
                peers
                    .meta
                    .insert((peer.clone(), key.clone()), value.join("\t"));
            }
        }
        for row in lines("runs.tsv").unwrap_or_default() {
            if let [peer, scenario, _, file, _busy, server, _wrk, other, ..] = row.as_slice() {
                let mut run = parse_wrk(&std::fs::read_to_string(file).unwrap_or_default());
                run.server_cores = server.parse().unwrap_or(f64::NAN);
                run.other_cores = other.parse().unwrap_or(f64::NAN);
                peers
                    .runs
                    .entry((peer.clone(), scenario.clone()))
                    .or_default()
                    .push(run);
            }
        }
        Some(peers)
    }

    fn median(&self, peer: &str, scenario: &str, f: impl Fn(&WrkRun) -> f64) -> Option<f64> {
        let mut v: Vec<f64> = self
            .runs
            .get(&(peer.to_owned(), scenario.to_owned()))?
            .iter()
            .map(f)
            .filter(|x| x.is_finite())
            .collect();
        v.sort_by(f64::total_cmp);
        match v.len() {
            0 => None,
            n if n % 2 == 1 => Some(v[n / 2]),
            n => Some(f64::midpoint(v[n / 2 - 1], v[n / 2])),
        }
    }

    fn rps(&self, peer: &str, scenario: &str) -> Option<f64> {
        self.median(peer, scenario, |r| r.rps)
    }

    fn meta(&self, peer: &str, key: &str) -> Option<&str> {
        self.meta
            .get(&(peer.to_owned(), key.to_owned()))
            .map(String::as_str)
    }

    fn kib(&self, peer: &str, key: &str) -> Option<f64> {
        self.meta(peer, key)
            .and_then(|v| v.parse().ok())
            .filter(|v: &f64| *v > 0.0)
    }
}

/// 12,345.6 with `decimals` places.
fn grouped(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

fn opt(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "–".into(), |v| grouped(v, decimals))
}

/// MiB from KiB.
fn mib(kib: f64) -> f64 {
    kib / 1024.0
}

/// One row of the targets table.
struct Target {
    measure: String,
    target: &'static str,
    measured: Option<String>,
    met: Option<bool>,
}

fn target(
    measure: &str,
    target: &'static str,
    measured: Option<String>,
    met: Option<bool>,
) -> Target {
    Target {
        measure: measure.to_owned(),
        target,
        measured,
        met,
    }
}

#[allow(clippy::too_many_lines, reason = "one table after another")]
fn report(args: &[String]) -> Result<(), Error> {
    let dir = PathBuf::from(arg(args, "--dir").ok_or("--dir DIR is needed")?);
    let res = Results::read(&dir.join("results.tsv"));
    let peers = arg(args, "--peers")
        .or_else(|| res.text("peers.run_dir").map(str::to_owned))
        .and_then(|d| Peers::read(Path::new(&d)));
    let mut out: Vec<String> = Vec::new();
    let mut line = |s: String| out.push(s);

    line(format!(
        "# Formwork benchmark — {}",
        res.text("run.started").unwrap_or("?")
    ));
    line(String::new());
    line(format!(
        "`{}` at {}; wall time {}. Host: {}.",
        res.text("run.command").unwrap_or("scripts/bench.sh"),
        res.text("run.commit").unwrap_or("?"),
        res.num("run.wall_s").map_or_else(
            || "?".into(),
            |s| format!("{}:{:02} min", (s / 60.0).floor(), (s % 60.0).round())
        ),
        res.text("run.host").unwrap_or("?")
    ));
    let knobs = res.text("run.knobs").unwrap_or("?");
    line(format!(
        "Knobs: {knobs}. Every server listens on 127.0.0.1 with `FORMWORK_POST_RATE_LIMIT=1000000000 FORMWORK_MAX_SESSIONS=10000000`{}.",
        if knobs.contains("PIN=1") {
            ", pinned to one core with the load generator on the other"
        } else {
            ", unpinned"
        }
    ));
    line(String::new());

    // --- targets ---------------------------------------------------------------------------
    let p = peers.as_ref();
    let rps = |peer: &str, sc: &str| p.and_then(|p| p.rps(peer, sc));
    let p99 = |peer: &str, sc: &str| p.and_then(|p| p.median(peer, sc, |r| r.p99));
    // Server CPU per request is the number least disturbed by other load on the machine.
    let cpu = |peer: &str, sc: &str| {
        p.and_then(|p| p.median(peer, sc, |r| r.server_cores / r.rps * 1000.0))
    };
    let cpu_ratio = |a: &str, b: &str, sc: &str| {
        cpu(a, sc)
            .zip(cpu(b, sc))
            .map_or_else(|| "–".into(), |(a, b)| format!("{}×", grouped(a / b, 1)))
    };
    let ratio = |sc: &str, goal: Option<f64>, label: &str, t: &'static str| {
        let (f, d) = (rps("formwork", sc), rps("defra", sc));
        let measured = f.zip(d).map(|(f, d)| {
            format!(
                "**{}×** ({} vs {} req/s; by server CPU per request {})",
                grouped(f / d, 1),
                grouped(f, 0),
                grouped(d, 0),
                cpu_ratio("defra", "formwork", sc)
            )
        });
        let met = goal.and_then(|g| f.zip(d).map(|(f, d)| f / d >= g));
        target(label, t, measured, met)
    };
    let mut targets = vec![
        ratio(
            "get",
            Some(100.0),
            "GET the question page: Formwork ÷ DEFRA req/s",
            "≥ 100×",
        ),
        ratio(
            "post_invalid",
            Some(100.0),
            "POST an invalid date (page with errors): Formwork ÷ DEFRA",
            "≥ 100×",
        ),
        ratio(
            "post_valid",
            None,
            "POST a valid date (303): Formwork ÷ DEFRA",
            "–",
        ),
    ];
    {
        let (f, n) = (rps("formwork", "get"), rps("nginx", "get"));
        targets.push(target(
            "GET: Formwork as % of nginx serving the same bytes",
            "≥ 50 %",
            f.zip(n).map(|(f, n)| {
                format!(
                    "**{:.0} %** ({} vs {} req/s; by server CPU per request {})",
                    f / n * 100.0,
                    grouped(f, 0),
                    grouped(n, 0),
                    cpu("nginx", "get")
                        .zip(cpu("formwork", "get"))
                        .map_or_else(|| "–".into(), |(a, b)| format!("{:.0} %", a / b * 100.0))
                )
            }),
            f.zip(n).map(|(f, n)| f / n >= 0.5),
        ));
    }
    for (sc, label) in [
        ("get", "p99 latency at 32 connections, GET"),
        (
            "post_invalid",
            "p99 latency at 32 connections, POST invalid",
        ),
        ("post_valid", "p99 latency at 32 connections, POST valid"),
    ] {
        let v = p99("formwork", sc);
        targets.push(target(
            label,
            "< 5 ms",
            v.map(|v| {
                format!(
                    "**{} ms** (p50 {} ms)",
                    grouped(v, 2),
                    opt(p.and_then(|p| p.median("formwork", sc, |r| r.p50)), 2)
                )
            }),
            v.map(|v| v < 5.0),
        ));
    }
    for (backend, label, goal) in [
        (
            "sqlite",
            "Durable submissions/s, SQLite (synchronous=FULL, disk), 32 writers",
            Some(2000.0),
        ),
        (
            "postgres",
            "Durable submissions/s, PostgreSQL, 32 writers",
            None,
        ),
    ] {
        let v = res.num(&format!("durable.{backend}.rate"));
        targets.push(target(
            label,
            if goal.is_some() { "≥ 2,000/s" } else { "–" },
            v.map(|v| {
                format!(
                    "**{}/s** (commit p50 {} ms, p99 {} ms)",
                    grouped(v, 0),
                    opt(res.num(&format!("durable.{backend}.p50_ms")), 2),
                    opt(res.num(&format!("durable.{backend}.p99_ms")), 2)
                )
            }),
            goal.and_then(|g| v.map(|v| v >= g)),
        ));
    }
    for (backend, label) in [
        (
            "sqlite",
            "Journeys end to end/s (= durable submissions/s), SQLite",
        ),
        (
            "postgres",
            "Journeys end to end/s (= durable submissions/s), PostgreSQL",
        ),
    ] {
        let v = res.num(&format!("journey.{backend}.rate"));
        targets.push(target(
            label,
            "–",
            v.map(|v| {
                format!(
                    "**{}/s** (journey p50 {} ms, p99 {} ms)",
                    grouped(v, 0),
                    opt(res.num(&format!("journey.{backend}.p50_ms")), 1),
                    opt(res.num(&format!("journey.{backend}.p99_ms")), 1)
                )
            }),
            None,
        ));
    }
    {
        let idle = res
            .num("memory.idle_kb")
            .or_else(|| p.and_then(|p| p.kib("formwork", "rss_idle_kb")));
        let defra = p.and_then(|p| p.kib("defra", "rss_idle_kb"));
        targets.push(target(
            "Idle RSS (started, before any request)",
            "< 30 MB",
            idle.map(|k| {
                format!(
                    "**{} MB** ({} MiB){}",
                    grouped(k * 1024.0 / 1e6, 1),
                    grouped(mib(k), 1),
                    defra.map_or_else(String::new, |d| format!(
                        "; DEFRA {} MiB",
                        grouped(mib(d), 0)
                    ))
                )
            }),
            idle.map(|k| k * 1024.0 / 1e6 < 30.0),
        ));
    }
    {
        let gz = ["wasm.wasm_gz", "wasm.js_gz", "wasm.fwjs_gz"]
            .iter()
            .map(|k| res.num(k))
            .sum::<Option<f64>>();
        let status = res.text("wasm.status");
        targets.push(target(
            "WebAssembly module + JS glue + formwork.js, gzip -9 (web/tests/bench.mjs budget)",
            "≤ 80 KiB",
            match (gz, status) {
                (Some(gz), _) => Some(format!(
                    "**{} KiB** (module {} KiB raw, {} KiB gzipped)",
                    grouped(gz / 1024.0, 1),
                    opt(res.num("wasm.wasm_raw").map(|v| v / 1024.0), 1),
                    opt(res.num("wasm.wasm_gz").map(|v| v / 1024.0), 1)
                )),
                (None, Some(s)) => Some(s.to_owned()),
                (None, None) => None,
            },
            gz.map(|g| g <= 80.0 * 1024.0),
        ));
    }
    line("## Targets".into());
    line(String::new());
    line("| measure | target | measured | met? |".into());
    line("|---|---|---|---|".into());
    for t in &targets {
        line(format!(
            "| {} | {} | {} | {} |",
            t.measure,
            t.target,
            t.measured.as_deref().unwrap_or("not measured"),
            match (t.met, &t.measured) {
                (Some(true), _) => "met",
                (Some(false), _) => "**not met**",
                (None, _) => "–",
            }
        ));
    }
    line(String::new());

    // --- peers --------------------------------------------------------------------------------
    line("## Formwork, DEFRA and nginx on the same page (shared peer harness)".into());
    line(String::new());
    match p {
        None => line(match res.text("peers.run_dir") {
            Some(d) => format!("No harness results in {d}."),
            None => "Not run (section `peers`).".into(),
        }),
        Some(p) => {
            let g = |k: &str| p.meta("_", k).unwrap_or("?");
            line(format!(
                "`../shared/peers/run.sh` via `scripts/bench-peers.sh`: {} {}; results in `{}` (its own `summary.md` has every repetition). Medians over the repetitions.",
                g("wrk"),
                g("load"),
                p.dir.display()
            ));
            line(String::new());
            line("| peer | scenario | req/s | p50 ms | p99 ms | server CPU ms/req | errors | response check | other procs (cores) |".into());
            line("|---|---|---:|---:|---:|---:|---:|---|---:|".into());
            let scenarios = [
                ("get", "GET question page"),
                ("get_c1", "GET, 1 connection"),
                ("post_invalid", "POST invalid → errors"),
                ("post_valid", "POST valid → 303"),
            ];
            for peer in &p.order {
                for (sc, label) in scenarios {
                    let Some(runs) = p.runs.get(&(peer.clone(), sc.to_owned())) else {
                        continue;
                    };
                    let check = sc.strip_suffix("_c1").unwrap_or(sc);
                    line(format!(
                        "| {peer} | {label} | {} | {} | {} | {} | {} | {} | {} |",
                        opt(p.rps(peer, sc), 0),
                        opt(p.median(peer, sc, |r| r.p50), 2),
                        opt(p.median(peer, sc, |r| r.p99), 2),
                        opt(p.median(peer, sc, |r| r.server_cores / r.rps * 1000.0), 3),
                        runs.iter().map(|r| r.bad).sum::<u64>(),
                        p.meta(peer, &format!("{check}.check")).unwrap_or("?"),
                        opt(p.median(peer, sc, |r| r.other_cores), 2),
                    ));
                }
            }
            line(String::new());
            line("| peer | version | idle RSS MiB | RSS after load MiB | peak RSS MiB | page bytes | status |".into());
            line("|---|---|---:|---:|---:|---:|---|".into());
            for peer in &p.order {
                line(format!(
                    "| {peer} | {} | {} | {} | {} | {} | {} |",
                    p.meta(peer, "version").unwrap_or("?"),
                    opt(p.kib(peer, "rss_idle_kb").map(mib), 1),
                    opt(p.kib(peer, "rss_after_kb").map(mib), 1),
                    opt(p.kib(peer, "rss_peak_kb").map(mib), 1),
                    p.meta(peer, "get.body_bytes").unwrap_or("?"),
                    p.meta(peer, "status").unwrap_or("?"),
                ));
            }
            line(String::new());
            line(format!(
                "The static reference serves {}.",
                p.meta("_", "page_source").unwrap_or("no captured page")
            ));
        }
    }
    line(String::new());

    // --- journeys -------------------------------------------------------------------------------
    line("## Journeys end to end".into());
    line(String::new());
    let backends: Vec<&str> = ["sqlite", "postgres"]
        .into_iter()
        .filter(|b| res.num(&format!("journey.{b}.rate")).is_some())
        .collect();
    if backends.is_empty() {
        line("Not run (section `journey`).".into());
    } else {
        let j = |b: &str, k: &str| res.num(&format!("journey.{b}.{k}"));
        line(format!(
            "`bench journey`: {} residents, each on its own keep-alive connection, from the start page through date of birth, name, email and check answers to the confirmation with its reference ({} requests per journey; every status, redirect and the reference checked), again and again for {} s. Each completed journey is one durable submission.",
            opt(j(backends[0], "concurrency"), 0),
            opt(j(backends[0], "req_per_journey"), 0),
            opt(j(backends[0], "secs"), 0)
        ));
        line(String::new());
        line("| store | journeys/s | p50 ms | p99 ms | max ms | requests/s | server CPU ms/journey (per request) | peak RSS MiB | failed | other procs (cores) |".into());
        line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|".into());
        for b in &backends {
            line(format!(
                "| {b} | {} | {} | {} | {} | {} | {} ({}) | {} | {} | {} |",
                opt(j(b, "rate"), 0),
                opt(j(b, "p50_ms"), 1),
                opt(j(b, "p99_ms"), 1),
                opt(j(b, "max_ms"), 1),
                opt(j(b, "req_rate"), 0),
                opt(j(b, "server_ms_per_journey"), 2),
                opt(j(b, "server_ms_per_request"), 3),
                opt(j(b, "hwm_kb").map(mib), 1),
                opt(j(b, "failed"), 0),
                opt(j(b, "other_cores"), 2),
            ));
        }
        line(String::new());
        line(format!(
            "Per step (ms, p50 / p99), {}:",
            backends.join(" | ")
        ));
        line(String::new());
        line(format!(
            "| step | {} |",
            backends
                .iter()
                .map(|b| format!("{b} p50 | {b} p99"))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
        line(format!("|---|{}", "---:|---:|".repeat(backends.len())));
        let first = res.rows(&format!("journey.{}.step", backends[0]));
        for row in first {
            let name = row.first().map_or("?", String::as_str);
            let cells: Vec<String> = backends
                .iter()
                .map(|b| {
                    res.rows(&format!("journey.{b}.step"))
                        .iter()
                        .find(|r| r.first().map(String::as_str) == Some(name))
                        .map_or_else(
                            || "– | –".into(),
                            |r| {
                                format!(
                                    "{} | {}",
                                    r.get(1).map_or("–", String::as_str),
                                    r.get(2).map_or("–", String::as_str)
                                )
                            },
                        )
                })
                .collect();
            line(format!("| {name} | {} |", cells.join(" | ")));
        }
    }
    line(String::new());

    // --- durable ----------------------------------------------------------------------------------
    line("## Durable submissions (`Store::submit`)".into());
    line(String::new());
    let durable: Vec<&str> = ["sqlite", "postgres"]
        .into_iter()
        .filter(|b| res.num(&format!("durable.{b}.rate")).is_some())
        .collect();
    if durable.is_empty() {
        line("Not run (section `durable`).".into());
    } else {
        line("`bench durable`: writer threads call `Store::submit` (a journey's submission, no webhooks) back to back; each call returns after the commit. Whatever the store does (one fsync per commit, or group commit) is what is measured.".into());
        line(String::new());
        line("| store | writers | submissions/s | commit p50 ms | p99 ms | max ms | where | other procs (cores) |".into());
        line("|---|---:|---:|---:|---:|---:|---|---:|".into());
        for b in durable {
            let d = |k: &str| res.num(&format!("durable.{b}.{k}"));
            line(format!(
                "| {b} | {} | {} | {} | {} | {} | {} | {} |",
                opt(d("writers"), 0),
                opt(d("rate"), 0),
                opt(d("p50_ms"), 2),
                opt(d("p99_ms"), 2),
                opt(d("max_ms"), 1),
                res.text(&format!("durable.{b}.place")).unwrap_or("?"),
                opt(d("other_cores"), 2),
            ));
        }
    }
    line(String::new());

    // --- memory ------------------------------------------------------------------------------------
    line("## Memory (Formwork, SQLite)".into());
    line(String::new());
    if res.num("memory.idle_kb").is_none() {
        line("Not run (section `memory`).".into());
    } else {
        let m = |k: &str| opt(res.num(&format!("memory.{k}")).map(mib), 1);
        line(format!(
            "One `formwork serve`: RSS after it opened its port (no request yet), the most sampled every 100 ms under {} s of wrk GET at 32 connections (32 sessions), then under {} s of journeys (32 residents), then 2 s after the load; peak is VmHWM.",
            res.text("memory.secs").unwrap_or("?"),
            res.text("memory.secs").unwrap_or("?")
        ));
        line(String::new());
        line("| idle MiB | under GET load MiB | under journeys MiB | after load MiB | peak (VmHWM) MiB |".into());
        line("|---:|---:|---:|---:|---:|".into());
        line(format!(
            "| {} | {} | {} | {} | {} |",
            m("idle_kb"),
            m("get_max_kb"),
            m("journey_max_kb"),
            m("after_kb"),
            m("hwm_kb"),
        ));
    }
    line(String::new());

    // --- wasm ----------------------------------------------------------------------------------------
    line("## WebAssembly (web/static/pkg, built by scripts/wasm-build.sh)".into());
    line(String::new());
    match res.text("wasm.status") {
        None => line("Not run (section `wasm`).".into()),
        Some(s) if res.num("wasm.wasm_raw").is_none() => line(s.to_owned()),
        Some(s) => {
            line(format!("{s}."));
            line(String::new());
            line("| file | raw bytes | gzip -9 bytes |".into());
            line("|---|---:|---:|".into());
            for (name, k) in [
                ("formwork_wasm_bg.wasm (module)", "wasm"),
                ("formwork_wasm.js (glue)", "js"),
                ("formwork.js (progressive enhancement)", "fwjs"),
            ] {
                line(format!(
                    "| {name} | {} | {} |",
                    opt(res.num(&format!("wasm.{k}_raw")), 0),
                    opt(res.num(&format!("wasm.{k}_gz")), 0)
                ));
            }
        }
    }
    line(String::new());

    // --- delivery, csv ------------------------------------------------------------------------------
    for (section, title) in [
        ("delivery", "Webhook delivery"),
        ("csv", "CSV export memory"),
    ] {
        line(format!("## {title} (`bench {section}`)"));
        line(String::new());
        match res.text(&format!("{section}.output")) {
            None => line(format!("Not run (section `{section}`).")),
            Some(f) => {
                line("```text".into());
                line(
                    std::fs::read_to_string(f)
                        .unwrap_or_else(|_| format!("(no output in {f})"))
                        .trim_end()
                        .to_owned(),
                );
                line("```".into());
            }
        }
        line(String::new());
    }
    let failed: Vec<String> = res
        .0
        .iter()
        .filter(|(k, _)| k.starts_with("section.") && k.ends_with(".status"))
        .filter_map(|(k, rows)| {
            let v = rows.last()?.first()?;
            (v != "ok").then(|| format!("{}: {v}", &k["section.".len()..k.len() - ".status".len()]))
        })
        .collect();
    if !failed.is_empty() {
        line(format!("Sections that failed: {}.", failed.join("; ")));
        line(String::new());
    }
    println!("{}", out.join("\n").trim_end());
    Ok(())
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.first().map(String::as_str) {
        Some("delivery") => runtime.block_on(delivery(&args)),
        Some("csv") => runtime.block_on(csv(&args)),
        Some("durable") => runtime.block_on(durable(&args)),
        Some("journey") => runtime.block_on(journey(&args)),
        Some("report") => report(&args),
        _ => Err("usage: bench delivery|csv|durable|journey|report [OPTIONS] (see the top of examples/bench.rs)".into()),
    }
}
