//! Formwork's pure form engine: definitions, the compile step, components, validation,
//! conditions and journey logic. No I/O, no clock, no HTTP, no HTML; builds for
//! `wasm32-unknown-unknown` so the browser runs the same rules as the server.
//!
//! The pipeline:
//! 1. `ComponentLibrary::from_sources` parses every `components/*/component.json`.
//! 2. `compile_form` turns a form definition into a `CompiledForm` (or every `DefinitionError`).
//! 3. `CompiledForm::validate_page` turns submitted input into a `PageReport` (values + errors).
//! 4. `CompiledForm::store_page`, `route` and `prune` move the journey on.
//! 5. `CompiledForm::summary` lists the answers for check answers.

pub mod answers;
pub mod compile;
pub mod components;
pub mod condition;
pub mod conformance;
pub mod date;
pub mod definition;
pub mod error;
pub mod form;
pub mod library;
pub mod messages;
pub mod report;
pub mod route;
pub mod text;

pub use answers::{Answers, FormInput, Value};
pub use compile::{compile_form, is_kebab};
pub use components::{Component, ValidationContext};
pub use condition::{Condition, ConditionError};
pub use definition::{ComponentDefinition, FormDefinition};
pub use error::{DefinitionError, DefinitionErrors};
pub use form::CompiledForm;
pub use library::ComponentLibrary;
pub use report::{FieldError, PageReport};
pub use route::{Route, Step, SummaryRow};
pub use text::{Language, Text};
pub use time::Date;
