//! Refresh: what BigCommerce shows of each recorded credential. One safe read per probe-able
//! scope family (the first one also says whether the token is alive), never a write. Stores run
//! concurrently; within a store requests run one after another, paced by its rate-limit headers.

use std::collections::BTreeMap;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::address::Address;
use crate::bigcommerce::resources::{HeaderDigest, Hook};
use crate::bigcommerce::{probes, ApiError, Client, StoreRequest, Verdict};
use crate::config::Config;
use crate::credentials::ApiTarget;
use crate::state::{Resource, SecretRecord, State, WebhookRecord};
use crate::vault::{self, Identities};

/// What the probes said of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyStatus {
    /// 2xx to the read probe: at least the read-only level; which level, no read tells.
    Granted,
    /// The read was granted and the write probe refused for scope (403): read-only.
    ReadOnly,
    /// The write probe reached BigCommerce's validation (400, 422): modify.
    Modify,
    /// 403 to the read probe (or, for a family without one, to the write probe).
    NotGranted,
}

impl FamilyStatus {
    pub fn granted(self) -> bool {
        self != FamilyStatus::NotGranted
    }
}

/// What BigCommerce showed of one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// BigCommerce rejects the token (401).
    Revoked { message: String },
    /// The token works; probed families, the ones no probe can check, and the granted families
    /// whose write probe could not tell their level this time (with why).
    Alive {
        families: BTreeMap<&'static str, FamilyStatus>,
        unverifiable: Vec<(&'static str, &'static str)>,
        levels_unproven: Vec<(&'static str, &'static str)>,
    },
    /// The check could not be made (network failure after retries, unexpected answer).
    Failed { error: String },
    /// The secret could not be decrypted, so nothing could be asked.
    Unreadable { error: String },
    /// The secret file is missing or not the recorded one; the plan and drift report that on
    /// their own, and nothing is asked with what it holds.
    NoSecret,
}

impl Observation {
    /// A live credential that nothing was asked of beyond liveness (account-level ones).
    fn alive() -> Observation {
        Observation::Alive { families: BTreeMap::new(), unverifiable: Vec::new(), levels_unproven: Vec::new() }
    }
}

/// Families granted beyond what `wanted` declares (or at a level above it: modify where only
/// read-only is declared), and families `wanted` grants that are not granted (or only at
/// read-only where modify is declared): what drift reports, what the plan replaces an account
/// for, what import names.
pub fn scope_differences(
    families: &BTreeMap<&'static str, FamilyStatus>,
    wanted: &crate::scope_set::ScopeSet,
) -> (Vec<&'static str>, Vec<&'static str>) {
    let mut excess = Vec::new();
    let mut missing = Vec::new();
    for (family, status) in families {
        let levels = wanted.levels(family);
        let declared = !levels.is_empty();
        let modify = levels.contains(&"modify");
        match status {
            s if s.granted() && !declared => excess.push(*family),
            FamilyStatus::Modify if !modify && levels.contains(&"read-only") => excess.push(*family),
            FamilyStatus::NotGranted if declared => missing.push(*family),
            FamilyStatus::ReadOnly if modify => missing.push(*family),
            _ => {}
        }
    }
    (excess, missing)
}

/// Checks that could not be made: a plan made from them can't be trusted.
#[derive(Debug, thiserror::Error)]
#[error("could not check {} credential(s), so no plan can be trusted:\n  {}", .0.len(), .0.join("\n  "))]
pub struct Unchecked(pub Vec<String>);

impl Unchecked {
    pub fn hint(&self) -> &'static str {
        "fix the cause and plan again, or plan from the state alone with --refresh=false"
    }
}

/// Refuses observations of which any check failed, naming each.
pub fn refuse_failed(observations: &crate::observe::Observations) -> Result<(), Unchecked> {
    let Some(live) = &observations.live else { return Ok(()) };
    let failed: Vec<String> = live
        .accounts
        .iter()
        .filter_map(|(address, o)| match o {
            Observation::Failed { error } | Observation::Unreadable { error } => Some(format!("{address}: {error}")),
            _ => None,
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Unchecked(failed))
    }
}

/// One recorded credential to check; its secret is decrypted by the task that checks it, so
/// decryption overlaps with other stores' network waits.
struct Job {
    address: Address,
    target: ApiTarget,
    secret: SecretRecord,
    /// The account's recorded webhooks that have generated header values, with their files.
    header_files: Vec<(Address, SecretRecord)>,
}

/// The digests of a webhook's generated header values, by header name, or why they could not be
/// read.
pub type GeneratedHeaders = Result<BTreeMap<String, HeaderDigest>, String>;

