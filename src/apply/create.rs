//! Guided creation of an API account: steps for a person (or the sandbox's simulated control
//! panel), credentials from the panel, a file or the terminal, proof against BigCommerce,
//! encryption, and only then the record. Credentials received but not yet recorded are kept
//! captured (encrypted), so an interrupted apply resumes with them instead of making another
//! account.

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::{guide, record, Applier, Choice, Outcome};
use crate::address::Address;
use crate::config::ApiAccount;
use crate::credentials::{self, ApiTarget};
use crate::error::Error;
use crate::vault;

/// Where the credentials being proven came from.
struct Given {
    text: Zeroizing<String>,
    /// Named in messages.
    source: String,
    /// A person is there to answer and give others.
    interactive: bool,
}

impl Applier<'_, '_> {
    /// Creates `account` on `target`. With `replacing` (and the overlap of what it replaces), the current record moves aside as the
    /// previous account only once the new credentials are proven (and kept captured), in the
    /// step that records them.
    pub(super) fn create(
        &mut self,
        address: &Address,
        account: &ApiAccount,
        target: &ApiTarget,
        replacing: Option<crate::config::Overlap>,
    ) -> Result<Outcome, Error> {
        let steps = guide::create_steps(address, &account.name, target, &account.scopes);
        let mut given = match self.credentials_for(address, account, target, &steps)? {
            Ok(given) => given,
            Err(outcome) => return Ok(outcome),
        };
        loop {
            self.capture(address, &given.text)?;
            let proven = credentials::parse(&given.text, &given.source, self.client.api_base())
                .map_err(|e| format!("{e}"))
                .and_then(|issued| {
                    self.rt
                        .block_on(record::prove(self.client, issued, account, target, &given.source))
                        .map_err(|e| e.message)
                });
            let (proven, accepted) = match proven {
                Ok(proven) if proven.matches() => (proven, None),
                Ok(proven) if given.interactive => {
                    let differences = proven.differences();
                    let person = self.person.as_deref_mut().expect("interactive means a person");
                    let id = proven.issued.client_id.clone().unwrap_or_else(|| "(no client ID given)".into());
                    match person.on_mismatch(address, &differences) {
                        Choice::Accept => (proven, Some(differences)),
                        Choice::Abort => {
                            self.release(address);
                            self.say(&format!("Delete the API account with client ID {id} in the control panel: bckeys did not record it.\n"));
                            return Ok(Outcome::Aborted);
                        }
                        Choice::Retry => {
                            // bckeys forgets these credentials: the account they belong to would
                            // otherwise linger at BigCommerce, unrecorded and unseen.
                            self.say(&format!("Delete the API account with client ID {id} in the control panel: it has the wrong scopes, and bckeys will not record it.\n"));
                            match self.again(address) {
                                Some(text) => given.text = text,
                                None => return Ok(Outcome::Aborted),
                            }
                            continue;
                        }
                    }
                }
                Ok(proven) => {
                    // Wrong scopes can't be fixed on an existing account: these credentials are of
                    // no further use, and their account should go.
                    self.release(address);
                    let id = proven.issued.client_id.as_deref().unwrap_or("(no client ID given)");
                    let reason = format!("the granted scopes differ ({}); nothing was recorded: delete the API account with client ID {id} in the control panel and create it again", proven.differences());
                    return Ok(Outcome::Left { reason, steps });
                }
                Err(message) if given.interactive => {
                    self.say(&format!("These credentials can't be used: {message}\n"));
                    match self.again(address) {
                        Some(text) => given.text = text,
                        None => return Ok(Outcome::Aborted),
                    }
                    continue;
                }
                Err(message) => {
                    // Kept captured: the failure may pass (a network error), and the account exists.
                    return Ok(Outcome::Left { reason: format!("{message}; nothing was recorded"), steps });
                }
            };
            if let Some(overlap) = replacing {
                self.retire(address, overlap)?;
            }
            record::store(self.config, &mut self.state, address, &account.name, proven)?;
            self.save()?;
            self.release(address);
            return Ok(Outcome::Done(match accepted {
                None => {
                    let file = address.secret_path();
                    self.say(&format!("Recorded {address}: credentials proven and encrypted to {}.\n", file.display()));
                    format!("created {address}")
                }
                Some(differences) => {
                    self.say(&format!("Recorded {address} with what BigCommerce granted ({differences}); the next plan shows the difference.\n"));
                    format!("created {address} (accepted: {differences})")
                }
            }));
        }
    }

