//! `formwork serve`: compile every definition (a broken one stops startup with the same
//! messages as `formwork check`), open the store, and serve on 127.0.0.1.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::catalog::{self, Problems};
use crate::clock::Clock;
use crate::state::{AppState, Branding, Config};
use crate::store::SqliteStore;

/// Options for `serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on (127.0.0.1 by default).
    pub host: std::net::IpAddr,
    /// Port.
    pub port: u16,
    /// Data directory for the embedded store.
    pub data: PathBuf,
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
    let store = SqliteStore::open(&opts.data)?;
    let config = Config {
        forms_dir: opts.forms.clone(),
        components_dir: opts.components.clone(),
        web_dir: opts.web.clone(),
        dev: opts.dev,
        session_ttl_secs: i64::from(opts.session_hours) * 3600,
        secure_cookies: opts.secure_cookies,
        clock: opts.today.map_or(Clock::London, Clock::Fixed),
        branding: opts.branding.clone(),
    };
    Ok(AppState::new(config, catalog, Arc::new(store)))
}

/// Runs the server until Ctrl-C or SIGTERM.
///
/// # Errors
/// When startup fails.
pub async fn serve(opts: ServeOptions) -> Result<(), ServeError> {
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
    // Expired sessions are deleted every ten minutes.
    let purge_store = state.0.store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            let store = purge_store.clone();
            match tokio::task::spawn_blocking(move || {
                store.purge_sessions(crate::clock::unix_now())
            })
            .await
            {
                Ok(Ok(n)) if n > 0 => tracing::info!(sessions = n, "expired sessions deleted"),
                Ok(Err(e)) => tracing::warn!(error = %e, "session purge failed"),
                _ => {}
            }
        }
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
    axum::serve(listener, crate::app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|source| ServeError::Listen { addr, source })
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
