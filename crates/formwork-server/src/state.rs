//! Shared application state: configuration, the compiled catalog, templates, assets and the store.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use formwork_core::CompiledForm;

use crate::assets::Assets;
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::limits::{Limits, LimitsConfig};
use crate::render::Renderer;
use crate::session::SessionCache;
use crate::store::Store;

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `forms/` folder.
    pub forms_dir: PathBuf,
    /// The `components/` folder.
    pub components_dir: PathBuf,
    /// The `web/` folder (templates, static files, npm packages).
    pub web_dir: PathBuf,
    /// Reload definitions and templates on change and show definition errors in the browser.
    pub dev: bool,
    /// How long a session lives without activity, in seconds.
    pub session_ttl_secs: i64,
    /// Mark cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// Where today's date comes from.
    pub clock: Clock,
    /// Deployment-wide branding.
    pub branding: Branding,
    /// Abuse limits.
    pub limits: LimitsConfig,
    /// Rendered pages kept for reuse (0 renders every page afresh).
    pub page_cache: usize,
}

/// Service name, logo and colours; a form's own `branding` overrides these.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Branding {
    /// The organisation, e.g. "Anytown Council".
    pub organisation: Option<String>,
    /// A logo URL.
    pub logo: Option<String>,
    /// The brand colour (`#rrggbb`).
    pub colour: Option<String>,
    /// `council` (default) or `govuk`.
    pub theme: String,
}

impl Config {
    /// Defaults for the repository layout, relative to the working directory.
    #[must_use]
    pub fn for_repo(root: &std::path::Path) -> Self {
        Self {
            forms_dir: root.join("forms"),
            components_dir: root.join("components"),
            web_dir: root.join("web"),
            dev: false,
            session_ttl_secs: 20 * 60 * 60,
            secure_cookies: false,
            clock: Clock::London,
            branding: Branding {
                theme: "council".into(),
                ..Branding::default()
            },
            limits: LimitsConfig::default(),
            page_cache: crate::render::DEFAULT_PAGE_CACHE,
        }
    }
}

/// Sessions kept in memory at most (about 2 KiB each for a typical journey).
const SESSION_CACHE_CAPACITY: usize = 20_000;

/// Everything handlers share; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState(pub Arc<Inner>);

/// The shared parts.
#[derive(Debug)]
pub struct Inner {
    /// Configuration.
    pub config: Config,
    /// The compiled definitions (replaced on reload in dev mode).
    pub catalog: RwLock<Arc<Catalog>>,
    /// Definition problems found by the last reload (dev mode shows them).
    pub problems: RwLock<Vec<String>>,
    /// Templates.
    pub renderer: Renderer,
    /// Static files.
    pub assets: RwLock<Arc<Assets>>,
    /// Sessions and submissions.
    pub store: Arc<dyn Store>,
    /// Sessions in memory, when only this process writes the store (SQLite).
    pub session_cache: Option<SessionCache>,
    /// Rate limits and session caps.
    pub limits: Limits,
}

impl AppState {
    /// Builds state from a loaded catalog.
    #[must_use]
    pub fn new(config: Config, catalog: Catalog, store: Arc<dyn Store>) -> Self {
        let renderer =
            Renderer::with_page_cache(&config.web_dir, &config.components_dir, config.page_cache);
        let assets = Assets::load(&config.web_dir);
        // Another process may change a shared database's sessions, so only SQLite's are cached.
        let session_cache =
            (store.backend() == "sqlite").then(|| SessionCache::new(SESSION_CACHE_CAPACITY));
        let limits = Limits::new(config.limits.clone());
        Self(Arc::new(Inner {
            session_cache,
            limits,
            catalog: RwLock::new(Arc::new(catalog)),
            problems: RwLock::new(Vec::new()),
            renderer,
            assets: RwLock::new(Arc::new(assets)),
            store,
            config,
        }))
    }

    /// The current catalog.
    #[must_use]
    pub fn catalog(&self) -> Arc<Catalog> {
        self.0
            .catalog
            .read()
            .map(|c| Arc::clone(&c))
            .unwrap_or_else(|p| Arc::clone(&p.into_inner()))
    }

    /// A compiled form by id.
    #[must_use]
    pub fn form(&self, id: &str) -> Option<Arc<CompiledForm>> {
        self.catalog().forms.get(id).cloned()
    }

    /// The current assets.
    #[must_use]
    pub fn assets(&self) -> Arc<Assets> {
        self.0
            .assets
            .read()
            .map(|a| Arc::clone(&a))
            .unwrap_or_else(|p| Arc::clone(&p.into_inner()))
    }

    /// Definition problems from the last dev-mode reload.
    #[must_use]
    pub fn problems(&self) -> Vec<String> {
        self.0
            .problems
            .read()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    /// Reloads definitions, templates and assets (dev mode). On failure the old forms stay and
    /// the problems are shown in the browser.
    pub fn reload(&self) {
        let cfg = &self.0.config;
        match crate::catalog::load(&cfg.forms_dir, &cfg.components_dir) {
            Ok(catalog) => {
                if let Ok(mut c) = self.0.catalog.write() {
                    *c = Arc::new(catalog);
                }
                if let Ok(mut p) = self.0.problems.write() {
                    p.clear();
                }
                tracing::info!("definitions reloaded");
            }
            Err(problems) => {
                tracing::warn!(
                    "definitions have {} problem(s); serving the last good version",
                    problems.0.len()
                );
                if let Ok(mut p) = self.0.problems.write() {
                    *p = problems.0.iter().map(ToString::to_string).collect();
                }
            }
        }
        self.0.renderer.reload();
        if let Ok(mut a) = self.0.assets.write() {
            *a = Arc::new(Assets::load(&cfg.web_dir));
        }
    }
}
