//! The offline plan: every action kind, three formats, exit codes and colors.

use predicates::prelude::*;

use crate::common::{save_state, store_account, token, webhook, Repo};

const CONFIG: &str = r#"version: 1
encryption:
  recipients: [RECIPIENT]
stores:
  production:
    store_hash: abc123def4
    api_accounts:
      erp-sync:
        scopes: {products: modify, orders: read-only}
        webhooks:
          order-created:
            scope: store/order/created
            destination: https://erp.example.com/hooks
            headers: {X-Secret: {secret: generate}}
      new-account:
        scopes: {customers: read-only}
      rekeyed:
        scopes: {themes: read-only}
      lost-file:
        scopes: {content: read-only}
      tampered:
        scopes: {marketing: read-only}
      storefront-issuer:
        scopes: {storefront_api_tokens: modify}
    storefront_tokens:
      web-old:
        issuer: storefront-issuer
        type: storefront
        channel_ids: [1]
        allowed_cors_origins: [https://shop.example.com]
        lifetime: 90d
        rotate_before: 14d
      web-fresh:
        issuer: storefront-issuer
        type: storefront
        channel_ids: [1]
        allowed_cors_origins: [https://shop.example.com]
        lifetime: 90d
accounts:
  acme:
    account_uuid: 0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f
    api_accounts:
      user-provisioning:
        scopes: {account: read-only, account_users: [read-only, write]}
"#;

/// A repository in which every kind of action is due.
fn everything_due() -> Repo {
    let repo = Repo::new();
    repo.write_config(CONFIG);
    let now = repo.recipients(&[]);
    let old = repo.recipients(&[&Repo::new().recipient]);
    save_state(
        &repo,
        vec![
            store_account(
                &repo,
                "store/production/erp-sync",
                &["store_v2_products_read_only", "store_v2_orders_read_only"],
                &now,
            ),
            webhook(
                "store/production/erp-sync/webhook/order-created",
                "store/order/created",
                "https://erp.example.com/old",
                false,
            ),
            store_account(&repo, "store/production/rekeyed", &["store_themes_read_only"], &old),
            store_account(&repo, "store/production/lost-file", &["store_v2_content_read_only"], &now),
            store_account(&repo, "store/production/tampered", &["store_v2_marketing_read_only"], &now),
            store_account(&repo, "store/production/storefront-issuer", &["store_storefront_api"], &now),
            store_account(&repo, "store/production/legacy", &["store_v2_orders"], &now),
            token(&repo, "store/production/storefront-token/web-old", "2020-01-01T00:00:00Z", &now),
            token(&repo, "store/production/storefront-token/web-fresh", "2099-01-01T00:00:00Z", &now),
        ],
    );
    std::fs::remove_file(repo.path("secrets/store/production/lost-file.age")).unwrap();
    repo.write("secrets/store/production/tampered.age", "-----BEGIN AGE ENCRYPTED FILE-----\nnot what was recorded\n");
    repo
}

fn plan(repo: &Repo, format: &str) -> String {
    let out = repo.bckeys().args(["plan", "--refresh=false", "--format", format]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    redact_times(&String::from_utf8(out.stdout).unwrap())
}

/// Token expiry dates depend on today: snapshots show where they are, not their value.
fn redact_times(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let candidate = text.get(i..i + 20).unwrap_or("");
        let shape = candidate.bytes().enumerate().all(|(k, b)| match k {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            19 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
        if candidate.len() == 20 && shape {
            out.push_str("[time]");
            i += 20;
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[test]
fn text_plan_shows_every_action() {
    let repo = everything_due();
    let text = plan(&repo, "text");
    insta::assert_snapshot!("plan_text", text);
}

#[test]
fn markdown_plan_shows_every_action() {
    let repo = everything_due();
    insta::assert_snapshot!("plan_markdown", plan(&repo, "markdown"));
}

#[test]
fn json_plan_is_versioned_and_complete() {
    let repo = everything_due();
    let text = plan(&repo, "json");
    assert!(text.contains("\"field\": \"rotate_after\""), "token dates are in the JSON plan");
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["state_serial"], 1);
    assert_eq!(doc["refreshed"], false);
    let sha = doc["config_sha256"].as_str().unwrap().to_owned();
    // The digest of what the configuration means: a comment leaves it, a change moves it.
    let digest = |text: &str| bckeys::config::Config::parse(&repo.path("bckeys.yaml"), text.as_bytes()).unwrap().sha256;
    let yaml = repo.read("bckeys.yaml");
    assert_eq!(sha, digest(&yaml));
    assert_eq!(sha, digest(&format!("# reviewed\n{yaml}")));
    assert_ne!(sha, digest(&yaml.replacen("abc123def4", "abc123def5", 1)));
    doc["config_sha256"] = serde_json::json!("[sha256 of bckeys.yaml]");
    insta::assert_json_snapshot!("plan_json", doc);
}

#[test]
fn detailed_exitcode_is_two_with_changes_and_zero_without() {
    let repo = everything_due();
    repo.bckeys().args(["plan", "--refresh=false", "--detailed-exitcode"]).assert().code(2);

    let clean = Repo::new();
    clean.write("bckeys.yaml", &format!("version: 1\nencryption:\n  recipients: [{}]\nstores:\n  p:\n    store_hash: abc123def4\n    api_accounts:\n      erp-sync:\n        scopes: {{products: modify}}\n", clean.recipient));
    let r = clean.recipients(&[]);
    save_state(&clean, vec![store_account(&clean, "store/p/erp-sync", &["store_v2_products"], &r)]);
    clean
        .bckeys()
        .args(["plan", "--refresh=false", "--detailed-exitcode"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No changes."));
}

#[test]
fn plan_never_shows_a_secret() {
    let repo = everything_due();
    for format in ["text", "json", "markdown"] {
        let text = plan(&repo, format);
        assert!(!text.contains("access-token-") && !text.contains("client-secret-"), "{format}:\n{text}");
    }
}

#[test]
fn refresh_is_not_silently_skipped() {
    let repo = everything_due();
    repo.bckeys().arg("plan").assert().code(1).stdout("").stderr(predicate::str::contains("--refresh=false"));
}

#[test]
fn colors_only_on_a_terminal_and_never_with_no_color() {
    let repo = everything_due();
    // Through a pipe: no escape codes.
    let piped = repo.bckeys().args(["plan", "--refresh=false"]).env_remove("NO_COLOR").output().unwrap();
    assert!(!String::from_utf8_lossy(&piped.stdout).contains('\u{1b}'));

    // On a pseudo-terminal (util-linux `script`): colors, unless NO_COLOR is set.
    let bin = assert_cmd::cargo::cargo_bin("bckeys");
    let on_tty = |no_color: Option<&str>| {
        let mut cmd = std::process::Command::new("script");
        cmd.current_dir(repo.dir.path()).args([
            "-qec",
            &format!("{} plan --refresh=false", bin.display()),
            "/dev/null",
        ]);
        cmd.env_remove("NO_COLOR").env("TERM", "xterm");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        cmd.output()
    };
    match on_tty(None) {
        Ok(out) if out.status.success() => {
            assert!(String::from_utf8_lossy(&out.stdout).contains("\u{1b}["), "no colors on a terminal");
            let plain = on_tty(Some("1")).unwrap();
            assert!(!String::from_utf8_lossy(&plain.stdout).contains("\u{1b}["), "colors despite NO_COLOR");
        }
        _ => eprintln!("SKIPPED: the terminal part needs util-linux `script`"),
    }
}

/// A plan of several stores ends with one line per store.
#[test]
fn a_plan_of_three_stores_ends_with_a_summary_per_store() {
    let repo = Repo::new();
    repo.write_config(
        "version: 1\nencryption:\n  recipients: [RECIPIENT]\nstores:\n  amsterdam:\n    store_hash: abc123def4\n    api_accounts:\n      erp-sync:\n        scopes: {orders: read-only}\n  berlin:\n    store_hash: bcd234efa5\n    api_accounts:\n      erp-sync:\n        scopes: {orders: read-only}\n      reporting:\n        scopes: {products: read-only}\n  chicago:\n    store_hash: cde345fab6\n    api_accounts:\n      erp-sync:\n        scopes: {orders: read-only}\n",
    );
    let r = repo.recipients(&[]);
    save_state(
        &repo,
        vec![
            store_account(&repo, "store/amsterdam/erp-sync", &["store_v2_orders_read_only"], &r),
            store_account(&repo, "store/chicago/erp-sync", &["store_v2_orders_read_only"], &r),
            store_account(&repo, "store/chicago/legacy", &["store_v2_products"], &r),
        ],
    );
    // The fixture records every account on one store hash: chicago's are on its own.
    let state = repo.read("bckeys.state.yaml");
    let (amsterdam, chicago) = state.split_at(state.find("store/chicago/erp-sync").unwrap());
    repo.write("bckeys.state.yaml", &format!("{amsterdam}{}", chicago.replace("abc123def4", "cde345fab6")));
    let text = repo.bckeys().args(["plan", "--refresh=false"]).assert().success().get_output().stdout.clone();
    insta::assert_snapshot!("plan_three_stores", String::from_utf8(text).unwrap());
}
