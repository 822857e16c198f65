//! The sandbox's memory: stores, accounts, API accounts, webhooks, storefront tokens, queued
//! faults and counters. Held behind one mutex and never awaited under it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::auth::{self, AccountLevel};
use super::faults::{Fault, FaultKind};
use super::ids;
use super::limits::{Window, ACCOUNT_QUOTA, ACCOUNT_WINDOW_MS, STORE_QUOTA, STORE_WINDOW_MS};
use super::seed::{ApiAccountSeed, Seed};

/// One store's rate limit, latency and counters.
#[derive(Debug)]
pub struct Store {
    pub window: Window,
    pub latency_ms: u64,
    pub requests: u64,
    pub rate_limited: u64,
    /// The share of each window a simulated neighbour client uses, and what it got.
    pub neighbour: f64,
    pub neighbour_requests: u64,
    pub neighbour_rate_limited: u64,
}

impl Store {
    /// A store as BigCommerce's Standard plan has it, with no latency and no neighbour.
    pub fn new(now: Instant) -> Store {
        Store {
            window: Window::new(STORE_QUOTA, STORE_WINDOW_MS, now),
            latency_ms: 0,
            requests: 0,
            rate_limited: 0,
            neighbour: 0.0,
            neighbour_requests: 0,
            neighbour_rate_limited: 0,
        }
    }

    /// The neighbour's requests per window, and the time between two of them.
    pub fn neighbour_pace(&self) -> Option<std::time::Duration> {
        let per_window = (f64::from(self.window.quota()) * self.neighbour).floor() as u64;
        (per_window > 0).then(|| std::time::Duration::from_millis((self.window.window_ms() / per_window).max(1)))
    }
}

/// One account's GraphQL rate limit and counters.
#[derive(Debug)]
pub struct Account {
    pub window: Window,
    pub requests: u64,
    pub rate_limited: u64,
}

/// Where an API account lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Store(String),
    Account(String),
}

#[derive(Debug, Clone)]
pub struct ApiAccount {
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    pub access_token: String,
    pub scopes: BTreeSet<String>,
    pub owner: Owner,
}

impl ApiAccount {
    pub fn level(&self) -> AccountLevel {
        match self.owner {
            Owner::Store(_) => AccountLevel::Store,
            Owner::Account(_) => AccountLevel::Account,
        }
    }

    /// What the control panel shows of an account after it was made: never a secret.
    pub fn summary(&self) -> Value {
        let (key, value) = match &self.owner {
            Owner::Store(h) => ("store_hash", h),
            Owner::Account(u) => ("account_uuid", u),
        };
        json!({"name": self.name, "client_id": self.client_id, key: value, "scopes": self.scopes})
    }
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: u64,
    pub client_id: String,
    pub store_hash: String,
    pub scope: String,
    pub destination: String,
    pub headers: Option<BTreeMap<String, String>>,
    pub is_active: bool,
    /// BigCommerce deactivated it (failed deliveries or 90 days idle); a PUT with
    /// `is_active: true` reactivates it.
    pub deactivated: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Webhook {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "client_id": self.client_id,
            "store_hash": self.store_hash,
            "scope": self.scope,
            "destination": self.destination,
            "headers": self.headers,
            "is_active": self.is_active,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "status": if self.deactivated { "deactivated" } else if self.is_active { "active" } else { "inactive" },
        })
    }
}

/// A storefront token the sandbox issued; the token string itself is the key.
#[derive(Debug, Clone)]
pub struct StorefrontToken {
    pub store_hash: String,
    pub client_id: String,
    pub kind: &'static str,
    pub channel_ids: Vec<u64>,
    pub expires_at: i64,
    pub revoked: bool,
}

impl StorefrontToken {
    /// What the control panel shows of a token: never the token itself.
    pub fn summary(&self) -> Value {
        json!({
            "client_id": self.client_id,
            "type": self.kind,
            "channel_ids": self.channel_ids,
            "expires_at": self.expires_at,
            "revoked": self.revoked,
        })
    }
}

#[derive(Debug)]
pub struct Sandbox {
    pub stores: BTreeMap<String, Store>,
    pub accounts: BTreeMap<String, Account>,
    /// By client ID.
    pub api_accounts: BTreeMap<String, ApiAccount>,
    /// Access token to client ID.
    by_token: HashMap<String, String>,
    pub hooks: BTreeMap<u64, Webhook>,
    pub next_hook_id: u64,
    pub storefront_tokens: HashMap<String, StorefrontToken>,
    pub faults: Vec<Fault>,
    pub requests: u64,
    pub rate_limited: u64,
    /// Store API requests being answered now (their latency included), and the most ever at
    /// once: how a test sees that stores were worked on at once, without timing anything.
    pub in_flight: u64,
    pub peak_in_flight: u64,
}

