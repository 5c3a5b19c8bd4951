//! The component gallery at `/components`: every component with each example rendered live
//! (empty and with errors), its parameters from its schema, and the JSON that uses it.

use std::collections::BTreeMap;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use formwork_core::{FormInput, Language, ValidationContext, compile_form};

use crate::page::{Page, PageBrand, Problem};
use crate::state::AppState;

const LANG: Language = Language::En;

/// `GET /components`.
pub async fn index(State(state): State<AppState>) -> Response {
    let catalog = state.catalog();
    let items: Vec<serde_json::Value> = catalog
        .library
        .iter()
        .map(|e| {
            serde_json::json!({
                "name": e.definition.name,
                "title": e.definition.title,
                "description": e.definition.description,
                "kind": format!("{:?}", e.definition.kind).to_lowercase(),
            })
        })
        .collect();
    Page::new(
        "pages/gallery.html",
        "Components",
        PageBrand::new(&state.0.config.branding, None, LANG),
    )
    .with("components", items)
    .render(&state, LANG)
}

/// One parameter row from a JSON Schema property.
fn param_rows(schema: &serde_json::Value) -> Vec<serde_json::Value> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(|r| r.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    schema
        .get("properties")
        .and_then(|p| p.as_object())
        .map(|props| {
            props
                .iter()
                .map(|(name, prop)| {
                    let ty = prop
                        .get("type")
                        .map(|t| match t {
                            serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(" or "),
                            other => other.as_str().unwrap_or("any").to_owned(),
                        })
                        .or_else(|| prop.get("enum").map(|e| format!("one of {e}")))
                        .unwrap_or_else(|| "text or text by language".into());
                    serde_json::json!({
                        "name": name,
                        "type": ty,
                        "required": required.contains(&name.as_str()),
                        "description": prop.get("description").and_then(|d| d.as_str()).unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `GET /components/{name}`.
pub async fn component(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let catalog = state.catalog();
    let brand = PageBrand::new(&state.0.config.branding, None, LANG);
    // A name that is not UTF-8 is no component: "Page not found", not a plain-text 400.
    let Ok(Path(name)) = path else {
        return Problem::NotFound.page(brand).render(&state, LANG);
    };
    let (Some(entry), Some(folder)) = (catalog.library.get(&name), catalog.components.get(&name))
    else {
        return Problem::NotFound.page(brand).render(&state, LANG);
    };
    let today = state.0.config.clock.today();
    let mut examples = Vec::new();
    for example in &folder.examples {
        let wrapped = formwork_core::conformance::wrap_component(&example.use_).to_string();
        let Ok(form) = compile_form("example", "example", &wrapped, &catalog.library) else {
            continue;
        };
        let views = form.page_view("question", LANG);
        let cx = ValidationContext { today, lang: LANG };
        let report = form
            .validate_page("question", &FormInput::default(), &cx)
            .unwrap_or_default();
        let errors: BTreeMap<String, serde_json::Value> = report
            .errors
            .iter()
            .map(|e| (e.field.clone(), serde_json::to_value(e).unwrap_or_default()))
            .collect();
        examples.push(serde_json::json!({
            "name": example.name,
            "description": example.description,
            "components": views,
            "errors": errors,
            "snippet": serde_json::to_string_pretty(&example.use_).unwrap_or_default(),
        }));
    }
    Page::new("pages/gallery_component.html", &entry.definition.title, brand)
        .with("component", serde_json::json!({
            "name": entry.definition.name,
            "title": entry.definition.title,
            "description": entry.definition.description,
            "kind": format!("{:?}", entry.definition.kind).to_lowercase(),
            "parts": entry.definition.parts.iter().map(|p| serde_json::json!({"name": p.name, "type": p.type_})).collect::<Vec<_>>(),
        }))
        .with("params", param_rows(&entry.definition.params))
        .with("examples", examples)
        .render(&state, LANG)
}
