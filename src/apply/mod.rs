//! Apply: carry out a plan. API accounts are created and deleted by a person following guided
//! steps (or by the sandbox's simulated control panel), every credential is proven against
//! BigCommerce and written encrypted before the state records it, a replacement creates the new
//! account before the old one is deleted, and a deletion is done only once BigCommerce rejects
//! the old token. Whatever is interrupted, the next plan shows what is left.

mod create;
mod delete;
pub mod guide;
mod moves;
pub mod record;
mod resources;
mod shared;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::address::Address;
use crate::bigcommerce::panel::Panel;
use crate::bigcommerce::Client;
use crate::config::Config;
use crate::credentials::ApiTarget;
use crate::error::Error;
use crate::plan::{Op, Plan, Step, Work};
use crate::state::{ApiAccountRecord, Resource, SecretRecord, State};
use crate::vault::{self, Credential, Identities};

/// What a person answers when the granted scopes differ from the declared ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Give other credentials (after fixing the account in the control panel).
    Retry,
    /// Record what BigCommerce granted; the next plan shows the difference.
    Accept,
    /// Stop the apply here.
    Abort,
}

/// The person at the control panel, as the apply sees them. Only the CLI implements it: the
/// core never reads or writes the terminal.
pub trait Person {
    fn say(&mut self, text: &str);
    /// Credentials text, pasted or read from the file whose path was typed; `None` to give up.
    fn credentials(&mut self, address: &Address) -> Option<Zeroizing<String>>;
    fn on_mismatch(&mut self, address: &Address, differences: &str) -> Choice;
    /// A yes/no question; only "yes" is yes.
    fn confirm(&mut self, question: &str) -> bool;
    /// Called while waiting for BigCommerce to reject a deleted account's token.
    fn waiting(&mut self, address: &Address, left: Duration);
}

pub struct Options {
    /// Credentials files given with `--credentials ADDRESS=FILE`.
    pub credentials: BTreeMap<Address, PathBuf>,
    /// How long a guided deletion is waited for.
    pub delete_timeout: Duration,
    pub poll_interval: Duration,
}

/// A step left to a person.
#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    pub address: Address,
    pub action: Op,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub previous: bool,
    pub reason: String,
    pub steps: Vec<String>,
}

/// A secret file apply re-encrypted, with what a removed recipient could read of it.
#[derive(Debug, Clone, Serialize)]
pub struct Rekeyed {
    pub address: Address,
    #[serde(flatten)]
    pub exposure: crate::exposure::Exposure,
}

#[derive(Debug, Default, Serialize)]
pub struct ApplyReport {
    /// Secret files re-encrypted, with their exposure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rekeyed: Vec<Rekeyed>,
    pub done: Vec<String>,
    pub pending: Vec<Pending>,
    /// Automated steps that BigCommerce refused or that could not be carried out.
    pub failed: Vec<Pending>,
    /// Findings the plan listed for a person to look into.
    pub review: Vec<String>,
    pub aborted: bool,
    /// The state file was written: it (and secrets/) should be committed.
    pub state_changed: bool,
}

/// What every store's steps share.
pub struct Context<'a> {
    pub config: &'a Config,
    pub identities: Option<&'a Identities>,
    pub client: &'a Client,
    pub rt: &'a tokio::runtime::Runtime,
    pub panel: Option<&'a Panel>,
    pub options: Options,
    /// Stores whose steps are all automated that are applied at once.
    pub concurrency: usize,
}

/// At most this many stores are applied at once, whatever `--concurrency` says: each waits on
/// its own store's rate limit, and a thread each is plenty.
const MAX_AT_ONCE: usize = 64;

