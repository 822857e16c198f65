//! Who can read which credential: from the configuration (the repository's recipients and the
//! `readers:` declared on a credential and above it), checked against what the state records each
//! file is encrypted to. Both ways round: an address's readers, or a reader's addresses.

use std::collections::BTreeSet;

use crate::address::Address;
use crate::config::Config;
use crate::state::State;
use crate::vault::Recipient;

/// One credential and who can read it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Access {
    pub address: Address,
    /// Each reader the configuration gives it, with where it is declared (`encryption`,
    /// `store/production`, the address itself...).
    pub readers: Vec<Reader>,
    /// What the file on disk is encrypted to, against the configuration.
    pub recorded: Recorded,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Reader {
    pub recipient: String,
    pub from: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "readers")]
pub enum Recorded {
    /// Encrypted to exactly the readers the configuration gives.
    Same,
    /// Encrypted to others (these): `bckeys rekey` re-encrypts it.
    Outdated(Vec<String>),
    /// Recorded before bckeys kept readers: only the fingerprint is known, and it differs.
    Unknown,
    /// Declared, not recorded yet: nothing to read.
    NotRecorded,
}

/// Every declared or recorded credential's readers, in address order; with `only`, those of an
/// address (or a `store/<label>` prefix) or those a recipient can read.
pub fn access(config: &Config, state: &State, only: Option<&Filter>) -> Vec<Access> {
    let mut addresses: BTreeSet<&Address> = config.declared_addresses();
    addresses.extend(state.resources.iter().filter(|(_, r)| r.secret().is_some()).map(|(a, _)| a));
    let mut out = Vec::new();
    for address in addresses {
        if let Some(Filter::Address(prefix)) = only {
            let text = address.to_string();
            if !(text == *prefix || text.starts_with(&format!("{prefix}/"))) {
                continue;
            }
        }
        let mut readers: Vec<Reader> = config
            .encryption
            .recipients
            .iter()
            .map(|r| Reader { recipient: r.as_str().to_owned(), from: vec!["encryption".to_owned()] })
            .collect();
        for (key, r) in config.readers_of(address) {
            match readers.iter_mut().find(|x| x.recipient == r.as_str()) {
                Some(x) => x.from.push(key),
                None => readers.push(Reader { recipient: r.as_str().to_owned(), from: vec![key] }),
            }
        }
        let recorded = match state.resources.get(address).and_then(|r| r.secret()) {
            None => Recorded::NotRecorded,
            Some(secret) => {
                let wanted = crate::vault::fingerprint(&config.recipients_for(address));
                match secret.known_readers() {
                    _ if secret.recipients == wanted => Recorded::Same,
                    Some(list) => Recorded::Outdated(list.to_vec()),
                    None => Recorded::Unknown,
                }
            }
        };
        if let Some(Filter::Recipient(r)) = only {
            let configured = readers.iter().any(|x| x.recipient == r.as_str());
            let on_disk = matches!(&recorded, Recorded::Outdated(list) if list.iter().any(|x| x == r.as_str()));
            if !configured && !on_disk {
                continue;
            }
        }
        out.push(Access { address: address.clone(), readers, recorded });
    }
    out
}

/// What `bckeys readers` is asked about.
#[derive(Debug, Clone)]
pub enum Filter {
    Address(String),
    Recipient(Recipient),
}

impl Filter {
    /// A recipient if it reads as one, else an address or prefix. Text that looks like a key
    /// but is not a valid one is an error, never quietly taken for an address.
    pub fn parse(text: &str) -> Result<Filter, crate::vault::RecipientError> {
        let looks_like_key = text.starts_with("age1") || text.starts_with("ssh-");
        match Recipient::parse(text) {
            Ok(r) => Ok(Filter::Recipient(r)),
            Err(e) if looks_like_key => Err(e),
            Err(_) => Ok(Filter::Address(text.trim_end_matches('/').to_owned())),
        }
    }
}
