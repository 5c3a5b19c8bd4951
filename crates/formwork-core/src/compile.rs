//! The compile step: a form definition plus the component library become a `CompiledForm`,
//! or every problem found, each with its file and JSON pointer.
//!
//! Composites are expanded here (with `$param` substitution), conditions are parsed and
//! type-checked, routing targets are resolved, and reachability is checked.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::components::{
    Component, FieldCommon, FieldSpec, ValueType, compile_primitive, group::Group,
};
use crate::condition::{Condition, Expr, Scope, compile_condition, compile_condition_at};
use crate::definition::{ComponentKind, ComponentUse, FormDefinition};
use crate::error::{DefinitionError, DefinitionErrors};
use crate::form::{CompiledForm, CompiledPage, ContentPage, Declaration, Target};
use crate::library::{ComponentLibrary, hex};
use crate::messages::{MessageArgs, format_message};
use crate::text::{Language, Text};

/// Slugs the server uses for its own pages.
pub const RESERVED_SLUGS: &[&str] = &[
    "check-answers",
    "confirmation",
    "start",
    "submit",
    "exit",
    "session-expired",
    "assets",
    "static",
];

/// The default number of days a submission is kept.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// True for `lower-kebab-case` names such as `date-of-birth`.
#[must_use]
pub fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// State while compiling one file.
#[derive(Debug)]
pub(crate) struct CompileContext<'a> {
    pub library: &'a ComponentLibrary,
    pub file: String,
    pub errors: Vec<DefinitionError>,
    expanding: Vec<String>,
    /// Exit pages the author declared.
    declared_exits: BTreeSet<String>,
    /// Exit pages referenced by `exitPage` (slug → pointer), checked once all exits are known.
    exit_refs: Vec<(String, String)>,
    /// Exit pages to make for eligibility rules with no `exitPage` of their own.
    synthetic_exits: BTreeMap<String, (String, u32)>,
}

impl<'a> CompileContext<'a> {
    pub(crate) fn new(library: &'a ComponentLibrary, file: &str) -> Self {
        Self {
            library,
            file: file.to_owned(),
            errors: Vec::new(),
            expanding: Vec::new(),
            declared_exits: BTreeSet::new(),
            exit_refs: Vec::new(),
            synthetic_exits: BTreeMap::new(),
        }
    }

    pub(crate) fn error(&mut self, pointer: &str, message: String) {
        self.errors.push(DefinitionError {
            file: self.file.clone(),
            pointer: pointer.to_owned(),
            message,
        });
    }

    /// The exit page for an eligibility rule: the use's `exitPage`, or a page made for it.
    pub(crate) fn exit_for_rule(
        &mut self,
        spec: &FieldSpec,
        rule: &str,
        years: u32,
        default_slug: &str,
    ) -> String {
        if let Some(slug) = &spec.exit_page {
            return slug.clone();
        }
        if !self.declared_exits.contains(default_slug) {
            self.synthetic_exits
                .insert(default_slug.to_owned(), (rule.to_owned(), years));
        }
        default_slug.to_owned()
    }

    /// Compiles one use of any component, expanding composites.
    pub(crate) fn compile_use(
        &mut self,
        u: &ComponentUse,
        pointer: &str,
    ) -> Option<Box<dyn Component>> {
        self.compile_use_as(u, pointer, None)
    }

