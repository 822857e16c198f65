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
    #[error(transparent)]
    SavedPlan(#[from] crate::plan::saved::SavedPlanError),
    /// A command's own refusal, typed in the command's module.
    #[error("{0}")]
    Command(Box<dyn Hinted>),
}

/// An error that says what to do about it.
pub trait Hinted: std::error::Error + Send + Sync + 'static {
    fn hint(&self) -> Option<String>;
}

/// Makes a command's error type one that a command can end with.
macro_rules! command_error {
    ($t:ty) => {
        impl From<$t> for $crate::error::Error {
            fn from(e: $t) -> Self {
                $crate::error::Error::Command(Box::new(e))
            }
        }
    };
}
pub(crate) use command_error;

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
            Error::SavedPlan(e) => e.hint().map(str::to_owned),
            Error::Command(e) => e.hint(),
        }
    }
}
