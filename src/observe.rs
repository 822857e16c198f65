//! Observations: what the secret files on disk and (with a refresh) BigCommerce show of every
//! recorded resource, gathered into one value. Kept apart from the findings and the plan so that
//! those stay pure functions of their inputs.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::address::Address;
use crate::bigcommerce::Client;
use crate::config::Config;
use crate::refresh::{self, HookStatus, Observation};
use crate::state::State;
use crate::vault::{Identities, OpenError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    /// The file's SHA-256 is the recorded one.
    Intact,
    Missing,
    /// The file exists but its SHA-256 is not the recorded one.
    Modified,
    /// The file exists but could not be read.
    Unreadable(String),
}

/// What BigCommerce showed, when it was asked.
#[derive(Debug, Default)]
pub struct Live {
    pub accounts: BTreeMap<Address, Observation>,
    /// What the webhook lists showed of the recorded webhooks.
    pub hooks: refresh::HookObservations,
}

/// Everything observed for one run: the secret files always, BigCommerce when refreshed.
#[derive(Debug, Default)]
pub struct Observations {
    pub files: BTreeMap<Address, FileStatus>,
    pub live: Option<Live>,
}

impl Observations {
    /// The secret files alone: a plan with `--refresh=false`.
    pub fn local(dir: &Path, state: &State) -> Observations {
        Observations { files: secret_files(dir, state), live: None }
    }

    pub fn account(&self, address: &Address) -> Option<&Observation> {
        self.live.as_ref()?.accounts.get(address)
    }

    /// Why the webhooks of the account `owner` could not be listed, when that is known.
    pub fn hook_error(&self, owner: &Address) -> Option<&str> {
        self.live.as_ref()?.hooks.errors.get(owner).map(String::as_str)
    }

    /// A recorded webhook as BigCommerce shows it, where it was found.
    pub fn hook_seen(&self, address: &Address) -> Option<&crate::bigcommerce::resources::Hook> {
        self.live.as_ref()?.hooks.seen.get(address)
    }

    pub fn hook(&self, address: &Address) -> Option<HookStatus> {
        self.live.as_ref()?.hooks.statuses.get(address).copied()
    }
}

/// The status of every recorded secret file.
pub fn secret_files(dir: &Path, state: &State) -> BTreeMap<Address, FileStatus> {
    state
        .resources
        .iter()
        .filter_map(|(address, resource)| {
            let secret = resource.secret()?;
            // The same check every command makes before it uses a secret file.
            let status = match crate::vault::read_recorded(dir, secret, address) {
                Ok(_) => FileStatus::Intact,
                Err(OpenError::Modified { .. }) => FileStatus::Modified,
                Err(OpenError::Missing { .. }) => FileStatus::Missing,
                Err(e) => FileStatus::Unreadable(e.to_string()),
            };
            Some((address.clone(), status))
        })
        .collect()
}

/// Asks BigCommerce about every recorded credential and lists the webhooks of each live
/// store-level account. `progress` is called with (done, total) as credentials are checked.
pub async fn live(
    config: &Config,
    state: &State,
    identities: Arc<Identities>,
    client: Arc<Client>,
    how: refresh::Refresh,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> Live {
    let checked = refresh::refresh(config, state, identities, client, how, progress).await;
    let hooks = refresh::hook_observations(state, &checked);
    Live { accounts: checked.accounts, hooks }
}
