//! `postcode`: a full UK postcode, normalised to upper case with one space (`SW1A 1AA`).

use serde::Deserialize;

use super::{Component, FieldCommon, FieldSpec, ValidationContext, ValueType, single_text};
use crate::answers::{FormInput, Value};
use crate::compile::CompileContext;
use crate::messages::MessageArgs;
use crate::report::PageReport;
use crate::text::Language;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    #[serde(default)]
    autocomplete: Option<String>,
}

#[derive(Debug)]
struct Postcode {
    common: FieldCommon,
    params: Params,
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    spec.reject_rules(cx);
    let common = spec.common(cx);
    let params: Params = spec.parse_params(cx)?;
    Some(Box::new(Postcode { common, params }))
}

/// Checks the UK postcode shapes (A9, A99, AA9, AA99, A9A, AA9A + 9AA) and spaces it.
pub(crate) fn normalise_postcode(s: &str) -> Option<String> {
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    if compact == "GIR0AA" {
        return Some("GIR 0AA".into());
    }
    let inward_ok = {
        let b = inward.as_bytes();
        b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    let shape: String = outward
        .bytes()
        .map(|b| {
            if b.is_ascii_digit() {
                '9'
            } else if b.is_ascii_alphabetic() {
                'A'
            } else {
                '?'
            }
        })
        .collect();
    let outward_ok = matches!(
        shape.as_str(),
        "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A"
    );
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

impl Component for Postcode {
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
        let raw = single_text(input, name);
        if raw.is_empty() {
            if !self.common.optional {
                report.errors.push(self.common.error(
                    "postcode.required",
                    MessageArgs::default(),
                    vec![name.clone()],
                    cx.lang,
                ));
            }
            return;
        }
        match normalise_postcode(&raw) {
            Some(v) => {
                report.values.insert(name.clone(), Value::Text(v));
            }
            None => report.errors.push(self.common.error(
                "postcode.format",
                MessageArgs::default(),
                vec![name.clone()],
                cx.lang,
            )),
        }
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
        m.insert(
            "autocomplete".into(),
            self.params
                .autocomplete
                .clone()
                .unwrap_or_else(|| "postal-code".into())
                .into(),
        );
        serde_json::Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_postcode;

    #[test]
    fn normalises_postcodes() {
        assert_eq!(normalise_postcode("sw1a1aa").as_deref(), Some("SW1A 1AA"));
        assert_eq!(normalise_postcode(" m1  1ae ").as_deref(), Some("M1 1AE"));
        assert_eq!(normalise_postcode("B33 8TH").as_deref(), Some("B33 8TH"));
        assert_eq!(normalise_postcode("CR2 6XH").as_deref(), Some("CR2 6XH"));
        assert_eq!(normalise_postcode("DN55 1PT").as_deref(), Some("DN55 1PT"));
        for bad in [
            "", "SW1A", "12345", "SW1A 1A", "ÄB1 1AA", "SW1A-1AA", "AAAA 1AA",
        ] {
            assert_eq!(normalise_postcode(bad), None, "{bad}");
        }
    }
}
