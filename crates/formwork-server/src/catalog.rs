//! Loads `components/` and `forms/` from disk, checks them (JSON Schema, then the core
//! compile step) and holds the compiled forms the request path uses.
//!
//! `formwork check` and `formwork serve` share this code, so a form that fails the check
//! stops the server with the same messages.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use formwork_core::error::pointer_token;
use formwork_core::{CompiledForm, ComponentLibrary, DefinitionError, compile_form};
use serde::Deserialize;

use crate::schema::{component_schema, form_schema};

/// Everything loaded from the definition folders.
#[derive(Debug)]
pub struct Catalog {
    /// Parsed component definitions.
    pub library: ComponentLibrary,
    /// Component folders, by name, in name order.
    pub components: BTreeMap<String, ComponentFolder>,
    /// Compiled forms, by id.
    pub forms: BTreeMap<String, Arc<CompiledForm>>,
    /// Form definition texts, by id (for the browser's copy of the rules).
    pub form_sources: BTreeMap<String, String>,
    /// Component definition texts, by file (for the browser's copy of the rules).
    pub component_sources: BTreeMap<String, String>,
    /// Each form's browser bundle (form and component definitions), built once, by form id.
    pub bundles: BTreeMap<String, crate::assets::Asset>,
    /// Each question page's component views (what its template draws), built once, by
    /// `form/page`.
    pub page_views: BTreeMap<String, crate::page::Shared>,
}

/// The JSON the browser compiles its copy of the rules from.
fn bundle(
    form: &CompiledForm,
    source: &str,
    components: &BTreeMap<String, String>,
) -> crate::assets::Asset {
    let body = serde_json::json!({ "id": form.id, "version": form.version, "form": source, "components": components });
    crate::assets::asset("bundle.json", body.to_string().into_bytes())
}

/// One `components/<name>/` folder.
#[derive(Debug, Clone)]
pub struct ComponentFolder {
    /// The component's name (= folder name).
    pub name: String,
    /// The folder.
    pub dir: PathBuf,
    /// Named examples from `examples.json`.
    pub examples: Vec<Example>,
    /// The README text.
    pub readme: String,
}

/// A named example use of a component.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// Kebab-case name.
    pub name: String,
    /// What it shows.
    #[serde(default)]
    pub description: String,
    /// The component use, as it would appear in a form.
    #[serde(rename = "use")]
    pub use_: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExamplesFile {
    #[serde(rename = "$schema", default)]
    _schema: Option<String>,
    examples: Vec<Example>,
}

/// Problems found while loading, each printed as `FILE:/json/pointer: message`.
#[derive(Debug, Default, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct Problems(pub Vec<DefinitionError>);

/// Loads and compiles everything; any problem means no catalog.
///
/// # Errors
/// Every problem found in any file.
pub fn load(forms_dir: &Path, components_dir: &Path) -> Result<Catalog, Problems> {
    let mut problems = Vec::new();
    let (library, components, component_sources) = load_components(components_dir, &mut problems);
    let mut forms = BTreeMap::new();
    let mut form_sources = BTreeMap::new();
    if let Some(library) = &library {
        for file in json_files(forms_dir, &mut problems) {
            if let Some((id, source, form)) = load_form(&file, library, &mut problems) {
                forms.insert(id.clone(), Arc::new(form));
                form_sources.insert(id, source);
            }
        }
    }
    match library {
        Some(library) if problems.is_empty() => {
            let bundles = forms
                .iter()
                .filter_map(|(id, form)| {
                    form_sources
                        .get(id)
                        .map(|src| (id.clone(), bundle(form, src, &component_sources)))
                })
                .collect();
            let page_views = forms
                .values()
                .flat_map(|form| {
                    form.pages.iter().map(|page| {
                        let key = format!("{}/{}", form.id, page.slug);
                        let view = form.page_view(&page.slug, formwork_core::Language::En);
                        let shared = crate::page::Shared::new(
                            format!("{key}@{}", form.version),
                            serde_json::Value::Array(view),
                        );
                        (key, shared)
                    })
                })
                .collect();
            Ok(Catalog {
                library,
                components,
                forms,
                form_sources,
                component_sources,
                bundles,
                page_views,
            })
        }
        _ => {
            problems.sort_by(DefinitionError::document_order);
            problems.dedup();
            Err(Problems(problems))
        }
    }
}

