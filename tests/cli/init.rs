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
        .stdout(predicate::str::contains("Generated identity keys/me.agekey"));
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
