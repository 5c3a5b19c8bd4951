//! `date-input`: day, month and year boxes merged into one real date, with GOV.UK messages and
//! date rules (past/future, before/after a date, minimum and maximum age).
//!
//! Age rules are eligibility by default: failing one sends the resident to an exit page rather
//! than showing an error, as GOV.UK guidance asks. `"onFail": "error"` makes it a validation error.

use serde::Deserialize;
use time::Date;

use super::{Component, EligibilityFailure, FieldCommon, FieldSpec, ValidationContext, ValueType};
use crate::answers::{FormInput, Value};
use crate::compile::CompileContext;
use crate::date::{
    DatePart, DateProblem, age_on, format_date, iso_date, parse_date_parts, parse_iso_date,
    years_before,
};
use crate::messages::MessageArgs;
use crate::report::PageReport;
use crate::text::{Language, Text};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    /// Autocomplete prefix: `bday` gives `bday-day`, `bday-month`, `bday-year`.
    #[serde(default)]
    autocomplete: Option<String>,
}

/// What happens when an age rule fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum OnFail {
    /// Go to an exit page (eligibility).
    #[default]
    Exit,
    /// Show a validation error on the question.
    Error,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "rule", rename_all = "kebab-case", deny_unknown_fields)]
enum RuleDefinition {
    InPast,
    TodayOrPast,
    InFuture,
    TodayOrFuture,
    Before {
        date: String,
        #[serde(default)]
        description: Option<Text>,
    },
    OnOrBefore {
        date: String,
        #[serde(default)]
        description: Option<Text>,
    },
    After {
        date: String,
        #[serde(default)]
        description: Option<Text>,
    },
    OnOrAfter {
        date: String,
        #[serde(default)]
        description: Option<Text>,
    },
    MinAge {
        years: u32,
        #[serde(default, rename = "onFail")]
        on_fail: OnFail,
    },
    MaxAge {
        years: u32,
        #[serde(default, rename = "onFail")]
        on_fail: OnFail,
    },
}

#[derive(Debug)]
enum Rule {
    InPast,
    TodayOrPast,
    InFuture,
    TodayOrFuture,
    Compare {
        op: Compare,
        date: Date,
        description: Option<Text>,
    },
    MinAge {
        years: u32,
        on_fail: OnFail,
    },
    MaxAge {
        years: u32,
        on_fail: OnFail,
    },
}

#[derive(Clone, Copy, Debug)]
enum Compare {
    Before,
    OnOrBefore,
    After,
    OnOrAfter,
}

#[derive(Debug)]
struct DateInput {
    common: FieldCommon,
    params: Params,
    rules: Vec<Rule>,
    exit_too_young: String,
    exit_too_old: String,
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    let common = spec.common(cx);
    let params: Params = spec.parse_params(cx)?;
    let mut rules = Vec::new();
    for (i, raw) in spec.rules.iter().enumerate() {
        let pointer = format!("{}/rules/{i}", spec.pointer);
        let def = match crate::compile::parse_value::<RuleDefinition>(raw.clone()) {
            Ok(d) => d,
            Err((_, message)) => {
                cx.error(&pointer, format!("bad date rule: {message}"));
                continue;
            }
        };
        let mut compare = |op, date: &str, description| match parse_iso_date(date) {
            Some(date) => Some(Rule::Compare {
                op,
                date,
                description,
            }),
            None => {
                cx.error(
                    &format!("{pointer}/date"),
                    format!("`{date}` is not a date in the form YYYY-MM-DD"),
                );
                None
            }
        };
        let rule = match def {
            RuleDefinition::InPast => Some(Rule::InPast),
            RuleDefinition::TodayOrPast => Some(Rule::TodayOrPast),
            RuleDefinition::InFuture => Some(Rule::InFuture),
            RuleDefinition::TodayOrFuture => Some(Rule::TodayOrFuture),
            RuleDefinition::Before { date, description } => {
                compare(Compare::Before, &date, description)
            }
            RuleDefinition::OnOrBefore { date, description } => {
                compare(Compare::OnOrBefore, &date, description)
            }
            RuleDefinition::After { date, description } => {
                compare(Compare::After, &date, description)
            }
            RuleDefinition::OnOrAfter { date, description } => {
                compare(Compare::OnOrAfter, &date, description)
            }
            RuleDefinition::MinAge { years, on_fail } => Some(Rule::MinAge { years, on_fail }),
            RuleDefinition::MaxAge { years, on_fail } => Some(Rule::MaxAge { years, on_fail }),
        };
        rules.extend(rule);
    }
    let mut exit_too_young = format!("{}-too-young", spec.name);
    let mut exit_too_old = format!("{}-too-old", spec.name);
    for rule in &rules {
        match rule {
            Rule::MinAge {
                years,
                on_fail: OnFail::Exit,
            } => {
                exit_too_young = cx.exit_for_rule(&spec, "min-age", *years, &exit_too_young);
            }
            Rule::MaxAge {
                years,
                on_fail: OnFail::Exit,
            } => {
                exit_too_old = cx.exit_for_rule(&spec, "max-age", *years, &exit_too_old);
            }
            _ => {}
        }
    }
    let has_exit_rule = rules.iter().any(|r| {
        matches!(
            r,
            Rule::MinAge {
                on_fail: OnFail::Exit,
                ..
            } | Rule::MaxAge {
                on_fail: OnFail::Exit,
                ..
            }
        )
    });
    if spec.exit_page.is_some() && !has_exit_rule {
        cx.error(
            &spec.pointer_to("exitPage"),
            "exitPage is set, but no age rule sends anyone there (set minAge or maxAge)".into(),
        );
    }
    if spec.hint.as_ref().is_none_or(Text::is_blank) {
        cx.error(
            &spec.pointer_to("hint"),
            format!(
                "`{}` needs a hint with an example date, e.g. \"For example, 27 3 2007\"",
                spec.name
            ),
        );
    }
    Some(Box::new(DateInput {
        common,
        params,
        rules,
        exit_too_young,
        exit_too_old,
    }))
}

