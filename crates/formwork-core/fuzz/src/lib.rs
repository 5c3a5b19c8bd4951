//! Shared by the fuzz targets: the repository's definitions (embedded by `build.rs`, compiled
//! once per process) and the small text formats the targets read. Text formats keep the seed
//! corpus readable and let libFuzzer's byte mutations land on meaningful places.
//!
//! Lines are split on `\n`; a value may write a newline as `\n` and a backslash as `\\`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use formwork_core::conformance::{CaseFile, wrap_component};
use formwork_core::{Answers, CompiledForm, ComponentLibrary, Date, FormInput, Language, Value};

mod sources {
    include!(concat!(env!("OUT_DIR"), "/sources.rs"));
}
pub use sources::{COMPONENTS, CONFORMANCE, FORMS};

/// The base form of the `condition` target when its input names none: one page with a
/// question of every answer type, then composites, so conditions have something to refer to.
pub const CONDITION_FORM: &str = include_str!("../condition-form.json");

/// Today when an input gives none (or an unreadable one).
pub const DEFAULT_TODAY: &str = "2026-02-28";

/// Makes a stack overflow a crash libFuzzer records. Call before each input (it acts once).
///
/// Without a sanitizer nobody handles SIGSEGV on an alternate stack: libFuzzer's handler runs
/// on the overflowed stack and the process dies without saving the input (and the Rust
/// runtime's own handler is not installed, libFuzzer owning `main`). This handler runs on a
/// stack of its own, says what happened and aborts; libFuzzer handles SIGABRT (still on this
/// stack), prints the crash and writes the input to `artifacts/<target>/`.
/// With AddressSanitizer (`-s address`) its own report is better, so this does nothing.
pub fn catch_stack_overflow() {
    #[cfg(all(unix, not(fuzz_asan)))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(install_handler);
    }
}

#[cfg(all(unix, not(fuzz_asan)))]
#[allow(unsafe_code)]
fn install_handler() {
    const SIZE: usize = 1 << 20;
    extern "C" fn on_segv(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
        const MSG: &[u8] =
            b"\n==fuzz== SIGSEGV/SIGBUS: probably a stack overflow (deep recursion); aborting\n";
        // SAFETY: write(2) and abort(3) are async-signal-safe.
        unsafe {
            libc::write(2, MSG.as_ptr().cast(), MSG.len());
            libc::abort();
        }
    }
    let stack: &'static mut [u8] = Box::leak(vec![0u8; SIZE].into_boxed_slice());
    // SAFETY: the alternate stack lives for the rest of the process; the handler only calls
    // async-signal-safe functions.
    unsafe {
        let ss = libc::stack_t {
            ss_sp: stack.as_mut_ptr().cast(),
            ss_flags: 0,
            ss_size: SIZE,
        };
        libc::sigaltstack(&ss, std::ptr::null_mut());
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_segv as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut sa.sa_mask);
        for signal in [libc::SIGSEGV, libc::SIGBUS] {
            libc::sigaction(signal, &sa, std::ptr::null_mut());
        }
    }
}

/// `components/*/component.json` as `(file, text)` pairs.
#[must_use]
pub fn component_sources() -> Vec<(String, String)> {
    COMPONENTS
        .iter()
        .map(|(f, s)| ((*f).to_owned(), (*s).to_owned()))
        .collect()
}

/// The repository's component library.
///
/// # Panics
/// When the repository's own components do not compile (then `cargo test` fails too).
pub fn library() -> &'static ComponentLibrary {
    static LIBRARY: OnceLock<ComponentLibrary> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        ComponentLibrary::from_sources(&component_sources())
            .unwrap_or_else(|e| panic!("the repository's components do not compile: {e}"))
    })
}

