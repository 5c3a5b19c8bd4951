//! What protects residents and their answers: CSRF checks, expiring sessions, sending exactly once,
//! durable submissions, form changes, security headers, body limits and escaping.

use axum::http::{StatusCode, header};
use formwork_server::serve::build_state;

use crate::journeys::{ADULT_STEPS, url, walk};
use crate::support::{
    TestClient, TestEnv, encode, options, reference_on, root, session_json, stored_answers,
};

const FORM: &str = "over-18-check";

/// A client that has answered the date of birth and is on the name page.
async fn on_name_page(env: &TestEnv) -> TestClient {
    let mut client = env.client();
    walk(&mut client, FORM, &ADULT_STEPS[..1]).await;
    client.get(&url(FORM, "name")).await.assert_ok();
    client
}

/// A client on check answers of the adult journey.
async fn on_check_answers(env: &TestEnv) -> TestClient {
    let mut client = env.client();
    walk(&mut client, FORM, ADULT_STEPS).await;
    client.get(&url(FORM, "check-answers")).await.assert_ok();
    client
}

/// How a forged or broken POST is sent.
#[derive(Debug, Clone, Copy)]
enum Forgery {
    MissingToken,
    WrongToken,
    EmptyToken,
    AnotherSessionsToken,
    NoCookie,
}

const FORGERIES: &[Forgery] = &[
    Forgery::MissingToken,
    Forgery::WrongToken,
    Forgery::EmptyToken,
    Forgery::AnotherSessionsToken,
    Forgery::NoCookie,
];

/// Sends `fields` to `path` the forged way.
async fn forge(
    env: &TestEnv,
    client: &mut TestClient,
    path: &str,
    fields: &[(&str, &str)],
    how: Forgery,
) -> crate::support::Res {
    let token = client.csrf.clone().unwrap();
    let other = {
        let mut other = env.client();
        other.get(&url(FORM, "date-of-birth")).await.assert_ok();
        other.csrf.clone().unwrap()
    };
    let with = |t: &str| {
        let mut all = vec![("csrf-token", t)];
        all.extend_from_slice(fields);
        encode(&all)
    };
    match how {
        Forgery::MissingToken => client.post_raw(path, encode(fields), true).await,
        Forgery::WrongToken => {
            let mut wrong = token.clone().into_bytes();
            wrong[0] = if wrong[0] == b'A' { b'B' } else { b'A' };
            client
                .post_raw(path, with(&String::from_utf8(wrong).unwrap()), true)
                .await
        }
        Forgery::EmptyToken => client.post_raw(path, with(""), true).await,
        Forgery::AnotherSessionsToken => client.post_raw(path, with(&other), true).await,
        Forgery::NoCookie => client.post_raw(path, with(&token), false).await,
    }
}

