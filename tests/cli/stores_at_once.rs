//! Apply runs stores at once (issue 10): an agency's change to many stores is not one store
//! after another. Stores whose steps are all automated go at once, each paced by its own rate
//! limit; the state file holds every finished step of every store, whichever fails. Real TCP
//! against the sandbox, whose stores answer after a latency and which counts the requests it
//! answers at once (no timing in the test).

use predicates::prelude::*;

use crate::common::Repo;
use crate::live::Sandbox;

const STORES: usize = 6;

fn hash(i: usize) -> String {
    format!("s{i:09}")
}

fn config(destination: &str) -> String {
    let mut yaml = String::from("version: 1\nencryption:\n  recipients: [RECIPIENT]\nstores:\n");
    for i in 0..STORES {
        yaml.push_str(&format!(
            "  shop{i}:\n    store_hash: {}\n    api_accounts:\n      erp-sync:\n        scopes: {{orders: read-only}}\n        webhooks:\n          order-created:\n            scope: store/order/created\n            destination: {destination}\n",
            hash(i)
        ));
    }
    yaml
}

fn setup() -> (Repo, Sandbox) {
    let stores: Vec<String> =
        (0..STORES).map(|i| format!("{}: {{quota: 10000, window_ms: 30000, latency_ms: 30}}", hash(i))).collect();
    let sandbox = Sandbox::start(&format!("stores: {{{}}}\n", stores.join(", ")));
    let repo = Repo::new();
    repo.write_config(&config("https://erp.example.com/a"));
    // Accounts are guided (here by the simulated control panel): one store after another.
    apply(&repo, &sandbox, &[]).code(0);
    (repo, sandbox)
}

fn apply(repo: &Repo, sandbox: &Sandbox, extra: &[&str]) -> assert_cmd::assert::Assert {
    repo.bckeys_on(&sandbox.url).args(["apply", "--auto-approve", "--sandbox-panel"]).args(extra).assert()
}

fn peak(sandbox: &Sandbox) -> u64 {
    sandbox.stats()["peak_in_flight"].as_u64().unwrap()
}

fn destinations(repo: &Repo) -> Vec<String> {
    repo.state()
        .resources
        .values()
        .filter_map(|r| match r {
            bckeys::state::Resource::Webhook(w) => Some(w.destination.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn automated_changes_to_many_stores_go_at_once_and_every_one_is_recorded() {
    let (repo, sandbox) = setup();
    assert_eq!(peak(&sandbox), 1, "the guided stores went one after another");

    // One store at a time when told so.
    repo.write_config(&config("https://erp.example.com/b"));
    apply(&repo, &sandbox, &["--concurrency", "1"]).code(0);
    assert_eq!(peak(&sandbox), 1);
    assert_eq!(destinations(&repo), vec!["https://erp.example.com/b"; STORES]);

    // By default, at once.
    repo.write_config(&config("https://erp.example.com/c"));
    let out = apply(&repo, &sandbox, &[]).code(0).get_output().stdout.clone();
    assert!(peak(&sandbox) > 1, "stores were applied one after another");
    assert_eq!(destinations(&repo), vec!["https://erp.example.com/c"; STORES]);
    // The report is in store order, whatever finished first.
    let out = String::from_utf8(out).unwrap();
    let order: Vec<usize> = (0..STORES).map(|i| out.find(&format!("updated store/shop{i}/")).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{out}");
    repo.bckeys_on(&sandbox.url).arg("drift").assert().code(0);
}

#[test]
fn a_store_that_fails_leaves_the_others_applied_and_recorded() {
    let (repo, sandbox) = setup();
    repo.write_config(&config("https://erp.example.com/b"));
    // The second store refuses its first request (the webhook list before the update).
    sandbox.fault(serde_json::json!({"store_hash": hash(1), "kind": "status", "status": 422, "count": 1}));
    apply(&repo, &sandbox, &["--refresh=false"])
        .code(1)
        .stdout(predicate::str::contains("failed: store/shop1/erp-sync/webhook/order-created"));
    let state = repo.state();
    for i in 0..STORES {
        let address = format!("store/shop{i}/erp-sync/webhook/order-created").parse().unwrap();
        let Some(bckeys::state::Resource::Webhook(w)) = state.resources.get(&address) else { panic!("{i}") };
        let expected = if i == 1 { "https://erp.example.com/a" } else { "https://erp.example.com/b" };
        assert_eq!(w.destination, expected, "store {i}");
    }
    // Every account is still recorded: no store's save lost another's.
    assert_eq!(state.resources.len(), 2 * STORES);
    // The next apply finishes it.
    apply(&repo, &sandbox, &[]).code(0).stdout(predicate::str::contains("updated store/shop1/"));
    assert_eq!(destinations(&repo), vec!["https://erp.example.com/b"; STORES]);
}
