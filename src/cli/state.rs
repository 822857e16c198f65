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
    /// List what is recorded: every address with its kind, store or account, and what tells
    /// it apart at BigCommerce (client ID, webhook ID, expiry). Never a secret.
    List(ListArgs),
    /// Show the records of one address as the state holds them (the state holds no secret).
    Show(AddressArg),
    /// Forget a record without touching BigCommerce.
    ///
    /// The secret file is kept aside as secrets/<ADDRESS>.removed-<time>.age, and bckeys says
    /// what still exists at BigCommerce: an API account stays until a person deletes it, a
    /// token stays valid until its expiry, a webhook keeps delivering. The next plan creates
    /// what the configuration still declares.
    Rm(AddressArg),
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
pub struct ListArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct AddressArg {
    /// Such as store/production/erp-sync.
    #[arg(add = super::complete::recorded())]
    pub address: String,
}

#[derive(Debug, clap::Args)]
pub struct DismissArgs {
    /// The storefront token's address, such as store/production/storefront-token/catalyst.
    #[arg(add = super::complete::intents())]
    pub address: String,
    /// Only the intent that started at this time (as the plan shows it).
    #[arg(long, value_name = "TIME")]
    pub started_at: Option<String>,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    match args.command {
        StateCommand::List(args) => list(args, global, ui),
        StateCommand::Show(args) => show(args, global, ui),
        StateCommand::Rm(args) => rm(args, global, ui),
        StateCommand::DismissIntent(args) => dismiss(args, global, ui),
        StateCommand::Merge(args) => merge(args, ui),
    }
}

/// The state beside the configuration, read under the repository lock (an apply may be
/// writing it).
fn locked_state(global: &Global) -> Result<(Config, Lock, std::path::PathBuf, State), Error> {
    let config = Config::load(&global.config)?;
    let lock = Lock::acquire(&config.dir)?;
    let path = State::path_for(&config.dir);
    let state = State::load(&path)?;
    Ok((config, lock, path, state))
}

fn list(args: ListArgs, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let (_config, _lock, _, state) = locked_state(global)?;
    ui.out(&match args.format {
        ListFormat::Text => crate::render::state::list_text(&state),
        ListFormat::Json => crate::render::state::list_json(&state),
    });
    Ok(Outcome::Done)
}

fn show(args: AddressArg, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let address: Address = args.address.parse()?;
    let (_config, _lock, path, state) = locked_state(global)?;
    let text = crate::render::state::show(&address, &state);
    if text.is_empty() {
        return Err(RmError::NotRecorded { address: address.to_string(), state: path }.into());
    }
    ui.out(&text);
    Ok(Outcome::Done)
}

fn rm(args: AddressArg, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    use crate::state::Resource;
    let address: Address = args.address.parse()?;
    let (config, _lock, path, mut state) = locked_state(global)?;
    let Some(resource) = state.resources.get(&address).cloned() else {
        return Err(RmError::NotRecorded { address: address.to_string(), state: path }.into());
    };
    let webhooks: Vec<String> =
        state.resources.keys().filter(|a| a.owner().as_ref() == Some(&address)).map(|a| a.to_string()).collect();
    if !webhooks.is_empty() {
        return Err(RmError::HasWebhooks { address: address.to_string(), webhooks }.into());
    }
    // The credential is kept, in a file no record points at, in case it is needed after all.
    let kept = match resource.secret() {
        Some(secret) if config.dir.join(&secret.file).exists() => {
            let stamp = crate::timestamp::Timestamp::now().to_string().replace(':', "");
            let aside = std::path::PathBuf::from(format!("secrets/{address}.removed-{stamp}.age"));
            crate::fsutil::refuse_links(&config.dir, &config.dir.join(&aside))
                .and_then(|_| std::fs::rename(config.dir.join(&secret.file), config.dir.join(&aside)))
                .map_err(|error| Error::Io { what: "cannot move aside", path: secret.file.clone(), error })?;
            Some(aside)
        }
        _ => None,
    };
    state.resources.remove(&address);
    state.save(&path)?;
    let still = match &resource {
        Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => format!(
            "the API account `{}` (client ID {}) still exists at BigCommerce until a person deletes it in the control panel",
            r.name, r.client_id
        ),
        Resource::StorefrontToken(t) => format!("the token stays valid at BigCommerce until {}", t.expires_at),
        Resource::Webhook(w) => format!("webhook {} still delivers to {} until it is deleted", w.id, w.destination),
    };
    let mut out = format!("Forgot {address}: nothing was sent to BigCommerce.\n");
    if let Some(aside) = kept {
        out.push_str(&format!(
            "Its secret file is kept as {} (not recorded: delete it once it is not needed).\n",
            aside.display()
        ));
    }
    ui.out(&out);
    ui.status(&format!(
        "warning: {still}; the next plan creates {address} again if the configuration still declares it"
    ));
    Ok(Outcome::Done)
}

/// Why `state show` or `state rm` does nothing.
#[derive(Debug, thiserror::Error)]
enum RmError {
    #[error("`{address}` is not recorded in {}", state.display())]
    NotRecorded { address: String, state: std::path::PathBuf },
    #[error("`{address}` owns recorded webhooks: {}", webhooks.join(", "))]
    HasWebhooks { address: String, webhooks: Vec<String> },
}

impl Hinted for RmError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            RmError::NotRecorded { .. } => "`bckeys state list` shows what is recorded".into(),
            RmError::HasWebhooks { .. } => {
                "forget its webhooks first (`bckeys state rm` each), or delete them with apply by removing them from the configuration".into()
            }
        })
    }
}

command_error!(RmError);

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
    let (_config, _lock, path, mut state) = locked_state(global)?;
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
