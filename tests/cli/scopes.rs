//! `bckeys scopes` and the catalogue against BigCommerce's facts in ../shared/scopes.yaml.

use crate::common::shared;

fn run(args: &[&str]) -> String {
    let out = assert_cmd::Command::cargo_bin("bckeys").unwrap().env("NO_COLOR", "1").args(args).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn table_names_every_family_in_the_control_panels_words() {
    let text = run(&["scopes"]);
    assert!(text.starts_with("FAMILY"));
    for family in bckeys::scopes::FAMILIES {
        assert!(text.contains(family.key) && text.contains(family.ui), "{} missing:\n{text}", family.key);
    }
    insta::assert_snapshot!("scopes_table", text);
}

#[test]
fn json_is_versioned_and_complete() {
    let doc: serde_json::Value = serde_json::from_str(&run(&["scopes", "--format", "json"])).unwrap();
    assert_eq!(doc["format_version"], 1);
    let families = doc["families"].as_array().unwrap();
    assert_eq!(families.len(), bckeys::scopes::FAMILIES.len());
    let users = families.iter().find(|f| f["key"] == "account_users").unwrap();
    assert_eq!(users["multi"], true);
    assert_eq!(users["levels"][2]["parameter"], "account_users_delete");
}

/// The catalogue must say exactly what BigCommerce's reference says: keys, UI names, kinds,
/// levels, parameters and multi-select families.
#[test]
fn catalogue_matches_the_shared_scope_facts() {
    let Some(path) = shared("scopes.yaml") else { return };
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let shared = doc["families"].as_sequence().unwrap();
    assert_eq!(shared.len(), bckeys::scopes::FAMILIES.len());
    for f in shared {
        let key = f["key"].as_str().unwrap();
        let ours = bckeys::scopes::family(key).unwrap_or_else(|| panic!("family {key} missing"));
        assert_eq!(ours.ui, f["ui"].as_str().unwrap(), "{key}");
        assert_eq!(ours.kind.as_str(), f["kind"].as_str().unwrap(), "{key}");
        assert_eq!(ours.multi, f["multi"].as_bool().unwrap_or(false), "{key}");
        let levels = f["levels"].as_mapping().unwrap();
        assert_eq!(levels.len(), ours.levels.len(), "{key}");
        for (level, parameter) in levels {
            let level = level.as_str().unwrap();
            let l = ours.level(level).unwrap_or_else(|| panic!("{key}: level {level} missing"));
            assert_eq!(l.parameter, parameter.as_str().unwrap(), "{key}.{level}");
        }
    }
}

/// `bckeys scopes for ...` in `dir`: (exit code, stdout, stderr).
fn scopes_for(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = assert_cmd::Command::cargo_bin("bckeys")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["scopes", "for"])
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn scopes_for_prints_the_least_scopes_and_every_request_it_could_not_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("erp.log"),
        "# the ERP's requests, from its access log\n\
         203.0.113.9 - - [01/Dec/2026:10:00:00 +0000] \"GET https://api.bigcommerce.com/stores/abc123def4/v3/catalog/products?limit=250 HTTP/1.1\" 200 5120\n\
         203.0.113.9 - - [01/Dec/2026:10:00:01 +0000] \"PUT https://api.bigcommerce.com/stores/abc123def4/v3/catalog/products/77 HTTP/1.1\" 200 512\n\
         203.0.113.9 - - [01/Dec/2026:10:00:02 +0000] \"PUT https://api.bigcommerce.com/stores/abc123def4/v3/catalog/products/78?signature=s3cr3t HTTP/1.1\" 200 512\n\
         GET /v3/customers?email:in=someone@example.com\n\
         garbage line\n",
    )
    .unwrap();
    let (code, stdout, stderr) = scopes_for(
        dir.path(),
        &[
            "GET /v2/orders/100",
            "POST /v3/orders/100/payment_actions/capture",
            "GET /v3/hooks",
            "GET /v3/customers",
            "DELETE /v3/nowhere/1",
            "--from",
            "erp.log",
        ],
    );
    assert_eq!(code, Some(1), "some requests could not be placed:\n{stdout}{stderr}");
    assert!(
        !stdout.contains("s3cr3t") && !stdout.contains("someone@example.com"),
        "a query string was printed:\n{stdout}"
    );
    insta::assert_snapshot!("scopes_for", stdout);

    // The block is ready to paste: as YAML it is the configuration's scopes mapping.
    let (code, yaml, _) =
        scopes_for(dir.path(), &["GET /v3/catalog/products/1", "POST /v2/orders", "--format", "yaml"]);
    assert_eq!(code, Some(0));
    let doc: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
    assert_eq!(doc["scopes"]["products"], "read-only");
    assert_eq!(doc["scopes"]["orders"], "modify");
    assert_eq!(doc["requests"][1]["operation"], "POST /v2/orders");

    let (_, json, _) = scopes_for(dir.path(), &["GET /v3/customers", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["requests"][0]["outcome"], "unclear");
    assert_eq!(doc["requests"][0]["families"], serde_json::json!(["customers", "stored_payment_instruments"]));

    // A HAR recording; a file that can't be read, or no request at all, is an error.
    std::fs::write(
        dir.path().join("trace.har"),
        r#"{"log": {"entries": [{"request": {"method": "GET", "url": "https://api.bigcommerce.com/stores/abc123def4/v3/catalog/brands"}}]}}"#,
    )
    .unwrap();
    let (code, stdout, _) = scopes_for(dir.path(), &["--from", "trace.har"]);
    assert_eq!(code, Some(0));
    assert!(stdout.starts_with("scopes:\n  products: read-only"), "{stdout}");
    let (code, _, stderr) = scopes_for(dir.path(), &["--from", "missing.log"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("missing.log"), "{stderr}");
    assert_eq!(scopes_for(dir.path(), &[]).0, Some(1));
}

#[test]
fn validate_counts_what_bckeys_itself_calls_and_what_an_account_cannot_call() {
    let repo = crate::common::Repo::new();
    repo.write_config(
        r#"version: 1
encryption:
  recipients: [RECIPIENT]
stores:
  production:
    store_hash: abc123def4
    api_accounts:
      storefront-issuer:
        scopes: {storefront_api_tokens: modify, orders: modify}
        uses:
          - POST /v3/orders/1/payment_actions/capture
      catalyst:
        scopes: {products: read-only, order_transactions: modify}
        uses:
          - GET /v3/catalog/products
          - POST /v3/orders/1/payment_actions/capture
          - POST https://shop.example.com/api/storefront/carts/abc/items
    storefront_tokens:
      catalyst:
        issuer: storefront-issuer
        type: storefront
        channel_ids: [1]
        allowed_cors_origins: [https://shop.example.com]
        lifetime: 90d
"#,
    );
    let out = repo.bckeys().args(["validate", "--strict"]).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // The issuer's token scope is bckeys' own call; capture takes orders or order transactions,
    // and each account's declared one counts.
    assert!(!stderr.contains("storefront_api_tokens") && !stderr.contains("order"), "{stderr}");
    assert!(
        stderr.contains(
            "`POST https://shop.example.com/api/storefront/carts/abc/items` is not called with an API account's token"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("1 warning with --strict: not valid"), "{stderr}");
}
