//! The plan as a person reads it in a terminal.

use std::fmt::Write;

use super::{scope_diff, Paint};
use crate::plan::{Mode, Op, Plan};

pub fn plan(plan: &Plan, p: Paint) -> String {
    let mut out = String::new();
    if !plan.refreshed {
        let _ = writeln!(
            out,
            "{}",
            p.dim("Planned from the configuration and the state alone; BigCommerce was not asked (--refresh=false).")
        );
        let _ = writeln!(out);
    }
    if !plan.targets.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.dim(&format!(
                "Planned only for {} (--target): the rest of the configuration and the state was not looked at.",
                plan.targets.join(", ")
            ))
        );
        let _ = writeln!(out);
    }
    let retiring = super::retiring_lines(&plan.retiring);
    if !retiring.is_empty() {
        let _ = writeln!(out, "{}", p.dim("Retiring (valid on purpose while what uses them moves to the new ones):"));
        for line in &retiring {
            let _ = writeln!(out, "  ~ {line}");
        }
        let _ = writeln!(out);
    }
    if !plan.has_changes() {
        let _ = writeln!(
            out,
            "{}",
            p.green("No changes. BigCommerce credentials, the state and the secret files match the configuration.")
        );
        return out;
    }
    for action in plan.actions() {
        let symbol = format!("{:>3}", action.action.symbol());
        let colored = match action.action {
            Op::Move => p.cyan(&symbol),
            Op::Create => p.green(&symbol),
            Op::Delete => p.red(&symbol),
            Op::Replace | Op::Update | Op::Rekey => p.yellow(&symbol),
            Op::Drift => p.red(&symbol),
        };
        let mode = match action.mode {
            Mode::Guided => p.cyan("guided: a person acts in the control panel"),
            Mode::Automated => p.dim("automated"),
            Mode::Review => p.red("review: a person must look into it"),
        };
        let previous = match (action.previous, action.resource_type, action.webhook_id) {
            (_, _, Some(id)) => format!(" (its unmanaged webhook {id})"),
            (false, _, None) => String::new(),
            (true, crate::plan::ResourceType::StorefrontToken, None) => " (previous token)".to_owned(),
            (true, _, None) => " (previous account)".to_owned(),
        };
        let _ = writeln!(
            out,
            "{colored} {}{previous} {} ({mode})",
            p.bold(&action.address.to_string()),
            action.action.as_str()
        );
        let _ = writeln!(out, "      {}", action.reason);
        if let Some(scopes) = &action.scopes {
            let _ = writeln!(out, "      scopes:");
            let lines = scope_diff(&scopes.before, &scopes.after);
            if lines.is_empty() {
                let _ = writeln!(out, "          (none)");
            }
            for (sign, line) in lines {
                let text = format!("{sign} {line}");
                let text = match sign {
                    '+' => p.green(&text),
                    '-' => p.red(&text),
                    _ => text,
                };
                let _ = writeln!(out, "        {text}");
            }
        }
        for c in &action.changes {
            let line = match (&c.before, &c.after) {
                (None, Some(a)) => p.green(&format!("+ {}: {a}", c.field)),
                (Some(b), None) => p.red(&format!("- {}: {b}", c.field)),
                (Some(b), Some(a)) => p.yellow(&format!("~ {}: {b} -> {a}", c.field)),
                (None, None) => continue,
            };
            let _ = writeln!(out, "        {line}");
        }
        let _ = writeln!(out);
    }
    let groups = plan.per_group();
    if groups.len() > 1 {
        let rows: Vec<Vec<String>> = groups
            .iter()
            .map(|(g, c)| {
                let n = |v: usize| v.to_string();
                vec![
                    g.clone(),
                    n(c.create),
                    n(c.replace),
                    n(c.delete),
                    n(c.other),
                    n(c.guided),
                    n(c.automated),
                    n(c.findings),
                ]
            })
            .collect();
        let header = ["store", "create", "replace", "delete", "other", "guided", "automated", "findings"];
        out.push_str(&super::table(&header, &rows));
        let _ = writeln!(out);
    }
    let s = plan.summary();
    let _ = writeln!(out, "{} {}.", p.bold("Plan:"), super::plan_counts(&s));
    if s.guided > 0 {
        let _ = writeln!(
            out,
            "{} action{} need{} a person at the BigCommerce control panel: BigCommerce has no API to create or delete API accounts, so `bckeys apply` guides you step by step.",
            s.guided,
            if s.guided == 1 { "" } else { "s" },
            if s.guided == 1 { "s" } else { "" }
        );
    }
    out
}
