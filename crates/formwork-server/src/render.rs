//! The minijinja environment: page layouts and govuk-frontend macro ports from `web/templates/`,
//! component templates from `components/<name>/template.html`, and the cache of rendered pages.
//! No HTTP types here.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::path::{Component as PathComponent, Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use formwork_core::Language;
use formwork_core::messages::{MessageArgs, format_message};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::ValueKind;
use minijinja::{AutoEscape, Environment, Error, Output, State, UndefinedBehavior, Value};

/// A template could not be rendered (a template bug or a missing file: infrastructure).
#[derive(Debug, thiserror::Error)]
#[error("template error: {0:#}")]
pub struct RenderError(#[from] minijinja::Error);

/// Renders pages. In dev mode templates are re-read after `reload`.
#[derive(Debug)]
pub struct Renderer {
    env: RwLock<Environment<'static>>,
    cache: PageCache,
}

/// Values that differ on every response (the CSP nonce, the CSRF token) and are therefore left
/// out of the cache: pages are rendered with a random placeholder in their place, and the real
/// value is spliced in.
#[derive(Debug, Clone, Copy)]
pub struct Holes<'a> {
    /// The CSP nonce.
    pub nonce: &'a str,
    /// The CSRF token, on pages with a form.
    pub csrf: Option<&'a str>,
    /// Shared values the context names by id (filled in only when the page is rendered).
    pub shared: &'a [(String, crate::page::Shared)],
}

#[derive(Debug)]
enum Piece {
    Text(String),
    Nonce,
    Csrf,
}

#[derive(Debug)]
struct CachedPage {
    /// The exact context the page was rendered from: a hit must match it byte for byte.
    context: Vec<u8>,
    pieces: Vec<Piece>,
    len: usize,
    at: Instant,
}

/// Rendered pages by their complete context. A page is a pure function of its template and
/// context, so an identical context (the same page, values and errors) is rendered once. The
/// entries are few and short-lived, so a resident's answers do not linger in memory.
#[derive(Debug)]
struct PageCache {
    capacity: usize,
    ttl: Duration,
    hasher: RandomState,
    placeholders: (String, String),
    entries: Mutex<HashMap<u64, Arc<CachedPage>>>,
}

/// How long a cached page is kept.
const PAGE_CACHE_TTL: Duration = Duration::from_secs(300);

impl PageCache {
    fn new(capacity: usize) -> Self {
        let token = |tag: &str| {
            let mut bytes = [0u8; 16];
            crate::session::fill_random(&mut bytes);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("fw{tag}{hex}")
        };
        Self {
            capacity,
            ttl: PAGE_CACHE_TTL,
            hasher: RandomState::new(),
            placeholders: (token("nonce"), token("csrf")),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, key: u64, context: &[u8], now: Instant) -> Option<Arc<CachedPage>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(&key)
            .filter(|e| e.context == context && now.duration_since(e.at) < self.ttl)
            .cloned()
    }

    fn put(&self, key: u64, page: CachedPage) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.capacity {
            let ttl = self.ttl;
            entries.retain(|_, e| page.at.duration_since(e.at) < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, Arc::new(page));
    }

    fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// Splits rendered HTML at the placeholders.
    fn split(&self, html: &str) -> Vec<Piece> {
        let (nonce, csrf) = &self.placeholders;
        let mut pieces = Vec::new();
        let mut rest = html;
        loop {
            let n = rest.find(nonce.as_str());
            let c = rest.find(csrf.as_str());
            let (at, len, piece) = match (n, c) {
                (Some(n), Some(c)) if c < n => (c, csrf.len(), Piece::Csrf),
                (Some(n), _) => (n, nonce.len(), Piece::Nonce),
                (None, Some(c)) => (c, csrf.len(), Piece::Csrf),
                (None, None) => break,
            };
            if at > 0 {
                pieces.push(Piece::Text(rest[..at].to_owned()));
            }
            pieces.push(piece);
            rest = &rest[at + len..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        pieces
    }
}

impl CachedPage {
    fn fill(&self, holes: Holes<'_>) -> String {
        let mut out = String::with_capacity(self.len + 128);
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Nonce => out.push_str(holes.nonce),
                Piece::Csrf => out.push_str(holes.csrf.unwrap_or_default()),
            }
        }
        out
    }
}

/// Rejects names that could leave the template folders.
fn safe_join(root: &Path, name: &str) -> Option<PathBuf> {
    let rel = Path::new(name);
    rel.components()
        .all(|c| matches!(c, PathComponent::Normal(_)))
        .then(|| root.join(rel))
}

/// Pages kept rendered by default.
pub const DEFAULT_PAGE_CACHE: usize = 256;

fn build_env(web_dir: &Path, components_dir: &Path) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_formatter(nunjucks_formatter);
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    let templates = web_dir.join("templates");
    let components = components_dir.to_path_buf();
    env.set_loader(move |name: &str| {
        let path = match name.strip_prefix("components/") {
            Some(rest) => safe_join(&components, rest),
            None => safe_join(&templates, name),
        };
        let Some(path) = path else { return Ok(None) };
        match std::fs::read_to_string(&path) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("cannot read {}: {e}", path.display()),
            )),
        }
    });
    env.add_function(
        "t",
        |key: &str, state: &minijinja::State<'_, '_>| -> String {
            let lang = state
                .lookup("lang")
                .and_then(|l| l.as_str().and_then(Language::from_tag))
                .unwrap_or_default();
            format_message(lang, key, &MessageArgs::default())
        },
    );
    env
}

