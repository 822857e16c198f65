//! Class 10: apply converges. A second `apply --credentials` after a failed proof goes on with
//! the given file instead of refusing for ever; a capture of other credentials is named for
//! deletion. (Token intents: `resources::a_failed_token_replacement_keeps_the_old_token_recorded`
//! and `resources::a_token_created_but_not_recorded_is_reported_not_forgotten`.)

use predicates::prelude::*;

use super::{ADDRESS, CONFIG};
use crate::common::{field, Repo};
use crate::live::Sandbox;

fn apply_with(repo: &Repo, sandbox: &Sandbox, file: &str) -> assert_cmd::assert::Assert {
    repo.bckeys_on(&sandbox.url)
        .args(["apply", "--auto-approve", "--non-interactive", "--refresh=false"])
        .args(["--credentials", &format!("{ADDRESS}={file}")])
        .assert()
}

#[test]
fn rerunning_apply_with_the_same_credentials_after_a_failed_proof_records_them() {
    let sandbox = Sandbox::start("stores: {abc123def4: {}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    let credentials = sandbox.create_account("erp-sync", &["store_v2_products_read_only"]);
    repo.write("erp-sync.txt", &credentials);
    // BigCommerce fails every request for a while: the proof can't be made.
    sandbox.fault(serde_json::json!({"store_hash": "abc123def4", "kind": "status", "status": 503, "count": 1000}));
    apply_with(&repo, &sandbox, "erp-sync.txt").code(3).stdout(predicate::str::contains("nothing was recorded"));
    assert!(repo.path("secrets/store/production/erp-sync.captured.age").exists(), "kept captured");
    sandbox.panel("DELETE", "/__sandbox/faults", serde_json::Value::Null);
    apply_with(&repo, &sandbox, "erp-sync.txt")
        .code(0)
        .stdout(predicate::str::contains(format!("done: created {ADDRESS}")))
        .stdout(predicate::str::contains("review:").not());
    assert!(!repo.path("secrets/store/production/erp-sync.captured.age").exists());
    assert_eq!(repo.client_id(ADDRESS).as_deref(), Some(field(&credentials, "CLIENT ID")));
}

#[test]
fn other_credentials_given_after_a_parked_capture_win_and_the_capture_is_named() {
    let sandbox = Sandbox::start("stores: {abc123def4: {}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    let first = sandbox.create_account("erp-sync", &["store_v2_products_read_only"]);
    repo.write("first.txt", &first);
    sandbox.fault(serde_json::json!({"store_hash": "abc123def4", "kind": "status", "status": 503, "count": 1000}));
    apply_with(&repo, &sandbox, "first.txt").code(3);
    sandbox.panel("DELETE", "/__sandbox/faults", serde_json::Value::Null);
    let second = sandbox.create_account("erp-sync", &["store_v2_products_read_only"]);
    repo.write("second.txt", &second);
    apply_with(&repo, &sandbox, "second.txt")
        .code(0)
        .stdout(predicate::str::contains(format!("done: created {ADDRESS}")))
        .stdout(predicate::str::contains(format!(
            "if the API account with client ID {} exists in the control panel, delete it",
            field(&first, "CLIENT ID")
        )));
    assert_eq!(repo.client_id(ADDRESS).as_deref(), Some(field(&second, "CLIENT ID")));
}
