//! Building HTML responses: the layout context every page shares (branding, assets, nonce),
//! and the security headers that go with it. Errors become pages here and only here.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use formwork_core::{CompiledForm, Language};
use serde::Serialize;

use crate::render::Holes;
use crate::session::random_token;
use crate::state::{AppState, Branding};

/// Branding for one page: the deployment's, overridden by the form's.
#[derive(Debug, Clone, Serialize)]
pub struct PageBrand {
    service_name: String,
    service_url: String,
    organisation: Option<String>,
    logo: Option<String>,
    colour: Option<String>,
    theme: String,
    home_url: String,
}

fn valid_colour(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

impl PageBrand {
    /// Branding for a form's pages, or for the site when `form` is `None`.
    #[must_use]
    pub fn new(deployment: &Branding, form: Option<&CompiledForm>, lang: Language) -> Self {
        let own = form
            .and_then(|f| f.definition.branding.clone())
            .unwrap_or_default();
        let colour = own
            .colour
            .or_else(|| deployment.colour.clone())
            .filter(|c| valid_colour(c));
        let theme = own.theme.unwrap_or_else(|| deployment.theme.clone());
        Self {
            service_name: form
                .map_or_else(|| "Services".to_owned(), |f| f.title.get(lang).to_owned()),
            service_url: form.map_or_else(|| "/".to_owned(), |f| format!("/forms/{}", f.id)),
            organisation: own.organisation.or_else(|| deployment.organisation.clone()),
            logo: own.logo.or_else(|| deployment.logo.clone()),
            colour,
            theme: if theme == "govuk" {
                theme
            } else {
                "council".into()
            },
            home_url: "/".into(),
        }
    }
}

/// A large context value built once (e.g. a page's component views) and shared by every
/// render; the page cache tells it apart by `id` instead of reading it each time.
#[derive(Debug, Clone)]
pub struct Shared {
    id: String,
    value: std::sync::Arc<serde_json::Value>,
}

impl Shared {
    /// A value with an id that changes whenever the value does (e.g. it names a form version).
    #[must_use]
    pub fn new(id: String, value: serde_json::Value) -> Self {
        Self {
            id,
            value: std::sync::Arc::new(value),
        }
    }

    /// The value.
    #[must_use]
    pub fn value(&self) -> &serde_json::Value {
        &self.value
    }
}

/// A page to render: template, status and context.
#[derive(Debug)]
pub struct Page {
    /// The template, e.g. `pages/question.html`.
    pub template: &'static str,
    /// The HTTP status.
    pub status: StatusCode,
    /// The page title (without the service name).
    pub title: String,
    /// Whether the page shows validation errors ("Error: " title prefix).
    pub has_errors: bool,
    /// Branding.
    pub brand: PageBrand,
    /// The back link, if any.
    pub back_link: Option<String>,
    /// Template-specific context.
    pub context: serde_json::Map<String, serde_json::Value>,
    /// A `Set-Cookie` header to send.
    pub set_cookie: Option<String>,
    /// Shared context values, by key.
    pub shared: Vec<(String, Shared)>,
}

impl Page {
    /// A page with the default status and no extras.
    #[must_use]
    pub fn new(template: &'static str, title: impl Into<String>, brand: PageBrand) -> Self {
        Self {
            template,
            status: StatusCode::OK,
            title: title.into(),
            has_errors: false,
            brand,
            back_link: None,
            context: serde_json::Map::new(),
            set_cookie: None,
            shared: Vec::new(),
        }
    }

    /// Adds a shared context value.
    #[must_use]
    pub fn with_shared(mut self, key: &str, value: &Shared) -> Self {
        self.context
            .insert(key.to_owned(), format!("shared:{}", value.id).into());
        self.shared.push((key.to_owned(), value.clone()));
        self
    }

    /// Adds a context value.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        self.context.insert(
            key.to_owned(),
            serde_json::to_value(value).unwrap_or_default(),
        );
        self
    }

    /// Renders the page with security headers; a template failure becomes a plain 500.
    #[must_use]
    pub fn render(self, state: &AppState, lang: Language) -> Response {
        let nonce = random_token(18);
        let assets = state.assets();
        let asset_urls = assets.layout_urls[usize::from(self.brand.theme == "govuk")].clone();
        let mut ctx = self.context;
        ctx.insert("lang".into(), lang.tag().into());
        ctx.insert("page_title".into(), self.title.clone().into());
        ctx.insert("has_errors".into(), self.has_errors.into());
        ctx.insert(
            "brand".into(),
            serde_json::to_value(&self.brand).unwrap_or_default(),
        );
        ctx.insert("back_link".into(), self.back_link.clone().into());
        ctx.insert("assets".into(), asset_urls);
        // The nonce and CSRF token differ on every response: the page is rendered (or found in
        // the page cache) with placeholders, and they are spliced in.
        let renderer = &state.0.renderer;
        let (nonce_hole, csrf_hole) = renderer.placeholders();
        ctx.insert("nonce".into(), nonce_hole.into());
        let csrf = match ctx.get_mut("csrf") {
            Some(v) if v.is_string() => match std::mem::replace(v, csrf_hole.into()) {
                serde_json::Value::String(s) => Some(s),
                _ => None,
            },
            _ => None,
        };
        let holes = Holes {
            nonce: &nonce,
            csrf: csrf.as_deref(),
            shared: &self.shared,
        };
        let body = match renderer.render_page(self.template, &ctx, holes) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(template = self.template, error = %e, "render failed");
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    security_headers(&nonce),
                    "Sorry, there is a problem with the service. Try again later.",
                )
                    .into_response();
            }
        };
        let mut headers = security_headers(&nonce);
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        if let Some(cookie) = self.set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::SET_COOKIE, cookie);
        }
        (self.status, headers, body).into_response()
    }
}

