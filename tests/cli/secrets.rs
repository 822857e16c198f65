//! Handing credentials out and re-encrypting them: `reveal`, `exec` and `rekey`, through the
//! binary, with the real `sh` and (when installed) the real `age` tool.

use std::process::Command as Std;

use bckeys::address::Address;
use bckeys::state::{ApiAccountRecord, Resource, SecretRecord, State};
use bckeys::vault::{self, Credential, Recipient};
use predicates::prelude::*;

use crate::common::{addr, age_available, save_state, store_account, token, webhook, Repo};

/// A token with every character a shell could trip on.
const TRICKY_TOKEN: &str = "tok'en $HOME `id` \"dq\" \\ ;|&*";
const SECRET: &str = "client-s3cret-'quoted'";
const UUID: &str = "0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f";

fn configure(repo: &Repo, recipients: &[&str]) {
    let list: Vec<String> = recipients.iter().map(|r| format!("    - {r}\n")).collect();
    repo.write("bckeys.yaml", &format!("version: 1\nencryption:\n  recipients:\n{}", list.concat()));
}

/// Encrypts `credential` to `recipients` where bckeys keeps it and returns its record.
fn seal(repo: &Repo, credential: &Credential, recipients: &[Recipient]) -> SecretRecord {
    let address: Address = credential.address.parse().unwrap();
    let rel = address.secret_path();
    let written = vault::write_file(
        repo.dir.path(),
        &repo.path(rel.to_str().unwrap()),
        credential.to_yaml().as_bytes(),
        recipients,
        true,
        None,
    )
    .unwrap();
    SecretRecord::encrypted_to(rel, recipients, written.sha256)
}

/// A credential file's contents as bckeys writes them, read back through the product's parser.
fn credential(address: &str, kind: &str, token: &str) -> Credential {
    let name = address.rsplit('/').next().unwrap();
    let owner = if kind == "account_api_account" {
        format!("account_uuid: {UUID}\napi_path: https://api.bigcommerce.com/accounts/{UUID}/graphql")
    } else {
        "store_hash: abc123def4\napi_path: https://api.bigcommerce.com/stores/abc123def4/v3/".to_owned()
    };
    let yaml = format!(
        "address: {address}\nkind: {kind}\n{owner}\nname: {name}\nclient_id: client-id-1\nclient_secret: {SECRET}\naccess_token: {token}\nscopes: [store_v2_products]\ncreated_at: 2026-11-01T00:00:00Z\n"
    );
    Credential::from_yaml(yaml.as_bytes()).expect("a credential file as bckeys writes it")
}

fn api_account(repo: &Repo, address: &str, kind: &str, token: &str) -> (Address, Resource) {
    let secret = seal(repo, &credential(address, kind, token), &repo.recipients(&[]));
    let account_level = kind == "account_api_account";
    let record = ApiAccountRecord {
        account_uuid: account_level.then(|| UUID.parse().unwrap()),
        client_id: "client-id-1".into(),
        created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
        exposed: false,
        name: address.rsplit('/').next().unwrap().into(),
        scopes: vec!["store_v2_products".into()],
        retire_after: None,
        secret,
        store_hash: (!account_level).then(|| "abc123def4".parse().unwrap()),
        unverified_levels: Some(Vec::new()),
    };
    let resource = if account_level { Resource::AccountApiAccount(record) } else { Resource::StoreApiAccount(record) };
    (addr(address), resource)
}

/// A repository with a store-level account, an account-level one and a storefront token.
fn recorded() -> Repo {
    let repo = Repo::new();
    configure(&repo, &[&repo.recipient]);
    let r = repo.recipients(&[]);
    save_state(
        &repo,
        vec![
            api_account(&repo, "store/prod/erp-sync", "store_api_account", TRICKY_TOKEN),
            api_account(&repo, "account/acme/user-provisioning", "account_api_account", "acct-token-1"),
            token(&repo, "store/prod/storefront-token/web", "2099-01-01T00:00:00Z", &r),
        ],
    );
    repo
}

