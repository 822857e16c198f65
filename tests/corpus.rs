//! The corpus of broken configurations, checked against the real binary.
//!
//! Every `tests/corpus/NN-short-name.yaml` breaks exactly one rule of DESIGN section 3 and is
//! otherwise valid. Next to it, `tests/corpus/NN-short-name.stderr` holds exactly what
//!
//!     NO_COLOR=1 bckeys validate --config tests/corpus/NN-short-name.yaml
//!
//! run from the crate root must print on standard error (with `--strict` when the name has
//! `-strict-` in it: a warning that only --strict makes fatal). Each case must also exit with code 1
//! and print nothing on standard output. Recipients files used by the cases live in
//! `tests/corpus/keys/`.
//!
//! Blessing: to add a case, or after deliberately changing a message, run
//!
//!     BCKEYS_BLESS=1 cargo test --test corpus
//!
//! which rewrites every `.stderr` file from the binary's actual output instead of comparing
//! (exit code and empty stdout are still checked, and `.stderr` files without a `.yaml` are
//! deleted). Then READ `git diff tests/corpus`: each message must name the right line and
//! column, say what is wrong and what to write instead.
//!
//! A second test checks that every `examples/*.yaml` validates (exit code 0).

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

/// The corpus must not silently shrink.
const MIN_CASES: usize = 30;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn blessing() -> bool {
    std::env::var_os("BCKEYS_BLESS").is_some_and(|v| v == "1")
}

/// The files of `dir` (relative to the crate root) whose names end with `suffix`, sorted.
fn files_ending_with(dir: &str, suffix: &str) -> Vec<String> {
    let path = root().join(dir);
    let mut names: Vec<String> = fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
        .filter(|n| n.ends_with(suffix))
        .collect();
    names.sort();
    names
}

/// Runs `bckeys validate --config <config>` from the crate root, without colors, and returns
/// (exit code, stdout, stderr). A case whose name has `-strict-` in it breaks a rule that only
/// `--strict` enforces (a warning), and is run with it.
fn validate(config: &str) -> (Option<i32>, String, String) {
    let mut args = vec!["validate", "--config", config];
    if config.contains("-strict-") {
        args.push("--strict");
    }
    let output = Command::cargo_bin("bckeys")
        .expect("the bckeys binary is built")
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("BCKEYS_CONFIG")
        .env_remove("CLICOLOR_FORCE")
        .args(&args)
        .output()
        .expect("bckeys runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn every_broken_config_fails_with_its_exact_message() {
    let bless = blessing();
    let cases = files_ending_with("tests/corpus", ".yaml");
    assert!(cases.len() >= MIN_CASES, "tests/corpus holds {} cases; at least {MIN_CASES} are expected", cases.len());

    let mut failures: Vec<String> = Vec::new();
    for case in &cases {
        let config = format!("tests/corpus/{case}");
        if !case.as_bytes().iter().take(2).all(u8::is_ascii_digit) || case.as_bytes().get(2) != Some(&b'-') {
            failures.push(format!("{config}: case files are named NN-short-name.yaml"));
        }
        let stem = case.strip_suffix(".yaml").expect("a .yaml file");
        let stderr_name = format!("tests/corpus/{stem}.stderr");
        let stderr_file: PathBuf = root().join(&stderr_name);
        let (code, stdout, stderr) = validate(&config);

        if code != Some(1) {
            failures.push(format!("{config}: exit code {code:?}, expected 1\n--- stderr:\n{stderr}"));
        }
        if predicate::str::is_empty().not().eval(stdout.as_str()) {
            failures.push(format!("{config}: standard output should be empty, got:\n{stdout}"));
        }

        if bless {
            fs::write(&stderr_file, &stderr).unwrap_or_else(|e| panic!("cannot write {}: {e}", stderr_file.display()));
            continue;
        }
        let expected = match fs::read_to_string(&stderr_file) {
            Ok(text) => text.replace("\r\n", "\n"),
            Err(e) => {
                failures.push(format!(
                    "{config}: cannot read the expected output {} ({e}); \
                     run `BCKEYS_BLESS=1 cargo test --test corpus` to write it, then read it",
                    stderr_name
                ));
                continue;
            }
        };
        if !predicate::str::diff(expected.clone()).eval(stderr.as_str()) {
            failures.push(format!(
                "{config}: standard error differs from {}\n--- expected:\n{expected}--- actual:\n{stderr}---",
                stderr_name
            ));
        }
    }

    // A .stderr file whose .yaml is gone would never be checked.
    for stderr_name in files_ending_with("tests/corpus", ".stderr") {
        let yaml = format!("{}.yaml", stderr_name.strip_suffix(".stderr").expect("a .stderr file"));
        if !cases.contains(&yaml) {
            let path = root().join("tests/corpus").join(&stderr_name);
            if bless {
                fs::remove_file(&path).unwrap_or_else(|e| panic!("cannot remove {}: {e}", path.display()));
            } else {
                failures
                    .push(format!("tests/corpus/{stderr_name} has no tests/corpus/{yaml}: remove it or add the case"));
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} problem(s) in the corpus of {} cases (BCKEYS_BLESS=1 rewrites the .stderr files; read them after):\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_example_validates() {
    let examples = files_ending_with("examples", ".yaml");
    assert!(!examples.is_empty(), "examples/ holds no .yaml file");
    let mut failures: Vec<String> = Vec::new();
    for example in &examples {
        let config = format!("examples/{example}");
        let (code, stdout, stderr) = validate(&config);
        if code != Some(0) {
            failures.push(format!(
                "{config}: exit code {code:?}, expected 0\n--- stdout:\n{stdout}--- stderr:\n{stderr}---"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples failed:\n\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n\n")
    );
}
