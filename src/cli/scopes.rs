//! `bckeys scopes`: the scope catalogue, for people writing configurations.

use crate::error::Error;
use crate::render::{self, Format};
use crate::ui::Ui;

use super::Outcome;

/// List every OAuth scope family: its configuration key, the control panel's name for it, and
/// its levels.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: Args, ui: &Ui) -> Result<Outcome, Error> {
    ui.out(&render::scope_catalogue(args.format));
    Ok(Outcome::Done)
}
