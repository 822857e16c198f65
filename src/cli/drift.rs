//! `bckeys drift`: the refresh alone, reported; the state is never changed.

use crate::config::Config;
use crate::error::Error;
use crate::findings;
use crate::render::{self, Format};
use crate::state::State;
use crate::ui::Ui;

use super::{live, Global, Outcome};

/// Check BigCommerce and the secret files against the configuration and the state.
///
/// Reports tokens revoked out of band, scopes granted beyond the configuration (a security
/// finding) or missing, secret files missing, altered or encrypted to outdated recipients, and
/// storefront tokens expired or due for rotation. Families that no safe request can check are
/// listed as unverifiable, never counted as a match. Exits 0 in sync, 2 on drift, 1 when a check
/// could not be made. Never changes the state.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Stores checked at once.
    #[arg(long, default_value_t = live::DEFAULT_CONCURRENCY, value_name = "N")]
    pub concurrency: usize,
    /// Also send one write probe per scope family: a request BigCommerce must refuse whatever
    /// the level (a body without its required fields), whose answer tells read-only (403) from
    /// modify (400, 422). Capture and import always send them, once per credential.
    #[arg(long)]
    pub probe_writes: bool,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let config = Config::load(&global.config)?;
    let state = State::load(&State::path_for(&config.dir))?;
    let observations =
        live::observe(&config, &state, global, live::asking(true, args.concurrency, args.probe_writes), ui)?;
    let report = findings::findings(&config, &state, &observations, time::OffsetDateTime::now_utc());
    ui.out(&render::drift(&report, args.format, ui.paint()));
    Ok(if !report.errors.is_empty() {
        Outcome::Incomplete
    } else if report.has_drift() {
        Outcome::Changes
    } else {
        Outcome::Done
    })
}
