//! The drift report as text, JSON (versioned) or Markdown.

use std::fmt::Write;

use serde::Serialize;

use super::{Format, Paint, FORMAT_VERSION};
use crate::drift::{DriftReport, Severity};

pub fn drift(report: &DriftReport, format: Format, p: Paint) -> String {
    match format {
        Format::Json => json(report),
        Format::Markdown => markdown(report),
        Format::Text => text(report, p),
    }
}

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    in_sync: bool,
    #[serde(flatten)]
    report: &'a DriftReport,
}

fn json(report: &DriftReport) -> String {
    let doc =
        Document { format_version: FORMAT_VERSION, in_sync: !report.has_drift() && report.errors.is_empty(), report };
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

fn text(report: &DriftReport, p: Paint) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let label = match f.severity {
            Severity::Security => p.red(&p.bold("security")),
            Severity::Drift => p.yellow("drift"),
        };
        let _ = writeln!(out, "  ! {} {label}: {}", p.bold(&f.address.to_string()), f.detail);
    }
    for e in &report.errors {
        let _ = writeln!(out, "  ? {} {}: {}", p.bold(&e.address.to_string()), p.red("not checked"), e.error);
    }
    if !report.unverifiable.is_empty() {
        let _ = writeln!(out, "{}", p.dim("Unverifiable (no safe request can check these; never counted as a match):"));
        for u in &report.unverifiable {
            let families: Vec<String> = u.families.iter().map(|f| format!("{} ({})", f.family, f.reason)).collect();
            let _ = writeln!(out, "  ~ {}: {}", u.address, families.join("; "));
        }
    }
    let security = report.findings.iter().filter(|f| f.severity == Severity::Security).count();
    let summary = format!(
        "{} credential{} checked: {} in sync, {} finding{} ({} security), {} not checked.",
        report.checked,
        if report.checked == 1 { "" } else { "s" },
        report.in_sync_addresses.len(),
        report.findings.len(),
        if report.findings.len() == 1 { "" } else { "s" },
        security,
        report.errors.len()
    );
    let summary = if !report.errors.is_empty() {
        p.red(&summary)
    } else if report.has_drift() {
        p.yellow(&summary)
    } else {
        p.green(&summary)
    };
    let _ = writeln!(out, "{summary}");
    out
}

fn markdown(report: &DriftReport) -> String {
    let mut out = String::from("### bckeys drift\n\n");
    let _ = writeln!(
        out,
        "**{} checked: {} in sync, {} findings, {} not checked.**\n",
        report.checked,
        report.in_sync_addresses.len(),
        report.findings.len(),
        report.errors.len()
    );
    if !report.findings.is_empty() || !report.errors.is_empty() {
        out.push_str("| address | finding | severity | detail |\n|---|---|---|---|\n");
        for f in &report.findings {
            let severity = match f.severity {
                Severity::Security => "**security**",
                Severity::Drift => "drift",
            };
            let _ =
                writeln!(out, "| `{}` | {:?} | {severity} | {} |", f.address, f.finding, f.detail.replace('|', "\\|"));
        }
        for e in &report.errors {
            let _ = writeln!(out, "| `{}` | not checked | error | {} |", e.address, e.error.replace('|', "\\|"));
        }
    }
    if !report.unverifiable.is_empty() {
        out.push_str("\n<details><summary>Unverifiable families (never counted as a match)</summary>\n\n");
        for u in &report.unverifiable {
            for f in &u.families {
                let _ = writeln!(out, "- `{}` {}: {}", u.address, f.family, f.reason);
            }
        }
        out.push_str("\n</details>\n");
    }
    out
}
