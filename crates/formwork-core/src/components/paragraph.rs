//! `paragraph`: a paragraph of body text.

use serde::Deserialize;

use super::{Component, FieldCommon, FieldSpec, ValidationContext, ValueType};
use crate::answers::{FormInput, Value};
use crate::compile::CompileContext;
use crate::report::PageReport;
use crate::text::{Language, Text};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    text: Text,
}

#[derive(Debug)]
struct Block {
    common: FieldCommon,
    params: Params,
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    spec.reject_rules(cx);
    if spec.label.is_some() || spec.hint.is_some() || spec.optional {
        cx.error(
            &spec.pointer,
            "content blocks take no label, hint or optional: put the text in params".into(),
        );
    }
    let params: Params = spec.parse_params(cx)?;
    Some(Box::new(Block {
        common: spec.content_common(),
        params,
    }))
}

impl Component for Block {
    fn common(&self) -> &FieldCommon {
        &self.common
    }

    fn inputs(&self) -> Vec<String> {
        Vec::new()
    }

    fn value_type(&self) -> ValueType {
        ValueType::None
    }

    fn validate(&self, _input: &FormInput, _cx: &ValidationContext, _report: &mut PageReport) {}

    fn present(&self, _value: &Value, _out: &mut FormInput) {}

    fn display(&self, _value: &Value, _lang: Language) -> Vec<String> {
        Vec::new()
    }

    fn view(&self, lang: Language) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("type".into(), self.common.template.clone().into());
        m.insert("kind".into(), self.common.kind.clone().into());
        m.insert("text".into(), self.params.text.get(lang).into());
        serde_json::Value::Object(m)
    }

    fn is_field(&self) -> bool {
        false
    }
}

/// A paragraph made by the engine itself (e.g. on an exit page for an eligibility rule).
pub(crate) fn synthetic(text: Text) -> Box<dyn Component> {
    let common = FieldCommon {
        name: String::new(),
        kind: "paragraph".into(),
        template: "paragraph".into(),
        label: Text::from(""),
        short_label: None,
        hint: None,
        optional: true,
        messages: std::collections::BTreeMap::new(),
        pointer: String::new(),
    };
    Box::new(Block {
        common,
        params: Params { text },
    })
}