/// Carries the plan out. Each store's (and each account's) steps run one after another in the
/// order of `Step::order`, so that nothing is removed before what replaces it exists; stores
/// whose steps are all automated run at once (each paced by its own rate limit), then the
/// stores with guided steps, one at a time, with the person.
pub fn run<'p>(
    ctx: &Context,
    state: State,
    state_path: PathBuf,
    mut person: Option<&mut (dyn Person + 'p)>,
    plan: &Plan,
) -> Result<ApplyReport, Error> {
    let shared = shared::SharedState::new(state, state_path);
    let joined = moves::Groups::of(&plan.steps);
    let mut groups: BTreeMap<String, Vec<&Step>> = BTreeMap::new();
    for step in &plan.steps {
        groups.entry(joined.of_address(step.address())).or_default().push(step);
    }
    for steps in groups.values_mut() {
        steps.sort_by_key(|s| s.order());
    }
    let (guided, automated): (Vec<_>, Vec<_>) =
        groups.into_iter().partition(|(_, steps)| steps.iter().any(|s| s.action.mode == crate::plan::Mode::Guided));

    let workers = ctx.concurrency.clamp(1, MAX_AT_ONCE).min(automated.len());
    let queue = std::sync::Mutex::new(automated.into_iter());
    let mut reports: Vec<(String, Result<ApplyReport, Error>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                        let Some((group, steps)) = next else { break };
                        let report = Applier::new(ctx, &shared, &joined, &group, None).run(&steps);
                        out.push((group, report));
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    for (group, steps) in guided {
        let report = Applier::new(ctx, &shared, &joined, &group, person.as_deref_mut()).run(&steps);
        let stop = matches!(&report, Ok(r) if r.aborted) || report.is_err();
        reports.push((group, report));
        if stop {
            break;
        }
    }
    reports.sort_by(|a, b| a.0.cmp(&b.0));
    let mut all = ApplyReport::default();
    for (_, report) in reports {
        all.absorb(report?);
    }
    all.state_changed = shared.wrote();
    Ok(all)
}

impl ApplyReport {
    fn absorb(&mut self, other: ApplyReport) {
        self.rekeyed.extend(other.rekeyed);
        self.done.extend(other.done);
        self.pending.extend(other.pending);
        self.failed.extend(other.failed);
        self.review.extend(other.review);
        self.aborted |= other.aborted;
    }
}

/// The steps of one store (or account), carried out on its part of the state.
struct Applier<'a, 'p> {
    config: &'a Config,
    state: State,
    shared: &'a shared::SharedState,
    /// The stores (or accounts) this applier works on: `group`, and those a move joins to it.
    joined: &'a moves::Groups,
    group: &'a str,
    identities: Option<&'a Identities>,
    client: &'a Client,
    rt: &'a tokio::runtime::Runtime,
    panel: Option<&'a Panel>,
    person: Option<&'a mut (dyn Person + 'p)>,
    options: &'a Options,
    report: ApplyReport,
    /// Webhooks already moved to a replaced account's successor in this run, with how.
    moved: BTreeMap<Address, Outcome>,
}

/// How one step ended: exactly one of these per step, and per follow-up (the deletion of what a
/// replacement replaced).
#[derive(Debug)]
pub enum Outcome {
    Done(String),
    /// Left to a person, with the steps to follow.
    Left {
        reason: String,
        steps: Vec<String>,
    },
    /// An automated step that BigCommerce refused or that could not be carried out.
    Failed(String),
    /// A finding for a person to look into.
    Review(String),
    /// The person stopped the apply here.
    Aborted,
}

