//! Findings: every way the secret files and BigCommerce differ from what the configuration and
//! the state say. One pure function of (configuration, state, observations, now): `drift`
//! renders the findings, and the plan maps the same findings to steps, so the two never count
//! differently.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::address::Address;
use crate::bigcommerce::probes;
use crate::config::{Config, Lifetime};
use crate::observe::{FileStatus, Observations};
use crate::refresh::{self, FamilyStatus, HookStatus, Observation};
use crate::scope_set::ScopeSet;
use crate::scopes;
use crate::state::{ApiAccountRecord, Resource, State, TokenRecord, WebhookRecord};
use crate::vault;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FindingKind {
    /// BigCommerce rejects the token: the account was deleted or the token revoked out of band.
    Revoked,
    /// A family is granted that the configuration leaves at none.
    ExcessScope,
    /// A family the configuration grants is not granted.
    MissingScope,
    SecretFileMissing,
    SecretFileModified,
    /// The secret file is encrypted to a recipient set that is not the configured one.
    OutdatedRecipients,
    TokenExpired,
    TokenExpiring,
    /// An interrupted apply may have created a storefront token that nothing records.
    UnrecordedToken,
    /// BigCommerce deactivated the webhook (failed deliveries or 90 days without events).
    WebhookDeactivated,
    /// The webhook is inactive at BigCommerce although the configuration wants it active.
    WebhookInactive,
    /// The webhook is active at BigCommerce although the configuration wants it inactive.
    WebhookActive,
    WebhookMissing,
    /// The webhook delivers somewhere else than configured: changed behind bckeys' back.
    WebhookDestinationChanged,
    /// The webhook's event scope is not the one bckeys set.
    WebhookScopeChanged,
    /// The webhook's custom headers are not the ones bckeys set.
    WebhookHeadersChanged,
    /// The account has a webhook that the configuration does not declare.
    WebhookUnmanaged,
    /// A previous credential is still kept although its overlap has ended.
    RetiringOverdue,
    /// A declared family (or level) that none of the account's `uses` needs.
    BeyondUses,
}

impl FindingKind {
    /// The name in JSON and Markdown alike.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Revoked => "revoked",
            FindingKind::ExcessScope => "excess_scope",
            FindingKind::MissingScope => "missing_scope",
            FindingKind::SecretFileMissing => "secret_file_missing",
            FindingKind::SecretFileModified => "secret_file_modified",
            FindingKind::OutdatedRecipients => "outdated_recipients",
            FindingKind::TokenExpired => "token_expired",
            FindingKind::TokenExpiring => "token_expiring",
            FindingKind::UnrecordedToken => "unrecorded_token",
            FindingKind::WebhookDeactivated => "webhook_deactivated",
            FindingKind::WebhookInactive => "webhook_inactive",
            FindingKind::WebhookActive => "webhook_active",
            FindingKind::WebhookMissing => "webhook_missing",
            FindingKind::WebhookDestinationChanged => "webhook_destination_changed",
            FindingKind::WebhookScopeChanged => "webhook_scope_changed",
            FindingKind::WebhookHeadersChanged => "webhook_headers_changed",
            FindingKind::WebhookUnmanaged => "webhook_unmanaged",
            FindingKind::RetiringOverdue => "retiring_overdue",
            FindingKind::BeyondUses => "beyond_uses",
        }
    }
}

/// JSON takes the names from `as_str`, as Markdown does: one list of names.
impl Serialize for FindingKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// More access than declared.
    Security,
    Drift,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub address: Address,
    pub finding: FindingKind,
    pub severity: Severity,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub families: Vec<String>,
    /// The BigCommerce ID of the webhook an account's finding is about (`webhook_unmanaged`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_id: Option<u64>,
}

/// What a check that could not be made was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmade {
    /// The secret file could not be read.
    SecretFile,
    /// BigCommerce could not be asked about the credential.
    Credential,
    /// The webhook's account's webhooks could not be listed.
    Webhook,
}

