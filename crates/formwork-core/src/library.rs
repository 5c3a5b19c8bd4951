//! The component library: every `components/*/component.json`, parsed and checked once.
//!
//! Composites are checked here (parts exist, names are unique, no cycles), so a broken
//! composite is reported against its own file, not against every form that uses it.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::components::PRIMITIVES;
use crate::definition::{ComponentDefinition, ComponentKind};
use crate::error::{DefinitionError, DefinitionErrors};

/// How deeply composites may be made of composites. Real ones nest once or twice; the limit
/// keeps expansion (which recurses) far from the stack's end.
pub const MAX_COMPOSITE_DEPTH: usize = 8;

/// How many primitives one use of a composite may expand to. A composite of two parts that are
/// the previous composite doubles at every level; without this, 30 short definitions expand to
/// a billion questions.
pub const MAX_COMPOSITE_EXPANSION: usize = 200;

/// One component definition and the file it came from.
#[derive(Clone, Debug)]
pub struct LibraryEntry {
    /// The parsed `component.json`.
    pub definition: ComponentDefinition,
    /// The file, as the caller named it.
    pub file: String,
}

/// All component definitions, by name.
#[derive(Clone, Debug, Default)]
pub struct ComponentLibrary {
    entries: BTreeMap<String, LibraryEntry>,
    fingerprint: String,
}

impl ComponentLibrary {
    /// Parses and checks component definitions given as `(file, JSON text)` pairs.
    ///
    /// # Errors
    /// Every problem found, each with its file and JSON pointer.
    pub fn from_sources(sources: &[(String, String)]) -> Result<Self, DefinitionErrors> {
        let mut errors = Vec::new();
        let mut entries = BTreeMap::new();
        let mut hasher = Sha256::new();
        let mut sorted: Vec<&(String, String)> = sources.iter().collect();
        sorted.sort();
        for (file, source) in sorted {
            hasher.update(file.as_bytes());
            hasher.update([0]);
            hasher.update(source.as_bytes());
            hasher.update([0]);
            let definition: ComponentDefinition = match crate::compile::parse_source(source) {
                Ok(d) => d,
                Err((pointer, message)) => {
                    errors.push(DefinitionError {
                        file: file.clone(),
                        pointer,
                        message,
                    });
                    continue;
                }
            };
            let err = |pointer: &str, message: String| DefinitionError {
                file: file.clone(),
                pointer: pointer.into(),
                message,
            };
            if !crate::compile::is_kebab(&definition.name) {
                errors.push(err(
                    "/name",
                    format!("component name `{}` must be kebab-case", definition.name),
                ));
            }
            match definition.kind {
                ComponentKind::Primitive if !PRIMITIVES.contains(&definition.name.as_str()) => errors.push(err(
                    "/kind",
                    format!("`{}` is not a primitive built into formwork-core; write it as a composite of parts", definition.name),
                )),
                ComponentKind::Primitive if !definition.parts.is_empty() => {
                    errors.push(err("/parts", "a primitive has no parts".into()));
                }
                ComponentKind::Composite if definition.parts.is_empty() => {
                    errors.push(err("/parts", "a composite needs at least one part".into()));
                }
                _ => {}
            }
            if !definition.params.is_object() {
                errors.push(err("/params", "params must be a JSON Schema object".into()));
            }
            if entries.contains_key(&definition.name) {
                errors.push(err(
                    "/name",
                    format!("two components are named `{}`", definition.name),
                ));
                continue;
            }
            entries.insert(
                definition.name.clone(),
                LibraryEntry {
                    definition,
                    file: file.clone(),
                },
            );
        }
        let library = Self {
            entries,
            fingerprint: hex(&hasher.finalize()),
        };
        errors.extend(library.check_composites());
        if errors.is_empty() {
            Ok(library)
        } else {
            Err(DefinitionErrors(errors))
        }
    }

