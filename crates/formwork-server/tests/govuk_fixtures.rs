//! Conformance test for our GOV.UK macros (`web/templates/govuk/*.html`) against the upstream
//! govuk-frontend `fixtures.json` files shipped in the npm package (`web/node_modules`).
//!
//! Every fixture's `options` are passed as the macro's `params`, and the rendered HTML is compared
//! with the fixture's `html` after whitespace normalisation. Each fixture is rendered twice: with
//! `trim_blocks`/`lstrip_blocks` on and off, so the server may pick either setting.
//! Known, explained exceptions live in `web/templates/govuk/xfail.json`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{Environment, UndefinedBehavior};

/// (kebab-case component name, macro name), in the order the tally is printed.
const COMPONENTS: &[(&str, &str)] = &[
    ("back-link", "govukBackLink"),
    ("button", "govukButton"),
    ("character-count", "govukCharacterCount"),
    ("checkboxes", "govukCheckboxes"),
    ("date-input", "govukDateInput"),
    ("details", "govukDetails"),
    ("error-message", "govukErrorMessage"),
    ("error-summary", "govukErrorSummary"),
    ("fieldset", "govukFieldset"),
    ("footer", "govukFooter"),
    ("generic-header", "govukGenericHeader"),
    ("header", "govukHeader"),
    ("hint", "govukHint"),
    ("input", "govukInput"),
    ("inset-text", "govukInsetText"),
    ("label", "govukLabel"),
    ("notification-banner", "govukNotificationBanner"),
    ("panel", "govukPanel"),
    ("phase-banner", "govukPhaseBanner"),
    ("radios", "govukRadios"),
    ("select", "govukSelect"),
    ("service-navigation", "govukServiceNavigation"),
    ("skip-link", "govukSkipLink"),
    ("summary-list", "govukSummaryList"),
    ("tag", "govukTag"),
    ("textarea", "govukTextarea"),
    ("warning-text", "govukWarningText"),
];

#[derive(serde::Deserialize)]
struct FixtureFile {
    fixtures: Vec<Fixture>,
}

#[derive(serde::Deserialize)]
struct Fixture {
    name: String,
    options: Value,
    html: String,
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Environment settings the GOV.UK macros are written for: chainable undefined and the
/// server's Nunjucks-compatible formatter (`none` prints nothing, booleans as `true`/`false`,
/// Nunjucks escaping). `trim_blocks`/`lstrip_blocks` may be either way: both are tested.
fn govuk_environment(templates: &Path, trim: bool) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_loader(minijinja::path_loader(templates));
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_formatter(formwork_server::render::nunjucks_formatter);
    let syntax = SyntaxConfig::builder()
        .trim_blocks(trim)
        .lstrip_blocks(trim)
        .build()
        .expect("trim/lstrip settings form a valid syntax config");
    env.set_syntax(syntax);
    env
}

/// Collapses whitespace runs to one space, removes whitespace between tags, trims.
fn normalise(html: &str) -> String {
    let mut collapsed = String::with_capacity(html.len());
    let mut in_ws = false;
    for c in html.chars() {
        if c.is_ascii_whitespace() {
            in_ws = true;
        } else {
            if in_ws && !collapsed.is_empty() {
                collapsed.push(' ');
            }
            in_ws = false;
            collapsed.push(c);
        }
    }
    collapsed.replace("> <", "><")
}

/// First point where two strings differ, with some context either side.
fn first_diff(expected: &str, actual: &str) -> String {
    let at = expected
        .char_indices()
        .zip(actual.chars())
        .find(|((_, a), b)| a != b)
        .map_or(expected.len().min(actual.len()), |((i, _), _)| i);
    let start = expected[..at]
        .char_indices()
        .rev()
        .nth(60)
        .map_or(0, |(i, _)| i);
    let snip = |s: &str| -> String {
        let s = s.get(start..).unwrap_or("");
        s.chars().take(180).collect()
    };
    format!(
        "    expected: …{}\n    actual:   …{}",
        snip(expected),
        snip(actual)
    )
}

