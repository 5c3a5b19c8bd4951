//! Data-driven tests over the repository's JSON files, in one test binary:
//!
//! - `conformance`: every `tests/conformance/*.json` case file, through the same runner the
//!   WebAssembly build uses; outcomes are also written to `target/conformance-native.json`.
//! - `compile_errors`: broken form and component definitions (`tests/fixtures/broken*/`),
//!   each snapshotted as its `FILE:/json/pointer: message` lines.
//! - `examples`: every `components/*/examples.json` example compiles.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use formwork_core::ComponentLibrary;

/// The repository root.
fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The entries of a directory, sorted, optionally only files ending in `ext`.
fn sorted_entries(dir: &Path, ext: Option<&str>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| ext.is_none_or(|x| p.extension().and_then(|e| e.to_str()) == Some(x)))
        .collect();
    out.sort();
    out
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The component folders of `components/`.
fn component_dirs() -> Vec<PathBuf> {
    sorted_entries(&root().join("components"), None)
        .into_iter()
        .filter(|p| p.is_dir())
        .collect()
}

/// `(components/<name>/component.json, text)` for every component folder.
fn component_sources() -> Vec<(String, String)> {
    component_dirs()
        .iter()
        .map(|dir| {
            let file = dir.join("component.json");
            (
                format!("components/{}/component.json", file_name(dir)),
                read(&file),
            )
        })
        .collect()
}

/// The repository's component library; panics with every definition error.
fn library() -> ComponentLibrary {
    ComponentLibrary::from_sources(&component_sources())
        .unwrap_or_else(|e| panic!("the component library does not compile:\n{e}"))
}

/// `forms/<id>.json` by id.
fn form_source(id: &str) -> Option<String> {
    std::fs::read_to_string(root().join("forms").join(format!("{id}.json"))).ok()
}

mod conformance {
    use super::*;

    /// Runs every case file; a case listed in `xfail.json` must fail, every other case must pass.
    #[test]
    fn case_files() {
        let dir = root().join("tests/conformance");
        let files: Vec<PathBuf> = sorted_entries(&dir, Some("json"))
            .into_iter()
            .filter(|p| file_name(p) != "xfail.json")
            .collect();
        assert!(
            !files.is_empty(),
            "no conformance case files in {}",
            dir.display()
        );
        let xfail_path = dir.join("xfail.json");
        let xfail: BTreeMap<String, String> = if xfail_path.exists() {
            serde_json::from_str(&read(&xfail_path))
                .unwrap_or_else(|e| panic!("tests/conformance/xfail.json: {e}"))
        } else {
            BTreeMap::new()
        };
        let library = library();
        let mut problems: Vec<String> = Vec::new();
        let mut report = serde_json::Map::new();
        let mut seen: Vec<String> = Vec::new();
        let (mut passed, mut xfailed) = (0, 0);
        for path in &files {
            let name = file_name(path);
            let source = read(path);
            // Case names, in file order, to key outcomes as `<file>/<case name>`.
            let case_names: Vec<String> = serde_json::from_str::<serde_json::Value>(&source)
                .ok()
                .and_then(|v| v.get("cases").and_then(|c| c.as_array()).cloned())
                .unwrap_or_default()
                .iter()
                .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
                .collect();
            let outcomes = match formwork_core::conformance::run_file(
                &format!("tests/conformance/{name}"),
                &source,
                &library,
                &form_source,
            ) {
                Ok(o) => o,
                Err(e) => {
                    problems.push(format!("{name}: the file cannot be run:\n  {e}"));
                    continue;
                }
            };
            assert_eq!(
                outcomes.len(),
                case_names.len(),
                "{name}: one outcome per case"
            );
            let mut unique = std::collections::BTreeSet::new();
            for (case, outcome) in case_names.iter().zip(outcomes) {
                let key = format!("{name}/{case}");
                if !unique.insert(case.clone()) {
                    problems.push(format!("{key}: two cases have this name"));
                }
                seen.push(key.clone());
                let reason = xfail.get(&key);
                match (outcome.passed, reason) {
                    (true, None) => passed += 1,
                    (false, Some(reason)) => {
                        xfailed += 1;
                        println!("xfail {key}: {reason}");
                    }
                    (true, Some(_)) => problems.push(format!(
                        "{key}: passes but is listed in xfail.json; remove it from the list"
                    )),
                    (false, None) => problems.push(format!(
                        "{key}\n  expected: {}\n  actual:   {}",
                        pretty(&outcome.expected),
                        pretty(&outcome.actual)
                    )),
                }
                report.insert(
                    key,
                    serde_json::json!({
                        "passed": outcome.passed,
                        "xfail": reason,
                        "expected": outcome.expected,
                        "actual": outcome.actual,
                    }),
                );
            }
        }
        for key in xfail.keys() {
            if !seen.contains(key) {
                problems.push(format!(
                    "xfail.json lists `{key}`, which is not a case in any file"
                ));
            }
        }
        write_report(&report);
        println!(
            "{} case files, {} cases: {passed} passed, {xfailed} expected failures, {} problems",
            files.len(),
            seen.len(),
            problems.len()
        );
        assert!(
            problems.is_empty(),
            "{} conformance problem(s):\n\n{}",
            problems.len(),
            problems.join("\n\n")
        );
    }

    fn pretty(v: &serde_json::Value) -> String {
        serde_json::to_string_pretty(v)
            .unwrap_or_default()
            .replace('\n', "\n  ")
    }

