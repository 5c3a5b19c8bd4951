//! `inset-text`: text set apart from the content around it (GOV.UK inset text).

use serde::Deserialize;

use super::text_block::compile_block;
use super::{Component, FieldSpec};
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
