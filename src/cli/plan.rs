//! `bckeys plan`: what apply would do, from the configuration, the state and (with refresh)
//! what BigCommerce shows.

use crate::config::Config;
use crate::error::Error;
use crate::plan;
use crate::render::{self, Format};
use crate::state::State;
use crate::ui::Ui;

use super::{live, Global, Outcome};

/// Show what apply would change: API accounts to create, replace or delete in the control
/// panel, webhooks and storefront tokens to change through the API, secret files to re-encrypt.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Ask BigCommerce what exists before planning. `--refresh=false` plans from the
    /// configuration and the state alone, without network or identity.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub refresh: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 2 when there are changes, 0 when there are none.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Save the plan to FILE, for `bckeys apply FILE` (it holds no secret).
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Plan a replacement of ADDRESS even though nothing calls for one (repeatable): rotate a
    /// storefront token, regenerate a webhook's generated header values, or replace an API
    /// account on purpose.
    #[arg(long, value_name = "ADDRESS", add = super::complete::declared())]
    pub replace: Vec<crate::address::Address>,
    /// Plan only ADDRESS and what is under it (repeatable; `store/production` for a whole
    /// store); the rest is not looked at, and the plan says so.
    #[arg(long, value_name = "ADDRESS", add = super::complete::targets())]
    pub target: Vec<String>,
    /// Stores refreshed at once.
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
    let choices = plan::Choices { replace: args.replace.iter().cloned().collect(), target: args.target.clone() };
    choices.check(&config, &state)?;
    let state = choices.narrow(&state);
    let how = live::asking(args.refresh, args.concurrency, args.probe_writes);
    let observations = live::observe(&config, &state, global, how, ui)?;
    crate::refresh::refuse_failed(&observations)?;
    let plan = plan::diff_with(&config, &state, &observations, time::OffsetDateTime::now_utc(), &choices);
    if let Some(out) = &args.out {
        plan::saved::save(&plan, out)?;
    }
    ui.out(&render::plan(&plan, args.format, ui.paint()));
    Ok(if args.detailed_exitcode && plan.has_changes() { Outcome::Changes } else { Outcome::Done })
}
