//! Page validation: a compiled example form + arbitrary submitted values -> `validate_page`.
//!
//! Input (text; see `src/lib.rs` for escapes):
//!
//! ```text
//! over-18-check              form id (forms/<id>, conformance-<stem>, condition-form)
//! 2026-02-28 cy              today and, optionally, the language
//! {"values": {...}}          optional: answers before the steps (formwork_core::Answers as JSON)
//! @date-of-birth             a step: the page's slug ...
//! date-of-birth-day=29       ... and what was submitted (repeat a name to send it twice;
//! #1=feb                     `#N` names the page's N-th input)
//! ```
//!
//! Invalid input is data: validation never panics, and a valid page's answers, presented
//! again (the pre-filled page), validate to the same values. Valid pages are stored and the
//! journey routed, pruned and summarised as the server does.

#![no_main]

use formwork_core::{Answers, FormInput, ValidationContext};
use formwork_core_fuzz::{language, pair, pick_form, push_input, today};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    formwork_core_fuzz::catch_stack_overflow();
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n').peekable();
    let (_, form) = pick_form(lines.next().unwrap_or_default().trim());
    let (day, lang) = {
        let line = lines.next().unwrap_or_default();
        let mut words = line.split_whitespace();
        (
            today(words.next().unwrap_or_default()),
            language(words.next().unwrap_or_default()),
        )
    };
    let cx = ValidationContext { today: day, lang };
    let mut answers = Answers::default();
    if let Some(line) = lines.peek()
        && line.starts_with('{')
    {
        answers = serde_json::from_str(line).unwrap_or_default();
        lines.next();
        // Answers as the store might hold them, shapes unchecked: routing may say it cannot
        // decide (an error), but nothing may panic.
        let _ = form.route(&answers, day);
        for page in &form.pages {
            let _ = form.present_page(&page.slug, &answers);
        }
    }
    let mut steps: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in lines {
        if let Some(slug) = line.strip_prefix('@') {
            steps.push((slug.trim().to_owned(), Vec::new()));
        } else if let Some((_, pairs)) = steps.last_mut() {
            pairs.push(pair(line));
        }
    }
    for (slug, pairs) in steps {
        let Some(page) = form.page(&slug) else {
            continue;
        };
        let names: Vec<String> = page.fields().iter().flat_map(|f| f.inputs()).collect();
        let mut input = FormInput::default();
        for (name, value) in pairs {
            let name = match name.strip_prefix('#').and_then(|n| n.parse::<usize>().ok()) {
                Some(n) if !names.is_empty() => names[n % names.len()].clone(),
                _ => name,
            };
            push_input(&mut input, name, value);
        }
        let Some(report) = form.validate_page(&slug, &input, &cx) else {
            panic!("page `{slug}` exists but validate_page says it does not");
        };
        for e in &report.errors {
            assert!(!e.message.is_empty(), "an error without a message: {e:?}");
            assert!(!e.code.is_empty(), "an error without a code: {e:?}");
        }
        let _ = serde_json::to_string(&report);
        if !report.is_valid() {
            continue;
        }
        form.store_page(&slug, &report, &mut answers);
        // The pre-filled page must give back the same answers.
        let again = form.present_page(&slug, &answers);
        let Some(second) = form.validate_page(&slug, &again, &cx) else {
            unreachable!("the page exists");
        };
        assert!(
            second.errors.is_empty(),
            "page `{slug}`: presenting the stored answers gives errors\ninput: {input:?}\nvalues: {:?}\npresented: {again:?}\nerrors: {:?}",
            report.values,
            second.errors
        );
        assert_eq!(
            second.values, report.values,
            "page `{slug}`: presenting the stored answers gives other values\ninput: {input:?}\npresented: {again:?}"
        );
        if form.prune(&mut answers, day).is_err() {
            continue;
        }
        if let Ok(route) = form.route(&answers, day) {
            let _ = form.summary(&answers, &route, lang);
        }
    }
});