fn reveal(repo: &Repo, address: &str, format: &str) -> String {
    let out = repo
        .bckeys()
        .args(["reveal", address, "--format", format, "--identity"])
        .arg(&repo.identity)
        .assert()
        .success()
        .stderr("")
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// Evaluates `env` output in a POSIX shell and prints the named variables, NUL-separated.
fn shell_eval(env: &str, names: &[&str]) -> Vec<String> {
    let script = names.iter().map(|n| format!("printf '%s\\0' \"${n}\";")).collect::<String>();
    let out = assert_cmd::Command::new("sh")
        .args(["-c", &format!("eval \"$(cat)\"; {script}")])
        .env("HOME", "/home/not-expanded")
        .write_stdin(env)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    text.split_terminator('\0').map(str::to_owned).collect()
}

fn names(env: &str) -> Vec<&str> {
    env.lines().map(|l| l.split_once('=').unwrap().0).collect()
}

#[test]
fn reveal_env_is_shell_safe_and_has_the_store_variables() {
    let repo = recorded();
    let env = reveal(&repo, "store/prod/erp-sync", "env");
    assert_eq!(
        names(&env),
        [
            "BIGCOMMERCE_STORE_HASH",
            "BIGCOMMERCE_ACCESS_TOKEN",
            "BIGCOMMERCE_CLIENT_ID",
            "BIGCOMMERCE_CLIENT_SECRET",
            "BIGCOMMERCE_API_PATH"
        ]
    );
    assert!(env.lines().all(|l| l.starts_with("BIGCOMMERCE_") && l.contains("='") && l.ends_with('\'')), "{env}");
    let values = shell_eval(
        &env,
        &["BIGCOMMERCE_ACCESS_TOKEN", "BIGCOMMERCE_CLIENT_SECRET", "BIGCOMMERCE_STORE_HASH", "BIGCOMMERCE_API_PATH"],
    );
    assert_eq!(
        values,
        [TRICKY_TOKEN, SECRET, "abc123def4", "https://api.bigcommerce.com/stores/abc123def4/v3/"],
        "{env}"
    );
    // The default format is env.
    let default = repo
        .bckeys()
        .args(["reveal", "store/prod/erp-sync", "--identity"])
        .arg(&repo.identity)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(default).unwrap(), env);
}

#[test]
fn reveal_env_of_an_account_level_account_and_a_storefront_token() {
    let repo = recorded();
    let env = reveal(&repo, "account/acme/user-provisioning", "env");
    assert_eq!(
        names(&env),
        [
            "BIGCOMMERCE_ACCOUNT_UUID",
            "BIGCOMMERCE_ACCESS_TOKEN",
            "BIGCOMMERCE_CLIENT_ID",
            "BIGCOMMERCE_CLIENT_SECRET",
            "BIGCOMMERCE_API_PATH"
        ]
    );
    assert_eq!(shell_eval(&env, &["BIGCOMMERCE_ACCOUNT_UUID", "BIGCOMMERCE_ACCESS_TOKEN"]), [UUID, "acct-token-1"]);

    let env = reveal(&repo, "store/prod/storefront-token/web", "env");
    assert_eq!(names(&env), ["BIGCOMMERCE_STOREFRONT_TOKEN", "BIGCOMMERCE_STORE_HASH"]);
    assert_eq!(
        shell_eval(&env, &["BIGCOMMERCE_STOREFRONT_TOKEN", "BIGCOMMERCE_STORE_HASH"]),
        ["access-token-sf", "abc123def4"]
    );
}

