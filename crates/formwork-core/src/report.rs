//! Validation results: field errors with stable codes, the inputs to highlight, and the message.
//!
//! Invalid input is data, never an `Err`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::answers::Value;

/// One problem with one question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    /// The question's name (its answer key).
    pub field: String,
    /// A stable code, e.g. `date.missing-month`.
    pub code: String,
    /// The message shown in the error summary and beside the field.
    pub message: String,
    /// The input the error summary links to: the first highlighted input.
    pub target: String,
    /// The inputs that get the error style (for a date, only the wrong parts).
    pub inputs: Vec<String>,
}

/// The result of validating one page: normalised answers for valid questions, and errors.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageReport {
    /// Normalised answers by question name (absent for optional questions left empty).
    pub values: BTreeMap<String, Value>,
    /// Errors in page order.
    pub errors: Vec<FieldError>,
}

impl PageReport {
    /// True when the page has no errors.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// The first error for a question, if any.
    #[must_use]
    pub fn error_for(&self, field: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| e.field == field)
    }
}
