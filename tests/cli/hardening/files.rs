//! Class 4: files stay inside the repository. Recipients files outside it are refused, and no
//! error quotes a line of a file that is not a recipients file; writes never go through a
//! symbolic link; a FIFO or a device where bckeys reads is an error, never a hang.

use std::time::{Duration, Instant};

use predicates::prelude::*;

use super::{recorded, ADDRESS, CONFIG};
use crate::common::Repo;

fn with_recipients_file(repo: &Repo, name: &str) {
    repo.write_config(&CONFIG.replace(
        "  recipients: [RECIPIENT]\n",
        &format!("  recipients: [RECIPIENT]\n  recipients_files: [\"{name}\"]\n"),
    ));
}

#[test]
fn recipients_files_outside_the_repository_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    let secret_file = outside.path().join("keys.txt");
    std::fs::write(&secret_file, "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n").unwrap();
    let repo = Repo::new();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&secret_file, repo.path("linked.txt")).unwrap();
    let relative = format!("../{}/keys.txt", outside.path().file_name().unwrap().to_str().unwrap());
    let mut names = vec![secret_file.display().to_string(), relative];
    if cfg!(unix) {
        names.push("linked.txt".into());
    }
    for name in names {
        with_recipients_file(&repo, &name);
        repo.bckeys()
            .arg("validate")
            .assert()
            .code(1)
            .stderr(predicate::str::contains(format!(
                "bckeys.yaml:4:22: recipients file `{name}` is outside the configuration's directory: bckeys reads recipients files only from inside the repository"
            )));
    }
}

#[test]
fn a_file_that_is_not_a_recipients_file_is_never_quoted() {
    let repo = Repo::new();
    repo.write("keys/identity.txt", "# created: 2026\nAGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\nroot:$6$hash-of-a-password:19000\n");
    with_recipients_file(&repo, "keys/identity.txt");
    repo.bckeys()
        .arg("validate")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("recipients file `keys/identity.txt`, line 2: this is a private key"))
        .stderr(predicate::str::contains(
            "recipients file `keys/identity.txt`, line 3: this line is not an age recipient",
        ))
        .stderr(predicate::str::contains("QQQQ").not())
        .stderr(predicate::str::contains("hash-of-a-password").not());
}

#[cfg(unix)]
#[test]
fn writes_never_go_through_a_symbolic_link() {
    let outside = tempfile::tempdir().unwrap();
    // A symlinked secrets/ directory: import would write the credential outside the repository.
    let repo = Repo::new();
    repo.write_config(CONFIG);
    std::os::unix::fs::symlink(outside.path(), repo.path("secrets")).unwrap();
    repo.write("creds.txt", "CLIENT NAME: erp-sync\nACCESS TOKEN: tok-123456\nCLIENT ID: cid\nAPI PATH: https://api.bigcommerce.com/stores/abc123def4/v3/\n");
    // Reads granted, write probes refused as BigCommerce refuses them.
    let hostile = crate::hostile::Hostile::start(|r| {
        crate::hostile::Reply::status(if r.method == "GET" { 200 } else { 422 }, &[], r#"{"data":[]}"#)
    });
    repo.bckeys_on(&hostile.url)
        .args(["import", ADDRESS, "--credentials", "creds.txt"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("secrets is a symbolic link"));
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0, "nothing written outside");
    assert!(!repo.path("bckeys.state.yaml").exists());

    // A symlinked secret file: rekey would replace it, reveal would read through it.
    let repo = recorded();
    let file = repo.path("secrets/store/production/erp-sync.age");
    std::fs::rename(&file, outside.path().join("moved.age")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("moved.age"), &file).unwrap();
    repo.bckeys_on("http://127.0.0.1:9")
        .args(["reveal", ADDRESS])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("erp-sync.age is a symbolic link"));
    // A symlinked state file is refused too, and left as it is.
    let repo = recorded();
    std::fs::rename(repo.path("bckeys.state.yaml"), outside.path().join("state.yaml")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("state.yaml"), repo.path("bckeys.state.yaml")).unwrap();
    repo.bckeys().args(["state", "dismiss-intent", "store/production/storefront-token/x"]).assert().code(1);
    assert!(std::fs::symlink_metadata(repo.path("bckeys.state.yaml")).unwrap().file_type().is_symlink());
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_where_bckeys_reads_is_an_error_not_a_hang() {
    let mkfifo = |path: &std::path::Path| {
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    };
    let repo = Repo::new();
    repo.write_config(CONFIG);
    mkfifo(&repo.path("creds.fifo"));
    let started = Instant::now();
    repo.bckeys()
        .args(["import", ADDRESS, "--credentials", "creds.fifo"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("creds.fifo: it is a FIFO (named pipe), not a regular file"));
    repo.bckeys()
        .args(["import", ADDRESS, "--credentials", "/dev/zero"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("it is a device, not a regular file"));
    // The configuration and the state.
    let state = recorded();
    std::fs::remove_file(state.path("bckeys.state.yaml")).unwrap();
    mkfifo(&state.path("bckeys.state.yaml"));
    state
        .bckeys()
        .args(["plan", "--refresh=false"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("FIFO"));
    let config = Repo::new();
    mkfifo(&config.path("bckeys.yaml"));
    config
        .bckeys()
        .arg("validate")
        .timeout(Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("FIFO"));
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[cfg(unix)]
#[test]
fn a_replacement_never_copies_a_linked_secret_file_into_the_repository() {
    use crate::live::Sandbox;
    let sandbox = Sandbox::start("stores: {abc123def4: {}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    repo.write("old.txt", &sandbox.create_account("erp-sync", &["store_v2_products_read_only"]));
    repo.bckeys_on(&sandbox.url).args(["import", ADDRESS, "--credentials", "old.txt"]).assert().success();
    // The scopes change (a replacement), and the recorded file is now a link to a file elsewhere.
    repo.write_config(&CONFIG.replace("products: read-only", "products: modify"));
    repo.write("new.txt", &sandbox.create_account("erp-sync", &["store_v2_products"]));
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("victim.txt"), "AGE-SECRET-KEY-1VICTIM\n").unwrap();
    let file = repo.path("secrets/store/production/erp-sync.age");
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(outside.path().join("victim.txt"), &file).unwrap();
    let state = repo.read("bckeys.state.yaml");
    repo.bckeys_on(&sandbox.url)
        .args(["apply", "--auto-approve", "--non-interactive", "--refresh=false"])
        .args(["--credentials", &format!("{ADDRESS}=new.txt")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("erp-sync.age is a symbolic link"));
    assert!(!repo.path("secrets/store/production/erp-sync.retiring.age").exists(), "nothing copied");
    assert_eq!(repo.read("bckeys.state.yaml"), state, "the state is as it was");
}
