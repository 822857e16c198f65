//! The plan: what must change to make BigCommerce and the repository match the configuration.
//!
//! A plan is a value computed by a pure function (`diff`) of the configuration, the state, the
//! findings and the current time: typed steps for apply, each with the `Action` that renders it.
//! Rendering and applying happen elsewhere. Its order is deterministic: by address, then action.

mod choices;
mod diff;
mod moves;
pub mod saved;
pub mod step;

use serde::{Deserialize, Serialize};

pub use choices::{ChoiceError, Choices};
pub use diff::{diff, diff_with};
/// Renames of recorded resources, which `import` must not record a second time.
pub use moves::moves;
pub use step::{Step, Work};

use crate::address::Address;

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// The same resource at a new address (a relabel): record and secret file renamed.
    Move,
    Create,
    Replace,
    Update,
    Rekey,
    Delete,
    /// A finding that needs attention but has no action of its own.
    Drift,
}

impl Op {
    /// The symbol the text and Markdown renderings use, as Terraform's users know them.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Move => "->",
            Op::Create => "+",
            Op::Delete => "-",
            Op::Replace => "-/+",
            Op::Update => "~",
            Op::Rekey => "r",
            Op::Drift => "!",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Move => "move",
            Op::Create => "create",
            Op::Delete => "delete",
            Op::Replace => "replace",
            Op::Update => "update",
            Op::Rekey => "rekey",
            Op::Drift => "drift",
        }
    }
}

/// Whether bckeys can carry an action out by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Through BigCommerce's API or on local files.
    Automated,
    /// A person must act in the BigCommerce control panel.
    Guided,
    /// A finding for a person to look into; bckeys changes nothing by itself.
    Review,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Automated => "automated",
            Mode::Guided => "guided",
            Mode::Review => "review",
        }
    }
}

/// The kind of resource an action concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    StoreApiAccount,
    AccountApiAccount,
    Webhook,
    StorefrontToken,
}

/// The scope levels before and after, one `family: levels` line each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeChange {
    pub before: Vec<String>,
    pub after: Vec<String>,
}

/// One field that changes, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub address: Address,
    pub action: Op,
    pub mode: Mode,
    pub resource_type: ResourceType,
    /// `store abc123def4` or `account 0b7e...`.
    pub target: String,
    /// Why, in a sentence.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<ScopeChange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
    /// The action concerns the previous API account at this address, which a replacement left
    /// to delete.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub previous: bool,
    /// The BigCommerce ID of an account's webhook that the configuration does not declare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_id: Option<u64>,
    /// On a replacement: how long the previous credential stays (`7d`, `until_expiry`); absent
    /// when it goes in the same run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlap: Option<String>,
    /// A webhook's generated header values are replaced by new ones (`--replace`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub regenerate: bool,
    /// A move's old address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<Address>,
}

impl Action {
    /// The overlap a saved plan's action carries: none, or the configured one. `None` when it
    /// is neither (a plan edited by hand can't give a security replacement an overlap).
    pub fn overlap_within(&self, configured: crate::config::Overlap) -> Option<crate::config::Overlap> {
        use crate::config::Overlap;
        match &self.overlap {
            None => Some(Overlap::None),
            Some(text) => Overlap::parse(text).ok().filter(|o| *o == configured || *o == Overlap::None),
        }
    }
}

/// Counts per action and mode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    #[serde(rename = "move")]
    pub moves: usize,
    pub create: usize,
    pub replace: usize,
    pub update: usize,
    pub rekey: usize,
    pub delete: usize,
    pub drift: usize,
    pub automated: usize,
    pub guided: usize,
    /// What BigCommerce and the secret files showed: the same count `drift` gives.
    pub findings: usize,
    pub security_findings: usize,
}

/// One store's (or account's) line of a plan's summary table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCounts {
    pub create: usize,
    pub replace: usize,
    pub delete: usize,
    /// Updates, rekeys and reviews.
    pub other: usize,
    pub guided: usize,
    pub automated: usize,
    pub findings: usize,
}

/// How many findings went into a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingCounts {
    pub findings: usize,
    pub security: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Whether live observations from BigCommerce went into this plan.
    pub refreshed: bool,
    /// The state serial the plan was computed from.
    pub state_serial: u64,
    /// SHA-256 of the configuration file the plan was computed from.
    pub config_sha256: String,
    pub findings: FindingCounts,
    /// Previous credentials still valid until their overlap ends: shown, with nothing to do yet.
    pub retiring: Vec<crate::findings::Retiring>,
    /// `--target`: the addresses this plan was limited to; the rest was not looked at.
    pub targets: Vec<String>,
    /// Every store (`store/<label>`) and account (`account/<label>`) the plan looked at, with
    /// how many findings it has.
    pub findings_per_group: std::collections::BTreeMap<String, usize>,
    pub steps: Vec<Step>,
}

impl Plan {
    /// The steps as shown: the public view.
    pub fn actions(&self) -> impl Iterator<Item = &Action> + '_ {
        self.steps.iter().map(|s| &s.action)
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            findings: self.findings.findings,
            security_findings: self.findings.security,
            ..Summary::default()
        };
        for a in self.actions() {
            *match a.action {
                Op::Move => &mut s.moves,
                Op::Create => &mut s.create,
                Op::Replace => &mut s.replace,
                Op::Update => &mut s.update,
                Op::Rekey => &mut s.rekey,
                Op::Delete => &mut s.delete,
                Op::Drift => &mut s.drift,
            } += 1;
            match a.mode {
                Mode::Automated => s.automated += 1,
                Mode::Guided => s.guided += 1,
                Mode::Review => {}
            }
        }
        s
    }

    /// Per store or account: the counts of its steps, and its findings, for the summary table
    /// of a plan that concerns more than one.
    pub fn per_group(&self) -> std::collections::BTreeMap<String, GroupCounts> {
        let mut out: std::collections::BTreeMap<String, GroupCounts> = std::collections::BTreeMap::new();
        for a in self.actions() {
            let c = out.entry(a.address.group()).or_default();
            match a.action {
                Op::Create => c.create += 1,
                Op::Replace => c.replace += 1,
                Op::Delete => c.delete += 1,
                Op::Move | Op::Update | Op::Rekey | Op::Drift => c.other += 1,
            }
            match a.mode {
                Mode::Guided => c.guided += 1,
                Mode::Automated => c.automated += 1,
                Mode::Review => {}
            }
        }
        for (group, n) in &self.findings_per_group {
            out.entry(group.clone()).or_default().findings = *n;
        }
        out
    }

    pub fn has_changes(&self) -> bool {
        !self.steps.is_empty()
    }
}
