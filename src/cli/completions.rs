//! `bckeys completions SHELL`: the script that makes a shell complete bckeys' commands, options
//! and addresses. The script calls bckeys back at each TAB (see `complete`), so what it offers is
//! always this binary's commands and this directory's addresses.

use crate::error::Error;
use crate::ui::Ui;

use super::{complete, Outcome};

/// Print a completion script for a shell, such as `bckeys completions bash > /etc/bash_completion.d/bckeys`.
///
/// Addresses are completed from the configuration in the current directory (or BCKEYS_CONFIG)
/// and the state beside it; bckeys must be on PATH when TAB is pressed.
#[derive(Debug, clap::Args)]
pub struct Args {
    pub shell: clap_complete::Shell,
}

pub fn run(args: Args, ui: &Ui) -> Result<Outcome, Error> {
    let shells = clap_complete::env::Shells::builtins();
    let name = args.shell.to_string();
    let Some(shell) = shells.completer(&name) else {
        return Err(Error::Io {
            what: "cannot write completions for",
            path: name.into(),
            error: std::io::Error::new(std::io::ErrorKind::Unsupported, "no completer for this shell"),
        });
    };
    let mut out = Vec::new();
    shell.write_registration(complete::VAR, "bckeys", "bckeys", "bckeys", &mut out).map_err(|error| Error::Io {
        what: "cannot write completions for",
        path: name.into(),
        error,
    })?;
    ui.out(&String::from_utf8_lossy(&out));
    Ok(Outcome::Done)
}
