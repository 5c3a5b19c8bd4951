//! `yes-no`: radios with "Yes" and "No", inline by default; either may reveal follow-up questions.

use serde::Deserialize;

use super::radios::{Item, ItemDefinition, Radios};
use super::{Component, FieldSpec};
use crate::compile::CompileContext;
use crate::definition::ComponentUse;
use crate::messages::{MessageArgs, format_message};
use crate::text::{Language, Text};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    /// Side by side (the default) unless an option reveals questions.
    #[serde(default)]
    inline: Option<bool>,
    /// Questions revealed when "Yes" is chosen.
    #[serde(default)]
    reveal_on_yes: Vec<ComponentUse>,
    /// Questions revealed when "No" is chosen.
    #[serde(default)]
    reveal_on_no: Vec<ComponentUse>,
}

fn catalogue_text(key: &str) -> Text {
    let mut map = std::collections::BTreeMap::new();
    for lang in [Language::En, Language::Cy] {
        map.insert(lang, format_message(lang, key, &MessageArgs::default()));
    }
    Text::ByLanguage(map)
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    spec.reject_rules(cx);
    let common = spec.common(cx);
    let params: Params = spec.parse_params(cx)?;
    let reveals = !params.reveal_on_yes.is_empty() || !params.reveal_on_no.is_empty();
    let item = |value: &str, reveal: Vec<ComponentUse>| ItemDefinition {
        value: value.into(),
        text: catalogue_text(value),
        hint: None,
        reveal,
        exclusive: false,
        divider: None,
    };
    // Revealed questions are compiled here so errors point at `revealOnYes`/`revealOnNo` as written.
    let reveal = |key: &str,
                  uses: &[ComponentUse],
                  cx: &mut CompileContext<'_>|
     -> Vec<Box<dyn Component>> {
        uses.iter()
            .enumerate()
            .filter_map(|(i, u)| cx.compile_use(u, &format!("{}/params/{key}/{i}", spec.pointer)))
            .collect()
    };
    let yes = reveal("revealOnYes", &params.reveal_on_yes, cx);
    let no = reveal("revealOnNo", &params.reveal_on_no, cx);
    let items = vec![
        Item {
            def: item("yes", Vec::new()),
            reveal: yes,
        },
        Item {
            def: item("no", Vec::new()),
            reveal: no,
        },
    ];
    Some(Box::new(Radios {
        common,
        items,
        inline: params.inline.unwrap_or(!reveals),
        small: false,
    }))
}
