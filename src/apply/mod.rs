//! Apply: carry out a plan. API accounts are created and deleted by a person following guided
//! steps (or by the sandbox's simulated control panel), every credential is proven against
//! BigCommerce and written encrypted before the state records it, a replacement creates the new
//! account before the old one is deleted, and a deletion is done only once BigCommerce rejects
//! the old token. Whatever is interrupted, the next plan shows what is left.

pub mod guide;
pub mod record;
mod resources;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::address::Address;
use crate::bigcommerce::panel::Panel;
use crate::bigcommerce::{probes, Client, Verdict};
use crate::config::Config;
use crate::credentials::{self, ApiTarget};
use crate::error::Error;
use crate::plan::{Action, Op, Plan, ResourceType};
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
}

pub struct Applier<'a> {
    pub config: &'a Config,
    pub state: State,
    pub state_path: PathBuf,
    pub identities: Option<&'a Identities>,
    pub client: &'a Client,
    pub rt: &'a tokio::runtime::Runtime,
    pub panel: Option<&'a Panel>,
    pub person: Option<&'a mut dyn Person>,
    pub options: Options,
    pub report: ApplyReport,
    /// Webhooks already moved to a replaced account's successor in this run.
    pub moved: std::collections::BTreeSet<Address>,
}

struct Aborted;

