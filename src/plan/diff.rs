//! The pure diff: configuration + state + observations + now -> plan.

use std::collections::{BTreeMap, BTreeSet};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{Action, FieldChange, Mode, Op, Plan, ResourceType, ScopeChange};
use crate::address::Address;
use crate::config::{format_duration, Config, HeaderValue, Owner, StorefrontToken, Webhook};
use crate::observe::FileStatus;
use crate::refresh::{HookStatus, Live, Observation};
use crate::state::{ApiAccountRecord, Resource, State, TokenRecord, WebhookRecord};
use crate::vault;

/// Computes the plan. `files` holds the status of each recorded secret file; `now` decides
/// which storefront tokens are due for rotation.
pub fn diff(
    config: &Config,
    state: &State,
    files: &BTreeMap<Address, FileStatus>,
    live: Option<&Live>,
    now: OffsetDateTime,
) -> Plan {
    let fingerprint = vault::fingerprint(&config.encryption.recipients);
    let mut d = Differ { state, files, live, now, fingerprint, actions: Vec::new(), replaced: BTreeSet::new() };
    d.api_accounts(config);
    d.webhooks(config);
    d.tokens(config, now);
    d.leftovers(config);
    let mut actions = d.actions;
    actions.sort_by(|a, b| a.address.cmp(&b.address).then(a.action.cmp(&b.action)));
    Plan { refreshed: live.is_some(), state_serial: state.serial, config_sha256: config.sha256.clone(), actions }
}

struct Differ<'a> {
    state: &'a State,
    files: &'a BTreeMap<Address, FileStatus>,
    live: Option<&'a Live>,
    now: OffsetDateTime,
    fingerprint: String,
    actions: Vec<Action>,
    /// API accounts that this plan creates or replaces: their webhooks move with them.
    replaced: BTreeSet<Address>,
}