/// Headers for every HTML page: a nonce-based CSP that allows WebAssembly (not `eval`), no framing,
/// no sniffing, no referrer leakage and no caching of pages that may show answers.
#[must_use]
pub fn security_headers(nonce: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'nonce-{nonce}'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h
}

/// A 303 redirect (POST-redirect-GET) that is never cached.
#[must_use]
pub fn see_other(location: &str, set_cookie: Option<String>) -> Response {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    (StatusCode::SEE_OTHER, headers).into_response()
}

/// The message pages a resident can meet, each with its status and wording.
#[derive(Debug)]
pub enum Problem {
    /// No such service or page.
    NotFound,
    /// A POST without a valid CSRF token.
    Forbidden,
    /// A body over the limit.
    TooLarge,
    /// The session expired or never existed; answers are gone.
    SessionExpired {
        /// The form to start again.
        form: Option<String>,
        /// How long a session lives without activity, in hours (the deployment's setting).
        hours: i64,
    },
    /// The form changed since the journey started.
    FormChanged {
        /// The form to start again.
        form: String,
    },
    /// This client sent too many POSTs too quickly.
    TooManyRequests {
        /// Seconds until the next POST is allowed.
        retry_after: u64,
    },
    /// The session cap is reached: new residents are asked to come back later.
    Busy,
    /// Saving this page would make the session larger than the cap.
    SessionTooLarge,
    /// Infrastructure failure; the message says whether answers were saved.
    Unavailable {
        /// Whether the resident's answers are kept.
        answers_kept: bool,
    },
}

/// "1 second", "30 seconds", "2 minutes".
#[must_use]
pub fn wait_text(secs: u64) -> String {
    match secs {
        1 => "1 second".to_owned(),
        s if s < 120 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

/// "1 hour", "20 hours".
#[must_use]
pub fn hours_text(hours: i64) -> String {
    if hours == 1 {
        "1 hour".to_owned()
    } else {
        format!("{hours} hours")
    }
}

impl Problem {
    /// The page for this problem.
    #[must_use]
    pub fn page(&self, brand: PageBrand) -> Page {
        let (status, title, paragraphs, link): (StatusCode, &str, Vec<String>, Option<(String, String)>) = match self {
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                vec!["If you typed the web address, check it is correct.".into(), "If you pasted the web address, check you copied the entire address.".into()],
                Some(("Go to the list of services".into(), "/".into())),
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "Sorry, there is a problem with the service",
                vec![
                    "We could not check that this request came from this service, so we have not saved it.".into(),
                    "This can happen if the page was open for a long time or your browser blocks cookies. Go back, refresh the page and try again.".into(),
                ],
                None,
            ),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Your answer is too long",
                vec!["What you sent is too large for this service. Go back and shorten your answers.".into(), "We have not saved this page.".into()],
                None,
            ),
            Self::SessionExpired { form, hours } => (
                StatusCode::OK,
                "Your answers have been deleted",
                vec![format!(
                    "You have not done anything for {}, so we deleted your answers to keep your information secure.",
                    hours_text(*hours)
                )],
                Some(("Start again".into(), form.as_ref().map_or_else(|| "/".into(), |f| format!("/forms/{f}")))),
            ),
            Self::FormChanged { form } => (
                StatusCode::OK,
                "This form has changed",
                vec!["The questions in this form changed since you started, so we could not keep your answers. You need to start again.".into()],
                Some(("Start again".into(), format!("/forms/{form}"))),
            ),
            Self::TooManyRequests { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                "Sorry, you have sent too many answers in a short time",
                vec![
                    "We have not saved this page. Your earlier answers are saved.".into(),
                    format!("Wait {}, then go back and try again.", wait_text(*retry_after)),
                ],
                None,
            ),
            Self::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, the service is busy",
                vec![
                    "Too many people are using this service right now, so we could not save your answer.".into(),
                    "Try again in a few minutes.".into(),
                ],
                None,
            ),
            Self::SessionTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Your answers are too long",
                vec![
                    "Together, your answers are too long for this service to keep. Go back and shorten your longest answers.".into(),
                    "We have not saved this page. Your earlier answers are saved.".into(),
                ],
                None,
            ),
            Self::Unavailable { answers_kept } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, the service is unavailable",
                vec![
                    if *answers_kept {
                        "Your answers have been saved. Try again later.".into()
                    } else {
                        "We could not save your answers. Try again later.".into()
                    },
                ],
                None,
            ),
        };
        let mut page = Page::new("pages/message.html", title, brand).with("paragraphs", paragraphs);
        if let Some((text, href)) = link {
            page = page.with("link", serde_json::json!({ "text": text, "href": href }));
        }
        page.status = status;
        page
    }
}
