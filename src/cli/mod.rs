//! The command line: the only user of clap. One file per command, its Args next to its `run`.

mod apply;
mod complete;
mod completions;
mod demo;
mod drift;
mod exec;
mod import;
mod init;
mod live;
mod plan;
mod readers;
mod rekey;
mod reveal;
mod sandbox;
mod schema;
mod scopes;
mod state;
mod terminal;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::error::Error;
use crate::ui::Ui;

/// Keep BigCommerce API accounts, their OAuth scopes and their credentials as code.
///
/// BigCommerce has no API to create API accounts: bckeys automates what the API allows and
/// guides a person through the control panel for the rest, then encrypts every credential with
/// age next to the configuration.
#[derive(Debug, Parser)]
#[command(name = "bckeys", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// The configuration file.
    #[arg(long, global = true, default_value = "bckeys.yaml", env = "BCKEYS_CONFIG", value_name = "FILE")]
    pub config: PathBuf,
    /// An age identity or OpenSSH private key that decrypts secret files (repeatable).
    /// Also read from BCKEYS_IDENTITY_FILE, or BCKEYS_IDENTITY (the key itself).
    #[arg(long, global = true, value_name = "FILE")]
    pub identity: Vec<PathBuf>,
    /// Base URL of BigCommerce's API.
    #[arg(
        long,
        global = true,
        env = "BCKEYS_API_BASE",
        default_value = "https://api.bigcommerce.com",
        value_name = "URL"
    )]
    pub api_base: String,
    /// Seconds to wait for each answer from BigCommerce, its whole body included.
    #[arg(long, global = true, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,
    /// Seconds this run may spend talking to BigCommerce: a rate-limit wait that would end
    /// later fails at once, naming the wait, instead of stalling the run.
    #[arg(long, global = true, default_value_t = 900, value_name = "SECONDS")]
    pub deadline: u64,
    /// The share of each store's rate-limit window (and hourly budget) bckeys may use, in
    /// (0, 1]: the rest is left to the store's other clients, which share its quota.
    #[arg(long, global = true, default_value = "0.5", value_parser = parse_share, value_name = "SHARE")]
    pub quota_share: crate::bigcommerce::QuotaShare,
    /// More detail on standard error (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// No colors, even on a terminal (as NO_COLOR=1 does).
    #[arg(long, global = true)]
    pub no_color: bool,
}

fn parse_share(text: &str) -> Result<crate::bigcommerce::QuotaShare, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(crate::bigcommerce::QuotaShare::new)
        .ok_or_else(|| format!("`{text}` is not a share: give a number above 0 and at most 1, such as 0.5"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::Args),
    Validate(validate::Args),
    Scopes(scopes::Args),
    Schema(schema::Args),
    Plan(plan::Args),
    Sandbox(sandbox::Args),
    Apply(apply::Args),
    Drift(drift::Args),
    Import(import::Args),
    Reveal(reveal::Args),
    Exec(exec::Args),
    Readers(readers::Args),
    Rekey(rekey::Args),
    State(state::Args),
    Completions(completions::Args),
    Demo(demo::Args),
}

/// How a successful command ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: done, nothing left to do.
    Done,
    /// Exit 2: `plan --detailed-exitcode` found changes, or `drift` found drift.
    Changes,
    /// Exit 1 after a report: a check that could be made was not (`drift`), or apply stopped.
    Incomplete,
    /// Exit 3: `apply` left guided steps undone.
    GuidedLeft,
    /// The exit code of the command `exec` ran.
    Exit(u8),
}

