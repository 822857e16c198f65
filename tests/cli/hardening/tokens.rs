//! Class 1: tokens go only to the API base. No redirect is followed; an API PATH that points
//! anywhere else is refused before anything is recorded.

use predicates::prelude::*;

use super::{output, recorded, ADDRESS, CONFIG};
use crate::common::Repo;
use crate::hostile::{Hostile, Reply, Trap};

#[test]
fn a_redirect_is_an_error_naming_its_location_and_is_never_followed() {
    for status in [301, 302, 303, 307, 308] {
        let trap = Trap::start();
        let location = format!("{}/stores/abc123def4/v3/hooks", trap.url);
        let to = location.clone();
        let hostile = Hostile::start(move |_| Reply::status(status, &[("Location", &to)], ""));
        let repo = recorded();
        let out = repo.bckeys_on(&hostile.url).arg("drift").output().unwrap();
        let text = output(&out);
        assert_eq!(out.status.code(), Some(1), "{status}: {text}");
        assert!(text.contains(&format!("a redirect to `{location}`")), "{status}: {text}");
        assert!(text.contains("follows no redirect"), "{text}");
        assert_eq!(trap.hits(), 0, "{status}: the redirect was followed");
        assert_eq!(hostile.count(), 1, "{status}: a redirect is not retried");
    }
}

#[test]
fn every_request_goes_to_the_api_base_and_nowhere_else() {
    let hostile = Hostile::start(|r| match r.target.as_str() {
        t if t.starts_with("/stores/abc123def4/v3/hooks") => Reply::status(200, &[], r#"{"data":[],"meta":{}}"#),
        t if t.starts_with("/stores/abc123def4/v3/catalog/products") => Reply::status(200, &[], r#"{"data":[]}"#),
        _ => Reply::status(403, &[], r#"{"status":403,"title":"You don't have a required scope"}"#),
    });
    let repo = recorded();
    repo.bckeys_on(&hostile.url).arg("drift").assert().code(0);
    for r in hostile.seen() {
        assert!(r.target.starts_with("/stores/abc123def4/"), "{r:?}");
        assert_eq!(r.header("x-auth-token"), Some("access-token-t"));
    }
}

fn credentials(api_path: &str) -> String {
    format!("CLIENT NAME: erp-sync\nACCESS TOKEN: tok-123456\nCLIENT ID: cid\nCLIENT SECRET: sec-123456\nAPI PATH: {api_path}\n")
}

#[test]
fn import_refuses_an_api_path_anywhere_but_bigcommerce_or_the_api_base() {
    for path in [
        "https://evil.example/stores/abc123def4/v3/",
        "https://api.bigcommerce.com.evil.example/stores/abc123def4/v3/",
        "https://api.bigcommerce.com@evil.example/stores/abc123def4/v3/",
        "http://api.bigcommerce.com/stores/abc123def4/v3/",
        "https://api.bigcommerce.com/stores/abc123def4/v3/../../../../evil",
    ] {
        let repo = Repo::new();
        repo.write_config(CONFIG);
        repo.write("creds.txt", &credentials(path));
        // Refused before any request: the API base here is a port nobody listens on.
        repo.bckeys_on("http://127.0.0.1:9")
            .args(["import", ADDRESS, "--credentials", "creds.txt"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("creds.txt, line 5: the API PATH is neither"))
            .stderr(predicate::str::contains("bckeys uses no other"));
        assert!(!repo.path("bckeys.state.yaml").exists() && !repo.path("secrets").exists(), "{path}");
    }
}

#[test]
fn apply_refuses_pasted_credentials_whose_api_path_points_elsewhere() {
    let repo = Repo::new();
    repo.write_config(CONFIG);
    repo.write("creds.txt", &credentials("https://evil.example/stores/abc123def4/v3/"));
    repo.bckeys_on("http://127.0.0.1:9")
        .args(["apply", "--auto-approve", "--non-interactive", "--refresh=false"])
        .args(["--credentials", &format!("{ADDRESS}=creds.txt")])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("the API PATH is neither"));
    assert!(!repo.path("bckeys.state.yaml").exists());
}

#[test]
fn reveal_and_exec_hand_out_an_api_path_only_under_bigcommerce_or_the_api_base() {
    let sandbox = crate::live::Sandbox::start("stores: {abc123def4: {}}\n");
    let repo = Repo::new();
    repo.write_config(CONFIG);
    repo.write("creds.txt", &sandbox.create_account("erp-sync", &["store_v2_products_read_only"]));
    repo.bckeys_on(&sandbox.url).args(["import", ADDRESS, "--credentials", "creds.txt"]).assert().success();
    repo.bckeys_on(&sandbox.url).args(["reveal", ADDRESS]).assert().success();
    // Against BigCommerce, the sandbox's API path would point a script (and its token) at it.
    for args in [&["reveal", ADDRESS][..], &["exec", ADDRESS, "--", "true"]] {
        repo.bckeys()
            .env("BCKEYS_IDENTITY_FILE", &repo.identity)
            .args(args)
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains(format!("the API path recorded for `{ADDRESS}` is not BigCommerce's")));
    }
}
