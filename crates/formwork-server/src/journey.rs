//! A resident's journey through a form: start page, question pages, check answers, sending,
//! confirmation and exit pages, with sessions, CSRF checks and POST-redirect-GET.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use formwork_core::route::Step;
use formwork_core::{
    Answers, CompiledForm, ConditionError, FieldError, FormInput, Language, Route,
    ValidationContext,
};
use serde::Deserialize;

use crate::page::{Page, PageBrand, Problem, see_other};
use crate::routes::{BODY_LIMIT, dev_problems_page};
use crate::session::{
    Journey, SessionData, SessionId, provisional_csrf, random_token, session_cookie,
    session_id_from_cookies, tokens_match,
};
use crate::state::AppState;
use crate::store::{NewSubmission, SessionLookup, StoreError};

const LANG: Language = Language::En;

/// Query parameters on question pages.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// Set when the resident came from check answers to change an answer.
    #[serde(default)]
    change: Option<String>,
}

/// A live session for this request.
#[derive(Debug)]
struct Session {
    /// The id the cookie carries (after this request).
    id: String,
    data: SessionData,
    /// A `Set-Cookie` value to send, when the id is new.
    set_cookie: Option<String>,
    /// Whether the session is in the store (otherwise it is provisional: nothing answered yet).
    stored: bool,
    /// A stored id this session moves away from; deleted once the session is saved under `id`.
    replaces: Option<String>,
}

impl Session {
    /// A provisional session: a cookie and a derived CSRF token, nothing stored.
    fn provisional(id: String, set_cookie: Option<String>) -> Self {
        Self {
            data: SessionData {
                csrf: provisional_csrf(&id),
                journeys: BTreeMap::new(),
            },
            id,
            set_cookie,
            stored: false,
            replaces: None,
        }
    }

    /// Moves the session to a new id and CSRF token (when a journey starts), so an id or token
    /// someone else knew never holds answers. The old stored row is deleted on the next save.
    fn rotate(&mut self, state: &AppState) {
        let old = std::mem::replace(&mut self.id, SessionId::new_stored());
        if self.stored {
            self.replaces = Some(old);
        }
        self.data.csrf = random_token(32);
        self.set_cookie = Some(session_cookie(&self.id, state.0.config.secure_cookies));
    }
}

enum Loaded {
    Live(Session),
    /// The browser sent a session cookie but the session has expired or was deleted.
    Gone,
    /// No session cookie.
    Absent,
}

/// Why a session could not be saved.
enum SaveError {
    Store(StoreError),
    /// The session cap is reached and this session is not stored yet.
    Busy,
    /// The session would be larger than the cap.
    TooLarge,
}

async fn load_session(state: &AppState, headers: &HeaderMap) -> Result<Loaded, StoreError> {
    let Some(cookie) = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(session_id_from_cookies)
    else {
        return Ok(Loaded::Absent);
    };
    let id = match SessionId::parse(cookie) {
        SessionId::Provisional(id) => return Ok(Loaded::Live(Session::provisional(id, None))),
        SessionId::Stored(id) => id,
    };
    let now = crate::clock::unix_now();
    let cached = state.0.session_cache.as_ref().and_then(|c| c.get(&id, now));
    let found = match cached {
        Some(json) => SessionLookup::Found(json),
        None => {
            let store = state.0.store.clone();
            let lookup_id = id.clone();
            // Not cached here: the row's expiry is not known, and the cache must never keep a
            // session alive longer than the store does. Saves fill the cache.
            tokio::task::spawn_blocking(move || store.load_session(&lookup_id, now))
                .await
                .map_err(|_| StoreError::Poisoned)??
        }
    };
    Ok(match found {
        SessionLookup::Found(json) => match serde_json::from_str::<SessionData>(&json) {
            Ok(data) => Loaded::Live(Session {
                id,
                data,
                set_cookie: None,
                stored: true,
                replaces: None,
            }),
            // A session written by an incompatible version: treat as gone rather than guess.
            Err(_) => Loaded::Gone,
        },
        SessionLookup::Gone => Loaded::Gone,
    })
}

fn new_session(state: &AppState) -> Session {
    let id = SessionId::new_provisional();
    let cookie = session_cookie(&id, state.0.config.secure_cookies);
    Session::provisional(id, Some(cookie))
}

