//! `select`: choose one option from a drop-down list (use radios for short lists).

use serde::Deserialize;

use super::radios::{Item, ItemDefinition, compile_items, items_view, values};
use super::{Component, FieldCommon, FieldSpec, ValidationContext, ValueType, single_text};
use crate::answers::{FormInput, Value};
use crate::compile::CompileContext;
use crate::messages::MessageArgs;
use crate::report::PageReport;
use crate::text::{Language, Text};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    items: Vec<ItemDefinition>,
    /// The first, empty option, e.g. "Choose a zone".
    #[serde(default)]
    placeholder: Option<Text>,
}

#[derive(Debug)]
struct Select {
    common: FieldCommon,
    items: Vec<Item>,
    placeholder: Option<Text>,
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    spec.reject_rules(cx);
    let common = spec.common(cx);
    let params: Params = spec.parse_params(cx)?;
    let items = compile_items(&spec, params.items, false, cx);
    Some(Box::new(Select {
        common,
        items,
        placeholder: params.placeholder,
    }))
}

impl Component for Select {
    fn common(&self) -> &FieldCommon {
        &self.common
    }

    fn inputs(&self) -> Vec<String> {
        vec![self.common.name.clone()]
    }

    fn value_type(&self) -> ValueType {
        ValueType::Choice(values(&self.items))
    }

    fn validate(&self, input: &FormInput, cx: &ValidationContext, report: &mut PageReport) {
        let name = &self.common.name;
        let chosen = single_text(input, name);
        if chosen.is_empty() {
            if !self.common.optional {
                report.errors.push(self.common.error(
                    "choice.required",
                    MessageArgs::default(),
                    vec![name.clone()],
                    cx.lang,
                ));
            }
            return;
        }
        if !self.items.iter().any(|i| i.def.value == chosen) {
            report.errors.push(self.common.error(
                "choice.invalid",
                MessageArgs::default(),
                vec![name.clone()],
                cx.lang,
            ));
            return;
        }
        report.values.insert(name.clone(), Value::Text(chosen));
    }

    fn present(&self, value: &Value, out: &mut FormInput) {
        if let Value::Text(s) = value {
            out.0.insert(self.common.name.clone(), vec![s.clone()]);
        }
    }

    fn display(&self, value: &Value, lang: Language) -> Vec<String> {
        let Some(v) = value.as_text() else {
            return Vec::new();
        };
        self.items
            .iter()
            .find(|i| i.def.value == v)
            .map(|i| vec![i.def.text.get(lang).to_owned()])
            .unwrap_or_else(|| vec![v.to_owned()])
    }

    fn view(&self, lang: Language) -> serde_json::Value {
        let mut m = self.common.base_view(lang);
        m.insert(
            "items".into(),
            items_view(&self.common.name, &self.items, lang),
        );
        m.insert(
            "placeholder".into(),
            self.placeholder
                .as_ref()
                .map(|t| t.get(lang).to_owned())
                .into(),
        );
        serde_json::Value::Object(m)
    }
}
