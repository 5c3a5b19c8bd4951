//! Property tests: every place the core works out an age agrees with a reference that is
//! obviously right, on dates chosen to hit the hard cases (leap days, month ends, the
//! birthday itself and the days around it, centuries that are and are not leap years).
//!
//! The rule (`formwork_core::date::age_on`, and `tests/conformance/date-of-birth.json`): age is
//! the number of whole years since the birth date; someone born on 29 February has their
//! birthday on 1 March in a year without a 29 February (so they are 17 on 28 February 2026
//! and 18 on 1 March 2026 when born on 29 February 2008).
//!
//! Checked: `age_on`; `years_before` (the latest birth date for a minimum age); the `min-age`
//! and `max-age` date rules as validation errors and as exits; and `age()` in conditions.

use std::sync::OnceLock;

use formwork_core::date::{age_on, iso_date, years_before};
use formwork_core::{
    Answers, CompiledForm, ComponentLibrary, Date, FormInput, Language, Step, ValidationContext,
    Value,
};
use proptest::prelude::*;
use proptest::test_runner::Config;
use time::Month;

// ---------------------------------------------------------------- the reference

/// A calendar date as plain numbers, so the reference owes nothing to the `time` crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Ymd {
    year: i32,
    month: u8,
    day: u8,
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn month_length(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whole years from `birth` to `on`: the difference in years, less one if this year's
/// birthday has not come yet. The birthday is the birth's month and day, except that
/// 29 February becomes 1 March in a year that has no 29 February.
fn reference_age(birth: Ymd, on: Ymd) -> i64 {
    let birthday = if (birth.month, birth.day) == (2, 29) && !is_leap(on.year) {
        (3, 1)
    } else {
        (birth.month, birth.day)
    };
    let mut age = i64::from(on.year) - i64::from(birth.year);
    if (on.month, on.day) < birthday {
        age -= 1;
    }
    age
}

/// A second opinion, by the old YYYYMMDD trick: subtract the dates written as eight-digit
/// numbers and the whole years are what is left in the ten-thousands.
fn yyyymmdd_age(birth: Ymd, on: Ymd) -> i64 {
    let n = |d: Ymd| i64::from(d.year) * 10_000 + i64::from(d.month) * 100 + i64::from(d.day);
    (n(on) - n(birth)).div_euclid(10_000)
}

fn to_date(d: Ymd) -> Date {
    let month = Month::try_from(d.month).expect("a month");
    Date::from_calendar_date(d.year, month, d.day).expect("a real date")
}

fn from_date(d: Date) -> Ymd {
    Ymd {
        year: d.year(),
        month: u8::from(d.month()),
        day: d.day(),
    }
}

// ---------------------------------------------------------------- dates worth trying

/// Years with the interesting leap rules near each other, then any year the engine takes.
fn year() -> impl Strategy<Value = i32> {
    prop_oneof![
        4 => 1890..=2110i32,
        2 => prop::sample::select(vec![1600, 1700, 1800, 1896, 1900, 1904, 2000, 2001, 2004, 2023, 2024, 2100, 2400]),
        1 => 1..=9998i32,
    ]
}

/// Any real date, with month ends and leap days far more often than chance gives them.
fn ymd() -> impl Strategy<Value = Ymd> {
    (year(), 1..=12u8, 1..=40u8).prop_map(|(year, month, day)| {
        let last = month_length(year, month);
        // 1..=40 clamped to the month: about a quarter of the dates are the month's last day.
        Ymd {
            year,
            month,
            day: day.clamp(1, last),
        }
    })
}

/// Birth dates: any date, or a leap day, or a day next to one.
fn birth() -> impl Strategy<Value = Ymd> {
    // 1888..=2108, every leap year (1900 and 2100 are not: the next one instead).
    let leap_years = (472..=527i32).prop_map(|q| if is_leap(q * 4) { q * 4 } else { q * 4 + 4 });
    prop_oneof![
        3 => ymd(),
        1 => leap_years.clone().prop_map(|year| Ymd { year, month: 2, day: 29 }),
        1 => (leap_years, prop::sample::select(vec![(2, 28), (3, 1)]))
            .prop_map(|(year, (month, day))| Ymd { year, month, day }),
    ]
}

/// A birth date and a day to measure on: any date, or (mostly) the birthday some years on,
/// shifted by a few days, so birthdays themselves and the days around them come up often.
fn birth_and_day() -> impl Strategy<Value = (Ymd, Ymd)> {
    birth_and_day_near(0..=120i32)
}

/// As `birth_and_day`, near the birthdays whose numbers `years` gives.
fn birth_and_day_near(years: impl Strategy<Value = i32>) -> impl Strategy<Value = (Ymd, Ymd)> {
    (birth(), years, -3..=3i64, ymd(), 0..4u8).prop_map(|(birth, years, shift, other, near)| {
        if near == 0 {
            return (birth, other);
        }
        let year = (birth.year + years).clamp(1, 9998);
        let day = birth.day.min(month_length(year, birth.month));
        let on = to_date(Ymd {
            year,
            month: birth.month,
            day,
        });
        let on = on.checked_add(time::Duration::days(shift)).unwrap_or(on);
        (birth, from_date(on))
    })
}

/// One of `AGES` (by index), and a birth date and day near the birthday where that age
/// starts (or the one before or after).
fn near_an_age() -> impl Strategy<Value = (usize, (Ymd, Ymd))> {
    (0..AGES.len()).prop_flat_map(|which| {
        let years = i32::try_from(AGES[which]).expect("small");
        (Just(which), birth_and_day_near(years - 1..=years + 1))
    })
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------- the engine, compiled once

fn library() -> ComponentLibrary {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../components");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&root).expect("components/") {
        let file = entry.expect("entry").path().join("component.json");
        if let Ok(text) = std::fs::read_to_string(&file) {
            sources.push((file.display().to_string(), text));
        }
    }
    ComponentLibrary::from_sources(&sources).expect("the components compile")
}

/// The ages the rules and conditions are compiled with.
const AGES: [u32; 8] = [0, 1, 16, 17, 18, 21, 65, 100];

fn date_question(name: &str, rule: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "type": "date-input", "name": name, "label": "What is your date of birth?",
        "shortLabel": "date of birth", "hint": "For example, 27 3 2007", "rules": [rule]
    })
}