    /// The credentials to prove: those an interrupted apply captured, the sandbox panel's, a
    /// `--credentials` file's, or a person's; or how the step ends without any.
    fn credentials_for(
        &mut self,
        address: &Address,
        account: &ApiAccount,
        target: &ApiTarget,
        steps: &[String],
    ) -> Result<Result<Given, Outcome>, Error> {
        let left = |reason: String| Ok(Err(Outcome::Left { reason, steps: steps.to_vec() }));
        let header = format!("Create {address} ({target}):\n{}", guide::numbered(steps));
        // Credentials an interrupted apply captured belong to an account that exists: they are
        // used, or the step waits; they are never silently overwritten. Credentials given now
        // with --credentials take their place: the person chose them, and the earlier ones are
        // named so that their account can be deleted if it is another.
        if self.captured_path(address).exists() {
            match (self.options.credentials.get(address).cloned(), self.captured(address)) {
                (None, Some(text)) => {
                    self.say(&format!("Using the credentials of {address} that an interrupted apply captured.\n"));
                    let source = "the credentials an interrupted apply captured".to_owned();
                    return Ok(Ok(Given { text, source, interactive: self.person.is_some() }));
                }
                (Some(given), earlier) => {
                    self.set_aside_capture(address, &given, earlier.as_deref().map(String::as_str))
                }
                (None, None) => {
                    let path = self.captured_path(address);
                    return left(format!("credentials captured by an interrupted apply wait in {}: run apply with an identity that decrypts them to resume with them, or give the credentials again with --credentials {address}=FILE", path.display()));
                }
            }
        }
        if let Some(panel) = self.panel {
            self.say(&format!("{header}  (sandbox: the simulated control panel carries these steps out)\n"));
            let owner_path = match target {
                ApiTarget::Store(hash) => format!("stores/{hash}"),
                ApiTarget::Account(uuid) => format!("accounts/{uuid}"),
            };
            let parameters = account.scopes.parameters();
            return match self.rt.block_on(panel.create(&owner_path, &account.name, &parameters)) {
                Ok(text) => Ok(Ok(Given {
                    text: Zeroizing::new(text),
                    source: "the simulated control panel".to_owned(),
                    interactive: false,
                })),
                Err(e) => left(e),
            };
        }
        if let Some(path) = self.options.credentials.get(address) {
            return match crate::fsutil::read_text_bounded(path, crate::fsutil::MAX_SMALL) {
                Ok(text) => {
                    Ok(Ok(Given { text: Zeroizing::new(text), source: path.display().to_string(), interactive: false }))
                }
                Err(e) => left(format!("cannot read {}: {e}", path.display())),
            };
        }
        let Some(person) = self.person.as_deref_mut() else {
            return left("a person must create it in the control panel".into());
        };
        person.say(&header);
        Ok(match person.credentials(address) {
            Some(text) => Ok(Given { text, source: "the credentials given".to_owned(), interactive: true }),
            None => Err(Outcome::Aborted),
        })
    }

    /// Other credentials from the person; `None` when they give up (the capture goes).
    fn again(&mut self, address: &Address) -> Option<Zeroizing<String>> {
        let person = self.person.as_deref_mut().expect("interactive means a person");
        let text = person.credentials(address);
        if text.is_none() {
            self.release(address);
        }
        text
    }

    /// Credentials received but not yet recorded are kept encrypted here, so that an apply
    /// killed while proving them resumes with them instead of creating another account.
    fn captured_path(&self, address: &Address) -> PathBuf {
        self.config.dir.join(format!("secrets/{address}.captured.age"))
    }

    fn capture(&self, address: &Address, text: &str) -> Result<(), Error> {
        let recipients = &self.config.recipients_for(address);
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
}
