//! `bckeys exec`: run a command with one credential in its environment, and end as it ends.
//!
//! The checks are `reveal`'s (a recorded address, a secret file that matches the state, an
//! identity). The values go from the decrypted credential straight into the child's environment;
//! bckeys itself prints nothing unless it can't start the command, and never a value.

use std::ffi::OsString;
use std::process::ExitStatus;

use crate::error::Error;
use crate::ui::Ui;

use super::reveal::{self, VARIABLES};
use super::{Global, Outcome};

/// Run a command with a credential's BIGCOMMERCE_* variables in its environment.
///
/// CMD gets the variables `bckeys reveal ADDRESS` prints (BIGCOMMERCE_STORE_HASH,
/// BIGCOMMERCE_ACCESS_TOKEN, BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_CLIENT_SECRET and
/// BIGCOMMERCE_API_PATH for a store-level API account; BIGCOMMERCE_ACCOUNT_UUID instead of the
/// store hash for an account-level one; BIGCOMMERCE_STOREFRONT_TOKEN and BIGCOMMERCE_STORE_HASH
/// for a storefront token); inherited BIGCOMMERCE_* variables of that list that the credential
/// does not set are removed. The secret file is checked against the state first, as for reveal.
/// Needs an identity (--identity FILE, BCKEYS_IDENTITY_FILE or BCKEYS_IDENTITY).
///
/// Exit code: CMD's own; 128+N when signal N ended it; 127 when CMD is not found and 126 when it
/// can't be run (as shells do); 1 when bckeys refuses before starting CMD. While CMD runs, bckeys
/// leaves Ctrl-C (SIGINT, SIGQUIT) to it.
///
/// Example: bckeys exec store/production/erp-sync -- ./sync-orders --since yesterday
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address of the credential, such as store/production/erp-sync.
    pub address: String,
    /// The command and its arguments, after `--`.
    #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let opened = reveal::open(&args.address, global, "exec")?;
    let Some((program, rest)) = args.command.split_first() else {
        // clap requires CMD; this only keeps the function total.
        return Err(Error::Refused {
            message: "no command to run".into(),
            hint: "bckeys exec ADDRESS -- CMD ARGS...".into(),
        });
    };
    let mut command = std::process::Command::new(program);
    command.args(rest);
    for name in VARIABLES {
        command.env_remove(name);
    }
    for (name, value) in opened.variables() {
        command.env(name, value);
    }
    drop(opened);

    #[cfg(unix)]
    let _signals = leave_terminal_signals_to_the_child();
    let spawned = command.spawn();
    // The environment copies held by `command` go as soon as the child has its own.
    drop(command);
    let name = program.to_string_lossy();
    let code = match spawned {
        Ok(mut child) => match child.wait() {
            Ok(status) => exit_code(status),
            Err(error) => {
                ui.error(&format!("lost track of `{name}`: {error}"), None);
                1
            }
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            ui.error(
                &format!("cannot run `{name}`: command not found"),
                Some("check its name and PATH (or give its path); the command comes after the address, as in `bckeys exec ADDRESS -- CMD ARGS...`"),
            );
            127
        }
        Err(error) => {
            ui.error(&format!("cannot run `{name}`: {error}"), Some("check that the file is an executable program"));
            126
        }
    };
    Ok(if code == 0 { Outcome::Done } else { Outcome::Exit(u8::try_from(code).unwrap_or(1)) })
}

/// The child's exit code, or 128+N when signal N ended it, as shells report it.
fn exit_code(status: ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    1
}

/// While it lives, SIGINT and SIGQUIT don't end bckeys: a terminal sends them to the whole
/// foreground group, so the child gets them and decides; bckeys then reports how it ended,
/// rather than dying first and leaving the child to finish behind the shell's prompt. (This is
/// what `system()` does.) Handlers, unlike ignored signals, are reset for the child by exec.
#[cfg(unix)]
struct TerminalSignals {
    _streams: Vec<tokio::signal::unix::Signal>,
    _runtime: tokio::runtime::Runtime,
}

#[cfg(unix)]
fn leave_terminal_signals_to_the_child() -> Option<TerminalSignals> {
    use tokio::signal::unix::{signal, SignalKind};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
    let streams = {
        let _context = runtime.enter();
        [SignalKind::interrupt(), SignalKind::quit()].into_iter().filter_map(|kind| signal(kind).ok()).collect()
    };
    Some(TerminalSignals { _streams: streams, _runtime: runtime })
}
