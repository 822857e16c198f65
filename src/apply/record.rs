//! Capturing issued credentials: proving them against BigCommerce, then writing them encrypted
//! before the state records them. Shared by `import` and `apply`.

use std::collections::BTreeMap;

use crate::address::Address;
use crate::bigcommerce::Client;
use crate::config::{ApiAccount, Config};
use crate::credentials::{ApiTarget, Issued};
use crate::error::Error;
use crate::refresh::{self, FamilyStatus, Observation};
use crate::scope_set::ScopeSet;
use crate::scopes;
use crate::state::{ApiAccountRecord, Resource, SecretRecord, State};
use crate::timestamp::Timestamp;
use crate::vault::{self, ApiKeys, Credential, Secret};

/// Issued credentials that BigCommerce accepted, with what it showed of their scopes.
pub struct Proven {
    pub issued: Issued,
    /// What to record: each granted family at the level the write probe proved, or (where none
    /// could) at its configured level, listed in `unverified_levels`; undeclared granted ones at
    /// the level proven, else their first; unverifiable ones at their configured level.
    pub granted: ScopeSet,
    pub excess: Vec<&'static str>,
    pub missing: Vec<&'static str>,
    /// Configured families no safe request can check.
    pub unverifiable: Vec<&'static str>,
    /// Granted families whose level no probe could prove.
    pub unverified_levels: Vec<&'static str>,
    /// What the probes said of each family.
    pub families: BTreeMap<&'static str, FamilyStatus>,
}

impl Proven {
    pub fn matches(&self) -> bool {
        self.excess.is_empty() && self.missing.is_empty()
    }

    /// The families that differ, for a person.
    pub fn differences(&self) -> String {
        let mut parts = Vec::new();
        if !self.excess.is_empty() {
            parts.push(format!("granted but not configured: {}", self.named(&self.excess)));
        }
        if !self.missing.is_empty() {
            parts.push(format!("configured but not granted: {}", self.named(&self.missing)));
        }
        parts.join("; ")
    }

