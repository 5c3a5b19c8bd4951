//! HTTP-level tests of the whole application with no socket: `app(state).oneshot(request)` over
//! the repository's forms, components and templates, with a temporary data directory.
//!
//! - `journeys`: every example form walked through every branch from tables of steps, errors,
//!   age boundaries, change links and route changes, and where residents may go.
//! - `security`: CSRF, expired sessions, double submits, restarts, form changes, headers, body
//!   limits and escaping.
//! - `render`: health checks, the component gallery, and HTML snapshots of every component example
//!   and of each form's first question page with and without errors.
//! - `api`: the submissions API (tokens, JSON, CSV, JSON Schema, OpenAPI), webhook delivery
//!   through the outbox, and retention, on SQLite and on PostgreSQL.
//! - `instances`: two `formwork serve` processes sharing PostgreSQL, a journey hopping between them.
//! - `limits`: the per-client POST rate limit, the session cap and size cap, provisional sessions
//!   and session ids rotated when a journey starts.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

#[path = "integration/support.rs"]
mod support;

#[path = "integration/journeys.rs"]
mod journeys;

#[path = "integration/security.rs"]
mod security;

#[path = "integration/render.rs"]
mod render;

#[path = "support/db.rs"]
mod db;

#[path = "integration/api.rs"]
mod api;

#[path = "integration/instances.rs"]
mod instances;

#[path = "integration/limits.rs"]
mod limits;
