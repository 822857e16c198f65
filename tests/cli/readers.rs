//! Per-credential readers with three identities over real age files: the admin (the
//! repository's recipient) reads everything, the storefront deployer only the storefront token,
//! the ERP job only the ERP's account. The `age` tool decrypts or refuses accordingly, and
//! bckeys says "not among its readers" rather than failing generically.

use predicates::prelude::*;

use crate::common::{age_available, Repo};
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
        readers: {recipients: [ERP]}
      storefront-issuer:
        scopes: {storefront_api_tokens: modify}
    storefront_tokens:
      catalyst:
        issuer: storefront-issuer
        type: storefront
        channel_ids: [1]
        allowed_cors_origins: [https://shop.example.com]
        lifetime: 90d
        readers:
          recipients_files: [keys/catalyst-deploy.pub]
"#;

const ERP: &str = "store/production/erp-sync";
const ISSUER: &str = "store/production/storefront-issuer";
const TOKEN: &str = "store/production/storefront-token/catalyst";

struct Keys {
    deploy: std::path::PathBuf,
    deploy_recipient: String,
    erp: std::path::PathBuf,
    erp_recipient: String,
}

fn identity(repo: &Repo, name: &str) -> (std::path::PathBuf, String) {
    let (key, recipient) = bckeys::vault::generate_x25519();
    let path = repo.path(name);
    std::fs::write(&path, key.as_bytes()).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    (path, recipient)
}

/// A repository whose three credentials were imported and issued with readers declared.
fn setup() -> (Repo, Sandbox, Keys) {
    let sandbox = Sandbox::start("stores: {abc123def4: {quota: 10000, window_ms: 30000}}\n");
    let repo = Repo::new();
    let (deploy, deploy_recipient) = identity(&repo, "deploy.agekey");
    let (erp, erp_recipient) = identity(&repo, "erp.agekey");
    repo.write("keys/catalyst-deploy.pub", &format!("# the Catalyst deployment's key\n{deploy_recipient}\n"));
    repo.write_config(&CONFIG.replace("ERP", &erp_recipient));
    for (address, name, scopes) in [
        (ERP, "erp-sync", vec!["store_v2_products", "store_v2_orders_read_only"]),
        (ISSUER, "storefront-issuer", vec!["store_storefront_api"]),
    ] {
        repo.write("creds.txt", &sandbox.create_account(name, &scopes));
        repo.bckeys_on(&sandbox.url).args(["import", address, "--credentials", "creds.txt"]).assert().success();
    }
    std::fs::remove_file(repo.path("creds.txt")).unwrap();
    repo.bckeys_on(&sandbox.url).args(["apply", "--auto-approve"]).assert().success();
    (repo, sandbox, Keys { deploy, deploy_recipient, erp, erp_recipient })
}

/// Whether `age -d -i identity` opens the address's secret file.
fn age_opens(repo: &Repo, identity: &std::path::Path, address: &str) -> bool {
    std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(repo.path(&format!("secrets/{address}.age")))
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn each_consumer_key_opens_only_its_credentials() {
    let (repo, sandbox, keys) = setup();
    if age_available() {
        for address in [ERP, ISSUER, TOKEN] {
            assert!(age_opens(&repo, &repo.identity, address), "the admin reads {address}");
        }
        assert!(age_opens(&repo, &keys.deploy, TOKEN));
        assert!(!age_opens(&repo, &keys.deploy, ERP) && !age_opens(&repo, &keys.deploy, ISSUER));
        assert!(age_opens(&repo, &keys.erp, ERP));
        assert!(!age_opens(&repo, &keys.erp, TOKEN) && !age_opens(&repo, &keys.erp, ISSUER));
    }

    // The deployer's pipeline: its token, and a clear word for anything else.
    let as_deploy = || {
        let mut cmd = repo.bckeys_on(&sandbox.url);
        cmd.env("BCKEYS_IDENTITY_FILE", &keys.deploy);
        cmd
    };
    let token = as_deploy().args(["reveal", TOKEN, "--field", "BIGCOMMERCE_STOREFRONT_TOKEN"]).output().unwrap();
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    assert!(!token.stdout.is_empty());
    as_deploy()
        .args(["reveal", ERP])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("this identity is not among the readers of `store/production/erp-sync`"))
        .stderr(predicate::str::contains("bckeys readers store/production/erp-sync"));
    as_deploy()
        .args(["exec", ERP, "--", "true"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not among the readers"));

    // Drift with a partial identity checks what it opens and never calls the rest in sync.
    let out = as_deploy().args(["drift", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["in_sync"], false);
    let in_sync: Vec<&str> = doc["in_sync_addresses"].as_array().unwrap().iter().filter_map(|a| a.as_str()).collect();
    assert!(!in_sync.contains(&ERP) && !in_sync.contains(&ISSUER), "{in_sync:?}");
    let errors = doc["errors"].to_string();
    assert!(errors.contains("not among the readers"), "{errors}");

    // A plan needs every credential checked: it names the one this identity can't open.
    as_deploy()
        .arg("plan")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("store/production/erp-sync: this identity is not among the readers"));

    // Who can read what, both ways.
    let listed = repo.bckeys().args(["readers", &keys.deploy_recipient]).output().unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(listed.contains("can read 1 credential:") && listed.contains(TOKEN), "{listed}");
    assert!(listed.contains("through store/production/storefront-token/catalyst"), "{listed}");
    let erp = repo.bckeys().args(["readers", ERP, "--format", "json"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&erp.stdout).unwrap();
    let readers: Vec<&str> =
        doc["credentials"][0]["readers"].as_array().unwrap().iter().map(|r| r["recipient"].as_str().unwrap()).collect();
    assert_eq!(readers, [repo.recipient.as_str(), keys.erp_recipient.as_str()]);
    assert_eq!(doc["credentials"][0]["recorded"]["status"], "same");
    repo.bckeys().args(["readers", "age1notakey"]).assert().code(1).stderr(predicate::str::contains("age1notakey"));
}

#[test]
fn a_changed_reader_set_rekeys_exactly_its_files_and_says_what_the_removed_reader_could_read() {
    let (repo, sandbox, keys) = setup();
    let before = |address: &str| repo.read(&format!("secrets/{address}.age"));
    let (token_before, issuer_before) = (before(TOKEN), before(ISSUER));
    // The ERP job's key leaves; nothing else changes.
    repo.write_config(&CONFIG.replace("        readers: {recipients: [ERP]}\n", ""));
    let plan = repo.bckeys_on(&sandbox.url).args(["plan", "--refresh=false", "--format", "json"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let rekeys: Vec<&str> = doc["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "rekey")
        .map(|a| a["address"].as_str().unwrap())
        .collect();
    assert_eq!(rekeys, [ERP], "{doc}");

    // A key that loses nothing here (a typo, a reader that stays) is refused before anything is
    // written: after the rekey nothing would record what the removed one could read.
    let state_before = repo.read("bckeys.state.yaml");
    repo.bckeys_on(&sandbox.url)
        .args(["rekey", "--rotate-exposed", &keys.deploy_recipient])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("loses access to no file in this rekey; nothing was written"));
    assert_eq!(repo.read("bckeys.state.yaml"), state_before);
    let out = repo.bckeys_on(&sandbox.url).args(["rekey", "--rotate-exposed", &keys.erp_recipient]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("{}  could read 1: {ERP}", keys.erp_recipient)), "{stdout}");
    assert_eq!((before(TOKEN), before(ISSUER)), (token_before, issuer_before), "other files untouched");
    if age_available() {
        assert!(!age_opens(&repo, &keys.erp, ERP), "the removed reader no longer opens the new file");
        assert!(age_opens(&repo, &repo.identity, ERP));
    }
    match repo.state().resources.get(&crate::common::addr(ERP)) {
        Some(bckeys::state::Resource::StoreApiAccount(r)) => assert!(r.exposed, "marked for replacement"),
        other => panic!("{other:?}"),
    }
    // The plan then replaces the exposed account, and nothing else.
    repo.bckeys_on(&sandbox.url)
        .args(["plan", "--refresh=false"])
        .assert()
        .success()
        .stdout(predicate::str::contains(ERP));
}

#[test]
fn a_move_that_drops_a_reader_says_what_it_could_read() {
    let (repo, sandbox, keys) = setup();
    // The store is relabelled and the ERP's reader dropped in the same change.
    repo.write_config(
        &CONFIG.replace("  production:\n", "  prod:\n").replace("        readers: {recipients: [ERP]}\n", ""),
    );
    let out = repo.bckeys_on(&sandbox.url).args(["apply", "--auto-approve"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains(&format!("store/prod/erp-sync  readable by the removed {}", keys.erp_recipient)),
        "{stdout}"
    );
    if age_available() {
        assert!(!age_opens(&repo, &keys.erp, "store/prod/erp-sync"));
    }
}
