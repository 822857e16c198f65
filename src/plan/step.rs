//! Typed plan steps: what apply carries out, with everything it needs from the configuration,
//! next to the `Action` that is their public view (the JSON plan, the text and Markdown ones).

use crate::address::Address;
use crate::config::{ApiAccount, Config, Overlap, StorefrontToken, Webhook};
use crate::credentials::ApiTarget;
use crate::ids::StoreHash;

use super::{Action, Op, ResourceType};

/// One step of a plan: the work and how it is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub action: Action,
    pub work: Work,
}

/// The work of one step. Exhaustive: apply matches on it and never looks anything up by
/// address in the configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// The record and secret file of `from` move to the step's address (re-encrypted, since a
    /// secret file names its address); nothing changes at BigCommerce.
    Move {
        from: Address,
    },
    /// A person creates the API account in the control panel; bckeys proves and records its
    /// credentials. With `replacing`, the current one is deleted once the new one is recorded,
    /// and the account's webhooks move to the new one first.
    CreateAccount {
        account: ApiAccount,
        target: ApiTarget,
        replacing: bool,
        /// How long the replaced account stays before its deletion is asked: the configured
        /// overlap, or none when the replacement is for security (an excess scope, exposure).
        overlap: Overlap,
    },
    /// A person deletes the API account (with `previous`, the one a replacement left); done
    /// once BigCommerce rejects its token.
    DeleteAccount {
        previous: bool,
    },
    /// Create, adopt, update or reactivate a webhook with its account's token; `update` writes
    /// it even when it is found as configured. The webhooks of a replaced account move with it,
    /// in the account's step.
    PutWebhook {
        hook: Webhook,
        store_hash: StoreHash,
        update: bool,
        /// New generated header values replace the recorded ones (`--replace`).
        regenerate: bool,
    },
    DeleteWebhook,
    /// Delete a webhook of the account at the step's address that the configuration does not
    /// declare (the account says `prune_webhooks: true`).
    PruneWebhook {
        store_hash: StoreHash,
        id: u64,
    },
    /// Create a storefront token; with `replacing`, the current one is revoked once the new one
    /// is recorded.
    CreateToken {
        token: StorefrontToken,
        store_hash: StoreHash,
        replacing: bool,
        /// How long the replaced token stays valid.
        overlap: Overlap,
    },
    /// Revoke a storefront token (with `previous`, the one a replacement left).
    RevokeToken {
        previous: bool,
    },
    /// Re-encrypt a secret file to the configured recipients.
    Rekey,
    /// A finding for a person to look into.
    Review,
}

impl Step {
    pub fn address(&self) -> &Address {
        &self.action.address
    }

    /// The order apply carries steps out in: an unfinished replacement first (until its previous
    /// account is gone the address can't be replaced again), then accounts (webhooks and tokens
    /// need their credentials), then webhooks and tokens, re-encryptions, and deletions last, an
    /// account's webhooks and tokens before the account.
    pub fn order(&self) -> u8 {
        match &self.work {
            // A moved account's webhooks and tokens need its record at its new address.
            Work::Move { from } if from.owner().is_none() => 0,
            Work::Move { .. } => 1,
            Work::DeleteAccount { previous: true } | Work::RevokeToken { previous: true } => 2,
            Work::CreateAccount { .. } => 3,
            Work::PutWebhook { .. } | Work::CreateToken { .. } => 4,
            Work::Rekey => 5,
            Work::DeleteWebhook | Work::PruneWebhook { .. } | Work::RevokeToken { previous: false } => 6,
            Work::DeleteAccount { previous: false } => 7,
            Work::Review => 8,
        }
    }
}