    /// The component named `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&LibraryEntry> {
        self.entries.get(name)
    }

    /// Every component, by name.
    pub fn iter(&self) -> impl Iterator<Item = &LibraryEntry> {
        self.entries.values()
    }

    /// A hash of every definition's text, part of each form's version.
    #[must_use]
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    fn check_composites(&self) -> Vec<DefinitionError> {
        let mut errors = Vec::new();
        // Composites from which no cycle can be reached: exploring them again finds nothing,
        // and without this memory the search is exponential when parts share components.
        let mut acyclic = BTreeSet::new();
        let mut shapes = BTreeMap::new();
        for entry in self.entries.values() {
            let def = &entry.definition;
            if def.kind != ComponentKind::Composite {
                continue;
            }
            let err = |pointer: String, message: String| DefinitionError {
                file: entry.file.clone(),
                pointer,
                message,
            };
            let multi = def.parts.len() > 1;
            let mut names = std::collections::BTreeSet::new();
            for (i, part) in def.parts.iter().enumerate() {
                if self.get(&part.type_).is_none() {
                    errors.push(err(
                        format!("/parts/{i}/type"),
                        format!("unknown component type `{}`", part.type_),
                    ));
                }
                match &part.name {
                    None if multi => errors.push(err(
                        format!("/parts/{i}/name"),
                        "each part of a composite with several parts needs a name".into(),
                    )),
                    Some(n) if !crate::compile::is_kebab(n) => errors.push(err(
                        format!("/parts/{i}/name"),
                        format!("part name `{n}` must be kebab-case"),
                    )),
                    Some(n) if !names.insert(n.clone()) => errors.push(err(
                        format!("/parts/{i}/name"),
                        format!("two parts are named `{n}`"),
                    )),
                    _ => {}
                }
            }
            if let Some(cycle) = self.cycle_from(&def.name, &mut Vec::new(), &mut acyclic) {
                errors.push(err(
                    "/parts".into(),
                    format!(
                        "composites use each other in a cycle: {}",
                        cycle.join(" → ")
                    ),
                ));
                continue;
            }
            let (depth, size) = self.shape(&def.name, &mut shapes);
            if depth > MAX_COMPOSITE_DEPTH {
                errors.push(err(
                    "/parts".into(),
                    format!(
                        "composites nest more than {MAX_COMPOSITE_DEPTH} deep: `{}` is {depth} composites deep",
                        def.name
                    ),
                ));
            } else if size > MAX_COMPOSITE_EXPANSION {
                errors.push(err(
                    "/parts".into(),
                    format!(
                        "`{}` expands to more than {MAX_COMPOSITE_EXPANSION} components: split it up",
                        def.name
                    ),
                ));
            }
        }
        errors
    }

    /// The first cycle reachable from `name`, if any (`stack`: the path so far).
    fn cycle_from(
        &self,
        name: &str,
        stack: &mut Vec<String>,
        acyclic: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|n| n == name) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(name.to_owned());
            return Some(cycle);
        }
        if acyclic.contains(name) {
            return None;
        }
        let entry = self.get(name)?;
        stack.push(name.to_owned());
        for part in &entry.definition.parts {
            if let Some(c) = self.cycle_from(&part.type_, stack, acyclic) {
                return Some(c);
            }
        }
        stack.pop();
        acyclic.insert(name.to_owned());
        None
    }

    /// How many composites deep `name` goes and how many primitives it expands to (saturating),
    /// for a component from which no cycle is reachable (each component is measured once).
    fn shape(&self, name: &str, memo: &mut BTreeMap<String, (usize, usize)>) -> (usize, usize) {
        if let Some(known) = memo.get(name) {
            return *known;
        }
        let Some(entry) = self.get(name) else {
            return (0, 1); // unknown: reported on its own
        };
        if entry.definition.kind != ComponentKind::Composite {
            return (0, 1);
        }
        let mut depth = 1;
        let mut size = 0usize;
        for part in &entry.definition.parts {
            let (d, s) = self.shape(&part.type_, memo);
            depth = depth.max(d.saturating_add(1));
            size = size.saturating_add(s);
        }
        memo.insert(name.to_owned(), (depth, size));
        (depth, size)
    }
}

/// Lower-case hex of bytes.
#[must_use]
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
