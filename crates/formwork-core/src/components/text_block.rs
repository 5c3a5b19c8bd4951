//! The shared implementation of content blocks (`paragraph`, `inset-text`, `warning-text`,
//! `details`): named pieces of text and no answer.

use super::{Component, FieldCommon, FieldSpec, ValidationContext, ValueType};
use crate::answers::{FormInput, Value};
use crate::compile::CompileContext;
use crate::report::PageReport;
use crate::text::{Language, Text};

/// A compiled content block: its texts by template key (e.g. `text`, `summary`).
#[derive(Debug)]
pub(crate) struct TextBlock {
    pub common: FieldCommon,
    pub texts: Vec<(&'static str, Text)>,
}

/// Checks what every content block shares (no label, hint or optional) and builds the block.
pub(crate) fn compile_block(
    spec: &FieldSpec,
    cx: &mut CompileContext<'_>,
    texts: Vec<(&'static str, Text)>,
) -> Box<dyn Component> {
    spec.reject_rules(cx);
    if spec.label.is_some() || spec.hint.is_some() || spec.optional {
        cx.error(
            &spec.pointer,
            "content blocks take no label, hint or optional: put the text in params".into(),
        );
    }
    Box::new(TextBlock {
        common: spec.content_common(),
        texts,
    })
}

impl Component for TextBlock {
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
        for (key, text) in &self.texts {
            m.insert((*key).into(), text.get(lang).into());
        }
        serde_json::Value::Object(m)
    }

    fn is_field(&self) -> bool {
        false
    }
}
