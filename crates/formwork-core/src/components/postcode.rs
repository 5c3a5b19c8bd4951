//! `postcode`: a full UK postcode, normalised to upper case with one space (`SW1A 1AA`).

use serde::Deserialize;

use super::formatted::FormattedInput;
use super::{Component, FieldSpec};
use crate::compile::CompileContext;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    #[serde(default)]
    autocomplete: Option<String>,
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    spec.reject_rules(cx);
    let common = spec.common(cx);
    let params: Params = spec.parse_params(cx)?;
    Some(Box::new(FormattedInput {
        common,
        autocomplete: params.autocomplete.unwrap_or_else(|| "postal-code".into()),
        required_code: "postcode.required",
        format_code: "postcode.format",
        normalise: Box::new(normalise_postcode),
    }))
}

/// Checks the UK postcode shapes (A9, A99, AA9, AA99, A9A, AA9A + 9AA) and spaces it.
pub(crate) fn normalise_postcode(s: &str) -> Option<String> {
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    if compact == "GIR0AA" {
        return Some("GIR 0AA".into());
    }
    let inward_ok = {
        let b = inward.as_bytes();
        b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    let shape: String = outward
        .bytes()
        .map(|b| {
            if b.is_ascii_digit() {
                '9'
            } else if b.is_ascii_alphabetic() {
                'A'
            } else {
                '?'
            }
        })
        .collect();
    let outward_ok = matches!(
        shape.as_str(),
        "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A"
    );
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

#[cfg(test)]
mod tests {
    use super::normalise_postcode;

    #[test]
    fn normalises_postcodes() {
        assert_eq!(normalise_postcode("sw1a1aa").as_deref(), Some("SW1A 1AA"));
        assert_eq!(normalise_postcode(" m1  1ae ").as_deref(), Some("M1 1AE"));
        assert_eq!(normalise_postcode("B33 8TH").as_deref(), Some("B33 8TH"));
        assert_eq!(normalise_postcode("CR2 6XH").as_deref(), Some("CR2 6XH"));
        assert_eq!(normalise_postcode("DN55 1PT").as_deref(), Some("DN55 1PT"));
        for bad in [
            "", "SW1A", "12345", "SW1A 1A", "ÄB1 1AA", "SW1A-1AA", "AAAA 1AA",
        ] {
            assert_eq!(normalise_postcode(bad), None, "{bad}");
        }
    }
}
