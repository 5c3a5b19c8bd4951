//! `paragraph`: a paragraph of body text.

use serde::Deserialize;

use super::text_block::{TextBlock, compile_block};
use super::{Component, FieldCommon, FieldSpec};
use crate::compile::CompileContext;
use crate::text::Text;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    text: Text,
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    let params: Params = spec.parse_params(cx)?;
    Some(compile_block(&spec, cx, vec![("text", params.text)]))
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
    Box::new(TextBlock {
        common,
        texts: vec![("text", text)],
    })
}
