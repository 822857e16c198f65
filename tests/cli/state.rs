//! The state file: deterministic, serial grows, a broken one is an error with its location.

use bckeys::state::State;
use predicates::prelude::*;

use crate::common::{save_state, store_account, token, webhook, Repo};

const CONFIG: &str = "version: 1\nencryption:\n  recipients: [RECIPIENT]\n";

fn repo_with_config() -> Repo {
    let repo = Repo::new();
    repo.write_config(CONFIG);
    repo
}

#[test]
fn round_trips_with_a_growing_serial_and_sorted_keys() {
    let repo = repo_with_config();
    let r = repo.recipients(&[]);
    let mut state = save_state(
        &repo,
        vec![
            store_account(&repo, "store/prod/zeta-sync", &["store_v2_products"], &r),
            store_account(&repo, "store/prod/alpha-sync", &["store_v2_orders_read_only"], &r),
            webhook("store/prod/alpha-sync/webhook/orders", "store/order/created", "https://x.example.com/h", true),
            token(&repo, "store/prod/storefront-token/web", "2099-01-01T00:00:00Z", &r),
        ],
    );
    assert_eq!(state.serial, 1);
    let path = repo.path("bckeys.state.yaml");
    let first = repo.read("bckeys.state.yaml");
    let loaded = State::load(&path).unwrap();
    assert_eq!(loaded, state);

    // Saved unchanged: nothing is written, the serial stays.
    state.save(&path).unwrap();
    assert_eq!(state.serial, 1);
    assert_eq!(repo.read("bckeys.state.yaml"), first);
    // Changed: written, one serial on.
    let web = "store/prod/storefront-token/web".parse().unwrap();
    let removed = state.resources.remove(&web).unwrap();
    state.save(&path).unwrap();
    assert_eq!(state.serial, 2);
    state.resources.insert(web, removed);
    state.save(&path).unwrap();
    let second = repo.read("bckeys.state.yaml");
    assert_eq!(first.replace("serial: 1", "serial: 3"), second, "only the serial changes");

    let order: Vec<&str> =
        first.lines().filter(|l| l.starts_with("  store/")).map(|l| l.trim_end_matches(':')).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert_eq!(order.len(), 4);
    assert!(!first.contains("access-token") && !first.contains("client-secret"), "no secret in the state:\n{first}");
    // Top-level keys are in alphabetical order too.
    let top: Vec<&str> = second.lines().filter(|l| !l.starts_with([' ', '#'])).collect();
    assert_eq!(top, vec!["resources:", "serial: 3", "version: 1"]);
}

#[test]
fn missing_state_is_an_empty_one() {
    let repo = repo_with_config();
    let state = State::load(&repo.path("bckeys.state.yaml")).unwrap();
    assert_eq!(state.serial, 0);
    assert!(state.resources.is_empty());
}

fn broken(name: &str, edit: impl Fn(&str) -> String, expected: &str) {
    let repo = repo_with_config();
    let r = repo.recipients(&[]);
    save_state(&repo, vec![store_account(&repo, "store/prod/erp-sync", &["store_v2_products"], &r)]);
    let text = edit(&repo.read("bckeys.state.yaml"));
    repo.write("bckeys.state.yaml", &text);
    repo.bckeys()
        .arg("validate")
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains(expected)
                .and(predicate::str::contains("restore it from git"))
                .and(predicate::str::contains("panicked").not()),
        )
        .stderr(predicate::str::contains("bckeys.state.yaml:"));
    assert_eq!(repo.read("bckeys.state.yaml"), text, "{name}: a broken state must be left as it is");
}

#[test]
fn broken_states_are_errors_with_locations() {
    broken("truncated", |t| t[..t.len() / 2].to_owned(), "bckeys.state.yaml:");
    broken("unknown field", |t| t.replace("client_id:", "clientid:"), "unknown field `clientid`");
    broken("wrong kind", |t| t.replace("kind: store_api_account", "kind: webhook"), "unknown field `client_id`");
    broken(
        "account kind on a store address",
        |t| t.replace("kind: store_api_account", "kind: account_api_account"),
        "which that address can't be",
    );
    broken(
        "bad scope",
        |t| t.replace("store_v2_products", "store_v2_everything"),
        "unknown OAuth scope parameter `store_v2_everything`",
    );
    broken("bad sha", |t| t.replace("sha256: ", "sha256: zz"), "not a SHA-256 digest");
    broken("version", |t| t.replace("version: 1", "version: 7"), "state version 7 is not supported");
    broken("bad address", |t| t.replace("store/prod/erp-sync:", "store/prod/../erp:"), "is not a resource address");
    broken("negative serial", |t| t.replace("serial: 1", "serial: -1"), "serial");
    broken("empty", |_| String::new(), "the state file is empty");
    broken("duplicate", |t| format!("{t}serial: 3\n"), "recorded twice");
    broken(
        "secret elsewhere",
        |t| t.replace("file: secrets/store/prod/erp-sync.age", "file: /etc/passwd"),
        "its secret file must be",
    );
}