/// Checks the given paths (form files, form folders, component folders); `components_dir`
/// supplies the component library for forms. Returns every problem found.
#[must_use]
pub fn check(paths: &[PathBuf], components_dir: &Path) -> Vec<DefinitionError> {
    let mut problems = Vec::new();
    let (library, _, _) = load_components(components_dir, &mut problems);
    for path in paths {
        if path.is_dir() && is_components_dir(path) {
            if path.canonicalize().ok() != components_dir.canonicalize().ok() {
                load_components(path, &mut problems);
            }
        } else if path.is_dir() {
            if let Some(library) = &library {
                for file in json_files(path, &mut problems) {
                    load_form(&file, library, &mut problems);
                }
            }
        } else if path.file_name().is_some_and(|n| n == "component.json") {
            // Checked with its folder as part of the library.
            if let Some(dir) = path.parent().and_then(Path::parent)
                && dir.canonicalize().ok() != components_dir.canonicalize().ok()
            {
                load_components(dir, &mut problems);
            }
        } else if path.is_file() {
            if let Some(library) = &library {
                load_form(path, library, &mut problems);
            }
        } else {
            problems.push(problem(path, "", "no such file or folder"));
        }
    }
    problems.sort_by(DefinitionError::document_order);
    problems.dedup();
    problems
}

fn is_components_dir(dir: &Path) -> bool {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().join("component.json").is_file())
        })
        .unwrap_or(false)
}

fn problem(file: &Path, pointer: &str, message: impl Into<String>) -> DefinitionError {
    DefinitionError {
        file: display_path(file),
        pointer: pointer.to_owned(),
        message: message.into(),
    }
}

/// Paths are shown relative to the working directory when possible, as editors expect.
fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = cwd
        .as_deref()
        .and_then(|c| path.strip_prefix(c).ok())
        .unwrap_or(path);
    rel.to_string_lossy().into_owned()
}

fn json_files(dir: &Path, problems: &mut Vec<DefinitionError>) -> Vec<PathBuf> {
    match fs::read_dir(dir) {
        Ok(entries) => {
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
                .collect();
            files.sort();
            files
        }
        Err(e) => {
            problems.push(problem(dir, "", format!("cannot read folder: {e}")));
            Vec::new()
        }
    }
}

/// Reads and parses a JSON file, reporting syntax errors with their line and column.
fn read_json(
    path: &Path,
    problems: &mut Vec<DefinitionError>,
) -> Option<(String, serde_json::Value)> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(problem(path, "", format!("cannot read file: {e}")));
            return None;
        }
    };
    match serde_json::from_str(&text) {
        Ok(v) => Some((text, v)),
        Err(e) => {
            problems.push(problem(path, "", format!("not valid JSON: {e}")));
            None
        }
    }
}

/// Validates `instance` against `schema`, reporting each violation at its pointer (under `prefix`).
fn schema_errors(
    schema: &serde_json::Value,
    instance: &serde_json::Value,
    file: &Path,
    prefix: &str,
) -> Vec<DefinitionError> {
    let validator = match jsonschema::validator_for(schema) {
        Ok(v) => v,
        Err(e) => {
            return vec![problem(
                file,
                prefix,
                format!("the parameter schema is not a valid JSON Schema: {e}"),
            )];
        }
    };
    validator
        .iter_errors(instance)
        .map(|e| {
            problem(
                file,
                &format!("{prefix}{}", e.instance_path()),
                e.to_string(),
            )
        })
        .collect()
}

type LoadedComponents = (
    Option<ComponentLibrary>,
    BTreeMap<String, ComponentFolder>,
    BTreeMap<String, String>,
);

