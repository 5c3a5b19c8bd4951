//! The pure half of the bindings: JSON text in, JSON text out, over `formwork-core`.
//!
//! Compiled on every target so that it is unit-tested natively; the `#[wasm_bindgen]` exports
//! in `exports.rs` only move strings across the JavaScript boundary and call these functions.
//! Outputs are exactly what the core types serialise to, so the browser sees the same JSON as
//! the server and the native conformance runner.

use std::collections::BTreeMap;

use formwork_core::conformance::{CaseOutcome, InputValue};
use formwork_core::date::parse_iso_date;
use formwork_core::{
    Answers, CompiledForm, ComponentLibrary, Date, DefinitionError, FormInput, Language,
    PageReport, compile_form,
};
use serde::Serialize;

/// One definition problem as JSON: `{file, pointer, message}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorJson {
    /// The file the problem is in, e.g. `forms/over-18-check.json`.
    pub file: String,
    /// The JSON pointer to the offending value.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl From<DefinitionError> for ErrorJson {
    fn from(e: DefinitionError) -> Self {
        Self {
            file: e.file,
            pointer: e.pointer,
            message: e.message,
        }
    }
}

impl ErrorJson {
    fn plain(file: &str, message: String) -> Self {
        Self {
            file: file.to_owned(),
            pointer: String::new(),
            message,
        }
    }
}

/// One entry of the GOV.UK error summary: the message, linking to the first highlighted input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SummaryItem {
    /// The error message.
    pub text: String,
    /// `#` and the input's id.
    pub href: String,
}

/// Serialises to JSON text. Serialising core types to a string cannot fail (string keys only).
fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String, String> {
    serde_json::to_string(v).map_err(|e| format!("cannot serialise result: {e}"))
}

