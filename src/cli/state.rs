//! `bckeys state`: look after the state file by hand, under the repository lock.

use crate::address::Address;
use crate::config::Config;
use crate::error::{command_error, Error, Hinted};
use crate::lock::Lock;
use crate::state::State;
use crate::ui::Ui;

use super::{Global, Outcome};

/// Look after bckeys.state.yaml by hand.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: StateCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum StateCommand {
    /// Stop reporting that a storefront token may exist unrecorded.
    ///
    /// An apply that stopped between asking BigCommerce for a storefront token and recording it
    /// leaves an intent, and every plan reports that a token may exist unrecorded (BigCommerce
    /// can't list storefront tokens). Once a person has looked into it, this forgets the intent
    /// (all intents of ADDRESS, or the one that started at --started-at). Nothing is sent to
    /// BigCommerce: a token that was created stays valid until its expiry.
    DismissIntent(DismissArgs),
    /// Merge two states that grew apart on two git branches: a git merge driver.
    ///
    /// Set it up once per clone: `git config merge.bckeys.driver "bckeys state merge %O %A %B"`
    /// (`bckeys init` writes the `.gitattributes` line that points bckeys.state.yaml at it).
    /// Each address is merged on its own: a change on one side wins over no change on the
    /// other; different changes on both sides are conflicts, named, with OURS' version kept.
    /// The result goes to OURS; the serial moves past both sides. Exits 0 when the merge is
    /// clean, 1 with the conflicting addresses named.
    Merge(MergeArgs),
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The common ancestor's state (git's %O; an empty file when there is none).
    pub base: std::path::PathBuf,
    /// This branch's state (git's %A): the merge is written here.
    pub ours: std::path::PathBuf,
    /// The other branch's state (git's %B).
    pub theirs: std::path::PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct DismissArgs {
    /// The storefront token's address, such as store/production/storefront-token/catalyst.
    pub address: String,
    /// Only the intent that started at this time (as the plan shows it).
    #[arg(long, value_name = "TIME")]
    pub started_at: Option<String>,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    match args.command {
        StateCommand::DismissIntent(args) => dismiss(args, global, ui),
        StateCommand::Merge(args) => merge(args, ui),
    }
}

fn merge(args: MergeArgs, ui: &Ui) -> Result<Outcome, Error> {
    // git gives an empty file as the ancestor of two branches that have none.
    let read = |path: &std::path::Path| -> Result<State, Error> {
        let bytes = crate::fsutil::read_bounded(path, crate::fsutil::MAX_DOCUMENT).map_err(|error| Error::Io {
            what: "cannot read",
            path: path.to_path_buf(),
            error,
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(State::default());
        }
        Ok(State::parse(path, &bytes)?)
    };
    let (base, ours, theirs) = (read(&args.base)?, read(&args.ours)?, read(&args.theirs)?);
    let merged = crate::merge::merge(&base, &ours, &theirs);
    let text = merged.state.to_yaml();
    crate::fsutil::write_atomic(&args.ours, text.as_bytes(), false).map_err(|error| Error::Io {
        what: "cannot write",
        path: args.ours.clone(),
        error,
    })?;
    if merged.conflicts.is_empty() {
        return Ok(Outcome::Done);
    }
    let names: Vec<String> = merged.conflicts.iter().map(|a| format!("  {a}")).collect();
    ui.status(&format!(
        "bckeys.state.yaml: both branches changed {} address{} differently; this branch's record of each is kept:\n{}\nLook at each (`git diff` against both branches), keep the record that matches BigCommerce, then plan: a refresh shows what is really there.",
        merged.conflicts.len(),
        if merged.conflicts.len() == 1 { "" } else { "es" },
        names.join("\n")
    ));
    Ok(Outcome::Incomplete)
}

fn dismiss(args: DismissArgs, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let address: Address = args.address.parse()?;
    let config = Config::load(&global.config)?;
    let _lock = Lock::acquire(&config.dir)?;
    let path = State::path_for(&config.dir);
    let mut state = State::load(&path)?;
    let Some(list) = state.intents.get_mut(&address) else {
        return Err(DismissError::NoIntent { address: address.to_string(), state: path }.into());
    };
    let (gone, kept): (Vec<_>, Vec<_>) =
        list.drain(..).partition(|i| args.started_at.as_deref().map_or(true, |t| t == i.started_at.to_string()));
    if gone.is_empty() {
        let at = crate::text::escape_controls(args.started_at.as_deref().unwrap_or_default()).into_owned();
        let started: Vec<String> = kept.iter().map(|i| i.started_at.to_string()).collect();
        return Err(DismissError::NoneAt { address: address.to_string(), at, started }.into());
    }
    if kept.is_empty() {
        state.intents.remove(&address);
    } else {
        state.intents.insert(address.clone(), kept);
    }
    state.save(&path)?;
    let mut out = String::new();
    for intent in &gone {
        out.push_str(&format!(
            "Dismissed the intent of {address} started at {}: a token created then, if any, stays valid until {}.\n",
            intent.started_at, intent.expires_at
        ));
    }
    ui.out(&out);
    Ok(Outcome::Done)
}

#[derive(Debug, thiserror::Error)]
enum DismissError {
    #[error("no intent is recorded for `{address}` in {}", state.display())]
    NoIntent { address: String, state: std::path::PathBuf },
    #[error("no intent of `{address}` started at {at}")]
    NoneAt { address: String, at: String, started: Vec<String> },
}

impl Hinted for DismissError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            DismissError::NoIntent { .. } => {
                "`bckeys plan` lists the storefront tokens that may exist unrecorded, with their addresses".into()
            }
            DismissError::NoneAt { address, started, .. } => {
                format!("the intents of `{address}` started at: {}", started.join(", "))
            }
        })
    }
}

command_error!(DismissError);
