//! Which declared API account each file of a folder of downloaded credentials belongs to, for
//! `bckeys import --dir`. A file is placed by what it says, never by its name: its API PATH
//! names the store or account, its CLIENT NAME the API account there. Nothing here talks to
//! BigCommerce or writes anything; the caller proves and records what was placed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use crate::address::Address;
use crate::apply::record::NotProven;
use crate::config::{ApiAccount, Config};
use crate::credentials::{self, ApiTarget, CredentialsError, Issued};
use crate::fsutil;
use crate::state::{Resource, State};
use crate::text::escape_controls;

/// The most entries a folder may have: a downloads folder is read whole before anything is
/// proven, and one with more is not a folder of credentials.
pub const MAX_ENTRIES: usize = 10_000;
/// The most bckeys reads of one file of a folder: BigCommerce's downloads are a few hundred
/// bytes, so with [`MAX_ENTRIES`] a folder costs at most 640 MiB of reading, never of memory.
pub const MAX_FILE: u64 = 64 << 10;
/// The most of a name a message quotes: no declared name is longer.
const MAX_QUOTED: usize = 128;

/// A credentials file and the declared API account it belongs to.
#[derive(Debug)]
pub struct Placed {
    pub file: PathBuf,
    pub address: Address,
    /// The declared account, for its scopes.
    pub account: ApiAccount,
    pub issued: Issued,
}

/// A file that is not imported, and why.
#[derive(Debug)]
pub struct Unplaced {
    /// Its name in the folder.
    pub file: PathBuf,
    pub reason: Reason,
}

#[derive(Debug, thiserror::Error)]
pub enum Reason {
    /// Not BigCommerce's credentials layout at all: a downloads folder holds other files too.
    #[error("not a credentials file ({0})")]
    NotCredentials(String),
    #[error("cannot read it: {0}")]
    Unreadable(String),
    #[error("{}{}", .0.line.map(|l| format!("line {l}: ")).unwrap_or_default(), .0.message)]
    Malformed(CredentialsError),
    #[error("it has no CLIENT NAME line, so nothing tells which API account of {0} it is")]
    Unnamed(ApiTarget),
    #[error("the configuration declares no {0}")]
    UnknownTarget(ApiTarget),
    #[error("{owner} declares no API account named `{name}`")]
    NotDeclared {
        owner: String,
        name: String,
        /// A declared name that differs only in case.
        close: Option<String>,
    },
    #[error("{0} is already recorded with these credentials")]
    AlreadyImported(Address),
    #[error("{0} is already recorded with other credentials; import never replaces a recorded credential")]
    RecordedOther(Address),
    #[error("{0} is already recorded; account-level credentials carry no client ID, so bckeys can't tell whether with these")]
    RecordedUnsure(Address),
    #[error(
        "{to} is recorded as {from}, which the next apply moves there; import never replaces a recorded credential"
    )]
    PendingMove { to: Box<Address>, from: Box<Address> },
    #[error("the same credentials as {}", escape_controls(&.0.display().to_string()))]
    Duplicate(PathBuf),
    #[error("{address} is named by {} files with different credentials: {}", files.len(), files.iter().map(|f| escape_controls(&f.display().to_string()).into_owned()).collect::<Vec<_>>().join(", "))]
    Conflict { address: Address, files: Vec<PathBuf> },
    #[error("{0}")]
    NotProven(NotProven),
    #[error("proven, but not recorded: the import stopped first")]
    NotRecorded,
}

impl Reason {
    /// Whether the file needs the person: a credentials file bckeys could not adopt. Other
    /// files, copies and credentials already recorded are only listed.
    pub fn needs_attention(&self) -> bool {
        !matches!(
            self,
            Reason::NotCredentials(_)
                | Reason::AlreadyImported(_)
                | Reason::RecordedOther(_)
                | Reason::RecordedUnsure(_)
                | Reason::PendingMove { .. }
                | Reason::Duplicate(_)
        )
    }

