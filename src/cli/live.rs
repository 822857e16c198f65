//! What the commands that ask BigCommerce share: the runtime, the client, the identity, and the
//! refresh with its progress bar.

use std::sync::Arc;
use std::time::Duration;

use crate::bigcommerce::{Client, Settings};
use crate::config::Config;
use crate::error::Error;
use crate::handout::{self, Handout};
use crate::observe::{self, Observations};
use crate::state::State;
use crate::ui::Ui;
use crate::vault::{Identities, IdentityError};

use super::Global;

/// Stores refreshed at once. Each store has its own rate limit, so stores don't slow each other;
/// within a store, requests go one after another at the pace its headers allow.
pub const DEFAULT_CONCURRENCY: usize = 256;

pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|error| Error::Io {
        what: "cannot start the async runtime",
        path: ".".into(),
        error,
    })
}

pub fn client(global: &Global) -> Result<Arc<Client>, Error> {
    let mut settings = Settings::new(&global.api_base, Duration::from_secs(global.timeout.max(1)));
    // A deadline too far to represent is no deadline.
    settings.deadline = std::time::Instant::now().checked_add(Duration::from_secs(global.deadline));
    settings.quota_share = global.quota_share;
    Ok(Arc::new(Client::new(settings)?))
}

/// The identities given, or an error that says what needed them.
pub fn identities_for(global: &Global, ui: &Ui, missing: impl FnOnce() -> IdentityError) -> Result<Identities, Error> {
    optional_identities(global, ui)?.ok_or_else(|| missing().into())
}

/// The identities given, if any, with a warning for each identity file others may read.
pub fn optional_identities(global: &Global, ui: &Ui) -> Result<Option<Identities>, Error> {
    let found = Identities::from_env(&global.identity)?;
    for warning in found.iter().flat_map(|i| &i.warnings) {
        ui.status(&format!("warning: {warning}"));
    }
    Ok(found)
}

/// How `plan`, `drift` and `apply` ask BigCommerce: `None` for not at all (`--refresh=false`).
pub fn asking(refresh: bool, concurrency: usize, probe_writes: bool) -> Option<crate::refresh::Refresh> {
    refresh.then_some(crate::refresh::Refresh { concurrency, probe_writes })
}

/// What the secret files show and, with `refresh`, what BigCommerce shows (with a progress bar
/// on standard error when it is a terminal).
pub fn observe(
    config: &Config,
    state: &State,
    global: &Global,
    refresh: Option<crate::refresh::Refresh>,
    ui: &Ui,
) -> Result<Observations, Error> {
    let mut observations = Observations::local(&config.dir, state);
    let Some(how) = refresh else {
        return Ok(observations);
    };
    // Nothing recorded holds a credential: nothing to decrypt or ask, so no identity needed.
    if !state.resources.values().any(|r| r.is_api_account()) {
        observations.live = Some(Default::default());
        return Ok(observations);
    }
    let identities = Arc::new(identities_for(global, ui, || IdentityError::NeededToRefresh)?);
    let client = client(global)?;
    let total = state.resources.values().filter(|r| r.is_api_account()).count();
    let bar = ui.progress("checking credentials", total as u64);
    let progress = {
        let bar = bar.clone();
        Arc::new(move |done: usize, total: usize| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
    };
    let live = runtime()?.block_on(observe::live(config, state, identities, client.clone(), how, progress));
    bar.finish_and_clear();
    tracing::debug!(
        requests = client.counters.requests.load(std::sync::atomic::Ordering::Relaxed),
        throttled = client.counters.throttled.load(std::sync::atomic::Ordering::Relaxed),
        "refresh finished"
    );
    observations.live = Some(live);
    Ok(observations)
}

/// The credential `reveal` and `exec` hand out: the record of `address`, checked and decrypted
/// with the identity given. `command` names the caller in messages.
pub fn handout(address: &str, global: &Global, ui: &Ui, command: &'static str) -> Result<Handout, Error> {
    let address: crate::address::Address = address.parse()?;
    let config = Config::load(&global.config)?;
    let state_path = State::path_for(&config.dir);
    let state = State::load(&state_path)?;
    let found = handout::find(&state, &state_path, &address, command)?;
    let identities = identities_for(global, ui, || IdentityError::Needed {
        purpose: format!(
            "`bckeys {command}` needs an identity (a private key) to decrypt {}",
            found.secret.file.display()
        ),
    })?;
    Ok(handout::open(&config.dir, found, &address, &identities, &global.api_base)?)
}
