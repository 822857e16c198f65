//! The one way to open a recorded secret: read the file (bounded, never through a symbolic
//! link), check it against the SHA-256 the state recorded, decrypt it, parse it, and check that
//! it holds the credential of the address it is recorded for. What was proven when the file was
//! written stays proven: a file changed outside bckeys is never used, by any command.

use std::path::{Path, PathBuf};

use super::{decrypt, Credential, Identities, VaultError};
use crate::address::Address;
use crate::state::SecretRecord;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{}, the secret file of `{address}`, is missing", file.display())]
    Missing { address: Address, file: PathBuf },
    #[error("{} does not match the SHA-256 recorded in the state: the file was changed outside bckeys, so bckeys will not trust what it holds", file.display())]
    Modified { address: Address, file: PathBuf },
    #[error("cannot read {}: {error}", file.display())]
    Read { file: PathBuf, error: std::io::Error },
    /// The identity opens other credentials, not this one: a reader set at work, not a fault.
    #[error("this identity is not among the readers of `{address}`: its file is encrypted to {readers}")]
    NotAReader { address: Address, readers: String },
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("{}: {reason}", file.display())]
    NotCredential { file: PathBuf, reason: String },
    #[error("{} holds the credential of `{holds}`, not of `{address}`", file.display())]
    WrongAddress { address: Address, file: PathBuf, holds: String },
}

impl OpenError {
    pub fn hint(&self) -> Option<String> {
        match self {
            OpenError::Missing { file, .. } => Some(format!(
                "restore it from git (`git checkout -- {}`); if it is lost, `bckeys plan` plans a replacement, since BigCommerce never shows a credential twice",
                file.display()
            )),
            OpenError::Modified { file, .. } | OpenError::WrongAddress { file, .. } => Some(format!(
                "restore it from git (`git checkout -- {}`), or find out who changed it; `bckeys plan` reports it as drift",
                file.display()
            )),
            OpenError::NotCredential { .. } => {
                Some("the file decrypts but does not hold a credential: restore it from git".into())
            }
            OpenError::NotAReader { address, .. } => Some(format!(
                "use an identity that `bckeys readers {address}` lists; if this identity's recipient is (or is to be) among its `readers:`, someone holding a repository identity must run `bckeys rekey` (or apply) before it can open the file"
            )),
            OpenError::Vault(e) => e.hint().map(str::to_owned),
            OpenError::Read { .. } => None,
        }
    }
}

/// The bytes of a recorded secret file, once they are the ones the state recorded.
pub fn read_recorded(root: &Path, secret: &SecretRecord, address: &Address) -> Result<Vec<u8>, OpenError> {
    let path = root.join(&secret.file);
    let file = secret.file.clone();
    crate::fsutil::refuse_links(root, &path).map_err(|error| OpenError::Read { file: file.clone(), error })?;
    let bytes = match crate::fsutil::read_bounded(&path, crate::fsutil::MAX_SECRET) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(OpenError::Missing { address: address.clone(), file })
        }
        Err(error) => return Err(OpenError::Read { file, error }),
    };
    if crate::fsutil::sha256_hex(&bytes) != secret.sha256 {
        return Err(OpenError::Modified { address: address.clone(), file });
    }
    Ok(bytes)
}

/// The credential a recorded secret file holds, checked against its record and its address.
pub fn open_recorded(
    root: &Path,
    secret: &SecretRecord,
    address: &Address,
    identities: &Identities,
) -> Result<Credential, OpenError> {
    let bytes = read_recorded(root, secret, address)?;
    let plaintext = decrypt(&secret.file, &bytes, identities).map_err(|e| match e {
        VaultError::NoMatchingKey { .. } => OpenError::NotAReader {
            address: address.clone(),
            readers: match secret.readers.len() {
                0 => "recipients the state does not list".to_owned(),
                1 => "1 recipient".to_owned(),
                n => format!("{n} recipients"),
            },
        },
        e => OpenError::Vault(e),
    })?;
    let credential = Credential::from_yaml(&plaintext)
        .map_err(|e| OpenError::NotCredential { file: secret.file.clone(), reason: e.to_string() })?;
    if credential.address != address.to_string() {
        return Err(OpenError::WrongAddress {
            address: address.clone(),
            file: secret.file.clone(),
            holds: crate::text::escape_controls(&credential.address).into_owned(),
        });
    }
    Ok(credential)
}