impl Applier<'_> {
    /// Carries the plan out: creations and replacements first, then re-encryptions, then
    /// deletions, so that nothing is removed before what replaces it exists.
    pub fn run(mut self, plan: &Plan) -> Result<ApplyReport, Error> {
        // Accounts first (tokens and webhooks need their credentials), deletions last, and an
        // account's webhooks and tokens gone before the account itself.
        let order = |a: &Action| {
            let account = matches!(a.resource_type, ResourceType::StoreApiAccount | ResourceType::AccountApiAccount);
            match (a.action, account) {
                // A replacement left unfinished is finished first: until its previous account is
                // gone, the next replacement of that address has to wait.
                (Op::Delete, _) if a.previous => 0,
                (Op::Create | Op::Replace, true) => 1,
                (Op::Create | Op::Replace | Op::Update, false) => 2,
                (Op::Rekey, _) | (Op::Update, true) => 3,
                (Op::Delete, false) => 4,
                (Op::Delete, true) => 5,
                (Op::Drift, _) => 6,
            }
        };
        let mut actions: Vec<&Action> = plan.actions.iter().collect();
        actions.sort_by_key(|a| order(a));
        for action in actions {
            match self.one(action) {
                Ok(()) => {}
                Err(Ok(Aborted)) => {
                    self.report.aborted = true;
                    break;
                }
                Err(Err(e)) => return Err(e),
            }
        }
        Ok(self.report)
    }

    fn one(&mut self, action: &Action) -> Result<(), Result<Aborted, Error>> {
        let account = matches!(action.resource_type, ResourceType::StoreApiAccount | ResourceType::AccountApiAccount);
        match (action.action, account) {
            (Op::Create, true) => self.create(action, false),
            (Op::Replace, true) | (Op::Replace, false) if self.state.retiring.contains_key(&action.address) => {
                self.pending(
                    action,
                    "the previous replacement is not finished: the account before this one must be deleted first (see the other step for this address)".into(),
                    vec![],
                );
                Ok(())
            }
            (Op::Replace, true) => {
                self.create(action, true)?;
                if self.state.resources.contains_key(&action.address)
                    && self.state.retiring.contains_key(&action.address)
                {
                    self.move_webhooks(&action.address).map_err(Err)?;
                    self.delete(&action.address, true)?;
                }
                Ok(())
            }
            (Op::Delete, _) if action.previous && !self.state.resources.contains_key(&action.address) => {
                self.pending(
                    action,
                    "its replacement is not recorded yet, so the previous account stays until it is".into(),
                    vec![],
                );
                Ok(())
            }
            (Op::Delete, true) => self.delete(&action.address, action.previous),
            (Op::Rekey, _) => self.rekey(&action.address).map_err(Err),
            (Op::Drift, _) => {
                self.report.review.push(format!("{}: {}", action.address, action.reason));
                Ok(())
            }
            (Op::Create | Op::Replace, false) if action.resource_type == ResourceType::StorefrontToken => {
                self.token_create(action).map_err(Err)
            }
            (Op::Delete, false) if action.resource_type == ResourceType::StorefrontToken => {
                self.token_revoke(&action.address, action.previous).map_err(Err)
            }
            (Op::Create | Op::Replace | Op::Update, false) if self.moved.contains(&action.address) => Ok(()),
            (Op::Create | Op::Replace | Op::Update, false) => self.webhook_put(action).map_err(Err),
            (Op::Delete, false) => self.webhook_delete(&action.address).map_err(Err),
            (Op::Update, true) => Ok(()),
        }
    }

    fn say(&mut self, text: &str) {
        if let Some(p) = self.person.as_deref_mut() {
            p.say(text);
        }
    }

    fn pending(&mut self, action: &Action, reason: String, steps: Vec<String>) {
        self.report.pending.push(Pending {
            address: action.address.clone(),
            action: action.action,
            previous: action.previous,
            reason,
            steps,
        });
    }

    /// Guided creation: steps, credentials (panel, file or person), proof, encryption, record.
    ///
    /// With `replacing`, the current record moves aside as the previous account only once the
    /// new credentials are proven (and kept captured), in the step that records them.
    fn create(&mut self, action: &Action, replacing: bool) -> Result<(), Result<Aborted, Error>> {
        let config = self.config;
        let Some((account, owner)) = config.api_accounts().find(|(a, _)| a.address == action.address) else {
            self.pending(action, "the configuration no longer declares it".into(), vec![]);
            return Ok(());
        };
        let place = owner.target();
        let owner_path = match &place {
            ApiTarget::Store(hash) => format!("stores/{hash}"),
            ApiTarget::Account(uuid) => format!("accounts/{uuid}"),
        };
        let steps = guide::create_steps(&action.address, &account.name, &place, &account.scopes);
        let header = format!("Create {} ({}):\n{}", action.address, action.target, guide::numbered(&steps));

        // Credentials an interrupted apply captured belong to an account that exists: they are
        // used, or the step waits; they are never silently overwritten. Credentials given now
        // with --credentials take their place: the person chose them, and the earlier ones are
        // named so that their account can be deleted if it is another.
        let captured = if self.captured_path(&action.address).exists() {
            match (self.options.credentials.get(&action.address).cloned(), self.captured(&action.address)) {
                (None, Some(text)) => Some(text),
                (Some(given), earlier) => {
                    self.set_aside_capture(&action.address, &given, earlier.as_deref().map(String::as_str));
                    None
                }
                (None, None) => {
                    let path = self.captured_path(&action.address);
                    self.pending(
                        action,
                        format!("credentials captured by an interrupted apply wait in {}: run apply with an identity that decrypts them to resume with them, or give the credentials again with --credentials {}=FILE", path.display(), action.address),
                        steps,
                    );
                    return Ok(());
                }
            }
        } else {
            None
        };
        let (mut text, source, interactive) = if let Some(text) = captured {
            self.say(&format!("Using the credentials of {} that an interrupted apply captured.\n", action.address));
            (text, "the credentials an interrupted apply captured".to_owned(), self.person.is_some())
        } else if let Some(panel) = self.panel {
            self.say(&format!("{header}  (sandbox: the simulated control panel carries these steps out)\n"));
            let parameters = account.scopes.parameters();
            match self.rt.block_on(panel.create(&owner_path, &account.name, &parameters)) {
                Ok(text) => (Zeroizing::new(text), "the simulated control panel".to_owned(), false),
                Err(e) => {
                    self.pending(action, e, steps);
                    return Ok(());
                }
            }
        } else if let Some(path) = self.options.credentials.get(&action.address) {
            match crate::fsutil::read_text_bounded(path, crate::fsutil::MAX_SMALL) {
                Ok(text) => (Zeroizing::new(text), path.display().to_string(), false),
                Err(e) => {
                    self.pending(action, format!("cannot read {}: {e}", path.display()), steps);
                    return Ok(());
                }
            }
        } else if let Some(person) = self.person.as_deref_mut() {
            person.say(&header);
            match person.credentials(&action.address) {
                Some(text) => (text, "the credentials given".to_owned(), true),
                None => return Err(Ok(Aborted)),
            }
        } else {
            self.pending(action, "a person must create it in the control panel".into(), steps);
            return Ok(());
        };

        loop {
            self.capture(&action.address, &text).map_err(Err)?;
            let proven = credentials::parse(&text, &source, self.client.api_base())
                .map_err(|e| format!("{e}"))
                .and_then(|issued| record::prove(self.client, self.rt, issued, account, owner, &source));
            match proven {
                Ok(proven) if proven.matches() => {
                    if replacing {
                        self.retire(&action.address).map_err(Err)?;
                    }
                    record::store(config, &mut self.state, &self.state_path, &action.address, &account.name, proven)
                        .map_err(Err)?;
                    self.release(&action.address);
                    self.say(&format!(
                        "Recorded {}: credentials proven and encrypted to {}.\n",
                        action.address,
                        action.address.secret_path().display()
                    ));
                    self.report.done.push(format!("created {}", action.address));
                    return Ok(());
                }
                Ok(proven) if interactive => {
                    let differences = proven.differences();
                    let person = self.person.as_deref_mut().expect("interactive means a person");
                    match person.on_mismatch(&action.address, &differences) {
                        Choice::Accept => {
                            if replacing {
                                self.retire(&action.address).map_err(Err)?;
                            }
                            record::store(
                                config,
                                &mut self.state,
                                &self.state_path,
                                &action.address,
                                &account.name,
                                proven,
                            )
                            .map_err(Err)?;
                            self.release(&action.address);
                            self.say(&format!("Recorded {} with what BigCommerce granted ({differences}); the next plan shows the difference.\n", action.address));
                            self.report.done.push(format!("created {} (accepted: {differences})", action.address));
                            return Ok(());
                        }
                        Choice::Abort => {
                            self.release(&action.address);
                            let id = proven.issued.client_id.as_deref().unwrap_or("(no client ID given)");
                            self.say(&format!("Delete the API account with client ID {id} in the control panel: bckeys did not record it.\n"));
                            return Err(Ok(Aborted));
                        }
                        Choice::Retry => {
                            // bckeys forgets these credentials: the account they belong to would
                            // otherwise linger at BigCommerce, unrecorded and unseen.
                            let id = proven.issued.client_id.as_deref().unwrap_or("(no client ID given)");
                            self.say(&format!("Delete the API account with client ID {id} in the control panel: it has the wrong scopes, and bckeys will not record it.\n"));
                        }
                    }
                }
                Ok(proven) => {
                    // Wrong scopes can't be fixed on an existing account: these credentials are of
                    // no further use, and their account should go.
                    self.release(&action.address);
                    let id = proven.issued.client_id.as_deref().unwrap_or("(no client ID given)");
                    self.pending(
                        action,
                        format!("the granted scopes differ ({}); nothing was recorded: delete the API account with client ID {id} in the control panel and create it again", proven.differences()),
                        steps,
                    );
                    return Ok(());
                }
                Err(message) if interactive => {
                    self.say(&format!("These credentials can't be used: {message}\n"));
                }
                Err(message) => {
                    // Kept captured: the failure may pass (a network error), and the account exists.
                    self.pending(action, format!("{message}; nothing was recorded"), steps);
                    return Ok(());
                }
            }
            let person = self.person.as_deref_mut().expect("interactive means a person");
            match person.credentials(&action.address) {
                Some(t) => text = t,
                None => {
                    self.release(&action.address);
                    return Err(Ok(Aborted));
                }
            }
        }
    }

    /// Credentials received but not yet recorded are kept encrypted here, so that an apply
    /// killed while proving them resumes with them instead of creating another account.
    fn captured_path(&self, address: &Address) -> PathBuf {
        self.config.dir.join(format!("secrets/{address}.captured.age"))
    }

    fn capture(&self, address: &Address, text: &str) -> Result<(), Error> {
        let recipients = &self.config.encryption.recipients;
        vault::write_file(&self.config.dir, &self.captured_path(address), text.as_bytes(), recipients, true, None)?;
        Ok(())
    }

    fn captured(&self, address: &Address) -> Option<Zeroizing<String>> {
        let plain = vault::read_file(&self.captured_path(address), self.identities?).ok()?;
        String::from_utf8(plain.to_vec()).ok().map(Zeroizing::new)
    }

    /// Drops a parked capture in favour of the credentials file given now. When the two are of
    /// different accounts, the earlier one's client ID is put up for review: that account exists
    /// at BigCommerce and nothing records it.
    fn set_aside_capture(&mut self, address: &Address, given: &std::path::Path, earlier: Option<&str>) {
        let client_id =
            |text: &str| credentials::parse(text, "", self.client.api_base()).ok().and_then(|c| c.client_id);
        let now = crate::fsutil::read_text_bounded(given, crate::fsutil::MAX_SMALL).ok().map(Zeroizing::new);
        let earlier_id = earlier.and_then(client_id);
        let same = match (&earlier_id, now.as_deref().and_then(|t| client_id(t))) {
            (Some(a), Some(b)) => *a == b,
            _ => false,
        };
        if !same {
            let which = match &earlier_id {
                Some(id) => format!("the API account with client ID {id}"),
                None => "the account they belong to (they could not be read)".to_owned(),
            };
            self.report.review.push(format!(
                "{address}: credentials an earlier apply captured were set aside for those in {}; if {which} exists in the control panel, delete it: nothing records it",
                given.display()
            ));
        }
        self.release(address);
    }

    fn release(&self, address: &Address) {
        let path = self.captured_path(address);
        // Never a removal through a link that leads out of the repository.
        if crate::fsutil::refuse_links(&self.config.dir, &path).is_ok() && std::fs::remove_file(&path).is_ok() {
            // Leave no empty directories behind either: an aborted apply leaves the tree as it was.
            let mut dir = path.parent();
            while let Some(d) = dir.filter(|d| d.starts_with(self.config.dir.join("secrets"))) {
                if std::fs::remove_dir(d).is_err() {
                    break;
                }
                dir = d.parent();
            }
        }
    }

    /// Moves the current record and its credential aside as the previous account of `address`,
    /// so that the new one can be recorded while the old one waits for deletion. The credential
    /// is copied first and the state saved second: a crash between leaves only a spare file.
    fn retire(&mut self, address: &Address) -> Result<(), Error> {
        let Some(mut resource) = self.state.resources.get(address).cloned() else { return Ok(()) };
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
        self.state.save(&self.state_path)?;
        Ok(())
    }

    /// Guided deletion: steps, then waiting until BigCommerce rejects the token; only then are
    /// the record and its file removed.
    fn delete(&mut self, address: &Address, previous: bool) -> Result<(), Result<Aborted, Error>> {
        let record = match if previous { self.state.retiring.get(address) } else { self.state.resources.get(address) } {
            Some(Resource::StoreApiAccount(r)) | Some(Resource::AccountApiAccount(r)) => r.clone(),
            _ => return Ok(()),
        };
        let Some(place) = record.target() else { return Ok(()) };
        let steps = guide::delete_steps(&record.name, &place, &record.client_id, previous);
        let action = Action {
            address: address.clone(),
            action: Op::Delete,
            mode: crate::plan::Mode::Guided,
            resource_type: ResourceType::StoreApiAccount,
            target: String::new(),
            reason: String::new(),
            scopes: None,
            changes: Vec::new(),
            previous,
        };
        let token = match self.token(address, &record) {
            Ok(t) => t,
            Err(reason) => {
                self.pending(&action, reason, steps);
                return Ok(());
            }
        };
        let which = if previous { format!("{address} (previous account)") } else { address.to_string() };
        let header = format!("Delete {which}:\n{}", guide::numbered(&steps));
        let timeout = if let Some(panel) = self.panel {
            self.say(&format!("{header}  (sandbox: the simulated control panel carries these steps out)\n"));
            if let Err(e) = self.rt.block_on(panel.delete(&record.client_id)) {
                self.pending(&action, e, steps);
                return Ok(());
            }
            Duration::from_secs(30)
        } else if self.person.is_some() {
            self.say(&header);
            self.options.delete_timeout
        } else {
            Duration::ZERO
        };

        let Some(token) = token else {
            // Without its credential, BigCommerce can't be asked; only a person can say.
            let confirmed = self.person.as_deref_mut().is_some_and(|p| {
                p.confirm(&format!(
                    "The credential of {which} is gone, so bckeys can't check. Type yes once the account is deleted"
                ))
            });
            if !confirmed {
                self.pending(
                    &action,
                    "its credential is missing, so bckeys can't see when it is deleted".into(),
                    steps,
                );
                return Ok(());
            }
            return self.forget(address, &record, previous).map_err(Err);
        };
        let started = Instant::now();
        loop {
            let verdict = match &place {
                ApiTarget::Store(hash) => {
                    self.rt.block_on(self.client.store_get(hash, &token, probes::LIVENESS_PATH, probes::LIVENESS_QUERY))
                }
                ApiTarget::Account(uuid) => self.rt.block_on(self.client.account_alive(uuid, &token)),
            };
            match verdict {
                Ok(Verdict::Unauthorized(_)) => return self.forget(address, &record, previous).map_err(Err),
                Ok(_) | Err(_) if started.elapsed() >= timeout => {
                    let reason = if timeout.is_zero() {
                        "a person must delete it in the control panel".to_owned()
                    } else {
                        format!(
                            "BigCommerce still accepts its token after {} s: the record and its credential are kept",
                            timeout.as_secs()
                        )
                    };
                    self.say(&format!("{which}: {reason}.\n"));
                    self.pending(&action, reason, steps);
                    return Ok(());
                }
                _ => {}
            }
            let left = timeout.saturating_sub(started.elapsed());
            if let Some(p) = self.person.as_deref_mut() {
                p.waiting(address, left);
            }
            // Requests under /accounts are limited to 70 an hour: ask those rarely.
            let poll = match place {
                ApiTarget::Account(_) => self.options.poll_interval.max(Duration::from_secs(60)),
                ApiTarget::Store(_) => self.options.poll_interval,
            };
            std::thread::sleep(poll.min(left));
        }
    }

    /// Drops a deleted account's record and credential: the state first (so nothing points at
    /// a missing file), then the file.
    fn forget(&mut self, address: &Address, record: &ApiAccountRecord, previous: bool) -> Result<(), Error> {
        self.drop_record(address, &record.secret.file, previous)?;
        let which = if previous { format!("{address} (previous account)") } else { address.to_string() };
        self.say(&format!("{which}: BigCommerce rejects its token; record and credential removed.\n"));
        self.report.done.push(format!("deleted {which}"));
        Ok(())
    }

    /// Removes a record (current or previous) and then its secret file: the state first, so that
    /// nothing ever points at a missing file.
    fn drop_record(&mut self, address: &Address, file: &std::path::Path, previous: bool) -> Result<(), Error> {
        if previous {
            self.state.retiring.remove(address);
        } else {
            self.state.resources.remove(address);
        }
        self.state.save(&self.state_path)?;
        let path = self.config.dir.join(file);
        if crate::fsutil::refuse_links(&self.config.dir, &path).is_ok() {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    }

    /// The access token of a record; `Ok(None)` when its file is gone.
    fn token(&self, address: &Address, record: &ApiAccountRecord) -> Result<Option<SecretString>, String> {
        Ok(self.open(address, &record.secret)?.map(|c| c.access_token))
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

    /// Re-encrypts one secret file to the configured recipients, as `bckeys rekey` does (after
    /// checking it against its record), and reports what a removed recipient could read.
    fn rekey(&mut self, address: &Address) -> Result<(), Error> {
        let Some(secret) = self.state.resources.get(address).and_then(Resource::secret).cloned() else {
            return Ok(());
        };
        let identities = self.identities.ok_or(crate::vault::IdentityError::Missing)?;
        let item =
            crate::rekey::Outdated { section: crate::rekey::Section::Resources, address: address.clone(), secret };
        let ready = crate::rekey::prepare(&self.config.dir, &item, identities)?;
        let encryption = &self.config.encryption;
        let done = crate::rekey::reencrypt(
            &self.config.dir,
            &mut self.state,
            ready,
            &encryption.recipients,
            encryption.armor,
        )?;
        self.state.save(&self.state_path)?;
        self.say(&format!("Re-encrypted {} to the configured recipients.\n", address));
        self.report.done.push(format!("rekeyed {address}"));
        self.report.rekeyed.push(Rekeyed { address: address.clone(), exposure: done.exposure });
        Ok(())
    }
}
