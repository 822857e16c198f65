//! `bckeys import`: adopt an API account that already exists, from BigCommerce's credentials
//! file. Nothing is written until the credentials are proven and the secret file is encrypted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::address::Address;
use crate::apply::record;
use crate::bigcommerce::Client;
use crate::config::{ApiAccount, Config};
use crate::credentials;
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
    if let Some(from) = crate::plan::moves(config, &state).remove(&address) {
        return Err(ImportError::PendingMove { address: address.to_string(), from: from.to_string() }.into());
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
        .map_err(|e| ImportError::NotProven { reason: e.message })?;
    let summary = adopt(config, &mut state, &address, account, proven)?;
    let file = (file != "-").then(|| Path::new(file));
    ui.out(&render::import::one(&address, file, &summary));
    Ok(Outcome::Done)
}

/// Records a proven credential: encrypted into its secret file, then the state saved.
fn adopt(
    config: &Config,
    state: &mut State,
    address: &Address,
    account: &ApiAccount,
    proven: record::Proven,
) -> Result<record::Summary, Error> {
    let summary = proven.summary();
    record::store(config, state, address, &account.name, proven)?;
    state.save(&State::path_for(&config.dir))?;
    Ok(summary)
}

/// `import --dir`: place every file, prove what was placed (stores at once, each store's
/// accounts in turn), then record each proven credential, saving after each one.
fn folder(config: &Config, mut state: State, dir: &Path, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let sorted = import::sort(config, &state, dir, &global.api_base).map_err(ImportError::Folder)?;
    let mut report = import::Report { unplaced: sorted.unplaced, ..Default::default() };
    if sorted.placed.is_empty() && !report.unplaced.iter().any(|u| !matches!(u.reason, Reason::NotCredentials(_))) {
        return Err(ImportError::NoCredentials { dir: dir.to_owned(), files: report.unplaced.len() }.into());
    }
    let client = live::client(global)?;
    // Every secret of every file read is held before any is sent: neither an answer nor the
    // report (which quotes what files say, such as names) can bring one into what is printed.
    sorted.secrets.iter().for_each(|s| client.hold(s));
    let rt = live::runtime()?;
    let proofs = rt.block_on(prove_all(client.clone(), sorted.placed));
    let mut stopped = None;
    for Proof { file, address, account, result } in proofs {
        let file = import::file_name(&file);
        match result {
            Ok(_) if stopped.is_some() => report.unplaced.push(import::Unplaced { file, reason: Reason::NotRecorded }),
            Ok(proven) => match adopt(config, &mut state, &address, &account, proven) {
                Ok(summary) => report.imported.push(import::Imported { file, address, summary }),
                Err(e) => {
                    report.unplaced.push(import::Unplaced { file, reason: Reason::NotRecorded });
                    stopped = Some(e);
                }
            },
            Err(reason) => report.unplaced.push(import::Unplaced { file, reason: Reason::NotProven(reason) }),
        }
    }
    report.unplaced.sort_by(|a, b| a.file.cmp(&b.file));
    let pending = crate::plan::moves(config, &state);
    report.unrecorded = config
        .api_accounts()
        .map(|(a, _)| a.address.clone())
        .filter(|a| !state.resources.contains_key(a) && !pending.contains_key(a))
        .collect();
    // What was recorded before a failure is said, then the failure: nothing adopted goes unsaid.
    ui.out(&client.scrub_held(&render::import::folder(dir, &report)));
    if let Some(e) = stopped {
        return Err(e);
    }
    Ok(if report.needs_attention() { Outcome::Incomplete } else { Outcome::Done })
}

/// A placed file once its credentials went into the proof.
struct Proof {
    file: PathBuf,
    address: Address,
    account: ApiAccount,
    result: Result<record::Proven, record::NotProven>,
}

/// Proves every placed file: one task per store or account, whose files are proven in turn
/// (they share its rate limit); at most [`live::DEFAULT_CONCURRENCY`] at once. In file order.
async fn prove_all(client: Arc<Client>, placed: Vec<import::Placed>) -> Vec<Proof> {
    let mut expected: BTreeMap<PathBuf, (Address, ApiAccount)> = BTreeMap::new();
    let mut groups: BTreeMap<String, Vec<import::Placed>> = BTreeMap::new();
    for p in placed {
        expected.insert(p.file.clone(), (p.address.clone(), p.account.clone()));
        groups.entry(p.issued.target.to_string()).or_default().push(p);
    }
    let limit = Arc::new(tokio::sync::Semaphore::new(live::DEFAULT_CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for (_, group) in groups {
        let (client, limit) = (client.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let mut out = Vec::with_capacity(group.len());
            for import::Placed { file, address, account, issued } in group {
                let source = import::file_name(&file).display().to_string();
                let target = issued.target.clone();
                let result = record::prove(&client, issued, &account, &target, &source).await;
                out.push(Proof { file, address, account, result });
            }
            out
        });
    }
    let mut proofs: BTreeMap<PathBuf, Proof> = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        proofs.extend(done.into_iter().flatten().map(|p| (p.file.clone(), p)));
    }
    // A task only panics on a bug; its files are then reported as not proven, never dropped.
    for (file, (address, account)) in expected {
        proofs.entry(file.clone()).or_insert_with(|| Proof {
            file,
            address,
            account,
            result: Err(record::NotProven { message: "the check stopped unexpectedly".into(), transient: true }),
        });
    }
    proofs.into_values().collect()
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
    #[error("`{address}` is recorded as `{from}`, which the next apply moves there")]
    PendingMove { address: String, from: String },
    #[error("{0}")]
    Folder(import::DirError),
    #[error("{}", if *files == 0 { format!("the folder {} is empty", dir.display()) } else { format!("none of the {files} entries of {} is a BigCommerce credentials file", dir.display()) })]
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
            ImportError::PendingMove { .. } => {
                "run bckeys apply to carry out the move; importing would record the account twice".into()
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
