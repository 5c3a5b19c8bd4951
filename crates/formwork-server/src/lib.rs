//! Formwork's server: GOV.UK pages with axum and minijinja, sessions and submissions in an
//! embedded store, and the `formwork` CLI's commands.
//!
//! `app(state) -> Router` builds the whole application, testable without a socket.

pub mod api;
pub mod assets;
pub mod catalog;
pub mod clock;
pub mod delivery;
pub mod dev;
pub mod gallery;
pub mod journey;
pub mod limits;
pub mod page;
pub mod render;
pub mod retention;
pub mod routes;
pub mod schema;
pub mod serve;
pub mod session;
pub mod state;
pub mod store;

pub use routes::app;
pub use state::{AppState, Config};
