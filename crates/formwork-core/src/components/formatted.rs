//! The shared implementation of one-line answers that are checked and normalised by a
//! function: `email`, `telephone` and `postcode` each compile into a `FormattedInput`.

use std::fmt;

use super::{Component, FieldCommon, ValidationContext, ValueType, single_text};
use crate::answers::{FormInput, Value};
use crate::messages::MessageArgs;
use crate::report::PageReport;
use crate::text::Language;

/// Checks and normalises one answer; `None` means it is not in the right format.
pub(crate) type Normalise = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// A one-line answer with a format.
pub(crate) struct FormattedInput {
    pub common: FieldCommon,
    /// The autocomplete token, e.g. `email`.
    pub autocomplete: String,
    /// Code for an empty required answer, e.g. `email.required`.
    pub required_code: &'static str,
    /// Code for an answer in the wrong format, e.g. `email.format`.
    pub format_code: &'static str,
    pub normalise: Normalise,
}

impl fmt::Debug for FormattedInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormattedInput")
            .field("common", &self.common)
            .field("format_code", &self.format_code)
            .finish_non_exhaustive()
    }
}

impl Component for FormattedInput {
    fn common(&self) -> &FieldCommon {
        &self.common
    }

    fn inputs(&self) -> Vec<String> {
        vec![self.common.name.clone()]
    }

    fn value_type(&self) -> ValueType {
        ValueType::Text
    }

    fn validate(&self, input: &FormInput, cx: &ValidationContext, report: &mut PageReport) {
        let name = &self.common.name;
        let raw = single_text(input, name);
        if raw.is_empty() {
            if !self.common.optional {
                report.errors.push(self.common.error(
                    self.required_code,
                    MessageArgs::default(),
                    vec![name.clone()],
                    cx.lang,
                ));
            }
            return;
        }
        match (self.normalise)(&raw) {
            Some(v) => {
                report.values.insert(name.clone(), Value::Text(v));
            }
            None => report.errors.push(self.common.error(
                self.format_code,
                MessageArgs::default(),
                vec![name.clone()],
                cx.lang,
            )),
        }
    }

    fn present(&self, value: &Value, out: &mut FormInput) {
        if let Value::Text(s) = value {
            out.0.insert(self.common.name.clone(), vec![s.clone()]);
        }
    }

    fn display(&self, value: &Value, _lang: Language) -> Vec<String> {
        value
            .as_text()
            .map(|s| vec![s.to_owned()])
            .unwrap_or_default()
    }

    fn view(&self, lang: Language) -> serde_json::Value {
        let mut m = self.common.base_view(lang);
        m.insert("autocomplete".into(), self.autocomplete.clone().into());
        serde_json::Value::Object(m)
    }
}