#[test]
fn govuk_macros_match_upstream_fixtures() {
    let root = workspace_root();
    let templates = root.join("web/templates");
    let components_dir = root.join("web/node_modules/govuk-frontend/dist/govuk/components");
    assert!(
        components_dir.is_dir(),
        "govuk-frontend is not installed at {}: run `npm ci --prefix web` first",
        components_dir.display()
    );
    let xfail_path = templates.join("govuk/xfail.json");
    let xfail: BTreeMap<String, String> = serde_json::from_str(&read(&xfail_path))
        .unwrap_or_else(|e| panic!("{}: {e}", xfail_path.display()));
    for (key, reason) in &xfail {
        assert!(
            !reason.trim().is_empty(),
            "xfail entry {key:?} needs a reason"
        );
    }

    let envs = [
        (
            "trim_blocks+lstrip_blocks",
            govuk_environment(&templates, true),
        ),
        ("default whitespace", govuk_environment(&templates, false)),
    ];

    let mut tally = String::new();
    let mut failures = Vec::new();
    let mut seen_xfail = Vec::new();
    let (mut grand_pass, mut grand_total) = (0, 0);

    for &(component, macro_name) in COMPONENTS {
        let path = components_dir.join(component).join("fixtures.json");
        let file: FixtureFile = serde_json::from_str(&read(&path))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let source = format!(
            "{{% from \"govuk/{component}.html\" import {macro_name} %}}{{{{ {macro_name}(params) }}}}"
        );
        let (mut passed, total) = (0, file.fixtures.len());
        for fixture in &file.fixtures {
            let key = format!("{component}/{}", fixture.name);
            let expected = normalise(&fixture.html);
            let mut problems: Vec<(&str, String)> = Vec::new();
            for (label, env) in &envs {
                let rendered = env
                    .template_from_named_str("fixture.html", &source)
                    .and_then(|t| {
                        t.render(minijinja::context! { params => fixture.options.clone() })
                    });
                let problem = match rendered {
                    Ok(html) => {
                        let actual = normalise(&html);
                        (actual != expected).then(|| first_diff(&expected, &actual))
                    }
                    Err(err) => Some(format!("    render error: {err:#}")),
                };
                if let Some(problem) = problem {
                    problems.push((label, problem));
                }
            }
            let ok = problems.is_empty();
            // Report a problem once when every Environment variant shows the same one.
            let problems: Vec<String> = if problems.len() == envs.len()
                && problems.iter().all(|(_, p)| *p == problems[0].1)
            {
                vec![problems[0].1.clone()]
            } else {
                problems
                    .iter()
                    .map(|(label, p)| format!("  [{label}]\n{p}"))
                    .collect()
            };
            match (xfail.get(&key), ok) {
                (None, true) => passed += 1,
                (None, false) => failures.push(format!("{key}\n{}", problems.join("\n"))),
                (Some(_), true) => {
                    failures.push(format!("{key}: marked xfail but passes; remove it"))
                }
                (Some(_), false) => {}
            }
            if xfail.contains_key(&key) {
                seen_xfail.push(key);
            }
        }
        grand_pass += passed;
        grand_total += total;
        let _ = writeln!(tally, "{component}: {passed}/{total}");
    }
    for key in xfail.keys() {
        if !seen_xfail.contains(key) {
            failures.push(format!("{key}: xfail entry names no known fixture"));
        }
    }
    println!(
        "{tally}total: {grand_pass}/{grand_total} ({} xfail)",
        seen_xfail.len()
    );
    const SHOWN: usize = 30;
    let mut report = failures
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    if failures.len() > SHOWN {
        let _ = write!(report, "\n… and {} more", failures.len() - SHOWN);
    }
    assert!(
        failures.is_empty(),
        "{} fixture problem(s):\n{report}",
        failures.len()
    );
}
