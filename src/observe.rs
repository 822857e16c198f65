//! Local observations: what the secret files on disk look like next to what the state recorded.
//! Kept apart from the plan so that the plan stays a pure function of its inputs.

use std::collections::BTreeMap;
use std::path::Path;

use crate::address::Address;
use crate::state::State;
use crate::vault::OpenError;

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