#[test]
fn reveal_json_and_yaml_carry_every_field() {
    let repo = recorded();
    let check = |v: &serde_json::Value| {
        assert_eq!(v["address"], "store/prod/erp-sync");
        assert_eq!(v["kind"], "store_api_account");
        assert_eq!(v["store_hash"], "abc123def4");
        assert_eq!(v["name"], "erp-sync");
        assert_eq!(v["client_id"], "client-id-1");
        assert_eq!(v["client_secret"], SECRET);
        assert_eq!(v["access_token"], TRICKY_TOKEN);
        assert_eq!(v["api_path"], "https://api.bigcommerce.com/stores/abc123def4/v3/");
        assert_eq!(v["scopes"], serde_json::json!(["store_v2_products"]));
        assert_eq!(v["created_at"], "2026-11-01T00:00:00Z");
        assert!(v.get("account_uuid").is_none(), "{v}");
    };
    let json: serde_json::Value = serde_json::from_str(&reveal(&repo, "store/prod/erp-sync", "json")).unwrap();
    check(&json);
    let yaml: serde_json::Value = serde_yaml::from_str(&reveal(&repo, "store/prod/erp-sync", "yaml")).unwrap();
    check(&yaml);

    let json: serde_json::Value =
        serde_json::from_str(&reveal(&repo, "account/acme/user-provisioning", "json")).unwrap();
    assert_eq!(json["account_uuid"], UUID);
    assert!(json.get("store_hash").is_none(), "{json}");
}

#[test]
fn reveal_without_an_identity_says_how_to_give_one() {
    let repo = recorded();
    repo.bckeys().args(["reveal", "store/prod/erp-sync"]).assert().code(1).stdout("").stderr(
        predicate::str::contains("needs an identity")
            .and(predicate::str::contains("secrets/store/prod/erp-sync.age"))
            .and(predicate::str::contains("--identity"))
            .and(predicate::str::contains("BCKEYS_IDENTITY_FILE"))
            .and(predicate::str::contains("BCKEYS_IDENTITY "))
            .and(predicate::str::contains("panicked").not()),
    );
    // Given through the environment, it works.
    repo.bckeys()
        .args(["reveal", "store/prod/erp-sync"])
        .env("BCKEYS_IDENTITY_FILE", &repo.identity)
        .assert()
        .success();
    repo.bckeys()
        .args(["reveal", "store/prod/erp-sync"])
        .env("BCKEYS_IDENTITY", std::fs::read_to_string(&repo.identity).unwrap())
        .assert()
        .success();
}

#[test]
fn reveal_of_an_unrecorded_address_names_it() {
    let repo = recorded();
    repo.bckeys()
        .args(["reveal", "store/prod/not-there", "--identity"])
        .arg(&repo.identity)
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("`store/prod/not-there` is not recorded")
                .and(predicate::str::contains("bckeys plan"))
                .and(predicate::str::contains("bckeys apply")),
        );
    // A webhook is not a credential: its API account's is.
    let mut state = state(&repo);
    let (address, hook) =
        webhook("store/prod/erp-sync/webhook/orders", "store/order/created", "https://x.example/h", true);
    state.resources.insert(address, hook);
    state.save(&repo.path("bckeys.state.yaml")).unwrap();
    repo.bckeys()
        .args(["reveal", "store/prod/erp-sync/webhook/orders", "--identity"])
        .arg(&repo.identity)
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("is a webhook, not a credential")
                .and(predicate::str::contains("bckeys reveal store/prod/erp-sync")),
        );
    repo.bckeys()
        .args(["reveal", "store/../etc", "--identity"])
        .arg(&repo.identity)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a resource address"));
}

#[test]
fn reveal_and_exec_refuse_a_file_holding_another_kind_of_credential_than_recorded() {
    // An API account's keys in the file a storefront token is recorded with (its SHA-256 is the
    // recorded one): neither command hands out variables of a kind the state does not record.
    let repo = Repo::new();
    configure(&repo, &[&repo.recipient]);
    let address = "store/prod/storefront-token/web";
    let (a, mut resource) = token(&repo, address, "2099-01-01T00:00:00Z", &repo.recipients(&[]));
    let secret = seal(&repo, &credential(address, "store_api_account", "keys-not-a-token"), &repo.recipients(&[]));
    if let Resource::StorefrontToken(t) = &mut resource {
        t.secret = secret;
    }
    save_state(&repo, vec![(a, resource)]);
    let identity = repo.identity.to_str().unwrap();
    for args in
        [vec!["reveal", address, "--identity", identity], vec!["exec", address, "--identity", identity, "--", "true"]]
    {
        repo.bckeys().args(&args).assert().code(1).stdout("").stderr(
            predicate::str::contains("holds another kind of credential than the state records")
                .and(predicate::str::contains("keys-not-a-token").not()),
        );
    }
}