    fn compile_use_as(
        &mut self,
        u: &ComponentUse,
        pointer: &str,
        template: Option<&str>,
    ) -> Option<Box<dyn Component>> {
        let Some(entry) = self.library.get(&u.type_) else {
            let known: Vec<&str> = self
                .library
                .iter()
                .map(|e| e.definition.name.as_str())
                .collect();
            let hint = closest(&u.type_, &known)
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            self.error(
                &format!("{pointer}/type"),
                format!("unknown component type `{}`{hint}", u.type_),
            );
            return None;
        };
        let def = entry.definition.clone();
        if let Some(name) = &u.name
            && !is_kebab(name)
        {
            self.error(
                &format!("{pointer}/name"),
                format!("name `{name}` must be kebab-case, e.g. `date-of-birth`"),
            );
        }
        let template = template.unwrap_or(&def.name).to_owned();
        let defaults = def.defaults.clone().unwrap_or_default();
        let mut messages = defaults.messages.clone();
        if def.kind == ComponentKind::Primitive {
            let before = self.errors.len();
            self.check_param_names(u, &def.params, pointer);
            // The typed parameters would report the same unknown names again, without the hints.
            let params_ok = self.errors.len() == before;
            messages.extend(u.messages.clone());
            let spec = FieldSpec {
                kind: def.name.clone(),
                template,
                name: u.name.clone().unwrap_or_default(),
                label: u.label.clone().or(defaults.label),
                short_label: u.short_label.clone().or(defaults.short_label),
                hint: u.hint.clone().or(defaults.hint),
                optional: u.optional,
                params: u.params.clone(),
                rules: u.rules.clone(),
                messages,
                exit_page: u.exit_page.clone(),
                pointer: pointer.to_owned(),
            };
            if !crate::components::is_content(&spec.kind) && spec.name.is_empty() {
                self.error(pointer, format!("a `{}` question needs a name", spec.kind));
                return None;
            }
            if let Some(slug) = &spec.exit_page {
                self.exit_refs
                    .push((slug.clone(), spec.pointer_to("exitPage")));
                if spec.kind != "date-input" {
                    self.error(
                        &spec.pointer_to("exitPage"),
                        format!(
                            "`{}` has no eligibility rules, so exitPage never applies",
                            u.type_
                        ),
                    );
                }
            }
            if !params_ok {
                return None;
            }
            return compile_primitive(spec, self);
        }
        if self.expanding.contains(&def.name) {
            self.error(
                &format!("{pointer}/type"),
                format!("composite `{}` uses itself", def.name),
            );
            return None;
        }
        self.check_param_names(u, &def.params, pointer);
        let Some(name) = u.name.clone() else {
            self.error(pointer, format!("a `{}` question needs a name", def.name));
            return None;
        };
        self.expanding.push(def.name.clone());
        let single = def.parts.len() == 1 && def.parts[0].name.is_none();
        let result = if single {
            let part = &def.parts[0];
            let mut rules: Vec<serde_json::Value> = part
                .rules
                .iter()
                .filter_map(|r| substitute_rule(r, &u.params))
                .collect();
            rules.extend(u.rules.clone());
            let mut part_messages = messages.clone();
            part_messages.extend(part.messages.clone());
            part_messages.extend(u.messages.clone());
            let inner = ComponentUse {
                type_: part.type_.clone(),
                name: Some(name),
                label: u
                    .label
                    .clone()
                    .or_else(|| part.label.clone())
                    .or(defaults.label),
                short_label: u
                    .short_label
                    .clone()
                    .or_else(|| part.short_label.clone())
                    .or(defaults.short_label),
                hint: u
                    .hint
                    .clone()
                    .or_else(|| part.hint.clone())
                    .or(defaults.hint),
                optional: u.optional || part.optional,
                params: substitute_map(&part.params, &u.params),
                rules,
                messages: part_messages,
                exit_page: u.exit_page.clone(),
            };
            self.compile_use_as(&inner, pointer, Some(&template))
        } else {
            let mut parts = Vec::new();
            for (i, part) in def.parts.iter().enumerate() {
                let part_name = part.name.clone().unwrap_or_else(|| format!("part-{i}"));
                let inner = ComponentUse {
                    type_: part.type_.clone(),
                    name: Some(format!("{name}-{part_name}")),
                    label: part.label.clone(),
                    short_label: part.short_label.clone(),
                    hint: part.hint.clone(),
                    optional: u.optional || part.optional,
                    params: substitute_map(&part.params, &u.params),
                    rules: part
                        .rules
                        .iter()
                        .filter_map(|r| substitute_rule(r, &u.params))
                        .collect(),
                    messages: part
                        .messages
                        .clone()
                        .into_iter()
                        .chain(u.messages.clone())
                        .collect(),
                    exit_page: None,
                };
                let before = self.errors.len();
                let compiled = self.compile_use(&inner, pointer);
                for e in &mut self.errors[before..] {
                    e.message = format!(
                        "in part `{part_name}` of `{}` ({}): {}",
                        def.name, entry.file, e.message
                    );
                }
                if let Some(c) = compiled {
                    parts.push((part_name, c));
                }
            }
            let label = u.label.clone().or(defaults.label);
            if label.as_ref().is_none_or(Text::is_blank) {
                self.error(
                    &format!("{pointer}/label"),
                    format!("`{name}` needs a label: the question a resident answers"),
                );
            }
            let common = FieldCommon {
                name,
                kind: def.name.clone(),
                template,
                label: label.unwrap_or_else(|| Text::from("")),
                short_label: u.short_label.clone().or(defaults.short_label),
                hint: u.hint.clone().or(defaults.hint),
                optional: u.optional,
                messages,
                pointer: pointer.to_owned(),
            };
            Some(Box::new(Group {
                common,
                parts,
                separator: def.summary_separator.clone(),
            }) as Box<dyn Component>)
        };
        self.expanding.pop();
        result
    }