/// How a refresh asks.
#[derive(Debug, Clone, Copy)]
pub struct Refresh {
    /// Stores checked at once.
    pub concurrency: usize,
    /// Also send the write probes (`--probe-writes`), which tell read-only from modify.
    pub probe_writes: bool,
}

/// What one refresh saw: each credential's observation, and each live store-level account's
/// webhooks as BigCommerce lists them.
#[derive(Debug, Default)]
pub struct Checked {
    pub accounts: BTreeMap<Address, Observation>,
    /// Each alive store-level account's webhooks, or why they could not be listed.
    pub listings: BTreeMap<Address, Result<Vec<Hook>, String>>,
    /// The digests of each recorded webhook's generated header values, or why they could not
    /// be read.
    pub generated: BTreeMap<Address, GeneratedHeaders>,
}

/// What checking one credential gave.
struct JobResult {
    address: Address,
    observation: Observation,
    listing: Option<Result<Vec<Hook>, String>>,
    generated: Vec<(Address, GeneratedHeaders)>,
}

/// Checks every recorded API account and lists each live store-level account's webhooks (one
/// paged request: the only way to see webhooks added or changed behind bckeys' back).
/// `progress` is called with (done, total) as credentials are checked; the caller decides
/// whether to draw anything.
pub async fn refresh(
    config: &Config,
    state: &State,
    identities: Arc<Identities>,
    client: Arc<Client>,
    how: Refresh,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> Checked {
    let Refresh { concurrency, probe_writes: writes } = how;
    let mut header_files: BTreeMap<Address, Vec<(Address, SecretRecord)>> = BTreeMap::new();
    for (address, resource) in &state.resources {
        if let (Resource::Webhook(WebhookRecord { secret: Some(secret), .. }), Some(owner)) =
            (resource, address.owner())
        {
            header_files.entry(owner).or_default().push((address.clone(), secret.clone()));
        }
    }
    let mut groups: BTreeMap<String, Vec<Job>> = BTreeMap::new();
    for (address, resource) in &state.resources {
        let (Resource::StoreApiAccount(record) | Resource::AccountApiAccount(record)) = resource else {
            continue;
        };
        let Some(target) = record.target() else { continue };
        groups.entry(target.to_string()).or_default().push(Job {
            address: address.clone(),
            target,
            secret: record.secret.clone(),
            header_files: header_files.remove(address).unwrap_or_default(),
        });
    }

    let total: usize = groups.values().map(Vec::len).sum();
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    progress(0, total);
    let limit = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (_, jobs) in groups {
        let (client, identities, limit, done, progress) =
            (client.clone(), identities.clone(), limit.clone(), done.clone(), progress.clone());
        let root = config.dir.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let mut out = Vec::with_capacity(jobs.len());
            for job in jobs {
                out.push(check_job(&root, job, &identities, &client, writes).await);
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(n, total);
            }
            out
        });
    }
    let mut checked = Checked::default();
    while let Some(result) = tasks.join_next().await {
        // A task only panics on a bug; its credentials then stay unchecked and say so.
        for r in result.into_iter().flatten() {
            checked.accounts.insert(r.address.clone(), r.observation);
            if let Some(listing) = r.listing {
                checked.listings.insert(r.address, listing);
            }
            checked.generated.extend(r.generated);
        }
    }
    for (address, resource) in &state.resources {
        if resource.is_api_account() && !checked.accounts.contains_key(address) {
            checked
                .accounts
                .insert(address.clone(), Observation::Failed { error: "the check stopped unexpectedly".into() });
        }
    }
    checked
}

async fn check_job(
    root: &std::path::Path,
    job: Job,
    identities: &Identities,
    client: &Client,
    writes: bool,
) -> JobResult {
    let token = match token_of(root, &job.secret, &job.address, identities, client) {
        Ok(Some(token)) => token,
        Ok(None) => return JobResult::of(job.address, Observation::NoSecret),
        Err(error) => return JobResult::of(job.address, Observation::Unreadable { error }),
    };
    let observation = check(client, &job.target, &token, writes).await;
    let ApiTarget::Store(store_hash) = &job.target else { return JobResult::of(job.address, observation) };
    if !matches!(observation, Observation::Alive { .. }) {
        return JobResult::of(job.address, observation);
    }
    // The header values are read first, so that the client scrubs them from any answer.
    let generated = job
        .header_files
        .iter()
        .filter_map(|(address, secret)| {
            let digests = match vault::open_recorded(root, secret, address, identities) {
                Ok(credential) => {
                    client.hold_credential(&credential);
                    Ok(credential
                        .into_headers()
                        .iter()
                        .map(|(k, v)| (k.clone(), HeaderDigest::of(v.expose_secret())))
                        .collect())
                }
                // A missing or changed file is a finding of its own; the names are still compared.
                Err(vault::OpenError::Missing { .. } | vault::OpenError::Modified { .. }) => return None,
                Err(e) => Err(e.to_string()),
            };
            Some((address.clone(), digests))
        })
        .collect();
    let listing =
        crate::bigcommerce::resources::list_hooks(client, store_hash, &token).await.map_err(|e| e.to_string());
    JobResult { address: job.address, observation, listing: Some(listing), generated }
}

