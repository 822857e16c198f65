//! Levels proven, not assumed (issue 10): write probes, requests BigCommerce must refuse
//! whatever the level, tell read-only (403) from modify (400, 422). Import and capture send them
//! once per credential, plan and drift with `--probe-writes`; never to an account without the
//! family's read level. Real TCP against the sandbox and against scripted servers.

use predicates::prelude::*;

use crate::common::Repo;
use crate::hostile::{Hostile, Reply};
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

const ADDRESS: &str = "store/production/erp-sync";

fn import(repo: &Repo, url: &str) -> assert_cmd::assert::Assert {
    repo.bckeys_on(url).args(["import", ADDRESS, "--credentials", "creds.txt"]).assert()
}

fn recorded_scopes(repo: &Repo) -> Vec<String> {
    match repo.state().resources.get(&ADDRESS.parse().unwrap()) {
        Some(bckeys::state::Resource::StoreApiAccount(r)) => r.scopes.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn read_only_where_modify_was_asked_is_found_at_import_and_recorded_as_read_only() {
    let sandbox = Sandbox::start("stores: {abc123def4: {quota: 1000, window_ms: 30000}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    // The person ticked Products: read-only; no read tells it from modify.
    repo.write(
        "creds.txt",
        &sandbox.create_account("erp-sync", &["store_v2_products_read_only", "store_v2_orders_read_only"]),
    );
    import(&repo, &sandbox.url)
        .success()
        .stdout(predicate::str::contains("Configured but not granted: Products (products) only at read-only"));
    assert_eq!(recorded_scopes(&repo), ["store_v2_orders_read_only", "store_v2_products_read_only"]);
    // The recorded level is the proven one, so the plan replaces the account.
    repo.bckeys_on(&sandbox.url)
        .args(["plan", "--refresh=false"])
        .assert()
        .success()
        .stdout(predicate::str::contains("-/+ store/production/erp-sync replace"))
        .stdout(predicate::str::contains("- products: read-only"))
        .stdout(predicate::str::contains("+ products: modify"));
}

#[test]
fn modify_where_read_only_was_asked_is_a_security_finding_with_probe_writes() {
    let sandbox = Sandbox::start("stores: {abc123def4: {quota: 1000, window_ms: 30000}}\n");
    let repo = Repo::new();
    repo.write_config(&CONFIG.replace("products: modify", "products: read-only"));
    repo.write("creds.txt", &sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only"]));
    import(&repo, &sandbox.url)
        .success()
        .stdout(predicate::str::contains("Granted beyond the configuration (security): Products (products) at modify"));
    assert_eq!(recorded_scopes(&repo), ["store_v2_orders_read_only", "store_v2_products"]);

    // Record it as configured, as an older bckeys would have: only a write probe can tell.
    let state = repo.read("bckeys.state.yaml").replace("- store_v2_products\n", "- store_v2_products_read_only\n");
    repo.write("bckeys.state.yaml", &state);
    let drift = |extra: &[&str]| {
        let out = repo.bckeys_on(&sandbox.url).args(["drift", "--format", "json"]).args(extra).output().unwrap();
        (out.status.code(), serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap())
    };
    let (code, report) = drift(&[]);
    assert_eq!(code, Some(0), "no read tells the levels apart: {report:#}");
    let (code, report) = drift(&["--probe-writes"]);
    assert_eq!(code, Some(2), "{report:#}");
    let finding = &report["findings"][0];
    assert_eq!((finding["finding"].as_str(), finding["severity"].as_str()), (Some("excess_scope"), Some("security")));
    assert!(finding["detail"].as_str().unwrap().contains("products (Products) at modify"), "{finding}");
}

#[test]
fn a_level_no_probe_can_prove_is_recorded_and_shown_as_unverified() {
    let sandbox = Sandbox::start("stores: {abc123def4: {quota: 1000, window_ms: 30000}}\n");
    let repo = Repo::new();
    let config = CONFIG.replace("orders: read-only", "orders: read-only, checkouts: modify");
    repo.write_config(&config);
    let granted = ["store_v2_products", "store_v2_orders_read_only", "store_checkout"];
    repo.write("creds.txt", &sandbox.create_account("erp-sync", &granted));
    // The checkouts probe names a checkout that can't exist: its 404 proves nothing.
    import(&repo, &sandbox.url)
        .success()
        .stdout(predicate::str::contains("Levels unverified").and(predicate::str::contains("checkouts")));
    assert!(
        repo.read("bckeys.state.yaml").contains("unverified_levels:\n    - checkouts\n"),
        "{}",
        repo.read("bckeys.state.yaml")
    );
    let out = repo.bckeys_on(&sandbox.url).args(["drift", "--format", "json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let families: Vec<&str> = report["unverifiable"][0]["families"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["family"].as_str().unwrap())
        .collect();
    // Products was proven at import; checkouts is shown as unverified, never as read-only or modify.
    assert_eq!(families, ["checkouts (level)"], "{report:#}");
    repo.bckeys_on(&sandbox.url)
        .args(["drift", "--probe-writes"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("checkouts (level) [1]"))
        .stdout(predicate::str::contains("[1] its write probe names an ID that can't exist"));
}

/// Write probes go only where the family's read level is granted (and, for the token families,
/// which have no read, to their creation route), never as a DELETE.
#[test]
fn write_probes_are_never_sent_without_the_familys_read_level() {
    let hostile = Hostile::start(|r| {
        let products = r.target.contains("/v3/catalog/products");
        match (r.method.as_str(), products) {
            ("GET", true) => Reply::status(200, &[], r#"{"data":[]}"#),
            ("POST", true) => Reply::status(422, &[], r#"{"status":422,"title":"missing required fields"}"#),
            _ => Reply::status(403, &[], r#"{"status":403,"title":"You don't have a required scope"}"#),
        }
    });
    let repo = Repo::new();
    repo.write_config(&CONFIG.replace(", orders: read-only", ""));
    repo.write("creds.txt", "CLIENT NAME: erp-sync\nACCESS TOKEN: tok-123456\nCLIENT ID: cid\nAPI PATH: https://api.bigcommerce.com/stores/abc123def4/v3/\n");
    import(&repo, &hostile.url).success().stdout(predicate::str::contains("The probed scopes match the configuration"));
    assert_eq!(recorded_scopes(&repo), ["store_v2_products"], "proven at modify");
    let writes: Vec<String> = hostile
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.target.trim_start_matches("/stores/abc123def4")))
        .collect();
    assert_eq!(
        writes,
        [
            "POST /v3/catalog/products",
            "POST /v3/payments/access_tokens",
            "POST /v3/storefront/api-token",
            "POST /v3/storefront/api-token-customer-impersonation",
        ]
    );
}

/// A server that accepts a write it must refuse is not believed: nothing is recorded.
#[test]
fn a_write_probe_that_is_accepted_stops_the_import() {
    let hostile = Hostile::start(|_| Reply::status(200, &[], r#"{"data":[]}"#));
    let repo = Repo::new();
    repo.write_config(CONFIG);
    repo.write("creds.txt", "CLIENT NAME: erp-sync\nACCESS TOKEN: tok-123456\nCLIENT ID: cid\nAPI PATH: https://api.bigcommerce.com/stores/abc123def4/v3/\n");
    import(&repo, &hostile.url)
        .code(1)
        .stderr(predicate::str::contains("BigCommerce accepted a write probe it must refuse"))
        .stderr(predicate::str::contains("nothing was written"));
    assert!(!repo.path("bckeys.state.yaml").exists());
    let writes = hostile.requests.lock().unwrap().iter().filter(|r| r.method != "GET").count();
    assert_eq!(writes, 1, "probing stops at the first accepted write");
}

/// A write probe answered 404 proves nothing: the level stays unverified, never modify.
#[test]
fn a_write_probe_answered_404_leaves_the_level_unverified() {
    let hostile = Hostile::start(|r| {
        let products = r.target.contains("/v3/catalog/products");
        match (r.method.as_str(), products) {
            ("GET", true) => Reply::status(200, &[], r#"{"data":[]}"#),
            ("POST", true) => Reply::status(404, &[], r#"{"status":404,"title":"Not found"}"#),
            _ => Reply::status(403, &[], r#"{"status":403,"title":"You don't have a required scope"}"#),
        }
    });
    let repo = Repo::new();
    repo.write_config(&CONFIG.replace(", orders: read-only", ""));
    repo.write("creds.txt", "CLIENT NAME: erp-sync\nACCESS TOKEN: tok-123456\nCLIENT ID: cid\nAPI PATH: https://api.bigcommerce.com/stores/abc123def4/v3/\n");
    import(&repo, &hostile.url)
        .success()
        .stdout(predicate::str::contains("The probed scopes match the configuration"))
        .stdout(predicate::str::contains("Levels unverified").and(predicate::str::contains(": products.")));
}
