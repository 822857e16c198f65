//! Moves: the same resource at a new address (a relabel). Its secret file names its address, so
//! it is decrypted and encrypted again under the new one; the record follows in one save, and
//! the old file goes last. A run stopped in between leaves either the old record (and a spare
//! new file, written again by the next apply) or the new record (and a spare old file).

use std::collections::BTreeMap;

use super::{Applier, Outcome};
use crate::address::Address;
use crate::error::Error;
use crate::state::Resource;
use crate::vault;

impl Applier<'_, '_> {
    pub(super) fn move_record(&mut self, to: &Address, from: &Address) -> Result<Outcome, Error> {
        let Some(mut resource) = self.state.resources.get(from).cloned() else {
            if self.state.resources.contains_key(to) {
                return Ok(Outcome::Done(format!("{to}: already moved from {from}")));
            }
            return Ok(Outcome::Failed(format!("{from} is not recorded, so there is nothing to move")));
        };
        let old_file = resource.secret().map(|s| s.file.clone());
        if let Some(secret) = resource.secret().cloned() {
            let identities = self.identities.ok_or_else(|| vault::IdentityError::Needed {
                purpose: format!("{from}: its secret file names its address, so moving it means opening it"),
            })?;
            let moved = match vault::open_recorded(&self.config.dir, &secret, from, identities) {
                Ok(mut credential) => {
                    self.client.hold_credential(&credential);
                    credential.address = to.to_string();
                    if let Some(name) = account_name(to) {
                        credential.name = name;
                    }
                    let written = super::record::encrypt(self.config, to, &credential)?;
                    self.note_rewrite(to, &secret, &written);
                    written
                }
                // A lost file is a finding of its own: the record still moves.
                Err(vault::OpenError::Missing { .. }) => {
                    crate::state::SecretRecord { file: to.secret_path(), ..secret }
                }
                Err(e) => return Ok(Outcome::Failed(e.to_string())),
            };
            match &mut resource {
                Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => r.secret = moved,
                Resource::StorefrontToken(t) => t.secret = moved,
                Resource::Webhook(w) => w.secret = Some(moved),
            }
        }
        // A rename in the control panel renames the account.
        if let (Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r), Some(name)) =
            (&mut resource, account_name(to))
        {
            r.name = name;
        }
        self.state.resources.remove(from);
        self.state.resources.insert(to.clone(), resource);
        self.save()?;
        if let Some(old) = old_file.filter(|f| *f != to.secret_path()) {
            // Best effort: a spare old file holds nothing the state points at.
            let _ = std::fs::remove_file(self.config.dir.join(old));
        }
        Ok(Outcome::Done(format!("moved {from} to {to} (record and secret file; nothing changed at BigCommerce)")))
    }
}

/// The API account name an address gives, for an API account's address.
fn account_name(address: &Address) -> Option<String> {
    match address {
        Address::StoreAccount { account, .. } | Address::AccountAccount { account, .. } => Some(account.clone()),
        _ => None,
    }
}

/// Stores (and accounts) that a move joins are applied as one: a move touches both.
#[derive(Debug, Default)]
pub struct Groups {
    alias: BTreeMap<String, String>,
}

impl Groups {
    pub fn of(steps: &[crate::plan::Step]) -> Groups {
        let mut groups = Groups::default();
        for step in steps {
            if let crate::plan::Work::Move { from } = &step.work {
                let (a, b) = (groups.canonical(&from.group()), groups.canonical(&step.address().group()));
                if a != b {
                    let (keep, join) = if a < b { (a, b) } else { (b, a) };
                    groups.alias.insert(join, keep);
                }
            }
        }
        groups
    }

    /// The group that `group` is applied in.
    pub fn canonical(&self, group: &str) -> String {
        let mut g = group.to_owned();
        while let Some(next) = self.alias.get(&g) {
            g = next.clone();
        }
        g
    }

    pub fn of_address(&self, address: &Address) -> String {
        self.canonical(&address.group())
    }
}
