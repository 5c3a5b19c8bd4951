//! The test harness: application state over the repository's definitions and a temporary data
//! directory, a `TestClient` that keeps the session cookie and CSRF token like a browser, and
//! small HTML helpers.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use formwork_server::AppState;
use formwork_server::serve::{ServeOptions, build_state};
use formwork_server::state::Branding;
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

/// The date every test runs on: 28 February 2026, in a year with no 29 February, so someone
/// born on 29 February 2008 turns 18 tomorrow (1 March).
pub fn today() -> time::Date {
    time::macros::date!(2026 - 02 - 28)
}

/// The repository root.
pub fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// `serve` options over a forms folder and a data folder, with the repository's components and web files.
pub fn options(forms: &Path, data: &Path) -> ServeOptions {
    ServeOptions {
        host: std::net::IpAddr::from([127, 0, 0, 1]),
        port: 0,
        data: data.to_path_buf(),
        database: None,
        forms: forms.to_path_buf(),
        components: root().join("components"),
        web: root().join("web"),
        dev: false,
        session_hours: 20,
        secure_cookies: false,
        today: Some(today()),
        branding: Branding {
            theme: "council".into(),
            ..Branding::default()
        },
        delivery: None,
        limits: formwork_server::limits::LimitsConfig::default(),
        page_cache: formwork_server::render::DEFAULT_PAGE_CACHE,
    }
}

/// Application state with its own temporary data directory.
pub struct TestEnv {
    /// Kept so the directory lives as long as the state.
    pub dir: tempfile::TempDir,
    /// The state.
    pub state: AppState,
}

impl TestEnv {
    /// State over the repository's `forms/`.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let state = build_state(&options(&root().join("forms"), dir.path())).expect("state builds");
        Self { dir, state }
    }

    /// State over a forms folder, on SQLite in a temporary folder or on the PostgreSQL `database`.
    pub fn with(forms: &Path, database: Option<&str>) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut opts = options(forms, dir.path());
        opts.database = database.map(str::to_owned);
        let state = build_state(&opts).expect("state builds");
        Self { dir, state }
    }

    /// Runs a store call off the async thread (PostgreSQL's client needs that).
    pub async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn formwork_server::store::Store) -> T + Send + 'static,
    ) -> T {
        let store = self.state.0.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .expect("store call")
    }

    /// The data directory.
    pub fn data(&self) -> &Path {
        self.dir.path()
    }

    /// A client with no cookie yet.
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.state)
    }

    /// How many submissions are stored, counted straight from the SQLite file.
    pub fn submission_count(&self) -> i64 {
        count_submissions(self.data())
    }
}

/// Counts rows in `submissions.sqlite3` in a data directory.
pub fn count_submissions(data: &Path) -> i64 {
    let conn =
        rusqlite::Connection::open(data.join("submissions.sqlite3")).expect("open submissions");
    conn.query_row("SELECT COUNT(*) FROM submissions", [], |r| r.get(0))
        .expect("count submissions")
}

/// A response, read whole.
#[derive(Debug)]
pub struct Res {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as text.
    pub body: String,
}

impl Res {
    /// A header's value as text, or `""`.
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The `Location` of a redirect.
    pub fn location(&self) -> &str {
        self.header(header::LOCATION)
    }

    /// Asserts a 303 See Other to `to`.
    #[track_caller]
    pub fn assert_redirect(&self, to: &str) {
        assert_eq!(
            (self.status, self.location()),
            (StatusCode::SEE_OTHER, to),
            "expected a redirect to {to}; body:\n{}",
            self.body
        );
    }

