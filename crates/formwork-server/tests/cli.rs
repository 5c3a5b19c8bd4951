//! The `formwork` binary as a user runs it: `check` on the repository and on broken definitions.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn formwork(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_formwork"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run formwork");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_passes_on_the_repository() {
    let (code, stdout, stderr) = formwork(&["check"]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
}

#[test]
fn check_reports_every_broken_fixture_with_file_and_pointer() {
    let dir = root().join("tests/fixtures/broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() > 10,
        "expected broken fixtures in {}",
        dir.display()
    );
    for file in files {
        let rel = file
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let (code, stdout, _) = formwork(&["check", &rel]);
        assert_eq!(code, 1, "{rel} should fail the check");
        assert!(!stdout.trim().is_empty(), "{rel} printed no problems");
        for line in stdout.lines() {
            let (location, message) = line
                .split_once(": ")
                .unwrap_or_else(|| panic!("{rel}: not `FILE:/pointer: message`: {line}"));
            let (path, pointer) = location
                .split_once(':')
                .unwrap_or_else(|| panic!("{rel}: no pointer in {line}"));
            assert_eq!(path, rel, "{line}");
            assert!(pointer.is_empty() || pointer.starts_with('/'), "{line}");
            assert!(!message.trim().is_empty(), "{line}");
        }
    }
}

#[test]
fn check_of_a_missing_path_fails_clearly() {
    let (code, stdout, _) = formwork(&["check", "forms/no-such-form.json"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("forms/no-such-form.json:: no such file or folder"),
        "{stdout}"
    );
}

#[test]
fn serve_refuses_broken_definitions_with_the_same_messages() {
    let tmp = std::env::temp_dir().join(format!("formwork-cli-{}", std::process::id()));
    let forms = tmp.join("forms");
    std::fs::create_dir_all(&forms).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/broken/unknown-component-type.json"),
        forms.join("unknown-component-type.json"),
    )
    .unwrap();
    let forms_arg = forms.to_string_lossy().into_owned();
    let data_arg = tmp.join("data").to_string_lossy().into_owned();
    let (check_code, check_out, _) = formwork(&["check", &forms_arg]);
    let (serve_code, serve_out, _) = formwork(&[
        "serve", "--forms", &forms_arg, "--data", &data_arg, "--port", "0",
    ]);
    assert_eq!(check_code, 1);
    assert_eq!(serve_code, 1);
    assert_eq!(check_out, serve_out);
    std::fs::remove_dir_all(tmp).ok();
}

#[path = "support/db.rs"]
mod db;

#[test]
fn token_create_prints_the_token_once_and_stores_only_its_hash() {
    for b in db::backends() {
        let data = b.dir.path().to_string_lossy().into_owned();
        let mut args = vec![
            "token",
            "create",
            "--form",
            "over-18-check",
            "--data",
            &data,
        ];
        if let Some(url) = &b.url {
            args.extend(["--database", url]);
        }
        let (code, stdout, stderr) = formwork(&args);
        assert_eq!(code, 0, "{}: {stderr}", b.name);
        let token = stdout.lines().last().unwrap().to_owned();
        assert!(token.starts_with("fwk_") && token.len() > 40, "{token}");
        assert_eq!(stdout.lines().count(), 1, "only the token on stdout");
        let store = b.reopen();
        let hash = formwork_server::api::token_hash(&token);
        assert_eq!(
            store.token_form(&hash).unwrap().as_deref(),
            Some("over-18-check")
        );
        assert_eq!(store.token_form(&token).unwrap(), None, "{}", b.name);
        let mut bad = args.clone();
        bad[3] = "no-such-form";
        let (code, _, stderr) = formwork(&bad);
        assert_ne!(code, 0);
        assert!(stderr.contains("no form \"no-such-form\""), "{stderr}");
        let mut retry = vec!["deliveries", "retry", "--data", &data];
        if let Some(url) = &b.url {
            retry.extend(["--database", url]);
        }
        let (code, stdout, stderr) = formwork(&retry);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(stdout.trim(), "0 dead-lettered deliveries queued again");
        // A dead letter, then `deliveries status` and `deliveries retry` on it.
        let reference = store
            .submit(&formwork_server::store::NewSubmission {
                form_id: "over-18-check".into(),
                form_version: "v".into(),
                journey_key: "cli".into(),
                answers_json: "{}".into(),
                created_at: 1,
                deliveries: vec![formwork_server::store::NewDelivery {
                    webhook: "crm".into(),
                    url: "https://example.invalid/".into(),
                    secret_env: "CRM_SECRET".into(),
                }],
            })
            .unwrap();
        let d = store.claim_deliveries("cli", 1_000, 1_000, 1).unwrap();
        assert!(
            store
                .fail_delivery(&d[0].id, "cli", "HTTP 410", None)
                .unwrap()
        );
        let mut status = vec!["deliveries", "status", "--data", &data];
        if let Some(url) = &b.url {
            status.extend(["--database", url]);
        }
        assert_eq!(formwork(&status).1.trim(), "pending 0, delivered 0, dead 1");
        let mut one = retry.clone();
        one.extend(["--id", &d[0].id]);
        let (code, stdout, _) = formwork(&one);
        assert_eq!(
            (code, stdout.trim()),
            (0, "1 dead-lettered delivery queued again")
        );
        assert_eq!(formwork(&status).1.trim(), "pending 1, delivered 0, dead 0");
        assert_eq!(store.deliveries(&reference).unwrap()[0].attempts, 0);
        // Only once every connection is closed: reading the file in this process would drop
        // SQLite's POSIX locks on it.
        drop(store);
        if b.url.is_none() {
            drop(b.store);
            for file in ["submissions.sqlite3", "submissions.sqlite3-wal"] {
                let bytes = std::fs::read(b.dir.path().join(file)).unwrap_or_default();
                let text = String::from_utf8_lossy(&bytes);
                assert!(
                    !text.contains(&token),
                    "the token itself is never stored ({file})"
                );
            }
        }
    }
}

/// One server per SQLite data folder: a second `serve` on the same folder says so and exits,
/// and the folder is free again once the first server is gone (even after kill -9).
#[test]
fn a_second_server_on_one_sqlite_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data").to_string_lossy().into_owned();
    let start = |port: &str| {
        Command::new(env!("CARGO_BIN_EXE_formwork"))
            .args(["serve", "--data", &data, "--port", port])
            .current_dir(root())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut first = start("0");
    // Wait until the first server holds the folder (it has created its store).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !tmp.path().join("data/submissions.sqlite3").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the first server never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let second = start("0").wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("in use by another `formwork serve`"),
        "{stderr}"
    );
    first.kill().unwrap();
    first.wait().unwrap();
    let mut third = start("0");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        third.try_wait().unwrap().is_none(),
        "the folder is free again"
    );
    third.kill().unwrap();
    third.wait().unwrap();
}