impl DateInput {
    fn part_input(&self, part: DatePart) -> String {
        format!("{}-{}", self.common.name, part.suffix())
    }

    fn all_inputs(&self) -> Vec<String> {
        DatePart::ALL.iter().map(|p| self.part_input(*p)).collect()
    }

    /// Latest birth date that makes someone at least `years` old today.
    fn latest_for_age(today: Date, years: u32) -> Option<Date> {
        years_before(today, i32::try_from(years).ok()?)
    }

    /// The first rule the date breaks, as (code, message args).
    fn broken_rule(
        &self,
        date: Date,
        today: Date,
        lang: Language,
    ) -> Option<(&'static str, MessageArgs)> {
        for rule in &self.rules {
            let described = |d: Date, desc: &Option<Text>| match desc {
                Some(t) => format!("{} {}", format_date(d, lang), t.get(lang)),
                None => format_date(d, lang),
            };
            let broken = match rule {
                Rule::InPast => (date >= today).then(|| ("date.not-past", MessageArgs::default())),
                Rule::TodayOrPast => {
                    (date > today).then(|| ("date.not-today-or-past", MessageArgs::default()))
                }
                Rule::InFuture => {
                    (date <= today).then(|| ("date.not-future", MessageArgs::default()))
                }
                Rule::TodayOrFuture => {
                    (date < today).then(|| ("date.not-today-or-future", MessageArgs::default()))
                }
                Rule::Compare {
                    op,
                    date: limit,
                    description,
                } => {
                    let (ok, code) = match op {
                        Compare::Before => (date < *limit, "date.not-before"),
                        Compare::OnOrBefore => (date <= *limit, "date.not-on-or-before"),
                        Compare::After => (date > *limit, "date.not-after"),
                        Compare::OnOrAfter => (date >= *limit, "date.not-on-or-after"),
                    };
                    (!ok).then(|| {
                        (
                            code,
                            MessageArgs::default().with("date", described(*limit, description)),
                        )
                    })
                }
                Rule::MinAge {
                    years,
                    on_fail: OnFail::Error,
                } => {
                    let latest = Self::latest_for_age(today, *years);
                    latest.filter(|l| date > *l).map(|l| {
                        (
                            "date.min-age",
                            MessageArgs::default()
                                .with("date", format_date(l, lang))
                                .with_count(u64::from(*years)),
                        )
                    })
                }
                Rule::MaxAge {
                    years,
                    on_fail: OnFail::Error,
                } => {
                    // At most `years` old means born after the day they would turn years + 1
                    // (none, for an age no calendar date is that far back from: nobody is too old).
                    let earliest = years
                        .checked_add(1)
                        .and_then(|y| Self::latest_for_age(today, y));
                    earliest.filter(|e| date <= *e).map(|e| {
                        (
                            "date.max-age",
                            MessageArgs::default()
                                .with("date", format_date(e, lang))
                                .with_count(u64::from(*years)),
                        )
                    })
                }
                Rule::MinAge { .. } | Rule::MaxAge { .. } => None,
            };
            if broken.is_some() {
                return broken;
            }
        }
        None
    }
}

impl Component for DateInput {
    fn common(&self) -> &FieldCommon {
        &self.common
    }

    fn inputs(&self) -> Vec<String> {
        self.all_inputs()
    }

