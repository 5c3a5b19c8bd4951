//! The JavaScript API. Every function here only moves strings across the boundary and calls
//! [`crate::convert`]; results are JSON text for the caller to `JSON.parse`.
//!
//! Arguments named `…Json` take JSON text, or a plain JavaScript value, which is passed
//! through `JSON.stringify` first.

use wasm_bindgen::prelude::*;

use crate::convert::{self, FormHandle};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
}

/// JSON text from a string argument, or from any other value by `JSON.stringify`.
fn json_arg(value: &JsValue, name: &str) -> Result<String, JsError> {
    if let Some(s) = value.as_string() {
        return Ok(s);
    }
    json_stringify(value)
        .ok()
        .and_then(|v| v.as_string())
        .ok_or_else(|| {
            JsError::new(&format!(
                "{name} must be JSON text or a JSON-compatible value"
            ))
        })
}

fn js_error(message: String) -> JsError {
    JsError::new(&message)
}

/// A compiled form. Create one with `compileForm`.
#[wasm_bindgen]
pub struct Form {
    inner: FormHandle,
}

/// Compiles a form definition against the component library.
///
/// `componentsJson` is an object of file path (e.g. `components/date-input/component.json`) to
/// that file's text. On failure it throws an array of `{file, pointer, message}`.
#[wasm_bindgen(js_name = compileForm)]
pub fn compile_form(
    #[wasm_bindgen(js_name = formId)] form_id: &str,
    #[wasm_bindgen(js_name = formJson, unchecked_param_type = "string | object")]
    form_json: &JsValue,
    #[wasm_bindgen(js_name = componentsJson, unchecked_param_type = "string | object")]
    components_json: &JsValue,
) -> Result<Form, JsValue> {
    let form_json = json_arg(form_json, "formJson")?;
    let components_json = json_arg(components_json, "componentsJson")?;
    FormHandle::compile(form_id, &form_json, &components_json)
        .map(|inner| Form { inner })
        .map_err(|errors| {
            let text = convert::errors_json(&errors);
            json_parse(&text).unwrap_or_else(|_| JsValue::from_str(&text))
        })
}

#[wasm_bindgen]
impl Form {
    /// The form's id.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.inner.form().id.clone()
    }

    /// The form's version: a hash of its definition and the components.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.form().version.clone()
    }

    /// Validates a page's input (`{name: "value" | ["value", …]}`). `today` is `YYYY-MM-DD`;
    /// `lang` is `en` or `cy`. Returns JSON `{values, errors: [{field, code, message, target, inputs}]}`.
    #[wasm_bindgen(js_name = validatePage)]
    pub fn validate_page(
        &self,
        #[wasm_bindgen(js_name = pageSlug)] page_slug: &str,
        #[wasm_bindgen(js_name = inputJson, unchecked_param_type = "string | object")]
        input_json: &JsValue,
        today: &str,
        lang: &str,
    ) -> Result<String, JsError> {
        let input = json_arg(input_json, "inputJson")?;
        self.inner
            .validate_page_json(page_slug, &input, today, lang)
            .map_err(js_error)
    }

    /// The route for the answers so far (`{values, completed}`): JSON `{answered, next}`, or
    /// `{error}` when a condition cannot be evaluated.
    pub fn route(
        &self,
        #[wasm_bindgen(js_name = answersJson, unchecked_param_type = "string | object")]
        answers_json: &JsValue,
        today: &str,
    ) -> Result<String, JsError> {
        let answers = json_arg(answers_json, "answersJson")?;
        self.inner.route_json(&answers, today).map_err(js_error)
    }

    /// Validates a page's input as `validatePage` does and returns the error summary list:
    /// JSON `[{text, href: "#" + target}]` in page order.
    #[wasm_bindgen(js_name = errorSummary)]
    pub fn error_summary(
        &self,
        #[wasm_bindgen(js_name = pageSlug)] page_slug: &str,
        #[wasm_bindgen(js_name = inputJson, unchecked_param_type = "string | object")]
        input_json: &JsValue,
        today: &str,
        lang: &str,
    ) -> Result<String, JsError> {
        let input = json_arg(input_json, "inputJson")?;
        self.inner
            .error_summary_json(page_slug, &input, today, lang)
            .map_err(js_error)
    }
}

/// Runs one conformance case file. `componentsJson`: file path to `component.json` text;
/// `formsJson`: form id to form JSON text. Returns JSON `[{name, actual, expected, passed}]`.
#[cfg(feature = "conformance")]
#[wasm_bindgen(js_name = runConformance)]
pub fn run_conformance(
    #[wasm_bindgen(js_name = fileName)] file_name: &str,
    #[wasm_bindgen(js_name = caseFileJson, unchecked_param_type = "string | object")]
    case_file_json: &JsValue,
    #[wasm_bindgen(js_name = componentsJson, unchecked_param_type = "string | object")]
    components_json: &JsValue,
    #[wasm_bindgen(js_name = formsJson, unchecked_param_type = "string | object")]
    forms_json: &JsValue,
) -> Result<String, JsError> {
    let case_file = json_arg(case_file_json, "caseFileJson")?;
    let components = json_arg(components_json, "componentsJson")?;
    let forms = json_arg(forms_json, "formsJson")?;
    convert::run_conformance_json(file_name, &case_file, &components, &forms).map_err(js_error)
}