/// A check that could not be made: never reported as in sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckError {
    pub address: Address,
    pub error: String,
    #[serde(skip)]
    pub about: Unmade,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnverifiableFamily {
    pub family: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unverifiable {
    pub address: Address,
    pub families: Vec<UnverifiableFamily>,
}

/// A previous credential that a replacement left valid until its overlap ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retiring {
    pub address: Address,
    /// `storefront_token`, `store_api_account` or `account_api_account`.
    pub kind: &'static str,
    /// When the first apply after may revoke or delete it.
    pub until: crate::timestamp::Timestamp,
}

/// The counts every rendering shows, computed here once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Recorded resources whose every check could be made.
    pub checked: usize,
    /// Checked resources with no finding.
    pub in_sync: usize,
    pub findings: usize,
    /// Findings of severity `security`.
    pub security: usize,
    /// Recorded resources of which some check could not be made.
    pub not_checked: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Findings {
    pub findings: Vec<Finding>,
    pub errors: Vec<CheckError>,
    /// Families no safe request can check, per credential: never counted as a match.
    pub unverifiable: Vec<Unverifiable>,
    /// Resources with no finding and no error.
    pub in_sync_addresses: Vec<Address>,
    /// Previous credentials still in their overlap: valid on purpose, not a finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retiring: Vec<Retiring>,
    #[serde(skip)]
    not_checked: usize,
    /// Recorded resources with findings and no error.
    #[serde(skip)]
    with_findings: usize,
}

impl Findings {
    pub fn has_drift(&self) -> bool {
        !self.findings.is_empty()
    }

    pub fn summary(&self) -> Summary {
        Summary {
            checked: self.in_sync_addresses.len() + self.with_findings,
            in_sync: self.in_sync_addresses.len(),
            findings: self.findings.len(),
            security: self.findings.iter().filter(|f| f.severity == Severity::Security).count(),
            not_checked: self.not_checked,
        }
    }

    /// The findings about one address, in order.
    pub fn of<'a>(&'a self, address: &'a Address) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| &f.address == address)
    }

    pub fn get<'a>(&'a self, address: &Address, kind: FindingKind) -> Option<&'a Finding> {
        self.findings.iter().find(|f| &f.address == address && f.finding == kind)
    }

    /// The check about `address` that could not be made, if one was not.
    pub fn error(&self, address: &Address, about: Unmade) -> Option<&CheckError> {
        self.errors.iter().find(|e| &e.address == address && e.about == about)
    }
}

/// What the configuration wants, by address, for the checks.
struct Wanted<'a> {
    scopes: BTreeMap<&'a Address, &'a ScopeSet>,
    /// Store-level API accounts, for the webhooks they declare.
    store_accounts: BTreeMap<&'a Address, &'a crate::config::ApiAccount>,
    hooks: BTreeMap<&'a Address, &'a crate::config::Webhook>,
    /// How long before expiry a token is rotated.
    rotate_before: BTreeMap<&'a Address, Lifetime>,
    /// For the recipient set each file must be encrypted to.
    config: &'a Config,
}

impl<'a> Wanted<'a> {
    fn of(config: &'a Config) -> Self {
        let stores = config.stores.iter();
        Wanted {
            scopes: config.api_accounts().map(|(a, _)| (&a.address, &a.scopes)).collect(),
            store_accounts: stores.clone().flat_map(|s| s.api_accounts.iter().map(|a| (&a.address, a))).collect(),
            rotate_before: stores
                .clone()
                .flat_map(|s| s.storefront_tokens.iter().map(|t| (&t.address, t.rotate_before)))
                .collect(),
            hooks: stores
                .flat_map(|s| s.api_accounts.iter().flat_map(|a| a.webhooks.iter().map(|w| (&w.address, w))))
                .collect(),
            config,
        }
    }

    fn fingerprint(&self, address: &Address) -> String {
        vault::fingerprint(&self.config.recipients_for(address))
    }
}

