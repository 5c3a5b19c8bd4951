//! The submissions API (JSON, bearer tokens): list and read submissions, stream CSV exports,
//! and publish each form's submission JSON Schema and the OpenAPI description.
//!
//! Tokens are `fwk_…` strings shown once by `formwork token create`; the store keeps only their
//! SHA-256. No token → 401, a token for another form → 403. Answers never reach the logs.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use formwork_core::CompiledForm;
use formwork_core::components::ValueType;
use serde_json::{Value as Json, json};
use sha2::Digest as _;

use crate::state::AppState;
use crate::store::{Cursor, StoreError, StoredSubmission, SubmissionQuery};

/// The OpenAPI description served at `/api/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// The most submissions one page of the list returns.
pub const MAX_PAGE: u32 = 500;

/// Rows fetched per query while streaming a CSV export.
const CSV_BATCH: u32 = 500;

/// The API's routes (merged into `app`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/forms/{form}/submissions", get(list))
        .route("/api/forms/{form}/submissions.csv", get(csv_export))
        .route("/api/forms/{form}/schema.json", get(schema))
        .route("/api/submissions/{reference}", get(one))
}

/// A new API token: 32 random bytes, URL-safe.
#[must_use]
pub fn new_token() -> String {
    format!("fwk_{}", crate::session::random_token(32))
}

/// The hash stored for a token (hex SHA-256).
#[must_use]
pub fn token_hash(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An API failure as JSON `{"error": "..."}`.
#[derive(Debug)]
enum ApiError {
    Unauthorized,
    Forbidden,
    NotFound,
    BadRequest(String),
    Unavailable,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "a bearer token is needed".into()),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "this token is not for this form".into(),
            ),
            Self::NotFound => (StatusCode::NOT_FOUND, "not found".into()),
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the store is unavailable; try again later".into(),
            ),
        };
        let mut res = (status, axum::Json(json!({ "error": message }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"formwork\""),
            );
        }
        no_store(res)
    }
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// Runs a store call off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "api: store failure");
            Err(ApiError::Unavailable)
        }
        Err(_) => Err(ApiError::Unavailable),
    }
}

/// The form a request's bearer token is for.
async fn token_form(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(token)
        })
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .ok_or(ApiError::Unauthorized)?;
    let hash = token_hash(token);
    let store = state.0.store.clone();
    blocking(move || store.token_form(&hash))
        .await?
        .ok_or(ApiError::Unauthorized)
}

/// Checks the token is for `form_id`, and that the form exists.
async fn authorise(
    state: &AppState,
    headers: &HeaderMap,
    form_id: &str,
) -> Result<Arc<CompiledForm>, ApiError> {
    let allowed = token_form(state, headers).await?;
    if allowed != form_id {
        return Err(ApiError::Forbidden);
    }
    state.form(form_id).ok_or(ApiError::NotFound)
}

async fn openapi() -> Response {
    let mut res = (StatusCode::OK, OPENAPI).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    no_store(res)
}

/// `YYYY-MM-DDT…Z` for Unix seconds.
#[must_use]
pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A submission as the API shows it.
fn submission_json(s: &StoredSubmission) -> Json {
    let answers: Json = serde_json::from_str(&s.answers_json).unwrap_or(Json::Null);
    json!({
        "reference": s.reference,
        "form": s.form_id,
        "formVersion": s.form_version,
        "submittedAt": rfc3339(s.created_at),
        "answers": answers,
    })
}

/// List filters: `from` and `to` dates (UTC, inclusive), `limit`, `cursor`.
#[derive(Debug, serde::Deserialize)]
pub struct ListParams {
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

fn day_start(s: &str, what: &str) -> Result<i64, ApiError> {
    let d = formwork_core::date::parse_iso_date(s)
        .ok_or_else(|| ApiError::BadRequest(format!("{what} must be a date as YYYY-MM-DD")))?;
    Ok(d.midnight().assume_utc().unix_timestamp())
}

fn encode_cursor(c: &Cursor) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{}:{}", c.created_at, c.reference))
}

fn decode_cursor(s: &str) -> Option<Cursor> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (at, reference) = text.split_once(':')?;
    Some(Cursor {
        created_at: at.parse().ok()?,
        reference: reference.to_owned(),
    })
}

