//! Definition compiling: form JSON (+ optional component library JSON) -> `compile_form`.
//!
//! Input: the form's JSON text. If the input contains NUL bytes, the text after each NUL is one
//! `component.json` and those make the library; otherwise the repository's components do.
//!
//! A definition is never trusted: whatever it says, compiling returns `Ok` or `Err` with at
//! least one located message, and never panics, overflows the stack or hangs. A form that
//! compiles is then used: every page validated with nothing and with plausible answers (so
//! the definition's rules run), the journey walked as far as empty pages go (store, route,
//! prune, present, summary), and every view built.

#![no_main]

use formwork_core::form::CompiledPage;
use formwork_core::route::Step;
use formwork_core::{
    Answers, CompiledForm, ComponentLibrary, FormInput, Language, ValidationContext,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    formwork_core_fuzz::catch_stack_overflow();
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let form = parts.next().unwrap_or_default();
    let components: Vec<(String, String)> = parts
        .enumerate()
        .map(|(i, s)| (format!("components/c{i}/component.json"), s.to_owned()))
        .collect();
    let owned;
    let library = if components.is_empty() {
        formwork_core_fuzz::library()
    } else {
        match ComponentLibrary::from_sources(&components) {
            Ok(l) => {
                owned = l;
                &owned
            }
            Err(errors) => {
                assert!(!errors.0.is_empty(), "Err without a message");
                let _ = errors.to_string();
                return;
            }
        }
    };
    match formwork_core::compile_form("fuzz", "forms/fuzz.json", form, library) {
        Ok(compiled) => exercise(&compiled),
        Err(errors) => {
            assert!(!errors.0.is_empty(), "Err without a message");
            for e in &errors.0 {
                assert!(!e.message.is_empty(), "an empty message: {e:?}");
            }
            let _ = errors.to_string();
        }
    }
});

fn exercise(form: &CompiledForm) {
    let today = formwork_core_fuzz::today(formwork_core_fuzz::DEFAULT_TODAY);
    for lang in [Language::En, Language::Cy] {
        let cx = ValidationContext { today, lang };
        for page in &form.pages {
            let _ = form.validate_page(&page.slug, &FormInput::default(), &cx);
            let _ = form.page_view(&page.slug, lang);
            for answers in PLAUSIBLE {
                let input = plausible(page, &answers);
                let _ = form.validate_page(&page.slug, &input, &cx);
            }
        }
        for p in form
            .exits
            .iter()
            .chain([&form.start, &form.check_answers, &form.confirmation])
        {
            for c in &p.content {
                let _ = c.view(lang);
            }
        }
    }
    // Walk the journey as far as empty pages go (optional questions and content-only pages).
    let cx = ValidationContext {
        today,
        lang: Language::En,
    };
    let mut answers = Answers::default();
    for _ in 0..=form.pages.len() {
        let Ok(route) = form.route(&answers, today) else {
            return;
        };
        let _ = form.summary(&answers, &route, Language::En);
        let Step::Page(slug) = route.next else { return };
        let Some(report) = form.validate_page(&slug, &FormInput::default(), &cx) else {
            panic!("the route goes to `{slug}`, which is not a page");
        };
        if !report.is_valid() {
            return;
        }
        form.store_page(&slug, &report, &mut answers);
        let _ = form.present_page(&slug, &answers);
        if form.prune(&mut answers, today).is_err() {
            return;
        }
    }
}

/// Sets of answers to type into every box: one for date boxes, one for anything else.
const PLAUSIBLE: [(&str, &str, &str, &str); 4] = [
    ("29", "2", "2008", "yes"),
    ("1", "1", "1900", "1"),
    ("31", "12", "2025", "SW1A 1AA"),
    ("28", "02", "0999", "someone@example.com"),
];

/// The page's input filled with one set of `PLAUSIBLE` answers.
fn plausible(
    page: &CompiledPage,
    (day, month, year, other): &(&str, &str, &str, &str),
) -> FormInput {
    let mut input = FormInput::default();
    for field in page.fields() {
        for name in field.inputs() {
            let value = if name.ends_with("-day") {
                day
            } else if name.ends_with("-month") {
                month
            } else if name.ends_with("-year") {
                year
            } else {
                other
            };
            input.0.insert(name, vec![(*value).to_owned()]);
        }
    }
    input
}
