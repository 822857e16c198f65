//! The findings as `drift` reports them: text, JSON (versioned) or Markdown, all with the same
//! counts from `Findings::summary`.

use std::fmt::Write;

use serde::Serialize;

use super::{Format, Paint, FORMAT_VERSION};
use crate::findings::{Findings, Severity, Summary};

pub fn drift(report: &Findings, format: Format, p: Paint) -> String {
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
    /// The same number as `summary.checked`, kept where format 1 had it.
    checked: usize,
    summary: Summary,
    #[serde(flatten)]
    report: &'a Findings,
}

fn json(report: &Findings) -> String {
    let summary = report.summary();
    let doc = Document {
        format_version: FORMAT_VERSION,
        in_sync: !report.has_drift() && report.errors.is_empty(),
        checked: summary.checked,
        summary,
        report,
    };
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// "N resources checked: N in sync, N findings (N security), N not checked".
fn counts(s: &Summary) -> String {
    format!(
        "{} resource{} checked: {} in sync, {} finding{} ({} security), {} not checked",
        s.checked,
        if s.checked == 1 { "" } else { "s" },
        s.in_sync,
        s.findings,
        if s.findings == 1 { "" } else { "s" },
        s.security,
        s.not_checked
    )
}

fn text(report: &Findings, p: Paint) -> String {
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
        // Each reason once, as a footnote: many accounts share the same ones.
        let mut reasons: Vec<&str> = Vec::new();
        let _ = writeln!(out, "{}", p.dim("Unverifiable (no safe request can check these; never counted as a match):"));
        for u in &report.unverifiable {
            let families: Vec<String> = u
                .families
                .iter()
                .map(|f| {
                    let n = match reasons.iter().position(|r| *r == f.reason) {
                        Some(i) => i + 1,
                        None => {
                            reasons.push(&f.reason);
                            reasons.len()
                        }
                    };
                    format!("{} [{n}]", f.family)
                })
                .collect();
            let _ = writeln!(out, "  ~ {}: {}", u.address, families.join(", "));
        }
        for (i, reason) in reasons.iter().enumerate() {
            let _ = writeln!(out, "    [{}] {reason}", i + 1);
        }
    }
    let groups = per_group(report);
    if groups.len() > 1 {
        let rows: Vec<Vec<String>> = groups
            .iter()
            .map(|(g, c)| vec![g.clone(), c[0].to_string(), c[1].to_string(), c[2].to_string(), c[3].to_string()])
            .collect();
        out.push_str(&super::table(&["store", "in sync", "findings", "security", "not checked"], &rows));
    }
    let retiring = super::retiring_lines(&report.retiring);
    if !retiring.is_empty() {
        let _ = writeln!(out, "{}", p.dim("Retiring (valid on purpose while what uses them moves to the new ones):"));
        for line in &retiring {
            let _ = writeln!(out, "  ~ {line}");
        }
    }
    let summary = format!("{}.", counts(&report.summary()));
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

/// Per store or account: resources in sync, findings, security findings, checks not made.
fn per_group(report: &Findings) -> std::collections::BTreeMap<String, [usize; 4]> {
    let mut out: std::collections::BTreeMap<String, [usize; 4]> = std::collections::BTreeMap::new();
    for a in &report.in_sync_addresses {
        out.entry(a.group()).or_default()[0] += 1;
    }
    for f in &report.findings {
        let c = out.entry(f.address.group()).or_default();
        c[1] += 1;
        if f.severity == Severity::Security {
            c[2] += 1;
        }
    }
    for e in &report.errors {
        out.entry(e.address.group()).or_default()[3] += 1;
    }
    out
}

fn markdown(report: &Findings) -> String {
    let mut out = String::from("### bckeys drift\n\n");
    let _ = writeln!(out, "**{}.**\n", counts(&report.summary()));
    if !report.findings.is_empty() || !report.errors.is_empty() {
        out.push_str("| address | finding | severity | detail |\n|---|---|---|---|\n");
        for f in &report.findings {
            let severity = match f.severity {
                Severity::Security => "**security**",
                Severity::Drift => "drift",
            };
            let detail = super::markdown_text(&f.detail);
            let _ = writeln!(out, "| `{}` | {} | {severity} | {detail} |", f.address, f.finding.as_str());
        }
        for e in &report.errors {
            let _ = writeln!(out, "| `{}` | not_checked | error | {} |", e.address, super::markdown_text(&e.error));
        }
    }
    for line in super::retiring_lines(&report.retiring) {
        let _ = writeln!(out, "- retiring: {}", super::markdown_text(&line));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Unverifiable, UnverifiableFamily};

    /// A reason many accounts share is printed once, as a footnote; several stores get a table.
    #[test]
    fn shared_reasons_are_footnotes_and_stores_get_a_table() {
        let family = |f: &str, why: &str| UnverifiableFamily { family: f.into(), reason: why.into() };
        let mut report = Findings::default();
        for address in ["store/a/x", "store/b/y", "store/c/z"] {
            report.unverifiable.push(Unverifiable {
                address: address.parse().unwrap(),
                families: vec![
                    family("order_transactions", "the only GET needs an order ID"),
                    family("themes (level)", "no probe"),
                ],
            });
            report.in_sync_addresses.push(address.parse().unwrap());
        }
        let text = text(&report, Paint { enabled: false });
        assert_eq!(text.matches("the only GET needs an order ID").count(), 1, "{text}");
        assert!(text.contains("  ~ store/c/z: order_transactions [1], themes (level) [2]\n"), "{text}");
        assert!(text.contains("    [2] no probe\n"), "{text}");
        assert!(text.contains("store/b        1         0         0            0\n"), "{text}");
    }
}
