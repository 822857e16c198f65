//! Local observations: what the secret files on disk look like next to what the state recorded.
//! Kept apart from the plan so that the plan stays a pure function of its inputs.

use std::collections::BTreeMap;
use std::path::Path;

use crate::address::Address;
use crate::state::State;

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
            let status = match std::fs::read(dir.join(&secret.file)) {
                Ok(bytes) if crate::fsutil::sha256_hex(&bytes) == secret.sha256 => FileStatus::Intact,
                Ok(_) => FileStatus::Modified,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileStatus::Missing,
                Err(e) => FileStatus::Unreadable(e.to_string()),
            };
            Some((address.clone(), status))
        })
        .collect()
}
