//! The minijinja environment: page layouts and govuk-frontend macro ports from `web/templates/`,
//! component templates from `components/<name>/template.html`. No HTTP types here.

use std::path::{Component as PathComponent, Path, PathBuf};
use std::sync::RwLock;

use formwork_core::Language;
use formwork_core::messages::{MessageArgs, format_message};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::ValueKind;
use minijinja::{AutoEscape, Environment, Error, Output, State, UndefinedBehavior, Value};

/// A template could not be rendered (a template bug or a missing file: infrastructure).
#[derive(Debug, thiserror::Error)]
#[error("template error: {0:#}")]
pub struct RenderError(#[from] minijinja::Error);

/// Renders pages. In dev mode templates are re-read after `reload`.
#[derive(Debug)]
pub struct Renderer {
    env: RwLock<Environment<'static>>,
}

/// Rejects names that could leave the template folders.
fn safe_join(root: &Path, name: &str) -> Option<PathBuf> {
    let rel = Path::new(name);
    rel.components()
        .all(|c| matches!(c, PathComponent::Normal(_)))
        .then(|| root.join(rel))
}

fn build_env(web_dir: &Path, components_dir: &Path) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_formatter(nunjucks_formatter);
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    let templates = web_dir.join("templates");
    let components = components_dir.to_path_buf();
    env.set_loader(move |name: &str| {
        let path = match name.strip_prefix("components/") {
            Some(rest) => safe_join(&components, rest),
            None => safe_join(&templates, name),
        };
        let Some(path) = path else { return Ok(None) };
        match std::fs::read_to_string(&path) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("cannot read {}: {e}", path.display()),
            )),
        }
    });
    env.add_function(
        "t",
        |key: &str, state: &minijinja::State<'_, '_>| -> String {
            let lang = state
                .lookup("lang")
                .and_then(|l| l.as_str().and_then(Language::from_tag))
                .unwrap_or_default();
            format_message(lang, key, &MessageArgs::default())
        },
    );
    env
}

impl Renderer {
    /// A renderer over `web/templates` and `components/`.
    #[must_use]
    pub fn new(web_dir: &Path, components_dir: &Path) -> Self {
        Self {
            env: RwLock::new(build_env(web_dir, components_dir)),
        }
    }

    /// Forgets cached templates so edits show on the next render (dev mode).
    pub fn reload(&self) {
        if let Ok(mut env) = self.env.write() {
            env.clear_templates();
        }
    }

    /// Renders a template with a context.
    ///
    /// # Errors
    /// When the template is missing or fails.
    pub fn render(&self, name: &str, ctx: Value) -> Result<String, RenderError> {
        let env = self.env.read().map_err(|_| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                "renderer lock poisoned",
            )
        })?;
        let template = env.get_template(name)?;
        Ok(template.render(ctx)?)
    }
}

/// Prints values the way Nunjucks does, which the govuk-frontend macro ports rely on: `none` and
/// undefined as nothing, booleans as `true`/`false`, integral floats without `.0`, and HTML-escaping
/// of `& < > " '` only.
///
/// # Errors
/// When writing fails.
pub fn nunjucks_formatter(
    out: &mut Output<'_>,
    state: &mut State<'_, '_>,
    value: &Value,
) -> Result<(), Error> {
    if value.is_safe() || !matches!(state.auto_escape(), AutoEscape::Html) {
        return minijinja::escape_formatter(out, state, value);
    }
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => Ok(()),
        ValueKind::Bool => Ok(out.write_str(if value.is_true() { "true" } else { "false" })?),
        ValueKind::String => Ok(write_escaped(out, value.as_str().unwrap_or_default())?),
        ValueKind::Number => match f64::try_from(value.clone()) {
            Ok(f) if !value.is_integer() && f.fract() == 0.0 && f.abs() < 1e15 => {
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "checked integral and in range"
                )]
                let whole = f as i64;
                Ok(write!(out, "{whole}")?)
            }
            _ => Ok(write!(out, "{value}")?),
        },
        _ => Ok(write_escaped(out, &value.to_string())?),
    }
}

fn write_escaped(out: &mut Output<'_>, s: &str) -> std::fmt::Result {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&s[last..i])?;
        out.write_str(rep)?;
        last = i + 1;
    }
    out.write_str(&s[last..])
}
