//! Saved plans (`plan --out FILE`, `apply FILE`): the plan as JSON, with what it was computed
//! from. It holds no secret. Applying refuses it when the state or the configuration moved.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Action, FindingCounts, Plan, Step, Work};
use crate::config::Config;

const KIND: &str = "bckeys-saved-plan";

/// A saved plan as read, before its actions are resolved into steps.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedPlan {
    kind: String,
    format_version: u32,
    refreshed: bool,
    state_serial: u64,
    config_sha256: String,
    #[serde(default)]
    findings: FindingCounts,
    actions: Vec<Action>,
}

#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("cannot read the saved plan {}: {error}", path.display())]
    Read { path: PathBuf, error: std::io::Error },
    #[error("{} is not a bckeys saved plan: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error("cannot write {}: {error}", path.display())]
    Write { path: PathBuf, error: std::io::Error },
    #[error("the saved plan {} is stale: {reason}", path.display())]
    Stale { path: PathBuf, reason: String },
}

impl SavedPlanError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            SavedPlanError::Stale { .. } => {
                Some("make a new plan (`bckeys plan --out FILE`), review it, and apply that one")
            }
            SavedPlanError::Write { .. } => Some("choose a writable path"),
            SavedPlanError::Read { .. } | SavedPlanError::Invalid { .. } => {
                Some("make a new plan with `bckeys plan --out FILE`")
            }
        }
    }
}

pub fn save(plan: &Plan, path: &Path) -> Result<(), SavedPlanError> {
    let saved = SavedPlan {
        kind: KIND.to_owned(),
        format_version: crate::render::FORMAT_VERSION,
        refreshed: plan.refreshed,
        state_serial: plan.state_serial,
        config_sha256: plan.config_sha256.clone(),
        findings: plan.findings,
        actions: plan.actions().cloned().collect(),
    };
    let mut text = serde_json::to_string_pretty(&saved).unwrap_or_default();
    text.push('\n');
    crate::fsutil::write_atomic(path, text.as_bytes(), false)
        .map_err(|error| SavedPlanError::Write { path: path.to_path_buf(), error })
}

/// Reads a saved plan and turns it back into steps, once it is proven to be made from this
/// state (`state_serial`) and this configuration.
pub fn load(path: &Path, config: &Config, state_serial: u64) -> Result<Plan, SavedPlanError> {
    let text = crate::fsutil::read_bounded(path, crate::fsutil::MAX_DOCUMENT)
        .map_err(|error| SavedPlanError::Read { path: path.to_path_buf(), error })?;
    let saved = parse(path, &text)?;
    check_current(&saved, path, state_serial, &config.sha256)?;
    saved.into_plan(path, config)
}

/// Reads a saved plan's bytes; `path` names it in errors.
pub fn parse(path: &Path, text: &[u8]) -> Result<SavedPlan, SavedPlanError> {
    let invalid = |reason: String| SavedPlanError::Invalid { path: path.to_path_buf(), reason };
    let value: serde_json::Value = serde_json::from_slice(text).map_err(|e| invalid(e.to_string()))?;
    // Its texts are shown before apply carries it out: none may steer the terminal.
    if holds_unsafe(&value) {
        return Err(invalid("it holds a control character".into()));
    }
    let saved: SavedPlan = serde_json::from_value(value).map_err(|e| invalid(e.to_string()))?;
    if saved.kind != KIND || saved.format_version != crate::render::FORMAT_VERSION {
        return Err(SavedPlanError::Invalid {
            path: path.to_path_buf(),
            reason: format!("kind `{}`, format_version {}", saved.kind, saved.format_version),
        });
    }
    Ok(saved)
}

impl SavedPlan {
    /// The steps of the saved actions, from the configuration they were planned from.
    fn into_plan(self, path: &Path, config: &Config) -> Result<Plan, SavedPlanError> {
        let steps = self
            .actions
            .into_iter()
            .map(|action| match Work::resolve(&action, config) {
                Some(work) => Ok(Step { action, work }),
                None => Err(SavedPlanError::Invalid {
                    path: path.to_path_buf(),
                    reason: format!(
                        "its {} of {} is not one this configuration can plan",
                        action.action.as_str(),
                        action.address
                    ),
                }),
            })
            .collect::<Result<_, _>>()?;
        Ok(Plan {
            retiring: Vec::new(),
            targets: Vec::new(),
            findings_per_group: Default::default(),
            refreshed: self.refreshed,
            state_serial: self.state_serial,
            config_sha256: self.config_sha256,
            findings: self.findings,
            steps,
        })
    }
}

fn holds_unsafe(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.chars().any(|c| c != '\n' && crate::text::is_unsafe(c)),
        serde_json::Value::Array(items) => items.iter().any(holds_unsafe),
        serde_json::Value::Object(map) => {
            map.iter().any(|(k, v)| k.chars().any(crate::text::is_unsafe) || holds_unsafe(v))
        }
        _ => false,
    }
}

/// Refuses a saved plan computed from another state or configuration.
fn check_current(plan: &SavedPlan, path: &Path, state_serial: u64, config_sha256: &str) -> Result<(), SavedPlanError> {
    if plan.state_serial != state_serial {
        return Err(SavedPlanError::Stale {
            path: path.to_path_buf(),
            reason: format!(
                "it was made from state serial {}, and the state is now at serial {state_serial}",
                plan.state_serial
            ),
        });
    }
    if plan.config_sha256 != config_sha256 {
        return Err(SavedPlanError::Stale {
            path: path.to_path_buf(),
            reason: "the configuration changed since it was made".into(),
        });
    }
    Ok(())
}
