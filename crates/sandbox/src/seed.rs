//! The seed: the stores, accounts and API accounts a sandbox starts with, read from YAML.
//!
//! Every field is optional. A seed is checked with the same rules as the simulated control panel
//! (names of 4+ characters, known OAuth parameters of the right level, one level per family) so
//! that a sandbox never starts in a state the real control panel could not produce.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::auth::{self, AccountLevel};
use super::limits::{ACCOUNT_QUOTA, ACCOUNT_WINDOW_MS, MAX_LATENCY_MS, STORE_QUOTA, STORE_WINDOW_MS};

/// What a sandbox starts with.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Seed {
    /// Stores by store hash.
    pub stores: BTreeMap<String, StoreSeed>,
    /// Accounts (for account-level API accounts) by account UUID.
    pub accounts: BTreeMap<String, AccountSeed>,
}

/// One store: its rate limit, its added latency and its store-level API accounts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSeed {
    /// Requests per window (BigCommerce's Standard and Plus plans: 150).
    pub quota: u32,
    /// Length of a rate-limit window in milliseconds (BigCommerce: 30 000).
    pub window_ms: u64,
    /// Added to every response of this store's API.
    pub latency_ms: u64,
    /// Another client of the store (the merchant's ERP sync, say) that uses this share of each
    /// window's quota, its requests spread evenly over the window; 0 for none. Its 429s are
    /// counted in the stats: a good neighbour leaves it none.
    pub neighbour: f64,
    pub api_accounts: Vec<ApiAccountSeed>,
}

impl Default for StoreSeed {
    fn default() -> Self {
        StoreSeed {
            quota: STORE_QUOTA,
            window_ms: STORE_WINDOW_MS,
            latency_ms: 0,
            neighbour: 0.0,
            api_accounts: Vec::new(),
        }
    }
}

/// One account: its account-level API accounts and the limit of its GraphQL endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountSeed {
    /// Requests per window (BigCommerce: 70 an hour).
    pub quota: u32,
    pub window_ms: u64,
    pub api_accounts: Vec<ApiAccountSeed>,
}

impl Default for AccountSeed {
    fn default() -> Self {
        AccountSeed { quota: ACCOUNT_QUOTA, window_ms: ACCOUNT_WINDOW_MS, api_accounts: Vec::new() }
    }
}

/// One API account. Credentials left out are generated.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiAccountSeed {
    /// The name shown in the control panel; generated when absent.
    pub name: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub access_token: Option<String>,
    /// OAuth parameters, such as `store_v2_products_read_only`.
    pub scopes: Vec<String>,
}

impl Seed {
    /// Parses a seed from YAML text. An empty document is an empty seed.
    pub fn from_yaml(text: &str) -> Result<Seed, String> {
        if text.trim().is_empty() {
            return Ok(Seed::default());
        }
        let seed: Seed = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        seed.check()?;
        Ok(seed)
    }

