//! Randomised parity, native half: generates page inputs (date triples with junk, text with odd
//! Unicode, numbers at bounds, options and tampered values) for every page of every example form
//! and every component example, validates them natively through the same `convert` layer the
//! WebAssembly exports use, and writes the cases and results to `target/parity-native.json`.
//! `tests/wasm/parity.mjs` replays them in the WebAssembly build and compares field by field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use formwork_wasm::convert::FormHandle;

/// How many inputs a run generates (the issue asks for at least 10,000).
const CASES: usize = 12_000;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// splitmix64: small, seedable and the same everywhere, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n as u64)).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const DATE_PARTS: &[&str] = &[
    "", "0", "1", "01", "7", "9", "12", "13", "28", "29", "30", "31", "32", "99", "2", "02", "feb",
    "Feb", "FEBRUARY", "sept", "ma", "ju", "2000", "1900", "2004", "2008", "2010", "2024", "2026",
    "2027", "20", "200", "20000", "-1", "1.5", " 7 ", "7.", "٢", "１２", "Ⅻ", "1\u{0}", "0x1F",
    "+3", "3rd",
];

const TEXT: &[&str] = &[
    "",
    " ",
    "Ada",
    "  padded  ",
    "O’Brien",
    "Zoë",
    "e\u{301}",
    "😀👍🏽",
    "\u{202e}evil",
    "a\u{200b}b",
    "<script>alert(1)</script>",
    "\"'&<>",
    "\r\nline\r\n",
    "İstanbul",
    "straße",
    "ﬁle",
    "Ŝŝ",
    "ǅ",
    "\u{feff}bom",
    "tab\there",
    "SW1A 1AA",
    "sw1a1aa",
    "M1 1AE",
    "GIR 0AA",
    "AB1",
    "07700 900982",
    "+44 7700 900982",
    "0044 1632 960001",
    "+33 1 23 45 67 89",
    "name@example.com",
    "Name@Example.COM",
    "a@b",
    "a@b.c",
    "x@y..com",
    "yes",
    "no",
    "resident",
    "none",
    "=SUM(1+1)",
    "-",
    "'",
    "\\",
];

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "2",
    "9",
    "10",
    "11",
    "49",
    "50",
    "51",
    "100",
    "999",
    "1,000",
    "1,5",
    "12,34,567",
    "£12.50",
    "12.345",
    "1e3",
    "NaN",
    "inf",
    "-inf",
    "9007199254740993",
    "1e308",
    "-1",
    "10000",
    "10001",
    "0.1",
    ".5",
    "5.",
    "1.0",
    " 3 ",
    "٣",
    "3 000",
];

const TODAYS: &[&str] = &[
    "2026-02-28",
    "2024-02-29",
    "2026-03-01",
    "2025-12-31",
    "2000-01-01",
    "2028-02-29",
];

fn long_text(rng: &mut Rng) -> String {
    let unit = ["a", "é", "😀", " ", "\u{301}", "ß"][rng.below(6)];
    unit.repeat(200 + rng.below(900))
}

/// One value for an input: mostly plausible, often hostile.
fn value_for(rng: &mut Rng, input: &str, options: &[String]) -> String {
    if input.ends_with("-day") || input.ends_with("-month") || input.ends_with("-year") {
        return rng.pick(DATE_PARTS).to_owned();
    }
    let roll = rng.below(10);
    if roll < 4 && !options.is_empty() {
        return options[rng.below(options.len())].clone();
    }
    match roll {
        0..=2 => rng.pick(NUMBERS).to_owned(),
        3..=7 => rng.pick(TEXT).to_owned(),
        8 => long_text(rng),
        _ => rng.pick(DATE_PARTS).to_owned(),
    }
}

fn options_of(view: &serde_json::Value, out: &mut BTreeMap<String, Vec<String>>) {
    if let (Some(name), Some(items)) = (
        view.get("name").and_then(|n| n.as_str()),
        view.get("items").and_then(|i| i.as_array()),
    ) {
        let values: Vec<String> = items
            .iter()
            .filter_map(|i| i.get("value").and_then(|v| v.as_str()).map(str::to_owned))
            .collect();
        if !values.is_empty() {
            out.insert(name.to_owned(), values);
        }
        for item in items {
            for nested in item
                .get("reveal")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
            {
                options_of(nested, out);
            }
        }
    }
    for part in view
        .get("parts")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        options_of(part, out);
    }
}

