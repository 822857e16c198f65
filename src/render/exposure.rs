//! What removed recipients could read, in the words `rekey` and `apply` both use.

use crate::text::plural;
use std::fmt::Write;

use crate::exposure::Exposure;

/// The "Exposed" and "Unknown" sections and the git-history warning, for files named as the
/// caller names them; `None` when no file is, or may be, exposed.
pub fn exposure(files: &[(String, &Exposure)]) -> Option<String> {
    let exposed: Vec<_> = files
        .iter()
        .filter_map(|(name, e)| match e {
            Exposure::Removed(r) => Some((name, r)),
            _ => None,
        })
        .collect();
    let unknown: Vec<_> = files.iter().filter(|(_, e)| matches!(e, Exposure::Unknown)).map(|(n, _)| n).collect();
    if exposed.is_empty() && unknown.is_empty() {
        return None;
    }
    let mut out = String::new();
    if !exposed.is_empty() {
        let _ = writeln!(
            out,
            "Exposed: {} credential{} could be read by a recipient that is no longer configured:",
            exposed.len(),
            plural(exposed.len())
        );
        for (name, removed) in &exposed {
            let _ = writeln!(out, "  {name}  readable by the removed {}", removed.join(", "));
        }
        // The same, per removed reader: what each key that lost access could read.
        let mut by_reader: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
        for (name, removed) in &exposed {
            for r in removed.iter() {
                by_reader.entry(r.as_str()).or_default().push(name.as_str());
            }
        }
        let _ = writeln!(out, "Per removed reader:");
        for (reader, names) in &by_reader {
            let _ = writeln!(out, "  {reader}  could read {}: {}", names.len(), names.join(", "));
        }
    }
    if !unknown.is_empty() {
        let _ = writeln!(
            out,
            "Unknown: {} credential{} recorded before bckeys kept readers, so bckeys can't tell whether a removed recipient could read {}:",
            unknown.len(),
            plural(unknown.len()),
            if unknown.len() == 1 { "it" } else { "them" }
        );
        for name in &unknown {
            let _ = writeln!(out, "  {name}");
        }
        out.push_str(
            "If a recipient was removed from the configuration since they were encrypted, treat them as exposed.\n",
        );
    }
    out.push_str(
        "\nRemoving a recipient revokes nothing already in git history: whoever holds a removed key can still \
         decrypt every earlier version of these files from git. Re-encrypting protects only what is written from \
         now on: ",
    );
    if exposed.is_empty() {
        out.push_str("a credential a removed recipient could read must be rotated.\n");
    } else {
        out.push_str("the exposed credentials must be rotated.\n");
    }
    Some(out)
}
