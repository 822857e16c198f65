//! What a person asks of one plan beyond the configuration: `--replace ADDRESS` (rotate a
//! token, regenerate a webhook's header secrets, replace an API account on purpose) and
//! `--target ADDRESS` (plan only those, and what is under them).

use std::collections::BTreeSet;

use crate::address::Address;
use crate::config::{Config, HeaderValue};
use crate::state::{Resource, State};

#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub replace: BTreeSet<Address>,
    /// Addresses or prefixes of them (`store/production` for all of a store).
    pub target: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChoiceError {
    #[error("--replace {0}: it is not recorded, so there is nothing to replace")]
    NotRecorded(String),
    #[error("--replace {0}: the configuration no longer declares it (the plan deletes it)")]
    NotDeclared(String),
    #[error("--replace {0}: the webhook has no generated header value to regenerate")]
    NothingGenerated(String),
    #[error("--target {0}: no address is, or is under, it")]
    NoTarget(String),
}

impl crate::error::Hinted for ChoiceError {
    fn hint(&self) -> Option<String> {
        Some("`bckeys state list` shows what is recorded; addresses are such as store/production/erp-sync".into())
    }
}

crate::error::command_error!(ChoiceError);

impl Choices {
    pub fn targeted(&self, address: &Address) -> bool {
        let text = address.to_string();
        self.target.is_empty()
            || self.target.iter().any(|t| {
                let t = t.trim_end_matches('/');
                text == t || text.strip_prefix(t).is_some_and(|rest| rest.starts_with('/'))
            })
    }

    /// Refuses what can't be done: replacing what is not recorded or no longer declared, a
    /// webhook without generated headers, a target that matches nothing.
    pub fn check(&self, config: &Config, state: &State) -> Result<(), ChoiceError> {
        let declared = config.declared_addresses();
        for address in &self.replace {
            match state.resources.get(address) {
                None => return Err(ChoiceError::NotRecorded(address.to_string())),
                Some(Resource::Webhook(_)) => {
                    let generated = config
                        .webhooks()
                        .find(|w| &w.address == address)
                        .ok_or_else(|| ChoiceError::NotDeclared(address.to_string()))?
                        .headers
                        .values()
                        .any(|v| *v == HeaderValue::Generated);
                    if !generated {
                        return Err(ChoiceError::NothingGenerated(address.to_string()));
                    }
                }
                Some(_) if !declared.contains(address) => return Err(ChoiceError::NotDeclared(address.to_string())),
                Some(_) => {}
            }
        }
        for target in &self.target {
            let one = Choices { replace: BTreeSet::new(), target: vec![target.clone()] };
            let known = state
                .resources
                .keys()
                .chain(state.retiring.keys())
                .chain(declared.iter().copied())
                .any(|a| one.targeted(a));
            if !known {
                return Err(ChoiceError::NoTarget(target.clone()));
            }
        }
        Ok(())
    }

    /// The state as far as the plan looks at it: the targeted records only (all of them
    /// without `--target`). Its serial is the state's.
    pub fn narrow(&self, state: &State) -> State {
        if self.target.is_empty() {
            return state.clone();
        }
        // A targeted webhook or token needs its account's credentials: the owner and the
        // issuer are looked at too (their own steps are left out of the plan).
        let mut needed: BTreeSet<Address> = BTreeSet::new();
        for (address, resource) in state.resources.iter().filter(|(a, _)| self.targeted(a)) {
            needed.extend(address.owner());
            if let Resource::StorefrontToken(t) = resource {
                needed.extend(address.sibling_account(&t.issuer));
            }
        }
        state.filtered(|a| self.targeted(a) || needed.contains(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_match_an_address_and_what_is_under_it() {
        let choices = Choices { replace: BTreeSet::new(), target: vec!["store/prod".into(), "store/x/erp".into()] };
        let yes = ["store/prod/erp", "store/prod/erp/webhook/h", "store/prod/storefront-token/web", "store/x/erp"];
        let no = ["store/production/erp", "store/x/erp-sync", "account/prod/a"];
        for a in yes {
            assert!(choices.targeted(&a.parse().unwrap()), "{a}");
        }
        for a in no {
            assert!(!choices.targeted(&a.parse().unwrap()), "{a}");
        }
        assert!(Choices::default().targeted(&"store/any/thing".parse().unwrap()));
    }
}