#[test]
fn reveal_refuses_a_file_changed_outside_bckeys() {
    let repo = recorded();
    // A valid age file for the right recipient, but not the one the state recorded.
    let forged = credential("store/prod/erp-sync", "store_api_account", "forged-token");
    vault::write_file(
        repo.dir.path(),
        &repo.path("secrets/store/prod/erp-sync.age"),
        forged.to_yaml().as_bytes(),
        &repo.recipients(&[]),
        true,
        None,
    )
    .unwrap();
    for format in ["env", "json"] {
        repo.bckeys()
            .args(["reveal", "store/prod/erp-sync", "--format", format, "--identity"])
            .arg(&repo.identity)
            .assert()
            .code(1)
            .stdout("")
            .stderr(
                predicate::str::contains("does not match the SHA-256 recorded")
                    .and(predicate::str::contains("changed outside bckeys"))
                    .and(predicate::str::contains("git checkout -- secrets/store/prod/erp-sync.age"))
                    .and(predicate::str::contains("forged-token").not()),
            );
    }
    // A missing file is named too.
    std::fs::remove_file(repo.path("secrets/store/prod/erp-sync.age")).unwrap();
    repo.bckeys()
        .args(["reveal", "store/prod/erp-sync", "--identity"])
        .arg(&repo.identity)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is missing"));
}

#[test]
fn exec_passes_the_variables_and_the_exit_code() {
    let repo = recorded();
    let script = format!(
        "test \"$BIGCOMMERCE_ACCESS_TOKEN\" = '{}' && test \"$BIGCOMMERCE_STORE_HASH\" = abc123def4 \
         && test -z \"${{BIGCOMMERCE_ACCOUNT_UUID+set}}\" && test \"$UNRELATED\" = kept && exit 7",
        TRICKY_TOKEN.replace('\'', "'\\''")
    );
    repo.bckeys()
        .args(["exec", "store/prod/erp-sync", "--identity"])
        .arg(&repo.identity)
        .args(["--", "sh", "-c", &script])
        // An inherited variable of another credential is not passed on; others are.
        .env("BIGCOMMERCE_ACCOUNT_UUID", "stale")
        .env("UNRELATED", "kept")
        .assert()
        .code(7)
        .stdout("")
        .stderr("");
    // `--` may be left out when the command's own options can't be mistaken for bckeys' ones.
    repo.bckeys()
        .args(["exec", "store/prod/erp-sync", "--identity"])
        .arg(&repo.identity)
        .args(["sh", "-c", "exit 3"])
        .assert()
        .code(3);
    // Success is 0, the command's output is its own.
    repo.bckeys()
        .args(["exec", "store/prod/storefront-token/web", "--identity"])
        .arg(&repo.identity)
        .args(["--", "sh", "-c", "printf %s \"$BIGCOMMERCE_STOREFRONT_TOKEN\""])
        .assert()
        .success()
        .stdout("access-token-sf")
        .stderr("");
}

#[cfg(unix)]
#[test]
fn exec_reports_a_signal_as_128_plus_it_and_passes_signals_on_to_the_command() {
    let repo = recorded();
    let run = |script: &str| {
        repo.bckeys()
            .args(["exec", "store/prod/erp-sync", "--identity"])
            .arg(&repo.identity)
            .args(["--", "sh", "-c", script])
            .assert()
    };
    run("kill -TERM $$").code(128 + 15);
    // SIGINT and SIGTERM sent to bckeys (a CI runner cancelling the job) reach the command, and
    // bckeys waits for it and ends with its code: no command is left running behind it.
    run("trap 'exit 7' INT; kill -INT $PPID; sleep 5 & wait").code(7);
    run("trap 'exit 9' TERM; kill -TERM $PPID; sleep 5 & wait").code(9);
    // A command that does not catch them ends by them, and bckeys says so.
    run("kill -TERM $PPID; sleep 5").code(128 + 15);
}

