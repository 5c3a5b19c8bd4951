//! `telephone`: a UK telephone number (or an international one starting `+`), normalised to digits.

use serde::Deserialize;

use super::formatted::FormattedInput;
use super::{Component, FieldSpec};
use crate::compile::CompileContext;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Params {
    /// Accept international numbers (starting `+` and a country code other than 44).
    #[serde(default)]
    international: bool,
    #[serde(default)]
    autocomplete: Option<String>,
}

pub(crate) fn compile(spec: FieldSpec, cx: &mut CompileContext<'_>) -> Option<Box<dyn Component>> {
    spec.reject_rules(cx);
    let common = spec.common(cx);
    let params: Params = spec.parse_params(cx)?;
    let international = params.international;
    Some(Box::new(FormattedInput {
        common,
        autocomplete: params.autocomplete.unwrap_or_else(|| "tel".into()),
        required_code: "telephone.required",
        format_code: "telephone.format",
        normalise: Box::new(move |s: &str| normalise_telephone(s, international)),
    }))
}

/// Normalises a UK number to its national form (`07700900982`); `+44`/`0044` become `0`.
/// International numbers keep their `+` when allowed.
pub(crate) fn normalise_telephone(s: &str, international: bool) -> Option<String> {
    let s = s.trim();
    if s.chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.' | '+')))
    {
        return None;
    }
    let plus = s.starts_with('+');
    if s.chars().skip(1).any(|c| c == '+') {
        return None;
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let national = if plus {
        digits
            .strip_prefix("44")
            .map(|rest| format!("0{}", rest.strip_prefix('0').unwrap_or(rest)))
    } else if let Some(rest) = digits.strip_prefix("0044") {
        Some(format!("0{}", rest.strip_prefix('0').unwrap_or(rest)))
    } else {
        Some(digits.clone())
    };
    match national {
        Some(n) if n.starts_with('0') && (10..=11).contains(&n.len()) => Some(n),
        Some(_) if !plus => None,
        _ if international && (8..=15).contains(&digits.len()) => Some(format!("+{digits}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_telephone;

    #[test]
    fn normalises_uk_numbers() {
        assert_eq!(
            normalise_telephone("07700 900 982", false).as_deref(),
            Some("07700900982")
        );
        assert_eq!(
            normalise_telephone("+44 7700 900982", false).as_deref(),
            Some("07700900982")
        );
        assert_eq!(
            normalise_telephone("+44 (0)1632 960 001", false).as_deref(),
            Some("01632960001")
        );
        assert_eq!(
            normalise_telephone("0044 808 157 0192", false).as_deref(),
            Some("08081570192")
        );
        assert_eq!(normalise_telephone("+33 1 23 45 67 89", false), None);
        assert_eq!(
            normalise_telephone("+33 1 23 45 67 89", true).as_deref(),
            Some("+33123456789")
        );
        assert_eq!(normalise_telephone("12345", false), None);
        assert_eq!(normalise_telephone("0770090098a", false), None);
    }
}
