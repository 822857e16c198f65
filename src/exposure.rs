//! What a removed recipient could read: a secret file's record keeps the readers it was
//! encrypted to, so re-encrypting it to fewer tells who lost access but can still decrypt the
//! earlier versions in git history. Computed here, once, for `rekey` and `apply` alike.

use crate::state::SecretRecord;

/// What a removed recipient could read of one re-encrypted file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "exposure", content = "removed_readers")]
pub enum Exposure {
    /// No recipient was removed since the file was encrypted.
    None,
    /// These recipients were removed (canonical text).
    Removed(Vec<String>),
    /// The record does not say what the file was encrypted to.
    Unknown,
}

/// The exposure of a file recorded as `before`, now encrypted to `readers` (canonical texts).
pub fn exposure_of(before: &SecretRecord, readers: &[String]) -> Exposure {
    match before.known_readers() {
        Some(before) => {
            let removed: Vec<String> = before.iter().filter(|r| !readers.contains(r)).cloned().collect();
            if removed.is_empty() {
                Exposure::None
            } else {
                Exposure::Removed(removed)
            }
        }
        None => Exposure::Unknown,
    }
}