#[test]
fn exec_of_a_missing_command_exits_127_and_names_it() {
    let repo = recorded();
    repo.bckeys()
        .args(["exec", "store/prod/erp-sync", "--identity"])
        .arg(&repo.identity)
        .args(["--", "no-such-command-bckeys", "arg"])
        .assert()
        .code(127)
        .stdout("")
        .stderr(
            predicate::str::contains("cannot run `no-such-command-bckeys`: command not found")
                .and(predicate::str::contains("tok'en").not())
                .and(predicate::str::contains(SECRET).not()),
        );
}

#[test]
fn exec_checks_like_reveal_before_running_anything() {
    let repo = recorded();
    let marker = repo.path("ran");
    let touch = format!("touch '{}'", marker.display());
    repo.bckeys()
        .args(["exec", "store/prod/erp-sync", "--", "sh", "-c", &touch])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("BCKEYS_IDENTITY_FILE"));
    repo.bckeys()
        .args(["exec", "store/prod/nope", "--identity"])
        .arg(&repo.identity)
        .args(["--", "sh", "-c", &touch])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`store/prod/nope` is not recorded"));
    std::fs::write(repo.path("secrets/store/prod/erp-sync.age"), "tampered").unwrap();
    repo.bckeys()
        .args(["exec", "store/prod/erp-sync", "--identity"])
        .arg(&repo.identity)
        .args(["--", "sh", "-c", &touch])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("changed outside bckeys"));
    assert!(!marker.exists(), "the command must not run when bckeys refuses");
}

fn state(repo: &Repo) -> State {
    State::load(&repo.path("bckeys.state.yaml")).unwrap()
}

fn secret_of<'a>(state: &'a State, address: &str) -> &'a SecretRecord {
    state.resources[&addr(address)].secret().unwrap()
}

fn file(repo: &Repo, address: &str) -> Vec<u8> {
    std::fs::read(repo.path(&format!("secrets/{address}.age"))).unwrap()
}

fn rekey(repo: &Repo, extra: &[&str]) -> assert_cmd::assert::Assert {
    repo.bckeys().arg("rekey").args(extra).arg("--identity").arg(&repo.identity).assert()
}

#[test]
fn rekey_after_adding_a_recipient_rewrites_only_the_outdated_files() {
    let repo = Repo::new();
    let newcomer = Repo::new();
    let old = repo.recipients(&[]);
    let both = repo.recipients(&[&newcomer.recipient]);
    save_state(
        &repo,
        vec![
            store_account(&repo, "store/prod/alpha-sync", &["store_v2_products"], &old),
            store_account(&repo, "store/prod/beta-sync", &["store_v2_products"], &both),
            token(&repo, "store/prod/storefront-token/web", "2099-01-01T00:00:00Z", &old),
        ],
    );
    configure(&repo, &[&repo.recipient, &newcomer.recipient]);
    let before_alpha = file(&repo, "store/prod/alpha-sync");
    let before_beta = file(&repo, "store/prod/beta-sync");
    let before_state = state(&repo);

    let out = rekey(&repo, &[]).success().get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("Rekeyed 2 secret files"), "{out}");
    assert!(out.contains("store/prod/alpha-sync") && out.contains("store/prod/storefront-token/web"), "{out}");
    assert!(!out.contains("beta-sync"), "{out}");
    assert!(out.contains("Left untouched: 1 file"), "{out}");
    assert!(out.contains("No recipient was removed"), "{out}");
    assert!(!out.contains("access-token"), "no secret in the report: {out}");

    assert_ne!(file(&repo, "store/prod/alpha-sync"), before_alpha);
    assert_eq!(file(&repo, "store/prod/beta-sync"), before_beta, "an up-to-date file keeps its bytes");
    let after = state(&repo);
    assert_eq!(after.serial, before_state.serial + 1);
    let fingerprint = vault::fingerprint(&both);
    for address in ["store/prod/alpha-sync", "store/prod/beta-sync", "store/prod/storefront-token/web"] {
        let secret = secret_of(&after, address);
        assert_eq!(secret.recipients, fingerprint, "{address}");
        assert_eq!(secret.readers, vault::readers(&both), "{address}");
        assert_eq!(bckeys::fsutil::sha256_hex(&file(&repo, address)), secret.sha256, "{address}");
    }
    assert_eq!(secret_of(&after, "store/prod/beta-sync"), secret_of(&before_state, "store/prod/beta-sync"));
    // The old identity still reads it, through bckeys.
    repo.bckeys()
        .args(["reveal", "store/prod/alpha-sync", "--identity"])
        .arg(&repo.identity)
        .assert()
        .success()
        .stdout(predicate::str::contains("BIGCOMMERCE_ACCESS_TOKEN='access-token-t'"));

    if age_available() {
        for address in ["store/prod/alpha-sync", "store/prod/storefront-token/web"] {
            let out = Std::new("age")
                .arg("-d")
                .arg("-i")
                .arg(&newcomer.identity)
                .arg(repo.path(&format!("secrets/{address}.age")))
                .output()
                .unwrap();
            assert!(out.status.success(), "{address}: {}", String::from_utf8_lossy(&out.stderr));
            assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("address: {address}")));
        }
    } else {
        eprintln!("SKIPPED: the `age` command is not installed; the newcomer's decryption was not checked with it");
    }

    // Nothing left to do: nothing written, the serial stays.
    let text = repo.read("bckeys.state.yaml");
    let alpha = file(&repo, "store/prod/alpha-sync");
    repo.bckeys().arg("rekey").assert().success().stdout(predicate::str::contains("Nothing to rekey"));
    rekey(&repo, &[]).success().stdout(predicate::str::contains("Nothing to rekey: all 3 secret files"));
    assert_eq!(repo.read("bckeys.state.yaml"), text);
    assert_eq!(file(&repo, "store/prod/alpha-sync"), alpha);
    assert!(!repo.path("bckeys.lock").exists());
}

