//! Addresses completed in the shell. The script `bckeys completions SHELL` prints calls bckeys
//! back at each TAB (with BCKEYS_COMPLETE=SHELL in its environment), and bckeys answers from the
//! configuration and the state of the current directory. Completion never fails: a missing or
//! broken file gives fewer candidates, never an error.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

use crate::address::Address;
use crate::config::Config;
use crate::state::State;

/// The variable that turns a run into a completion request. Not clap's default (`COMPLETE`): a
/// variable that common would be set by chance, and bckeys would answer the shell instead of
/// running.
pub const VAR: &str = "BCKEYS_COMPLETE";

/// The addresses the state records: what `reveal`, `exec` and `state show|rm` act on.
pub fn recorded() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| candidates(current, state().iter().flat_map(recorded_of)))
}

/// The addresses with an intent left by a stopped apply: what `state dismiss-intent` forgets.
pub fn intents() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        candidates(current, state().iter().flat_map(|s| s.intents.keys().map(|a| (a.to_string(), "intent"))))
    })
}

/// What the configuration declares and the state records: what `--replace` replaces.
pub fn declared() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let (config, state) = files();
        candidates(current, config.iter().flat_map(declared_of).chain(state.iter().flat_map(recorded_of)))
    })
}

/// Declared API accounts with no record yet: what `import` adopts.
pub fn importable() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let (config, state) = files();
        let Some(config) = config else { return Vec::new() };
        let state = state.unwrap_or_default();
        let pending = crate::plan::moves(&config, &state);
        let unrecorded = config
            .api_accounts()
            .filter(|(a, _)| !state.resources.contains_key(&a.address) && !pending.contains_key(&a.address))
            .map(|(a, _)| (a.address.to_string(), "declared, not recorded"))
            .collect::<Vec<_>>();
        candidates(current, unrecorded)
    })
}

/// Addresses and the stores and accounts above them: what `--target` takes.
pub fn targets() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let (config, state) = files();
        let addresses: Vec<(String, &'static str)> =
            config.iter().flat_map(declared_of).chain(state.iter().flat_map(recorded_of)).collect();
        let groups: Vec<(String, &'static str)> = config
            .iter()
            .flat_map(|c| c.declared_addresses().into_iter().map(Address::group).collect::<Vec<_>>())
            .map(|g| (g, "everything under it"))
            .collect();
        candidates(current, groups.into_iter().chain(addresses))
    })
}

/// The configuration (BCKEYS_CONFIG, else bckeys.yaml here) and the state beside it, each if it
/// can be read: `--config` on the line being completed is not seen.
fn files() -> (Option<Config>, Option<State>) {
    let path = config_path();
    let config = small(&path).then(|| Config::load(&path).ok()).flatten();
    let dir = match &config {
        Some(c) => c.dir.clone(),
        None => config_dir(&path),
    };
    (config, state_in(&dir))
}

/// The state alone: recorded addresses need nothing of the configuration but where it is.
fn state() -> Option<State> {
    state_in(&config_dir(&config_path()))
}

fn config_path() -> PathBuf {
    std::env::var_os("BCKEYS_CONFIG").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("bckeys.yaml"))
}

/// The directory of the configuration, as `Config` has it.
fn config_dir(path: &Path) -> PathBuf {
    path.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or(".".into())
}

fn state_in(dir: &Path) -> Option<State> {
    let path = State::path_for(dir);
    small(&path).then(|| State::load(&path).ok()).flatten()
}

/// The most of a file a TAB reads: a TAB must answer at once, and a larger file (the largest
/// real states are a few MiB) is not worth the wait.
const MAX_READ: u64 = 8 << 20;

fn small(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_READ)
}

fn declared_of(config: &Config) -> Vec<(String, &'static str)> {
    config.declared_addresses().into_iter().map(|a| (a.to_string(), "declared")).collect()
}

fn recorded_of(state: &State) -> Vec<(String, &'static str)> {
    state.resources.iter().map(|(a, r)| (a.to_string(), r.kind())).collect()
}

/// The candidates that start with what was typed, each once (the first help wins), in order.
fn candidates(current: &OsStr, found: impl IntoIterator<Item = (String, &'static str)>) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else { return Vec::new() };
    let mut seen = std::collections::BTreeMap::new();
    for (value, help) in found {
        if value.starts_with(current) {
            seen.entry(value).or_insert(help);
        }
    }
    seen.into_iter().map(|(value, help)| CompletionCandidate::new(value).help(Some(help.into()))).collect()
}
