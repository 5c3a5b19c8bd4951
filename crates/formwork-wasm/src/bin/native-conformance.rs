//! The native reference for `tests/wasm/conformance.mjs`: runs every conformance file through
//! the same [`formwork_wasm::convert::run_conformance`] the WebAssembly build exports, and prints
//! `{"<file name>": [outcome, …] | {"error": "…"}}` as JSON, so the two can be compared.
//!
//! Usage: `native-conformance [CASES_DIR] [ROOT_DIR]` (defaults `tests/conformance` and `.`;
//! components are read from `ROOT_DIR/components/*/component.json`, forms from `ROOT_DIR/forms/*.json`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn run() -> Result<String, String> {
    let mut args = std::env::args().skip(1);
    let cases_dir = PathBuf::from(args.next().unwrap_or_else(|| "tests/conformance".into()));
    let root = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let read = |p: &Path| fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));

    let mut components = serde_json::Map::new();
    for dir in sorted_entries(&root.join("components")) {
        let file = dir.join("component.json");
        if file.is_file() {
            let key = format!("components/{}/component.json", name_of(&dir));
            components.insert(key, read(&file)?.into());
        }
    }
    let mut forms = serde_json::Map::new();
    for file in sorted_entries(&root.join("forms")) {
        let name = name_of(&file);
        if let Some(id) = name.strip_suffix(".json") {
            forms.insert(id.to_owned(), read(&file)?.into());
        }
    }
    let components = serde_json::Value::Object(components).to_string();
    let forms = serde_json::Value::Object(forms).to_string();

    let mut results = BTreeMap::new();
    for file in sorted_entries(&cases_dir) {
        let name = name_of(&file);
        if !name.ends_with(".json") {
            continue;
        }
        let source = read(&file)?;
        let result =
            match formwork_wasm::convert::run_conformance(&name, &source, &components, &forms) {
                Ok(outcomes) => serde_json::to_value(outcomes).map_err(|e| e.to_string())?,
                Err(e) => serde_json::json!({ "error": e }),
            };
        results.insert(name, result);
    }
    if results.is_empty() {
        return Err(format!("no conformance cases in {}", cases_dir.display()));
    }
    serde_json::to_string_pretty(&results).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    match run() {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("native-conformance: {e}");
            ExitCode::FAILURE
        }
    }
}
