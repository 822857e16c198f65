//! What `bckeys readers` prints: who can read each credential, or what one reader can read.

use crate::text::plural;
use std::fmt::Write;

use super::FORMAT_VERSION;
use crate::readers::{Access, Filter, Recorded};

fn recorded(r: &Recorded) -> &'static str {
    match r {
        Recorded::Same => "the file is encrypted to exactly these",
        Recorded::Outdated(_) => "the file is still encrypted to other readers: `bckeys rekey` re-encrypts it",
        Recorded::Unknown => {
            "the file is encrypted to other readers, which the state does not list: `bckeys rekey` re-encrypts it"
        }
        Recorded::NotRecorded => "not recorded yet",
    }
}

pub fn text(access: &[Access], filter: Option<&Filter>) -> String {
    let mut out = String::new();
    if access.is_empty() {
        return "No credential matches.\n".to_owned();
    }
    if let Some(Filter::Recipient(r)) = filter {
        let configured: Vec<&Access> =
            access.iter().filter(|a| a.readers.iter().any(|x| x.recipient == r.as_str())).collect();
        let _ = writeln!(out, "{} can read {} credential{}:", r.as_str(), configured.len(), plural(configured.len()));
        for a in &configured {
            let from =
                a.readers.iter().find(|x| x.recipient == r.as_str()).map(|x| x.from.join(", ")).unwrap_or_default();
            let note = match &a.recorded {
                Recorded::Same => String::new(),
                other => format!("; {}", recorded(other)),
            };
            let _ = writeln!(out, "  {}  (through {from}{note})", a.address);
        }
        let stale: Vec<&Access> = access
            .iter()
            .filter(|a| matches!(&a.recorded, Recorded::Outdated(list) if list.iter().any(|x| x == r.as_str())))
            .filter(|a| !a.readers.iter().any(|x| x.recipient == r.as_str()))
            .collect();
        if !stale.is_empty() {
            let _ = writeln!(
                out,
                "It is no longer configured for, but its files are still encrypted to ({}):",
                stale.len()
            );
            for a in stale {
                let _ = writeln!(out, "  {}  (`bckeys rekey` re-encrypts it; rotate what it could read)", a.address);
            }
        }
        return crate::text::escape_terminal(&out).into_owned();
    }
    for a in access {
        let _ = writeln!(
            out,
            "{}  ({} reader{}; {})",
            a.address,
            a.readers.len(),
            plural(a.readers.len()),
            recorded(&a.recorded)
        );
        for r in &a.readers {
            let _ = writeln!(out, "  {}  {}", r.recipient, r.from.join(", "));
        }
    }
    crate::text::escape_terminal(&out).into_owned()
}

pub fn json(access: &[Access]) -> String {
    #[derive(serde::Serialize)]
    struct Document<'a> {
        format_version: u32,
        credentials: &'a [Access],
    }
    serde_json::to_string_pretty(&Document { format_version: FORMAT_VERSION, credentials: access }).unwrap_or_default()
        + "\n"
}
