//! The configuration, `bckeys.yaml`: parsed as written (`raw`), then validated into a model
//! that can't hold a wrong value (`validate`). Every problem carries its file, line and column;
//! all of them are reported at once, not just the first.

mod destination;
mod duration;
mod error;
pub(crate) mod locate;
pub mod raw;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use destination::Destination;
pub use duration::{Lifetime, Overlap};
pub use error::{ConfigError, Problem};
pub use locate::Pos;
pub use raw::{AccessScope, TokenType};

use crate::address::Address;
use crate::ids::{AccountUuid, StoreHash};
use crate::scope_set::ScopeSet;
use crate::vault::Recipient;

/// A validated configuration.
#[derive(Debug)]
pub struct Config {
    /// The file it was read from.
    pub file: PathBuf,
    /// The directory addresses and secret files are relative to.
    pub dir: PathBuf,
    /// SHA-256 of what the configuration means (see `meaning_digest`), so that a saved plan can
    /// tell it changed, and a comment or a reformatting does not make the plan stale.
    pub sha256: String,
    pub encryption: Encryption,
    pub stores: Vec<Store>,
    pub accounts: Vec<Account>,
    /// API accounts renamed in the control panel: (from, to).
    pub moved: Vec<(Address, Address)>,
    /// What is not wrong but deserves a look (scopes no `uses` need, uses bckeys can't check);
    /// `validate` shows them, `validate --strict` fails on them.
    pub warnings: Vec<Problem>,
    /// `readers:` by where they are declared: `store/<label>`, `account/<label>`, or the
    /// address of an API account, a storefront token or a webhook.
    pub readers: BTreeMap<String, Vec<Recipient>>,
}

#[derive(Debug)]
pub struct Encryption {
    /// Every recipient, from the config and the recipients files, deduplicated.
    pub recipients: Vec<Recipient>,
    pub armor: bool,
}

#[derive(Debug)]
pub struct Store {
    pub label: String,
    pub store_hash: StoreHash,
    pub api_accounts: Vec<ApiAccount>,
    pub storefront_tokens: Vec<StorefrontToken>,
}