/// Every finding, from the configuration, the state, what was observed and the current time.
pub fn findings(config: &Config, state: &State, observations: &Observations, now: OffsetDateTime) -> Findings {
    let wanted = Wanted::of(config);
    let mut recorded_hooks: BTreeMap<Address, Vec<u64>> = BTreeMap::new();
    for (address, resource) in &state.resources {
        if let (Resource::Webhook(w), Some(owner)) = (resource, address.owner()) {
            recorded_hooks.entry(owner).or_default().push(w.id);
        }
    }
    let mut out = Collector { out: Findings::default(), observations, now, recorded_hooks, state };
    for (address, resource) in &state.resources {
        let before = (out.out.findings.len(), out.out.errors.len());
        out.secret_file(address, resource, &wanted);
        match resource {
            Resource::StoreApiAccount(record) | Resource::AccountApiAccount(record) => {
                out.account(address, resource, record, &wanted)
            }
            Resource::StorefrontToken(record) => out.token(address, record, &wanted),
            Resource::Webhook(record) => out.webhook(address, record, &wanted),
        }
        if (out.out.findings.len(), out.out.errors.len()) == before {
            out.out.in_sync_addresses.push(address.clone());
        } else if out.out.errors.len() > before.1 {
            out.out.not_checked += 1;
        } else {
            out.out.with_findings += 1;
        }
    }
    out.intents(state);
    out.retiring(state);
    let mut findings = out.out;
    findings.findings.sort_by(|a, b| a.address.cmp(&b.address).then(a.finding.cmp(&b.finding)));
    findings
}

struct Collector<'a> {
    out: Findings,
    observations: &'a Observations,
    now: OffsetDateTime,
    /// The IDs of the recorded webhooks, by owning account.
    recorded_hooks: BTreeMap<Address, Vec<u64>>,
    state: &'a State,
}