/// Every example definition by id: `forms/<id>.json` as `<id>`, each conformance file's form as
/// `conformance-<stem>` (its inline definition, or its component wrapped in a one-page form),
/// and the `condition` target's base form as `condition-form`.
pub fn definitions() -> &'static [(String, serde_json::Value)] {
    static DEFS: OnceLock<Vec<(String, serde_json::Value)>> = OnceLock::new();
    DEFS.get_or_init(|| {
        let mut out = Vec::new();
        for (file, text) in FORMS {
            if let (Some(id), Ok(v)) = (stem(file), serde_json::from_str(text)) {
                out.push((id.to_owned(), v));
            }
        }
        for (file, text) in CONFORMANCE {
            let Ok(case_file) = serde_json::from_str::<CaseFile>(text) else {
                continue; // not a case file (e.g. a list of expected failures)
            };
            let Some(id) = stem(file) else { continue };
            let def = match (case_file.definition, case_file.component) {
                (Some(def), _) => def,
                (None, Some(component)) => wrap_component(&component),
                (None, None) => continue, // `form`: already listed
            };
            out.push((format!("conformance-{id}"), def));
        }
        if let Ok(v) = serde_json::from_str(CONDITION_FORM) {
            out.push(("condition-form".to_owned(), v));
        }
        out
    })
}

/// The definition with this id, as JSON.
#[must_use]
pub fn definition(id: &str) -> Option<&'static serde_json::Value> {
    definitions().iter().find(|(i, _)| i == id).map(|(_, v)| v)
}

/// Every example definition, compiled (all of them compile: `cargo test` checks that).
pub fn compiled() -> &'static [(String, CompiledForm)] {
    static FORMS_COMPILED: OnceLock<Vec<(String, CompiledForm)>> = OnceLock::new();
    FORMS_COMPILED.get_or_init(|| {
        definitions()
            .iter()
            .map(|(id, def)| {
                let form = formwork_core::compile_form(id, id, &def.to_string(), library())
                    .unwrap_or_else(|e| panic!("example `{id}` does not compile: {e}"));
                (id.clone(), form)
            })
            .collect()
    })
}

/// The compiled form named `key`, or (so that mutated names still reach some form) one
/// picked by the key's length.
#[must_use]
pub fn pick_form(key: &str) -> &'static (String, CompiledForm) {
    let all = compiled();
    all.iter()
        .find(|(id, _)| id == key)
        .unwrap_or_else(|| &all[key.len() % all.len()])
}

fn stem(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?;
    let name = name.strip_suffix(".json")?;
    Some(name.strip_suffix("/component").unwrap_or(name))
}

/// `\n` becomes a newline and `\\` a backslash; any other backslash stays.
#[must_use]
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Today from `YYYY-MM-DD`, or the default.
#[must_use]
pub fn today(s: &str) -> Date {
    formwork_core::date::parse_iso_date(s.trim())
        .or_else(|| formwork_core::date::parse_iso_date(DEFAULT_TODAY))
        .unwrap_or(Date::MIN)
}

/// `en` or `cy` (anything else is English).
#[must_use]
pub fn language(s: &str) -> Language {
    if s.trim() == "cy" {
        Language::Cy
    } else {
        Language::En
    }
}

/// A `name=value` line (the value may be empty; without `=` the whole line is the name).
#[must_use]
pub fn pair(line: &str) -> (String, String) {
    match line.split_once('=') {
        Some((k, v)) => (unescape(k), unescape(v)),
        None => (unescape(line), String::new()),
    }
}

/// An answer as written in an input: JSON when it parses as a JSON value (a number, a list,
/// an object of parts), otherwise the text itself.
#[must_use]
pub fn answer_value(s: &str) -> Value {
    serde_json::from_str::<Value>(s).unwrap_or_else(|_| Value::Text(s.to_owned()))
}

/// Adds one submitted value to a page's input.
pub fn push_input(input: &mut FormInput, name: String, value: String) {
    input.0.entry(name).or_default().push(value);
}

/// Answers from `name=value` lines (`answer_value` for each value).
#[must_use]
pub fn answers_from_pairs(pairs: &[(String, String)]) -> Answers {
    let mut values = BTreeMap::new();
    for (k, v) in pairs {
        values.insert(k.clone(), answer_value(v));
    }
    Answers {
        values,
        completed: Default::default(),
    }
}
