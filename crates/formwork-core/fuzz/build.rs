//! Embeds the repository's definitions in the fuzz targets, so a target needs no files at run
//! time: every `forms/*.json`, every `components/*/component.json` and every
//! `tests/conformance/*.json` (new files are picked up on the next build).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest.join("../../..");
    let mut out = String::new();
    let forms = files(&root.join("forms"), |p| {
        p.extension().is_some_and(|e| e == "json")
    });
    let components = dirs(&root.join("components"))
        .into_iter()
        .map(|d| d.join("component.json"))
        .filter(|p| p.is_file())
        .collect();
    let conformance = files(&root.join("tests/conformance"), |p| {
        p.extension().is_some_and(|e| e == "json")
    });
    for (name, list) in [
        ("FORMS", forms),
        ("COMPONENTS", components),
        ("CONFORMANCE", conformance),
    ] {
        writeln!(out, "pub const {name}: &[(&str, &str)] = &[").expect("string");
        for p in &list {
            let rel = p
                .strip_prefix(&root)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned();
            let abs = p.canonicalize().expect("embedded file exists");
            writeln!(
                out,
                "    ({rel:?}, include_str!({:?})),",
                abs.to_string_lossy()
            )
            .expect("string");
        }
        writeln!(out, "];").expect("string");
    }
    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it")).join("sources.rs");
    std::fs::write(dest, out).expect("write sources.rs");
    for d in ["forms", "components", "tests/conformance"] {
        println!("cargo::rerun-if-changed={}", root.join(d).display());
    }
    println!("cargo::rerun-if-changed=build.rs");
    // `cargo fuzz -s address` builds with AddressSanitizer, which reports stack overflows
    // itself; without it the targets install their own handler (src/lib.rs).
    println!("cargo::rustc-check-cfg=cfg(fuzz_asan)");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if flags.split('\x1f').any(|f| f.contains("sanitizer=address")) {
        println!("cargo::rustc-cfg=fuzz_asan");
    }
}

fn files(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file() && keep(p));
    out.sort();
    out
}

fn dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_dir());
    out.sort();
    out
}