impl JobResult {
    fn of(address: Address, observation: Observation) -> Self {
        JobResult { address, observation, listing: None, generated: Vec::new() }
    }
}

/// The access token of a recorded secret file, once the file is proven to be the recorded one;
/// `None` when the file is missing (the plan and drift report that on their own). The client
/// is told of every secret in it, so that no answer can bring one into a message.
fn token_of(
    root: &std::path::Path,
    secret: &SecretRecord,
    address: &Address,
    identities: &Identities,
    client: &Client,
) -> Result<Option<SecretString>, String> {
    match vault::open_recorded(root, secret, address, identities) {
        Ok(credential) => {
            client.hold_credential(&credential);
            Ok(credential.into_token())
        }
        // A missing or changed file is a finding of its own (see `observe`); a changed one is
        // never used.
        Err(vault::OpenError::Missing { .. } | vault::OpenError::Modified { .. }) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Checks one credential: liveness, then (store-level) one read probe per probe-able family,
/// and with `writes` one write probe per family whose levels no read tells apart.
pub async fn check(client: &Client, target: &ApiTarget, token: &SecretString, writes: bool) -> Observation {
    match check_inner(client, target, token, writes).await {
        Ok(o) => o,
        Err(e) => Observation::Failed { error: e.to_string() },
    }
}

async fn check_inner(
    client: &Client,
    target: &ApiTarget,
    token: &SecretString,
    writes: bool,
) -> Result<Observation, ApiError> {
    let store_hash = match target {
        ApiTarget::Account(uuid) => {
            return Ok(match client.account_alive(uuid, token).await? {
                Verdict::Allowed(_) => Observation::alive(),
                Verdict::Unauthorized(message) => Observation::Revoked { message },
                other => Observation::Failed { error: unexpected("POST /accounts/{uuid}/graphql", &other) },
            });
        }
        ApiTarget::Store(h) => h,
    };
    // No request of its own for liveness: any probe's 2xx or 403 says the token is alive (a
    // dead one gets 401), so the first probe answers it, one request less per credential.
    let mut families = BTreeMap::new();
    for probe in probes::PROBES {
        let status = match client.store_get(store_hash, token, probe.path, probe.query).await? {
            Verdict::Allowed(_) => FamilyStatus::Granted,
            Verdict::Forbidden(_) => FamilyStatus::NotGranted,
            // Revoked (or revoked between two requests): stop probing a dead token.
            Verdict::Unauthorized(message) => return Ok(Observation::Revoked { message }),
            other => return Ok(Observation::Failed { error: unexpected(probe.path, &other) }),
        };
        families.insert(probe.family, status);
    }
    let mut unverifiable = probes::UNVERIFIABLE.to_vec();
    let mut levels_unproven = Vec::new();
    if writes {
        for probe in probes::WRITE_PROBES {
            // Never to a token without the family's read level: it would only be refused.
            let read = families.get(probe.family).copied();
            if read.is_some_and(|s| !s.granted()) {
                continue;
            }
            let verdict = write_probe(client, store_hash, token, probe).await?;
            let status = match (verdict, read) {
                (WriteVerdict::Refused, Some(_)) => FamilyStatus::ReadOnly,
                (WriteVerdict::Refused, None) => FamilyStatus::NotGranted,
                (WriteVerdict::Validated, _) => FamilyStatus::Modify,
                (WriteVerdict::Revoked(message), _) => return Ok(Observation::Revoked { message }),
                (WriteVerdict::Unproven(why), _) => {
                    levels_unproven.push((probe.family, why));
                    continue;
                }
                (WriteVerdict::Accepted(status), _) => {
                    let error = format!(
                        "{} {}: BigCommerce accepted a write probe it must refuse ({status}); bckeys stopped probing this credential: look at the store, and report it",
                        probe.method, probe.path
                    );
                    return Ok(Observation::Failed { error });
                }
            };
            families.insert(probe.family, status);
            unverifiable.retain(|(f, _)| *f != probe.family);
        }
    }
    Ok(Observation::Alive { families, unverifiable, levels_unproven })
}

/// What one write probe's answer says.
enum WriteVerdict {
    /// 403: not granted at modify.
    Refused,
    /// 400 or 422: it passed the scope check.
    Validated,
    Revoked(String),
    /// An answer that tells nothing about the level, and why.
    Unproven(&'static str),
    /// 2xx: it must never happen.
    Accepted(u16),
}

async fn write_probe(
    client: &Client,
    store_hash: &str,
    token: &SecretString,
    probe: &probes::WriteProbe,
) -> Result<WriteVerdict, ApiError> {
    let method = reqwest::Method::from_bytes(probe.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let body: serde_json::Value = serde_json::from_str(probe.body).unwrap_or_default();
    let request = StoreRequest { body: Some(body), ..StoreRequest::new(method, probe.path) };
    Ok(match client.store_request(store_hash, token, request).await? {
        Verdict::Forbidden(_) => WriteVerdict::Refused,
        Verdict::Unauthorized(message) => WriteVerdict::Revoked(message),
        Verdict::Rejected(400 | 422, _) => WriteVerdict::Validated,
        // A 404 may come before the scope check (a route a store lacks, an ID that can't
        // exist): it proves nothing.
        Verdict::NotFound(_) if probe.id_bound => {
            WriteVerdict::Unproven("its write probe names an ID that can't exist, and BigCommerce answered 404, which it may give before it checks scopes")
        }
        Verdict::NotFound(_) => WriteVerdict::Unproven(
            "its write probe got 404 (the route may not exist on this store), which BigCommerce may give before it checks scopes",
        ),
        Verdict::Rejected(..) => WriteVerdict::Unproven("its write probe got an answer that tells nothing of the level"),
        Verdict::Allowed(_) => WriteVerdict::Accepted(200),
    })
}

fn unexpected(route: &str, verdict: &Verdict) -> String {
    match verdict {
        Verdict::NotFound(m) => format!("{route}: BigCommerce answered 404 ({m})"),
        Verdict::Rejected(status, m) => format!("{route}: BigCommerce answered {status} ({m})"),
        Verdict::Forbidden(m) => format!("{route}: BigCommerce answered 403 ({m})"),
        Verdict::Unauthorized(m) => format!("{route}: BigCommerce answered 401 ({m})"),
        Verdict::Allowed(_) => format!("{route}: unexpected success"),
    }
}

/// What BigCommerce shows of a recorded webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStatus {
    Active,
    /// `is_active` is false.
    Inactive,
    /// BigCommerce deactivated it after failed deliveries or 90 days idle.
    Deactivated,
    /// Its account's list no longer holds it.
    Missing,
    /// Its account's hooks could not be listed: not checked, never "in sync".
    Unchecked,
}

/// What the webhook lists say of every recorded webhook. Webhooks whose account's list can't be
/// had are `Unchecked`; the account's own observation (or `errors`) says why.
pub fn hook_observations(state: &State, checked: &Checked) -> HookObservations {
    let mut out = HookObservations::default();
    for (owner, listing) in &checked.listings {
        match listing {
            Ok(hooks) => {
                out.listed.insert(owner.clone(), hooks.clone());
            }
            Err(e) => {
                out.errors.insert(owner.clone(), e.clone());
            }
        }
    }
    for (address, resource) in &state.resources {
        let (Resource::Webhook(w), Some(owner)) = (resource, address.owner()) else { continue };
        let Some(live) = out.listed.get(&owner) else {
            out.statuses.insert(address.clone(), HookStatus::Unchecked);
            continue;
        };
        let status = match live.iter().find(|h| h.id == w.id) {
            None => HookStatus::Missing,
            Some(h) => {
                out.seen.insert(address.clone(), h.clone());
                if h.deactivated() {
                    HookStatus::Deactivated
                } else if !h.is_active {
                    HookStatus::Inactive
                } else {
                    HookStatus::Active
                }
            }
        };
        out.statuses.insert(address.clone(), status);
    }
    out.generated = checked.generated.clone();
    out
}

/// What the webhook lists showed of the recorded webhooks.
#[derive(Debug, Default)]
pub struct HookObservations {
    pub statuses: BTreeMap<Address, HookStatus>,
    /// Why an account's webhooks could not be listed, by account.
    pub errors: BTreeMap<Address, String>,
    /// Each recorded webhook as BigCommerce shows it, where it was found.
    pub seen: BTreeMap<Address, Hook>,
    /// Every webhook of each store-level account whose webhooks could be listed, by account.
    pub listed: BTreeMap<Address, Vec<Hook>>,
    /// The digests of each recorded webhook's generated header values, or why they could not
    /// be read.
    pub generated: BTreeMap<Address, GeneratedHeaders>,
}