fn load_components(dir: &Path, problems: &mut Vec<DefinitionError>) -> LoadedComponents {
    let before = problems.len();
    let schema = component_schema();
    let mut sources = Vec::new();
    let mut folders = BTreeMap::new();
    let mut param_schemas = BTreeMap::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(problem(
                dir,
                "",
                format!("cannot read the components folder: {e}"),
            ));
            return (None, folders, BTreeMap::new());
        }
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for folder in dirs {
        let folder_name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let def_path = folder.join("component.json");
        for required in [
            "component.json",
            "template.html",
            "examples.json",
            "README.md",
        ] {
            if !folder.join(required).is_file() {
                problems.push(problem(
                    &folder,
                    "",
                    format!("component folder is missing {required}"),
                ));
            }
        }
        let Some((text, value)) = def_path
            .is_file()
            .then(|| read_json(&def_path, problems))
            .flatten()
        else {
            continue;
        };
        let errs = schema_errors(&schema, &value, &def_path, "");
        if !errs.is_empty() {
            problems.extend(errs);
            continue;
        }
        let name = value
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_owned();
        if name != folder_name {
            problems.push(problem(
                &def_path,
                "/name",
                format!("the name `{name}` must match its folder `{folder_name}`"),
            ));
        }
        let params = value
            .get("params")
            .cloned()
            .unwrap_or_else(|| serde_json::json!({"type": "object"}));
        if let Err(e) = jsonschema::validator_for(&params) {
            problems.push(problem(
                &def_path,
                "/params",
                format!("not a valid JSON Schema: {e}"),
            ));
        }
        param_schemas.insert(name.clone(), params);
        let readme = fs::read_to_string(folder.join("README.md")).unwrap_or_default();
        folders.insert(
            name.clone(),
            ComponentFolder {
                name,
                dir: folder.clone(),
                examples: Vec::new(),
                readme,
            },
        );
        sources.push((display_path(&def_path), text));
    }
    for primitive in formwork_core::components::PRIMITIVES {
        if !folders.contains_key(*primitive) {
            problems.push(problem(
                dir,
                "",
                format!("the primitive `{primitive}` has no folder {primitive}/"),
            ));
        }
    }
    let library = match ComponentLibrary::from_sources(&sources) {
        Ok(l) => Some(l),
        Err(errs) => {
            problems.extend(errs.0);
            None
        }
    };
    // Examples compile like one-question forms; errors point into examples.json.
    if let Some(library) = &library {
        for folder in folders.values_mut() {
            let path = folder.dir.join("examples.json");
            let Some((_, value)) = path.is_file().then(|| read_json(&path, problems)).flatten()
            else {
                continue;
            };
            let file: ExamplesFile = match serde_json::from_value(value) {
                Ok(f) => f,
                Err(e) => {
                    problems.push(problem(&path, "", format!("examples.json must be {{\"examples\": [{{\"name\", \"description\", \"use\"}}]}}: {e}")));
                    continue;
                }
            };
            if file.examples.is_empty() {
                problems.push(problem(&path, "/examples", "give at least one example"));
            }
            for (i, example) in file.examples.iter().enumerate() {
                let prefix = format!("/examples/{i}/use");
                if example.use_.get("type").and_then(|t| t.as_str()) != Some(folder.name.as_str()) {
                    problems.push(problem(
                        &path,
                        &format!("{prefix}/type"),
                        format!(
                            "an example of `{}` must use type `{}`",
                            folder.name, folder.name
                        ),
                    ));
                }
                check_use_params(&example.use_, &param_schemas, &path, &prefix, problems);
                let form = formwork_core::conformance::wrap_component(&example.use_);
                if let Err(errs) =
                    compile_form("example", &display_path(&path), &form.to_string(), library)
                {
                    for mut e in errs.0 {
                        e.pointer = e.pointer.replacen("/pages/0/components/0", &prefix, 1);
                        problems.push(e);
                    }
                }
            }
            folder.examples = file.examples;
        }
    }
    let library = if problems.len() == before {
        library
    } else {
        None
    };
    let sources = sources.into_iter().collect();
    (library, folders, sources)
}

