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

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::address::Address;
use crate::config::Config;
use crate::error::Error;
use crate::exposure::{exposure_of, Exposure};
use crate::lock::Lock;
use crate::state::{Resource, SecretRecord, State};
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
    /// removes the recipient: afterwards the files no longer show who could read them.
    #[arg(long)]
    pub rotate_exposed: bool,
}

/// Which map of the state a record is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Resources,
    /// An API account being replaced, whose credential is kept until BigCommerce rejects it.
    Retiring,
}

/// One outdated file, decrypted and ready to be written again.
struct Outdated {
    section: Section,
    address: Address,
    file: PathBuf,
    plaintext: Zeroizing<Vec<u8>>,
}

pub fn run(args: Args, global: &Global, ui: &Ui) -> Result<Outcome, Error> {
    let config = Config::load(&global.config)?;
    let _lock = Lock::acquire(&config.dir)?;
    let state_path = State::path_for(&config.dir);
    let mut state = State::load(&state_path)?;
    let recipients = &config.encryption.recipients;
    let fingerprint = vault::fingerprint(recipients);
    let readers = vault::readers(recipients);

    let recorded: Vec<(Section, &Address, &SecretRecord)> = records(&state).collect();
    let outdated: Vec<(Section, Address, SecretRecord)> = recorded
        .iter()
        .filter(|(_, _, secret)| secret.recipients != fingerprint)
        .map(|(section, address, secret)| (*section, (*address).clone(), (*secret).clone()))
        .collect();
    let untouched = recorded.len() - outdated.len();
    if outdated.is_empty() {
        let what = match recorded.len() {
            0 => "no secret file is recorded".to_owned(),
            1 => format!("the one secret file is encrypted to the configured recipients ({fingerprint})"),
            n => format!("all {n} secret files are encrypted to the configured recipients ({fingerprint})"),
        };
        ui.out(&format!("Nothing to rekey: {what}. Nothing was written.\n"));
        return Ok(Outcome::Done);
    }

    let identities = live::identities(global, ui).map_err(|e| match e {
        Error::Identity(IdentityError::Missing) => Error::Refused {
            message: format!(
                "rekeying {} secret file{} needs an identity (a private key) to decrypt {}, and none was given",
                outdated.len(),
                plural(outdated.len()),
                if outdated.len() == 1 { "it" } else { "them" }
            ),
            hint: IdentityError::Missing.hint().unwrap_or_default().to_owned(),
        },
        other => other,
    })?;

    // Everything is checked and decrypted before anything is written.
    let mut ready = Vec::with_capacity(outdated.len());
    let mut problems = Vec::new();
    for (section, address, secret) in &outdated {
        let checked = vault::read_recorded(&config.dir, secret, address)
            .map_err(Error::from)
            .and_then(|bytes| Ok(vault::decrypt(&secret.file, &bytes, &identities)?));
        match checked {
            Ok(plaintext) => ready.push(Outdated {
                section: *section,
                address: address.clone(),
                file: secret.file.clone(),
                plaintext,
            }),
            Err(e) => problems.push(match e.hint() {
                Some(hint) => format!("{address}: {e}\n    {hint}"),
                None => format!("{address}: {e}"),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Refused {
            message: format!(
                "nothing was rekeyed: {} of the {} outdated secret file{} can't be re-encrypted:\n  {}",
                problems.len(),
                outdated.len(),
                plural(outdated.len()),
                problems.join("\n  ")
            ),
            hint: "fix these (restore a changed file from git; have someone who can decrypt a file run rekey), then run `bckeys rekey` again: every outdated file is rekeyed in one go".into(),
        });
    }

    let mut rekeyed: Vec<(Section, Address, Exposure)> = Vec::with_capacity(ready.len());
    let mut failure = None;
    for item in ready {
        let written = match vault::write_file(
            &config.dir,
            &config.dir.join(&item.file),
            &item.plaintext,
            recipients,
            config.encryption.armor,
            None,
        ) {
            Ok(written) => written,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        let Some(secret) = secret_mut(&mut state, item.section, &item.address) else { continue };
        let exposure = exposure_of(secret, &readers);
        *secret = SecretRecord::encrypted_to(item.file, recipients, written.sha256);
        rekeyed.push((item.section, item.address, exposure));
    }
    // After a failed write, the files already written are still recorded and reported, so that
    // the state and the files agree and what a removed recipient could read is not lost.
    if rekeyed.is_empty() {
        if let Some(e) = failure {
            return Err(e.into());
        }
    }

    let mut marked = BTreeSet::new();
    if args.rotate_exposed {
        for (section, address, exposure) in &rekeyed {
            if *section != Section::Resources || !matches!(exposure, Exposure::Removed(_)) {
                continue;
            }
            if let Some(Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r)) =
                state.resources.get_mut(address)
            {
                r.exposed = true;
                marked.insert(address.clone());
            }
        }
    }
    state.save(&state_path)?;

    ui.out(&report(&state, &rekeyed, untouched, &readers, &fingerprint, args.rotate_exposed, &marked));
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(Outcome::Done),
    }
}

fn records(state: &State) -> impl Iterator<Item = (Section, &Address, &SecretRecord)> {
    let resources = state.resources.iter().filter_map(|(a, r)| Some((Section::Resources, a, r.secret()?)));
    let retiring = state.retiring.iter().filter_map(|(a, r)| Some((Section::Retiring, a, r.secret()?)));
    resources.chain(retiring)
}

fn secret_mut<'a>(state: &'a mut State, section: Section, address: &Address) -> Option<&'a mut SecretRecord> {
    let map = match section {
        Section::Resources => &mut state.resources,
        Section::Retiring => &mut state.retiring,
    };
    match map.get_mut(address)? {
        Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => Some(&mut r.secret),
        Resource::Webhook(w) => w.secret.as_mut(),
        Resource::StorefrontToken(t) => Some(&mut t.secret),
    }
}

