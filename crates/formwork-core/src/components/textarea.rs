//! `textarea`: several lines of text, with an optional character or word count.

use serde::Deserialize;

use super::{Component, FieldCommon, FieldSpec, ValidationContext, ValueType, single_text};
use crate::answers::{FormInput, Value};
use crate::compile::CompileContext;
use crate::messages::MessageArgs;
use crate::report::PageReport;
use crate::text::Language;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    #[serde(default)]
    rows: Option<u32>,
    #[serde(default)]
    max_length: Option<u32>,
    #[serde(default)]
    max_words: Option<u32>,
    /// Show the count only once this percentage of the limit is used.
    #[serde(default)]
    threshold: Option<u32>,
    #[serde(default)]
    spellcheck: Option<bool>,
    #[serde(default)]
    autocomplete: Option<String>,
}

#[derive(Debug)]
struct Textarea {
    common: FieldCommon,
    params: Params,
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    spec.reject_rules(cx);
    let common = spec.common(cx);
    let params: Params = spec.parse_params(cx)?;
    if params.max_length.is_some() && params.max_words.is_some() {
        cx.error(
            &format!("{}/params", spec.pointer),
            "set maxLength or maxWords, not both: a character count counts one or the other".into(),
        );
    }
    Some(Box::new(Textarea { common, params }))
}

/// Counts words as govuk-frontend's character count does: runs of non-space characters.
pub(crate) fn count_words(s: &str) -> u64 {
    s.split_whitespace().count() as u64
}

impl Component for Textarea {
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
        let value = single_text(input, name);
        if value.is_empty() {
            if !self.common.optional {
                report.errors.push(self.common.error(
                    "text.required",
                    MessageArgs::default(),
                    vec![name.clone()],
                    cx.lang,
                ));
            }
            return;
        }
        if let Some(max) = self.params.max_length
            && value.chars().count() as u64 > u64::from(max)
        {
            let args = MessageArgs::default().with_count(u64::from(max));
            report.errors.push(self.common.error(
                "text.too-long",
                args,
                vec![name.clone()],
                cx.lang,
            ));
            return;
        }
        if let Some(max) = self.params.max_words
            && count_words(&value) > u64::from(max)
        {
            let args = MessageArgs::default().with_count(u64::from(max));
            report.errors.push(self.common.error(
                "text.too-many-words",
                args,
                vec![name.clone()],
                cx.lang,
            ));
            return;
        }
        report.values.insert(name.clone(), Value::Text(value));
    }

    fn present(&self, value: &Value, out: &mut FormInput) {
        if let Value::Text(s) = value {
            out.0.insert(self.common.name.clone(), vec![s.clone()]);
        }
    }

    fn display(&self, value: &Value, _lang: Language) -> Vec<String> {
        value
            .as_text()
            .map(|s| s.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    fn view(&self, lang: Language) -> serde_json::Value {
        let mut m = self.common.base_view(lang);
        let p = &self.params;
        m.insert("rows".into(), p.rows.into());
        m.insert("maxLength".into(), p.max_length.into());
        m.insert("maxWords".into(), p.max_words.into());
        m.insert("threshold".into(), p.threshold.into());
        m.insert("spellcheck".into(), p.spellcheck.into());
        m.insert("autocomplete".into(), p.autocomplete.clone().into());
        serde_json::Value::Object(m)
    }
}