/// A JSON object of name to text, e.g. `{"components/date-input/component.json": "{…}"}`.
/// A value that is not a string is taken as the parsed file and written back as JSON text.
fn text_map(json: &str, what: &str) -> Result<BTreeMap<String, String>, String> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json)
        .map_err(|e| format!("{what} must be a JSON object of name to file text: {e}"))?;
    Ok(map
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

/// Parses `componentsJson` (file path to `component.json` text) into a component library.
///
/// # Errors
/// Every problem found, as a list.
pub fn library(components_json: &str) -> Result<ComponentLibrary, Vec<ErrorJson>> {
    let sources: Vec<(String, String)> = text_map(components_json, "componentsJson")
        .map_err(|m| vec![ErrorJson::plain("", m)])?
        .into_iter()
        .collect();
    ComponentLibrary::from_sources(&sources)
        .map_err(|errors| errors.0.into_iter().map(ErrorJson::from).collect())
}

/// Parses `today` as `YYYY-MM-DD`.
///
/// # Errors
/// When it is not a real date in that form.
pub fn today(s: &str) -> Result<Date, String> {
    parse_iso_date(s).ok_or_else(|| format!("today must be a date as YYYY-MM-DD, not `{s}`"))
}

/// Parses a language tag such as `en`, `cy` or `cy-GB`; an empty tag means English.
///
/// # Errors
/// For a language the engine has no messages in.
pub fn language(tag: &str) -> Result<Language, String> {
    if tag.is_empty() {
        return Ok(Language::default());
    }
    Language::from_tag(tag).ok_or_else(|| format!("unknown language `{tag}`: use en or cy"))
}

/// Parses page input: an object of input name to a string, or a list of strings for repeats.
///
/// # Errors
/// When the JSON is not such an object.
pub fn form_input(json: &str) -> Result<FormInput, String> {
    let raw: BTreeMap<String, InputValue> = serde_json::from_str(json).map_err(|e| {
        format!("input must be a JSON object of input name to a string or a list of strings: {e}")
    })?;
    Ok(FormInput(
        raw.into_iter()
            .map(|(k, v)| match v {
                InputValue::One(s) => (k, vec![s]),
                InputValue::Many(list) => (k, list),
            })
            .collect(),
    ))
}

/// The error summary for a page report, in the report's order.
#[must_use]
pub fn error_summary(report: &PageReport) -> Vec<SummaryItem> {
    report
        .errors
        .iter()
        .map(|e| SummaryItem {
            text: e.message.clone(),
            href: format!("#{}", e.target),
        })
        .collect()
}

/// A compiled form and the JSON operations the browser needs on it.
#[derive(Debug)]
pub struct FormHandle {
    form: CompiledForm,
}

impl FormHandle {
    /// Compiles `formJson` as the form `formId` (file `forms/<formId>.json`) against the components.
    ///
    /// # Errors
    /// Every definition problem, as a list.
    pub fn compile(
        form_id: &str,
        form_json: &str,
        components_json: &str,
    ) -> Result<Self, Vec<ErrorJson>> {
        let library = library(components_json)?;
        let file = format!("forms/{form_id}.json");
        compile_form(form_id, &file, form_json, &library)
            .map(|form| Self { form })
            .map_err(|errors| errors.0.into_iter().map(ErrorJson::from).collect())
    }

    /// The compiled form.
    #[must_use]
    pub fn form(&self) -> &CompiledForm {
        &self.form
    }

    /// Validates one page's input.
    ///
    /// # Errors
    /// For malformed arguments or an unknown page (invalid input is a report, not an error).
    pub fn validate_page(
        &self,
        page_slug: &str,
        input_json: &str,
        today_iso: &str,
        lang: &str,
    ) -> Result<PageReport, String> {
        let cx = formwork_core::ValidationContext {
            today: today(today_iso)?,
            lang: language(lang)?,
        };
        let input = form_input(input_json)?;
        self.form
            .validate_page(page_slug, &input, &cx)
            .ok_or_else(|| format!("form `{}` has no page `{page_slug}`", self.form.id))
    }

    /// `validate_page` as JSON text: `{values, errors: [{field, code, message, target, inputs}]}`.
    ///
    /// # Errors
    /// As `validate_page`.
    pub fn validate_page_json(
        &self,
        page_slug: &str,
        input_json: &str,
        today_iso: &str,
        lang: &str,
    ) -> Result<String, String> {
        to_json(&self.validate_page(page_slug, input_json, today_iso, lang)?)
    }

    /// The error summary for one page's input as JSON text: `[{text, href}]`.
    ///
    /// # Errors
    /// As `validate_page`.
    pub fn error_summary_json(
        &self,
        page_slug: &str,
        input_json: &str,
        today_iso: &str,
        lang: &str,
    ) -> Result<String, String> {
        let report = self.validate_page(page_slug, input_json, today_iso, lang)?;
        to_json(&error_summary(&report))
    }

    /// The route for the answers so far as JSON text: `{answered, next: {kind, slug?}}`, or
    /// `{error}` when a condition cannot be evaluated (as in conformance outcomes).
    ///
    /// # Errors
    /// For malformed answers or date.
    pub fn route_json(&self, answers_json: &str, today_iso: &str) -> Result<String, String> {
        let answers: Answers = serde_json::from_str(answers_json).map_err(|e| {
            format!("answers must be {{\"values\": {{…}}, \"completed\": […]}}: {e}")
        })?;
        let today = today(today_iso)?;
        match self.form.route(&answers, today) {
            Ok(route) => to_json(&route),
            Err(e) => to_json(&serde_json::json!({ "error": e.to_string() })),
        }
    }
}

/// Runs one conformance file through `formwork_core::conformance::run_file`.
///
/// # Errors
/// When the components do not load or the file or its form is malformed.
pub fn run_conformance(
    file_name: &str,
    case_file_json: &str,
    components_json: &str,
    forms_json: &str,
) -> Result<Vec<CaseOutcome>, String> {
    let library = library(components_json).map_err(|errors| {
        errors
            .iter()
            .map(|e| format!("{}:{}: {}", e.file, e.pointer, e.message))
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let forms = text_map(forms_json, "formsJson")?;
    let lookup = |id: &str| forms.get(id).cloned();
    formwork_core::conformance::run_file(file_name, case_file_json, &library, &lookup)
}

/// `run_conformance` as JSON text: `[{name, actual, expected, passed}]`.
///
/// # Errors
/// As `run_conformance`.
pub fn run_conformance_json(
    file_name: &str,
    case_file_json: &str,
    components_json: &str,
    forms_json: &str,
) -> Result<String, String> {
    to_json(&run_conformance(
        file_name,
        case_file_json,
        components_json,
        forms_json,
    )?)
}

/// A list of definition errors as JSON text.
#[must_use]
pub fn errors_json(errors: &[ErrorJson]) -> String {
    serde_json::to_string(errors).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn components() -> String {
        let text_input = serde_json::json!({
            "name": "text-input", "kind": "primitive", "title": "Text input",
            "description": "One line of text.",
            "params": { "type": "object", "properties": { "width": {}, "autocomplete": {} } }
        });
        let date_input = serde_json::json!({
            "name": "date-input", "kind": "primitive", "title": "Date input",
            "description": "A date in three boxes.",
            "params": { "type": "object", "properties": {} }
        });
        serde_json::json!({
            "components/text-input/component.json": text_input.to_string(),
            // A parsed object is accepted too.
            "components/date-input/component.json": date_input,
        })
        .to_string()
    }

    fn form_json() -> String {
        serde_json::json!({
            "title": "Test form",
            "start": {},
            "pages": [
                { "slug": "name", "components": [
                    { "type": "text-input", "name": "full-name", "label": "What is your name?", "shortLabel": "name" }
                ]},
                { "slug": "birthday", "components": [
                    { "type": "date-input", "name": "dob", "label": "Date of birth", "shortLabel": "date of birth",
                      "hint": "For example, 27 3 2007" }
                ]}
            ],
            "confirmation": { "title": "Done" }
        })
        .to_string()
    }

    fn handle() -> FormHandle {
        FormHandle::compile("test-form", &form_json(), &components()).unwrap()
    }

    #[test]
    fn compiles_and_validates_a_page() {
        let form = handle();
        assert_eq!(form.form().id, "test-form");
        let ok: serde_json::Value = serde_json::from_str(
            &form
                .validate_page_json("name", r#"{"full-name":" Ada "}"#, "2026-01-01", "en")
                .unwrap(),
        )
        .unwrap();
        assert_eq!(ok["errors"], serde_json::json!([]));
        assert!(ok["values"]["full-name"].is_string());

        let bad: serde_json::Value = serde_json::from_str(
            &form
                .validate_page_json("name", r#"{"full-name":""}"#, "2026-01-01", "cy")
                .unwrap(),
        )
        .unwrap();
        let errors = bad["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        for key in ["field", "code", "message", "target", "inputs"] {
            assert!(e.get(key).is_some(), "missing {key} in {e}");
        }
        assert_eq!(bad["values"], serde_json::json!({}));
    }

    #[test]
    fn json_matches_core_serialisation() {
        let form = handle();
        let report = form
            .validate_page(
                "birthday",
                r#"{"dob-day":"31","dob-month":"2"}"#,
                "2026-01-01",
                "",
            )
            .unwrap();
        assert!(!report.is_valid());
        let json = form
            .validate_page_json(
                "birthday",
                r#"{"dob-day":"31","dob-month":"2"}"#,
                "2026-01-01",
                "",
            )
            .unwrap();
        assert_eq!(json, serde_json::to_string(&report).unwrap());
    }

    #[test]
    fn error_summary_links_to_targets_in_order() {
        let form = handle();
        let report = form
            .validate_page("birthday", r#"{"dob-year":"1990"}"#, "2026-01-01", "en")
            .unwrap();
        let summary: Vec<serde_json::Value> = serde_json::from_str(
            &form
                .error_summary_json("birthday", r#"{"dob-year":"1990"}"#, "2026-01-01", "en")
                .unwrap(),
        )
        .unwrap();
        assert_eq!(summary.len(), report.errors.len());
        assert!(!summary.is_empty());
        for (item, e) in summary.iter().zip(&report.errors) {
            assert_eq!(item["text"], e.message.as_str());
            assert_eq!(item["href"], format!("#{}", e.target).as_str());
        }
    }

    #[test]
    fn repeated_input_values_are_lists() {
        let input = form_input(r#"{"a":"1","b":["x","y"],"c":[]}"#).unwrap();
        assert_eq!(input.all("a"), ["1"]);
        assert_eq!(input.all("b"), ["x", "y"]);
        assert!(input.all("c").is_empty());
        assert!(form_input(r#"{"a":1}"#).is_err());
        assert!(form_input("[]").is_err());
    }

    #[test]
    fn routes_answers() {
        let form = handle();
        let start: serde_json::Value =
            serde_json::from_str(&form.route_json("{}", "2026-01-01").unwrap()).unwrap();
        assert_eq!(
            start,
            serde_json::json!({"answered": [], "next": {"kind": "page", "slug": "name"}})
        );
        let done: serde_json::Value = serde_json::from_str(
            &form
                .route_json(
                    r#"{"values":{"full-name":"Ada"},"completed":["name","birthday"]}"#,
                    "2026-01-01",
                )
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            done,
            serde_json::json!({"answered": ["name", "birthday"], "next": {"kind": "check-answers"}})
        );
        assert!(form.route_json(r#"{"values": 3}"#, "2026-01-01").is_err());
    }

    #[test]
    fn rejects_bad_arguments() {
        let form = handle();
        assert!(
            form.validate_page_json("nope", "{}", "2026-01-01", "en")
                .unwrap_err()
                .contains("no page `nope`")
        );
        assert!(
            form.validate_page_json("name", "{}", "2026-13-01", "en")
                .is_err()
        );
        assert!(
            form.validate_page_json("name", "{}", "2026-01-01", "fr")
                .is_err()
        );
        assert!(language("cy-GB").is_ok());
    }

    #[test]
    fn compile_errors_are_a_located_list() {
        let errors = FormHandle::compile(
            "Bad_Id",
            r#"{"title":"","start":{},"pages":[],"confirmation":{"title":"x"}}"#,
            &components(),
        )
        .unwrap_err();
        assert!(errors.len() >= 2, "{errors:?}");
        assert!(errors.iter().all(|e| e.file == "forms/Bad_Id.json"));
        let json: serde_json::Value = serde_json::from_str(&errors_json(&errors)).unwrap();
        assert!(json[0]["pointer"].is_string());

        let unknown = FormHandle::compile("x", r#"{"title":"T","start":{},"pages":[{"slug":"a","components":[{"type":"nope","name":"n"}]}],"confirmation":{"title":"x"}}"#, &components()).unwrap_err();
        assert_eq!(unknown[0].pointer, "/pages/0/components/0/type");

        let not_object = FormHandle::compile("x", &form_json(), "[]").unwrap_err();
        assert!(not_object[0].message.contains("componentsJson"));

        let bad_component = FormHandle::compile(
            "x",
            &form_json(),
            r#"{"components/x/component.json":"{\"name\":\"X\"}"}"#,
        )
        .unwrap_err();
        assert_eq!(bad_component[0].file, "components/x/component.json");
    }

    #[test]
    fn runs_conformance_files() {
        let forms = serde_json::json!({ "test-form": form_json() }).to_string();
        let cases = serde_json::json!({
            "description": "wasm bindings",
            "form": "test-form",
            "cases": [
                {
                    "name": "name required",
                    "today": "2026-01-01",
                    "steps": [{ "page": "name", "input": { "full-name": "" } }],
                    "expect": { "route": { "answered": [], "next": { "kind": "page", "slug": "name" } } }
                },
                {
                    "name": "wrong on purpose",
                    "today": "2026-01-01",
                    "steps": [{ "page": "name", "input": { "full-name": "Ada" } }],
                    "expect": { "errors": [{ "field": "full-name" }] }
                }
            ]
        })
        .to_string();
        let outcomes: Vec<serde_json::Value> = serde_json::from_str(
            &run_conformance_json("cases.json", &cases, &components(), &forms).unwrap(),
        )
        .unwrap();
        assert_eq!(outcomes.len(), 2);
        assert_eq!(outcomes[0]["name"], "wasm bindings / name required");
        assert_eq!(outcomes[0]["passed"], true);
        assert_eq!(outcomes[1]["passed"], false);
        assert_eq!(outcomes[1]["actual"], serde_json::json!({ "errors": [] }));

        let missing = run_conformance("m.json", &cases, &components(), "{}").unwrap_err();
        assert!(missing.contains("no form `test-form`"), "{missing}");
        assert!(run_conformance("m.json", "{", &components(), &forms).is_err());
    }
}