    /// Asserts a 200 page.
    #[track_caller]
    pub fn assert_ok(&self) {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "expected 200 (location {:?}); body:\n{}",
            self.location(),
            self.body
        );
    }

    /// The text of `<title>`, whitespace collapsed.
    pub fn title(&self) -> String {
        collapse(between(&self.body, "<title>", "</title>").unwrap_or_default())
    }

    /// The text of the page's `<h1>`, tags removed and whitespace collapsed.
    pub fn h1(&self) -> String {
        let Some(start) = self.body.find("<h1") else {
            return String::new();
        };
        let rest = &self.body[start..];
        let inner = rest
            .find('>')
            .and_then(|s| rest[s + 1..].find("</h1>").map(|e| &rest[s + 1..s + 1 + e]))
            .unwrap_or_default();
        collapse(&strip_tags(inner))
    }

    /// The `<main>` element, for snapshots that should not depend on the layout around it.
    pub fn main(&self) -> &str {
        let start = self.body.find("<main").expect("a <main> element");
        let end = self.body.find("</main>").expect("a </main> tag") + "</main>".len();
        &self.body[start..end]
    }

    /// The CSP nonce, from the header.
    pub fn nonce(&self) -> String {
        let csp = self.header(header::CONTENT_SECURITY_POLICY);
        let start = csp.find("'nonce-").expect("a nonce in the CSP") + "'nonce-".len();
        let end = csp[start..].find('\'').expect("closing quote") + start;
        csp[start..end].to_owned()
    }

    /// The `value` of the input named `name`, if the page has one with a value.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let tag = input_tag(&self.body, name)?;
        attribute(tag, "value").map(|v| unescape(&v))
    }

    /// Whether the radio or checkbox `name` = `value` is checked.
    pub fn is_checked(&self, name: &str, value: &str) -> bool {
        let needle = format!("name=\"{name}\" type=");
        self.body.match_indices(&needle).any(|(i, _)| {
            let start = self.body[..i].rfind("<input").unwrap_or(i);
            let end = self.body[i..].find('>').map_or(self.body.len(), |e| i + e);
            let tag = &self.body[start..end];
            attribute(tag, "value").as_deref() == Some(value) && tag.contains(" checked")
        })
    }

    /// The error summary's links as (href, text), in order.
    pub fn error_summary(&self) -> Vec<(String, String)> {
        let Some(start) = self.body.find("govuk-error-summary__list") else {
            return Vec::new();
        };
        let list = &self.body[start..];
        let list = &list[..list.find("</ul>").unwrap_or(list.len())];
        list.split("<a ")
            .skip(1)
            .map(|a| {
                let href = attribute(&format!(" {a}"), "href").unwrap_or_default();
                let text = between(a, ">", "</a>").unwrap_or_default();
                (href, unescape(&collapse(text)))
            })
            .collect()
    }

    /// The inline error messages, without the visually hidden "Error:".
    pub fn inline_errors(&self) -> Vec<String> {
        self.body
            .split("class=\"govuk-error-message\"")
            .skip(1)
            .map(|p| {
                let text = between(p, ">", "</p>").unwrap_or_default();
                let text = unescape(&collapse(&strip_tags(text)));
                text.strip_prefix("Error: ").unwrap_or(&text).to_owned()
            })
            .collect()
    }

    /// The change links on check answers, in order, without repeats.
    pub fn change_links(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (i, _) in self.body.match_indices("?change=1\"") {
            let start = self.body[..i].rfind("href=\"").expect("an href") + "href=\"".len();
            let link = format!("{}?change=1", &self.body[start..i]);
            if !out.contains(&link) {
                out.push(link);
            }
        }
        out
    }

    /// The back link's target.
    pub fn back_link(&self) -> Option<String> {
        let i = self.body.find("class=\"govuk-back-link\"")?;
        let start = self.body[..i].rfind("<a")?;
        attribute(&self.body[start..i], "href")
    }

    /// Whether the page shows `value` as the answer to `name`: a checked radio or checkbox, a
    /// selected option, a textarea's text, or a filled-in input (values may be normalised, e.g.
    /// upper-cased postcodes, so only presence is checked for text inputs).
    pub fn shows_answer(&self, name: &str, value: &str) -> bool {
        if self.is_checked(name, value) {
            return true;
        }
        if let Some(i) = self.body.find("<select class=\"govuk-select") {
            let select = &self.body[i..];
            if select.contains(&format!("name=\"{name}\""))
                && select.contains(&format!("<option value=\"{value}\" selected"))
            {
                return true;
            }
        }
        if self.body.contains(&format!("name=\"{name}\""))
            && self.body.contains(&format!(">{value}</textarea>"))
        {
            return true;
        }
        self.input_value(name).is_some_and(|v| !v.is_empty())
    }

    /// The rows of a summary list as (key, value) text, value lines joined by " / ".
    pub fn summary_rows(&self) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(k) = rest.find("<dt class=\"govuk-summary-list__key\">") {
            rest = &rest[k..];
            let key_html = between(rest, ">", "</dt>").unwrap_or_default();
            let key = collapse(&strip_tags(key_html));
            let v = rest
                .find("<dd class=\"govuk-summary-list__value\">")
                .expect("a value for each key");
            rest = &rest[v..];
            let value_html = between(rest, ">", "</dd>").unwrap_or_default();
            let value = value_html
                .split("<br>")
                .map(|line| collapse(&unescape(&strip_tags(line))))
                .collect::<Vec<_>>()
                .join(" / ");
            rows.push((unescape(&key), value));
        }
        rows
    }
}

/// A browser stand-in: keeps the session cookie and the last CSRF token it saw.
pub struct TestClient {
    app: Router,
    /// The session cookie's value (`formwork_session=...`), once set.
    pub cookie: Option<String>,
    /// The CSRF token from the last page that had one.
    pub csrf: Option<String>,
}

impl TestClient {
    /// A client for an application state.
    pub fn new(state: &AppState) -> Self {
        Self {
            app: formwork_server::app(state.clone()),
            cookie: None,
            csrf: None,
        }
    }

    /// The same browser (cookie and token) talking to another server (e.g. after a restart).
    pub fn with_state(&self, state: &AppState) -> Self {
        Self {
            app: formwork_server::app(state.clone()),
            cookie: self.cookie.clone(),
            csrf: self.csrf.clone(),
        }
    }

    /// The session id from the cookie.
    pub fn session_id(&self) -> String {
        self.cookie
            .as_deref()
            .and_then(|c| c.strip_prefix("formwork_session="))
            .expect("a session cookie")
            .to_owned()
    }

