//! The scope catalogue as a table, JSON or Markdown.

use std::fmt::Write;

use serde::Serialize;

use super::FORMAT_VERSION;
use crate::scopes::{Family, FAMILIES};

fn levels(f: &Family) -> String {
    let names = f.level_names().join(", ");
    if f.multi {
        format!("none, {names}; several at once")
    } else {
        format!("none, {names}")
    }
}

pub fn table() -> String {
    let rows: Vec<[String; 4]> = FAMILIES
        .iter()
        .map(|f| {
            let note = f.unavailable.map(|_| "app-level API accounts only").or(f.note).unwrap_or_default().to_owned();
            [f.key.to_owned(), f.kind.as_str().to_owned(), format!("{} ({})", f.ui, levels(f)), note]
        })
        .collect();
    let headers = ["FAMILY", "KIND", "CONTROL PANEL NAME (LEVELS)", "NOTE"];
    let widths: Vec<usize> = (0..4)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).chain([headers[i].len()]).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    let mut line = |cells: [&str; 4]| {
        let text = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect::<Vec<_>>().join("  ");
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(headers);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3]]);
    }
    out
}

#[derive(Serialize)]
struct Document {
    format_version: u32,
    families: &'static [Family],
}

pub fn json() -> String {
    let mut out = serde_json::to_string_pretty(&Document { format_version: FORMAT_VERSION, families: FAMILIES })
        .unwrap_or_default();
    out.push('\n');
    out
}

pub fn markdown() -> String {
    let mut out =
        String::from("| family | kind | control panel name | levels (OAuth parameter) |\n|---|---|---|---|\n");
    for f in FAMILIES {
        let levels: Vec<String> = f.levels.iter().map(|l| format!("{} (`{}`)", l.name, l.parameter)).collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {}{} |",
            f.key,
            f.kind.as_str(),
            f.ui,
            levels.join(", "),
            if f.multi { "; several at once" } else { "" }
        );
    }
    out
}
