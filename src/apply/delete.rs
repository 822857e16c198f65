//! Guided deletion of an API account: steps for a person (or the sandbox's simulated control
//! panel), then waiting until BigCommerce rejects the account's token; only then do the record
//! and its credential go.

use std::time::{Duration, Instant};

use super::{guide, Applier, Outcome};
use crate::address::Address;
use crate::bigcommerce::{probes, Verdict};
use crate::credentials::ApiTarget;
use crate::error::Error;
use crate::state::{ApiAccountRecord, Resource};

impl Applier<'_, '_> {
    /// Deletes the account at `address` (with `previous`, the one a replacement left).
    pub(super) fn delete(&mut self, address: &Address, previous: bool) -> Result<Outcome, Error> {
        let which = if previous { format!("{address} (previous account)") } else { address.to_string() };
        let found = if previous { self.state.retiring.get(address) } else { self.state.resources.get(address) };
        let Some(record) = found.and_then(Resource::api_account).cloned() else {
            return Ok(Outcome::Done(format!("{which}: already gone from the state")));
        };
        let Some(target) = record.target() else {
            return Ok(Outcome::Failed("its record names no store or account".into()));
        };
        let steps = guide::delete_steps(&record.name, &target, &record.client_id, previous);
        let left = |reason: String, steps: &[String]| Ok(Outcome::Left { reason, steps: steps.to_vec() });
        let token = match self.token(address, &record) {
            Ok(t) => t,
            Err(reason) => return left(reason, &steps),
        };
        let header = format!("Delete {which}:\n{}", guide::numbered(&steps));
        let timeout = if let Some(panel) = self.panel {
            self.say(&format!("{header}  (sandbox: the simulated control panel carries these steps out)\n"));
            if let Err(e) = self.rt.block_on(panel.delete(&record.client_id)) {
                return left(e, &steps);
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
                return left("its credential is missing, so bckeys can't see when it is deleted".into(), &steps);
            }
            return self.forget(address, &record, previous);
        };
        let started = Instant::now();
        loop {
            let verdict = match &target {
                ApiTarget::Store(hash) => {
                    self.rt.block_on(self.client.store_get(hash, &token, probes::LIVENESS_PATH, probes::LIVENESS_QUERY))
                }
                ApiTarget::Account(uuid) => self.rt.block_on(self.client.account_alive(uuid, &token)),
            };
            match verdict {
                Ok(Verdict::Unauthorized(_)) => return self.forget(address, &record, previous),
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
                    return left(reason, &steps);
                }
                _ => {}
            }
            let remaining = timeout.saturating_sub(started.elapsed());
            if let Some(p) = self.person.as_deref_mut() {
                p.waiting(address, remaining);
            }
            // Requests under /accounts are limited to 70 an hour: ask those rarely.
            let poll = match target {
                ApiTarget::Account(_) => self.options.poll_interval.max(Duration::from_secs(60)),
                ApiTarget::Store(_) => self.options.poll_interval,
            };
            std::thread::sleep(poll.min(remaining));
        }
    }

    /// Drops a deleted account's record and credential: the state first (so nothing points at
    /// a missing file), then the file.
    fn forget(&mut self, address: &Address, record: &ApiAccountRecord, previous: bool) -> Result<Outcome, Error> {
        self.drop_record(address, &record.secret.file, previous)?;
        let which = if previous { format!("{address} (previous account)") } else { address.to_string() };
        self.say(&format!("{which}: BigCommerce rejects its token; record and credential removed.\n"));
        Ok(Outcome::Done(format!("deleted {which}")))
    }

    /// Removes a record (current or previous) and then its secret file: the state first, so that
    /// nothing ever points at a missing file.
    pub(super) fn drop_record(
        &mut self,
        address: &Address,
        file: &std::path::Path,
        previous: bool,
    ) -> Result<(), Error> {
        if previous {
            self.state.retiring.remove(address);
        } else {
            self.state.resources.remove(address);
        }
        self.save()?;
        let path = self.config.dir.join(file);
        if crate::fsutil::refuse_links(&self.config.dir, &path).is_ok() {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    }
}
