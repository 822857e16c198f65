//! `bckeys import`: adopt an API account that already exists, from BigCommerce's credentials
//! file. Nothing is written until the credentials are proven and the secret file is encrypted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::address::Address;
use crate::apply::record;
use crate::bigcommerce::Client;
use crate::config::{ApiAccount, Config};
use crate::credentials::{self, ApiTarget};
use crate::error::{command_error, Error, Hinted};
use crate::fsutil;
use crate::import::{self, Reason};
use crate::lock::Lock;
use crate::render;
use crate::state::State;
use crate::ui::Ui;

use super::{live, Global, Outcome};

/// Adopt existing API accounts: prove their credentials, encrypt them and record them.
///
/// Reads BigCommerce's downloaded credentials file (`ACCESS TOKEN: ...` lines, any order, CRLF or
/// LF), or `-` for standard input (a pasted block). The address must be in the configuration;
/// the API path must match its store hash or account UUID; the token must be alive. When the
/// probed scopes differ from the configuration, the differing families are listed and what
/// BigCommerce granted is recorded, so the next plan shows the difference.
///
/// With `--dir`, every file directly in the folder is read: each credentials file is placed on
/// the declared API account its API PATH and CLIENT NAME name, then proven and recorded. Files
/// that can't be placed or proven are listed with why (exit 1); other files are listed and
/// left alone.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["address", "dir"])))]
pub struct Args {
    /// The address of the API account, such as store/production/erp-sync.
    #[arg(requires = "credentials", conflicts_with = "dir", add = super::complete::importable())]
    pub address: Option<String>,
    /// The credentials file BigCommerce downloaded, or `-` for standard input.
    #[arg(long, value_name = "FILE", requires = "address")]
    pub credentials: Option<String>,
    /// A folder of downloaded credentials files, such as ~/Downloads.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let config = Config::load(&global.config)?;
    let _lock = Lock::acquire(&config.dir)?;
    let state_path = State::path_for(&config.dir);
    let state = State::load(&state_path)?;
    match (args.address, args.credentials, args.dir) {
        (Some(address), Some(credentials), None) => one(&config, state, &address, &credentials, global, ui),
        (None, None, Some(dir)) => folder(&config, state, &dir, global, ui),
        // clap's group and requirements leave no other shape.
        _ => Err(ImportError::Usage.into()),
    }
}

fn one(
    config: &Config,
    mut state: State,
    address: &str,
    file: &str,
    global: &Global,
    ui: &Ui,
) -> Result<Outcome, Error> {
    let address: Address = address.parse()?;
    let state_path = State::path_for(&config.dir);
    let (account, owner) = config
        .api_accounts()
        .find(|(a, _)| a.address == address)
        .ok_or_else(|| ImportError::NotDeclared { address: address.to_string(), config: global.config.clone() })?;
    if state.resources.contains_key(&address) {
        return Err(ImportError::Recorded { address: address.to_string(), state: state_path }.into());
    }

    let (text, source) = if file == "-" {
        let text =
            read_stdin().map_err(|error| Error::Io { what: "cannot read", path: "standard input".into(), error })?;
        (text, "standard input".to_owned())
    } else {
        let text = fsutil::read_text_bounded(Path::new(file), fsutil::MAX_SMALL)
            .map(zeroize::Zeroizing::new)
            .map_err(|error| Error::Io { what: "cannot read", path: file.into(), error })?;
        (text, file.to_owned())
    };
    let issued = credentials::parse(&text, &source, &global.api_base)?;
    let client = live::client(global)?;
    let rt = live::runtime()?;
    let proven = rt
        .block_on(record::prove(&client, issued, account, &owner.target(), &source))
        .map_err(|reason| ImportError::NotProven { reason })?;
    let summary = proven.summary();
    record::store(config, &mut state, &address, &account.name, proven)?;
    state.save(&state_path)?;
    ui.out(&render::import::one(&address, &summary));
    Ok(Outcome::Done)
}