impl Differ<'_> {
    fn push(
        &mut self,
        address: &Address,
        action: Op,
        mode: Mode,
        resource_type: ResourceType,
        target: &str,
        reason: String,
    ) -> &mut Action {
        self.actions.push(Action {
            address: address.clone(),
            action,
            mode,
            resource_type,
            target: target.to_owned(),
            reason,
            scopes: None,
            changes: Vec::new(),
            previous: false,
        });
        self.actions.last_mut().expect("just pushed")
    }

    /// The action a recorded secret needs on its own: a lost file, a changed file, or a file
    /// encrypted to an outdated recipient set. `None` when the file is in order.
    fn secret_check(&self, address: &Address, recipients: &str) -> Option<(Op, String)> {
        match self.files.get(address) {
            Some(FileStatus::Missing) => Some((Op::Replace, format!("its secret file {} is missing, and BigCommerce never shows a credential twice", address.secret_path().display()))),
            Some(FileStatus::Modified) => Some((Op::Drift, format!("its secret file {} does not match the SHA-256 recorded in the state: restore it from git, or find out who re-encrypted it", address.secret_path().display()))),
            Some(FileStatus::Unreadable(e)) => Some((Op::Drift, format!("its secret file {} can't be read: {e}", address.secret_path().display()))),
            _ if recipients != self.fingerprint => Some((Op::Rekey, "its secret file is encrypted to an outdated recipient set".to_owned())),
            _ => None,
        }
    }

    fn api_accounts(&mut self, config: &Config) {
        for (account, owner) in config.api_accounts() {
            let (resource_type, target, kind) = match owner {
                Owner::Store(s) => (ResourceType::StoreApiAccount, format!("store {}", s.store_hash), "store-level"),
                Owner::Account(a) => {
                    (ResourceType::AccountApiAccount, format!("account {}", a.account_uuid), "account-level")
                }
            };
            let address = &account.address;
            let after = account.scopes.lines();
            let record = match self.state.resources.get(address) {
                Some(Resource::StoreApiAccount(r)) | Some(Resource::AccountApiAccount(r)) => r,
                _ => {
                    let reason =
                        format!("create {kind} API account `{}` on {target} in the control panel", account.name);
                    self.push(address, Op::Create, Mode::Guided, resource_type, &target, reason).scopes =
                        Some(ScopeChange { before: Vec::new(), after });
                    self.replaced.insert(address.clone());
                    continue;
                }
            };
            let recorded_target = target_of(record);
            let granted = record.scope_set();
            let replacement = if recorded_target != target {
                Some(format!("it moved from {recorded_target} to {target}: a new API account is created there and the old one deleted"))
            } else if granted != account.scopes {
                let families = granted.differing_families(&account.scopes).join(", ");
                Some(format!("scopes can't be changed on an existing API account ({families} differ): a new one is created, then the old one deleted"))
            } else if record.exposed {
                Some("a removed recipient could read its credential (`rekey --rotate-exposed`): a new account is created, then this one deleted".to_owned())
            } else {
                self.live.and_then(|live| live_reason(live.accounts.get(address)?, &account.scopes))
            };
            if let Some(reason) = replacement {
                self.push(address, Op::Replace, Mode::Guided, resource_type, &target, reason).scopes =
                    Some(ScopeChange { before: granted.lines(), after });
                self.replaced.insert(address.clone());
            } else if let Some((op, reason)) = self.secret_check(address, &record.secret.recipients) {
                let mode = match op {
                    Op::Replace => Mode::Guided,
                    Op::Drift => Mode::Review,
                    _ => Mode::Automated,
                };
                if op == Op::Replace {
                    self.replaced.insert(address.clone());
                }
                let scopes = (op == Op::Replace).then(|| ScopeChange { before: granted.lines(), after });
                self.push(address, op, mode, resource_type, &target, reason).scopes = scopes;
            }
        }
    }

    fn webhooks(&mut self, config: &Config) {
        for store in &config.stores {
            let target = format!("store {}", store.store_hash);
            for account in &store.api_accounts {
                let moving = self.replaced.contains(&account.address);
                for hook in &account.webhooks {
                    match self.state.resources.get(&hook.address) {
                        Some(Resource::Webhook(record)) => {
                            let changes = webhook_changes(record, hook);
                            if moving {
                                let reason =
                                    format!("it moves to the new `{}` before the old account is deleted", account.name);
                                self.push(
                                    &hook.address,
                                    Op::Replace,
                                    Mode::Automated,
                                    ResourceType::Webhook,
                                    &target,
                                    reason,
                                )
                                .changes = changes;
                            } else if !changes.is_empty() {
                                let reason = "update the webhook through the API".to_owned();
                                self.push(
                                    &hook.address,
                                    Op::Update,
                                    Mode::Automated,
                                    ResourceType::Webhook,
                                    &target,
                                    reason,
                                )
                                .changes = changes;
                            } else if let Some(status) = self
                                .live
                                .and_then(|l| l.hooks.get(&hook.address))
                                .filter(|s| **s != HookStatus::Active || !hook.active)
                            {
                                let (op, reason) = match status {
                                    HookStatus::Deactivated => (Op::Update, "BigCommerce deactivated it (failed deliveries or 90 days without events): reactivate it"),
                                    HookStatus::Missing => (Op::Create, "it is gone from BigCommerce: create it again"),
                                    HookStatus::Inactive if hook.active => (Op::Update, "it is inactive at BigCommerce: activate it"),
                                    HookStatus::Active if !hook.active => (Op::Update, "it is active at BigCommerce: deactivate it"),
                                    _ => continue,
                                };
                                self.push(
                                    &hook.address,
                                    op,
                                    Mode::Automated,
                                    ResourceType::Webhook,
                                    &target,
                                    reason.into(),
                                );
                            } else if let Some(secret) = &record.secret {
                                if let Some((op, reason)) = self.secret_check(&hook.address, &secret.recipients) {
                                    let op = if op == Op::Replace { Op::Update } else { op };
                                    self.push(&hook.address, op, mode_of(op), ResourceType::Webhook, &target, reason);
                                }
                            }
                        }
                        _ => {
                            let reason = format!(
                                "create `{}` on {} with the token of `{}`",
                                hook.scope, hook.destination, account.name
                            );
                            self.push(
                                &hook.address,
                                Op::Create,
                                Mode::Automated,
                                ResourceType::Webhook,
                                &target,
                                reason,
                            )
                            .changes = webhook_changes_from_nothing(hook);
                        }
                    }
                }
            }
        }
    }

    fn tokens(&mut self, config: &Config, now: OffsetDateTime) {
        for store in &config.stores {
            let target = format!("store {}", store.store_hash);
            for token in &store.storefront_tokens {
                let address = &token.address;
                let record = match self.state.resources.get(address) {
                    Some(Resource::StorefrontToken(r)) => r,
                    _ => {
                        let reason = format!(
                            "create a {} token with the credentials of `{}`; it expires {} after creation",
                            token.kind.as_str(),
                            token.issuer,
                            format_duration(token.lifetime)
                        );
                        let mut changes = token_changes(None, token);
                        changes.extend(token_dates(token, now));
                        self.push(
                            address,
                            Op::Create,
                            Mode::Automated,
                            ResourceType::StorefrontToken,
                            &target,
                            reason,
                        )
                        .changes = changes;
                        continue;
                    }
                };
                let mut changes = token_changes(Some(record), token);
                if !changes.is_empty() {
                    let reason = "a storefront token can't be changed: a new one is created, then the old one revoked"
                        .to_owned();
                    changes.extend(token_dates(token, now));
                    self.push(address, Op::Replace, Mode::Automated, ResourceType::StorefrontToken, &target, reason)
                        .changes = changes;
                } else if let Some(reason) = rotation_due(record, token, now) {
                    let mut changes = token_dates(token, now);
                    changes[0].before = Some(record.expires_at.to_string());
                    self.push(address, Op::Replace, Mode::Automated, ResourceType::StorefrontToken, &target, reason)
                        .changes = changes;
                } else if let Some((op, reason)) = self.secret_check(address, &record.secret.recipients) {
                    self.push(address, op, mode_of(op), ResourceType::StorefrontToken, &target, reason);
                }
            }
        }
    }

    /// Recorded resources the configuration no longer declares, and previous accounts that a
    /// replacement left to delete.
    fn leftovers(&mut self, config: &Config) {
        for (address, intent) in self.state.intents.iter().flat_map(|(a, list)| list.iter().map(move |i| (a, i))) {
            let live = intent.expires_at.time() > self.now;
            if live {
                let reason = format!(
                    "a token may have been created at {} without being recorded (the run stopped before it was); BigCommerce can't list storefront tokens, so it stays valid until {} unless its issuer is replaced; once looked into, `bckeys state dismiss-intent {address}` stops reporting it",
                    intent.started_at, intent.expires_at
                );
                let target = String::new();
                self.push(address, Op::Drift, Mode::Review, ResourceType::StorefrontToken, &target, reason);
            }
        }
        for (address, resource) in &self.state.retiring {
            if let Resource::StorefrontToken(t) = resource {
                let reason = if self.state.resources.contains_key(address) {
                    format!("revoke the previous token through the API with the credentials of `{}`; its replacement is recorded", t.issuer)
                } else {
                    format!(
                        "revoke the previous token with the credentials of `{}` once its replacement is recorded",
                        t.issuer
                    )
                };
                let action = self.push(
                    address,
                    Op::Delete,
                    Mode::Automated,
                    ResourceType::StorefrontToken,
                    &format!("store {}", t.store_hash),
                    reason,
                );
                action.previous = true;
            }
            if let Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) = resource {
                let resource_type = if matches!(resource, Resource::StoreApiAccount(_)) {
                    ResourceType::StoreApiAccount
                } else {
                    ResourceType::AccountApiAccount
                };
                let reason = if self.state.resources.contains_key(address) {
                    format!(
                        "delete the previous `{}` (client ID {}) in the control panel; its replacement is recorded",
                        r.name, r.client_id
                    )
                } else {
                    format!(
                        "delete the previous `{}` (client ID {}) in the control panel once its replacement is recorded",
                        r.name, r.client_id
                    )
                };
                let action = self.push(address, Op::Delete, Mode::Guided, resource_type, &target_of(r), reason);
                action.previous = true;
                action.scopes = Some(ScopeChange { before: r.scope_set().lines(), after: Vec::new() });
            }
        }
        let declared: BTreeSet<&Address> = config
            .api_accounts()
            .map(|(a, _)| &a.address)
            .chain(
                config
                    .stores
                    .iter()
                    .flat_map(|s| s.api_accounts.iter().flat_map(|a| a.webhooks.iter().map(|w| &w.address))),
            )
            .chain(config.stores.iter().flat_map(|s| s.storefront_tokens.iter().map(|t| &t.address)))
            .collect();
        for (address, resource) in &self.state.resources {
            if declared.contains(address) {
                continue;
            }
            let (mode, resource_type, target, reason) = match resource {
                Resource::StoreApiAccount(r) => (Mode::Guided, ResourceType::StoreApiAccount, target_of(r), format!("delete API account `{}` in the control panel; it is no longer in the configuration", r.name)),
                Resource::AccountApiAccount(r) => (Mode::Guided, ResourceType::AccountApiAccount, target_of(r), format!("delete account-level API account `{}` in the control panel; it is no longer in the configuration", r.name)),
                Resource::Webhook(w) => {
                    let owner = address.owner().map(|o| o.to_string()).unwrap_or_default();
                    let target = match self.state.resources.get(&address.owner().unwrap_or_else(|| address.clone())) {
                        Some(Resource::StoreApiAccount(r)) => target_of(r),
                        _ => String::new(),
                    };
                    (Mode::Automated, ResourceType::Webhook, target, format!("delete webhook {} (`{}`) with the token of {owner}", w.id, w.scope))
                }
                Resource::StorefrontToken(t) => (Mode::Automated, ResourceType::StorefrontToken, format!("store {}", t.store_hash), format!("revoke the token through the API with the credentials of `{}`", t.issuer)),
            };
            let scopes = match resource {
                Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => {
                    Some(ScopeChange { before: r.scope_set().lines(), after: Vec::new() })
                }
                _ => None,
            };
            self.push(address, Op::Delete, mode, resource_type, &target, reason).scopes = scopes;
        }
    }
}

