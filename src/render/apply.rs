//! What an apply did and what it left to a person, as text, JSON or Markdown.

use std::fmt::Write;

use serde::Serialize;

use super::{Format, Paint, FORMAT_VERSION};
use crate::apply::ApplyReport;

pub fn apply(report: &ApplyReport, format: Format, p: Paint) -> String {
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Document<'a> {
                format_version: u32,
                #[serde(flatten)]
                report: &'a ApplyReport,
            }
            let mut out =
                serde_json::to_string_pretty(&Document { format_version: FORMAT_VERSION, report }).unwrap_or_default();
            out.push('\n');
            out
        }
        Format::Markdown => markdown(report),
        Format::Text => text(report, p),
    }
}

fn text(report: &ApplyReport, p: Paint) -> String {
    let mut out = String::new();
    for done in &report.done {
        let _ = writeln!(out, "{} {done}", p.green("done:"));
    }
    if !report.pending.is_empty() {
        let _ = writeln!(out, "{}", p.bold("Guided steps left for a person (on a terminal `bckeys apply` walks through them; in CI pass --credentials ADDRESS=FILE):"));
        for pending in &report.pending {
            let previous = if pending.previous { " (previous account)" } else { "" };
            let _ = writeln!(
                out,
                "\n{}{previous} ({}): {}",
                p.bold(&pending.address.to_string()),
                pending.action.as_str(),
                pending.reason
            );
            out.push_str(&crate::apply::guide::numbered(&pending.steps));
        }
        out.push('\n');
    }
    for f in &report.failed {
        let previous = if f.previous { " (previous)" } else { "" };
        let _ = writeln!(out, "{} {}{previous} ({}): {}", p.red("failed:"), f.address, f.action.as_str(), f.reason);
    }
    for r in &report.review {
        let _ = writeln!(out, "{} {r}", p.red("review:"));
    }
    if let Some(text) = exposure(report) {
        let _ = writeln!(out, "\n{text}");
    }
    let summary = format!(
        "Apply {}: {} done, {} failed, {} left to a person.",
        if report.aborted { "aborted" } else { "finished" },
        report.done.len(),
        report.failed.len(),
        report.pending.len()
    );
    let _ = writeln!(
        out,
        "{}",
        if report.pending.is_empty() && report.failed.is_empty() && !report.aborted {
            p.green(&summary)
        } else {
            p.yellow(&summary)
        }
    );
    if report.state_changed {
        out.push_str(&super::commit_next("apply"));
    }
    out
}

fn markdown(report: &ApplyReport) -> String {
    let mut out = String::from("### bckeys apply\n\n");
    let _ = writeln!(
        out,
        "**{} done, {} failed, {} left to a person.**\n",
        report.done.len(),
        report.failed.len(),
        report.pending.len()
    );
    for d in &report.done {
        let _ = writeln!(out, "- {d}");
    }
    for f in &report.failed {
        let _ = writeln!(out, "- **failed**: `{}` ({}): {}", f.address, f.action.as_str(), f.reason);
    }
    for pending in &report.pending {
        let previous = if pending.previous { " (previous account)" } else { "" };
        let _ = writeln!(
            out,
            "\n#### `{}`{previous}: {}\n\n{}\n",
            pending.address,
            pending.action.as_str(),
            pending.reason
        );
        for (i, step) in pending.steps.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, step.replace('\n', "\n   "));
        }
    }
    if let Some(text) = exposure(report) {
        let _ = writeln!(out, "\n```text\n{text}```");
    }
    out
}

/// What removed recipients could read of the files this apply re-encrypted, as `rekey` says it.
fn exposure(report: &ApplyReport) -> Option<String> {
    let files: Vec<(String, &crate::exposure::Exposure)> =
        report.rekeyed.iter().map(|r| (r.address.to_string(), &r.exposure)).collect();
    super::exposure(&files)
}
