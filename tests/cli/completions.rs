//! `bckeys completions`: a script per shell that completes commands, options and, by calling
//! bckeys back, the addresses of the configuration and the state in the current directory.
//! The bash script is run in a real bash, as a TAB would run it.

use crate::common::{save_state, store_account, webhook, Repo};

const CONFIG: &str = r#"version: 1
encryption:
  recipients: [RECIPIENT]
stores:
  production:
    store_hash: abc123def4
    api_accounts:
      erp-sync:
        scopes: {products: modify}
        webhooks:
          orders:
            scope: store/order/created
            destination: https://hooks.example.com/orders
      reporting:
        scopes: {orders: read-only}
  staging:
    store_hash: ffee123456
    api_accounts:
      erp-sync:
        scopes: {products: modify}
"#;

/// What bash offers at TAB after `line` (the last word is the one being completed), in a
/// bash that sourced `bckeys completions bash`, run in the repository.
fn bash_offers(repo: &Repo, line: &str) -> Vec<String> {
    let bin = assert_cmd::cargo::cargo_bin("bckeys");
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let script = r#"
        source <(bckeys completions bash)
        read -r -a COMP_WORDS <<< "$LINE"
        [[ "$LINE" == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_TYPE=9
        _clap_complete_bckeys bckeys "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let out = std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script])
        .current_dir(repo.dir.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", repo.dir.path())
        .env("LINE", line)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "completion wrote to the terminal: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().filter(|l| !l.is_empty()).map(|l| l.trim().to_owned()).collect()
}

fn repo() -> Repo {
    let repo = Repo::new();
    repo.write_config(CONFIG);
    let recipients = repo.recipients(&[]);
    save_state(
        &repo,
        vec![
            store_account(&repo, "store/production/erp-sync", &["store_v2_products"], &recipients),
            webhook(
                "store/production/erp-sync/webhook/orders",
                "store/order/created",
                "https://hooks.example.com/orders",
                true,
            ),
        ],
    );
    repo
}

#[test]
fn bash_completes_recorded_declared_and_importable_addresses() {
    let repo = repo();
    // What the state records: reveal, exec, state show|rm.
    assert_eq!(
        bash_offers(&repo, "bckeys reveal store/prod"),
        ["store/production/erp-sync", "store/production/erp-sync/webhook/orders"]
    );
    assert_eq!(
        bash_offers(&repo, "bckeys state rm store/production/erp-sync/w"),
        ["store/production/erp-sync/webhook/orders"]
    );
    assert_eq!(bash_offers(&repo, "bckeys exec st").len(), 2);
    // What import can adopt: declared, not yet recorded.
    assert_eq!(bash_offers(&repo, "bckeys import store/"), ["store/production/reporting", "store/staging/erp-sync"]);
    // What --replace and --target take; --target also a whole store.
    assert_eq!(bash_offers(&repo, "bckeys plan --target store/s"), ["store/staging", "store/staging/erp-sync"]);
    assert!(bash_offers(&repo, "bckeys apply --replace store/production/")
        .contains(&"store/production/reporting".to_owned()));
    // Commands and options still complete.
    assert_eq!(bash_offers(&repo, "bckeys dr"), ["drift"]);
    assert!(bash_offers(&repo, "bckeys plan --no-").contains(&"--no-color".to_owned()));
}

#[test]
fn completion_never_fails_on_broken_files() {
    let repo = repo();
    repo.write("bckeys.yaml", "stores: [this is: not: yaml\n");
    // The state still answers for recorded addresses; the broken configuration gives nothing.
    assert_eq!(bash_offers(&repo, "bckeys reveal store/production/erp-sync/").len(), 1);
    assert!(bash_offers(&repo, "bckeys import store/").is_empty());
    repo.write("bckeys.state.yaml", "<<<<<<< HEAD\n");
    assert!(bash_offers(&repo, "bckeys reveal st").is_empty());
}

#[test]
fn completion_scripts_call_bckeys_back_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = assert_cmd::Command::cargo_bin("bckeys").unwrap().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("BCKEYS_COMPLETE") && text.contains("bckeys"), "{shell}: {text}");
    }
    assert_cmd::Command::cargo_bin("bckeys").unwrap().args(["completions", "cmd.exe"]).assert().code(1);
    // An unknown shell in the variable is an error of its own (exit 1), never a run.
    assert_cmd::Command::cargo_bin("bckeys")
        .unwrap()
        .env("BCKEYS_COMPLETE", "cmd.exe")
        .args(["--", "bckeys", "pl"])
        .assert()
        .code(1);
}

#[test]
fn an_exported_completion_variable_never_changes_a_run() {
    let repo = repo();
    // Without the `--` that the scripts pass, the command runs as it would anyway.
    let out = repo.bckeys().env("BCKEYS_COMPLETE", "bash").args(["validate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("_clap_complete"), "a registration script instead of the run: {stdout}");
}