    /// Sends a request as is, then remembers any cookie and CSRF token.
    pub async fn send(&mut self, request: Request<Body>) -> Res {
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("body reads").to_bytes();
        let res = Res {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body"),
        };
        for v in res.headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().expect("ASCII cookie");
            if let Some(pair) = v.split(';').next()
                && pair.starts_with("formwork_session=")
            {
                self.cookie = Some(pair.to_owned());
            }
        }
        if let Some(token) = input_tag(&res.body, "csrf-token").and_then(|t| attribute(t, "value"))
        {
            self.csrf = Some(token);
        }
        res
    }

    fn request(&self, method: Method, path: &str, cookie: bool) -> axum::http::request::Builder {
        let mut b = Request::builder().method(method).uri(path);
        if cookie && let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        b
    }

    /// GET with the session cookie.
    pub async fn get(&mut self, path: &str) -> Res {
        let req = self
            .request(Method::GET, path, true)
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    /// GET with a bearer token (or none), without the session cookie.
    pub async fn api(&mut self, path: &str, token: Option<&str>) -> Res {
        let mut b = Request::builder().method(Method::GET).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    /// POST form fields with the current CSRF token and the session cookie.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Res {
        let csrf = self.csrf.clone().unwrap_or_default();
        let mut all = vec![("csrf-token", csrf.as_str())];
        all.extend_from_slice(fields);
        let body = encode(&all);
        self.post_raw(path, body, true).await
    }

    /// POST an already encoded body, with or without the session cookie.
    pub async fn post_raw(&mut self, path: &str, body: String, cookie: bool) -> Res {
        let req = self
            .request(Method::POST, path, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Follows a 303 with a GET.
    pub async fn follow(&mut self, res: &Res) -> Res {
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "not a redirect: {}",
            res.body
        );
        let to = res.location().to_owned();
        self.get(&to).await
    }
}

/// `application/x-www-form-urlencoded` for name/value pairs.
pub fn encode(fields: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The text between the first `start` and the next `end` after it.
pub fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

/// Whitespace runs become one space; ends trimmed.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Removes tags, keeping text.
pub fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Undoes the HTML escaping the templates apply.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

/// The `<input ...>` tag whose `name` is `name`.
pub fn input_tag<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!("name=\"{name}\"");
    let i = html.find(&needle)?;
    let start = html[..i].rfind('<')?;
    let end = html[i..].find('>')? + i;
    let tag = &html[start..end];
    tag.starts_with("<input").then_some(tag)
}

/// An attribute's raw value in a tag.
pub fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let i = tag.find(&needle)? + needle.len();
    let j = tag[i..].find('"')? + i;
    Some(tag[i..j].to_owned())
}

/// Whether a reference looks like `ABCD-EFGH-JKMN`: 12 characters from the alphabet without
/// look-alikes, in groups of four.
pub fn is_reference(s: &str) -> bool {
    const ALPHABET: &str = "ABCDEFGHJKMNPQRSTVWXYZ23456789";
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 3
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| ALPHABET.contains(c)))
}

/// The reference shown on a confirmation page.
pub fn reference_on(res: &Res) -> String {
    let r = between(&res.body, "<strong>", "</strong>")
        .map(collapse)
        .unwrap_or_default();
    assert!(is_reference(&r), "not a reference: {r:?} in\n{}", res.body);
    r
}

/// Reads a stored submission's answers by reference through the store.
pub fn stored_answers(
    store: &dyn formwork_server::store::Store,
    reference: &str,
) -> serde_json::Value {
    let s = store
        .submission(reference)
        .expect("store answers")
        .unwrap_or_else(|| panic!("no submission {reference}"));
    serde_json::from_str(&s.answers_json).expect("answers are JSON")
}

/// Replaces the per-request nonce and CSRF token (and content-hashed asset URLs) so HTML can be
/// snapshotted.
pub fn normalise(html: &str, nonce: &str, csrf: Option<&str>) -> String {
    let mut out = html.replace(nonce, "[nonce]");
    if let Some(token) = csrf {
        out = out.replace(token, "[csrf-token]");
    }
    // `/static/<10 hex digits>/name` → `/static/[hash]/name`
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find("/static/") {
        let after = &rest[i + "/static/".len()..];
        result.push_str(&rest[..i + "/static/".len()]);
        match after.find('/') {
            Some(j) if j == 10 && after[..j].bytes().all(|b| b.is_ascii_hexdigit()) => {
                result.push_str("[hash]");
                rest = &after[j..];
            }
            _ => rest = after,
        }
    }
    result.push_str(rest);
    result
}

/// A session's stored JSON, if it is live.
pub fn session_json(state: &AppState, id: &str) -> Option<serde_json::Value> {
    match state
        .0
        .store
        .load_session(id, formwork_server::clock::unix_now())
        .expect("session loads")
    {
        formwork_server::store::SessionLookup::Found(s) => {
            Some(serde_json::from_str(&s).expect("session JSON"))
        }
        formwork_server::store::SessionLookup::Gone => None,
    }
}