/// Checks a use's `params` (and any revealed uses inside them) against the component's parameter schema.
fn check_use_params(
    use_: &serde_json::Value,
    param_schemas: &BTreeMap<String, serde_json::Value>,
    file: &Path,
    pointer: &str,
    problems: &mut Vec<DefinitionError>,
) {
    let Some(type_) = use_.get("type").and_then(|t| t.as_str()) else {
        return;
    };
    let Some(schema) = param_schemas.get(type_) else {
        return;
    };
    let params = use_
        .get("params")
        .cloned()
        .unwrap_or_else(|| serde_json::json!({}));
    problems.extend(schema_errors(
        schema,
        &params,
        file,
        &format!("{pointer}/params"),
    ));
    walk_nested_uses(&params, &format!("{pointer}/params"), &mut |nested, ptr| {
        check_use_params(nested, param_schemas, file, ptr, problems);
    });
}

/// Finds component uses inside parameters (`reveal`, `revealOnYes`, `revealOnNo`).
fn walk_nested_uses(
    value: &serde_json::Value,
    pointer: &str,
    f: &mut dyn FnMut(&serde_json::Value, &str),
) {
    match value {
        serde_json::Value::Object(obj) => {
            for (k, v) in obj {
                let ptr = format!("{pointer}/{}", pointer_token(k));
                if matches!(k.as_str(), "reveal" | "revealOnYes" | "revealOnNo")
                    && let Some(items) = v.as_array()
                {
                    for (i, item) in items.iter().enumerate() {
                        f(item, &format!("{ptr}/{i}"));
                    }
                } else {
                    walk_nested_uses(v, &ptr, f);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk_nested_uses(item, &format!("{pointer}/{i}"), f);
            }
        }
        _ => {}
    }
}

fn load_form(
    path: &Path,
    library: &ComponentLibrary,
    problems: &mut Vec<DefinitionError>,
) -> Option<(String, String, CompiledForm)> {
    let (text, value) = read_json(path, problems)?;
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let errs = schema_errors(&form_schema(), &value, path, "");
    if !errs.is_empty() {
        problems.extend(errs);
        return None;
    }
    let param_schemas: BTreeMap<String, serde_json::Value> = library
        .iter()
        .map(|e| (e.definition.name.clone(), e.definition.params.clone()))
        .collect();
    let mut param_problems = Vec::new();
    for_each_use(&value, &mut |use_, ptr| {
        check_use_params(use_, &param_schemas, path, ptr, &mut param_problems)
    });
    let flagged: Vec<String> = param_problems.iter().map(|p| p.pointer.clone()).collect();
    problems.extend(param_problems);
    match compile_form(&id, &display_path(path), &text, library) {
        Ok(form) if flagged.is_empty() => Some((id, text, form)),
        Ok(_) => None,
        Err(errs) => {
            // The schema check already explained parameter problems; keep the compile step's other findings.
            problems.extend(errs.0.into_iter().filter(|e| {
                !flagged.iter().any(|f| {
                    e.pointer.starts_with(f.as_str())
                        || f.starts_with(&e.pointer) && e.pointer.contains("/params")
                })
            }));
            None
        }
    }
}

/// Calls `f` for every top-level component use in a form definition.
fn for_each_use(form: &serde_json::Value, f: &mut dyn FnMut(&serde_json::Value, &str)) {
    let visit_list = |list: Option<&serde_json::Value>,
                      pointer: String,
                      f: &mut dyn FnMut(&serde_json::Value, &str)| {
        if let Some(items) = list.and_then(|l| l.as_array()) {
            for (i, u) in items.iter().enumerate() {
                f(u, &format!("{pointer}/{i}"));
            }
        }
    };
    if let Some(pages) = form.get("pages").and_then(|p| p.as_array()) {
        for (i, page) in pages.iter().enumerate() {
            visit_list(page.get("components"), format!("/pages/{i}/components"), f);
        }
    }
    if let Some(exits) = form.get("exitPages").and_then(|p| p.as_array()) {
        for (i, exit) in exits.iter().enumerate() {
            visit_list(exit.get("content"), format!("/exitPages/{i}/content"), f);
        }
    }
    for key in ["start", "checkAnswers", "confirmation"] {
        visit_list(
            form.get(key).and_then(|s| s.get("content")),
            format!("/{key}/content"),
            f,
        );
    }
}
