//! Rendering: the only code that turns results into text, JSON or Markdown. Nothing here
//! writes to the terminal; the Ui does.

mod apply;
mod drift;
mod exposure;
pub mod import;
mod json;
pub mod least;
mod markdown;
mod paint;
pub mod readers;
mod rekey;
mod scopes;
pub mod state;
mod text;

pub use apply::apply;
pub use drift::drift;
pub use exposure::exposure;
pub use paint::Paint;
pub use rekey::{rekey, rekey_nothing};

use crate::plan::Plan;

/// The line that ends a command which recorded something: the state and the secret files are
/// worth nothing to the next run until they are committed.
fn commit_next(command: &str) -> String {
    format!(
        "Next: commit what this {command} recorded (git add bckeys.state.yaml secrets && git commit), so that the next plan starts from it.\n"
    )
}

/// The output formats of commands that report results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// The version of the JSON documents bckeys prints. Raised on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

pub fn plan(plan: &Plan, format: Format, paint: Paint) -> String {
    match format {
        Format::Text => text::plan(plan, paint),
        Format::Json => json::plan(plan),
        Format::Markdown => markdown::plan(plan),
    }
}

pub fn scope_catalogue(format: Format) -> String {
    match format {
        Format::Json => scopes::json(),
        Format::Markdown => scopes::markdown(),
        Format::Text => scopes::table(),
    }
}

/// "N to create, ..., N to review; N findings (N security)": the counts every plan rendering
/// states. The findings are those `drift` counts, from the same function.
pub(crate) fn plan_counts(s: &crate::plan::Summary) -> String {
    let moves = if s.moves > 0 { format!("{} to move, ", s.moves) } else { String::new() };
    format!(
        "{moves}{} to create, {} to replace, {} to update, {} to rekey, {} to delete, {} to review; {} finding{} ({} security)",
        s.create,
        s.replace,
        s.update,
        s.rekey,
        s.delete,
        s.drift,
        s.findings,
        if s.findings == 1 { "" } else { "s" },
        s.security_findings
    )
}

/// A plain text table: the first column left-aligned, the others right-aligned, each as wide
/// as its widest cell.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i == 0 {
                out.push_str(&format!("{cell:<w$}"));
            } else {
                out.push_str(&format!("  {cell:>w$}"));
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// One line per previous credential still in its overlap, for every rendering.
pub(crate) fn retiring_lines(retiring: &[crate::findings::Retiring]) -> Vec<String> {
    retiring
        .iter()
        .map(|r| {
            let what = if r.kind == "storefront_token" { "token stays valid" } else { "API account stays" };
            let then = if r.kind == "storefront_token" { "revokes it" } else { "asks for its deletion" };
            format!("{}: the previous {what} until {} (overlap); the first apply after that {then}", r.address, r.until)
        })
        .collect()
}

/// Text for a Markdown table cell or list item: on one line, with the characters that make
/// links, images, HTML and table cells escaped, so that what someone else set (a destination, a
/// header name) can't become a link, an image or a cell of its own in a pull-request comment.
pub(crate) fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '[' | ']' | '<' | '>' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The lines of a scope change as a diff: `+`, `-` or ` ` and the line.
pub(crate) fn scope_diff(before: &[String], after: &[String]) -> Vec<(char, String)> {
    let before: Vec<&str> = before.iter().map(String::as_str).collect();
    let after: Vec<&str> = after.iter().map(String::as_str).collect();
    similar::TextDiff::from_slices(&before, &after)
        .iter_all_changes()
        .map(|c| {
            let sign = match c.tag() {
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Equal => ' ',
            };
            (sign, c.value().to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn markdown_from_others_cannot_link_embed_or_split_cells() {
        let text = super::markdown_text("![x](https://t.example/p.png) [y](https://e.example) <img src=x> a|b\nc");
        assert_eq!(text, "!\\[x\\](https://t.example/p.png) \\[y\\](https://e.example) \\<img src=x\\> a\\|b c");
    }
}
