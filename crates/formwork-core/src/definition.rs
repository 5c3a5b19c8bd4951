//! Serde types mirroring the JSON files: form definitions (`forms/*.json`) and component
//! definitions (`components/*/component.json`). No behaviour lives here.
//!
//! Unknown fields are rejected everywhere so that a typo is an error, not a silent default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::text::Text;

/// A parameter bag: free-form JSON checked by the component that reads it.
pub type Params = serde_json::Map<String, serde_json::Value>;

/// A whole form: one JSON file in `forms/`, whose file name is its id and URL slug.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FormDefinition {
    /// Editors' schema hint; ignored by the engine.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The service name, e.g. "Apply for a resident parking permit".
    pub title: Text,
    /// A one-line summary shown in the list of services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// How many days submissions are kept before they are deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// Per-form branding that overrides the deployment's (service name, logo, colours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding: Option<Branding>,
    /// The start page.
    pub start: StartPage,
    /// Named conditions that pages and routes can use by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub conditions: BTreeMap<String, String>,
    /// Question pages, in journey order.
    pub pages: Vec<PageDefinition>,
    /// Pages that end the journey early ("You cannot use this service").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exit_pages: Vec<ExitPageDefinition>,
    /// The check-answers page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_answers: Option<CheckAnswersDefinition>,
    /// The declaration shown with the send button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration: Option<DeclarationDefinition>,
    /// The confirmation page shown after sending.
    pub confirmation: ConfirmationDefinition,
    /// Where submissions are sent (webhooks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<WebhookDefinition>,
}

/// Service name, logo and colours for a form or a deployment.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Branding {
    /// The organisation's name, shown in the header (e.g. "Anytown Council").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// A URL or path to a logo image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// The brand colour, as `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
    /// `council` (neutral header and footer, the default) or `govuk` (central government services on gov.uk only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
}

/// A webhook target for submissions. Secrets come from the environment, never the file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WebhookDefinition {
    /// A short name for the target, used in delivery status.
    pub name: String,
    /// The URL to POST to.
    pub url: String,
    /// The environment variable holding the signing secret.
    pub secret_env: String,
}

/// The start page.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StartPage {
    /// The heading; defaults to the form title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// Content blocks: what the service is for, what you need, how long it takes.
    #[serde(default)]
    pub content: Vec<ComponentUse>,
    /// The button text; defaults to "Start now".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<Text>,
}

/// One question page.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PageDefinition {
    /// The URL slug, kebab-case, unique in the form.
    pub slug: String,
    /// The page heading when the page has more than one question; a single question's label is the heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// A caption above the heading, e.g. the section name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<Text>,
    /// A condition: the page is shown only when it is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<String>,
    /// The components on the page, in order.
    pub components: Vec<ComponentUse>,
    /// Where to go next: the first rule whose condition holds wins; otherwise the next page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next: Vec<NextRule>,
    /// The continue button text; defaults to "Continue".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<Text>,
}

/// A routing rule: go to a later page, an exit page or `check-answers` when a condition holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NextRule {
    /// The condition; without one the rule always applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// A later page's slug, an exit page's slug, or `check-answers`.
    pub go_to: String,
}

/// An exit page: the journey ends here and explains why and what to do next.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExitPageDefinition {
    /// The URL slug.
    pub slug: String,
    /// The heading, e.g. "You cannot use this service".
    pub title: Text,
    /// Content blocks explaining why and what to do next.
    #[serde(default)]
    pub content: Vec<ComponentUse>,
}

/// The check-answers page.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CheckAnswersDefinition {
    /// The heading; defaults to "Check your answers before sending your application".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// Content blocks shown under the answers.
    #[serde(default)]
    pub content: Vec<ComponentUse>,
}

/// The declaration shown above the send button.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeclarationDefinition {
    /// The heading; defaults to "Now send your application".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// The declaration text.
    pub text: Text,
    /// The button text; defaults to "Accept and send".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<Text>,
}

/// The confirmation page.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfirmationDefinition {
    /// The panel title, e.g. "Application complete".
    pub title: Text,
    /// What happens next, contact details, feedback link.
    #[serde(default)]
    pub content: Vec<ComponentUse>,
}

/// One use of a component in a form (or in a composite).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentUse {
    /// The component: a folder name in `components/`, e.g. `date-of-birth`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The answer's name, kebab-case, unique in the form; input names start with it. Not used by content blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The question, e.g. "What is your date of birth?".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
    /// The noun phrase used in error messages and check answers, e.g. "date of birth".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_label: Option<Text>,
    /// Hint text under the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// Optional questions may be left empty and are labelled "(optional)".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// The component's parameters (see its `component.json`).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "BTreeMap<String, serde_json::Value>")
    )]
    pub params: Params,
    /// Extra validation rules, e.g. `{"rule": "on-or-after", "date": "2026-01-01"}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<serde_json::Value>,
    /// Message overrides by error code, e.g. `{"date.required": "Enter your date of birth"}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub messages: BTreeMap<String, Text>,
    /// The exit page for an eligibility rule (such as `minAge`) that fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_page: Option<String>,
}

/// A component folder's `component.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentDefinition {
    /// Editors' schema hint; ignored by the engine.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The component's name: its folder name, kebab-case.
    pub name: String,
    /// `primitive` (built in Rust) or `composite` (built from other components, as data).
    pub kind: ComponentKind,
    /// A human title for the gallery.
    pub title: String,
    /// What it is for, for the gallery.
    pub description: String,
    /// The JSON Schema of `params` in a use of this component.
    #[serde(default = "empty_object_schema")]
    pub params: serde_json::Value,
    /// Defaults applied to every use (a use's own values win).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<UseDefaults>,
    /// For composites of several parts: how check answers joins the parts' lines, e.g. `" "` shows
    /// a name on one line. Without it, each part has its own line (as an address does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_separator: Option<String>,
    /// For composites: the components it is made of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartDefinition>,
}

fn empty_object_schema() -> serde_json::Value {
    serde_json::json!({ "type": "object", "additionalProperties": false })
}

/// Whether a component is built in or assembled from others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    /// One Rust module in `formwork-core/src/components/` and one registry entry.
    Primitive,
    /// Data only: parts plus rules.
    Composite,
}

/// Defaults a component applies to each use.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UseDefaults {
    /// Default question text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
    /// Default noun phrase for messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_label: Option<Text>,
    /// Default hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// Default message overrides by error code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub messages: BTreeMap<String, Text>,
}

/// One part of a composite. Values may be `{"$param": "minAge"}` to take a parameter of the use
/// (with an optional `"default"`); a rule whose parameter is absent is left out.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PartDefinition {
    /// The part's name inside the composite's answer; inputs are `<use name>-<part name>`.
    /// Omit it for a composite of one part, which then answers under the use's own name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The component this part uses.
    #[serde(rename = "type")]
    pub type_: String,
    /// The part's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
    /// The part's noun phrase for messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_label: Option<Text>,
    /// The part's hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// Whether the part may be left empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// The part's parameters.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "BTreeMap<String, serde_json::Value>")
    )]
    pub params: Params,
    /// The part's validation rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<serde_json::Value>,
    /// Message overrides by error code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub messages: BTreeMap<String, Text>,
}
