//! `bckeys rekey`: re-encrypt the secret files whose recipients changed, and say who could read
//! them before.
//!
//! Only files recorded with a recipient fingerprint other than the configuration's are touched;
//! the others stay byte for byte. Every outdated file is checked against the state and decrypted
//! before the first one is written, so a problem leaves the repository as it was. Each file is
//! written atomically, then the state once (credentials before state).
//!
//! Re-encrypting revokes nothing: git keeps every earlier version of a file, which a removed
//! recipient can still decrypt. So rekey compares what each file was encrypted to (the record's
//! `readers`) with the new recipients and lists the credentials a removed recipient could read.

use crate::config::Config;
use crate::error::{command_error, Error, Hinted};
use crate::lock::Lock;
use crate::rekey;
use crate::render;
use crate::state::State;
use crate::text::plural;
use crate::ui::Ui;
use crate::vault::{self, IdentityError};

use super::{live, Global, Outcome};

/// Re-encrypt the secret files whose recipients changed, and list what removed recipients could read.
///
/// Every secret file encrypted to a recipient set other than the configured one is decrypted
/// (needs an identity: --identity FILE, BCKEYS_IDENTITY_FILE or BCKEYS_IDENTITY) and encrypted
/// again to the configured recipients; the state records its new SHA-256 and recipients. Files
/// already encrypted to the configured recipients are left untouched; when there is none to
/// rekey, nothing is written.
///
/// Removing a recipient revokes nothing already in git history: whoever holds the removed key can
/// still decrypt the earlier versions of the files it could read. rekey lists those credentials;
/// they must be rotated.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also mark the exposed API accounts in the state so that `bckeys plan` and `bckeys apply`
    /// replace them, and print how to replace each exposed credential. Give it on the rekey that
    /// removes the recipient: afterwards the files no longer show who could read them. With
    /// RECIPIENT (repeatable), only what these removed readers could read.
    #[arg(long, num_args = 0.., value_name = "RECIPIENT")]
    pub rotate_exposed: Option<Vec<String>>,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let config = Config::load(&global.config)?;
    let _lock = Lock::acquire(&config.dir)?;
    let state_path = State::path_for(&config.dir);
    let mut state = State::load(&state_path)?;
    let only: Vec<String> = match &args.rotate_exposed {
        Some(list) => list
            .iter()
            .map(|r| vault::Recipient::parse(r).map(|r| r.as_str().to_owned()))
            .collect::<Result<_, _>>()
            .map_err(|e| RekeyUsage(e.message))?,
        None => Vec::new(),
    };
    let (outdated, recorded) = rekey::outdated(&state, |a| vault::fingerprint(&config.recipients_for(a)));
    // A key named for --rotate-exposed must lose access in this run: after it, nothing records
    // what it could read, so a typo would lose the exposure for good. Checked before writing.
    let losing: Vec<String> = outdated
        .iter()
        .filter_map(|o| {
            match crate::exposure::exposure_of(&o.secret, &vault::readers(&config.recipients_for(&o.address))) {
                crate::exposure::Exposure::Removed(removed) => Some(removed),
                _ => None,
            }
        })
        .flatten()
        .collect();
    if let Some(stray) = only.iter().find(|r| !losing.contains(r)) {
        return Err(RekeyUsage(format!("`{stray}` loses access to no file in this rekey; nothing was written")).into());
    }
    if outdated.is_empty() {
        ui.out(&render::rekey_nothing(recorded));
        return Ok(Outcome::Done);
    }

    let identities = live::identities_for(global, ui, || IdentityError::Needed {
        purpose: format!(
            "rekeying {} secret file{} needs an identity (a private key) to decrypt {}",
            outdated.len(),
            plural(outdated.len()),
            if outdated.len() == 1 { "it" } else { "them" }
        ),
    })?;

    // Everything is checked and decrypted before anything is written.
    let mut ready = Vec::with_capacity(outdated.len());
    let mut problems = Vec::new();
    for item in &outdated {
        match rekey::prepare(&config.dir, item, &identities) {
            Ok(r) => ready.push(r),
            Err(e) => problems.push(match e.hint() {
                Some(hint) => format!("{}: {e}\n    {hint}", item.address),
                None => format!("{}: {e}", item.address),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(RekeyRefused { problems, outdated: outdated.len() }.into());
    }

    let mut rekeyed = Vec::with_capacity(ready.len());
    let mut failure = None;
    for item in ready {
        let recipients = config.recipients_for(&item.address);
        match rekey::reencrypt(&config.dir, &mut state, item, &recipients, config.encryption.armor) {
            Ok(r) => rekeyed.push(r),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    // After a failed write, the files already written are still recorded and reported, so that
    // the state and the files agree and what a removed recipient could read is not lost.
    if rekeyed.is_empty() {
        if let Some(e) = failure {
            return Err(e.into());
        }
    }
    let rotate = args.rotate_exposed.is_some();
    let marked = if rotate { rekey::mark_exposed(&mut state, &rekeyed, &only) } else { Default::default() };
    state.save(&state_path)?;

    let untouched = recorded - outdated.len();
    ui.out(&render::rekey(&state, &rekeyed, untouched, rotate, &only, &marked));
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(Outcome::Done),
    }
}

/// Some outdated files can't be re-encrypted: none is, so that one run rekeys them all.
#[derive(Debug, thiserror::Error)]
#[error("nothing was rekeyed: {} of the {outdated} outdated secret file{} can't be re-encrypted:\n  {}", problems.len(), plural(*outdated), problems.join("\n  "))]
struct RekeyRefused {
    problems: Vec<String>,
    outdated: usize,
}

impl Hinted for RekeyRefused {
    fn hint(&self) -> Option<String> {
        Some("fix these (restore a changed file from git; have someone who can decrypt a file run rekey), then run `bckeys rekey` again: every outdated file is rekeyed in one go".into())
    }
}

command_error!(RekeyRefused);

/// A `--rotate-exposed` value that is not a recipient.
#[derive(Debug, thiserror::Error)]
#[error("--rotate-exposed: {0}")]
struct RekeyUsage(String);

impl Hinted for RekeyUsage {
    fn hint(&self) -> Option<String> {
        Some("give the removed reader's public key (`age1...` or `ssh-ed25519 ...`), as rekey lists it".into())
    }
}

command_error!(RekeyUsage);
