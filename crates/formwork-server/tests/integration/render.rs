//! Health checks, the component gallery, and HTML snapshots: every component example (as the
//! gallery shows it, and with the errors sending nothing gives), and each form's first question
//! page with and without errors.

use std::fmt::Write as _;

use axum::http::StatusCode;
use formwork_server::serve::build_state;

use crate::journeys::url;
use crate::support::{Res, TestClient, TestEnv, between, normalise, options, root};

#[tokio::test]
async fn health_and_readiness() {
    let env = TestEnv::new();
    let mut client = env.client();
    for path in ["/healthz", "/readyz"] {
        let res = client.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert!(client.cookie.is_none(), "{path} sets no cookie");
    }
}

/// A component's examples from `components/<name>/examples.json`: (name, use).
fn examples(component: &str) -> Vec<(String, serde_json::Value)> {
    let path = root()
        .join("components")
        .join(component)
        .join("examples.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_owned(), e["use"].clone()))
        .collect()
}

/// Every component folder's name, sorted.
fn component_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("components"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("component.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The preview of each example on a gallery page, by example name.
fn previews(res: &Res) -> Vec<(String, String)> {
    res.body
        .split("<section class=\"formwork-example\"")
        .skip(1)
        .map(|section| {
            let section = &section[..section.find("</section>").unwrap()];
            let name = between(section, "<h3 class=\"govuk-heading-m\" id=\"example-", "\"")
                .unwrap()
                .to_owned();
            let start = section
                .find("<div class=\"formwork-example__preview\">")
                .unwrap()
                + "<div class=\"formwork-example__preview\">".len();
            // The preview ends where the example's own "JSON for" details begin.
            let end = section[..section.rfind("<details class=\"govuk-details\">").unwrap()]
                .rfind("</div>")
                .unwrap();
            (name, section[start..end].trim().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_gallery_lists_and_renders_every_component() {
    let env = TestEnv::new();
    let mut client = env.client();
    let index = client.get("/components").await;
    index.assert_ok();
    for name in component_names() {
        assert!(
            index.body.contains(&format!("href=\"/components/{name}\"")),
            "{name} is listed"
        );
        let page = client.get(&format!("/components/{name}")).await;
        page.assert_ok();
        let shown: Vec<String> = previews(&page).into_iter().map(|(n, _)| n).collect();
        let want: Vec<String> = examples(&name).into_iter().map(|(n, _)| n).collect();
        assert_eq!(shown, want, "{name}: every example is shown");
    }
    let missing = client.get("/components/no-such-component").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// The part of a question page between the CSRF input and the button: the components.
fn components_region(res: &Res) -> &str {
    let body = &res.body;
    let start = body.find("name=\"csrf-token\"").unwrap();
    let start = body[start..].find('>').unwrap() + start + 1;
    let end = body[start..].find("<button type=\"submit\"").unwrap() + start;
    body[start..end].trim()
}

/// The error summary, if the page has one.
fn error_summary_region(res: &Res) -> Option<&str> {
    let start = res.body.find("<div class=\"govuk-error-summary\"")?;
    let end = res.body[start..].find("<form ")? + start;
    Some(res.body[start..end].trim())
}

/// One snapshot per component: each example as the gallery shows it, then as a question page after
/// sending nothing (every example is also served as a one-page form for this).
#[tokio::test]
async fn component_example_snapshots() {
    let forms = tempfile::tempdir().unwrap();
    for component in component_names() {
        for (example, use_) in examples(&component) {
            let wrapped = formwork_core::conformance::wrap_component(&use_);
            let file = forms.path().join(format!("{component}-{example}.json"));
            std::fs::write(file, wrapped.to_string()).unwrap();
        }
    }
    let data = tempfile::tempdir().unwrap();
    let state = build_state(&options(forms.path(), data.path()))
        .unwrap_or_else(|e| panic!("every example is a valid one-page form: {e}"));
    let env = TestEnv::new();
    let mut gallery = env.client();
    for component in component_names() {
        let page = gallery.get(&format!("/components/{component}")).await;
        let mut doc = String::new();
        for (example, preview) in previews(&page) {
            let form = format!("{component}-{example}");
            let mut client = TestClient::new(&state);
            client.get(&url(&form, "question")).await.assert_ok();
            let sent = client.post(&url(&form, "question"), &[]).await;
            writeln!(doc, "===== {example}\n{preview}\n").unwrap();
            if sent.status == StatusCode::SEE_OTHER {
                writeln!(doc, "----- {example}, sent empty: no errors (optional)\n").unwrap();
            } else {
                assert_eq!(sent.status, StatusCode::OK, "{form}");
                writeln!(
                    doc,
                    "----- {example}, sent empty\n{}\n{}\n",
                    error_summary_region(&sent).unwrap_or("(no error summary)"),
                    components_region(&sent)
                )
                .unwrap();
            }
        }
        insta::assert_snapshot!(format!("component-{component}"), doc);
    }
}

/// Each example form's first question page, as the resident first sees it and after sending it
/// empty.
#[tokio::test]
async fn first_question_page_snapshots() {
    let env = TestEnv::new();
    let catalog = env.state.catalog();
    for (id, form) in &catalog.forms {
        let first = &form.pages[0].slug;
        let mut client = env.client();
        let page = client.get(&url(id, first)).await;
        page.assert_ok();
        let csrf = client.csrf.clone();
        let doc = format!(
            "<title>{}</title>\n{}",
            page.title(),
            normalise(page.main(), &page.nonce(), csrf.as_deref())
        );
        insta::assert_snapshot!(format!("first-page-{id}"), doc);
        let errors = client.post(&url(id, first), &[]).await;
        assert_eq!(errors.status, StatusCode::OK);
        let doc = format!(
            "<title>{}</title>\n{}",
            errors.title(),
            normalise(errors.main(), &errors.nonce(), csrf.as_deref())
        );
        insta::assert_snapshot!(format!("first-page-{id}-errors"), doc);
    }
}

/// The pages around the questions, for the over-18 check: check answers, the confirmation, the
/// exit page, and the message pages residents can meet.
#[tokio::test]
async fn journey_page_snapshots() {
    const FORM: &str = "over-18-check";
    let env = TestEnv::new();
    let snapshot = |name: &str, res: &Res, csrf: Option<&str>| {
        let mut main = normalise(res.main(), &res.nonce(), csrf);
        if let Some(r) = between(&main, "<strong>", "</strong>").map(str::to_owned) {
            main = main.replace(&r, "[reference]");
        }
        let doc = format!(
            "status: {}\n<title>{}</title>\nback link: {:?}\n{main}",
            res.status.as_u16(),
            res.title(),
            res.back_link()
        );
        insta::assert_snapshot!(format!("page-{name}"), doc);
    };

    let mut client = env.client();
    crate::journeys::walk(&mut client, FORM, crate::journeys::ADULT_STEPS).await;
    let check = client.get(&url(FORM, "check-answers")).await;
    snapshot("check-answers", &check, client.csrf.as_deref());
    let sent = client.post(&url(FORM, "check-answers"), &[]).await;
    let confirmation = client.follow(&sent).await;
    snapshot("confirmation", &confirmation, None);

    let mut client = env.client();
    crate::journeys::walk(
        &mut client,
        FORM,
        &[crate::journeys::Step {
            page: "date-of-birth",
            fields: &[
                ("date-of-birth-day", "29"),
                ("date-of-birth-month", "2"),
                ("date-of-birth-year", "2008"),
            ],
            next: "too-young",
        }],
    )
    .await;
    snapshot(
        "exit-too-young",
        &client.get(&url(FORM, "too-young")).await,
        None,
    );
    snapshot("not-found", &client.get("/forms/nope").await, None);
    snapshot(
        "forbidden",
        &client
            .post_raw(&url(FORM, "name"), String::new(), true)
            .await,
        None,
    );
    let mut stranger = env.client();
    stranger.cookie = Some("formwork_session=gone".into());
    snapshot(
        "answers-deleted",
        &stranger.get(&url(FORM, "name")).await,
        None,
    );
    let start = client.get(&format!("/forms/{FORM}")).await;
    snapshot("start", &start, None);
}

/// Static files and the browser bundle are gzipped when accepted and revalidate with a 304.
#[tokio::test]
async fn assets_are_compressed_and_revalidated() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    let env = TestEnv::new();
    let app = formwork_server::app(env.state.clone());
    let assets = env.state.assets();
    let mut paths = vec!["/forms/over-18-check/bundle.json".to_owned()];
    paths.extend(
        ["formwork.js", "pkg/formwork_wasm_bg.wasm"]
            .iter()
            .filter_map(|n| assets.url(n)),
    );
    for path in paths {
        let get = |encoding: Option<&str>, etag: Option<&str>| {
            let mut b = Request::builder().uri(path.as_str());
            if let Some(e) = encoding {
                b = b.header(header::ACCEPT_ENCODING, e);
            }
            if let Some(t) = etag {
                b = b.header(header::IF_NONE_MATCH, t);
            }
            b.body(Body::empty()).unwrap()
        };
        let plain = app.clone().oneshot(get(None, None)).await.unwrap();
        assert_eq!(plain.status(), StatusCode::OK, "{path}");
        assert!(
            plain.headers().get(header::CONTENT_ENCODING).is_none(),
            "{path}"
        );
        let etag = plain.headers()[header::ETAG].to_str().unwrap().to_owned();
        let plain_len = plain.into_body().collect().await.unwrap().to_bytes().len();
        let gz = app
            .clone()
            .oneshot(get(Some("br, gzip;q=0.9"), None))
            .await
            .unwrap();
        assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip", "{path}");
        assert_eq!(gz.headers()[header::VARY], "Accept-Encoding", "{path}");
        let gz_len = gz.into_body().collect().await.unwrap().to_bytes().len();
        assert!(gz_len < plain_len, "{path}: gzip {gz_len} >= {plain_len}");
        let again = app
            .clone()
            .oneshot(get(Some("gzip"), Some(&etag)))
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
}

/// Pages come from the page cache when their whole context repeats, but every response still
/// has its own nonce and the resident's own CSRF token, and different answers never share a
/// page. Checked with the cache on and off: the bytes must be the same apart from the nonce.
#[tokio::test]
async fn cached_pages_carry_their_own_nonce_token_and_answers() {
    let env = TestEnv::new();
    let mut pages = Vec::new();
    for year in ["19x0", "19x0", "20y1"] {
        let mut client = env.client();
        let shown = client.get(&url("over-18-check", "date-of-birth")).await;
        let token = client.csrf.clone().unwrap();
        let res = client
            .post(
                &url("over-18-check", "date-of-birth"),
                &[("date-of-birth-day", "31"), ("date-of-birth-year", year)],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        for page in [&shown, &res] {
            let nonce = page.nonce();
            assert!(
                page.body.contains(&format!("nonce=\"{nonce}\"")),
                "own nonce"
            );
            assert!(!page.body.contains("fwnonce") && !page.body.contains("fwcsrf"));
        }
        assert!(
            res.body.contains(&format!("value=\"{token}\"")),
            "own token"
        );
        assert_eq!(res.input_value("date-of-birth-year").as_deref(), Some(year));
        pages.push((res.nonce(), token, res.body));
    }
    let same = |i: usize| {
        pages[i]
            .2
            .replace(&pages[i].0, "NONCE")
            .replace(&pages[i].1, "TOKEN")
    };
    assert_eq!(same(0), same(1), "one context, one page");
    assert_ne!(same(0), same(2));
    // Without the cache, the same page.
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&root().join("forms"), dir.path());
    opts.page_cache = 0;
    let state = build_state(&opts).unwrap();
    let mut client = TestClient::new(&state);
    client.get(&url("over-18-check", "date-of-birth")).await;
    let token = client.csrf.clone().unwrap();
    let res = client
        .post(
            &url("over-18-check", "date-of-birth"),
            &[("date-of-birth-day", "31"), ("date-of-birth-year", "19x0")],
        )
        .await;
    assert_eq!(
        res.body
            .replace(&res.nonce(), "NONCE")
            .replace(&token, "TOKEN"),
        same(0)
    );
}