    /// Writes every outcome, keyed by `<file>/<case name>`, for the WebAssembly parity check.
    fn write_report(cases: &serde_json::Map<String, serde_json::Value>) {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root().join("target"), PathBuf::from);
        std::fs::create_dir_all(&target).expect("create the target directory");
        let path = target.join("conformance-native.json");
        let doc = serde_json::json!({ "runner": "native", "cases": cases });
        let text = serde_json::to_string_pretty(&doc).expect("serialise the report");
        std::fs::write(&path, text + "\n")
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

mod compile_errors {
    use super::*;

    /// Each broken form must fail to compile; its errors are the snapshot.
    #[test]
    fn broken_forms() {
        let library = library();
        insta::glob!("../../../tests/fixtures/broken", "*.json", |path| {
            let name = file_name(path);
            let id = name.trim_end_matches(".json");
            let file = format!("tests/fixtures/broken/{name}");
            let Err(errors) = formwork_core::compile_form(id, &file, &read(path), &library) else {
                panic!("{file} compiles, but it is meant to be broken");
            };
            assert!(!errors.0.is_empty(), "{file}: an error without details");
            insta::assert_snapshot!(errors.to_string());
        });
    }

    /// A minimal valid definition of every primitive, so that a fixture lists only what it breaks.
    fn primitive_stubs() -> Vec<(String, String)> {
        formwork_core::components::PRIMITIVES
            .iter()
            .map(|name| {
                let def = serde_json::json!({
                    "name": name,
                    "kind": "primitive",
                    "title": name,
                    "description": format!("The {name} primitive."),
                });
                (format!("stubs/{name}/component.json"), def.to_string())
            })
            .collect()
    }

    /// Each broken component library must fail to load; its errors are the snapshot. A fixture maps
    /// `components/<name>/component.json` paths to definitions; primitives it does not define are stubbed.
    #[test]
    fn broken_components() {
        insta::glob!(
            "../../../tests/fixtures/broken-components",
            "*.json",
            |path| {
                let name = file_name(path);
                let files: BTreeMap<String, serde_json::Value> =
                    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{name}: {e}"));
                let defined: Vec<String> = files
                    .values()
                    .filter_map(|d| d["name"].as_str().map(str::to_owned))
                    .collect();
                let mut sources: Vec<(String, String)> = primitive_stubs()
                    .into_iter()
                    .filter(|(file, _)| {
                        !defined
                            .iter()
                            .any(|d| file == &format!("stubs/{d}/component.json"))
                    })
                    .collect();
                for (file, def) in &files {
                    let text = serde_json::to_string_pretty(def).expect("serialise");
                    sources.push((file.clone(), text));
                }
                let Err(errors) = ComponentLibrary::from_sources(&sources) else {
                    panic!("{name} loads, but it is meant to be broken");
                };
                assert!(!errors.0.is_empty(), "{name}: an error without details");
                insta::assert_snapshot!(errors.to_string());
            }
        );
    }
}

mod examples {
    use super::*;

    /// Every component folder has an `examples.json` whose examples each compile as a one-question form.
    #[test]
    fn every_example_compiles() {
        let library = library();
        let dirs = component_dirs();
        assert!(!dirs.is_empty(), "no component folders in components/");
        let mut problems: Vec<String> = Vec::new();
        let mut count = 0;
        for dir in &dirs {
            let component = file_name(dir);
            let file = format!("components/{component}/examples.json");
            let Ok(text) = std::fs::read_to_string(dir.join("examples.json")) else {
                problems.push(format!(
                    "{file} is missing: every component needs examples for the gallery"
                ));
                continue;
            };
            let doc: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(format!("{file}: not JSON: {e}"));
                    continue;
                }
            };
            let Some(examples) = doc.get("examples").and_then(|e| e.as_array()) else {
                problems.push(format!("{file}: no `examples` list"));
                continue;
            };
            if examples.is_empty() {
                problems.push(format!("{file}: the `examples` list is empty"));
            }
            for (i, example) in examples.iter().enumerate() {
                count += 1;
                let label = example
                    .get("name")
                    .and_then(|n| n.as_str())
                    .map_or_else(|| format!("#{i}"), str::to_owned);
                let Some(use_) = example.get("use") else {
                    problems.push(format!("{file}: example `{label}` has no `use`"));
                    continue;
                };
                if use_.get("type").and_then(|t| t.as_str()) != Some(component.as_str()) {
                    problems.push(format!(
                        "{file}: example `{label}` uses `{}`, not `{component}`",
                        use_.get("type").unwrap_or(&serde_json::Value::Null)
                    ));
                }
                let form = formwork_core::conformance::wrap_component(use_);
                let source = form.to_string();
                if let Err(e) = formwork_core::compile_form(
                    "example",
                    &format!("{file}#{label}"),
                    &source,
                    &library,
                ) {
                    problems.push(e.to_string());
                }
            }
        }
        println!("{} components, {count} examples", dirs.len());
        assert!(
            problems.is_empty(),
            "{} example problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        );
    }

    /// Every primitive of the engine has a component folder.
    #[test]
    fn every_primitive_has_a_folder() {
        let library = library();
        let missing: Vec<&str> = formwork_core::components::PRIMITIVES
            .iter()
            .copied()
            .filter(|p| library.get(p).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "primitives without a components/<name>/component.json: {missing:?}"
        );
    }

    /// Every form in `forms/` compiles.
    #[test]
    fn every_form_compiles() {
        let library = library();
        let mut problems = Vec::new();
        for path in sorted_entries(&root().join("forms"), Some("json")) {
            let name = file_name(&path);
            let id = name.trim_end_matches(".json");
            if let Err(e) =
                formwork_core::compile_form(id, &format!("forms/{name}"), &read(&path), &library)
            {
                problems.push(e.to_string());
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