impl ListParams {
    fn query(&self, form_id: &str) -> Result<SubmissionQuery, ApiError> {
        let from = self
            .from
            .as_deref()
            .map(|s| day_start(s, "from"))
            .transpose()?;
        let until = self
            .to
            .as_deref()
            .map(|s| day_start(s, "to").map(|t| t + 86_400))
            .transpose()?;
        let after = match &self.cursor {
            Some(c) => Some(
                decode_cursor(c)
                    .ok_or_else(|| ApiError::BadRequest("cursor is not one we gave".into()))?,
            ),
            None => None,
        };
        Ok(SubmissionQuery {
            form_id: form_id.to_owned(),
            from,
            until,
            after,
            limit: self.limit.unwrap_or(100).clamp(1, MAX_PAGE),
        })
    }
}

async fn list(
    State(state): State<AppState>,
    Path(form_id): Path<String>,
    Query(params): Query<ListParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorise(&state, &headers, &form_id).await?;
    let query = params.query(&form_id)?;
    let limit = query.limit;
    let store = state.0.store.clone();
    let rows = blocking(move || store.list_submissions(&query)).await?;
    let next = (u32::try_from(rows.len()).unwrap_or(u32::MAX) == limit)
        .then(|| rows.last())
        .flatten()
        .map(|s| {
            encode_cursor(&Cursor {
                created_at: s.created_at,
                reference: s.reference.clone(),
            })
        });
    tracing::info!(form = %form_id, count = rows.len(), "api: submissions listed");
    let body = json!({
        "submissions": rows.iter().map(submission_json).collect::<Vec<_>>(),
        "nextCursor": next,
    });
    Ok(no_store(axum::Json(body).into_response()))
}

async fn one(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let allowed = token_form(&state, &headers).await?;
    let store = state.0.store.clone();
    let r = reference.clone();
    let found = blocking(move || {
        let s = store.submission(&r)?;
        let d = match &s {
            Some(_) => store.deliveries(&r)?,
            None => Vec::new(),
        };
        Ok(s.map(|s| (s, d)))
    })
    .await?;
    let Some((submission, deliveries)) = found else {
        return Err(ApiError::NotFound);
    };
    if submission.form_id != allowed {
        return Err(ApiError::Forbidden);
    }
    let mut body = submission_json(&submission);
    body["deliveries"] = serde_json::to_value(&deliveries).unwrap_or(Json::Null);
    Ok(no_store(axum::Json(body).into_response()))
}

async fn schema(
    State(state): State<AppState>,
    Path(form_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let form = authorise(&state, &headers, &form_id).await?;
    Ok(no_store(axum::Json(answers_schema(&form)).into_response()))
}

/// The JSON Schema of a value type.
fn type_schema(t: &ValueType) -> Option<Json> {
    Some(match t {
        ValueType::Text => json!({ "type": "string" }),
        ValueType::Number => json!({ "type": "number" }),
        ValueType::Date => {
            json!({ "type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" })
        }
        ValueType::Choice(values) => json!({ "type": "string", "enum": values }),
        ValueType::List(values) => json!({
            "type": "array",
            "items": { "type": "string", "enum": values },
            "uniqueItems": true,
        }),
        ValueType::Group(parts) => {
            let props: serde_json::Map<String, Json> = parts
                .iter()
                .filter_map(|(n, t)| type_schema(t).map(|s| (n.clone(), s)))
                .collect();
            json!({ "type": "object", "properties": props, "additionalProperties": false })
        }
        ValueType::None => return None,
    })
}

/// Every answer a form can store: (name, type, label), in journey order.
fn answer_fields(form: &CompiledForm) -> Vec<(String, ValueType, String)> {
    let mut out: Vec<(String, ValueType, String)> = Vec::new();
    for page in &form.pages {
        for f in page.fields() {
            let name = f.common().name.clone();
            if !out.iter().any(|(n, _, _)| *n == name) {
                let label = f.common().label.get(formwork_core::Language::En).to_owned();
                out.push((name, f.value_type(), label));
            }
        }
    }
    out
}

/// The JSON Schema (2020-12) of a form's submitted answers, from its definition. Questions on
/// pages a route may skip are not required.
#[must_use]
pub fn answers_schema(form: &CompiledForm) -> Json {
    let mut props = serde_json::Map::new();
    for (name, t, label) in answer_fields(form) {
        if let Some(mut s) = type_schema(&t) {
            s["title"] = Json::String(label);
            props.insert(name, s);
        }
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("/api/forms/{}/schema.json", form.id),
        "title": form.title.get(formwork_core::Language::En),
        "description": format!("Answers of a submission to the {} form, version {}. Dates are YYYY-MM-DD.", form.id, form.version),
        "type": "object",
        "properties": props,
        "additionalProperties": false,
    })
}

