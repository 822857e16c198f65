//! Class 6: a failed write is a failure. A full disk gives exit 1 with the reason; a closed
//! pipe ends quietly, but never with 0.

use std::io::Read;
use std::process::Stdio;

use super::recorded;

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_on_standard_output_is_exit_1_with_the_reason() {
    let repo = recorded();
    for args in [&["plan", "--refresh=false"][..], &["schema"], &["scopes"], &["reveal", super::ADDRESS]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("bckeys"))
            .current_dir(repo.dir.path())
            .env("BCKEYS_IDENTITY_FILE", &repo.identity)
            .args(args)
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write to standard output: No space left on device"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_closed_pipe_ends_quietly_but_never_with_0() {
    let repo = recorded();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bckeys"))
        .current_dir(repo.dir.path())
        .args(["schema"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before bckeys writes (as `bckeys schema | head -0` would).
    drop(child.stdout.take());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(stderr, "", "a closed pipe is not worth a message");
}

#[test]
fn a_usage_error_exits_1_never_the_2_of_found_changes() {
    let repo = recorded();
    for args in [&["drift", "--bogus"][..], &["plan", "--detailed-exitcode", "--timeout", "abc"], &["nonsense"]] {
        let out = repo.bckeys().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("error:"), "{args:?}");
    }
    repo.bckeys().arg("--help").assert().code(0).stdout(predicates::str::contains("Usage: bckeys"));
}

#[cfg(target_os = "linux")]
#[test]
fn help_and_version_that_can_not_be_written_exit_1() {
    for arg in ["--help", "--version"] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("bckeys"))
            .arg(arg)
            .stdout(full)
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(1), "{arg}");
    }
}
