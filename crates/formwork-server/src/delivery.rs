//! Webhook delivery from the transactional outbox: a background worker claims due rows with a
//! lease (one instance at a time per row), POSTs each submission signed Standard Webhooks
//! style (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
//! id.timestamp.body>`), and records the result: delivered, retried with exponential backoff
//! and jitter, or dead-lettered after `max_attempts` (or at once on 410 Gone).
//!
//! Delivery is at least once: receivers deduplicate by `webhook-id`, which is stable across
//! retries. Bodies and answers are never logged.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::store::{Delivery, Store};

/// How the worker behaves.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Attempts before a delivery is dead-lettered.
    pub max_attempts: u32,
    /// The first retry's delay; each later one doubles, up to `backoff_max_ms`.
    pub backoff_ms: u64,
    /// The longest delay between attempts.
    pub backoff_max_ms: u64,
    /// Per-request timeout.
    pub timeout_ms: u64,
    /// How often to look for due rows when idle.
    pub poll_ms: u64,
    /// Rows claimed at a time, and the most requests in flight per worker.
    pub batch: u32,
    /// Deliver to `http://` URLs too (tests and local receivers); otherwise only `https://`.
    pub allow_http: bool,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            backoff_ms: 30_000,
            backoff_max_ms: 3_600_000,
            timeout_ms: 10_000,
            poll_ms: 1_000,
            batch: 32,
            allow_http: false,
        }
    }
}

impl DeliveryConfig {
    /// How long a claim lasts: past the request timeout, so a live owner never loses it.
    #[must_use]
    pub fn lease_ms(&self) -> i64 {
        i64::try_from(self.timeout_ms.saturating_mul(3).saturating_add(5_000)).unwrap_or(i64::MAX)
    }

    /// The delay before the attempt after `attempts` failed ones: exponential with ±20% jitter.
    #[must_use]
    pub fn backoff(&self, attempts: u32, jitter: f64) -> u64 {
        let exp = self
            .backoff_ms
            .saturating_mul(1u64 << attempts.saturating_sub(1).min(30));
        let capped = exp.min(self.backoff_max_ms);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "a delay in milliseconds, scaled by at most 1.2"
        )]
        let jittered = (capped as f64 * (0.8 + 0.4 * jitter.clamp(0.0, 1.0))) as u64;
        jittered.max(1)
    }
}

/// The current time in Unix milliseconds.
#[must_use]
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The body POSTed for a submission: the same bytes on every attempt.
#[must_use]
pub fn body(d: &Delivery) -> String {
    let answers: serde_json::Value =
        serde_json::from_str(&d.answers_json).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "type": "submission.created",
        "timestamp": crate::api::rfc3339(d.submitted_at),
        "data": {
            "reference": d.reference,
            "form": d.form_id,
            "formVersion": d.form_version,
            "submittedAt": crate::api::rfc3339(d.submitted_at),
            "answers": answers,
        }
    })
    .to_string()
}

/// The signing key for a secret: `whsec_<base64>` decodes, anything else is used as bytes.
#[must_use]
pub fn secret_key(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix("whsec_")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// `v1,<base64 HMAC-SHA256 of id.timestamp.body>`.
#[must_use]
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx.
    Delivered,
    /// Try again (after at least this many milliseconds, if the receiver said).
    Retry {
        /// Why (status or transport error).
        error: String,
        /// `Retry-After`, in milliseconds.
        after_ms: Option<u64>,
    },
    /// Never try again (410 Gone, or a URL that cannot work).
    Dead(String),
}

type HttpClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Looks a signing secret up by environment variable name.
pub type Secrets = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The delivery worker: claims and sends until the process stops.
#[derive(Clone)]
pub struct Worker {
    store: Arc<dyn Store>,
    config: DeliveryConfig,
    owner: String,
    client: HttpClient,
    secrets: Secrets,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("owner", &self.owner)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker with a random owner id (its lease name).
    #[must_use]
    pub fn new(store: Arc<dyn Store>, config: DeliveryConfig) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_millis(config.timeout_ms)));
        connector.set_nodelay(true);
        connector.enforce_http(false);
        // TLS with the Mozilla roots (webpki-roots), so no system certificate store is needed.
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);
        Self {
            store,
            config,
            owner: format!("worker-{}", crate::session::random_token(9)),
            client,
            secrets: Arc::new(|name| std::env::var(name).ok()),
        }
    }

    /// Secrets from somewhere other than the environment (tests, benchmarks).
    #[must_use]
    pub fn with_secrets(mut self, secrets: Secrets) -> Self {
        self.secrets = secrets;
        self
    }

    /// The lease owner name.
    #[must_use]
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Sends one attempt.
    pub async fn attempt(&self, d: &Delivery) -> Outcome {
        let Some(secret) = (self.secrets)(&d.secret_env) else {
            return Outcome::Retry {
                error: format!("secret environment variable {} is not set", d.secret_env),
                after_ms: None,
            };
        };
        let uri: hyper::Uri = match d.url.parse() {
            Ok(u) => u,
            Err(_) => return Outcome::Dead("the webhook URL is not valid".into()),
        };
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if self.config.allow_http => {}
            Some("http") => {
                return Outcome::Dead(
                    "http:// webhooks are refused: use https:// (or serve with --allow-http-webhooks for local receivers)"
                        .into(),
                );
            }
            _ => return Outcome::Dead("the webhook URL must be https://".into()),
        }
        let body = body(d);
        let timestamp = now_ms() / 1000;
        let sig = signature(&secret_key(&secret), &d.id, timestamp, &body);
        let request = hyper::Request::post(uri)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::USER_AGENT, "formwork-webhooks")
            .header("webhook-id", &d.id)
            .header("idempotency-key", &d.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", sig)
            .body(Full::new(Bytes::from(body)));
        let Ok(request) = request else {
            return Outcome::Dead("cannot build the request".into());
        };
        let timeout = Duration::from_millis(self.config.timeout_ms);
        let response = match tokio::time::timeout(timeout, self.client.request(request)).await {
            Err(_) => {
                return Outcome::Retry {
                    error: "timed out".into(),
                    after_ms: None,
                };
            }
            Ok(Err(e)) => {
                return Outcome::Retry {
                    error: format!("transport: {e}"),
                    after_ms: None,
                };
            }
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(hyper::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| s.saturating_mul(1000));
        // Read (and drop) the body so the connection can be reused; bounded by the timeout.
        let _ = tokio::time::timeout(timeout, response.into_body().collect()).await;
        if status.is_success() {
            Outcome::Delivered
        } else if status == hyper::StatusCode::GONE {
            Outcome::Dead("HTTP 410 Gone".into())
        } else {
            Outcome::Retry {
                error: format!("HTTP {}", status.as_u16()),
                after_ms: retry_after,
            }
        }
    }

    /// Claims up to `limit` due rows for this worker.
    async fn claim(&self, limit: u32) -> Vec<Delivery> {
        let store = self.store.clone();
        let owner = self.owner.clone();
        let lease = self.config.lease_ms();
        match tokio::task::spawn_blocking(move || {
            store.claim_deliveries(&owner, now_ms(), lease, limit)
        })
        .await
        {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "delivery: claim failed");
                Vec::new()
            }
            Err(_) => Vec::new(),
        }
    }

    /// Claims one batch and sends it, waiting for every attempt; returns how many rows were
    /// claimed. (Tests step the worker with this; `run` keeps a pipeline full instead.)
    pub async fn run_once(&self) -> usize {
        let claimed = self.claim(self.config.batch).await;
        let n = claimed.len();
        let mut tasks = tokio::task::JoinSet::new();
        for d in claimed {
            let worker = self.clone();
            tasks.spawn(async move { worker.deliver(d).await });
        }
        while tasks.join_next().await.is_some() {}
        n
    }

    async fn deliver(&self, d: Delivery) {
        let outcome = self.attempt(&d).await;
        let mut jitter = [0u8; 1];
        crate::session::fill_random(&mut jitter);
        let store = self.store.clone();
        let owner = self.owner.clone();
        let config = self.config.clone();
        let (id, attempts) = (d.id.clone(), d.attempts);
        let logged = outcome.clone();
        let result = tokio::task::spawn_blocking(move || match outcome {
            Outcome::Delivered => store.complete_delivery(&id, &owner, now_ms()),
            Outcome::Dead(error) => store.fail_delivery(&id, &owner, &error, None),
            Outcome::Retry { error, after_ms } => {
                let retry_at = (attempts < config.max_attempts).then(|| {
                    let wait = config
                        .backoff(attempts, f64::from(jitter[0]) / 255.0)
                        .max(after_ms.unwrap_or(0));
                    now_ms().saturating_add(i64::try_from(wait).unwrap_or(i64::MAX))
                });
                store.fail_delivery(&id, &owner, &error, retry_at)
            }
        })
        .await;
        if let Ok(Err(e)) = &result {
            tracing::warn!(delivery = %d.id, error = %e, "delivery: cannot record the result");
        }
        match logged {
            Outcome::Delivered => tracing::info!(
                event = "delivered", delivery = %d.id, reference = %d.reference, form = %d.form_id,
                webhook = %d.webhook, attempts = d.attempts, "delivered"
            ),
            Outcome::Dead(error) => tracing::error!(
                event = "dead_letter", delivery = %d.id, reference = %d.reference, form = %d.form_id,
                webhook = %d.webhook, attempts = d.attempts, error = %error,
                "delivery dead-lettered: retry with `formwork deliveries retry`"
            ),
            Outcome::Retry { error, .. } if d.attempts >= self.config.max_attempts => {
                tracing::error!(
                    event = "dead_letter", delivery = %d.id, reference = %d.reference, form = %d.form_id,
                    webhook = %d.webhook, attempts = d.attempts, error = %error,
                    "delivery dead-lettered after the last attempt: retry with `formwork deliveries retry`"
                )
            }
            Outcome::Retry { error, .. } => tracing::warn!(
                event = "delivery_failed", delivery = %d.id, reference = %d.reference, form = %d.form_id,
                webhook = %d.webhook, attempts = d.attempts, error = %error, "delivery failed; will retry"
            ),
        }
    }

    /// Runs until `stop` turns true, then waits for attempts in flight and releases this
    /// worker's leases. Keeps up to `batch` requests in flight: a slow receiver holds one slot,
    /// not the whole batch.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let idle = Duration::from_millis(self.config.poll_ms);
        let slots = usize::try_from(self.config.batch.max(1)).unwrap_or(1);
        let permits = Arc::new(tokio::sync::Semaphore::new(slots));
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            if *stop.borrow() {
                break;
            }
            // Wait for at least one free slot, then claim as many rows as there are free slots.
            let first = tokio::select! {
                p = permits.clone().acquire_owned() => p,
                _ = stop.changed() => continue,
            };
            let Ok(first) = first else { break };
            let free = u32::try_from(permits.available_permits() + 1).unwrap_or(1);
            let claimed = self.claim(free).await;
            if claimed.is_empty() {
                drop(first);
                tokio::select! {
                    () = tokio::time::sleep(idle) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
            let mut first = Some(first);
            for d in claimed {
                let permit = match first.take() {
                    Some(p) => p,
                    None => match permits.clone().acquire_owned().await {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                };
                let worker = self.clone();
                tasks.spawn(async move {
                    worker.deliver(d).await;
                    drop(permit);
                });
            }
            // Reap finished attempts so the set does not grow.
            while tasks.try_join_next().is_some() {}
        }
        while tasks.join_next().await.is_some() {}
        let store = self.store.clone();
        let owner = self.owner.clone();
        if let Ok(Ok(n)) = tokio::task::spawn_blocking(move || store.release_leases(&owner)).await
            && n > 0
        {
            tracing::info!(released = n, "delivery: leases released");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let c = DeliveryConfig {
            backoff_ms: 1000,
            backoff_max_ms: 10_000,
            ..DeliveryConfig::default()
        };
        for (attempts, mid) in [
            (1, 1000),
            (2, 2000),
            (3, 4000),
            (4, 8000),
            (5, 10_000),
            (40, 10_000),
        ] {
            assert_eq!(c.backoff(attempts, 0.5), mid, "attempt {attempts}");
            assert_eq!(c.backoff(attempts, 0.0), mid * 8 / 10);
            assert_eq!(c.backoff(attempts, 1.0), mid * 12 / 10);
        }
    }

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The Standard Webhooks reference test vector.
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let sig = signature(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
