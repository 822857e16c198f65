//! Class 5: bounded everything. Endless and trickling bodies, truncated JSON, a rate-limit wait
//! past the run's deadline, and oversized files each end in a clear error, quickly.

use std::time::{Duration, Instant};

use predicates::prelude::*;

use super::{output, recorded, ADDRESS, CONFIG};
use crate::common::Repo;
use crate::hostile::{Hostile, Reply};

fn drift(hostile: &Hostile, extra: &[&str]) -> (String, Option<i32>, Duration) {
    let repo = recorded();
    let started = Instant::now();
    let out = repo.bckeys_on(&hostile.url).arg("drift").args(extra).output().unwrap();
    (output(&out), out.status.code(), started.elapsed())
}

#[test]
fn an_endless_body_is_cut_at_the_cap() {
    let hostile = Hostile::start(|_| Reply::Endless { bytes: 64 << 20 });
    let (text, code, took) = drift(&hostile, &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("the answer is larger than 4 MiB; bckeys stopped reading it"), "{text}");
    assert_eq!(hostile.count(), 1, "a body too large is not asked for again");
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn a_trickling_body_is_bounded_by_the_timeout() {
    let hostile = Hostile::start(|_| Reply::Trickle { length: 10_000, every: Duration::from_millis(100) });
    let (text, code, took) = drift(&hostile, &["--timeout", "1"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("no answer within 1 s"), "{text}");
    // Six attempts of one second at most, and short backoffs in tests.
    assert!(took < Duration::from_secs(15), "{took:?}");
}

#[test]
fn truncated_json_is_an_error_not_a_hang() {
    let hostile = Hostile::start(|_| {
        Reply::Raw(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"data\": [".to_vec(),
        )
    });
    let (text, code, took) = drift(&hostile, &[]);
    assert_eq!(code, Some(1), "{text}");
    // The first request (a probe, which also tells whether the token is alive) names it.
    let first = bckeys::bigcommerce::probes::PROBES[0].path;
    assert!(text.contains(&format!("GET /stores/abc123def4{first}")), "{text}");
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn a_rate_limit_wait_past_the_deadline_fails_at_once() {
    // The window is spent and resets in 290 s: waiting would stall the run for minutes.
    let hostile = Hostile::start(|_| {
        Reply::status(
            200,
            &[
                ("X-Rate-Limit-Requests-Left", "0"),
                ("X-Rate-Limit-Time-Reset-Ms", "290000"),
                ("X-Rate-Limit-Requests-Quota", "150"),
                ("X-Rate-Limit-Time-Window-Ms", "30000"),
            ],
            r#"{"data":[]}"#,
        )
    });
    let (text, code, took) = drift(&hostile, &["--deadline", "20"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("which would outlast this run's deadline"), "{text}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn oversized_files_are_refused_not_read() {
    let repo = Repo::new();
    repo.write_config(CONFIG);
    let huge = "# padding\n".repeat(7 << 20);
    repo.write("big.txt", &format!("ACCESS TOKEN: t\n{huge}"));
    repo.bckeys_on("http://127.0.0.1:9")
        .args(["import", ADDRESS, "--credentials", "big.txt"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("big.txt: it is larger than 1 MiB"));
    repo.bckeys()
        .args(["import", ADDRESS, "--credentials", "-"])
        .write_stdin(format!("ACCESS TOKEN: t\n{huge}"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("standard input: it is larger than 1 MiB"));
    repo.write("bckeys.yaml", &huge.repeat(10));
    repo.bckeys().arg("validate").assert().code(1).stderr(predicate::str::contains("larger than 64 MiB"));
}

#[test]
fn a_deadline_too_far_to_represent_is_no_deadline_not_a_panic() {
    let repo = recorded();
    repo.bckeys().args(["--deadline", "18446744073709551615", "plan", "--refresh=false"]).assert().code(0);
}