impl Work {
    /// The work of an action read back from a saved plan, from the configuration it was planned
    /// from (the caller has checked that it is that one). `None` when the configuration does not
    /// declare what the action needs.
    pub fn resolve(action: &Action, config: &Config) -> Option<Work> {
        let address = &action.address;
        let op = action.action;
        Some(match (op, action.resource_type) {
            (Op::Move, _) => Work::Move { from: action.moved_from.clone()? },
            (Op::Drift, _) => Work::Review,
            (Op::Rekey, _) => Work::Rekey,
            (Op::Delete, ResourceType::StoreApiAccount | ResourceType::AccountApiAccount) => {
                Work::DeleteAccount { previous: action.previous }
            }
            (Op::Delete, ResourceType::Webhook) => match action.webhook_id {
                // An account's unmanaged webhook: the account must still say so.
                Some(id) => {
                    let (account, owner) = config.api_accounts().find(|(a, _)| a.address == *address)?;
                    let crate::config::Owner::Store(store) = owner else { return None };
                    if !account.prune_webhooks {
                        return None;
                    }
                    Work::PruneWebhook { store_hash: store.store_hash.clone(), id }
                }
                None => Work::DeleteWebhook,
            },
            (Op::Delete, ResourceType::StorefrontToken) => Work::RevokeToken { previous: action.previous },
            (Op::Create | Op::Replace, ResourceType::StoreApiAccount | ResourceType::AccountApiAccount) => {
                let (account, owner) = config.api_accounts().find(|(a, _)| a.address == *address)?;
                Work::CreateAccount {
                    account: account.clone(),
                    target: owner.target(),
                    replacing: op == Op::Replace,
                    overlap: action.overlap_within(account.overlap)?,
                }
            }
            (Op::Update, ResourceType::StoreApiAccount | ResourceType::AccountApiAccount) => return None,
            (_, ResourceType::Webhook) => {
                let (store, hook) = config.stores.iter().find_map(|s| {
                    s.api_accounts.iter().flat_map(|a| &a.webhooks).find(|w| w.address == *address).map(|w| (s, w))
                })?;
                Work::PutWebhook {
                    hook: hook.clone(),
                    store_hash: store.store_hash.clone(),
                    update: op == Op::Update,
                    regenerate: action.regenerate,
                }
            }
            (Op::Create | Op::Replace, ResourceType::StorefrontToken) => {
                let (store, token) = config
                    .stores
                    .iter()
                    .find_map(|s| s.storefront_tokens.iter().find(|t| t.address == *address).map(|t| (s, t)))?;
                Work::CreateToken {
                    token: token.clone(),
                    store_hash: store.store_hash.clone(),
                    replacing: op == Op::Replace,
                    overlap: action.overlap_within(token.overlap)?,
                }
            }
            (Op::Update, ResourceType::StorefrontToken) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::Observations;
    use crate::state::{ApiAccountRecord, Resource, SecretRecord, State};

    const RECIPIENT: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    fn record(config: &Config, address: &Address, name: &str) -> Resource {
        Resource::StoreApiAccount(ApiAccountRecord {
            account_uuid: None,
            client_id: format!("cid-{name}"),
            created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            exposed: false,
            name: name.into(),
            scopes: vec!["store_v2_orders_read_only".into()],
            retire_after: None,
            secret: SecretRecord::encrypted_to(address.secret_path(), &config.recipients_for(address), "0".repeat(64)),
            store_hash: Some("abc".parse().unwrap()),
            unverified_levels: None,
        })
    }

    /// A saved plan's actions resolve to the very steps the diff made: applying a saved plan
    /// and applying a fresh one do the same work.
    #[test]
    fn every_planned_action_resolves_to_its_own_work() {
        let yaml = format!(
            "version: 1\nencryption: {{recipients: [{RECIPIENT}]}}\nstores:\n  p:\n    store_hash: abc\n    api_accounts:\n      erp-sync:\n        scopes: {{orders: read-only}}\n        webhooks:\n          hook:\n            scope: store/order/created\n            destination: https://x.example.com/h\n      issuer:\n        scopes: {{storefront_api_tokens: modify}}\n    storefront_tokens:\n      web:\n        issuer: issuer\n        type: storefront\n        channel_ids: [1]\n        allowed_cors_origins: [https://shop.example.com]\n        lifetime: 30d\n        rotate_before: 7d\n"
        );
        let config = Config::parse(std::path::Path::new("bckeys.yaml"), yaml.as_bytes()).unwrap();
        let mut state = State::default();
        let moved: Address = "store/p/erp-sync".parse().unwrap();
        let gone: Address = "store/p/legacy".parse().unwrap();
        // erp-sync is recorded with other scopes (a replacement), legacy is no longer declared,
        // and an earlier replacement of erp-sync left its previous account.
        let mut replaced = record(&config, &moved, "erp-sync");
        if let Resource::StoreApiAccount(r) = &mut replaced {
            r.scopes = vec!["store_v2_products_read_only".into()];
        }
        state.resources.insert(moved.clone(), replaced.clone());
        state.resources.insert(gone.clone(), record(&config, &gone, "legacy"));
        state.retiring.insert(moved.clone(), replaced);
        let plan = super::super::diff(&config, &state, &Observations::default(), time::OffsetDateTime::now_utc());

        let works: Vec<(String, &Work)> = plan.steps.iter().map(|s| (s.address().to_string(), &s.work)).collect();
        let kinds: Vec<(&str, &str)> = works
            .iter()
            .map(|(a, w)| {
                let kind = match w {
                    Work::CreateAccount { replacing: false, .. } => "create account",
                    Work::CreateAccount { replacing: true, .. } => "replace account",
                    Work::DeleteAccount { previous: true } => "delete previous account",
                    Work::DeleteAccount { previous: false } => "delete account",
                    Work::PutWebhook { update: false, .. } => "put webhook",
                    Work::CreateToken { replacing: false, .. } => "create token",
                    other => panic!("unexpected {other:?}"),
                };
                (a.as_str(), kind)
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("store/p/erp-sync", "replace account"),
                ("store/p/erp-sync", "delete previous account"),
                ("store/p/erp-sync/webhook/hook", "put webhook"),
                ("store/p/issuer", "create account"),
                ("store/p/legacy", "delete account"),
                ("store/p/storefront-token/web", "create token"),
            ]
        );
        for step in &plan.steps {
            assert_eq!(Work::resolve(&step.action, &config).as_ref(), Some(&step.work), "{}", step.address());
        }
    }

    /// What a saved plan adds to an action (an overlap, an unmanaged webhook's ID) resolves only
    /// as far as the configuration allows it.
    #[test]
    fn overlaps_and_pruned_webhooks_resolve_only_as_configured() {
        let yaml = format!(
            "version: 1\nencryption: {{recipients: [{RECIPIENT}]}}\nstores:\n  p:\n    store_hash: abc\n    api_accounts:\n      erp-sync:\n        scopes: {{orders: read-only}}\n        prune_webhooks: true\n      issuer:\n        scopes: {{storefront_api_tokens: modify}}\n    storefront_tokens:\n      web:\n        issuer: issuer\n        type: storefront\n        channel_ids: [1]\n        lifetime: 30d\n        overlap: 2d\n"
        );
        let config = Config::parse(std::path::Path::new("bckeys.yaml"), yaml.as_bytes()).unwrap();
        let action = |address: &str, op, resource_type, overlap: Option<&str>, webhook_id| Action {
            address: address.parse().unwrap(),
            action: op,
            mode: super::super::Mode::Automated,
            resource_type,
            target: "store abc".into(),
            reason: String::new(),
            scopes: None,
            changes: vec![],
            previous: false,
            webhook_id,
            overlap: overlap.map(str::to_owned),
            regenerate: false,
            moved_from: None,
        };
        let token = "store/p/storefront-token/web";
        let resolved = |a: &Action| Work::resolve(a, &config);
        let two_days = Overlap::parse("2d").unwrap();
        assert!(matches!(
            resolved(&action(token, Op::Replace, ResourceType::StorefrontToken, Some("2d"), None)),
            Some(Work::CreateToken { overlap, replacing: true, .. }) if overlap == two_days
        ));
        assert!(matches!(
            resolved(&action(token, Op::Replace, ResourceType::StorefrontToken, None, None)),
            Some(Work::CreateToken { overlap: Overlap::None, .. })
        ));
        // An overlap the configuration doesn't give is refused.
        assert_eq!(resolved(&action(token, Op::Replace, ResourceType::StorefrontToken, Some("9d"), None)), None);
        let prune = action("store/p/erp-sync", Op::Delete, ResourceType::Webhook, None, Some(9));
        assert!(matches!(resolved(&prune), Some(Work::PruneWebhook { id: 9, .. })));
        let unpruned = Config::parse(
            std::path::Path::new("bckeys.yaml"),
            yaml.replace("prune_webhooks: true", "prune_webhooks: false").as_bytes(),
        )
        .unwrap();
        assert_eq!(Work::resolve(&prune, &unpruned), None);
    }
}
