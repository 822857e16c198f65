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

/// `state list` and `state show`: what is recorded, never a secret; `state rm` forgets a record
/// without touching BigCommerce, keeps its secret file aside and says what still exists.
#[test]
fn state_list_show_and_rm() {
    let repo = repo_with_config();
    let r = repo.recipients(&[]);
    save_state(
        &repo,
        vec![
            store_account(&repo, "store/prod/alpha-sync", &["store_v2_orders_read_only"], &r),
            webhook("store/prod/alpha-sync/webhook/orders", "store/order/created", "https://x.example.com/h", true),
            token(&repo, "store/prod/storefront-token/web", "2099-01-01T00:00:00Z", &r),
        ],
    );
    let list = repo.bckeys().args(["state", "list"]).assert().success().get_output().stdout.clone();
    let list = String::from_utf8(list).unwrap();
    assert!(list.contains("store/prod/alpha-sync") && list.contains("client ID client-alpha-sync"), "{list}");
    assert!(list.contains("webhook: ID 4242 `store/order/created` to https://x.example.com/h"), "{list}");
    assert!(list.contains("3 recorded, 0 retiring, 0 intents; state serial 1."), "{list}");
    let json = repo.bckeys().args(["state", "list", "--format", "json"]).assert().success().get_output().stdout.clone();
    let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(doc["resources"].as_array().unwrap().len(), 3);
    assert_eq!(doc["resources"][0]["kind"], "store_api_account");
    repo.bckeys()
        .args(["state", "show", "store/prod/storefront-token/web"])
        .assert()
        .success()
        .stdout(predicate::str::contains("kind: storefront_token").and(predicate::str::contains("expires_at")));

    // An account that owns recorded webhooks is not forgotten before them.
    repo.bckeys()
        .args(["state", "rm", "store/prod/alpha-sync"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("owns recorded webhooks: store/prod/alpha-sync/webhook/orders"));
    repo.bckeys().args(["state", "rm", "store/prod/alpha-sync/webhook/orders"]).assert().success();
    repo.bckeys()
        .args(["state", "rm", "store/prod/alpha-sync"])
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing was sent to BigCommerce"))
        .stderr(predicate::str::contains("still exists at BigCommerce until a person deletes it"));
    let state = State::load(&repo.path("bckeys.state.yaml")).unwrap();
    assert_eq!(state.resources.len(), 1);
    assert!(!repo.path("secrets/store/prod/alpha-sync.age").exists());
    let kept: Vec<_> = std::fs::read_dir(repo.path("secrets/store/prod"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("alpha-sync.removed-"))
        .collect();
    assert_eq!(kept.len(), 1, "the secret file is kept aside");
    repo.bckeys()
        .args(["state", "show", "store/prod/alpha-sync"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not recorded"));
}

/// `validate --format json`: every problem as data, with its place; exit 1 when there is one.
#[test]
fn validate_json_lists_every_problem_with_its_place() {
    let repo = repo_with_config();
    let out = repo.bckeys().args(["validate", "--format", "json"]).assert().success().get_output().stdout.clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!((doc["valid"].as_bool(), doc["problems"].as_array().map(Vec::len)), (Some(true), Some(0)));

    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/66-bad-overlaps.yaml");
    repo.write("bckeys.yaml", &std::fs::read_to_string(corpus).unwrap());
    let out = repo.bckeys().args(["validate", "--format", "json"]).assert().code(1).get_output().stdout.clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["valid"], false);
    let places: Vec<(u64, u64)> = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["line"].as_u64().unwrap(), p["column"].as_u64().unwrap()))
        .collect();
    assert_eq!(places, [(12, 18), (24, 18)], "{doc:#}");
    assert!(doc["problems"][1]["hint"].as_str().unwrap().contains("such as 7d"));

    repo.write_config(CONFIG);
    repo.write("bckeys.state.yaml", "serial: [\n");
    let out = repo.bckeys().args(["validate", "--format", "json"]).assert().code(1).get_output().stdout.clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(doc["problems"][0]["file"].as_str().unwrap().ends_with("bckeys.state.yaml"), "{doc:#}");
    assert!(doc["problems"][0]["line"].is_u64());
}

/// On a terminal (a pseudo-terminal, through `script`), the plan is colored, and `--no-color`
/// takes the colors away.
#[test]
fn no_color_takes_the_colors_away_on_a_terminal() {
    let repo = Repo::new();
    repo.write_config("version: 1\nencryption:\n  recipients: [RECIPIENT]\nstores:\n  p:\n    store_hash: abc\n    api_accounts:\n      erp-sync:\n        scopes: {orders: read-only}\n");
    let on_terminal = |flags: &str| {
        let bin = assert_cmd::cargo::cargo_bin("bckeys");
        let command = format!("{} {flags} plan --refresh=false", bin.display());
        let out = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(repo.path(""))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", repo.path(""))
            .env("TERM", "xterm")
            .output()
            .expect("script (bsdutils) runs the command on a pseudo-terminal");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let colored = on_terminal("");
    assert!(colored.contains("\u{1b}[") && colored.contains("store/p/erp-sync"), "{colored:?}");
    let plain = on_terminal("--no-color");
    assert!(!plain.contains("\u{1b}[") && plain.contains("store/p/erp-sync"), "{plain:?}");
}
