//! `radios`: choose one option; an option may reveal follow-up questions when chosen.

use serde::Deserialize;

use super::{Component, FieldCommon, FieldSpec, ValidationContext, ValueType, single_text};
use crate::answers::{FormInput, Value};
use crate::compile::CompileContext;
use crate::definition::ComponentUse;
use crate::messages::MessageArgs;
use crate::report::PageReport;
use crate::text::{Language, Text};

/// One option of radios, checkboxes or a select.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ItemDefinition {
    pub value: String,
    pub text: Text,
    #[serde(default)]
    pub hint: Option<Text>,
    /// Questions revealed when this option is chosen (radios and checkboxes).
    #[serde(default)]
    pub reveal: Vec<ComponentUse>,
    /// For checkboxes: the "none of these" option that excludes the others.
    #[serde(default)]
    pub exclusive: bool,
    /// Text of a divider shown before this option (e.g. "or").
    #[serde(default)]
    pub divider: Option<Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    items: Vec<ItemDefinition>,
    #[serde(default)]
    inline: bool,
    #[serde(default)]
    small: bool,
}

/// A compiled option with its compiled revealed questions.
#[derive(Debug)]
pub(crate) struct Item {
    pub def: ItemDefinition,
    pub reveal: Vec<Box<dyn Component>>,
}

/// Compiles options: checks values are unique and compiles revealed questions.
pub(crate) fn compile_items(
    spec: &FieldSpec,
    items: Vec<ItemDefinition>,
    allow_reveal: bool,
    cx: &mut CompileContext<'_>,
) -> Vec<Item> {
    let mut seen = std::collections::BTreeSet::new();
    if items.len() < 2 {
        cx.error(
            &format!("{}/params/items", spec.pointer),
            "a choice needs at least 2 options".into(),
        );
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, def)| {
            let pointer = format!("{}/params/items/{i}", spec.pointer);
            if def.value.trim().is_empty() {
                cx.error(
                    &format!("{pointer}/value"),
                    "an option needs a value".into(),
                );
            }
            if !seen.insert(def.value.clone()) {
                cx.error(
                    &format!("{pointer}/value"),
                    format!("duplicate option value `{}`", def.value),
                );
            }
            if def.text.is_blank() {
                cx.error(&format!("{pointer}/text"), "an option needs text".into());
            }
            if !allow_reveal && !def.reveal.is_empty() {
                cx.error(
                    &format!("{pointer}/reveal"),
                    format!("`{}` options cannot reveal questions", spec.kind),
                );
            }
            let reveal = def
                .reveal
                .iter()
                .enumerate()
                .filter_map(|(j, u)| cx.compile_use(u, &format!("{pointer}/reveal/{j}")))
                .collect();
            Item { def, reveal }
        })
        .collect()
}

/// The view of options, shared by radios, checkboxes and select.
pub(crate) fn items_view(name: &str, items: &[Item], lang: Language) -> serde_json::Value {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let id = if i == 0 {
                name.to_owned()
            } else {
                format!("{name}-{}", i + 1)
            };
            serde_json::json!({
                "id": id,
                "value": item.def.value,
                "text": item.def.text.get(lang),
                "hint": item.def.hint.as_ref().map(|h| h.get(lang)),
                "exclusive": item.def.exclusive,
                "divider": item.def.divider.as_ref().map(|d| d.get(lang)),
                "reveal": item.reveal.iter().map(|c| c.view(lang)).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The option values, for condition type checks.
pub(crate) fn values(items: &[Item]) -> Vec<String> {
    items.iter().map(|i| i.def.value.clone()).collect()
}

#[derive(Debug)]
pub(crate) struct Radios {
    pub common: FieldCommon,
    pub items: Vec<Item>,
    pub inline: bool,
    pub small: bool,
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    spec.reject_rules(cx);
    let common = spec.common(cx);
    let params: Params = spec.parse_params(cx)?;
    let items = compile_items(&spec, params.items, true, cx);
    Some(Box::new(Radios {
        common,
        items,
        inline: params.inline,
        small: params.small,
    }))
}

impl Component for Radios {
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
        let Some(item) = self.items.iter().find(|i| i.def.value == chosen) else {
            report.errors.push(self.common.error(
                "choice.invalid",
                MessageArgs::default(),
                vec![name.clone()],
                cx.lang,
            ));
            return;
        };
        report.values.insert(name.clone(), Value::Text(chosen));
        for nested in &item.reveal {
            nested.validate(input, cx, report);
        }
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
        m.insert("inline".into(), self.inline.into());
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
        let Some(v) = value.and_then(Value::as_text) else {
            return Vec::new();
        };
        self.items
            .iter()
            .filter(|i| i.def.value == v)
            .flat_map(|i| i.reveal.iter().map(AsRef::as_ref))
            .collect()
    }
}