/// Stores the session. The first save of a provisional session moves it to a stored id (and
/// counts against the session cap); a rotated session's old row is deleted.
async fn save_session(state: &AppState, session: &mut Session) -> Result<(), SaveError> {
    let first = !session.stored;
    if first {
        if !state.0.limits.session_room() {
            return Err(SaveError::Busy);
        }
        session.rotate(state);
    }
    let json = serde_json::to_string(&session.data).unwrap_or_default();
    if json.len() > state.0.limits.config.max_session_bytes {
        return Err(SaveError::TooLarge);
    }
    let store = state.0.store.clone();
    let id = session.id.clone();
    let replaces = session.replaces.take();
    let now = crate::clock::unix_now();
    let expires = now + state.0.config.session_ttl_secs;
    // The JSON and the old id travel to the blocking thread and back, for the cache.
    let (json, replaces) = tokio::task::spawn_blocking(move || {
        store.save_session(&id, &json, now, expires)?;
        if let Some(old) = &replaces {
            store.delete_session(old)?;
        }
        Ok::<_, StoreError>((json, replaces))
    })
    .await
    .map_err(|_| SaveError::Store(StoreError::Poisoned))?
    .map_err(SaveError::Store)?;
    if let Some(cache) = &state.0.session_cache {
        cache.put(&session.id, &json, expires);
        if let Some(old) = &replaces {
            cache.remove(old);
        }
    }
    session.stored = true;
    if first {
        state.0.limits.sessions.add();
    }
    Ok(())
}

/// The page for a session that could not be saved.
fn save_failure(
    state: &AppState,
    form: &CompiledForm,
    e: &SaveError,
    answers_kept: bool,
) -> Response {
    match e {
        SaveError::Store(e) => store_failure(state, form, e, answers_kept),
        SaveError::Busy => {
            tracing::warn!(form = %form.id, "session cap reached; a new resident was turned away");
            let mut response = problem(state, Some(form), &Problem::Busy);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("300"));
            response
        }
        SaveError::TooLarge => problem(state, Some(form), &Problem::SessionTooLarge),
    }
}

fn brand(state: &AppState, form: Option<&CompiledForm>) -> PageBrand {
    PageBrand::new(&state.0.config.branding, form, LANG)
}

fn problem(state: &AppState, form: Option<&CompiledForm>, p: &Problem) -> Response {
    p.page(brand(state, form)).render(state, LANG)
}

fn store_failure(
    state: &AppState,
    form: &CompiledForm,
    e: &StoreError,
    answers_kept: bool,
) -> Response {
    tracing::error!(form = %form.id, error = %e, "store failure");
    problem(state, Some(form), &Problem::Unavailable { answers_kept })
}

/// A route that cannot be decided is logged and shown as "service unavailable": the journey
/// must not guess which page comes next.
fn undecidable(
    state: &AppState,
    form: &CompiledForm,
    e: &ConditionError,
    answers_kept: bool,
) -> Response {
    tracing::error!(form = %form.id, error = %e, "route cannot be decided");
    problem(state, Some(form), &Problem::Unavailable { answers_kept })
}

/// The URL of a step.
fn step_url(form: &CompiledForm, step: &Step, change: bool) -> String {
    match step {
        Step::Page(slug) if change => format!("/forms/{}/{slug}?change=1", form.id),
        Step::Page(slug) | Step::Exit(slug) => format!("/forms/{}/{slug}", form.id),
        Step::CheckAnswers => format!("/forms/{}/check-answers", form.id),
    }
}

/// The journey for this form, reset when the form changed underneath it.
/// Returns `true` when it was reset from a journey that had answers.
fn journey_for<'a>(data: &'a mut SessionData, form: &CompiledForm) -> (&'a mut Journey, bool) {
    let journey = data
        .journeys
        .entry(form.id.clone())
        .or_insert_with(|| Journey::new(&form.version));
    let mut changed = false;
    if journey.version != form.version {
        changed = !journey.answers.completed.is_empty();
        *journey = Journey::new(&form.version);
    }
    (journey, changed)
}