/// Per age in `AGES`: pages `min` and `max` with a min-age / max-age error rule, page `exit`
/// with a min-age exit rule, and page `cond` shown when `age(born) >= years`.
fn forms() -> &'static Vec<(u32, CompiledForm)> {
    static FORMS: OnceLock<Vec<(u32, CompiledForm)>> = OnceLock::new();
    FORMS.get_or_init(|| {
        let library = library();
        AGES.iter()
            .map(|&years| {
                let form = serde_json::json!({
                    "title": "Ages", "start": {}, "confirmation": { "title": "Done" },
                    "pages": [
                        { "slug": "min", "components": [date_question("min",
                            serde_json::json!({ "rule": "min-age", "years": years, "onFail": "error" }))] },
                        { "slug": "max", "components": [date_question("max",
                            serde_json::json!({ "rule": "max-age", "years": years, "onFail": "error" }))] },
                        { "slug": "born", "components": [date_question("born",
                            serde_json::json!({ "rule": "min-age", "years": years, "onFail": "exit" }))] },
                        { "slug": "cond", "showIf": format!("age(born) >= {years}"), "components": [
                            { "type": "text-input", "name": "note", "label": "Note", "shortLabel": "note" }
                        ]}
                    ]
                });
                let compiled =
                    formwork_core::compile_form("ages", "ages.json", &form.to_string(), &library)
                        .unwrap_or_else(|e| panic!("{e}"));
                (years, compiled)
            })
            .collect()
    })
}

fn boxes(name: &str, d: Ymd) -> FormInput {
    FormInput::from_pairs([
        (format!("{name}-day"), d.day.to_string()),
        (format!("{name}-month"), d.month.to_string()),
        (format!("{name}-year"), format!("{:04}", d.year)),
    ])
}

fn codes(form: &CompiledForm, page: &str, born: Ymd, today: Ymd) -> Vec<String> {
    let cx = ValidationContext {
        today: to_date(today),
        lang: Language::En,
    };
    let report = form
        .validate_page(page, &boxes(page, born), &cx)
        .expect("the page exists");
    report.errors.into_iter().map(|e| e.code).collect()
}

// ---------------------------------------------------------------- the properties

proptest! {
    #![proptest_config(config(4000))]

    #[test]
    fn age_on_matches_the_reference((birth, on) in birth_and_day()) {
        let expected = reference_age(birth, on);
        prop_assert_eq!(expected, yyyymmdd_age(birth, on), "the two references disagree");
        prop_assert_eq!(i64::from(age_on(to_date(birth), to_date(on))), expected);
    }

    /// `years_before(on, n)` is the latest birth date that makes someone at least n on `on`.
    #[test]
    fn years_before_is_the_latest_birth_date_for_an_age((birth, on) in birth_and_day(), n in 0..=130i32, near in -1..=1i64, pick in any::<bool>()) {
        // Mostly an age right at the person's age, where the answer turns.
        let n = if pick { n } else { i32::try_from((reference_age(birth, on) + near).max(0)).expect("small") };
        if let Some(latest) = years_before(to_date(on), n) {
            let old_enough = reference_age(birth, on) >= i64::from(n);
            prop_assert_eq!(to_date(birth) <= latest, old_enough, "latest birth date {}", iso_date(latest));
            prop_assert_eq!(reference_age(from_date(latest), on), i64::from(n));
        }
    }
}

