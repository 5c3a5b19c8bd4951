//! Journey logic: given the answers so far, which pages apply, what comes next, and which
//! stored answers no longer apply.

use serde::Serialize;
use time::Date;

use crate::answers::Answers;
use crate::condition::ConditionError;
use crate::form::{CompiledForm, Target};
use crate::text::{Language, capitalise, decapitalise};

/// Where the resident goes next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "slug", rename_all = "kebab-case")]
pub enum Step {
    /// A question page that has not been answered.
    Page(String),
    /// An exit page: the journey ends.
    Exit(String),
    /// Every page that applies is answered.
    CheckAnswers,
}

/// The route through a form for the answers so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    /// Slugs of the answered pages on the route, in order.
    pub answered: Vec<String>,
    /// What comes next.
    pub next: Step,
}

impl Route {
    /// True when `slug` is on the route: answered, or the next page.
    #[must_use]
    pub fn allows(&self, slug: &str) -> bool {
        self.answered.iter().any(|s| s == slug) || matches!(&self.next, Step::Page(s) if s == slug)
    }
}

/// One row of the check-answers page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryRow {
    /// The page to change this answer on.
    pub page: String,
    /// The question's name.
    pub field: String,
    /// The row heading, e.g. "Date of birth".
    pub key: String,
    /// The answer as lines of text (empty when not provided).
    pub value: Vec<String>,
    /// Visually hidden text for the change link, e.g. "date of birth".
    pub change_label: String,
}

impl CompiledForm {
    /// Walks the form from the first page, following conditions and routing rules.
    ///
    /// # Errors
    /// When a condition cannot be evaluated; the journey must not guess.
    pub fn route(&self, answers: &Answers, today: Date) -> Result<Route, ConditionError> {
        let mut answered = Vec::new();
        let mut i = 0;
        while let Some(page) = self.pages.get(i) {
            if let Some(c) = &page.show_if
                && !c.evaluate(answers, today)?
            {
                i += 1;
                continue;
            }
            if !answers.completed.contains(&page.slug) {
                return Ok(Route {
                    answered,
                    next: Step::Page(page.slug.clone()),
                });
            }
            answered.push(page.slug.clone());
            for f in page.fields() {
                if let Some(v) = answers.values.get(&f.common().name)
                    && let Some(failure) = f.eligibility(v, today)
                {
                    return Ok(Route {
                        answered,
                        next: Step::Exit(failure.exit_page),
                    });
                }
            }
            let mut jumped = None;
            for (cond, target) in &page.next {
                let hit = match cond {
                    None => true,
                    Some(c) => c.evaluate(answers, today)?,
                };
                if hit {
                    jumped = Some(target);
                    break;
                }
            }
            match jumped {
                Some(Target::Page(j)) => i = *j,
                Some(Target::Exit(e)) => {
                    let slug = self
                        .exits
                        .get(*e)
                        .map(|x| x.slug.clone())
                        .unwrap_or_default();
                    return Ok(Route {
                        answered,
                        next: Step::Exit(slug),
                    });
                }
                Some(Target::CheckAnswers) => {
                    return Ok(Route {
                        answered,
                        next: Step::CheckAnswers,
                    });
                }
                None => i += 1,
            }
        }
        Ok(Route {
            answered,
            next: Step::CheckAnswers,
        })
    }

    /// Drops answers on pages the route now skips, returning the dropped question names.
    /// Pages after the next unanswered page are kept: whether they apply is not known yet.
    ///
    /// # Errors
    /// When a condition cannot be evaluated.
    pub fn prune(&self, answers: &mut Answers, today: Date) -> Result<Vec<String>, ConditionError> {
        let route = self.route(answers, today)?;
        let horizon = match &route.next {
            Step::Page(slug) => self.page_index(slug).unwrap_or(self.pages.len()),
            // At an exit the journey stops, but a resident who corrects a typo and goes on
            // should not have to answer the later pages again: only skipped pages are dropped.
            Step::Exit(_) => route
                .answered
                .last()
                .and_then(|s| self.page_index(s))
                .map_or(self.pages.len(), |i| i + 1),
            Step::CheckAnswers => self.pages.len(),
        };
        let mut dropped = Vec::new();
        for (i, page) in self.pages.iter().enumerate() {
            if i >= horizon || route.answered.contains(&page.slug) {
                continue;
            }
            if answers.completed.remove(&page.slug) {
                for f in page.fields() {
                    if answers.values.remove(&f.common().name).is_some() {
                        dropped.push(f.common().name.clone());
                    }
                }
            }
        }
        Ok(dropped)
    }

    /// The check-answers rows for the pages on the route.
    #[must_use]
    pub fn summary(&self, answers: &Answers, route: &Route, lang: Language) -> Vec<SummaryRow> {
        let mut rows = Vec::new();
        for slug in &route.answered {
            let Some(page) = self.page(slug) else {
                continue;
            };
            for c in page.components.iter().filter(|c| c.is_field()) {
                let mut stack = vec![c.as_ref()];
                while let Some(f) = stack.pop() {
                    let common = f.common();
                    let value = answers.values.get(&common.name);
                    let noun = common.noun(lang);
                    rows.push(SummaryRow {
                        page: slug.clone(),
                        field: common.name.clone(),
                        key: capitalise(&noun),
                        value: value.map(|v| f.display(v, lang)).unwrap_or_default(),
                        change_label: decapitalise(&noun),
                    });
                    let mut nested = f.nested_for(value);
                    nested.reverse();
                    stack.extend(nested);
                }
            }
        }
        rows
    }
}
