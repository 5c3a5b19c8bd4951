//! The condition language: parse + type-check (at compile time) + evaluate.
//!
//! Input (text; see `src/lib.rs` for escapes):
//!
//! ```text
//! age(date-of-birth) < 18 or is-adult     the expression
//! ?is-adult=age(date-of-birth) >= 18      named conditions, added to the base form's
//! !base condition-form                    optional: the form the expression lives in
//! !today 2026-02-28                       optional
//! date-of-birth=2008-02-29                answers: JSON (3, ["ramp"], {"postcode": "SW1A 2AA"}) or text
//! ```
//!
//! The expression becomes the first routing rule of the base form's last page, so it may use
//! every question. Compiling either gives the condition or a definition error, never a panic.
//! A compiled condition is evaluated on the given answers, on none, and at the ends of the
//! calendar; `not (E)` must also compile and evaluate to the opposite (or fail alike).

#![no_main]

use formwork_core::{Answers, CompiledForm, Condition, Date};
use formwork_core_fuzz::{answers_from_pairs, definition, pair, today, unescape};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value as Json, json};

fuzz_target!(|data: &[u8]| {
    formwork_core_fuzz::catch_stack_overflow();
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let expr = unescape(lines.next().unwrap_or_default());
    let mut named = Vec::new();
    let mut base = "condition-form".to_owned();
    let mut day = today("");
    let mut pairs = Vec::new();
    for line in lines {
        if let Some(rest) = line.strip_prefix('?') {
            named.push(pair(rest));
        } else if let Some(rest) = line.strip_prefix("!base ") {
            rest.trim().clone_into(&mut base);
        } else if let Some(rest) = line.strip_prefix("!today ") {
            day = today(rest);
        } else if !line.is_empty() {
            pairs.push(pair(line));
        }
    }
    let base = definition(&base)
        .or_else(|| definition("condition-form"))
        .expect("the condition base form is embedded");
    let Some((form, cond)) = compile(base, &expr, &named) else {
        return;
    };
    let mut answers = answers_from_pairs(&pairs);
    answers.completed = form.pages.iter().map(|p| p.slug.clone()).collect();
    let days = [day, Date::MIN, Date::MAX];
    let results: Vec<_> = [&answers, &Answers::default()]
        .into_iter()
        .flat_map(|a| days.map(|d| cond.evaluate(a, d)))
        .collect();
    for d in days {
        let _ = form.route(&answers, d);
        let _ = form.prune(&mut answers.clone(), d);
    }

    let negated = format!("not ({expr})");
    let Some((_, not_cond)) = compile(base, &negated, &named) else {
        panic!("`{expr}` compiles but `{negated}` does not");
    };
    let negated_results: Vec<_> = [&answers, &Answers::default()]
        .into_iter()
        .flat_map(|a| days.map(|d| not_cond.evaluate(a, d)))
        .collect();
    for (r, n) in results.iter().zip(&negated_results) {
        match (r, n) {
            (Ok(r), Ok(n)) => assert_eq!(*r, !n, "`{expr}` and `{negated}` agree"),
            (Err(_), Err(_)) => {}
            _ => panic!("`{expr}` gives {r:?} but `{negated}` gives {n:?}"),
        }
    }
});

/// Compiles `base` with `expr` as its last page's first routing rule.
fn compile(
    base: &Json,
    expr: &str,
    named: &[(String, String)],
) -> Option<(CompiledForm, Condition)> {
    let mut def = base.clone();
    if let Some(conditions) = def
        .as_object_mut()?
        .entry("conditions")
        .or_insert_with(|| json!({}))
        .as_object_mut()
    {
        for (k, v) in named {
            conditions.insert(k.clone(), Json::String(v.clone()));
        }
    }
    let last = def
        .get_mut("pages")?
        .as_array_mut()?
        .last_mut()?
        .as_object_mut()?;
    let rule = json!({ "when": expr, "goTo": "check-answers" });
    match last
        .entry("next")
        .or_insert_with(|| json!([]))
        .as_array_mut()
    {
        Some(rules) => rules.insert(0, rule),
        None => return None,
    }
    let form = match formwork_core::compile_form(
        "fuzz",
        "forms/fuzz.json",
        &def.to_string(),
        formwork_core_fuzz::library(),
    ) {
        Ok(form) => form,
        Err(errors) => {
            assert!(!errors.0.is_empty(), "Err without a message");
            let _ = errors.to_string();
            return None;
        }
    };
    let cond = form.pages.last()?.next.first()?.0.clone()?;
    Some((form, cond))
}
