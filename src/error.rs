//! The error a command ends with: the module errors, each with its hint, and the exit code.

use std::path::PathBuf;

use crate::address::AddressError;
use crate::bigcommerce::ApiError;
use crate::config::ConfigError;
use crate::credentials::CredentialsError;
use crate::lock::LockError;
use crate::state::StateError;
use crate::vault::{IdentityError, OpenError, VaultError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Handout(#[from] crate::handout::HandoutError),
    #[error(transparent)]
    Unchecked(#[from] crate::refresh::Unchecked),
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("{what} {}: {error}", path.display())]
    Io { what: &'static str, path: PathBuf, error: std::io::Error },
    #[error("{message}")]
    Refused { message: String, hint: String },
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Config(e) => e.hint(),
            Error::State(e) => e.hint().map(str::to_owned),
            Error::Identity(e) => e.hint().map(str::to_owned),
            Error::Vault(e) => e.hint().map(str::to_owned),
            Error::Open(e) => e.hint(),
            Error::Handout(e) => e.hint(),
            Error::Unchecked(e) => Some(e.hint().to_owned()),
            Error::Address(e) => Some(e.hint().to_owned()),
            Error::Api(e) => e.hint().map(str::to_owned),
            Error::Credentials(e) => Some(e.hint().to_owned()),
            Error::Lock(e) => e.hint().map(str::to_owned),
            Error::Io { .. } => None,
            Error::Refused { hint, .. } => Some(hint.clone()),
        }
    }
}