/// "Your answers have been deleted", with a fresh session cookie replacing the dead one so that
/// "Start again" works (otherwise the next page would find the dead session and say so again).
async fn session_expired(state: &AppState, form: &CompiledForm) -> Response {
    let fresh = new_session(state);
    let mut page = Problem::SessionExpired {
        form: Some(form.id.clone()),
        hours: state.0.config.session_ttl_secs / 3600,
    }
    .page(brand(state, Some(form)));
    page.set_cookie = fresh.set_cookie;
    page.render(state, LANG)
}

/// `GET /forms/{form}`: the start page.
pub async fn start(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    if let Some(page) = dev_problems_page(&state) {
        return page.render(&state, LANG);
    }
    // A path that is not UTF-8 names no form: "Page not found", not a plain-text 400.
    let Ok(Path(form_id)) = path else {
        return problem(&state, None, &Problem::NotFound);
    };
    let Some(form) = state.form(&form_id) else {
        return problem(&state, None, &Problem::NotFound);
    };
    let first = form
        .pages
        .first()
        .map(|p| format!("/forms/{}/{}", form.id, p.slug))
        .unwrap_or_default();
    let content: Vec<serde_json::Value> = form.start.content.iter().map(|c| c.view(LANG)).collect();
    Page::new(
        "pages/start.html",
        form.start.title.get(LANG),
        brand(&state, Some(&form)),
    )
    .with("content", content)
    .with("button", form.start.button.as_ref().map(|b| b.get(LANG)))
    .with("start_url", first)
    .render(&state, LANG)
}

/// `GET /forms/{form}/bundle.json`: the form and component definitions for the browser's copy of the rules.
pub async fn bundle(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let Ok(Path(form_id)) = path else {
        return problem(&state, None, &Problem::NotFound);
    };
    let catalog = state.catalog();
    match catalog.bundles.get(&form_id) {
        // Revalidated on every page (it changes with the form's version); a 304 costs almost nothing.
        Some(asset) => crate::routes::asset_response(asset, "no-cache", &headers),
        None => problem(&state, None, &Problem::NotFound),
    }
}

/// `GET /forms/{form}/{page}`: a question page, check answers, the confirmation or an exit page.
pub async fn show(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    if let Some(page) = dev_problems_page(&state) {
        return page.render(&state, LANG);
    }
    let Ok(Path((form_id, slug))) = path else {
        return problem(&state, None, &Problem::NotFound);
    };
    // A query string we cannot read (`?change=1&change=2`) is ignored, not a plain-text 400.
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let Some(form) = state.form(&form_id) else {
        return problem(&state, None, &Problem::NotFound);
    };
    let known = slug == "check-answers"
        || slug == "confirmation"
        || form.page(&slug).is_some()
        || form.exit(&slug).is_some();
    if !known {
        return problem(&state, Some(&form), &Problem::NotFound);
    }
    let mut session = match load_session(&state, &headers).await {
        Ok(Loaded::Live(s)) => s,
        Ok(Loaded::Absent) => new_session(&state),
        Ok(Loaded::Gone) => return session_expired(&state, &form).await,
        Err(e) => return store_failure(&state, &form, &e, true),
    };
    let today = state.0.config.clock.today();
    let (journey, changed) = journey_for(&mut session.data, &form);
    if changed {
        let _ = journey;
        if let Err(e) = save_session(&state, &mut session).await {
            return save_failure(&state, &form, &e, false);
        }
        let mut page = Problem::FormChanged {
            form: form.id.clone(),
        }
        .page(brand(&state, Some(&form)));
        page.set_cookie = session.set_cookie;
        return page.render(&state, LANG);
    }
    let journey = journey.clone();
    let response = if slug == "confirmation" {
        match &journey.reference {
            Some(reference) => confirmation_page(&state, &form, reference),
            None => see_other(&format!("/forms/{}", form.id), None),
        }
    } else {
        let route = match form.route(&journey.answers, today) {
            Ok(r) => r,
            Err(e) => return undecidable(&state, &form, &e, true),
        };
        if slug == "check-answers" {
            if route.next == Step::CheckAnswers {
                check_answers_page(&state, &form, &journey.answers, &route, &session.data.csrf)
            } else {
                see_other(&step_url(&form, &route.next, false), None)
            }
        } else if form.exit(&slug).is_some() {
            if route.next == Step::Exit(slug.clone()) {
                exit_page(&state, &form, &slug, &route)
            } else {
                see_other(&step_url(&form, &route.next, false), None)
            }
        } else if route.allows(&slug) {
            let input = form.present_page(&slug, &journey.answers);
            question_page(
                &state,
                &form,
                &slug,
                &input,
                &[],
                &route,
                query.change.is_some(),
                &session.data.csrf,
                today,
            )
        } else {
            // Going straight to a later page sends the resident to the first unanswered one.
            see_other(&step_url(&form, &route.next, false), None)
        }
    };
    with_cookie(response, &session)
}

