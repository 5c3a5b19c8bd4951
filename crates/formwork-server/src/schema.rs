//! The published JSON Schemas for form and component definitions, generated from core's types
//! so they can never drift from what the engine accepts.

use formwork_core::definition::{ComponentDefinition, FormDefinition};

/// The JSON Schema of a form definition (`forms/*.json`).
#[must_use]
pub fn form_schema() -> serde_json::Value {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(FormDefinition)).unwrap_or_default();
    annotate(
        &mut schema,
        "Formwork form definition",
        "https://formwork.example/schemas/form.schema.json",
    );
    schema
}

/// The JSON Schema of a component definition (`components/*/component.json`).
#[must_use]
pub fn component_schema() -> serde_json::Value {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(ComponentDefinition)).unwrap_or_default();
    annotate(
        &mut schema,
        "Formwork component definition",
        "https://formwork.example/schemas/component.schema.json",
    );
    schema
}

fn annotate(schema: &mut serde_json::Value, title: &str, id: &str) {
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("title".into(), title.into());
        obj.insert("$id".into(), id.into());
    }
}

/// Where the checked-in schema files live, relative to the repository root.
pub const FORM_SCHEMA_PATH: &str = "crates/formwork-core/schemas/form.schema.json";
/// See `FORM_SCHEMA_PATH`.
pub const COMPONENT_SCHEMA_PATH: &str = "crates/formwork-core/schemas/component.schema.json";

/// Pretty JSON with a trailing newline, as the files are written.
#[must_use]
pub fn to_file_text(schema: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).unwrap_or_default();
    s.push('\n');
    s
}
