//! The answers model: normalised values keyed by question name, plus which pages are complete.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// One normalised answer. Dates are `YYYY-MM-DD` text; postcodes are upper-cased and spaced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// Text, a chosen option's value, or an ISO date.
    Text(String),
    /// A number.
    Number(f64),
    /// The chosen options of a checkbox question.
    List(Vec<String>),
    /// The parts of a composite, e.g. an address.
    Group(BTreeMap<String, Value>),
    /// The items of a repeating section, each its own set of answers.
    Items(Vec<BTreeMap<String, Value>>),
}

impl Value {
    /// The text, if this is text.
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// Everything a resident has answered in one journey.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Answers {
    /// Normalised answers by question name.
    #[serde(default)]
    pub values: BTreeMap<String, Value>,
    /// Slugs of the pages the resident has completed (a page with only optional questions can be complete and empty).
    #[serde(default)]
    pub completed: BTreeSet<String>,
}

impl Answers {
    /// The answer to a question, following `a.b` into composite parts.
    #[must_use]
    pub fn lookup(&self, path: &[String]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        let mut value = self.values.get(first)?;
        for part in rest {
            match value {
                Value::Group(map) => value = map.get(part)?,
                _ => return None,
            }
        }
        Some(value)
    }
}

/// What a resident submitted on one page: input name to the values sent (usually one).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FormInput(pub BTreeMap<String, Vec<String>>);

impl FormInput {
    /// Builds input from `(name, value)` pairs, keeping repeats in order.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            map.entry(k.into()).or_default().push(v.into());
        }
        Self(map)
    }

    /// The first value sent for `name`, or `""`.
    #[must_use]
    pub fn get(&self, name: &str) -> &str {
        self.0
            .get(name)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }

    /// Every value sent for `name`.
    #[must_use]
    pub fn all(&self, name: &str) -> &[String] {
        self.0.get(name).map_or(&[], Vec::as_slice)
    }
}
