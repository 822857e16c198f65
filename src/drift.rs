//! Drift: what BigCommerce and the secret files show, against what the configuration and the
//! state say. A pure function of its inputs, like the plan; `bckeys drift` never writes.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::address::Address;
use crate::bigcommerce::probes;
use crate::config::Config;
use crate::observe::FileStatus;
use crate::refresh::{self, FamilyStatus, HookStatus, Live, Observation};
use crate::scope_set::ScopeSet;
use crate::scopes;
use crate::state::{Resource, State};
use crate::vault;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
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
    WebhookDeactivated,
    WebhookMissing,
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
}

/// A check that could not be made: never reported as in sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckError {
    pub address: Address,
    pub error: String,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftReport {
    /// Credentials checked against BigCommerce.
    pub checked: usize,
    pub findings: Vec<Finding>,
    pub errors: Vec<CheckError>,
    /// Families no safe request can check, per credential: never counted as a match.
    pub unverifiable: Vec<Unverifiable>,
    /// Credentials with no finding and no error.
    pub in_sync_addresses: Vec<Address>,
}

impl DriftReport {
    pub fn has_drift(&self) -> bool {
        !self.findings.is_empty()
    }
}

pub fn drift(
    config: &Config,
    state: &State,
    files: &BTreeMap<Address, FileStatus>,
    live: &Live,
    now: OffsetDateTime,
) -> DriftReport {
    let observations = &live.accounts;
    let fingerprint = vault::fingerprint(&config.encryption.recipients);
    let declared: BTreeMap<&Address, &ScopeSet> = config.api_accounts().map(|(a, _)| (&a.address, &a.scopes)).collect();
    let tokens: BTreeMap<&Address, u64> =
        config.stores.iter().flat_map(|s| s.storefront_tokens.iter().map(|t| (&t.address, t.rotate_before))).collect();
    let mut report = DriftReport {
        checked: 0,
        findings: Vec::new(),
        errors: Vec::new(),
        unverifiable: Vec::new(),
        in_sync_addresses: Vec::new(),
    };

    for (address, resource) in &state.resources {
        let before = (report.findings.len(), report.errors.len());
        let mut finding = |kind: FindingKind, severity: Severity, detail: String, families: Vec<String>| {
            report.findings.push(Finding { address: address.clone(), finding: kind, severity, detail, families })
        };
        if let Some(secret) = resource.secret() {
            let path = secret.file.display();
            match files.get(address) {
                Some(FileStatus::Missing) => {
                    finding(FindingKind::SecretFileMissing, Severity::Drift, format!("{path} is missing"), vec![])
                }
                Some(FileStatus::Modified) => finding(
                    FindingKind::SecretFileModified,
                    Severity::Drift,
                    format!("{path} does not match the SHA-256 recorded in the state"),
                    vec![],
                ),
                Some(FileStatus::Unreadable(e)) => report
                    .errors
                    .push(CheckError { address: address.clone(), error: format!("cannot read {path}: {e}") }),
                _ if secret.recipients != fingerprint => finding(
                    FindingKind::OutdatedRecipients,
                    Severity::Drift,
                    format!("{path} is encrypted to an outdated recipient set (`bckeys rekey` fixes it)"),
                    vec![],
                ),
                _ => {}
            }
        }
        match resource {
            Resource::StoreApiAccount(record) | Resource::AccountApiAccount(record) => {
                let wanted = declared.get(address).map(|s| (*s).clone()).unwrap_or_else(|| record.scope_set());
                match observations.get(address) {
                    None | Some(Observation::NoSecret) => {}
                    Some(Observation::Failed { error }) | Some(Observation::Unreadable { error }) => {
                        report.errors.push(CheckError { address: address.clone(), error: error.clone() })
                    }
                    Some(Observation::Revoked { message }) => {
                        report.checked += 1;
                        report.findings.push(Finding {
                            address: address.clone(),
                            finding: FindingKind::Revoked,
                            severity: Severity::Drift,
                            detail: format!(
                                "BigCommerce rejects its token (401: {message}): deleted or revoked out of band"
                            ),
                            families: vec![],
                        });
                    }
                    Some(Observation::Alive { families, unverifiable }) => {
                        report.checked += 1;
                        let (excess, missing) = refresh::scope_differences(families, &wanted);
                        let differences = [
                            (excess, FindingKind::ExcessScope, Severity::Security, "granted beyond the configuration"),
                            (missing, FindingKind::MissingScope, Severity::Drift, "not granted although configured"),
                        ];
                        for (families, finding, severity, what) in differences {
                            if families.is_empty() {
                                continue;
                            }
                            let families: Vec<String> = families.iter().map(|f| f.to_string()).collect();
                            report.findings.push(Finding {
                                address: address.clone(),
                                finding,
                                severity,
                                detail: format!("{what}: {}", ui_names(&families)),
                                families,
                            });
                        }
                        let mut list: Vec<UnverifiableFamily> = Vec::new();
                        if matches!(resource, Resource::AccountApiAccount(_)) {
                            list.extend(wanted.iter().map(|(f, _)| UnverifiableFamily {
                                family: f.key.to_owned(),
                                reason: "requests under /accounts are limited to 70 an hour, so only liveness is checked".into(),
                            }));
                        } else {
                            list.extend(
                                unverifiable.iter().filter(|(f, _)| !wanted.levels(f).is_empty()).map(|(f, why)| {
                                    UnverifiableFamily { family: f.to_string(), reason: why.to_string() }
                                }),
                            );
                            if families.values().any(|s| *s == FamilyStatus::Granted) {
                                // Probes prove "at least read-only"; say so where modify was asked.
                                list.extend(
                                    wanted
                                        .iter()
                                        .filter(|(f, levels)| {
                                            probes::probe_for(f.key).is_some()
                                                && families.get(f.key) == Some(&FamilyStatus::Granted)
                                                && levels.iter().any(|l| *l != "read-only")
                                        })
                                        .map(|(f, _)| UnverifiableFamily {
                                            family: format!("{} (level)", f.key),
                                            reason: "granted, but no safe request tells read-only from modify".into(),
                                        }),
                                );
                            }
                        }
                        if !list.is_empty() {
                            report.unverifiable.push(Unverifiable { address: address.clone(), families: list });
                        }
                    }
                }
            }
            Resource::StorefrontToken(record) => {
                {
                    let expires = record.expires_at.time();
                    let window = tokens.get(address).copied().unwrap_or(0);
                    let window = time::Duration::seconds(i64::try_from(window).unwrap_or(i64::MAX));
                    if expires <= now {
                        finding(
                            FindingKind::TokenExpired,
                            Severity::Drift,
                            format!("expired on {}", expires.date()),
                            vec![],
                        );
                    } else if expires - window <= now {
                        finding(
                            FindingKind::TokenExpiring,
                            Severity::Drift,
                            format!("expires on {}, inside its rotation window", expires.date()),
                            vec![],
                        );
                    }
                }
            }
            Resource::Webhook(w) => match live.hooks.get(address) {
                Some(HookStatus::Deactivated) => finding(
                    FindingKind::WebhookDeactivated,
                    Severity::Drift,
                    format!("BigCommerce deactivated webhook {} (failed deliveries or 90 days without events); apply reactivates it", w.id),
                    vec![],
                ),
                Some(HookStatus::Missing) => finding(
                    FindingKind::WebhookMissing,
                    Severity::Drift,
                    format!("webhook {} is gone from BigCommerce; apply creates it again", w.id),
                    vec![],
                ),
                // A revoked account's own finding covers its webhooks (BigCommerce drops them).
                Some(HookStatus::Unchecked)
                    if address.owner().is_some_and(|o| matches!(observations.get(&o), Some(Observation::Revoked { .. }))) => {}
                Some(HookStatus::Unchecked) => report.errors.push(CheckError {
                    address: address.clone(),
                    error: format!("webhook {} could not be checked: its API account's webhooks could not be listed", w.id),
                }),
                Some(HookStatus::Inactive) if w.active => finding(
                    FindingKind::WebhookDeactivated,
                    Severity::Drift,
                    format!("webhook {} is inactive at BigCommerce; apply activates it", w.id),
                    vec![],
                ),
                _ => {}
            },
        }
        let checked_ok =
            !matches!(observations.get(address), Some(Observation::Failed { .. } | Observation::Unreadable { .. }));
        if (report.findings.len(), report.errors.len()) == before && checked_ok {
            report.in_sync_addresses.push(address.clone());
        }
    }
    report.findings.sort_by(|a, b| a.address.cmp(&b.address).then(a.finding.cmp(&b.finding)));
    report
}