    fn value_type(&self) -> ValueType {
        ValueType::Date
    }

    fn validate(&self, input: &FormInput, cx: &ValidationContext, report: &mut PageReport) {
        let [day, month, year] = DatePart::ALL.map(|p| input.get(&self.part_input(p)));
        let date = match parse_date_parts(day, month, year, cx.lang) {
            Ok(d) => d,
            Err(DateProblem::Empty) => {
                if !self.common.optional {
                    report.errors.push(self.common.error(
                        "date.required",
                        MessageArgs::default(),
                        self.all_inputs(),
                        cx.lang,
                    ));
                }
                return;
            }
            Err(DateProblem::Missing(parts)) => {
                let code = match parts.as_slice() {
                    [DatePart::Day] => "date.missing-day",
                    [DatePart::Month] => "date.missing-month",
                    [DatePart::Year] => "date.missing-year",
                    [DatePart::Day, DatePart::Month] => "date.missing-day-month",
                    [DatePart::Day, DatePart::Year] => "date.missing-day-year",
                    _ => "date.missing-month-year",
                };
                let inputs = parts.iter().map(|p| self.part_input(*p)).collect();
                report.errors.push(self.common.error(
                    code,
                    MessageArgs::default(),
                    inputs,
                    cx.lang,
                ));
                return;
            }
            Err(DateProblem::YearDigits) => {
                let inputs = vec![self.part_input(DatePart::Year)];
                report.errors.push(self.common.error(
                    "date.year-digits",
                    MessageArgs::default(),
                    inputs,
                    cx.lang,
                ));
                return;
            }
            Err(DateProblem::NotReal { parts }) => {
                let inputs = parts.iter().map(|p| self.part_input(*p)).collect();
                report.errors.push(self.common.error(
                    "date.invalid",
                    MessageArgs::default(),
                    inputs,
                    cx.lang,
                ));
                return;
            }
        };
        if let Some((code, args)) = self.broken_rule(date, cx.today, cx.lang) {
            report
                .errors
                .push(self.common.error(code, args, self.all_inputs(), cx.lang));
            return;
        }
        report
            .values
            .insert(self.common.name.clone(), Value::Text(iso_date(date)));
    }

    fn present(&self, value: &Value, out: &mut FormInput) {
        let Some(date) = value.as_text().and_then(parse_iso_date) else {
            return;
        };
        out.0
            .insert(self.part_input(DatePart::Day), vec![date.day().to_string()]);
        out.0.insert(
            self.part_input(DatePart::Month),
            vec![u8::from(date.month()).to_string()],
        );
        // Four digits, as stored (`0995-01-01`): `995` would be "Year must include 4 numbers".
        out.0.insert(
            self.part_input(DatePart::Year),
            vec![format!("{:04}", date.year())],
        );
    }

    fn display(&self, value: &Value, lang: Language) -> Vec<String> {
        value
            .as_text()
            .and_then(parse_iso_date)
            .map(|d| vec![format_date(d, lang)])
            .unwrap_or_default()
    }

    fn view(&self, lang: Language) -> serde_json::Value {
        let mut m = self.common.base_view(lang);
        let items: Vec<serde_json::Value> = DatePart::ALL
            .iter()
            .map(|p| {
                let key = format!("date.{}", p.suffix());
                serde_json::json!({
                    "name": p.suffix(),
                    "id": self.part_input(*p),
                    "label": crate::messages::format_message(lang, &key, &MessageArgs::default()),
                    "width": if *p == DatePart::Year { 4 } else { 2 },
                    "autocomplete": self.params.autocomplete.as_ref().map(|a| format!("{a}-{}", p.suffix())),
                })
            })
            .collect();
        m.insert("items".into(), items.into());
        serde_json::Value::Object(m)
    }

    fn eligibility(&self, value: &Value, today: Date) -> Option<EligibilityFailure> {
        let date = value.as_text().and_then(parse_iso_date)?;
        for rule in &self.rules {
            match rule {
                Rule::MinAge {
                    years,
                    on_fail: OnFail::Exit,
                } if i64::from(age_on(date, today)) < i64::from(*years) => {
                    return Some(EligibilityFailure {
                        exit_page: self.exit_too_young.clone(),
                        code: "date.min-age".into(),
                    });
                }
                Rule::MaxAge {
                    years,
                    on_fail: OnFail::Exit,
                } if i64::from(age_on(date, today)) > i64::from(*years) => {
                    return Some(EligibilityFailure {
                        exit_page: self.exit_too_old.clone(),
                        code: "date.max-age".into(),
                    });
                }
                _ => {}
            }
        }
        None
    }
}
