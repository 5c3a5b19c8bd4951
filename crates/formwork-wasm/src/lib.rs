//! wasm-bindgen bindings over formwork-core.
