//! `bckeys import --dir`: a folder of downloaded credentials files, placed by what each file
//! says (API PATH and CLIENT NAME, never its file name), proven against the sandbox over TCP and
//! recorded; every file left out is listed with why.

use predicates::prelude::*;

use crate::common::{field, Repo};
use crate::live::Sandbox;

const STAGING: &str = "ffee123456";

const CONFIG: &str = r#"version: 1
encryption:
  recipients: [RECIPIENT]
stores:
  production:
    store_hash: abc123def4
    api_accounts:
      erp-sync:
        scopes: {products: modify, orders: read-only}
      reporting:
        scopes: {orders: read-only}
      search:
        scopes: {products: read-only}
  staging:
    store_hash: ffee123456
    api_accounts:
      erp-sync:
        scopes: {products: modify, orders: read-only}
"#;

fn repo() -> Repo {
    let repo = Repo::new();
    repo.write_config(CONFIG);
    repo
}

fn create_on(sandbox: &Sandbox, store: &str, name: &str, scopes: &[&str]) -> String {
    let (status, text) = sandbox.panel(
        "POST",
        &format!("/__sandbox/stores/{store}/api-accounts"),
        serde_json::json!({"name": name, "scopes": scopes}),
    );
    assert_eq!(status, 201, "{text}");
    text
}

fn secret_values(credentials: &str) -> [String; 2] {
    [field(credentials, "ACCESS TOKEN").to_owned(), field(credentials, "CLIENT SECRET").to_owned()]
}

