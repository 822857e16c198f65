//! What `bckeys state list` and `state show` print: the records, never a secret (the state
//! holds none).

use std::fmt::Write;

use serde::Serialize;

use super::FORMAT_VERSION;
use crate::address::Address;
use crate::state::{Resource, State};

/// One line of `state list`.
#[derive(Serialize)]
struct Row<'a> {
    address: &'a Address,
    kind: &'static str,
    /// `store abc123def4`, `account 0b7e...`.
    target: String,
    /// What tells it apart at BigCommerce: a client ID, a webhook ID, an expiry.
    detail: String,
    /// A previous credential a replacement left, with its record.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    retiring: bool,
}

fn rows(state: &State) -> Vec<Row<'_>> {
    let row = |address, resource: &Resource, retiring| {
        let (target, detail) = match resource {
            Resource::StoreApiAccount(r) | Resource::AccountApiAccount(r) => (
                r.target().map(|t| t.to_string()).unwrap_or_default(),
                format!("client ID {}, {}", r.client_id, r.scope_set().lines().join("; ")),
            ),
            Resource::Webhook(w) => (String::new(), format!("ID {} `{}` to {}", w.id, w.scope, w.destination)),
            Resource::StorefrontToken(t) => (
                format!("store {}", t.store_hash),
                format!("{} token, expires {}", t.token_type.as_str(), t.expires_at),
            ),
        };
        Row { address, kind: resource.kind(), target, detail, retiring }
    };
    let mut out: Vec<Row> = state.resources.iter().map(|(a, r)| row(a, r, false)).collect();
    out.extend(state.retiring.iter().map(|(a, r)| row(a, r, true)));
    out.sort_by(|a, b| a.address.cmp(b.address).then(a.retiring.cmp(&b.retiring)));
    out
}

pub fn list_text(state: &State) -> String {
    let rows = rows(state);
    if rows.is_empty() {
        return "Nothing is recorded.\n".to_owned();
    }
    let width = rows.iter().map(|r| r.address.to_string().len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in &rows {
        let previous = if r.retiring { " (previous, retiring)" } else { "" };
        let target = if r.target.is_empty() { String::new() } else { format!(" on {}", r.target) };
        let line = format!("{:<width$}  {}{target}{previous}: {}", r.address.to_string(), r.kind, r.detail);
        let _ = writeln!(out, "{}", crate::text::escape_controls(&line));
    }
    let intents: usize = state.intents.values().map(Vec::len).sum();
    let _ = writeln!(
        out,
        "{} recorded, {} retiring, {intents} intent{}; state serial {}.",
        state.resources.len(),
        state.retiring.len(),
        if intents == 1 { "" } else { "s" },
        state.serial
    );
    out
}

pub fn list_json(state: &State) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        format_version: u32,
        serial: u64,
        resources: Vec<Row<'a>>,
    }
    let doc = Document { format_version: FORMAT_VERSION, serial: state.serial, resources: rows(state) };
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// The records of one address (its current one, a previous one a replacement left, the token
/// creations under way) as the state file holds them.
pub fn show(address: &Address, state: &State) -> String {
    let mut out = String::new();
    let mut section = |title: &str, yaml: String| {
        let _ = writeln!(out, "# {title}");
        out.push_str(&crate::text::escape_terminal(&yaml));
    };
    if let Some(r) = state.resources.get(address) {
        section(&format!("{address}"), serde_yaml::to_string(r).unwrap_or_default());
    }
    if let Some(r) = state.retiring.get(address) {
        section(&format!("{address} (previous, retiring)"), serde_yaml::to_string(r).unwrap_or_default());
    }
    if let Some(i) = state.intents.get(address) {
        section(&format!("{address} (token creations under way)"), serde_yaml::to_string(i).unwrap_or_default());
    }
    out
}
