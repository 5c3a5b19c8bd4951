//! `email`: an email address, checked for a plausible shape and normalised (trimmed, domain lower-cased).

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
        autocomplete: params.autocomplete.unwrap_or_else(|| "email".into()),
        required_code: "email.required",
        format_code: "email.format",
        normalise: Box::new(normalise_email),
    }))
}

/// Returns the normalised address, or `None` if it cannot be an email address.
pub(crate) fn normalise_email(s: &str) -> Option<String> {
    if s.len() > 254
        || s.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
        })
    {
        return None;
    }
    let (local, domain) = s.rsplit_once('@')?;
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()));
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    (domain_ok && local_ok).then(|| format!("{local}@{}", domain.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::normalise_email;

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(
            normalise_email("Name@Example.COM").as_deref(),
            Some("Name@example.com")
        );
        assert_eq!(
            normalise_email("a.b+c@sub.example.co.uk").as_deref(),
            Some("a.b+c@sub.example.co.uk")
        );
        for bad in [
            "",
            "name",
            "name@",
            "@example.com",
            "name@example",
            "a b@example.com",
            "a@b@example.com",
            "a@example.c",
            "a..b@example.com",
            "a@example.com\r\nBcc: x@y.com",
        ] {
            assert_eq!(normalise_email(bad), None, "{bad}");
        }
    }
}