proptest! {
    #![proptest_config(config(600))]

    /// min-age and max-age as validation errors, typed as day, month and year boxes.
    #[test]
    fn age_rules_give_errors_exactly_when_the_reference_says((which, (birth, today)) in near_an_age()) {
        let (years, form) = &forms()[which];
        let age = reference_age(birth, today);
        let min = codes(form, "min", birth, today);
        prop_assert_eq!(min.contains(&"date.min-age".to_owned()), age < i64::from(*years), "min-age {} at age {}: {:?}", years, age, min);
        let max = codes(form, "max", birth, today);
        prop_assert_eq!(max.contains(&"date.max-age".to_owned()), age > i64::from(*years), "max-age {} at age {}: {:?}", years, age, max);
    }

    /// min-age with `onFail: exit` (the route goes to the exit page), and `age()` in a condition.
    #[test]
    fn age_exits_and_conditions_agree_with_the_reference((which, (birth, today)) in near_an_age()) {
        let (years, form) = &forms()[which];
        let old_enough = reference_age(birth, today) >= i64::from(*years);
        let answers = Answers {
            values: [
                ("min".to_owned(), Value::Text(iso_date(to_date(birth)))),
                ("max".to_owned(), Value::Text(iso_date(to_date(birth)))),
                ("born".to_owned(), Value::Text(iso_date(to_date(birth)))),
            ]
            .into(),
            completed: ["min", "max", "born"].map(str::to_owned).into(),
        };
        let condition = form.pages[3].show_if.as_ref().expect("a condition");
        prop_assert_eq!(condition.evaluate(&answers, to_date(today)), Ok(old_enough));
        let route = form.route(&answers, to_date(today)).expect("decidable");
        prop_assert_eq!(matches!(route.next, Step::Exit(_)), !old_enough, "{:?}", route.next);
    }
}

// ---------------------------------------------------------------- exhaustively, near leap days

/// Every birth date from 1999 to 2001 (a leap year between two that are not), measured on
/// each of its first 20 birthdays and the three days either side.
#[test]
fn every_birth_date_around_a_leap_year() {
    let mut birth = to_date(Ymd {
        year: 1999,
        month: 1,
        day: 1,
    });
    let end = to_date(Ymd {
        year: 2001,
        month: 12,
        day: 31,
    });
    let mut checked = 0;
    while birth <= end {
        let b = from_date(birth);
        for years in 0..=20 {
            let year = b.year + years;
            let anniversary = to_date(Ymd {
                year,
                month: b.month,
                day: b.day.min(month_length(year, b.month)),
            });
            for shift in -3..=3 {
                let on = anniversary + time::Duration::days(shift);
                assert_eq!(
                    i64::from(age_on(birth, on)),
                    reference_age(b, from_date(on)),
                    "born {} measured on {}",
                    iso_date(birth),
                    iso_date(on)
                );
                checked += 1;
            }
        }
        birth = birth.next_day().expect("in range");
    }
    assert_eq!(checked, 1096 * 21 * 7);
}

/// The cases the rule is written for, spelled out.
#[test]
fn the_documented_cases() {
    let d = |year, month, day| Ymd { year, month, day };
    let cases = [
        // 29 February 2008: 17 on 28 February 2026, 18 on 1 March 2026, 20 on 29 February 2028.
        (d(2008, 2, 29), d(2026, 2, 28), 17),
        (d(2008, 2, 29), d(2026, 3, 1), 18),
        (d(2008, 2, 29), d(2028, 2, 28), 19),
        (d(2008, 2, 29), d(2028, 2, 29), 20),
        // The birthday itself, and the day before.
        (d(2008, 2, 28), d(2026, 2, 28), 18),
        (d(2008, 2, 28), d(2026, 2, 27), 17),
        // Month and year ends.
        (d(2007, 12, 31), d(2025, 12, 31), 18),
        (d(2007, 12, 31), d(2025, 12, 30), 17),
        (d(2008, 1, 1), d(2025, 12, 31), 17),
        // 1900 was not a leap year, 2000 was.
        (d(1896, 2, 29), d(1900, 2, 28), 3),
        (d(1896, 2, 29), d(1900, 3, 1), 4),
        (d(1996, 2, 29), d(2000, 2, 29), 4),
        // Born today; and a date before the birth is a negative age, not zero.
        (d(2026, 2, 28), d(2026, 2, 28), 0),
        (d(2026, 2, 28), d(2026, 2, 27), -1),
    ];
    for (birth, on, age) in cases {
        assert_eq!(
            reference_age(birth, on),
            age,
            "reference: {birth:?} on {on:?}"
        );
        assert_eq!(
            i64::from(age_on(to_date(birth), to_date(on))),
            age,
            "core: {birth:?} on {on:?}"
        );
    }
}
