//! `bckeys readers`: who can read which credential, from the configuration, checked against the
//! state. Reads no secret and needs no identity.

use crate::config::Config;
use crate::error::Error;
use crate::readers::{self, Filter};
use crate::render;
use crate::state::State;
use crate::ui::Ui;

use super::{Global, Outcome};

/// Who can read which credential: every declared or recorded credential with the keys its file
/// is (or must be) encrypted to, and where each is declared; or, given a recipient, every
/// credential it can read. The state tells whether each file is encrypted to them yet.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An address or prefix (`store/production/erp-sync`, `store/production`), or a recipient
    /// (`age1...`, `ssh-ed25519 ...`): only that credential, or what that key can read.
    #[arg(value_name = "ADDRESS|RECIPIENT", add = super::complete::declared())]
    pub what: Option<String>,
    #[arg(long, value_enum, default_value_t = ReadersFormat::Text)]
    pub format: ReadersFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReadersFormat {
    Text,
    Json,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let config = Config::load(&global.config)?;
    let state = State::load(&State::path_for(&config.dir))?;
    let filter = args.what.as_deref().map(Filter::parse).transpose().map_err(|e| BadKey(e.message))?;
    let access = readers::access(&config, &state, filter.as_ref());
    ui.out(&match args.format {
        ReadersFormat::Text => render::readers::text(&access, filter.as_ref()),
        ReadersFormat::Json => render::readers::json(&access),
    });
    Ok(Outcome::Done)
}

/// A `readers` argument that looks like a key and is not one.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct BadKey(String);

impl crate::error::Hinted for BadKey {
    fn hint(&self) -> Option<String> {
        Some("give the whole public key (`age1...`, `ssh-ed25519 ...`), or an address such as store/production".into())
    }
}

crate::error::command_error!(BadKey);
