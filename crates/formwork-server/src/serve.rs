//! `formwork serve`: compile every definition (a broken one stops startup with the same
//! messages as `formwork check`), open the store, and serve on 127.0.0.1.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::catalog::{self, Problems};
use crate::clock::Clock;
use crate::state::{AppState, Branding, Config};

/// Options for `serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on (127.0.0.1 by default).
    pub host: std::net::IpAddr,
    /// Port.
    pub port: u16,
    /// Data directory for the embedded store.
    pub data: PathBuf,
    /// A `postgres://` URL: use PostgreSQL instead of SQLite in `data`.
    pub database: Option<String>,
    /// Forms folder.
    pub forms: PathBuf,
    /// Components folder.
    pub components: PathBuf,
    /// Web folder.
    pub web: PathBuf,
    /// Dev mode.
    pub dev: bool,
    /// Session lifetime in hours.
    pub session_hours: u32,
    /// Secure cookies (HTTPS).
    pub secure_cookies: bool,
    /// Fixed today (FORMWORK_TODAY).
    pub today: Option<time::Date>,
    /// Deployment branding.
    pub branding: Branding,
    /// Webhook delivery settings; `None` runs no delivery worker in this instance.
    pub delivery: Option<crate::delivery::DeliveryConfig>,
    /// Abuse limits.
    pub limits: crate::limits::LimitsConfig,
    /// Rendered pages kept for reuse (0 renders every page afresh).
    pub page_cache: usize,
}

/// Why serving could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Definitions have problems.
    #[error("{0}")]
    Definitions(Problems),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Another `formwork serve` is using this SQLite data folder.
    #[error(
        "{0} is in use by another `formwork serve`: one server per SQLite data folder (use --database postgres://… for several)"
    )]
    DataInUse(String),
    /// The data folder's lock file could not be made.
    #[error("cannot lock the data folder {path}: {source}")]
    Lock {
        /// The lock file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The socket could not be bound or served.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Builds the state for `serve` (also used by tests that need a real store).
///
/// # Errors
/// Definition problems or a store that cannot be opened.
pub fn build_state(opts: &ServeOptions) -> Result<AppState, ServeError> {
    let catalog = catalog::load(&opts.forms, &opts.components).map_err(ServeError::Definitions)?;
    let store = crate::store::open(&opts.data, opts.database.as_deref())?;
    let config = Config {
        forms_dir: opts.forms.clone(),
        components_dir: opts.components.clone(),
        web_dir: opts.web.clone(),
        dev: opts.dev,
        session_ttl_secs: i64::from(opts.session_hours) * 3600,
        secure_cookies: opts.secure_cookies,
        clock: opts.today.map_or(Clock::London, Clock::Fixed),
        branding: opts.branding.clone(),
        limits: opts.limits.clone(),
        page_cache: opts.page_cache,
    };
    Ok(AppState::new(config, catalog, store))
}

/// Runs the server until Ctrl-C or SIGTERM.
///
/// # Errors
/// When startup fails.
pub async fn serve(opts: ServeOptions) -> Result<(), ServeError> {
    let _lock = match opts.database {
        Some(_) => None,
        None => Some(lock_data_dir(&opts.data)?),
    };
    let state = build_state(&opts)?;
    for warning in &state.assets().warnings {
        tracing::warn!("{warning}");
    }
    let _watcher = if opts.dev {
        let dirs = vec![
            opts.forms.clone(),
            opts.components.clone(),
            opts.web.join("templates"),
            opts.web.join("static"),
        ];
        match crate::dev::watch(state.clone(), dirs) {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!(error = %e, "dev mode: cannot watch files; restart to see changes");
                None
            }
        }
    } else {
        None
    };
    spawn_purge_jobs(&state);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = opts.delivery.clone().map(|config| {
        let worker = crate::delivery::Worker::new(state.0.store.clone(), config);
        tracing::info!(owner = worker.owner(), "delivery worker started");
        tokio::spawn(worker.run(stop_rx))
    });
    let addr = SocketAddr::new(opts.host, opts.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Listen { addr, source })?;
    let forms = state.catalog().forms.len();
    tracing::info!(
        "serving {forms} form(s) on http://{addr}/ (today is {})",
        state.0.config.clock.today()
    );
    tracing::info!(store = state.0.store.backend(), "store open");
    let served = axum::serve(
        listener,
        crate::app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|source| ServeError::Listen { addr, source });
    // Stop the worker and let it release its leases so another instance can take over.
    let _ = stop_tx.send(true);
    if let Some(w) = worker {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(15), w).await;
    }
    served
}

/// Takes the SQLite data folder for this process: sessions are cached in memory, which is only
/// right while no other server writes them. The lock goes when the process does (even on kill -9).
fn lock_data_dir(dir: &std::path::Path) -> Result<std::fs::File, ServeError> {
    let path = dir.join("serve.lock");
    let fail = |source| ServeError::Lock {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(fail)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(ServeError::DataInUse(dir.display().to_string()))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(fail(e)),
    }
}

/// Every minute: count live sessions for the session cap and forget expired cached ones. Every
/// tenth minute, first: delete expired sessions and submissions past their form's retention.
fn spawn_purge_jobs(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        for minute in 0u64.. {
            tick.tick().await;
            let store = state.0.store.clone();
            let catalog = state.catalog();
            let purge = minute % 10 == 0;
            let result = tokio::task::spawn_blocking(move || {
                let now = crate::clock::unix_now();
                let deleted = if purge {
                    let sessions = store.purge_sessions(now)?;
                    (
                        sessions,
                        crate::retention::purge(store.as_ref(), &catalog, now)?,
                    )
                } else {
                    (0, 0)
                };
                Ok::<_, crate::store::StoreError>((deleted, store.count_sessions(now)?, now))
            })
            .await;
            match result {
                Ok(Ok(((sessions, submissions), live, now))) => {
                    state.0.limits.sessions.set(live);
                    if let Some(cache) = &state.0.session_cache {
                        cache.purge(now);
                    }
                    if sessions + submissions > 0 {
                        tracing::info!(
                            event = "deleted",
                            sessions,
                            submissions,
                            "expired sessions and submissions deleted"
                        );
                    }
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "housekeeping failed"),
                Err(_) => {}
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
