//! `bckeys apply`: show a plan, ask for confirmation, carry it out; a person follows the guided
//! steps on a terminal, and without one they are printed and apply exits 3.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::address::Address;
use crate::apply::{Choice, Context, Options, Person};
use crate::bigcommerce::panel::Panel;
use crate::config::Config;
use crate::error::{command_error, Error, Hinted};
use crate::lock::Lock;
use crate::plan::{self, saved};
use crate::render::{self, Format};
use crate::state::State;
use crate::ui::Ui;

use super::{live, terminal, Global, Outcome};

/// Carry out the plan: guided steps for what needs a person, the API for the rest.
///
/// Without FILE, makes a fresh plan (refreshing like `plan`), shows it and asks for confirmation
/// (only `yes` is accepted; --auto-approve skips the question). With FILE, carries out exactly
/// the plan saved by `bckeys plan --out FILE`, without asking (the saved plan is the approval),
/// and refuses it when the state or the configuration's meaning changed since (a comment or a
/// reformatting does not count). On a terminal, each guided step waits for the person; without one, or with
/// --non-interactive, guided steps are printed as instructions and apply exits 3.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A plan saved with `bckeys plan --out FILE`.
    #[arg(value_name = "FILE")]
    pub plan_file: Option<PathBuf>,
    /// Don't ask for confirmation (a saved plan never asks).
    #[arg(long)]
    pub auto_approve: bool,
    /// Never wait for a person, even on a terminal.
    #[arg(long)]
    pub non_interactive: bool,
    /// Credentials for a guided creation, without a prompt: ADDRESS=FILE (repeatable).
    #[arg(long, value_name = "ADDRESS=FILE", value_parser = parse_credentials_arg)]
    pub credentials: Vec<(Address, PathBuf)>,
    /// Ask BigCommerce what exists before planning (`--refresh=false` plans from the state).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub refresh: bool,
    /// How long to wait, in seconds, for BigCommerce to reject a deleted account's token.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub delete_timeout: u64,
    /// The API base is a bckeys sandbox: let its simulated control panel carry out the guided
    /// steps. Off by default: an API base that merely answers on the sandbox's paths is never
    /// trusted to stand in for a person (`bckeys demo` says it for the sandbox it starts).
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub sandbox_panel: bool,
    /// Format of the steps left to a person.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Plan a replacement of ADDRESS even though nothing calls for one (repeatable): rotate a
    /// storefront token, regenerate a webhook's generated header values, or replace an API
    /// account on purpose.
    #[arg(long, value_name = "ADDRESS", add = super::complete::declared())]
    pub replace: Vec<crate::address::Address>,
    /// Plan only ADDRESS and what is under it (repeatable; `store/production` for a whole
    /// store); the rest is not looked at, and the plan says so.
    #[arg(long, value_name = "ADDRESS", add = super::complete::targets())]
    pub target: Vec<String>,
    /// Stores refreshed at once, and stores whose steps are all automated applied at once (at
    /// most 64).
    #[arg(long, default_value_t = live::DEFAULT_CONCURRENCY, value_name = "N")]
    pub concurrency: usize,
}