#[derive(Debug)]
pub struct Account {
    pub label: String,
    pub account_uuid: AccountUuid,
    pub api_accounts: Vec<ApiAccount>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiAccount {
    pub address: Address,
    pub name: String,
    pub scopes: ScopeSet,
    pub webhooks: Vec<Webhook>,
    /// Apply deletes the account's webhooks that `webhooks` does not declare.
    pub prune_webhooks: bool,
    /// How long the previous account stays after a replacement before its deletion is asked.
    pub overlap: Overlap,
    /// The requests its integration makes (`uses:`), as written.
    pub uses: Vec<String>,
    /// Declared families the uses don't need (with the level they do need, if any): computed
    /// once here, warned of by validate, reported by drift.
    pub beyond_uses: Vec<(&'static crate::scopes::Family, Option<&'static str>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub address: Address,
    pub name: String,
    pub scope: String,
    pub destination: Destination,
    pub active: bool,
    pub headers: BTreeMap<String, HeaderValue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderValue {
    Plain(String),
    /// bckeys generates the value and keeps it encrypted.
    Generated,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorefrontToken {
    pub address: Address,
    pub name: String,
    pub issuer: String,
    pub kind: TokenType,
    pub channel_ids: Vec<u64>,
    pub allowed_cors_origins: Vec<String>,
    pub access_scopes: Vec<AccessScope>,
    pub lifetime: Lifetime,
    /// How long before expiry a replacement is planned.
    pub rotate_before: Lifetime,
    /// How long the previous token stays valid after a replacement.
    pub overlap: Overlap,
}

/// The digest of a configuration's meaning: its YAML as data (comments, formatting, quoting and
/// key order gone), and the recipients it resolves (recipients files included, in the order
/// `vault::fingerprint` ignores).
fn meaning_digest(bytes: &[u8], encryption: &Encryption, readers: &BTreeMap<String, Vec<Recipient>>) -> String {
    // serde_json keeps object keys sorted: the canonical form of the same data is one text.
    let data = serde_yaml::from_slice::<serde_yaml::Value>(bytes)
        .ok()
        .and_then(|v| serde_json::to_value(v).ok())
        .map(|v| v.to_string())
        .unwrap_or_default();
    let mut recipients = crate::vault::fingerprint(&encryption.recipients);
    // Readers from recipients files change what the files are encrypted to without a change
    // here: they count too (and a configuration without readers keeps its digest).
    for (key, list) in readers {
        recipients.push_str(&format!("\n{key} {}", crate::vault::fingerprint(list)));
    }
    crate::fsutil::sha256_hex(format!("{data}\n{recipients}").as_bytes())
}

/// Where readers of `address` can be declared, from the top: its store or account, its API
/// account (for a webhook), itself.
fn reader_keys(address: &Address) -> Vec<String> {
    let mut keys = vec![address.group()];
    if let Some(owner) = address.owner() {
        keys.push(owner.to_string());
    }
    keys.push(address.to_string());
    keys
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = crate::fsutil::read_bounded(path, crate::fsutil::MAX_DOCUMENT)
            .map_err(|error| ConfigError::Read { path: path.to_path_buf(), error })?;
        Config::parse(path, &bytes)
    }

    /// Validates configuration text that was read from `path`.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Config, ConfigError> {
        validate::validate(path, bytes)
    }

    /// Every store-level and account-level API account, with the store hash or account UUID it
    /// lives on.
    pub fn api_accounts(&self) -> impl Iterator<Item = (&ApiAccount, Owner<'_>)> {
        let store = self.stores.iter().flat_map(|s| s.api_accounts.iter().map(move |a| (a, Owner::Store(s))));
        let account = self.accounts.iter().flat_map(|ac| ac.api_accounts.iter().map(move |a| (a, Owner::Account(ac))));
        store.chain(account)
    }

    /// Who a credential's file is encrypted to: the repository's recipients, and the readers
    /// declared on it and on everything above it (its store or account, its API account). One
    /// answer for every writer and every check.
    pub fn recipients_for(&self, address: &Address) -> Vec<Recipient> {
        let mut out = self.encryption.recipients.clone();
        for key in reader_keys(address) {
            for r in self.readers.get(&key).into_iter().flatten() {
                if !out.contains(r) {
                    out.push(r.clone());
                }
            }
        }
        out
    }

    /// The readers declared on `address` and above it, without the repository's recipients.
    pub fn readers_of(&self, address: &Address) -> Vec<(String, &Recipient)> {
        reader_keys(address)
            .into_iter()
            .flat_map(|key| self.readers.get(&key).into_iter().flatten().map(move |r| (key.clone(), r)))
            .collect()
    }

    /// Every webhook, under its API account.
    pub fn webhooks(&self) -> impl Iterator<Item = &Webhook> {
        self.stores.iter().flat_map(|s| s.api_accounts.iter().flat_map(|a| &a.webhooks))
    }

    /// Every address the configuration declares: API accounts, webhooks, storefront tokens.
    pub fn declared_addresses(&self) -> std::collections::BTreeSet<&Address> {
        self.api_accounts()
            .map(|(a, _)| &a.address)
            .chain(self.webhooks().map(|w| &w.address))
            .chain(self.stores.iter().flat_map(|s| s.storefront_tokens.iter().map(|t| &t.address)))
            .collect()
    }
}

/// Where an API account lives.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    Store(&'a Store),
    Account(&'a Account),
}

impl Owner<'_> {
    /// The store hash or account UUID its credentials must be for.
    pub fn target(&self) -> crate::credentials::ApiTarget {
        match self {
            Owner::Store(s) => crate::credentials::ApiTarget::Store(s.store_hash.clone()),
            Owner::Account(a) => crate::credentials::ApiTarget::Account(a.account_uuid.clone()),
        }
    }
}
