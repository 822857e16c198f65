//! Re-encrypting secret files to the configured recipients: which files are outdated, checking
//! and decrypting each against its record, writing it again and recording what a removed
//! recipient could read. One implementation for `bckeys rekey` and for `apply`'s rekey steps.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::address::Address;
use crate::exposure::{exposure_of, Exposure};
use crate::state::{Resource, SecretRecord, State};
use crate::vault::{self, Identities, OpenError, Recipient, VaultError};

/// Which map of the state a record is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Resources,
    /// An API account being replaced, whose credential is kept until BigCommerce rejects it.
    Retiring,
}

/// A recorded secret file encrypted to another recipient set than the configuration gives it.
#[derive(Debug, Clone)]
pub struct Outdated {
    pub section: Section,
    pub address: Address,
    pub secret: SecretRecord,
}

/// The outdated files of a state (`wanted` gives the fingerprint each address's file must be
/// encrypted to), and how many files it records in all.
pub fn outdated(state: &State, wanted: impl Fn(&Address) -> String) -> (Vec<Outdated>, usize) {
    let resources = state.resources.iter().filter_map(|(a, r)| Some((Section::Resources, a, r.secret()?)));
    let retiring = state.retiring.iter().filter_map(|(a, r)| Some((Section::Retiring, a, r.secret()?)));
    let recorded: Vec<_> = resources.chain(retiring).collect();
    let total = recorded.len();
    let outdated = recorded
        .into_iter()
        .filter(|(_, address, secret)| secret.recipients != wanted(address))
        .map(|(section, address, secret)| Outdated { section, address: address.clone(), secret: secret.clone() })
        .collect();
    (outdated, total)
}

/// An outdated file, checked against its record and decrypted, ready to be written again.
pub struct Ready {
    pub section: Section,
    pub address: Address,
    file: PathBuf,
    plaintext: Zeroizing<Vec<u8>>,
}

/// Checks an outdated file against its record (SHA-256, no link) and decrypts it.
pub fn prepare(root: &Path, item: &Outdated, identities: &Identities) -> Result<Ready, OpenError> {
    let bytes = vault::read_recorded(root, &item.secret, &item.address)?;
    let plaintext = vault::decrypt(&item.secret.file, &bytes, identities)?;
    Ok(Ready { section: item.section, address: item.address.clone(), file: item.secret.file.clone(), plaintext })
}

/// A file written again, with what a removed recipient could read of it.
#[derive(Debug, Clone)]
pub struct Rekeyed {
    pub section: Section,
    pub address: Address,
    pub exposure: Exposure,
}

/// Writes a prepared file encrypted to `recipients` and records it in `state` (not saved): its
/// new SHA-256 and readers, and, from its old readers, who lost access.
pub fn reencrypt(
    root: &Path,
    state: &mut State,
    ready: Ready,
    recipients: &[Recipient],
    armor: bool,
) -> Result<Rekeyed, VaultError> {
    let written = vault::write_file(root, &root.join(&ready.file), &ready.plaintext, recipients, armor, None)?;
    let mut exposure = Exposure::None;
    if let Some(secret) = secret_mut(state, ready.section, &ready.address) {
        exposure = exposure_of(secret, &vault::readers(recipients));
        *secret = SecretRecord::encrypted_to(ready.file, recipients, written.sha256);
    }
    Ok(Rekeyed { section: ready.section, address: ready.address, exposure })
}

/// Marks the current API accounts a removed recipient could read as `exposed`, so that the next
/// plan replaces them, and the previous ones still in an overlap, so that it ends at the next
/// apply; returns the current ones' addresses.
/// Marks the API accounts a removed reader could read, for replacement; with `only`, those
/// that one of these removed readers (canonical texts) could read.
pub fn mark_exposed(state: &mut State, rekeyed: &[Rekeyed], only: &[String]) -> BTreeSet<Address> {
    let mut marked = BTreeSet::new();
    for r in rekeyed {
        let Exposure::Removed(removed) = &r.exposure else { continue };
        if !only.is_empty() && !removed.iter().any(|x| only.contains(x)) {
            continue;
        }
        let map = match r.section {
            Section::Resources => &mut state.resources,
            Section::Retiring => &mut state.retiring,
        };
        if let Some(Resource::StoreApiAccount(a) | Resource::AccountApiAccount(a)) = map.get_mut(&r.address) {
            a.exposed = true;
            if r.section == Section::Resources {
                marked.insert(r.address.clone());
            }
        }
    }
    marked
}

fn secret_mut<'a>(state: &'a mut State, section: Section, address: &Address) -> Option<&'a mut SecretRecord> {
    let map = match section {
        Section::Resources => &mut state.resources,
        Section::Retiring => &mut state.retiring,
    };
    match map.get_mut(address)? {
        Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => Some(&mut r.secret),
        Resource::Webhook(w) => w.secret.as_mut(),
        Resource::StorefrontToken(t) => Some(&mut t.secret),
    }
}
