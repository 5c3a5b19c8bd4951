//! Abuse limits: the per-client POST budget (429), the cap on stored sessions (503) and on one
//! session's size (413), page views that store nothing, and session ids rotated when a journey
//! starts.

use axum::http::{StatusCode, header};
use formwork_server::limits::LimitsConfig;
use formwork_server::serve::build_state;

use crate::journeys::{ADULT_STEPS, url, walk};
use crate::support::{TestEnv, options, root, session_json};

const FORM: &str = "over-18-check";

/// An environment with these limits (others at their defaults).
fn env_with(limits: LimitsConfig) -> TestEnv {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&root().join("forms"), dir.path());
    opts.limits = limits;
    let state = build_state(&opts).unwrap();
    TestEnv { dir, state }
}

async fn stored_sessions(env: &TestEnv) -> u64 {
    env.store(|s| {
        s.count_sessions(formwork_server::clock::unix_now())
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn a_client_over_its_post_budget_gets_a_429_page_and_keeps_its_answers() {
    let env = env_with(LimitsConfig {
        posts_per_minute: 2,
        ..LimitsConfig::default()
    });
    let mut client = env.client();
    walk(&mut client, FORM, &ADULT_STEPS[..2]).await;
    let res = client
        .post(&url(FORM, "email"), &[("email", "sam@example.com")])
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        res.h1(),
        "Sorry, you have sent too many answers in a short time"
    );
    assert!(res.body.contains("Your earlier answers are saved"));
    let wait: u64 = res.header(header::RETRY_AFTER).parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // Reading pages is not limited, and the answers so far are still there.
    let name = client.get(&url(FORM, "name")).await;
    name.assert_ok();
    assert_eq!(
        name.input_value("full-name-first-names").as_deref(),
        Some("Sam")
    );
}

#[tokio::test]
async fn the_limit_can_be_turned_off() {
    let env = env_with(LimitsConfig {
        posts_per_minute: 0,
        ..LimitsConfig::default()
    });
    let mut client = env.client();
    client.get(&url(FORM, "date-of-birth")).await.assert_ok();
    for _ in 0..300 {
        let res = client
            .post(&url(FORM, "date-of-birth"), &[("date-of-birth-day", "31")])
            .await;
        assert_eq!(res.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn page_views_store_nothing_until_the_first_answer() {
    let env = TestEnv::new();
    for _ in 0..50 {
        let mut client = env.client();
        client.get(&format!("/forms/{FORM}")).await.assert_ok();
        client.get(&url(FORM, "date-of-birth")).await.assert_ok();
        assert!(
            client.session_id().starts_with("pv_"),
            "a provisional session"
        );
        // An invalid answer is not an answer: still nothing stored.
        let res = client
            .post(&url(FORM, "date-of-birth"), &[("date-of-birth-day", "31")])
            .await;
        assert_eq!(res.status, StatusCode::OK);
    }
    assert_eq!(stored_sessions(&env).await, 0);
    let mut client = env.client();
    walk(&mut client, FORM, &ADULT_STEPS[..1]).await;
    assert_eq!(stored_sessions(&env).await, 1);
}

#[tokio::test]
async fn the_session_id_and_token_change_when_a_journey_starts() {
    let env = TestEnv::new();
    let mut client = env.client();
    client.get(&url(FORM, "date-of-birth")).await.assert_ok();
    let (provisional, token) = (client.session_id(), client.csrf.clone());
    walk(&mut client, FORM, &ADULT_STEPS[..1]).await;
    let stored = client.session_id();
    assert_ne!(stored, provisional);
    assert!(!stored.starts_with("pv_"));
    client.get(&url(FORM, "name")).await.assert_ok();
    assert_ne!(
        client.csrf, token,
        "a new CSRF token with the stored session"
    );
    // Later answers in the same journey keep the id.
    walk(&mut client, FORM, &ADULT_STEPS[1..2]).await;
    assert_eq!(client.session_id(), stored);
    // Starting another form's journey moves the session again; the old id holds nothing.
    let other = "resident-parking-permit";
    client.get(&url(other, "zone")).await.assert_ok();
    let res = client.post(&url(other, "zone"), &[("zone", "a")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let moved = client.session_id();
    assert_ne!(
        moved, stored,
        "the id changed when the {other} journey started"
    );
    assert!(
        session_json(&env.state, &stored).is_none(),
        "the old row is gone"
    );
    // Both journeys live on under the new id.
    let name = client.get(&url(FORM, "name")).await;
    assert_eq!(
        name.input_value("full-name-first-names").as_deref(),
        Some("Sam")
    );
    let zone = client.get(&url(other, "zone")).await;
    assert!(zone.body.contains("value=\"a\" selected"), "{}", zone.body);
}

#[tokio::test]
async fn beyond_the_session_cap_new_residents_are_asked_to_come_back_and_others_carry_on() {
    let env = env_with(LimitsConfig {
        max_sessions: 1,
        ..LimitsConfig::default()
    });
    let mut first = env.client();
    walk(&mut first, FORM, &ADULT_STEPS[..1]).await;
    let mut second = env.client();
    second.get(&url(FORM, "date-of-birth")).await.assert_ok();
    let res = second
        .post(&url(FORM, "date-of-birth"), ADULT_STEPS[0].fields)
        .await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.h1(), "Sorry, the service is busy");
    assert_eq!(res.header(header::RETRY_AFTER), "300");
    // The resident already in the service is not affected.
    walk(&mut first, FORM, &ADULT_STEPS[1..]).await;
    assert_eq!(stored_sessions(&env).await, 1);
}

#[tokio::test]
async fn a_session_over_the_size_cap_is_not_saved_and_earlier_answers_stay() {
    // How big the session is after one and after two answers, with no cap.
    let sizes = {
        let env = TestEnv::new();
        let mut client = env.client();
        let mut sizes = Vec::new();
        for n in 1..=2 {
            walk(&mut client, FORM, &ADULT_STEPS[n - 1..n]).await;
            sizes.push(
                session_json(&env.state, &client.session_id())
                    .unwrap()
                    .to_string()
                    .len(),
            );
        }
        sizes
    };
    let env = env_with(LimitsConfig {
        max_session_bytes: usize::midpoint(sizes[0], sizes[1]),
        ..LimitsConfig::default()
    });
    let mut client = env.client();
    walk(&mut client, FORM, &ADULT_STEPS[..1]).await;
    client.get(&url(FORM, "name")).await.assert_ok();
    let res = client.post(&url(FORM, "name"), ADULT_STEPS[1].fields).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.h1(), "Your answers are too long");
    let dob = client.get(&url(FORM, "date-of-birth")).await;
    assert_eq!(
        dob.input_value("date-of-birth-year").as_deref(),
        Some("2008")
    );
}
