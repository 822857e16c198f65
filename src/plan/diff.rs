//! The pure diff: configuration + state + findings + now -> plan. What BigCommerce and the
//! secret files show comes in as findings, computed once in `findings` and mapped to steps here.

use std::collections::{BTreeMap, BTreeSet};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::step::{Step, Work};
use super::{Action, Choices, FieldChange, FindingCounts, Mode, Op, Plan, ResourceType, ScopeChange};
use crate::address::Address;
use crate::config::{Config, HeaderValue, Overlap, Owner, StorefrontToken, Webhook};
use crate::findings::{self, FindingKind, Findings, Unmade};
use crate::observe::Observations;
use crate::state::{ApiAccountRecord, Resource, State, TokenRecord, WebhookRecord};

/// Computes the plan; `now` decides which storefront tokens are due for rotation.
pub fn diff(config: &Config, state: &State, observations: &Observations, now: OffsetDateTime) -> Plan {
    diff_with(config, state, observations, now, &Choices::default())
}

/// The plan with what a person asked beyond the configuration: replacements on request, and
/// targets (then `state` and `observations` are those of `Choices::narrow`, and only the
/// targeted addresses get steps).
pub fn diff_with(
    config: &Config,
    state: &State,
    observations: &Observations,
    now: OffsetDateTime,
    choices: &Choices,
) -> Plan {
    let findings = findings::findings(config, state, observations, now);
    let moves = super::moves::moves(config, state);
    let moving_from = moves.values().cloned().collect();
    let mut d = Differ {
        state,
        findings: &findings,
        steps: Vec::new(),
        replaced: BTreeSet::new(),
        choices,
        moves,
        moving_from,
    };
    d.moves(config);
    d.api_accounts(config);
    d.webhooks(config);
    d.tokens(config, now);
    d.unmanaged_hooks(config);
    d.leftovers(config);
    let mut steps = d.steps;
    steps.retain(|s| choices.targeted(s.address()));
    steps.sort_by(|a, b| a.action.address.cmp(&b.action.address).then(a.action.action.cmp(&b.action.action)));
    let summary = findings.summary();
    Plan {
        refreshed: observations.live.is_some(),
        state_serial: state.serial,
        config_sha256: config.sha256.clone(),
        findings: FindingCounts { findings: summary.findings, security: summary.security },
        retiring: findings.retiring.clone(),
        targets: choices.target.clone(),
        findings_per_group: {
            let looked_at = config.declared_addresses().into_iter().chain(state.resources.keys());
            let mut m: BTreeMap<String, usize> =
                looked_at.filter(|a| choices.targeted(a)).map(|a| (a.group(), 0)).collect();
            for f in &findings.findings {
                *m.entry(f.address.group()).or_insert(0) += 1;
            }
            m
        },
        steps,
    }
}

struct Differ<'a> {
    state: &'a State,
    findings: &'a Findings,
    steps: Vec<Step>,
    /// API accounts that this plan creates or replaces: their webhooks move with them.
    replaced: BTreeSet<Address>,
    choices: &'a Choices,
    /// New address -> the recorded one it moves from: neither is created nor deleted.
    moves: BTreeMap<Address, Address>,
    moving_from: BTreeSet<Address>,
}

