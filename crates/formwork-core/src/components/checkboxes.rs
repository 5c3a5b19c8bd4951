//! `checkboxes`: choose any options; an exclusive option ("None of these") cannot be combined with others.

use serde::Deserialize;

use super::radios::{Item, ItemDefinition, compile_items, items_view, values};
use super::{Component, FieldCommon, FieldSpec, ValidationContext, ValueType};
use crate::answers::{FormInput, Value};
use crate::compile::CompileContext;
use crate::messages::MessageArgs;
use crate::report::PageReport;
use crate::text::Language;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    items: Vec<ItemDefinition>,
    #[serde(default)]
    small: bool,
}

#[derive(Debug)]
struct Checkboxes {
    common: FieldCommon,
    items: Vec<Item>,
    small: bool,
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    spec.reject_rules(cx);
    let common = spec.common(cx);
    let params: Params = spec.parse_params(cx)?;
    if params.items.iter().filter(|i| i.exclusive).count() > 1 {
        cx.error(
            &format!("{}/params/items", spec.pointer),
            "only one option can be exclusive".into(),
        );
    }
    let items = compile_items(&spec, params.items, true, cx);
    Some(Box::new(Checkboxes {
        common,
        items,
        small: params.small,
    }))
}

impl Component for Checkboxes {
    fn common(&self) -> &FieldCommon {
        &self.common
    }

    fn inputs(&self) -> Vec<String> {
        vec![self.common.name.clone()]
    }

    fn value_type(&self) -> ValueType {
        ValueType::List(values(&self.items))
    }

    fn validate(&self, input: &FormInput, cx: &ValidationContext, report: &mut PageReport) {
        let name = &self.common.name;
        let sent: Vec<&str> = input
            .all(name)
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        let inputs = vec![name.clone()];
        if sent.is_empty() {
            if !self.common.optional {
                report.errors.push(self.common.error(
                    "checkboxes.required",
                    MessageArgs::default(),
                    inputs,
                    cx.lang,
                ));
            }
            return;
        }
        if sent
            .iter()
            .any(|v| !self.items.iter().any(|i| i.def.value == *v))
        {
            report.errors.push(self.common.error(
                "choice.invalid",
                MessageArgs::default(),
                inputs,
                cx.lang,
            ));
            return;
        }
        let chosen: Vec<&Item> = self
            .items
            .iter()
            .filter(|i| sent.contains(&i.def.value.as_str()))
            .collect();
        if let Some(exclusive) = chosen.iter().find(|i| i.def.exclusive)
            && chosen.len() > 1
        {
            let args = MessageArgs::default().with("none", exclusive.def.text.get(cx.lang));
            report.errors.push(
                self.common
                    .error("checkboxes.exclusive", args, inputs, cx.lang),
            );
            return;
        }
        report.values.insert(
            name.clone(),
            Value::List(chosen.iter().map(|i| i.def.value.clone()).collect()),
        );
        for item in chosen {
            for nested in &item.reveal {
                nested.validate(input, cx, report);
            }
        }
    }

    fn present(&self, value: &Value, out: &mut FormInput) {
        if let Value::List(list) = value {
            out.0.insert(self.common.name.clone(), list.clone());
        }
    }

    fn display(&self, value: &Value, lang: Language) -> Vec<String> {
        match value {
            Value::List(list) => list
                .iter()
                .map(|v| {
                    self.items
                        .iter()
                        .find(|i| &i.def.value == v)
                        .map_or_else(|| v.clone(), |i| i.def.text.get(lang).to_owned())
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn view(&self, lang: Language) -> serde_json::Value {
        let mut m = self.common.base_view(lang);
        m.insert(
            "items".into(),
            items_view(&self.common.name, &self.items, lang),
        );
        m.insert("small".into(), self.small.into());
        serde_json::Value::Object(m)
    }

    fn nested(&self) -> Vec<&dyn Component> {
        self.items
            .iter()
            .flat_map(|i| i.reveal.iter().map(AsRef::as_ref))
            .collect()
    }

    fn nested_for(&self, value: Option<&Value>) -> Vec<&dyn Component> {
        let Some(Value::List(list)) = value else {
            return Vec::new();
        };
        self.items
            .iter()
            .filter(|i| list.contains(&i.def.value))
            .flat_map(|i| i.reveal.iter().map(AsRef::as_ref))
            .collect()
    }
}