impl Sandbox {
    /// The state a seed describes; the seed must have passed `Seed::check`.
    pub fn from_seed(seed: &Seed, now: Instant) -> Result<Sandbox, String> {
        let mut s = Sandbox {
            stores: BTreeMap::new(),
            accounts: BTreeMap::new(),
            api_accounts: BTreeMap::new(),
            by_token: HashMap::new(),
            hooks: BTreeMap::new(),
            next_hook_id: 25_000_001,
            storefront_tokens: HashMap::new(),
            faults: Vec::new(),
            requests: 0,
            rate_limited: 0,
            in_flight: 0,
            peak_in_flight: 0,
        };
        for (hash, store) in &seed.stores {
            let window = Window::new(store.quota, store.window_ms, now);
            s.stores.insert(
                hash.clone(),
                Store { window, latency_ms: store.latency_ms, neighbour: store.neighbour, ..Store::new(now) },
            );
            for a in &store.api_accounts {
                s.add_seeded(Owner::Store(hash.clone()), a, now)?;
            }
        }
        for (uuid, account) in &seed.accounts {
            let window = Window::new(account.quota, account.window_ms, now);
            s.accounts.insert(uuid.clone(), Account { window, requests: 0, rate_limited: 0 });
            for a in &account.api_accounts {
                s.add_seeded(Owner::Account(uuid.clone()), a, now)?;
            }
        }
        Ok(s)
    }

    fn add_seeded(&mut self, owner: Owner, a: &ApiAccountSeed, now: Instant) -> Result<(), String> {
        let name = a.name.clone().unwrap_or_else(|| format!("api-account-{}", self.api_accounts.len() + 1));
        let new = NewApiAccount {
            name,
            client_id: a.client_id.clone(),
            client_secret: a.client_secret.clone(),
            access_token: a.access_token.clone(),
            scopes: a.scopes.clone(),
        };
        self.create_api_account(owner, new, now).map(|_| ())
    }

    /// A store's entry, made with BigCommerce's default limits on first use.
    pub fn store(&mut self, hash: &str, now: Instant) -> &mut Store {
        self.stores.entry(hash.to_owned()).or_insert_with(|| Store::new(now))
    }

    pub fn account(&mut self, uuid: &str, now: Instant) -> &mut Account {
        self.accounts.entry(uuid.to_owned()).or_insert_with(|| Account {
            window: Window::new(ACCOUNT_QUOTA, ACCOUNT_WINDOW_MS, now),
            requests: 0,
            rate_limited: 0,
        })
    }

    /// Makes an API account as the control panel does, with the control panel's rules.
    pub fn create_api_account(&mut self, owner: Owner, new: NewApiAccount, now: Instant) -> Result<ApiAccount, String> {
        let level = match &owner {
            Owner::Store(hash) => {
                auth::check_store_hash(hash)?;
                AccountLevel::Store
            }
            Owner::Account(uuid) => {
                auth::check_account_uuid(uuid)?;
                AccountLevel::Account
            }
        };
        auth::check_name(&new.name)?;
        let scopes = auth::check_scopes(&new.scopes, level)?;
        if let Owner::Store(hash) = &owner {
            let existing = self.api_accounts.values().filter(|a| a.owner == owner).count();
            if existing >= auth::MAX_STORE_ACCOUNTS {
                return Err(format!(
                    "store {hash} already has {} store-level API accounts, the most BigCommerce allows",
                    auth::MAX_STORE_ACCOUNTS
                ));
            }
        }
        let client_id = new.client_id.unwrap_or_else(ids::client_id);
        let access_token = new.access_token.unwrap_or_else(ids::access_token);
        if self.api_accounts.contains_key(&client_id) {
            return Err("an API account with this client ID exists".into());
        }
        if self.by_token.contains_key(&access_token) {
            return Err("an API account with this access token exists".into());
        }
        match &owner {
            Owner::Store(hash) => {
                self.store(hash, now);
            }
            Owner::Account(uuid) => {
                self.account(uuid, now);
            }
        }
        let account = ApiAccount {
            name: new.name.trim().to_owned(),
            client_secret: new.client_secret.unwrap_or_else(ids::client_secret),
            client_id: client_id.clone(),
            access_token: access_token.clone(),
            scopes,
            owner,
        };
        self.by_token.insert(access_token, client_id.clone());
        self.api_accounts.insert(client_id, account.clone());
        Ok(account)
    }

