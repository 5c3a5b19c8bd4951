//! Regression tests for what fuzzing (`crates/formwork-core/fuzz`, `scripts/fuzz.sh`) found.
//! Each crashing input is also in the fuzz seed corpus as `corpus/<target>/regress-*`.

use std::path::Path;

use formwork_core::{
    Answers, CompiledForm, ComponentLibrary, FormInput, Language, ValidationContext,
};
use time::macros::date;

fn library() -> ComponentLibrary {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../components");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&root).expect("components/") {
        let file = entry.expect("entry").path().join("component.json");
        if let Ok(text) = std::fs::read_to_string(&file) {
            sources.push((file.display().to_string(), text));
        }
    }
    ComponentLibrary::from_sources(&sources).expect("the components compile")
}

fn compile(form: &serde_json::Value) -> CompiledForm {
    formwork_core::compile_form(
        "regression",
        "regression.json",
        &form.to_string(),
        &library(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn input(pairs: &[(&str, &str)]) -> FormInput {
    FormInput::from_pairs(pairs.iter().copied())
}

/// fuzz `validate`: a year before 1000 is stored as `0995-01-01` but was pre-filled as `995`,
/// which the same page then rejected ("Year must include 4 numbers").
#[test]
fn a_date_before_the_year_1000_is_prefilled_with_four_digits() {
    let form = compile(&serde_json::json!({
        "title": "Dates", "start": {}, "confirmation": { "title": "Done" },
        "pages": [{ "slug": "when", "components": [
            { "type": "date-input", "name": "when", "label": "When did it start?",
              "shortLabel": "start date", "hint": "For example, 27 3 2007" }
        ]}]
    }));
    let cx = ValidationContext {
        today: date!(2026 - 02 - 28),
        lang: Language::En,
    };
    let submitted = input(&[
        ("when-day", "1"),
        ("when-month", "1"),
        ("when-year", "0995"),
    ]);
    let report = form.validate_page("when", &submitted, &cx).expect("page");
    assert!(report.is_valid(), "{report:?}");
    let mut answers = Answers::default();
    form.store_page("when", &report, &mut answers);
    let prefilled = form.present_page("when", &answers);
    assert_eq!(prefilled.get("when-year"), "0995");
    let again = form.validate_page("when", &prefilled, &cx).expect("page");
    assert_eq!(again, report);
}

/// A two-page form: a yes/no question, then a page shown when `show_if` holds, with `named`
/// conditions. Returns the compile errors' text (empty when it compiles).
fn condition_errors(show_if: &str, named: &[(String, String)]) -> String {
    let conditions: serde_json::Map<String, serde_json::Value> = named
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let form = serde_json::json!({
        "title": "Conditions", "start": {}, "confirmation": { "title": "Done" },
        "conditions": conditions,
        "pages": [
            { "slug": "first", "title": "About you", "components": [
                { "type": "yes-no", "name": "ok", "label": "Is it OK?", "shortLabel": "if it is OK" },
                { "type": "date-input", "name": "born", "label": "Date of birth",
                  "shortLabel": "date of birth", "hint": "For example, 27 3 2007" }
            ]},
            { "slug": "second", "showIf": show_if, "components": [
                { "type": "text-input", "name": "why", "label": "Why?", "shortLabel": "why" }
            ]}
        ]
    });
    match formwork_core::compile_form("conditions", "c.json", &form.to_string(), &library()) {
        Ok(form) => {
            // Whatever compiles must also evaluate without trouble.
            let answers = Answers {
                values: [("ok".to_owned(), formwork_core::Value::Text("yes".into()))].into(),
                completed: ["first".to_owned()].into(),
            };
            let _ = form.pages[1]
                .show_if
                .as_ref()
                .expect("a condition")
                .evaluate(&answers, date!(2026 - 02 - 28));
            String::new()
        }
        Err(e) => e.to_string(),
    }
}

/// fuzz `condition`: thousands of brackets, `not`s or `age(…, age(…` overflowed the stack
/// of the recursive-descent parser. Deep nesting is an author error with a message.
#[test]
fn deeply_nested_conditions_are_definition_errors() {
    let n = 5_000;
    let brackets = format!("{}ok == \"yes\"{}", "(".repeat(n), ")".repeat(n));
    let nots = format!("{}ok == \"yes\"", "not ".repeat(n));
    let ages = format!("{}today{} > 1", "age(born, ".repeat(n), ")".repeat(n));
    for source in [&brackets, &nots, &ages] {
        let errors = condition_errors(source, &[]);
        assert!(errors.contains("nests too deeply"), "{errors}");
    }
    // Real nesting is far below the limit.
    let fine = format!("{}ok == \"yes\"{}", "(".repeat(20), ")".repeat(20));
    assert_eq!(condition_errors(&fine, &[]), "");
    assert_eq!(
        condition_errors(&format!("{}ok == \"yes\"", "not ".repeat(20)), &[]),
        ""
    );
}

/// fuzz `condition`: a chain of named conditions, each using the next, recursed once per link.
#[test]
fn long_chains_of_named_conditions_are_definition_errors() {
    let mut named = vec![("c0".to_owned(), "ok == \"yes\"".to_owned())];
    for i in 1..3_000 {
        named.push((format!("c{i}"), format!("not c{}", i - 1)));
    }
    let errors = condition_errors("c2999", &named);
    assert!(errors.contains("nests too deeply"), "{errors}");
    // A few levels are fine.
    assert_eq!(condition_errors("c5", &named[..6]), "");
}

/// The worst nesting that compiles (brackets inside named conditions inside brackets …) must
/// still fit the stack of a debug build's test thread (2 MiB) and of the browser.
#[test]
fn nesting_at_the_limits_fits_the_stack() {
    let deep = |inner: &str| format!("{}{inner}{}", "(".repeat(31), ")".repeat(31));
    let mut named = vec![("c0".to_owned(), deep("ok == \"yes\""))];
    for i in 1..40 {
        named.push((format!("c{i}"), deep(&format!("c{}", i - 1))));
    }
    let errors = condition_errors(&deep("c39"), &named);
    assert!(errors.contains("deep"), "{errors}");
}

/// fuzz `condition`: `b: a and a and a and a`, `c: b and b and b and b`, … multiplied the
/// compiled expression at every step (memory at compile time, time at each evaluation):
/// 20 short lines made 4^20 parts.
#[test]
fn exponentially_large_conditions_are_definition_errors() {
    let mut named = vec![("c0".to_owned(), "ok == \"yes\"".to_owned())];
    for i in 1..20 {
        named.push((
            format!("c{i}"),
            vec![format!("c{}", i - 1); 4].join(" and "),
        ));
    }
    let errors = condition_errors("c19", &named);
    assert!(errors.contains("too long"), "{errors}");
    assert_eq!(condition_errors("c4", &named[..5]), "");
}

fn composite(name: &str, parts: &[(&str, &str)]) -> (String, String) {
    let parts: Vec<serde_json::Value> = parts
        .iter()
        .map(|(n, t)| serde_json::json!({ "name": n, "type": t }))
        .collect();
    let def = serde_json::json!({
        "name": name, "kind": "composite", "title": name, "description": name,
        "params": { "type": "object" }, "parts": parts
    });
    (format!("components/{name}/component.json"), def.to_string())
}

fn library_errors(extra: Vec<(String, String)>) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../components");
    let mut sources = extra;
    let file = root.join("text-input/component.json");
    sources.push((
        file.display().to_string(),
        std::fs::read_to_string(&file).expect("component.json"),
    ));
    match ComponentLibrary::from_sources(&sources) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

/// fuzz `compile`: composites whose two parts are the previous composite. The cycle check
/// walked every path (2^n for n definitions) and a use expanded to 2^n questions.
#[test]
fn composites_that_expand_exponentially_are_definition_errors() {
    let mut sources = vec![composite("c0", &[("a", "text-input"), ("b", "text-input")])];
    for i in 1..40 {
        let prev = format!("c{}", i - 1);
        sources.push(composite(&format!("c{i}"), &[("a", &prev), ("b", &prev)]));
    }
    let errors = library_errors(sources.clone());
    assert!(
        errors.contains("expands to more than 200 components"),
        "{errors}"
    );
    assert_eq!(library_errors(sources[..4].to_vec()), "");
}

/// Composites of composites nest at most 8 deep (each level is a recursion when a form is compiled).
#[test]
fn deeply_nested_composites_are_definition_errors() {
    let mut sources = vec![composite("c0", &[("a", "text-input")])];
    for i in 1..2_000 {
        sources.push(composite(
            &format!("c{i}"),
            &[("a", &format!("c{}", i - 1))],
        ));
    }
    let errors = library_errors(sources.clone());
    assert!(
        errors.contains("composites nest more than 8 deep"),
        "{errors}"
    );
    assert_eq!(library_errors(sources[..8].to_vec()), "");
}
