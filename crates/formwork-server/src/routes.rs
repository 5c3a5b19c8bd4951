//! The router: `app(state) -> Router`, testable without a socket. Handlers are thin; the
//! journey logic lives in `journey`.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use formwork_core::Language;

use crate::journey;
use crate::page::{Page, PageBrand, Problem};
use crate::state::AppState;

/// The largest request body accepted (64 KiB).
pub const BODY_LIMIT: usize = 64 * 1024;

/// Builds the application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/accessibility", get(accessibility))
        .route("/privacy", get(privacy))
        .route("/components", get(crate::gallery::index))
        .route("/components/{name}", get(crate::gallery::component))
        .route("/assets/{*path}", get(govuk_asset))
        .route("/static/{hash}/{*path}", get(static_asset))
        .route("/forms/{form}", get(journey::start))
        .route("/forms/{form}/bundle.json", get(journey::bundle))
        .route(
            "/forms/{form}/{page}",
            get(journey::show).post(journey::submit),
        )
        .merge(crate::api::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::limits::limit_posts,
        ))
        .with_state(state)
}

async fn index(State(state): State<AppState>) -> Response {
    let lang = Language::En;
    if let Some(page) = dev_problems_page(&state) {
        return page.render(&state, lang);
    }
    let catalog = state.catalog();
    let forms: Vec<serde_json::Value> = catalog
        .forms
        .values()
        .map(|f| serde_json::json!({ "id": f.id, "title": f.title.get(lang), "description": f.description.as_ref().map(|d| d.get(lang)) }))
        .collect();
    Page::new(
        "pages/index.html",
        "Services",
        PageBrand::new(&state.0.config.branding, None, lang),
    )
    .with("forms", forms)
    .render(&state, lang)
}

/// In dev mode, definition errors are shown in the browser instead of stale pages.
pub(crate) fn dev_problems_page(state: &AppState) -> Option<Page> {
    if !state.0.config.dev {
        return None;
    }
    let problems = state.problems();
    if problems.is_empty() {
        return None;
    }
    let mut page = Page::new("pages/message.html", "Your definitions have problems", PageBrand::new(&state.0.config.branding, None, Language::En))
        .with("paragraphs", ["Fix these and save: the page reloads with your changes. Until then the last good version is not served."])
        .with("problems", problems);
    page.status = StatusCode::INTERNAL_SERVER_ERROR;
    Some(page)
}

async fn readyz(State(state): State<AppState>) -> Response {
    let store = state.0.store.clone();
    match tokio::task::spawn_blocking(move || store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response(),
    }
}

async fn accessibility(State(state): State<AppState>) -> Response {
    let brand = PageBrand::new(&state.0.config.branding, None, Language::En);
    Page::new("pages/message.html", "Accessibility statement", brand)
        .with("paragraphs", [
            "These services are built with Formwork on the GOV.UK Design System and aim to meet WCAG 2.2 level AA.",
            "Every page works without JavaScript. Every page and error state of every example service is checked automatically with axe-core.",
            "If you find a problem, contact the council that runs the service.",
        ])
        .render(&state, Language::En)
}

async fn privacy(State(state): State<AppState>) -> Response {
    let brand = PageBrand::new(&state.0.config.branding, None, Language::En);
    let kept = format!(
        "Your answers are kept on the server while you fill in a form, and deleted after {} without activity.",
        crate::page::hours_text(state.0.config.session_ttl_secs / 3600)
    );
    Page::new("pages/message.html", "Privacy", brand)
        .with("paragraphs", [
            kept.as_str(),
            "When you send a form, your answers are kept for the number of days the service sets (30 by default) and then deleted.",
            "We use one cookie, which is needed to remember your answers as you move through a form. It is deleted when you close your browser.",
        ])
        .render(&state, Language::En)
}

async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    let _ = req;
    Problem::NotFound
        .page(PageBrand::new(&state.0.config.branding, None, Language::En))
        .render(&state, Language::En)
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|e| e.trim().split(';').next() == Some("gzip"))
        })
}

/// Serves an in-memory asset: gzip when accepted, `304 Not Modified` for a matching `If-None-Match`.
pub(crate) fn asset_response(
    asset: &crate::assets::Asset,
    cache: &'static str,
    headers: &HeaderMap,
) -> Response {
    let etag = format!("\"{}\"", asset.hash);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&etag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        return res;
    }
    let gzipped = asset.gzip.as_ref().filter(|_| accepts_gzip(headers));
    let mut res = Response::new(Body::from(gzipped.unwrap_or(&asset.body).clone()));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if gzipped.is_some() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, etag);
    }
    res
}

async fn govuk_asset(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    match state.assets().govuk.get(&path) {
        Some(a) => asset_response(a, "public, max-age=86400", &headers),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn static_asset(
    State(state): State<AppState>,
    Path((hash, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let assets = state.assets();
    match assets.hashed.get(&path) {
        Some(a) if a.hash == hash => {
            asset_response(a, "public, max-age=31536000, immutable", &headers)
        }
        // An old hash (after a deploy) still gets the current file, but briefly cached.
        Some(a) => asset_response(a, "public, max-age=60", &headers),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
