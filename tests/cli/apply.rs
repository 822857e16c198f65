//! `bckeys apply` end to end against the sandbox: guided steps printed without a terminal,
//! credentials given as files, create-before-destroy replacement, guided deletion that waits
//! for BigCommerce to reject the token, saved plans, and the repository lock.

use predicates::prelude::*;

use crate::common::{field, Repo};
use crate::live::Sandbox;

const CONFIG: &str = r#"version: 1
encryption:
  recipients: [RECIPIENT]
stores:
  production:
    store_hash: abc123def4
    api_accounts:
      erp-sync:
        scopes: {products: modify, orders: read-only}
"#;

fn setup() -> (Repo, Sandbox) {
    let sandbox = Sandbox::start("stores: {abc123def4: {quota: 1000, window_ms: 30000}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    (repo, sandbox)
}

fn bckeys(repo: &Repo, sandbox: &Sandbox) -> assert_cmd::Command {
    repo.bckeys_on(&sandbox.url)
}

/// apply with no person and no simulated control panel: guided steps can only be printed.
fn apply_alone(repo: &Repo, sandbox: &Sandbox, extra: &[&str]) -> assert_cmd::assert::Assert {
    bckeys(repo, sandbox)
        .args(["apply", "--auto-approve", "--non-interactive", "--sandbox-panel=false", "--delete-timeout", "0"])
        .args(extra)
        .assert()
}

#[test]
fn without_a_terminal_guided_steps_are_printed_and_apply_exits_3() {
    let (repo, sandbox) = setup();
    apply_alone(&repo, &sandbox, &[])
        .code(3)
        .stdout(predicate::str::contains("Settings > Store-level API accounts"))
        .stdout(predicate::str::contains("V2/V3 API token"))
        .stdout(predicate::str::contains("Name: erp-sync"))
        .stdout(predicate::str::contains("Orders: read-only"))
        .stdout(predicate::str::contains("Products: modify"))
        .stdout(predicate::str::contains("leave every other scope at None"));
    assert!(!repo.path("bckeys.state.yaml").exists(), "nothing recorded");

    let out = bckeys(&repo, &sandbox)
        .args(["apply", "--auto-approve", "--non-interactive", "--sandbox-panel=false", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    let json = &text[text.find("{\n  \"format_version\"").expect("a JSON report after the plan")..];
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(doc["pending"][0]["address"], "store/production/erp-sync");
    assert_eq!(doc["pending"][0]["action"], "create");
    assert!(doc["pending"][0]["steps"].as_array().unwrap().len() >= 5);

    let out = bckeys(&repo, &sandbox)
        .args(["apply", "--auto-approve", "--non-interactive", "--sandbox-panel=false", "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).contains("#### `store/production/erp-sync`: create"));
}

#[test]
fn confirmation_is_required_without_auto_approve() {
    let (repo, sandbox) = setup();
    bckeys(&repo, &sandbox).args(["apply"]).assert().code(1).stderr(predicate::str::contains("--auto-approve"));
    assert!(!repo.path("bckeys.state.yaml").exists());
}

#[test]
fn credentials_files_create_replace_and_delete_create_before_destroy() {
    let (repo, sandbox) = setup();
    let first = sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only"]);
    repo.write("erp.txt", &first);
    apply_alone(&repo, &sandbox, &["--credentials", "store/production/erp-sync=erp.txt"])
        .code(0)
        .stdout(predicate::str::contains("Apply finished: 1 done"));
    bckeys(&repo, &sandbox).arg("drift").assert().code(0);

    // A scope change: the new account is recorded first; the old one waits for its deletion.
    repo.write_config(&CONFIG.replace("orders: read-only", "orders: read-only, customers: read-only"));
    let second = sandbox.create_account(
        "erp-sync",
        &["store_v2_products", "store_v2_orders_read_only", "store_v2_customers_read_only"],
    );
    repo.write("erp2.txt", &second);
    apply_alone(&repo, &sandbox, &["--credentials", "store/production/erp-sync=erp2.txt"])
        .code(3)
        .stdout(predicate::str::contains("(previous account)"));
    let state = repo.read("bckeys.state.yaml");
    assert!(state.contains("retiring:"), "{state}");
    assert!(state.contains(field(&second, "CLIENT ID")), "the new account is recorded");
    assert!(repo.path("secrets/store/production/erp-sync.retiring.age").exists());
    // The person deletes the old account; the next apply sees the 401 and drops it.
    sandbox.panel(
        "DELETE",
        &format!("/__sandbox/api-accounts/{}", field(&first, "CLIENT ID")),
        serde_json::Value::Null,
    );
    apply_alone(&repo, &sandbox, &[])
        .code(0)
        .stdout(predicate::str::contains("done: deleted store/production/erp-sync (previous account)"));
    assert!(repo.state().retiring.is_empty());
    assert!(!repo.path("secrets/store/production/erp-sync.retiring.age").exists());
    bckeys(&repo, &sandbox).arg("drift").assert().code(0);

    // Removed from the configuration: deleted once BigCommerce rejects it, kept until then.
    repo.write_config(&CONFIG.replace("stores:\n  production:\n    store_hash: abc123def4\n    api_accounts:\n      erp-sync:\n        scopes: {products: modify, orders: read-only}\n", "stores: {}\n"));
    apply_alone(&repo, &sandbox, &[]).code(3);
    assert!(repo.client_id("store/production/erp-sync").is_some(), "kept until BigCommerce rejects it");
    sandbox.panel(
        "DELETE",
        &format!("/__sandbox/api-accounts/{}", field(&second, "CLIENT ID")),
        serde_json::Value::Null,
    );
    apply_alone(&repo, &sandbox, &[]).code(0);
    assert!(repo.state().resources.is_empty() && repo.state().retiring.is_empty());
    assert!(!repo.path("secrets/store/production/erp-sync.age").exists());
}

#[test]
fn mismatched_credentials_are_not_recorded_without_a_person() {
    let (repo, sandbox) = setup();
    let wrong = sandbox.create_account("erp-sync", &["store_v2_products"]);
    repo.write("erp.txt", &wrong);
    apply_alone(&repo, &sandbox, &["--credentials", "store/production/erp-sync=erp.txt"])
        .code(3)
        .stdout(predicate::str::contains("configured but not granted: Orders (orders)"));
    assert!(!repo.path("bckeys.state.yaml").exists());
    assert!(!repo.path("secrets/store/production/erp-sync.age").exists());
}

#[test]
fn saved_plans_apply_exactly_and_refuse_when_stale() {
    let (repo, sandbox) = setup();
    bckeys(&repo, &sandbox).args(["plan", "--out", "plan.json"]).assert().success();
    let saved = repo.read("plan.json");
    assert!(saved.contains("\"kind\": \"bckeys-saved-plan\"") && saved.contains("store/production/erp-sync"));
    // The sandbox's control panel carries the guided creation out.
    bckeys(&repo, &sandbox).args(["apply", "plan.json", "--auto-approve", "--sandbox-panel"]).assert().code(0);
    // Applying the same file again: the state moved on.
    bckeys(&repo, &sandbox)
        .args(["apply", "plan.json", "--auto-approve", "--sandbox-panel"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is stale").and(predicate::str::contains("serial")));
    // A plan made, then the configuration's meaning changed: stale.
    repo.write_config(&CONFIG.replace("orders: read-only", "orders: read-only, customers: read-only"));
    bckeys(&repo, &sandbox).args(["plan", "--out", "plan2.json"]).assert().success();
    repo.write_config(&CONFIG.replace("orders: read-only", "orders: read-only, themes: read-only"));
    bckeys(&repo, &sandbox)
        .args(["apply", "plan2.json", "--sandbox-panel"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("configuration changed"));
    // A comment, another quoting and another layout mean the same: the plan still applies,
    // and the saved plan is the approval (no question, no --auto-approve).
    let same = CONFIG
        .replace("orders: read-only", "orders: read-only, customers: read-only")
        .replace("    store_hash: abc123def4\n", "    # the production store\n    store_hash: \"abc123def4\"\n")
        .replace(
            "scopes: {products: modify, orders: read-only, customers: read-only}",
            "scopes:\n          customers: read-only\n          products: modify\n          orders: read-only",
        );
    repo.write_config(&same);
    bckeys(&repo, &sandbox)
        .args(["apply", "plan2.json", "--sandbox-panel"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Apply finished"));
}

#[test]
fn a_second_apply_is_refused_while_the_first_holds_the_lock() {
    let (repo, sandbox) = setup();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".into());
    repo.write("bckeys.lock", &format!("{} {host}\n", std::process::id()));
    bckeys(&repo, &sandbox)
        .args(["apply", "--auto-approve", "--sandbox-panel"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("another bckeys"));
    // A lock left by a process that is gone is taken over.
    repo.write("bckeys.lock", &format!("4194303999 {host}\n"));
    bckeys(&repo, &sandbox).args(["apply", "--auto-approve", "--sandbox-panel"]).assert().code(0);
    assert!(!repo.path("bckeys.lock").exists());
}

#[test]
fn a_second_replacement_waits_for_the_first_ones_deletion() {
    let (repo, sandbox) = setup();
    let first = sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only"]);
    repo.write("a.txt", &first);
    apply_alone(&repo, &sandbox, &["--credentials", "store/production/erp-sync=a.txt"]).code(0);
    // First replacement: the old account waits for its deletion.
    repo.write_config(&CONFIG.replace("orders: read-only", "orders: read-only, customers: read-only"));
    let second = sandbox.create_account(
        "erp-sync",
        &["store_v2_products", "store_v2_orders_read_only", "store_v2_customers_read_only"],
    );
    repo.write("b.txt", &second);
    apply_alone(&repo, &sandbox, &["--credentials", "store/production/erp-sync=b.txt"]).code(3);
    let retiring = repo.read("secrets/store/production/erp-sync.retiring.age");
    // Second replacement before the first account is deleted: it must not push the first one
    // out of the state (its credential would be lost while the account lives).
    repo.write_config(&CONFIG.replace("orders: read-only", "orders: read-only, themes: read-only"));
    let third = sandbox
        .create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only", "store_themes_read_only"]);
    repo.write("c.txt", &third);
    apply_alone(&repo, &sandbox, &["--credentials", "store/production/erp-sync=c.txt"])
        .code(3)
        .stdout(predicate::str::contains("the previous replacement is not finished"));
    assert_eq!(
        repo.read("secrets/store/production/erp-sync.retiring.age"),
        retiring,
        "the first account's credential is kept"
    );
    let state = repo.read("bckeys.state.yaml");
    assert!(state.contains(field(&first, "CLIENT ID")) && state.contains(field(&second, "CLIENT ID")));
    // Once the first account is deleted, the second replacement goes through.
    sandbox.panel(
        "DELETE",
        &format!("/__sandbox/api-accounts/{}", field(&first, "CLIENT ID")),
        serde_json::Value::Null,
    );
    let out = apply_alone(&repo, &sandbox, &["--credentials", "store/production/erp-sync=c.txt"])
        .code(3)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains("done: deleted store/production/erp-sync (previous account)"), "{out}");
    assert_eq!(repo.client_id("store/production/erp-sync").as_deref(), Some(field(&third, "CLIENT ID")), "{out}");
}

#[test]
fn an_account_overlap_defers_the_previous_accounts_deletion_except_for_security() {
    let (repo, sandbox) = setup();
    let overlapping = CONFIG.replace("        scopes:", "        overlap: 7d\n        scopes:");
    repo.write_config(&overlapping);
    let first = sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only"]);
    repo.write("a.txt", &first);
    apply_alone(&repo, &sandbox, &["--credentials", "store/production/erp-sync=a.txt"]).code(0);

    // A scope added: the integration moves to the new account while the old one stays.
    repo.write_config(&overlapping.replace("orders: read-only", "orders: read-only, customers: read-only"));
    let second = sandbox.create_account(
        "erp-sync",
        &["store_v2_products", "store_v2_orders_read_only", "store_v2_customers_read_only"],
    );
    repo.write("b.txt", &second);
    apply_alone(&repo, &sandbox, &["--credentials", "store/production/erp-sync=b.txt"])
        .code(0)
        .stdout(predicate::str::contains("store/production/erp-sync: the previous account stays until"));
    assert_eq!(repo.client_id("store/production/erp-sync").as_deref(), Some(field(&second, "CLIENT ID")));
    bckeys(&repo, &sandbox)
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("store/production/erp-sync: the previous API account stays until"));

    // Once it is over, the first apply asks for the deletion.
    let state = repo.read("bckeys.state.yaml");
    let start = state.find("retire_after: ").expect("the previous account's overlap is recorded");
    let line = &state[start..state[start..].find('\n').unwrap() + start];
    repo.write("bckeys.state.yaml", &state.replace(line, "retire_after: 2020-01-01T00:00:00Z"));
    apply_alone(&repo, &sandbox, &[])
        .code(3)
        .stdout(predicate::str::contains("delete the previous `erp-sync`"))
        .stdout(predicate::str::contains(field(&first, "CLIENT ID")));
    sandbox.panel(
        "DELETE",
        &format!("/__sandbox/api-accounts/{}", field(&first, "CLIENT ID")),
        serde_json::Value::Null,
    );
    apply_alone(&repo, &sandbox, &[]).code(0);
    assert!(repo.state().retiring.is_empty());

    // A scope taken away: the current account holds more than declared (a security finding), so
    // it goes in the same run whatever the overlap.
    repo.write_config(&overlapping);
    let third = sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only"]);
    repo.write("c.txt", &third);
    apply_alone(&repo, &sandbox, &["--credentials", "store/production/erp-sync=c.txt"])
        .code(3)
        .stdout(predicate::str::contains(
            "store/production/erp-sync (previous account) (delete): a person must delete it in the control panel",
        ))
        .stdout(predicate::str::contains("stays until").not());
}

/// A replacement killed between moving the old record aside and recording the new one leaves
/// only the previous account in the state. One apply must finish it: create the new account,
/// then delete the previous one (found by the crash tests one run in three).
#[test]
fn one_apply_finishes_a_replacement_interrupted_before_the_new_account_was_recorded() {
    let (repo, sandbox) = setup();
    let first = sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only"]);
    repo.write("a.txt", &first);
    apply_alone(&repo, &sandbox, &["--credentials", "store/production/erp-sync=a.txt"]).code(0);
    repo.write_config(&CONFIG.replace("orders: read-only", "orders: read-only, customers: read-only"));

    // What the interrupted run saved: the record moved aside with a copy of its credential.
    let address: bckeys::address::Address = "store/production/erp-sync".parse().unwrap();
    let mut state = repo.state();
    let mut record = state.resources.remove(&address).unwrap();
    if let bckeys::state::Resource::StoreApiAccount(r) = &mut record {
        r.secret.file = address.retiring_secret_path();
    }
    std::fs::copy(
        repo.path("secrets/store/production/erp-sync.age"),
        repo.path("secrets/store/production/erp-sync.retiring.age"),
    )
    .unwrap();
    state.retiring.insert(address.clone(), record);
    state.save(&repo.path("bckeys.state.yaml")).unwrap();

    let plan = bckeys(&repo, &sandbox).args(["plan", "--refresh=false"]).output().unwrap();
    let plan = String::from_utf8_lossy(&plan.stdout);
    assert!(plan.contains("a replacement was interrupted"), "{plan}");
    assert!(plan.contains("1 to replace") && plan.contains("0 to delete"), "{plan}");

    let second = sandbox.create_account(
        "erp-sync",
        &["store_v2_products", "store_v2_orders_read_only", "store_v2_customers_read_only"],
    );
    repo.write("b.txt", &second);
    // BigCommerce rejects the first account's token once it is deleted in the control panel.
    sandbox.panel(
        "DELETE",
        &format!("/__sandbox/api-accounts/{}", field(&first, "CLIENT ID")),
        serde_json::Value::Null,
    );
    let out = apply_alone(&repo, &sandbox, &["--credentials", "store/production/erp-sync=b.txt"])
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains("done: deleted store/production/erp-sync (previous account)"), "{out}");
    let state = repo.state();
    assert!(state.retiring.is_empty(), "{out}");
    assert_eq!(repo.client_id("store/production/erp-sync").as_deref(), Some(field(&second, "CLIENT ID")));
    assert!(!repo.path("secrets/store/production/erp-sync.retiring.age").exists());
}
