//! A composite of several parts (e.g. `full-name`, `uk-address`): a fieldset whose answer is an
//! object with one entry per part. Composites are data; this is the one piece of Rust they share.

use std::collections::BTreeMap;

use super::{Component, FieldCommon, ValidationContext, ValueType};
use crate::answers::{FormInput, Value};
use crate::report::PageReport;
use crate::text::Language;

/// A compiled multi-part composite.
#[derive(Debug)]
pub(crate) struct Group {
    pub common: FieldCommon,
    /// `(part name, compiled part)`; each part's own name is `<use name>-<part name>`.
    pub parts: Vec<(String, Box<dyn Component>)>,
    /// Joins the parts' lines in check answers (e.g. a name on one line).
    pub separator: Option<String>,
}

impl Component for Group {
    fn common(&self) -> &FieldCommon {
        &self.common
    }

    fn inputs(&self) -> Vec<String> {
        self.parts.iter().flat_map(|(_, p)| p.inputs()).collect()
    }

    fn value_type(&self) -> ValueType {
        ValueType::Group(
            self.parts
                .iter()
                .map(|(n, p)| (n.clone(), p.value_type()))
                .collect(),
        )
    }

    fn validate(&self, input: &FormInput, cx: &ValidationContext, report: &mut PageReport) {
        let mut inner = PageReport::default();
        for (_, part) in &self.parts {
            part.validate(input, cx, &mut inner);
        }
        let mut group = BTreeMap::new();
        for (part_name, part) in &self.parts {
            if let Some(v) = inner.values.remove(&part.common().name) {
                group.insert(part_name.clone(), v);
            }
        }
        let valid = inner.errors.is_empty();
        report.errors.extend(inner.errors);
        if valid && !group.is_empty() {
            report
                .values
                .insert(self.common.name.clone(), Value::Group(group));
        } else if valid && !self.common.optional {
            // Every part was optional and empty: nothing to store.
        }
    }

    fn present(&self, value: &Value, out: &mut FormInput) {
        if let Value::Group(map) = value {
            for (part_name, part) in &self.parts {
                if let Some(v) = map.get(part_name) {
                    part.present(v, out);
                }
            }
        }
    }

    fn display(&self, value: &Value, lang: Language) -> Vec<String> {
        let Value::Group(map) = value else {
            return Vec::new();
        };
        self.parts
            .iter()
            .filter_map(|(n, p)| map.get(n).map(|v| p.display(v, lang)))
            .flatten()
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .pipe_join(self.separator.as_deref())
    }

    fn view(&self, lang: Language) -> serde_json::Value {
        let mut m = self.common.base_view(lang);
        m.insert(
            "parts".into(),
            self.parts
                .iter()
                .map(|(_, p)| p.view(lang))
                .collect::<Vec<_>>()
                .into(),
        );
        serde_json::Value::Object(m)
    }

    fn nested(&self) -> Vec<&dyn Component> {
        self.parts.iter().flat_map(|(_, p)| p.nested()).collect()
    }
}

/// Joins lines with a separator when one is set.
trait PipeJoin {
    fn pipe_join(self, separator: Option<&str>) -> Vec<String>;
}

impl PipeJoin for Vec<String> {
    fn pipe_join(self, separator: Option<&str>) -> Vec<String> {
        match separator {
            Some(sep) if !self.is_empty() => vec![self.join(sep)],
            _ => self,
        }
    }
}