    /// Families by their control-panel name and key, with the level a write probe proved.
    pub fn named(&self, keys: &[&str]) -> String {
        keys.iter()
            .map(|k| {
                let name = scopes::family(k).map(|f| format!("{} ({k})", f.ui)).unwrap_or_else(|| k.to_string());
                match self.families.get(k) {
                    Some(FamilyStatus::Modify) => format!("{name} at modify"),
                    Some(FamilyStatus::ReadOnly) => format!("{name} only at read-only"),
                    _ => name,
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What a person is told of a proven credential, kept once the credential itself is recorded.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Granted beyond the configuration, named for a person.
    pub excess: Option<String>,
    /// Configured but not granted, named for a person.
    pub missing: Option<String>,
    pub unverifiable: Vec<&'static str>,
    pub unverified_levels: Vec<&'static str>,
}

impl Proven {
    pub fn summary(&self) -> Summary {
        Summary {
            excess: (!self.excess.is_empty()).then(|| self.named(&self.excess)),
            missing: (!self.missing.is_empty()).then(|| self.named(&self.missing)),
            unverifiable: self.unverifiable.clone(),
            unverified_levels: self.unverified_levels.clone(),
        }
    }
}

/// Why issued credentials were not proven: a message for a person.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct NotProven {
    pub message: String,
    /// The check failed (a timeout, a 5xx, the deadline), not the credentials: another try
    /// may prove them.
    pub transient: bool,
}

impl NotProven {
    fn credentials(message: String) -> NotProven {
        NotProven { message, transient: false }
    }
}

/// Checks issued credentials: the API path's target, a live token, and the probed scopes.
/// An `Err` is a message for a person; nothing has been written.
pub async fn prove(
    client: &Client,
    issued: Issued,
    account: &ApiAccount,
    expected: &ApiTarget,
    source: &str,
) -> Result<Proven, NotProven> {
    if issued.target != *expected {
        return Err(NotProven::credentials(format!(
            "{source}: the API path is for {}, but {} is on {expected}",
            issued.target, account.address
        )));
    }
    // The name is what tells two accounts of one store apart: another account's credentials
    // would be recorded, and proven, under the wrong address.
    if let Some(name) = issued.name.as_deref().filter(|n| *n != account.name) {
        return Err(NotProven::credentials(format!(
            "{source}: these are the credentials of the API account `{}`, but {} is `{}`",
            crate::text::escape_controls(name),
            account.address,
            account.name
        )));
    }
    // Once per credential, write probes too: the level recorded is the level proven.
    let (families, unverifiable) =
        match refresh::check(client, &issued.target, &issued.access_token, true).await {
            Observation::Alive { families, unverifiable, .. } => (families, unverifiable),
            Observation::Revoked { message } => {
                return Err(NotProven::credentials(format!("BigCommerce rejects this access token (401: {message}): the account was deleted, or these are not its credentials")))
            }
            Observation::Failed { error } | Observation::Unreadable { error } => {
                return Err(NotProven { message: error, transient: true })
            }
            Observation::NoSecret => {
                return Err(NotProven { message: "the credentials could not be checked".into(), transient: true })
            }
        };
    let (excess, missing) = refresh::scope_differences(&families, &account.scopes);
    let mut granted = ScopeSet::default();
    let mut unverified_levels = Vec::new();
    for (family, levels) in account.scopes.iter() {
        match families.get(family.key) {
            Some(FamilyStatus::NotGranted) => {}
            Some(FamilyStatus::ReadOnly) => granted.grant(family, "read-only"),
            Some(FamilyStatus::Modify) => granted.grant(family, "modify"),
            status => {
                levels.iter().for_each(|l| granted.grant(family, l));
                if status.is_some() && family.levels.len() > 1 {
                    unverified_levels.push(family.key);
                }
            }
        }
    }
    for family in excess.iter().filter(|k| account.scopes.levels(k).is_empty()).filter_map(|key| scopes::family(key)) {
        let level = match families.get(family.key) {
            Some(FamilyStatus::ReadOnly) => "read-only",
            Some(FamilyStatus::Modify) => "modify",
            _ => {
                if family.levels.len() > 1 {
                    unverified_levels.push(family.key);
                }
                family.levels[0].name
            }
        };
        granted.grant(family, level);
    }
    let unverifiable = match expected {
        ApiTarget::Store(_) => {
            unverifiable.iter().map(|(f, _)| *f).filter(|f| !account.scopes.levels(f).is_empty()).collect()
        }
        ApiTarget::Account(_) => account.scopes.iter().map(|(f, _)| f.key).collect(),
    };
    unverified_levels.sort_unstable();
    Ok(Proven { issued, granted, excess, missing, unverifiable, unverified_levels, families })
}

/// Encrypts the credential into its secret file, then records it in the state (which the
/// caller saves): the credential is on disk, encrypted, before anything points at it.
pub fn store(
    config: &Config,
    state: &mut State,
    address: &Address,
    account_name: &str,
    proven: Proven,
) -> Result<(), Error> {
    let created_at = Timestamp::now();
    let (store_hash, account_uuid) = match &proven.issued.target {
        ApiTarget::Store(h) => (Some(h.clone()), None),
        ApiTarget::Account(u) => (None, Some(u.clone())),
    };
    let issued = proven.issued;
    let scopes: Vec<String> = proven.granted.parameters().iter().map(|s| s.to_string()).collect();
    let unverified_levels = Some(proven.unverified_levels.iter().map(|f| f.to_string()).collect());
    let keys = ApiKeys {
        client_id: issued.client_id.clone(),
        client_secret: issued.client_secret,
        access_token: issued.access_token,
        api_path: Some(issued.api_path),
        scopes: scopes.clone(),
    };
    let credential = Credential {
        address: address.to_string(),
        name: issued.name.clone().unwrap_or_else(|| account_name.to_owned()),
        created_at: created_at.to_string(),
        secret: match &account_uuid {
            None => Secret::StoreApiAccount { store_hash: store_hash.clone().map(String::from), keys },
            Some(uuid) => Secret::AccountApiAccount { account_uuid: Some(uuid.to_string()), keys },
        },
    };
    let secret = encrypt(config, address, &credential)?;
    let record = ApiAccountRecord {
        account_uuid,
        client_id: issued.client_id.unwrap_or_default(),
        created_at,
        exposed: false,
        name: account_name.to_owned(),
        scopes,
        retire_after: None,
        secret,
        store_hash,
        unverified_levels,
    };
    let resource = if record.account_uuid.is_none() {
        Resource::StoreApiAccount(record)
    } else {
        Resource::AccountApiAccount(record)
    };
    state.resources.insert(address.clone(), resource);
    Ok(())
}

/// Writes a credential encrypted to its recipients (the repository's and its readers) into the
/// address's secret file (atomically), and returns what the state records of it.
pub fn encrypt(config: &Config, address: &Address, credential: &Credential) -> Result<SecretRecord, Error> {
    let relative = address.secret_path();
    let recipients = &config.recipients_for(address);
    let written = vault::write_file(
        &config.dir,
        &config.dir.join(&relative),
        credential.to_yaml().as_bytes(),
        recipients,
        config.encryption.armor,
        None,
    )?;
    Ok(SecretRecord::encrypted_to(relative, recipients, written.sha256))
}

pub fn now() -> String {
    Timestamp::now().to_string()
}
