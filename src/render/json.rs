//! The plan as a versioned JSON document: a public interface, documented in the README.

use serde::Serialize;

use super::FORMAT_VERSION;
use crate::plan::{Action, Plan, Summary};

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    refreshed: bool,
    state_serial: u64,
    config_sha256: &'a str,
    has_changes: bool,
    summary: Summary,
    actions: Vec<&'a Action>,
    /// Previous credentials still valid until their overlap ends.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    retiring: &'a [crate::findings::Retiring],
    /// `--target`: what the plan was limited to; the rest was not looked at.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    targets: &'a [String],
}

pub fn plan(plan: &Plan) -> String {
    let doc = Document {
        format_version: FORMAT_VERSION,
        refreshed: plan.refreshed,
        state_serial: plan.state_serial,
        config_sha256: &plan.config_sha256,
        has_changes: plan.has_changes(),
        summary: plan.summary(),
        actions: plan.actions().collect(),
        retiring: &plan.retiring,
        targets: &plan.targets,
    };
    // Plain data with string keys always serializes.
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}