    /// What to do about it, when something can be done.
    pub fn hint(&self) -> Option<String> {
        match self {
            Reason::Malformed(e) => Some(e.hint().to_owned()),
            Reason::Unreadable(_) => Some("make the file readable to this user, or move it out of the folder".into()),
            Reason::Unnamed(_) => Some("import it by address: bckeys import ADDRESS --credentials FILE".into()),
            Reason::NotDeclared { close: Some(close), .. } => Some(format!(
                "the configuration declares `{close}`: names must match exactly, as the control panel shows them"
            )),
            Reason::UnknownTarget(_) | Reason::NotDeclared { .. } => Some(
                "declare the API account in the configuration (its name as the control panel shows it), or leave this file out"
                    .into(),
            ),
            Reason::Conflict { address, .. } => {
                Some(format!("import the right one by address: bckeys import {address} --credentials FILE"))
            }
            Reason::NotProven(NotProven { transient: true, .. }) => {
                Some("run the import again: this says nothing about the credentials".into())
            }
            Reason::NotProven(_) => Some("check that the account still exists and that these are its credentials".into()),
            Reason::NotRecorded => Some("run the import again once the error below is fixed".into()),
            _ => None,
        }
    }
}

/// Every file of `dir`, placed or not, each list in file-name order, and the secrets of every
/// credentials file read, so that the caller can keep them out of anything it prints.
#[derive(Debug, Default)]
pub struct Sorted {
    pub placed: Vec<Placed>,
    pub unplaced: Vec<Unplaced>,
    pub secrets: Vec<SecretString>,
}

/// Why a folder could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum DirError {
    #[error("cannot read the folder {}: {error}", dir.display())]
    Unreadable { dir: PathBuf, error: std::io::Error },
    #[error("the folder {} has more than {MAX_ENTRIES} entries", dir.display())]
    TooMany { dir: PathBuf },
}

/// Reads every regular file directly in `dir` (not in its folders) and places each credentials
/// file on the declared API account its API PATH and CLIENT NAME name.
pub fn sort(config: &Config, state: &State, dir: &Path, api_base: &str) -> Result<Sorted, DirError> {
    let unreadable = |error| DirError::Unreadable { dir: dir.to_owned(), error };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        if files.len() == MAX_ENTRIES {
            return Err(DirError::TooMany { dir: dir.to_owned() });
        }
        files.push(entry.map_err(unreadable)?.path());
    }
    files.sort();

    let mut sorted = Sorted::default();
    let mut candidates: Vec<Placed> = Vec::new();
    let pending = crate::plan::moves(config, state);
    for file in files {
        match place(config, state, &pending, &file, api_base, &mut sorted.secrets) {
            Ok(placed) => candidates.push(placed),
            Err(reason) => sorted.unplaced.push(Unplaced { file: file_name(&file), reason }),
        }
    }
    // Several files for one address: copies of one download are imported once; different
    // credentials are a choice bckeys does not make.
    let mut by_address: BTreeMap<Address, Vec<Placed>> = BTreeMap::new();
    for placed in candidates {
        by_address.entry(placed.address.clone()).or_default().push(placed);
    }
    for (address, group) in by_address {
        let mut group = group.into_iter();
        let Some(first) = group.next() else { continue };
        let others: Vec<Placed> = group.collect();
        if others.iter().all(|other| same_credentials(&first.issued, &other.issued)) {
            for other in others {
                let reason = Reason::Duplicate(file_name(&first.file));
                sorted.unplaced.push(Unplaced { file: file_name(&other.file), reason });
            }
            sorted.placed.push(first);
        } else {
            let files: Vec<PathBuf> = std::iter::once(&first).chain(&others).map(|p| file_name(&p.file)).collect();
            for p in std::iter::once(first).chain(others) {
                sorted.unplaced.push(Unplaced {
                    file: file_name(&p.file),
                    reason: Reason::Conflict { address: address.clone(), files: files.clone() },
                });
            }
        }
    }
    sorted.placed.sort_by(|a, b| a.file.cmp(&b.file));
    sorted.unplaced.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(sorted)
}

/// The file name alone, for messages: every file is in the one folder the person named.
pub fn file_name(path: &Path) -> PathBuf {
    path.file_name().map(PathBuf::from).unwrap_or_else(|| path.to_owned())
}