impl Collector<'_> {
    fn finding(&mut self, address: &Address, finding: FindingKind, severity: Severity, detail: String) {
        self.out.findings.push(Finding {
            address: address.clone(),
            finding,
            severity,
            detail,
            families: vec![],
            webhook_id: None,
        });
    }

    fn error(&mut self, address: &Address, about: Unmade, error: String) {
        self.out.errors.push(CheckError { address: address.clone(), error, about });
    }

    fn secret_file(&mut self, address: &Address, resource: &Resource, wanted: &Wanted) {
        let Some(secret) = resource.secret() else { return };
        let path = secret.file.display();
        match self.observations.files.get(address) {
            Some(FileStatus::Missing) => {
                self.finding(address, FindingKind::SecretFileMissing, Severity::Drift, format!("{path} is missing"))
            }
            Some(FileStatus::Modified) => self.finding(
                address,
                FindingKind::SecretFileModified,
                Severity::Drift,
                format!("{path} does not match the SHA-256 recorded in the state"),
            ),
            Some(FileStatus::Unreadable(e)) => {
                self.error(address, Unmade::SecretFile, format!("cannot read {path}: {e}"))
            }
            _ if secret.recipients != wanted.fingerprint(address) => self.finding(
                address,
                FindingKind::OutdatedRecipients,
                Severity::Drift,
                format!("{path} is encrypted to an outdated recipient set (`bckeys rekey` fixes it)"),
            ),
            _ => {}
        }
    }

    /// Next to what was found live: what the configuration itself grants beyond the account's
    /// `uses`, so that a scheduled drift keeps least privilege from eroding.
    fn beyond_uses(&mut self, address: &Address, wanted: &Wanted) {
        let Some(account) = wanted.store_accounts.get(address).filter(|a| !a.beyond_uses.is_empty()) else { return };
        let parts: Vec<String> = account
            .beyond_uses
            .iter()
            .map(|(f, enough)| match enough {
                None => format!("{} ({})", f.ui, f.key),
                Some(level) => format!("{} ({}) beyond {level}", f.ui, f.key),
            })
            .collect();
        self.out.findings.push(Finding {
            address: address.clone(),
            finding: FindingKind::BeyondUses,
            severity: Severity::Security,
            detail: format!("configured, but none of its uses needs: {}", parts.join(", ")),
            families: account.beyond_uses.iter().map(|(f, _)| f.key.to_owned()).collect(),
            webhook_id: None,
        });
    }

    fn account(&mut self, address: &Address, resource: &Resource, record: &ApiAccountRecord, wanted: &Wanted) {
        // A fact of the configuration: said whether or not the token could be checked.
        self.beyond_uses(address, wanted);
        let declared = wanted.scopes.get(address).map(|s| (*s).clone()).unwrap_or_else(|| record.scope_set());
        match self.observations.account(address) {
            None | Some(Observation::NoSecret) => {}
            Some(Observation::Failed { error } | Observation::Unreadable { error }) => {
                self.error(address, Unmade::Credential, error.clone())
            }
            Some(Observation::Revoked { message }) => self.finding(
                address,
                FindingKind::Revoked,
                Severity::Drift,
                format!("BigCommerce rejects its token (401: {message}): deleted or revoked out of band"),
            ),
            Some(Observation::Alive { families, unverifiable, levels_unproven }) => {
                let (excess, missing) = refresh::scope_differences(families, &declared);
                let statuses = families;
                let differences = [
                    (excess, FindingKind::ExcessScope, Severity::Security, "granted beyond the configuration"),
                    (missing, FindingKind::MissingScope, Severity::Drift, "not granted although configured"),
                ];
                for (families, finding, severity, what) in differences {
                    if families.is_empty() {
                        continue;
                    }
                    let detail = format!("{what}: {}", ui_names(&families, statuses));
                    let families: Vec<String> = families.iter().map(|f| f.to_string()).collect();
                    self.out.findings.push(Finding {
                        address: address.clone(),
                        finding,
                        severity,
                        detail,
                        families,
                        webhook_id: None,
                    });
                }
                let account_level = matches!(resource, Resource::AccountApiAccount(_));
                let seen = Seen { families, unverifiable, levels_unproven };
                let list = unverifiable_families(account_level, &declared, &seen, record);
                if !list.is_empty() {
                    self.out.unverifiable.push(Unverifiable { address: address.clone(), families: list });
                }
                if !account_level {
                    self.unmanaged_hooks(address, wanted);
                }
            }
        }
    }

    fn token(&mut self, address: &Address, record: &TokenRecord, wanted: &Wanted) {
        let expires = record.expires_at.time();
        let window = wanted.rotate_before.get(address).map(|l| l.span()).unwrap_or_default();
        if expires <= self.now {
            self.finding(address, FindingKind::TokenExpired, Severity::Drift, format!("expired on {}", expires.date()));
        } else if expires - window <= self.now {
            let detail = format!("expires on {}, inside its rotation window", expires.date());
            self.finding(address, FindingKind::TokenExpiring, Severity::Drift, detail);
        }
    }

    fn webhook(&mut self, address: &Address, record: &WebhookRecord, wanted: &Wanted) {
        let active = wanted.hooks.get(address).map_or(record.active, |w| w.active);
        let id = record.id;
        self.webhook_attributes(address, record);
        let (kind, detail) = match self.observations.hook(address) {
            Some(HookStatus::Deactivated) => (
                FindingKind::WebhookDeactivated,
                format!("BigCommerce deactivated webhook {id} (failed deliveries or 90 days without events); apply reactivates it"),
            ),
            Some(HookStatus::Missing) => {
                (FindingKind::WebhookMissing, format!("webhook {id} is gone from BigCommerce; apply creates it again"))
            }
            Some(HookStatus::Inactive) if active => {
                (FindingKind::WebhookInactive, format!("webhook {id} is inactive at BigCommerce; apply activates it"))
            }
            Some(HookStatus::Active) if !active => (
                FindingKind::WebhookActive,
                format!("webhook {id} is active at BigCommerce, but configured inactive; apply deactivates it"),
            ),
            // A revoked account's own finding covers its webhooks (BigCommerce drops them).
            Some(HookStatus::Unchecked)
                if address.owner().is_some_and(|o| matches!(self.observations.account(&o), Some(Observation::Revoked { .. }))) =>
            {
                return
            }
            Some(HookStatus::Unchecked) => {
                let why = address.owner().and_then(|o| self.observations.hook_error(&o).map(|e| format!(" ({e})")));
                let error = format!(
                    "webhook {id} could not be checked: its API account's webhooks could not be listed{}",
                    why.unwrap_or_default()
                );
                return self.error(address, Unmade::Webhook, error);
            }
            _ => return,
        };
        self.finding(address, kind, Severity::Drift, detail);
    }

    /// What a webhook's live destination, scope and headers say against what bckeys last set
    /// (the record): a difference was made behind bckeys' back. A configuration change since
    /// is the plan's to make, not a finding.
    fn webhook_attributes(&mut self, address: &Address, record: &WebhookRecord) {
        let Some(seen) = self.observations.hook_seen(address) else { return };
        let id = record.id;
        let set = |destination: &str| crate::config::Destination::parse(destination).map(|d| d.key());
        if set(&record.destination) != set(&seen.destination) {
            let shown = crate::text::redact_url(&seen.destination);
            let detail = format!(
                "webhook {id} delivers to {shown} at BigCommerce, not to {} as bckeys set it: changed behind bckeys' back; apply puts it back",
                record.destination
            );
            self.finding(address, FindingKind::WebhookDestinationChanged, Severity::Security, detail);
        }
        if seen.scope != record.scope {
            let shown = crate::text::escape_controls(&seen.scope);
            let detail = format!(
                "webhook {id} is for `{shown}` at BigCommerce, not `{}` as bckeys set it; apply puts it back",
                record.scope
            );
            self.finding(address, FindingKind::WebhookScopeChanged, Severity::Drift, detail);
        }
        self.webhook_headers(address, record, &seen.headers);
    }

    /// Header names and values (as digests: values are never shown) against the record's plain
    /// headers and the generated values in the webhook's secret file.
    fn webhook_headers(
        &mut self,
        address: &Address,
        record: &WebhookRecord,
        live: &BTreeMap<String, crate::bigcommerce::resources::HeaderDigest>,
    ) {
        use crate::bigcommerce::resources::HeaderDigest;
        let mut set: BTreeMap<&str, HeaderDigest> =
            record.plain_headers.iter().map(|(k, v)| (k.as_str(), HeaderDigest::of(v))).collect();
        if !record.generated_headers.is_empty() {
            match self.observations.live.as_ref().and_then(|l| l.hooks.generated.get(address)) {
                Some(Ok(values)) => set.extend(values.iter().map(|(k, v)| (k.as_str(), v.clone()))),
                Some(Err(e)) => {
                    let error = format!("webhook {}'s headers could not be checked: {e}", record.id);
                    return self.error(address, Unmade::Webhook, error);
                }
                // No readable file: the secret-file finding says so; the names are still compared.
                None => {
                    let unknown: BTreeMap<&str, HeaderDigest> = record
                        .generated_headers
                        .iter()
                        .filter_map(|k| Some((k.as_str(), live.get(k)?.clone())))
                        .collect();
                    set.extend(unknown);
                }
            }
        }
        // HTTP header names are case-insensitive, and BigCommerce may answer them in another
        // case: compared folded, shown as written.
        let fold = |m: BTreeMap<&str, HeaderDigest>| -> BTreeMap<String, (String, HeaderDigest)> {
            m.into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), (crate::text::escape_controls(k).into_owned(), v)))
                .collect()
        };
        let set = fold(set);
        let live = fold(live.iter().map(|(k, v)| (k.as_str(), v.clone())).collect());
        let mut what = Vec::new();
        for (key, (name, digest)) in &set {
            match live.get(key) {
                None => what.push(format!("{name} missing")),
                Some((_, d)) if d != digest => what.push(format!("{name} changed")),
                Some(_) => {}
            }
        }
        what.extend(live.iter().filter(|(k, _)| !set.contains_key(*k)).map(|(_, (name, _))| format!("{name} added")));
        if !what.is_empty() {
            let detail = format!(
                "webhook {}'s headers at BigCommerce are not the ones bckeys set ({}); apply puts them back",
                record.id,
                what.join(", ")
            );
            self.finding(address, FindingKind::WebhookHeadersChanged, Severity::Drift, detail);
        }
    }

    /// Webhooks of a live store-level account that nothing records and that no declared webhook
    /// will adopt (same scope and destination). With `prune_webhooks` the configuration claims
    /// every webhook of the account, so another one is a security finding.
    fn unmanaged_hooks(&mut self, address: &Address, wanted: &Wanted) {
        let Some(live) = self.observations.live.as_ref() else { return };
        if let Some(e) = live.hooks.errors.get(address) {
            return self.error(address, Unmade::Webhook, format!("its webhooks could not be listed: {e}"));
        }
        let Some(listed) = live.hooks.listed.get(address) else { return };
        let recorded = self.recorded_hooks.get(address).map(Vec::as_slice).unwrap_or_default();
        // An account no longer declared is being deleted, its webhooks with it.
        let Some(account) = wanted.store_accounts.get(address) else { return };
        let prune = account.prune_webhooks;
        let state = self.state;
        // Apply adopts a live webhook for a declared one with the same scope and destination
        // when that one is not recorded, or its recorded ID is gone: the same rule here.
        let adoptable = |scope: &str, destination: &str| {
            account.webhooks.iter().any(|w| {
                let placed = match state.resources.get(&w.address) {
                    Some(Resource::Webhook(r)) => listed.iter().any(|h| h.id == r.id),
                    _ => false,
                };
                w.scope == scope && w.destination.is(destination) && !placed
            })
        };
        let unmanaged: Vec<Finding> = listed
            .iter()
            .filter(|h| !recorded.contains(&h.id) && !adoptable(&h.scope, &h.destination))
            .map(|hook| {
                let (scope, destination) =
                    (crate::text::escape_controls(&hook.scope), crate::text::redact_url(&hook.destination));
                let (severity, next) = if prune {
                    (Severity::Security, "apply deletes it (prune_webhooks: true)")
                } else {
                    (
                        Severity::Drift,
                        "declare it under `webhooks`, or set `prune_webhooks: true` for apply to delete it",
                    )
                };
                Finding {
                    address: address.clone(),
                    finding: FindingKind::WebhookUnmanaged,
                    severity,
                    detail: format!(
                        "webhook {} (`{scope}` to {destination}) is not in the configuration; {next}",
                        hook.id
                    ),
                    families: vec![],
                    webhook_id: Some(hook.id),
                }
            })
            .collect();
        self.out.findings.extend(unmanaged);
    }

    /// Previous credentials whose overlap has not ended yet.
    fn retiring(&mut self, state: &State) {
        for (address, resource) in &state.retiring {
            match resource.retire_after() {
                Some(until) if until.time() > self.now => {
                    self.out.retiring.push(Retiring { address: address.clone(), kind: resource.kind(), until });
                }
                // An expired token is valid nowhere: apply just drops its record.
                Some(_) if matches!(resource, Resource::StorefrontToken(t) if t.expires_at.time() <= self.now) => {}
                Some(until) => {
                    let (what, then) = match resource {
                        Resource::StorefrontToken(_) => ("token may still be valid", "revokes it"),
                        _ => ("API account may still exist", "asks for its deletion"),
                    };
                    let detail = format!("the previous {what}: its overlap ended at {until}; the next apply {then}");
                    self.finding(address, FindingKind::RetiringOverdue, Severity::Drift, detail);
                }
                None => {}
            }
        }
    }

    /// Storefront tokens an interrupted apply may have created without recording them.
    fn intents(&mut self, state: &State) {
        for (address, intent) in state.intents.iter().flat_map(|(a, list)| list.iter().map(move |i| (a, i))) {
            if intent.expires_at.time() > self.now {
                let detail = format!(
                    "a token may have been created at {} without being recorded (the run stopped before it was); BigCommerce can't list storefront tokens, so it stays valid until {} unless its issuer is replaced; once looked into, `bckeys state dismiss-intent {address}` stops reporting it",
                    intent.started_at, intent.expires_at
                );
                self.finding(address, FindingKind::UnrecordedToken, Severity::Drift, detail);
            }
        }
    }
}