pub fn main() -> ExitCode {
    let mut ui = Ui::new();
    // A TAB in a shell whose completion script `bckeys completions` printed: answer and stop.
    // The scripts always pass `--` first; without it this is a run, whatever the environment
    // says (an exported BCKEYS_COMPLETE must never turn `plan` into a silent exit 0).
    let asked = std::env::args_os().nth(1).is_some_and(|a| a == "--");
    let completion = match asked {
        true => clap_complete::CompleteEnv::with_factory(Cli::command)
            .var(complete::VAR)
            .try_complete(std::env::args_os(), std::env::current_dir().ok().as_deref()),
        false => Ok(false),
    };
    match completion {
        Ok(true) => return ExitCode::SUCCESS,
        Ok(false) => {}
        Err(e) => {
            ui.prompt(&e.render().to_string());
            return ExitCode::from(1);
        }
    }
    let code = match Cli::try_parse() {
        Ok(cli) => {
            if cli.global.no_color {
                ui.without_color();
            }
            init_logging(cli.global.verbose);
            run_reported(cli, &ui)
        }
        // --help and --version are output like any other, and their write can fail too.
        Err(e) if !e.use_stderr() => {
            ui.out(&e.render().to_string());
            0
        }
        // A usage error is an error: exit 1, never 2 (which says that changes were found).
        Err(e) => {
            ui.prompt(&e.render().to_string());
            1
        }
    };
    finish(&ui, code)
}

fn run_reported(cli: Cli, ui: &Ui) -> u8 {
    match run(cli, ui) {
        Ok(Outcome::Done) => 0,
        Ok(Outcome::Changes) => 2,
        Ok(Outcome::Incomplete) => 1,
        Ok(Outcome::GuidedLeft) => 3,
        Ok(Outcome::Exit(code)) => code,
        Err(e) => {
            report(ui, &e);
            1
        }
    }
}

fn finish(ui: &Ui, code: u8) -> ExitCode {
    // Output that could not be written is a failure, whatever the command concluded: a plan
    // cut short must not pass for a whole one. A closed pipe (`bckeys plan | head`) ends
    // quietly, as it does for ripgrep, but not with 0.
    if let Some(failure) = ui.take_failure() {
        if failure.error.kind() != std::io::ErrorKind::BrokenPipe {
            ui.status(&format!("error: cannot write to {}: {}", failure.stream, failure.error));
        }
        return ExitCode::from(if code == 0 || code == 2 || code == 3 { 1 } else { code });
    }
    ExitCode::from(code)
}

pub fn run(cli: Cli, ui: &Ui) -> Result<Outcome, Error> {
    match cli.command {
        Command::Init(args) => init::run(args, &cli.global, ui),
        Command::Validate(args) => validate::run(args, &cli.global, ui),
        Command::Scopes(args) => scopes::run(args, ui),
        Command::Schema(args) => schema::run(args, ui),
        Command::Plan(args) => plan::run(args, &cli.global, ui),
        Command::Sandbox(args) => sandbox::run(args, ui),
        Command::Apply(args) => apply::run(args, &cli.global, ui),
        Command::Drift(args) => drift::run(args, &cli.global, ui),
        Command::Import(args) => import::run(args, &cli.global, ui),
        Command::Reveal(args) => reveal::run(args, &cli.global, ui),
        Command::Exec(args) => exec::run(args, &cli.global, ui),
        Command::Readers(args) => readers::run(args, &cli.global, ui),
        Command::Rekey(args) => rekey::run(args, &cli.global, ui),
        Command::State(args) => state::run(args, &cli.global, ui),
        Command::Completions(args) => completions::run(args, ui),
        Command::Demo(args) => demo::run(args, ui),
    }
}

/// `-v` shows bckeys' requests and retries, `-vv` everything; on standard error. Log lines name
/// methods, routes and statuses, never a token.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => return,
        1 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none())
        .with_target(false)
        .try_init();
}

fn report(ui: &Ui, e: &Error) {
    if let Error::Config(c) = e {
        if !c.problems().is_empty() {
            for p in c.problems() {
                ui.error(
                    &format!("{}:{}:{}: {}", p.file.display(), p.pos.line, p.pos.column, p.message),
                    p.hint.as_deref(),
                );
            }
            if c.problems().len() > 1 {
                ui.status(&format!("{} problems in {}", c.problems().len(), c.problems()[0].file.display()));
            }
            return;
        }
    }
    ui.error(&e.to_string(), e.hint().as_deref());
}