/// A POST without the right token, or without a session, gets the friendly 403 page and changes
/// nothing: not the answers, not the submissions.
#[tokio::test]
async fn csrf_failures_are_refused_and_change_nothing() {
    let env = TestEnv::new();
    for how in FORGERIES {
        // A question page.
        let mut client = on_name_page(&env).await;
        let before = session_json(&env.state, &client.session_id()).unwrap();
        let res = forge(
            &env,
            &mut client,
            &url(FORM, "name"),
            &[
                ("full-name-first-names", "Eve"),
                ("full-name-last-name", "Forger"),
            ],
            *how,
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{how:?}");
        assert_eq!(
            res.h1(),
            "Sorry, there is a problem with the service",
            "{how:?}"
        );
        assert!(res.body.contains("we have not saved it"), "{how:?}");
        assert!(res.header(header::SET_COOKIE).is_empty(), "{how:?}");
        let after = session_json(&env.state, &client.session_id()).unwrap();
        assert_eq!(before, after, "{how:?}: the session is unchanged");
        client
            .get(&url(FORM, "email"))
            .await
            .assert_redirect(&url(FORM, "name"));

        // Sending from check answers.
        let mut client = on_check_answers(&env).await;
        let before = session_json(&env.state, &client.session_id()).unwrap();
        let res = forge(&env, &mut client, &url(FORM, "check-answers"), &[], *how).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{how:?}");
        assert_eq!(env.submission_count(), 0, "{how:?}: nothing was sent");
        let after = session_json(&env.state, &client.session_id()).unwrap();
        assert_eq!(before, after, "{how:?}: the session is unchanged");
        client.get(&url(FORM, "check-answers")).await.assert_ok();
    }
}

/// Makes a session's row expire (as 20 hours without activity would).
fn expire(env: &TestEnv, client: &TestClient) {
    expire_in(&env.state, client);
}

/// Rewrites a client's session row with an expiry in the past, through `Store::save_session`.
fn expire_in(state: &formwork_server::AppState, client: &TestClient) {
    let id = client.session_id();
    let data = session_json(state, &id).unwrap().to_string();
    let now = formwork_server::clock::unix_now();
    state
        .0
        .store
        .save_session(&id, &data, now - 3600, now - 1)
        .unwrap();
    // Behind the server's back, so its in-memory copy must go too (as a purge would do).
    if let Some(cache) = &state.0.session_cache {
        cache.remove(&id);
    }
}

/// An expired session shows "Your answers have been deleted" on a GET or a POST, with a fresh
/// cookie, so "Start again" works straight away.
#[tokio::test]
async fn expired_sessions_say_so_and_start_again_works() {
    let env = TestEnv::new();
    for post in [false, true] {
        let mut client = on_name_page(&env).await;
        let old_id = client.session_id();
        expire(&env, &client);
        let res = if post {
            client
                .post(
                    &url(FORM, "name"),
                    &[
                        ("full-name-first-names", "Sam"),
                        ("full-name-last-name", "Smith"),
                    ],
                )
                .await
        } else {
            client.get(&url(FORM, "name")).await
        };
        res.assert_ok();
        assert_eq!(res.h1(), "Your answers have been deleted", "post={post}");
        assert!(
            res.body.contains("You have not done anything for 20 hours"),
            "post={post}"
        );
        assert!(
            res.body.contains(&format!("href=\"/forms/{FORM}\"")),
            "a start again link"
        );
        let cookie = res.header(header::SET_COOKIE);
        assert!(
            cookie.starts_with("formwork_session="),
            "post={post}: a fresh cookie: {cookie:?}"
        );
        assert_ne!(client.session_id(), old_id, "post={post}: a new session id");
        // Start again: the start page, then the first question, which now works.
        client.get(&format!("/forms/{FORM}")).await.assert_ok();
        let first = client.get(&url(FORM, "date-of-birth")).await;
        first.assert_ok();
        assert!(
            first
                .input_value("date-of-birth-year")
                .is_none_or(|v| v.is_empty())
        );
        client
            .post(&url(FORM, "date-of-birth"), ADULT_STEPS[0].fields)
            .await
            .assert_redirect(&url(FORM, "name"));
    }
    // A session that simply expires by its lifetime (a server set to keep sessions for 0 hours).
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&root().join("forms"), dir.path());
    opts.session_hours = 0;
    let state = build_state(&opts).unwrap();
    let mut client = TestClient::new(&state);
    client.get(&url(FORM, "date-of-birth")).await.assert_ok();
    // Viewing pages stores nothing, so there is nothing to expire until the first answer.
    let res = client.get(&url(FORM, "date-of-birth")).await;
    assert_eq!(res.h1(), "What is your date of birth?");
    client
        .post(&url(FORM, "date-of-birth"), ADULT_STEPS[0].fields)
        .await
        .assert_redirect(&url(FORM, "name"));
    let res = client.get(&url(FORM, "name")).await;
    assert_eq!(res.h1(), "Your answers have been deleted");
    // The wording follows the deployment's setting.
    opts.session_hours = 1;
    opts.data = dir.path().join("one-hour");
    let state = build_state(&opts).unwrap();
    let mut client = TestClient::new(&state);
    let privacy = client.get("/privacy").await;
    assert!(
        privacy
            .body
            .contains("deleted after 1 hour without activity"),
        "{}",
        privacy.body
    );
    client.get(&url(FORM, "date-of-birth")).await.assert_ok();
    client
        .post(&url(FORM, "date-of-birth"), ADULT_STEPS[0].fields)
        .await
        .assert_redirect(&url(FORM, "name"));
    expire_in(&state, &client);
    let res = client.get(&url(FORM, "date-of-birth")).await;
    assert!(
        res.body.contains("You have not done anything for 1 hour,"),
        "{}",
        res.body
    );
}