    /// Flags parameters a component's schema does not declare (the server also checks the full schema).
    fn check_param_names(&mut self, u: &ComponentUse, schema: &serde_json::Value, pointer: &str) {
        let Some(props) = schema.get("properties").and_then(|p| p.as_object()) else {
            return;
        };
        if schema.get("additionalProperties") == Some(&serde_json::Value::Bool(true)) {
            return;
        }
        for key in u.params.keys() {
            if !props.contains_key(key) {
                let known: Vec<&str> = props.keys().map(String::as_str).collect();
                let hint = closest(key, &known)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                self.error(
                    &format!("{pointer}/params/{}", crate::error::pointer_token(key)),
                    format!("`{}` has no parameter `{key}`{hint}", u.type_),
                );
            }
        }
    }
}

/// Replaces `{"$param": "name", "default": …}` with the use's parameter; absent ones are dropped.
fn substitute(
    v: &serde_json::Value,
    params: &serde_json::Map<String, serde_json::Value>,
    missing: &mut bool,
) -> Option<serde_json::Value> {
    match v {
        serde_json::Value::Object(obj) => {
            if let Some(serde_json::Value::String(name)) = obj.get("$param") {
                let found = params
                    .get(name)
                    .cloned()
                    .or_else(|| obj.get("default").cloned());
                if found.is_none() {
                    *missing = true;
                }
                return found;
            }
            Some(serde_json::Value::Object(
                obj.iter()
                    .filter_map(|(k, v)| substitute(v, params, missing).map(|v| (k.clone(), v)))
                    .collect(),
            ))
        }
        serde_json::Value::Array(items) => Some(serde_json::Value::Array(
            items
                .iter()
                .filter_map(|i| substitute(i, params, missing))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

fn substitute_map(
    m: &serde_json::Map<String, serde_json::Value>,
    params: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut missing = false;
    m.iter()
        .filter_map(|(k, v)| substitute(v, params, &mut missing).map(|v| (k.clone(), v)))
        .collect()
}

/// A rule whose parameter is absent is left out (e.g. no `minAge` means no minimum age rule).
fn substitute_rule(
    rule: &serde_json::Value,
    params: &serde_json::Map<String, serde_json::Value>,
) -> Option<serde_json::Value> {
    let mut missing = false;
    let out = substitute(rule, params, &mut missing)?;
    (!missing).then_some(out)
}

/// The most similar candidate, for "did you mean" hints.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Scope for conditions: questions with their pages, and named conditions compiled on demand.
struct FormScope<'f> {
    fields: BTreeMap<String, (ValueType, usize)>,
    sources: &'f BTreeMap<String, String>,
    compiled: BTreeMap<String, Result<(Expr, Option<usize>), String>>,
    visiting: Vec<String>,
    /// Every named condition some condition referred to, even one that then failed to compile.
    requested: BTreeSet<String>,
}

impl Scope for FormScope<'_> {
    fn field(&self, path: &[String]) -> Result<(ValueType, usize), String> {
        let Some((first, rest)) = path.split_first() else {
            return Err("empty name".into());
        };
        let Some((vt, page)) = self.fields.get(first) else {
            let known: Vec<&str> = self.fields.keys().map(String::as_str).collect();
            let hint = closest(first, &known)
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            return Err(format!("`{first}` is not a question in this form{hint}"));
        };
        let mut vt = vt.clone();
        for part in rest {
            vt = match vt {
                ValueType::Group(mut parts) => parts
                    .remove(part)
                    .ok_or_else(|| format!("`{}` has no part `{part}`", path.join(".")))?,
                _ => return Err(format!("`{first}` has no parts")),
            };
        }
        Ok((vt, *page))
    }

    fn named(&mut self, name: &str, depth: usize) -> Option<Result<(Expr, Option<usize>), String>> {
        let source = self.sources.get(name)?.clone();
        self.requested.insert(name.to_owned());
        if let Some(done) = self.compiled.get(name) {
            return Some(done.clone());
        }
        if self.visiting.iter().any(|v| v == name) {
            return Some(Err(format!("condition `{name}` refers to itself")));
        }
        self.visiting.push(name.to_owned());
        let result = compile_condition_at(&source, self, depth)
            .map(|(c, max)| (c.expr, max))
            .map_err(|e| format!("in condition `{name}`: {e}"));
        self.visiting.pop();
        self.compiled.insert(name.to_owned(), result.clone());
        Some(result)
    }
}

/// Deserialises a definition file's text, or gives the JSON pointer and message of the problem.
///
/// With the `path-errors` feature (the default) the pointer locates the bad value and the
/// message gives its line and column. Without it (the browser build, where every
/// `Deserialize` impl instantiated once more costs download size) the text is parsed to a
/// `serde_json::Value` and the type is read from that, as `parse_value` does: the pointer is
/// then empty and the message has no position.
pub(crate) fn parse_source<T: serde::de::DeserializeOwned>(
    source: &str,
) -> Result<T, (String, String)> {
    let mut de = serde_json::Deserializer::from_str(source);
    #[cfg(feature = "path-errors")]
    {
        serde_path_to_error::deserialize(&mut de).map_err(located)
    }
    #[cfg(not(feature = "path-errors"))]
    {
        let value = <serde_json::Value as serde::Deserialize>::deserialize(&mut de)
            .map_err(|e| (String::new(), e.to_string()))?;
        parse_value(value)
    }
}

/// Deserialises a parsed value, or gives the JSON pointer (relative to the value) and message
/// of the problem; without the `path-errors` feature the pointer is empty.
pub(crate) fn parse_value<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, (String, String)> {
    #[cfg(feature = "path-errors")]
    {
        serde_path_to_error::deserialize(value).map_err(located)
    }
    #[cfg(not(feature = "path-errors"))]
    {
        T::deserialize(value).map_err(|e| (String::new(), e.to_string()))
    }
}

/// The JSON pointer and message of a located deserialisation error.
#[cfg(feature = "path-errors")]
fn located(e: serde_path_to_error::Error<serde_json::Error>) -> (String, String) {
    (
        crate::error::serde_path_to_pointer(&e.path().to_string()),
        e.inner().to_string(),
    )
}

/// Compiles a form definition.
///
/// `id` is the form's id (its file name without `.json`); `file` names the file in errors.
///
/// # Errors
/// Every problem found, each with its file and JSON pointer.
pub fn compile_form(
    id: &str,
    file: &str,
    source: &str,
    library: &ComponentLibrary,
) -> Result<CompiledForm, DefinitionErrors> {
    let def: FormDefinition = parse_source(source).map_err(|(pointer, message)| {
        DefinitionErrors(vec![DefinitionError {
            file: file.to_owned(),
            pointer,
            message,
        }])
    })?;
    let mut cx = CompileContext::new(library, file);
    if !is_kebab(id) {
        cx.error(
            "",
            format!("the file name `{id}` must be kebab-case: it is the form's URL"),
        );
    }
    if def.title.is_blank() {
        cx.error("/title", "a form needs a title".into());
    }
    if def.pages.is_empty() {
        cx.error("/pages", "a form needs at least one page".into());
    }

    // Slugs: pages and exits share one namespace.
    let mut slugs: BTreeMap<String, String> = BTreeMap::new();
    let all_slugs = def
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.slug.clone(), format!("/pages/{i}/slug")))
        .chain(
            def.exit_pages
                .iter()
                .enumerate()
                .map(|(i, e)| (e.slug.clone(), format!("/exitPages/{i}/slug"))),
        );
    for (slug, pointer) in all_slugs {
        if !is_kebab(&slug) {
            cx.error(&pointer, format!("slug `{slug}` must be kebab-case"));
        } else if RESERVED_SLUGS.contains(&slug.as_str()) {
            cx.error(
                &pointer,
                format!("slug `{slug}` is reserved for Formwork's own pages"),
            );
        } else if let Some(first) = slugs.get(&slug) {
            cx.error(
                &pointer,
                format!("slug `{slug}` is already used at {first}"),
            );
        }
        slugs.entry(slug).or_insert(pointer);
    }
    cx.declared_exits = def.exit_pages.iter().map(|e| e.slug.clone()).collect();

    // Components, page by page.
    let mut pages: Vec<(Vec<Box<dyn Component>>, usize)> = Vec::new();
    let mut field_pages: BTreeMap<String, (ValueType, usize)> = BTreeMap::new();
    let mut field_pointers: BTreeMap<String, String> = BTreeMap::new();
    for (i, page) in def.pages.iter().enumerate() {
        let pointer = format!("/pages/{i}");
        if page.components.is_empty() {
            cx.error(
                &format!("{pointer}/components"),
                "a page needs at least one component".into(),
            );
        }
        let components: Vec<Box<dyn Component>> = page
            .components
            .iter()
            .enumerate()
            .filter_map(|(j, u)| cx.compile_use(u, &format!("{pointer}/components/{j}")))
            .collect();
        let field_count = components.iter().filter(|c| c.is_field()).count();
        let all_compiled = components.len() == page.components.len();
        if page.title.is_none() && field_count != 1 && all_compiled {
            cx.error(
                &format!("{pointer}/title"),
                if field_count == 0 {
                    "a page without questions needs a title".into()
                } else {
                    format!("a page with {field_count} questions needs a title for its heading (one question per page is GOV.UK's default)")
                },
            );
        }
        let mut stack: Vec<&dyn Component> = components.iter().map(AsRef::as_ref).collect();
        let mut order = 0;
        while let Some(c) = stack.pop() {
            stack.extend(c.nested());
            if !c.is_field() {
                continue;
            }
            let name = c.common().name.clone();
            let here = format!("{}/name", c.common().pointer);
            if let Some(first) = field_pointers.get(&name) {
                cx.error(
                    &here,
                    format!("two questions are named `{name}` (the first is at {first})"),
                );
            } else {
                field_pointers.insert(name.clone(), here);
                field_pages.insert(name, (c.value_type(), i));
            }
            order += 1;
        }
        pages.push((components, order));
    }
    for name in def.conditions.keys() {
        if field_pages.contains_key(name) {
            cx.error(
                &format!("/conditions/{}", crate::error::pointer_token(name)),
                format!("`{name}` is both a question and a condition"),
            );
        }
    }

    // Conditions and routing.
    let mut scope = FormScope {
        fields: field_pages,
        sources: &def.conditions,
        compiled: BTreeMap::new(),
        visiting: Vec::new(),
        requested: BTreeSet::new(),
    };
    let mut used_named: BTreeSet<String> = BTreeSet::new();
    let exit_index: BTreeMap<&str, usize> = def
        .exit_pages
        .iter()
        .enumerate()
        .map(|(i, e)| (e.slug.as_str(), i))
        .collect();
    let mut compiled_pages = Vec::new();
    let mut reachable_exits: BTreeSet<String> = BTreeSet::new();
    for (i, (page, (components, _))) in def.pages.iter().zip(pages).enumerate() {
        let pointer = format!("/pages/{i}");
        let mut compile_cond = |source: &str,
                                ptr: String,
                                limit: usize,
                                what: &str,
                                cx: &mut CompileContext<'_>|
         -> Option<Condition> {
            match compile_condition(source, &mut scope) {
                Ok((cond, max)) => {
                    collect_named(&cond.expr, &mut used_named);
                    if let Some(max) = max
                        && max > limit
                    {
                        let later = &def.pages[max].slug;
                        cx.error(
                            &ptr,
                            format!("{what} uses an answer from page `{later}`, which comes later"),
                        );
                        return None;
                    }
                    Some(cond)
                }
                Err(e) => {
                    cx.error(&ptr, e);
                    None
                }
            }
        };
        let show_if = match &page.show_if {
            Some(src) if i == 0 => {
                cx.error(
                    &format!("{pointer}/showIf"),
                    "the first page cannot have a condition: nothing has been answered yet".into(),
                );
                let _ = src;
                None
            }
            Some(src) => compile_cond(
                src,
                format!("{pointer}/showIf"),
                i.saturating_sub(1),
                "this page's condition",
                &mut cx,
            ),
            None => None,
        };
        let mut next = Vec::new();
        for (r, rule) in page.next.iter().enumerate() {
            let rptr = format!("{pointer}/next/{r}");
            let cond = match &rule.when {
                Some(src) => {
                    match compile_cond(src, format!("{rptr}/when"), i, "this rule", &mut cx) {
                        Some(c) => Some(c),
                        None => continue,
                    }
                }
                None => None,
            };
            let target = if rule.go_to == "check-answers" {
                Target::CheckAnswers
            } else if let Some(e) = exit_index.get(rule.go_to.as_str()) {
                reachable_exits.insert(rule.go_to.clone());
                Target::Exit(*e)
            } else if let Some(j) = def.pages.iter().position(|p| p.slug == rule.go_to) {
                if j <= i {
                    cx.error(
                        &format!("{rptr}/goTo"),
                        format!(
                            "`{}` is not after this page: rules only go forwards",
                            rule.go_to
                        ),
                    );
                    continue;
                }
                Target::Page(j)
            } else {
                cx.error(
                    &format!("{rptr}/goTo"),
                    format!(
                        "`{}` is not a page, an exit page or `check-answers`",
                        rule.go_to
                    ),
                );
                continue;
            };
            let always = cond.is_none();
            next.push((cond, target));
            if always && r + 1 < page.next.len() {
                cx.error(
                    &format!("{pointer}/next/{}", r + 1),
                    "this rule can never apply: the rule before it has no condition".into(),
                );
                break;
            }
        }
        compiled_pages.push(CompiledPage {
            slug: page.slug.clone(),
            title: page.title.clone(),
            caption: page.caption.clone(),
            show_if,
            components,
            next,
            button: page.button.clone(),
        });
    }
    for name in def.conditions.keys() {
        if !used_named.contains(name) && !scope.requested.contains(name) {
            cx.error(
                &format!("/conditions/{}", crate::error::pointer_token(name)),
                format!("condition `{name}` is never used"),
            );
        } else if let Some(Err(e)) = scope.compiled.get(name) {
            let e = e.clone();
            cx.error(
                &format!("/conditions/{}", crate::error::pointer_token(name)),
                e,
            );
        }
    }

    // Exit pages: declared ones, then any made for eligibility rules.
    let mut exits: Vec<ContentPage> = Vec::new();
    for (i, e) in def.exit_pages.iter().enumerate() {
        let content = compile_content(&mut cx, &e.content, &format!("/exitPages/{i}/content"));
        exits.push(ContentPage {
            slug: e.slug.clone(),
            title: e.title.clone(),
            content,
            button: None,
        });
    }
    for (slug, pointer) in std::mem::take(&mut cx.exit_refs) {
        if !cx.declared_exits.contains(&slug) {
            cx.error(
                &pointer,
                format!("`{slug}` is not an exit page of this form"),
            );
        }
        reachable_exits.insert(slug);
    }
    for (slug, (rule, years)) in std::mem::take(&mut cx.synthetic_exits) {
        exits.push(synthetic_exit(&slug, &rule, years));
        reachable_exits.insert(slug);
    }
    for (i, e) in def.exit_pages.iter().enumerate() {
        if !reachable_exits.contains(&e.slug) {
            cx.error(
                &format!("/exitPages/{i}"),
                format!(
                    "exit page `{}` is never reached: no rule goes to it",
                    e.slug
                ),
            );
        }
    }
    check_reachability(&compiled_pages, &mut cx);

    let start = ContentPage {
        slug: "start".into(),
        title: def.start.title.clone().unwrap_or_else(|| def.title.clone()),
        content: compile_content(&mut cx, &def.start.content, "/start/content"),
        button: Some(
            def.start
                .button
                .clone()
                .unwrap_or_else(|| catalogue_text("button.start")),
        ),
    };
    let ca = def.check_answers.clone().unwrap_or_default();
    let check_answers = ContentPage {
        slug: "check-answers".into(),
        title: ca
            .title
            .clone()
            .unwrap_or_else(|| catalogue_text("check-answers.title")),
        content: compile_content(&mut cx, &ca.content, "/checkAnswers/content"),
        button: None,
    };
    let declaration = def.declaration.as_ref().map(|d| Declaration {
        title: d
            .title
            .clone()
            .unwrap_or_else(|| catalogue_text("declaration.title")),
        text: d.text.clone(),
        button: d
            .button
            .clone()
            .unwrap_or_else(|| catalogue_text("button.accept-and-send")),
    });
    if def.confirmation.title.is_blank() {
        cx.error(
            "/confirmation/title",
            "the confirmation page needs a title".into(),
        );
    }
    let confirmation = ContentPage {
        slug: "confirmation".into(),
        title: def.confirmation.title.clone(),
        content: compile_content(&mut cx, &def.confirmation.content, "/confirmation/content"),
        button: None,
    };
    for (i, w) in def.webhooks.iter().enumerate() {
        if !(w.url.starts_with("https://") || w.url.starts_with("http://")) {
            cx.error(
                &format!("/webhooks/{i}/url"),
                format!("`{}` is not an http(s) URL", w.url),
            );
        }
    }

    if !cx.errors.is_empty() {
        cx.errors.sort_by(DefinitionError::document_order);
        cx.errors.dedup();
        return Err(DefinitionErrors(cx.errors));
    }
    let mut hasher = Sha256::new();
    hasher.update(source.as_bytes());
    hasher.update([0]);
    hasher.update(library.fingerprint().as_bytes());
    let version = hex(&hasher.finalize())[..16].to_owned();
    Ok(CompiledForm {
        id: id.to_owned(),
        version,
        title: def.title.clone(),
        description: def.description.clone(),
        retention_days: def.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS),
        start,
        pages: compiled_pages,
        exits,
        check_answers,
        declaration,
        confirmation,
        definition: def,
    })
}