#[test]
fn a_downloads_folder_is_placed_by_api_path_and_name_proven_and_recorded() {
    let sandbox = Sandbox::start("stores: {abc123def4: {}, ffee123456: {}, other12345: {}}\n");
    let repo = repo();
    let erp = sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only"]);
    let staging = create_on(&sandbox, STAGING, "erp-sync", &["store_v2_products", "store_v2_orders_read_only"]);
    // Granted more than declared: imported, recorded as granted, named as a security difference.
    let reporting = sandbox.create_account("reporting", &["store_v2_orders_read_only", "store_v2_customers"]);
    let legacy = sandbox.create_account("legacy", &["store_v2_products"]);
    let stranger = create_on(&sandbox, "other12345", "erp-sync", &["store_v2_products"]);
    let deleted = sandbox.create_account("search", &["store_v2_products_read_only"]);
    let (status, body) = sandbox.panel(
        "DELETE",
        &format!("/__sandbox/api-accounts/{}", field(&deleted, "CLIENT ID")),
        serde_json::Value::Null,
    );
    assert!(status < 300, "{body}");

    // File names say nothing true: placing goes by content alone.
    repo.write("downloads/api-credentials.txt", &erp);
    repo.write("downloads/api-credentials (1).txt", &erp);
    // A name a hostile site chose for a download: it must not steer the terminal.
    repo.write("downloads/zz\u{1b}]0;pwned\u{7}.txt", &erp);
    repo.write("downloads/erp-sync.txt", &staging);
    repo.write("downloads/reporting.txt", &reporting);
    repo.write("downloads/legacy.txt", &legacy);
    repo.write("downloads/other-store.txt", &stranger);
    repo.write("downloads/search.txt", &deleted);
    repo.write("downloads/no-name.txt", &erp.replace("CLIENT NAME: erp-sync\r\n", ""));
    let hostile = erp.replace(&sandbox.url, "https://evil.example");
    repo.write("downloads/hostile.txt", &hostile.replace("erp-sync", "reporting"));
    repo.write("downloads/notes.md", "# Notes\nnothing to see: here\n");
    std::fs::write(repo.path("downloads/invoice.pdf"), [0x25, 0x50, 0x44, 0x46, 0xff, 0xfe, 0x00]).unwrap();
    std::fs::create_dir_all(repo.path("downloads/older")).unwrap();

    let out = repo.bckeys_on(&sandbox.url).args(["import", "--dir", "downloads"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(out.status.code(), Some(1), "files need the person: {stdout}{stderr}");
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{7}'), "{stdout}");
    for credentials in [&erp, &staging, &reporting, &legacy, &stranger, &deleted] {
        for secret in secret_values(credentials) {
            assert!(!stdout.contains(&secret) && !stderr.contains(&secret), "a secret was printed:\n{stdout}{stderr}");
        }
    }

    // Recorded: each under the address its content names, with its own client ID.
    assert_eq!(repo.client_id("store/production/erp-sync").as_deref(), Some(field(&erp, "CLIENT ID")));
    assert_eq!(repo.client_id("store/staging/erp-sync").as_deref(), Some(field(&staging, "CLIENT ID")));
    assert_eq!(repo.client_id("store/production/reporting").as_deref(), Some(field(&reporting, "CLIENT ID")));
    assert_eq!(repo.client_id("store/production/search"), None, "a deleted account is not recorded");
    let plain = bckeys::vault::read_file(&repo.path("secrets/store/staging/erp-sync.age"), &repo.identities()).unwrap();
    assert!(String::from_utf8(plain.to_vec()).unwrap().contains(field(&staging, "ACCESS TOKEN")));

    // What the person reads, file by file.
    for expected in [
        "Imported store/production/erp-sync from api-credentials (1).txt: the token is alive",
        "Imported store/staging/erp-sync from erp-sync.txt",
        "Imported store/production/reporting from reporting.txt",
        "Granted beyond the configuration (security): Customers (customers)",
        "Not imported (5):",
        "  hostile.txt: line 3: the API PATH is neither",
        "  legacy.txt: store/production (abc123def4) declares no API account named `legacy`",
        "  no-name.txt: it has no CLIENT NAME line, so nothing tells which API account of store abc123def4 it is",
        "    hint: import it by address: bckeys import ADDRESS --credentials FILE",
        "  other-store.txt: the configuration declares no store other12345",
        "  search.txt: BigCommerce rejects this access token (401",
        "Left as they are (5):",
        "  api-credentials.txt: the same credentials as api-credentials (1).txt",
        "  zz\\x1b]0;pwned\\x07.txt: the same credentials as api-credentials (1).txt",
        "  invoice.pdf: not a credentials file (it is not UTF-8 text)",
        "  notes.md: not a credentials file (it has no ACCESS TOKEN line)",
        "  older: not a credentials file (it is a directory, not a regular file)",
        "3 imported, 5 not imported, 5 left as they are, from downloads.",
        "Declared but not recorded yet: store/production/search.",
        "Next: commit what this import recorded",
        "The imported files still hold their credentials in plain text: delete them from downloads once this is committed.",
    ] {
        assert!(stdout.contains(expected), "missing `{expected}` in:\n{stdout}");
    }

    insta::with_settings!({filters => vec![(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]")]}, {
        insta::assert_snapshot!("import_dir", stdout);
    });

    // Again: what is recorded is said to be, nothing is proven twice, and the fixes are kept.
    std::fs::remove_file(repo.path("downloads/hostile.txt")).unwrap();
    std::fs::remove_file(repo.path("downloads/legacy.txt")).unwrap();
    std::fs::remove_file(repo.path("downloads/other-store.txt")).unwrap();
    std::fs::remove_file(repo.path("downloads/search.txt")).unwrap();
    std::fs::remove_file(repo.path("downloads/no-name.txt")).unwrap();
    let before = repo.read("bckeys.state.yaml");
    repo.bckeys_on(&sandbox.url)
        .args(["import", "--dir", "downloads"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "api-credentials (1).txt: store/production/erp-sync is already recorded with these credentials",
        ))
        .stdout(predicate::str::contains("0 imported, 0 not imported, 8 left as they are"))
        .stdout(predicate::str::contains("Next: commit").not());
    assert_eq!(repo.read("bckeys.state.yaml"), before);
}

#[test]
fn two_different_credentials_for_one_account_are_left_to_the_person() {
    let sandbox = Sandbox::start("stores: {abc123def4: {}}\n");
    let repo = repo();
    let first = sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only"]);
    let second = sandbox.create_account("erp-sync", &["store_v2_products", "store_v2_orders_read_only"]);
    repo.write("downloads/a.txt", &first);
    repo.write("downloads/b.txt", &second);
    repo.bckeys_on(&sandbox.url)
        .args(["import", "--dir", "downloads"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "a.txt: store/production/erp-sync is named by 2 files with different credentials: a.txt, b.txt",
        ))
        .stdout(predicate::str::contains(
            "hint: import the right one by address: bckeys import store/production/erp-sync --credentials FILE",
        ));
    assert!(!repo.path("bckeys.state.yaml").exists(), "nothing is recorded");
    assert!(!repo.path("secrets").exists(), "nothing is encrypted");
}

#[test]
fn a_folder_without_credentials_or_that_cannot_be_read_is_an_error() {
    let repo = repo();
    let none = repo.bckeys_on("http://127.0.0.1:9").args(["import", "--dir", "missing"]).assert().code(1);
    let stderr = String::from_utf8(none.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("cannot read the folder missing"), "{stderr}");

    repo.write("downloads/readme.txt", "hello\n");
    repo.bckeys_on("http://127.0.0.1:9")
        .args(["import", "--dir", "downloads"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("none of the 1 entries of downloads is a BigCommerce credentials file"));

    // One address with a folder, or nothing at all, is a usage error (exit 1, never 2).
    repo.bckeys().args(["import", "store/production/erp-sync", "--dir", "downloads"]).assert().code(1);
    repo.bckeys().args(["import"]).assert().code(1);
    repo.bckeys().args(["import", "store/production/erp-sync"]).assert().code(1);
}

#[test]
fn an_account_a_pending_move_will_bring_is_not_recorded_twice() {
    // The store was relabelled production -> prod: the next apply moves the recorded account.
    let repo = Repo::new();
    repo.write_config(&CONFIG.replace("  production:\n", "  prod:\n"));
    let recipients = repo.recipients(&[]);
    crate::common::save_state(
        &repo,
        vec![crate::common::store_account(&repo, "store/production/erp-sync", &["store_v2_products"], &recipients)],
    );
    let base = "http://127.0.0.1:9";
    let download = format!(
        "ACCESS TOKEN: old-download-token\r\nCLIENT NAME: erp-sync\r\nAPI PATH: {base}/stores/abc123def4/v3/\r\nCLIENT ID: client-erp-sync\r\nCLIENT SECRET: old-download-secret\r\n"
    );
    repo.write("downloads/erp-sync.txt", &download);
    let before = repo.read("bckeys.state.yaml");
    repo.bckeys_on(base)
        .args(["import", "--dir", "downloads"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "erp-sync.txt: store/prod/erp-sync is recorded as store/production/erp-sync, which the next apply moves there",
        ))
        .stdout(predicate::str::contains("Declared but not recorded yet: store/prod/reporting, store/prod/search, store/staging/erp-sync."));
    repo.bckeys_on(base)
        .args(["import", "store/prod/erp-sync", "--credentials", "downloads/erp-sync.txt"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "`store/prod/erp-sync` is recorded as `store/production/erp-sync`, which the next apply moves there",
        ));
    assert_eq!(repo.read("bckeys.state.yaml"), before, "nothing recorded twice");
}

#[test]
fn a_secret_a_file_puts_where_a_name_belongs_is_never_printed() {
    let repo = repo();
    let base = "http://127.0.0.1:9";
    // Lines shifted by hand: the token landed on the CLIENT NAME line too.
    repo.write(
        "downloads/pasted.txt",
        &format!("ACCESS TOKEN: tok-shifted-1234\nCLIENT NAME: tok-shifted-1234\nAPI PATH: {base}/stores/abc123def4/v3/\nCLIENT ID: cid\n"),
    );
    let out = repo.bckeys_on(base).args(["import", "--dir", "downloads"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("declares no API account named `(redacted)`"), "{stdout}");
    assert!(!stdout.contains("tok-shifted-1234") && !String::from_utf8_lossy(&out.stderr).contains("tok-shifted-1234"));
}
