//! `bckeys completions SHELL`: shell completion scripts, generated from the argument definitions.

use clap::CommandFactory;

use crate::error::Error;
use crate::ui::Ui;

use super::{Cli, Outcome};

/// Print a completion script for a shell, such as `bckeys completions bash > /etc/bash_completion.d/bckeys`.
#[derive(Debug, clap::Args)]
pub struct Args {
    pub shell: clap_complete::Shell,
}

pub fn run(args: Args, ui: &Ui) -> Result<Outcome, Error> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "bckeys", &mut out);
    ui.out(&String::from_utf8_lossy(&out));
    Ok(Outcome::Done)
}