impl Differ<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        address: &Address,
        action: Op,
        mode: Mode,
        resource_type: ResourceType,
        target: &str,
        reason: String,
        work: Work,
    ) -> &mut Action {
        let action = Action {
            address: address.clone(),
            action,
            mode,
            resource_type,
            target: target.to_owned(),
            reason,
            scopes: None,
            changes: Vec::new(),
            previous: false,
            webhook_id: None,
            overlap: None,
            regenerate: false,
            moved_from: None,
        };
        self.steps.push(Step { action, work });
        &mut self.steps.last_mut().expect("just pushed").action
    }

    /// Relabels: the same resource at a new address.
    fn moves(&mut self, config: &Config) {
        let moves: Vec<(Address, Address)> = self.moves.iter().map(|(to, from)| (to.clone(), from.clone())).collect();
        for (to, from) in moves {
            let Some(resource) = self.state.resources.get(&from) else { continue };
            let (resource_type, target) = match resource {
                Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => (account_type(resource), target_of(r)),
                Resource::Webhook(_) => (ResourceType::Webhook, String::new()),
                Resource::StorefrontToken(t) => (ResourceType::StorefrontToken, format!("store {}", t.store_hash)),
            };
            let renamed = config.moved.iter().any(|(f, t)| *f == from && *t == to);
            let same = match resource {
                Resource::StoreApiAccount(_) | Resource::AccountApiAccount(_) if renamed => {
                    "API account, renamed in the control panel (`moved:` in the configuration)"
                }
                Resource::StoreApiAccount(_) => "store-level API account (same store hash, same name)",
                Resource::AccountApiAccount(_) => "account-level API account (same account UUID, same name)",
                Resource::Webhook(_) => "webhook (its account moves, same name)",
                Resource::StorefrontToken(_) => "storefront token (same store hash, same name)",
            };
            let reason = format!(
                "moves from {from}: the same {same}; its record and secret file are renamed, nothing changes at BigCommerce"
            );
            let work = Work::Move { from: from.clone() };
            self.push(&to, Op::Move, Mode::Automated, resource_type, &target, reason, work).moved_from = Some(from);
        }
    }

    /// The action a recorded secret needs on its own: a lost file, a changed file, or a file
    /// encrypted to an outdated recipient set. `None` when the file is in order.
    fn secret_check(&self, address: &Address) -> Option<(Op, String)> {
        let path = address.secret_path();
        let path = path.display();
        let found = |kind| self.findings.get(address, kind).is_some();
        if found(FindingKind::SecretFileMissing) {
            Some((
                Op::Replace,
                format!("its secret file {path} is missing, and BigCommerce never shows a credential twice"),
            ))
        } else if found(FindingKind::SecretFileModified) {
            Some((Op::Drift, format!("its secret file {path} does not match the SHA-256 recorded in the state: restore it from git, or find out who re-encrypted it")))
        } else if let Some(e) = self.findings.error(address, Unmade::SecretFile) {
            Some((Op::Drift, e.error.clone()))
        } else if found(FindingKind::OutdatedRecipients) {
            Some((Op::Rekey, "its secret file is encrypted to an outdated recipient set".to_owned()))
        } else {
            None
        }
    }

    fn api_accounts(&mut self, config: &Config) {
        for (account, owner) in config.api_accounts() {
            let (resource_type, kind) = match owner {
                Owner::Store(_) => (ResourceType::StoreApiAccount, "store-level"),
                Owner::Account(_) => (ResourceType::AccountApiAccount, "account-level"),
            };
            let target = owner.target();
            let target_text = target.to_string();
            let address = &account.address;
            let after = account.scopes.lines();
            let work = |replacing, overlap| Work::CreateAccount {
                account: account.clone(),
                target: target.clone(),
                replacing,
                overlap,
            };
            if self.moves.contains_key(address) {
                continue;
            }
            let Some(record) = self.state.resources.get(address).and_then(Resource::api_account) else {
                // Only the previous account is recorded: a replacement stopped between moving it
                // aside and recording the new one. It goes on; its previous account goes after.
                let previous = self.state.retiring.get(address).and_then(Resource::api_account);
                let (op, reason, before) = match previous {
                    Some(p) => (Op::Replace, format!("a replacement was interrupted: create the new `{}` on {target_text} in the control panel, then delete the previous one (client ID {})", account.name, p.client_id), p.scope_set().lines()),
                    None => (Op::Create, format!("create {kind} API account `{}` on {target_text} in the control panel", account.name), Vec::new()),
                };
                let security = previous.is_some_and(|p| p.exposed || p.scope_set().exceeds(&account.scopes));
                let overlap = if op == Op::Replace && !security { account.overlap } else { Overlap::None };
                let step = work(op == Op::Replace, overlap);
                let action = self.push(address, op, Mode::Guided, resource_type, &target_text, reason, step);
                action.scopes = Some(ScopeChange { before, after });
                with_overlap(action, overlap, "account");
                self.replaced.insert(address.clone());
                continue;
            };
            let recorded_target = target_of(record);
            let granted = record.scope_set();
            let replacement = if recorded_target != target_text {
                Some(format!("it moved from {recorded_target} to {target_text}: a new API account is created there and the old one deleted"))
            } else if granted != account.scopes {
                let families = granted.differing_families(&account.scopes).join(", ");
                Some(format!("scopes can't be changed on an existing API account ({families} differ): a new one is created, then the old one deleted"))
            } else if record.exposed {
                Some("a removed recipient could read its credential (`rekey --rotate-exposed`): a new account is created, then this one deleted".to_owned())
            } else if self.choices.replace.contains(address) {
                Some("replaced on request (--replace): a new API account is created, then this one deleted".to_owned())
            } else {
                self.live_reason(address)
            };
            let secret = if replacement.is_some() { None } else { self.secret_check(address) };
            match (replacement, secret) {
                (Some(reason), _) | (None, Some((Op::Replace, reason))) => {
                    // A replacement for security takes the old account away at once: exposed,
                    // revoked, or holding more than the configuration (live or as recorded).
                    let security = record.exposed
                        || granted.exceeds(&account.scopes)
                        || [FindingKind::ExcessScope, FindingKind::Revoked]
                            .into_iter()
                            .any(|kind| self.findings.get(address, kind).is_some());
                    let overlap = if security { Overlap::None } else { account.overlap };
                    let step = work(true, overlap);
                    let action =
                        self.push(address, Op::Replace, Mode::Guided, resource_type, &target_text, reason, step);
                    action.scopes = Some(ScopeChange { before: granted.lines(), after });
                    with_overlap(action, overlap, "account");
                    self.replaced.insert(address.clone());
                }
                (None, Some((op, reason))) => {
                    let (mode, work) =
                        if op == Op::Drift { (Mode::Review, Work::Review) } else { (Mode::Automated, Work::Rekey) };
                    self.push(address, op, mode, resource_type, &target_text, reason, work);
                }
                (None, None) => {}
            }
        }
    }

    /// Why what BigCommerce shows of an account calls for its replacement, if it does.
    fn live_reason(&self, address: &Address) -> Option<String> {
        if self.findings.get(address, FindingKind::Revoked).is_some() {
            return Some(
                "BigCommerce rejects its token (401): it was deleted or revoked out of band, so it is created again"
                    .into(),
            );
        }
        let parts: Vec<String> =
            [(FindingKind::ExcessScope, "granted beyond the configuration"), (FindingKind::MissingScope, "missing")]
                .into_iter()
                .filter_map(|(kind, what)| {
                    self.findings.get(address, kind).map(|f| format!("{what}: {}", f.families.join(", ")))
                })
                .collect();
        (!parts.is_empty()).then(|| {
            format!(
                "BigCommerce shows other scopes than configured ({}): a new account is created, then this one deleted",
                parts.join("; ")
            )
        })
    }

    fn webhooks(&mut self, config: &Config) {
        for store in &config.stores {
            let target = format!("store {}", store.store_hash);
            for account in &store.api_accounts {
                let moving = self.replaced.contains(&account.address);
                for hook in &account.webhooks {
                    let work = |update, regenerate| Work::PutWebhook {
                        hook: hook.clone(),
                        store_hash: store.store_hash.clone(),
                        update,
                        regenerate,
                    };
                    let address = &hook.address;
                    if self.moves.contains_key(address) {
                        continue;
                    }
                    let Some(Resource::Webhook(record)) = self.state.resources.get(address) else {
                        let reason = format!(
                            "create `{}` on {} with the token of `{}`",
                            hook.scope, hook.destination, account.name
                        );
                        self.push(
                            address,
                            Op::Create,
                            Mode::Automated,
                            ResourceType::Webhook,
                            &target,
                            reason,
                            work(false, false),
                        )
                        .changes = webhook_changes_from_nothing(hook);
                        continue;
                    };
                    let changes = webhook_changes(record, hook);
                    if moving {
                        let reason =
                            format!("it moves to the new `{}` before the old account is deleted", account.name);
                        self.push(
                            address,
                            Op::Replace,
                            Mode::Automated,
                            ResourceType::Webhook,
                            &target,
                            reason,
                            work(false, false),
                        )
                        .changes = changes;
                    } else if !changes.is_empty() {
                        let reason = "update the webhook through the API".to_owned();
                        self.push(
                            address,
                            Op::Update,
                            Mode::Automated,
                            ResourceType::Webhook,
                            &target,
                            reason,
                            work(true, false),
                        )
                        .changes = changes;
                    } else if self.choices.replace.contains(address) {
                        let reason = "regenerate its header secrets on request (--replace) and send them".to_owned();
                        self.push(
                            address,
                            Op::Update,
                            Mode::Automated,
                            ResourceType::Webhook,
                            &target,
                            reason,
                            work(true, true),
                        )
                        .regenerate = true;
                    } else if let Some((op, reason)) = self.hook_status_step(address) {
                        self.push(
                            address,
                            op,
                            Mode::Automated,
                            ResourceType::Webhook,
                            &target,
                            reason.into(),
                            work(op == Op::Update, false),
                        );
                    } else if record.secret.is_some() {
                        if let Some((op, reason)) = self.secret_check(address) {
                            // A lost header file is generated again and sent: an update.
                            let (op, mode, work) = match op {
                                Op::Drift => (op, Mode::Review, Work::Review),
                                Op::Rekey => (op, Mode::Automated, Work::Rekey),
                                _ => (Op::Update, Mode::Automated, work(true, false)),
                            };
                            self.push(address, op, mode, ResourceType::Webhook, &target, reason, work);
                        }
                    }
                }
            }
        }
    }

    /// What BigCommerce's view of a webhook calls for, if anything.
    fn hook_status_step(&self, address: &Address) -> Option<(Op, &'static str)> {
        self.findings.of(address).find_map(|f| match f.finding {
            FindingKind::WebhookDeactivated => Some((
                Op::Update,
                "BigCommerce deactivated it (failed deliveries or 90 days without events): reactivate it",
            )),
            FindingKind::WebhookMissing => Some((Op::Create, "it is gone from BigCommerce: create it again")),
            FindingKind::WebhookInactive => Some((Op::Update, "it is inactive at BigCommerce: activate it")),
            FindingKind::WebhookActive => Some((Op::Update, "it is active at BigCommerce: deactivate it")),
            FindingKind::WebhookDestinationChanged => Some((
                Op::Update,
                "BigCommerce shows another destination than bckeys set (changed behind bckeys' back): put it back",
            )),
            FindingKind::WebhookScopeChanged => {
                Some((Op::Update, "BigCommerce shows another event scope than bckeys set: put it back"))
            }
            FindingKind::WebhookHeadersChanged => {
                Some((Op::Update, "BigCommerce shows other headers than bckeys set: put them back"))
            }
            _ => None,
        })
    }

    /// Webhooks of an account that the configuration does not declare: deleted where the account
    /// says `prune_webhooks: true`, shown for review otherwise.
    fn unmanaged_hooks(&mut self, config: &Config) {
        for store in &config.stores {
            let target = format!("store {}", store.store_hash);
            for account in &store.api_accounts {
                // A replaced account goes with its webhooks; its successor starts with none.
                if self.replaced.contains(&account.address) {
                    continue;
                }
                let found: Vec<(u64, String)> = self
                    .findings
                    .of(&account.address)
                    .filter(|f| f.finding == FindingKind::WebhookUnmanaged)
                    .filter_map(|f| Some((f.webhook_id?, f.detail.clone())))
                    .collect();
                for (id, detail) in found {
                    let (op, mode, work) = if account.prune_webhooks {
                        (Op::Delete, Mode::Automated, Work::PruneWebhook { store_hash: store.store_hash.clone(), id })
                    } else {
                        (Op::Drift, Mode::Review, Work::Review)
                    };
                    let action = self.push(&account.address, op, mode, ResourceType::Webhook, &target, detail, work);
                    action.webhook_id = Some(id);
                }
            }
        }
    }

    fn tokens(&mut self, config: &Config, now: OffsetDateTime) {
        for store in &config.stores {
            let target = format!("store {}", store.store_hash);
            for token in &store.storefront_tokens {
                let address = &token.address;
                let work = |replacing: bool, overlap| Work::CreateToken {
                    token: token.clone(),
                    store_hash: store.store_hash.clone(),
                    replacing,
                    overlap: if replacing { overlap } else { Overlap::None },
                };
                if self.moves.contains_key(address) {
                    continue;
                }
                let Some(Resource::StorefrontToken(record)) = self.state.resources.get(address) else {
                    // As for accounts: a replacement that stopped before recording the new token.
                    let interrupted = self.state.retiring.contains_key(address);
                    let reason = format!(
                        "{}create a {} token with the credentials of `{}`; it expires {} after creation{}",
                        if interrupted { "a replacement was interrupted: " } else { "" },
                        token.kind.as_str(),
                        token.issuer,
                        token.lifetime,
                        if interrupted { "; then the previous one is revoked" } else { "" }
                    );
                    let op = if interrupted { Op::Replace } else { Op::Create };
                    let mut changes = token_changes(None, token);
                    changes.extend(token_dates(token, now));
                    let action = self.push(
                        address,
                        op,
                        Mode::Automated,
                        ResourceType::StorefrontToken,
                        &target,
                        reason,
                        work(interrupted, token.overlap),
                    );
                    action.changes = changes;
                    if interrupted {
                        with_overlap(action, token.overlap, "token");
                    }
                    continue;
                };
                let mut changes = token_changes(Some(record), token);
                let replacement = if !changes.is_empty() {
                    changes.extend(token_dates(token, now));
                    let reason = "a storefront token can't be changed: a new one is created, then the old one revoked";
                    Some((reason.to_owned(), changes))
                } else if self.choices.replace.contains(address) {
                    let mut changes = token_dates(token, now);
                    changes[0].before = Some(record.expires_at.to_string());
                    Some(("rotated on request (--replace): a new token is created".to_owned(), changes))
                } else if let Some(reason) = self.rotation_due(record, token) {
                    let mut changes = token_dates(token, now);
                    changes[0].before = Some(record.expires_at.to_string());
                    Some((reason, changes))
                } else {
                    None
                };
                if let Some((reason, changes)) = replacement {
                    let kind = ResourceType::StorefrontToken;
                    // An expired token has nothing left to overlap.
                    let overlap = match token.overlap.end(now, Some(record.expires_at.time())) {
                        Some(_) => token.overlap,
                        None => Overlap::None,
                    };
                    let action =
                        self.push(address, Op::Replace, Mode::Automated, kind, &target, reason, work(true, overlap));
                    action.changes = changes;
                    with_overlap(action, overlap, "token");
                } else if let Some((op, reason)) = self.secret_check(address) {
                    let (mode, work) = match op {
                        Op::Drift => (Mode::Review, Work::Review),
                        Op::Rekey => (Mode::Automated, Work::Rekey),
                        _ => (Mode::Automated, work(true, token.overlap)),
                    };
                    let replacing = matches!(work, Work::CreateToken { .. });
                    let action = self.push(address, op, mode, ResourceType::StorefrontToken, &target, reason, work);
                    if replacing {
                        with_overlap(action, token.overlap, "token");
                    }
                }
            }
        }
    }

    /// Why a recorded token is due for replacement by age, if it is.
    fn rotation_due(&self, record: &TokenRecord, token: &StorefrontToken) -> Option<String> {
        let date = record.expires_at.time().date();
        if self.findings.get(&token.address, FindingKind::TokenExpired).is_some() {
            return Some(format!("it expired on {date}"));
        }
        self.findings
            .get(&token.address, FindingKind::TokenExpiring)
            .map(|_| format!("it expires on {date}, inside its {} rotation window", token.rotate_before))
    }

    /// Recorded resources the configuration no longer declares, previous accounts and tokens
    /// that a replacement left, and tokens an interrupted apply may have left unrecorded.
    fn leftovers(&mut self, config: &Config) {
        let declared = config.declared_addresses();
        self.unrecorded_tokens();
        let overlaps: BTreeMap<&Address, Overlap> = config
            .api_accounts()
            .map(|(a, _)| (&a.address, a.overlap))
            .chain(config.stores.iter().flat_map(|s| s.storefront_tokens.iter().map(|t| (&t.address, t.overlap))))
            .collect();
        self.previous(&declared, &overlaps);
        self.undeclared(&declared);
    }

    /// Storefront tokens an interrupted apply may have created without recording them.
    fn unrecorded_tokens(&mut self) {
        let unrecorded: Vec<(Address, String)> = self
            .findings
            .findings
            .iter()
            .filter(|f| f.finding == FindingKind::UnrecordedToken)
            .map(|f| (f.address.clone(), f.detail.clone()))
            .collect();
        for (address, detail) in unrecorded {
            self.push(&address, Op::Drift, Mode::Review, ResourceType::StorefrontToken, "", detail, Work::Review);
        }
    }

    /// Previous accounts and tokens that a replacement left.
    fn previous(&mut self, declared: &BTreeSet<&Address>, overlaps: &BTreeMap<&Address, Overlap>) {
        for (address, resource) in &self.state.retiring {
            let recorded = self.state.resources.contains_key(address);
            if !recorded && declared.contains(address) {
                // The interrupted replacement's own step deletes it once the new one is recorded.
                continue;
            }
            // Still in its overlap: it goes with a later apply, unless this plan replaces the
            // address again (a replacement needs the previous one's place).
            let overlapping = self.findings.retiring.iter().find(|r| &r.address == address).map(|r| r.until);
            let replaced_again = self.steps.iter().any(|s| s.address() == address && s.action.action == Op::Replace);
            let exposed = resource.api_account().is_some_and(|r| r.exposed);
            // The configuration can cut an overlap short: a removed entry, `overlap: none`.
            let why_now = if replaced_again {
                Some("since it is replaced again")
            } else if exposed {
                Some("since a removed recipient could read it")
            } else if !declared.contains(address) {
                Some("since the configuration no longer declares it")
            } else if overlaps.get(address) == Some(&Overlap::None) {
                Some("since the configuration says `overlap: none`")
            } else {
                None
            };
            let early = match (overlapping, why_now) {
                (Some(_), None) => continue,
                (Some(until), Some(why)) => format!(" now, before its overlap ends ({until}), {why}"),
                (None, _) => String::new(),
            };
            match resource {
                Resource::StorefrontToken(t) => {
                    let reason = if recorded {
                        format!("revoke the previous token{early} through the API with the credentials of `{}`; its replacement is recorded", t.issuer)
                    } else {
                        format!(
                            "revoke the previous token with the credentials of `{}` once its replacement is recorded",
                            t.issuer
                        )
                    };
                    let target = format!("store {}", t.store_hash);
                    let work = Work::RevokeToken { previous: true };
                    self.push(
                        address,
                        Op::Delete,
                        Mode::Automated,
                        ResourceType::StorefrontToken,
                        &target,
                        reason,
                        work,
                    )
                    .previous = true;
                }
                Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => {
                    let when =
                        if recorded { "; its replacement is recorded" } else { " once its replacement is recorded" };
                    let reason = format!(
                        "delete the previous `{}` (client ID {}){early} in the control panel{when}",
                        r.name, r.client_id
                    );
                    let work = Work::DeleteAccount { previous: true };
                    let action = self.push(
                        address,
                        Op::Delete,
                        Mode::Guided,
                        account_type(resource),
                        &target_of(r),
                        reason,
                        work,
                    );
                    action.previous = true;
                    action.scopes = Some(ScopeChange { before: r.scope_set().lines(), after: Vec::new() });
                }
                Resource::Webhook(_) => {}
            }
        }
    }

    /// Recorded resources the configuration no longer declares.
    fn undeclared(&mut self, declared: &BTreeSet<&Address>) {
        for (address, resource) in &self.state.resources {
            if declared.contains(address) || self.moving_from.contains(address) {
                continue;
            }
            match resource {
                Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => {
                    let level = if matches!(resource, Resource::AccountApiAccount(_)) { "account-level " } else { "" };
                    let reason = format!(
                        "delete {level}API account `{}` in the control panel; it is no longer in the configuration",
                        r.name
                    );
                    let work = Work::DeleteAccount { previous: false };
                    self.push(address, Op::Delete, Mode::Guided, account_type(resource), &target_of(r), reason, work)
                        .scopes = Some(ScopeChange { before: r.scope_set().lines(), after: Vec::new() });
                }
                Resource::Webhook(w) => {
                    let owner = address.owner();
                    let target = owner
                        .as_ref()
                        .and_then(|o| self.state.resources.get(o))
                        .and_then(Resource::api_account)
                        .map(target_of)
                        .unwrap_or_default();
                    let owner = owner.map(|o| o.to_string()).unwrap_or_default();
                    let reason = format!("delete webhook {} (`{}`) with the token of {owner}", w.id, w.scope);
                    self.push(
                        address,
                        Op::Delete,
                        Mode::Automated,
                        ResourceType::Webhook,
                        &target,
                        reason,
                        Work::DeleteWebhook,
                    );
                }
                Resource::StorefrontToken(t) => {
                    let reason = format!("revoke the token through the API with the credentials of `{}`", t.issuer);
                    let target = format!("store {}", t.store_hash);
                    let work = Work::RevokeToken { previous: false };
                    self.push(
                        address,
                        Op::Delete,
                        Mode::Automated,
                        ResourceType::StorefrontToken,
                        &target,
                        reason,
                        work,
                    );
                }
            }
        }
    }
}