/// What the probes showed of one live credential.
struct Seen<'a> {
    families: &'a BTreeMap<&'static str, FamilyStatus>,
    unverifiable: &'a [(&'static str, &'static str)],
    levels_unproven: &'a [(&'static str, &'static str)],
}

/// The families of one live credential that no safe request can check, and the granted ones
/// whose level (read-only or modify) is proven neither now nor when it was captured.
fn unverifiable_families(
    account_level: bool,
    declared: &ScopeSet,
    seen: &Seen,
    record: &ApiAccountRecord,
) -> Vec<UnverifiableFamily> {
    if account_level {
        return declared
            .iter()
            .map(|(f, _)| UnverifiableFamily {
                family: f.key.to_owned(),
                reason: "requests under /accounts are limited to 70 an hour, so only liveness is checked".into(),
            })
            .collect();
    }
    let mut list: Vec<UnverifiableFamily> = seen
        .unverifiable
        .iter()
        .filter(|(f, _)| !declared.levels(f).is_empty())
        .map(|(f, why)| UnverifiableFamily { family: f.to_string(), reason: why.to_string() })
        .collect();
    for (family, _) in declared.iter() {
        let two_levels = family.level("read-only").is_some() && family.level("modify").is_some();
        // Proven now (--probe-writes) or never granted: nothing to say of its level.
        if !two_levels || seen.families.get(family.key) != Some(&FamilyStatus::Granted) {
            continue;
        }
        let proven_at_capture = record.unverified_levels.as_ref().is_some_and(|l| !l.iter().any(|k| k == family.key));
        if proven_at_capture {
            continue;
        }
        let reason = if let Some((_, why)) = seen.levels_unproven.iter().find(|(f, _)| *f == family.key) {
            why.to_string()
        } else if let Some((_, why)) = probes::LEVEL_UNVERIFIABLE.iter().find(|(f, _)| *f == family.key) {
            why.to_string()
        } else if record.unverified_levels.is_none() {
            "recorded before bckeys proved levels; `--probe-writes` proves it".to_owned()
        } else {
            "its write probe could not prove it at capture; `--probe-writes` tries again".to_owned()
        };
        list.push(UnverifiableFamily { family: format!("{} (level)", family.key), reason });
    }
    list
}

