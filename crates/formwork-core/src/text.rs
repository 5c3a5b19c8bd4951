//! User-facing text in definitions: a plain string or a map by language.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A language tag Formwork can speak. English is the fallback for every string.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English.
    #[default]
    En,
    /// Welsh (Cymraeg).
    Cy,
}

impl Language {
    /// The BCP 47 tag, e.g. `en`.
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Cy => "cy",
        }
    }

    /// Parses a tag such as `en` or `cy-GB`; unknown tags give `None`.
    #[must_use]
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        match primary.to_ascii_lowercase().as_str() {
            "en" => Some(Self::En),
            "cy" => Some(Self::Cy),
            _ => None,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A string in a definition: either plain (`"Continue"`) or per language
/// (`{"en": "Continue", "cy": "Parhau"}`). English must be present in a map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Text {
    /// The same text in every language.
    Plain(String),
    /// Text by language tag.
    ByLanguage(BTreeMap<Language, String>),
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        // Through a JSON value, so a missing field keeps serde's own "missing field" message.
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(s) => Ok(Self::Plain(s)),
            v @ serde_json::Value::Object(_) => {
                let map: BTreeMap<Language, String> = serde_json::from_value(v).map_err(|e| {
                    D::Error::custom(format!(
                        "text by language must map language tags (en, cy) to text: {e}"
                    ))
                })?;
                if map.contains_key(&Language::En) {
                    Ok(Self::ByLanguage(map))
                } else {
                    Err(D::Error::custom(
                        "text by language must include English (\"en\")",
                    ))
                }
            }
            _ => Err(D::Error::custom(
                "expected text, or text by language such as {\"en\": \"…\", \"cy\": \"…\"}",
            )),
        }
    }
}

impl Text {
    /// The text in `lang`, falling back to English, then to any language present.
    #[must_use]
    pub fn get(&self, lang: Language) -> &str {
        match self {
            Self::Plain(s) => s,
            Self::ByLanguage(map) => map
                .get(&lang)
                .or_else(|| map.get(&Language::En))
                .or_else(|| map.values().next())
                .map_or("", String::as_str),
        }
    }

    /// True when the text is empty in English.
    #[must_use]
    pub fn is_blank(&self) -> bool {
        self.get(Language::En).trim().is_empty()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self::Plain(s.to_owned())
    }
}

/// Upper-cases the first character, as GOV.UK messages start sentences with the noun phrase.
#[must_use]
pub fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Lower-cases the first character unless the first word looks like an acronym (`UK`, `NHS`).
#[must_use]
pub fn decapitalise(s: &str) -> String {
    let first_word = s.split_whitespace().next().unwrap_or_default();
    let acronym = first_word.chars().filter(|c| c.is_alphabetic()).count() > 1
        && first_word
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase);
    if acronym {
        return s.to_owned();
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_english() {
        let t: Text = serde_json::from_str(r#"{"en": "Continue"}"#).unwrap();
        assert_eq!(t.get(Language::Cy), "Continue");
        let t: Text = serde_json::from_str(r#"{"en": "Continue", "cy": "Parhau"}"#).unwrap();
        assert_eq!(t.get(Language::Cy), "Parhau");
    }

    #[test]
    fn case_helpers_respect_acronyms() {
        assert_eq!(decapitalise("Date of birth"), "date of birth");
        assert_eq!(decapitalise("UK postcode"), "UK postcode");
        assert_eq!(capitalise("date of birth"), "Date of birth");
    }
}
