//! The compiled form: what the request path and the browser use. Built only by `compile_form`.

use std::collections::BTreeMap;

use crate::answers::{Answers, FormInput};
use crate::components::{Component, ValidationContext};
use crate::condition::Condition;
use crate::report::PageReport;
use crate::text::{Language, Text};

/// A form, compiled once from its definition.
#[derive(Debug)]
pub struct CompiledForm {
    /// The form's id: its file name without `.json`, and its URL slug.
    pub id: String,
    /// A content hash of the form and component definitions: changes whenever either changes.
    pub version: String,
    /// The service name.
    pub title: Text,
    /// A one-line summary for the list of services.
    pub description: Option<Text>,
    /// Days to keep submissions.
    pub retention_days: u32,
    /// The definition as written (for branding, webhooks and the submission schema).
    pub definition: crate::definition::FormDefinition,
    /// The start page.
    pub start: ContentPage,
    /// Question pages in journey order.
    pub pages: Vec<CompiledPage>,
    /// Exit pages, including those made for eligibility rules.
    pub exits: Vec<ContentPage>,
    /// The check-answers page.
    pub check_answers: ContentPage,
    /// The declaration text and button, if any.
    pub declaration: Option<Declaration>,
    /// The confirmation page.
    pub confirmation: ContentPage,
}

/// A page of content blocks with a heading (start, exit, check answers, confirmation).
#[derive(Debug)]
pub struct ContentPage {
    /// The URL slug (exit pages).
    pub slug: String,
    /// The heading.
    pub title: Text,
    /// Content blocks.
    pub content: Vec<Box<dyn Component>>,
    /// Button text, where the page has one.
    pub button: Option<Text>,
}

/// The declaration before sending.
#[derive(Debug)]
pub struct Declaration {
    /// The heading.
    pub title: Text,
    /// What the resident agrees to.
    pub text: Text,
    /// The send button.
    pub button: Text,
}

/// Where a page's routing rule goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A later question page, by index.
    Page(usize),
    /// An exit page, by index into `exits`.
    Exit(usize),
    /// Straight to check answers.
    CheckAnswers,
}

/// A question page.
#[derive(Debug)]
pub struct CompiledPage {
    /// The URL slug.
    pub slug: String,
    /// The page heading when it is not a single question's label.
    pub title: Option<Text>,
    /// A caption above the heading.
    pub caption: Option<Text>,
    /// Shown only when this holds.
    pub show_if: Option<Condition>,
    /// Components in order.
    pub components: Vec<Box<dyn Component>>,
    /// Routing rules, first match wins.
    pub next: Vec<(Option<Condition>, Target)>,
    /// The continue button text.
    pub button: Option<Text>,
}

impl CompiledPage {
    /// The questions on the page, including revealed ones, in page order.
    #[must_use]
    pub fn fields(&self) -> Vec<&dyn Component> {
        let mut out = Vec::new();
        for c in &self.components {
            collect_fields(c.as_ref(), &mut out);
        }
        out
    }

    /// The single question whose label is the page heading, if the page is one question without a title.
    #[must_use]
    pub fn heading_field(&self) -> Option<&dyn Component> {
        if self.title.is_some() {
            return None;
        }
        let mut fields = self.components.iter().filter(|c| c.is_field());
        let first = fields.next()?;
        fields.next().is_none().then_some(first.as_ref())
    }
}

fn collect_fields<'a>(c: &'a dyn Component, out: &mut Vec<&'a dyn Component>) {
    if c.is_field() {
        out.push(c);
    }
    for n in c.nested() {
        collect_fields(n, out);
    }
}

impl CompiledForm {
    /// The page with this slug.
    #[must_use]
    pub fn page(&self, slug: &str) -> Option<&CompiledPage> {
        self.pages.iter().find(|p| p.slug == slug)
    }

    /// The index of the page with this slug.
    #[must_use]
    pub fn page_index(&self, slug: &str) -> Option<usize> {
        self.pages.iter().position(|p| p.slug == slug)
    }

    /// The exit page with this slug.
    #[must_use]
    pub fn exit(&self, slug: &str) -> Option<&ContentPage> {
        self.exits.iter().find(|p| p.slug == slug)
    }

    /// Validates what was submitted on a page. `None` if there is no such page.
    #[must_use]
    pub fn validate_page(
        &self,
        slug: &str,
        input: &FormInput,
        cx: &ValidationContext,
    ) -> Option<PageReport> {
        let page = self.page(slug)?;
        let mut report = PageReport::default();
        for c in &page.components {
            c.validate(input, cx, &mut report);
        }
        Some(report)
    }

    /// Stores a valid page's answers, replacing everything previously answered on that page
    /// (so a question hidden by a changed choice loses its old answer), and marks it complete.
    pub fn store_page(&self, slug: &str, report: &PageReport, answers: &mut Answers) {
        let Some(page) = self.page(slug) else { return };
        for f in page.fields() {
            answers.values.remove(&f.common().name);
        }
        for (k, v) in &report.values {
            answers.values.insert(k.clone(), v.clone());
        }
        answers.completed.insert(slug.to_owned());
    }

    /// The input that would reproduce a page's stored answers, to pre-fill it.
    #[must_use]
    pub fn present_page(&self, slug: &str, answers: &Answers) -> FormInput {
        let mut out = FormInput::default();
        if let Some(page) = self.page(slug) {
            for f in page.fields() {
                if let Some(v) = answers.values.get(&f.common().name) {
                    f.present(v, &mut out);
                }
            }
        }
        out
    }

    /// Every question in the form by name, with the index of its page.
    #[must_use]
    pub fn fields(&self) -> BTreeMap<&str, (usize, &dyn Component)> {
        let mut out = BTreeMap::new();
        for (i, p) in self.pages.iter().enumerate() {
            for f in p.fields() {
                out.insert(f.common().name.as_str(), (i, f));
            }
        }
        out
    }

    /// The view of every component on a page, for templates.
    #[must_use]
    pub fn page_view(&self, slug: &str, lang: Language) -> Vec<serde_json::Value> {
        self.page(slug)
            .map(|p| p.components.iter().map(|c| c.view(lang)).collect())
            .unwrap_or_default()
    }
}