/// Families by key and control-panel name, with the level a write probe proved.
fn ui_names(families: &[&str], statuses: &BTreeMap<&'static str, FamilyStatus>) -> String {
    families
        .iter()
        .map(|f| {
            let name = scopes::family(f).map(|x| format!("{f} ({})", x.ui)).unwrap_or_else(|| f.to_string());
            match statuses.get(f) {
                Some(FamilyStatus::Modify) => format!("{name} at modify"),
                Some(FamilyStatus::ReadOnly) => format!("{name} only at read-only"),
                _ => name,
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::Live;
    use crate::refresh::HookObservations;
    use crate::state::SecretRecord;

    const RECIPIENT: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    fn setup() -> (Config, State, Address, Address) {
        let yaml = format!(
            "version: 1\nencryption: {{recipients: [{RECIPIENT}]}}\nstores:\n  p:\n    store_hash: abc\n    api_accounts:\n      erp-sync:\n        scopes: {{orders: read-only}}\n        webhooks:\n          hook:\n            scope: store/order/created\n            destination: https://x.example.com/h\n"
        );
        let config = Config::parse(std::path::Path::new("bckeys.yaml"), yaml.as_bytes()).unwrap();
        let account: Address = "store/p/erp-sync".parse().unwrap();
        let hook: Address = "store/p/erp-sync/webhook/hook".parse().unwrap();
        let mut state = State::default();
        let recipients = config.encryption.recipients.clone();
        state.resources.insert(
            account.clone(),
            Resource::StoreApiAccount(crate::state::ApiAccountRecord {
                account_uuid: None,
                client_id: "cid".into(),
                created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
                exposed: false,
                name: "erp-sync".into(),
                scopes: vec!["store_v2_orders_read_only".into()],
                retire_after: None,
                secret: SecretRecord::encrypted_to(account.secret_path(), &recipients, "0".repeat(64)),
                store_hash: Some("abc".parse().unwrap()),
                unverified_levels: None,
            }),
        );
        state.resources.insert(
            hook.clone(),
            Resource::Webhook(WebhookRecord {
                active: true,
                destination: "https://x.example.com/h".into(),
                generated_headers: vec![],
                id: 7,
                plain_headers: Default::default(),
                scope: "store/order/created".into(),
                secret: None,
            }),
        );
        (config, state, account, hook)
    }

    fn observe(config: &Config, state: &State, live: Live) -> Findings {
        let observations = Observations { files: BTreeMap::new(), live: Some(live) };
        findings(config, state, &observations, OffsetDateTime::now_utc())
    }

    fn alive() -> Observation {
        Observation::Alive {
            families: [("orders", FamilyStatus::Granted)].into(),
            unverifiable: vec![],
            levels_unproven: vec![],
        }
    }

    #[test]
    fn an_unlisted_webhook_is_an_error_never_in_sync() {
        let (config, state, account, hook) = setup();
        let live = Live {
            accounts: [(account.clone(), alive())].into(),
            hooks: HookObservations { statuses: [(hook.clone(), HookStatus::Unchecked)].into(), ..Default::default() },
        };
        let report = observe(&config, &state, live);
        assert_eq!(report.errors.len(), 1, "{report:?}");
        assert!(!report.in_sync_addresses.contains(&hook));
        assert!(report.in_sync_addresses.contains(&account));

        // When the account itself is revoked, its finding covers the webhook.
        let revoked = Observation::Revoked { message: "no".into() };
        let live = Live {
            accounts: [(account.clone(), revoked)].into(),
            hooks: HookObservations { statuses: [(hook, HookStatus::Unchecked)].into(), ..Default::default() },
        };
        let report = observe(&config, &state, live);
        assert!(report.errors.is_empty(), "{report:?}");
        assert_eq!(report.findings[0].finding, FindingKind::Revoked);
    }

    #[test]
    fn deactivated_and_missing_webhooks_are_findings() {
        let (config, state, account, hook) = setup();
        for (status, kind) in [
            (HookStatus::Deactivated, FindingKind::WebhookDeactivated),
            (HookStatus::Missing, FindingKind::WebhookMissing),
        ] {
            let live = Live {
                accounts: [(account.clone(), alive())].into(),
                hooks: HookObservations { statuses: [(hook.clone(), status)].into(), ..Default::default() },
            };
            let report = observe(&config, &state, live);
            assert_eq!(report.findings.len(), 1, "{report:?}");
            assert_eq!(report.findings[0].finding, kind);
            assert!(report.has_drift());
        }
    }

    #[test]
    fn counts_are_of_resources_and_the_same_whichever_finds_them() {
        let (config, state, account, hook) = setup();
        // Two findings on the account, one on its webhook: two resources checked, none in sync.
        let excess = Observation::Alive {
            families: [("orders", FamilyStatus::NotGranted), ("customers", FamilyStatus::Granted)].into(),
            unverifiable: vec![],
            levels_unproven: vec![],
        };
        let live = Live {
            accounts: [(account, excess)].into(),
            hooks: HookObservations { statuses: [(hook, HookStatus::Missing)].into(), ..Default::default() },
        };
        let report = observe(&config, &state, live);
        let kinds: Vec<FindingKind> = report.findings.iter().map(|f| f.finding).collect();
        assert_eq!(kinds, [FindingKind::ExcessScope, FindingKind::MissingScope, FindingKind::WebhookMissing]);
        assert_eq!(
            report.summary(),
            Summary { checked: 2, in_sync: 0, findings: 3, security: 1, not_checked: 0 },
            "{report:?}"
        );
    }

    #[test]
    fn a_webhook_active_against_the_configuration_is_a_finding() {
        let (config, mut state, account, hook) = setup();
        let Some(Resource::Webhook(w)) = state.resources.get_mut(&hook) else { panic!() };
        w.active = true;
        // The configuration says active (the default): an inactive one is the finding.
        let live = Live {
            accounts: [(account, alive())].into(),
            hooks: HookObservations { statuses: [(hook, HookStatus::Inactive)].into(), ..Default::default() },
        };
        let report = observe(&config, &state, live);
        assert_eq!(report.findings[0].finding, FindingKind::WebhookInactive, "{report:?}");
    }
}
