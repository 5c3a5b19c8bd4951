//! The component registry: the ONE table from a primitive's type name to its compile function,
//! plus the `Component` trait every compiled component implements.
//!
//! Adding a primitive means one module in `components/` and one arm in `compile_primitive`.

use std::collections::BTreeMap;
use std::fmt;

use time::Date;

use crate::answers::{FormInput, Value};
use crate::compile::CompileContext;
use crate::messages::{MessageArgs, fill, format_message};
use crate::report::{FieldError, PageReport};
use crate::text::{Language, Text};

pub(crate) mod checkboxes;
pub(crate) mod date_input;
pub(crate) mod details;
pub(crate) mod email;
pub(crate) mod formatted;
pub(crate) mod group;
pub(crate) mod inset_text;
pub(crate) mod number;
pub(crate) mod paragraph;
pub(crate) mod postcode;
pub(crate) mod radios;
pub(crate) mod select;
pub(crate) mod telephone;
pub(crate) mod text_block;
pub(crate) mod text_input;
pub(crate) mod textarea;
pub(crate) mod warning_text;
pub(crate) mod yes_no;

/// The primitive type names, in gallery order. A `components/<name>/` folder must exist for each.
pub const PRIMITIVES: &[&str] = &[
    "text-input",
    "textarea",
    "number",
    "email",
    "telephone",
    "postcode",
    "radios",
    "checkboxes",
    "select",
    "yes-no",
    "date-input",
    "paragraph",
    "inset-text",
    "details",
    "warning-text",
];

/// Compiles one use of a primitive. Returns `None` (with errors recorded in `cx`) when the use is wrong.
pub(crate) fn compile_primitive(
    spec: FieldSpec,
    cx: &mut CompileContext<'_>,
) -> Option<Box<dyn Component>> {
    match spec.kind.as_str() {
        "text-input" => text_input::compile(spec, cx),
        "textarea" => textarea::compile(spec, cx),
        "number" => number::compile(spec, cx),
        "email" => email::compile(spec, cx),
        "telephone" => telephone::compile(spec, cx),
        "postcode" => postcode::compile(spec, cx),
        "radios" => radios::compile(spec, cx),
        "checkboxes" => checkboxes::compile(spec, cx),
        "select" => select::compile(spec, cx),
        "yes-no" => yes_no::compile(spec, cx),
        "date-input" => date_input::compile(spec, cx),
        "paragraph" => paragraph::compile(spec, cx),
        "inset-text" => inset_text::compile(spec, cx),
        "details" => details::compile(spec, cx),
        "warning-text" => warning_text::compile(spec, cx),
        other => {
            cx.error(
                &spec.pointer_to("type"),
                format!("`{other}` is not a primitive component"),
            );
            None
        }
    }
}

/// What a compiled component's answer looks like, for type-checking conditions.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueType {
    /// Free text.
    Text,
    /// A number.
    Number,
    /// A date.
    Date,
    /// One of these option values.
    Choice(Vec<String>),
    /// Any of these option values (checkboxes).
    List(Vec<String>),
    /// Named parts.
    Group(BTreeMap<String, ValueType>),
    /// No answer (content blocks).
    None,
}

/// Today and the language: everything validation needs from outside.
#[derive(Clone, Copy, Debug)]
pub struct ValidationContext {
    /// Today's date, supplied by the caller (the server uses Europe/London).
    pub today: Date,
    /// The language for messages.
    pub lang: Language,
}

/// An eligibility rule that an answer fails: the journey goes to `exit_page`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EligibilityFailure {
    /// The slug of the exit page.
    pub exit_page: String,
    /// The rule's code, e.g. `date.min-age`.
    pub code: String,
}

/// A compiled component: a question (field) or a content block.
pub trait Component: fmt::Debug + Send + Sync {
    /// The shared parts: name, labels, template.
    fn common(&self) -> &FieldCommon;
    /// The input names this component reads, in page order.
    fn inputs(&self) -> Vec<String>;
    /// The shape of the answer.
    fn value_type(&self) -> ValueType;
    /// Validates submitted input, adding a normalised value or errors to the report.
    fn validate(&self, input: &FormInput, cx: &ValidationContext, report: &mut PageReport);
    /// Turns a stored answer back into the input that would produce it, to pre-fill the page.
    fn present(&self, value: &Value, out: &mut FormInput);
    /// The answer as lines of text for check answers.
    fn display(&self, value: &Value, lang: Language) -> Vec<String>;
    /// The data the component's template renders, with text resolved to `lang`.
    fn view(&self, lang: Language) -> serde_json::Value;
    /// Questions nested in this one (conditionally revealed questions).
    fn nested(&self) -> Vec<&dyn Component> {
        Vec::new()
    }
    /// Nested questions that apply given this component's answer.
    fn nested_for(&self, _value: Option<&Value>) -> Vec<&dyn Component> {
        Vec::new()
    }
    /// Eligibility rules (e.g. a minimum age) the answer fails.
    fn eligibility(&self, _value: &Value, _today: Date) -> Option<EligibilityFailure> {
        None
    }
    /// True for questions, false for content blocks.
    fn is_field(&self) -> bool {
        true
    }
}

/// A component use after composites are expanded: what a primitive's compile function receives.
#[derive(Clone, Debug)]
pub(crate) struct FieldSpec {
    /// The primitive type, e.g. `date-input`.
    pub kind: String,
    /// The component folder whose template renders this use (a composite's, or the primitive's).
    pub template: String,
    pub name: String,
    pub label: Option<Text>,
    pub short_label: Option<Text>,
    pub hint: Option<Text>,
    pub optional: bool,
    pub params: serde_json::Map<String, serde_json::Value>,
    pub rules: Vec<serde_json::Value>,
    pub messages: BTreeMap<String, Text>,
    pub exit_page: Option<String>,
    /// JSON pointer of the use in its file.
    pub pointer: String,
}