/// The CSV columns: a path into the answers and a header.
fn csv_columns(form: &CompiledForm) -> Vec<(Vec<String>, String)> {
    fn walk(path: Vec<String>, t: &ValueType, out: &mut Vec<(Vec<String>, String)>) {
        match t {
            ValueType::None => {}
            ValueType::Group(parts) => {
                for (n, pt) in parts {
                    let mut p = path.clone();
                    p.push(n.clone());
                    walk(p, pt, out);
                }
            }
            _ => {
                let header = path.join(".");
                out.push((path, header));
            }
        }
    }
    let mut out = Vec::new();
    for (name, t, _) in answer_fields(form) {
        walk(vec![name], &t, &mut out);
    }
    out
}

/// One CSV cell: formulas neutralised with a leading `'` (cells starting `=`, `+`, `-`, `@`,
/// tab or CR), then quoted per RFC 4180 when needed.
#[must_use]
pub fn csv_cell(value: &str) -> String {
    let escaped = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if escaped.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", escaped.replace('"', "\"\""))
    } else {
        escaped
    }
}

fn cell_text(v: Option<&Json>) -> String {
    match v {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(Json::Array(items)) => items
            .iter()
            .map(|i| cell_text(Some(i)))
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
    }
}

fn csv_line(cells: impl IntoIterator<Item = String>, out: &mut String) {
    let mut first = true;
    for c in cells {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&csv_cell(&c));
    }
    out.push_str("\r\n");
}

/// The CSV rows for a batch of submissions.
fn csv_rows(columns: &[(Vec<String>, String)], rows: &[StoredSubmission], out: &mut String) {
    for s in rows {
        let answers: Json = serde_json::from_str(&s.answers_json).unwrap_or(Json::Null);
        let fixed = [
            s.reference.clone(),
            rfc3339(s.created_at),
            s.form_version.clone(),
        ];
        let fields = columns.iter().map(|(path, _)| {
            let mut v = Some(&answers);
            for p in path {
                v = v.and_then(|x| x.get(p));
            }
            cell_text(v)
        });
        csv_line(fixed.into_iter().chain(fields), out);
    }
}

async fn csv_export(
    State(state): State<AppState>,
    Path(form_id): Path<String>,
    Query(params): Query<ListParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let form = authorise(&state, &headers, &form_id).await?;
    let mut query = params.query(&form_id)?;
    query.limit = CSV_BATCH;
    let columns = csv_columns(&form);
    let store = state.0.store.clone();
    // A small channel: the producer waits for the client, so memory stays constant.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(2);
    tracing::info!(form = %form_id, "api: CSV export started");
    tokio::task::spawn_blocking(move || {
        let mut head = String::new();
        csv_line(
            ["reference", "submitted_at", "form_version"]
                .into_iter()
                .map(str::to_owned)
                .chain(columns.iter().map(|(_, h)| h.clone())),
            &mut head,
        );
        if tx.blocking_send(Ok(head.into())).is_err() {
            return;
        }
        loop {
            let rows = match store.list_submissions(&query) {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "api: CSV export failed");
                    let _ = tx.blocking_send(Err(std::io::Error::other("store failure")));
                    return;
                }
            };
            let Some(last) = rows.last() else { return };
            query.after = Some(Cursor {
                created_at: last.created_at,
                reference: last.reference.clone(),
            });
            let mut chunk = String::with_capacity(rows.len() * 128);
            csv_rows(&columns, &rows, &mut chunk);
            if tx.blocking_send(Ok(chunk.into())).is_err() {
                return;
            }
            if rows.len() < CSV_BATCH as usize {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let mut res = Response::new(Body::from_stream(stream));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{form_id}-submissions.csv\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(no_store(res))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_neutralise_formulas_and_quote() {
        for (input, want) in [
            ("plain", "plain"),
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("@SUM(1+1)", "'@SUM(1+1)"),
            ("+44 20", "'+44 20"),
            ("-5", "'-5"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("a,b", "\"a,b\""),
            ("line\nbreak", "\"line\nbreak\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("", ""),
        ] {
            assert_eq!(csv_cell(input), want, "{input:?}");
        }
    }

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let c = Cursor {
            created_at: 1_700_000_000,
            reference: "ABCD-EFGH-JKMN".into(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&c)), Some(c));
        for junk in ["", "!!", "bm9jb2xvbg"] {
            assert_eq!(decode_cursor(junk), None, "{junk}");
        }
    }

    #[test]
    fn token_hashes_are_hex_sha256() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(new_token().starts_with("fwk_"));
        assert_ne!(new_token(), new_token());
    }
}
