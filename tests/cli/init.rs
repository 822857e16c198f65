//! `bckeys init`: starter files, a usable identity, and never an overwrite.

use predicates::prelude::*;

use crate::common::{age_available, Repo};

#[test]
fn init_with_a_generated_identity_gives_a_valid_repository() {
    let repo = Repo::new();
    repo.bckeys()
        .args(["init", "--generate-identity", "keys/me.agekey"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Generated identity keys/me.agekey"))
        .stdout(predicate::str::contains("git config merge.bckeys.driver \"bckeys state merge %O %A %B\""));
    let key = repo.read("keys/me.agekey");
    assert!(key.contains("AGE-SECRET-KEY-1"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(repo.path("keys/me.agekey")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let public = key.lines().find_map(|l| l.strip_prefix("# public key: ")).unwrap();
    assert!(repo.read("bckeys.yaml").contains(public), "the recipient goes into the config");
    let gitignore = repo.read(".gitignore");
    assert!(gitignore.lines().any(|l| l == "/keys/me.agekey"), "{gitignore}");
    // The state of two branches merges through bckeys' merge driver.
    assert_eq!(repo.read(".gitattributes"), "bckeys.state.yaml merge=bckeys\n");
    repo.bckeys().arg("validate").assert().success();
    repo.bckeys().args(["plan", "--refresh=false"]).assert().success().stdout(predicate::str::contains("No changes."));

    if age_available() {
        // The generated identity is one the age tool accepts.
        let out = std::process::Command::new("age-keygen").arg("-y").arg(repo.path("keys/me.agekey")).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), public);
    }
}

#[test]
fn init_refuses_to_overwrite() {
    let repo = Repo::new();
    repo.write("bckeys.yaml", "mine\n");
    repo.bckeys()
        .args(["init", "--generate-identity", "k.agekey"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exist"));
    assert_eq!(repo.read("bckeys.yaml"), "mine\n");
    assert!(!repo.path("k.agekey").exists(), "nothing written when refusing");

    let other = Repo::new();
    other.write("k.agekey", "existing key\n");
    other.bckeys().args(["init", "--generate-identity", "k.agekey"]).assert().code(1);
    assert_eq!(other.read("k.agekey"), "existing key\n");
    assert!(!other.path("bckeys.yaml").exists());
}

#[test]
fn init_keeps_an_existing_gitignore() {
    let repo = Repo::new();
    repo.write(".gitignore", "node_modules\n");
    repo.bckeys().args(["init", "--recipient", &repo.recipient.clone()]).assert().success();
    let gitignore = repo.read(".gitignore");
    assert!(gitignore.starts_with("node_modules\n"), "{gitignore}");
    assert!(gitignore.contains("*.agekey"));
    repo.bckeys().arg("validate").assert().success();
}

#[test]
fn init_without_recipient_says_what_to_add() {
    let repo = Repo::new();
    repo.bckeys().arg("init").assert().success().stdout(predicate::str::contains("add your age or ssh public key"));
    repo.bckeys().arg("validate").assert().code(1).stderr(predicate::str::contains("no recipient"));
}

/// Without --identity or BCKEYS_IDENTITY*, bckeys reads the identity where people keep it, and
/// where `init --generate-identity` puts it: ~/.config/bckeys/identity.agekey (or under
/// $XDG_CONFIG_HOME).
#[test]
fn the_identity_is_found_where_people_keep_it() {
    let sandbox = crate::live::Sandbox::start("stores: {abc123def4: {}}\n");
    let repo = Repo::new();
    repo.bckeys().args(["init", "--generate-identity"]).assert().success().stdout(predicate::str::contains(format!(
        "Generated identity {}",
        repo.path(".config/bckeys/identity.agekey").display()
    )));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &str| std::fs::metadata(repo.path(p)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(".config/bckeys/identity.agekey"), 0o600);
        assert_eq!(mode(".config/bckeys"), 0o700);
    }
    assert!(repo.read(".gitignore").lines().any(|l| l == "bckeys.lock"), "{}", repo.read(".gitignore"));
    let config = repo.read("bckeys.yaml").replace(
        "stores: {}",
        "stores:\n  production:\n    store_hash: abc123def4\n    api_accounts:\n      erp-sync:\n        scopes: {orders: read-only}",
    );
    repo.write("bckeys.yaml", &config);
    let on_sandbox = || {
        let mut cmd = repo.bckeys();
        cmd.env("BCKEYS_API_BASE", &sandbox.url).env("BCKEYS_RETRY_BASE_MS", "5");
        cmd
    };
    // Nothing recorded: a refreshing plan needs no identity at all.
    on_sandbox()
        .env("XDG_CONFIG_HOME", repo.path("nowhere"))
        .arg("plan")
        .assert()
        .success()
        .stdout(predicate::str::contains("+ store/production/erp-sync create"));
    repo.write("creds.txt", &sandbox.create_account("erp-sync", &["store_v2_orders_read_only"]));
    on_sandbox().args(["import", "store/production/erp-sync", "--credentials", "creds.txt"]).assert().success();
    // Decrypted with the identity found at the default place.
    on_sandbox()
        .args(["reveal", "store/production/erp-sync"])
        .assert()
        .success()
        .stdout(predicate::str::contains("BIGCOMMERCE_ACCESS_TOKEN="));
    // $XDG_CONFIG_HOME moves the default place; none there, and the error says where to put it.
    on_sandbox()
        .env("XDG_CONFIG_HOME", repo.path("nowhere"))
        .args(["reveal", "store/production/erp-sync"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("~/.config/bckeys/identity.agekey"));
}
