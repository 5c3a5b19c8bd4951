//! Residents' journeys through every example form, from tables: each step is a page, the fields
//! sent, and where the server must send the resident next.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;

use crate::support::{Res, TestClient, TestEnv, reference_on, stored_answers};

/// One page answered: the fields sent and the page the resident must land on next (a question
/// page's slug, an exit page's slug, or `check-answers`).
#[derive(Clone, Copy)]
pub struct Step {
    pub page: &'static str,
    pub fields: &'static [(&'static str, &'static str)],
    pub next: &'static str,
}

/// How a journey ends.
pub enum End {
    /// Check answers shows these rows (key, value lines joined by " / "), in order, and sending
    /// stores these answers (JSON pointer into the stored answers, expected JSON).
    Sent {
        rows: &'static [(&'static str, &'static str)],
        stored: &'static [(&'static str, &'static str)],
    },
    /// The last step leads to this exit page, with this heading.
    Exit {
        slug: &'static str,
        title: &'static str,
    },
}

/// A named walk through one form.
pub struct Journey {
    pub name: &'static str,
    pub form: &'static str,
    pub steps: &'static [Step],
    pub end: End,
}

const fn step(
    page: &'static str,
    fields: &'static [(&'static str, &'static str)],
    next: &'static str,
) -> Step {
    Step { page, fields, next }
}

// Answers reused across journeys.
const ADULT: &[(&str, &str)] = &[
    ("date-of-birth-day", "28"),
    ("date-of-birth-month", "2"),
    ("date-of-birth-year", "2008"),
];
const NAME: &[(&str, &str)] = &[
    ("full-name-first-names", "Sam"),
    ("full-name-last-name", "Smith"),
];
/// The over-18 check for an adult.
pub const ADULT_STEPS: &[Step] = &[
    step("date-of-birth", ADULT, "name"),
    step("name", NAME, "email"),
    step("email", &[("email", "sam@example.com")], "check-answers"),
];
const SELF_BUILD_START: &[Step] = &[
    step(
        "date-of-birth",
        &[
            ("date-of-birth-day", "1"),
            ("date-of-birth-month", "1"),
            ("date-of-birth-year", "1980"),
        ],
        "nationality",
    ),
    step(
        "nationality",
        &[("nationality", "british")],
        "main-residence",
    ),
    step(
        "main-residence",
        &[("main-residence", "yes")],
        "applying-as",
    ),
];

