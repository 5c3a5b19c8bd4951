//! The built-in message catalogue: one JSON file per language, CLDR plural categories, `{placeholder}` formatting.
//!
//! Adding a language is data: a `messages/<tag>.json` file with the same keys, plus its entry in
//! `catalogue_source` and its plural rule in `plural_category`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::text::{Language, capitalise};

/// One catalogue entry: a single string, or a string per CLDR plural category.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Entry {
    Single(String),
    Plural(BTreeMap<PluralCategory, String>),
}

/// The CLDR plural categories. Welsh uses all six; English uses `one` and `other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PluralCategory {
    /// CLDR `zero`.
    Zero,
    /// CLDR `one`.
    One,
    /// CLDR `two`.
    Two,
    /// CLDR `few`.
    Few,
    /// CLDR `many`.
    Many,
    /// CLDR `other`.
    Other,
}

/// The CLDR cardinal plural category of a whole number in `lang`.
#[must_use]
pub fn plural_category(lang: Language, n: u64) -> PluralCategory {
    match lang {
        Language::En => {
            if n == 1 {
                PluralCategory::One
            } else {
                PluralCategory::Other
            }
        }
        // CLDR: zero n=0; one n=1; two n=2; few n=3; many n=6; other.
        Language::Cy => match n {
            0 => PluralCategory::Zero,
            1 => PluralCategory::One,
            2 => PluralCategory::Two,
            3 => PluralCategory::Few,
            6 => PluralCategory::Many,
            _ => PluralCategory::Other,
        },
    }
}

type Catalogue = BTreeMap<String, Entry>;

fn catalogue_source(lang: Language) -> Option<&'static str> {
    match lang {
        Language::En => Some(include_str!("../messages/en.json")),
        // Welsh ships when `messages/cy.json` is written; until then English is used.
        Language::Cy => None,
    }
}

fn catalogue(lang: Language) -> &'static Catalogue {
    static EN: OnceLock<Catalogue> = OnceLock::new();
    static CY: OnceLock<Catalogue> = OnceLock::new();
    let cell = match lang {
        Language::En => &EN,
        Language::Cy => &CY,
    };
    cell.get_or_init(|| {
        catalogue_source(lang)
            .and_then(|src| serde_json::from_str(src).ok())
            .unwrap_or_default()
    })
}

/// Arguments for a message: `label` (the field's noun phrase), `count` for plurals, and named values.
#[derive(Clone, Debug, Default)]
pub struct MessageArgs {
    /// The noun phrase for the field, e.g. `date of birth`; gives `{label}` and `{Label}`.
    pub label: Option<String>,
    /// The number that selects the plural form; also `{count}`.
    pub count: Option<u64>,
    /// Other placeholders, e.g. `date`, `min`, `max`.
    pub values: Vec<(&'static str, String)>,
}

impl MessageArgs {
    /// Arguments with just a label.
    #[must_use]
    pub fn label(label: &str) -> Self {
        Self {
            label: Some(label.to_owned()),
            ..Self::default()
        }
    }

    /// Adds the plural count.
    #[must_use]
    pub fn with_count(mut self, count: u64) -> Self {
        self.count = Some(count);
        self
    }

    /// Adds a named placeholder value.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.values.push((name, value.into()));
        self
    }
}

/// True when the catalogue has `key` (in English, the reference language).
#[must_use]
pub fn has_key(key: &str) -> bool {
    catalogue(Language::En).contains_key(key)
}

/// Looks `key` up in `lang` (falling back to English) and fills its placeholders.
/// An unknown key gives the key itself, so a gap shows up in tests instead of as blank text.
#[must_use]
pub fn format_message(lang: Language, key: &str, args: &MessageArgs) -> String {
    let entry = catalogue(lang)
        .get(key)
        .or_else(|| catalogue(Language::En).get(key));
    let template = match entry {
        Some(Entry::Single(s)) => s.as_str(),
        Some(Entry::Plural(forms)) => {
            let category = plural_category(lang, args.count.unwrap_or(0));
            forms
                .get(&category)
                .or_else(|| forms.get(&PluralCategory::Other))
                .map_or(key, String::as_str)
        }
        None => key,
    };
    fill(template, args)
}

/// Fills `{label}`, `{Label}`, `{count}` and named placeholders in a template (also used for per-use overrides).
#[must_use]
pub fn fill(template: &str, args: &MessageArgs) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        match resolve(name, args) {
            Some(value) => out.push_str(&value),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn resolve(name: &str, args: &MessageArgs) -> Option<String> {
    match name {
        "label" => args.label.clone(),
        "Label" => args.label.as_deref().map(capitalise),
        "count" => args.count.map(|c| c.to_string()),
        _ => args
            .values
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_catalogue_parses() {
        assert!(catalogue(Language::En).len() > 40);
    }

    #[test]
    fn formats_with_label_and_plural() {
        let args = MessageArgs::label("Date of birth");
        assert_eq!(
            format_message(Language::En, "date.missing-month", &args),
            "Date of birth must include a month"
        );
        let args = MessageArgs::label("Description").with_count(1);
        assert_eq!(
            format_message(Language::En, "text.too-long", &args),
            "Description must be 1 character or less"
        );
        let args = MessageArgs::label("Description").with_count(500);
        assert_eq!(
            format_message(Language::En, "text.too-long", &args),
            "Description must be 500 characters or less"
        );
    }

    #[test]
    fn welsh_has_six_categories() {
        let cats: Vec<_> = [0, 1, 2, 3, 6, 7]
            .iter()
            .map(|n| plural_category(Language::Cy, *n))
            .collect();
        assert_eq!(
            cats,
            vec![
                PluralCategory::Zero,
                PluralCategory::One,
                PluralCategory::Two,
                PluralCategory::Few,
                PluralCategory::Many,
                PluralCategory::Other
            ]
        );
    }
}
