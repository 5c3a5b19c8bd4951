//! Definition errors: author mistakes, each located by file and JSON pointer.

use std::fmt;

/// One problem in a definition file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, thiserror::Error)]
pub struct DefinitionError {
    /// The file, as the caller named it (e.g. `forms/over-18-check.json`).
    pub file: String,
    /// The JSON pointer to the offending value, e.g. `/pages/0/components/1/type`.
    pub pointer: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl DefinitionError {
    /// Orders errors by file, then as they appear in the document (`/pages/2` before `/pages/10`).
    #[must_use]
    pub fn document_order(a: &Self, b: &Self) -> std::cmp::Ordering {
        fn key(p: &str) -> Vec<(u8, u64, &str)> {
            p.split('/')
                .map(|t| t.parse::<u64>().map_or((1, 0, t), |n| (0, n, "")))
                .collect()
        }
        a.file
            .cmp(&b.file)
            .then_with(|| key(&a.pointer).cmp(&key(&b.pointer)))
            .then_with(|| a.message.cmp(&b.message))
    }
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.pointer, self.message)
    }
}

/// Every problem found in one compile, so an author sees them all at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, thiserror::Error)]
pub struct DefinitionErrors(pub Vec<DefinitionError>);

impl fmt::Display for DefinitionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Escapes one JSON pointer token (RFC 6901).
#[must_use]
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Turns a serde path such as `pages[0].components[1].lable` into `/pages/0/components/1/lable`.
#[must_use]
pub fn serde_path_to_pointer(path: &str) -> String {
    if path == "." || path.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for segment in path.split('.') {
        let mut rest = segment;
        let head_end = rest.find('[').unwrap_or(rest.len());
        if head_end > 0 {
            out.push('/');
            out.push_str(&pointer_token(&rest[..head_end]));
        }
        rest = &rest[head_end..];
        while let Some(stripped) = rest.strip_prefix('[') {
            let close = stripped.find(']').unwrap_or(stripped.len());
            out.push('/');
            out.push_str(&stripped[..close]);
            rest = stripped.get(close + 1..).unwrap_or_default();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_serde_paths() {
        assert_eq!(
            serde_path_to_pointer("pages[0].components[1].lable"),
            "/pages/0/components/1/lable"
        );
        assert_eq!(serde_path_to_pointer("."), "");
        assert_eq!(serde_path_to_pointer("start"), "/start");
    }
}
