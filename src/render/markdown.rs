//! The plan as Markdown, for a pull-request comment.

use std::fmt::Write;

use super::scope_diff;
use crate::plan::Plan;

pub fn plan(plan: &Plan) -> String {
    let mut out = String::from("### bckeys plan\n\n");
    if !plan.refreshed {
        out.push_str("_Planned from the configuration and the state alone; BigCommerce was not asked._\n\n");
    }
    if !plan.targets.is_empty() {
        let _ = writeln!(
            out,
            "_Planned only for {} (--target): the rest was not looked at._\n",
            super::markdown_text(&plan.targets.join(", "))
        );
    }
    let retiring = super::retiring_lines(&plan.retiring);
    if !retiring.is_empty() {
        out.push_str("Retiring (valid on purpose while what uses them moves to the new ones):\n\n");
        for line in &retiring {
            let _ = writeln!(out, "- {}", super::markdown_text(line));
        }
        out.push('\n');
    }
    if !plan.has_changes() {
        out.push_str(
            "**No changes.** BigCommerce credentials, the state and the secret files match the configuration.\n",
        );
        return out;
    }
    let s = plan.summary();
    let _ = writeln!(
        out,
        "**{}.** {} guided (a person acts in the control panel), {} automated.\n",
        super::plan_counts(&s),
        s.guided,
        s.automated
    );
    out.push_str("| | address | action | mode | why |\n|---|---|---|---|---|\n");
    for a in plan.actions() {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} | {} |",
            a.action.symbol(),
            a.address,
            a.action.as_str(),
            a.mode.as_str(),
            super::markdown_text(&a.reason)
        );
    }
    for a in plan.actions().filter(|a| a.scopes.is_some() || !a.changes.is_empty()) {
        let _ =
            write!(out, "\n<details><summary><code>{}</code>: {}</summary>\n\n```diff\n", a.address, a.action.as_str());
        if let Some(scopes) = &a.scopes {
            for (sign, line) in scope_diff(&scopes.before, &scopes.after) {
                let _ = writeln!(out, "{sign} scopes.{line}");
            }
        }
        for c in &a.changes {
            if let Some(b) = &c.before {
                let _ = writeln!(out, "- {}: {b}", c.field);
            }
            if let Some(after) = &c.after {
                let _ = writeln!(out, "+ {}: {after}", c.field);
            }
        }
        out.push_str("```\n\n</details>\n");
    }
    out
}
