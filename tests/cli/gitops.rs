//! The GitOps loop in a real git repository (issue 11): two branches that both applied merge
//! their states through bckeys' merge driver, and the merged repository validates and plans no
//! change; git's own text merge leaves markers that every command names; a run that changes
//! nothing writes nothing.

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
        webhooks: {}
      storefront-issuer:
        scopes: {storefront_api_tokens: modify}
      # Accounts for reporting.
      # (kept apart so that each branch's edit is its own hunk)
      #
      #
    storefront_tokens: {}
"#;

/// A command run in the repository, as its author, whatever the machine's git configuration.
fn in_repo(program: &str, repo: &Repo) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    cmd.current_dir(repo.path(""))
        .env("HOME", repo.path(""))
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com");
    cmd
}

fn git(repo: &Repo, args: &[&str]) -> String {
    let out = in_repo("git", repo).args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "git {args:?}: {text}");
    text
}

fn apply(repo: &Repo, sandbox: &Sandbox) {
    repo.bckeys_on(&sandbox.url).args(["apply", "--auto-approve", "--sandbox-panel"]).assert().code(0);
}

/// A step of the example workflow (examples/github/bckeys.sh), as GitHub would run it; returns
/// what it wrote to $GITHUB_OUTPUT.
fn workflow_step(repo: &Repo, sandbox: &Sandbox, step: &str) -> String {
    workflow_step_with(repo, sandbox, step, &[])
}

fn workflow_step_with(repo: &Repo, sandbox: &Sandbox, step: &str, env: &[(&str, &str)]) -> String {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/github/bckeys.sh");
    let outputs = repo.path("github-output");
    std::fs::write(&outputs, "").unwrap();
    let out = in_repo("bash", repo)
        .arg(&script)
        .arg(step)
        .env("BCKEYS", assert_cmd::cargo::cargo_bin("bckeys"))
        .env("BCKEYS_API_BASE", &sandbox.url)
        .env("BCKEYS_IDENTITY_FILE", repo.path("identity.agekey"))
        .env("BCKEYS_PUSH", "false")
        .env("GITHUB_OUTPUT", &outputs)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bckeys.sh {step}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&outputs).unwrap()
}

#[test]
fn two_branches_that_both_applied_merge_through_the_driver() {
    let sandbox = Sandbox::start("stores: {abc123def4: {quota: 10000, window_ms: 30000}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    repo.write(".gitattributes", "bckeys.state.yaml merge=bckeys\n");
    git(&repo, &["init", "-q", "-b", "main"]);
    let driver = format!("{} state merge %O %A %B", assert_cmd::cargo::cargo_bin("bckeys").display());
    git(&repo, &["config", "merge.bckeys.driver", &driver]);
    apply(&repo, &sandbox);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "accounts"]);

    // Branch a: a webhook on erp-sync.
    git(&repo, &["checkout", "-q", "-b", "a"]);
    let config = repo.read("bckeys.yaml");
    repo.write(
        "bckeys.yaml",
        &config.replace(
            "        webhooks: {}\n",
            "        webhooks:\n          order-created:\n            scope: store/order/created\n            destination: https://erp.example.com/hooks\n",
        ),
    );
    git(&repo, &["commit", "-q", "-am", "webhook"]);
    // The workflow's apply job: applies, then commits the state and the secret files back.
    assert_eq!(workflow_step(&repo, &sandbox, "apply"), "guided=false\n");
    assert!(git(&repo, &["log", "-1", "--format=%s"]).contains("bckeys apply: record the state"));
    assert!(git(&repo, &["status", "--porcelain", "--", "bckeys.state.yaml", "secrets"]).is_empty());

    // Branch b, from main: a storefront token.
    git(&repo, &["checkout", "-q", "main"]);
    git(&repo, &["checkout", "-q", "-b", "b"]);
    repo.write(
        "bckeys.yaml",
        &config.replace(
            "    storefront_tokens: {}\n",
            "    storefront_tokens:\n      web:\n        issuer: storefront-issuer\n        type: storefront\n        channel_ids: [1]\n        lifetime: 30d\n",
        ),
    );
    git(&repo, &["commit", "-q", "-am", "token"]);
    assert_eq!(workflow_step(&repo, &sandbox, "apply"), "guided=false\n");
    let serial_b = repo.state().serial;

    // Merged: both changes in one state, past both serials.
    git(&repo, &["checkout", "-q", "a"]);
    let serial_a = repo.state().serial;
    git(&repo, &["merge", "-q", "--no-edit", "b"]);
    let state = repo.state();
    assert!(state.resources.contains_key(&"store/production/erp-sync/webhook/order-created".parse().unwrap()));
    assert!(state.resources.contains_key(&"store/production/storefront-token/web".parse().unwrap()));
    assert_eq!(state.serial, serial_a.max(serial_b) + 1);
    repo.bckeys().arg("validate").assert().success();
    repo.bckeys_on(&sandbox.url)
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No changes."));
    // The workflow's plan and drift jobs agree.
    assert_eq!(workflow_step(&repo, &sandbox, "plan"), "changes=false\n");
    assert!(
        repo.read("comment.md").starts_with("<!-- bckeys-plan -->\n### bckeys plan"),
        "{}",
        repo.read("comment.md")
    );
    assert_eq!(workflow_step(&repo, &sandbox, "drift"), "result=in_sync\n");
}

