//! Moves: a recorded resource whose address changed while it stayed the same thing. An API
//! account is the same account when its store hash (or account UUID) and its name are the same,
//! whatever the label; a storefront token follows its store (same store hash and name), a
//! webhook its account (same name). A move renames the record and its secret file: no guided
//! step, no new credential.

use std::collections::BTreeMap;

use crate::address::Address;
use crate::config::Config;
use crate::state::{Resource, State};

/// New address -> the recorded address it moves from. Only one-to-one matches: two candidates
/// for one address are no move (the plan then creates and deletes as before).
pub fn moves(config: &Config, state: &State) -> BTreeMap<Address, Address> {
    let declared = config.declared_addresses();
    let gone: Vec<(&Address, &Resource)> =
        state.resources.iter().filter(|(a, _)| !declared.contains(a) && !state.retiring.contains_key(*a)).collect();
    let mut out = BTreeMap::new();
    let mut pair = |to: &Address, from: Option<&Address>| {
        if let Some(from) = from {
            out.insert(to.clone(), from.clone());
        }
    };
    // Renames the configuration declares.
    for (from, to) in &config.moved {
        if !state.resources.contains_key(to) && state.resources.get(from).is_some_and(Resource::is_api_account) {
            pair(to, Some(from));
        }
    }
    // API accounts: same target, same name.
    for (account, owner) in config.api_accounts() {
        if state.resources.contains_key(&account.address) || config.moved.iter().any(|(_, to)| *to == account.address) {
            continue;
        }
        let target = owner.target().to_string();
        let candidates: Vec<&Address> = gone
            .iter()
            .filter(|(_, r)| {
                r.api_account().is_some_and(|r| {
                    r.name == account.name && r.target().map(|t| t.to_string()) == Some(target.clone())
                })
            })
            .map(|(a, _)| *a)
            .collect();
        pair(&account.address, one(&candidates));
    }
    let accounts: BTreeMap<Address, Address> = out.clone();
    let mut pair = |to: &Address, from: Option<&Address>| {
        if let Some(from) = from {
            out.insert(to.clone(), from.clone());
        }
    };
    // Storefront tokens: same store hash, same name.
    for store in &config.stores {
        for token in &store.storefront_tokens {
            if state.resources.contains_key(&token.address) {
                continue;
            }
            let candidates: Vec<&Address> = gone
                .iter()
                .filter(|(a, r)| {
                    matches!(r, Resource::StorefrontToken(t) if t.store_hash == store.store_hash)
                        && matches!(a, Address::StorefrontToken { name, .. } if *name == token.name)
                })
                .map(|(a, _)| *a)
                .collect();
            pair(&token.address, one(&candidates));
        }
        // Webhooks: their account moves, and they keep their name.
        for account in &store.api_accounts {
            let Some(old_owner) = accounts.get(&account.address) else { continue };
            for hook in &account.webhooks {
                let Address::Webhook { name, .. } = &hook.address else { continue };
                let from = Address::Webhook {
                    store: match old_owner {
                        Address::StoreAccount { store, .. } => store.clone(),
                        _ => continue,
                    },
                    account: match old_owner {
                        Address::StoreAccount { account, .. } => account.clone(),
                        _ => continue,
                    },
                    name: name.clone(),
                };
                if !state.resources.contains_key(&hook.address)
                    && matches!(state.resources.get(&from), Some(Resource::Webhook(_)))
                    && !declared.contains(&from)
                {
                    pair(&hook.address, Some(&from));
                }
            }
        }
    }
    out
}

fn one<'a>(candidates: &[&'a Address]) -> Option<&'a Address> {
    match candidates {
        [only] => Some(only),
        _ => None,
    }
}
