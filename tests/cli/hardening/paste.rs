//! Class 7: what a person gives is read safely. (The terminal side — no echo, leading blank
//! lines skipped, the rest of an abandoned paste drained — is in `guided`.) CRLF line ends and
//! a byte order mark are accepted; the credentials of another account are refused, naming both.

use predicates::prelude::*;

use super::{ADDRESS, CONFIG};
use crate::common::{field, Repo};
use crate::live::Sandbox;

#[test]
fn the_credentials_of_another_account_are_refused_naming_both() {
    let sandbox = Sandbox::start("stores: {abc123def4: {}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    let other = sandbox.create_account("reporting", &["store_v2_products_read_only"]);
    repo.write("creds.txt", &other);
    repo.bckeys_on(&sandbox.url).args(["import", ADDRESS, "--credentials", "creds.txt"]).assert().code(1).stderr(
        predicate::str::contains(format!(
            "creds.txt: these are the credentials of the API account `reporting`, but {ADDRESS} is `erp-sync`"
        )),
    );
    assert!(!repo.path("bckeys.state.yaml").exists());
}

#[test]
fn crlf_a_byte_order_mark_and_both_name_lines_are_accepted() {
    let sandbox = Sandbox::start("stores: {abc123def4: {}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    let downloaded = sandbox.create_account("erp-sync", &["store_v2_products_read_only"]);
    let text = format!("\u{feff}NAME: erp-sync\r\n{}", downloaded.replace('\n', "\r\n").replace("\r\r\n", "\r\n"));
    assert!(text.contains("CLIENT NAME: erp-sync") && text.contains("NAME: erp-sync\r\n"));
    repo.bckeys_on(&sandbox.url)
        .args(["import", ADDRESS, "--credentials", "-"])
        .write_stdin(text)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("Imported {ADDRESS}")));
    assert_eq!(repo.client_id(ADDRESS).as_deref(), Some(field(&downloaded, "CLIENT ID")));
}