fn parse_credentials_arg(text: &str) -> Result<(Address, PathBuf), String> {
    let (address, file) =
        text.split_once('=').ok_or("expected ADDRESS=FILE, such as store/production/erp-sync=erp-sync.txt")?;
    let address: Address = address.parse().map_err(|e: crate::address::AddressError| format!("{e}; {}", e.hint()))?;
    Ok((address, PathBuf::from(file)))
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let config = Config::load(&global.config)?;
    let _lock = Lock::acquire(&config.dir)?;
    crate::fsutil::remove_stale_temporaries(&config.dir);
    let state_path = State::path_for(&config.dir);
    let state = State::load(&state_path)?;
    let interactive = !args.non_interactive && std::io::stdin().is_terminal();

    let plan = match &args.plan_file {
        Some(path) => saved::load(path, &config, state.serial)?,
        None => {
            let choices =
                plan::Choices { replace: args.replace.iter().cloned().collect(), target: args.target.clone() };
            choices.check(&config, &state)?;
            let looked_at = choices.narrow(&state);
            let how = live::asking(args.refresh, args.concurrency, false);
            let observations = live::observe(&config, &looked_at, global, how, ui)?;
            crate::refresh::refuse_failed(&observations)?;
            plan::diff_with(&config, &looked_at, &observations, time::OffsetDateTime::now_utc(), &choices)
        }
    };
    ui.out(&render::plan(&plan, Format::Text, ui.paint()));
    if !plan.has_changes() {
        return Ok(Outcome::Done);
    }
    // A saved plan was reviewed when it was made: it is the approval, as in Terraform.
    if !args.auto_approve && args.plan_file.is_none() {
        if !interactive {
            return Err(NoTerminal.into());
        }
        ui.status("Do you want to carry out these actions? Only 'yes' is accepted.");
        if ask(ui, "Enter a value: ").as_deref() != Some("yes") {
            ui.status("Apply cancelled; nothing was changed.");
            return Ok(Outcome::Incomplete);
        }
    }

    let identities = live::optional_identities(global, ui)?;
    let client = live::client(global)?;
    let rt = live::runtime()?;
    let panel = if args.sandbox_panel { rt.block_on(Panel::detect(client.api_base())) } else { None };
    if panel.is_some() {
        ui.status("The API base is a bckeys sandbox: its simulated control panel carries out the guided steps.");
    }
    let mut terminal = TerminalPerson { ui, waiting: false };
    let person: Option<&mut dyn Person> = if interactive && panel.is_none() { Some(&mut terminal) } else { None };
    let mut printer = Printer { ui };
    // Without a person, the sandbox's steps are still shown.
    let person = match (person, &panel) {
        (Some(p), _) => Some(p),
        (None, Some(_)) => Some(&mut printer as &mut dyn Person),
        (None, None) => None,
    };
    let ctx = Context {
        config: &config,
        identities: identities.as_ref(),
        client: &client,
        rt: &rt,
        panel: panel.as_ref(),
        options: Options {
            credentials: args.credentials.into_iter().collect::<BTreeMap<_, _>>(),
            delete_timeout: Duration::from_secs(args.delete_timeout),
            poll_interval: Duration::from_secs(2),
        },
        concurrency: args.concurrency,
    };
    let report = crate::apply::run(&ctx, state, state_path, person, &plan)?;
    ui.out(&render::apply(&report, args.format, ui.paint()));
    Ok(if report.aborted || !report.failed.is_empty() {
        Outcome::Incomplete
    } else if !report.pending.is_empty() {
        Outcome::GuidedLeft
    } else {
        Outcome::Done
    })
}

/// A prompt on standard error, then one line typed at it, trimmed.
fn ask(ui: &Ui, prompt: &str) -> Option<String> {
    ui.prompt(prompt);
    terminal::read_line().map(|l| l.trim().to_owned())
}

/// The person at this terminal.
struct TerminalPerson<'a> {
    ui: &'a Ui,
    /// A countdown line is open on standard error.
    waiting: bool,
}

impl TerminalPerson<'_> {
    /// Reads a pasted block or a typed path, with echo off. Leading blank lines are skipped (a
    /// paste often starts with one); `abort` or the end of input gives up; whatever is left of
    /// a paste bckeys gives up on is drained. `Err` carries what to tell the person before the
    /// next try.
    fn read_credentials(&mut self) -> Result<Option<Zeroizing<String>>, String> {
        let _echo = terminal::EchoOff::new();
        self.ui.prompt("> ");
        let first = loop {
            match terminal::read_line() {
                None => return Ok(None),
                Some(line) if line.trim().trim_start_matches('\u{feff}').is_empty() => continue,
                Some(line) => break Zeroizing::new(line.trim().trim_start_matches('\u{feff}').to_owned()),
            }
        };
        if first.as_str() == "abort" {
            return Ok(None);
        }
        let path = expand_home(&first);
        if !first.contains(": ") && path.is_file() {
            let text = crate::fsutil::read_text_bounded(&path, crate::fsutil::MAX_SMALL)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            self.ui.status(&format!("(read {})", path.display()));
            return Ok(Some(Zeroizing::new(text)));
        }
        if !first.contains(':') {
            // Not echoed: a bare token pasted alone must not be printed back.
            terminal::drain();
            return Err("That line is neither the path of a file nor a `KEY: value` line.".into());
        }
        let mut block = Zeroizing::new(format!("{}\n", first.as_str()));
        let mut lines = 1;
        loop {
            match terminal::read_line() {
                None => break,
                Some(line) if line.trim().is_empty() => break,
                Some(line) => {
                    block.push_str(&line);
                    block.push('\n');
                    lines += 1;
                }
            }
            if block.len() as u64 > crate::fsutil::MAX_SMALL {
                terminal::drain();
                return Err("That is far longer than a credentials block; nothing of it was kept.".into());
            }
        }
        self.ui.status(&format!("(received {lines} lines, not shown)"));
        Ok(Some(block))
    }
}