fn report(
    state: &State,
    rekeyed: &[(Section, Address, Exposure)],
    untouched: usize,
    readers: &[String],
    fingerprint: &str,
    rotate: bool,
    marked: &BTreeSet<Address>,
) -> String {
    let mut out = String::new();
    let n = rekeyed.len();
    let _ = writeln!(
        out,
        "Rekeyed {n} secret file{} to the {} configured recipient{} ({fingerprint}):",
        plural(n),
        readers.len(),
        plural(readers.len())
    );
    for (section, address, _) in rekeyed {
        let _ = writeln!(out, "  {}{}", address, label(*section));
    }
    if untouched > 0 {
        let _ = writeln!(out, "Left untouched: {untouched} file{} already encrypted to them.", plural(untouched));
    }
    let _ = writeln!(out, "The state records the new SHA-256 of each (serial {}).", state.serial);

    let exposed: Vec<_> = rekeyed
        .iter()
        .filter_map(|(s, a, e)| match e {
            Exposure::Removed(r) => Some((*s, a, r)),
            _ => None,
        })
        .collect();
    let named: Vec<(String, &Exposure)> = rekeyed.iter().map(|(s, a, e)| (format!("{a}{}", label(*s)), e)).collect();
    out.push('\n');
    match crate::render::exposure(&named) {
        None => {
            out.push_str(
                "No recipient was removed since these files were encrypted: nobody who lost access could read them.\n",
            );
            return out;
        }
        Some(text) => out.push_str(&text),
    }
    if exposed.is_empty() {
        if rotate {
            out.push_str("Nothing was marked for replacement: no credential is known to be exposed.\n");
        }
        return out;
    }
    if !rotate {
        out.push_str(
            "This run did not mark them for replacement. To have `bckeys apply` replace them, restore the state and \
             the secret files from git and run `bckeys rekey --rotate-exposed`; or rotate them by hand.\n",
        );
        return out;
    }
    out.push_str("\nTo replace:\n");
    for (section, address, _) in &exposed {
        let how = match (section, state.resources.get(address)) {
            (Section::Retiring, _) => {
                "an API account already being replaced: `bckeys apply` deletes it once its replacement is recorded"
                    .to_owned()
            }
            (_, Some(Resource::StoreApiAccount(_) | Resource::AccountApiAccount(_))) if marked.contains(address) => {
                "API account, marked `exposed` in the state: the next `bckeys plan` shows its replacement and \
                 `bckeys apply` carries it out (a new API account with the same scopes is created in the control \
                 panel and recorded, then the old one is deleted)"
                    .to_owned()
            }
            (_, Some(Resource::StorefrontToken(t))) => format!(
                "storefront token, valid until {}: remove it from the configuration and run `bckeys apply` \
                 (the token is revoked), then declare it again and apply (a new one is issued)",
                t.expires_at
            ),
            (_, Some(Resource::Webhook(w))) => format!(
                "webhook header secret{} ({}): remove the webhook from the configuration and apply, then declare it \
                 again and apply, so that bckeys generates new values; update the receiver",
                plural(w.generated_headers.len()),
                w.generated_headers.join(", ")
            ),
            _ => "rotate it by hand".to_owned(),
        };
        let _ = writeln!(out, "  {address}  {how}");
    }
    out
}

fn label(section: Section) -> &'static str {
    match section {
        Section::Resources => "",
        Section::Retiring => " (retiring credential)",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
