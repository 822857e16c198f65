//! Class 3: `exec` hands the command its one credential and nothing that opens others, and the
//! signals that would end bckeys reach the command (see also `secrets::exec_reports_a_signal_*`).

use predicates::prelude::*;

use super::{recorded, ADDRESS};

#[test]
fn exec_hands_the_command_no_identity() {
    let repo = recorded();
    let key = std::fs::read_to_string(&repo.identity).unwrap();
    let key = key.lines().find(|l| l.starts_with("AGE-SECRET-KEY-")).unwrap().to_owned();
    for (name, value) in [("BCKEYS_IDENTITY_FILE", repo.identity.display().to_string()), ("BCKEYS_IDENTITY", key)] {
        repo.bckeys().env(name, value).args(["exec", ADDRESS, "--", "sh", "-c", "env"]).assert().success().stdout(
            predicate::str::contains("BIGCOMMERCE_ACCESS_TOKEN=access-token-t")
                .and(predicate::str::contains("BCKEYS_IDENTITY").not())
                .and(predicate::str::contains("AGE-SECRET-KEY").not()),
        );
    }
}

#[cfg(unix)]
#[test]
fn a_terminated_bckeys_leaves_no_command_running_behind_it() {
    use std::time::{Duration, Instant};
    let repo = recorded();
    let marker = repo.path("child.pid");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bckeys"))
        .current_dir(repo.dir.path())
        .env("BCKEYS_IDENTITY_FILE", &repo.identity)
        .args(["exec", ADDRESS, "--", "sh", "-c"])
        .arg(format!("echo $$ > {}; trap 'exit 42' TERM; sleep 30 & wait", marker.display()))
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !marker.exists() || std::fs::read_to_string(&marker).unwrap().trim().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "the command never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid: i32 = std::fs::read_to_string(&marker).unwrap().trim().parse().unwrap();
    // As a CI runner cancels a job: SIGTERM to bckeys alone.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(42), "bckeys ends with the command's code");
    assert_ne!(unsafe { libc::kill(pid, 0) }, 0, "the command is gone");
}
