//! Class 9: odd input. A byte order mark is accepted, a bad timestamp in the state is a located
//! error, control characters never reach the terminal, loose identity files get a warning, and
//! an API base that merely answers on the sandbox's paths is not trusted as a sandbox.

use predicates::prelude::*;

use super::{output, recorded, ADDRESS, CONFIG};
use crate::common::Repo;
use crate::hostile::{Hostile, Reply};

#[test]
fn a_byte_order_mark_is_accepted_in_the_configuration_and_the_state() {
    let repo = recorded();
    let config = repo.read("bckeys.yaml");
    repo.write("bckeys.yaml", &format!("\u{feff}{config}"));
    repo.bckeys().arg("validate").assert().success();
    let state = repo.read("bckeys.state.yaml");
    repo.write("bckeys.state.yaml", &format!("\u{feff}{state}"));
    repo.bckeys().args(["plan", "--refresh=false"]).assert().success().stdout(predicate::str::contains("No changes"));
}

#[test]
fn an_unreadable_timestamp_in_the_state_is_a_located_error() {
    let repo = recorded();
    let state = repo.read("bckeys.state.yaml");
    let line = state.lines().position(|l| l.contains("created_at:")).unwrap() + 1;
    repo.write("bckeys.state.yaml", &state.replace("2026-11-01T00:00:00Z", "next tuesday"));
    repo.bckeys().args(["plan", "--refresh=false"]).assert().code(1).stderr(predicate::str::contains(format!(
        "bckeys.state.yaml:{line}:17: `{ADDRESS}`: created_at `next tuesday` is not an RFC 3339 timestamp"
    )));
}

#[test]
fn an_unreadable_intent_timestamp_is_located_too() {
    let repo = recorded();
    let state = repo.read("bckeys.state.yaml").replace(
        "serial:",
        "intents:\n  store/production/storefront-token/web:\n  - expires_at: 2099-01-01T00:00:00Z\n    started_at: yesterday\nserial:",
    );
    let line = state.lines().position(|l| l.contains("started_at: yesterday")).unwrap() + 1;
    repo.write("bckeys.state.yaml", &state);
    repo.bckeys().args(["plan", "--refresh=false"]).assert().code(1).stderr(predicate::str::contains(format!(
        "bckeys.state.yaml:{line}:17: `store/production/storefront-token/web`: intent started_at `yesterday` is not an RFC 3339 timestamp"
    )));
}

#[test]
fn control_characters_in_the_configuration_are_refused_with_their_place() {
    let repo = Repo::new();
    let config = CONFIG.replace(
        "        scopes: {products: read-only}\n",
        "        scopes: {products: read-only}\n        webhooks:\n          hook:\n            scope: store/order/created\n            destination: \"https://erp.example.com/\\e[2J\\e]0;pwned\\a\"\n",
    );
    repo.write_config(&config);
    repo.bckeys()
        .arg("validate")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bckeys.yaml:13:26: `stores.production.api_accounts.erp-sync.webhooks.hook.destination` holds a control character"))
        .stderr(predicate::str::contains("\\x1b[2J"))
        .stderr(predicate::str::contains("\u{1b}").not());
}

#[test]
fn control_characters_in_the_state_are_refused_with_their_place() {
    let repo = recorded();
    let state = repo.read("bckeys.state.yaml");
    let line = state.lines().position(|l| l.contains("name: erp-sync")).unwrap() + 1;
    repo.write("bckeys.state.yaml", &state.replace("name: erp-sync", "name: \"erp-sync\\e[2J\""));
    repo.bckeys().args(["plan", "--refresh=false"]).assert().code(1).stderr(predicate::str::contains(format!(
        "bckeys.state.yaml:{line}:11: `resources.{ADDRESS}.name` holds a control character (erp-sync\\x1b[2J)"
    )));
}

#[test]
fn control_characters_from_the_api_are_escaped() {
    let hostile = Hostile::start(|_| {
        Reply::status(422, &[], r#"{"status":422,"title":"\u001b[2J\u001b]0;owned\u0007 \u009b31m red","errors":{}}"#)
    });
    let repo = recorded();
    let out = repo.bckeys_on(&hostile.url).arg("drift").output().unwrap();
    let text = output(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("\\x1b[2J\\x1b]0;owned\\x07 \\x9b31m red"), "{text}");
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
}

#[cfg(unix)]
#[test]
fn an_identity_file_others_can_read_gets_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let repo = recorded();
    std::fs::set_permissions(&repo.identity, std::fs::Permissions::from_mode(0o644)).unwrap();
    repo.bckeys()
        .env("BCKEYS_IDENTITY_FILE", &repo.identity)
        .args(["reveal", ADDRESS])
        .assert()
        .success()
        .stderr(predicate::str::contains("can be read by others on this machine (mode 0644): run `chmod 600"));
    std::fs::set_permissions(&repo.identity, std::fs::Permissions::from_mode(0o600)).unwrap();
    repo.bckeys().env("BCKEYS_IDENTITY_FILE", &repo.identity).args(["reveal", ADDRESS]).assert().success().stderr("");
}

#[test]
fn an_api_base_that_answers_like_a_sandbox_is_not_trusted_as_one() {
    // It answers the sandbox's health check and would "create" accounts with credentials of its
    // choosing; without --sandbox-panel it is never asked.
    let hostile = Hostile::start(|r| match r.target.as_str() {
        "/__sandbox/health" => Reply::status(200, &[], "{}"),
        t if t.starts_with("/__sandbox/") => {
            Reply::status(201, &[("Content-Type", "text/plain")], "ACCESS TOKEN: evil\n")
        }
        _ => Reply::status(200, &[], r#"{"data":[]}"#),
    });
    let repo = Repo::new();
    repo.write_config(CONFIG);
    repo.bckeys_on(&hostile.url)
        .args(["apply", "--auto-approve", "--non-interactive", "--refresh=false"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("a person must create it in the control panel"));
    assert!(hostile.seen().iter().all(|r| !r.target.starts_with("/__sandbox")), "{:?}", hostile.seen());
}

#[test]
fn a_saved_plan_with_control_characters_is_refused() {
    let repo = Repo::new();
    repo.write_config(CONFIG);
    repo.bckeys().args(["plan", "--refresh=false", "--out", "plan.json"]).assert().success();
    let plan = repo.read("plan.json");
    let reason = plan.find("\"reason\": \"").unwrap() + 11;
    repo.write("plan.json", &format!("{}\\u001b]0;owned\\u0007{}", &plan[..reason], &plan[reason..]));
    repo.bckeys()
        .args(["apply", "plan.json", "--non-interactive", "--auto-approve"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("plan.json is not a bckeys saved plan: it holds a control character"));
}
