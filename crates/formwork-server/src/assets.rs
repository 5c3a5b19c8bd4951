//! Static assets held in memory with content-hashed URLs: govuk-frontend (from npm, pinned in
//! `web/package.json`), our own `web/static/` files and the WebAssembly build in `web/static/pkg/`.
//!
//! Hashed URLs (`/static/<hash>/<name>`) are cached for a year; govuk-frontend's own
//! `/assets/...` (fonts and images its CSS refers to) for a day.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// One file.
#[derive(Debug, Clone)]
pub struct Asset {
    /// The bytes.
    pub body: Vec<u8>,
    /// The Content-Type.
    pub content_type: &'static str,
    /// The first 10 hex digits of its SHA-256.
    pub hash: String,
    /// The body gzipped once at load, for clients that accept it (text and WebAssembly).
    pub gzip: Option<Vec<u8>>,
}

/// All static files.
#[derive(Debug, Default, Clone)]
pub struct Assets {
    /// Hashed assets by logical name, e.g. `govuk-frontend.min.css`, `pkg/formwork_wasm_bg.wasm`.
    pub hashed: BTreeMap<String, Asset>,
    /// govuk-frontend's `/assets/...` files by path below `/assets/`.
    pub govuk: BTreeMap<String, Asset>,
    /// Problems worth a warning at startup (e.g. npm packages not installed).
    pub warnings: Vec<String>,
    /// The URLs every page's layout needs, for the council theme and the GOV.UK theme; built once
    /// at load rather than on every page.
    pub layout_urls: [serde_json::Value; 2],
}

/// The content type for a file name.
#[must_use]
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Gzips compressible bodies (level 9: done once at startup, served many times).
fn gzip(content_type: &str, body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let compressible = content_type.starts_with("text/")
        || matches!(
            content_type,
            "application/wasm" | "application/json" | "image/svg+xml"
        );
    if !compressible || body.len() < 512 {
        return None;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body).ok()?;
    let out = encoder.finish().ok()?;
    (out.len() < body.len()).then_some(out)
}

/// An asset from its name (for the content type) and bytes.
#[must_use]
pub fn asset(name: &str, body: Vec<u8>) -> Asset {
    let digest = Sha256::digest(&body);
    let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    let content_type = content_type(name);
    Asset {
        gzip: gzip(content_type, &body),
        body,
        content_type,
        hash,
    }
}

/// The council theme of govuk-frontend's CSS: the same stylesheet without GDS Transport, which
/// only services on gov.uk may use ("Using GOV.UK Frontend without GOV.UK branding").
#[must_use]
pub fn council_css(govuk_css: &str) -> String {
    let mut out = String::with_capacity(govuk_css.len());
    let mut rest = govuk_css;
    while let Some(start) = rest.find("@font-face{") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after.find('}').map_or(after.len(), |e| e + 1);
        if !after[..end].contains("GDS Transport") {
            out.push_str(&after[..end]);
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out.replace(
        "GDS Transport,arial,sans-serif",
        "\"Helvetica Neue\",Helvetica,Arial,sans-serif",
    )
    .replace(
        "font-family:GDS Transport",
        "font-family:\"Helvetica Neue\",Helvetica,Arial,sans-serif",
    )
}

fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            read_tree(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push((rel.to_string_lossy().replace('\\', "/"), p));
        }
    }
}

impl Assets {
    /// Loads assets from the `web/` folder.
    #[must_use]
    pub fn load(web_dir: &Path) -> Self {
        let mut assets = Self::default();
        let govuk = web_dir.join("node_modules/govuk-frontend/dist/govuk");
        match (std::fs::read_to_string(govuk.join("govuk-frontend.min.css")), std::fs::read(govuk.join("govuk-frontend.min.js"))) {
            (Ok(css), Ok(js)) => {
                assets.hashed.insert("council.css".into(), asset("council.css", council_css(&css).into_bytes()));
                assets.hashed.insert("govuk-frontend.min.css".into(), asset("x.css", css.into_bytes()));
                assets.hashed.insert("govuk-frontend.min.js".into(), asset("x.js", js));
                let mut files = Vec::new();
                read_tree(&govuk.join("assets"), &govuk.join("assets"), &mut files);
                for (rel, path) in files {
                    if let Ok(body) = std::fs::read(&path) {
                        assets.govuk.insert(rel.clone(), asset(&rel, body));
                    }
                }
            }
            _ => assets.warnings.push(format!(
                "govuk-frontend is not installed in {}: pages will have no styles (run `npm ci --prefix web`)",
                web_dir.join("node_modules").display()
            )),
        }
        let static_dir = web_dir.join("static");
        let mut files = Vec::new();
        read_tree(&static_dir, &static_dir, &mut files);
        for (rel, path) in files {
            if let Ok(body) = std::fs::read(&path) {
                assets.hashed.insert(rel.clone(), asset(&rel, body));
            }
        }
        if !assets
            .hashed
            .keys()
            .any(|k| k.starts_with("pkg/") && k.ends_with(".wasm"))
        {
            assets.warnings.push("the WebAssembly build is missing from web/static/pkg: pages validate on the server only (run scripts/wasm-build.sh)".into());
        }
        assets.layout_urls = [false, true].map(|govuk| assets.page_urls(govuk));
        assets
    }

    fn page_urls(&self, govuk: bool) -> serde_json::Value {
        let css = if govuk {
            "govuk-frontend.min.css"
        } else {
            "council.css"
        };
        serde_json::json!({
            "css": self.url(css),
            "js": self.url("govuk-frontend.min.js"),
            "formwork_css": self.url("formwork.css"),
            "formwork_js": self.url("formwork.js"),
            "wasm_js": self.url("pkg/formwork_wasm.js"),
            "wasm": self.url("pkg/formwork_wasm_bg.wasm"),
        })
    }

    /// The hashed URL of an asset, or `None` when it is not present.
    #[must_use]
    pub fn url(&self, name: &str) -> Option<String> {
        self.hashed
            .get(name)
            .map(|a| format!("/static/{}/{name}", a.hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn council_css_drops_gds_transport() {
        let css = "@font-face{font-family:GDS Transport;src:url(/a.woff2)}a{font-family:GDS Transport,arial,sans-serif}@font-face{font-family:Other;src:url(/b)}";
        let out = council_css(css);
        assert!(!out.contains("GDS Transport"), "{out}");
        assert!(out.contains("@font-face{font-family:Other"));
        assert!(out.contains("Helvetica"));
    }
}