impl Person for TerminalPerson<'_> {
    fn say(&mut self, text: &str) {
        if std::mem::take(&mut self.waiting) {
            self.ui.prompt("\n");
        }
        self.ui.out(&format!("{text}\n"));
    }

    fn credentials(&mut self, address: &Address) -> Option<Zeroizing<String>> {
        loop {
            self.ui.status(&format!(
                "Paste the credentials of {address} and finish with an empty line, or type the path of the downloaded .txt file; what you paste is not shown.\n(Type `abort` to stop; what is already recorded stays recorded.)"
            ));
            match self.read_credentials() {
                Ok(Some(text)) => return Some(text),
                Ok(None) => {
                    terminal::drain();
                    return None;
                }
                Err(message) => self.ui.status(&message),
            }
        }
    }

    fn on_mismatch(&mut self, address: &Address, differences: &str) -> Choice {
        self.ui.status(&format!(
            "The scopes BigCommerce granted to {address} differ from the configuration: {differences}."
        ));
        loop {
            self.ui.status("Type `retry` to give other credentials (fix the account in the control panel first), `accept` to record what was granted (the next plan shows the difference), or `abort`.");
            match ask(self.ui, "> ").as_deref() {
                Some("retry") | Some("r") => return Choice::Retry,
                Some("accept") => return Choice::Accept,
                Some("abort") | None => {
                    terminal::drain();
                    return Choice::Abort;
                }
                _ => {}
            }
        }
    }

    fn confirm(&mut self, question: &str) -> bool {
        self.ui.status(question);
        ask(self.ui, "> ").as_deref() == Some("yes")
    }

    fn waiting(&mut self, address: &Address, left: Duration) {
        let s = left.as_secs();
        // Redrawn in place; the line is ended when the wait is over (see `say`).
        self.ui.prompt(&format!(
            "\r  waiting for BigCommerce to reject the token of {address}: {}:{:02} left ",
            s / 60,
            s % 60
        ));
        self.waiting = true;
    }
}

/// Shows what the sandbox does in the person's place; never asks anything.
struct Printer<'a> {
    ui: &'a Ui,
}

impl Person for Printer<'_> {
    fn say(&mut self, text: &str) {
        self.ui.out(&format!("{text}\n"));
    }
    fn credentials(&mut self, _: &Address) -> Option<Zeroizing<String>> {
        None
    }
    fn on_mismatch(&mut self, _: &Address, _: &str) -> Choice {
        Choice::Abort
    }
    fn confirm(&mut self, _: &str) -> bool {
        false
    }
    fn waiting(&mut self, _: &Address, _: Duration) {}
}

fn expand_home(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(text.trim_matches(['"', '\''])),
    }
}

/// Apply was asked to confirm with no terminal to ask on.
#[derive(Debug, thiserror::Error)]
#[error("no terminal to confirm the plan on")]
struct NoTerminal;

impl Hinted for NoTerminal {
    fn hint(&self) -> Option<String> {
        Some("review the plan, then run `bckeys apply --auto-approve` (or save it with `plan --out FILE` and apply that file with --auto-approve)".into())
    }
}

command_error!(NoTerminal);
