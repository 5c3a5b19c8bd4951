//! Abuse limits: a per-client budget of POSTs (a 429 page when it is spent), the cap on how many
//! sessions are stored, and the cap on one session's size.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::page::{PageBrand, Problem};
use crate::state::AppState;

/// How many clients the rate limiter tracks before it forgets the idle ones.
const MAX_TRACKED_CLIENTS: usize = 100_000;

/// The limits a deployment sets (`formwork serve` flags).
#[derive(Debug, Clone)]
pub struct LimitsConfig {
    /// POSTs one client may send per minute (also the burst); 0 turns the limit off.
    pub posts_per_minute: u32,
    /// Sessions stored at once; new residents see a "busy" page beyond it. 0 means no cap.
    pub max_sessions: u64,
    /// The largest stored session, in bytes of JSON.
    pub max_session_bytes: usize,
    /// Take the client's address from this header's last entry (set by a trusted proxy), not
    /// from the connection.
    pub client_ip_header: Option<HeaderName>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            posts_per_minute: 120,
            max_sessions: 100_000,
            max_session_bytes: 256 * 1024,
            client_ip_header: None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A token bucket per client: `per_minute` tokens, refilled continuously.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` requests per client per minute (and bursts of as many).
    #[must_use]
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `client`; when none is left, the seconds until one is.
    ///
    /// # Errors
    /// The number of seconds to wait, when the budget is spent.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let rate = self.per_minute / 60.0;
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_TRACKED_CLIENTS && !buckets.contains_key(&client) {
            // Forget clients whose budget has refilled: they would start full anyway.
            let full_after = self.per_minute / rate;
            buckets.retain(|_, b| now.duration_since(b.at).as_secs_f64() < full_after);
            if buckets.len() >= MAX_TRACKED_CLIENTS {
                // More active clients than we track: fail open rather than grow without bound.
                tracing::warn!("rate limiter: too many active clients; forgetting them all");
                buckets.clear();
            }
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.per_minute,
            at: now,
        });
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(self.per_minute);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a small positive number of seconds"
            )]
            let wait = ((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64;
            Err(wait)
        }
    }
}

/// Live-session accounting for the cap: the store's count at the last purge plus the sessions
/// stored since (an over-estimate between purges, which errs on the side of the cap).
#[derive(Debug, Default)]
pub struct SessionCount(AtomicU64);

impl SessionCount {
    /// Sets the count from the store.
    pub fn set(&self, n: u64) {
        self.0.store(n, Ordering::Relaxed);
    }

    /// Counts one newly stored session.
    pub fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// The current estimate.
    #[must_use]
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The runtime side of the limits.
#[derive(Debug)]
pub struct Limits {
    /// The settings.
    pub config: LimitsConfig,
    /// The POST limiter, when on.
    pub posts: Option<RateLimiter>,
    /// Stored sessions.
    pub sessions: SessionCount,
}

impl Limits {
    /// Limits from settings.
    #[must_use]
    pub fn new(config: LimitsConfig) -> Self {
        Self {
            posts: (config.posts_per_minute > 0).then(|| RateLimiter::new(config.posts_per_minute)),
            sessions: SessionCount::default(),
            config,
        }
    }

    /// Whether another session may be stored.
    #[must_use]
    pub fn session_room(&self) -> bool {
        self.config.max_sessions == 0 || self.sessions.get() < self.config.max_sessions
    }
}

/// The client's address: the last entry of the configured proxy header, else the peer.
/// IPv6 clients are grouped by /64, the block one household or device usually gets.
#[must_use]
pub fn client_addr(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    proxy_header: Option<&HeaderName>,
) -> Option<IpAddr> {
    // Only the last entry was written by our proxy; anything before it came from the client.
    let from_proxy = proxy_header.and_then(|name| {
        let last_header = headers.get_all(name).iter().next_back()?.to_str().ok()?;
        last_header
            .rsplit(',')
            .next()?
            .trim()
            .parse::<IpAddr>()
            .ok()
    });
    let ip = from_proxy.or_else(|| peer.map(|p| p.ip()))?;
    Some(match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut seg = v6.segments();
                seg[4..].fill(0);
                IpAddr::V6(seg.into())
            }
        },
        v4 @ IpAddr::V4(_) => v4,
    })
}

/// Middleware: every POST spends one of its client's tokens; a spent budget gets the GOV.UK
/// "too many requests" page with `Retry-After`.
pub async fn limit_posts(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limits = &state.0.limits;
    if request.method() == Method::POST
        && let Some(limiter) = &limits.posts
    {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        let client = client_addr(
            request.headers(),
            peer,
            limits.config.client_ip_header.as_ref(),
        );
        // Without an address (tests without a socket) every request counts as one client.
        let client = client.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        if let Err(wait) = limiter.check(client, Instant::now()) {
            tracing::warn!(client = %client, wait, "POST rate limit reached");
            let mut response = Problem::TooManyRequests { retry_after: wait }
                .page(PageBrand::new(
                    &state.0.config.branding,
                    None,
                    formwork_core::Language::En,
                ))
                .render(&state, formwork_core::Language::En);
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return response;
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_burst_then_refills() {
        let limiter = RateLimiter::new(60);
        let ip = IpAddr::from([192, 0, 2, 1]);
        let t0 = Instant::now();
        for _ in 0..60 {
            assert_eq!(limiter.check(ip, t0), Ok(()));
        }
        assert_eq!(limiter.check(ip, t0), Err(1));
        assert_eq!(
            limiter.check(IpAddr::from([192, 0, 2, 2]), t0),
            Ok(()),
            "another client has its own budget"
        );
        assert_eq!(limiter.check(ip, t0 + Duration::from_millis(1100)), Ok(()));
    }

    #[test]
    fn clients_come_from_the_proxy_header_only_when_configured() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 198.51.100.7"),
        );
        let peer = Some(SocketAddr::from(([127, 0, 0, 1], 5000)));
        assert_eq!(
            client_addr(&headers, peer, None),
            Some(IpAddr::from([127, 0, 0, 1]))
        );
        let name = HeaderName::from_static("x-forwarded-for");
        assert_eq!(
            client_addr(&headers, peer, Some(&name)),
            Some(IpAddr::from([198, 51, 100, 7]))
        );
        let v6 = SocketAddr::new(
            "2001:db8:1:2:3:4:5:6"
                .parse()
                .unwrap_or(IpAddr::from([0; 4])),
            1,
        );
        assert_eq!(
            client_addr(&HeaderMap::new(), Some(v6), None),
            Some("2001:db8:1:2::".parse().unwrap_or(IpAddr::from([0; 4])))
        );
    }
}