#[test]
fn the_driver_names_conflicts_and_git_markers_are_named_by_every_command() {
    let repo = Repo::new();
    repo.write_config(CONFIG);
    let record = |id: u64| {
        format!("resources:\n  store/production/erp-sync/webhook/h:\n    kind: webhook\n    active: true\n    destination: https://x.example.com/h\n    id: {id}\n    scope: store/order/created\nserial: 3\nversion: 1\n")
    };
    repo.write("base.yaml", &record(1));
    repo.write("ours.yaml", &record(2));
    repo.write("theirs.yaml", &record(3));
    repo.bckeys()
        .args(["state", "merge", "base.yaml", "ours.yaml", "theirs.yaml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("store/production/erp-sync/webhook/h"));
    assert!(repo.read("ours.yaml").contains("id: 2"), "ours is kept where both changed");
    // An empty ancestor (no common history) is an empty state.
    repo.write("base.yaml", "");
    repo.write("ours.yaml", &record(2));
    repo.bckeys().args(["state", "merge", "base.yaml", "ours.yaml", "ours.yaml"]).assert().code(0);

    // git's text merge of two states, as without the driver.
    repo.write("bckeys.state.yaml", &format!("<<<<<<< HEAD\n{}=======\n{}>>>>>>> b\n", record(2), record(3)));
    repo.bckeys()
        .arg("validate")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bckeys.state.yaml:1:1: git conflict markers"))
        .stderr(predicate::str::contains("bckeys state merge %O %A %B"));
}

/// A plan too long for a comment is cut, with a link to the job summary, which has all of it.
#[test]
fn a_plan_longer_than_a_comment_is_cut_and_links_the_summary() {
    let sandbox = Sandbox::start("stores: {abc123def4: {quota: 10000, window_ms: 30000}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    let summary = repo.path("summary.md");
    let env = [
        ("COMMENT_LIMIT", "200"),
        ("RUN_URL", "https://github.example/run/1"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ];
    assert_eq!(workflow_step_with(&repo, &sandbox, "plan", &env), "changes=true\n");
    let comment = repo.read("comment.md");
    assert!(comment.starts_with("<!-- bckeys-plan -->\n"), "{comment}");
    assert!(comment.ends_with("it is whole in the [job summary](https://github.example/run/1)._\n"), "{comment}");
    assert!(comment.len() < 400, "{comment}");
    let whole = repo.read("plan.md");
    assert!(whole.len() > 200 && repo.read("summary.md").contains(&whole));
}

/// A run that changes nothing writes nothing: the repository only changes when something did.
#[test]
fn a_run_that_changes_nothing_leaves_the_state_untouched() {
    let sandbox = Sandbox::start("stores: {abc123def4: {quota: 10000, window_ms: 30000}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    let next = "Next: commit what this apply recorded (git add bckeys.state.yaml secrets && git commit)";
    repo.bckeys_on(&sandbox.url)
        .args(["apply", "--auto-approve", "--sandbox-panel"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(next));
    let path = repo.path("bckeys.state.yaml");
    let before = (repo.read("bckeys.state.yaml"), std::fs::metadata(&path).unwrap().modified().unwrap());
    // Nothing to do: nothing written, nothing to commit.
    repo.bckeys_on(&sandbox.url)
        .args(["apply", "--auto-approve", "--sandbox-panel"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(next).not());
    repo.bckeys_on(&sandbox.url).arg("drift").assert().code(0);
    repo.bckeys_on(&sandbox.url).arg("rekey").assert().success();
    let after = (repo.read("bckeys.state.yaml"), std::fs::metadata(&path).unwrap().modified().unwrap());
    assert_eq!(before, after);
}