fn collect_named(e: &Expr, out: &mut BTreeSet<String>) {
    match e {
        Expr::Named(n, inner) => {
            out.insert(n.clone());
            collect_named(inner, out);
        }
        Expr::And(items) | Expr::Or(items) => items.iter().for_each(|i| collect_named(i, out)),
        Expr::Not(inner) => collect_named(inner, out),
        _ => {}
    }
}

fn compile_content(
    cx: &mut CompileContext<'_>,
    uses: &[ComponentUse],
    pointer: &str,
) -> Vec<Box<dyn Component>> {
    uses.iter()
        .enumerate()
        .filter_map(|(i, u)| {
            let ptr = format!("{pointer}/{i}");
            let c = cx.compile_use(u, &ptr)?;
            if c.is_field() {
                cx.error(
                    &ptr,
                    format!(
                        "only content blocks can go here, not a `{}` question",
                        u.type_
                    ),
                );
                return None;
            }
            Some(c)
        })
        .collect()
}

fn catalogue_text(key: &str) -> Text {
    Text::ByLanguage(
        [Language::En, Language::Cy]
            .into_iter()
            .map(|l| (l, format_message(l, key, &MessageArgs::default())))
            .collect(),
    )
}

fn synthetic_exit(slug: &str, rule: &str, years: u32) -> ContentPage {
    let by_lang = |key: &str| {
        Text::ByLanguage(
            [Language::En, Language::Cy]
                .into_iter()
                .map(|l| {
                    (
                        l,
                        format_message(
                            l,
                            key,
                            &MessageArgs::default().with_count(u64::from(years)),
                        ),
                    )
                })
                .collect(),
        )
    };
    let paragraph = crate::components::paragraph::synthetic;
    ContentPage {
        slug: slug.to_owned(),
        title: by_lang(&format!("exit.{rule}.title")),
        content: vec![
            paragraph(by_lang(&format!("exit.{rule}.body"))),
            paragraph(by_lang("exit.what-next")),
        ],
        button: None,
    }
}

/// Flags pages no route can reach: every way in is jumped over by rules without conditions.
fn check_reachability(pages: &[CompiledPage], cx: &mut CompileContext<'_>) {
    let n = pages.len();
    // reach[i]: the walk can arrive at position i.
    let mut reach = vec![false; n + 1];
    if n > 0 {
        reach[0] = true;
    }
    let mut shown = vec![false; n];
    for i in 0..n {
        if !reach[i] {
            continue;
        }
        let page = &pages[i];
        if page.show_if.is_some() {
            reach[i + 1] = true;
        }
        shown[i] = true;
        let mut falls_through = true;
        for (cond, target) in &page.next {
            if let Target::Page(j) = target {
                reach[*j] = true;
            }
            if cond.is_none() {
                falls_through = false;
            }
        }
        if falls_through {
            reach[i + 1] = true;
        }
    }
    for (i, page) in pages.iter().enumerate() {
        if !shown[i] {
            cx.error(
                &format!("/pages/{i}"),
                format!(
                    "page `{}` can never be reached: earlier rules always jump past it",
                    page.slug
                ),
            );
        }
    }
}