/// A page to generate input for: form id, page slug, its input names, and option values by field.
type PageCases = (String, String, Vec<String>, BTreeMap<String, Vec<String>>);

#[test]
fn native_results_for_generated_inputs() {
    let root = root();
    let mut components = serde_json::Map::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("components"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let mut forms: BTreeMap<String, String> = BTreeMap::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(dir.join("component.json")).unwrap();
        components.insert(format!("components/{name}/component.json"), text.into());
        let examples: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("examples.json")).unwrap())
                .unwrap();
        for example in examples["examples"].as_array().unwrap() {
            let id = format!("x-{name}-{}", example["name"].as_str().unwrap());
            forms.insert(
                id,
                formwork_core::conformance::wrap_component(&example["use"]).to_string(),
            );
        }
    }
    let mut form_files: Vec<PathBuf> = std::fs::read_dir(root.join("forms"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    form_files.sort();
    for f in form_files {
        let id = f.file_stem().unwrap().to_string_lossy().into_owned();
        forms.insert(id, std::fs::read_to_string(&f).unwrap());
    }
    let components_json = serde_json::Value::Object(components.clone()).to_string();
    // (form id, page slug, inputs, options by field name)
    let mut pages: Vec<PageCases> = Vec::new();
    let mut handles = BTreeMap::new();
    for (id, text) in &forms {
        let handle = FormHandle::compile(id, text, &components_json)
            .unwrap_or_else(|e| panic!("{id}: {e:?}"));
        for page in &handle.form().pages {
            let inputs: Vec<String> = page.fields().iter().flat_map(|f| f.inputs()).collect();
            let mut options = BTreeMap::new();
            for view in handle
                .form()
                .page_view(&page.slug, formwork_core::Language::En)
            {
                options_of(&view, &mut options);
            }
            pages.push((id.clone(), page.slug.clone(), inputs, options));
        }
        handles.insert(id.clone(), handle);
    }
    let mut rng = Rng(0x5EED_F0F0_2026_0228);
    let mut cases = Vec::with_capacity(CASES);
    let mut results = Vec::with_capacity(CASES);
    for _ in 0..CASES {
        let (form, page, inputs, options) = &pages[rng.below(pages.len())];
        let mut input = serde_json::Map::new();
        for name in inputs {
            match rng.below(12) {
                0 => {} // missing
                1 => {
                    let opts = options.get(name).cloned().unwrap_or_default();
                    let a = value_for(&mut rng, name, &opts);
                    let b = value_for(&mut rng, name, &opts);
                    input.insert(name.clone(), serde_json::json!([a, b]));
                }
                _ => {
                    let opts = options.get(name).cloned().unwrap_or_default();
                    input.insert(name.clone(), value_for(&mut rng, name, &opts).into());
                }
            }
        }
        if rng.below(20) == 0 {
            input.insert("unexpected-field".into(), "x".into());
        }
        let today = rng.pick(TODAYS);
        let input = serde_json::Value::Object(input);
        let result = handles[form]
            .validate_page_json(page, &input.to_string(), today, "en")
            .unwrap();
        cases.push(serde_json::json!({ "form": form, "page": page, "today": today, "lang": "en", "input": input }));
        results.push(serde_json::from_str::<serde_json::Value>(&result).unwrap());
    }
    let invalid = results
        .iter()
        .filter(|r| r["errors"].as_array().is_some_and(|e| !e.is_empty()))
        .count();
    assert!(
        invalid > CASES / 4 && invalid < CASES,
        "a useful mix of valid and invalid inputs ({invalid} invalid)"
    );
    let out = serde_json::json!({
        "runner": "native",
        "forms": forms,
        "components": components,
        "cases": cases,
        "results": results,
    });
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("parity-native.json"), out.to_string()).unwrap();
    println!(
        "{CASES} generated inputs over {} pages ({invalid} with errors) written to target/parity-native.json",
        pages.len()
    );
}
