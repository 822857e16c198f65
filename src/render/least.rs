//! What `bckeys scopes for` prints: the least scopes as a `scopes:` block ready to paste, which
//! request needs which family, and every request bckeys could not tell about.

use std::fmt::Write;

use serde::Serialize;

use super::FORMAT_VERSION;
use crate::uses::{Least, Outcome, Resolved};

pub fn text(requests: &[Resolved], least: &Least) -> String {
    let mut out = String::new();
    if least.scopes.is_empty() {
        out.push_str("scopes: {}\n");
    } else {
        out.push_str("scopes:\n");
        let width = least.scopes.iter().map(|(f, l)| f.key.len() + l.join(", ").len()).max().unwrap_or(0) + 4;
        for (family, levels) in least.scopes.iter() {
            let entry = format!("  {}: {}", family.key, levels.join(", "));
            // The operations, not the requests: one line however many IDs a log holds.
            let mut by: Vec<String> = Vec::new();
            for &i in least.needed_by.get(family.key).into_iter().flatten() {
                if let Outcome::Needs { op, .. } = &requests[i].outcome {
                    let name = format!("{} {}", op.method, op.path);
                    if !by.contains(&name) {
                        by.push(name);
                    }
                }
            }
            let _ = writeln!(out, "{entry:<width$}  # {}", shown(&by));
        }
    }
    let nothing: Vec<&str> = pick(requests, |o| matches!(o, Outcome::Nothing { .. }));
    if !nothing.is_empty() {
        let _ = writeln!(out, "\nNeeding no scope ({}): {}", nothing.len(), nothing.join(", "));
    }
    let section = |out: &mut String, title: &str, rows: Vec<String>| {
        if !rows.is_empty() {
            let _ = writeln!(out, "\n{title} ({}):", rows.len());
            rows.iter().for_each(|r| {
                let _ = writeln!(out, "  {r}");
            });
        }
    };
    section(
        &mut out,
        "Unclear in BigCommerce's specs, not counted",
        requests
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::Unclear { op, .. } => {
                    Some(format!("{} ({}): {}", r.given, r.at, op.basis.trim_start_matches("unclear: ")))
                }
                _ => None,
            })
            .collect(),
    );
    section(
        &mut out,
        "Not in BigCommerce's specs, not counted",
        requests
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::Unknown { request } => {
                    Some(format!("{} ({}): no operation {} {}", r.given, r.at, request.method, request.path))
                }
                _ => None,
            })
            .collect(),
    );
    section(
        &mut out,
        "Not requests",
        requests
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::Malformed(why) => Some(format!("{}: {why}", r.at)),
                _ => None,
            })
            .collect(),
    );
    crate::text::escape_terminal(&out).into_owned()
}

fn pick(requests: &[Resolved], which: impl Fn(&Outcome) -> bool) -> Vec<&str> {
    requests.iter().filter(|r| which(&r.outcome)).map(|r| r.given.as_str()).collect()
}

/// At most three requests by name, then how many more.
fn shown(by: &[String]) -> String {
    let mut out = by.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if by.len() > 3 {
        let _ = write!(out, " and {} more", by.len() - 3);
    }
    out
}

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    /// Family key -> level: the configuration's `scopes:` form.
    scopes: std::collections::BTreeMap<&'static str, String>,
    requests: Vec<Row<'a>>,
}

#[derive(Serialize)]
struct Row<'a> {
    request: &'a str,
    at: &'a str,
    /// needs, none, unclear, unknown, malformed.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<String>,
    /// The (family, level) options, any one of which lets it through; or the candidates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    families: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    basis: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn document<'a>(requests: &'a [Resolved], least: &Least) -> Document<'a> {
    let scopes = least.scopes.iter().map(|(f, l)| (f.key, l.join(", "))).collect();
    let requests = requests
        .iter()
        .map(|r| {
            let mut row = Row {
                request: &r.given,
                at: &r.at,
                outcome: "",
                operation: None,
                families: vec![],
                basis: None,
                error: None,
            };
            let op = |op: &crate::operations::Operation| Some(format!("{} {}", op.method, op.path));
            match &r.outcome {
                Outcome::Needs { op: o, options } => {
                    (row.outcome, row.operation, row.basis) = ("needs", op(o), Some(o.basis));
                    row.families = options.iter().map(|(f, l)| format!("{}: {l}", f.key)).collect();
                }
                Outcome::Nothing { op: o } => (row.outcome, row.operation, row.basis) = ("none", op(o), Some(o.basis)),
                Outcome::Unclear { op: o, candidates } => {
                    (row.outcome, row.operation, row.basis) = ("unclear", op(o), Some(o.basis));
                    row.families = candidates.iter().map(|f| f.key.to_owned()).collect();
                }
                Outcome::Unknown { request } => {
                    row.outcome = "unknown";
                    row.error = Some(format!("no operation {} {}", request.method, request.path));
                }
                Outcome::Malformed(why) => (row.outcome, row.error) = ("malformed", Some(why.to_string())),
            }
            row
        })
        .collect();
    Document { format_version: FORMAT_VERSION, scopes, requests }
}

pub fn json(requests: &[Resolved], least: &Least) -> String {
    serde_json::to_string_pretty(&document(requests, least)).unwrap_or_default() + "\n"
}

pub fn yaml(requests: &[Resolved], least: &Least) -> String {
    serde_yaml::to_string(&document(requests, least)).unwrap_or_default()
}