/// `import --dir`: place every file, prove what was placed (stores at once, each store's
/// accounts in turn), then record each proven credential, saving after each one.
fn folder(config: &Config, mut state: State, dir: &Path, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let state_path = State::path_for(&config.dir);
    let sorted = import::sort(config, &state, dir, &global.api_base).map_err(ImportError::Folder)?;
    let mut report = import::Report { unplaced: sorted.unplaced, ..Default::default() };
    if sorted.placed.is_empty() && !report.unplaced.iter().any(|u| !matches!(u.reason, Reason::NotCredentials(_))) {
        return Err(ImportError::NoCredentials { dir: dir.to_owned(), files: report.unplaced.len() }.into());
    }
    let client = live::client(global)?;
    // Every secret of every file is held before any is sent: no answer about one file's
    // credentials can bring another's into a message.
    for placed in &sorted.placed {
        client.hold(&placed.issued.access_token);
        if let Some(secret) = &placed.issued.client_secret {
            client.hold(secret);
        }
    }
    let rt = live::runtime()?;
    let proofs = rt.block_on(prove_all(client, config, sorted.placed));
    for (file, address, proof) in proofs {
        let file = import::file_name(&file);
        match proof {
            Ok(proven) => {
                let name = config.api_accounts().find(|(a, _)| a.address == address).map(|(a, _)| a.name.clone());
                let summary = proven.summary();
                record::store(config, &mut state, &address, name.as_deref().unwrap_or_default(), proven)?;
                state.save(&state_path)?;
                report.imported.push(import::Imported { file, address, summary });
            }
            Err(reason) => report.unplaced.push(import::Unplaced { file, reason: Reason::NotProven(reason) }),
        }
    }
    report.unplaced.sort_by(|a, b| a.file.cmp(&b.file));
    report.unrecorded =
        config.api_accounts().map(|(a, _)| a.address.clone()).filter(|a| !state.resources.contains_key(a)).collect();
    ui.out(&render::import::folder(dir, &report));
    Ok(if report.needs_attention() { Outcome::Incomplete } else { Outcome::Done })
}

type Proof = (PathBuf, Address, Result<record::Proven, String>);

/// Proves every placed file: one task per store or account, whose files are proven in turn
/// (they share its rate limit); at most [`live::DEFAULT_CONCURRENCY`] at once.
async fn prove_all(client: Arc<Client>, config: &Config, placed: Vec<import::Placed>) -> Vec<Proof> {
    let mut groups: BTreeMap<String, Vec<(import::Placed, ApiAccount, ApiTarget)>> = BTreeMap::new();
    let mut files = Vec::new();
    for p in placed {
        let Some((account, owner)) = config.api_accounts().find(|(a, _)| a.address == p.address) else { continue };
        files.push((p.file.clone(), p.address.clone()));
        let target = owner.target();
        groups.entry(target.to_string()).or_default().push((p, account.clone(), target));
    }
    let limit = Arc::new(tokio::sync::Semaphore::new(live::DEFAULT_CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for (_, group) in groups {
        let (client, limit) = (client.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let mut out = Vec::with_capacity(group.len());
            for (p, account, target) in group {
                let source = import::file_name(&p.file).display().to_string();
                let proof = record::prove(&client, p.issued, &account, &target, &source).await;
                out.push((p.file, p.address, proof));
            }
            out
        });
    }
    let mut proofs: Vec<Proof> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        proofs.extend(done.into_iter().flatten());
    }
    // A task only panics on a bug; its files are then reported as not proven, never dropped.
    for (file, address) in files {
        if !proofs.iter().any(|(f, _, _)| *f == file) {
            proofs.push((file, address, Err("the check stopped unexpectedly".into())));
        }
    }
    proofs.sort_by(|a, b| a.0.cmp(&b.0));
    proofs
}

/// A pasted block from standard input, bounded: a stream that never ends is refused, not read.
fn read_stdin() -> std::io::Result<zeroize::Zeroizing<String>> {
    let bytes = zeroize::Zeroizing::new(fsutil::read_stream_bounded(std::io::stdin().lock(), fsutil::MAX_SMALL)?);
    std::str::from_utf8(&bytes)
        .map(|t| zeroize::Zeroizing::new(t.to_owned()))
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// Why an import writes nothing.
#[derive(Debug, thiserror::Error)]
enum ImportError {
    #[error("`{address}` is not an API account of the configuration")]
    NotDeclared { address: String, config: std::path::PathBuf },
    #[error("`{address}` is already recorded in {}", state.display())]
    Recorded { address: String, state: std::path::PathBuf },
    #[error("{reason}; nothing was written")]
    NotProven { reason: String },
    #[error("{0}")]
    Folder(import::DirError),
    #[error("none of the {files} entries of {} is a BigCommerce credentials file", dir.display())]
    NoCredentials { dir: PathBuf, files: usize },
    #[error("give an ADDRESS with --credentials FILE, or --dir DIR")]
    Usage,
}

impl Hinted for ImportError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            ImportError::NotDeclared { config, .. } => format!(
                "declare it in {} first; import adopts accounts the configuration already names",
                config.display()
            ),
            ImportError::Recorded { .. } => {
                "importing again would replace a recorded credential; delete the old account through apply first".into()
            }
            ImportError::Folder(import::DirError::TooMany { .. }) => {
                "move the credentials files into a folder of their own and import that".into()
            }
            ImportError::Folder(_) => "give a folder this user can read".into(),
            ImportError::NoCredentials { .. } => "a credentials file is the .txt BigCommerce downloads when an API account is created: its lines start with ACCESS TOKEN, CLIENT ID, CLIENT SECRET, CLIENT NAME and API PATH".into(),
            ImportError::Usage => "see bckeys import --help".into(),
            ImportError::NotProven { .. } => "check that these are this account's credentials (a deleted account needs `bckeys apply` to create it again), or fix the store hash / account UUID in the configuration".into(),
        })
    }
}

command_error!(ImportError);
