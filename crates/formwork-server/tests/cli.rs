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