/// Sending twice (one after the other, or at the same moment), or again with the back button,
/// stores one submission, and every response leads to the same confirmation and reference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_twice_stores_one_submission() {
    // One after the other.
    let env = TestEnv::new();
    let mut client = on_check_answers(&env).await;
    let first = client.post(&url(FORM, "check-answers"), &[]).await;
    let second = client.post(&url(FORM, "check-answers"), &[]).await;
    first.assert_redirect(&url(FORM, "confirmation"));
    second.assert_redirect(&url(FORM, "confirmation"));
    let reference = reference_on(&client.follow(&first).await);
    assert_eq!(reference_on(&client.follow(&second).await), reference);
    assert_eq!(env.submission_count(), 1);
    // The answers are gone from the session; only the reference is kept.
    let session = session_json(&env.state, &client.session_id()).unwrap();
    let journey = &session["journeys"][FORM];
    assert_eq!(
        journey["answers"]["values"],
        serde_json::json!({}),
        "{journey}"
    );
    assert_eq!(
        journey["answers"]["completed"],
        serde_json::json!([]),
        "{journey}"
    );
    assert_eq!(journey["reference"], serde_json::json!(reference));
    // The back button: check answers has nothing to show, and resending the old page is harmless.
    client
        .get(&url(FORM, "check-answers"))
        .await
        .assert_redirect(&url(FORM, "date-of-birth"));
    client
        .post(&url(FORM, "check-answers"), &[])
        .await
        .assert_redirect(&url(FORM, "confirmation"));
    assert_eq!(env.submission_count(), 1);
    assert_eq!(
        reference_on(&client.get(&url(FORM, "confirmation")).await),
        reference
    );

    // At the same moment.
    let env = TestEnv::new();
    let client = on_check_answers(&env).await;
    let mut a = client.with_state(&env.state);
    let mut b = client.with_state(&env.state);
    let path = url(FORM, "check-answers");
    let (ra, rb) = tokio::join!(a.post(&path, &[]), b.post(&path, &[]));
    ra.assert_redirect(&url(FORM, "confirmation"));
    rb.assert_redirect(&url(FORM, "confirmation"));
    assert_eq!(env.submission_count(), 1);
    let ca = a.follow(&ra).await;
    let cb = b.follow(&rb).await;
    assert_eq!(reference_on(&ca), reference_on(&cb));
}

/// Submissions are durable: a new server on the same data directory finds them by reference, and
/// the resident's session still shows the confirmation.
#[tokio::test]
async fn submissions_survive_a_restart() {
    let env = TestEnv::new();
    let mut client = on_check_answers(&env).await;
    let sent = client.post(&url(FORM, "check-answers"), &[]).await;
    let reference = reference_on(&client.follow(&sent).await);
    let data = env.data().to_path_buf();
    let version = env.state.form(FORM).unwrap().version.clone();
    let TestEnv { dir, state } = env;
    drop(state);

    let restarted = build_state(&options(&root().join("forms"), &data)).unwrap();
    let stored = restarted.0.store.submission(&reference).unwrap().unwrap();
    assert_eq!(stored.reference, reference);
    assert_eq!(stored.form_id, FORM);
    assert_eq!(stored.form_version, version);
    let answers = stored_answers(restarted.0.store.as_ref(), &reference);
    assert_eq!(answers["email"], "sam@example.com");
    let mut client = client.with_state(&restarted);
    assert_eq!(
        reference_on(&client.get(&url(FORM, "confirmation")).await),
        reference
    );
    drop(dir);
}

