//! `bckeys exec`: run a command with one credential in its environment, and end as it ends.
//!
//! The checks are `handout`'s, as for `reveal` (a recorded address, a secret file that matches
//! the state, an API path that is BigCommerce's, an identity). The values go from the decrypted credential straight into the child's environment;
//! bckeys itself prints nothing unless it can't start the command, and never a value.

use std::ffi::OsString;
use std::process::ExitStatus;

use crate::error::{command_error, Error, Hinted};
use crate::ui::Ui;

use super::{Global, Outcome};
use crate::handout::VARIABLES;

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
/// CMD gets that one credential and nothing that opens others: BCKEYS_IDENTITY and
/// BCKEYS_IDENTITY_FILE are removed from its environment.
///
/// Exit code: CMD's own; 128+N when signal N ended it; 127 when CMD is not found and 126 when it
/// can't be run (as shells do); 1 when bckeys refuses before starting CMD. While CMD runs,
/// SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to bckeys are passed on to it (a Ctrl-C on the
/// terminal reaches it directly), and bckeys ends as it ends.
///
/// Example: bckeys exec store/production/erp-sync -- ./sync-orders --since yesterday
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address of the credential, such as store/production/erp-sync.
    #[arg(add = super::complete::recorded())]
    pub address: String,
    /// The command and its arguments, after `--`.
    #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let opened = super::live::handout(&args.address, global, ui, "exec")?;
    let Some((program, rest)) = args.command.split_first() else {
        // clap requires CMD; this only keeps the function total.
        return Err(NoCommand.into());
    };
    let mut command = std::process::Command::new(program);
    command.args(rest);
    for name in VARIABLES.into_iter().chain(OPENERS) {
        command.env_remove(name);
    }
    for (name, value) in opened.variables() {
        command.env(name, value);
    }
    drop(opened);

    // Handlers go in before the child exists, so that no signal falls between the two.
    #[cfg(unix)]
    let forwarder = signals::Forwarder::install();
    let spawned = command.spawn();
    // The environment copies held by `command` go as soon as the child has its own.
    drop(command);
    let name = program.to_string_lossy();
    let code = match spawned {
        Ok(mut child) => match wait(&mut child, {
            #[cfg(unix)]
            {
                forwarder.as_ref()
            }
        }) {
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

/// Waits for the child, passing signals on to it meanwhile.
#[cfg(unix)]
fn wait(child: &mut std::process::Child, forwarder: Option<&signals::Forwarder>) -> std::io::Result<ExitStatus> {
    if let Some(f) = forwarder {
        f.forward_to(child.id());
    }
    let status = child.wait();
    // Once reaped, its pid may be another process's: nothing more is sent to it.
    if let Some(f) = forwarder {
        f.forward_to(0);
    }
    status
}

#[cfg(not(unix))]
fn wait(child: &mut std::process::Child, _: ()) -> std::io::Result<ExitStatus> {
    child.wait()
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

/// What opens other credentials: a child must not inherit them.
const OPENERS: [&str; 2] = ["BCKEYS_IDENTITY", "BCKEYS_IDENTITY_FILE"];

#[cfg(unix)]
mod signals {
    //! While the child runs, the signals that would end bckeys are passed on to it instead, and
    //! bckeys waits to report how the child ended (as `system()` and `uv run` do). A signal the
    //! terminal sent (Ctrl-C, Ctrl-\) went to the whole foreground group, the child included, so
    //! it is not sent a second time; one sent to bckeys alone (`kill`, a CI runner's SIGTERM) is.

    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::Arc;

    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    use signal_hook::iterator::exfiltrator::origin::WithOrigin;
    use signal_hook::iterator::SignalsInfo;
    use signal_hook::low_level::siginfo::Cause;

    pub struct Forwarder {
        child: Arc<AtomicI32>,
        /// A signal that came before the child existed, sent to it as soon as it does.
        pending: Arc<AtomicI32>,
        handle: signal_hook::iterator::Handle,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl Forwarder {
        pub fn install() -> Option<Forwarder> {
            let mut signals = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT]).ok()?;
            let handle = signals.handle();
            let child = Arc::new(AtomicI32::new(0));
            let pending = Arc::new(AtomicI32::new(0));
            let (target, early) = (child.clone(), pending.clone());
            let thread = std::thread::spawn(move || {
                for origin in signals.forever() {
                    if matches!(origin.cause, Cause::Kernel) {
                        // From the terminal: the child, in the same foreground group, has it.
                        continue;
                    }
                    early.store(origin.signal, Ordering::SeqCst);
                    let pid = target.load(Ordering::SeqCst);
                    if pid > 0 && early.swap(0, Ordering::SeqCst) != 0 {
                        // SAFETY: kill(2) with a pid this process spawned and has not reaped.
                        unsafe {
                            libc::kill(pid, origin.signal);
                        }
                    }
                }
            });
            Some(Forwarder { child, pending, handle, thread: Some(thread) })
        }

        /// From now on signals go to `pid` (0: to nobody); one that came before is sent now.
        pub fn forward_to(&self, pid: u32) {
            let pid = i32::try_from(pid).unwrap_or(0);
            self.child.store(pid, Ordering::SeqCst);
            let early = self.pending.swap(0, Ordering::SeqCst);
            if pid > 0 && early != 0 {
                // SAFETY: as above.
                unsafe {
                    libc::kill(pid, early);
                }
            }
        }
    }

    impl Drop for Forwarder {
        fn drop(&mut self) {
            self.child.store(0, Ordering::SeqCst);
            self.handle.close();
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }
}

/// `exec` without a command (clap requires one; this keeps `run` total).
#[derive(Debug, thiserror::Error)]
#[error("no command to run")]
struct NoCommand;

impl Hinted for NoCommand {
    fn hint(&self) -> Option<String> {
        Some("bckeys exec ADDRESS -- CMD ARGS...".into())
    }
}

command_error!(NoCommand);