    /// Reads and parses a seed file.
    pub fn load(path: &Path) -> Result<Seed, String> {
        let text = read_bounded(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Seed::from_yaml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Checks the rules the control panel enforces; the first problem is the error.
    pub fn check(&self) -> Result<(), String> {
        let mut client_ids = HashSet::new();
        let mut tokens = HashSet::new();
        let mut check_accounts = |owner: &str, level: AccountLevel, accounts: &[ApiAccountSeed]| {
            for (i, a) in accounts.iter().enumerate() {
                let at = format!("{owner}: api_accounts[{i}]");
                if let Some(name) = &a.name {
                    auth::check_name(name).map_err(|e| format!("{at}: {e}"))?;
                }
                auth::check_scopes(&a.scopes, level).map_err(|e| format!("{at}: {e}"))?;
                for (what, value) in [("client_id", &a.client_id), ("client_secret", &a.client_secret)] {
                    if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                        return Err(format!("{at}: {what} is empty"));
                    }
                }
                if let Some(id) = &a.client_id {
                    if !client_ids.insert(id.clone()) {
                        return Err(format!("{at}: client_id is used twice"));
                    }
                }
                if let Some(token) = &a.access_token {
                    if token.trim().is_empty() {
                        return Err(format!("{at}: access_token is empty"));
                    }
                    if !tokens.insert(token.clone()) {
                        // Not echoed: the value is a secret.
                        return Err(format!("{at}: access_token is used twice"));
                    }
                }
            }
            Ok::<(), String>(())
        };
        for (hash, store) in &self.stores {
            auth::check_store_hash(hash).map_err(|e| format!("stores: {e}"))?;
            if store.quota == 0 || store.window_ms == 0 {
                return Err(format!("stores.{hash}: quota and window_ms must be at least 1"));
            }
            if !(0.0..=1.0).contains(&store.neighbour) {
                return Err(format!("stores.{hash}: neighbour is a share of the quota, from 0 to 1"));
            }
            if store.latency_ms > MAX_LATENCY_MS {
                return Err(format!("stores.{hash}: latency_ms is at most {MAX_LATENCY_MS}"));
            }
            if store.api_accounts.len() > auth::MAX_STORE_ACCOUNTS {
                return Err(format!("stores.{hash}: more than {} API accounts", auth::MAX_STORE_ACCOUNTS));
            }
            check_accounts(&format!("stores.{hash}"), AccountLevel::Store, &store.api_accounts)?;
        }
        for (uuid, account) in &self.accounts {
            auth::check_account_uuid(uuid).map_err(|e| format!("accounts: {e}"))?;
            if account.quota == 0 || account.window_ms == 0 {
                return Err(format!("accounts.{uuid}: quota and window_ms must be at least 1"));
            }
            check_accounts(&format!("accounts.{uuid}"), AccountLevel::Account, &account.api_accounts)?;
        }
        Ok(())
    }
}

/// A seed file, refused when it is not a regular file (a FIFO would never end) or is far larger
/// than any seed.
fn read_bounded(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    const LIMIT: u64 = 64 << 20;
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "it is not a regular file"));
    }
    let mut text = String::new();
    std::fs::File::open(path)?.take(LIMIT + 1).read_to_string(&mut text)?;
    if text.len() as u64 > LIMIT {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "it is larger than 64 MiB"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
stores:
  abc123def4:
    quota: 150
    window_ms: 30000
    latency_ms: 0
    api_accounts:
      - name: erp-sync
        client_id: erp-client-id
        client_secret: erp-secret
        access_token: erp-token
        scopes: [store_v2_products, store_v2_orders_read_only]
accounts:
  0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f:
    api_accounts:
      - {name: user-provisioning, access_token: acct-token, scopes: [account_read, account_users_read]}
"#;

    #[test]
    fn documented_example_parses() {
        let seed = Seed::from_yaml(EXAMPLE).unwrap();
        assert_eq!(seed.stores["abc123def4"].api_accounts[0].scopes.len(), 2);
        assert_eq!(seed.accounts.len(), 1);
        assert_eq!(seed.accounts["0b7e5b0c-0b6a-4c3f-9d0e-1a2b3c4d5e6f"].quota, ACCOUNT_QUOTA);
    }

    #[test]
    fn defaults_fill_what_is_absent() {
        let seed = Seed::from_yaml("stores: {abc: {}}").unwrap();
        assert_eq!(seed.stores["abc"].quota, 150);
        assert_eq!(seed.stores["abc"].window_ms, 30_000);
        assert!(Seed::from_yaml("").unwrap().stores.is_empty());
    }

    #[test]
    fn wrong_seeds_are_refused() {
        for (text, needle) in [
            ("stores: {abc: {qouta: 1}}", "unknown field"),
            ("stores: {ABC: {}}", "store hash"),
            ("stores: {abc: {api_accounts: [{name: abc}]}}", "4 characters"),
            ("stores: {abc: {api_accounts: [{scopes: [store_v2_prodcts]}]}}", "unknown OAuth parameter"),
            ("stores: {abc: {api_accounts: [{scopes: [account_read]}]}}", "account-level"),
            ("accounts: {not-a-uuid: {}}", "UUID"),
            ("stores: {abc: {api_accounts: [{access_token: t}, {access_token: t}]}}", "used twice"),
        ] {
            let e = Seed::from_yaml(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