/// A repository whose files were encrypted to two recipients, the second of which is removed
/// from the configuration.
fn removed_recipient() -> (Repo, Repo) {
    let repo = Repo::new();
    let leaver = Repo::new();
    let both = repo.recipients(&[&leaver.recipient]);
    save_state(
        &repo,
        vec![
            store_account(&repo, "store/prod/erp-sync", &["store_v2_products"], &both),
            token(&repo, "store/prod/storefront-token/web", "2099-01-01T00:00:00Z", &both),
        ],
    );
    configure(&repo, &[&repo.recipient]);
    (repo, leaver)
}

#[test]
fn rekey_after_removing_a_recipient_lists_the_exposed_credentials() {
    let (repo, leaver) = removed_recipient();
    let out = rekey(&repo, &[]).success().get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("Exposed: 2 credentials"), "{out}");
    assert!(out.contains(&format!("store/prod/erp-sync  readable by the removed {}", leaver.recipient)), "{out}");
    assert!(out.contains("store/prod/storefront-token/web"), "{out}");
    assert!(out.contains("revokes nothing already in git history"), "{out}");
    assert!(out.contains("must be rotated"), "{out}");
    assert!(out.contains("--rotate-exposed"), "{out}");
    let after = state(&repo);
    assert!(!repo.state().resources.values().any(|r| matches!(r, bckeys::state::Resource::StoreApiAccount(a) | bckeys::state::Resource::AccountApiAccount(a) if a.exposed)), "not marked without --rotate-exposed");
    assert_eq!(secret_of(&after, "store/prod/erp-sync").readers, vec![repo.recipient.clone()]);
    // The leaver can't read the new files.
    let err = vault::read_file(&repo.path("secrets/store/prod/erp-sync.age"), &leaver.identities()).unwrap_err();
    assert!(err.to_string().contains("none of the identities given is a recipient of"), "{err}");
}

#[test]
fn rekey_rotate_exposed_marks_the_api_accounts_for_replacement() {
    let (repo, _leaver) = removed_recipient();
    let out = rekey(&repo, &["--rotate-exposed"]).success().get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("To replace:"), "{out}");
    assert!(out.contains("store/prod/erp-sync  API account, marked `exposed`"), "{out}");
    assert!(
        out.contains("store/prod/storefront-token/web  storefront token, valid until 2099-01-01T00:00:00Z"),
        "{out}"
    );
    let after = state(&repo);
    match &after.resources[&addr("store/prod/erp-sync")] {
        Resource::StoreApiAccount(r) => assert!(r.exposed),
        other => panic!("{other:?}"),
    }
    assert_eq!(after.serial, 2);
}

