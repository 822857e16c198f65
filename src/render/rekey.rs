//! What `bckeys rekey` says: the files it re-encrypted, what a removed recipient could read, and
//! how to rotate what was exposed.

use crate::text::plural;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::address::Address;
use crate::exposure::Exposure;
use crate::rekey::{Rekeyed, Section};
use crate::state::{Resource, State};

/// When no file needs rekeying.
pub fn rekey_nothing(recorded: usize) -> String {
    let what = match recorded {
        0 => "no secret file is recorded".to_owned(),
        1 => "the one secret file is encrypted to the recipients the configuration gives it".to_owned(),
        n => format!("all {n} secret files are encrypted to the recipients the configuration gives each"),
    };
    format!("Nothing to rekey: {what}. Nothing was written.\n")
}

/// What `bckeys rekey` did: the files, what removed recipients could read, and how to rotate.
pub fn rekey(
    state: &State,
    rekeyed: &[Rekeyed],
    untouched: usize,
    rotate: bool,
    only: &[String],
    marked: &BTreeSet<Address>,
) -> String {
    let mut out = String::new();
    let n = rekeyed.len();
    let _ = writeln!(
        out,
        "Rekeyed {n} secret file{} to the recipients the configuration gives each (the repository's and its readers):",
        plural(n)
    );
    for r in rekeyed {
        let readers = state
            .resources
            .get(&r.address)
            .filter(|_| r.section == Section::Resources)
            .or_else(|| state.retiring.get(&r.address))
            .and_then(Resource::secret)
            .map(|s| format!(" ({} reader{}, {})", s.readers.len(), plural(s.readers.len()), s.recipients))
            .unwrap_or_default();
        let _ = writeln!(out, "  {}{}{readers}", r.address, label(r.section));
    }
    if untouched > 0 {
        let _ = writeln!(out, "Left untouched: {untouched} file{} already encrypted to them.", plural(untouched));
    }
    let _ = writeln!(out, "The state records the new SHA-256 of each (serial {}).", state.serial);

    // With --rotate-exposed RECIPIENT, only what those removed readers could read is replaced.
    let exposed: Vec<(Section, &Address)> = rekeyed
        .iter()
        .filter(|r| match &r.exposure {
            Exposure::Removed(removed) => only.is_empty() || removed.iter().any(|x| only.contains(x)),
            _ => false,
        })
        .map(|r| (r.section, &r.address))
        .collect();
    let named: Vec<(String, &Exposure)> =
        rekeyed.iter().map(|r| (format!("{}{}", r.address, label(r.section)), &r.exposure)).collect();
    out.push('\n');
    match super::exposure(&named) {
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
    for (section, address) in &exposed {
        let how = match (section, state.resources.get(*address)) {
            (Section::Retiring, _) => "the previous credential of a replacement: for an API account, \
                 `--rotate-exposed` ends its overlap and the next `bckeys apply` asks for its deletion; a previous \
                 token stays valid until its overlap ends, unless the configuration says `overlap: none`"
                .to_owned(),
            (_, Some(Resource::StoreApiAccount(_) | Resource::AccountApiAccount(_))) if marked.contains(*address) => {
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