impl Renderer {
    /// A renderer over `web/templates` and `components/`.
    #[must_use]
    pub fn new(web_dir: &Path, components_dir: &Path) -> Self {
        Self::with_page_cache(web_dir, components_dir, DEFAULT_PAGE_CACHE)
    }

    /// A renderer keeping at most `pages` rendered pages (0 renders every page afresh).
    #[must_use]
    pub fn with_page_cache(web_dir: &Path, components_dir: &Path, pages: usize) -> Self {
        Self {
            env: RwLock::new(build_env(web_dir, components_dir)),
            cache: PageCache::new(pages),
        }
    }

    /// Forgets cached templates and pages so edits show on the next render (dev mode).
    pub fn reload(&self) {
        if let Ok(mut env) = self.env.write() {
            env.clear_templates();
        }
        self.cache.clear();
    }

    /// Renders a page from its context, reusing an earlier rendering of an identical context.
    /// `context` must hold the placeholders from [`Renderer::placeholders`] where the nonce and
    /// CSRF token go; `holes` has their real values.
    ///
    /// # Errors
    /// When the template is missing or fails.
    pub fn render_page(
        &self,
        name: &str,
        context: &serde_json::Map<String, serde_json::Value>,
        holes: Holes<'_>,
    ) -> Result<String, RenderError> {
        let with_shared = || {
            let mut context = context.clone();
            for (key, shared) in holes.shared {
                context.insert(key.clone(), shared.value().clone());
            }
            context
        };
        if self.cache.capacity == 0 {
            let mut context = with_shared();
            for (key, value) in [
                ("nonce", holes.nonce),
                ("csrf", holes.csrf.unwrap_or_default()),
            ] {
                if context.contains_key(key) {
                    context.insert(key.into(), value.into());
                }
            }
            return self.render(name, Value::from(minijinja::value::Serde(&context)));
        }
        let mut bytes = Vec::with_capacity(8 * 1024);
        bytes.extend_from_slice(name.as_bytes());
        bytes.push(0);
        serde_json::to_writer(&mut bytes, context).map_err(|e| {
            minijinja::Error::new(minijinja::ErrorKind::BadSerialization, e.to_string())
        })?;
        let mut hasher = self.cache.hasher.build_hasher();
        hasher.write(&bytes);
        let key = hasher.finish();
        let now = Instant::now();
        if let Some(page) = self.cache.get(key, &bytes, now) {
            return Ok(page.fill(holes));
        }
        let html = self.render(name, Value::from(minijinja::value::Serde(&with_shared())))?;
        let page = CachedPage {
            context: bytes,
            pieces: self.cache.split(&html),
            len: html.len(),
            at: now,
        };
        let out = page.fill(holes);
        self.cache.put(key, page);
        Ok(out)
    }

    /// The placeholders a page context carries instead of the nonce and the CSRF token.
    #[must_use]
    pub fn placeholders(&self) -> (&str, &str) {
        (&self.cache.placeholders.0, &self.cache.placeholders.1)
    }

    /// Renders a template with a context.
    ///
    /// # Errors
    /// When the template is missing or fails.
    pub fn render(&self, name: &str, ctx: Value) -> Result<String, RenderError> {
        let env = self.env.read().map_err(|_| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                "renderer lock poisoned",
            )
        })?;
        let template = env.get_template(name)?;
        Ok(template.render(ctx)?)
    }
}

/// Prints values the way Nunjucks does, which the govuk-frontend macro ports rely on: `none` and
/// undefined as nothing, booleans as `true`/`false`, integral floats without `.0`, and HTML-escaping
/// of `& < > " '` only.
///
/// # Errors
/// When writing fails.
pub fn nunjucks_formatter(
    out: &mut Output<'_>,
    state: &mut State<'_, '_>,
    value: &Value,
) -> Result<(), Error> {
    if value.is_safe() || !matches!(state.auto_escape(), AutoEscape::Html) {
        return minijinja::escape_formatter(out, state, value);
    }
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => Ok(()),
        ValueKind::Bool => Ok(out.write_str(if value.is_true() { "true" } else { "false" })?),
        ValueKind::String => Ok(write_escaped(out, value.as_str().unwrap_or_default())?),
        ValueKind::Number => match f64::try_from(value.clone()) {
            Ok(f) if !value.is_integer() && f.fract() == 0.0 && f.abs() < 1e15 => {
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "checked integral and in range"
                )]
                let whole = f as i64;
                Ok(write!(out, "{whole}")?)
            }
            _ => Ok(write!(out, "{value}")?),
        },
        _ => Ok(write_escaped(out, &value.to_string())?),
    }
}

fn write_escaped(out: &mut Output<'_>, s: &str) -> std::fmt::Result {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&s[last..i])?;
        out.write_str(rep)?;
        last = i + 1;
    }
    out.write_str(&s[last..])
}