/// Why what BigCommerce shows of an account calls for its replacement, if it does.
fn live_reason(observation: &Observation, wanted: &crate::scope_set::ScopeSet) -> Option<String> {
    match observation {
        Observation::Revoked { .. } => Some(
            "BigCommerce rejects its token (401): it was deleted or revoked out of band, so it is created again".into(),
        ),
        Observation::Alive { families, .. } => {
            let (excess, missing) = crate::refresh::scope_differences(families, wanted);
            if excess.is_empty() && missing.is_empty() {
                return None;
            }
            let mut parts = Vec::new();
            if !excess.is_empty() {
                parts.push(format!("granted beyond the configuration: {}", excess.join(", ")));
            }
            if !missing.is_empty() {
                parts.push(format!("missing: {}", missing.join(", ")));
            }
            Some(format!(
                "BigCommerce shows other scopes than configured ({}): a new account is created, then this one deleted",
                parts.join("; ")
            ))
        }
        _ => None,
    }
}

/// Webhooks and tokens are recreated through the API; only findings wait for a person.
fn mode_of(op: Op) -> Mode {
    if op == Op::Drift {
        Mode::Review
    } else {
        Mode::Automated
    }
}

fn target_of(r: &ApiAccountRecord) -> String {
    r.target().map(|t| t.to_string()).unwrap_or_default()
}

