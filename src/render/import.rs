//! What `bckeys import` prints: for each credential adopted, what its proof showed; for a
//! folder, also every file left out and why.

use std::fmt::Write;

use crate::address::Address;
use crate::apply::record::Summary;
use crate::import::Report;
use crate::text::escape_controls;

/// One imported credential: where it went and what the probes said.
fn imported(address: &Address, from: Option<&std::path::Path>, summary: &Summary) -> String {
    let from = from.map(|f| format!(" from {}", escape_controls(&f.display().to_string()))).unwrap_or_default();
    let mut out = format!(
        "Imported {address}{from}: the token is alive; credentials encrypted to {}.\n",
        address.secret_path().display()
    );
    if let Some(excess) = &summary.excess {
        let _ = writeln!(
            out,
            "Granted beyond the configuration (security): {excess}. Recorded as granted; the next plan replaces the account."
        );
    }
    if let Some(missing) = &summary.missing {
        let _ = writeln!(
            out,
            "Configured but not granted: {missing}. Recorded as granted; the next plan replaces the account."
        );
    }
    if !summary.unverifiable.is_empty() {
        let _ = writeln!(
            out,
            "Unverifiable (no safe request can check them; recorded as configured): {}.",
            summary.unverifiable.join(", ")
        );
    }
    if !summary.unverified_levels.is_empty() {
        let _ = writeln!(
            out,
            "Levels unverified (granted, but no probe told read-only from modify; recorded as configured, shown as unverified): {}.",
            summary.unverified_levels.join(", ")
        );
    }
    if summary.excess.is_none() && summary.missing.is_none() {
        out.push_str("The probed scopes match the configuration.\n");
    }
    out
}

/// `import ADDRESS`: what was imported, what to commit, and (from a file) what to delete.
pub fn one(address: &Address, file: Option<&std::path::Path>, summary: &Summary) -> String {
    let mut out = imported(address, None, summary) + &super::commit_next("import");
    if let Some(file) = file {
        let _ = writeln!(
            out,
            "{} still holds the credentials in plain text: delete it once this is committed.",
            escape_controls(&file.display().to_string())
        );
    }
    out
}

/// How many unrecorded accounts are named before "and N more".
const UNRECORDED_SHOWN: usize = 10;

/// A whole folder: the imported first, then the files that need the person, then the rest.
pub fn folder(dir: &std::path::Path, report: &Report) -> String {
    let mut out = String::new();
    for i in &report.imported {
        out.push_str(&imported(&i.address, Some(&i.file), &i.summary));
    }
    let (attention, listed): (Vec<_>, Vec<_>) = report.unplaced.iter().partition(|u| u.reason.needs_attention());
    if !attention.is_empty() {
        let _ = writeln!(out, "\nNot imported ({}):", attention.len());
        for u in &attention {
            let _ = writeln!(out, "{}", escape_controls(&format!("  {}: {}", u.file.display(), u.reason)));
            if let Some(hint) = u.reason.hint() {
                let _ = writeln!(out, "    hint: {hint}");
            }
        }
    }
    if !listed.is_empty() {
        let _ = writeln!(out, "\nLeft as they are ({}):", listed.len());
        for u in &listed {
            let _ = writeln!(out, "{}", escape_controls(&format!("  {}: {}", u.file.display(), u.reason)));
        }
    }
    let _ = writeln!(
        out,
        "\n{} imported, {} not imported, {} left as they are, from {}.",
        report.imported.len(),
        attention.len(),
        listed.len(),
        escape_controls(&dir.display().to_string())
    );
    if !report.unrecorded.is_empty() {
        let mut names: Vec<String> = report.unrecorded.iter().take(UNRECORDED_SHOWN).map(ToString::to_string).collect();
        if report.unrecorded.len() > UNRECORDED_SHOWN {
            names.push(format!("and {} more", report.unrecorded.len() - UNRECORDED_SHOWN));
        }
        let _ = writeln!(
            out,
            "Declared but not recorded yet: {}. `bckeys plan` guides their creation, or import their files.",
            names.join(", ")
        );
    }
    if !report.imported.is_empty() {
        out.push_str(&super::commit_next("import"));
        let _ = writeln!(
            out,
            "The imported files still hold their credentials in plain text: delete them from {} once this is committed.",
            escape_controls(&dir.display().to_string())
        );
    }
    out
}
