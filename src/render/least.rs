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
    // A log names one operation many times: each is said once, with how often and where first.
    let mut nothing: Vec<String> = Vec::new();
    let mut unclear: Group = Group::default();
    let mut unknown: Group = Group::default();
    let mut malformed: Vec<String> = Vec::new();
    for r in requests {
        match &r.outcome {
            Outcome::Nothing { op } => {
                let name = format!("{} {}", op.method, op.path);
                if !nothing.contains(&name) {
                    nothing.push(name);
                }
            }
            Outcome::Unclear { op, .. } => unclear.add(
                format!("{} {}", op.method, op.path),
                &r.at,
                op.basis.trim_start_matches("unclear: ").to_owned(),
            ),
            Outcome::Unknown { request } => {
                unknown.add(format!("{} {}", request.method, request.path), &r.at, "no such operation".into())
            }
            Outcome::Malformed(why) => malformed.push(format!("{}: {why}", r.at)),
            Outcome::Needs { .. } => {}
        }
    }
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
    section(&mut out, "Unclear in BigCommerce's specs, not counted", unclear.rows());
    section(&mut out, "Not in BigCommerce's specs, not counted", unknown.rows());
    section(&mut out, "Not requests", malformed);
    crate::text::escape_terminal(&out).into_owned()
}

/// Requests grouped by operation (or path): where the first was, how many, and why.
#[derive(Default)]
struct Group {
    rows: Vec<(String, String, usize, String)>,
    index: std::collections::HashMap<String, usize>,
}

impl Group {
    fn add(&mut self, name: String, at: &str, why: String) {
        match self.index.get(&name) {
            Some(&i) => self.rows[i].2 += 1,
            None => {
                self.index.insert(name.clone(), self.rows.len());
                self.rows.push((name, at.to_owned(), 1, why));
            }
        }
    }

    fn rows(&self) -> Vec<String> {
        self.rows
            .iter()
            .map(|(name, at, n, why)| match n {
                1 => format!("{name} ({at}): {why}"),
                n => format!("{name} ({at} and {} more): {why}", n - 1),
            })
            .collect()
    }
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