fn change(field: &str, before: Option<String>, after: Option<String>) -> Option<FieldChange> {
    (before != after).then(|| FieldChange { field: field.to_owned(), before, after })
}

fn header_text(value: &HeaderValue) -> String {
    match value {
        HeaderValue::Plain(v) => v.clone(),
        HeaderValue::Generated => "(sensitive)".to_owned(),
    }
}

fn webhook_changes(record: &WebhookRecord, hook: &Webhook) -> Vec<FieldChange> {
    let mut out: Vec<FieldChange> = [
        change("scope", Some(record.scope.clone()), Some(hook.scope.clone())),
        change("destination", Some(record.destination.clone()), Some(hook.destination.clone())),
        change("active", Some(record.active.to_string()), Some(hook.active.to_string())),
    ]
    .into_iter()
    .flatten()
    .collect();
    let recorded: BTreeMap<&str, String> = record
        .plain_headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .chain(record.generated_headers.iter().map(|k| (k.as_str(), "(sensitive)".to_owned())))
        .collect();
    let wanted: BTreeMap<&str, String> = hook.headers.iter().map(|(k, v)| (k.as_str(), header_text(v))).collect();
    let names: BTreeSet<&str> = recorded.keys().chain(wanted.keys()).copied().collect();
    for name in names {
        out.extend(change(&format!("headers.{name}"), recorded.get(name).cloned(), wanted.get(name).cloned()));
    }
    out
}