/// Attaches the session's cookie when this request gave it a new id.
fn with_cookie(mut response: Response, session: &Session) -> Response {
    if let Some(v) = session
        .set_cookie
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

/// `POST /forms/{form}/{page}`: answer a question page, or send from check answers.
pub async fn submit(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
    request: Request,
) -> Response {
    let Ok(Path((form_id, slug))) = path else {
        return problem(&state, None, &Problem::NotFound);
    };
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let Some(form) = state.form(&form_id) else {
        return problem(&state, None, &Problem::NotFound);
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return problem(&state, Some(&form), &Problem::TooLarge);
    };
    let input = FormInput::from_pairs(
        form_urlencoded::parse(&bytes).map(|(k, v)| (k.into_owned(), v.into_owned())),
    );
    let mut session = match load_session(&state, &parts.headers).await {
        Ok(Loaded::Live(s)) => s,
        Ok(Loaded::Gone) => return session_expired(&state, &form).await,
        Ok(Loaded::Absent) => return problem(&state, Some(&form), &Problem::Forbidden),
        Err(e) => return store_failure(&state, &form, &e, true),
    };
    if !tokens_match(input.get("csrf-token"), &session.data.csrf) {
        tracing::warn!(form = %form.id, page = %slug, "rejected a POST with a missing or wrong CSRF token");
        return problem(&state, Some(&form), &Problem::Forbidden);
    }
    let today = state.0.config.clock.today();
    // A journey starts when a form gets its first answer (again, after sending): the session
    // moves to a new id then, so an id someone else planted or saw never holds answers.
    let starting = session
        .data
        .journeys
        .get(&form.id)
        .is_none_or(|j| j.reference.is_some() || j.answers.completed.is_empty());
    let (journey, changed) = journey_for(&mut session.data, &form);
    if changed {
        if let Err(e) = save_session(&state, &mut session).await {
            return save_failure(&state, &form, &e, false);
        }
        return problem(
            &state,
            Some(&form),
            &Problem::FormChanged {
                form: form.id.clone(),
            },
        );
    }
    if slug == "check-answers" {
        return send(&state, &form, session, today).await;
    }
    if form.page(&slug).is_none() {
        return problem(&state, Some(&form), &Problem::NotFound);
    }
    // A new journey after sending starts from empty answers with a new idempotency key.
    if journey.reference.is_some() {
        *journey = Journey::new(&form.version);
    }
    let route = match form.route(&journey.answers, today) {
        Ok(r) => r,
        Err(e) => return undecidable(&state, &form, &e, true),
    };
    if !route.allows(&slug) {
        return see_other(&step_url(&form, &route.next, false), None);
    }
    let change = query.change.is_some();
    let cx = ValidationContext { today, lang: LANG };
    let Some(report) = form.validate_page(&slug, &input, &cx) else {
        return problem(&state, Some(&form), &Problem::NotFound);
    };
    if !report.is_valid() {
        let csrf = session.data.csrf.clone();
        return question_page(
            &state,
            &form,
            &slug,
            &input,
            &report.errors,
            &route,
            change,
            &csrf,
            today,
        );
    }
    form.store_page(&slug, &report, &mut journey.answers);
    let dropped = match form.prune(&mut journey.answers, today) {
        Ok(d) => d,
        Err(e) => return undecidable(&state, &form, &e, false),
    };
    if !dropped.is_empty() {
        tracing::info!(form = %form.id, page = %slug, dropped = dropped.len(), "answers no longer apply");
    }
    let next = match form.route(&journey.answers, today) {
        Ok(r) => next_url(&form, &slug, &r, change),
        Err(e) => return undecidable(&state, &form, &e, true),
    };
    if starting && session.stored {
        session.rotate(&state);
    }
    if let Err(e) = save_session(&state, &mut session).await {
        return save_failure(&state, &form, &e, false);
    }
    see_other(&next, session.set_cookie.take())
}

/// Where to go after answering `slug`: the next page on the route, or back to check answers
/// (after any newly needed questions) when changing an answer.
fn next_url(form: &CompiledForm, slug: &str, route: &Route, change: bool) -> String {
    if change {
        return step_url(form, &route.next, true);
    }
    match route.answered.iter().position(|s| s == slug) {
        Some(i) if i + 1 < route.answered.len() => {
            format!("/forms/{}/{}", form.id, route.answered[i + 1])
        }
        _ => step_url(form, &route.next, false),
    }
}

/// Sends the answers: stored durably once per journey, then removed from the session.
async fn send(
    state: &AppState,
    form: &Arc<CompiledForm>,
    mut session: Session,
    today: formwork_core::Date,
) -> Response {
    let confirmation = format!("/forms/{}/confirmation", form.id);
    let (journey, _) = journey_for(&mut session.data, form);
    // A double click, a retry or the back button: already sent, show the same confirmation.
    if journey.reference.is_some() {
        return see_other(&confirmation, None);
    }
    let route = match form.route(&journey.answers, today) {
        Ok(r) => r,
        Err(e) => return undecidable(state, form, &e, true),
    };
    if route.next != Step::CheckAnswers {
        return see_other(&step_url(form, &route.next, false), None);
    }
    let submission = NewSubmission {
        form_id: form.id.clone(),
        form_version: form.version.clone(),
        journey_key: journey.key.clone(),
        answers_json: serde_json::to_string(&journey.answers.values).unwrap_or_default(),
        created_at: crate::clock::unix_now(),
        deliveries: form
            .definition
            .webhooks
            .iter()
            .map(|w| crate::store::NewDelivery {
                webhook: w.name.clone(),
                url: w.url.clone(),
                secret_env: w.secret_env.clone(),
            })
            .collect(),
    };
    let store = state.0.store.clone();
    let reference = match tokio::task::spawn_blocking(move || store.submit(&submission)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return store_failure(state, form, &e, true),
        Err(_) => return store_failure(state, form, &StoreError::Poisoned, true),
    };
    tracing::info!(form = %form.id, reference = %reference, "submission stored");
    journey.answers = Answers::default();
    journey.reference = Some(reference);
    if let Err(SaveError::Store(e)) = save_session(state, &mut session).await {
        // The submission is stored; only the session update failed. Retrying is safe (same key).
        tracing::error!(form = %form.id, error = %e, "session update after sending failed");
    }
    see_other(&confirmation, None)
}

fn back_link(form: &CompiledForm, slug: &str, route: &Route, change: bool) -> String {
    if change {
        return format!("/forms/{}/check-answers", form.id);
    }
    let position = route
        .answered
        .iter()
        .position(|s| s == slug)
        .unwrap_or(route.answered.len());
    match position.checked_sub(1).and_then(|i| route.answered.get(i)) {
        Some(prev) => format!("/forms/{}/{prev}", form.id),
        None => format!("/forms/{}", form.id),
    }
}

#[allow(clippy::too_many_arguments)]
fn question_page(
    state: &AppState,
    form: &CompiledForm,
    slug: &str,
    input: &FormInput,
    errors: &[FieldError],
    route: &Route,
    change: bool,
    csrf: &str,
    today: formwork_core::Date,
) -> Response {
    let Some(page) = form.page(slug) else {
        return problem(state, Some(form), &Problem::NotFound);
    };
    let heading = page.heading_field();
    let title = page
        .title
        .as_ref()
        .map(|t| t.get(LANG).to_owned())
        .or_else(|| heading.map(|f| f.common().label.get(LANG).to_owned()))
        .unwrap_or_default();
    let values: BTreeMap<&String, &str> = input
        .0
        .iter()
        .map(|(k, v)| (k, v.first().map_or("", String::as_str)))
        .collect();
    let error_map: BTreeMap<&str, &FieldError> =
        errors.iter().map(|e| (e.field.as_str(), e)).collect();
    let error_list: Vec<serde_json::Value> = errors
        .iter()
        .map(|e| serde_json::json!({ "text": e.message, "href": format!("#{}", e.target) }))
        .collect();
    let action = if change {
        format!("/forms/{}/{slug}?change=1", form.id)
    } else {
        format!("/forms/{}/{slug}", form.id)
    };
    let Some(view) = state
        .catalog()
        .page_views
        .get(&format!("{}/{slug}", form.id))
        .cloned()
    else {
        return problem(state, Some(form), &Problem::NotFound);
    };
    let mut p = Page::new("pages/question.html", title, brand(state, Some(form)))
        .with_shared("components", &view)
        .with("values", values)
        .with("multi", &input.0)
        .with("errors", error_map)
        .with("error_list", error_list)
        .with("heading_field", heading.map(|f| f.common().name.clone()))
        .with("title", page.title.as_ref().map(|t| t.get(LANG)))
        .with("caption", page.caption.as_ref().map(|t| t.get(LANG)))
        .with(
            "button",
            page.button.as_ref().map_or_else(
                || {
                    formwork_core::messages::format_message(
                        LANG,
                        "button.continue",
                        &Default::default(),
                    )
                },
                |b| b.get(LANG).to_owned(),
            ),
        )
        .with("action", action)
        .with("csrf", csrf)
        .with("page_slug", slug)
        .with("form_id", &form.id)
        .with("today", formwork_core::date::iso_date(today))
        .with("bundle_url", format!("/forms/{}/bundle.json", form.id));
    p.has_errors = !errors.is_empty();
    p.back_link = Some(back_link(form, slug, route, change));
    p.render(state, LANG)
}

fn check_answers_page(
    state: &AppState,
    form: &CompiledForm,
    answers: &Answers,
    route: &Route,
    csrf: &str,
) -> Response {
    let summary = form.summary(answers, route, LANG);
    let content: Vec<serde_json::Value> = form
        .check_answers
        .content
        .iter()
        .map(|c| c.view(LANG))
        .collect();
    let button = form.declaration.as_ref().map_or_else(
        || {
            formwork_core::messages::format_message(
                LANG,
                "button.accept-and-send",
                &Default::default(),
            )
        },
        |d| d.button.get(LANG).to_owned(),
    );
    let declaration = form
        .declaration
        .as_ref()
        .map(|d| serde_json::json!({ "title": d.title.get(LANG), "text": d.text.get(LANG) }));
    let mut p = Page::new(
        "pages/check_answers.html",
        form.check_answers.title.get(LANG),
        brand(state, Some(form)),
    )
    .with("summary", summary)
    .with("content", content)
    .with("declaration", declaration)
    .with("button", button)
    .with("csrf", csrf)
    .with("form_id", &form.id)
    .with("action", format!("/forms/{}/check-answers", form.id));
    p.back_link = route
        .answered
        .last()
        .map(|s| format!("/forms/{}/{s}", form.id));
    p.render(state, LANG)
}

fn confirmation_page(state: &AppState, form: &CompiledForm, reference: &str) -> Response {
    let content: Vec<serde_json::Value> = form
        .confirmation
        .content
        .iter()
        .map(|c| c.view(LANG))
        .collect();
    Page::new(
        "pages/confirmation.html",
        form.confirmation.title.get(LANG),
        brand(state, Some(form)),
    )
    .with("reference", reference)
    .with("content", content)
    .render(state, LANG)
}

fn exit_page(state: &AppState, form: &CompiledForm, slug: &str, route: &Route) -> Response {
    let Some(exit) = form.exit(slug) else {
        return problem(state, Some(form), &Problem::NotFound);
    };
    let content: Vec<serde_json::Value> = exit.content.iter().map(|c| c.view(LANG)).collect();
    let mut p = Page::new(
        "pages/exit.html",
        exit.title.get(LANG),
        brand(state, Some(form)),
    )
    .with("content", content);
    p.back_link = route
        .answered
        .last()
        .map(|s| format!("/forms/{}/{s}", form.id));
    p.render(state, LANG)
}