/// Says on a replacement's action how long the previous credential stays, when it does not go
/// in the same run.
fn with_overlap(action: &mut Action, overlap: Overlap, what: &str) {
    let stays = match overlap {
        Overlap::None => return,
        Overlap::For(span) => format!("for {span} (and never past its expiry)"),
        Overlap::UntilExpiry => "until its own expiry".to_owned(),
    };
    let (stays, goes) = if what == "token" {
        (format!("the previous token stays valid {stays}"), "revokes it")
    } else {
        (format!("the previous account stays {stays}"), "asks for its deletion")
    };
    action.reason = format!(
        "{}; {stays}, so that what uses it can move to the new one; the first apply after that {goes}",
        action.reason
    );
    action.overlap = Some(overlap.to_string());
}

fn account_type(resource: &Resource) -> ResourceType {
    if matches!(resource, Resource::AccountApiAccount(_)) {
        ResourceType::AccountApiAccount
    } else {
        ResourceType::StoreApiAccount
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
        // The state keeps what was sent; BigCommerce takes `:443` or not for the same.
        (!hook.destination.is(&record.destination)).then(|| FieldChange {
            field: "destination".into(),
            before: Some(record.destination.clone()),
            after: Some(hook.destination.to_string()),
        }),
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
        FieldChange { field: "destination".into(), before: None, after: Some(hook.destination.to_string()) },
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
    let expires = now.replace_nanosecond(0).unwrap_or(now) + token.lifetime.span();
    let rotate = expires - token.rotate_before.span();
    let text = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    vec![
        FieldChange { field: "expires_at".into(), before: None, after: Some(text(expires)) },
        FieldChange { field: "rotate_after".into(), before: None, after: Some(text(rotate)) },
    ]
}