/// Copies `forms/` to a temporary folder.
fn copy_forms() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join("forms")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// When a form changes under a journey (a new deployment), the resident is told and starts again:
/// on a GET or a POST, and the old answers are not used.
#[tokio::test]
async fn a_changed_form_restarts_the_journey() {
    for post in [false, true] {
        let forms = copy_forms();
        let data = tempfile::tempdir().unwrap();
        let before = build_state(&options(forms.path(), data.path())).unwrap();
        let mut client = TestClient::new(&before);
        walk(&mut client, FORM, &ADULT_STEPS[..2]).await;
        client.get(&url(FORM, "email")).await.assert_ok();

        // Deploy a new version of the form: the email hint changes.
        let file = forms.path().join(format!("{FORM}.json"));
        let text = std::fs::read_to_string(&file).unwrap();
        let edited = text.replace(
            "We’ll send you a link to finish setting up your account",
            "We’ll email you a link",
        );
        assert_ne!(text, edited);
        std::fs::write(&file, edited).unwrap();
        let after = build_state(&options(forms.path(), data.path())).unwrap();
        assert_ne!(
            before.form(FORM).unwrap().version,
            after.form(FORM).unwrap().version
        );
        let mut client = client.with_state(&after);

        let res = if post {
            client
                .post(&url(FORM, "email"), &[("email", "sam@example.com")])
                .await
        } else {
            client.get(&url(FORM, "email")).await
        };
        res.assert_ok();
        assert_eq!(res.h1(), "This form has changed", "post={post}");
        assert!(
            res.body.contains(&format!("href=\"/forms/{FORM}\"")),
            "a start again link"
        );
        // The journey starts again from the first page with no answers.
        client
            .get(&url(FORM, "email"))
            .await
            .assert_redirect(&url(FORM, "date-of-birth"));
        let first = client.get(&url(FORM, "date-of-birth")).await;
        first.assert_ok();
        assert!(
            first
                .input_value("date-of-birth-year")
                .is_none_or(|v| v.is_empty())
        );
        walk(&mut client, FORM, ADULT_STEPS).await;
        let sent = client.post(&url(FORM, "check-answers"), &[]).await;
        let reference = reference_on(&client.follow(&sent).await);
        let stored = after.0.store.submission(&reference).unwrap().unwrap();
        assert_eq!(stored.form_version, after.form(FORM).unwrap().version);
    }
}

