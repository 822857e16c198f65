//! `bckeys validate`: checks the configuration (and the state, when there is one) without
//! touching the network or any secret.

use crate::config::Config;
use crate::error::Error;
use crate::state::State;
use crate::ui::Ui;

use super::{Global, Outcome};

/// Check the configuration against every rule, and the state file if there is one.
///
/// Each problem names its file, line and column and what to write instead; exits 1 when there
/// is any.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let config = Config::load(&global.config)?;
    let state_path = State::path_for(&config.dir);
    let state = State::load(&state_path)?;
    let api_accounts = config.api_accounts().count();
    let webhooks: usize = config.stores.iter().flat_map(|s| &s.api_accounts).map(|a| a.webhooks.len()).sum();
    let tokens: usize = config.stores.iter().map(|s| s.storefront_tokens.len()).sum();
    let n = config.encryption.recipients.len();
    let mut text = format!(
        "{} is valid: {} API account{}, {} webhook{}, {} storefront token{}, encrypted to {} recipient{}.\n",
        global.config.display(),
        api_accounts,
        plural(api_accounts),
        webhooks,
        plural(webhooks),
        tokens,
        plural(tokens),
        n,
        plural(n),
    );
    if state.serial > 0 {
        text.push_str(&format!(
            "{} is readable: serial {}, {} resource{} recorded.\n",
            state_path.display(),
            state.serial,
            state.resources.len(),
            plural(state.resources.len())
        ));
    }
    ui.out(&text);
    Ok(Outcome::Done)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
