//! `number`: a whole or decimal number with optional minimum and maximum.

use serde::Deserialize;

use super::{Component, FieldCommon, FieldSpec, ValidationContext, ValueType, single_text};
use crate::answers::{FormInput, Value};
use crate::compile::CompileContext;
use crate::messages::MessageArgs;
use crate::report::PageReport;
use crate::text::{Language, Text};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    /// Allow decimals (default: whole numbers only).
    #[serde(default)]
    decimal: bool,
    /// The most decimal places allowed when `decimal` is true.
    #[serde(default)]
    decimal_places: Option<u32>,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    prefix: Option<Text>,
    #[serde(default)]
    suffix: Option<Text>,
    #[serde(default)]
    width: Option<serde_json::Value>,
}

#[derive(Debug)]
struct Number {
    common: FieldCommon,
    params: Params,
    width_class: Option<String>,
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    spec.reject_rules(cx);
    let common = spec.common(cx);
    let params: Params = spec.parse_params(cx)?;
    if let (Some(min), Some(max)) = (params.min, params.max)
        && min > max
    {
        cx.error(
            &format!("{}/params/min", spec.pointer),
            format!("min ({min}) is more than max ({max})"),
        );
    }
    let width_class = match &params.width {
        None => None,
        Some(w) => {
            let class = super::text_input::width_class(w);
            if class.is_none() {
                cx.error(
                    &format!("{}/params/width", spec.pointer),
                    "width must be 2, 3, 4, 5, 10, 20 or 30, or one of full, three-quarters, two-thirds, one-half, one-third, one-quarter".into(),
                );
            }
            class
        }
    };
    Some(Box::new(Number {
        common,
        params,
        width_class,
    }))
}

/// Thousands separators are noise only between groups of three digits: "1,000" is 1000 but "1,5" is not a number.
fn commas_ok(raw: &str) -> bool {
    let int_part = raw.split('.').next().unwrap_or_default();
    let int_part: String = int_part
        .chars()
        .filter(|c| !matches!(c, ' ' | '£' | '-' | '_'))
        .collect();
    if !int_part.contains(',') {
        return !raw.split_once('.').is_some_and(|(_, f)| f.contains(','));
    }
    let mut groups = int_part.split(',');
    let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    first_ok
        && groups.all(|g| g.len() == 3)
        && !raw.split_once('.').is_some_and(|(_, f)| f.contains(','))
}

/// Formats a number for reading: thousands separated by commas, and `decimal_places` digits when it has a fraction.
pub(crate) fn format_number_for_reading(n: f64, decimal_places: Option<u32>) -> String {
    let text = match decimal_places {
        Some(p) if n.fract() != 0.0 => format!("{n:.prec$}", prec = p as usize),
        _ => format_number(n),
    };
    let (sign, body) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |b| ("-", b));
    let (int, frac) = body
        .split_once('.')
        .map_or((body, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Formats a number without a trailing `.0`.
pub(crate) fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl Component for Number {
    fn common(&self) -> &FieldCommon {
        &self.common
    }

    fn inputs(&self) -> Vec<String> {
        vec![self.common.name.clone()]
    }

    fn value_type(&self) -> ValueType {
        ValueType::Number
    }

    fn validate(&self, input: &FormInput, cx: &ValidationContext, report: &mut PageReport) {
        let name = &self.common.name;
        let inputs = vec![name.clone()];
        let raw = single_text(input, name);
        // Thousands separators, spaces and a pound sign are noise, not mistakes.
        let cleaned: String = raw
            .chars()
            .filter(|c| !matches!(c, ',' | ' ' | '£' | '_'))
            .collect();
        if cleaned.is_empty() {
            if !self.common.optional {
                report.errors.push(self.common.error(
                    "number.required",
                    MessageArgs::default(),
                    inputs,
                    cx.lang,
                ));
            }
            return;
        }
        let well_formed = commas_ok(&raw) && {
            let body = cleaned.strip_prefix('-').unwrap_or(&cleaned);
            let mut parts = body.splitn(2, '.');
            let int = parts.next().unwrap_or_default();
            let frac = parts.next();
            !body.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
                && !(int.is_empty() && frac.is_none())
                && body.len() <= 30
        };
        let Some(n) = cleaned
            .parse::<f64>()
            .ok()
            .filter(|n| well_formed && n.is_finite())
        else {
            report.errors.push(self.common.error(
                "number.not-a-number",
                MessageArgs::default(),
                inputs,
                cx.lang,
            ));
            return;
        };
        let decimals = cleaned.split_once('.').map_or(0, |(_, f)| f.len() as u64);
        if !self.params.decimal && decimals > 0 && n.fract() != 0.0 {
            report.errors.push(self.common.error(
                "number.not-whole",
                MessageArgs::default(),
                inputs,
                cx.lang,
            ));
            return;
        }
        if let Some(places) = self.params.decimal_places
            && self.params.decimal
            && decimals > u64::from(places)
        {
            let args = MessageArgs::default().with_count(u64::from(places));
            report.errors.push(self.common.error(
                "number.too-many-decimals",
                args,
                inputs,
                cx.lang,
            ));
            return;
        }
        let (min, max) = (self.params.min, self.params.max);
        let out_of_range = min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m);
        if out_of_range {
            let (code, args) = match (min, max) {
                (Some(lo), Some(hi)) => (
                    "number.out-of-range",
                    MessageArgs::default()
                        .with("min", format_number_for_reading(lo, None))
                        .with("max", format_number_for_reading(hi, None)),
                ),
                (Some(lo), None) => (
                    "number.too-small",
                    MessageArgs::default().with("min", format_number_for_reading(lo, None)),
                ),
                (_, hi) => (
                    "number.too-large",
                    MessageArgs::default().with(
                        "max",
                        hi.map(|h| format_number_for_reading(h, None))
                            .unwrap_or_default(),
                    ),
                ),
            };
            report
                .errors
                .push(self.common.error(code, args, inputs, cx.lang));
            return;
        }
        // -0 is 0 to a resident.
        let n = if n == 0.0 { 0.0 } else { n };
        report.values.insert(name.clone(), Value::Number(n));
    }

    fn present(&self, value: &Value, out: &mut FormInput) {
        if let Value::Number(n) = value {
            out.0
                .insert(self.common.name.clone(), vec![format_number(*n)]);
        }
    }

    fn display(&self, value: &Value, lang: Language) -> Vec<String> {
        match value {
            Value::Number(n) => {
                let prefix = self.params.prefix.as_ref().map_or("", |t| t.get(lang));
                let suffix = self
                    .params
                    .suffix
                    .as_ref()
                    .map(|t| format!(" {}", t.get(lang)))
                    .unwrap_or_default();
                vec![format!(
                    "{prefix}{}{suffix}",
                    format_number_for_reading(*n, self.params.decimal_places)
                )]
            }
            _ => Vec::new(),
        }
    }

    fn view(&self, lang: Language) -> serde_json::Value {
        let mut m = self.common.base_view(lang);
        let p = &self.params;
        m.insert("decimal".into(), p.decimal.into());
        m.insert("widthClass".into(), self.width_class.clone().into());
        m.insert(
            "prefix".into(),
            p.prefix.as_ref().map(|t| t.get(lang).to_owned()).into(),
        );
        m.insert(
            "suffix".into(),
            p.suffix.as_ref().map(|t| t.get(lang).to_owned()).into(),
        );
        serde_json::Value::Object(m)
    }
}
