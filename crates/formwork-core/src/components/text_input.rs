//! `text-input`: a single line of text with width, autocomplete, spellcheck and length limits.

use serde::Deserialize;

use super::{Component, FieldCommon, FieldSpec, ValidationContext, ValueType, single_text};
use crate::answers::{FormInput, Value};
use crate::compile::CompileContext;
use crate::messages::MessageArgs;
use crate::report::PageReport;
use crate::text::{Language, Text};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    /// GOV.UK width: 2, 3, 4, 5, 10, 20, 30 characters, or a fraction such as `one-half`.
    #[serde(default)]
    width: Option<serde_json::Value>,
    #[serde(default)]
    autocomplete: Option<String>,
    #[serde(default)]
    spellcheck: Option<bool>,
    #[serde(default)]
    inputmode: Option<String>,
    #[serde(default)]
    max_length: Option<u32>,
    #[serde(default)]
    min_length: Option<u32>,
    #[serde(default)]
    prefix: Option<Text>,
    #[serde(default)]
    suffix: Option<Text>,
}

#[derive(Debug)]
struct TextInput {
    common: FieldCommon,
    params: Params,
    width_class: Option<String>,
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    spec.reject_rules(cx);
    let common = spec.common(cx);
    let params: Params = spec.parse_params(cx)?;
    let width_class = match &params.width {
        None => None,
        Some(w) => match width_class(w) {
            Some(c) => Some(c),
            None => {
                cx.error(
                    &format!("{}/params/width", spec.pointer),
                    "width must be 2, 3, 4, 5, 10, 20 or 30, or one of full, three-quarters, two-thirds, one-half, one-third, one-quarter".into(),
                );
                None
            }
        },
    };
    Some(Box::new(TextInput {
        common,
        params,
        width_class,
    }))
}

/// The govuk-frontend class for a width parameter.
pub(crate) fn width_class(w: &serde_json::Value) -> Option<String> {
    match w {
        serde_json::Value::Number(n) => match n.as_u64()? {
            n @ (2 | 3 | 4 | 5 | 10 | 20 | 30) => Some(format!("govuk-input--width-{n}")),
            _ => None,
        },
        serde_json::Value::String(s) => match s.as_str() {
            "full" | "three-quarters" | "two-thirds" | "one-half" | "one-third" | "one-quarter" => {
                Some(format!("govuk-!-width-{s}"))
            }
            _ => None,
        },
        _ => None,
    }
}

impl Component for TextInput {
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
                let e = self.common.error(
                    "text.required",
                    MessageArgs::default(),
                    vec![name.clone()],
                    cx.lang,
                );
                report.errors.push(e);
            }
            return;
        }
        let len = value.chars().count() as u64;
        if let Some(max) = self.params.max_length
            && len > u64::from(max)
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
        if let Some(min) = self.params.min_length
            && len < u64::from(min)
        {
            let args = MessageArgs::default().with_count(u64::from(min));
            report.errors.push(self.common.error(
                "text.too-short",
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
            .map(|s| vec![s.to_owned()])
            .unwrap_or_default()
    }

    fn view(&self, lang: Language) -> serde_json::Value {
        let mut m = self.common.base_view(lang);
        let p = &self.params;
        m.insert("widthClass".into(), self.width_class.clone().into());
        m.insert("autocomplete".into(), p.autocomplete.clone().into());
        m.insert("spellcheck".into(), p.spellcheck.into());
        m.insert("inputmode".into(), p.inputmode.clone().into());
        m.insert(
            "prefix".into(),
            p.prefix.as_ref().map(|t| t.get(lang).to_owned()).into(),
        );
        m.insert(
            "suffix".into(),
            p.suffix.as_ref().map(|t| t.get(lang).to_owned()).into(),
        );
        m.insert("maxLength".into(), p.max_length.into());
        serde_json::Value::Object(m)
    }
}
