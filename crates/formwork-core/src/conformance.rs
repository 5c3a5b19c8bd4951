//! Language-neutral conformance cases (`tests/conformance/*.json`): the format and one runner.
//!
//! Native tests and the WebAssembly build run the same files; a case passes when every
//! expectation it states equals what the engine produced.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::answers::{Answers, FormInput};
use crate::components::ValidationContext;
use crate::date::parse_iso_date;
use crate::library::ComponentLibrary;
use crate::text::Language;

/// One file of cases that share a form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CaseFile {
    /// What the file covers.
    pub description: String,
    /// A form in `forms/`, by id.
    #[serde(default)]
    pub form: Option<String>,
    /// Or an inline form definition.
    #[serde(default)]
    pub definition: Option<serde_json::Value>,
    /// Or a single component use, wrapped in a one-page form whose page slug is `question`.
    #[serde(default)]
    pub component: Option<serde_json::Value>,
    /// The cases.
    pub cases: Vec<Case>,
}

/// One case: steps submitted in order, then expectations about the last step and the route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Case {
    /// A short name, unique in the file.
    pub name: String,
    /// Today's date, `YYYY-MM-DD`.
    pub today: String,
    /// Language of messages (default `en`).
    #[serde(default)]
    pub lang: Option<Language>,
    /// Answers before the steps.
    #[serde(default)]
    pub answers: Option<Answers>,
    /// Pages submitted in order; a valid page is stored and the answers pruned.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// What must come out.
    pub expect: Expectation,
}

/// One page submission.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The page slug (`question` for a component case).
    pub page: String,
    /// Input name to value (a list for repeated names, e.g. checkboxes).
    pub input: BTreeMap<String, InputValue>,
}

/// One submitted value or several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum InputValue {
    /// A single value.
    One(String),
    /// Repeated values.
    Many(Vec<String>),
}

/// Expectations; only those given are checked.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expectation {
    /// The errors of the last step, in order (empty list: valid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<serde_json::Value>,
    /// The normalised values of the last step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<serde_json::Value>,
    /// The route after all steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<serde_json::Value>,
    /// Every stored answer after all steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<serde_json::Value>,
    /// The check-answers rows after all steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<serde_json::Value>,
}

/// What a case produced and whether it matched.
#[derive(Debug, Serialize)]
pub struct CaseOutcome {
    /// `file description / case name`.
    pub name: String,
    /// What the engine produced, for the keys the case expects.
    pub actual: serde_json::Value,
    /// What the case expects.
    pub expected: serde_json::Value,
    /// True when they are equal.
    pub passed: bool,
}

/// Runs every case of a file. `form_source` looks up `forms/<id>.json` text by id.
///
/// # Errors
/// When the file or its form is malformed (an author mistake in the test data).
pub fn run_file(
    file_name: &str,
    source: &str,
    library: &ComponentLibrary,
    form_source: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<CaseOutcome>, String> {
    let file: CaseFile = serde_json::from_str(source).map_err(|e| format!("{file_name}: {e}"))?;
    let (form_id, form_json) = match (&file.form, &file.definition, &file.component) {
        (Some(id), None, None) => (
            id.clone(),
            form_source(id).ok_or_else(|| format!("{file_name}: no form `{id}`"))?,
        ),
        (None, Some(def), None) => ("inline".to_owned(), def.to_string()),
        (None, None, Some(component)) => (
            "component".to_owned(),
            wrap_component(component).to_string(),
        ),
        _ => {
            return Err(format!(
                "{file_name}: give exactly one of form, definition or component"
            ));
        }
    };
    let form = crate::compile::compile_form(&form_id, file_name, &form_json, library)
        .map_err(|e| e.to_string())?;
    let mut outcomes = Vec::new();
    for case in &file.cases {
        let today = parse_iso_date(&case.today)
            .ok_or_else(|| format!("{file_name}: case `{}`: bad today", case.name))?;
        let cx = ValidationContext {
            today,
            lang: case.lang.unwrap_or_default(),
        };
        let mut answers = case.answers.clone().unwrap_or_default();
        let mut last = None;
        for step in &case.steps {
            let input = FormInput(
                step.input
                    .iter()
                    .map(|(k, v)| {
                        let values = match v {
                            InputValue::One(s) => vec![s.clone()],
                            InputValue::Many(list) => list.clone(),
                        };
                        (k.clone(), values)
                    })
                    .collect(),
            );
            let report = form.validate_page(&step.page, &input, &cx).ok_or_else(|| {
                format!("{file_name}: case `{}`: no page `{}`", case.name, step.page)
            })?;
            if report.is_valid() {
                form.store_page(&step.page, &report, &mut answers);
                // An undecidable route shows up in the case's `route` expectation, not as a file error.
                let _ = form.prune(&mut answers, today);
            }
            last = Some(report);
        }
        let expected = serde_json::to_value(&case.expect).map_err(|e| e.to_string())?;
        let mut actual = serde_json::Map::new();
        let route = form.route(&answers, today);
        if case.expect.errors.is_some() {
            actual.insert(
                "errors".into(),
                serde_json::to_value(last.as_ref().map(|r| &r.errors)).unwrap_or_default(),
            );
        }
        if case.expect.values.is_some() {
            actual.insert(
                "values".into(),
                serde_json::to_value(last.as_ref().map(|r| &r.values)).unwrap_or_default(),
            );
        }
        if case.expect.route.is_some() {
            let v = match &route {
                Ok(r) => serde_json::to_value(r).unwrap_or_default(),
                Err(e) => serde_json::json!({ "error": e.to_string() }),
            };
            actual.insert("route".into(), v);
        }
        if case.expect.answers.is_some() {
            actual.insert(
                "answers".into(),
                serde_json::to_value(&answers.values).unwrap_or_default(),
            );
        }
        if case.expect.summary.is_some() {
            let rows = route
                .as_ref()
                .map(|r| form.summary(&answers, r, cx.lang))
                .unwrap_or_default();
            actual.insert(
                "summary".into(),
                serde_json::to_value(rows).unwrap_or_default(),
            );
        }
        let actual = normalise_numbers(serde_json::Value::Object(actual));
        let expected = normalise_numbers(expected);
        outcomes.push(CaseOutcome {
            name: format!("{} / {}", file.description, case.name),
            passed: actual == expected,
            actual,
            expected,
        });
    }
    Ok(outcomes)
}

/// Writes every number as a float, so `1000` and `1000.0` compare equal (as they do in JavaScript).
fn normalise_numbers(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(serde_json::Value::Number(n), serde_json::Value::Number),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(normalise_numbers).collect())
        }
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, normalise_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Wraps one component use in a minimal one-page form.
#[must_use]
pub fn wrap_component(component: &serde_json::Value) -> serde_json::Value {
    let mut page = serde_json::json!({ "slug": "question", "components": [component] });
    if component.get("name").is_none() {
        // Content blocks are not questions, so the page needs its own heading.
        page["title"] = "Example".into();
    }
    serde_json::json!({
        "title": "Conformance",
        "start": {},
        "pages": [page],
        "confirmation": { "title": "Done" }
    })
}