fn webhook_changes_from_nothing(hook: &Webhook) -> Vec<FieldChange> {
    let mut out = vec![
        FieldChange { field: "scope".into(), before: None, after: Some(hook.scope.clone()) },
        FieldChange { field: "destination".into(), before: None, after: Some(hook.destination.clone()) },
        FieldChange { field: "active".into(), before: None, after: Some(hook.active.to_string()) },
    ];
    out.extend(hook.headers.iter().map(|(k, v)| FieldChange {
        field: format!("headers.{k}"),
        before: None,
        after: Some(header_text(v)),
    }));
    out
}

fn list<T: ToString>(items: &[T]) -> Option<String> {
    (!items.is_empty()).then(|| format!("[{}]", items.iter().map(T::to_string).collect::<Vec<_>>().join(", ")))
}

fn token_changes(record: Option<&TokenRecord>, token: &StorefrontToken) -> Vec<FieldChange> {
    let scopes = |s: &[crate::config::AccessScope]| list(&s.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>());
    [
        change("issuer", record.map(|r| r.issuer.clone()), Some(token.issuer.clone())),
        change("type", record.map(|r| r.token_type.as_str().to_owned()), Some(token.kind.as_str().to_owned())),
        change("channel_ids", record.and_then(|r| list(&r.channel_ids)), list(&token.channel_ids)),
        change(
            "allowed_cors_origins",
            record.and_then(|r| list(&r.allowed_cors_origins)),
            list(&token.allowed_cors_origins),
        ),
        change("access_scopes", record.and_then(|r| scopes(&r.access_scopes)), scopes(&token.access_scopes)),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// When a token created now expires, and from when the plan will rotate it.
fn token_dates(token: &StorefrontToken, now: OffsetDateTime) -> Vec<FieldChange> {
    let seconds = |s: u64| time::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX));
    let expires = now.replace_nanosecond(0).unwrap_or(now) + seconds(token.lifetime);
    let rotate = expires - seconds(token.rotate_before);
    let text = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    vec![
        FieldChange { field: "expires_at".into(), before: None, after: Some(text(expires)) },
        FieldChange { field: "rotate_after".into(), before: None, after: Some(text(rotate)) },
    ]
}

/// Why a recorded token is due for replacement by age, if it is.
fn rotation_due(record: &TokenRecord, token: &StorefrontToken, now: OffsetDateTime) -> Option<String> {
    let expires = record.expires_at.time();
    let date = expires.date();
    if expires <= now {
        return Some(format!("it expired on {date}"));
    }
    let window = time::Duration::seconds(i64::try_from(token.rotate_before).unwrap_or(i64::MAX));
    (expires - window <= now)
        .then(|| format!("it expires on {date}, inside its {} rotation window", format_duration(token.rotate_before)))
}