/// Checks the headers every HTML page must have, and that each inline script and style carries
/// the CSP nonce.
#[track_caller]
fn assert_page_headers(res: &crate::support::Res, what: &str) {
    let csp = res.header(header::CONTENT_SECURITY_POLICY);
    let nonce = res.nonce();
    assert!(nonce.len() >= 16, "{what}: a long nonce");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{what}: {csp}");
    assert!(!csp.contains("'unsafe-eval'"), "{what}: {csp}");
    assert!(!csp.contains("'unsafe-inline'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("object-src 'none'"), "{what}: {csp}");
    let scripts = res.body.matches("<script").count();
    assert!(scripts >= 1, "{what}: the layout has an inline script");
    let with_nonce = res
        .body
        .matches(&format!("<script nonce=\"{nonce}\""))
        .count()
        + res
            .body
            .matches(&format!("<script type=\"module\" nonce=\"{nonce}\""))
            .count();
    assert_eq!(
        scripts, with_nonce,
        "{what}: every script has this response's nonce"
    );
    assert_eq!(
        res.body.matches("<style").count(),
        res.body
            .matches(&format!("<style nonce=\"{nonce}\""))
            .count(),
        "{what}: every style has the nonce"
    );
    assert_eq!(
        res.header(header::X_CONTENT_TYPE_OPTIONS),
        "nosniff",
        "{what}"
    );
    assert_eq!(res.header(header::REFERRER_POLICY), "no-referrer", "{what}");
    assert_eq!(res.header(header::CACHE_CONTROL), "no-store", "{what}");
    assert_eq!(res.header(header::X_FRAME_OPTIONS), "DENY", "{what}");
    assert_eq!(
        res.header(header::CONTENT_TYPE),
        "text/html; charset=utf-8",
        "{what}"
    );
}

/// Security headers on every kind of page, a fresh nonce each time, and a session cookie that
/// scripts cannot read and other sites cannot send with a POST.
#[tokio::test]
async fn pages_carry_security_headers() {
    let env = TestEnv::new();
    let mut client = env.client();
    let first = client.get(&url(FORM, "date-of-birth")).await;
    assert_page_headers(&first, "a new session's first page");
    let cookie = first.header(header::SET_COOKIE);
    assert!(cookie.starts_with("formwork_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.split("; ").any(|a| a == attr), "{attr} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP in tests: {cookie}");
    let again = client.get(&url(FORM, "date-of-birth")).await;
    assert_ne!(first.nonce(), again.nonce(), "a nonce per response");
    assert!(
        again.header(header::SET_COOKIE).is_empty(),
        "the cookie is set once"
    );

    let mut pages = vec![
        "/".to_owned(),
        format!("/forms/{FORM}"),
        "/components".into(),
        "/components/date-input".into(),
        "/accessibility".into(),
        "/privacy".into(),
        "/no-such-page".into(),
    ];
    for s in ADULT_STEPS {
        pages.push(url(FORM, s.page));
        client.get(&url(FORM, s.page)).await.assert_ok();
        let res = client.post(&url(FORM, s.page), &[]).await;
        assert_page_headers(&res, &format!("{} with errors", s.page));
        let res = client.post(&url(FORM, s.page), s.fields).await;
        assert_eq!(
            res.header(header::CACHE_CONTROL),
            "no-store",
            "redirects are not cached"
        );
    }
    pages.push(url(FORM, "check-answers"));
    for path in &pages {
        let res = client.get(path).await;
        assert_page_headers(&res, path);
    }
    let sent = client.post(&url(FORM, "check-answers"), &[]).await;
    assert_page_headers(&client.follow(&sent).await, "confirmation");
    let forbidden = client
        .post_raw(&url(FORM, "name"), String::new(), false)
        .await;
    assert_page_headers(&forbidden, "403");
}

/// A body over 64 KiB gets the friendly 413 page and nothing is saved.
#[tokio::test]
async fn oversized_bodies_are_refused() {
    let env = TestEnv::new();
    let mut client = on_name_page(&env).await;
    let before = session_json(&env.state, &client.session_id()).unwrap();
    let long = "a".repeat(64 * 1024);
    let res = client
        .post(
            &url(FORM, "name"),
            &[
                ("full-name-first-names", &long),
                ("full-name-last-name", "Smith"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.h1(), "Your answer is too long");
    assert_page_headers(&res, "413");
    assert_eq!(
        session_json(&env.state, &client.session_id()).unwrap(),
        before
    );
    // Just under the limit is read (and here fails validation as usual, not as too large).
    let fine = "a".repeat(60 * 1024);
    let res = client
        .post(
            &url(FORM, "name"),
            &[
                ("full-name-first-names", &fine),
                ("full-name-last-name", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
}

/// Answers are escaped wherever they are shown: back in the form after an error, and on check
/// answers.
#[tokio::test]
async fn answers_are_escaped() {
    let env = TestEnv::new();
    let mut client = on_name_page(&env).await;
    let evil = "<script>alert(1)</script>\"'&";
    let res = client
        .post(
            &url(FORM, "name"),
            &[("full-name-first-names", evil), ("full-name-last-name", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        !res.body.contains("<script>alert(1)"),
        "escaped in the input"
    );
    assert!(
        res.body
            .contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\"")
    );
    assert_eq!(
        res.input_value("full-name-first-names").as_deref(),
        Some(evil)
    );
    client
        .post(
            &url(FORM, "name"),
            &[
                ("full-name-first-names", evil),
                ("full-name-last-name", "Smith"),
            ],
        )
        .await
        .assert_redirect(&url(FORM, "email"));
    walk(&mut client, FORM, &ADULT_STEPS[2..]).await;
    let check = client.get(&url(FORM, "check-answers")).await;
    assert!(!check.body.contains("<script>alert(1)"));
    assert!(
        check
            .body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;")
    );
    let rows = check.summary_rows();
    assert_eq!(rows[1], ("Name".to_owned(), format!("{evil} Smith")));
}

/// Deployment branding: the logo is markup built from configuration, so its URL and alt text are
/// escaped; the brand colour's inline style carries the nonce.
#[tokio::test]
async fn branding_is_escaped_and_styled_with_the_nonce() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&root().join("forms"), dir.path());
    opts.branding = formwork_server::state::Branding {
        organisation: Some("Anytown & District Council".into()),
        logo: Some("/logo.svg?v=1&x=\"><script>alert(1)</script>".into()),
        colour: Some("#112233".into()),
        theme: "council".into(),
    };
    let state = build_state(&opts).unwrap();
    let mut client = TestClient::new(&state);
    // The list of services carries the deployment's branding; a form's own `branding` wins on its pages.
    let index = client.get("/").await;
    index.assert_ok();
    assert!(
        index.body.contains(
            "<img class=\"formwork-logo\" src=\"/logo.svg?v=1&amp;x=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\" alt=\"Anytown &amp; District Council\">"
        ),
        "{}",
        index.body
    );
    let res = client.get(&format!("/forms/{FORM}")).await;
    res.assert_ok();
    assert!(
        res.body.contains(
            "<img class=\"formwork-logo\" src=\"/logo.svg?v=1&amp;x=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\" alt=\"Anytown Council\">"
        ),
        "{}",
        res.body
    );
    assert!(!res.body.contains("<script>alert(1)"));
    let nonce = res.nonce();
    assert!(
        res.body.contains(&format!(
            "<style nonce=\"{nonce}\">:root{{--govuk-brand-colour:#112233}}</style>"
        )),
        "{}",
        res.body
    );
    assert_page_headers(&res, "branded start page");
}

/// Dev mode: a reload picks up edits; a broken definition shows its problems in the browser
/// (`FILE:/pointer: message`, as `formwork check` prints them) until it is fixed.
#[tokio::test]
async fn dev_mode_reloads_and_shows_definition_errors() {
    let forms = copy_forms();
    let data = tempfile::tempdir().unwrap();
    let mut opts = options(forms.path(), data.path());
    opts.dev = true;
    let state = build_state(&opts).unwrap();
    let mut client = TestClient::new(&state);
    client.get("/").await.assert_ok();
    let file = forms.path().join(format!("{FORM}.json"));
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        good.replace(
            "\"type\": \"date-of-birth\"",
            "\"type\": \"date-of-birthh\"",
        ),
    )
    .unwrap();
    state.reload();
    for path in [
        "/".to_owned(),
        format!("/forms/{FORM}"),
        url(FORM, "date-of-birth"),
    ] {
        let res = client.get(&path).await;
        assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(res.body.contains("/pages/0/components/0/type: unknown component type `date-of-birthh` (did you mean `date-of-birth`?)"), "{}", res.body);
    }
    std::fs::write(
        &file,
        good.replace(
            "Check you can use this service",
            "Check you can use the new service",
        ),
    )
    .unwrap();
    state.reload();
    client.get("/").await.assert_ok();
    let page = client.get(&url(FORM, "date-of-birth")).await;
    page.assert_ok();
    assert!(
        page.body.contains("Check you can use the new service"),
        "the edit is served after a reload"
    );
}