fn place(
    config: &Config,
    state: &State,
    pending: &BTreeMap<Address, Address>,
    file: &Path,
    api_base: &str,
    secrets: &mut Vec<SecretString>,
) -> Result<Placed, Reason> {
    let text = fsutil::read_text_bounded(file, MAX_FILE).map(zeroize::Zeroizing::new).map_err(|e| match e.kind() {
        // Not a regular file, too large, not text: not a download of BigCommerce's.
        std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => Reason::NotCredentials(e.to_string()),
        _ => Reason::Unreadable(e.to_string()),
    })?;
    let source = file_name(file).display().to_string();
    let issued = credentials::parse(&text, &source, api_base).map_err(|e| {
        if credentials::has_access_token_line(&text) {
            Reason::Malformed(e)
        } else {
            Reason::NotCredentials("it has no ACCESS TOKEN line".into())
        }
    })?;
    secrets.push(issued.access_token.clone());
    secrets.extend(issued.client_secret.clone());
    let Some(name) = issued.name.clone() else { return Err(Reason::Unnamed(issued.target)) };
    let Some(owner) = owner_of(config, &issued.target) else { return Err(Reason::UnknownTarget(issued.target)) };
    let accounts: Vec<&ApiAccount> =
        config.api_accounts().filter(|(_, o)| o.target() == issued.target).map(|(a, _)| a).collect();
    let Some(account) = accounts.iter().find(|a| a.name == name) else {
        let close = accounts.iter().find(|a| a.name.eq_ignore_ascii_case(&name)).map(|a| a.name.clone());
        return Err(Reason::NotDeclared { owner, name: quoted(&name), close });
    };
    let address = account.address.clone();
    if let Some(from) = pending.get(&address) {
        return Err(Reason::PendingMove { to: Box::new(address), from: Box::new(from.clone()) });
    }
    match state.resources.get(&address) {
        Some(Resource::StoreApiAccount(record) | Resource::AccountApiAccount(record)) => {
            Err(match (record.client_id.as_str(), issued.client_id.as_deref()) {
                ("", _) | (_, None) => Reason::RecordedUnsure(address),
                (recorded, Some(given)) if recorded == given => Reason::AlreadyImported(address),
                _ => Reason::RecordedOther(address),
            })
        }
        _ => Ok(Placed { file: file.to_owned(), address, account: (*account).clone(), issued }),
    }
}

/// The store or account of a target, as the configuration names it.
fn owner_of(config: &Config, target: &ApiTarget) -> Option<String> {
    match target {
        ApiTarget::Store(hash) => {
            config.stores.iter().find(|s| s.store_hash == *hash).map(|s| format!("store/{} ({hash})", s.label))
        }
        ApiTarget::Account(uuid) => {
            config.accounts.iter().find(|a| a.account_uuid == *uuid).map(|a| format!("account/{} ({uuid})", a.label))
        }
    }
}

/// A name from a file, fit to quote: control characters escaped, at most [`MAX_QUOTED`]
/// characters.
fn quoted(name: &str) -> String {
    let mut out: String = escape_controls(name).chars().take(MAX_QUOTED).collect();
    if name.chars().count() > MAX_QUOTED {
        out.push('…');
    }
    out
}

/// Two downloads of one API account carry the same client ID and token.
fn same_credentials(a: &Issued, b: &Issued) -> bool {
    a.client_id == b.client_id && a.access_token.expose_secret() == b.access_token.expose_secret()
}

/// What `import --dir` did.
#[derive(Debug, Default)]
pub struct Report {
    /// Each file imported, its address and what its proof showed, in file-name order.
    pub imported: Vec<Imported>,
    /// Every file not imported, with why, in file-name order.
    pub unplaced: Vec<Unplaced>,
    /// Declared API accounts still without a record once the import is done.
    pub unrecorded: Vec<Address>,
}

#[derive(Debug)]
pub struct Imported {
    pub file: PathBuf,
    pub address: Address,
    pub summary: crate::apply::record::Summary,
}

impl Report {
    /// Whether some credentials file needs the person (the command then exits 1).
    pub fn needs_attention(&self) -> bool {
        self.unplaced.iter().any(|u| u.reason.needs_attention())
    }
}