impl FieldSpec {
    pub(crate) fn pointer_to(&self, key: &str) -> String {
        format!("{}/{key}", self.pointer)
    }

    /// Reads `params` into a primitive's typed parameters, recording an error on failure.
    pub(crate) fn parse_params<T: serde::de::DeserializeOwned>(
        &self,
        cx: &mut CompileContext<'_>,
    ) -> Option<T> {
        let value = serde_json::Value::Object(self.params.clone());
        match crate::compile::parse_value::<T>(value) {
            Ok(p) => Some(p),
            Err((path, message)) => {
                cx.error(
                    &format!("{}/params{path}", self.pointer),
                    format!("bad parameter for `{}`: {message}", self.template),
                );
                None
            }
        }
    }

    /// Records an error for every rule: for primitives that take no rules.
    pub(crate) fn reject_rules(&self, cx: &mut CompileContext<'_>) {
        for i in 0..self.rules.len() {
            cx.error(
                &format!("{}/rules/{i}", self.pointer),
                format!("`{}` takes no validation rules", self.kind),
            );
        }
    }

    /// Builds the common part, requiring a label for questions.
    pub(crate) fn common(&self, cx: &mut CompileContext<'_>) -> FieldCommon {
        if self.label.as_ref().is_none_or(Text::is_blank) {
            cx.error(
                &self.pointer_to("label"),
                format!(
                    "`{}` needs a label: the question a resident answers",
                    self.name
                ),
            );
        }
        if self.short_label.is_none()
            && self
                .label
                .as_ref()
                .is_some_and(|l| l.get(Language::En).trim_end().ends_with('?'))
        {
            cx.error(
                &self.pointer_to("shortLabel"),
                format!("`{}` needs a shortLabel: its label is a question, and messages such as \"Enter …\" need a noun phrase", self.name),
            );
        }
        FieldCommon {
            name: self.name.clone(),
            kind: self.kind.clone(),
            template: self.template.clone(),
            label: self.label.clone().unwrap_or_else(|| Text::from("")),
            short_label: self.short_label.clone(),
            hint: self.hint.clone(),
            optional: self.optional,
            messages: self.messages.clone(),
            pointer: self.pointer.clone(),
        }
    }

    /// Builds the common part for a content block (no name or label needed).
    pub(crate) fn content_common(&self) -> FieldCommon {
        FieldCommon {
            name: String::new(),
            kind: self.kind.clone(),
            template: self.template.clone(),
            label: Text::from(""),
            short_label: None,
            hint: None,
            optional: true,
            messages: BTreeMap::new(),
            pointer: self.pointer.clone(),
        }
    }
}

/// The parts every component shares.
#[derive(Clone, Debug)]
pub struct FieldCommon {
    /// The answer key; empty for content blocks.
    pub name: String,
    /// The primitive type.
    pub kind: String,
    /// The component folder whose template renders it.
    pub template: String,
    /// The question.
    pub label: Text,
    /// The noun phrase for messages and check answers.
    pub short_label: Option<Text>,
    /// Hint text.
    pub hint: Option<Text>,
    /// Whether it may be left empty.
    pub optional: bool,
    /// Message overrides by error code.
    pub messages: BTreeMap<String, Text>,
    /// JSON pointer of the use in its file, for definition errors found after compiling.
    pub pointer: String,
}

impl FieldCommon {
    /// The noun phrase used in messages: the short label, or the label without a question mark.
    #[must_use]
    pub fn noun(&self, lang: Language) -> String {
        match &self.short_label {
            Some(t) => t.get(lang).to_owned(),
            None => crate::text::decapitalise(self.label.get(lang).trim().trim_end_matches('?')),
        }
    }

    /// Builds an error, using the use's override for `code` if it has one.
    #[must_use]
    pub fn error(
        &self,
        code: &str,
        args: MessageArgs,
        inputs: Vec<String>,
        lang: Language,
    ) -> FieldError {
        let mut args = args;
        if args.label.is_none() {
            args.label = Some(self.noun(lang));
        }
        let message = match self.messages.get(code) {
            Some(custom) => fill(custom.get(lang), &args),
            None => format_message(lang, code, &args),
        };
        FieldError {
            field: self.name.clone(),
            code: code.to_owned(),
            message,
            target: inputs.first().cloned().unwrap_or_else(|| self.name.clone()),
            inputs,
        }
    }

    /// The base view every template gets.
    #[must_use]
    pub fn base_view(&self, lang: Language) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        m.insert("type".into(), self.template.clone().into());
        m.insert("kind".into(), self.kind.clone().into());
        m.insert("name".into(), self.name.clone().into());
        m.insert("label".into(), self.label.get(lang).into());
        m.insert("shortLabel".into(), self.noun(lang).into());
        if let Some(h) = &self.hint {
            m.insert("hint".into(), h.get(lang).into());
        }
        m.insert("optional".into(), self.optional.into());
        m
    }
}

/// Trims and normalises line endings (CRLF and a lone CR both become LF, as in a browser's
/// own textarea value, so that a normalised answer normalises to itself when the page is
/// pre-filled and sent again); the first value of a single-value input.
pub(crate) fn single_text(input: &FormInput, name: &str) -> String {
    input
        .get(name)
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_owned()
}

/// True for content blocks, which have no name, label or answer.
pub(crate) fn is_content(kind: &str) -> bool {
    matches!(
        kind,
        "paragraph" | "inset-text" | "details" | "warning-text"
    )
}