#[test]
fn rekey_of_records_without_readers_says_it_cant_tell() {
    let (repo, _leaver) = removed_recipient();
    let text = repo.read("bckeys.state.yaml");
    let without: String = {
        let mut skipping = false;
        let mut out = String::new();
        for line in text.lines() {
            if line.trim_start().starts_with("readers:") {
                skipping = true;
                continue;
            }
            if skipping && line.trim_start().starts_with("- ") {
                continue;
            }
            skipping = false;
            out.push_str(line);
            out.push('\n');
        }
        out
    };
    assert!(!without.contains("readers"));
    repo.write("bckeys.state.yaml", &without);
    let out = rekey(&repo, &["--rotate-exposed"]).success().get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("Unknown: 2 credentials"), "{out}");
    assert!(out.contains("treat them as exposed"), "{out}");
    assert!(!repo.state().resources.values().any(|r| matches!(r, bckeys::state::Resource::StoreApiAccount(a) | bckeys::state::Resource::AccountApiAccount(a) if a.exposed)), "nothing is marked on a guess");
}

#[test]
fn rekey_refuses_while_another_bckeys_holds_the_lock() {
    let (repo, _leaver) = removed_recipient();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".into());
    let lock = format!("{} {host}\n", std::process::id());
    repo.write("bckeys.lock", &lock);
    let state_before = repo.read("bckeys.state.yaml");
    let file_before = file(&repo, "store/prod/erp-sync");
    rekey(&repo, &[]).code(1).stdout("").stderr(
        predicate::str::contains(format!("another bckeys (pid {}", std::process::id()))
            .and(predicate::str::contains("bckeys.lock")),
    );
    assert_eq!(repo.read("bckeys.state.yaml"), state_before);
    assert_eq!(file(&repo, "store/prod/erp-sync"), file_before);
    assert_eq!(repo.read("bckeys.lock"), lock, "someone else's lock is left alone");
}

#[test]
fn rekey_writes_nothing_when_a_file_cant_be_rekeyed() {
    let (repo, _leaver) = removed_recipient();
    let state_before = repo.read("bckeys.state.yaml");
    let erp_before = file(&repo, "store/prod/erp-sync");
    // Without an identity.
    repo.bckeys().arg("rekey").assert().code(1).stdout("").stderr(
        predicate::str::contains("rekeying 2 secret files needs an identity")
            .and(predicate::str::contains("--identity"))
            .and(predicate::str::contains("BCKEYS_IDENTITY_FILE")),
    );
    // With one file changed behind bckeys' back, the other is not rekeyed either.
    std::fs::write(repo.path("secrets/store/prod/storefront-token/web.age"), "tampered").unwrap();
    rekey(&repo, &[]).code(1).stdout("").stderr(
        predicate::str::contains("nothing was rekeyed")
            .and(predicate::str::contains("store/prod/storefront-token/web"))
            .and(predicate::str::contains("changed outside bckeys")),
    );
    assert_eq!(repo.read("bckeys.state.yaml"), state_before);
    assert_eq!(file(&repo, "store/prod/erp-sync"), erp_before);
}

/// `--field` prints one value as it is, for scripts: no name, no quoting, no line end.
#[test]
fn reveal_field_prints_one_value_as_it_is() {
    let repo = recorded();
    for field in ["BIGCOMMERCE_ACCESS_TOKEN", "access_token"] {
        repo.bckeys()
            .args(["reveal", "store/prod/erp-sync", "--field", field, "--identity"])
            .arg(&repo.identity)
            .assert()
            .success()
            .stdout(TRICKY_TOKEN);
    }
    repo.bckeys()
        .args(["reveal", "store/prod/erp-sync", "--field", "password", "--identity"])
        .arg(&repo.identity)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("has no field `password`"))
        .stderr(predicate::str::contains("its fields: BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_ACCESS_TOKEN"))
        .stderr(predicate::str::contains(TRICKY_TOKEN).not());
}