impl<'a, 'p> Applier<'a, 'p> {
    fn new(
        ctx: &'a Context<'a>,
        shared: &'a shared::SharedState,
        joined: &'a moves::Groups,
        group: &'a str,
        person: Option<&'a mut (dyn Person + 'p)>,
    ) -> Applier<'a, 'p> {
        Applier {
            config: ctx.config,
            state: shared.part(|a| joined.of_address(a) == group),
            shared,
            joined,
            group,
            identities: ctx.identities,
            client: ctx.client,
            rt: ctx.rt,
            panel: ctx.panel,
            person,
            options: &ctx.options,
            report: ApplyReport::default(),
            moved: BTreeMap::new(),
        }
    }

    /// Saves this group's part of the state into the state file.
    fn save(&mut self) -> Result<(), Error> {
        let (joined, group) = (self.joined, self.group);
        self.shared.save(|a| joined.of_address(a) == group, &self.state)
    }

    fn run(mut self, steps: &[&Step]) -> Result<ApplyReport, Error> {
        for step in steps {
            let address = step.address();
            let outcome = self.one(step)?;
            let done = matches!(outcome, Outcome::Done(_));
            if !self.note(address, step.action.action, step.action.previous, outcome) {
                break;
            }
            if done {
                if let Some(outcome) = self.follow_up(step)? {
                    if !self.note(address, Op::Delete, true, outcome) {
                        break;
                    }
                }
            }
        }
        Ok(self.report)
    }

    fn one(&mut self, step: &Step) -> Result<Outcome, Error> {
        let address = step.address();
        let recorded = self.state.resources.contains_key(address);
        let retiring = self.state.retiring.contains_key(address);
        Ok(match &step.work {
            Work::Move { from } => self.move_record(address, from)?,
            // Two replacements of one address can't overlap: the earlier one's previous account
            // is deleted first (its step comes first).
            Work::CreateAccount { replacing: true, .. } | Work::CreateToken { replacing: true, .. }
                if retiring && recorded =>
            {
                Outcome::Left {
                    reason: "the previous replacement is not finished: the account before this one must be deleted first (see the other step for this address)".into(),
                    steps: vec![],
                }
            }
            Work::CreateAccount { account, target, replacing, overlap } => {
                self.create(address, account, target, replacing.then_some(*overlap))?
            }
            Work::DeleteAccount { previous } => self.delete(address, *previous)?,
            Work::Rekey => self.rekey(address)?,
            Work::Review => Outcome::Review(format!("{address}: {}", step.action.reason)),
            Work::CreateToken { token, store_hash, replacing, overlap } => {
                self.token_create(address, token, store_hash, replacing.then_some(*overlap))?
            }
            Work::RevokeToken { previous } => self.token_revoke(address, *previous)?,
            Work::PutWebhook { hook, store_hash, update, regenerate } => match self.moved.remove(address) {
                // Its account's replacement already moved it.
                Some(outcome) => outcome,
                None => self.webhook_put(address, hook, store_hash, *update, *regenerate)?,
            },
            Work::DeleteWebhook => self.webhook_delete(address)?,
            Work::PruneWebhook { store_hash, id } => self.webhook_prune(address, store_hash, *id)?,
        })
    }

    /// What a finished replacement leaves to do: the previous account goes (its webhooks moved
    /// to the new one first), the previous token is revoked.
    fn follow_up(&mut self, step: &Step) -> Result<Option<Outcome>, Error> {
        let address = step.address();
        if !self.state.retiring.contains_key(address) || !self.state.resources.contains_key(address) {
            return Ok(None);
        }
        Ok(match &step.work {
            Work::CreateAccount { account, target, replacing: true, .. } => {
                if let ApiTarget::Store(store_hash) = target {
                    self.move_webhooks(address, &account.webhooks, store_hash)?;
                }
                match self.defer(address)? {
                    Some(deferred) => Some(deferred),
                    None => Some(self.delete(address, true)?),
                }
            }
            Work::CreateToken { replacing: true, .. } => match self.defer(address)? {
                Some(deferred) => Some(deferred),
                None => Some(self.token_revoke(address, true)?),
            },
            _ => None,
        })
    }

    /// Leaves the previous credential of `address` in place while its overlap lasts (its end
    /// was recorded when it moved aside), so that what uses it can move to the new one; `None`
    /// when it goes now (no overlap, or one already over).
    fn defer(&mut self, address: &Address) -> Result<Option<Outcome>, Error> {
        let Some(previous) = self.state.retiring.get(address) else { return Ok(None) };
        let (what, then) = match previous {
            Resource::StorefrontToken(_) => ("the previous token stays valid", "revokes it"),
            _ => ("the previous account stays", "asks for its deletion"),
        };
        let now = time::OffsetDateTime::now_utc();
        let Some(until) = previous.retire_after().filter(|u| u.time() > now) else { return Ok(None) };
        Ok(Some(Outcome::Done(format!(
            "{address}: {what} until {until} (its overlap); reveal and exec hand out the new one; the first apply after that {then}"
        ))))
    }

    /// Files one outcome in the report; `false` when the apply stops here.
    fn note(&mut self, address: &Address, action: Op, previous: bool, outcome: Outcome) -> bool {
        let pending = |reason, steps| Pending { address: address.clone(), action, previous, reason, steps };
        match outcome {
            Outcome::Done(text) => self.report.done.push(text),
            Outcome::Left { reason, steps } => self.report.pending.push(pending(reason, steps)),
            Outcome::Failed(reason) => self.report.failed.push(pending(reason, vec![])),
            Outcome::Review(text) => self.report.review.push(text),
            Outcome::Aborted => {
                self.report.aborted = true;
                return false;
            }
        }
        true
    }

    fn say(&mut self, text: &str) {
        if let Some(p) = self.person.as_deref_mut() {
            p.say(text);
        }
    }

    /// Moves the current record and its credential aside as the previous account of `address`,
    /// so that the new one can be recorded while the old one waits for deletion. The credential
    /// is copied first and the state saved second: a crash between leaves only a spare file.
    ///
    /// The end of its `overlap` is recorded in the same save, so that a run stopped before the
    /// follow-up still keeps it for the overlap.
    fn retire(&mut self, address: &Address, overlap: crate::config::Overlap) -> Result<(), Error> {
        let Some(mut resource) = self.state.resources.get(address).cloned() else { return Ok(()) };
        let now = time::OffsetDateTime::now_utc();
        match &mut resource {
            Resource::StorefrontToken(t) => {
                t.retire_after = overlap.end(now, Some(t.expires_at.time())).map(crate::timestamp::Timestamp::from)
            }
            Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => {
                r.retire_after = overlap.end(now, None).map(crate::timestamp::Timestamp::from)
            }
            Resource::Webhook(_) => {}
        }
        // The new credential goes where this one is: a link there is refused before anything
        // moves, and the old file is copied only once it is proven to be the recorded one.
        let current = address.secret_path();
        crate::fsutil::refuse_links(&self.config.dir, &self.config.dir.join(&current)).map_err(|error| Error::Io {
            what: "cannot write",
            path: current,
            error,
        })?;
        let secret = match &mut resource {
            Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => Some(&mut r.secret),
            Resource::StorefrontToken(t) => Some(&mut t.secret),
            Resource::Webhook(_) => None,
        };
        if let Some(secret) = secret {
            let to_rel = address.retiring_secret_path();
            match vault::read_recorded(&self.config.dir, secret, address) {
                Ok(bytes) => {
                    crate::fsutil::write_inside(&self.config.dir, &self.config.dir.join(&to_rel), &bytes, true)
                        .map_err(|error| Error::Io { what: "cannot write", path: to_rel.clone(), error })?
                }
                // A lost file is already a finding of its own; the record still moves aside.
                Err(vault::OpenError::Missing { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            secret.file = to_rel;
        }
        self.state.resources.remove(address);
        self.state.retiring.insert(address.clone(), resource);
        self.save()?;
        Ok(())
    }

    /// The access token of a record; `Ok(None)` when its file is gone.
    fn token(&self, address: &Address, record: &ApiAccountRecord) -> Result<Option<SecretString>, String> {
        Ok(self.open(address, &record.secret)?.and_then(Credential::into_token))
    }

    /// A recorded credential, from a file proven to be the recorded one; `Ok(None)` when the
    /// file is gone. The client is told of its secrets, so that no answer can show them.
    fn open(&self, address: &Address, secret: &SecretRecord) -> Result<Option<Credential>, String> {
        let identities = self.identities.ok_or("an identity is needed to read its credential")?;
        match vault::open_recorded(&self.config.dir, secret, address, identities) {
            Ok(credential) => {
                self.client.hold_credential(&credential);
                Ok(Some(credential))
            }
            Err(vault::OpenError::Missing { .. }) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    /// A secret file written again under a new reader set (a move, new header values): what a
    /// reader it no longer has could read is reported as a rekey's would be.
    fn note_rewrite(
        &mut self,
        address: &Address,
        before: &crate::state::SecretRecord,
        after: &crate::state::SecretRecord,
    ) {
        let exposure = crate::exposure::exposure_of(before, &after.readers);
        if matches!(exposure, crate::exposure::Exposure::Removed(_)) {
            self.report.rekeyed.push(Rekeyed { address: address.clone(), exposure });
        }
    }

    /// Re-encrypts one secret file to the configured recipients, as `bckeys rekey` does (after
    /// checking it against its record), and reports what a removed recipient could read.
    fn rekey(&mut self, address: &Address) -> Result<Outcome, Error> {
        let Some(secret) = self.state.resources.get(address).and_then(Resource::secret).cloned() else {
            return Ok(Outcome::Failed("the state records no secret file for it".into()));
        };
        let identities = self.identities.ok_or(crate::vault::IdentityError::Missing)?;
        let item =
            crate::rekey::Outdated { section: crate::rekey::Section::Resources, address: address.clone(), secret };
        // A file this identity can't open fails this step, not the whole apply's report.
        let ready = match crate::rekey::prepare(&self.config.dir, &item, identities) {
            Ok(ready) => ready,
            Err(e) => return Ok(Outcome::Failed(e.to_string())),
        };
        let done = crate::rekey::reencrypt(
            &self.config.dir,
            &mut self.state,
            ready,
            &self.config.recipients_for(address),
            self.config.encryption.armor,
        )?;
        self.save()?;
        self.say(&format!("Re-encrypted {} to the configured recipients.\n", address));
        self.report.rekeyed.push(Rekeyed { address: address.clone(), exposure: done.exposure });
        Ok(Outcome::Done(format!("rekeyed {address}")))
    }
}