    /// The API account an access token belongs to.
    pub fn authenticate(&self, token: Option<&str>) -> Option<&ApiAccount> {
        let client_id = self.by_token.get(token?)?;
        self.api_accounts.get(client_id)
    }

    /// Deletes an API account; BigCommerce drops its webhooks with it.
    pub fn delete_api_account(&mut self, client_id: &str) -> bool {
        let Some(account) = self.api_accounts.remove(client_id) else {
            return false;
        };
        self.by_token.remove(&account.access_token);
        self.hooks.retain(|_, h| h.client_id != client_id);
        true
    }

    /// The next queued fault for a store, used up one request at a time.
    pub fn take_fault(&mut self, store_hash: &str) -> Option<FaultKind> {
        let i = self.faults.iter().position(|f| f.store_hash.as_deref().map_or(true, |h| h == store_hash))?;
        let fault = &mut self.faults[i];
        let kind = fault.kind;
        fault.left = fault.left.saturating_sub(1);
        if fault.left == 0 {
            self.faults.remove(i);
        }
        Some(kind)
    }

    pub fn stats(&self) -> Value {
        let stores: serde_json::Map<String, Value> = self
            .stores
            .iter()
            .map(|(h, s)| {
                let mut stats = json!({"requests": s.requests, "rate_limited": s.rate_limited});
                if s.neighbour > 0.0 {
                    stats["neighbour"] =
                        json!({"requests": s.neighbour_requests, "rate_limited": s.neighbour_rate_limited});
                }
                (h.clone(), stats)
            })
            .collect();
        let accounts: serde_json::Map<String, Value> = self
            .accounts
            .iter()
            .map(|(u, a)| (u.clone(), json!({"requests": a.requests, "rate_limited": a.rate_limited})))
            .collect();
        json!({
            "requests": self.requests,
            "rate_limited": self.rate_limited,
            "peak_in_flight": self.peak_in_flight,
            "stores": stores,
            "accounts": accounts,
        })
    }
}

/// What a person types into the control panel (and, in a seed, the credentials to use).
#[derive(Debug, Default)]
pub struct NewApiAccount {
    pub name: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub access_token: Option<String>,
    pub scopes: Vec<String>,
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(name: &str, scopes: &[&str]) -> NewApiAccount {
        NewApiAccount {
            name: name.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn deleting_an_account_drops_its_token_and_webhooks() {
        let now = Instant::now();
        let mut s = Sandbox::from_seed(&Seed::default(), now).unwrap();
        let a = s.create_api_account(Owner::Store("abc".into()), new("erp-sync", &[]), now).unwrap();
        s.hooks.insert(
            1,
            Webhook {
                id: 1,
                client_id: a.client_id.clone(),
                store_hash: "abc".into(),
                scope: "store/order/*".into(),
                destination: "https://example.com/h".into(),
                headers: None,
                is_active: true,
                deactivated: false,
                created_at: 0,
                updated_at: 0,
            },
        );
        assert!(s.authenticate(Some(&a.access_token)).is_some());
        assert!(s.delete_api_account(&a.client_id));
        assert!(s.authenticate(Some(&a.access_token)).is_none());
        assert!(s.hooks.is_empty());
        assert!(!s.delete_api_account(&a.client_id));
    }

    #[test]
    fn at_most_fifty_accounts_per_store() {
        let now = Instant::now();
        let mut s = Sandbox::from_seed(&Seed::default(), now).unwrap();
        for i in 0..50 {
            s.create_api_account(Owner::Store("abc".into()), new(&format!("acct-{i}"), &[]), now).unwrap();
        }
        let e = s.create_api_account(Owner::Store("abc".into()), new("one-more", &[]), now).unwrap_err();
        assert!(e.contains("50"), "{e}");
        assert!(s.create_api_account(Owner::Store("other".into()), new("one-more", &[]), now).is_ok());
    }

    #[test]
    fn faults_are_used_up_in_order() {
        let now = Instant::now();
        let mut s = Sandbox::from_seed(&Seed::default(), now).unwrap();
        s.faults.push(Fault { store_hash: Some("abc".into()), kind: FaultKind::Garbage, left: 2 });
        s.faults.push(Fault { store_hash: None, kind: FaultKind::Html, left: 1 });
        assert_eq!(s.take_fault("xyz"), Some(FaultKind::Html));
        assert_eq!(s.take_fault("xyz"), None);
        assert_eq!(s.take_fault("abc"), Some(FaultKind::Garbage));
        assert_eq!(s.take_fault("abc"), Some(FaultKind::Garbage));
        assert_eq!(s.take_fault("abc"), None);
    }
}
