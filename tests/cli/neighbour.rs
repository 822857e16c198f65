//! A good neighbour on the store's quota (issue 10): BigCommerce's rate limit is shared by every
//! client of a store, so bckeys leaves a share of each window, and of the hourly budget, to the
//! others. Real TCP against the sandbox, whose stores can run a neighbour client, and against a
//! scripted server for the hourly budget.

use predicates::prelude::*;

use crate::common::Repo;
use crate::hardening::{output, recorded};
use crate::hostile::{Hostile, Reply};
use crate::live::Sandbox;

const STORE: &str = "abc123def4";

const CONFIG: &str = r#"version: 1
encryption:
  recipients: [RECIPIENT]
stores:
  production:
    store_hash: abc123def4
    api_accounts:
      catalog:
        scopes: {products: read-only}
      erp-sync:
        scopes: {products: modify, orders: read-only}
      reporting:
        scopes: {orders: read-only}
"#;

/// Three imported accounts on a store of 40 requests a second, with a neighbour using 40% of
/// every window.
fn neighbourhood() -> (Repo, Sandbox) {
    let sandbox = Sandbox::start(&format!("stores: {{{STORE}: {{quota: 40, window_ms: 1000, neighbour: 0.4}}}}\n"));
    let repo = Repo::new();
    repo.write_config(CONFIG);
    for (name, scopes) in [
        ("catalog", &["store_v2_products_read_only"][..]),
        ("erp-sync", &["store_v2_products", "store_v2_orders_read_only"][..]),
        ("reporting", &["store_v2_orders_read_only"][..]),
    ] {
        repo.write("creds.txt", &sandbox.create_account(name, scopes));
        repo.bckeys_on(&sandbox.url)
            .args(["import", &format!("store/production/{name}"), "--credentials", "creds.txt"])
            .assert()
            .success();
    }
    (repo, sandbox)
}

/// (bckeys' requests, bckeys' 429s, the neighbour's 429s) so far.
fn counts(sandbox: &Sandbox) -> (u64, u64, u64) {
    let store = &sandbox.stats()["stores"][STORE];
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    (n(&store["requests"]), n(&store["rate_limited"]), n(&store["neighbour"]["rate_limited"]))
}

#[test]
fn drift_leaves_half_of_each_window_to_the_stores_other_clients() {
    let (repo, sandbox) = neighbourhood();
    // A window of its own: each run counts only its own requests (the imports were other runs).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (requests, throttled, neighbour) = counts(&sandbox);
    repo.bckeys_on(&sandbox.url).arg("drift").assert().code(0);
    let after = counts(&sandbox);
    assert_eq!(after.2 - neighbour, 0, "the neighbour got 429s while drift ran");
    assert_eq!(after.1 - throttled, 0, "bckeys got 429s");
    // Per account, one request per probe-able family (liveness rides on the first probe) and
    // one that lists its webhooks.
    let probes = bckeys::bigcommerce::probes::PROBES.len() as u64;
    assert_eq!(after.0 - requests, 3 * (probes + 1), "requests per account");

    // Taking the whole window, as bckeys did before, costs the neighbour: the test can fail.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (_, _, neighbour) = counts(&sandbox);
    repo.bckeys_on(&sandbox.url).args(["drift", "--quota-share", "1"]).assert().code(0);
    assert!(counts(&sandbox).2 > neighbour, "with all of the quota taken, the neighbour is throttled");
}

#[test]
fn a_share_outside_zero_to_one_is_a_usage_error() {
    let repo = Repo::new();
    repo.write_config(CONFIG);
    for bad in ["0", "1.5", "-1", "half", "NaN"] {
        repo.bckeys()
            .args(["drift", &format!("--quota-share={bad}")])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("is not a share: give a number above 0 and at most 1"));
    }
}

#[test]
fn bckeys_uses_its_share_of_the_hourly_budget_and_says_so() {
    // Each answer announces one request less of the rolling hour: 20, 19, ...
    let left = std::sync::atomic::AtomicU64::new(20);
    let hostile = Hostile::start(move |_| {
        let now = left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst).max(1).to_string();
        Reply::status(200, &[("X-BC-ApiLimit-Remaining", &now)], r#"{"data":[]}"#)
    });
    let repo = recorded();
    let out = repo.bckeys_on(&hostile.url).arg("drift").output().unwrap();
    let text = output(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("bckeys used its share of the store's hourly API budget (10 of the 20"), "{text}");
    // Half of what was left when bckeys started stays with the store's other clients.
    assert_eq!(hostile.requests.lock().unwrap().len(), 10, "{text}");

    // With all of it bckeys' to take, the same answers let the whole drift through.
    let all = Hostile::start(|_| Reply::status(200, &[("X-BC-ApiLimit-Remaining", "20")], r#"{"data":[]}"#));
    let out = repo.bckeys_on(&all.url).args(["drift", "--quota-share", "1"]).output().unwrap();
    assert_ne!(out.status.code(), Some(1), "{}", output(&out));
    assert_eq!(all.requests.lock().unwrap().len(), bckeys::bigcommerce::probes::PROBES.len() + 1);
}
