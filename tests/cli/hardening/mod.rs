//! The hardening of issue 8, one module per class: what a hostile server, a hostile file or an
//! unlucky person can't make bckeys do. Everything runs the real binary over real TCP.

mod bounds;
mod converge;
mod exec;
mod files;
mod odd_input;
mod paste;
mod proven;
mod scrub;
mod tokens;
mod writes;

use crate::common::{save_state, store_account, Repo};

/// One store-level account, recorded with the fixture credential of `Repo::secret`.
pub const CONFIG: &str = r#"version: 1
encryption:
  recipients: [RECIPIENT]
stores:
  production:
    store_hash: abc123def4
    api_accounts:
      erp-sync:
        scopes: {products: read-only}
"#;

pub const ADDRESS: &str = "store/production/erp-sync";

/// The secrets of the fixture credential: no output may hold any of them.
pub const SECRETS: [&str; 2] = ["access-token-t", "client-secret-t"];

/// A repository with erp-sync recorded.
pub fn recorded() -> Repo {
    let repo = Repo::new();
    repo.write_config(CONFIG);
    let recipients = repo.recipients(&[]);
    save_state(&repo, vec![store_account(&repo, ADDRESS, &["store_v2_products_read_only"], &recipients)]);
    repo
}

/// Standard output and standard error together.
pub fn output(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "`{secret}` leaked:\n{text}");
    }
}