fn ui_names(families: &[String]) -> String {
    families
        .iter()
        .map(|f| scopes::family(f).map(|x| format!("{f} ({})", x.ui)).unwrap_or_else(|| f.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{SecretRecord, WebhookRecord};

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
                secret: SecretRecord::encrypted_to(account.secret_path(), &recipients, "0".repeat(64)),
                store_hash: Some("abc".into()),
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

    fn alive() -> Observation {
        Observation::Alive { families: [("orders", FamilyStatus::Granted)].into(), unverifiable: vec![] }
    }

    #[test]
    fn an_unlisted_webhook_is_an_error_never_in_sync() {
        let (config, state, account, hook) = setup();
        let live = Live {
            accounts: [(account.clone(), alive())].into(),
            hooks: [(hook.clone(), HookStatus::Unchecked)].into(),
        };
        let report = drift(&config, &state, &BTreeMap::new(), &live, OffsetDateTime::now_utc());
        assert_eq!(report.errors.len(), 1, "{report:?}");
        assert!(!report.in_sync_addresses.contains(&hook));
        assert!(report.in_sync_addresses.contains(&account));

        // When the account itself is revoked, its finding covers the webhook.
        let revoked = Observation::Revoked { message: "no".into() };
        let live =
            Live { accounts: [(account.clone(), revoked)].into(), hooks: [(hook, HookStatus::Unchecked)].into() };
        let report = drift(&config, &state, &BTreeMap::new(), &live, OffsetDateTime::now_utc());
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
            let live = Live { accounts: [(account.clone(), alive())].into(), hooks: [(hook.clone(), status)].into() };
            let report = drift(&config, &state, &BTreeMap::new(), &live, OffsetDateTime::now_utc());
            assert_eq!(report.findings.len(), 1, "{report:?}");
            assert_eq!(report.findings[0].finding, kind);
            assert!(report.has_drift());
        }
    }
}
