//! `bckeys import`: adopt an API account that already exists, from BigCommerce's credentials
//! file. Nothing is written until the credentials are proven and the secret file is encrypted.

use crate::address::Address;
use crate::apply::record;
use crate::config::Config;
use crate::credentials;
use crate::error::{command_error, Error, Hinted};
use crate::fsutil;
use crate::lock::Lock;
use crate::state::State;
use crate::ui::Ui;

use super::{live, Global, Outcome};

/// Adopt an existing API account: prove its credentials, encrypt them and record it.
///
/// Reads BigCommerce's downloaded credentials file (`ACCESS TOKEN: ...` lines, any order, CRLF or
/// LF), or `-` for standard input (a pasted block). The address must be in the configuration;
/// the API path must match its store hash or account UUID; the token must be alive. When the
/// probed scopes differ from the configuration, the differing families are listed and what
/// BigCommerce granted is recorded, so the next plan shows the difference.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address of the API account, such as store/production/erp-sync.
    pub address: String,
    /// The credentials file BigCommerce downloaded, or `-` for standard input.
    #[arg(long, value_name = "FILE")]
    pub credentials: String,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let config = Config::load(&global.config)?;
    let address: Address = args.address.parse()?;
    let _lock = Lock::acquire(&config.dir)?;
    let state_path = State::path_for(&config.dir);
    let mut state = State::load(&state_path)?;
    let (account, owner) = config
        .api_accounts()
        .find(|(a, _)| a.address == address)
        .ok_or_else(|| ImportError::NotDeclared { address: address.to_string(), config: global.config.clone() })?;
    if state.resources.contains_key(&address) {
        return Err(ImportError::Recorded { address: address.to_string(), state: state_path }.into());
    }

    let (text, source) = if args.credentials == "-" {
        let text =
            read_stdin().map_err(|error| Error::Io { what: "cannot read", path: "standard input".into(), error })?;
        (text, "standard input".to_owned())
    } else {
        let text = fsutil::read_text_bounded(std::path::Path::new(&args.credentials), fsutil::MAX_SMALL)
            .map(zeroize::Zeroizing::new)
            .map_err(|error| Error::Io { what: "cannot read", path: args.credentials.clone().into(), error })?;
        (text, args.credentials.clone())
    };
    let issued = credentials::parse(&text, &source, &global.api_base)?;
    let client = live::client(global)?;
    let rt = live::runtime()?;
    let proven = record::prove(&client, &rt, issued, account, &owner.target(), &source)
        .map_err(|reason| ImportError::NotProven { reason })?;
    let excess = (!proven.excess.is_empty()).then(|| proven.named(&proven.excess));
    let missing = (!proven.missing.is_empty()).then(|| proven.named(&proven.missing));
    let unverifiable = proven.unverifiable.join(", ");
    let unverified_levels = proven.unverified_levels.join(", ");
    record::store(&config, &mut state, &address, &account.name, proven)?;
    state.save(&state_path)?;

    let mut out = format!(
        "Imported {address}: the token is alive; credentials encrypted to {}.\n",
        address.secret_path().display()
    );
    if let Some(excess) = &excess {
        out.push_str(&format!(
            "Granted beyond the configuration (security): {excess}. Recorded as granted; the next plan replaces the account.\n"
        ));
    }
    if let Some(missing) = &missing {
        out.push_str(&format!(
            "Configured but not granted: {missing}. Recorded as granted; the next plan replaces the account.\n"
        ));
    }
    if !unverifiable.is_empty() {
        out.push_str(&format!(
            "Unverifiable (no safe request can check them; recorded as configured): {unverifiable}.\n"
        ));
    }
    if !unverified_levels.is_empty() {
        out.push_str(&format!(
            "Levels unverified (granted, but no probe told read-only from modify; recorded as configured, shown as unverified): {unverified_levels}.\n"
        ));
    }
    if excess.is_none() && missing.is_none() {
        out.push_str("The probed scopes match the configuration.\n");
    }
    ui.out(&out);
    Ok(Outcome::Done)
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
            ImportError::NotProven { .. } => "check that these are this account's credentials (a deleted account needs `bckeys apply` to create it again), or fix the store hash / account UUID in the configuration".into(),
        })
    }
}

command_error!(ImportError);
