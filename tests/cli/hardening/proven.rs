//! Class 8: what was proven stays proven. A secret file that is not the recorded one (a valid
//! age file for the right recipient, with another token in it) is used by no command; apply's
//! re-encryption reports what a removed recipient could read, as `bckeys rekey` does.

use predicates::prelude::*;

use super::{output, recorded, ADDRESS, CONFIG};
use crate::common::{save_state, store_account, Repo};
use crate::hostile::{Hostile, Reply};

/// Replaces erp-sync's secret file with a forged one holding `forged-token`.
fn forge(repo: &Repo) {
    let recipients = repo.recipients(&[]);
    let forged = repo.secret(&crate::common::addr(ADDRESS), &recipients, "forged");
    assert_ne!(forged.sha256, "", "a new file was written");
}

#[test]
fn a_forged_secret_file_is_used_by_no_command() {
    let hostile = Hostile::start(|_| Reply::status(200, &[], r#"{"data":[]}"#));
    let repo = recorded();
    forge(&repo);
    // Refresh (plan, drift): reported as modified, and nothing is asked with the forged token.
    let out = repo.bckeys_on(&hostile.url).arg("drift").output().unwrap();
    let text = output(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("does not match the SHA-256 recorded"), "{text}");
    let plan = repo.bckeys_on(&hostile.url).arg("plan").output().unwrap();
    assert!(output(&plan).contains("does not match the SHA-256 recorded"), "{}", output(&plan));
    assert!(
        hostile.seen().iter().all(|r| r.header("x-auth-token") != Some("access-token-forged")),
        "{:?}",
        hostile.seen()
    );
    // reveal and exec refuse it.
    for args in [&["reveal", ADDRESS][..], &["exec", ADDRESS, "--", "true"]] {
        repo.bckeys_on(&hostile.url)
            .args(args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("does not match the SHA-256 recorded in the state"))
            .stdout(predicate::str::contains("forged").not());
    }
}

#[test]
fn apply_checks_the_file_before_using_its_token() {
    // erp-sync is removed from the configuration: apply deletes it, which needs its token to
    // watch for the 401. With a forged file, the token is not used.
    let hostile = Hostile::start(|_| Reply::status(401, &[], r#"{"title":"gone"}"#));
    let repo = recorded();
    forge(&repo);
    repo.write_config(&CONFIG.replace(
        "    api_accounts:\n      erp-sync:\n        scopes: {products: read-only}\n",
        "    api_accounts: {}\n",
    ));
    let out = repo
        .bckeys_on(&hostile.url)
        .args(["apply", "--auto-approve", "--non-interactive", "--refresh=false"])
        .output()
        .unwrap();
    let text = output(&out);
    assert!(text.contains("does not match the SHA-256 recorded"), "{text}");
    assert!(hostile.seen().iter().all(|r| r.header("x-auth-token") != Some("access-token-forged")));
    assert!(repo.state().resources.contains_key(&crate::common::addr(ADDRESS)), "the record stays");
}

#[test]
fn apply_reports_what_a_removed_recipient_could_read_as_rekey_does() {
    let removed = Repo::new().recipient;
    let make = || {
        let repo = Repo::new();
        let both = repo.recipients(&[&removed]);
        save_state(&repo, vec![store_account(&repo, ADDRESS, &["store_v2_products_read_only"], &both)]);
        repo.write_config(CONFIG);
        repo
    };
    let by_apply = make();
    let out = by_apply
        .bckeys_on("http://127.0.0.1:9")
        .args(["apply", "--auto-approve", "--non-interactive", "--refresh=false"])
        .output()
        .unwrap();
    let applied = output(&out);
    assert_eq!(out.status.code(), Some(0), "{applied}");
    let by_rekey = make();
    let rekeyed = output(&by_rekey.bckeys_on("http://127.0.0.1:9").arg("rekey").output().unwrap());
    let exposed = format!("Exposed: 1 credential could be read by a recipient that is no longer configured:\n  {ADDRESS}  readable by the removed {removed}\n");
    assert!(applied.contains(&exposed), "{applied}");
    assert!(rekeyed.contains(&exposed), "{rekeyed}");
    // The same words, to the end of the warning.
    let tail = |t: &str| t[t.find("Exposed:").unwrap()..].lines().take(4).collect::<Vec<_>>().join("\n");
    assert_eq!(tail(&applied), tail(&rekeyed));
    let json = output(
        &make()
            .bckeys_on("http://127.0.0.1:9")
            .args(["apply", "--auto-approve", "--non-interactive", "--refresh=false", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert!(json.contains("\"exposure\": \"removed\""), "{json}");
    assert!(json.contains(&removed), "{json}");
}
