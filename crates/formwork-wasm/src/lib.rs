//! wasm-bindgen bindings over formwork-core, so the browser runs the same rules as the server.
//!
//! - [`convert`] is plain Rust (JSON text in, JSON text out) and is tested natively.
//! - `exports` (wasm32 only) is the JavaScript API: `compileForm`, the `Form` class with
//!   `validatePage`, `route` and `errorSummary`, and `runConformance` (feature `conformance`, on by
//!   default; left out of the module served to browsers: see SIZE.md).
//!
//! Build it with `scripts/wasm-build.sh`, never wasm-pack.

pub mod convert;

#[cfg(target_arch = "wasm32")]
mod exports;