/// Every example form, every branch.
pub const JOURNEYS: &[Journey] = &[
    // over-18-check
    Journey {
        name: "over-18: adult, 18 today",
        form: "over-18-check",
        steps: ADULT_STEPS,
        end: End::Sent {
            rows: &[
                ("Date of birth", "28 February 2008"),
                ("Name", "Sam Smith"),
                ("Email address", "sam@example.com"),
            ],
            stored: &[
                ("/date-of-birth", r#""2008-02-28""#),
                ("/full-name/first-names", r#""Sam""#),
                ("/full-name/last-name", r#""Smith""#),
                ("/email", r#""sam@example.com""#),
            ],
        },
    },
    Journey {
        name: "over-18: too young",
        form: "over-18-check",
        steps: &[step(
            "date-of-birth",
            &[
                ("date-of-birth-day", "1"),
                ("date-of-birth-month", "3"),
                ("date-of-birth-year", "2008"),
            ],
            "too-young",
        )],
        end: End::Exit {
            slug: "too-young",
            title: "You cannot use this service",
        },
    },
    // self-build-register
    Journey {
        name: "self-build: individual, optional questions left empty",
        form: "self-build-register",
        steps: &[
            step(
                "date-of-birth",
                &[
                    ("date-of-birth-day", "1"),
                    ("date-of-birth-month", "1"),
                    ("date-of-birth-year", "1980"),
                ],
                "nationality",
            ),
            step(
                "nationality",
                &[("nationality", "british")],
                "main-residence",
            ),
            step(
                "main-residence",
                &[("main-residence", "yes")],
                "applying-as",
            ),
            step("applying-as", &[("applying-as", "individual")], "name"),
            step("name", NAME, "address"),
            step(
                "address",
                &[
                    ("address-line-1", "1 High Street"),
                    ("address-line-2", ""),
                    ("address-town", "Anytown"),
                    ("address-county", ""),
                    ("address-postcode", "ab1 2cd"),
                ],
                "contact-details",
            ),
            step(
                "contact-details",
                &[("email", "sam@example.com"), ("telephone", "")],
                "areas",
            ),
            step(
                "areas",
                &[("areas", "north"), ("areas", "east")],
                "bedrooms",
            ),
            step("bedrooms", &[("bedrooms", "3")], "plot-size"),
            step("plot-size", &[("plot-size", "medium")], "budget"),
            step("budget", &[], "how-you-heard"),
            step("how-you-heard", &[], "check-answers"),
        ],
        end: End::Sent {
            rows: &[
                ("Date of birth", "1 January 1980"),
                ("Nationality", "British citizen"),
                ("Main residence", "Yes"),
                ("Individual or group", "As an individual"),
                ("Name", "Sam Smith"),
                ("Address", "1 High Street / Anytown / AB1 2CD"),
                ("Email address", "sam@example.com"),
                ("Telephone number", "Not provided"),
                (
                    "Preferred areas",
                    "North Anytown / Eastbrook and the eastern villages",
                ),
                ("Number of bedrooms", "3"),
                ("Plot size", "Medium"),
                ("Budget", "Not provided"),
                ("How you heard about the register", "Not provided"),
            ],
            stored: &[
                ("/address/postcode", r#""AB1 2CD""#),
                ("/areas", r#"["north","east"]"#),
                ("/bedrooms", "3.0"),
                ("/applying-as", r#""individual""#),
            ],
        },
    },
    Journey {
        name: "self-build: group, specific plot size, every optional answer",
        form: "self-build-register",
        steps: &[
            SELF_BUILD_START[0],
            SELF_BUILD_START[1],
            SELF_BUILD_START[2],
            step("applying-as", &[("applying-as", "group")], "group-details"),
            step(
                "group-details",
                &[("group-name", "Anytown CLT"), ("group-households", "4")],
                "name",
            ),
            step("name", NAME, "address"),
            step(
                "address",
                &[
                    ("address-line-1", "Flat 2"),
                    ("address-line-2", "3 Mill Lane"),
                    ("address-town", "Anytown"),
                    ("address-county", "Anyshire"),
                    ("address-postcode", "AB12CD"),
                ],
                "contact-details",
            ),
            step(
                "contact-details",
                &[
                    ("email", "group@example.com"),
                    ("telephone", "+44 808 157 0192"),
                ],
                "areas",
            ),
            step("areas", &[("areas", "no-preference")], "bedrooms"),
            step("bedrooms", &[("bedrooms", "4")], "plot-size"),
            step(
                "plot-size",
                &[
                    ("plot-size", "specific"),
                    ("plot-size-square-metres", "800"),
                ],
                "budget",
            ),
            step(
                "budget",
                &[("budget", "prefer-not-to-say")],
                "how-you-heard",
            ),
            step(
                "how-you-heard",
                &[
                    ("how-you-heard", "social-media"),
                    ("how-you-heard", "other"),
                    ("how-you-heard-other", "A leaflet"),
                ],
                "check-answers",
            ),
        ],
        end: End::Sent {
            rows: &[
                ("Date of birth", "1 January 1980"),
                ("Nationality", "British citizen"),
                ("Main residence", "Yes"),
                ("Individual or group", "As part of a group"),
                ("Group name", "Anytown CLT"),
                ("Number of households in the group", "4"),
                ("Name", "Sam Smith"),
                (
                    "Address",
                    "Flat 2 / 3 Mill Lane / Anytown / Anyshire / AB1 2CD",
                ),
                ("Email address", "group@example.com"),
                ("Telephone number", "08081570192"),
                ("Preferred areas", "No preference"),
                ("Number of bedrooms", "4"),
                ("Plot size", "I need a specific size"),
                ("Plot size in square metres", "800 square metres"),
                ("Budget", "I’d prefer not to say"),
                (
                    "How you heard about the register",
                    "Social media / Somewhere else",
                ),
                ("Where you heard about it", "A leaflet"),
            ],
            stored: &[
                ("/group-name", r#""Anytown CLT""#),
                ("/plot-size-square-metres", "800.0"),
                ("/how-you-heard", r#"["social-media","other"]"#),
                ("/how-you-heard-other", r#""A leaflet""#),
            ],
        },
    },
    Journey {
        name: "self-build: under 18",
        form: "self-build-register",
        steps: &[step(
            "date-of-birth",
            &[
                ("date-of-birth-day", "29"),
                ("date-of-birth-month", "2"),
                ("date-of-birth-year", "2008"),
            ],
            "under-18",
        )],
        end: End::Exit {
            slug: "under-18",
            title: "You cannot join the register yet",
        },
    },
    Journey {
        name: "self-build: another nationality",
        form: "self-build-register",
        steps: &[
            SELF_BUILD_START[0],
            step(
                "nationality",
                &[("nationality", "other")],
                "nationality-not-eligible",
            ),
        ],
        end: End::Exit {
            slug: "nationality-not-eligible",
            title: "You cannot join the register",
        },
    },
    Journey {
        name: "self-build: not a main residence",
        form: "self-build-register",
        steps: &[
            SELF_BUILD_START[0],
            step(
                "nationality",
                &[("nationality", "eea-or-swiss")],
                "main-residence",
            ),
            step(
                "main-residence",
                &[("main-residence", "no")],
                "not-main-residence",
            ),
        ],
        end: End::Exit {
            slug: "not-main-residence",
            title: "You cannot join the register",
        },
    },
    // resident-parking-permit
    Journey {
        name: "parking: resident permit",
        form: "resident-parking-permit",
        steps: &[
            step("zone", &[("zone", "a")], "permit-type"),
            step(
                "permit-type",
                &[("permit-type", "resident")],
                "home-address",
            ),
            step("home-address", HOME, "vehicle-registration"),
            step(
                "vehicle-registration",
                &[("registration", "CU57 ABC")],
                "electric-vehicle",
            ),
            step(
                "electric-vehicle",
                &[("electric-vehicle", "yes")],
                "permit-length",
            ),
            step(
                "permit-length",
                &[("permit-length", "12-months")],
                "start-date",
            ),
            step("start-date", START_TODAY, "name"),
            step("name", NAME, "contact-details"),
            step("contact-details", CONTACT, "check-answers"),
        ],
        end: End::Sent {
            rows: RESIDENT_ROWS,
            stored: &[
                ("/permit-type", r#""resident""#),
                ("/registration", r#""CU57 ABC""#),
                ("/start-date", r#""2026-02-28""#),
                ("/telephone", r#""07700900982""#),
            ],
        },
    },
    Journey {
        name: "parking: visitor permits",
        form: "resident-parking-permit",
        steps: &[
            step("zone", &[("zone", "b")], "permit-type"),
            step(
                "permit-type",
                &[("permit-type", "visitor"), ("visitor-books", "2")],
                "home-address",
            ),
            step("home-address", HOME, "name"),
            step("name", NAME, "contact-details"),
            step("contact-details", CONTACT, "check-answers"),
        ],
        end: End::Sent {
            rows: &[
                ("Parking zone", "Zone B: Station and Riverside"),
                ("Permit type", "Visitor permits"),
                ("Number of books", "2"),
                ("Home address", "1 High Street / Anytown / AB1 2CD"),
                ("Name", "Sam Smith"),
                ("Email address", "sam@example.com"),
                ("Telephone number", "07700900982"),
            ],
            stored: &[("/visitor-books", "2.0"), ("/zone", r#""b""#)],
        },
    },
    Journey {
        name: "parking: business permit",
        form: "resident-parking-permit",
        steps: BUSINESS,
        end: End::Sent {
            rows: &[
                ("Parking zone", "Zone C: Hospital"),
                ("Permit type", "Business permit"),
                ("Business name", "Acme Plumbing"),
                ("Business address", "2 Market Square / Anytown / AB1 3EF"),
                (
                    "Reason the business needs to park in the zone",
                    "We carry tools",
                ),
                ("Registration number", "ab12 cde"),
                ("Fully electric vehicle", "No"),
                ("Permit length", "3 months"),
                ("Start date", "1 April 2026"),
                ("Name", "Sam Smith"),
                ("Email address", "sam@example.com"),
                ("Telephone number", "07700900982"),
            ],
            stored: &[
                ("/business-name", r#""Acme Plumbing""#),
                ("/business-address/town", r#""Anytown""#),
            ],
        },
    },
    Journey {
        name: "parking: street not in a zone",
        form: "resident-parking-permit",
        steps: &[step("zone", &[("zone", "none")], "not-in-zone")],
        end: End::Exit {
            slug: "not-in-zone",
            title: "You do not need a parking permit",
        },
    },
];

pub const HOME: &[(&str, &str)] = &[
    ("home-address-line-1", "1 High Street"),
    ("home-address-line-2", ""),
    ("home-address-town", "Anytown"),
    ("home-address-county", ""),
    ("home-address-postcode", "AB1 2CD"),
];
const CONTACT: &[(&str, &str)] = &[("email", "sam@example.com"), ("telephone", "07700 900 982")];
const START_TODAY: &[(&str, &str)] = &[
    ("start-date-day", "28"),
    ("start-date-month", "2"),
    ("start-date-year", "2026"),
];
pub const RESIDENT_ROWS: &[(&str, &str)] = &[
    ("Parking zone", "Zone A: Town centre"),
    ("Permit type", "Resident permit"),
    ("Home address", "1 High Street / Anytown / AB1 2CD"),
    ("Registration number", "CU57 ABC"),
    ("Fully electric vehicle", "Yes"),
    ("Permit length", "12 months"),
    ("Start date", "28 February 2026"),
    ("Name", "Sam Smith"),
    ("Email address", "sam@example.com"),
    ("Telephone number", "07700900982"),
];
const BUSINESS: &[Step] = &[
    step("zone", &[("zone", "c")], "permit-type"),
    step(
        "permit-type",
        &[
            ("permit-type", "business"),
            ("business-name", "Acme Plumbing"),
        ],
        "business-address",
    ),
    step(
        "business-address",
        &[
            ("business-address-line-1", "2 Market Square"),
            ("business-address-town", "Anytown"),
            ("business-address-postcode", "AB1 3EF"),
        ],
        "business-reason",
    ),
    step(
        "business-reason",
        &[("business-reason", "We carry tools")],
        "vehicle-registration",
    ),
    step(
        "vehicle-registration",
        &[("registration", "ab12 cde")],
        "electric-vehicle",
    ),
    step(
        "electric-vehicle",
        &[("electric-vehicle", "no")],
        "permit-length",
    ),
    step(
        "permit-length",
        &[("permit-length", "3-months")],
        "start-date",
    ),
    step(
        "start-date",
        &[
            ("start-date-day", "1"),
            ("start-date-month", "4"),
            ("start-date-year", "2026"),
        ],
        "name",
    ),
    step("name", NAME, "contact-details"),
    step("contact-details", CONTACT, "check-answers"),
];

/// A journey by name.
pub fn journey(name: &str) -> &'static Journey {
    JOURNEYS
        .iter()
        .find(|j| j.name == name)
        .unwrap_or_else(|| panic!("no journey {name}"))
}

/// A page's URL.
pub fn url(form: &str, page: &str) -> String {
    format!("/forms/{form}/{page}")
}

/// Answers steps in order, checking each page shows and each answer leads where the table says.
pub async fn walk(client: &mut TestClient, form: &str, steps: &[Step]) {
    for s in steps {
        answer(client, form, s).await;
    }
}

/// Shows a page, answers it, and checks the redirect.
pub async fn answer(client: &mut TestClient, form: &str, s: &Step) -> Res {
    let page = client.get(&url(form, s.page)).await;
    page.assert_ok();
    assert!(
        page.body
            .contains(&format!("action=\"/forms/{form}/{}\"", s.page)),
        "{form}/{}: not the question page:\n{}",
        s.page,
        page.body
    );
    let res = client.post(&url(form, s.page), s.fields).await;
    res.assert_redirect(&url(form, s.next));
    res
}

/// Walks one journey to its end and checks the end: check answers, sending and the confirmation,
/// or the exit page.
pub async fn check_journey(j: &Journey) {
    let env = TestEnv::new();
    let mut client = env.client();
    let start = client.get(&format!("/forms/{}", j.form)).await;
    start.assert_ok();
    assert!(
        start
            .body
            .contains(&format!("href=\"/forms/{}/{}\"", j.form, j.steps[0].page)),
        "{}: the start button goes to the first page",
        j.name
    );
    walk(&mut client, j.form, j.steps).await;
    match &j.end {
        End::Exit { slug, title } => {
            let exit = client.get(&url(j.form, slug)).await;
            exit.assert_ok();
            assert_eq!(exit.h1(), *title, "{}", j.name);
            assert!(exit.title().starts_with(title), "{}", exit.title());
            let last = j.steps.last().map(|s| s.page).unwrap_or_default();
            assert!(
                exit.body.contains("class=\"govuk-back-link\""),
                "{}: an exit page has a back link",
                j.name
            );
            assert!(
                exit.body
                    .contains(&format!("href=\"/forms/{}/{last}\"", j.form))
            );
            // Nothing to send from an exit page: check answers sends the resident back to it.
            client
                .get(&url(j.form, "check-answers"))
                .await
                .assert_redirect(&url(j.form, slug));
            assert_eq!(env.submission_count(), 0);
        }
        End::Sent { rows, stored } => {
            let check = client.get(&url(j.form, "check-answers")).await;
            check.assert_ok();
            let got = check.summary_rows();
            let want: Vec<(String, String)> = rows
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            assert_eq!(got, want, "{}: check answers rows", j.name);
            let sent = client.post(&url(j.form, "check-answers"), &[]).await;
            sent.assert_redirect(&url(j.form, "confirmation"));
            let confirmation = client.follow(&sent).await;
            confirmation.assert_ok();
            let reference = reference_on(&confirmation);
            assert_eq!(env.submission_count(), 1, "{}", j.name);
            let answers = stored_answers(env.state.0.store.as_ref(), &reference);
            for (pointer, json) in *stored {
                let want: serde_json::Value = serde_json::from_str(json).unwrap();
                assert_eq!(
                    answers.pointer(pointer),
                    Some(&want),
                    "{}: stored {pointer} in {answers}",
                    j.name
                );
            }
            let submission = env.state.0.store.submission(&reference).unwrap().unwrap();
            assert_eq!(submission.form_id, j.form);
            assert_eq!(
                submission.form_version,
                env.state.form(j.form).unwrap().version
            );
        }
    }
}

#[tokio::test]
async fn every_journey_of_every_example_form() {
    for j in JOURNEYS {
        check_journey(j).await;
    }
}

/// The tables reach every page and every exit page of every form in `forms/`.
#[test]
fn journeys_cover_every_page_of_every_form() {
    let env = TestEnv::new();
    let catalog = env.state.catalog();
    let forms: BTreeSet<&str> = catalog.forms.keys().map(String::as_str).collect();
    let walked: BTreeSet<&str> = JOURNEYS.iter().map(|j| j.form).collect();
    assert_eq!(forms, walked, "every example form has journeys");
    for (id, form) in &catalog.forms {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for j in JOURNEYS.iter().filter(|j| j.form == id) {
            for s in j.steps {
                *seen.entry(s.page).or_default() += 1;
                *seen.entry(s.next).or_default() += 1;
            }
        }
        for p in &form.pages {
            assert!(
                seen.contains_key(p.slug.as_str()),
                "{id}: page {} is never walked",
                p.slug
            );
        }
        for e in &form.exits {
            assert!(
                seen.contains_key(e.slug.as_str()),
                "{id}: exit page {} is never reached",
                e.slug
            );
        }
    }
}

/// The age rule on 28 February 2026: 18 today passes; born on 29 February or 1 March 2008 is too
/// young; an impossible date is an error.
#[tokio::test]
async fn age_rule_boundaries() {
    let cases: &[(&str, &str, &str, Result<&str, &str>)] = &[
        ("28", "2", "2008", Ok("name")),
        ("27", "2", "2008", Ok("name")),
        ("29", "2", "2008", Ok("too-young")),
        ("1", "3", "2008", Ok("too-young")),
        ("31", "2", "2000", Err("Date of birth must be a real date")),
        ("1", "3", "2026", Err("Date of birth must be in the past")),
    ];
    let env = TestEnv::new();
    for (day, month, year, want) in cases {
        let mut client = env.client();
        client
            .get(&url("over-18-check", "date-of-birth"))
            .await
            .assert_ok();
        let fields = [
            ("date-of-birth-day", *day),
            ("date-of-birth-month", *month),
            ("date-of-birth-year", *year),
        ];
        let res = client
            .post(&url("over-18-check", "date-of-birth"), &fields)
            .await;
        match want {
            Ok(next) => res.assert_redirect(&url("over-18-check", next)),
            Err(message) => {
                assert_eq!(res.status, StatusCode::OK, "{day}/{month}/{year}");
                assert!(res.title().starts_with("Error: "), "{}", res.title());
                assert!(
                    res.body.contains(message),
                    "{day}/{month}/{year}: {message}\n{}",
                    res.body
                );
            }
        }
    }
}

/// Walks a journey's steps up to (not including) `page`, leaving the client on it.
pub async fn walk_until(client: &mut TestClient, j: &Journey, page: &str) {
    for s in j.steps.iter().take_while(|s| s.page != page) {
        answer(client, j.form, s).await;
    }
    client.get(&url(j.form, page)).await.assert_ok();
}

/// An invalid answer: where it is sent, and what the page must say.
struct ErrorCase {
    /// A journey that passes through `page`.
    journey: &'static str,
    page: &'static str,
    fields: &'static [(&'static str, &'static str)],
    /// The error summary's links (target, message), in order.
    summary: &'static [(&'static str, &'static str)],
    /// Inputs that must get the error style, and inputs that must not.
    error_inputs: &'static [&'static str],
    fine_inputs: &'static [&'static str],
}

const ERROR_CASES: &[ErrorCase] = &[
    ErrorCase {
        journey: "over-18: adult, 18 today",
        page: "date-of-birth",
        fields: &[
            ("date-of-birth-day", "1"),
            ("date-of-birth-month", ""),
            ("date-of-birth-year", "1990"),
        ],
        summary: &[("#date-of-birth-month", "Date of birth must include a month")],
        error_inputs: &["date-of-birth-month"],
        fine_inputs: &["date-of-birth-day", "date-of-birth-year"],
    },
    ErrorCase {
        journey: "over-18: adult, 18 today",
        page: "date-of-birth",
        fields: &[
            ("date-of-birth-day", ""),
            ("date-of-birth-month", "6"),
            ("date-of-birth-year", ""),
        ],
        summary: &[(
            "#date-of-birth-day",
            "Date of birth must include a day and year",
        )],
        error_inputs: &["date-of-birth-day", "date-of-birth-year"],
        fine_inputs: &["date-of-birth-month"],
    },
    ErrorCase {
        journey: "over-18: adult, 18 today",
        page: "date-of-birth",
        fields: &[],
        summary: &[("#date-of-birth-day", "Enter your date of birth")],
        error_inputs: &[
            "date-of-birth-day",
            "date-of-birth-month",
            "date-of-birth-year",
        ],
        fine_inputs: &[],
    },
    ErrorCase {
        journey: "over-18: adult, 18 today",
        page: "date-of-birth",
        fields: &[
            ("date-of-birth-day", "31"),
            ("date-of-birth-month", "2"),
            ("date-of-birth-year", "2000"),
        ],
        summary: &[("#date-of-birth-day", "Date of birth must be a real date")],
        error_inputs: &["date-of-birth-day"],
        fine_inputs: &[],
    },
    ErrorCase {
        journey: "over-18: adult, 18 today",
        page: "name",
        fields: &[
            ("full-name-first-names", "Sam"),
            ("full-name-last-name", "  "),
        ],
        summary: &[("#full-name-last-name", "Enter last name")],
        error_inputs: &["full-name-last-name"],
        fine_inputs: &["full-name-first-names"],
    },
    ErrorCase {
        journey: "over-18: adult, 18 today",
        page: "email",
        fields: &[("email", "sam at example")],
        summary: &[(
            "#email",
            "Enter an email address in the correct format, like name@example.com",
        )],
        error_inputs: &["email"],
        fine_inputs: &[],
    },
    ErrorCase {
        journey: "parking: resident permit",
        page: "zone",
        fields: &[("zone", "")],
        summary: &[("#zone", "Select the parking zone your street is in")],
        error_inputs: &[],
        fine_inputs: &[],
    },
    ErrorCase {
        journey: "parking: resident permit",
        page: "permit-type",
        fields: &[],
        summary: &[("#permit-type", "Select the type of permit you need")],
        error_inputs: &[],
        fine_inputs: &[],
    },
    ErrorCase {
        journey: "parking: visitor permits",
        page: "permit-type",
        fields: &[("permit-type", "visitor"), ("visitor-books", "")],
        summary: &[(
            "#visitor-books",
            "Enter how many books of visitor permits you need",
        )],
        error_inputs: &["visitor-books"],
        fine_inputs: &[],
    },
    ErrorCase {
        journey: "parking: visitor permits",
        page: "permit-type",
        fields: &[("permit-type", "visitor"), ("visitor-books", "9")],
        summary: &[("#visitor-books", "Number of books must be between 1 and 5")],
        error_inputs: &["visitor-books"],
        fine_inputs: &[],
    },
    ErrorCase {
        journey: "parking: resident permit",
        page: "home-address",
        fields: &[
            ("home-address-line-1", ""),
            ("home-address-line-2", "Flat 1"),
            ("home-address-town", ""),
            ("home-address-county", ""),
            ("home-address-postcode", "nope"),
        ],
        summary: &[
            ("#home-address-line-1", "Enter address line 1"),
            ("#home-address-town", "Enter town or city"),
            ("#home-address-postcode", "Enter a full UK postcode"),
        ],
        error_inputs: &[
            "home-address-line-1",
            "home-address-town",
            "home-address-postcode",
        ],
        fine_inputs: &["home-address-line-2", "home-address-county"],
    },
    ErrorCase {
        journey: "parking: resident permit",
        page: "start-date",
        fields: &[
            ("start-date-day", "27"),
            ("start-date-month", "2"),
            ("start-date-year", "2026"),
        ],
        summary: &[(
            "#start-date-day",
            "Start date must be today or in the future",
        )],
        error_inputs: &["start-date-day", "start-date-month", "start-date-year"],
        fine_inputs: &[],
    },
    ErrorCase {
        journey: "parking: resident permit",
        page: "contact-details",
        fields: &[("email", "sam@"), ("telephone", "")],
        summary: &[
            (
                "#email",
                "Enter an email address in the correct format, like name@example.com",
            ),
            ("#telephone", "Enter your telephone number"),
        ],
        error_inputs: &["email", "telephone"],
        fine_inputs: &[],
    },
    ErrorCase {
        journey: "self-build: individual, optional questions left empty",
        page: "areas",
        fields: &[("areas", "north"), ("areas", "no-preference")],
        summary: &[(
            "#areas",
            "Select the areas you would like to build in, or select ‘No preference’",
        )],
        error_inputs: &[],
        fine_inputs: &[],
    },
    ErrorCase {
        journey: "self-build: individual, optional questions left empty",
        page: "bedrooms",
        fields: &[("bedrooms", "three")],
        summary: &[("#bedrooms", "Number of bedrooms must be a number")],
        error_inputs: &["bedrooms"],
        fine_inputs: &[],
    },
];

/// The `<input>` for `name` has the error class.
fn input_has_error(res: &Res, name: &str) -> bool {
    crate::support::input_tag(&res.body, name)
        .unwrap_or_else(|| panic!("no input {name}"))
        .contains("govuk-input--error")
}

/// An invalid answer re-renders the page (200) with "Error: " in the title, an error summary
/// whose links go to the first wrong input, inline messages, error styles, and the values sent.
#[tokio::test]
async fn invalid_answers_show_errors_and_keep_what_was_typed() {
    let env = TestEnv::new();
    for case in ERROR_CASES {
        let j = journey(case.journey);
        let what = format!("{} {:?}", case.page, case.fields);
        let mut client = env.client();
        walk_until(&mut client, j, case.page).await;
        let res = client.post(&url(j.form, case.page), case.fields).await;
        assert_eq!(res.status, StatusCode::OK, "{what}");
        assert!(
            res.title().starts_with("Error: "),
            "{what}: {}",
            res.title()
        );
        let summary: Vec<(String, String)> = case
            .summary
            .iter()
            .map(|(h, m)| ((*h).to_owned(), (*m).to_owned()))
            .collect();
        assert_eq!(res.error_summary(), summary, "{what}");
        // Every link target exists on the page.
        for (href, _) in &summary {
            let id = href.trim_start_matches('#');
            assert!(
                res.body.contains(&format!("id=\"{id}\"")),
                "{what}: no element #{id}"
            );
        }
        let inline: Vec<String> = summary.iter().map(|(_, m)| m.clone()).collect();
        assert_eq!(res.inline_errors(), inline, "{what}: inline messages");
        assert!(
            res.body.matches("govuk-form-group--error").count() >= summary.len(),
            "{what}: error form groups"
        );
        for name in case.error_inputs {
            assert!(
                input_has_error(&res, name),
                "{what}: {name} has the error style"
            );
        }
        for name in case.fine_inputs {
            assert!(
                !input_has_error(&res, name),
                "{what}: {name} has no error style"
            );
        }
        // What was typed is kept, as typed.
        for (name, value) in case.fields {
            if value.trim().is_empty() {
                continue;
            }
            assert!(
                res.input_value(name).as_deref() == Some(*value) || res.is_checked(name, value),
                "{what}: {name}={value} is kept\n{}",
                res.main()
            );
        }
        // Nothing was stored: the page is still the next one to answer.
        let next_page = client.get(&url(j.form, "check-answers")).await;
        next_page.assert_redirect(&url(j.form, case.page));
    }
}

/// Every change link on check answers opens its page with the answer filled in and a back link to
/// check answers; saving it unchanged goes straight back to check answers with the same rows.
#[tokio::test]
async fn change_links_return_to_check_answers() {
    let env = TestEnv::new();
    for j in JOURNEYS {
        let End::Sent { rows, .. } = &j.end else {
            continue;
        };
        let mut client = env.client();
        walk(&mut client, j.form, j.steps).await;
        let check = client.get(&url(j.form, "check-answers")).await;
        let links = check.change_links();
        let pages: Vec<String> = j
            .steps
            .iter()
            .map(|s| format!("{}?change=1", url(j.form, s.page)))
            .collect();
        assert_eq!(
            links, pages,
            "{}: one change link per page answered",
            j.name
        );
        for (link, s) in links.iter().zip(j.steps) {
            let page = client.get(link).await;
            page.assert_ok();
            assert_eq!(
                page.back_link().as_deref(),
                Some(url(j.form, "check-answers").as_str()),
                "{link}"
            );
            assert!(page.body.contains(&format!("action=\"{link}\"")), "{link}");
            for (name, value) in s.fields.iter().filter(|(_, v)| !v.is_empty()) {
                assert!(
                    page.shows_answer(name, value),
                    "{link}: {name}={value} is filled in"
                );
            }
            client
                .post(link, s.fields)
                .await
                .assert_redirect(&url(j.form, "check-answers"));
        }
        let again = client.get(&url(j.form, "check-answers")).await;
        let got = again.summary_rows();
        assert_eq!(got.len(), rows.len(), "{}", j.name);
        assert_eq!(got, check.summary_rows(), "{}: unchanged", j.name);
    }
}

/// A change that alters the route sends the resident through the newly needed pages (still in
/// change mode) and back to check answers; answers that no longer apply are dropped.
#[tokio::test]
async fn changing_the_permit_type_reroutes_and_drops_answers() {
    let env = TestEnv::new();
    let form = "resident-parking-permit";
    let mut client = env.client();
    walk(&mut client, form, journey("parking: resident permit").steps).await;
    let check = client.get(&url(form, "check-answers")).await;
    assert_eq!(
        check.summary_rows(),
        RESIDENT_ROWS
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>()
    );

    // Resident → business: two new pages, then back to check answers.
    let change = format!("{}?change=1", url(form, "permit-type"));
    client.get(&change).await.assert_ok();
    let res = client
        .post(
            &change,
            &[
                ("permit-type", "business"),
                ("business-name", "Acme Plumbing"),
            ],
        )
        .await;
    res.assert_redirect(&format!("{}?change=1", url(form, "business-address")));
    let page = client.follow(&res).await;
    page.assert_ok();
    assert_eq!(page.back_link(), Some(url(form, "check-answers")));
    // Check answers is not reachable until the new pages are answered.
    client
        .get(&url(form, "check-answers"))
        .await
        .assert_redirect(&url(form, "business-address"));
    client
        .post(
            &format!("{}?change=1", url(form, "business-address")),
            &[
                ("business-address-line-1", "2 Market Square"),
                ("business-address-town", "Anytown"),
                ("business-address-postcode", "AB1 3EF"),
            ],
        )
        .await
        .assert_redirect(&format!("{}?change=1", url(form, "business-reason")));
    client
        .post(
            &format!("{}?change=1", url(form, "business-reason")),
            &[("business-reason", "Deliveries")],
        )
        .await
        .assert_redirect(&url(form, "check-answers"));
    let check = client.get(&url(form, "check-answers")).await;
    let keys: Vec<String> = check.summary_rows().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            "Parking zone",
            "Permit type",
            "Business name",
            "Business address",
            "Reason the business needs to park in the zone",
            "Registration number",
            "Fully electric vehicle",
            "Permit length",
            "Start date",
            "Name",
            "Email address",
            "Telephone number",
        ]
    );
    let session = crate::support::session_json(&env.state, &client.session_id()).unwrap();
    let values = &session["journeys"][form]["answers"]["values"];
    assert!(
        values.get("home-address").is_none(),
        "home address dropped: {values}"
    );
    assert!(values.get("business-address").is_some());

    // Business → visitor: the home address is needed again; the vehicle questions are not.
    let res = client
        .post(
            &change,
            &[("permit-type", "visitor"), ("visitor-books", "3")],
        )
        .await;
    res.assert_redirect(&format!("{}?change=1", url(form, "home-address")));
    client
        .post(&format!("{}?change=1", url(form, "home-address")), HOME)
        .await
        .assert_redirect(&url(form, "check-answers"));
    let check = client.get(&url(form, "check-answers")).await;
    let rows = check.summary_rows();
    let keys: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "Parking zone",
            "Permit type",
            "Number of books",
            "Home address",
            "Name",
            "Email address",
            "Telephone number",
        ]
    );
    assert!(!check.body.contains("Acme Plumbing"));
    assert!(!check.body.contains("CU57 ABC"));
    let sent = client.post(&url(form, "check-answers"), &[]).await;
    let confirmation = client.follow(&sent).await;
    let reference = reference_on(&confirmation);
    let answers = stored_answers(env.state.0.store.as_ref(), &reference);
    let names: BTreeSet<&str> = answers
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "zone",
            "permit-type",
            "visitor-books",
            "home-address",
            "full-name",
            "email",
            "telephone"
        ]),
        "only answers on the route are sent"
    );
}

/// Residents can only go where their answers allow: later pages send them to the first
/// unanswered page, exit pages only show when the route ends there, unknown pages are 404s.
#[tokio::test]
async fn residents_go_only_where_the_route_allows() {
    let env = TestEnv::new();
    let form = "over-18-check";
    let mut client = env.client();
    for later in ["name", "email", "check-answers", "too-young"] {
        client
            .get(&url(form, later))
            .await
            .assert_redirect(&url(form, "date-of-birth"));
    }
    // The confirmation page without sending goes back to the start page.
    client
        .get(&url(form, "confirmation"))
        .await
        .assert_redirect(&format!("/forms/{form}"));
    // POSTing a later page does not store it.
    client.get(&url(form, "date-of-birth")).await.assert_ok();
    client
        .post(&url(form, "email"), &[("email", "sam@example.com")])
        .await
        .assert_redirect(&url(form, "date-of-birth"));
    answer(&mut client, form, &step("date-of-birth", ADULT, "name")).await;
    for later in ["email", "check-answers", "too-young"] {
        client
            .get(&url(form, later))
            .await
            .assert_redirect(&url(form, "name"));
    }
    // Earlier pages stay open.
    client.get(&url(form, "date-of-birth")).await.assert_ok();
    // Too young: only the exit page (and the pages answered) can be seen.
    answer(
        &mut client,
        form,
        &step(
            "date-of-birth",
            &[
                ("date-of-birth-day", "29"),
                ("date-of-birth-month", "2"),
                ("date-of-birth-year", "2008"),
            ],
            "too-young",
        ),
    )
    .await;
    client.get(&url(form, "too-young")).await.assert_ok();
    for later in ["name", "email", "check-answers"] {
        client
            .get(&url(form, later))
            .await
            .assert_redirect(&url(form, "too-young"));
    }
    client.get(&url(form, "date-of-birth")).await.assert_ok();

    // Unknown services and pages.
    for path in [
        "/forms/no-such-form",
        "/forms/no-such-form/date-of-birth",
        "/forms/over-18-check/no-such-page",
        "/forms/over-18-check/bundle.json/x",
        "/no-such-page",
    ] {
        let res = client.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(res.h1(), "Page not found", "{path}");
        assert!(res.title().starts_with("Page not found"), "{path}");
        assert!(res.body.contains("govuk-template"), "{path}: a GOV.UK page");
    }
    for path in ["/forms/no-such-form/x", "/forms/over-18-check/no-such-page"] {
        let res = client.post(path, &[]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "POST {path}");
        assert_eq!(res.h1(), "Page not found", "POST {path}");
    }
}

/// A change from check answers that alters the route.
struct RouteChange {
    journey: &'static str,
    page: &'static str,
    fields: &'static [(&'static str, &'static str)],
    /// Newly needed pages answered on the way back (each must be asked in change mode), then
    /// where the resident lands.
    then: &'static [Step],
    lands: &'static str,
    /// Check answers rows that must be gone, and rows that must appear.
    gone: &'static [&'static str],
    added: &'static [&'static str],
    /// Stored answers that must be gone from the session.
    dropped: &'static [&'static str],
}

const ROUTE_CHANGES: &[RouteChange] = &[
    RouteChange {
        journey: "self-build: group, specific plot size, every optional answer",
        page: "applying-as",
        fields: &[("applying-as", "individual")],
        then: &[],
        lands: "check-answers",
        gone: &["Group name", "Number of households in the group"],
        added: &[],
        dropped: &["group-name", "group-households"],
    },
    RouteChange {
        journey: "self-build: individual, optional questions left empty",
        page: "applying-as",
        fields: &[("applying-as", "group")],
        then: &[step(
            "group-details",
            &[("group-name", "Anytown CLT"), ("group-households", "3")],
            "check-answers",
        )],
        lands: "check-answers",
        gone: &[],
        added: &["Group name", "Number of households in the group"],
        dropped: &[],
    },
    RouteChange {
        journey: "self-build: group, specific plot size, every optional answer",
        page: "plot-size",
        fields: &[("plot-size", "small")],
        then: &[],
        lands: "check-answers",
        gone: &["Plot size in square metres"],
        added: &[],
        dropped: &["plot-size-square-metres"],
    },
    RouteChange {
        journey: "self-build: group, specific plot size, every optional answer",
        page: "how-you-heard",
        fields: &[("how-you-heard", "newspaper")],
        then: &[],
        lands: "check-answers",
        gone: &["Where you heard about it"],
        added: &[],
        dropped: &["how-you-heard-other"],
    },
    RouteChange {
        journey: "parking: resident permit",
        page: "permit-type",
        fields: &[("permit-type", "visitor"), ("visitor-books", "1")],
        then: &[],
        lands: "check-answers",
        gone: &[
            "Registration number",
            "Fully electric vehicle",
            "Permit length",
            "Start date",
        ],
        added: &["Number of books"],
        dropped: &[
            "registration",
            "electric-vehicle",
            "permit-length",
            "start-date",
        ],
    },
    RouteChange {
        journey: "parking: visitor permits",
        page: "permit-type",
        fields: &[("permit-type", "resident")],
        then: &[
            step(
                "vehicle-registration",
                &[("registration", "CU57 ABC")],
                "electric-vehicle",
            ),
            step(
                "electric-vehicle",
                &[("electric-vehicle", "yes")],
                "permit-length",
            ),
            step(
                "permit-length",
                &[("permit-length", "6-months")],
                "start-date",
            ),
            step("start-date", START_TODAY, "check-answers"),
        ],
        lands: "check-answers",
        gone: &["Number of books"],
        added: &[
            "Registration number",
            "Fully electric vehicle",
            "Permit length",
            "Start date",
        ],
        dropped: &["visitor-books"],
    },
    RouteChange {
        journey: "parking: resident permit",
        page: "zone",
        fields: &[("zone", "none")],
        then: &[],
        lands: "not-in-zone",
        gone: &[],
        added: &[],
        // At an exit the later answers are kept, so correcting a typo does not mean starting again.
        dropped: &[],
    },
    RouteChange {
        journey: "over-18: adult, 18 today",
        page: "date-of-birth",
        fields: &[
            ("date-of-birth-day", "1"),
            ("date-of-birth-month", "3"),
            ("date-of-birth-year", "2008"),
        ],
        then: &[],
        lands: "too-young",
        gone: &[],
        added: &[],
        dropped: &[],
    },
];

/// Changes that alter the route: newly needed pages are asked (in change mode) before returning
/// to check answers, and answers that no longer apply are neither shown nor kept.
#[tokio::test]
async fn route_changing_changes_from_check_answers() {
    let env = TestEnv::new();
    for c in ROUTE_CHANGES {
        let j = journey(c.journey);
        let what = format!("{}: change {}", j.name, c.page);
        let mut client = env.client();
        walk(&mut client, j.form, j.steps).await;
        let before: Vec<String> = client
            .get(&url(j.form, "check-answers"))
            .await
            .summary_rows()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        let link = format!("{}?change=1", url(j.form, c.page));
        client.get(&link).await.assert_ok();
        let mut res = client.post(&link, c.fields).await;
        for s in c.then {
            let asked = format!("{}?change=1", url(j.form, s.page));
            res.assert_redirect(&asked);
            let page = client.follow(&res).await;
            page.assert_ok();
            assert_eq!(
                page.back_link(),
                Some(url(j.form, "check-answers")),
                "{what}: {asked}"
            );
            res = client.post(&asked, s.fields).await;
        }
        res.assert_redirect(&url(j.form, c.lands));
        let landed = client.follow(&res).await;
        landed.assert_ok();
        let session = crate::support::session_json(&env.state, &client.session_id()).unwrap();
        let values = &session["journeys"][j.form]["answers"]["values"];
        for name in c.dropped {
            assert!(
                values.get(name).is_none(),
                "{what}: {name} dropped from {values}"
            );
        }
        if c.lands != "check-answers" {
            continue;
        }
        let after: Vec<String> = landed.summary_rows().into_iter().map(|(k, _)| k).collect();
        for key in c.gone {
            assert!(
                before.iter().any(|k| k == key),
                "{what}: {key} was shown before"
            );
            assert!(
                !after.iter().any(|k| k == key),
                "{what}: {key} is no longer shown"
            );
        }
        for key in c.added {
            assert!(
                !before.iter().any(|k| k == key),
                "{what}: {key} was not shown before"
            );
            assert!(after.iter().any(|k| k == key), "{what}: {key} is now shown");
        }
        let expected: Vec<&String> = before
            .iter()
            .filter(|k| !c.gone.contains(&k.as_str()))
            .collect();
        let kept: Vec<&String> = after
            .iter()
            .filter(|k| !c.added.contains(&k.as_str()))
            .collect();
        assert_eq!(kept, expected, "{what}: other rows stay, in order");
        // What is sent is what check answers showed.
        let sent = client.post(&url(j.form, "check-answers"), &[]).await;
        let reference = reference_on(&client.follow(&sent).await);
        let stored = stored_answers(env.state.0.store.as_ref(), &reference);
        for name in c.dropped {
            assert!(stored.get(name).is_none(), "{what}: {name} is not sent");
        }
    }
}
